// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile-guest modes: a driver that writes garbage where vhost reads, or
 * takes its ring memory away, with ground truth that stays exact.
 *
 *   --event-random SEED     a pseudo-random used_event before every entry;
 *                           entries go one at a time, and the value is only
 *                           written once vhost is done with the previous
 *                           entry (dev_vq_barrier), so the driver knows
 *                           what every vhost_notify() read
 *   --flags-garbage         every bit virtio does not define set in
 *                           avail->flags for the whole run
 *   --unmap-rings-after N   TX: after N completions the ring pages become
 *                           PROT_NONE in three steps (used_event's page,
 *                           the used ring, the descriptors and avail ring),
 *                           one buffer made available before each, each
 *                           step closed by a flush of the vhost worker
 *
 * The ground truth and what a tracer can derive from it are in README.md.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <linux/virtio_ring.h>

#include "loadgen.h"
#include "util.h"

#define PAGE 4096u
/* Every avail->flags bit except VRING_AVAIL_F_NO_INTERRUPT (bit 0). */
#define GARBAGE_FLAGS 0xfffeu

void hostile_usage(FILE *f)
{
	fprintf(f,
"Hostile guest (exact ground truth in README.md):\n"
"  --event-random SEED (EVENT_IDX) before each entry write used_event =\n"
"                      the entry's own index (1 in 4) or a random u16\n"
"                      (splitmix64 from SEED, per device and queue); entries\n"
"                      go one at a time and each value is written only once\n"
"                      vhost finished the previous entry; JSON event_writes,\n"
"                      event_ahead_expected, interrupts_expected\n"
"  --flags-garbage     set every undefined bit (0x%04x) in avail->flags on\n"
"                      top of the usual value, for the whole run; JSON\n"
"                      avail_flags\n"
"  --unmap-rings-after N  TX, EVENT_IDX, call eventfd: after N completions\n"
"                      mprotect(PROT_NONE) the ring in three steps, each\n"
"                      after making one more buffer available: used_event's\n"
"                      page, then the used ring, then the descriptors and\n"
"                      avail ring; the queue then ends.  JSON unmap_at,\n"
"                      unmap_submitted, unmap_completed, unmap_interrupts,\n"
"                      avail_consumed (vhost's last_avail_idx at the end).\n"
"                      --tx defaults to N and must not be below it\n"
"\n", GARBAGE_FLAGS);
}

void hostile_check_opts(struct lg_opts *o, bool tx_set)
{
	bool no_call = o->no_call || o->call_toggle || o->no_call_after;

	if (o->event_random) {
		if (o->no_event_idx)
			bad_usage("--event-random needs EVENT_IDX; drop --no-event-idx");
		if (o->event_every_set || o->event_ahead || o->freeze_after)
			bad_usage("--event-random excludes --event-every, --event-ahead "
				  "and --freeze-event-after");
		if (no_call)
			bad_usage("--event-random needs the call eventfd for the whole "
				  "run; drop --no-call, --call-toggle, --no-call-after");
		if (o->jump_after)
			bad_usage("--event-random excludes --avail-jump-after");
	}
	if (o->unmap_after) {
		uint64_t n = o->unmap_after;

		if (o->no_event_idx)
			bad_usage("--unmap-rings-after needs EVENT_IDX; drop --no-event-idx");
		if (no_call)
			bad_usage("--unmap-rings-after needs the call eventfd; drop "
				  "--no-call, --call-toggle, --no-call-after");
		if (o->event_random || o->jump_after || o->freeze_after)
			bad_usage("--unmap-rings-after excludes --event-random, "
				  "--avail-jump-after and --freeze-event-after");
		if (o->seconds)
			bad_usage("--unmap-rings-after and --seconds exclude each other "
				  "(N is a count)");
		if (!tx_set)
			o->tx = n;
		else if (o->tx < n)
			bad_usage("--unmap-rings-after %llu needs --tx of at least %llu",
				  (unsigned long long)n, (unsigned long long)n);
	}
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void hostile_init_vq(const struct lg_opts *o, struct lg_vq *vq, unsigned ordinal)
{
	bool used = vq->target != 0;

	vq->event_manual = false;
	vq->flags_garbage = false;
	vq->event_random = false;
	vq->event_writes = vq->event_ahead_expected = vq->interrupts_expected = 0;
	vq->sim_valid = false;
	vq->sim_signalled = 0;
	vq->unmap_at = 0;
	vq->unmapped = false;
	vq->unmap_submitted = 0;
	vq->unmap_completed = vq->unmap_interrupts = 0;
	vq->avail_consumed = 0;

	if (o->flags_garbage) {
		/* Before the first buffer, so vhost never saw the clean value. */
		vq->avail_flags = (uint16_t)(le16toh(vq->avail->flags) | GARBAGE_FLAGS);
		__atomic_store_n(&vq->avail->flags, htole16(vq->avail_flags),
				 __ATOMIC_RELEASE);
		vq->flags_garbage = true;
	}
	if (o->event_random && used) {
		vq->event_random = true;
		vq->event_manual = true;
		vq->rng = o->event_seed ^ ((uint64_t)ordinal << 32 | (uint64_t)vq->index);
		vq->event_written_for = UINT64_MAX;
	}
	if (o->unmap_after && used && vq->index == LG_Q_TX)
		vq->unmap_at = o->unmap_after;
}

uint64_t hostile_room(const struct lg_vq *vq, uint64_t room)
{
	if (vq->unmapped)
		return 0;
	if (vq->unmap_at && vq->unmap_at >= vq->submitted &&
	    vq->unmap_at - vq->submitted < room)
		room = vq->unmap_at - vq->submitted;
	if (vq->event_random) {
		if (vq->event_written_for != vq->submitted ||
		    !quiesced_at(vq, vq->submitted))
			return 0;
		return room < 1 ? room : 1;
	}
	return room;
}

static bool event_ahead(uint16_t event, uint16_t used_idx, unsigned num)
{
	uint16_t d = (uint16_t)(event - used_idx);

	return d > num && d < 32768;
}

static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/*
 * The next entry (the queue is quiesced: vhost's last_used_idx is the
 * driver's last_used) gets a fresh used_event.  vhost publishes it alone,
 * in one __vhost_add_used_n() followed by one vhost_notify() that reads
 * this value, so the driver can model the decision exactly.
 */
static void random_event(struct lg_dev *d, struct lg_vq *vq)
{
	uint16_t s = vq->last_used, new_idx = (uint16_t)(s + 1), ev, old;
	uint64_t r;
	bool v;

	/* vhost's notify for the previous entry is over: it read the old value */
	if (vq->submitted)
		dev_vq_barrier(d, vq);
	r = splitmix64(&vq->rng);
	ev = (r & 3) == 0 ? s : (uint16_t)(r >> 16);
	vq_store_used_event(vq, ev);
	vq->event_writes++;
	if (event_ahead(ev, new_idx, vq->num))
		vq->event_ahead_expected++;
	/* __vhost_add_used_n's wrap test for old = s, new = s + 1 */
	if ((uint16_t)(new_idx - vq->sim_signalled) < 1)
		vq->sim_valid = false;
	/* vhost_notify: signalled_used becomes new whatever it decides */
	old = vq->sim_signalled;
	v = vq->sim_valid;
	vq->sim_signalled = new_idx;
	vq->sim_valid = true;
	if (!v || need_event(ev, new_idx, old))
		vq->interrupts_expected++;
	vq->event_written_for = vq->submitted;
}

static void protect(struct lg_vq *vq, size_t off, size_t len)
{
	if (mprotect(vq->ring_base + off, len, PROT_NONE) < 0)
		lg_die("mprotect(PROT_NONE)", errno);
}

/* One more buffer, visible to vhost before the memory goes away. */
static void one_more(struct lg_vq *vq)
{
	vq_add(vq, 1);
	vq_store_avail_idx(vq);
	vq->submitted++;
	vq->unmap_submitted++;
}

/* Kick, wait until the worker has handled it, collect what is visible. */
static void kick_and_flush(struct lg_dev *d, struct lg_vq *vq, bool used_readable)
{
	uint64_t irq = vq->interrupts, done = vq->completed;

	vq_kick(vq);
	dev_flush(d, vq);
	if (used_readable)
		vq_harvest(vq, NULL, NULL);
	vq_read_call(vq);
	vq->unmap_interrupts += vq->interrupts - irq;
	vq->unmap_completed += vq->completed - done;
}

static void unmap_rings(struct lg_dev *d, struct lg_vq *vq)
{
	vq->event_manual = true;	/* used_event's page is going away */
	dev_vq_barrier(d, vq);		/* the last notify before read it */

	/* 1: used_event unreadable; avail, descriptors, used ring fine */
	protect(vq, vq->event_page, PAGE);
	one_more(vq);
	kick_and_flush(d, vq, true);

	/* 2: the used ring too (vhost can no longer publish) */
	one_more(vq);
	protect(vq, vq->used_page, vq->used_end - vq->used_page);
	kick_and_flush(d, vq, false);

	/* 3: the descriptors and avail ring too (nothing is readable) */
	one_more(vq);
	protect(vq, 0, vq->event_page);
	kick_and_flush(d, vq, false);

	vq->unmapped = true;
	vq->target = vq->completed;
	vq->phase = 3;
}

void hostile_checkpoint(struct lg_dev *d, struct lg_vq *vq)
{
	if (vq->unmap_at && !vq->unmapped && quiesced_at(vq, vq->unmap_at)) {
		unmap_rings(d, vq);
		return;
	}
	if (vq->event_random && vq->phase < 3 && vq->submitted < vq->target &&
	    vq->event_written_for != vq->submitted && quiesced_at(vq, vq->submitted))
		random_event(d, vq);
}

bool hostile_off(const struct lg_vq *vq)
{
	return vq->unmapped;
}

/* End of run, after VHOST_NET_SET_BACKEND -1: the memory comes back so the
 * final harvest can read the used ring; vhost says how far it fetched. */
void hostile_restore(struct lg_dev *d)
{
	for (int q = 0; q < LG_NQ; q++) {
		struct lg_vq *vq = &d->vq[q];

		if (!vq->unmapped)
			continue;
		if (mprotect(vq->ring_base, vq->used_end, PROT_READ | PROT_WRITE) < 0)
			lg_die("mprotect(PROT_READ|PROT_WRITE)", errno);
		vq->avail_consumed = dev_last_avail(d, vq);
	}
}

void hostile_gt(char *buf, size_t len, const struct lg_vq *vq)
{
	int n = 0;

	buf[0] = '\0';
	if (vq->flags_garbage)
		n += snprintf(buf + n, len - (size_t)n, ",\"avail_flags\":%u", vq->avail_flags);
	if (vq->event_random)
		n += snprintf(buf + n, len - (size_t)n,
			      ",\"event_writes\":%llu,\"event_ahead_expected\":%llu,"
			      "\"interrupts_expected\":%llu",
			      (unsigned long long)vq->event_writes,
			      (unsigned long long)vq->event_ahead_expected,
			      (unsigned long long)vq->interrupts_expected);
	if (vq->unmapped)
		snprintf(buf + n, len - (size_t)n,
			 ",\"unmap_at\":%llu,\"unmap_submitted\":%u,\"unmap_completed\":%llu,"
			 "\"unmap_interrupts\":%llu,\"avail_consumed\":%u",
			 (unsigned long long)vq->unmap_at, vq->unmap_submitted,
			 (unsigned long long)vq->unmap_completed,
			 (unsigned long long)vq->unmap_interrupts, vq->avail_consumed);
}
