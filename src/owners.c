// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "owners.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* The distinct names of the traced pids become the followed ones (kept
 * when none is left). */
static void learn_follow(struct owners *o)
{
	char names[VQ_MAX_FOLLOW_NAMES][PROC_NAME_LEN] = {};
	int n = 0;

	for (int i = 0; i < o->npids; i++) {
		bool dup = !o->names[i][0];

		for (int k = 0; k < n && !dup; k++)
			dup = !strcmp(names[k], o->names[i]);
		if (dup)
			continue;
		if (n == VQ_MAX_FOLLOW_NAMES) {
			vlog("--follow: more than %d process names; '%s' is not followed",
			     VQ_MAX_FOLLOW_NAMES, o->names[i]);
			continue;
		}
		strcpy(names[n++], o->names[i]);
	}
	if (!n || (n == o->nfollow && !memcmp(names, o->follow, sizeof(names))))
		return;
	memcpy(o->follow, names, sizeof(names));
	o->nfollow = n;
	o->follow_changed = true;
}

void owners_init(struct owners *o, const struct env *env)
{
	struct timespec ts;

	memset(o, 0, sizeof(*o));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	o->since_ns = (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	memcpy(o->pids, env->pids, env->npids * sizeof(*o->pids));
	o->npids = env->npids;
	for (int i = 0; i < o->npids; i++)
		proc_name(o->pids[i], o->names[i]);
	learn_follow(o);
}

bool owners_alive(struct owners *o, bool follow)
{
	char name[PROC_NAME_LEN];
	bool alive = false;

	for (int i = 0; i < o->npids; i++) {
		if (!proc_alive_name(o->pids[i], name))
			continue;
		alive = true;
		if (name[0])
			strcpy(o->names[i], name);
	}
	if (follow && alive)
		learn_follow(o);
	return alive || o->npids == 0;
}

static bool listed(const pid_t *pids, int n, pid_t pid)
{
	for (int i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

int owners_follow(struct owners *o, bool alive, const pid_t *kernel, int n, pid_t *gone)
{
	char name[PROC_NAME_LEN];
	int ngone = 0, k = 0;

	if (!alive && !o->waiting) {
		char list[VQ_MAX_FOLLOW_NAMES * (PROC_NAME_LEN + 4)] = "";

		for (int i = 0; i < o->nfollow; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s'%s'",
				 i ? " or " : "", o->follow[i]);
		ilog("the traced process%s exited; --follow: waiting for a new process named %s",
		     o->npids > 1 ? "es" : "", o->nfollow ? list : "(none known)");
		o->waiting = true;
	}
	/* The dead leave the list (their names stay followed). */
	for (int i = 0; i < o->npids; i++) {
		if (!proc_alive_name(o->pids[i], name)) {
			gone[ngone++] = o->pids[i];
			continue;
		}
		o->pids[k] = o->pids[i];
		memcpy(o->names[k++], o->names[i], PROC_NAME_LEN);
	}
	o->npids = k;
	for (int i = 0; i < n; i++) {
		if (listed(o->pids, o->npids, kernel[i]) || listed(gone, ngone, kernel[i]))
			continue;
		if (!proc_alive_name(kernel[i], name)) {
			/* Taken by the kernel and gone before this look. */
			ilog("--follow: traced pid %d (exited already)", kernel[i]);
			gone[ngone++] = kernel[i];
			continue;
		}
		if (o->npids == VQ_MAX_TARGETS)
			continue;	/* traced all the same; said when room */
		o->pids[o->npids] = kernel[i];
		strcpy(o->names[o->npids++], name);
		o->waiting = false;
		ilog("--follow: tracing pid %d (%s)", kernel[i], name);
	}
	return ngone;
}

int owners_check_devices(const struct env *env)
{
	char who[48];

	if (!env->npids || env->descendants)
		return 0;	/* a descendant may open one later: nothing to say */
	int hidden = 0;

	for (int i = 0; i < env->npids; i++) {
		int r = proc_has_vhost(env->pids[i]);

		if (r > 0)
			return 0;
		if (r < 0 && !hidden)
			hidden = env->pids[i];
	}
	if (hidden) {
		if (env->no_wait) {
			elog("missing capability CAP_SYS_PTRACE or CAP_DAC_READ_SEARCH (another user's /proc/%d/fd takes both): cannot see whether it holds a vhost device (--no-wait); drop --no-wait or see \"Privileges\" in vqtrace --help",
			     hidden);
			return 1;
		}
		ilog("cannot read /proc/%d/fd (another user's takes CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH) to see whether it holds a vhost device: tracing it anyway",
		     hidden);
		return 0;
	}
	if (env->npids > 1)
		snprintf(who, sizeof(who), "pids %d ... hold", env->pids[0]);
	else
		snprintf(who, sizeof(who), "pid %d holds", env->pids[0]);
	if (env->no_wait) {
		elog("%s no vhost device (/dev/vhost-*): nothing to trace; drop --no-wait to wait for one",
		     who);
		return 1;
	}
	ilog("%s no vhost device yet (/dev/vhost-*): waiting for one (--no-wait exits instead)", who);
	return 0;
}
