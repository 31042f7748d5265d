/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vhost_notify(vq) decides whether vhost interrupts the guest. It has no BTF
 * and is usually a compiler clone, so it is hooked with kprobe/kretprobe.
 * Entry snapshots the inputs of the decision (vhost's state and the guest's
 * used_event or avail flags, read from guest memory in the worker, which
 * runs on the owner's mm); the return adds the decision. */
#ifndef __VQTRACE_NOTIFY_BPF_H
#define __VQTRACE_NOTIFY_BPF_H

#include "hist.bpf.h"
#include "events.bpf.h"

const volatile int notify_arg_first = VQ_NOTIFY_ARG1_FIRST;

struct notify_stash {
	struct stash_hdr hdr;
	u64 vq;
	u64 guest_addr;		/* where guest_value was read from */
	u64 features;
	u32 num;
	u16 last_used_idx;
	u16 signalled_used;
	u16 avail_idx;
	u16 last_avail_idx;
	u16 guest_value;	/* used_event with EVENT_IDX, else avail->flags */
	u8 valid;
	u8 guest_read_ok;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);	/* exited workers age out */
	__uint(max_entries, 4096);
	__type(key, u32);		/* worker thread id */
	__type(value, struct notify_stash);
} notify_stash SEC(".maps");

/* Which argument is the vq is settled by evidence: it must be a vq the
 * add_used hook has already seen (or filtered). Each match is counted so
 * that `-v` can show which register held it. */
static __always_inline struct vhost_virtqueue *notify_find_vq(u64 a1, u64 a2)
{
	u64 first = notify_arg_first == VQ_NOTIFY_ARG2_FIRST ? a2 : a1;
	u64 second = notify_arg_first == VQ_NOTIFY_ARG2_FIRST ? a1 : a2;

	if (bpf_map_lookup_elem(&vqs, &first)) {
		if (first == a1)
			GLOBAL_INC(notify_arg1);
		else
			GLOBAL_INC(notify_arg2);
		return (void *)first;
	}
	if (bpf_map_lookup_elem(&vqs, &second)) {
		if (second == a1)
			GLOBAL_INC(notify_arg1);
		else
			GLOBAL_INC(notify_arg2);
		return (void *)second;
	}
	if (!bpf_map_lookup_elem(&ignored_vqs, &first) &&
	    !bpf_map_lookup_elem(&ignored_vqs, &second) &&
	    !bpf_map_lookup_elem(&overflow_vqs, &first) &&
	    !bpf_map_lookup_elem(&overflow_vqs, &second))
		GLOBAL_INC(notify_unknown_vq);
	return NULL;
}

static __always_inline void notify_enter(u64 a1, u64 a2)
{
	struct vhost_virtqueue *vq = notify_find_vq(a1, a2);
	struct notify_stash st = {};
	struct vq_indexes ix;
	void *avail, *addr;

	if (!vq) {
		stash_drop(&notify_stash);
		return;
	}
	st.vq = (u64)vq;
	st.features = BPF_CORE_READ(vq, acked_features);
	st.num = BPF_CORE_READ(vq, num);
	vq_read_indexes(vq, &ix);
	st.last_used_idx = ix.last_used_idx;
	st.signalled_used = ix.signalled_used;
	st.valid = ix.valid;
	st.avail_idx = ix.avail_idx;
	st.last_avail_idx = ix.last_avail_idx;
	avail = BPF_CORE_READ(vq, avail);
	addr = vq_has_feature(st.features, VIRTIO_RING_F_EVENT_IDX) ?
		vq_used_event_addr(avail, st.num) : avail;
	st.guest_addr = (u64)addr;
	st.guest_read_ok = !bpf_probe_read_user(&st.guest_value,
						sizeof(st.guest_value), addr);
	stash_put(&notify_stash, &st.hdr, sizeof(st));
}

/* Judges the kernel's decision by the rules on the inputs it was entered
 * with. The guest may rewrite used_event (or avail flags) while vhost
 * decides: if a second read at return differs, the call is a race and is
 * not judged. */
static __always_inline void notify_judge(struct vq_stats *s, const struct notify_stash *st,
					 u8 decision)
{
	u16 again;
	int rule;

	if (!st->guest_read_ok)
		return;
	if (bpf_probe_read_user(&again, sizeof(again), (void *)st->guest_addr) ||
	    again != st->guest_value) {
		s->model_races++;
		return;
	}
	rule = vq_rule_decide(st->features, st->guest_value, st->last_used_idx,
			      st->signalled_used, st->valid, st->avail_idx, st->last_avail_idx);
	if (rule && !decision)
		s->lost_notify++;
	else if (!rule && decision)
		s->spurious_notify++;
}

static __always_inline void notify_exit(u8 decision)
{
	struct notify_stash st;
	struct vq_stats *s;
	struct vq_hists *h;
	bool event_idx, first;

	if (!stash_take(&notify_stash, &st.hdr, sizeof(st)))
		return;
	s = bpf_map_lookup_elem(&vqs, &st.vq);
	if (!s)
		return;
	event_idx = vq_has_feature(st.features, VIRTIO_RING_F_EVENT_IDX);
	first = s->notifies == 0;	/* one worker at a time: vq->mutex */
	s->notifies++;
	s->last_ns = bpf_ktime_get_ns();
	h = hists_of(st.vq);
	if (decision) {
		if (h) {
			hist_add(h, VQ_HIST_USED_PER_SIGNAL, (u16)(st.last_used_idx - s->used_idx_at_signal));
			if (s->last_signal_ns)
				hist_add(h, VQ_HIST_SIGNAL_GAP_NS, s->last_ns - s->last_signal_ns);
			if (s->waiting_since_ns)
				hist_add(h, VQ_HIST_COMPLETION_WAIT_NS, s->last_ns - s->waiting_since_ns);
		}
		s->signals++;
		s->last_signal_ns = s->last_ns;
		s->used_idx_at_signal = st.last_used_idx;
		s->waiting_since_ns = 0;
	} else {
		s->suppressed++;
	}
	/* Without EVENT_IDX vhost never looks at signalled_used_valid. */
	if (event_idx && !st.valid) {
		s->stale_signals++;
		if (!first)
			s->stale_repeat++;
	}
	notify_judge(s, &st, decision);
	if (!st.guest_read_ok) {
		s->event_read_errors++;
	} else if (event_idx) {
		if (h)
			hist_add(h, VQ_HIST_GUEST_LAG, (u16)(st.last_used_idx - st.guest_value));
		if (vq_rule_event_ahead(st.guest_value, st.last_used_idx, st.num))
			s->event_ahead++;
		vq_track_event(s, st.guest_value, st.last_used_idx);
	} else {
		s->avail_flags = st.guest_value;
	}
	vq_track_avail(s, st.avail_idx, st.last_avail_idx);
	s->features = st.features;
	s->last_used_idx = st.last_used_idx;
	s->signalled_used = st.signalled_used;
	s->signalled_used_valid = st.valid;
	s->last_decision = decision;
	event_notify(s);
}

#endif /* __VQTRACE_NOTIFY_BPF_H */
