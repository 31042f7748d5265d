/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* __vhost_add_used_n(vq, heads, count): vhost publishes `count` used entries
 * and advances last_used_idx (or vhost_add_used_n, which wraps it). The
 * entry keeps the index and signalled_used_valid as they were, so that the
 * exit can tell the u16 wrap check apart from an invalidation it caused.
 *
 * Counters are plain increments: every hook of one vq runs in that vq's
 * vhost worker, one call at a time (vhost serialises a vq's work), and
 * userspace only reads whole u64s. */
#ifndef __VQTRACE_ADD_USED_BPF_H
#define __VQTRACE_ADD_USED_BPF_H

#include "hist.bpf.h"
#include "events.bpf.h"

struct add_stash {
	struct stash_hdr hdr;
	u64 vq;
	u16 old_used_idx;
	u8 valid;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);	/* exited workers age out */
	__uint(max_entries, 4096);
	__type(key, u32);		/* worker thread id */
	__type(value, struct add_stash);
} add_stash SEC(".maps");

/* What the exit needs, by either route: the index and validity on entry. */
static __always_inline void add_used_finish(struct vq_stats *s, struct vhost_virtqueue *vq,
					    u16 old, u8 valid_before, int ret)
{
	struct vq_indexes ix;
	struct vq_hists *h;
	u16 new, su, event;
	bool near;
	u8 valid;

	s->adds++;
	s->last_ns = bpf_ktime_get_ns();
	if (ret) {
		s->add_errors++;
		return;
	}
	vq_read_indexes(vq, &ix);
	new = ix.last_used_idx;
	/* Entries published = how far last_used_idx moved. That equals the
	 * count argument of __vhost_add_used_n, and stays right for 6.17+'s
	 * in-order path, where one element can stand for several entries. */
	s->used += (u16)(new - old);
	h = hists_of(s->vq);
	if (h)
		hist_add(h, VQ_HIST_ENTRIES_PER_ADD, (u16)(new - old));
	su = ix.signalled_used;
	valid = ix.valid;
	/* The kernel's own test, on the same values it used. */
	if (vq_rule_wrap_check(su, old, new)) {
		s->wrap_checks++;
		if (!valid_before)
			s->wrap_checks_invalid++;
	}
	if (valid_before && !valid)
		s->invalidations++;
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
		s->near_wrap++;
	s->near_wrap_active = near;
	/* The guest's used_event, for EVENT_STALE and NO_SIGNAL_STALL, when no
	 * notify read it since the last add_used (no call eventfd). */
	if (s->notifies == s->notifies_at_add &&
	    !bpf_probe_read_user(&event, sizeof(event),
				 vq_used_event_addr(BPF_CORE_READ(vq, avail), s->num)))
		vq_track_event(s, event, new);
	s->notifies_at_add = s->notifies;
}

/* fentry/fexit: vhost runs one vq's work in one worker at a time, so the
 * entry state can wait in the vq's own map entry until the exit. */
static __always_inline void add_used_enter_direct(struct vhost_virtqueue *vq)
{
	struct vq_stats *s = vq_get_or_create(vq);
	struct vq_indexes ix;

	if (!s)
		return;
	vq_read_indexes(vq, &ix);
	s->add_entry_old = ix.last_used_idx;
	s->add_entry_valid = ix.valid;
}

static __always_inline void add_used_exit_direct(struct vhost_virtqueue *vq, int ret)
{
	u64 key = (u64)vq;
	struct vq_stats *s = bpf_map_lookup_elem(&vqs, &key);

	if (s && !s->retired) {
		add_used_finish(s, vq, s->add_entry_old, s->add_entry_valid, ret);
		event_add_used(s, vq, s->add_entry_old, s->add_entry_valid, ret);
	}
}

/* kprobe/kretprobe: the return probe does not know the vq, so the entry
 * state waits in a map keyed by the worker thread. */
static __always_inline void add_used_enter(struct vhost_virtqueue *vq)
{
	struct add_stash st = {};
	struct vq_indexes ix;

	if (!vq_get_or_create(vq)) {
		stash_drop(&add_stash);
		return;
	}
	vq_read_indexes(vq, &ix);
	st.vq = (u64)vq;
	st.old_used_idx = ix.last_used_idx;
	st.valid = ix.valid;
	stash_put(&add_stash, &st.hdr, sizeof(st));
}

static __always_inline void add_used_exit(int ret)
{
	struct add_stash st;
	struct vq_stats *s;

	if (!stash_take(&add_stash, &st.hdr, sizeof(st)))
		return;		/* filtered out at entry */
	s = bpf_map_lookup_elem(&vqs, &st.vq);
	if (s) {
		add_used_finish(s, (void *)st.vq, st.old_used_idx, st.valid, ret);
		event_add_used(s, (void *)st.vq, st.old_used_idx, st.valid, ret);
	}
}

#endif /* __VQTRACE_ADD_USED_BPF_H */
