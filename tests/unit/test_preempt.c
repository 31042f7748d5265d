// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The preemption model behind the trampoline-or-kprobe choice: the current
 * dynamic mode first, then preempt= on the command line, then the config. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preempt.h"

static char *file_with(const char *text)
{
	char *path = strdup("/tmp/vqtrace-preempt-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static enum preempt_kind kind(const char *debugfs, const char *cmdline, const char *config,
			      char *how)
{
	char *d = debugfs ? file_with(debugfs) : strdup("/nonexistent/a");
	char *c = cmdline ? file_with(cmdline) : strdup("/nonexistent/b");
	char *g = config ? file_with(config) : strdup("/nonexistent/c");
	enum preempt_kind k = preempt_kind(d, c, g, how, 256);

	unlink(d);
	unlink(c);
	unlink(g);
	free(d);
	free(c);
	free(g);
	return k;
}

static void test_debugfs_mode(void **state)
{
	char how[256];

	assert_int_equal(kind("none voluntary full (lazy)\n", NULL, NULL, how), PREEMPT_YES);
	assert_non_null(strstr(how, "lazy"));
	assert_int_equal(kind("none (voluntary) full lazy\n", "preempt=full", NULL, how), PREEMPT_NO);
	assert_int_equal(kind("(full)\n", NULL, NULL, how), PREEMPT_YES);
	assert_int_equal(kind("(none)\n", NULL, NULL, how), PREEMPT_NO);
}

static void test_cmdline_then_config(void **state)
{
	char how[256];

	assert_int_equal(kind(NULL, "ro quiet preempt=lazy x=1\n", "CONFIG_PREEMPT_VOLUNTARY=y\n", how),
			 PREEMPT_YES);
	assert_int_equal(kind(NULL, "ro nopreempt=full\n", "CONFIG_PREEMPT_VOLUNTARY=y\n", how),
			 PREEMPT_NO);	/* not a preempt= argument */
	assert_int_equal(kind(NULL, NULL, "CONFIG_PREEMPT_BUILD=y\nCONFIG_PREEMPT_LAZY=y\n", how),
			 PREEMPT_YES);
	assert_int_equal(kind(NULL, NULL, "CONFIG_PREEMPT_RT=y\n", how), PREEMPT_YES);
	assert_int_equal(kind(NULL, NULL, "# CONFIG_PREEMPT is not set\nCONFIG_PREEMPT_NONE=y\n", how),
			 PREEMPT_NO);
	/* nothing to go by: unknown, which attach.c treats as preemptible */
	assert_int_equal(kind(NULL, NULL, "CONFIG_FOO=y\n", how), PREEMPT_UNKNOWN);
	assert_non_null(strstr(how, "unknown"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debugfs_mode),
		cmocka_unit_test(test_cmdline_then_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
