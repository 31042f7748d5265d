// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Pure model of virtio used-buffer notification suppression; see model.h. */
#include <errno.h>
#include <string.h>

#include "model.h"
#include "vq_rules.h"

static const struct {
	const char *name;
	const char *text;
} reasons[VQ_REASON__COUNT] = {
	[VQ_REASON_NOTIFY_ON_EMPTY] = { "notify_on_empty",
		"NOTIFY_ON_EMPTY is negotiated and the avail ring is empty, so vhost notifies without looking further" },
	[VQ_REASON_NO_EVENT_IDX_FLAGS_CLEAR] = { "no_event_idx_flags_clear",
		"EVENT_IDX is not negotiated and avail->flags lacks NO_INTERRUPT, so every used batch is signalled" },
	[VQ_REASON_NO_EVENT_IDX_NO_INTERRUPT] = { "no_event_idx_no_interrupt",
		"EVENT_IDX is not negotiated and the driver set NO_INTERRUPT in avail->flags" },
	[VQ_REASON_INVALID_SIGNALLED_USED] = { "invalid_signalled_used",
		"signalled_used is not valid (first signal, reset or a 2^16 used-index wrap), so vhost notifies unconditionally" },
	[VQ_REASON_EVENT_IN_WINDOW] = { "event_in_window",
		"the driver's used_event is one of the used indices written since the last signal" },
	[VQ_REASON_EVENT_OUTSIDE_WINDOW] = { "event_outside_window",
		"the driver's used_event is not among the used indices written since the last signal" },
	[VQ_REASON_PACKED_ENABLE] = { "flags_enable",
		"the driver's event suppression flags are ENABLE: notify after every used batch" },
	[VQ_REASON_PACKED_DISABLE] = { "flags_disable",
		"the driver's event suppression flags are DISABLE: never notify" },
	[VQ_REASON_PACKED_RESERVED] = { "flags_reserved",
		"the driver's event suppression flags hold the reserved value 3; treated like ENABLE (only DISABLE suppresses)" },
	[VQ_REASON_PACKED_DESC_NO_EVENT_IDX] = { "desc_without_event_idx",
		"the driver set DESC without EVENT_IDX negotiated (invalid); the model notifies so no interrupt is lost" },
	[VQ_REASON_PACKED_DESC_IN_WINDOW] = { "desc_in_window",
		"the descriptor named by the driver's off_wrap was used in this batch" },
	[VQ_REASON_PACKED_DESC_OUTSIDE_WINDOW] = { "desc_outside_window",
		"the descriptor named by the driver's off_wrap was not used in this batch" },
};

const char *vq_decision_str(enum vq_decision d)
{
	return d == VQ_NOTIFY ? "notify" : "suppress";
}

const char *vq_reason_str(enum vq_reason r)
{
	if ((unsigned int)r >= VQ_REASON__COUNT)
		return "unknown";
	return reasons[r].name;
}

const char *vq_reason_text(enum vq_reason r)
{
	if ((unsigned int)r >= VQ_REASON__COUNT)
		return "unknown reason";
	return reasons[r].text;
}

/* ---------------------------------------------------------------- split */

static uint32_t idx_mask(unsigned int bits)
{
	if (bits < 1 || bits > 16)
		bits = 16;
	return (1u << bits) - 1;
}

bool vq_need_event_bits(unsigned int bits, uint32_t event, uint32_t new_idx,
			uint32_t old_idx)
{
	uint32_t m = idx_mask(bits);

	return ((new_idx - event - 1) & m) < ((new_idx - old_idx) & m);
}

bool vq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return vq_rule_need_event(event, new_idx, old_idx);
}

static void set(struct vq_split_result *out, enum vq_decision d, enum vq_reason r)
{
	out->decision = d;
	out->reason = r;
}

void vq_split_decide_bits(const struct vq_split_in *in, unsigned int bits,
			  struct vq_split_result *out)
{
	uint32_t m = idx_mask(bits);
	uint32_t ev, old, new;

	memset(out, 0, sizeof(*out));
	out->next_signalled_used = in->signalled_used;
	out->next_signalled_used_valid = in->signalled_used_valid;

	/* 1. NOTIFY_ON_EMPTY with an empty avail ring wins over everything. */
	if ((in->features & VQ_FEATURE(VQ_F_NOTIFY_ON_EMPTY)) &&
	    ((in->avail_idx ^ in->last_avail_idx) & m) == 0) {
		set(out, VQ_NOTIFY, VQ_REASON_NOTIFY_ON_EMPTY);
		return;
	}

	/* 2. Without EVENT_IDX only avail->flags counts. */
	if (!(in->features & VQ_FEATURE(VQ_F_RING_EVENT_IDX))) {
		if (in->avail_flags & VQ_AVAIL_F_NO_INTERRUPT)
			set(out, VQ_SUPPRESS, VQ_REASON_NO_EVENT_IDX_NO_INTERRUPT);
		else
			set(out, VQ_NOTIFY, VQ_REASON_NO_EVENT_IDX_FLAGS_CLEAR);
		return;
	}

	/* 3. EVENT_IDX: was used_event among the indices old..new-1 written since the last signal? */
	ev = in->used_event & m;
	old = in->signalled_used & m;
	new = in->last_used_idx & m;
	out->has_window = true;
	out->event = ev;
	out->old_idx = old;
	out->new_idx = new;
	out->new_minus_event_minus_1 = (new - ev - 1) & m;
	out->new_minus_old = (new - old) & m;
	out->in_window = out->new_minus_event_minus_1 < out->new_minus_old;

	out->updates_state = true;
	out->next_signalled_used = new;
	out->next_signalled_used_valid = true;

	if (!in->signalled_used_valid)
		set(out, VQ_NOTIFY, VQ_REASON_INVALID_SIGNALLED_USED);
	else if (out->in_window)
		set(out, VQ_NOTIFY, VQ_REASON_EVENT_IN_WINDOW);
	else
		set(out, VQ_SUPPRESS, VQ_REASON_EVENT_OUTSIDE_WINDOW);
}

void vq_split_decide(const struct vq_split_in *in, struct vq_split_result *out)
{
	vq_split_decide_bits(in, 16, out);
}

void vq_split_apply(struct vq_split_in *st, const struct vq_split_result *r)
{
	if (!r->updates_state)
		return;
	st->signalled_used = r->next_signalled_used;
	st->signalled_used_valid = r->next_signalled_used_valid;
}

bool vq_split_notify(struct vq_split_in *st, struct vq_split_result *out)
{
	struct vq_split_result r;

	vq_split_decide(st, &r);
	vq_split_apply(st, &r);
	if (out)
		*out = r;
	return r.decision == VQ_NOTIFY;
}

bool vq_used_wrap_check_bits(unsigned int bits, uint32_t signalled_used,
			     uint32_t old_idx, uint32_t new_idx)
{
	uint32_t m = idx_mask(bits);

	return ((new_idx - signalled_used) & m) < ((new_idx - old_idx) & m);
}

bool vq_used_wrap_check(uint16_t signalled_used, uint16_t old_idx, uint16_t new_idx)
{
	return vq_rule_wrap_check(signalled_used, old_idx, new_idx);
}

bool vq_split_add_used(struct vq_split_in *st, uint16_t count)
{
	uint16_t old = st->last_used_idx;
	uint16_t new = (uint16_t)(old + count);
	bool fired = vq_used_wrap_check(st->signalled_used, old, new);

	st->last_used_idx = new;
	if (fired)
		st->signalled_used_valid = false;
	return fired;
}

/* ------------------------------------------------------ incident flags */

bool vq_near_wrap(uint16_t last_used_idx, uint16_t signalled_used)
{
	return vq_rule_near_wrap(last_used_idx, signalled_used);
}

bool vq_event_ahead(uint16_t used_event, uint16_t last_used_idx, uint32_t num)
{
	return vq_rule_event_ahead(used_event, last_used_idx, num);
}

bool vq_avail_overrun(uint16_t avail_idx, uint16_t last_avail_idx, uint32_t num)
{
	return vq_rule_avail_overrun(avail_idx, last_avail_idx, num);
}

/* --------------------------------------------------------------- packed */

uint16_t vq_packed_off_wrap(uint16_t off, bool wrap)
{
	return (uint16_t)((off & VQ_PACKED_EVENT_OFF_MASK) |
			  ((unsigned int)wrap << VQ_PACKED_EVENT_WRAP_SHIFT));
}

uint16_t vq_packed_event_off(uint16_t off_wrap)
{
	return off_wrap & VQ_PACKED_EVENT_OFF_MASK;
}

bool vq_packed_event_wrap(uint16_t off_wrap)
{
	return off_wrap >> VQ_PACKED_EVENT_WRAP_SHIFT;
}

bool vq_packed_desc_is_avail(uint16_t desc_flags, bool wrap)
{
	bool a = desc_flags & VQ_PACKED_DESC_F_AVAIL;
	bool u = desc_flags & VQ_PACKED_DESC_F_USED;

	return a == wrap && u != wrap;
}

bool vq_packed_desc_is_used(uint16_t desc_flags, bool wrap)
{
	bool a = desc_flags & VQ_PACKED_DESC_F_AVAIL;
	bool u = desc_flags & VQ_PACKED_DESC_F_USED;

	return a == wrap && u == wrap;
}

static uint16_t mark(uint16_t flags, bool avail, bool used)
{
	flags &= (uint16_t)~(VQ_PACKED_DESC_F_AVAIL | VQ_PACKED_DESC_F_USED);
	if (avail)
		flags |= VQ_PACKED_DESC_F_AVAIL;
	if (used)
		flags |= VQ_PACKED_DESC_F_USED;
	return flags;
}

uint16_t vq_packed_desc_mark_avail(uint16_t desc_flags, bool wrap)
{
	return mark(desc_flags, wrap, !wrap);
}

uint16_t vq_packed_desc_mark_used(uint16_t desc_flags, bool wrap)
{
	return mark(desc_flags, wrap, wrap);
}

void vq_packed_advance(uint16_t *pos, bool *wrap, uint32_t count, uint32_t size)
{
	uint32_t p;

	if (size == 0)
		return;
	count %= 2 * size;		/* two laps restore the wrap counter */
	p = *pos + count;
	while (p >= size) {
		p -= size;
		*wrap = !*wrap;
	}
	*pos = (uint16_t)p;
}

/* Position on new's lap: this lap as is, the previous lap below zero. */
static int32_t lin(uint16_t pos, bool wrap, bool new_wrap, uint32_t size)
{
	return wrap == new_wrap ? (int32_t)pos : (int32_t)pos - (int32_t)size;
}

static bool wants_desc(const struct vq_packed_in *in)
{
	return (in->driver_event.flags & VQ_PACKED_EVENT_FLAGS_MASK) == VQ_PACKED_EVENT_DESC &&
	       in->event_idx;
}

const char *vq_packed_check(const struct vq_packed_in *in)
{
	int32_t old_lin, new_lin;

	if (in->size < 1 || in->size > VQ_PACKED_MAX_SIZE)
		return "ring size must be 1..32768";
	if (in->old_pos >= in->size)
		return "old position is outside the ring";
	if (in->new_pos >= in->size)
		return "new position is outside the ring";
	old_lin = lin(in->old_pos, in->old_wrap, in->new_wrap, in->size);
	new_lin = (int32_t)in->new_pos;
	if (new_lin < old_lin)
		return "new is behind old (same wrap counter, lower position)";
	if (new_lin - old_lin > (int32_t)in->size)
		return "new is more than one ring ahead of old (wrap counters differ but new position is past old)";
	if (wants_desc(in) && vq_packed_event_off(in->driver_event.off_wrap) >= in->size)
		return "event offset is outside the ring";
	return NULL;
}

int vq_packed_decide(const struct vq_packed_in *in, struct vq_packed_result *out)
{
	unsigned int flags = in->driver_event.flags & VQ_PACKED_EVENT_FLAGS_MASK;
	uint16_t off_wrap = in->driver_event.off_wrap;

	memset(out, 0, sizeof(*out));
	if (vq_packed_check(in))
		return -EINVAL;

	out->old_lin = lin(in->old_pos, in->old_wrap, in->new_wrap, in->size);
	out->new_lin = (int32_t)in->new_pos;
	out->used = (uint32_t)(out->new_lin - out->old_lin);

	switch (flags) {
	case VQ_PACKED_EVENT_DISABLE:
		out->decision = VQ_SUPPRESS;
		out->reason = VQ_REASON_PACKED_DISABLE;
		return 0;
	case VQ_PACKED_EVENT_ENABLE:
		out->reason = VQ_REASON_PACKED_ENABLE;
		break;
	case VQ_PACKED_EVENT_RESERVED:
		out->reason = VQ_REASON_PACKED_RESERVED;
		break;
	default: /* DESC */
		if (!in->event_idx) {
			out->reason = VQ_REASON_PACKED_DESC_NO_EVENT_IDX;
			break;
		}
		out->has_event = true;
		out->event_off = vq_packed_event_off(off_wrap);
		out->event_wrap = vq_packed_event_wrap(off_wrap);
		out->event_lin = lin(out->event_off, out->event_wrap, in->new_wrap, in->size);
		if (out->event_lin >= out->old_lin && out->event_lin < out->new_lin) {
			out->reason = VQ_REASON_PACKED_DESC_IN_WINDOW;
			break;
		}
		out->decision = VQ_SUPPRESS;
		out->reason = VQ_REASON_PACKED_DESC_OUTSIDE_WINDOW;
		return 0;
	}
	out->decision = VQ_NOTIFY;
	return 0;
}
