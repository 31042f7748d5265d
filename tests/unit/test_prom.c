// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/prom.c (the Prometheus text format rendered from a
 * hand-built vqtable) and src/http.c (--prometheus's [ADDR:]PORT and the
 * /metrics server on a loopback port).
 *
 * With VQTRACE_PROM_DUMP=FILE set, test_dump writes the fixture's render to
 * FILE: tests/prom/promtool_check.sh runs `promtool check metrics` on it and
 * tests/prom/dashboard_test.sh takes the exported metric names from it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fields.h"
#include "flags.h"
#include "hist.h"
#include "http.h"
#include "prom.h"
#include "vqtable.h"

#include "fixture_vq.h"


/* Distinct counters per vq: base + 1 .. base + 10, state from base. */
static void fill(struct vq_stats *s, uint64_t base)
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
	s->last_used_idx = (uint16_t)(base + 11);
	s->signalled_used = (uint16_t)(base + 12);
	s->used_event = (uint16_t)(base + 13);
	s->num = 256;
}

/* One vq's counters (fill(base)) into the table. */
static void put(struct vqtable *t, uint64_t vq, uint64_t dev, uint32_t owner, int queue,
		uint64_t kick, uint64_t first_ns, uint64_t base)
{
	struct vq_stats s = fixture_entry(vq, dev, owner, queue, kick, first_ns);

	fill(&s, base);
	assert_int_equal(vqtable_update(t, &s), 0);
}

/*
 * Owner 4242: net0 (rx, tx) and a scsi device whose io queue index was not
 * found (-1). Owner 77: net0 tx only. Two rounds: the counters of round 2
 * are the ones to export (cumulative), whatever was printed before.
 */
static void build(struct vqtable *t)
{
	struct vq_stats s;

	vqtable_init(t, &ks);
	t->kick_side = true;	/* every field counted */
	put(t, 0x10, 0x1000, 4242, 0, RX_KICK, 100, 1000);
	put(t, 0x11, 0x1000, 4242, 1, TX_KICK, 101, 2000);
	vqtable_settle(t);
	vqtable_mark_printed(t);

	put(t, 0x10, 0x1000, 4242, 0, RX_KICK, 100, 10000);
	s = fixture_entry(0x11, 0x1000, 4242, 1, TX_KICK, 101); fill(&s, 20000);
	s.used = 18446744073709551615ULL;	/* the largest u64 prints exactly */
	assert_int_equal(vqtable_update(t, &s), 0);
	s = fixture_entry(0x20, 0x2000, 4242, -1, SCSI_KICK, 200); fill(&s, 30000);
	assert_int_equal(vqtable_update(t, &s), 0);
	s = fixture_entry(0x31, 0x3000, 77, 1, TX_KICK, 300); fill(&s, 0);
	s.last_used_idx = 65535;
	assert_int_equal(vqtable_update(t, &s), 0);
	vqtable_settle(t);
	assert_int_equal(t->n, 4);
}

static const struct vq_global global = {
	.vq_map_full = 3, .filtered_out = 99, .notify_unknown_vq = 5,
	.notify_arg1 = 7, .notify_arg2 = 8, .stash_full = 11,
};

static const struct prom_prog progs[] = {
	{ "add_used_fentry", 1500000000ULL, 12345 },
	{ "notify_kprobe", 42, 2 },
};

static char *render(const struct vqtable *t)
{
	struct prom_buf b;
	char *s;

	prom_buf_init(&b);
	assert_int_equal(prom_render(&b, t, &global, progs, 2), 0);
	assert_false(b.failed);
	assert_int_equal(strlen(b.s), b.len);
	s = b.s;	/* the caller frees it */
	return s;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, line, n) && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static void want_line(const char *text, const char *line)
{
	if (!has_line(text, line))
		fail_msg("missing line: %s\n--- render ---\n%s", line, text);
}

static int count_prefix(const char *text, const char *prefix)
{
	int n = 0;
	size_t len = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, len))
			n++;
	return n;
}

static const char *const vq_counters[] = {
	"adds", "used", "add_errors", "notifies", "signals", "suppressed", "wrap_checks",
	"invalidations", "stale_signals", "event_read_errors",
};

static void test_counters_equal_table(void **state)
{
	struct vqtable t;
	char *out, line[256];

	build(&t);
	out = render(&t);
	/* net0 rx of 4242: round 2's cumulative values, not the delta */
	for (int i = 0; i < 10; i++) {
		snprintf(line, sizeof(line),
			 "vqtrace_%s_total{pid=\"4242\",dev=\"net0\",queue=\"0\",dir=\"rx\"} %d",
			 vq_counters[i], 10000 + i + 1);
		want_line(out, line);
	}
	want_line(out, "vqtrace_used_total{pid=\"4242\",dev=\"net0\",queue=\"1\",dir=\"tx\"} "
		       "18446744073709551615");
	want_line(out, "vqtrace_signals_total{pid=\"4242\",dev=\"net0\",queue=\"1\",dir=\"tx\"} 20005");
	want_line(out, "vqtrace_suppressed_total{pid=\"77\",dev=\"net0\",queue=\"1\",dir=\"tx\"} 6");
	/* gauges: last seen state */
	want_line(out, "vqtrace_last_used_idx{pid=\"4242\",dev=\"net0\",queue=\"0\",dir=\"rx\"} 10011");
	want_line(out, "vqtrace_signalled_used{pid=\"4242\",dev=\"net0\",queue=\"0\",dir=\"rx\"} 10012");
	want_line(out, "vqtrace_used_event{pid=\"4242\",dev=\"net0\",queue=\"0\",dir=\"rx\"} 10013");
	want_line(out, "vqtrace_ring_size{pid=\"4242\",dev=\"net0\",queue=\"0\",dir=\"rx\"} 256");
	want_line(out, "vqtrace_last_used_idx{pid=\"77\",dev=\"net0\",queue=\"1\",dir=\"tx\"} 65535");
	/* a queue without an index: "?" and its address to keep it unique */
	want_line(out, "vqtrace_adds_total{pid=\"4242\",dev=\"scsi0\",queue=\"?\",dir=\"io\",vq=\"0x20\"} 30001");
	/* probes' own counters and cost */
	want_line(out, "vqtrace_up 1");
	want_line(out, "vqtrace_probe_vq_map_full_total 3");
	want_line(out, "vqtrace_probe_notify_unknown_vq_total 5");
	want_line(out, "vqtrace_probe_stash_full_total 11");
	want_line(out, "vqtrace_bpf_run_seconds_total{prog=\"add_used_fentry\"} 1.500000000");
	want_line(out, "vqtrace_bpf_run_seconds_total{prog=\"notify_kprobe\"} 0.000000042");
	want_line(out, "vqtrace_bpf_runs_total{prog=\"add_used_fentry\"} 12345");
	want_line(out, "vqtrace_bpf_runs_total{prog=\"notify_kprobe\"} 2");
	/* one sample per row in every per-vq family */
	assert_int_equal(count_prefix(out, "vqtrace_adds_total{"), 4);
	assert_int_equal(count_prefix(out, "vqtrace_ring_size{"), 4);
	assert_int_equal(count_prefix(out, "vqtrace_bpf_runs_total{"), 2);
	free(out);
	vqtable_free(&t);
}

static const struct {
	const char *name, *type;
} families[] = {
	{ "vqtrace_up", "gauge" },
	{ "vqtrace_complete", "gauge" },
	{ "vqtrace_adds_total", "counter" },
	{ "vqtrace_used_total", "counter" },
	{ "vqtrace_used_elems_total", "counter" },
	{ "vqtrace_add_errors_total", "counter" },
	{ "vqtrace_notifies_total", "counter" },
	{ "vqtrace_signals_total", "counter" },
	{ "vqtrace_suppressed_total", "counter" },
	{ "vqtrace_wrap_checks_total", "counter" },
	{ "vqtrace_invalidations_total", "counter" },
	{ "vqtrace_ring_setups_total", "counter" },
	{ "vqtrace_stale_signals_total", "counter" },
	{ "vqtrace_event_read_errors_total", "counter" },
	{ "vqtrace_wrap_checks_invalid_total", "counter" },
	{ "vqtrace_stale_repeat_total", "counter" },
	{ "vqtrace_event_stale_total", "counter" },
	{ "vqtrace_event_ahead_total", "counter" },
	{ "vqtrace_near_wrap_total", "counter" },
	{ "vqtrace_avail_overrun_total", "counter" },
	{ "vqtrace_lost_notify_total", "counter" },
	{ "vqtrace_spurious_notify_total", "counter" },
	{ "vqtrace_model_races_total", "counter" },
	{ "vqtrace_kicks_total", "counter" },
	{ "vqtrace_handler_runs_total", "counter" },
	{ "vqtrace_notify_disables_total", "counter" },
	{ "vqtrace_notify_enables_total", "counter" },
	{ "vqtrace_enable_rechecks_total", "counter" },
	{ "vqtrace_busy_polls_total", "counter" },
	{ "vqtrace_ring_size", "gauge" },
	{ "vqtrace_last_used_idx", "gauge" },
	{ "vqtrace_signalled_used", "gauge" },
	{ "vqtrace_used_event", "gauge" },
	{ "vqtrace_flag_raised_total", "counter" },
	{ "vqtrace_prom_hist_series_dropped", "gauge" },
	{ "vqtrace_probe_vq_map_full_total", "counter" },
	{ "vqtrace_probe_filtered_out_total", "counter" },
	{ "vqtrace_probe_notify_unknown_vq_total", "counter" },
	{ "vqtrace_probe_unhooked_path_total", "counter" },
	{ "vqtrace_probe_hook_misses_total", "counter" },
	{ "vqtrace_probe_return_misses_total", "counter" },
	{ "vqtrace_probe_run_misses_total", "counter" },
	{ "vqtrace_probe_kick_unhooked_total", "counter" },
	{ "vqtrace_probe_guest_read_errors_total", "counter" },
	{ "vqtrace_probe_notify_arg1_total", "counter" },
	{ "vqtrace_probe_notify_arg2_total", "counter" },
	{ "vqtrace_probe_stash_full_total", "counter" },
	{ "vqtrace_probe_retired_full_total", "counter" },
	{ "vqtrace_bpf_run_seconds_total", "counter" },
	{ "vqtrace_bpf_runs_total", "counter" },
};

/* Every family has exactly one HELP and one TYPE line, right before its
 * samples, and its samples are contiguous; nothing else is in the output. */
static void test_help_type_once(void **state)
{
	struct vqtable t;
	char *out, *copy, *line, *save = NULL, current[128] = "";
	size_t nfam = sizeof(families) / sizeof(families[0]), seen = 0;

	build(&t);
	out = render(&t);
	for (size_t i = 0; i < nfam; i++) {
		char help[160], type[160];

		snprintf(help, sizeof(help), "# HELP %s ", families[i].name);
		snprintf(type, sizeof(type), "# TYPE %s %s", families[i].name, families[i].type);
		if (count_prefix(out, help) != 1)
			fail_msg("%s: %d HELP lines", families[i].name, count_prefix(out, help));
		want_line(out, type);
		snprintf(type, sizeof(type), "# TYPE %s ", families[i].name);
		assert_int_equal(count_prefix(out, type), 1);
	}
	assert_int_equal(count_prefix(out, "# HELP "), (int)nfam);
	assert_int_equal(count_prefix(out, "# TYPE "), (int)nfam);

	/* walk: HELP, TYPE of family f, then only samples named f{ or f<space> */
	copy = strdup(out);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128];

		if (!strncmp(line, "# HELP ", 7)) {
			assert_true(seen < nfam);
			snprintf(name, sizeof(name), "%s ", families[seen].name);
			if (strncmp(line + 7, name, strlen(name)))
				fail_msg("family %zu is '%s', want %s", seen, line, families[seen].name);
			snprintf(current, sizeof(current), "%s", families[seen].name);
			seen++;
			line = strtok_r(NULL, "\n", &save);
			assert_non_null(line);
			assert_int_equal(strncmp(line, "# TYPE ", 7), 0);
			continue;
		}
		assert_true(current[0]);
		if (strncmp(line, current, strlen(current)) ||
		    (line[strlen(current)] != '{' && line[strlen(current)] != ' '))
			fail_msg("sample '%s' is not of family %s", line, current);
	}
	assert_int_equal(seen, nfam);
	assert_int_equal(out[strlen(out) - 1], '\n');
	free(copy);
	free(out);
	vqtable_free(&t);
}

static void test_label_escaping(void **state)
{
	struct vqtable t;
	struct prom_buf b;
	struct prom_label l[2] = { { "a", "x\"y\\z\nw" }, { "b", "" } };
	char *out;

	/* a device name with every character the format escapes */
	build(&t);
	snprintf(t.rows[0].devname, sizeof(t.rows[0].devname), "n\"e\\t\n0");
	out = render(&t);
	want_line(out, "vqtrace_adds_total{pid=\"77\",dev=\"n\\\"e\\\\t\\n0\",queue=\"1\",dir=\"tx\"} 1");
	free(out);
	vqtable_free(&t);

	prom_buf_init(&b);
	prom_family(&b, "m", PROM_COUNTER, "back\\slash \"quoted\"\nnext");
	prom_sample_u64(&b, "m", l, 2, 0);
	prom_sample_u64(&b, "m", NULL, 0, 7);
	assert_string_equal(b.s, "# HELP m back\\\\slash \"quoted\"\\nnext\n"
				 "# TYPE m counter\n"
				 "m{a=\"x\\\"y\\\\z\\nw\",b=\"\"} 0\n"
				 "m 7\n");
	prom_buf_free(&b);
}

/* Rows with the same labels are one series: a vq retired with its device
 * and the new vq vhost put at the same addresses (vqtable keeps both, told
 * apart by first_ns). Counters add up, the state is the newer row's. Two
 * queues of unknown index stay apart by their address. */
static void test_merged_rows(void **state)
{
	struct vqtable t;
	struct vq_stats s;
	char *out;

	vqtable_init(&t, &ks);
	s = fixture_entry(0x40, 0x4000, 9, 1, TX_KICK, 10);	/* the newer one first */
	s.first_ns = 600;
	s.last_ns = 700;
	s.adds = 2;
	s.used = 30;
	s.signals = 1;
	s.last_used_idx = 130;
	s.num = 512;
	assert_int_equal(vqtable_update(&t, &s), 0);
	s = fixture_entry(0x40, 0x4000, 9, 1, TX_KICK, 10);	/* retired */
	s.last_ns = 800;	/* a later clock read does not make it the newer */
	s.adds = 5;
	s.used = 100;
	s.signals = 4;
	s.last_used_idx = 100;
	s.num = 256;
	assert_int_equal(vqtable_update(&t, &s), 0);
	s = fixture_entry(0x50, 0x5000, 9, 0, RX_KICK, 12);
	s.adds = 1;
	snprintf(s.tap, sizeof(s.tap), "tap3");	/* a tap known: two more labels */
	s.qp = 1;
	assert_int_equal(vqtable_update(&t, &s), 0);
	s = fixture_entry(0x60, 0x6000, 9, -1, SCSI_KICK, 13);
	s.adds = 3;
	assert_int_equal(vqtable_update(&t, &s), 0);
	s = fixture_entry(0x61, 0x6000, 9, -1, SCSI_KICK, 14);
	s.adds = 4;
	assert_int_equal(vqtable_update(&t, &s), 0);
	vqtable_settle(&t);
	assert_int_equal(t.n, 5);
	out = render(&t);
	want_line(out, "vqtrace_adds_total{pid=\"9\",dev=\"net0\",queue=\"1\",dir=\"tx\"} 7");
	want_line(out, "vqtrace_used_total{pid=\"9\",dev=\"net0\",queue=\"1\",dir=\"tx\"} 130");
	want_line(out, "vqtrace_signals_total{pid=\"9\",dev=\"net0\",queue=\"1\",dir=\"tx\"} 5");
	want_line(out, "vqtrace_last_used_idx{pid=\"9\",dev=\"net0\",queue=\"1\",dir=\"tx\"} 130");
	want_line(out, "vqtrace_ring_size{pid=\"9\",dev=\"net0\",queue=\"1\",dir=\"tx\"} 512");
	want_line(out, "vqtrace_adds_total{pid=\"9\",dev=\"net1\",queue=\"0\",dir=\"rx\",tap=\"tap3\",qp=\"1\"} 1");
	want_line(out, "vqtrace_adds_total{pid=\"9\",dev=\"scsi0\",queue=\"?\",dir=\"io\",vq=\"0x60\"} 3");
	want_line(out, "vqtrace_adds_total{pid=\"9\",dev=\"scsi0\",queue=\"?\",dir=\"io\",vq=\"0x61\"} 4");
	assert_int_equal(count_prefix(out, "vqtrace_adds_total{"), 4);
	assert_int_equal(count_prefix(out, "vqtrace_used_event{"), 4);
	free(out);
	vqtable_free(&t);
}

static void test_empty_table(void **state)
{
	struct vqtable t;
	struct vq_global zero;
	struct prom_buf b;

	memset(&zero, 0, sizeof(zero));
	vqtable_init(&t, &ks);
	prom_buf_init(&b);
	assert_int_equal(prom_render(&b, &t, &zero, NULL, 0), 0);
	want_line(b.s, "vqtrace_up 1");
	want_line(b.s, "# TYPE vqtrace_used_total counter");
	want_line(b.s, "vqtrace_probe_stash_full_total 0");
	assert_int_equal(count_prefix(b.s, "vqtrace_used_total"), 0);
	/* rendering again into the same buffer starts over */
	assert_int_equal(prom_render(&b, &t, &zero, NULL, 0), 0);
	assert_int_equal(count_prefix(b.s, "# HELP vqtrace_up "), 1);
	prom_buf_free(&b);
	vqtable_free(&t);
}

/* With VQTRACE_PROM_DUMP=FILE set, writes text to FILE + suffix. */
static void dump(const char *text, const char *suffix)
{
	const char *path = getenv("VQTRACE_PROM_DUMP");
	char name[4096];
	FILE *f;

	if (!path)
		return;
	snprintf(name, sizeof(name), "%s%s", path, suffix);
	f = fopen(name, "w");
	if (!f)
		fail_msg("cannot write %s", name);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* The histogram writer later families (latency, batch size) will use. */
static void test_histogram(void **state)
{
	struct prom_buf b;
	struct prom_label l = { "pid", "1" };
	const double le[] = { 0.001, 0.1, 1, 2.5 };
	const uint64_t counts[] = { 3, 0, 4, 1 };

	prom_buf_init(&b);
	prom_family(&b, "vqtrace_x_seconds", PROM_HISTOGRAM, "x");
	prom_histogram(&b, "vqtrace_x_seconds", &l, 1, le, counts, 4, 7.25, 10);
	prom_histogram(&b, "vqtrace_x_seconds", NULL, 0, le, counts, 0, 0, 0);
	assert_string_equal(b.s,
			    "# HELP vqtrace_x_seconds x\n"
			    "# TYPE vqtrace_x_seconds histogram\n"
			    "vqtrace_x_seconds_bucket{pid=\"1\",le=\"0.001\"} 3\n"
			    "vqtrace_x_seconds_bucket{pid=\"1\",le=\"0.1\"} 3\n"
			    "vqtrace_x_seconds_bucket{pid=\"1\",le=\"1\"} 7\n"
			    "vqtrace_x_seconds_bucket{pid=\"1\",le=\"2.5\"} 8\n"
			    "vqtrace_x_seconds_bucket{pid=\"1\",le=\"+Inf\"} 10\n"
			    "vqtrace_x_seconds_sum{pid=\"1\"} 7.25\n"
			    "vqtrace_x_seconds_count{pid=\"1\"} 10\n"
			    "vqtrace_x_seconds_bucket{le=\"+Inf\"} 0\n"
			    "vqtrace_x_seconds_sum 0\n"
			    "vqtrace_x_seconds_count 0\n");
	dump(b.s, ".histogram");	/* for promtool_check.sh */
	prom_buf_free(&b);
}

static void test_big_buffer(void **state)
{
	struct prom_buf b;

	prom_buf_init(&b);
	for (int i = 0; i < 100000; i++)
		prom_printf(&b, "%d\n", i % 10);
	assert_false(b.failed);
	assert_int_equal(b.len, 200000);
	assert_int_equal(strlen(b.s), 200000);
	prom_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.s, "");
	prom_buf_free(&b);
	assert_null(b.s);
}

/* With VQTRACE_PROM_DUMP=FILE, the fixture's render goes to FILE. */
static void test_dump(void **state)
{
	struct vqtable t;
	char *out;

	build(&t);
	out = render(&t);
	dump(out, "");
	free(out);
	vqtable_free(&t);
}

/* --hist adds one histogram family per kernel histogram, in base units:
 * cumulative buckets at the exact power-of-two edges, the open-ended last
 * kernel slot only in +Inf, _sum scaled like the edges. */
static void test_vq_histograms(void **state)
{
	struct vqtable t;
	struct vq_hist *h;
	char *out;

	build(&t);
	t.hist = true;
	h = &t.rows[0].hist.h[VQ_HIST_ENTRIES_PER_ADD];	/* pid 77 tx row sorts first */
	h->slots[0] = 2;		/* value 0 */
	h->slots[1] = 3;		/* value 1 */
	h->slots[5] = 4;		/* 9..16 */
	h->slots[VQ_HIST_SLOTS - 1] = 1;	/* beyond the last edge */
	h->sum = 3 + 4 * 16 + 5000000000000ULL;
	h = &t.rows[0].hist.h[VQ_HIST_SIGNAL_GAP_NS];
	h->slots[11] = 6;		/* (512ns, 1024ns] */
	h->sum = 6 * 1000;
	out = render(&t);
	want_line(out, "# TYPE vqtrace_entries_per_add histogram");
	want_line(out, "vqtrace_entries_per_add_bucket{pid=\"77\",dev=\"net0\",queue=\"1\",dir=\"tx\",le=\"0\"} 2");
	want_line(out, "vqtrace_entries_per_add_bucket{pid=\"77\",dev=\"net0\",queue=\"1\",dir=\"tx\",le=\"1\"} 5");
	want_line(out, "vqtrace_entries_per_add_bucket{pid=\"77\",dev=\"net0\",queue=\"1\",dir=\"tx\",le=\"8\"} 5");
	want_line(out, "vqtrace_entries_per_add_bucket{pid=\"77\",dev=\"net0\",queue=\"1\",dir=\"tx\",le=\"16\"} 9");
	want_line(out, "vqtrace_entries_per_add_bucket{pid=\"77\",dev=\"net0\",queue=\"1\",dir=\"tx\",le=\"+Inf\"} 10");
	want_line(out, "vqtrace_entries_per_add_count{pid=\"77\",dev=\"net0\",queue=\"1\",dir=\"tx\"} 10");
	want_line(out, "# TYPE vqtrace_signal_gap_seconds histogram");
	want_line(out, "vqtrace_signal_gap_seconds_count{pid=\"77\",dev=\"net0\",queue=\"1\",dir=\"tx\"} 6");
	want_line(out, "# TYPE vqtrace_completion_wait_seconds histogram");
	want_line(out, "# TYPE vqtrace_used_per_signal histogram");
	want_line(out, "# TYPE vqtrace_guest_lag histogram");
	dump(out, ".vqhist");
	free(out);
	vqtable_free(&t);
}

/* ---- http.c -------------------------------------------------------------- */

static void test_parse_listen(void **state)
{
	static const struct {
		const char *arg, *addr;
		unsigned int port;
	} good[] = {
		{ "9100", "127.0.0.1", 9100 },
		{ "1", "127.0.0.1", 1 },
		{ "65535", "127.0.0.1", 65535 },
		{ "0.0.0.0:80", "0.0.0.0", 80 },
		{ "192.168.1.20:9100", "192.168.1.20", 9100 },
		{ "[::1]:9100", "::1", 9100 },
		{ "[::]:1", "::", 1 },
		{ "[fe80::1:2]:443", "fe80::1:2", 443 },
		{ "09100", "127.0.0.1", 9100 },
	};
	static const char *const bad[] = {
		"", "0", "65536", "70000", "abc", "-1", "+80", " 80", "80 ", "9100x", "123456",
		"1.2.3:80", "1.2.3.4.5:80", "256.1.1.1:80", "localhost:9100", ":9100",
		"1.2.3.4:", "1.2.3.4:0", "::1:9100", "[::1]", "[::1]9100", "[]:80",
		"[1.2.3.4]:80", "[::1:80", "[zz::1]:80", "1.2.3.4:80:90",
	};
	char addr[HTTP_ADDR_LEN];
	unsigned int port;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		port = 0;
		if (http_parse_listen(good[i].arg, addr, &port))
			fail_msg("'%s' was refused", good[i].arg);
		assert_string_equal(addr, good[i].addr);
		assert_int_equal(port, good[i].port);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!http_parse_listen(bad[i], addr, &port))
			fail_msg("'%s' was taken as %s port %u", bad[i], addr, port);
}

static void test_format_addr(void **state)
{
	char buf[64];

	assert_string_equal(http_format_addr("127.0.0.1", 9100, buf, sizeof(buf)), "127.0.0.1:9100");
	assert_string_equal(http_format_addr("::1", 80, buf, sizeof(buf)), "[::1]:80");
	assert_non_null(strstr(http_listen_hint(EADDRINUSE), "another port"));
	assert_non_null(strstr(http_listen_hint(EACCES), "1024"));
}

/* One HTTP/1.0 request to 127.0.0.1:port; returns the whole answer. */
static char *get(unsigned int port, const char *req)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_non_null(buf);
	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

struct scrape {
	unsigned int port;
	char *ans;
};

static void *scrape_thread(void *arg)
{
	struct scrape *sc = arg;

	sc->ans = get(sc->port, "GET /metrics HTTP/1.0\r\n\r\n");
	return NULL;
}

static void test_server(void **state)
{
	struct http_server *s, *s2;
	char *ans, addr[HTTP_ADDR_LEN];
	int err = 0;
	unsigned int port;

	s = http_start("127.0.0.1", 0, &err);
	if (!s && (err == EAFNOSUPPORT || err == EACCES || err == EPERM))
		skip();	/* no loopback networking in this sandbox */
	assert_non_null(s);
	port = http_port(s);
	assert_true(port > 0);

	/* before the first snapshot */
	ans = get(port, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(ans, " 503 "));
	free(ans);

	assert_int_equal(http_publish(s, "vqtrace_up 1\n", 13), 0);
	ans = get(port, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_int_equal(strncmp(ans, "HTTP/1.0 200", 12) && strncmp(ans, "HTTP/1.1 200", 12), 0);
	assert_non_null(strstr(ans, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(ans, "\r\n\r\nvqtrace_up 1\n"));
	free(ans);

	/* a newer snapshot replaces the old one; query strings are ignored */
	assert_int_equal(http_publish(s, "vqtrace_up 2\n", 13), 0);
	ans = get(port, "GET /metrics?x=1 HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(ans, "\r\n\r\nvqtrace_up 2\n"));
	free(ans);

	/* the table moved on: a scrape asks the main thread for a render,
	 * waits for it and gets the new snapshot; nothing is asked before */
	assert_false(http_render_wanted(s));
	http_mark_stale(s);
	{
		struct scrape sc = { .port = port };
		struct pollfd p = { .fd = http_render_fd(s), .events = POLLIN };
		pthread_t th;

		assert_int_equal(pthread_create(&th, NULL, scrape_thread, &sc), 0);
		assert_int_equal(poll(&p, 1, 10000), 1);
		assert_true(http_render_wanted(s));
		assert_false(http_render_wanted(s));
		assert_int_equal(http_publish(s, "vqtrace_up 3\n", 13), 0);
		assert_int_equal(pthread_join(th, NULL), 0);
		assert_non_null(strstr(sc.ans, "\r\n\r\nvqtrace_up 3\n"));
		free(sc.ans);
	}
	/* not stale: served as it is, nothing asked */
	ans = get(port, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(ans, "\r\n\r\nvqtrace_up 3\n"));
	free(ans);
	assert_false(http_render_wanted(s));

	ans = get(port, "GET / HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(ans, " 404 "));
	free(ans);
	ans = get(port, "GET /metricsx HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(ans, " 404 "));
	free(ans);
	ans = get(port, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
	assert_null(strstr(ans, " 200 "));
	free(ans);

	/* the port is taken now: a second server fails with EADDRINUSE */
	assert_int_equal(http_parse_listen("1", addr, &port), 0);
	s2 = http_start("127.0.0.1", http_port(s), &err);
	assert_null(s2);
	assert_int_equal(err, EADDRINUSE);
	/* an address of no interface here */
	s2 = http_start("192.0.2.1", 0, &err);
	assert_null(s2);
	assert_int_equal(err, EADDRNOTAVAIL);

	http_stop(s);
	http_stop(NULL);
}


/* ---- --prom-by pid and --prom-max-hist ----------------------------------- */

/* Owner 4242: net0 rx, net0 tx and a scsi io queue; owner 77: net0 tx. */
static void build_small(struct vqtable *t)
{
	vqtable_init(t, &ks);
	t->kick_side = true;	/* every field counted */
	put(t, 0x10, 0x1000, 4242, 0, RX_KICK, 100, 1000);
	put(t, 0x11, 0x1000, 4242, 1, TX_KICK, 101, 2000);
	put(t, 0x20, 0x2000, 4242, 0, SCSI_KICK, 200, 3000);
	put(t, 0x31, 0x3000, 77, 1, TX_KICK, 300, 0);
	vqtable_settle(t);
	assert_int_equal(t->n, 4);
}

static char *render_opts(const struct vqtable *t, struct prom_opts *o)
{
	struct prom_buf b;

	prom_buf_init(&b);
	assert_int_equal(prom_render_opts(&b, t, &global, progs, 2, o), 0);
	assert_false(b.failed);
	return b.s;
}

/* The sum of the values of the lines that start with prefix. */
static uint64_t sum_prefix(const char *text, const char *prefix)
{
	uint64_t sum = 0;
	size_t len = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *eol = strchr(p, '\n'), *sp;

		if (strncmp(p, prefix, len))
			continue;
		for (sp = eol ? eol : p + strlen(p); sp > p && sp[-1] != ' '; sp--)
			;
		sum += strtoull(sp, NULL, 10);
	}
	return sum;
}

/* Every counter family per pid equals the sum of its per-vq series, and
 * nothing per vq is left: no dev/queue labels, no state gauges. */
static void test_prom_by_pid(void **state)
{
	struct prom_opts vq = { .max_hist = PROM_DEFAULT_MAX_HIST };
	struct prom_opts pid = { .by_pid = true, .max_hist = PROM_DEFAULT_MAX_HIST };
	struct vqtable t;
	char *per_vq, *per_pid, fam[128], pfx[160];
	int compared = 0;

	build_small(&t);
	t.hist = true;
	t.rows[1].hist.h[VQ_HIST_ENTRIES_PER_ADD].slots[5] = 4;	/* 4242 net0 rx */
	t.rows[2].hist.h[VQ_HIST_ENTRIES_PER_ADD].slots[5] = 3;	/* 4242 net0 tx */
	t.rows[2].hist.h[VQ_HIST_ENTRIES_PER_ADD].slots[1] = 1;
	per_vq = render_opts(&t, &vq);
	per_pid = render_opts(&t, &pid);

	want_line(per_pid, "vqtrace_used_total{pid=\"4242\"} 6006");
	want_line(per_pid, "vqtrace_used_total{pid=\"77\"} 2");
	assert_int_equal(count_prefix(per_pid, "vqtrace_used_total{"), 2);
	assert_null(strstr(per_pid, "dev=\""));
	assert_null(strstr(per_pid, "queue=\""));
	assert_int_equal(count_prefix(per_pid, "# TYPE vqtrace_used_event "), 0);
	assert_int_equal(count_prefix(per_pid, "vqtrace_last_used_idx"), 0);
	assert_int_equal(count_prefix(per_pid, "vqtrace_flag_raised_total{"), 2 * FLAG__COUNT);
	/* histograms merged: (8, 16] holds 4 + 3, and the count is 8 */
	want_line(per_pid, "vqtrace_entries_per_add_bucket{pid=\"4242\",le=\"16\"} 8");
	want_line(per_pid, "vqtrace_entries_per_add_count{pid=\"4242\"} 8");
	want_line(per_pid, "vqtrace_entries_per_add_count{pid=\"77\"} 0");

	for (size_t i = 0; i < vq_n_fields; i++) {
		const struct vq_field *f = &vq_fields[i];

		if (!f->prom || f->kind != VQ_FIELD_COUNTER)
			continue;
		snprintf(fam, sizeof(fam), "vqtrace_%s_total", f->prom);
		for (int k = 0; k < 2; k++) {
			const char *p = k ? "77" : "4242";
			uint64_t want;

			snprintf(pfx, sizeof(pfx), "%s{pid=\"%s\",", fam, p);
			want = sum_prefix(per_vq, pfx);
			snprintf(pfx, sizeof(pfx), "%s{pid=\"%s\"}", fam, p);
			if (sum_prefix(per_pid, pfx) != want || count_prefix(per_pid, pfx) != 1)
				fail_msg("%s: per pid %s %llu (%d lines), sum of its vqs %llu", fam, p,
					 (unsigned long long)sum_prefix(per_pid, pfx),
					 count_prefix(per_pid, pfx), (unsigned long long)want);
			compared++;
		}
	}
	assert_true(compared >= 2 * 10);
	dump(per_pid, ".bypid");	/* for promtool_check.sh */
	free(per_vq);
	free(per_pid);
	vqtable_free(&t);
}

/* --prom-max-hist: the first N label sets in label order keep their
 * histograms; the rest are counted, and nothing else is dropped. */
static void test_prom_max_hist(void **state)
{
	static const struct { bool by_pid; unsigned int max; size_t kept, dropped; } cases[] = {
		{ false, 2, 2, 2 }, { false, 0, 0, 4 }, { false, 4, 4, 0 }, { false, 1000, 4, 0 },
		{ true, 1, 1, 1 }, { true, 2, 2, 0 },
	};
	struct vqtable t;
	char line[128];

	build_small(&t);
	t.hist = true;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct prom_opts o = { .by_pid = cases[i].by_pid, .max_hist = cases[i].max };
		char *out = render_opts(&t, &o);

		assert_int_equal(o.hist_dropped, cases[i].dropped);
		snprintf(line, sizeof(line), "vqtrace_prom_hist_series_dropped %zu", cases[i].dropped);
		want_line(out, line);
		for (int d = 0; d < VQ_HIST__COUNT; d++) {
			snprintf(line, sizeof(line), "%s_count{", hist_defs[d].prom);
			assert_int_equal(count_prefix(out, line), cases[i].kept);
		}
		/* the counters of every label set are still there */
		assert_int_equal(count_prefix(out, "vqtrace_used_total{"), cases[i].by_pid ? 2 : 4);
		if (cases[i].kept && !cases[i].by_pid)	/* pid 77 sorts first */
			assert_int_equal(count_prefix(out, "vqtrace_guest_lag_count{pid=\"77\","), 1);
		free(out);
	}
	/* without --hist nothing is dropped */
	t.hist = false;
	{
		struct prom_opts o = { .max_hist = 0 };
		char *out = render_opts(&t, &o);

		assert_int_equal(o.hist_dropped, 0);
		want_line(out, "vqtrace_prom_hist_series_dropped 0");
		free(out);
	}
	vqtable_free(&t);
}

/* The series one vq adds to a scrape, as README's estimate per VM says:
 * PROM_SERIES_PER_VQ without --hist, PROM_HIST_SERIES_PER_VQ more with it
 * (the --help text says the latter too); with --prom-by pid, one process
 * adds PROM_SERIES_PER_PID (and PROM_HIST_SERIES_PER_VQ with --hist). */
#define PROM_SERIES_PER_VQ 44
#define PROM_HIST_SERIES_PER_VQ 396
#define PROM_SERIES_PER_PID 40
static void test_series_per_vq(void **state)
{
	struct prom_opts o = { .max_hist = PROM_DEFAULT_MAX_HIST };
	struct vqtable t;
	struct vq_stats s;
	char *one, *two;
	int n1, n2, h1, h2;

	vqtable_init(&t, &ks);
	t.kick_side = true;
	s = fixture_entry(0x10, 0x1000, 4242, 0, RX_KICK, 100); fill(&s, 1000);
	assert_int_equal(vqtable_update(&t, &s), 0);
	vqtable_settle(&t);
	one = render_opts(&t, &o);
	t.hist = true;
	free(render_opts(&t, &o));
	s = fixture_entry(0x11, 0x1000, 4242, 1, TX_KICK, 101); fill(&s, 2000);
	assert_int_equal(vqtable_update(&t, &s), 0);
	vqtable_settle(&t);
	two = render_opts(&t, &o);
	n1 = count_prefix(one, "vqtrace_");	/* samples: lines not starting with # */
	n2 = count_prefix(two, "vqtrace_");
	t.hist = false;
	free(two);
	two = render_opts(&t, &o);
	h1 = count_prefix(two, "vqtrace_");
	h2 = n2 - h1;
	/* two vqs with --hist minus two without = the histograms of two */
	assert_int_equal(h2, 2 * PROM_HIST_SERIES_PER_VQ);
	assert_int_equal(h1 - n1, PROM_SERIES_PER_VQ);
	assert_non_null(strstr(one, "vqtrace_used_total{pid=\"4242\""));
	free(one);
	free(two);
	/* --prom-by pid: one process's series, however many vqs it has */
	{
		struct prom_opts p = { .by_pid = true, .max_hist = PROM_DEFAULT_MAX_HIST };
		struct vqtable empty;
		char *e, *b;

		vqtable_init(&empty, &ks);
		e = render_opts(&empty, &p);
		b = render_opts(&t, &p);
		assert_int_equal(count_prefix(b, "vqtrace_") - count_prefix(e, "vqtrace_"),
				 PROM_SERIES_PER_PID);
		t.hist = true;
		free(b);
		b = render_opts(&t, &p);
		assert_int_equal(count_prefix(b, "vqtrace_") - count_prefix(e, "vqtrace_"),
				 PROM_SERIES_PER_PID + PROM_HIST_SERIES_PER_VQ);
		free(e);
		free(b);
		vqtable_free(&empty);
	}
	vqtable_free(&t);
}

/* Without --kicks the kick side's counters were not counted: no family,
 * not a family of zeros. */
static void test_no_kick_side(void **state)
{
	struct vqtable t;
	char *out;

	build(&t);
	t.kick_side = false;
	t.hist = true;
	out = render(&t);
	assert_null(strstr(out, "vqtrace_kicks_total"));
	assert_null(strstr(out, "vqtrace_handler_runs_total"));
	assert_null(strstr(out, "vqtrace_busy_polls_total"));
	assert_null(strstr(out, "vqtrace_kick_wait_seconds"));
	assert_non_null(strstr(out, "vqtrace_signal_gap_seconds_bucket"));
	assert_non_null(strstr(out, "vqtrace_used_total"));
	free(out);
	vqtable_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_kick_side),
		cmocka_unit_test(test_counters_equal_table),
		cmocka_unit_test(test_help_type_once),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_merged_rows),
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_big_buffer),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_vq_histograms),
		cmocka_unit_test(test_prom_by_pid),
		cmocka_unit_test(test_prom_max_hist),
		cmocka_unit_test(test_series_per_vq),
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_format_addr),
		cmocka_unit_test(test_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
