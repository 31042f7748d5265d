// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/output_table.c and src/output_json.c: count formatting,
 * the NDJSON rows (parsed back with jansson) and the text table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"

/* ---- fmt_count ----------------------------------------------------------- */

/* Plain digits when they fit in width, else the smallest of k, M, G, T, P, E
 * (powers of 1000) whose one-decimal form fits. A k form is as long as the
 * plain digits, so it never wins: numbers too long jump to M. */
static const struct {
	unsigned long long v;
	int width;
	const char *want;
} count_cases[] = {
	{ 0, 7, "0" },
	{ 0, 1, "0" },
	{ 7, 1, "7" },
	{ 999, 3, "999" },
	/* width 7: NOTIFY, SIGNAL */
	{ 1234567, 7, "1234567" },
	{ 9999999, 7, "9999999" },
	{ 10000000, 7, "10.0M" },
	{ 12345678, 7, "12.3M" },	/* "12345.7k" is 8 wide */
	{ 12360000, 7, "12.4M" },
	{ 99999999, 7, "100.0M" },
	{ 999999999, 7, "1000.0M" },
	{ 1000000000, 7, "1000.0M" },
	{ 9999999999ULL, 7, "10.0G" },	/* "10000.0M" is 8 wide */
	{ 1234567890123ULL, 7, "1234.6G" },
	{ 12345678901234ULL, 7, "12.3T" },
	{ 1000000000000000ULL, 7, "1000.0T" },
	{ 10000000000000000ULL, 7, "10.0P" },
	{ 1000000000000000000ULL, 7, "1000.0P" },
	{ 10000000000000000000ULL, 7, "10.0E" },
	{ 18446744073709551615ULL, 7, "18.4E" },
	/* width 8: USED */
	{ 12345678, 8, "12345678" },
	{ 99999999, 8, "99999999" },
	{ 100000000, 8, "100.0M" },
	{ 123456789, 8, "123.5M" },
	{ 9999999999ULL, 8, "10000.0M" },
	{ 99999999999ULL, 8, "100.0G" },
	{ 18446744073709551615ULL, 8, "18446.7P" },
	/* narrower */
	{ 99999, 5, "99999" },
	{ 100000, 5, "0.1M" },
	{ 999999, 5, "1.0M" },
	{ 1500000, 5, "1.5M" },
	{ 12345678, 5, "12.3M" },
	{ 123456789, 5, "0.1G" },
	{ 18446744073709551615ULL, 5, "18.4E" },
	{ 999999, 6, "999999" },
	{ 1000000, 6, "1.0M" },
	{ 1234567, 6, "1.2M" },
	{ 123456789, 6, "123.5M" },
	{ 1234567890, 6, "1.2G" },
	/* wide enough for anything */
	{ 18446744073709551615ULL, 20, "18446744073709551615" },
};

static void test_fmt_count_table(void **state)
{
	for (size_t i = 0; i < sizeof(count_cases) / sizeof(count_cases[0]); i++) {
		char buf[32];
		char *got;

		memset(buf, 'X', sizeof(buf));
		got = fmt_count(buf, sizeof(buf), count_cases[i].v, count_cases[i].width);
		assert_ptr_equal(got, buf);
		if (strcmp(buf, count_cases[i].want))
			fail_msg("fmt_count(%llu, width %d) = \"%s\", want \"%s\"", count_cases[i].v,
				 count_cases[i].width, buf, count_cases[i].want);
	}
}

/* The value a formatted count stands for. */
static double count_value(const char *s)
{
	static const char units[] = "kMGTPE";
	char *end;
	double v = strtod(s, &end), mult = 1;
	const char *u;

	if (!*end)
		return v;
	u = strchr(units, *end);
	assert_non_null(u);
	assert_int_equal(end[1], '\0');
	assert_non_null(strchr(s, '.'));
	assert_int_equal(strlen(strchr(s, '.')), 3);	/* one decimal and the unit */
	for (const char *p = units; p <= u; p++)
		mult *= 1000;
	return v * mult;
}

static void test_fmt_count_properties(void **state)
{
	/* At the table's widths (7 and 8), for values around every power of
	 * ten and a spread in between: never wider than asked, plain digits
	 * exactly when they fit, and within 0.5% of the value otherwise. */
	unsigned long long x = 0x9e3779b97f4a7c15ULL;

	for (int width = 7; width <= 8; width++)
		for (int i = 0; i < 20 * 64; i++) {
			unsigned long long v;
			char buf[32], plain[32];
			double got;

			if (i < 20 * 3) {
				unsigned long long p = 1;

				for (int e = 0; e < i / 3; e++)
					p *= 10;
				v = p + (unsigned long long)(i % 3) - 1;	/* 10^e - 1, +0, +1 */
			} else {
				x ^= x << 13; x ^= x >> 7; x ^= x << 17;	/* xorshift64 */
				v = x >> (i % 64);
			}
			fmt_count(buf, sizeof(buf), v, width);
			snprintf(plain, sizeof(plain), "%llu", v);
			if ((int)strlen(buf) > width)
				fail_msg("fmt_count(%llu, %d) = \"%s\" is too wide", v, width, buf);
			if ((int)strlen(plain) <= width) {
				if (strcmp(buf, plain))
					fail_msg("fmt_count(%llu, %d) = \"%s\", want \"%s\"", v, width,
						 buf, plain);
				continue;
			}
			got = count_value(buf);
			if (fabs(got - (double)v) > 0.005 * (double)v)
				fail_msg("fmt_count(%llu, %d) = \"%s\" is %.0f", v, width, buf, got);
		}
}

/* ---- a table to print ---------------------------------------------------- */

#include "fixture_vq.h"


/* Three vqs, all printed once (prev = the "first" counters), then moved on. */
struct fixture {
	struct vqtable t;
	struct vq_stats first[3], now[3];	/* in display order */
};

static void counters(struct vq_stats *s, uint64_t adds, uint64_t used, uint64_t add_errors,
		     uint64_t notifies, uint64_t signals, uint64_t suppressed, uint64_t wrap,
		     uint64_t inval, uint64_t stale, uint64_t readerr)
{
	s->adds = adds;
	s->used = used;
	s->add_errors = add_errors;
	s->notifies = notifies;
	s->signals = signals;
	s->suppressed = suppressed;
	s->wrap_checks = wrap;
	s->invalidations = inval;
	s->stale_signals = stale;
	s->event_read_errors = readerr;
}

static const struct flag_opts fopts = { .stall_ns = 1000000000ull };

static void fixture_build(struct fixture *fx)
{
	struct vq_stats *a = fx->first, *b = fx->now;

	/* pid 1234 net0 queue 0 (rx) and queue 1 (tx); pid 4194304 (pid_max)
	 * a device of an unknown vhost module, queue not found */
	a[0] = fixture_entry(0xffff888100a00000ULL, 0xffff888100900000ULL, 1234, 0, RX_KICK, 100);
	a[1] = fixture_entry(0xffff888100a10000ULL, 0xffff888100900000ULL, 1234, 1, TX_KICK, 90);
	a[2] = fixture_entry(0xffff888100b00000ULL, 0xffff888100800000ULL, 4194304, -1, ODD_KICK, 50);
	counters(&a[0], 100, 250, 0, 120, 20, 100, 1, 1, 0, 0);
	counters(&a[1], 5, 5, 1, 5, 5, 0, 0, 0, 0, 0);
	counters(&a[2], 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
	a[0].last_used_idx = 250;
	a[0].signalled_used = 240;
	a[0].signalled_used_valid = 1;
	a[0].used_event = 245;
	a[0].avail_idx = 300;
	a[0].num = 256;
	a[0].features = 1ULL << 29;

	for (int i = 0; i < 3; i++)
		b[i] = a[i];
	counters(&b[0], 110, 275, 0, 132, 22, 110, 3, 2, 1, 0);
	b[0].last_used_idx = 275;
	b[0].signalled_used = 270;
	b[0].signalled_used_valid = 0;
	b[0].used_event = 271;
	b[0].avail_idx = 310;
	b[0].last_avail_idx = 305;
	b[0].avail_flags = 1;
	b[0].features = (1ULL << 29) | (1ULL << 32);
	counters(&b[1], 5, 5, 1, 5, 5, 0, 0, 0, 0, 0);	/* idle this interval */
	b[0].stale_repeat = 1;		/* STALE_SIGNALLED this interval */
	counters(&b[2], 12345679, 123456789, 0, 0, 0, 0, 4, 0, 2, 7);
	b[2].features = 1ULL << 32;	/* no EVENT_IDX: wrap flags stay down */
	b[2].lost_notify = 3;		/* LOST_NOTIFY this interval */
	b[2].num = 1024;

	vqtable_init(&fx->t, &ks);
	for (int i = 0; i < 3; i++)
		assert_int_equal(vqtable_update(&fx->t, &a[i]), 0);
	vqtable_settle(&fx->t);
	vqtable_judge(&fx->t, &fopts, 1000, 1.0, NULL);
	vqtable_mark_printed(&fx->t);
	for (int i = 0; i < 3; i++)
		assert_int_equal(vqtable_update(&fx->t, &b[i]), 0);
	vqtable_settle(&fx->t);
	vqtable_judge(&fx->t, &fopts, 2000, 2.0, NULL);
	assert_int_equal(fx->t.n, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx->t.rows[i].cur.vq, b[i].vq);
}

/* now - first, counter by counter; the state of now. */
static struct vq_stats minus(const struct vq_stats *now, const struct vq_stats *first)
{
	struct vq_stats d = *now;

	counters(&d, now->adds - first->adds, now->used - first->used,
		 now->add_errors - first->add_errors, now->notifies - first->notifies,
		 now->signals - first->signals, now->suppressed - first->suppressed,
		 now->wrap_checks - first->wrap_checks, now->invalidations - first->invalidations,
		 now->stale_signals - first->stale_signals,
		 now->event_read_errors - first->event_read_errors);
	return d;
}

/* Runs one printer into memory; returns the text (free it). */
static char *print_to_string(void (*fn)(FILE *, const struct vqtable *, bool, double),
			     const struct vqtable *t, bool total, double secs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, t, total, secs);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	return buf;
}

/* Splits text at '\n' in place; every line must end with one. */
static size_t split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	char *p = text, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		*nl = '\0';
		assert_true(n < max);
		lines[n++] = p;
		p = nl + 1;
	}
	return n;
}

/* ---- output_json --------------------------------------------------------- */

static const char *const required_keys[] = {
	"type", "ts", "pid", "dev", "queue", "dir", "vq", "adds", "used", "notifies",
	"signals", "suppressed", "wrap_checks", "invalidations", "stale_signals",
	"event_read_errors", "last_used_idx", "signalled_used", "used_event",
};

static json_int_t get_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer", key);
	return json_integer_value(v);
}

static const char *get_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	return json_string_value(v);
}

static void check_json_row(json_t *o, const char *type, double secs, uint32_t pid,
			   const char *dev, int queue, const char *dir,
			   const struct vq_stats *cur, const struct vq_stats *vals)
{
	char hex[24];
	double ts, now = (double)time(NULL);

	for (size_t k = 0; k < sizeof(required_keys) / sizeof(required_keys[0]); k++)
		if (!json_object_get(o, required_keys[k]))
			fail_msg("key \"%s\" missing", required_keys[k]);
	assert_string_equal(get_str(o, "type"), type);
	assert_true(json_is_real(json_object_get(o, "ts")));
	ts = json_real_value(json_object_get(o, "ts"));
	assert_true(ts > now - 60 && ts < now + 60);
	assert_true(json_is_real(json_object_get(o, "seconds")));
	assert_true(json_real_value(json_object_get(o, "seconds")) == secs);
	assert_int_equal(get_int(o, "pid"), pid);
	assert_string_equal(get_str(o, "dev"), dev);
	assert_int_equal(get_int(o, "queue"), queue);
	assert_string_equal(get_str(o, "dir"), dir);
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)cur->vq);
	assert_string_equal(get_str(o, "vq"), hex);

	/* counters: the interval's or the run's */
	assert_int_equal(get_int(o, "adds"), vals->adds);
	assert_int_equal(get_int(o, "used"), vals->used);
	assert_int_equal(get_int(o, "add_errors"), vals->add_errors);
	assert_int_equal(get_int(o, "notifies"), vals->notifies);
	assert_int_equal(get_int(o, "signals"), vals->signals);
	assert_int_equal(get_int(o, "suppressed"), vals->suppressed);
	assert_int_equal(get_int(o, "wrap_checks"), vals->wrap_checks);
	assert_int_equal(get_int(o, "invalidations"), vals->invalidations);
	assert_int_equal(get_int(o, "stale_signals"), vals->stale_signals);
	assert_int_equal(get_int(o, "event_read_errors"), vals->event_read_errors);

	/* state: always the latest */
	assert_int_equal(get_int(o, "last_used_idx"), cur->last_used_idx);
	assert_int_equal(get_int(o, "signalled_used"), cur->signalled_used);
	assert_int_equal(get_int(o, "used_event"), cur->used_event);
	assert_int_equal(get_int(o, "avail_idx"), cur->avail_idx);
	assert_int_equal(get_int(o, "last_avail_idx"), cur->last_avail_idx);
	assert_int_equal(get_int(o, "avail_flags"), cur->avail_flags);
	assert_int_equal(get_int(o, "num"), cur->num);
	assert_true(json_is_boolean(json_object_get(o, "signalled_used_valid")));
	assert_int_equal(json_is_true(json_object_get(o, "signalled_used_valid")),
			 cur->signalled_used_valid != 0);
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)cur->features);
	assert_string_equal(get_str(o, "features"), hex);
	assert_true(json_is_boolean(json_object_get(o, "event_idx")));
	assert_int_equal(json_is_true(json_object_get(o, "event_idx")),
			 (cur->features >> 29) & 1);
}

static void test_json(void **state)
{
	static const struct {
		uint32_t pid;
		const char *dev, *dir;
		int queue;
	} ids[3] = {
		{ 1234, "net0", "rx", 0 },
		{ 1234, "net0", "tx", 1 },
		{ 4194304, "abcdefghijklm0", "?", -1 },
	};
	struct fixture fx;

	fixture_build(&fx);
	for (int total = 0; total <= 1; total++) {
		char *text = print_to_string(output_json, &fx.t, total, total ? 12.5 : 1.5);
		char *lines[8];
		size_t n = split_lines(text, lines, 8);

		assert_int_equal(n, 3);
		for (size_t i = 0; i < n; i++) {
			json_error_t err;
			json_t *o = json_loads(lines[i], 0, &err);
			struct vq_stats vals = total ? fx.now[i] : minus(&fx.now[i], &fx.first[i]);

			if (!o)
				fail_msg("line %zu is not JSON (%s): %s", i, err.text, lines[i]);
			assert_true(json_is_object(o));
			check_json_row(o, total ? "total" : "interval", total ? 12.5 : 1.5,
				       ids[i].pid, ids[i].dev, ids[i].queue, ids[i].dir,
				       &fx.now[i], &vals);
			json_decref(o);
		}
		free(text);
	}

	/* the deltas, spelled out */
	{
		char *text = print_to_string(output_json, &fx.t, false, 1.0);
		char *lines[8];
		json_error_t err;
		json_t *o;

		assert_int_equal(split_lines(text, lines, 8), 3);
		o = json_loads(lines[0], 0, &err);
		assert_non_null(o);
		assert_int_equal(get_int(o, "adds"), 10);
		assert_int_equal(get_int(o, "used"), 25);
		assert_int_equal(get_int(o, "notifies"), 12);
		assert_int_equal(get_int(o, "signals"), 2);
		assert_int_equal(get_int(o, "suppressed"), 10);
		assert_int_equal(get_int(o, "wrap_checks"), 2);
		assert_int_equal(get_int(o, "invalidations"), 1);
		assert_int_equal(get_int(o, "stale_signals"), 1);
		assert_int_equal(get_int(o, "last_used_idx"), 275);
		assert_int_equal(get_int(o, "signalled_used"), 270);
		assert_int_equal(get_int(o, "used_event"), 271);
		json_decref(o);
		o = json_loads(lines[1], 0, &err);
		assert_non_null(o);
		assert_int_equal(get_int(o, "adds"), 0);
		assert_int_equal(get_int(o, "add_errors"), 0);
		json_decref(o);
		free(text);
	}

	/* printed: the next interval is all zero, the totals stay */
	vqtable_mark_printed(&fx.t);
	for (int total = 0; total <= 1; total++) {
		char *text = print_to_string(output_json, &fx.t, total, 1.0);
		char *lines[8];
		size_t n = split_lines(text, lines, 8);

		assert_int_equal(n, 3);
		for (size_t i = 0; i < n; i++) {
			json_error_t err;
			json_t *o = json_loads(lines[i], 0, &err);
			struct vq_stats vals = fx.now[i];

			assert_non_null(o);
			if (!total)
				counters(&vals, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
			check_json_row(o, total ? "total" : "interval", 1.0, ids[i].pid,
				       ids[i].dev, ids[i].queue, ids[i].dir, &fx.now[i], &vals);
			json_decref(o);
		}
		free(text);
	}
	vqtable_free(&fx.t);
}

static void test_json_empty(void **state)
{
	struct vqtable t;
	char *text;

	vqtable_init(&t, NULL);
	text = print_to_string(output_json, &t, false, 1.0);
	assert_string_equal(text, "");
	free(text);
	text = print_to_string(output_json, &t, true, 1.0);
	assert_string_equal(text, "");
	free(text);
}

/* ---- output_table -------------------------------------------------------- */

#define NCOLS 11

/* Whitespace-separated fields of a row. */
static int fields(char *line, char **out)
{
	int n = 0;

	for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " ")) {
		assert_true(n < NCOLS + 2);
		out[n++] = tok;
	}
	return n;
}

static void check_table(const struct vqtable *t, bool total, double secs,
			const char *const want[][NCOLS], size_t nrows)
{
	char *text = print_to_string(output_table, t, total, secs);
	char *lines[16], *f[NCOLS + 2], head[64];
	size_t n = split_lines(text, lines, 16);

	assert_int_equal(n, nrows + 3);	/* time, header, rows, blank */
	for (size_t i = 0; i < n; i++)
		if (strlen(lines[i]) > 80)
			fail_msg("line %zu is %zu columns: %s", i, strlen(lines[i]), lines[i]);
	/* "HH:MM:SS interval 1.50s" */
	assert_int_equal(strlen(lines[0]) > 9, 1);
	assert_true(lines[0][2] == ':' && lines[0][5] == ':' && lines[0][8] == ' ');
	snprintf(head, sizeof(head), "%s %.2fs", total ? "TOTAL over" : "interval", secs);
	assert_string_equal(lines[0] + 9, head);
	assert_int_equal(fields(lines[1], f), NCOLS);
	assert_string_equal(f[0], "PID");
	assert_string_equal(f[4], "KICKS");
	assert_string_equal(f[10], "FLAGS");
	for (size_t r = 0; r < nrows; r++) {
		int nf = fields(lines[2 + r], f);

		if (nf != NCOLS)
			fail_msg("row %zu has %d fields", r, nf);
		for (int c = 0; c < NCOLS; c++)
			if (want[r][c] && strcmp(f[c], want[r][c]))
				fail_msg("row %zu column %d: \"%s\", want \"%s\"", r, c, f[c],
					 want[r][c]);
	}
	assert_string_equal(lines[n - 1], "");
	free(text);
}

static void test_table(void **state)
{
	/* PID DEV Q TAP KICKS USED NOTIFY SIGNAL SUPP% USED/SIG FLAGS (no --kicks: KICKS "-") */
	static const char *const interval[][NCOLS] = {
		{ "1234", "net0", "0:rx", "-", "-", "25", "12", "2", "83.3", "12.5", "WI,SS" },
		{ "1234", "net0", "1:tx", "-", "-", "0", "0", "0", "-", "-", "-" },
		{ "4194304", "abcdef", "-1:?", "-", "-", "123.5M", "0", "0", "-", "-", "LN" },
	};
	static const char *const totals[][NCOLS] = {
		{ "1234", "net0", "0:rx", "-", "-", "275", "132", "22", "83.3", "12.5", "WI,SS" },
		{ "1234", "net0", "1:tx", "-", "-", "5", "5", "5", "0.0", "1.0", "-" },
		{ "4194304", "abcdef", "-1:?", "-", "-", "123.5M", "0", "0", "-", "-", "LN" },
	};
	struct fixture fx;

	fixture_build(&fx);
	check_table(&fx.t, false, 1.5, interval, 3);
	check_table(&fx.t, true, 12.5, totals, 3);
	/* printed: an interval with nothing new */
	vqtable_mark_printed(&fx.t);
	{
		static const char *const idle[][NCOLS] = {
			{ "1234", "net0", "0:rx", "-", "-", "0", "0", "0", "-", "-", "-" },
			{ "1234", "net0", "1:tx", "-", "-", "0", "0", "0", "-", "-", "-" },
			{ "4194304", "abcdef", "-1:?", "-", "-", "0", "0", "0", "-", "-", "-" },
		};
		check_table(&fx.t, false, 1.0, idle, 3);
	}
	vqtable_free(&fx.t);
}

static void test_table_extremes(void **state)
{
	/* The widest values every column can get still fit in 80 columns. */
	static const char *const want[][NCOLS] = {
		/* every flag raised: as many codes as fit in 6 columns, then "+" */
		{ "4194304", "abcdef", "15:?", "-", "18.4E", "18.4E", "18.4E", "18.4E", "100.0", "1.0", "WI,WC+" },
		/* a huge USED/SIG switches to a unit instead of losing digits;
		 * a long tap name on queue pair 12 is cut to fit */
		{ "4194304", "net0", "-1:tx", "very/12", "18.4E", "18.4E", "18.4E", "1", "100.0", "18446.7P", "-" },
		/* a role of three letters is shown whole (scsi ctl, evt) */
		{ "4194304", "scsi0", "129:ctl", "-", "0", "1", "1", "1", "0.0", "1.0", "-" },
	};
	struct vqtable t;
	struct vq_stats s;
	const uint64_t M = UINT64_MAX;

	vqtable_init(&t, &ks);
	t.kick_side = true;	/* --kicks: the KICKS column has numbers */
	s = fixture_entry(0x10, 0x100, 4194304, 15, ODD_KICK, 1);
	counters(&s, M, M, M, M, M, M, M, M, M, M);
	s.features = 1ULL << 29;
	s.wrap_checks_invalid = s.stale_repeat = s.event_stale = s.event_ahead = M;
	s.near_wrap = s.avail_overrun = s.lost_notify = s.spurious_notify = M;
	s.kicks = M;
	assert_int_equal(vqtable_update(&t, &s), 0);
	s = fixture_entry(0x20, 0x200, 4194304, -1, TX_KICK, 2);
	counters(&s, M, M, M, M, 1, M, M, M, M, M);
	snprintf(s.tap, sizeof(s.tap), "verylongtapname");
	s.kicks = M;
	s.qp = 12;
	assert_int_equal(vqtable_update(&t, &s), 0);
	s = fixture_entry(0x30, 0x300, 4194304, 129, SCSI_CTL_KICK, 3);
	counters(&s, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0);
	assert_int_equal(vqtable_update(&t, &s), 0);
	vqtable_settle(&t);
	vqtable_judge(&t, &fopts, 1, 1.0, NULL);
	check_table(&t, true, 99999.99, want, 3);
	vqtable_free(&t);
}

static void test_table_empty(void **state)
{
	struct vqtable t;
	char *text, *lines[8];

	vqtable_init(&t, NULL);
	text = print_to_string(output_table, &t, false, 1.0);
	assert_int_equal(split_lines(text, lines, 8), 4);
	assert_string_equal(lines[2], "(no vhost virtqueue activity seen yet)");
	assert_string_equal(lines[3], "");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_count_table),
		cmocka_unit_test(test_fmt_count_properties),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_empty),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_extremes),
		cmocka_unit_test(test_table_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
