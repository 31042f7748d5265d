// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/vqtable.c: rows built from hand-made map entries,
 * device naming, display order and per-interval deltas.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "virtio_bits.h"
#include "vqtable.h"

#include "fixture_vq.h"

/* A map entry as the BPF side fills it. vhost_net: queue 0 is rx, 1 is tx. */
static struct vq_stats entry(uint64_t vq, uint64_t dev, uint32_t owner, int32_t queue,
			     uint64_t first_ns)
{
	struct vq_stats s = fixture_entry(vq, dev, owner, queue, queue == 0 ? RX_KICK : TX_KICK,
					  first_ns);

	s.last_ns = first_ns;
	return s;
}

static void update(struct vqtable *t, const struct vq_stats *s)
{
	assert_int_equal(vqtable_update(t, s), 0);
}

static const struct vq_row *row_of(const struct vqtable *t, uint64_t vq)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].cur.vq == vq)
			return &t->rows[i];
	fail_msg("vq %#llx has no row", (unsigned long long)vq);
	return NULL;
}

struct want_row {
	uint64_t vq;
	uint32_t pid;
	const char *dev, *kind, *dir;
	int32_t queue;
};

/* The whole table, in display order. */
static void check_rows(const struct vqtable *t, const struct want_row *want, size_t n)
{
	if (t->n != n)
		fail_msg("table has %zu rows, want %zu", t->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct vq_row *r = &t->rows[i];

		if (r->cur.vq != want[i].vq || r->cur.owner_tgid != want[i].pid ||
		    strcmp(r->devname, want[i].dev) || r->cur.queue != want[i].queue ||
		    strcmp(r->id.kind, want[i].kind) || strcmp(r->id.dir, want[i].dir))
			fail_msg("row %zu: vq %#llx pid %u %s q%d %s/%s, want vq %#llx pid %u %s q%d %s/%s",
				 i, (unsigned long long)r->cur.vq, r->cur.owner_tgid, r->devname,
				 r->cur.queue, r->id.kind, r->id.dir,
				 (unsigned long long)want[i].vq, want[i].pid, want[i].dev,
				 want[i].queue, want[i].kind, want[i].dir);
	}
}

static void test_naming_and_order(void **state)
{
	struct vqtable t;
	/* Fed in an order unrelated to the expected one. Owner 200 has dev A
	 * (first used at 300) and dev B (first used at 100, through its tx
	 * queue); owner 100 has dev C. */
	const struct vq_stats in[] = {
		entry(0xa1, 0xA000, 200, 1, 310),
		entry(0xc0, 0xC000, 100, 0, 500),
		entry(0xa0, 0xA000, 200, 0, 300),
		entry(0xb0, 0xB000, 200, 0, 150),
		entry(0xb1, 0xB000, 200, 1, 100),
		entry(0xc1, 0xC000, 100, 1, 400),
	};
	const struct want_row want[] = {
		{ 0xc0, 100, "net0", "net", "rx", 0 },
		{ 0xc1, 100, "net0", "net", "tx", 1 },
		{ 0xb0, 200, "net0", "net", "rx", 0 },
		{ 0xb1, 200, "net0", "net", "tx", 1 },
		{ 0xa0, 200, "net1", "net", "rx", 0 },
		{ 0xa1, 200, "net1", "net", "tx", 1 },
	};

	vqtable_init(&t, &ks);
	assert_ptr_equal(t.ks, &ks);
	assert_int_equal(t.n, 0);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		update(&t, &in[i]);
	assert_int_equal(t.n, 6);
	vqtable_settle(&t);
	check_rows(&t, want, sizeof(want) / sizeof(want[0]));
	vqtable_free(&t);
	assert_null(t.rows);
	assert_int_equal(t.n, 0);
}

/* Queues sort by value, whatever the value: -1 is what the BPF side
 * records when the vq was not found in dev->vqs, and a hostile capture may
 * hold the extremes (a subtracting comparator overflowed on them). */
static void test_queue_order_extremes(void **state)
{
	struct vqtable t;
	const struct vq_stats in[] = {
		entry(0x10, 0xA000, 100, INT32_MAX, 100),
		entry(0x11, 0xA000, 100, 1, 110),
		entry(0x12, 0xA000, 100, INT32_MIN, 120),
		entry(0x13, 0xA000, 100, -1, 130),
	};
	const int32_t want[] = { INT32_MIN, -1, 1, INT32_MAX };

	vqtable_init(&t, &ks);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		update(&t, &in[i]);
	vqtable_settle(&t);
	assert_int_equal(t.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(t.rows[i].cur.queue, want[i]);
	vqtable_free(&t);
}

static void test_names_stay(void **state)
{
	struct vqtable t;
	struct vq_stats s;

	vqtable_init(&t, &ks);
	/* round 1: owner 7 has two devices */
	s = entry(0x10, 0x1000, 7, 0, 1000); update(&t, &s);
	s = entry(0x11, 0x1000, 7, 1, 1001); update(&t, &s);
	s = entry(0x20, 0x2000, 7, 0, 2000); update(&t, &s);
	vqtable_settle(&t);
	{
		const struct want_row want[] = {
			{ 0x10, 7, "net0", "net", "rx", 0 },
			{ 0x11, 7, "net0", "net", "tx", 1 },
			{ 0x20, 7, "net1", "net", "rx", 0 },
		};
		check_rows(&t, want, 3);
	}

	/* round 2: the same vqs with new counters, a new queue of the second
	 * device, a new device that claims an earlier first use, and a new
	 * owner. Names given in round 1 do not move. */
	s = entry(0x10, 0x1000, 7, 0, 1000); s.adds = 5; update(&t, &s);
	s = entry(0x11, 0x1000, 7, 1, 1001); s.adds = 6; update(&t, &s);
	s = entry(0x20, 0x2000, 7, 0, 2000); s.adds = 7; update(&t, &s);
	s = entry(0x21, 0x2000, 7, 1, 2500); update(&t, &s);
	s = entry(0x30, 0x3000, 7, 0, 500); update(&t, &s);
	s = entry(0x40, 0x4000, 3, 1, 9000); update(&t, &s);
	assert_int_equal(t.n, 6);
	vqtable_settle(&t);
	{
		const struct want_row want[] = {
			{ 0x40, 3, "net0", "net", "tx", 1 },
			{ 0x10, 7, "net0", "net", "rx", 0 },
			{ 0x11, 7, "net0", "net", "tx", 1 },
			{ 0x20, 7, "net1", "net", "rx", 0 },
			{ 0x21, 7, "net1", "net", "tx", 1 },
			{ 0x30, 7, "net2", "net", "rx", 0 },
		};
		check_rows(&t, want, 6);
	}
	assert_int_equal(row_of(&t, 0x10)->cur.adds, 5);
	assert_int_equal(row_of(&t, 0x11)->cur.adds, 6);
	assert_int_equal(row_of(&t, 0x20)->cur.adds, 7);

	/* round 3: nothing new; settling again changes nothing */
	vqtable_settle(&t);
	assert_int_equal(t.n, 6);
	assert_string_equal(row_of(&t, 0x30)->devname, "net2");
	assert_string_equal(row_of(&t, 0x40)->devname, "net0");
	vqtable_free(&t);
}

static void test_kinds(void **state)
{
	struct vqtable t, bare;
	struct vq_stats s;

	vqtable_init(&t, &ks);
	/* one owner: a net device, a scsi device, a vq whose handler is not a
	 * known symbol and one whose handler is not a symbol start at all */
	s = entry(0x10, 0x1000, 5, 0, 10); update(&t, &s);
	s = entry(0x20, 0x2000, 5, 2, 20); s.handle_kick = SCSI_KICK; update(&t, &s);
	s = entry(0x30, 0x3000, 5, 0, 30); s.handle_kick = 0xffffffffc0a02200ULL; update(&t, &s);
	s = entry(0x40, 0x4000, 5, 0, 40); s.handle_kick = UNKNOWN_KICK; update(&t, &s);
	s = entry(0x51, 0x5000, 5, 0, 51); update(&t, &s);
	s = entry(0x50, 0x5000, 5, -1, 50); update(&t, &s);
	vqtable_settle(&t);
	{
		/* devices by name ('?' sorts before letters); queue -1 (index
		 * not found) before queue 0 */
		const struct want_row want[] = {
			{ 0x40, 5, "?0", "?", "?", 0 },
			{ 0x10, 5, "net0", "net", "rx", 0 },
			{ 0x30, 5, "net1", "net", "?", 0 },
			{ 0x50, 5, "net2", "net", "tx", -1 },
			{ 0x51, 5, "net2", "net", "rx", 0 },
			{ 0x20, 5, "scsi0", "scsi", "io", 2 },
		};
		check_rows(&t, want, 6);
	}
	vqtable_free(&t);

	/* without kallsyms nothing is identified, but devices are still named */
	vqtable_init(&bare, NULL);
	s = entry(0x10, 0x1000, 5, 0, 10); update(&bare, &s);
	s = entry(0x11, 0x1000, 5, 1, 11); update(&bare, &s);
	s = entry(0x20, 0x2000, 5, 0, 20); update(&bare, &s);
	vqtable_settle(&bare);
	{
		const struct want_row want[] = {
			{ 0x10, 5, "?0", "?", "?", 0 },
			{ 0x11, 5, "?0", "?", "?", 1 },
			{ 0x20, 5, "?1", "?", "?", 0 },
		};
		check_rows(&bare, want, 3);
	}
	vqtable_free(&bare);
}

static void test_many_rows(void **state)
{
	/* more rows than the first allocation; 8 devices of 2 queues for
	 * each of 3 owners, fed newest first */
	struct vqtable t;
	size_t k = 0;

	vqtable_init(&t, &ks);
	for (int i = 47; i >= 0; i--) {
		uint32_t owner = 1000 + i / 16;
		struct vq_stats s = entry(0x100000 + i, 0x900000 + i / 2, owner, i % 2, 1000 + i);

		update(&t, &s);
	}
	assert_int_equal(t.n, 48);
	vqtable_settle(&t);
	for (int owner = 0; owner < 3; owner++)
		for (int devn = 0; devn < 8; devn++)
			for (int q = 0; q < 2; q++, k++) {
				const struct vq_row *r = &t.rows[k];
				char name[8];
				int i = owner * 16 + devn * 2 + q;

				snprintf(name, sizeof(name), "net%d", devn);
				if (r->cur.vq != (uint64_t)(0x100000 + i) ||
				    r->cur.owner_tgid != (uint32_t)(1000 + owner) ||
				    strcmp(r->devname, name) || r->cur.queue != q)
					fail_msg("row %zu: vq %#llx pid %u %s q%d, want vq %#x pid %d %s q%d",
						 k, (unsigned long long)r->cur.vq, r->cur.owner_tgid,
						 r->devname, r->cur.queue, 0x100000 + i, 1000 + owner,
						 name, q);
			}
	vqtable_free(&t);
}

static void set_counters(struct vq_stats *s, uint64_t base)
{
	s->adds = base + 1;
	s->used = base + 2;
	s->add_errors = base + 3;
	s->notifies = base + 4;
	s->signals = base + 5;
	s->suppressed = base + 6;
	s->wrap_checks = base + 7;
	s->invalidations = base + 8;
	s->stale_signals = base + 9;
	s->event_read_errors = base + 10;
}

static void check_counters(const struct vq_stats *d, const uint64_t want[10])
{
	const uint64_t got[10] = {
		d->adds, d->used, d->add_errors, d->notifies, d->signals, d->suppressed,
		d->wrap_checks, d->invalidations, d->stale_signals, d->event_read_errors,
	};
	static const char *const names[10] = {
		"adds", "used", "add_errors", "notifies", "signals", "suppressed",
		"wrap_checks", "invalidations", "stale_signals", "event_read_errors",
	};

	for (int i = 0; i < 10; i++)
		if (got[i] != want[i])
			fail_msg("%s = %llu, want %llu", names[i], (unsigned long long)got[i],
				 (unsigned long long)want[i]);
}

static void set_state(struct vq_stats *s, uint16_t v)
{
	s->last_ns = 1000000 + v;
	s->features = (1ULL << 29) | (1ULL << 32) | v;
	s->num = 256;
	s->last_used_idx = v;
	s->signalled_used = v - 3;
	s->used_event = v - 1;
	s->avail_idx = v + 7;
	s->last_avail_idx = v + 5;
	s->avail_flags = 1;
	s->signalled_used_valid = v & 1;
	s->last_decision = (v >> 1) & 1;
}

/* Every field but the counters is taken from cur. */
static void check_state_from(const struct vq_stats *d, const struct vq_stats *cur)
{
	struct vq_stats a = *d, b = *cur;

	set_counters(&a, 0);
	set_counters(&b, 0);
	assert_memory_equal(&a, &b, sizeof(a));
}

/* vqtable_find through the index: every row of 1024 vqs after settling,
 * rows added since (not indexed yet), a reused address told apart by its
 * first_ns, an update after settling that keeps the row, and no re-sort
 * when nothing was added. */
static void test_find_index(void **state)
{
	struct vqtable t;
	struct vq_stats s;
	struct vq_row *r;

	vqtable_init(&t, &ks);
	for (int i = 1023; i >= 0; i--) {
		s = entry(0x200000 + (uint64_t)i * 0x1000, 0x900000 + (uint64_t)(i / 2), 1000 + i / 64,
			  i % 2, 5000 + (uint64_t)i);
		update(&t, &s);
	}
	vqtable_settle(&t);
	assert_int_equal(t.index_n, 1024);
	for (int i = 0; i < 1024; i++) {
		r = vqtable_find(&t, 0x200000 + (uint64_t)i * 0x1000, 5000 + (uint64_t)i);
		assert_non_null(r);
		assert_int_equal(r->cur.first_ns, 5000 + i);
	}
	assert_null(vqtable_find(&t, 0x200000, 4999));
	/* the first vq's address reused by a new vq: both rows, each found */
	s = entry(0x200000, 0x980000, 3000, 0, 90000);
	update(&t, &s);
	assert_int_equal(t.n, 1025);
	assert_int_equal(t.index_n, 1024);
	r = vqtable_find(&t, 0x200000, 90000);
	assert_non_null(r);
	assert_int_equal(r->cur.owner_tgid, 3000);
	assert_int_equal(vqtable_find(&t, 0x200000, 5000)->cur.owner_tgid, 1000);
	vqtable_settle(&t);
	assert_int_equal(t.index_n, 1025);
	assert_int_equal(vqtable_find(&t, 0x200000, 90000)->cur.owner_tgid, 3000);
	/* an update of an existing row keeps the count and the order */
	s = entry(0x200000 + 7 * 0x1000, 0x900003, 1000, 1, 5007);
	s.used = 42;
	update(&t, &s);
	assert_int_equal(t.n, 1025);
	r = vqtable_find(&t, 0x200000 + 7 * 0x1000, 5007);
	assert_int_equal(r->cur.used, 42);
	assert_ptr_equal(r, vqtable_find(&t, 0x200000 + 7 * 0x1000, 5007));
	vqtable_settle(&t);
	assert_ptr_equal(r, vqtable_find(&t, 0x200000 + 7 * 0x1000, 5007));
	vqtable_free(&t);
}

static void test_delta(void **state)
{
	struct vqtable t;
	struct vq_stats s, d;
	const struct vq_row *r;

	vqtable_init(&t, &ks);
	s = entry(0x10, 0x1000, 42, 1, 77);
	set_counters(&s, 100);
	set_state(&s, 65534);
	update(&t, &s);
	vqtable_settle(&t);
	r = row_of(&t, 0x10);

	/* first interval: prev is zero, the delta is everything */
	vq_row_delta(r, &d);
	check_counters(&d, (const uint64_t[10]){ 101, 102, 103, 104, 105, 106, 107, 108,
						 109, 110 });
	check_state_from(&d, &r->cur);

	/* printed: the next delta is zero until new counts arrive */
	vqtable_mark_printed(&t);
	vq_row_delta(r, &d);
	check_counters(&d, (const uint64_t[10]){ 0 });
	check_state_from(&d, &r->cur);
	assert_memory_equal(&r->prev, &r->cur, sizeof(r->prev));

	/* new counts: delta = cur - prev per counter, state from cur (here the
	 * u16 indices wrapped past 0) */
	s.adds += 10;
	s.used += 25;
	s.notifies += 12;
	s.signals += 2;
	s.suppressed += 10;
	s.wrap_checks += 1;
	s.event_read_errors += 3;
	set_state(&s, 4);
	update(&t, &s);
	assert_int_equal(t.n, 1);
	vqtable_settle(&t);
	r = row_of(&t, 0x10);
	vq_row_delta(r, &d);
	check_counters(&d, (const uint64_t[10]){ 10, 25, 0, 12, 2, 10, 1, 0, 0, 3 });
	check_state_from(&d, &r->cur);
	assert_int_equal(d.last_used_idx, 4);
	assert_int_equal(d.signalled_used, 1);
	assert_int_equal(d.used_event, 3);
	assert_int_equal(d.avail_idx, 11);
	assert_int_equal(d.signalled_used_valid, 0);
	assert_int_equal(d.vq, 0x10);
	assert_int_equal(d.dev, 0x1000);
	assert_int_equal(d.owner_tgid, 42);
	assert_int_equal(d.queue, 1);
	/* the previous snapshot is the one printed */
	assert_int_equal(r->prev.adds, 101);
	assert_int_equal(r->prev.last_used_idx, 65534);

	/* two updates between prints: the delta spans both */
	s.adds += 1;
	update(&t, &s);
	s.adds += 2;
	update(&t, &s);
	vq_row_delta(row_of(&t, 0x10), &d);
	assert_int_equal(d.adds, 13);

	vqtable_mark_printed(&t);
	vq_row_delta(row_of(&t, 0x10), &d);
	check_counters(&d, (const uint64_t[10]){ 0 });
	assert_int_equal(d.last_used_idx, 4);
	vqtable_free(&t);
}

static void test_mark_printed_all_rows(void **state)
{
	struct vqtable t;
	struct vq_stats s, d;

	vqtable_init(&t, &ks);
	for (int i = 0; i < 20; i++) {
		s = entry(0x10 + i, 0x1000 + i / 2, 9, i % 2, i);
		set_counters(&s, 1000 * i);
		update(&t, &s);
	}
	vqtable_settle(&t);
	vqtable_mark_printed(&t);
	for (size_t i = 0; i < t.n; i++) {
		vq_row_delta(&t.rows[i], &d);
		check_counters(&d, (const uint64_t[10]){ 0 });
	}
	/* only the row that moved has a delta */
	s = entry(0x10 + 7, 0x1000 + 3, 9, 1, 7);
	set_counters(&s, 7000 + 100);
	update(&t, &s);
	assert_int_equal(t.n, 20);
	for (size_t i = 0; i < t.n; i++) {
		uint64_t w = t.rows[i].cur.vq == 0x17 ? 100 : 0;

		vq_row_delta(&t.rows[i], &d);
		check_counters(&d, (const uint64_t[10]){ w, w, w, w, w, w, w, w, w, w });
	}
	vqtable_free(&t);
}

/* A multiqueue QEMU opens one vhost-net device per queue pair: 70 devices
 * of one owner are numbered net0..net69 without gaps and listed in numeric
 * order (net2 before net10), whatever order the map returns them in. */
static void test_many_devices_numeric(void **state)
{
	struct vqtable t;
	char want[32];

	vqtable_init(&t, &ks);
	for (int i = 69; i >= 0; i--) {
		struct vq_stats rx = entry(0x1000 + 0x10 * i, 0x900000 + 0x100 * i, 42, 0, 1000 + i);
		struct vq_stats tx = entry(0x1008 + 0x10 * i, 0x900000 + 0x100 * i, 42, 1, 1000 + i);

		update(&t, &rx);
		update(&t, &tx);
	}
	vqtable_settle(&t);
	assert_int_equal(t.n, 140);
	for (int i = 0; i < 70; i++) {
		snprintf(want, sizeof(want), "net%d", i);
		assert_string_equal(t.rows[2 * i].devname, want);
		assert_string_equal(t.rows[2 * i + 1].devname, want);
		assert_int_equal(t.rows[2 * i].cur.queue, 0);
		assert_int_equal(t.rows[2 * i + 1].cur.queue, 1);
		assert_int_equal(t.rows[2 * i].cur.dev, 0x900000 + 0x100 * i);
	}
	vqtable_free(&t);
}

/* vhost_net loaded (or reloaded at another address) after the symbols
 * were read: kallsyms is read again once, and the rows get their roles. */
static void test_module_loaded_later(void **state)
{
	char path[] = "/tmp/vqtrace-test-kallsyms-XXXXXX";
	struct vqtable t;
	struct vq_stats s;
	FILE *f;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	/* the whole of a re-read: vhost_scsi as before, vhost_net moved */
	fprintf(f, "ffffffffc0a05000 t vhost_scsi_handle_kick\t[vhost_scsi]\n"
		   "ffffffffc0b00000 t handle_tx_kick\t[vhost_net]\n"
		   "ffffffffc0b00100 t handle_rx_kick\t[vhost_net]\n"
		   "ffffffff81000000 T _stext\n");
	fclose(f);

	vqtable_init(&t, &ks);
	t.kallsyms = path;
	s = entry(0x10, 0x1000, 5, 0, 10);
	s.handle_kick = 0xffffffffc0b00100ULL;
	update(&t, &s);
	s = entry(0x11, 0x1000, 5, 1, 11);
	s.handle_kick = 0xffffffffc0b00000ULL;
	update(&t, &s);
	s = entry(0x20, 0x2000, 5, 0, 20);	/* known to both reads */
	s.handle_kick = SCSI_KICK;
	update(&t, &s);
	s = entry(0x30, 0x3000, 5, 0, 30);	/* known to neither */
	s.handle_kick = UNKNOWN_KICK;
	update(&t, &s);
	vqtable_settle(&t);
	{
		const struct want_row want[] = {
			{ 0x30, 5, "?0", "?", "?", 0 },
			{ 0x10, 5, "net0", "net", "rx", 0 },
			{ 0x11, 5, "net0", "net", "tx", 1 },
			{ 0x20, 5, "scsi0", "scsi", "io", 0 },
		};
		check_rows(&t, want, 4);
	}
	/* later rows of the reloaded module need no new read */
	unlink(path);
	s = entry(0x40, 0x4000, 5, 1, 40);
	s.handle_kick = 0xffffffffc0b00000ULL;
	update(&t, &s);
	assert_string_equal(row_of(&t, 0x40)->id.dir, "tx");
	vqtable_free(&t);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* vhost_net unloaded and loaded again at another address while the table
 * lives: its old symbols would name new kick handlers wrongly (here the
 * new handle_tx_kick sits where handle_rx_kick was). The change in
 * /proc/modules makes the table read kallsyms again. */
static void test_module_moved(void **state)
{
	char syms_path[] = "/tmp/vqtrace-test-kallsyms-XXXXXX";
	char mods_path[] = "/tmp/vqtrace-test-modules-XXXXXX";
	struct vqtable t;
	struct vq_stats s;

	assert_true(close(mkstemp(syms_path)) == 0);
	assert_true(close(mkstemp(mods_path)) == 0);
	write_file(mods_path, "vhost_net 36864 0 - Live 0xffffffffc0a00000\n"
			      "vhost 69632 1 vhost_net, Live 0xffffffffc0900000\n");
	write_file(syms_path, "ffffffffc0a02000 t handle_tx_kick\t[vhost_net]\n"
			      "ffffffffc0a02100 t handle_rx_kick\t[vhost_net]\n");
	vqtable_init(&t, &ks);
	t.kallsyms = syms_path;
	t.modules = mods_path;
	s = entry(0x10, 0x1000, 5, 0, 10); update(&t, &s);
	s = entry(0x11, 0x1000, 5, 1, 11); update(&t, &s);
	vqtable_settle(&t);
	/* the same modules again (only the use count differs): no change */
	write_file(mods_path, "vhost_net 36864 1 - Live 0xffffffffc0a00000\n"
			      "vhost 69632 2 vhost_net, Live 0xffffffffc0900000\n");
	write_file(syms_path, "");
	s = entry(0x20, 0x2000, 5, 1, 20); update(&t, &s);
	vqtable_settle(&t);
	assert_string_equal(row_of(&t, 0x20)->id.dir, "tx");
	/* rmmod vhost_net; insmod: loaded 0x100 higher */
	write_file(mods_path, "vhost_net 36864 0 - Live 0xffffffffc0a00100\n"
			      "vhost 69632 1 vhost_net, Live 0xffffffffc0900000\n");
	write_file(syms_path, "ffffffffc0a02100 t handle_tx_kick\t[vhost_net]\n"
			      "ffffffffc0a02200 t handle_rx_kick\t[vhost_net]\n");
	s = entry(0x30, 0x3000, 6, 1, 30); s.handle_kick = 0xffffffffc0a02100ULL; update(&t, &s);
	s = entry(0x31, 0x3000, 6, 0, 31); s.handle_kick = 0xffffffffc0a02200ULL; update(&t, &s);
	/* first read in the same round: owner 7's device of the old module */
	s = entry(0x40, 0x4000, 7, 1, 25); s.handle_kick = TX_KICK; update(&t, &s);
	vqtable_settle(&t);
	{
		const struct want_row want[] = {
			{ 0x10, 5, "net0", "net", "rx", 0 },
			{ 0x11, 5, "net0", "net", "tx", 1 },
			{ 0x20, 5, "net1", "net", "tx", 1 },
			{ 0x31, 6, "net0", "net", "rx", 0 },
			{ 0x30, 6, "net0", "net", "tx", 1 },
			{ 0x40, 7, "net0", "net", "tx", 1 },
		};
		check_rows(&t, want, 6);
	}
	unlink(syms_path);
	unlink(mods_path);
	vqtable_free(&t);
}

/* A device address freed by one owner and reused by another's device is
 * not the same device: the new one is numbered within its own owner. */
static void test_dev_address_reused_by_other_owner(void **state)
{
	struct vqtable t;
	struct vq_stats s;

	vqtable_init(&t, &ks);
	t.kallsyms = NULL;
	s = entry(0x10, 0x1000, 5, 0, 10); update(&t, &s);
	s = entry(0x20, 0x2000, 5, 0, 20); s.retired = 1; update(&t, &s);
	s = entry(0x21, 0x2000, 5, 1, 21); s.retired = 1; update(&t, &s);
	vqtable_settle(&t);
	s = entry(0x20, 0x2000, 6, 0, 30); update(&t, &s);
	s = entry(0x21, 0x2000, 6, 1, 31); update(&t, &s);
	vqtable_settle(&t);
	{
		const struct want_row want[] = {
			{ 0x10, 5, "net0", "net", "rx", 0 },
			{ 0x20, 5, "net1", "net", "rx", 0 },
			{ 0x21, 5, "net1", "net", "tx", 1 },
			{ 0x20, 6, "net0", "net", "rx", 0 },
			{ 0x21, 6, "net0", "net", "tx", 1 },
		};
		check_rows(&t, want, 5);
	}
	vqtable_free(&t);
}

/* KICK_MISSED's guest reads: only rows vhost waits on for a kick (armed,
 * no kick since, none waiting for its handler, a backend) are read, at
 * avail + 2 of their owner; a gone process or ring is no error, a refused
 * read is. */
static int reads;
static int read_err;
static uint64_t read_addr;
static pid_t read_pid;

static int fake_read(pid_t pid, uint64_t addr, uint16_t *out)
{
	reads++;
	read_pid = pid;
	read_addr = addr;
	*out = 1777;
	return read_err;
}

static void test_read_guests(void **state)
{
	struct vqtable t;
	struct vq_stats s = entry(0x10, 0x1000, 4242, 1, 100);
	const struct vq_row *r;

	vqtable_init(&t, &ks);
	s.avail = 0x7f0000001000ull;
	s.backend = 1;
	s.kick_armed = 1;
	s.kick_armed_avail = 1500;
	s.kicks = s.kicks_at_arm = 7;
	update(&t, &s);
	vqtable_settle(&t);
	vqtable_read_guests(&t, fake_read);
	r = row_of(&t, 0x10);
	assert_int_equal(reads, 1);
	assert_int_equal(read_pid, 4242);
	assert_int_equal(read_addr, 0x7f0000001002ull);
	assert_true(r->flags.guest_avail_ok);
	assert_int_equal(r->flags.guest_avail, 1777);
	/* a kick came since vhost asked: not read, not judged */
	s.kicks = 8;
	update(&t, &s);
	vqtable_read_guests(&t, fake_read);
	assert_int_equal(reads, 1);
	assert_false(r->flags.guest_avail_ok);
	/* armed again, the read refused: counted; the process gone: not */
	s.kicks_at_arm = 8;
	update(&t, &s);
	read_err = -EPERM;
	vqtable_read_guests(&t, fake_read);
	assert_int_equal(t.guest_read_errors, 1);
	assert_false(r->flags.guest_avail_ok);
	read_err = -ESRCH;
	vqtable_read_guests(&t, fake_read);
	assert_int_equal(t.guest_read_errors, 1);
	/* a kick waiting for its handler: the worker's stall, not the guest's */
	read_err = 0;
	s.kick_waiting_ns = 5;
	update(&t, &s);
	vqtable_read_guests(&t, fake_read);
	assert_int_equal(reads, 3);	/* not read */
	/* stopped by its owner (no backend): vhost waits for no kick */
	s.kick_waiting_ns = 0;
	s.backend = 0;
	update(&t, &s);
	vqtable_read_guests(&t, fake_read);
	assert_int_equal(reads, 3);
	vqtable_free(&t);
}

/* NO_SIGNAL_STALL's guest read: entries waiting for an interrupt on an
 * EVENT_IDX ring with a backend read the guest's used_event now; a ring
 * stopped by its owner (a paused VM) is not judged, so not read. */
static void test_read_guests_used_event(void **state)
{
	struct vqtable t;
	struct vq_stats s = entry(0x10, 0x1000, 4242, 1, 100);
	const struct vq_row *r;
	unsigned before = reads;

	vqtable_init(&t, &ks);
	s.avail = 0x7f0000001000ull;
	s.num = 256;
	s.features = VQ_FEATURE(VQ_F_RING_EVENT_IDX);
	s.used_event_seen = 1;
	s.waiting_since_ns = 1000;
	s.backend = 1;
	update(&t, &s);
	vqtable_settle(&t);
	vqtable_read_guests(&t, fake_read);
	r = row_of(&t, 0x10);
	assert_int_equal(reads, before + 1);
	assert_int_equal(read_addr, 0x7f0000001000ull + VQ_USED_EVENT_OFFSET(256));
	assert_true(r->flags.guest_used_event_ok);
	assert_int_equal(r->flags.guest_used_event, 1777);
	s.backend = 0;
	update(&t, &s);
	vqtable_read_guests(&t, fake_read);
	assert_int_equal(reads, before + 1);
	assert_false(r->flags.guest_used_event_ok);
	vqtable_free(&t);
}

/* USE_STALL's guest reads (--kicks): a ring of requests with a backend
 * that used nothing since the last read is read, whether or not vhost
 * waits for a kick (vhost may stop without looking at the guest's index);
 * an RX ring, a stopped ring, or a ring that moved on is not. */
static void test_read_guests_use(void **state)
{
	struct vqtable t;
	struct vq_stats tx = entry(0x10, 0x1000, 4242, 1, 100);
	struct vq_stats rx = entry(0x11, 0x1000, 4242, 0, 100);
	const struct vq_row *r;

	reads = 0;
	read_err = 0;
	vqtable_init(&t, &ks);
	t.kick_side = true;
	tx.avail = rx.avail = 0x7f0000001000ull;
	tx.avail_now = rx.avail_now = 0x7f0000005000ull;	/* the ring now */
	tx.backend = rx.backend = 1;
	update(&t, &tx);
	update(&t, &rx);
	vqtable_settle(&t);
	vqtable_read_guests(&t, fake_read);
	r = row_of(&t, 0x10);
	assert_int_equal(reads, 1);			/* the TX ring alone */
	assert_int_equal(read_addr, 0x7f0000005002ull);
	assert_true(r->flags.use_guest_avail_ok);
	assert_false(r->flags.guest_avail_ok);		/* no kick owed: not KM's */
	assert_int_equal(vq_use_pending(&r->flags, &r->cur), 1777);
	tx.backend = 0;					/* stopped: not read */
	update(&t, &tx);
	vqtable_read_guests(&t, fake_read);
	assert_int_equal(reads, 1);
	assert_false(r->flags.use_guest_avail_ok);
	tx.backend = 1;					/* used entries came since */
	tx.used = 5;
	update(&t, &tx);
	vqtable_read_guests(&t, fake_read);
	assert_int_equal(reads, 1);
	t.kick_side = false;				/* without --kicks: never */
	vqtable_free(&t);
	vqtable_init(&t, &ks);
	update(&t, &tx);
	vqtable_settle(&t);
	vqtable_read_guests(&t, fake_read);
	assert_int_equal(reads, 1);
	vqtable_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_naming_and_order),
		cmocka_unit_test(test_queue_order_extremes),
		cmocka_unit_test(test_names_stay),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_many_rows),
		cmocka_unit_test(test_find_index),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_mark_printed_all_rows),
		cmocka_unit_test(test_many_devices_numeric),
		cmocka_unit_test(test_module_loaded_later),
		cmocka_unit_test(test_module_moved),
		cmocka_unit_test(test_dev_address_reused_by_other_owner),
		cmocka_unit_test(test_read_guests),
		cmocka_unit_test(test_read_guests_use),
		cmocka_unit_test(test_read_guests_used_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
