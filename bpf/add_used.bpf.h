/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* __vhost_add_used_n(vq, heads, count): vhost publishes `count` used entries
 * and advances last_used_idx (or vhost_add_used_n, which wraps it). Entry saves what the return needs: the index
 * before, and signalled_used_valid before, so that the exit can tell the
 * u16 wrap check apart from an invalidation it caused. Shared by the
 * fentry/fexit and kprobe/kretprobe programs. */
#ifndef __VQTRACE_ADD_USED_BPF_H
#define __VQTRACE_ADD_USED_BPF_H

#include "hist.bpf.h"

struct add_stash {
	u64 vq;
	u16 old_used_idx;
	u8 valid;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, u32);		/* worker thread id */
	__type(value, struct add_stash);
} add_stash SEC(".maps");

static __always_inline void add_used_enter(struct vhost_virtqueue *vq)
{
	struct add_stash st = {};
	u32 tid = current_tid();

	if (!vq_get_or_create(vq))
		return;
	st.vq = (u64)vq;
	st.old_used_idx = BPF_CORE_READ(vq, last_used_idx);
	st.valid = BPF_CORE_READ(vq, signalled_used_valid);
	if (bpf_map_update_elem(&add_stash, &tid, &st, BPF_ANY))
		GLOBAL_INC(stash_full);
}

static __always_inline void add_used_exit(int ret)
{
	u32 tid = current_tid();
	struct add_stash *stp = bpf_map_lookup_elem(&add_stash, &tid);
	struct vhost_virtqueue *vq;
	struct add_stash st;
	struct vq_stats *s;
	struct vq_hists *h;
	u16 new, su, event;
	bool near;
	u8 valid;

	if (!stp)
		return;		/* filtered out at entry */
	st = *stp;
	bpf_map_delete_elem(&add_stash, &tid);
	s = bpf_map_lookup_elem(&vqs, &st.vq);
	if (!s)
		return;
	vq = (void *)st.vq;
	__sync_fetch_and_add(&s->adds, 1);
	s->last_ns = bpf_ktime_get_ns();
	if (ret) {
		__sync_fetch_and_add(&s->add_errors, 1);
		return;
	}
	new = BPF_CORE_READ(vq, last_used_idx);
	/* Entries published = how far last_used_idx moved. That equals the
	 * count argument of __vhost_add_used_n, and stays right for 6.17+'s
	 * in-order path, where one element can stand for several entries. */
	__sync_fetch_and_add(&s->used, (u16)(new - st.old_used_idx));
	h = hists_of(st.vq);
	if (h)
		hist_add(h, VQ_HIST_ENTRIES_PER_ADD, (u16)(new - st.old_used_idx));
	su = BPF_CORE_READ(vq, signalled_used);
	valid = BPF_CORE_READ(vq, signalled_used_valid);
	/* The kernel's own test, on the same values it used. */
	if (vq_rule_wrap_check(su, st.old_used_idx, new)) {
		__sync_fetch_and_add(&s->wrap_checks, 1);
		if (!st.valid)
			__sync_fetch_and_add(&s->wrap_checks_invalid, 1);
	}
	if (st.valid && !valid)
		__sync_fetch_and_add(&s->invalidations, 1);
	if (!s->waiting_since_ns && new != s->used_idx_at_signal)
		s->waiting_since_ns = s->last_ns;
	s->last_used_idx = new;
	s->signalled_used = su;
	s->signalled_used_valid = valid;
	if (!vq_has_feature(s->features, VIRTIO_RING_F_EVENT_IDX))
		return;
	/* signalled_used only means something with EVENT_IDX. */
	near = vq_rule_near_wrap(new, su);
	if (near && !s->near_wrap_active)
		__sync_fetch_and_add(&s->near_wrap, 1);
	s->near_wrap_active = near;
	/* The guest's used_event, also while vhost never notifies (no call
	 * eventfd), for EVENT_STALE and NO_SIGNAL_STALL. */
	if (!bpf_probe_read_user(&event, sizeof(event),
				 vq_used_event_addr(BPF_CORE_READ(vq, avail), s->num)))
		vq_track_event(s, event, new);
}

#endif /* __VQTRACE_ADD_USED_BPF_H */
