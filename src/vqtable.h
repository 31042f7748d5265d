/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Userspace view of the per-vq map: the latest snapshot and the one before
 * it (for per-interval deltas), with each vq's identity resolved once. */
#ifndef __VQTRACE_VQTABLE_H
#define __VQTRACE_VQTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "flags.h"
#include "ksyms.h"
#include "vqident.h"
#include "vqtrace.h"

struct vq_row {
	struct vq_stats cur;	/* as read now */
	struct vq_stats prev;	/* as printed last interval (zero at first) */
	struct vq_ident id;
	char devname[32];	/* kind + ordinal per owner, e.g. net0 */
	char tap[16];		/* the tap serving a vhost-net queue, "" unknown */
	int qp;			/* its queue pair (the tap queue), -1 unknown */
	int dev_ordinal;	/* the number in devname, -1 until named */
	struct vq_flags flags;
	struct vq_hists hist, hist_prev;	/* with --hist: now, last printed */
	bool ident_retry;	/* kick handler not in ks: look it up again */
	bool hist_final;	/* hist holds the retired vq's final histograms */
};

/* A BPF array mapped read-only into memory. */
struct map_view {
	const void *p;
	__u32 n, map_id, value_size;
	size_t len;
};

struct vq_index_ent {
	__u64 vq, first_ns;
	size_t row;
};

struct vqtable {
	struct vq_row *rows;	/* sorted by pid, device, queue */
	size_t n, cap;
	const struct ksyms *ks;
	/* Kick handlers are named from ks until a vhost module is loaded,
	 * unloaded or reloaded elsewhere after it was read (modules changes)
	 * or a handler is not in it: then kallsyms is read again, and that
	 * read (fresh) is used from then on. NULL paths: never re-read. */
	const char *kallsyms, *modules;
	uint64_t modules_sig;	/* vhost modules and their addresses */
	struct ksyms fresh;	/* the latest re-read */
	bool hist;		/* rows carry histograms (--hist) */
	bool kick_side;		/* the kick side was traced (--kicks): else its
				 * counters (vq_field.kick) show as not counted */
	uint64_t guest_read_errors;	/* vqtable_read_guests' failed reads */
	/* Rows by (vq, first_ns), rebuilt when vqtable_settle orders new
	 * rows: it covers rows[0, index_n); rows added since are searched
	 * one by one. A find per map entry per interval was O(n^2) and, at
	 * 1024 vqs of 4 KiB rows, most of vqtrace's CPU. */
	struct vq_index_ent *index;
	size_t index_n;
	/* Read-only mappings of the per-vq array (vqtable_read_map) and of
	 * the histograms at the same slots (vqtable_read_hists). */
	struct map_view vqs_view, hists_view;
};

void vqtable_init(struct vqtable *t, const struct ksyms *ks);
void vqtable_free(struct vqtable *t);
/* The row of a vq, NULL if the table has none. A vq is its address and
 * the time it was first seen: vhost may reuse the address of a torn-down
 * vq for a new one. */
struct vq_row *vqtable_find(struct vqtable *t, __u64 vq, __u64 first_ns);
/* Adds or updates the row of one map entry. Returns 0 or -ENOMEM. */
int vqtable_update(struct vqtable *t, const struct vq_stats *s);
/* Orders the rows and names new devices; call after a round of updates
 * (nothing to do when no row was added since the last call). */
void vqtable_settle(struct vqtable *t);
/* Reads every entry of the per-vq map (an array, mapped into memory; free
 * slots have first_ns 0) into the table, and collects (and deletes) the
 * final counts of vqs retired meanwhile. 0 or -errno. */
int vqtable_read_map(struct vqtable *t, int map_fd, int retired_fd);
/* Reads the histograms of every live row (--hist) from the hists array,
 * mapped into memory like the vqs (after vqtable_read_map). 0 or -errno. */
int vqtable_read_hists(struct vqtable *t, int hists_fd);
/* The final histograms of retired vqs (retired_hists): into their rows,
 * then deleted from the map. After vqtable_read_map. */
void vqtable_read_retired_hists(struct vqtable *t, int retired_hists_fd);
/* Judges every row's flags; calls raised(row, flag) for each first raise. */
/* What the flags' judge needs from guest memory (src/guest.c through
 * `read`), into each row's flags state, before vqtable_judge: the guest's
 * avail index of a vq vhost waits on for a kick (KICK_MISSED), and its
 * used_event where entries wait for an interrupt (NO_SIGNAL_STALL).
 * Failures other than a gone process or ring are counted in
 * guest_read_errors. */
void vqtable_read_guests(struct vqtable *t, int (*read)(pid_t pid, uint64_t addr, uint16_t *out));
void vqtable_judge(struct vqtable *t, const struct flag_opts *o, uint64_t now_ns,
		   double now_s, void (*raised)(const struct vq_row *r, int flag));
/* cur - prev for the counters, cur for the state. */
void vq_row_delta(const struct vq_row *r, struct vq_stats *out);
/* What an output shows of a row: since start (total), or this interval. */
void vq_row_view(const struct vq_row *r, bool total, struct vq_stats *out);
void vq_row_hists(const struct vq_row *r, bool total, struct vq_hists *out);
/* After printing an interval: prev := cur for every row. */
void vqtable_mark_printed(struct vqtable *t);

#endif
