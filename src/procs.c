// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "procs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* /proc/PID/stat: "pid (comm) S ppid ..."; comm may hold spaces and ')'. */
static bool read_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ' && p[2]) {
		*state = p[2];
		/* starttime is field 22; field 3 is the state after ") ". */
		p += 3;
		for (int field = 3; p && field < 22; field++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (p)
			v = strtoull(p, NULL, 10);
		*start = v;
		ok = true;
	}
	fclose(f);
	return ok;
}

static bool state_alive(char st)
{
	return st != 'Z' && st != 'X';
}

bool proc_alive(pid_t pid)
{
	unsigned long long start;
	char st;

	return read_stat(pid, &st, &start) && state_alive(st);
}

unsigned long long proc_start_ticks(pid_t pid)
{
	unsigned long long start;
	char st;

	return read_stat(pid, &st, &start) ? start : 0;
}

bool proc_name(pid_t pid, char name[PROC_NAME_LEN])
{
	char path[64];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(name, 1, PROC_NAME_LEN - 1, f);
	fclose(f);
	name[n] = '\0';
	name[strcspn(name, "\n")] = '\0';
	return n > 0;
}

bool proc_has_vhost(pid_t pid)
{
	char dir[64], path[320], target[64];
	struct dirent *de;
	bool found = false;
	ssize_t n;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found = !strncmp(target, "/dev/vhost-", 11);
	}
	closedir(d);
	return found;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int proc_find_named(const char *name, unsigned long long after, pid_t *out, int max)
{
	char comm[PROC_NAME_LEN], st;
	unsigned long long start;
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while (n < max && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || pid == getpid())
			continue;
		if (!proc_name((pid_t)pid, comm) || strcmp(comm, name))
			continue;
		if (read_stat((pid_t)pid, &st, &start) && start > after && state_alive(st))
			out[n++] = (pid_t)pid;
	}
	closedir(d);
	qsort(out, n, sizeof(*out), cmp_pid);
	return n;
}

bool vhost_module_loaded(void)
{
	return access("/sys/module/vhost", F_OK) == 0;
}

static const char *const drivers[VHOST_NDRIVERS] = VHOST_DRIVERS;

const char *vhost_driver_name(int i)
{
	return i >= 0 && i < VHOST_NDRIVERS ? drivers[i] : "?";
}

unsigned int vhost_drivers_loaded(void)
{
	char path[64];
	unsigned int mask = 0;

	for (int i = 0; i < VHOST_NDRIVERS; i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", drivers[i]);
		if (!access(path, F_OK))
			mask |= 1u << i;
	}
	return mask;
}
