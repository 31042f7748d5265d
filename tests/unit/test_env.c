// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/env.c: the live tracer's command line. env_parse prints
 * its errors, --help and --version; those go to /dev/null here.
 *
 * Every argument vector here ends its short-option clusters: env_parse
 * resets getopt with optind = 1, which leaves glibc's position inside a
 * cluster ("-xv" stopping at x) in place for the next call (a known bug,
 * not tested here).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "env.h"
#include "hooks.h"

#define MAX_ARGS 16

static char *argv_buf[MAX_ARGS + 2];

/* env_parse on "vqtrace" followed by args[] (NULL-terminated), with its
 * stdout and stderr silenced. The vector stays in argv_buf afterwards, so
 * env->command can be checked against it. */
static int parse(struct env *env, const char *const *args)
{
	int argc = 0, saved_out, saved_err, devnull, rc;

	argv_buf[argc++] = (char *)"vqtrace";
	for (; args[argc - 1]; argc++) {
		assert_true(argc <= MAX_ARGS);
		argv_buf[argc] = (char *)args[argc - 1];
	}
	argv_buf[argc] = NULL;

	fflush(stdout);
	fflush(stderr);
	devnull = open("/dev/null", O_WRONLY);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	assert_true(devnull >= 0 && saved_out >= 0 && saved_err >= 0);
	dup2(devnull, STDOUT_FILENO);
	dup2(devnull, STDERR_FILENO);
	rc = env_parse(env, argc, argv_buf);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	close(devnull);
	return rc;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NOARGS ((const char *const[]){ NULL })

static void assert_defaults_except_pids(const struct env *e)
{
	assert_false(e->descendants);
	assert_true(e->interval_s == 1.0);
	assert_true(e->duration_s == 0.0);
	assert_false(e->json);
	assert_false(e->totals_only);
	assert_int_equal(e->verbose, 0);
	assert_false(e->quiet);
	assert_int_equal(e->max_vqs, 4096);
	assert_int_equal(e->add_mode, ADD_MODE_AUTO);
	assert_null(e->command);
}

static void test_defaults(void **state)
{
	struct env e;

	memset(&e, 0xa5, sizeof(e));	/* everything must be set by env_parse */
	assert_int_equal(parse(&e, NOARGS), 0);
	assert_int_equal(e.npids, 0);
	assert_defaults_except_pids(&e);
	assert_int_equal(VQ_DEFAULT_MAX_VQS, 4096);
}

static void test_pids(void **state)
{
	static const struct {
		const char *args[5];
		int n;
		pid_t want[4];
		bool descendants;
	} cases[] = {
		{ { "-p", "1,2,3" }, 3, { 1, 2, 3 }, false },
		{ { "-p", "42" }, 1, { 42 }, false },
		{ { "--pid", "2147483647" }, 1, { 2147483647 }, false },
		{ { "--pid=7,8" }, 2, { 7, 8 }, false },
		{ { "-p7" }, 1, { 7 }, false },
		{ { "-p", "5", "-p", "6" }, 2, { 5, 6 }, false },	/* -p adds up */
		{ { "-p", "9", "--descendants" }, 1, { 9 }, true },
		{ { "--descendants", "-p", "9" }, 1, { 9 }, true },
		/* -p $(pidof qemu-system-x86_64) with several VMs */
		{ { "-p", "11", "12", "13" }, 3, { 11, 12, 13 }, false },
		{ { "-p", "11", "12,13", "--descendants" }, 3, { 11, 12, 13 }, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env e;
		int rc = parse(&e, cases[i].args);

		if (rc || e.npids != cases[i].n || e.descendants != cases[i].descendants)
			fail_msg("case %zu (%s ...): rc %d npids %d descendants %d", i,
				 cases[i].args[0], rc, e.npids, e.descendants);
		for (int j = 0; j < cases[i].n; j++)
			if (e.pids[j] != cases[i].want[j])
				fail_msg("case %zu: pids[%d] = %d, want %d", i, j, e.pids[j],
					 cases[i].want[j]);
		assert_null(e.command);
	}
}

static void test_pids_limit(void **state)
{
	/* VQ_MAX_TARGETS pids are accepted, one more is an error */
	static char list[VQ_MAX_TARGETS * 5 + 8];
	size_t len = 0;
	struct env e;

	for (int i = 1; i <= VQ_MAX_TARGETS; i++)
		len += snprintf(list + len, sizeof(list) - len, "%s%d", i > 1 ? "," : "", 1000 + i);
	assert_int_equal(parse(&e, ARGS("-p", list)), 0);
	assert_int_equal(e.npids, VQ_MAX_TARGETS);
	assert_int_equal(e.pids[0], 1001);
	assert_int_equal(e.pids[VQ_MAX_TARGETS - 1], 1000 + VQ_MAX_TARGETS);

	snprintf(list + len, sizeof(list) - len, ",%d", 2000);
	assert_int_equal(parse(&e, ARGS("-p", list)), 2);
	assert_int_equal(parse(&e, ARGS("-p", "1", "-p", list)), 2);
}

static void test_times(void **state)
{
	static const struct {
		const char *args[5];
		double interval, duration;
	} cases[] = {
		{ { "-i", "0.5" }, 0.5, 0 },
		{ { "-i", "2" }, 2, 0 },
		{ { "-i", "0.01" }, 0.01, 0 },		/* the smallest interval */
		{ { "--interval=1.5" }, 1.5, 0 },
		{ { "-i", "1e1" }, 10, 0 },
		{ { "-d", "10" }, 1, 10 },
		{ { "-d", "0.001" }, 1, 0.001 },
		{ { "--duration", "2.5" }, 1, 2.5 },
		{ { "-i", "0.25", "-d", "3" }, 0.25, 3 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env e;
		int rc = parse(&e, cases[i].args);

		if (rc || e.interval_s != cases[i].interval || e.duration_s != cases[i].duration)
			fail_msg("case %zu (%s %s): rc %d interval %g duration %g, want %g %g", i,
				 cases[i].args[0], cases[i].args[1] ? cases[i].args[1] : "", rc,
				 e.interval_s, e.duration_s, cases[i].interval, cases[i].duration);
	}
}

static void test_flags(void **state)
{
	struct env e;

	assert_int_equal(parse(&e, ARGS("-j", "-T", "-q", "-v", "-v")), 0);
	assert_true(e.json);
	assert_true(e.totals_only);
	assert_true(e.quiet);
	assert_int_equal(e.verbose, 2);
	assert_true(e.interval_s == 1.0);
	assert_int_equal(e.max_vqs, 4096);
	assert_int_equal(e.npids, 0);
	assert_null(e.command);

	assert_int_equal(parse(&e, ARGS("-jTqvv")), 0);
	assert_true(e.json && e.totals_only && e.quiet);
	assert_int_equal(e.verbose, 2);

	assert_int_equal(parse(&e, ARGS("--json", "--totals-only", "--quiet", "--verbose")), 0);
	assert_true(e.json && e.totals_only && e.quiet);
	assert_int_equal(e.verbose, 1);

	assert_int_equal(parse(&e, ARGS("-v")), 0);
	assert_int_equal(e.verbose, 1);
	assert_false(e.json || e.totals_only || e.quiet);
}

static void test_max_vqs_and_add_mode(void **state)
{
	static const struct {
		const char *args[5];
		unsigned int max_vqs;
		enum add_mode_req mode;
	} cases[] = {
		{ { "-m", "10" }, 10, ADD_MODE_AUTO },
		{ { "-m", "1" }, 1, ADD_MODE_AUTO },
		{ { "--max-vqs", "1048576" }, 1048576, ADD_MODE_AUTO },
		{ { "--max-vqs=8192" }, 8192, ADD_MODE_AUTO },
		{ { "--add-used-mode", "kprobe" }, 4096, ADD_MODE_KPROBE },
		{ { "--add-used-mode", "fentry" }, 4096, ADD_MODE_FENTRY },
		{ { "--add-used-mode=kprobe" }, 4096, ADD_MODE_KPROBE },
		{ { "--add-used-mode", "kprobe", "--add-used-mode", "fentry" }, 4096, ADD_MODE_FENTRY },
		{ { "--add-used-mode", "fentry-n" }, 4096, ADD_MODE_AUTO },	/* a row: add_hook */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env e;
		int rc = parse(&e, cases[i].args);

		if (rc || e.max_vqs != cases[i].max_vqs || e.add_mode != cases[i].mode)
			fail_msg("case %zu (%s): rc %d max_vqs %u mode %d", i, cases[i].args[0], rc,
				 e.max_vqs, e.add_mode);
		assert_int_equal(e.add_hook, strcmp(cases[i].args[1] ? cases[i].args[1] : "",
						    "fentry-n") ? -1 : add_hook_by_name("fentry-n"));
	}
}

static void test_command(void **state)
{
	static const struct {
		const char *args[8];
		int cmd_at;		/* index in argv of the command's name */
		const char *cmd[4];
	} cases[] = {
		{ { "--", "cmd", "a", "b" }, 2, { "cmd", "a", "b" } },
		{ { "--", "cmd" }, 2, { "cmd" } },
		{ { "-j", "-T", "--", "./t", "-p", "5" }, 4, { "./t", "-p", "5" } },
		{ { "-i", "0.5", "--", "cmd", "--", "x" }, 4, { "cmd", "--", "x" } },
		{ { "--", "--", "x" }, 2, { "--", "x" } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env e;
		int rc = parse(&e, cases[i].args), n = 0;

		if (rc || e.command != &argv_buf[cases[i].cmd_at] || !e.descendants || e.npids)
			fail_msg("case %zu: rc %d command at %td (want %d) descendants %d npids %d",
				 i, rc, e.command ? e.command - argv_buf : -1, cases[i].cmd_at,
				 e.descendants, e.npids);
		for (; cases[i].cmd[n]; n++)
			assert_string_equal(e.command[n], cases[i].cmd[n]);
		assert_null(e.command[n]);
	}
}

static void test_bad_input(void **state)
{
	static const char *const cases[][6] = {
		{ "-i", "0" }, { "-i", "abc" }, { "-i", "" }, { "-i", "-1" },
		{ "-i", "0.009" }, { "-i", "1s" }, { "-i", "inf" }, { "-i", "nan" },
		{ "-i", "1e999" },
		{ "-d", "-1" }, { "-d", "0" }, { "-d", "abc" }, { "-d", "" }, { "-d", "inf" },
		{ "-p", "0" }, { "-p", "-5" }, { "-p", "abc" }, { "-p", "1,,2" },
		{ "-p", "1," }, { "-p", ",1" }, { "-p", "" }, { "-p", "1x" },
		{ "-p", "2147483648" }, { "-p", "99999999999999999999" },
		{ "-m", "0" }, { "-m", "-1" }, { "-m", "abc" }, { "-m", "" },
		{ "-m", "1048577" }, { "-m", "10x" }, { "-m", "18446744073709551617" },
		{ "--add-used-mode", "auto" }, { "--add-used-mode", "" },
		{ "--add-used-mode", "FENTRY" },
		/* unknown options, missing values */
		{ "-x" }, { "--bogus" }, { "--json=1" }, { "-p" }, { "-i" }, { "-d" },
		{ "-m" }, { "--pid" }, { "--add-used-mode" },
		/* a command, or its absence */
		{ "--" }, { "-j", "--" }, { "-p", "1", "--" },
		{ "-p", "1", "--", "cmd" }, { "--pid=1", "--", "cmd", "a" },
		{ "--descendants" }, { "--descendants", "-j" },
		{ "stray" }, { "-j", "stray" }, { "-p", "1", "stray" }, { "cmd", "--", "x" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env e;
		int rc = parse(&e, cases[i]);

		if (rc != 2)
			fail_msg("vqtrace %s %s %s: rc %d, want 2", cases[i][0],
				 cases[i][1] ? cases[i][1] : "", cases[i][2] ? cases[i][2] : "",
				 rc);
	}
}

static void test_help_version(void **state)
{
	static const char *const cases[][3] = {
		{ "--help" }, { "-h" }, { "--version" }, { "-V" },
		{ "-j", "-h" }, { "-p", "1", "--version" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env e;
		int rc = parse(&e, cases[i]);

		if (rc != 1)
			fail_msg("vqtrace %s: rc %d, want 1", cases[i][0], rc);
	}
}

static void test_reparse_is_independent(void **state)
{
	/* env_parse resets its output and getopt's position on every call */
	struct env e;

	assert_int_equal(parse(&e, ARGS("-j", "-p", "3", "-m", "7", "-v")), 0);
	assert_int_equal(parse(&e, NOARGS), 0);
	assert_int_equal(e.npids, 0);
	assert_defaults_except_pids(&e);
	assert_int_equal(parse(&e, ARGS("-x")), 2);
	assert_int_equal(parse(&e, ARGS("-q")), 0);
	assert_true(e.quiet);
	assert_int_equal(parse(&e, ARGS("--", "cmd")), 0);
	assert_int_equal(parse(&e, ARGS("-T")), 0);
	assert_true(e.totals_only);
	assert_null(e.command);
	assert_false(e.descendants);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_pids),
		cmocka_unit_test(test_pids_limit),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_max_vqs_and_add_mode),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_reparse_is_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
