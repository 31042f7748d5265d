/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The kick side of a virtqueue: the guest asking vhost to look at its
 * ring, and what vhost did about it (core_fixes.bpf.h Q12-Q14).
 *
 *   kick        the kick eventfd wakes vq->poll (vhost_poll_wakeup)
 *   handler     the worker runs vq->handle_kick for it
 *   enable /    vhost turns kicks on before it waits (vhost_enable_notify;
 *   disable     true: buffers came in meanwhile) and off while it works
 *   busy poll   vhost-net polls the ring instead of waiting for a kick
 *
 * All are kprobes: each is one counter bump in the vq's entry, and the
 * trampoline's preemption hazard (Q11) would cost more than it saves. A
 * kick of a vq that has no entry yet (its kick comes before its first used
 * entry, which creates the entry) waits in early_kicks (vq_state.bpf.h)
 * until then. */
#ifndef __VQTRACE_KICK_BPF_H
#define __VQTRACE_KICK_BPF_H

#include "handler_run.bpf.h"

CALL_SLOT_MAP(enable_slots);

#define VQ_EPOLLIN	0x1
#define VQ_WAKE_DIRECT	0	/* vhost_poll_start's own call: no new kick (Q12) */

/* The vq whose poll or poll work this is, by the offsets of this kernel. */
static __always_inline u64 vq_of_poll(u64 poll)
{
	struct vhost_virtqueue *vq = NULL;

	return poll - bpf_core_field_offset(vq->poll);
}

static __always_inline u64 vq_of_work(u64 work)
{
	struct vhost_poll *p = NULL;

	return vq_of_poll(work - bpf_core_field_offset(p->work));
}

/* A kick (run = false) or a handler run of vq, which has no entry yet.
 * Only a vq's own poll runs its handle_kick: vhost-net's socket polls,
 * whose address minus the vq offset is no vq, do not get here. */
static __always_inline void kick_early(u64 vq, void *fn, bool run)
{
	struct vhost_virtqueue *v = (void *)vq;
	struct early_kick fresh = {}, *e;
	struct vq_stats *s;
	bool skip;
	u32 id;

	if (BPF_CORE_READ(v, handle_kick) != fn)
		return;
	e = bpf_map_lookup_elem(&early_kicks, &vq);
	if (!e) {
		fresh.dev = (u64)BPF_CORE_READ(v, dev);
		fresh.kicks = !run;
		fresh.runs = run;
		if (!bpf_map_update_elem(&early_kicks, &vq, &fresh, BPF_NOEXIST))
			goto made;
		e = bpf_map_lookup_elem(&early_kicks, &vq);	/* another CPU's */
		if (!e)
			return;
	}
	if (run)
		__sync_fetch_and_add(&e->runs, 1);
	else
		__sync_fetch_and_add(&e->kicks, 1);
made:
	/* The vq's first used entry may have made its entry meanwhile, after
	 * the lookup above: then this is taken over now. */
	s = vq_find_live(vq, &id, &skip);
	if (s)
		kick_adopt_early(s, vq);
}

/* vhost_poll_wakeup(wait, mode, sync, key). */
static __always_inline void kick_wakeup(u64 wait, u32 mode, u64 key)
{
	struct vhost_poll *poll = NULL;
	struct vq_stats *s;
	bool skip;
	void *fn;
	u64 vq;
	u32 id;

	if (mode == VQ_WAKE_DIRECT || !(key & VQ_EPOLLIN))
		return;
	poll = (void *)(wait - bpf_core_field_offset(poll->wait));
	vq = vq_of_poll((u64)poll);
	s = vq_find_live(vq, &id, &skip);
	if (skip)
		return;
	fn = BPF_CORE_READ(poll, work.fn);
	if (!(BPF_CORE_READ(poll, mask) & VQ_EPOLLIN))
		return;
	if (!s) {
		kick_early(vq, fn, false);
		return;
	}
	if ((u64)fn != s->handle_kick)
		return;		/* a socket poll of vhost-net */
	__sync_fetch_and_add(&s->kicks, 1);
	/* The first kick its handler has not started for: timed here only
	 * for --hist, else by the next refresh (at most an interval late,
	 * for WORKER_STALL). A handler that starts meanwhile wins. */
	if (!s->kick_waiting_ns)
		__sync_val_compare_and_swap(&s->kick_waiting_ns, 0,
					    want_hist ? bpf_ktime_get_ns() : VQ_WAIT_UNSTAMPED);
}

/* A kick handler (vq->handle_kick) starts: handle_tx_kick(work) etc. */
static __always_inline void kick_handler(u64 work)
{
	u64 vq = vq_of_work(work), now = 0, since = 0;
	struct vq_stats *s;
	struct vq_hists *h;
	bool skip;
	u32 id;

	s = vq_find_live(vq, &id, &skip);
	if (skip)
		return;
	if (!s) {
		kick_early(vq, BPF_CORE_READ((struct vhost_work *)work, fn), true);
		run_start(vq, NULL, 0, 0);
		return;
	}
	s->handler_runs++;
	if (s->kick_waiting_ns)
		since = __sync_lock_test_and_set(&s->kick_waiting_ns, 0);
	h = hists_of(id);
	if (h && since > VQ_WAIT_UNSTAMPED) {
		now = bpf_ktime_get_ns();
		if (now > since)
			hist_add(h, VQ_HIST_KICK_WAIT_NS, now - since);
	}
	run_start(vq, s, since, now);
}

static __always_inline void kick_disable(u64 vq)
{
	struct vq_stats *s;
	bool skip;
	u32 id;

	s = vq_find_live(vq, &id, &skip);
	if (s) {
		s->notify_disables++;
		s->kick_armed = 0;
	}
}

static __always_inline void kick_enable_enter(u64 vq)
{
	u32 tid = current_tid();
	struct call_slot *c;
	struct vq_stats *s;
	bool skip;
	u32 id;

	s = vq_find_live(vq, &id, &skip);
	if (!s) {
		slot_drop(&enable_slots, tid);
		return;
	}
	c = slot_enter(&enable_slots, tid);
	if (!c)
		return;
	c->vq = vq;
	c->id = id;
	/* kicks off on entry: the call turns them on and re-checks */
	c->valid = !!(BPF_CORE_READ((struct vhost_virtqueue *)vq, used_flags) &
		      VQ_USED_F_NO_NOTIFY);
}

static __always_inline void kick_enable_exit(u8 more)
{
	struct vhost_virtqueue *v;
	struct call_slot c;
	struct vq_stats *s;

	if (!slot_take(&enable_slots, current_tid(), &c))
		return;
	s = vq_at(c.id, c.vq);
	if (!s)
		return;
	s->notify_enables++;
	if (more) {
		s->enable_rechecks++;
		return;
	}
	if (!c.valid)
		return;		/* kicks were on already: nothing re-read */
	/* vhost found the ring empty with kicks on (Q13): the guest's next
	 * buffer must come with a kick. Its avail_idx is the index vhost
	 * wrote as avail_event (EVENT_IDX) and the guest's, as vhost re-read
	 * it. Userspace judges KICK_MISSED from this (src/flags.c). */
	v = (void *)c.vq;
	s->kick_armed_avail = BPF_CORE_READ(v, avail_idx);
	s->avail = (u64)BPF_CORE_READ(v, avail);
	s->kicks_at_arm = s->kicks;
	s->kick_armed = 1;
}

/* vhost_net_busy_poll(net, rvq, tvq, busyloop_intr, poll_rx). */
static __always_inline void kick_busy_poll(u64 rvq, u64 tvq, bool poll_rx)
{
	struct vq_stats *s;
	bool skip;
	u32 id;

	s = vq_find_live(poll_rx ? rvq : tvq, &id, &skip);
	if (s)
		s->busy_polls++;
}

#endif /* __VQTRACE_KICK_BPF_H */
