/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by the BPF programs and the userspace loader. Only fixed-width
 * __uN types so that both sides lay the structs out identically. */
#ifndef __VQTRACE_H
#define __VQTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "vq_fields.h"

#define VQ_DEFAULT_MAX_VQS	4096	/* entries in the per-vq map, -m changes it */
#define VQ_MAX_TARGETS		256	/* owner pids in the filter set */
#define VQ_MAX_FOLLOW_NAMES	8	/* --follow: process names matched in the kernel */
#define VQ_COMM_LEN		16	/* TASK_COMM_LEN */

/* One process name --follow takes new owners by (bpf/vq_state.bpf.h). */
struct vq_comm {
	char name[VQ_COMM_LEN];
};
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

/* Per virtqueue: one slot of the vqs array (bpf/vq_table.bpf.h). The
 * counters and the state userspace reads are laid out from the lists of
 * include/vq_fields.h; the BPF side's own bookkeeping follows. Nothing
 * outside this machine depends on the layout: captures name their fields. */
#define VQ_DECLARE_COUNTER(name, evbit, flag, help)	__u64 name;
#define VQ_DECLARE_STATE(ctype, name, kind, prom, help)	ctype name;
struct vq_stats {
	VQ_COUNTERS(VQ_DECLARE_COUNTER)
	VQ_KICK_COUNTERS(VQ_DECLARE_COUNTER)
	VQ_STATE(VQ_DECLARE_STATE)

	/* a vhost-net queue's tap and queue pair (bpf/backend.bpf.h), read
	 * when first seen and at each ring setup: "" and -1 when unknown */
	char tap[16];
	__s32 qp;

	/* bookkeeping of the BPF side, read nowhere else */
	__u64 last_ns;		/* time of the last clock read (--hist, --events,
				 * a wait stamped) */
	__u64 last_signal_ns;	/* time of the last signal (0: none yet; --hist) */
	__u64 avail;		/* vq->avail (guest address) as add_used last saw it */
	__u32 slot_id;		/* this entry's index in vqs, and in hists */
	__u16 event_ref;	/* used_event watched for EVENT_STALE... */
	__u16 event_ref_used_idx;	/* ...and last_used_idx when it was first seen */
	__u16 notify_guest_value;	/* notify entry -> return: used_event
					 * (EVENT_IDX) or avail->flags... */
	__u16 ev_parity;	/* --events: low bit of each event counter at the vq's
				 * previous call (bit = enum vq_event_bit) */
	__u16 su_track;		/* vhost's signalled_used after the vq's last
				 * hooked call (bpf/add_used.bpf.h) */
	__u16 entry_old;	/* fentry on vhost_add_used_n: last_used_idx... */
	__u8 entry_valid;	/* ...and signalled_used_valid on entry... */
	__u8 entry_armed;	/* ...saved for the fexit of the same call */
	__u8 setup_fresh;	/* the ring was set up and no notify ran since:
				 * its stale signal is no incident */
	__u8 notify_guest_ok;	/* ...and whether it was read */
	__u8 last_decision;	/* 1 signal, 0 suppressed */
	__u8 notified;		/* a notify ran since the last add_used */
	__u8 valid_track;	/* vhost's signalled_used_valid after the vq's
				 * last hooked call: VQ_VALID_* */
	__u8 notify_kept;	/* the notify in flight was entered with the
				 * indexes the hooks kept, not a read */
	__u8 notify_args_seen;	/* bit 0: a notify found the vq in argument 1,
				 * bit 1: in argument 2 */
};
#undef VQ_DECLARE_COUNTER
#undef VQ_DECLARE_STATE

/* valid_track: what the fexit hook takes for signalled_used_valid before a
 * call whose wrap check held (bpf/add_used.bpf.h), and what vhost_notify
 * is entered with (bpf/notify.bpf.h). */
enum vq_valid_track {
	VQ_VALID_UNKNOWN = 0,	/* no call of the vq seen yet */
	VQ_VALID_FALSE = 1,
	VQ_VALID_TRUE = 2,
};

/* Whole-run health counters of the probes themselves (one array slot),
 * listed in include/vq_fields.h. */
#define VQ_DECLARE_GLOBAL(name, loss, incomplete, help)	__u64 name;
struct vq_global {
	VQ_GLOBALS(VQ_DECLARE_GLOBAL)
};
#undef VQ_DECLARE_GLOBAL

/* The one slot of the global map (bpf/vq_state.bpf.h), mapped read-only by
 * userspace: reading it costs no system call (see there why that matters). */
struct vq_global_slot {
	struct vq_global g;
	__u64 retired_moves;	/* vqs moved to retired_vqs: userspace drains
				 * that map only when this moved */
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
	VQ_HIST_KICK_WAIT_NS,		/* kick -> its handler starts (worker wake-up) */
	VQ_HIST_HANDLER_RUN_NS,		/* a kick handler's run, start to return */
	VQ_HIST_USED_PER_RUN,		/* used entries published during a handler run */
	VQ_HIST_KICK_TO_SIGNAL_NS,	/* the kick a run serves -> the run's first interrupt */
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
