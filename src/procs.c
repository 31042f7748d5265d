// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "procs.h"

#include <errno.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct proc_stat {
	char name[PROC_NAME_LEN];	/* comm */
	char state;
};

/* /proc/PID/stat: "pid (comm) S ppid ..."; comm may hold spaces and ')',
 * so it runs from the first '(' to the last ')'. One read gives all that
 * vqtrace asks of a process. */
static bool read_stat(pid_t pid, struct proc_stat *ps)
{
	char path[64], buf[1024], *open, *p;
	bool ok = false;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f) && (open = strchr(buf, '(')) && (p = strrchr(buf, ')')) &&
	    p > open && p[1] == ' ' && p[2]) {
		n = (size_t)(p - open - 1);
		if (n > PROC_NAME_LEN - 1)
			n = PROC_NAME_LEN - 1;
		memcpy(ps->name, open + 1, n);
		ps->name[n] = '\0';
		ps->state = p[2];
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
	struct proc_stat ps;

	return read_stat(pid, &ps) && state_alive(ps.state);
}

bool proc_alive_name(pid_t pid, char name[PROC_NAME_LEN])
{
	struct proc_stat ps;

	if (!read_stat(pid, &ps) || !state_alive(ps.state))
		return false;
	memcpy(name, ps.name, PROC_NAME_LEN);
	return true;
}

bool proc_name(pid_t pid, char name[PROC_NAME_LEN])
{
	struct proc_stat ps;

	if (!read_stat(pid, &ps) || !ps.name[0])
		return false;
	memcpy(name, ps.name, PROC_NAME_LEN);
	return true;
}

int proc_has_vhost(pid_t pid)
{
	char dir[64], path[320], target[64];
	struct dirent *de;
	int found = 0;
	ssize_t n;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return errno == EACCES || errno == EPERM ? -errno : 0;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0) {
			if (n < 0 && (errno == EACCES || errno == EPERM))
				found = -errno;
			continue;
		}
		target[n] = '\0';
		if (!strncmp(target, "/dev/vhost-", 11))
			found = 1;
	}
	closedir(d);
	return found;
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
