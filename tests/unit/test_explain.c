// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for `vqtrace explain` (src/explain.c): exit codes, JSON, errors. */
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

#include "explain.h"

#define MAXARGS 24

struct result {
	int rc;
	char *out, *err;
	size_t out_len, err_len;
};

/* Runs explain_run() on {"explain", args...} (args ends with NULL). */
static void run(struct result *r, const char *const *args)
{
	char *argv[MAXARGS + 2];
	FILE *out, *err;
	int argc = 0;

	argv[argc++] = (char *)"explain";
	for (; *args; args++) {
		assert_true(argc <= MAXARGS);
		argv[argc++] = (char *)*args;
	}
	argv[argc] = NULL;

	out = open_memstream(&r->out, &r->out_len);
	err = open_memstream(&r->err, &r->err_len);
	assert_non_null(out);
	assert_non_null(err);
	r->rc = explain_run(argc, argv, out, err);
	fclose(out);
	fclose(err);
}

static void done(struct result *r)
{
	free(r->out);
	free(r->err);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct good {
	const char *const *args;
	const char *decision, *reason;
};

static void check_good_json(const struct good *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *argv_json[MAXARGS + 1];
		struct result r;
		json_error_t jerr;
		json_t *o;
		size_t k = 0;

		for (const char *const *a = g[i].args; *a; a++)
			argv_json[k++] = *a;
		argv_json[k++] = "--json";
		argv_json[k] = NULL;

		run(&r, argv_json);
		if (r.rc != 0)
			fail_msg("row %zu (%s ...): rc %d, stderr: %s", i, g[i].args[0], r.rc, r.err);
		assert_int_equal(r.err_len, 0);
		/* exactly one line holding one object */
		assert_true(r.out_len > 2);
		assert_int_equal(r.out[r.out_len - 1], '\n');
		assert_null(memchr(r.out, '\n', r.out_len - 1));
		o = json_loads(r.out, 0, &jerr);
		if (!o)
			fail_msg("row %zu: invalid JSON (%s): %s", i, jerr.text, r.out);
		assert_true(json_is_object(o));
		if (strcmp(json_string_value(json_object_get(o, "decision")), g[i].decision) ||
		    strcmp(json_string_value(json_object_get(o, "reason")), g[i].reason))
			fail_msg("row %zu: want %s/%s, got %s", i, g[i].decision, g[i].reason, r.out);
		json_decref(o);
		done(&r);

		/* the text form succeeds too and starts with the decision */
		run(&r, g[i].args);
		assert_int_equal(r.rc, 0);
		assert_int_equal(r.err_len, 0);
		assert_true(strncmp(r.out, "decision: ", 10) == 0);
		assert_true(strncmp(r.out + 10, g[i].decision, strlen(g[i].decision)) == 0);
		done(&r);
	}
}

static void test_split_decisions(void **state)
{
	const struct good g[] = {
		{ ARGS("--event", "0x10", "--old", "0", "--new", "0x20"), "notify", "event_in_window" },
		{ ARGS("--event", "0", "--old", "0", "--new", "1"), "notify", "event_in_window" },
		{ ARGS("--event", "0x20", "--old", "0", "--new", "0x20"), "suppress", "event_outside_window" },
		{ ARGS("--event", "0xfff0", "--old", "0", "--new", "0x20"), "suppress", "event_outside_window" },
		{ ARGS("--event", "0xfffe", "--old", "0xfff0", "--new", "2"), "notify", "event_in_window" },
		{ ARGS("--event", "7", "--old", "7", "--new", "7"), "suppress", "event_outside_window" },
		{ ARGS("--event", "65535", "--old", "65535", "--new", "0"), "notify", "event_in_window" },
		{ ARGS("--event", "0x500", "--old", "0", "--new", "0x20", "--num", "256"), "suppress", "event_outside_window" },
		{ ARGS("--event", "0x30", "--old", "0", "--new", "0x20", "--invalid"), "notify", "invalid_signalled_used" },
		{ ARGS("--new", "5", "--invalid"), "notify", "invalid_signalled_used" },
		{ ARGS("--no-event-idx"), "notify", "no_event_idx_flags_clear" },
		{ ARGS("--no-event-idx", "--no-interrupt"), "suppress", "no_event_idx_no_interrupt" },
		{ ARGS("--notify-on-empty", "--empty"), "notify", "notify_on_empty" },
		{ ARGS("--notify-on-empty", "--empty", "--no-event-idx", "--no-interrupt"), "notify", "notify_on_empty" },
		{ ARGS("--notify-on-empty", "--event", "1", "--old", "3", "--new", "4"), "suppress", "event_outside_window" },
		{ ARGS("--notify-on-empty", "--no-event-idx", "--no-interrupt"), "suppress", "no_event_idx_no_interrupt" },
	};

	check_good_json(g, sizeof(g) / sizeof(g[0]));
}

/* The driver's side (--kick): it must kick when its publication moved the
 * avail index past the avail_event vhost wrote (from 1500 to 1756 with
 * avail_event 1500: the skip-kick e2e scenario's withheld kick), or,
 * without EVENT_IDX, unless vhost set NO_NOTIFY. */
static void test_kick_decisions(void **state)
{
	const struct good g[] = {
		{ ARGS("--kick", "--event", "1500", "--old", "1500", "--new", "1756"), "kick", "avail_event_crossed" },
		{ ARGS("--kick", "--event", "1500", "--old", "1501", "--new", "1756"), "no_kick", "avail_event_not_crossed" },
		{ ARGS("--kick", "--event", "1755", "--old", "1500", "--new", "1756"), "kick", "avail_event_crossed" },
		{ ARGS("--kick", "--event", "1756", "--old", "1500", "--new", "1756"), "no_kick", "avail_event_not_crossed" },
		{ ARGS("--kick", "--event", "65535", "--old", "65530", "--new", "4"), "kick", "avail_event_crossed" },
		{ ARGS("--kick", "--no-event-idx"), "kick", "no_notify_clear" },
		{ ARGS("--kick", "--no-event-idx", "--no-notify"), "no_kick", "no_notify_set" },
	};
	const char *const *bad[] = {
		ARGS("--kick", "--event", "1", "--old", "0"),
		ARGS("--kick", "--no-notify"),
		ARGS("--kick", "--no-event-idx", "--event", "1"),
		ARGS("--kick", "--packed"),
		ARGS("--kick", "--invalid", "--new", "3"),
	};
	struct result r;

	check_good_json(g, sizeof(g) / sizeof(g[0]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run(&r, bad[i]);
		assert_int_equal(r.rc, 2);
		assert_int_equal(r.out_len, 0);
		assert_non_null(memchr(r.err, '\n', r.err_len));
		assert_int_equal(memchr(r.err, '\n', r.err_len), r.err + r.err_len - 1);	/* one line */
		done(&r);
	}
}

static void test_packed_decisions(void **state)
{
#define P8(...) ARGS("--packed", "--size", "8", __VA_ARGS__)
	const struct good g[] = {
		{ ARGS("--packed", "--flags", "enable"), "notify", "flags_enable" },
		{ ARGS("--packed", "--flags", "disable"), "suppress", "flags_disable" },
		{ ARGS("--packed", "--flags", "3"), "notify", "flags_reserved" },
		{ ARGS("--packed", "--flags", "0xfff1"), "suppress", "flags_disable" },
		{ ARGS("--packed", "--flags", "desc", "--no-event-idx"), "notify", "desc_without_event_idx" },
		{ P8("--flags", "enable", "--old", "2", "--old-wrap", "1", "--new", "2", "--new-wrap", "1"), "notify", "flags_enable" },
		{ P8("--flags", "desc", "--off", "1", "--wrap", "1", "--old", "2", "--old-wrap", "1", "--new", "5", "--new-wrap", "1"),
		  "suppress", "desc_outside_window" },
		{ P8("--flags", "desc", "--off", "2", "--wrap", "1", "--old", "2", "--old-wrap", "1", "--new", "5", "--new-wrap", "1"),
		  "notify", "desc_in_window" },
		{ P8("--flags", "2", "--off", "5", "--wrap", "1", "--old", "2", "--old-wrap", "1", "--new", "5", "--new-wrap", "1"),
		  "suppress", "desc_outside_window" },
		/* window spanning the wrap: (6,1) (7,1) (0,0) (1,0) */
		{ P8("--flags", "desc", "--off", "7", "--wrap", "1", "--old", "6", "--old-wrap", "1", "--new", "2", "--new-wrap", "0"),
		  "notify", "desc_in_window" },
		{ P8("--flags", "desc", "--off", "0", "--wrap", "0", "--old", "6", "--old-wrap", "1", "--new", "2", "--new-wrap", "0"),
		  "notify", "desc_in_window" },
		{ P8("--flags", "desc", "--off", "0", "--wrap", "1", "--old", "6", "--old-wrap", "1", "--new", "2", "--new-wrap", "0"),
		  "suppress", "desc_outside_window" },
		{ P8("--flags", "desc", "--off", "6", "--wrap", "0", "--old", "6", "--old-wrap", "1", "--new", "2", "--new-wrap", "0"),
		  "suppress", "desc_outside_window" },
		/* full ring */
		{ P8("--flags", "desc", "--off", "2", "--wrap", "0", "--old", "3", "--old-wrap", "1", "--new", "3", "--new-wrap", "0"),
		  "notify", "desc_in_window" },
	};
#undef P8

	check_good_json(g, sizeof(g) / sizeof(g[0]));
}

static json_t *run_json(const char *const *args)
{
	struct result r;
	json_t *o;

	run(&r, args);
	assert_int_equal(r.rc, 0);
	o = json_loads(r.out, 0, NULL);
	assert_non_null(o);
	done(&r);
	return o;
}

static json_int_t jint(json_t *o, const char *path1, const char *path2)
{
	json_t *v = json_object_get(o, path1);

	if (path2)
		v = json_object_get(v, path2);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static void test_json_fields(void **state)
{
	json_t *o = run_json(ARGS("--event", "0x10", "--old", "0", "--new", "0x20", "--json"));

	assert_string_equal(json_string_value(json_object_get(o, "ring")), "split");
	assert_int_equal(jint(o, "event", NULL), 16);
	assert_int_equal(jint(o, "old", NULL), 0);
	assert_int_equal(jint(o, "new", NULL), 32);
	assert_int_equal(jint(o, "window", "new_minus_event_minus_1"), 15);
	assert_int_equal(jint(o, "window", "new_minus_old"), 32);
	assert_true(json_is_true(json_object_get(json_object_get(o, "window"), "in_window")));
	assert_int_equal(jint(o, "state_after", "signalled_used"), 32);
	json_decref(o);

	/* without EVENT_IDX there is no window and no state change */
	o = run_json(ARGS("--no-event-idx", "--json"));
	assert_true(json_is_null(json_object_get(o, "window")));
	assert_true(json_is_null(json_object_get(o, "state_after")));
	assert_true(json_is_null(json_object_get(o, "event")));
	json_decref(o);

	o = run_json(ARGS("--event", "0x500", "--old", "0", "--new", "0x20", "--num", "256", "--json"));
	assert_true(json_is_true(json_object_get(o, "event_ahead")));
	assert_true(json_is_false(json_object_get(o, "near_wrap")));
	json_decref(o);

	o = run_json(ARGS("--packed", "--flags", "desc", "--off", "7", "--wrap", "1", "--size", "8",
			  "--old", "6", "--old-wrap", "1", "--new", "2", "--new-wrap", "0", "--json"));
	assert_string_equal(json_string_value(json_object_get(o, "ring")), "packed");
	assert_int_equal(jint(o, "used", NULL), 4);
	assert_int_equal(jint(o, "window", "old"), -2);
	assert_int_equal(jint(o, "window", "new"), 2);
	assert_int_equal(jint(o, "window", "event"), -1);
	assert_int_equal(jint(o, "event", "pos"), 7);
	assert_int_equal(jint(o, "new", "wrap"), 0);
	json_decref(o);
}

static void test_text_arithmetic(void **state)
{
	struct result r;

	run(&r, ARGS("--event", "0x10", "--old", "0", "--new", "0x20"));
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "decision: notify (event_in_window)"));
	assert_non_null(strstr(r.out, "new - event - 1 = 0x000f (15) < new - old = 0x0020 (32)"));
	assert_non_null(strstr(r.out, "[old, new) = [0x0000, 0x0020)"));
	assert_non_null(strstr(r.out, "signalled_used = 0x0020"));
	done(&r);

	run(&r, ARGS("--event", "0x30", "--old", "0", "--new", "0x20"));
	assert_non_null(strstr(r.out, "new - event - 1 = 0xffef (65519) >= new - old = 0x0020 (32)"));
	done(&r);

	run(&r, ARGS("--packed", "--flags", "desc", "--off", "7", "--wrap", "1", "--size", "8",
		     "--old", "6", "--old-wrap", "1", "--new", "2", "--new-wrap", "0"));
	assert_non_null(strstr(r.out, "-2 <= -1 < 2"));
	done(&r);
}

static void test_help(void **state)
{
	static const char *const opts[] = {
		"--event", "--old", "--new", "--invalid", "--no-event-idx", "--no-interrupt",
		"--notify-on-empty", "--empty", "--packed", "--flags", "--off", "--wrap",
		"--old-wrap", "--new-wrap", "--size", "--json", "--help",
	};
	struct result r;

	run(&r, ARGS("--help"));
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.err_len, 0);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strstr(r.out, opts[i]))
			fail_msg("--help does not mention %s", opts[i]);
	done(&r);

	run(&r, ARGS("-h"));
	assert_int_equal(r.rc, 0);
	done(&r);
}

static void test_bad_inputs(void **state)
{
	const char *const *bad[] = {
		/* not numbers / out of range */
		ARGS("--event", "abc", "--old", "0", "--new", "1"),
		ARGS("--event", "-1", "--old", "0", "--new", "1"),
		ARGS("--event", "0x", "--old", "0", "--new", "1"),
		ARGS("--event", "1x", "--old", "0", "--new", "1"),
		ARGS("--event", "", "--old", "0", "--new", "1"),
		ARGS("--event", " 1", "--old", "0", "--new", "1"),
		ARGS("--event", "65536", "--old", "0", "--new", "1"),
		ARGS("--event", "1", "--old", "0x10000", "--new", "1"),
		ARGS("--event", "1", "--old", "0", "--new", "99999999999999999999999"),
		ARGS("--event", "1", "--old", "0", "--new", "1", "--num", "0"),
		/* missing values */
		ARGS("--old", "0", "--new", "1"),
		ARGS("--event", "1", "--new", "1"),
		ARGS("--event", "1", "--old", "1"),
		((const char *const[]){ NULL }),
		ARGS("--invalid"),
		ARGS("--event"),
		/* unknown / stray */
		ARGS("--bogus"),
		ARGS("-z"),
		ARGS("--event", "1", "--old", "0", "--new", "1", "extra"),
		ARGS("--event", "1", "--event", "2", "--old", "0", "--new", "1"),
		/* conflicts */
		ARGS("--no-interrupt", "--event", "1", "--old", "0", "--new", "1"),
		ARGS("--empty", "--event", "1", "--old", "0", "--new", "1"),
		ARGS("--no-event-idx", "--event", "1"),
		ARGS("--no-event-idx", "--invalid"),
		ARGS("--size", "8", "--event", "1", "--old", "0", "--new", "1"),
		ARGS("--packed", "--flags", "enable", "--event", "1"),
		ARGS("--packed", "--flags", "enable", "--notify-on-empty"),
		ARGS("--packed", "--flags", "enable", "--off", "1", "--wrap", "0"),
		/* packed values */
		ARGS("--packed"),
		ARGS("--packed", "--flags", "sometimes"),
		ARGS("--packed", "--flags", "desc", "--off", "1", "--wrap", "2"),
		ARGS("--packed", "--flags", "desc", "--off", "1", "--wrap", "1"),
		ARGS("--packed", "--flags", "desc", "--off", "1", "--size", "8", "--old", "0",
		     "--old-wrap", "1", "--new", "1", "--new-wrap", "1"),
		ARGS("--packed", "--flags", "desc", "--off", "9", "--wrap", "1", "--size", "8",
		     "--old", "1", "--old-wrap", "1", "--new", "2", "--new-wrap", "1"),
		ARGS("--packed", "--flags", "desc", "--off", "1", "--wrap", "1", "--size", "8",
		     "--old", "5", "--old-wrap", "1", "--new", "2", "--new-wrap", "1"),
		ARGS("--packed", "--flags", "desc", "--off", "1", "--wrap", "1", "--size", "8",
		     "--old", "1", "--old-wrap", "1", "--new", "2", "--new-wrap", "0"),
		ARGS("--packed", "--flags", "desc", "--off", "1", "--wrap", "1", "--size", "8",
		     "--old", "8", "--old-wrap", "1", "--new", "2", "--new-wrap", "0"),
		ARGS("--packed", "--flags", "desc", "--off", "1", "--wrap", "1", "--size", "32769",
		     "--old", "1", "--old-wrap", "1", "--new", "2", "--new-wrap", "1"),
		ARGS("--packed", "--flags", "enable", "--old", "1"),
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct result r;

		run(&r, bad[i]);
		if (r.rc != 2)
			fail_msg("bad row %zu (%s): rc %d, out: %s", i, bad[i][0] ? bad[i][0] : "",
				 r.rc, r.out);
		assert_int_equal(r.out_len, 0);
		/* one line: "vqtrace explain: <what is wrong>; <what to do>" */
		assert_true(r.err_len > 0);
		assert_int_equal(r.err[r.err_len - 1], '\n');
		if (memchr(r.err, '\n', r.err_len - 1))
			fail_msg("bad row %zu: more than one line: %s", i, r.err);
		assert_true(strncmp(r.err, "vqtrace explain: ", 17) == 0);
		assert_non_null(strstr(r.err, "; "));
		done(&r);
	}
}

/* explain_main writes to the real stdout: capture it through a temp file. */
static void test_explain_main_stdout(void **state)
{
	char *argv[] = { "explain", "--event", "1", "--old", "0", "--new", "2", "--json", NULL };
	FILE *tmp = tmpfile();
	char buf[1024];
	size_t n;
	int saved, rc;
	json_t *o;

	assert_non_null(tmp);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	rc = explain_main(8, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);

	assert_int_equal(rc, 0);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	o = json_loads(buf, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "decision")), "notify");
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_decisions),
		cmocka_unit_test(test_kick_decisions),
		cmocka_unit_test(test_packed_decisions),
		cmocka_unit_test(test_json_fields),
		cmocka_unit_test(test_text_arithmetic),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_explain_main_stdout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
