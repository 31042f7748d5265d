// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/model.c. The oracles here are written independently of
 * the model: they walk ring indices one at a time instead of using the
 * subtraction tricks of vring_need_event().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "model.h"
#include "vq_rules.h"

#define EVENT_IDX	VQ_FEATURE(VQ_F_RING_EVENT_IDX)
#define ON_EMPTY	VQ_FEATURE(VQ_F_NOTIFY_ON_EMPTY)

static uint64_t rng_state = 0x5eed5eed12345678ULL;

static uint64_t rnd(void)
{
	/* splitmix64: deterministic, so failures reproduce */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Spec oracle: written[i] is set for every used index the device wrote while
 * moving from old to new (old, old+1, ..., new-1, mod 2^bits). The device
 * must notify iff it wrote the index equal to used_event.
 */
static unsigned int walk_written(unsigned int bits, uint32_t old, uint32_t new,
				 unsigned char *written)
{
	uint32_t size = 1u << bits, idx = old, steps = 0;

	memset(written, 0, size);
	while (idx != new) {
		written[idx] = 1;
		idx = (idx + 1) % size;
		steps++;
	}
	return steps;
}

static void test_need_event_exhaustive_small_widths(void **state)
{
	static unsigned char written[256];

	for (unsigned int bits = 1; bits <= 8; bits++) {
		uint32_t size = 1u << bits;

		for (uint32_t old = 0; old < size; old++)
			for (uint32_t new = 0; new < size; new++) {
				walk_written(bits, old, new, written);
				for (uint32_t ev = 0; ev < size; ev++)
					if (vq_need_event_bits(bits, ev, new, old) != written[ev])
						fail_msg("bits=%u event=%u new=%u old=%u: model %d, spec %d",
							 bits, ev, new, old,
							 vq_need_event_bits(bits, ev, new, old), written[ev]);
			}
	}
}

static void test_split_decide_exhaustive_8bit(void **state)
{
	static unsigned char written[256];
	struct vq_split_in in = { .features = EVENT_IDX, .signalled_used_valid = true,
				  .avail_idx = 1, .num = 256 };
	struct vq_split_result r;
	unsigned long checked = 0;

	for (uint32_t old = 0; old < 256; old++)
		for (uint32_t new = 0; new < 256; new++) {
			unsigned int steps = walk_written(8, old, new, written);

			for (uint32_t ev = 0; ev < 256; ev++) {
				in.used_event = ev;
				in.signalled_used = old;
				in.last_used_idx = new;
				vq_split_decide_bits(&in, 8, &r);
				if (r.decision != (written[ev] ? VQ_NOTIFY : VQ_SUPPRESS) ||
				    r.reason != (written[ev] ? VQ_REASON_EVENT_IN_WINDOW
							     : VQ_REASON_EVENT_OUTSIDE_WINDOW) ||
				    !r.has_window || r.new_minus_old != steps ||
				    r.in_window != written[ev] ||
				    !r.updates_state || r.next_signalled_used != new ||
				    !r.next_signalled_used_valid)
					fail_msg("event=%u new=%u old=%u: decision %d reason %d",
						 ev, new, old, r.decision, r.reason);
				checked++;
			}
		}
	assert_int_equal(checked, 1UL << 24);
}

static void test_wrap_check_exhaustive_8bit(void **state)
{
	/* Fires iff, stepping the used index one at a time from old, it lands
	 * on signalled_used within count steps (a full-circle crossing). */
	static unsigned char hit[256];

	for (uint32_t old = 0; old < 256; old++) {
		memset(hit, 0, sizeof(hit));
		for (uint32_t count = 0; count < 256; count++) {
			uint32_t new = (old + count) & 0xff;

			if (count)
				hit[new] = 1;
			for (uint32_t s = 0; s < 256; s++)
				if (vq_used_wrap_check_bits(8, s, old, new) != hit[s])
					fail_msg("s=%u old=%u count=%u", s, old, count);
		}
	}
}

static void test_need_event_u16_examples(void **state)
{
	static const struct { uint16_t ev, new, old; bool notify; } t[] = {
		{ 0x0010, 0x0020, 0x0000, true },	/* in the middle */
		{ 0x0000, 0x0020, 0x0000, true },	/* event == old: slot old written */
		{ 0x001f, 0x0020, 0x0000, true },	/* last slot written */
		{ 0x0020, 0x0020, 0x0000, false },	/* event == new: not yet */
		{ 0x0030, 0x0020, 0x0000, false },	/* ahead */
		{ 0xfff0, 0x0020, 0x0000, false },	/* behind */
		{ 0xfffe, 0x0002, 0xfff0, true },	/* window spans 0xffff -> 0 */
		{ 0x0001, 0x0002, 0xfff0, true },
		{ 0x0002, 0x0002, 0xfff0, false },
		{ 0xffef, 0x0002, 0xfff0, false },
		{ 0x1234, 0x1234, 0x1234, false },	/* empty window */
		{ 0x1234, 0x1233, 0x1234, true },	/* 65535 entries: all but new */
		{ 0x1233, 0x1233, 0x1234, false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (vq_need_event(t[i].ev, t[i].new, t[i].old) != t[i].notify)
			fail_msg("row %zu: event=%#x new=%#x old=%#x", i, t[i].ev, t[i].new, t[i].old);
}

static void test_need_event_u16_properties(void **state)
{
	for (int i = 0; i < 1000000; i++) {
		uint64_t r = rnd();
		uint16_t ev = r, new = r >> 16, old = r >> 32, k = r >> 48;
		bool n = vq_need_event(ev, new, old);

		/* shifting all three indices changes nothing */
		if (vq_need_event(ev + k, new + k, old + k) != n)
			fail_msg("shift %u: event=%u new=%u old=%u", k, ev, new, old);
		/* the same thing stated from old: event is fewer steps from old than new is */
		if (n != ((uint16_t)(ev - old) < (uint16_t)(new - old)))
			fail_msg("distance: event=%u new=%u old=%u", ev, new, old);
		/* nothing written, nothing to notify */
		if (vq_need_event(ev, old, old))
			fail_msg("empty window notifies: event=%u old=%u", ev, old);
	}

	/* walking oracle on random short windows anywhere in the u16 space */
	for (int i = 0; i < 20000; i++) {
		uint64_t r = rnd();
		uint16_t old = r, len = (r >> 16) % 1024, ev;
		uint16_t new = old + len;
		bool seen = false;

		ev = (r >> 32) & 1 ? old + (uint16_t)((r >> 40) % 1100) : (uint16_t)(r >> 40);
		for (uint16_t idx = old; idx != new; idx++)
			seen |= idx == ev;
		if (vq_need_event(ev, new, old) != seen)
			fail_msg("walk: event=%u new=%u old=%u", ev, new, old);
	}
}

static void test_split_invalid_forces_notify(void **state)
{
	struct vq_split_in in = { .features = EVENT_IDX, .used_event = 0x0100,
				  .signalled_used = 0x0000, .last_used_idx = 0x0010,
				  .signalled_used_valid = false, .avail_idx = 5 };
	struct vq_split_result r;

	vq_split_decide(&in, &r);
	assert_int_equal(r.decision, VQ_NOTIFY);
	assert_int_equal(r.reason, VQ_REASON_INVALID_SIGNALLED_USED);
	/* the window is still computed: it would have said suppress */
	assert_true(r.has_window);
	assert_false(r.in_window);
	assert_true(r.updates_state);
	assert_int_equal(r.next_signalled_used, 0x0010);
	assert_true(r.next_signalled_used_valid);

	/* forced even with an empty window */
	in.last_used_idx = in.signalled_used;
	vq_split_decide(&in, &r);
	assert_int_equal(r.decision, VQ_NOTIFY);
	assert_int_equal(r.reason, VQ_REASON_INVALID_SIGNALLED_USED);
}

static void test_split_notify_on_empty(void **state)
{
	struct vq_split_in in = { .features = EVENT_IDX | ON_EMPTY, .used_event = 0x0100,
				  .signalled_used = 7, .last_used_idx = 9,
				  .signalled_used_valid = false,
				  .avail_idx = 42, .last_avail_idx = 42 };
	struct vq_split_result r;

	vq_split_decide(&in, &r);
	assert_int_equal(r.decision, VQ_NOTIFY);
	assert_int_equal(r.reason, VQ_REASON_NOTIFY_ON_EMPTY);
	assert_false(r.updates_state);
	assert_false(r.has_window);
	assert_true(vq_split_notify(&in, &r));
	assert_int_equal(in.signalled_used, 7);		/* untouched */
	assert_false(in.signalled_used_valid);

	/* also beats NO_INTERRUPT without EVENT_IDX */
	in.features = ON_EMPTY;
	in.avail_flags = VQ_AVAIL_F_NO_INTERRUPT;
	vq_split_decide(&in, &r);
	assert_int_equal(r.reason, VQ_REASON_NOTIFY_ON_EMPTY);

	/* not empty: falls through to the next rule */
	in.avail_idx = 43;
	vq_split_decide(&in, &r);
	assert_int_equal(r.decision, VQ_SUPPRESS);
	assert_int_equal(r.reason, VQ_REASON_NO_EVENT_IDX_NO_INTERRUPT);

	/* empty but the feature is not negotiated: ignored */
	in.features = EVENT_IDX;
	in.avail_idx = 42;
	in.signalled_used_valid = true;
	vq_split_decide(&in, &r);
	assert_int_equal(r.decision, VQ_SUPPRESS);
	assert_int_equal(r.reason, VQ_REASON_EVENT_OUTSIDE_WINDOW);
}

static void test_split_no_event_idx(void **state)
{
	static const struct { uint16_t flags; enum vq_decision d; enum vq_reason r; } t[] = {
		{ 0x0000, VQ_NOTIFY, VQ_REASON_NO_EVENT_IDX_FLAGS_CLEAR },
		{ 0x0001, VQ_SUPPRESS, VQ_REASON_NO_EVENT_IDX_NO_INTERRUPT },
		{ 0xfffe, VQ_NOTIFY, VQ_REASON_NO_EVENT_IDX_FLAGS_CLEAR },
		{ 0xffff, VQ_SUPPRESS, VQ_REASON_NO_EVENT_IDX_NO_INTERRUPT },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* used_event would say notify: it must be ignored */
		struct vq_split_in in = { .avail_flags = t[i].flags, .used_event = 3,
					  .signalled_used = 0, .last_used_idx = 10,
					  .signalled_used_valid = false, .avail_idx = 1 };
		struct vq_split_result r;

		vq_split_notify(&in, &r);
		assert_int_equal(r.decision, t[i].d);
		assert_int_equal(r.reason, t[i].r);
		assert_false(r.updates_state);
		/* vhost never touches signalled_used(_valid) on this path */
		assert_int_equal(in.signalled_used, 0);
		assert_false(in.signalled_used_valid);
	}
}

static void test_split_state_steps(void **state)
{
	struct vq_split_in st = { .features = EVENT_IDX, .avail_idx = 1, .num = 256 };
	struct vq_split_result r;

	/* first signal after init: forced, then the state is valid */
	vq_split_add_used(&st, 4);
	assert_true(vq_split_notify(&st, &r));
	assert_int_equal(r.reason, VQ_REASON_INVALID_SIGNALLED_USED);
	assert_int_equal(st.signalled_used, 4);
	assert_true(st.signalled_used_valid);

	/* nothing new: never notify */
	st.used_event = 4;
	assert_false(vq_split_notify(&st, &r));
	assert_int_equal(r.reason, VQ_REASON_EVENT_OUTSIDE_WINDOW);

	/* driver asks for an interrupt at index 10; 5 entries reach 9 only */
	st.used_event = 10;
	vq_split_add_used(&st, 5);
	assert_false(vq_split_notify(&st, &r));
	assert_int_equal(st.signalled_used, 9);
	/* one more entry writes index 9... still below 10 */
	vq_split_add_used(&st, 1);
	assert_false(vq_split_notify(&st, &r));
	/* the entry at index 10 is written: notify */
	vq_split_add_used(&st, 1);
	assert_true(vq_split_notify(&st, &r));
	assert_int_equal(r.reason, VQ_REASON_EVENT_IN_WINDOW);
	assert_int_equal(r.old_idx, 10);
	assert_int_equal(r.new_idx, 11);
	assert_int_equal(st.signalled_used, 11);

	/* vq_split_apply is a no-op for results that do not update state */
	st.features = 0;
	st.signalled_used = 77;
	vq_split_decide(&st, &r);
	vq_split_apply(&st, &r);
	assert_int_equal(st.signalled_used, 77);
}

static void run_chunks(uint16_t signalled, uint32_t total, uint16_t chunk,
		       int *fires, long *first_fire_chunk)
{
	struct vq_split_in st = { .features = EVENT_IDX, .signalled_used = signalled,
				  .signalled_used_valid = true };

	*fires = 0;
	*first_fire_chunk = -1;
	for (uint32_t i = 0; i < total / chunk; i++)
		if (vq_split_add_used(&st, chunk)) {
			if (!*fires)
				*first_fire_chunk = i;
			(*fires)++;
			assert_false(st.signalled_used_valid);
			st.signalled_used_valid = true;	/* count every crossing */
		}
}

static void test_wrap_check_chunks(void **state)
{
	int fires;
	long at;

	/* signalled_used = 0, 65536 entries in chunks of 64 from 0: the last
	 * chunk (65472 -> 0) lands exactly on it */
	run_chunks(0, 65536, 64, &fires, &at);
	assert_int_equal(fires, 1);
	assert_int_equal(at, 1023);

	/* signalled_used = 100: crossed in chunk 1 (64 -> 128) only */
	run_chunks(100, 65536, 64, &fires, &at);
	assert_int_equal(fires, 1);
	assert_int_equal(at, 1);

	/* twice over 140000 entries, one entry at a time */
	run_chunks(0, 140000, 1, &fires, &at);
	assert_int_equal(fires, 2);

	/* count == 0 never fires, whatever signalled_used is */
	for (uint32_t s = 0; s < 65536; s++)
		assert_false(vq_used_wrap_check(s, 500, 500));
}

static void test_wrap_check_call_off_scenario(void **state)
{
	/* Call eventfd on for 1000 entries, off for 70000, on for 1000; the
	 * driver always wants interrupts (used_event = last seen used index). */
	struct vq_split_in st = { .features = EVENT_IDX, .avail_idx = 1 };
	struct vq_split_result r;
	int fires = 0, forced = 0, notifies = 0;

	for (int i = 0; i < 72000; i++) {
		bool call_on = i < 1000 || i >= 71000;

		st.used_event = st.last_used_idx;
		fires += vq_split_add_used(&st, 1);
		if (!call_on)
			continue;	/* vhost skips vhost_notify without a call fd */
		notifies += vq_split_notify(&st, &r);
		forced += r.reason == VQ_REASON_INVALID_SIGNALLED_USED;
	}
	assert_int_equal(fires, 1);
	assert_int_equal(forced, 2);
	assert_int_equal(notifies, 2000);
}

static void test_reason_strings(void **state)
{
	static const char *const want[VQ_REASON__COUNT] = {
		"notify_on_empty", "no_event_idx_flags_clear", "no_event_idx_no_interrupt",
		"invalid_signalled_used", "event_in_window", "event_outside_window",
		"flags_enable", "flags_disable", "flags_reserved", "desc_without_event_idx",
		"desc_in_window", "desc_outside_window",
	};

	for (int i = 0; i < VQ_REASON__COUNT; i++) {
		assert_string_equal(vq_reason_str(i), want[i]);
		assert_non_null(vq_reason_text(i));
		assert_true(strlen(vq_reason_text(i)) > 10);
	}
	assert_string_equal(vq_reason_str(VQ_REASON__COUNT), "unknown");
	assert_string_equal(vq_decision_str(VQ_NOTIFY), "notify");
	assert_string_equal(vq_decision_str(VQ_SUPPRESS), "suppress");
}

static void test_incident_helpers(void **state)
{
	assert_false(vq_near_wrap(32767, 0));
	assert_true(vq_near_wrap(32768, 0));
	assert_true(vq_near_wrap(5, 6));	/* 65535 ahead */
	assert_false(vq_near_wrap(6, 6));
	assert_true(vq_near_wrap(0x8005, 5));

	assert_false(vq_event_ahead(100, 100, 256));	/* at the used index */
	assert_false(vq_event_ahead(356, 100, 256));	/* exactly num ahead */
	assert_true(vq_event_ahead(357, 100, 256));
	assert_true(vq_event_ahead(100 + 32767, 100, 256));
	assert_false(vq_event_ahead(100 + 32768, 100, 256));
	assert_false(vq_event_ahead(90, 100, 256));	/* lagging: normal */
	assert_true(vq_event_ahead(0x0100, 0xfff0, 16));	/* across the wrap */

	assert_false(vq_avail_overrun(256, 0, 256));
	assert_true(vq_avail_overrun(257, 0, 256));
	assert_false(vq_avail_overrun(3, 0xffff, 4));	/* 4 across the wrap */
	assert_true(vq_avail_overrun(4, 0xffff, 4));
	assert_true(vq_avail_overrun(0xffff, 0, 256));	/* went backwards */
}

/* ------------------------------------------------------------- packed */

static void test_packed_desc_flags(void **state)
{
	const uint16_t next_write = 0x3;	/* NEXT | WRITE, must survive */
	uint16_t f;

	assert_int_equal(VQ_PACKED_DESC_F_AVAIL, 0x80);
	assert_int_equal(VQ_PACKED_DESC_F_USED, 0x8000);

	f = vq_packed_desc_mark_avail(next_write, 1);
	assert_int_equal(f, 0x0083);
	assert_true(vq_packed_desc_is_avail(f, 1));
	assert_false(vq_packed_desc_is_used(f, 1));
	assert_false(vq_packed_desc_is_avail(f, 0));

	f = vq_packed_desc_mark_used(f, 1);
	assert_int_equal(f, 0x8083);
	assert_true(vq_packed_desc_is_used(f, 1));
	assert_false(vq_packed_desc_is_avail(f, 1));
	/* driver's next lap (wrap 0) does not see it as available */
	assert_false(vq_packed_desc_is_avail(f, 0));

	f = vq_packed_desc_mark_avail(f, 0);
	assert_int_equal(f, 0x8003);
	assert_true(vq_packed_desc_is_avail(f, 0));
	f = vq_packed_desc_mark_used(f, 0);
	assert_int_equal(f, 0x0003);
	assert_true(vq_packed_desc_is_used(f, 0));

	/* zeroed ring, first lap (wrap 1): nothing available, nothing used */
	assert_false(vq_packed_desc_is_avail(0, 1));
	assert_false(vq_packed_desc_is_used(0, 1));
}

static void test_packed_off_wrap(void **state)
{
	assert_int_equal(vq_packed_off_wrap(5, 1), 0x8005);
	assert_int_equal(vq_packed_off_wrap(0x7fff, 0), 0x7fff);
	assert_int_equal(vq_packed_event_off(0x8005), 5);
	assert_true(vq_packed_event_wrap(0x8005));
	assert_false(vq_packed_event_wrap(0x7fff));
}

static void test_packed_advance(void **state)
{
	uint16_t pos = 6;
	bool wrap = 1;

	vq_packed_advance(&pos, &wrap, 1, 8);
	assert_int_equal(pos, 7);
	assert_true(wrap);
	vq_packed_advance(&pos, &wrap, 1, 8);
	assert_int_equal(pos, 0);
	assert_false(wrap);
	vq_packed_advance(&pos, &wrap, 8, 8);
	assert_int_equal(pos, 0);
	assert_true(wrap);
	vq_packed_advance(&pos, &wrap, 16 + 3, 8);	/* two laps: wrap kept */
	assert_int_equal(pos, 3);
	assert_true(wrap);
	vq_packed_advance(&pos, &wrap, 8 + 6, 8);	/* 3+14 = 2*8+1: two flips */
	assert_int_equal(pos, 1);
	assert_true(wrap);
	vq_packed_advance(&pos, &wrap, 7, 8);		/* 1+7 = 8: one flip */
	assert_int_equal(pos, 0);
	assert_false(wrap);
}

struct prow {
	const char *what;
	uint16_t flags, off;
	bool ewrap;
	uint16_t op;
	bool ow;
	uint16_t np;
	bool nw;
	enum vq_decision d;
	enum vq_reason r;
};

static void test_packed_table(void **state)
{
	const enum vq_decision N = VQ_NOTIFY, S = VQ_SUPPRESS;
	const enum vq_reason IN = VQ_REASON_PACKED_DESC_IN_WINDOW;
	const enum vq_reason OUT = VQ_REASON_PACKED_DESC_OUTSIDE_WINDOW;
	const uint16_t D = VQ_PACKED_EVENT_DESC;
	/* ring of 8 */
	static const struct prow t[] = {
		{ "enable", 0, 0, 0, 2, 1, 5, 1, VQ_NOTIFY, VQ_REASON_PACKED_ENABLE },
		{ "enable, nothing used", 0, 0, 0, 2, 1, 2, 1, VQ_NOTIFY, VQ_REASON_PACKED_ENABLE },
		{ "disable", 1, 3, 1, 2, 1, 5, 1, VQ_SUPPRESS, VQ_REASON_PACKED_DISABLE },
		{ "reserved 3", 3, 0, 0, 2, 1, 5, 1, VQ_NOTIFY, VQ_REASON_PACKED_RESERVED },
		{ "reserved bits ignored", 0xfff1, 0, 0, 2, 1, 5, 1, VQ_SUPPRESS, VQ_REASON_PACKED_DISABLE },
		/* used (2,1) (3,1) (4,1) */
		{ "desc before", 2, 1, 1, 2, 1, 5, 1, 0, 0 },
		{ "desc first", 2, 2, 1, 2, 1, 5, 1, 1, 1 },
		{ "desc last", 2, 4, 1, 2, 1, 5, 1, 1, 1 },
		{ "desc at new", 2, 5, 1, 2, 1, 5, 1, 0, 0 },
		{ "desc other lap", 2, 3, 0, 2, 1, 5, 1, 0, 0 },
		/* used (6,1) (7,1) (0,0) (1,0): spans the wrap */
		{ "span: before", 2, 5, 1, 6, 1, 2, 0, 0, 0 },
		{ "span: old", 2, 6, 1, 6, 1, 2, 0, 1, 1 },
		{ "span: end of ring", 2, 7, 1, 6, 1, 2, 0, 1, 1 },
		{ "span: after flip", 2, 0, 0, 6, 1, 2, 0, 1, 1 },
		{ "span: last", 2, 1, 0, 6, 1, 2, 0, 1, 1 },
		{ "span: at new", 2, 2, 0, 6, 1, 2, 0, 0, 0 },
		{ "span: next lap", 2, 6, 0, 6, 1, 2, 0, 0, 0 },
		{ "span: lap before", 2, 0, 1, 6, 1, 2, 0, 0, 0 },
		/* used (5,1) (6,1) (7,1): new sits exactly on the flip */
		{ "to flip: last", 2, 7, 1, 5, 1, 0, 0, 1, 1 },
		{ "to flip: next", 2, 0, 0, 5, 1, 0, 0, 0, 0 },
		/* same, one lap later: wrap 0 -> 1 */
		{ "flip back: last", 2, 7, 0, 5, 0, 0, 1, 1, 1 },
		{ "flip back: wrong lap", 2, 7, 1, 5, 0, 0, 1, 0, 0 },
		/* full ring: (3,1) .. (7,1) (0,0) .. (2,0) */
		{ "full: first", 2, 3, 1, 3, 1, 3, 0, 1, 1 },
		{ "full: last", 2, 2, 0, 3, 1, 3, 0, 1, 1 },
		{ "full: at new", 2, 3, 0, 3, 1, 3, 0, 0, 0 },
		{ "full: lap before", 2, 2, 1, 3, 1, 3, 0, 0, 0 },
		{ "empty batch", 2, 3, 1, 3, 1, 3, 1, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct vq_packed_in in = {
			.driver_event = { vq_packed_off_wrap(t[i].off, t[i].ewrap), t[i].flags },
			.event_idx = true, .size = 8,
			.old_pos = t[i].op, .old_wrap = t[i].ow,
			.new_pos = t[i].np, .new_wrap = t[i].nw,
		};
		struct vq_packed_result r;
		enum vq_decision d = t[i].d;
		enum vq_reason why = t[i].r;

		if (t[i].flags == D) {	/* rows with 0/1 shorthand */
			why = t[i].d ? IN : OUT;
			d = t[i].d ? N : S;
		}
		assert_int_equal(vq_packed_decide(&in, &r), 0);
		if (r.decision != d || r.reason != why)
			fail_msg("%s: got %s/%s", t[i].what, vq_decision_str(r.decision),
				 vq_reason_str(r.reason));
	}
}

static void test_packed_window_values(void **state)
{
	struct vq_packed_in in = {
		.driver_event = { vq_packed_off_wrap(7, 1), VQ_PACKED_EVENT_DESC },
		.event_idx = true, .size = 8, .old_pos = 6, .old_wrap = 1,
		.new_pos = 2, .new_wrap = 0,
	};
	struct vq_packed_result r;

	assert_int_equal(vq_packed_decide(&in, &r), 0);
	assert_int_equal(r.used, 4);
	assert_int_equal(r.old_lin, -2);
	assert_int_equal(r.new_lin, 2);
	assert_true(r.has_event);
	assert_int_equal(r.event_lin, -1);
	assert_int_equal(r.event_off, 7);
	assert_true(r.event_wrap);

	/* DESC without EVENT_IDX: invalid driver, model notifies */
	in.event_idx = false;
	assert_int_equal(vq_packed_decide(&in, &r), 0);
	assert_int_equal(r.decision, VQ_NOTIFY);
	assert_int_equal(r.reason, VQ_REASON_PACKED_DESC_NO_EVENT_IDX);
	assert_false(r.has_event);

	/* largest ring, crossing the wrap */
	in = (struct vq_packed_in){
		.driver_event = { vq_packed_off_wrap(32767, 1), VQ_PACKED_EVENT_DESC },
		.event_idx = true, .size = 32768, .old_pos = 32767, .old_wrap = 1,
		.new_pos = 0, .new_wrap = 0,
	};
	assert_int_equal(vq_packed_decide(&in, &r), 0);
	assert_int_equal(r.decision, VQ_NOTIFY);
	assert_int_equal(r.used, 1);
	in.old_pos = 0;		/* full ring of 32768 */
	in.new_wrap = 0;
	in.old_wrap = 1;
	assert_int_equal(vq_packed_decide(&in, &r), 0);
	assert_int_equal(r.used, 32768);
	assert_int_equal(r.decision, VQ_NOTIFY);
}

static void test_packed_invalid(void **state)
{
	const struct vq_packed_in ok = {
		.driver_event = { vq_packed_off_wrap(1, 1), VQ_PACKED_EVENT_DESC },
		.event_idx = true, .size = 8, .old_pos = 2, .old_wrap = 1,
		.new_pos = 5, .new_wrap = 1,
	};
	struct vq_packed_in in;
	struct vq_packed_result r;

	assert_null(vq_packed_check(&ok));
#define BAD(field, value) do {						\
		in = ok;						\
		in.field = value;					\
		assert_non_null(vq_packed_check(&in));			\
		assert_int_equal(vq_packed_decide(&in, &r), -EINVAL);	\
	} while (0)
	BAD(size, 0);
	BAD(size, 32769);
	BAD(old_pos, 8);
	BAD(new_pos, 8);
	BAD(new_pos, 1);				/* behind old, same lap */
	BAD(new_wrap, 0);				/* (2,1) -> (5,0): 11 entries */
	BAD(driver_event.off_wrap, vq_packed_off_wrap(8, 1));	/* off >= size */
#undef BAD
	/* boundary: (2,1) -> (2,0) is a full ring of 8, (2,1) -> (3,0) would be 9 */
	in = ok;
	in.new_wrap = 0;
	in.new_pos = 2;
	assert_null(vq_packed_check(&in));
	in.new_pos = 3;
	assert_non_null(vq_packed_check(&in));
	assert_int_equal(vq_packed_decide(&in, &r), -EINVAL);
	/* an out-of-ring offset does not matter when the flags are not DESC */
	in = ok;
	in.driver_event.flags = VQ_PACKED_EVENT_ENABLE;
	in.driver_event.off_wrap = vq_packed_off_wrap(100, 0);
	assert_null(vq_packed_check(&in));
}

/* Linux's packed-ring reasoning, restated: u16 vring_need_event() with the
 * event moved one lap back when its wrap counter is not new's. */
static bool linux_style(const struct vq_packed_in *in, uint32_t used)
{
	uint16_t off = vq_packed_event_off(in->driver_event.off_wrap);
	uint16_t ev = off, new = in->new_pos, old = (uint16_t)(new - used);

	if (vq_packed_event_wrap(in->driver_event.off_wrap) != in->new_wrap)
		ev -= in->size;
	return vq_need_event(ev, new, old);
}

static void test_packed_exhaustive_small_rings(void **state)
{
	static unsigned char used_at[2][16];	/* [wrap][pos] used in this batch */
	unsigned long checked = 0;

	for (uint32_t size = 1; size <= 12; size++)
		for (uint16_t op = 0; op < size; op++)
			for (int ow = 0; ow <= 1; ow++)
				for (uint32_t count = 0; count <= size; count++) {
					struct vq_packed_in in = { .event_idx = true, .size = size,
								   .old_pos = op, .old_wrap = ow };
					uint16_t pos = op;
					bool wrap = ow;

					/* the device uses slots one by one; the counter
					 * flips after the last slot of the ring */
					memset(used_at, 0, sizeof(used_at));
					for (uint32_t k = 0; k < count; k++) {
						used_at[wrap][pos] = 1;
						if (++pos == size) {
							pos = 0;
							wrap = !wrap;
						}
					}
					in.new_pos = pos;
					in.new_wrap = wrap;
					for (uint16_t off = 0; off < size; off++)
						for (int ew = 0; ew <= 1; ew++) {
							struct vq_packed_result r;

							in.driver_event.flags = VQ_PACKED_EVENT_DESC;
							in.driver_event.off_wrap = vq_packed_off_wrap(off, ew);
							assert_int_equal(vq_packed_decide(&in, &r), 0);
							if (r.used != count ||
							    r.decision != (used_at[ew][off] ? VQ_NOTIFY : VQ_SUPPRESS) ||
							    linux_style(&in, count) != used_at[ew][off])
								fail_msg("size=%u old=(%u,%d) count=%u event=(%u,%d): %s",
									 size, op, ow, count, off, ew,
									 vq_decision_str(r.decision));
							checked++;
						}
				}
	assert_true(checked > 10000);
}

/* The BPF programs judge live decisions with vq_rule_decide (include/
 * vq_rules.h) and follow vhost's state with
 * vq_rule_notify_updates_state; vqtrace explain uses vq_split_decide. They
 * must agree on every input: random states over all paths (features,
 * flags, validity). */
static void test_rule_decide_matches_model(void **state)
{
	for (int i = 0; i < 2000000; i++) {
		uint64_t r = rnd();
		struct vq_split_in in = {
			.features = ((r & 1) ? VQ_FEATURE(VQ_F_RING_EVENT_IDX) : 0) |
				    ((r & 2) ? VQ_FEATURE(VQ_F_NOTIFY_ON_EMPTY) : 0),
			.avail_flags = (r >> 2) & 3,
			.used_event = (uint16_t)rnd(),
			.last_used_idx = (uint16_t)rnd(),
			.signalled_used = (uint16_t)rnd(),
			.signalled_used_valid = (r >> 4) & 1,
			.avail_idx = (uint16_t)rnd(),
			.num = 256,
		};
		struct vq_split_result res;
		int rule;

		/* empty rings often enough to exercise NOTIFY_ON_EMPTY */
		in.last_avail_idx = (r >> 5) & 1 ? in.avail_idx : (uint16_t)rnd();
		if ((r >> 6) & 1)	/* windows near the event */
			in.signalled_used = (uint16_t)(in.used_event - ((r >> 8) & 7));
		vq_split_decide(&in, &res);
		rule = vq_rule_decide(in.features,
				      (in.features & VQ_FEATURE(VQ_F_RING_EVENT_IDX)) ?
				      in.used_event : in.avail_flags,
				      in.last_used_idx, in.signalled_used, in.signalled_used_valid,
				      in.avail_idx, in.last_avail_idx);
		if (rule != (res.decision == VQ_NOTIFY))
			fail_msg("rule %d, model %s for features %#llx event %u new %u old %u valid %d",
				 rule, vq_decision_str(res.decision),
				 (unsigned long long)in.features, in.used_event, in.last_used_idx,
				 in.signalled_used, in.signalled_used_valid);
		/* The hooks' state tracker (valid_track, su_track) relies on it. */
		if (vq_rule_notify_updates_state(in.features, in.avail_idx, in.last_avail_idx) !=
		    res.updates_state)
			fail_msg("notify updates state: rule %d, model %d for features %#llx",
				 !res.updates_state, res.updates_state,
				 (unsigned long long)in.features);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_need_event_exhaustive_small_widths),
		cmocka_unit_test(test_split_decide_exhaustive_8bit),
		cmocka_unit_test(test_wrap_check_exhaustive_8bit),
		cmocka_unit_test(test_need_event_u16_examples),
		cmocka_unit_test(test_need_event_u16_properties),
		cmocka_unit_test(test_split_invalid_forces_notify),
		cmocka_unit_test(test_split_notify_on_empty),
		cmocka_unit_test(test_split_no_event_idx),
		cmocka_unit_test(test_split_state_steps),
		cmocka_unit_test(test_wrap_check_chunks),
		cmocka_unit_test(test_wrap_check_call_off_scenario),
		cmocka_unit_test(test_reason_strings),
		cmocka_unit_test(test_incident_helpers),
		cmocka_unit_test(test_packed_desc_flags),
		cmocka_unit_test(test_packed_off_wrap),
		cmocka_unit_test(test_packed_advance),
		cmocka_unit_test(test_packed_table),
		cmocka_unit_test(test_packed_window_values),
		cmocka_unit_test(test_packed_invalid),
		cmocka_unit_test(test_packed_exhaustive_small_rings),
		cmocka_unit_test(test_rule_decide_matches_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
