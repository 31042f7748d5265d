/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Per-call events (--events, --trigger, vqtrace record): what the BPF side
 * (bpf/events.bpf.h) puts in the ring buffer, one record per counted
 * add_used and notify call. Fixed-width types only, as in vqtrace.h. */
#ifndef __VQTRACE_EVENT_TYPES_H
#define __VQTRACE_EVENT_TYPES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VQ_EV_DEFAULT_RINGBUF_KB	4096	/* --ringbuf-kb */
#define VQ_EV_MAX_RINGBUF_KB		(1u << 20)
#define VQ_EV_DEFAULT_KEEP		256	/* --keep */
#define VQ_EV_MAX_KEEP			1000000
#define VQ_EV_MAX_SAMPLE		1000000	/* --sample */

enum vq_event_type {
	VQ_EV_ADD_USED = 1,
	VQ_EV_NOTIFY = 2,
};

/* Which counters of struct vq_stats this call moved (bit numbers of
 * vq_event.bits). The incident flags among them are named as in
 * src/flags.c; the others are the plain counters. */
enum vq_event_bit {
	VQ_EVB_ADD_ERROR,		/* add_errors */
	VQ_EVB_WRAP_CHECK,		/* wrap_checks */
	VQ_EVB_INVALIDATION,		/* invalidations (flag WRAP_INVALIDATED with EVENT_IDX) */
	VQ_EVB_STALE_SIGNAL,		/* stale_signals */
	VQ_EVB_READ_ERROR,		/* event_read_errors */
	VQ_EVB_WRAP_CHECK_INVALID,	/* wrap_checks_invalid (flag WRAP_CHECK with EVENT_IDX) */
	VQ_EVB_STALE_REPEAT,		/* stale_repeat (flag STALE_SIGNALLED) */
	VQ_EVB_EVENT_STALE,		/* event_stale (flag EVENT_STALE) */
	VQ_EVB_EVENT_AHEAD,		/* event_ahead (flag EVENT_AHEAD) */
	VQ_EVB_NEAR_WRAP,		/* near_wrap (flag NEAR_WRAP) */
	VQ_EVB_AVAIL_OVERRUN,		/* avail_overrun (flag AVAIL_OVERRUN) */
	VQ_EVB_LOST_NOTIFY,		/* lost_notify (flag LOST_NOTIFY) */
	VQ_EVB_SPURIOUS_NOTIFY,		/* spurious_notify (flag SPURIOUS_NOTIFY) */
	VQ_EVB_MODEL_RACE,		/* model_races */
	VQ_EVB__COUNT
};

/* --sample keeps every event that moved one of these (all but model_races,
 * which says the guest rewrote used_event meanwhile, not an incident). */
#define VQ_EVB_ALWAYS_KEPT	(((1u << VQ_EVB__COUNT) - 1) & ~(1u << VQ_EVB_MODEL_RACE))

/* One add_used or notify call. For add_used: the indexes before (old,
 * valid_before) and after the call; used_event is the value add_used last
 * read (EVENT_IDX only), avail_idx and last_avail_idx are read at its
 * return. For notify: the inputs of the decision (old == new, valid_before
 * == valid_after) and the decision; without EVENT_IDX used_event holds the
 * guest's avail->flags. */
struct vq_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() of the call (CLOCK_MONOTONIC) */
	__u64 vq;		/* identity: struct vhost_virtqueue *... */
	__u64 first_ns;		/* ...and when it was first seen (vq_stats.first_ns) */
	__u64 seq;		/* the vq's call number from 0 (adds + notifies - 1) */
	__u64 features;		/* vq->acked_features */
	__u32 cpu;
	__u32 owner_tgid;
	__u32 num;
	__s32 queue;
	__s32 ret;		/* add_used's return value; 0 for notify */
	__u32 bits;		/* 1 << enum vq_event_bit: counters this call moved */
	__u16 old_used_idx;
	__u16 new_used_idx;
	__u16 signalled_used;	/* after the call */
	__u16 used_event;
	__u16 avail_idx;
	__u16 last_avail_idx;
	__u8 type;		/* enum vq_event_type */
	__u8 valid_before;	/* signalled_used_valid */
	__u8 valid_after;
	__u8 decision;		/* notify: 1 signal, 0 suppressed */
	__u8 used_event_ok;	/* used_event holds a value read from the guest */
	__u8 pad[3];
};

/* Per CPU: what became of the events (summed by userspace). Every counted
 * call is exactly one of emitted, lost or sampled_out. */
struct vq_ev_counters {
	__u64 emitted;		/* put in the ring buffer */
	__u64 lost;		/* ring buffer full: not delivered */
	__u64 sampled_out;	/* skipped by --sample */
};

#endif /* __VQTRACE_EVENT_TYPES_H */
