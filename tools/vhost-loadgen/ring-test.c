// SPDX-License-Identifier: GPL-2.0
/*
 * ring-test: the driver side of ring.c against a simulated device, on the
 * host (no vhost needed).  `make -C tools/vhost-loadgen test`.
 *
 * The in-order device writes the used ring the way Linux 6.17+ vhost does
 * (vhost_add_used_n_in_order): for a batch of b buffers, one element in
 * the slot of the batch's first buffer, id = the batch's last head, then
 * used->idx += b.  It takes heads in ring order without reading avail->ring
 * (as vhost does with IN_ORDER) and checks that the driver put those very
 * ids there.  The out-of-order device completes buffers one element each,
 * in a shuffled order.  Both run past several 2^16 wraps of the indexes.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/virtio_ring.h>

#include "loadgen.h"
#include "util.h"

static int failures;

#define CHECK(cond, ...) do { if (!(cond)) { failures++; \
	fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)	/* 0..n-1 */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* The simulated device. */
struct dev {
	uint16_t last_avail;	/* buffers fetched */
	uint16_t last_used;	/* vhost's last_used_idx */
	uint16_t pending[32768];	/* fetched, not yet used (FIFO) */
	unsigned npending;
	uint64_t buffers, elems;
};

/* What the driver's callback saw. */
struct seen {
	uint16_t next_id;	/* in-order: the id expected next */
	uint64_t calls, last_len, full_len;
	bool in_order;
	unsigned buf_len;
	uint32_t elem_len;
};

static void on_used(struct lg_vq *vq, unsigned id, uint32_t len, void *arg)
{
	struct seen *s = arg;

	(void)vq;
	s->calls++;
	if (s->in_order) {
		CHECK(id == s->next_id, "callback id %u, want %u", id, s->next_id);
		s->next_id = (uint16_t)((id + 1) & (vq->num - 1));
		if (len == s->elem_len)
			s->last_len++;
		else if (len == s->buf_len)
			s->full_len++;
		else
			CHECK(0, "callback len %u", len);
	}
}

static void fetch(struct lg_vq *vq, struct dev *d)
{
	uint16_t avail = le16toh(vq->avail->idx);

	while (d->last_avail != avail) {
		unsigned head = d->last_avail & (vq->num - 1);

		if (vq->in_order)
			CHECK(le16toh(vq->avail->ring[head]) == head,
			      "avail ring[%u] = %u: not ring order", head,
			      le16toh(vq->avail->ring[head]));
		else
			head = le16toh(vq->avail->ring[head]);
		d->pending[d->npending++] = (uint16_t)head;
		d->last_avail++;
	}
}

/* vhost_add_used_n_in_order with one element of b buffers */
static void use_in_order(struct lg_vq *vq, struct dev *d, unsigned b, uint32_t len)
{
	struct vring_used_elem *e = &vq->used->ring[d->last_used & (vq->num - 1)];

	e->id = htole32(d->pending[b - 1]);
	e->len = htole32(len);
	memmove(d->pending, d->pending + b, (d->npending - b) * sizeof(d->pending[0]));
	d->npending -= b;
	d->last_used = (uint16_t)(d->last_used + b);
	__atomic_store_n(&vq->used->idx, htole16(d->last_used), __ATOMIC_RELEASE);
	d->buffers += b;
	d->elems++;
}

/* one element per buffer, any order */
static void use_any(struct lg_vq *vq, struct dev *d, unsigned k)
{
	struct vring_used_elem *e = &vq->used->ring[d->last_used & (vq->num - 1)];
	unsigned i = rnd(d->npending);

	e->id = htole32(d->pending[i]);
	e->len = htole32(k);
	d->pending[i] = d->pending[--d->npending];
	d->last_used++;
	__atomic_store_n(&vq->used->idx, htole16(d->last_used), __ATOMIC_RELEASE);
	d->buffers++;
	d->elems++;
}

static void setup(struct lg_vq *vq, unsigned num, bool in_order, bool writes)
{
	size_t size = vq_mem_size(num, 64, false);
	uint8_t *mem = aligned_alloc(4096, size);

	memset(vq, 0, sizeof(*vq));
	memset(mem, 0, size);
	vq_init(vq, mem, num, 64, 64, writes, false);
	vq->in_order = in_order;
	vq_configure_events(vq, true, 1, 0, false, false);
	vq->kick_fd = eventfd(0, EFD_CLOEXEC);
	vq->call_fd = -1;
}

static void run(unsigned num, bool in_order, uint64_t total)
{
	struct lg_vq vq;
	struct dev *d = calloc(1, sizeof(*d));
	struct seen s = { .in_order = in_order, .buf_len = 64, .elem_len = 60 };
	uint64_t submitted = 0;

	setup(&vq, num, in_order, true);
	while (vq.completed < total) {
		unsigned room = vq.nfree, n;

		if (submitted < total && room) {
			n = 1 + rnd(room);
			if (n > total - submitted)
				n = (unsigned)(total - submitted);
			uint16_t old = vq.avail_idx;

			vq_add(&vq, n);
			vq_publish(&vq, old);
			submitted += n;
		}
		fetch(&vq, d);
		while (d->npending && rnd(4)) {
			if (in_order)
				use_in_order(&vq, d, 1 + rnd(d->npending), s.elem_len);
			else
				use_any(&vq, d, 0);
		}
		vq_harvest(&vq, on_used, &s);
	}
	CHECK(vq.completed == total && d->buffers == total,
	      "num %u: completed %llu, device %llu, want %llu", num,
	      (unsigned long long)vq.completed, (unsigned long long)d->buffers,
	      (unsigned long long)total);
	CHECK(vq.used_elems == d->elems, "num %u: used_elems %llu, device wrote %llu",
	      num, (unsigned long long)vq.used_elems, (unsigned long long)d->elems);
	CHECK(s.calls == total, "num %u: callbacks %llu", num, (unsigned long long)s.calls);
	CHECK(vq.nfree == num && vq_outstanding(&vq) == 0, "num %u: nfree %u", num, vq.nfree);
	if (in_order) {
		CHECK(s.last_len == d->elems && s.full_len == total - d->elems,
		      "num %u: lens: element's %llu, whole buffer %llu", num,
		      (unsigned long long)s.last_len, (unsigned long long)s.full_len);
		CHECK(vq.used_elems < vq.completed, "num %u: no batch at all", num);
	} else {
		CHECK(vq.used_elems == vq.completed, "num %u: elems != completed", num);
	}
	printf("%s num %5u: %llu buffers in %llu used elements, used idx %u\n",
	       in_order ? "in-order" : "any-order", num,
	       (unsigned long long)vq.completed, (unsigned long long)vq.used_elems,
	       vq.last_used);
	free(d);
}

/* A device whose batch claims more buffers than used->idx publishes. */
static void bad_batch(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	int st;

	if (pid == 0) {
		struct lg_vq vq;
		struct dev *d = calloc(1, sizeof(*d));
		uint16_t old;

		setup(&vq, 16, true, false);
		old = vq.avail_idx;
		vq_add(&vq, 8);
		vq_publish(&vq, old);
		fetch(&vq, d);
		use_in_order(&vq, d, 8, 0);	/* id 7 for 8 buffers ... */
		__atomic_store_n(&vq.used->idx, htole16(3), __ATOMIC_RELEASE);
		close(2);			/* ... but only 3 published */
		vq_harvest(&vq, NULL, NULL);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1,
	      "over-long in-order batch: status %d, want exit 1", st);
}

int main(void)
{
	static const unsigned nums[] = { 2, 8, 256, 32768 };

	for (unsigned i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		run(nums[i], true, 300000);
		run(nums[i], false, 300000);
	}
	bad_batch();
	printf("%s\n", failures ? "ring-test: FAILED" : "ring-test: ok");
	return failures != 0;
}
