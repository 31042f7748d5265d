// SPDX-License-Identifier: GPL-2.0
/*
 * Two ways to stall a queue on purpose at the midpoint of its TX load
 * (main.c waits until the first half has completed, so vhost is idle and
 * has asked for a kick):
 *
 * --skip-kick MS: the second half is published without the kick the
 * rules require; after MS milliseconds it is kicked late (vqtrace's
 * KICK_MISSED).
 *
 * --starve-worker MS: keep the vhost worker of this process's devices off
 * the CPU for MS milliseconds, so that a kick waits that long for its
 * handler (vqtrace's WORKER_STALL and kick_wait_ns). main.c starts it
 * once the first half of the first device's TX buffers have completed. The worker (a thread
 * "vhost-PID" of this process from Linux 6.4 on, else a kthread of that
 * name) is pinned to CPU 1 and a SCHED_FIFO child spins there; this
 * process moves to CPU 0 and goes on submitting and kicking. The kernel's
 * guards that would let the worker in anyway are lifted for that time and
 * put back after it: RT throttling (sched_rt_runtime_us) and, where the
 * kernel has one, CPU 1's fair-class deadline server (6.12+).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loadgen.h"
#include "util.h"

#define STARVE_CPU	1
#define KICK_CPU	0
#define RT_RUNTIME	"/proc/sys/kernel/sched_rt_runtime_us"
#define FAIR_SERVER	"/sys/kernel/debug/sched/fair_server/cpu1/runtime"

static pid_t spinner = -1;
static bool started;
static char rt_saved[32], fair_saved[32];

static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static void write_line(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(value, f) < 0 || fclose(f))
		lg_fatal("--starve-worker: cannot write %s to %s: %s", value, path,
			 strerror(errno));
}

static void pin(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(tid, sizeof(set), &set))
		lg_fatal("--starve-worker: cannot pin thread %d to CPU %d: %s", (int)tid, cpu,
			 strerror(errno));
}

/* Pins every task in dir (/proc or /proc/self/task) named name; returns how many. */
static unsigned pin_named(const char *dir, const char *name, int cpu)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;
	char path[300], comm[64];

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", dir, e->d_name);
		if (read_line(path, comm, sizeof(comm)) && !strcmp(comm, name)) {
			pin((pid_t)atoi(e->d_name), cpu);
			n++;
		}
	}
	closedir(d);
	return n;
}

unsigned starve_begin(const struct lg_opts *o)
{
	struct sched_param sp = { .sched_priority = 1 };
	char name[32];
	unsigned workers;
	int ready[2];
	double end;
	char c;

	if (!o->starve_ms || started)
		return 0;
	started = true;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		lg_fatal("--starve-worker needs two CPUs (one to starve, one to kick from)");
	snprintf(name, sizeof(name), "vhost-%d", (int)getpid());
	workers = pin_named("/proc/self/task", name, STARVE_CPU);
	if (!workers)
		workers = pin_named("/proc", name, STARVE_CPU);	/* kthread workers */
	if (!workers)
		lg_fatal("--starve-worker: no vhost worker named %s", name);
	pin(0, KICK_CPU);
	if (!read_line(RT_RUNTIME, rt_saved, sizeof(rt_saved)))
		lg_fatal("--starve-worker: cannot read %s", RT_RUNTIME);
	write_line(RT_RUNTIME, "-1");
	if (read_line(FAIR_SERVER, fair_saved, sizeof(fair_saved)))
		write_line(FAIR_SERVER, "0");
	if (pipe(ready))
		lg_die("pipe", errno);
	end = lg_now() + o->starve_ms / 1000.0;
	spinner = fork();
	if (spinner < 0)
		lg_die("fork", errno);
	if (!spinner) {
		pin(0, STARVE_CPU);
		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		while (lg_now() < end)
			;
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		lg_fatal("--starve-worker: the spinner did not start (SCHED_FIFO refused?)");
	close(ready[0]);
	fprintf(stderr, "%s[%d]: starving %u vhost worker(s) on CPU %d for %u ms\n", LG_NAME,
		(int)getpid(), workers, STARVE_CPU, o->starve_ms);
	return workers;
}

/* main.c's midpoint gate: a stall mode has begun (or none is asked for). */
bool starve_started(void)
{
	return started;
}

void starve_end(void)
{
	int status;

	if (spinner <= 0)
		return;
	if (waitpid(spinner, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		lg_fatal("--starve-worker: the spinner failed");
	spinner = -1;
	/* the fair server's bandwidth back first: 6.12 refuses an RT limit
	 * (EBUSY) that the deadline bandwidth in use would exceed */
	if (fair_saved[0])
		write_line(FAIR_SERVER, fair_saved);
	write_line(RT_RUNTIME, rt_saved);
}

static double late_kick_at;	/* --skip-kick: when to kick (0: not pending) */

void skip_kick_begin(const struct lg_opts *o, struct lg_vq *vq)
{
	if (!o->skip_kick_ms || started)
		return;
	started = true;
	/* vhost's last enable_notify comes after the used entries we saw:
	 * give it time to have asked for the kick we withhold. */
	sleep_ms(100);
	vq->skip_next_kick = true;
	late_kick_at = lg_now() + o->skip_kick_ms / 1000.0;
	fprintf(stderr, "%s[%d]: withholding the next required kick for %u ms\n", LG_NAME,
		(int)getpid(), o->skip_kick_ms);
}

void skip_kick_poll(struct lg_vq *vq)
{
	if (!late_kick_at || lg_now() < late_kick_at)
		return;
	late_kick_at = 0;
	if (vq->kicks_skipped)
		vq_kick(vq);	/* late: the queue has waited since */
}
