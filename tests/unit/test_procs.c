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
	assert_int_equal(proc_start_ticks(pid), 0);
}

static void test_name_and_start(void **state)
{
	char name[PROC_NAME_LEN];
	pid_t pid;

	(void)state;
	pid = start_named("vq-name-test");
	assert_true(proc_name(pid, name));
	assert_string_equal(name, "vq-name-test");
	/* A child cannot have started before its parent. */
	assert_true(proc_start_ticks(pid) >= proc_start_ticks(getpid()));
	assert_true(proc_start_ticks(getpid()) > 0);
	stop(pid);
	assert_false(proc_name(pid, name));
}

/* comm runs from the first '(' to the last ')' of /proc/PID/stat, and may
 * hold both, spaces and the full 15 characters. */
static void test_awkward_name(void **state)
{
	const char *awkward = "q) (x y) z(0123";	/* 15 characters */
	char name[PROC_NAME_LEN];
	pid_t pid, found[2];

	(void)state;
	pid = start_named(awkward);
	assert_true(proc_alive_name(pid, name));
	assert_string_equal(name, awkward);
	assert_int_equal(proc_find_named(awkward, 0, found, 2), 1);
	assert_int_equal(found[0], pid);
	stop(pid);
	assert_false(proc_alive_name(pid, name));
}

static void test_find_named_only_newer(void **state)
{
	pid_t old, young, found[8];
	unsigned long long mark;
	int n;

	(void)state;
	old = start_named("vq-find-test");
	/* Start times have clock-tick resolution: let one pass. */
	usleep(50000);
	mark = proc_start_ticks(old);
	n = proc_find_named("vq-find-test", mark, found, 8);
	assert_int_equal(n, 0);		/* not newer than itself */
	young = start_named("vq-find-test");
	while (proc_start_ticks(young) <= mark) {	/* same tick: try again */
		stop(young);
		usleep(20000);
		young = start_named("vq-find-test");
	}
	n = proc_find_named("vq-find-test", mark, found, 8);
	assert_int_equal(n, 1);
	assert_int_equal(found[0], young);
	/* Every process of the name, when started since "boot". */
	n = proc_find_named("vq-find-test", 0, found, 8);
	assert_int_equal(n, 2);
	assert_int_equal(found[0], old < young ? old : young);	/* lowest pid first */
	assert_int_equal(found[1], old < young ? young : old);
	assert_int_equal(proc_find_named("vq-no-such-name", 0, found, 8), 0);
	stop(old);
	stop(young);
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
		cmocka_unit_test(test_name_and_start),
		cmocka_unit_test(test_awkward_name),
		cmocka_unit_test(test_find_named_only_newer),
		cmocka_unit_test(test_has_vhost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
