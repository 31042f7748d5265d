/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Per-call events for --events, --trigger and `vqtrace record`: at the end
 * of every counted add_used and notify call, one struct vq_event
 * (include/vqtrace_events.h) goes into a ring buffer. Without those options
 * want_events is false at load time, the verifier drops the code behind it,
 * and the maps are minimal: the default mode does no event work.
 *
 * Which counters a call moved: each counter moves by at most one per call,
 * so the low bit of each, kept in vq_stats.ev_parity at the vq's previous
 * call, tells exactly. (The periodic refresh may raise AVAIL_OVERRUN
 * between calls; the next event carries it.) */
#ifndef __VQTRACE_EVENTS_BPF_H
#define __VQTRACE_EVENTS_BPF_H

#include "vq_state.bpf.h"
#include "vqtrace_events.h"

const volatile __u32 event_sample = 1;	/* keep a vq's calls 0, N, 2N... */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);	/* --ringbuf-kb, set before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct vq_ev_counters);
} ev_counters SEC(".maps");

static __always_inline void ev_moved(u64 counter, int bit, u16 *parity, u32 *bits)
{
	u16 now = (counter & 1) << bit;

	if ((*parity ^ now) & (1u << bit))
		*bits |= 1u << bit;
	*parity = (*parity & ~(1u << bit)) | now;
}

/* The counters this call moved (updates the vq's parity bits). */
static __always_inline u32 ev_bits(struct vq_stats *s)
{
	u16 p = s->ev_parity;
	u32 bits = 0;

	/* Every counter with an event bit (include/vq_fields.h); the others
	 * are compiled out. */
#define VQ_EV_MOVED(name, evbit, flag, help)			\
	if ((evbit) != VQ_EVB_NONE)				\
		ev_moved(s->name, (evbit) & 31, &p, &bits);
	VQ_COUNTERS(VQ_EV_MOVED)
#undef VQ_EV_MOVED
	s->ev_parity = p;
	return bits;
}

/* Counts the call and reserves its event with the fields both kinds
 * share, or returns NULL (sampled out, or the ring buffer is full: lost). A
 * call that moved an incident counter is always kept. */
static __always_inline struct vq_event *ev_begin(struct vq_stats *s, u8 type)
{
	u64 seq = s->adds + s->notifies - 1;	/* this call is counted already */
	struct vq_ev_counters *cnt;
	struct vq_event *e;
	u32 zero = 0, bits;

	bits = ev_bits(s);
	cnt = bpf_map_lookup_elem(&ev_counters, &zero);
	if (!cnt)
		return NULL;
	if (event_sample > 1 && !(bits & VQ_EVB_ALWAYS_KEPT) && seq % event_sample) {
		cnt->sampled_out++;
		return NULL;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		cnt->lost++;
		return NULL;
	}
	cnt->emitted++;
	e->ts_ns = s->last_ns;
	e->vq = s->vq;
	e->first_ns = s->first_ns;
	e->seq = seq;
	e->features = s->features;
	e->cpu = bpf_get_smp_processor_id();
	e->owner_tgid = s->owner_tgid;
	e->num = s->num;
	e->queue = s->queue;
	e->ret = 0;
	e->bits = bits;
	e->type = type;
	e->decision = 0;
	e->pad[0] = e->pad[1] = e->pad[2] = 0;
	return e;
}

/* After add_used_finish: old and valid_before as on entry. */
static __always_inline void event_add_used(struct vq_stats *s, struct vhost_virtqueue *vq,
					   u16 old, u8 valid_before, int ret)
{
	struct vq_event *e;

	if (!want_events)
		return;
	e = ev_begin(s, VQ_EV_ADD_USED);
	if (!e)
		return;
	e->ret = ret;
	e->old_used_idx = old;
	e->new_used_idx = BPF_CORE_READ(vq, last_used_idx);
	e->signalled_used = BPF_CORE_READ(vq, signalled_used);
	e->valid_before = valid_before;
	e->valid_after = BPF_CORE_READ(vq, signalled_used_valid);
	e->avail_idx = BPF_CORE_READ(vq, avail_idx);
	e->last_avail_idx = BPF_CORE_READ(vq, last_avail_idx);
	e->used_event = s->used_event;
	e->used_event_ok = s->used_event_seen &&
			   vq_has_feature(s->features, VQ_F_RING_EVENT_IDX);
	bpf_ringbuf_submit(e, 0);
}

/* At the end of notify_exit, s holds the call's inputs and decision. */
static __always_inline void event_notify(struct vq_stats *s)
{
	bool event_idx = vq_has_feature(s->features, VQ_F_RING_EVENT_IDX);
	struct vq_event *e;

	if (!want_events)
		return;
	e = ev_begin(s, VQ_EV_NOTIFY);
	if (!e)
		return;
	e->old_used_idx = s->last_used_idx;
	e->new_used_idx = s->last_used_idx;
	e->signalled_used = s->signalled_used;
	e->valid_before = s->signalled_used_valid;
	e->valid_after = s->signalled_used_valid;
	e->avail_idx = s->avail_idx;
	e->last_avail_idx = s->last_avail_idx;
	e->used_event = event_idx ? s->used_event : s->avail_flags;
	e->used_event_ok = !(e->bits & (1u << VQ_EVB_READ_ERROR));
	e->decision = s->last_decision;
	bpf_ringbuf_submit(e, 0);
}

#endif /* __VQTRACE_EVENTS_BPF_H */
