// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/procs.c against this machine's real /proc: processes
 * this test starts (a sleeping child, a zombie) stand for QEMU.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procs.h"

/* A child named `name` that sleeps until killed. */
static pid_t start_named(const char *name)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_NAME, name);
		for (;;)
			pause();
	}
	assert_true(pid > 0);
	/* Wait until the rename is visible. */
	for (int i = 0; i < 200; i++) {
		char got[PROC_NAME_LEN];

		if (proc_name(pid, got) && !strcmp(got, name))
			return pid;
		usleep(5000);
	}
	fail_msg("child %d never showed the name %s", pid, name);
	return -1;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_alive_and_zombie(void **state)
{
	pid_t pid = fork();

	(void)state;
	if (pid == 0)
		_exit(0);
	assert_true(proc_alive(getpid()));
	/* Not reaped yet: a zombie, which no longer holds devices. */
	for (int i = 0; i < 200 && proc_alive(pid); i++)
		usleep(5000);
	assert_false(proc_alive(pid));
	waitpid(pid, NULL, 0);
	assert_false(proc_alive(pid));
}

static void test_name(void **state)
{
	char name[PROC_NAME_LEN];
	pid_t pid;

	(void)state;
	pid = start_named("vq-name-test");
	assert_true(proc_name(pid, name));
	assert_string_equal(name, "vq-name-test");
	stop(pid);
	assert_false(proc_name(pid, name));
}

/* comm runs from the first '(' to the last ')' of /proc/PID/stat, and may
 * hold both, spaces and the full 15 characters. */
static void test_awkward_name(void **state)
{
	const char *awkward = "q) (x y) z(0123";	/* 15 characters */
	char name[PROC_NAME_LEN];
	pid_t pid;

	(void)state;
	pid = start_named(awkward);
	assert_true(proc_alive_name(pid, name));
	assert_string_equal(name, awkward);
	stop(pid);
	assert_false(proc_alive_name(pid, name));
}

static void test_has_vhost(void **state)
{
	(void)state;
	/* This test opens no vhost device, and a gone process has none. */
	assert_false(proc_has_vhost(getpid()));
	assert_false(proc_has_vhost(999999999));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alive_and_zombie),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_awkward_name),
		cmocka_unit_test(test_has_vhost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
