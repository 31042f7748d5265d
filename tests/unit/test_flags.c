// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/flags.c: the flags judged from a vq's state at each
 * read (NO_SIGNAL_STALL, WORKER_STALL, KICK_MISSED, USE_STALL).
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
	s.backend = 1;
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

/* The guest wrote a new used_event after vhost's last notify (it raced
 * the notify and found the entries by itself): read from its memory now,
 * it asks for nothing published yet, so nothing waits for an interrupt. */
static void test_stall_guest_moved_on(void **state)
{
	struct vq_flags fl = {};
	struct vq_stats s = waiting(500);

	fl.guest_used_event_ok = true;
	fl.guest_used_event = 515;
	flags_update(&fl, &s, &opts, 2000 * MS, 2.0);
	assert_int_equal(stall_episodes(&fl), 0);
	fl.guest_used_event = 490;	/* still asking for an entry published */
	flags_update(&fl, &s, &opts, 2100 * MS, 2.1);
	assert_int_equal(stall_episodes(&fl), 1);
	/* a polling guest catches up now and then: the same wait, still no
	 * interrupt, the same episode (the e2e stall scenario, no call fd) */
	fl.guest_used_event = 515;
	flags_update(&fl, &s, &opts, 2200 * MS, 2.2);
	fl.guest_used_event = 495;
	flags_update(&fl, &s, &opts, 2300 * MS, 2.3);
	assert_int_equal(stall_episodes(&fl), 1);
	assert_true(fl.f[FLAG_NO_SIGNAL_STALL].active);
}

/* A paused VM: QEMU stopped vhost (no backend) with the entries waiting.
 * Nobody is at fault while it is stopped, and the wait counts again only
 * from when the backend is back. */
static void test_stall_paused(void **state)
{
	struct vq_flags fl = {};
	struct vq_stats s = waiting(500);

	s.backend = 0;
	flags_update(&fl, &s, &opts, 1200 * MS, 1.2);
	flags_update(&fl, &s, &opts, 3000 * MS, 3.0);
	assert_int_equal(stall_episodes(&fl), 0);
	s.backend = 1;			/* resumed: 50 ms of waiting so far */
	flags_update(&fl, &s, &opts, 3050 * MS, 3.05);
	assert_int_equal(stall_episodes(&fl), 0);
	flags_update(&fl, &s, &opts, 3200 * MS, 3.2);
	assert_int_equal(stall_episodes(&fl), 1);
}

/* EVENT_STALE on a guest that stopped re-arming: raised when it stops
 * adding buffers with the device running, not while the device is
 * stopped (the e2e freeze and freeze-paused scenarios). */
static void test_event_stale_paused(void **state)
{
	struct vq_flags fl = {}, paused = {};
	struct vq_stats s = waiting(500);

	s.event_stale_active = 1;
	s.avail_idx = 500;
	flags_update(&fl, &s, &opts, 1000 * MS, 1.0);	/* avail seen now */
	flags_update(&fl, &s, &opts, 1200 * MS, 1.2);
	assert_int_equal(fl.f[FLAG_EVENT_STALE].count, 1);
	s.backend = 0;
	flags_update(&paused, &s, &opts, 1000 * MS, 1.0);
	flags_update(&paused, &s, &opts, 3000 * MS, 3.0);
	assert_int_equal(paused.f[FLAG_EVENT_STALE].count, 0);
	s.backend = 1;			/* back, and still nothing added */
	flags_update(&paused, &s, &opts, 3050 * MS, 3.05);
	assert_int_equal(paused.f[FLAG_EVENT_STALE].count, 0);
	flags_update(&paused, &s, &opts, 3200 * MS, 3.2);
	assert_int_equal(paused.f[FLAG_EVENT_STALE].count, 1);
}

/* WORKER_STALL: a kick waits for its handler. Not timed yet (the kick
 * took no clock): never judged; timed and older than the threshold: one
 * episode until the handler starts; the next long wait is another. */
static void test_worker_stall_episodes(void **state)
{
	struct vq_flags fl = {};
	struct vq_stats s;

	memset(&s, 0, sizeof(s));
	s.kick_waiting_ns = VQ_WAIT_UNSTAMPED;
	flags_update(&fl, &s, &opts, 5000 * MS, 5.0);
	assert_int_equal(fl.f[FLAG_WORKER_STALL].count, 0);
	s.kick_waiting_ns = 1000 * MS;
	flags_update(&fl, &s, &opts, 1050 * MS, 1.05);
	assert_int_equal(fl.f[FLAG_WORKER_STALL].count, 0);	/* 50 ms: not yet */
	flags_update(&fl, &s, &opts, 1150 * MS, 1.15);
	flags_update(&fl, &s, &opts, 1250 * MS, 1.25);
	assert_int_equal(fl.f[FLAG_WORKER_STALL].count, 1);	/* one episode */
	assert_true(fl.f[FLAG_WORKER_STALL].active);
	s.kick_waiting_ns = 0;					/* the handler ran */
	flags_update(&fl, &s, &opts, 1300 * MS, 1.3);
	assert_false(fl.f[FLAG_WORKER_STALL].active);
	s.kick_waiting_ns = 2000 * MS;
	flags_update(&fl, &s, &opts, 2500 * MS, 2.5);
	assert_int_equal(fl.f[FLAG_WORKER_STALL].count, 2);
	s.retired = 1;						/* gone: not judged */
	flags_update(&fl, &s, &opts, 9000 * MS, 9.0);
	assert_false(fl.f[FLAG_WORKER_STALL].active);
}

/* KICK_MISSED: vhost asked for a kick at avail 1500; the guest's index
 * moved on and no kick came: one episode once it lasted the threshold,
 * ended by a kick. The guest still at 1500 is no miss. */
static void test_kick_missed(void **state)
{
	struct vq_flags fl = {};
	struct vq_stats s;

	memset(&s, 0, sizeof(s));
	s.backend = 1;
	s.kick_armed = 1;
	s.kick_armed_avail = 1500;
	s.kicks = s.kicks_at_arm = 3;
	fl.guest_avail_ok = true;
	fl.guest_avail = 1500;
	flags_update(&fl, &s, &opts, 1000 * MS, 1.0);
	flags_update(&fl, &s, &opts, 2000 * MS, 2.0);
	assert_int_equal(fl.f[FLAG_KICK_MISSED].count, 0);	/* nothing published */
	fl.guest_avail = 1756;
	flags_update(&fl, &s, &opts, 2050 * MS, 2.05);
	assert_int_equal(fl.f[FLAG_KICK_MISSED].count, 0);	/* not for long yet */
	flags_update(&fl, &s, &opts, 2200 * MS, 2.2);
	flags_update(&fl, &s, &opts, 2400 * MS, 2.4);
	assert_int_equal(fl.f[FLAG_KICK_MISSED].count, 1);
	assert_true(fl.f[FLAG_KICK_MISSED].active);
	s.kicks = 4;						/* the late kick */
	flags_update(&fl, &s, &opts, 2500 * MS, 2.5);
	assert_false(fl.f[FLAG_KICK_MISSED].active);
	/* unread (the read failed): not judged */
	s.kicks_at_arm = 4;
	fl.guest_avail_ok = false;
	flags_update(&fl, &s, &opts, 3000 * MS, 3.0);
	flags_update(&fl, &s, &opts, 9000 * MS, 9.0);
	assert_int_equal(fl.f[FLAG_KICK_MISSED].count, 1);
	/* its owner stopped vhost (a driver reload: the new ring reads 0
	 * while vhost still stands armed on the old one): no kick is owed */
	s.backend = 0;
	fl.guest_avail_ok = true;
	fl.guest_avail = 0;
	flags_update(&fl, &s, &opts, 10000 * MS, 10.0);
	flags_update(&fl, &s, &opts, 12000 * MS, 12.0);
	assert_int_equal(fl.f[FLAG_KICK_MISSED].count, 1);
}

/* USE_STALL: a request ring with a backend where vhost took one buffer
 * (avail 65, used 64) and no used entry comes: one episode once the wait
 * outlasted the threshold, ended by the used entry. Not judged without
 * the kick side, on an RX ring, without a backend, with a kick waiting
 * for its handler (WORKER_STALL) or a kick the guest owes (KICK_MISSED). */
static struct vq_stats use_ring(void)
{
	struct vq_stats s;

	memset(&s, 0, sizeof(s));
	s.num = 256;
	s.backend = 1;
	s.used = 64;
	s.avail_idx = s.last_avail_idx = 65;
	s.used_idx_now = 64;
	return s;
}

static uint64_t use_episodes_when(void (*tweak)(struct vq_stats *s, struct vq_flags *fl,
						  struct flag_opts *o))
{
	struct flag_opts o = { .stall_ns = 100 * MS, .kick_side = true };
	struct vq_flags fl = { .requests = true };
	struct vq_stats s = use_ring();

	if (tweak)
		tweak(&s, &fl, &o);
	for (int t = 0; t <= 10; t++)
		flags_update(&fl, &s, &o, (1000 + 50 * t) * MS, 1.0 + t * 0.05);
	return fl.f[FLAG_USE_STALL].count;
}

static void no_kicks(struct vq_stats *s, struct vq_flags *fl, struct flag_opts *o)
{
	o->kick_side = false;
}

static void rx_ring(struct vq_stats *s, struct vq_flags *fl, struct flag_opts *o)
{
	fl->requests = false;
}

static void stopped(struct vq_stats *s, struct vq_flags *fl, struct flag_opts *o)
{
	s->backend = 0;
}

static void kick_waits(struct vq_stats *s, struct vq_flags *fl, struct flag_opts *o)
{
	s->kick_waiting_ns = 900 * MS;
}

static void kick_owed(struct vq_stats *s, struct vq_flags *fl, struct flag_opts *o)
{
	s->kick_armed = 1;
	s->kick_armed_avail = 65;
	fl->guest_avail_ok = true;
	fl->guest_avail = 70;
}

static void all_used(struct vq_stats *s, struct vq_flags *fl, struct flag_opts *o)
{
	s->used_idx_now = 65;
}

/* vhost stopped before it looked (vhost-vsock with replies backed up):
 * its own index says nothing waits, the guest's says one does */
static void unseen(struct vq_stats *s, struct vq_flags *fl, struct flag_opts *o)
{
	s->avail_idx = s->last_avail_idx = 64;
	fl->use_guest_avail_ok = true;
	fl->use_guest_avail = 65;
}

/* a driver that zeroed its rings: the guest's index counts nothing */
static void zeroed(struct vq_stats *s, struct vq_flags *fl, struct flag_opts *o)
{
	s->used_idx_now = 3000;
	s->avail_idx = s->last_avail_idx = 3000;
	fl->use_guest_avail_ok = true;
	fl->use_guest_avail = 0;
}

static void test_use_stall(void **state)
{
	struct flag_opts o = { .stall_ns = 100 * MS, .kick_side = true };
	struct vq_flags fl = { .requests = true };
	struct vq_stats s = use_ring();

	assert_int_equal(use_episodes_when(NULL), 1);
	assert_int_equal(use_episodes_when(no_kicks), 0);
	assert_int_equal(use_episodes_when(rx_ring), 0);
	assert_int_equal(use_episodes_when(stopped), 0);
	assert_int_equal(use_episodes_when(kick_waits), 0);
	assert_int_equal(use_episodes_when(kick_owed), 0);
	assert_int_equal(use_episodes_when(all_used), 0);
	assert_int_equal(use_episodes_when(unseen), 1);
	assert_int_equal(use_episodes_when(zeroed), 0);

	/* the episode: not before the threshold, over when the entry comes */
	flags_update(&fl, &s, &o, 1000 * MS, 1.0);
	flags_update(&fl, &s, &o, 1100 * MS, 1.1);
	assert_int_equal(fl.f[FLAG_USE_STALL].count, 0);
	flags_update(&fl, &s, &o, 1150 * MS, 1.15);
	assert_int_equal(fl.f[FLAG_USE_STALL].count, 1);
	assert_true(fl.f[FLAG_USE_STALL].active);
	s.used++;
	s.used_idx_now = 65;
	flags_update(&fl, &s, &o, 1200 * MS, 1.2);
	assert_false(fl.f[FLAG_USE_STALL].active);
	/* a new request that vhost uses within the threshold: nothing */
	s.avail_idx = 66;
	flags_update(&fl, &s, &o, 1300 * MS, 1.3);
	s.used++;
	s.used_idx_now = 66;
	flags_update(&fl, &s, &o, 1390 * MS, 1.39);
	flags_update(&fl, &s, &o, 2000 * MS, 2.0);
	assert_int_equal(fl.f[FLAG_USE_STALL].count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stall_in_window),
		cmocka_unit_test(test_stall_guest_moved_on),
		cmocka_unit_test(test_worker_stall_episodes),
		cmocka_unit_test(test_kick_missed),
		cmocka_unit_test(test_use_stall),
		cmocka_unit_test(test_no_stall_before_event),
		cmocka_unit_test(test_stall_survives_u16_wrap),
		cmocka_unit_test(test_stall_ends_with_signal),
		cmocka_unit_test(test_stall_paused),
		cmocka_unit_test(test_event_stale_paused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
