/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* __vhost_add_used_n(vq, heads, count): vhost publishes `count` used entries
 * and advances last_used_idx (or vhost_add_used_n, which wraps it). The
 * exit needs the index and signalled_used_valid as they were on entry, to
 * tell the u16 wrap check apart from an invalidation it caused.
 *
 * The hot path has no hash lookup and, with BTF, no helper call: the exit
 * finds the vq's entry through the table's hint array (vq_table.bpf.h),
 * and fexit reads vhost's fields straight through its BTF-typed argument
 * instead of calling bpf_probe_read_kernel. Without BTF, a kprobe saves the
 * entry state in the thread's call slot for the kretprobe.
 *
 * Counters are plain increments: every hook of one vq runs in that vq's
 * vhost worker, one call at a time (vhost serialises a vq's work), and
 * userspace only reads whole u64s. */
#ifndef __VQTRACE_ADD_USED_BPF_H
#define __VQTRACE_ADD_USED_BPF_H

#include "hist.bpf.h"
#include "events.bpf.h"
#include "call_slot.bpf.h"

CALL_SLOT_MAP(add_slots);

/* vhost's state around one call. */
struct add_call {
	u64 avail;		/* vq->avail, the guest address of the avail ring */
	u64 features;
	u32 num;
	u16 old;		/* last_used_idx on entry... */
	u16 new;		/* ...and on return */
	u16 su;			/* signalled_used on return (the call never moves it) */
	u16 avail_idx;		/* vhost's avail indexes on return (fexit only) */
	u16 last_avail_idx;
	u32 elems;		/* used elements the call wrote (its count) */
	u8 valid_before;	/* signalled_used_valid on entry... */
	u8 valid;		/* ...and on return */
};

/* fexit: the argument is a BTF pointer, so these are plain loads. */
static __always_inline void add_read_direct(struct vhost_virtqueue *vq, struct add_call *c)
{
	c->new = vq->last_used_idx;
	c->su = vq->signalled_used;
	c->valid = vq->signalled_used_valid;
	c->num = vq->num;
	c->avail = (u64)vq->avail;
	c->features = vq->acked_features;
	c->avail_idx = vq->avail_idx;
	c->last_avail_idx = vq->last_avail_idx;
}

/* kretprobe: a saved address, read with the probe helpers. */
static __always_inline void add_read_probe(struct vhost_virtqueue *vq, struct add_call *c)
{
	struct vq_indexes ix;

	vq_read_indexes(vq, &ix);
	c->new = ix.last_used_idx;
	c->su = ix.signalled_used;
	c->valid = ix.valid;
	c->num = BPF_CORE_READ(vq, num);
	c->avail = (u64)BPF_CORE_READ(vq, avail);
	c->features = BPF_CORE_READ(vq, acked_features);
}

static __always_inline void add_used_finish(struct vq_stats *s, const struct add_call *c, int ret)
{
	struct vq_hists *h;
	bool near, notified;
	u16 event;

	s->adds++;
	/* The clock only where something needs the moment (see
	 * VQ_WAIT_UNSTAMPED): a clock read per call was the largest single
	 * cost of this hook. */
	if (want_hist || want_events)
		s->last_ns = bpf_ktime_get_ns();
	/* What vhost_notify will use: it runs after this call under the same
	 * vq mutex, so nothing can change these in between. */
	s->features = c->features;
	s->num = c->num;
	s->avail = c->avail;
	if (ret)
		s->add_errors++;
	/* A failed call publishes nothing, except vhost_add_used_n out of
	 * order when the second of its two chunks (ring wrap) fails. */
	if (ret && c->new == c->old)
		return;
	/* Entries published = how far last_used_idx moved. That equals the
	 * count argument of __vhost_add_used_n; on 6.17+'s in-order path one
	 * element can stand for several entries (used_elems counts those). */
	s->used += (u16)(c->new - c->old);
	s->used_elems += c->elems;
	h = hists_of(s->slot_id);
	if (h)
		hist_add(h, VQ_HIST_ENTRIES_PER_ADD, (u16)(c->new - c->old));
	/* The kernel's own test, on the same values it used. */
	if (vq_rule_wrap_check(c->su, c->old, c->new)) {
		s->wrap_checks++;
		/* Invalid with no notify since the ring's setup is the state
		 * every ring starts in (and keeps, with no call eventfd: a
		 * polling driver): no incident. Only a second wrap after an
		 * invalidation, with no signal between, counts. */
		if (!c->valid_before && !s->setup_fresh)
			s->wrap_checks_invalid++;
	}
	if (c->valid_before && !c->valid)
		s->invalidations++;
	if (!s->waiting_since_ns && c->new != s->used_idx_at_signal)
		s->waiting_since_ns = want_hist || want_events ? s->last_ns : VQ_WAIT_UNSTAMPED;
	else if (s->waiting_since_ns == VQ_WAIT_UNSTAMPED)
		vq_stamp_wait(s);	/* still waiting one call later */
	/* More than 65535 entries since the last signal: the u16 distance
	 * wrapped, so whatever used_event the guest set has been passed. */
	if ((u16)(c->new - s->used_idx_at_signal) < (u16)(c->old - s->used_idx_at_signal))
		s->wait_wrapped = 1;
	s->last_used_idx = c->new;
	s->signalled_used = c->su;
	s->signalled_used_valid = c->valid;
	vq_keep_state(s, c->su, c->valid);
	notified = s->notified;
	s->notified = 0;
	if (!vq_has_feature(c->features, VQ_F_RING_EVENT_IDX))
		return;
	/* signalled_used only means something with EVENT_IDX, and while
	 * valid: a ring setup clears valid and leaves signalled_used as it
	 * was, however far from the new last_used_idx. */
	near = c->valid && vq_rule_near_wrap(c->new, c->su);
	if (near && !s->near_wrap_active)
		s->near_wrap++;
	s->near_wrap_active = near;
	/* The guest's used_event, for EVENT_STALE and NO_SIGNAL_STALL, when no
	 * notify read it since the last add_used (no call eventfd). */
	if (!notified &&
	    !bpf_probe_read_user(&event, sizeof(event), vq_used_event_addr((void *)c->avail, c->num)))
		vq_track_event(s, event, c->new);
}

/* fexit alone, no entry program: the arguments and the state after the
 * call give the state before it. The call moved last_used_idx by count
 * (not at all when it failed), and it writes signalled_used_valid only to
 * clear it when its wrap check holds; so before the call valid was what it
 * is now, except after a wrap check, where it was what the vq's last hooked
 * event left (valid_track, kept by every writer vhost has: this hook,
 * vhost_notify and vhost_vq_init_access; vhost_vq_reset comes with a new
 * identity). An entry program cost as much as a third of the hook, for
 * that one bit. key is vq's address as a plain number (bpf_get_func_arg,
 * inlined): the verifier allows no arithmetic on a BTF pointer. */
static __always_inline void add_used_exit_direct(struct vhost_virtqueue *vq, u64 key, u32 count,
						 int ret)
{
	struct add_call c;
	struct vq_stats *s;
	u32 id;

	add_read_direct(vq, &c);
	c.old = ret ? c.new : (u16)(c.new - count);
	c.elems = ret ? 0 : count;
	c.valid_before = c.valid;
	s = vq_get_or_create(vq, key, c.old, &id);
	if (!s)
		return;
	if (!ret && vq_rule_wrap_check(c.su, c.old, c.new)) {
		if (s->valid_track)
			c.valid_before = s->valid_track == VQ_VALID_TRUE;
		else
			GLOBAL_INC(stash_full);	/* first call seen: unknown */
	}
	add_used_finish(s, &c, ret);
	/* For vhost_notify's entry, which then need not read them. */
	vq_track_avail(s, c.avail_idx, c.last_avail_idx);
	event_add_used(s, vq, c.old, c.valid_before, ret);
}

/* kprobe/kretprobe: the return probe does not know the vq. */
static __always_inline void add_used_enter(struct vhost_virtqueue *vq, u32 count)
{
	u32 tid = current_tid();
	struct vq_indexes ix;
	struct call_slot *c;
	u32 id;

	vq_read_indexes(vq, &ix);
	if (!vq_get_or_create(vq, (u64)vq, ix.last_used_idx, &id)) {
		slot_drop(&add_slots, tid);
		return;
	}
	c = slot_enter(&add_slots, tid);
	if (!c)
		return;
	c->vq = (u64)vq;
	c->id = id;
	c->old_used_idx = ix.last_used_idx;
	c->valid = ix.valid;
	c->count = count;
}

static __always_inline void add_used_exit(int ret)
{
	struct call_slot slot;
	struct add_call c;
	struct vq_stats *s;

	if (!slot_take(&add_slots, current_tid(), &slot))
		return;		/* filtered out at entry */
	s = vq_at(slot.id, slot.vq);
	if (!s)
		return;
	add_read_probe((void *)slot.vq, &c);
	c.old = slot.old_used_idx;
	c.valid_before = slot.valid;
	c.elems = ret ? 0 : slot.count;
	add_used_finish(s, &c, ret);
	event_add_used(s, (void *)slot.vq, c.old, c.valid_before, ret);
}

/* 6.17+ (the in-order series): vhost_add_used_n(vq, heads, nheads, count)
 * publishes through __vhost_add_used_n out of order, or itself in order,
 * where element i stands for nheads[i] entries; both paths run the wrap
 * check on the call's whole old..new span (the out-of-order path in up to
 * two chunks, which the span covers exactly). The state before the call
 * is not known from its arguments here (the advance is a sum over nheads),
 * so an fentry saves it in the vq's entry for the fexit: a vq's calls are
 * serialised by its mutex. */
static __always_inline void add_used_n_enter_direct(struct vhost_virtqueue *vq, u64 key)
{
	u16 old = vq->last_used_idx;
	struct vq_stats *s;
	u32 id;

	s = vq_get_or_create(vq, key, old, &id);
	if (!s)
		return;
	s->entry_old = old;
	s->entry_valid = vq->signalled_used_valid;
	s->entry_armed = 1;
}

static __always_inline void add_used_n_exit_direct(struct vhost_virtqueue *vq, u64 key, u32 count,
						   int ret)
{
	struct add_call c;
	struct vq_stats *s;
	bool ignored;
	u32 id;

	s = vq_find(key, &id, &ignored);
	if (!s)
		return;		/* filtered out, or not seen at entry */
	if (!s->entry_armed) {
		/* Attached during the call, or the kernel skipped this call's
		 * fentry (hook_misses): the entry's indexes are from before a
		 * call vqtrace did not see, so the next notify reads vhost's. */
		s->valid_track = VQ_VALID_UNKNOWN;
		GLOBAL_INC(stash_full);
		return;
	}
	s->entry_armed = 0;
	add_read_direct(vq, &c);
	c.old = s->entry_old;
	c.valid_before = s->entry_valid;
	c.elems = ret ? 0 : count;
	add_used_finish(s, &c, ret);
	vq_track_avail(s, c.avail_idx, c.last_avail_idx);
	event_add_used(s, vq, c.old, c.valid_before, ret);
}

#endif /* __VQTRACE_ADD_USED_BPF_H */
