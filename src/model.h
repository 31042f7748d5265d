/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Pure C model of virtio used-buffer notification suppression: does the
 * device notify (interrupt) the driver after putting entries in the used
 * ring? No BPF, no kernel headers; everything here is a pure function of
 * its arguments (the *_apply/_notify/_add_used helpers only step the
 * struct passed to them).
 *
 * Split ring: mirrors Linux vhost's vhost_notify() and the wrap check in
 * __vhost_add_used_n(), step for step (see vq_split_decide()).
 *
 * Packed ring (virtio 1.1+, not in kernel vhost; vhost-user/vDPA): see the
 * convention block above struct vq_packed_in.
 *
 * All values are host order: callers convert le16 fields read from guest
 * memory before passing them in.
 */
#ifndef __VQTRACE_MODEL_H
#define __VQTRACE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_bits.h"	/* VQ_F_*, VQ_FEATURE(), VQ_AVAIL_F_NO_INTERRUPT */

enum vq_decision {
	VQ_SUPPRESS = 0,
	VQ_NOTIFY = 1,
};

/* Why a decision was taken. Values are stable; so are the vq_reason_str() names. */
enum vq_reason {
	/* split ring, in the order vhost tests them */
	VQ_REASON_NOTIFY_ON_EMPTY,		/* "notify_on_empty" */
	VQ_REASON_NO_EVENT_IDX_FLAGS_CLEAR,	/* "no_event_idx_flags_clear" */
	VQ_REASON_NO_EVENT_IDX_NO_INTERRUPT,	/* "no_event_idx_no_interrupt" */
	VQ_REASON_INVALID_SIGNALLED_USED,	/* "invalid_signalled_used" (forced) */
	VQ_REASON_EVENT_IN_WINDOW,		/* "event_in_window" */
	VQ_REASON_EVENT_OUTSIDE_WINDOW,		/* "event_outside_window" */
	/* packed ring */
	VQ_REASON_PACKED_ENABLE,		/* "flags_enable" */
	VQ_REASON_PACKED_DISABLE,		/* "flags_disable" */
	VQ_REASON_PACKED_RESERVED,		/* "flags_reserved" (value 3) */
	VQ_REASON_PACKED_DESC_NO_EVENT_IDX,	/* "desc_without_event_idx" */
	VQ_REASON_PACKED_DESC_IN_WINDOW,	/* "desc_in_window" */
	VQ_REASON_PACKED_DESC_OUTSIDE_WINDOW,	/* "desc_outside_window" */
	VQ_REASON__COUNT
};

/* "notify" / "suppress" */
const char *vq_decision_str(enum vq_decision d);
/* Short stable snake_case name (for JSON, metrics labels); "unknown" if out of range. */
const char *vq_reason_str(enum vq_reason r);
/* One human sentence saying why. */
const char *vq_reason_text(enum vq_reason r);

/* ---------------------------------------------------------------- split */

/*
 * The spec's / kernel's vring_need_event(): having moved the used index from
 * old to new, must the driver be notified, given its used_event? True iff
 * (u16)(new - event - 1) < (u16)(new - old), i.e. event is one of the
 * indices old, old+1, ..., new-1 (the slots just written) mod 2^16.
 * Named vq_need_event so it cannot clash with <linux/virtio_ring.h>.
 */
bool vq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx);

/*
 * Inputs of vhost_notify(); also the state stepped by vq_split_apply(),
 * vq_split_notify() and vq_split_add_used().
 */
struct vq_split_in {
	uint64_t features;		/* negotiated feature bits (VQ_FEATURE(...)) */
	uint16_t avail_flags;		/* guest avail->flags */
	uint16_t used_event;		/* guest used_event (avail->ring[num]) */
	uint16_t last_used_idx;		/* vq->last_used_idx: "new" */
	uint16_t signalled_used;	/* vq->signalled_used: "old" */
	bool signalled_used_valid;	/* vq->signalled_used_valid */
	uint16_t avail_idx;		/* vq->avail_idx (vhost's cached copy) */
	uint16_t last_avail_idx;	/* vq->last_avail_idx */
	uint32_t num;			/* ring size (only used by the incident helpers) */
};

struct vq_split_result {
	enum vq_decision decision;
	enum vq_reason reason;
	/*
	 * Path 3 (EVENT_IDX) only: the window arithmetic, computed from the
	 * inputs even when signalled_used is invalid (then it is informative:
	 * what the decision would have been).
	 */
	bool has_window;
	uint16_t event, old_idx, new_idx;	/* used_event, signalled_used, last_used_idx */
	uint16_t new_minus_event_minus_1;	/* (u16)(new - event - 1) */
	uint16_t new_minus_old;			/* (u16)(new - old) */
	bool in_window;				/* new_minus_event_minus_1 < new_minus_old */
	/* State after the call (unchanged unless path 3 ran: updates_state). */
	bool updates_state;
	uint16_t next_signalled_used;
	bool next_signalled_used_valid;
};

/*
 * vhost_notify(), in the kernel's order:
 *  1. NOTIFY_ON_EMPTY negotiated and avail_idx == last_avail_idx -> notify
 *     (state untouched);
 *  2. no EVENT_IDX -> notify unless avail_flags has NO_INTERRUPT (state
 *     untouched);
 *  3. EVENT_IDX: old = signalled_used, new = last_used_idx; state becomes
 *     signalled_used = new, valid = true; if it was invalid -> forced notify,
 *     else notify iff vq_need_event(used_event, new, old).
 * Pure: fills *out, does not modify *in.
 */
void vq_split_decide(const struct vq_split_in *in, struct vq_split_result *out);

/*
 * Same, with index arithmetic done modulo 2^bits (1 <= bits <= 16; values
 * are masked to that width). bits == 16 is the real thing; smaller widths
 * exist so tests can cover every (event, new, old) exhaustively.
 */
void vq_split_decide_bits(const struct vq_split_in *in, unsigned int bits,
			  struct vq_split_result *out);
bool vq_need_event_bits(unsigned int bits, uint32_t event, uint32_t new_idx,
			uint32_t old_idx);

/* Write r's next_* state into *st (no-op unless r->updates_state). */
void vq_split_apply(struct vq_split_in *st, const struct vq_split_result *r);
/* vq_split_decide() + vq_split_apply(); returns true on notify. out may be NULL. */
bool vq_split_notify(struct vq_split_in *st, struct vq_split_result *out);

/*
 * __vhost_add_used_n()'s wrap check: after the used index moved from old to
 * new (= old + count), signalled_used_valid must be cleared iff
 * (u16)(new - signalled_used) < (u16)(new - old), i.e. signalled_used is one
 * of old+1 .. new: the used index went a full 2^16 round past the last
 * signalled point. Returns true when it fires.
 */
bool vq_used_wrap_check(uint16_t signalled_used, uint16_t old_idx, uint16_t new_idx);
bool vq_used_wrap_check_bits(unsigned int bits, uint32_t signalled_used,
			     uint32_t old_idx, uint32_t new_idx);
/*
 * Step *st like __vhost_add_used_n(count): last_used_idx += count, then the
 * wrap check (clears signalled_used_valid when it fires). Returns whether
 * it fired.
 */
bool vq_split_add_used(struct vq_split_in *st, uint16_t count);

/* ------------------------------------------------------ incident flags */

/* (u16)(last_used_idx - signalled_used) >= 32768: half the index space used
 * since the last signal; one more half and the wrap check fires. */
bool vq_near_wrap(uint16_t last_used_idx, uint16_t signalled_used);

/*
 * used_event is impossibly far ahead: d = (u16)(used_event - last_used_idx)
 * with num < d < 32768. An event lagging behind last_used_idx (the normal
 * case while the driver has callbacks off) shows up as d >= 32768 and is NOT
 * flagged; an event up to num ahead is a legitimate request.
 */
bool vq_event_ahead(uint16_t used_event, uint16_t last_used_idx, uint32_t num);

/* (u16)(avail_idx - last_avail_idx) > num: the driver claims more
 * outstanding buffers than the ring holds (vhost rejects this). */
bool vq_avail_overrun(uint16_t avail_idx, uint16_t last_avail_idx, uint32_t num);

/* --------------------------------------------------------------- packed */

/* Event suppression flags (low 2 bits of the structure's flags field). */
#define VQ_PACKED_EVENT_ENABLE		0x0
#define VQ_PACKED_EVENT_DISABLE		0x1
#define VQ_PACKED_EVENT_DESC		0x2	/* only valid with EVENT_IDX */
#define VQ_PACKED_EVENT_RESERVED	0x3
#define VQ_PACKED_EVENT_FLAGS_MASK	0x3
/* off_wrap: descriptor offset in bits 0..14, wrap counter in bit 15. */
#define VQ_PACKED_EVENT_WRAP_SHIFT	15
#define VQ_PACKED_EVENT_OFF_MASK	0x7fff
/* Descriptor flags. */
#define VQ_PACKED_DESC_F_AVAIL		(1u << 7)
#define VQ_PACKED_DESC_F_USED		(1u << 15)
#define VQ_PACKED_MAX_SIZE		32768u

/* The event suppression structure, host order ({ le16 off_wrap; le16 flags; } in memory). */
struct vq_packed_event {
	uint16_t off_wrap;
	uint16_t flags;
};

uint16_t vq_packed_off_wrap(uint16_t off, bool wrap);
uint16_t vq_packed_event_off(uint16_t off_wrap);
bool vq_packed_event_wrap(uint16_t off_wrap);

/* AVAIL == wrap and USED != wrap: available to the device in lap `wrap`. */
bool vq_packed_desc_is_avail(uint16_t desc_flags, bool wrap);
/* AVAIL == USED == wrap: used by the device in lap `wrap`. */
bool vq_packed_desc_is_used(uint16_t desc_flags, bool wrap);
/* Set AVAIL/USED as the driver (avail) or device (used) would; other bits kept. */
uint16_t vq_packed_desc_mark_avail(uint16_t desc_flags, bool wrap);
uint16_t vq_packed_desc_mark_used(uint16_t desc_flags, bool wrap);
/* Advance a ring position by count entries, flipping *wrap at each wrap. */
void vq_packed_advance(uint16_t *pos, bool *wrap, uint32_t count, uint32_t size);

/*
 * Packed convention. A ring slot is a position 0..size-1; the device's used
 * wrap counter starts at 1 and flips right after the device uses the slot
 * at size-1. A use is named by (position, wrap counter at the time).
 * old = (old_pos, old_wrap) is the device's next-to-use slot before the
 * batch, new = (new_pos, new_wrap) after it; the batch used the slots from
 * old up to but not including new, in ring order (0..size entries; equal
 * positions with different wraps is a full ring). The driver's DESC event
 * (off, wrap) asks for a notification when slot off is used with that wrap.
 * To decide, every (pos, wrap) is put on one line relative to new's lap:
 * pos if wrap == new_wrap, else pos - size (the previous lap); notify iff
 * old_lin <= event_lin < new_lin. This is what Linux's packed driver and
 * DPDK's vhost do with u16 vring_need_event() and "off -= size".
 */
struct vq_packed_in {
	struct vq_packed_event driver_event;	/* read by the device */
	bool event_idx;				/* VIRTIO_RING_F_EVENT_IDX negotiated */
	uint32_t size;				/* 1..32768 */
	uint16_t old_pos;
	bool old_wrap;
	uint16_t new_pos;
	bool new_wrap;
};

struct vq_packed_result {
	enum vq_decision decision;
	enum vq_reason reason;
	uint32_t used;			/* entries in the batch: new_lin - old_lin */
	int32_t old_lin, new_lin;	/* positions on new's lap (see above) */
	bool has_event;			/* DESC (with EVENT_IDX): the fields below are set */
	uint16_t event_off;
	bool event_wrap;
	int32_t event_lin;
};

/* NULL if *in is consistent, else a short description of what is wrong. */
const char *vq_packed_check(const struct vq_packed_in *in);
/* The device's "notify the driver?" decision; 0, or -EINVAL if vq_packed_check() fails. */
int vq_packed_decide(const struct vq_packed_in *in, struct vq_packed_result *out);

#endif /* __VQTRACE_MODEL_H */
