// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaviour modes: a driver doing something a tracer should flag, with
 * exact ground truth.  Each mode acts at a checkpoint, an entry count N at
 * which the queue first quiesces (submission stops at N; the checkpoint
 * fires once all N have completed), so nothing the device does can straddle
 * the change:
 *
 *   --freeze-event-after N  stop writing used_event (EVENT_IDX)
 *   --avail-jump-after N    publish an avail->idx more than a ring ahead
 *                           (TX), kick, wait JUMP_WAIT_S and end the queue
 *
 * --event-ahead D is a used_event rule (ring.c) and --no-call-after N an
 * alias of --call-toggle N:T-N:0 (main.c switches the call eventfd); both
 * only need their options checked here.
 */
#include <stdio.h>

#include "loadgen.h"
#include "util.h"

/* avail->idx written by --avail-jump-after: shadow + ring + JUMP_BEYOND */
#define JUMP_BEYOND 7
/* how long the queue stays alive after the jump before the run may end */
#define JUMP_WAIT_S 0.3

void mis_usage(FILE *f)
{
	fprintf(f,
"Misbehaviour (conditions a tracer should flag; exact ground truth in\n"
"README.md; each N is an entry count 1..10^12 at which the queue first\n"
"quiesces: every buffer submitted so far has completed):\n"
"  --freeze-event-after N  (EVENT_IDX) write used_event as usual up to N\n"
"                      consumed entries (N + K - 1, or N + D with\n"
"                      --event-ahead), then never again while polling and\n"
"                      submitting on to the target; JSON event_frozen_at,\n"
"                      consumed_at_freeze on every queue that reached N\n"
"  --event-ahead D     (EVENT_IDX) used_event = last_used + D (mod 2^16)\n"
"                      instead of the --event-every rule, first written\n"
"                      before the first kick (1..32767); every vhost_notify()\n"
"                      sees (s16)(used_event - used idx) in [D - ring, D]\n"
"  --avail-jump-after N  TX: after N completions write avail->idx = avail\n"
"                      idx + ring + %d, an index vhost rejects (\"Invalid\n"
"                      available index change\"), kick once, stop submitting,\n"
"                      wait %.0f ms and end the run normally; completed = N,\n"
"                      JSON avail_jumped_to = the index written.  --tx\n"
"                      defaults to N and must not be below it\n"
"  --no-call-after N   alias of --call-toggle N:T-N:0 (T = --tx or --rx,\n"
"                      N < T): after N entries the call eventfd is removed\n"
"                      (used_event is still written every K); JSON\n"
"                      call_off_at = N on every queue used\n"
"\n", JUMP_BEYOND, JUMP_WAIT_S * 1000);
}

void mis_check_opts(struct lg_opts *o, bool tx_set)
{
	unsigned long long n;

	if (o->no_event_idx && o->freeze_after)
		bad_usage("--freeze-event-after needs EVENT_IDX; drop --no-event-idx");
	if (o->no_event_idx && o->event_ahead)
		bad_usage("--event-ahead needs EVENT_IDX; drop --no-event-idx");
	if (o->event_ahead && o->event_every_set)
		bad_usage("--event-ahead and --event-every exclude each other");

	if (o->no_call_after) {
		uint64_t t = o->tx ? o->tx : o->rx;

		n = o->no_call_after;
		if (o->call_toggle)
			bad_usage("--no-call-after is --call-toggle N:T-N:0; give only one");
		if (o->no_call)
			bad_usage("--no-call-after and --no-call exclude each other");
		if (o->seconds)
			bad_usage("--no-call-after and --seconds exclude each other "
				     "(N is a count)");
		if (o->tx && o->rx && o->tx != o->rx)
			bad_usage("--no-call-after needs --tx and --rx equal when both "
				     "are used (it is --call-toggle N:T-N:0)");
		if (t <= n)
			bad_usage("--no-call-after %llu needs --tx or --rx above %llu",
				     n, n);
		o->toggle[0] = n;
		o->toggle[1] = t - n;
		o->toggle[2] = 0;
		o->call_toggle = true;
	}

	if (o->jump_after) {
		n = o->jump_after;
		if (o->call_toggle)
			bad_usage("--avail-jump-after excludes --call-toggle and "
				     "--no-call-after");
		if (!tx_set)
			o->tx = n;
		else if (o->tx < n)
			bad_usage("--avail-jump-after %llu needs --tx of at least %llu",
				     n, n);
	}
}

void mis_init_vq(const struct lg_opts *o, struct lg_vq *vq)
{
	bool used = vq->target != 0;

	vq->freeze_at = used ? o->freeze_after : 0;
	vq->jump_at = used && vq->index == LG_Q_TX ? o->jump_after : 0;
	vq->call_off_at = used ? o->no_call_after : 0;
	vq->event_frozen = false;
	vq->avail_jumped = false;
}

/* The next checkpoint still to fire (0: none). */
static uint64_t next_stop(const struct lg_vq *vq)
{
	uint64_t a = vq->event_frozen ? 0 : vq->freeze_at;
	uint64_t b = vq->avail_jumped ? 0 : vq->jump_at;

	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

/* Submission room: never past the next checkpoint. */
uint64_t mis_room(const struct lg_vq *vq, uint64_t room)
{
	uint64_t stop = next_stop(vq);

	if (stop && stop >= vq->submitted && stop - vq->submitted < room)
		return stop - vq->submitted;
	return room;
}

/* Fire the checkpoint(s) at the next stop once the queue is quiesced there. */
void mis_checkpoint(struct lg_vq *vq)
{
	uint64_t stop = next_stop(vq);

	if (!stop || !quiesced_at(vq, stop))
		return;
	if (vq->freeze_at == stop && !vq->event_frozen) {
		/*
		 * The harvest that reached N wrote used_event for N (ring.c);
		 * from now on vq_harvest() leaves it alone.
		 */
		vq->event_frozen = true;
		vq->event_frozen_at = vq->used_event;
		vq->consumed_at_freeze = vq->completed;
	}
	if (vq->jump_at == stop && !vq->avail_jumped) {
		vq->avail_jumped_to = vq_avail_jump(vq, vq->num + JUMP_BEYOND);
		vq->avail_jumped = true;
		vq->jump_deadline = lg_now() + JUMP_WAIT_S;
		/* the queue is finished: no more submissions, no phases left */
		vq->target = stop;
		vq->phase = 3;
	}
}

/* True while the queue must keep the run alive (the wait after a jump). */
bool mis_busy(const struct lg_vq *vq)
{
	return vq->avail_jumped && lg_now() < vq->jump_deadline;
}
