// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for the capture file (src/capture_*.c) and `vqtrace report`
 * (src/report.c): a written capture reads back field for field, the report
 * prints the recorded totals and flags, and truncated, corrupted,
 * wrong-version and hostile files are refused with one line and status 2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "report.h"

#define EVENT_IDX (1ULL << 29)

/* ---- a small capture, built with the writer --------------------------- */

static struct cap_meta sample_meta(bool hist)
{
	struct cap_meta m;

	memset(&m, 0, sizeof(m));
	m.flags = hist ? CAP_F_HIST : 0;
	m.sample = 1;
	m.ringbuf_kb = 4096;
	m.max_vqs = 4096;
	m.stall_ms = 1000;
	m.interval_s = 1.0;
	m.start_mono_ns = 1000000000ull;
	m.start_wall_s = 1700000000.0;
	snprintf(m.release, sizeof(m.release), "6.12.111+deb12-amd64");
	snprintf(m.machine, sizeof(m.machine), "x86_64");
	snprintf(m.version, sizeof(m.version), "0.1.0");
	snprintf(m.add_hook, sizeof(m.add_hook), "fentry:__vhost_add_used_n");
	snprintf(m.notify_hook, sizeof(m.notify_hook), "kprobe:vhost_notify.constprop.0");
	return m;
}

static struct cap_vq sample_vq(uint32_t id)
{
	struct cap_vq v;

	memset(&v, 0, sizeof(v));
	v.id = id;
	v.vq = 0xffff888000001000ull + id * 0x1000;
	v.first_ns = 1000000100ull + id;
	v.dev = 0xffff888000100000ull;
	v.handle_kick = 0xffffffffc0001000ull + id;
	v.pid = 182;
	v.queue = id;
	v.dev_ordinal = 0;
	snprintf(v.devname, sizeof(v.devname), "net0");
	snprintf(v.kind, sizeof(v.kind), "net");
	snprintf(v.dir, sizeof(v.dir), id ? "tx" : "rx");
	snprintf(v.kick_sym, sizeof(v.kick_sym), id ? "handle_tx_kick" : "handle_rx_kick");
	snprintf(v.tap, sizeof(v.tap), "tap%u", 7 + id);	/* round-tripped whole */
	v.qp = (int32_t)id + 2;
	return v;
}

static struct vq_stats stats_of(const struct cap_vq *v, uint64_t adds, uint64_t used,
				uint64_t signals, uint64_t suppressed, uint64_t inval)
{
	struct vq_stats s;

	cap_vq_identity(v, &s);
	s.adds = adds;
	s.used = used;
	s.signals = signals;
	s.suppressed = suppressed;
	s.notifies = signals + suppressed;
	s.invalidations = inval;
	s.features = EVENT_IDX;
	s.num = 256;
	s.signalled_used_valid = 1;
	return s;
}

static struct vq_event sample_event(int k)
{
	struct vq_event e;

	memset(&e, 0, sizeof(e));
	e.type = k % 2 ? VQ_EV_NOTIFY : VQ_EV_ADD_USED;
	e.ts_ns = 1000001000ull + k * 1000;
	e.seq = (uint64_t)k;
	e.features = EVENT_IDX;
	e.cpu = (uint32_t)k % 2;
	e.num = 256;
	e.ret = k == 4 ? -14 : 0;
	e.bits = k == 2 ? (1u << VQ_EVB_INVALIDATION) | (1u << VQ_EVB_WRAP_CHECK) : 0;
	e.old_used_idx = (uint16_t)(k * 10);
	e.new_used_idx = (uint16_t)(k * 10 + (k % 2 ? 0 : 10));
	e.signalled_used = 7;
	e.used_event = 65535;
	e.avail_idx = 300;
	e.last_avail_idx = 299;
	e.valid_before = 1;
	e.valid_after = k != 2;
	e.decision = k == 3;
	e.used_event_ok = 1;
	return e;
}

#define N_EVENTS 6

/* Writes the sample capture and returns it in memory. */
static uint8_t *build(size_t *len, bool hist)
{
	char path[] = "/tmp/vqtrace-test-capXXXXXX";
	int fd = mkstemp(path);
	struct cap_writer w;
	struct cap_meta m = sample_meta(hist);
	struct cap_vq v0 = sample_vq(0), v1 = sample_vq(1);
	struct vq_stats s;
	struct vq_hists h;
	struct cap_snap snap = { .mono_ns = 2000000000ull, .wall_s = 1700000001.0, .seconds = 1.0 };
	struct cap_end end;
	uint8_t *buf;
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(capw_open(&w, path), 0);
	capw_meta(&w, &m);
	capw_vq(&w, &v0);
	capw_vq(&w, &v1);
	for (int k = 0; k < N_EVENTS; k++) {
		struct vq_event e = sample_event(k);

		capw_event(&w, 1, &e);
	}
	s = stats_of(&v0, 0, 0, 0, 0, 0);
	capw_stats(&w, 0, &s);
	s = stats_of(&v1, 2, 20, 1, 1, 0);
	capw_stats(&w, 1, &s);
	memset(&h, 0, sizeof(h));
	h.h[VQ_HIST_ENTRIES_PER_ADD].slots[4] = 2;
	h.h[VQ_HIST_ENTRIES_PER_ADD].sum = 20;
	if (hist)
		capw_hists(&w, 1, &h);
	capw_snap(&w, &snap);
	s = stats_of(&v1, 3, 30, 1, 2, 1);
	capw_stats(&w, 1, &s);
	snap.mono_ns += 500000000ull;
	snap.wall_s += 0.5;
	snap.seconds = 1.5;
	snap.final = true;
	capw_snap(&w, &snap);
	memset(&end, 0, sizeof(end));
	end.emitted = N_EVENTS;
	end.lost = 2;
	end.add_used = N_EVENTS / 2;
	end.notify = N_EVENTS / 2;
	end.global.notify_arg1 = 3;
	capw_end(&w, &end);
	assert_int_equal(capw_close(&w), 0);

	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(*len + 64);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	unlink(path);
	return buf;
}

/* ---- running the report on a buffer ----------------------------------- */

struct run {
	int rc;
	char *out, *err;
	size_t out_len, err_len;
};

static struct run report_buf(const uint8_t *buf, size_t len, const struct report_opts *o)
{
	struct run r = { 0 };
	FILE *out = open_memstream(&r.out, &r.out_len);
	FILE *err = open_memstream(&r.err, &r.err_len);
	FILE *in = len ? fmemopen((void *)buf, len, "rb") : tmpfile();

	assert_non_null(in);
	r.rc = report_run(in, len, "cap", o, out, err);
	fclose(in);
	fclose(out);
	fclose(err);
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Status 2, nothing on stdout, exactly one line "vqtrace report: cap: ...". */
static void assert_refused(struct run *r, const char *want)
{
	if (r->rc != 2 || r->out_len || strncmp(r->err, "vqtrace report: cap: ", 21) ||
	    strchr(r->err, '\n') != r->err + r->err_len - 1 || (want && !strstr(r->err, want)))
		fail_msg("want exit 2 and one line with '%s', got %d, stdout %zu bytes, stderr: %s",
			 want ? want : "", r->rc, r->out_len, r->err);
}

/* ---- round trip -------------------------------------------------------- */

struct collected {
	struct cap_meta meta;
	struct cap_vq vq[4];
	int n_vq;
	struct vq_event ev[N_EVENTS];
	uint32_t ev_id[N_EVENTS];
	int n_ev, n_stats, n_hist, n_snap, n_end;
	struct vq_stats last_stats;
	struct cap_snap last_snap;
	struct cap_end end;
};

static int c_meta(void *ctx, const struct cap_meta *m) { ((struct collected *)ctx)->meta = *m; return 0; }
static int c_vq(void *ctx, const struct cap_vq *v)
{
	struct collected *c = ctx;

	c->vq[c->n_vq++] = *v;
	return 0;
}
static int c_event(void *ctx, uint32_t id, const struct vq_event *e)
{
	struct collected *c = ctx;

	c->ev_id[c->n_ev] = id;
	c->ev[c->n_ev++] = *e;
	return 0;
}
static int c_stats(void *ctx, uint32_t id, const struct vq_stats *s)
{
	struct collected *c = ctx;

	c->n_stats++;
	c->last_stats = *s;
	return 0;
}
static int c_hists(void *ctx, uint32_t id, const struct vq_hists *h) { ((struct collected *)ctx)->n_hist++; return 0; }
static int c_snap(void *ctx, const struct cap_snap *s)
{
	struct collected *c = ctx;

	c->n_snap++;
	c->last_snap = *s;
	return 0;
}
static int c_end(void *ctx, const struct cap_end *e)
{
	struct collected *c = ctx;

	c->n_end++;
	c->end = *e;
	return 0;
}

static void test_round_trip(void **state)
{
	size_t len;
	uint8_t *buf = build(&len, true);
	struct collected c;
	struct cap_handler h = { &c, c_meta, c_vq, c_event, c_stats, c_hists, c_snap, c_end };
	struct cap_meta m = sample_meta(true);
	struct cap_vq v1 = sample_vq(1);
	struct vq_stats s;
	char err[256];
	FILE *in = fmemopen(buf, len, "rb");

	memset(&c, 0, sizeof(c));
	assert_int_equal(cap_read(in, len, &h, err, sizeof(err)), 0);
	fclose(in);
	assert_memory_equal(&c.meta, &m, sizeof(m));
	assert_int_equal(c.n_vq, 2);
	assert_memory_equal(&c.vq[1], &v1, sizeof(v1));
	assert_int_equal(c.n_ev, N_EVENTS);
	for (int k = 0; k < N_EVENTS; k++) {
		struct vq_event e = sample_event(k);

		/* the reader adds the identity from the VQ record */
		e.vq = v1.vq;
		e.first_ns = v1.first_ns;
		e.owner_tgid = v1.pid;
		e.queue = v1.queue;
		assert_int_equal(c.ev_id[k], 1);
		assert_memory_equal(&c.ev[k], &e, sizeof(e));
	}
	assert_int_equal(c.n_stats, 3);
	s = stats_of(&v1, 3, 30, 1, 2, 1);
	assert_memory_equal(&c.last_stats, &s, sizeof(s));
	assert_int_equal(c.n_hist, 1);
	assert_int_equal(c.n_snap, 2);
	assert_true(c.last_snap.final);
	assert_true(c.last_snap.seconds == 1.5);
	assert_int_equal(c.n_end, 1);
	assert_int_equal(c.end.lost, 2);
	assert_int_equal(c.end.add_used, 3);
	assert_int_equal(c.end.global.notify_arg1, 3);
	free(buf);
}

/* The JSON report: the final counters, the flags judged at the recorded
 * times, the probe line and what became of the events. */
static void test_report_json(void **state)
{
	size_t len;
	uint8_t *buf = build(&len, true);
	struct report_opts o = { .json = true, .hist = true };
	struct run r = report_buf(buf, len, &o);
	int totals = 0, probes = 0, events = 0, captures = 0;
	char *line, *save = NULL;

	assert_int_equal(r.rc, 0);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *type;

		assert_non_null(j);
		type = json_string_value(json_object_get(j, "type"));
		if (!strcmp(type, "total")) {
			totals++;
			if (!strcmp(json_string_value(json_object_get(j, "dir")), "tx")) {
				json_t *fl = json_object_get(j, "flags");

				assert_int_equal(json_integer_value(json_object_get(j, "adds")), 3);
				assert_int_equal(json_integer_value(json_object_get(j, "used")), 30);
				assert_int_equal(json_integer_value(json_object_get(j, "notifies")), 3);
				assert_string_equal(json_string_value(json_object_get(j, "dev")), "net0");
				assert_int_equal(json_array_size(fl), 1);
				assert_string_equal(json_string_value(json_object_get(json_array_get(fl, 0), "flag")),
						    "WRAP_INVALIDATED");
				/* raised at the second (final) read */
				assert_true(json_real_value(json_object_get(json_array_get(fl, 0), "first")) ==
					    1700000001.5);
				assert_true(json_real_value(json_object_get(j, "seconds")) == 1.5);
				assert_non_null(json_object_get(j, "hist"));
			}
		} else if (!strcmp(type, "probe")) {
			probes++;
			assert_string_equal(json_string_value(json_object_get(j, "add_used_hook")),
					    "fentry:__vhost_add_used_n");
			assert_int_equal(json_integer_value(json_object_get(j, "notify_arg1")), 3);
		} else if (!strcmp(type, "events")) {
			events++;
			assert_int_equal(json_integer_value(json_object_get(j, "events")), N_EVENTS);
			assert_int_equal(json_integer_value(json_object_get(j, "lost")), 2);
		} else if (!strcmp(type, "capture")) {
			captures++;
			assert_string_equal(json_string_value(json_object_get(j, "kernel")),
					    "6.12.111+deb12-amd64");
		}
		json_decref(j);
	}
	assert_int_equal(totals, 2);
	assert_int_equal(probes, 1);
	assert_int_equal(events, 1);
	assert_int_equal(captures, 1);
	run_free(&r);
	free(buf);
}

/* --events --intervals: every event line, an interval row set, then totals;
 * the table mode works as well. */
static void test_report_events_and_table(void **state)
{
	size_t len;
	uint8_t *buf = build(&len, false);
	struct report_opts o = { .json = true, .events = true, .intervals = true };
	struct run r = report_buf(buf, len, &o);
	int n_ev = 0, n_int = 0;
	char *p;

	assert_int_equal(r.rc, 0);
	for (p = r.out; (p = strstr(p, "\"type\":\"event\"")); p++)
		n_ev++;
	for (p = r.out; (p = strstr(p, "\"type\":\"interval\"")); p++)
		n_int++;
	assert_int_equal(n_ev, N_EVENTS);
	assert_int_equal(n_int, 2);
	assert_non_null(strstr(r.out, "\"flags\":[\"WRAP_INVALIDATED\"]"));
	assert_non_null(strstr(r.out, "\"moved\":[\"wrap_checks\",\"invalidations\"]"));
	run_free(&r);

	o = (struct report_opts){ .events = true };
	r = report_buf(buf, len, &o);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "TOTAL over 1.50s"));
	assert_non_null(strstr(r.out, " 182 net0 1:tx #2 add    used 20->30"));
	assert_non_null(strstr(r.out, "-> signal"));
	assert_non_null(strstr(r.out, " ret -14"));
	assert_non_null(strstr(r.err, "2 LOST"));
	run_free(&r);

	o = (struct report_opts){ .hist = true };
	r = report_buf(buf, len, &o);
	assert_refused(&r, "no histograms");
	run_free(&r);
	free(buf);
}

/* ---- refused files ------------------------------------------------------- */

static void test_every_truncation_refused(void **state)
{
	size_t len;
	uint8_t *buf = build(&len, true);
	struct report_opts o = { .json = true };

	for (size_t cut = 0; cut < len; cut++) {
		struct run r = report_buf(buf, cut, &o);

		assert_refused(&r, cut ? NULL : "empty file");
		if (cut > CAP_FILE_HDR_LEN && !strstr(r.err, "truncated"))
			fail_msg("cut at %zu: %s", cut, r.err);
		run_free(&r);
	}
	free(buf);
}

static void patch_u32(uint8_t *buf, size_t off, uint32_t v)
{
	memcpy(buf + off, &v, 4);
}

static void test_version_and_magic(void **state)
{
	size_t len;
	uint8_t *buf = build(&len, false);
	struct report_opts o = { 0 };
	struct run r;

	patch_u32(buf, 8, 3);
	r = report_buf(buf, len, &o);
	assert_refused(&r, "capture format version 3; this vqtrace reads version 2");
	run_free(&r);
	patch_u32(buf, 8, 1);
	r = report_buf(buf, len, &o);
	assert_refused(&r, "capture format version 1 (raw counter structs");
	run_free(&r);
	patch_u32(buf, 8, CAP_VERSION);
	buf[3] = 'x';
	r = report_buf(buf, len, &o);
	assert_refused(&r, "not a vqtrace capture");
	run_free(&r);
	buf[3] = 'T';
	r = report_buf(buf, len, &o);
	assert_int_equal(r.rc, 0);
	run_free(&r);
	free(buf);
}

/* Renames a name of META's schema in place (same length). */
static void schema_rename(uint8_t *buf, size_t len, const char *from, const char *to)
{
	size_t n = strlen(from);
	uint8_t *p = NULL;

	/* the length prefix and the name, so that only a whole name matches */
	for (size_t i = 2; i + n <= len && !p; i++)
		if (buf[i - 2] == n && buf[i - 1] == 0 && !memcmp(buf + i, from, n))
			p = buf + i;
	assert_non_null(p);
	memcpy(p, to, n);
}

/* Sets the u16 that stands `skip` bytes after the whole name `name`. */
static void patch_u16_after(uint8_t *buf, size_t len, const char *name, size_t skip,
			    uint16_t v)
{
	size_t n = strlen(name);

	for (size_t i = 2; i + n + skip + 2 <= len; i++)
		if (buf[i - 2] == n && buf[i - 1] == 0 && !memcmp(buf + i, name, n)) {
			memcpy(buf + i + n + skip, &v, 2);
			return;
		}
	fail_msg("%s not found", name);
}

/* A capture from before the backend field: its schema does not name it
 * (here renamed to a name this vqtrace does not know, whose values it
 * skips). Its vqs read as having had a backend, so that the time-based
 * flags are judged as when it was recorded; a capture that names the
 * field gives its own value. */
static void test_backend_unknown_read_as_present(void **state)
{
	size_t len;
	uint8_t *buf = build(&len, true);
	struct collected c;
	struct cap_handler h = { &c, c_meta, c_vq, c_event, c_stats, c_hists, c_snap, c_end };
	char err[256];
	FILE *in;

	memset(&c, 0, sizeof(c));
	in = fmemopen(buf, len, "rb");
	assert_int_equal(cap_read(in, len, &h, err, sizeof(err)), 0);
	fclose(in);
	assert_int_equal(c.last_stats.backend, 0);	/* as written */
	schema_rename(buf, len, "backend", "backenx");
	memset(&c, 0, sizeof(c));
	in = fmemopen(buf, len, "rb");
	assert_int_equal(cap_read(in, len, &h, err, sizeof(err)), 0);
	fclose(in);
	assert_int_equal(c.n_stats, 3);
	assert_int_equal(c.last_stats.backend, 1);
	free(buf);
}

/* Offsets of the records, to aim corruptions. */
static size_t nth_record(const uint8_t *buf, size_t len, uint16_t type, int n)
{
	size_t off = CAP_FILE_HDR_LEN;

	while (off + CAP_REC_HDR_LEN <= len) {
		uint16_t t;
		uint32_t l;

		memcpy(&t, buf + off, 2);
		memcpy(&l, buf + off + 4, 4);
		if (t == type && n-- == 0)
			return off;
		off += CAP_REC_HDR_LEN + l;
	}
	fail_msg("no record of type %u", type);
	return 0;
}

static void test_hostile_records(void **state)
{
	size_t len, off;
	uint8_t *buf = build(&len, false), *copy = malloc(len + 64);
	struct report_opts o = { 0 };
	struct run r;

#define TRY(want, ...)							\
	do {								\
		memcpy(copy, buf, len);					\
		__VA_ARGS__;						\
		r = report_buf(copy, len, &o);				\
		assert_refused(&r, want);				\
		run_free(&r);						\
	} while (0)

	/* a record claiming 4 GiB, and one over the limit but "present" */
	off = nth_record(buf, len, CAP_EVENT, 0);
	TRY("over the 65536-byte limit", patch_u32(copy, off + 4, 0xffffffffu));
	TRY("truncated", patch_u32(copy, off + 4, 60000));
	/* an event of a vq nobody defined */
	TRY("vq id 7, which no VQ record defined", patch_u32(copy, off + 8, 7));
	/* an event type that does not exist */
	TRY("invalid type", copy[off + 12] = 9);
	/* a VQ id out of order */
	off = nth_record(buf, len, CAP_VQ, 1);
	TRY("out of order", patch_u32(copy, off + 8, 5));
	/* a string with a terminal escape in it: the devname's first byte */
	TRY("bad string", copy[off + 8 + 4 + 32 + 4 + 4 + 4 + 2] = 0x1b);
	/* counters of one vq filed under another's id */
	off = nth_record(buf, len, CAP_STATS, 0);
	TRY("belong to another vq", patch_u32(copy, off + 8, 1));
	/* a record type from the future, not optional */
	TRY("unknown type 99", copy[off] = 99);
	/* the META's settings and schema */
	off = nth_record(buf, len, CAP_META, 0);
	TRY("out of range", patch_u32(copy, off + 8 + 4, 0));
	TRY("lacks the vq's identity", schema_rename(copy, len, "first_ns", "first_nx"));
	TRY("names used twice", schema_rename(copy, len, "adds", "used"));
	TRY("not a field name", schema_rename(copy, len, "retired", "Retired"));
	TRY("histograms of 7 slots", patch_u16_after(copy, len, "retired_full", 2, 7));
	/* the trailer's event counts disagreeing with the file */
	off = nth_record(buf, len, CAP_END, 0);
	TRY("the trailer counts", patch_u32(copy, off + 8 + 24, 1000));
	/* a SNAP with a NaN time */
	off = nth_record(buf, len, CAP_SNAP, 0);
	TRY("invalid time", memset(copy + off + 8 + 8, 0xff, 8));
	/* an unknown record type marked optional is skipped */
	memcpy(copy, buf, len);
	copy[off] = 99;
	copy[off + 2] = CAP_RF_OPTIONAL;
	r = report_buf(copy, len, &o);
	assert_int_equal(r.rc, 0);
	run_free(&r);
	/* bytes after the trailer */
	memcpy(copy, buf, len);
	memset(copy + len, 0, 8);
	r = report_buf(copy, len + 8, &o);
	assert_refused(&r, "after the trailer");
	run_free(&r);
#undef TRY
	free(copy);
	free(buf);
}

/* Every single-byte corruption is either harmless or refused; none crashes. */
static void test_every_byte_flipped(void **state)
{
	size_t len;
	uint8_t *buf = build(&len, true), *copy = malloc(len);
	struct report_opts o = { .json = true, .events = true, .intervals = true };
	int refused = 0;

	for (size_t i = 0; i < len; i++) {
		struct run r;

		memcpy(copy, buf, len);
		copy[i] ^= 0xa5;
		r = report_buf(copy, len, &o);
		if (r.rc) {
			assert_refused(&r, NULL);
			refused++;
		}
		run_free(&r);
	}
	assert_true(refused > 0);
	free(copy);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_backend_unknown_read_as_present),
		cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_report_events_and_table),
		cmocka_unit_test(test_every_truncation_refused),
		cmocka_unit_test(test_version_and_magic),
		cmocka_unit_test(test_hostile_records),
		cmocka_unit_test(test_every_byte_flipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
