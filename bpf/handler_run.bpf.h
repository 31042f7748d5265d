/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A kick handler's run, from its start to its return, for the histograms
 * of the kick side (--kicks --hist; the return probe is attached only
 * then, src/hooks.c):
 *
 *   handler_run_ns      the run's length
 *   used_per_run        used entries vhost published during it
 *   kick_to_signal_ns   the kick that woke the run -> the first interrupt
 *                       the run sent (vhost_notify true on the same thread)
 *
 * The run is kept in the worker thread's slot (call_slot.bpf.h): a handler
 * never nests in another on one thread, and vhost_notify runs inside it on
 * that thread. A run the vq had no entry for at its start (its first kick
 * comes before its first used entry) is timed too: the entry its add_used
 * makes is found at the return. */
#ifndef __VQTRACE_HANDLER_RUN_BPF_H
#define __VQTRACE_HANDLER_RUN_BPF_H

#include "hist.bpf.h"
#include "call_slot.bpf.h"

struct run_slot {
	struct call_slot c;	/* tid, pending, vq */
	u64 start_ns;
	u64 used0;		/* the vq's used counter at the start */
	u64 kick_ns;		/* the kick the run serves (0: none timed) */
};

CALL_SLOT_MAP_OF(run_slots, struct run_slot);

/* The run starts: s is the vq's entry, or NULL when it has none yet. */
static __always_inline void run_start(u64 vq, struct vq_stats *s, u64 kick_ns, u64 now)
{
	u32 tid = current_tid();
	struct run_slot *r;

	if (!want_hist)
		return;
	/* Not slot_enter: a run that was not timed loses histogram samples,
	 * no count (run_misses, not return_misses). */
	r = (struct run_slot *)slot_of(&run_slots, tid);
	if (!r)
		return;
	if (r->c.pending)
		GLOBAL_INC(run_misses);
	r->c.tid = tid;
	r->c.pending = 1;
	r->c.vq = vq;
	r->start_ns = now ? now : bpf_ktime_get_ns();
	r->used0 = s ? s->used : 0;
	r->kick_ns = kick_ns > VQ_WAIT_UNSTAMPED ? kick_ns : 0;
}

/* The handler returns (kretprobe: no arguments, the slot says which vq). */
static __always_inline void run_end(void)
{
	struct run_slot *r = (struct run_slot *)slot_mine(&run_slots, current_tid());
	struct vq_stats *s;
	struct vq_hists *h;
	bool skip;
	u64 now;
	u32 id;

	if (!r)
		return;
	r->c.pending = 0;
	s = vq_find_live(r->c.vq, &id, &skip);
	h = s ? hists_of(id) : NULL;
	if (!h)
		return;
	now = bpf_ktime_get_ns();
	if (now > r->start_ns)
		hist_add(h, VQ_HIST_HANDLER_RUN_NS, now - r->start_ns);
	hist_add(h, VQ_HIST_USED_PER_RUN, s->used - r->used0);
}

/* vhost_notify returned true for vq at now: the run's first interrupt. */
static __always_inline void run_signalled(struct vq_hists *h, u64 vq, u64 now)
{
	struct run_slot *r = (struct run_slot *)slot_mine(&run_slots, current_tid());

	if (!r || r->c.vq != vq || !r->kick_ns)
		return;
	if (now > r->kick_ns)
		hist_add(h, VQ_HIST_KICK_TO_SIGNAL_NS, now - r->kick_ns);
	r->kick_ns = 0;
}

#endif /* __VQTRACE_HANDLER_RUN_BPF_H */
