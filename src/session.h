/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One tracing session: the BPF object planned, loaded and attached for the
 * vhost module as it is loaded now. A session ends with the module (it can
 * be unloaded under kprobes); --follow then starts a new one when vhost is
 * back. The probes' own counters carry over from session to session.
 *
 * The session owns the BPF object: only session.c touches its maps and
 * programs. Others get what the probes counted through it, into the vq
 * table (session_read), as counters, or as an event ring reader. */
#ifndef __VQTRACE_SESSION_H
#define __VQTRACE_SESSION_H

#include <bpf/libbpf.h>
#include <stdbool.h>

#include "attach.h"
#include "env.h"
#include "ksyms.h"
#include "vqtable.h"
#include "vqtrace.h"
#include "vqtrace_events.h"

struct session {
	struct vqtrace_bpf *skel;
	struct attach_plan plan;
	struct vq_global carry;	/* probe counters of the sessions closed so far */
	const struct vq_global_slot *global_view;	/* the global map, mapped */
	__u64 retired_seen;	/* its retired_moves when retired_vqs was drained */
	/* What session_open was given, to open the object again with kprobes
	 * when a trampoline does not load (session_load). */
	const struct env *env;
	const struct session_events *ev;
	const struct ksyms *ks;
};

/* What the per-call events (src/events.c) ask of the BPF side. */
struct session_events {
	bool on;		/* anything wants events: else the BPF side has none */
	__u32 sample;		/* keep one call in `sample` (1: all) */
	__u32 ringbuf_kb;	/* the ring buffer's size */
};

/* Errors (src/log.h): every int function here returns 0 or -errno, and
 * those that can fail in front of the user print one line first, except
 * session_read and session_read_vqs, whose callers decide. */

/* Reads kallsyms into ks, plans the hooks, opens the BPF object and
 * configures it in one step (filter, map sizes for -m and --hist, the
 * event side; ev NULL: no events); not loaded yet. 0, or -errno after
 * one line on stderr. */
int session_open(struct session *ss, const struct env *env, struct ksyms *ks,
		 const struct session_events *ev);
/* Loads the configured object into the kernel. 0, or -errno after one line. */
int session_load(struct session *ss);
/* Adds owner pids to the filter set. 0, or -errno after one line. */
int session_add_targets(struct session *ss, const pid_t *pids, int n);
/* The pids in the filter now (the kernel adds --follow's), into
 * out[0..max); returns how many. */
int session_targets(struct session *ss, pid_t *out, int max);
/* Pids that exited leave the filter (a pid number may be reused). */
void session_drop_targets(struct session *ss, const pid_t *pids, int n);
/* --follow with -p: the kernel takes an owner whose process has one of
 * names[0..n) (at most VQ_MAX_FOLLOW_NAMES) and started after since_ns
 * (CLOCK_MONOTONIC) into the filter at its first used entry. After load;
 * again after every session_open. 0 or -errno after one line. */
int session_follow_names(struct session *ss, const char (*names)[VQ_COMM_LEN], int n,
			 __u64 since_ns);
/* Forgets the vqs the filter turned away, so that the next call of each is
 * judged against the filter as it is now (after session_add_targets). */
void session_forget_ignored(struct session *ss);
/* Attaches every hook, saying how long it took with -v. 0, or -errno
 * after one line. */
int session_attach(struct session *ss);
/* Detaches every hook: nothing counts from here on; the maps stay. */
void session_detach(struct session *ss);
/* Loaded, not closed yet. */
bool session_live(const struct session *ss);
/* Re-reads vhost's state of every live vq (bpf/lifecycle.bpf.h), then
 * reads the per-vq maps into t: counters, retired vqs, and with t->hist
 * the retired vqs' histograms, and the live ones' if live_hists (one map
 * lookup per vq: a caller that shows no histogram this interval leaves
 * them to session_read_hists). 0 or -errno (-ENODEV once closed); prints
 * nothing. */
int session_read(const struct session *ss, struct vqtable *t, bool live_hists);
/* With t->hist: the live vqs' histograms into t. */
void session_read_hists(const struct session *ss, struct vqtable *t);
/* Only the per-vq counters and retired vqs (with t->hist, their final
 * histograms) into t, as they are: for an
 * event whose vq the table does not hold yet. 0 or -errno, silent. */
int session_read_vqs(const struct session *ss, struct vqtable *t);
/* After load: a reader of the event ring buffer calling fn(ctx, ...) for
 * each event; NULL (errno set) on error. */
struct ring_buffer *session_event_ring(const struct session *ss, ring_buffer_sample_fn fn,
				       void *ctx);
/* The event side's counters, summed over CPUs; zero without a session. */
void session_read_ev_counters(const struct session *ss, struct vq_ev_counters *c);
/* The probes' counters, summed over CPUs and over closed sessions. */
void session_read_global(const struct session *ss, struct vq_global *g);
/* The BPF object (for its programs' run-time statistics); NULL once closed. */
struct bpf_object *session_object(const struct session *ss);
/* Detaches and unloads; the counters move into carry. */
void session_close(struct session *ss);

#endif
