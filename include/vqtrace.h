/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by the BPF programs and the userspace loader. Only fixed-width
 * __uN types so that both sides lay the structs out identically. */
#ifndef __VQTRACE_H
#define __VQTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VQ_DEFAULT_MAX_VQS	4096	/* entries in the per-vq map, -m changes it */
#define VQ_MAX_TARGETS		256	/* owner pids in the filter set */
#define VQ_MAX_DEV_VQS		16	/* dev->vqs scanned to find a vq's index */
#define VQ_MAX_ANCESTORS	8	/* parents walked for --descendants */

/* Which register holds the vq when vhost_notify is entered. The plain
 * function is vhost_notify(dev, vq); compiler clones (.constprop.N) drop the
 * unused dev, leaving vq first. The kprobe looks the candidate up in the vq
 * map (filled by the add_used hook) and counts which argument matched. */
enum vq_notify_arg {
	VQ_NOTIFY_ARG1_FIRST = 1,
	VQ_NOTIFY_ARG2_FIRST = 2,
};

/* waiting_since_ns of a wait whose start was not timed: the hot path reads
 * no clock; the next event of the vq that finds the wait still open, or
 * the per-interval refresh, times it. No real ktime is 1. */
#define VQ_WAIT_UNSTAMPED	1

/* Per virtqueue: one slot of the vqs array (bpf/vq_table.bpf.h). */
struct vq_stats {
	/* identity, set once when the vq is first seen */
	__u64 vq;		/* struct vhost_virtqueue *; 0: a free slot */
	__u64 dev;		/* vq->dev */
	__u64 handle_kick;	/* vq->handle_kick, a symbol for userspace */
	__u64 first_ns;		/* bpf_ktime_get_ns() of the first event */
	__u32 owner_tgid;	/* pid of the owning process (dev->mm->owner) */
	__s32 queue;		/* index of vq in dev->vqs, -1 if not found */

	/* counters, only ever incremented */
	__u64 adds;		/* __vhost_add_used_n calls */
	__u64 used;		/* used entries added by successful calls */
	__u64 add_errors;	/* calls that returned an error */
	__u64 notifies;		/* vhost_notify calls */
	__u64 signals;		/* vhost_notify returned true */
	__u64 suppressed;	/* vhost_notify returned false */
	__u64 wrap_checks;	/* the u16 wrap condition held in add_used */
	__u64 invalidations;	/* signalled_used_valid true -> false in add_used */
	__u64 stale_signals;	/* EVENT_IDX notify entered with valid == false */
	__u64 event_read_errors;/* guest used_event could not be read */

	/* incident flags counted in the kernel (see --help for each) */
	__u64 wrap_checks_invalid;	/* WRAP_CHECK: the wrap test held, valid already false */
	__u64 stale_repeat;		/* STALE_SIGNALLED: stale notifies but the vq's first */
	__u64 event_stale;		/* EVENT_STALE episodes */
	__u64 event_ahead;		/* EVENT_AHEAD: notifies seeing used_event > num ahead */
	__u64 near_wrap;		/* NEAR_WRAP episodes */
	__u64 avail_overrun;		/* AVAIL_OVERRUN episodes */
	__u64 lost_notify;		/* kernel suppressed where the rules say notify */
	__u64 spurious_notify;		/* kernel notified where the rules say suppress */
	__u64 model_races;		/* used_event changed during the call: not judged */

	/* last seen state */
	__u64 last_ns;		/* time of the last clock read (--hist, --events,
				 * a wait stamped) */
	__u64 last_signal_ns;	/* time of the last signal (0: none yet; --hist) */
	__u64 waiting_since_ns;	/* first add_used after the last signal (0: none;
				 * VQ_WAIT_UNSTAMPED: started, time not read yet) */
	__u64 avail;		/* vq->avail (guest address) as add_used last saw it */
	__u64 features;		/* vq->acked_features */
	__u32 num;		/* ring size */
	__u16 last_used_idx;
	__u16 signalled_used;
	__u16 used_event;	/* guest's used_event, last successful read */
	__u16 avail_idx;	/* vhost's cached avail index */
	__u16 last_avail_idx;
	__u16 avail_flags;	/* guest avail->flags (read without EVENT_IDX) */
	__u16 used_idx_at_signal;	/* last_used_idx when the last signal went out */
	__u16 event_ref;		/* used_event watched for EVENT_STALE... */
	__u16 event_ref_used_idx;	/* ...and last_used_idx when it was first seen */
	__u8 signalled_used_valid;
	__u8 last_decision;	/* 1 signal, 0 suppressed */
	__u8 used_event_seen;	/* used_event was read at least once */
	__u8 event_stale_active, near_wrap_active, avail_overrun_active;
	__u8 retired;		/* its device was cleaned up (vhost_dev_cleanup) */
	__u8 notify_guest_ok;	/* notify entry -> return: the guest value was read... */
	__u16 notify_guest_value;	/* ...used_event (EVENT_IDX) or avail->flags */
	__u16 ev_parity;	/* --events: low bit of each event counter at the vq's
				 * previous call (bit = enum vq_event_bit) */
	__u8 notified;		/* a notify ran since the last add_used */
	__u8 wait_wrapped;	/* more than 65535 entries since the last signal
				 * (in the tail padding: the size stays 272) */
	__u8 valid_track;	/* vhost's signalled_used_valid after the vq's
				 * last hooked call: VQ_VALID_* (tail padding) */
	__u8 notify_args_seen;	/* bit 0: a notify found the vq in argument 1,
				 * bit 1: in argument 2 (tail padding) */
	__u16 su_track;		/* ...and its signalled_used (tail padding: the
				 * size stays 272) */
};

/* valid_track: what the fexit hook takes for signalled_used_valid before a
 * call whose wrap check held (bpf/add_used.bpf.h), and what vhost_notify
 * is entered with (bpf/notify.bpf.h). */
enum vq_valid_track {
	VQ_VALID_UNKNOWN = 0,	/* no call of the vq seen yet */
	VQ_VALID_FALSE = 1,
	VQ_VALID_TRUE = 2,
};

/* Whole-run health counters of the probes themselves (one array slot). */
struct vq_global {
	__u64 vq_map_full;	/* vqs not stored (map full): not counted at all */
	__u64 filtered_out;	/* add_used calls of vqs of other owners */
	__u64 notify_unknown_vq;/* notify whose vq no add_used hook had seen */
	__u64 notify_arg1;	/* vqs a notify found in the first argument... */
	__u64 notify_arg2;	/* ...or in the second (once per vq and argument) */
	__u64 stash_full;	/* a call's entry state was taken over by another
			 * thread's call in the same slot (bpf/call_slot.bpf.h) */
	__u64 retired_full;	/* a retired vq's final counts found no room */
};

/* Per-vq log2 histograms (only with --hist). Slot 0 holds the value 0 and
 * slot k >= 1 holds (2^(k-2), 2^(k-1)]: 1 | 2 | 3..4 | 5..8 | 9..16 ...
 * so every upper edge is an exact power of two (Prometheus' le). The last
 * slot also takes everything larger. Time histograms are in ns. */
#define VQ_HIST_SLOTS 42

enum vq_hist_id {
	VQ_HIST_ENTRIES_PER_ADD,	/* used entries per add_used call */
	VQ_HIST_USED_PER_SIGNAL,	/* used entries per interrupt (coalescing) */
	VQ_HIST_SIGNAL_GAP_NS,		/* time between interrupts */
	VQ_HIST_COMPLETION_WAIT_NS,	/* first unsignalled entry -> interrupt */
	VQ_HIST_GUEST_LAG,		/* (u16)(last_used_idx - used_event) at notify */
	VQ_HIST__COUNT
};

struct vq_hist {
	__u64 slots[VQ_HIST_SLOTS];
	__u64 sum;		/* of the values, in the histogram's unit */
};

struct vq_hists {
	struct vq_hist h[VQ_HIST__COUNT];
};

/* A vq whose device was cleaned up and whose address vhost then reused:
 * its final counts, kept until userspace collects them. */
struct vq_retired_key {
	__u64 vq;
	__u64 first_ns;
};

/* The hint array of the vq table (bpf/vq_table.bpf.h): what the hooks
 * last learnt about a vq address hashed to each entry. */
#define VQ_HINTS		16384	/* a power of two, well above the vqs traced */
#define VQ_HINT_TRACED		1	/* tag = vq | this: its slot is id */
#define VQ_HINT_IGNORED		2	/* tag = vq | this: the filter turned it away */

struct vq_hint {
	__u64 tag;		/* vq | VQ_HINT_*, one store; 0: nothing known */
	__u32 id;		/* with VQ_HINT_TRACED: the slot in vqs */
	__u32 pad;
};

#endif /* __VQTRACE_H */
