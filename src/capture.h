/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The capture file of `vqtrace record` (docs/capture-format.md): a magic
 * and version, then length-prefixed records, all little-endian:
 * META (first), VQ identities, EVENTs, per-interval STATS/HIST and SNAP
 * marks, and END (last) with the run's loss counters. The writer streams;
 * the reader treats every byte as hostile. */
#ifndef __VQTRACE_CAPTURE_H
#define __VQTRACE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vqtrace.h"
#include "vqtrace_events.h"

#define CAP_MAGIC		"\x89VQT\r\n\x1a\n"
#define CAP_MAGIC_LEN		8
#define CAP_VERSION		2	/* 1: raw structs, before the schema */
#define CAP_FILE_HDR_LEN	16	/* magic, u32 version, u32 reserved */
#define CAP_REC_HDR_LEN		8	/* u16 type, u16 flags, u32 length */
#define CAP_MAX_RECORD		65536	/* payload bytes */
#define CAP_STR_MAX		255
#define CAP_NAME_MAX		63	/* a schema name */
#define CAP_MAX_FIELDS		1024	/* names in one schema list */
#define CAP_MAX_QUEUE		65535	/* a VQ record's queue index, at most */

enum cap_rec_type {
	CAP_META = 1,
	CAP_VQ = 2,
	CAP_EVENT = 3,
	CAP_STATS = 4,
	CAP_HIST = 5,
	CAP_SNAP = 6,
	CAP_END = 7,
};

#define CAP_RF_OPTIONAL	1	/* record flag: readers may skip an unknown type */
#define CAP_F_HIST	1	/* meta flag: HIST records present (--hist) */
#define CAP_F_KICKS	2	/* meta flag: the kick side was traced (--kicks) */
#define CAP_EVENT_LEN	60	/* EVENT payload */

struct cap_meta {
	uint32_t flags;			/* CAP_F_* */
	uint32_t sample, ringbuf_kb, max_vqs, stall_ms;
	double interval_s;
	uint64_t start_mono_ns;		/* CLOCK_MONOTONIC at start... */
	double start_wall_s;		/* ...and CLOCK_REALTIME then */
	char release[CAP_STR_MAX + 1];	/* uname -r */
	char machine[CAP_STR_MAX + 1];	/* uname -m */
	char version[CAP_STR_MAX + 1];	/* vqtrace's */
	char add_hook[CAP_STR_MAX + 1];	/* "fentry:__vhost_add_used_n" */
	char notify_hook[CAP_STR_MAX + 1];
};

struct cap_vq {
	uint32_t id;			/* 0, 1, 2... in file order */
	uint64_t vq, first_ns, dev, handle_kick;
	uint32_t pid;
	int32_t queue;
	int32_t dev_ordinal;		/* the live table's device naming */
	char devname[32], kind[16], dir[8];
	char kick_sym[CAP_STR_MAX + 1];
	char tap[16];			/* "" when unknown */
	int32_t qp;			/* -1 when unknown */
	uint32_t flags;			/* CAP_VQF_*; absent (0) before it existed */
};

#define CAP_VQF_HANDLER_HOOKED	1u	/* its kick handler's runs were counted */

struct cap_snap {
	uint64_t mono_ns;	/* when the counters were judged (CLOCK_MONOTONIC) */
	double wall_s;		/* ...and CLOCK_REALTIME */
	double seconds;		/* the interval (or the whole run) as printed */
	bool final;		/* the last one: the totals */
};

struct cap_end {
	uint64_t emitted, lost, sampled_out;	/* the kernel's event counts */
	uint64_t add_used, notify;		/* events delivered and written */
	struct vq_global global;
};

/* ---- writer -------------------------------------------------------- */

struct cap_writer {
	FILE *f;
	int err;		/* first errno, 0 if none */
};

/* Creates path and writes the file header; -errno on failure. */
int capw_open(struct cap_writer *w, const char *path);
void capw_meta(struct cap_writer *w, const struct cap_meta *m);
void capw_vq(struct cap_writer *w, const struct cap_vq *v);
void capw_event(struct cap_writer *w, uint32_t id, const struct vq_event *e);
void capw_stats(struct cap_writer *w, uint32_t id, const struct vq_stats *s);
void capw_hists(struct cap_writer *w, uint32_t id, const struct vq_hists *h);
void capw_snap(struct cap_writer *w, const struct cap_snap *s);
void capw_end(struct cap_writer *w, const struct cap_end *e);
/* Flushes and closes; 0 or the first -errno. */
int capw_close(struct cap_writer *w);

/* ---- reader -------------------------------------------------------- */

/* Called for each record, in file order, after it was checked. An event
 * comes with its vq's identity (vq, first_ns, owner_tgid, queue) filled in.
 * A callback returning non-zero stops the read with that value. Any may be
 * NULL. */
struct cap_handler {
	void *ctx;
	int (*meta)(void *ctx, const struct cap_meta *m);
	int (*vq)(void *ctx, const struct cap_vq *v);
	int (*event)(void *ctx, uint32_t id, const struct vq_event *e);
	int (*stats)(void *ctx, uint32_t id, const struct vq_stats *s);
	int (*hists)(void *ctx, uint32_t id, const struct vq_hists *h);
	int (*snap)(void *ctx, const struct cap_snap *s);
	int (*end)(void *ctx, const struct cap_end *e);
};

/* Reads a whole capture of `size` bytes from f. Returns 0, a callback's
 * non-zero value, or -1 with one line saying what is wrong in err. Memory
 * used is bounded by the file's size. */
int cap_read(FILE *f, uint64_t size, const struct cap_handler *h, char *err, size_t errlen);
/* A vq_stats with only the identity a VQ record carries (counters zero). */
void cap_vq_identity(const struct cap_vq *v, struct vq_stats *s);

#endif
