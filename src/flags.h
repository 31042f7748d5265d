/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Incident flags: what a traced vq's counters and state say is wrong.
 * Most are counted in the kernel (a counter of struct vq_stats); the two
 * that need a clock (NO_SIGNAL_STALL, EVENT_STALE, WORKER_STALL,
 * KICK_MISSED, USE_STALL) are judged here at every read. */
#ifndef __VQTRACE_FLAGS_H
#define __VQTRACE_FLAGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vqtrace.h"

enum vq_flag {
	FLAG_WRAP_INVALIDATED,
	FLAG_WRAP_CHECK,
	FLAG_STALE_SIGNALLED,
	FLAG_EVENT_STALE,
	FLAG_EVENT_AHEAD,
	FLAG_NO_SIGNAL_STALL,
	FLAG_NEAR_WRAP,
	FLAG_AVAIL_OVERRUN,
	FLAG_LOST_NOTIFY,
	FLAG_SPURIOUS_NOTIFY,
	FLAG_WORKER_STALL,
	FLAG_KICK_MISSED,
	FLAG_USE_STALL,
	FLAG__COUNT
};

struct flag_def {
	const char *name;	/* e.g. WRAP_INVALIDATED */
	const char *code;	/* two letters for the table, e.g. WI */
	const char *help;	/* one line for --help and the stderr notice */
	bool event_idx_only;	/* counted only on EVENT_IDX rings */
};

extern const struct flag_def flag_defs[FLAG__COUNT];

struct flag_state {
	uint64_t count;		/* events or episodes since start */
	uint64_t printed;	/* count when the last interval was printed */
	bool active;		/* an episode is going on (state-like flags) */
	bool was_active;	/* ...and was at the last printed interval */
	double first_s, last_s;	/* wall-clock seconds when seen (0: never) */
};

struct vq_flags {
	struct flag_state f[FLAG__COUNT];
	/* EVENT_STALE: vhost's avail index as last seen, and since when */
	uint16_t avail_seen;
	bool avail_known;
	uint64_t avail_seen_ns;
	/* KICK_MISSED: the guest's own avail index, read at this read when
	 * vhost waits for a kick (vqtable_read_guests), and since when the
	 * guest has been past it with no kick */
	uint16_t guest_avail;
	bool guest_avail_ok;
	uint64_t kick_missing_ns;
	/* NO_SIGNAL_STALL: the guest's used_event as it is now (read with
	 * guest_avail, for a vq with entries waiting for an interrupt): the
	 * last one a notify read may be older than the guest's last word */
	uint16_t guest_used_event;
	bool guest_used_event_ok;
	uint64_t stall_wait_ns;	/* the wait an NO_SIGNAL_STALL episode is about */
	/* USE_STALL: whether the vq's ring holds requests (src/vqident.c, set
	 * by vqtable_judge), and since when buffers vhost has seen wait with
	 * no used entry (used and ring_setups as they were then) */
	bool requests;
	uint16_t use_guest_avail;	/* the guest's avail index at avail_now, */
	bool use_guest_avail_ok;	/* read when the ring used nothing */
	uint64_t use_since_ns;
	uint64_t use_used, use_setups;
	/* NO_SIGNAL_STALL, EVENT_STALE: the last read that found the vq with
	 * no backend (its owner stopped vhost: a paused VM). Their time
	 * counts only from there: a stopped device waits for nobody. */
	uint64_t unplugged_ns;
};

struct flag_opts {
	uint64_t stall_ns;	/* the time-based flags' threshold (--stall-ms) */
	bool kick_side;		/* --kicks: USE_STALL is judged */
};

/* Brings the flags of one vq up to date with its latest stats. now_ns is
 * CLOCK_MONOTONIC (the clock of bpf_ktime_get_ns), now_s wall-clock.
 * Returns a bit mask of the flags raised for the first time. */
unsigned int flags_update(struct vq_flags *fl, const struct vq_stats *s,
			  const struct flag_opts *o, uint64_t now_ns, double now_s);
/* Raised in the interval since the last flags_mark_printed (count grew, or
 * an episode was going on); total: ever raised. */
bool flag_in_interval(const struct flag_state *f);
bool flag_ever(const struct flag_state *f);
void flags_mark_printed(struct vq_flags *fl);
/* "WI,WC,SS" (at most width characters, "+" when cut); "-" when none. */
void flags_codes(const struct vq_flags *fl, bool total, char *buf, size_t len, int width);
void flags_help(FILE *f);
/* NO_SIGNAL_STALL looks at this vq: EVENT_IDX, a backend, and entries
 * waiting for an interrupt since a call that saw the guest's used_event
 * (vqtable_read_guests reads its current one for these). */
bool vq_signal_watched(const struct vq_stats *s);
/* KICK_MISSED: vhost waits for a kick, on a ring with a backend, and none
 * came or waits for its handler (the guest's index then says whether one
 * is owed: vqtable_read_guests reads it for these). */
bool vq_kick_owed(const struct vq_stats *s);
/* USE_STALL looks at this vq: --kicks, a ring of requests with a backend,
 * no kick waiting for its handler. */
bool vq_use_watched(const struct vq_stats *s, bool requests, bool kick_side);
/* USE_STALL's count: buffers the guest published (its avail index as read
 * from guest memory, else vhost's) that vhost has not used. */
uint16_t vq_use_pending(const struct vq_flags *fl, const struct vq_stats *s);

#endif
