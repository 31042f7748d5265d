// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Every counter and state field of include/vq_fields.h reaches every output:
 * the interval deltas, JSON, Prometheus, --help, the capture and its
 * reader, the event bits and the flags. A field some output misses fails
 * here, whatever the other tests check. Each field gets a value of its own
 * (VAL(i)), so a swapped or dropped field shows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "env.h"
#include "event_fmt.h"
#include "fields.h"
#include "fixture_vq.h"
#include "flags.h"
#include "output.h"
#include "prom.h"
#include "vq_rules.h"
#include "vqtable.h"

#define VAL(i)	(1000u + 7u * (unsigned)(i))	/* fits every field's size */
#define PREV(i)	(10u + (unsigned)(i))		/* an earlier reading, smaller */

static uint64_t want_value(const struct vq_field *f, size_t i)
{
	if (f->kind == VQ_FIELD_BOOL)
		return 1;
	if (f->size == 1)
		return VAL(i) & 0x7f;
	return VAL(i);
}

/* A row whose every field holds its own value; prev holds PREV(i) in the
 * counters. */
static void build(struct vqtable *t)
{
	struct vq_stats s = fixture_entry(0x10, 0x1000, 4242, 1, TX_KICK, 100);

	vqtable_init(t, &ks);
	t->kick_side = true;	/* every field counted */
	for (size_t i = 0; i < vq_n_fields; i++)
		if (vq_fields[i].kind == VQ_FIELD_COUNTER)
			vq_field_set(&s, &vq_fields[i], PREV(i));
	assert_int_equal(vqtable_update(t, &s), 0);
	vqtable_settle(t);
	vqtable_mark_printed(t);
	for (size_t i = 0; i < vq_n_fields; i++)
		if (vq_fields[i].kind != VQ_FIELD_ID)
			vq_field_set(&s, &vq_fields[i], want_value(&vq_fields[i], i));
	assert_int_equal(vqtable_update(t, &s), 0);
	vqtable_settle(t);
}

static struct vq_global global_with_values(void)
{
	struct vq_global g;

	memset(&g, 0, sizeof(g));
	for (size_t i = 0; i < vq_n_global_fields; i++)
		vq_global_set(&g, &vq_global_fields[i], 5000 + i);
	return g;
}

static char *capture_output(void (*fn)(FILE *f, void *ctx), void *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, ctx);
	fclose(f);
	return buf;
}

/* One JSON object printed by fn: parsed, or the test fails. */
static json_t *json_of(void (*fn)(FILE *f, void *ctx), void *ctx)
{
	char *out = capture_output(fn, ctx);
	json_error_t jerr;
	json_t *o = json_loads(out, 0, &jerr);

	if (!o)
		fail_msg("not one JSON object (%s): %s", jerr.text, out);
	free(out);
	return o;
}

struct json_ctx {
	const struct vqtable *t;
	bool total;
};

static void json_rows(FILE *f, void *ctx)
{
	struct json_ctx *c = ctx;

	output_json(f, c->t, c->total, 1.0);
}

/* Totals carry the values; intervals carry value - PREV for counters. */
static void test_json_rows(void **state)
{
	struct vqtable t;

	build(&t);
	for (int total = 0; total <= 1; total++) {
		struct json_ctx c = { &t, total };
		json_t *o = json_of(json_rows, &c);

		for (size_t i = 0; i < vq_n_fields; i++) {
			const struct vq_field *f = &vq_fields[i];
			json_t *v = json_object_get(o, f->name);
			uint64_t want = want_value(f, i);
			char hex[24];

			switch (f->kind) {
			case VQ_FIELD_COUNTER:
				if (!total)
					want -= PREV(i);
				/* fall through */
			case VQ_FIELD_INT:
				if (!json_is_integer(v) || (uint64_t)json_integer_value(v) != want)
					fail_msg("JSON %s: want %llu (%s)", f->name,
						 (unsigned long long)want, total ? "total" : "interval");
				break;
			case VQ_FIELD_BOOL:
				if (!json_is_true(v))
					fail_msg("JSON %s: want true", f->name);
				break;
			case VQ_FIELD_HEX:
				snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)want);
				if (!json_is_string(v) || strcmp(json_string_value(v), hex))
					fail_msg("JSON %s: want %s", f->name, hex);
				break;
			default:
				break;	/* identity and judge inputs: shown their own way */
			}
		}
		json_decref(o);
	}
	vqtable_free(&t);
}

static void probe_json(FILE *f, void *ctx)
{
	output_probe_json(f, ctx, 4096, "fexit:x", "kprobe:y", true);
}

static void probe_table(FILE *f, void *ctx)
{
	output_probe_table(f, ctx);
}

static void test_probe_outputs(void **state)
{
	struct vq_global g = global_with_values();
	char *tab = capture_output(probe_table, &g);
	json_t *o = json_of(probe_json, &g);

	for (size_t i = 0; i < vq_n_global_fields; i++) {
		const struct vq_global_field *f = &vq_global_fields[i];
		json_t *v = json_object_get(o, f->name);
		char line[512];

		if (!json_is_integer(v) || json_integer_value(v) != (json_int_t)(5000 + i))
			fail_msg("probe JSON %s missing or wrong", f->name);
		if (f->loss) {
			snprintf(line, sizeof(line), f->loss, (unsigned long long)(5000 + i));
			if (!strstr(tab, line))
				fail_msg("the table mode does not say the loss %s", f->name);
		}
	}
	/* every counter that makes the counts incomplete is named */
	assert_true(json_is_false(json_object_get(o, "complete")));
	for (size_t i = 0; i < vq_n_global_fields; i++)
		if (vq_global_fields[i].incomplete &&
		    !strstr(json_string_value(json_object_get(o, "incomplete")),
			    vq_global_fields[i].name))
			fail_msg("\"incomplete\" does not name %s", vq_global_fields[i].name);
	assert_non_null(strstr(tab, "INCOMPLETE"));
	json_decref(o);
	free(tab);
}

static bool has_sample(const char *text, const char *name, uint64_t v)
{
	char want[160];
	const char *p = text;

	snprintf(want, sizeof(want), " %llu\n", (unsigned long long)v);
	while ((p = strstr(p, name))) {
		const char *eol = strchr(p, '\n');
		size_t n = strlen(name);

		if ((p == text || p[-1] == '\n') && (p[n] == '{' || p[n] == ' ') && eol &&
		    !strncmp(eol - strlen(want) + 1, want, strlen(want)))
			return true;
		p += n;
	}
	return false;
}

static void test_prometheus(void **state)
{
	struct vqtable t;
	struct vq_global g = global_with_values();
	struct prom_buf b;
	char name[96];

	build(&t);
	prom_buf_init(&b);
	assert_int_equal(prom_render(&b, &t, &g, NULL, 0), 0);
	for (size_t i = 0; i < vq_n_fields; i++) {
		const struct vq_field *f = &vq_fields[i];
		bool counter = f->kind == VQ_FIELD_COUNTER;

		if (!counter && !f->prom)
			continue;
		assert_non_null(f->prom);	/* every counter is exported */
		snprintf(name, sizeof(name), "vqtrace_%s%s", f->prom, counter ? "_total" : "");
		if (!has_sample(b.s, name, want_value(f, i)))
			fail_msg("Prometheus %s missing or wrong", name);
	}
	for (size_t i = 0; i < vq_n_global_fields; i++) {
		snprintf(name, sizeof(name), "vqtrace_probe_%s_total", vq_global_fields[i].name);
		if (!has_sample(b.s, name, 5000 + i))
			fail_msg("Prometheus %s missing or wrong", name);
	}
	prom_buf_free(&b);
	vqtable_free(&t);
}

/* Each counter marked incomplete alone makes the run incomplete, in JSON,
 * Prometheus and the table; the others alone do not. */
static void test_complete(void **state)
{
	for (size_t i = 0; i <= vq_n_global_fields; i++) {
		struct vq_global g;
		struct vqtable t;
		struct prom_buf b;
		bool want = i < vq_n_global_fields && vq_global_fields[i].incomplete;
		char *tab;
		json_t *o;

		memset(&g, 0, sizeof(g));
		if (i < vq_n_global_fields)
			vq_global_set(&g, &vq_global_fields[i], 1);
		tab = capture_output(probe_table, &g);
		o = json_of(probe_json, &g);
		if (json_is_true(json_object_get(o, "complete")) == want)
			fail_msg("JSON complete wrong with %s = 1",
				 i < vq_n_global_fields ? vq_global_fields[i].name : "nothing");
		assert_int_equal(strstr(tab, "INCOMPLETE") != NULL, want);
		vqtable_init(&t, &ks);
		prom_buf_init(&b);
		assert_int_equal(prom_render(&b, &t, &g, NULL, 0), 0);
		assert_true(has_sample(b.s, "vqtrace_complete", want ? 0 : 1));
		prom_buf_free(&b);
		vqtable_free(&t);
		json_decref(o);
		free(tab);
	}
}

static void test_help(void **state)
{
	char path[] = "/tmp/vqtrace-help-XXXXXX";
	int fd = mkstemp(path), saved = dup(1);
	char *text;
	long len;
	FILE *f;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stdout);
	dup2(fd, 1);
	env_usage();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	f = fdopen(fd, "r");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(path);
	for (size_t i = 0; i < vq_n_fields; i++) {
		const struct vq_field *f = &vq_fields[i];
		char want[64];

		if (f->kind == VQ_FIELD_ID || f->kind == VQ_FIELD_JUDGE)
			continue;
		snprintf(want, sizeof(want), "\n  %s ", f->name);
		if (!strstr(text, want)) {
			snprintf(want, sizeof(want), "\n  %s\n", f->name);
			if (!strstr(text, want))
				fail_msg("--help does not explain %s", f->name);
		}
	}
	for (size_t i = 0; i < vq_n_global_fields; i++) {
		char want[64];

		snprintf(want, sizeof(want), "\n  %s ", vq_global_fields[i].name);
		if (!strstr(text, want))
			fail_msg("--help does not explain %s", vq_global_fields[i].name);
	}
	free(text);
}

/* ---- the capture: every field written is read back --------------------- */

struct got {
	struct vq_stats stats;
	struct cap_end end;
};

static int got_stats(void *ctx, uint32_t id, const struct vq_stats *s)
{
	((struct got *)ctx)->stats = *s;
	return 0;
}

static int got_end(void *ctx, const struct cap_end *e)
{
	((struct got *)ctx)->end = *e;
	return 0;
}

static void test_capture_round_trip(void **state)
{
	char path[] = "/tmp/vqtrace-fields-XXXXXX";
	struct cap_meta m = { .sample = 1, .ringbuf_kb = 4, .max_vqs = 16, .stall_ms = 1000,
			      .interval_s = 1 };
	struct cap_vq v = { .id = 0, .vq = 0x10, .first_ns = 100, .pid = 1, .queue = 0,
			    .devname = "net0", .kind = "net", .dir = "tx" };
	struct cap_snap snap = { .final = true };
	struct cap_end end = { .global = global_with_values() };
	struct cap_handler h;
	struct cap_writer w;
	struct vq_stats s;
	struct got got;
	char err[256];
	FILE *f;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < vq_n_fields; i++)
		vq_field_set(&s, &vq_fields[i], want_value(&vq_fields[i], i));
	s.vq = v.vq;
	s.first_ns = v.first_ns;
	assert_int_equal(capw_open(&w, path), 0);
	capw_meta(&w, &m);
	capw_vq(&w, &v);
	capw_stats(&w, 0, &s);
	capw_snap(&w, &snap);
	capw_end(&w, &end);
	assert_int_equal(capw_close(&w), 0);

	memset(&h, 0, sizeof(h));
	memset(&got, 0, sizeof(got));
	h.ctx = &got;
	h.stats = got_stats;
	h.end = got_end;
	f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	rewind(f);
	if (cap_read(f, (uint64_t)size, &h, err, sizeof(err)))
		fail_msg("cap_read: %s", err);
	fclose(f);
	unlink(path);
	for (size_t i = 0; i < vq_n_fields; i++)
		if (vq_field_get(&got.stats, &vq_fields[i]) != vq_field_get(&s, &vq_fields[i]))
			fail_msg("capture: %s not read back", vq_fields[i].name);
	for (size_t i = 0; i < vq_n_global_fields; i++)
		if (vq_global_get(&got.end.global, &vq_global_fields[i]) != 5000 + i)
			fail_msg("capture: probe counter %s not read back", vq_global_fields[i].name);
}

/* Each counter with an event bit is named by it, each bit has one counter;
 * each counter of a flag raises that flag. */
static void test_event_bits_and_flags(void **state)
{
	struct flag_opts o = { .stall_ns = 1000000000ull };

	for (int b = 0; b < VQ_EVB__COUNT; b++) {
		const struct vq_field *f = vq_field_of_evbit(b);

		assert_non_null(f);
		assert_string_equal(event_bit_counter(b), f->name);
	}
	for (size_t i = 0; i < vq_n_counters; i++) {
		const struct vq_field *f = &vq_fields[i];
		struct vq_stats s;
		struct vq_flags fl;

		if (f->flag == VQ_NO_FLAG)
			continue;
		memset(&s, 0, sizeof(s));
		memset(&fl, 0, sizeof(fl));
		s.features = VQ_FEATURE(VQ_F_RING_EVENT_IDX);
		vq_field_set(&s, f, 3);
		if (flags_update(&fl, &s, &o, 1, 1.0) != 1u << f->flag ||
		    fl.f[f->flag].count != 3)
			fail_msg("%s does not raise %s", f->name, flag_defs[f->flag].name);
	}
}

/* Without --kicks every kick-side counter is null in JSON: not counted is
 * not 0. */
static void test_json_no_kick_side(void **state)
{
	struct vqtable t;

	build(&t);
	t.kick_side = false;
	{
		struct json_ctx c = { &t, 1 };
		json_t *o = json_of(json_rows, &c);
		size_t kick = 0;

		for (size_t i = 0; i < vq_n_fields; i++) {
			const struct vq_field *f = &vq_fields[i];

			if (!f->kick)
				continue;
			kick++;
			if (!json_is_null(json_object_get(o, f->name)))
				fail_msg("JSON %s: want null without --kicks", f->name);
		}
		assert_int_equal(kick, 8);	/* 6 counters, kick_armed, kick_armed_avail */
		assert_true(json_is_integer(json_object_get(o, "used")));
		json_decref(o);
	}
	vqtable_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_no_kick_side),
		cmocka_unit_test(test_json_rows),
		cmocka_unit_test(test_probe_outputs),
		cmocka_unit_test(test_prometheus),
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_capture_round_trip),
		cmocka_unit_test(test_event_bits_and_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
