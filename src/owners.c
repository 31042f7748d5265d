// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "owners.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

void owners_init(struct owners *o, const struct env *env)
{
	memset(o, 0, sizeof(*o));
	o->since = proc_start_ticks(getpid());
	memcpy(o->pids, env->pids, env->npids * sizeof(*o->pids));
	o->npids = env->npids;
	for (int i = 0; i < o->npids; i++)
		proc_name(o->pids[i], o->names[i]);
}

bool owners_alive(struct owners *o)
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
	return alive || o->npids == 0;
}

/* The distinct names of the traced pids, in names[0..n). */
static int distinct_names(const struct owners *o, char names[][PROC_NAME_LEN])
{
	int n = 0;

	for (int i = 0; i < o->npids; i++) {
		bool dup = !o->names[i][0];

		for (int k = 0; k < n && !dup; k++)
			dup = !strcmp(names[k], o->names[i]);
		if (!dup)
			strcpy(names[n++], o->names[i]);
	}
	return n;
}

int owners_follow(struct owners *o, pid_t *found)
{
	char names[VQ_MAX_TARGETS][PROC_NAME_LEN];
	int nnames = distinct_names(o, names);
	int n = 0;

	if (!o->waiting) {
		char list[VQ_MAX_TARGETS * (PROC_NAME_LEN + 4)] = "";

		for (int k = 0; k < nnames; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s'%s'",
				 k ? " or " : "", names[k]);
		ilog("the traced process%s exited; --follow: waiting for a new process named %s",
		     o->npids > 1 ? "es" : "", nnames ? list : "(none known)");
		o->waiting = true;
	}
	for (int k = 0; k < nnames && n < VQ_MAX_TARGETS; k++)
		n += proc_find_named(names[k], o->since, found + n, VQ_MAX_TARGETS - n);
	return n;
}

void owners_take(struct owners *o, const pid_t *pids, int n)
{
	memcpy(o->pids, pids, n * sizeof(*pids));
	o->npids = n;
	o->waiting = false;
	for (int i = 0; i < n; i++) {
		o->names[i][0] = 0;
		proc_name(pids[i], o->names[i]);
		ilog("--follow: tracing pid %d (%s)", pids[i], o->names[i]);
	}
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
