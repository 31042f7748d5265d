// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/flags.c: the NO_SIGNAL_STALL episode judged from a
 * vq's state at each read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "flags.h"
#include "vq_rules.h"

#define MS 1000000ull

static const struct flag_opts opts = { .stall_ns = 100 * MS };

/* A vq on EVENT_IDX that last signalled at index 0 and has waited since
 * t = 1 s; the guest asked for an interrupt at entry 10. */
static struct vq_stats waiting(uint16_t last_used_idx)
{
	struct vq_stats s;

	memset(&s, 0, sizeof(s));
	s.features = VQ_FEATURE(VQ_F_RING_EVENT_IDX);
	s.used_event_seen = 1;
	s.used_event = 10;
	s.used_idx_at_signal = 0;
	s.last_used_idx = last_used_idx;
	s.waiting_since_ns = 1000 * MS;
	return s;
}

static uint64_t stall_episodes(const struct vq_flags *fl)
{
	return fl->f[FLAG_NO_SIGNAL_STALL].count;
}

/* Inside the u16 window: the guest's entry is published and waits. */
static void test_stall_in_window(void **state)
{
	struct vq_flags fl = {};
	struct vq_stats s = waiting(500);

	flags_update(&fl, &s, &opts, 1050 * MS, 1.0);
	assert_int_equal(stall_episodes(&fl), 0);	/* 50 ms: not yet */
	flags_update(&fl, &s, &opts, 1200 * MS, 1.2);
	assert_int_equal(stall_episodes(&fl), 1);
	assert_true(fl.f[FLAG_NO_SIGNAL_STALL].active);
}

/* Entry 10 not published yet: nothing the guest asked for is waiting. */
static void test_no_stall_before_event(void **state)
{
	struct vq_flags fl = {};
	struct vq_stats s = waiting(5);

	flags_update(&fl, &s, &opts, 2000 * MS, 2.0);
	assert_int_equal(stall_episodes(&fl), 0);
}

/* 65536 + 5 entries since the signal: last_used_idx reads 5 again, and the
 * u16 window alone would say the entry is not published. The episode
 * must go on: the BPF side marks the wrapped wait. */
static void test_stall_survives_u16_wrap(void **state)
{
	struct vq_flags fl = {};
	struct vq_stats s = waiting(500);

	flags_update(&fl, &s, &opts, 1200 * MS, 1.2);
	assert_int_equal(stall_episodes(&fl), 1);
	s = waiting(5);
	s.wait_wrapped = 1;
	flags_update(&fl, &s, &opts, 1400 * MS, 1.4);
	s = waiting(500);
	s.wait_wrapped = 1;
	flags_update(&fl, &s, &opts, 1600 * MS, 1.6);
	assert_int_equal(stall_episodes(&fl), 1);
	assert_true(fl.f[FLAG_NO_SIGNAL_STALL].active);
}

/* A signal ends the episode; a new wait is a new episode. */
static void test_stall_ends_with_signal(void **state)
{
	struct vq_flags fl = {};
	struct vq_stats s = waiting(500);

	flags_update(&fl, &s, &opts, 1200 * MS, 1.2);
	s.waiting_since_ns = 0;		/* signalled */
	s.used_idx_at_signal = 500;
	flags_update(&fl, &s, &opts, 1400 * MS, 1.4);
	assert_false(fl.f[FLAG_NO_SIGNAL_STALL].active);
	s = waiting(500);
	s.waiting_since_ns = 1500 * MS;
	flags_update(&fl, &s, &opts, 1700 * MS, 1.7);
	assert_int_equal(stall_episodes(&fl), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stall_in_window),
		cmocka_unit_test(test_no_stall_before_event),
		cmocka_unit_test(test_stall_survives_u16_wrap),
		cmocka_unit_test(test_stall_ends_with_signal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
