// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueue, driver side.
 *
 * Memory layout of one queue (base is page aligned):
 *   descriptor table   16 * num bytes
 *   avail ring         flags, idx, ring[num], used_event
 *   (page aligned)
 *   used ring          flags, idx, ring[num] (8 bytes each), avail_event
 *   (page aligned)
 *   buffers            num slots of slot_size bytes; slot i <-> descriptor i
 *
 * Every buffer is one descriptor; descriptor i always points at slot i, so
 * a free descriptor id is all the bookkeeping a buffer needs.  A driver
 * whose requests have a part the device reads and one it writes
 * (virtio-scsi) chains two: vq_add_chain(), freed together by the harvest.
 *
 * With VIRTIO_F_IN_ORDER the driver must use descriptors in ring order
 * (starting at 0, wrapping at the end of the table), so the buffer made
 * available at avail index p is descriptor p mod num; vhost relies on it
 * (it derives the next head from a counter and no longer reads
 * avail->ring).  The device returns buffers in that same order, possibly
 * several with one used element (see vq_harvest()).
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_ring.h>

#include "loadgen.h"
#include "util.h"

#define PAGE 4096u

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static size_t desc_bytes(unsigned num)
{
	return (size_t)16 * num;
}

static size_t avail_bytes(unsigned num)
{
	return 2 * (3 + (size_t)num);
}

static size_t used_bytes(unsigned num)
{
	return 2 * 3 + (size_t)8 * num;
}

/*
 * With isolate_event (--unmap-rings-after) the avail ring is placed so that
 * used_event is the first u16 of a page of its own, followed by the used
 * ring on the next page: each can then be made inaccessible on its own.
 */
static size_t avail_offset(unsigned num, bool isolate_event)
{
	size_t to_event = avail_bytes(num) - 2;

	if (!isolate_event)
		return desc_bytes(num);
	return align_up(desc_bytes(num) + to_event, PAGE) - to_event;
}

static size_t used_offset(unsigned num, bool isolate_event)
{
	if (isolate_event)
		return avail_offset(num, true) + avail_bytes(num) - 2 + PAGE;
	return align_up(desc_bytes(num) + avail_bytes(num), PAGE);
}

static size_t bufs_offset(unsigned num, bool isolate_event)
{
	return align_up(used_offset(num, isolate_event) + used_bytes(num), PAGE);
}

size_t vq_mem_size(unsigned num, unsigned slot_size, bool isolate_event)
{
	return align_up(bufs_offset(num, isolate_event) + (size_t)num * slot_size, PAGE);
}

/* The u16 the driver writes to ask for an interrupt (EVENT_IDX). */
static uint16_t *used_event_ptr(struct lg_vq *vq)
{
	return &vq->avail->ring[vq->num];
}

/* The u16 the device writes to ask for a kick (EVENT_IDX). */
static uint16_t *avail_event_ptr(struct lg_vq *vq)
{
	return (uint16_t *)&vq->used->ring[vq->num];
}

static void store16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELEASE);
}

static uint16_t load16(uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

void vq_init(struct lg_vq *vq, uint8_t *base, unsigned num, unsigned slot_size,
	     unsigned buf_len, bool device_writes, bool isolate_event)
{
	unsigned i;

	vq->num = num;
	vq->desc = (struct vring_desc *)base;
	vq->avail = (struct vring_avail *)(base + avail_offset(num, isolate_event));
	vq->used = (struct vring_used *)(base + used_offset(num, isolate_event));
	vq->bufs = base + bufs_offset(num, isolate_event);
	vq->ring_base = base;
	vq->event_page = (size_t)((uint8_t *)&vq->avail->ring[num] - base) & ~(size_t)(PAGE - 1);
	vq->used_page = used_offset(num, isolate_event);
	vq->used_end = bufs_offset(num, isolate_event);
	vq->slot_size = slot_size;
	vq->buf_len = buf_len;
	vq->device_writes = device_writes;

	vq->free_ids = calloc(num, sizeof(*vq->free_ids));
	vq->inflight = calloc(num, 1);
	vq->chain = malloc(num * sizeof(*vq->chain));
	if (!vq->free_ids || !vq->inflight || !vq->chain)
		lg_die("calloc", ENOMEM);
	for (i = 0; i < num; i++)
		vq->chain[i] = LG_NO_CHAIN;
	/* Hand out low ids first (pop from the end of the stack). */
	for (i = 0; i < num; i++)
		vq->free_ids[i] = (uint16_t)(num - 1 - i);
	vq->nfree = num;

	for (i = 0; i < num; i++) {
		vq->desc[i].addr = htole64((uint64_t)(uintptr_t)vq_buf(vq, i));
		vq->desc[i].len = htole32(buf_len);
		vq->desc[i].flags = htole16(device_writes ? VRING_DESC_F_WRITE : 0);
		vq->desc[i].next = 0;
	}
	vq->avail_idx = 0;
	vq->last_used = 0;
	vq->avail->flags = 0;
	vq->avail->idx = 0;
}

/*
 * The used_event the driver wants once it has consumed up to last_used:
 * last_used + K - 1 (--event-every K), or last_used + D (--event-ahead D).
 */
static uint16_t want_used_event(const struct lg_vq *vq)
{
	if (vq->event_ahead)
		return (uint16_t)(vq->last_used + vq->event_ahead);
	return (uint16_t)(vq->last_used + vq->event_every - 1);
}

void vq_configure_events(struct lg_vq *vq, bool event_idx, unsigned event_every,
			 unsigned event_ahead, bool no_interrupt, bool always_kick)
{
	vq->event_idx = event_idx;
	vq->event_every = event_every;
	vq->event_ahead = event_idx ? event_ahead : 0;
	vq->event_frozen = false;
	vq->always_kick = always_kick;
	if (event_idx) {
		vq->avail->flags = 0;
		/* before the device is attached, so before the first kick */
		vq->used_event = want_used_event(vq);
		store16(used_event_ptr(vq), vq->used_event);
	} else {
		store16(&vq->avail->flags,
			no_interrupt ? VRING_AVAIL_F_NO_INTERRUPT : 0);
	}
}

uint8_t *vq_buf(struct lg_vq *vq, unsigned id)
{
	return vq->bufs + (size_t)id * vq->slot_size;
}

/* Buffers the device owns (made available, not yet consumed from used). */
unsigned vq_outstanding(const struct lg_vq *vq)
{
	return vq->num - vq->nfree;
}

/*
 * Put up to n free buffers on the avail ring (not yet visible to the
 * device: vq_publish() does that).  Returns how many were added.
 */
unsigned vq_add(struct lg_vq *vq, unsigned n)
{
	unsigned i;

	if (n > vq->nfree)
		n = vq->nfree;
	for (i = 0; i < n; i++) {
		uint16_t id;

		if (vq->in_order) {
			id = vq->avail_idx & (vq->num - 1);
			if (vq->inflight[id])	/* cannot happen: nfree says free */
				lg_fatal("dev %d queue %d: in-order descriptor %u "
					 "is still in flight", vq->dev, vq->index, id);
			vq->nfree--;
		} else {
			id = vq->free_ids[--vq->nfree];
		}
		vq->inflight[id] = 1;
		vq->avail->ring[vq->avail_idx & (vq->num - 1)] = htole16(id);
		vq->avail_idx++;
	}
	vq->posted += n;
	return n;
}

/*
 * Put one free buffer of len bytes (its descriptor's length) on the avail
 * ring, not yet visible to the device; returns its descriptor id, or -1
 * when none is free.  For drivers whose buffers vary in length (vsock).
 */
int vq_add_sized(struct lg_vq *vq, uint32_t len)
{
	uint16_t id;

	if (!vq_add(vq, 1))
		return -1;
	id = le16toh(vq->avail->ring[(uint16_t)(vq->avail_idx - 1) & (vq->num - 1)]);
	vq->desc[id].len = htole32(len);
	return id;
}

/*
 * Two free descriptors chained as one buffer: the first (out_len bytes, its
 * own slot) the device reads, the second (in_len bytes, its slot) it
 * writes.  Not yet visible to the device; returns the head id, or -1 when
 * fewer than two descriptors are free.  Not for in-order rings.
 */
int vq_add_chain(struct lg_vq *vq, uint32_t out_len, uint32_t in_len)
{
	return vq_add_chain_at(vq, 0, out_len, 0, in_len);
}

int vq_add_chain_at(struct lg_vq *vq, uint32_t out_off, uint32_t out_len,
		    uint32_t in_off, uint32_t in_len)
{
	uint16_t h, t;

	if (vq->nfree < 2 || vq->in_order)
		return -1;
	h = vq->free_ids[--vq->nfree];
	t = vq->free_ids[--vq->nfree];
	vq->inflight[h] = vq->inflight[t] = 1;
	vq->chain[h] = t;
	vq->desc[h].addr = htole64((uint64_t)(uintptr_t)(vq_buf(vq, h) + out_off));
	vq->desc[t].addr = htole64((uint64_t)(uintptr_t)(vq_buf(vq, t) + in_off));
	vq->desc[h].len = htole32(out_len);
	vq->desc[h].flags = htole16(VRING_DESC_F_NEXT);
	vq->desc[h].next = htole16(t);
	vq->desc[t].len = htole32(in_len);
	vq->desc[t].flags = htole16(VRING_DESC_F_WRITE);
	vq->desc[t].next = 0;
	vq->avail->ring[vq->avail_idx & (vq->num - 1)] = htole16(h);
	vq->avail_idx++;
	vq->posted++;
	return h;
}

void vq_kick(struct lg_vq *vq)
{
	uint64_t one = 1;
	ssize_t r;

	do
		r = write(vq->kick_fd, &one, sizeof(one));
	while (r < 0 && errno == EINTR);
	if (r != sizeof(one))
		lg_die("write(kick eventfd)", r < 0 ? errno : EIO);
	vq->kicks++;
}

/*
 * Make everything added since old_idx visible to the device and kick it
 * unless it asked not to be.  Returns true if a kick was written.
 */
bool vq_publish(struct lg_vq *vq, uint16_t old_idx)
{
	uint16_t new_idx = vq->avail_idx;
	bool need;

	if (new_idx == old_idx)
		return false;
	/* ring entries before the index (release) */
	store16(&vq->avail->idx, new_idx);
	if (vq->always_kick) {
		need = true;
	} else {
		/*
		 * Store(avail->idx) must be ordered before the load of the
		 * device's event/flags; pairs with the full barrier in
		 * vhost_enable_notify() before it re-reads avail->idx.
		 */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (vq->event_idx)
			need = vring_need_event(load16(avail_event_ptr(vq)),
						new_idx, old_idx);
		else
			need = !(load16(&vq->used->flags) & VRING_USED_F_NO_NOTIFY);
	}
	if (need && vq->skip_next_kick) {
		vq->skip_next_kick = false;	/* --skip-kick: withheld */
		vq->kicks_skipped++;
		return false;
	}
	if (need)
		vq_kick(vq);
	return need;
}

static void bad_used(struct lg_vq *vq, uint32_t id, const char *why)
	__attribute__((noreturn));

static void bad_used(struct lg_vq *vq, uint32_t id, const char *why)
{
	lg_fatal("dev %d queue %d: device returned used id %u %s (used idx %u)",
		 vq->dev, vq->index, id, why, vq->last_used);
}

/* One used element per buffer: its id is the buffer's. */
static unsigned harvest_each(struct lg_vq *vq, uint16_t used_idx, vq_used_fn fn,
			     void *arg)
{
	unsigned n = 0;

	while (vq->last_used != used_idx) {
		struct vring_used_elem *e =
			&vq->used->ring[vq->last_used & (vq->num - 1)];
		uint32_t id = le32toh(e->id);
		uint32_t len = le32toh(e->len);

		if (id >= vq->num || !vq->inflight[id])
			bad_used(vq, id, "that is not in flight");
		if (fn)
			fn(vq, id, len, arg);
		vq->inflight[id] = 0;
		vq->free_ids[vq->nfree++] = (uint16_t)id;
		if (vq->chain[id] != LG_NO_CHAIN) {
			vq->inflight[vq->chain[id]] = 0;
			vq->free_ids[vq->nfree++] = vq->chain[id];
			vq->chain[id] = LG_NO_CHAIN;
		}
		vq->last_used++;
		vq->completed++;
		vq->used_elems++;
		n++;
	}
	return n;
}

/*
 * VIRTIO_F_IN_ORDER: one used element may stand for a batch.  It sits in
 * the used ring slot of the batch's first buffer, its id is the batch's
 * LAST buffer, every buffer made available before that one is used too,
 * and used->idx moves on by the batch size (so the slots of the other
 * buffers are skipped, never read).  In ring order the oldest buffer in
 * flight is descriptor last_used mod num, so the batch is the descriptors
 * from there up to id.  The buffers before the last are "used completely"
 * (spec): for a device-writable buffer, len = the whole buffer; the
 * element's len belongs to the last one.
 */
static unsigned harvest_in_order(struct lg_vq *vq, uint16_t used_idx, vq_used_fn fn,
				 void *arg)
{
	unsigned mask = vq->num - 1, n = 0;

	while (vq->last_used != used_idx) {
		struct vring_used_elem *e = &vq->used->ring[vq->last_used & mask];
		uint32_t id = le32toh(e->id);
		uint32_t len = le32toh(e->len);
		unsigned first = vq->last_used & mask;
		unsigned published = (uint16_t)(used_idx - vq->last_used);
		unsigned batch, k;

		if (id >= vq->num || !vq->inflight[id])
			bad_used(vq, id, "that is not in flight");
		batch = ((id - first) & mask) + 1;
		if (batch > published)
			lg_fatal("dev %d queue %d: in-order used id %u at used idx %u "
				 "stands for %u buffers, but used->idx %u publishes "
				 "only %u", vq->dev, vq->index, id, vq->last_used,
				 batch, used_idx, published);
		for (k = 0; k < batch; k++) {
			unsigned b = (first + k) & mask;

			if (!vq->inflight[b])
				bad_used(vq, id, "whose in-order batch holds a "
					 "buffer that is not in flight");
			if (fn)
				fn(vq, b, k + 1 == batch ? len : vq->buf_len, arg);
			vq->inflight[b] = 0;
		}
		vq->nfree += batch;
		vq->last_used = (uint16_t)(vq->last_used + batch);
		vq->completed += batch;
		vq->used_elems++;
		n += batch;
	}
	return n;
}

/*
 * Consume every buffer the device has published as used, calling fn for
 * each (in-order batches buffer by buffer); returns how many.  Afterwards
 * (EVENT_IDX) ask for the next interrupt K entries later:
 * used_event = last_used + K - 1 (or last_used + D with --event-ahead D);
 * nothing once --freeze-event-after froze the queue.  Used indexes count
 * buffers in both modes (used->idx moves by the batch size).
 */
unsigned vq_harvest(struct lg_vq *vq, vq_used_fn fn, void *arg)
{
	uint16_t used_idx = load16(&vq->used->idx);
	unsigned n;

	if (vq->in_order)
		n = harvest_in_order(vq, used_idx, fn, arg);
	else
		n = harvest_each(vq, used_idx, fn, arg);
	if (n && vq->event_idx && !vq->event_frozen && !vq->event_manual) {
		uint16_t ev = want_used_event(vq);

		if (ev != vq->used_event) {
			vq->used_event = ev;
			store16(used_event_ptr(vq), ev);
		}
	}
	return n;
}

/* Non-blocking read of the call eventfd; adds the counter to interrupts. */
uint64_t vq_read_call(struct lg_vq *vq)
{
	uint64_t v = 0;
	ssize_t r;

	if (vq->call_fd < 0)
		return 0;
	do
		r = read(vq->call_fd, &v, sizeof(v));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		if (errno == EAGAIN)
			return 0;
		lg_die("read(call eventfd)", errno);
	}
	if (r != sizeof(v))
		lg_die("read(call eventfd)", EIO);
	vq->interrupts += v;
	return v;
}

/*
 * --avail-jump-after: publish avail->idx = shadow + by, an index that moved
 * by more than the ring (vhost rejects it), then kick unconditionally.  The
 * shadow avail_idx is left alone.  Returns the bogus index written.
 */
uint16_t vq_avail_jump(struct lg_vq *vq, unsigned by)
{
	uint16_t bogus = (uint16_t)(vq->avail_idx + by);

	store16(&vq->avail->idx, bogus);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq_kick(vq);
	return bogus;
}

/* Hostile modes (hostile.c): write used_event / publish the shadow avail
 * index without any of the usual rules. */
void vq_store_used_event(struct lg_vq *vq, uint16_t v)
{
	vq->used_event = v;
	store16(used_event_ptr(vq), v);
}

void vq_store_avail_idx(struct lg_vq *vq)
{
	store16(&vq->avail->idx, vq->avail_idx);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
