/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vhost_notify(vq) decides whether vhost interrupts the guest. It has no BTF
 * and is usually a compiler clone, so it is hooked with kprobe/kretprobe.
 * Entry takes the inputs of the decision (vhost's indexes, kept by the
 * hooks or read, and the guest's used_event or avail flags, read from
 * guest memory in the worker, which runs on the owner's mm) into the vq's
 * own entry; the return adds the decision. One vq's notifies never
 * overlap (vhost holds vq->mutex), so the entry can hold them; the
 * thread's call slot tells the return which vq it was. The ring's size,
 * address and features come from the add_used call that just ran under
 * the same mutex. */
#ifndef __VQTRACE_NOTIFY_BPF_H
#define __VQTRACE_NOTIFY_BPF_H

#include "hist.bpf.h"
#include "events.bpf.h"
#include "handler_run.bpf.h"

const volatile int notify_arg_first = VQ_NOTIFY_ARG1_FIRST;
/* Set by userspace with the fexit add_used hook (see notify_inputs). */
const volatile bool notify_inputs_tracked = false;

CALL_SLOT_MAP(notify_slots);

/* The entry of candidate `cand` if it is a traced vq, noting which
 * argument (a1 or not) held it. One vq's notifies never overlap. */
static __always_inline struct vq_stats *notify_try_vq(u64 cand, u64 a1, u64 *vq, u32 *id,
						      bool *ignored)
{
	struct vq_stats *s = vq_find(cand, id, ignored);

	if (!s)
		return NULL;
	/* Once per vq and argument: a per-CPU counter per call was a helper
	 * call on every notify where the kernel does not inline it (6.1). */
	if (cand == a1 && !(s->notify_args_seen & 1)) {
		s->notify_args_seen |= 1;
		GLOBAL_INC(notify_arg1);
	} else if (cand != a1 && !(s->notify_args_seen & 2)) {
		s->notify_args_seen |= 2;
		GLOBAL_INC(notify_arg2);
	}
	*vq = cand;
	return s;
}

/* Which argument is the vq is settled by evidence: it must be a vq the
 * add_used hook has already seen (or filtered). Each vq's first match in
 * each argument is counted, so that `-v` can show which register held it. */
static __always_inline struct vq_stats *notify_find_vq(u64 a1, u64 a2, u64 *vq, u32 *id)
{
	u64 first = notify_arg_first == VQ_NOTIFY_ARG2_FIRST ? a2 : a1;
	u64 second = notify_arg_first == VQ_NOTIFY_ARG2_FIRST ? a1 : a2;
	struct vq_stats *s;
	bool ignored;

	s = notify_try_vq(first, a1, vq, id, &ignored);
	if (s || ignored)
		return s;
	s = notify_try_vq(second, a1, vq, id, &ignored);
	if (s || ignored)
		return s;
	if (!bpf_map_lookup_elem(&ignored_vqs, &first) &&
	    !bpf_map_lookup_elem(&ignored_vqs, &second) &&
	    !bpf_map_lookup_elem(&overflow_vqs, &first) &&
	    !bpf_map_lookup_elem(&overflow_vqs, &second))
		GLOBAL_INC(notify_unknown_vq);
	return NULL;
}

/* Where the guest value vhost_notify reads lives: used_event with
 * EVENT_IDX, else avail->flags. */
static __always_inline void *notify_guest_addr(const struct vq_stats *s)
{
	if (vq_has_feature(s->features, VQ_F_RING_EVENT_IDX))
		return vq_used_event_addr((void *)s->avail, s->num);
	return (void *)s->avail;
}

/* vhost's indexes as vhost_notify finds them. With the fexit add_used hook
 * the vq's entry has them already: every writer of last_used_idx,
 * signalled_used and signalled_used_valid is hooked (add_used, notify
 * itself, vhost_vq_init_access; teardown retires the entry), all under the
 * vq's mutex, and the avail indexes only decide with NOTIFY_ON_EMPTY, a
 * legacy feature. Otherwise, and for a vq with no state yet, one probe
 * read, which under TCG cost as much as the rest of this program.
 *
 * Every VQ_TRACK_CHECK_EVERY-th notify of a vq reads them all the same and
 * counts a difference in stash_full (entry state vqtrace had wrong), so
 * that a writer the hooks miss (another vhost driver, a newer kernel)
 * shows in the probe counters instead of skewing the judgement; that call
 * uses what it read. */
#define VQ_TRACK_CHECK_EVERY	64	/* a power of two */

static __always_inline bool notify_kept_inputs(struct vq_stats *s, struct vq_indexes *ix)
{
	/* entry_armed: the fentry of vhost_add_used_n ran and its fexit did
	 * not (skipped by the kernel, counted in hook_misses): what the entry
	 * keeps is from before that call. */
	if (!notify_inputs_tracked || s->valid_track == VQ_VALID_UNKNOWN ||
	    s->entry_armed || vq_has_feature(s->features, VQ_F_NOTIFY_ON_EMPTY))
		return false;
	ix->last_used_idx = s->last_used_idx;
	ix->signalled_used = s->su_track;
	ix->valid = s->valid_track == VQ_VALID_TRUE;
	ix->avail_idx = s->avail_idx;
	ix->last_avail_idx = s->last_avail_idx;
	return true;
}

static __always_inline void notify_inputs(struct vq_stats *s, u64 vq, struct vq_indexes *ix)
{
	struct vq_indexes kept;
	bool have = notify_kept_inputs(s, &kept);

	if (have && (s->notifies & (VQ_TRACK_CHECK_EVERY - 1))) {
		s->notify_kept = 1;
		*ix = kept;
		return;
	}
	s->notify_kept = 0;
	vq_read_indexes((void *)vq, ix);
	vq_track_avail(s, ix->avail_idx, ix->last_avail_idx);
	if (have && (ix->last_used_idx != kept.last_used_idx ||
		     ix->signalled_used != kept.signalled_used || ix->valid != kept.valid))
		GLOBAL_INC(stash_full);
}

static __always_inline void notify_enter(u64 a1, u64 a2)
{
	u32 tid = current_tid();
	struct vq_indexes ix;
	struct call_slot *c;
	struct vq_stats *s;
	u16 value;
	u64 vq;
	u32 id;

	s = notify_find_vq(a1, a2, &vq, &id);
	if (!s) {
		slot_drop(&notify_slots, tid);
		return;
	}
	c = slot_enter(&notify_slots, tid);
	if (!c)
		return;
	c->vq = vq;
	c->id = id;
	notify_inputs(s, vq, &ix);
	s->last_used_idx = ix.last_used_idx;
	s->signalled_used = ix.signalled_used;
	s->signalled_used_valid = ix.valid;
	/* What vhost_notify leaves, known from its inputs: a missed return
	 * probe cannot leave it wrong. The next hooks rely on it. */
	if (vq_rule_notify_updates_state(s->features, ix.avail_idx, ix.last_avail_idx))
		vq_keep_state(s, ix.last_used_idx, true);
	else
		vq_keep_state(s, ix.signalled_used, ix.valid);
	s->notify_guest_ok = !bpf_probe_read_user(&value, sizeof(value), notify_guest_addr(s));
	s->notify_guest_value = value;
}

/* Kept inputs are only as good as the hooks that kept them: a hook run
 * the kernel skipped (hook_misses; a preempted trampoline program on a
 * preemptible kernel) leaves last_used_idx behind vhost's. vhost_notify
 * does not move last_used_idx, so one read after it tells; only a
 * disagreement pays for it. Stale inputs are not judged (stash_full) and
 * the vq's next notify reads vhost's indexes. */
static __always_inline bool notify_kept_stale(struct vq_stats *s, u64 vq)
{
	struct vhost_virtqueue *v = (void *)vq;
	u16 now;

	if (!s->notify_kept)
		return false;
	if (!bpf_core_read(&now, sizeof(now), &v->last_used_idx) && now == s->last_used_idx)
		return false;
	s->valid_track = VQ_VALID_UNKNOWN;
	GLOBAL_INC(stash_full);
	return true;
}

/* Judges the kernel's decision by the rules on the inputs it was entered
 * with. The guest may rewrite used_event (or avail flags) while vhost
 * decides: a disagreement is only counted when a second read shows the
 * same value; otherwise it is a race, not judged. */
static __always_inline void notify_judge(struct vq_stats *s, u64 vq, u8 decision)
{
	u16 again;
	int rule;

	if (!s->notify_guest_ok)
		return;
	rule = vq_rule_decide(s->features, s->notify_guest_value, s->last_used_idx,
			      s->signalled_used, s->signalled_used_valid, s->avail_idx,
			      s->last_avail_idx);
	if (!rule == !decision || notify_kept_stale(s, vq))
		return;
	if (bpf_probe_read_user(&again, sizeof(again), notify_guest_addr(s)) ||
	    again != s->notify_guest_value) {
		s->model_races++;
		return;
	}
	if (rule)
		s->lost_notify++;
	else
		s->spurious_notify++;
}

static __always_inline void notify_exit(u8 decision)
{
	struct call_slot slot;
	struct vq_stats *s;
	struct vq_hists *h;
	bool event_idx, first;
	u16 value;
	u64 now;

	if (!slot_take(&notify_slots, current_tid(), &slot))
		return;
	s = vq_at(slot.id, slot.vq);
	if (!s)
		return;
	event_idx = vq_has_feature(s->features, VQ_F_RING_EVENT_IDX);
	/* The first notify after a ring setup finds signalled_used_valid
	 * cleared by the setup (one worker at a time: vq->mutex). */
	first = s->setup_fresh;
	s->setup_fresh = 0;
	s->notifies++;
	s->notified = 1;
	/* The clock is read for what needs the moment of the decision;
	 * otherwise the add_used just before stands for it. */
	if (want_hist || want_events)
		s->last_ns = bpf_ktime_get_ns();
	now = s->last_ns;
	h = hists_of(s->slot_id);
	if (decision) {
		if (h) {
			hist_add(h, VQ_HIST_USED_PER_SIGNAL, (u16)(s->last_used_idx - s->used_idx_at_signal));
			if (s->last_signal_ns)
				hist_add(h, VQ_HIST_SIGNAL_GAP_NS, now - s->last_signal_ns);
			if (s->waiting_since_ns)
				hist_add(h, VQ_HIST_COMPLETION_WAIT_NS, now - s->waiting_since_ns);
			run_signalled(h, slot.vq, now);
		}
		s->signals++;
		s->last_signal_ns = now;
		s->used_idx_at_signal = s->last_used_idx;
		s->waiting_since_ns = 0;
		s->wait_wrapped = 0;
	} else {
		s->suppressed++;
		if (s->waiting_since_ns == VQ_WAIT_UNSTAMPED)
			vq_stamp_wait(s);	/* the wait goes on */
	}
	/* Without EVENT_IDX vhost never looks at signalled_used_valid. */
	if (event_idx && !s->signalled_used_valid) {
		s->stale_signals++;
		if (!first)
			s->stale_repeat++;
	}
	notify_judge(s, slot.vq, decision);
	value = s->notify_guest_value;
	if (!s->notify_guest_ok) {
		s->event_read_errors++;
	} else if (event_idx) {
		if (h)
			hist_add(h, VQ_HIST_GUEST_LAG, (u16)(s->last_used_idx - value));
		if (vq_rule_event_ahead(value, s->last_used_idx, s->num))
			s->event_ahead++;
		vq_track_event(s, value, s->last_used_idx);
	} else {
		s->avail_flags = value;
	}
	s->last_decision = decision;
	event_notify(s);
}

#endif /* __VQTRACE_NOTIFY_BPF_H */
