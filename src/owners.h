/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The processes -p traces: whether any is left, whether they hold a vhost
 * device at all, and (--follow) which new processes take their place. */
#ifndef __VQTRACE_OWNERS_H
#define __VQTRACE_OWNERS_H

#include <stdbool.h>

#include "env.h"
#include "procs.h"
#include "session.h"

/* -p: the pids still to trace. With --follow, once all are gone, the
 * newest processes of their names (started after vqtrace) take over. */
struct owners {
	/* The name each traced pid had when last seen alive: a pid caught
	 * between fork and exec carries its parent's name at first. */
	char names[VQ_MAX_TARGETS][PROC_NAME_LEN];
	unsigned long long since;	/* vqtrace's own start, clock ticks */
	bool waiting;			/* all gone, --follow looking */
};

void owners_init(struct owners *o, const struct env *env);
/* Any traced pid still alive (true without -p); learns the names of the
 * live ones again (called at every wake-up). */
bool owners_alive(struct owners *o, const struct env *env);
/* --follow, once all are gone: new processes of the traced names (started
 * after vqtrace) join the filter and env->pids; -1 on a map error. */
int owners_follow(struct owners *o, struct env *env, struct session *ss);
/* -p: says when no traced pid holds a vhost device; 1 (after one line)
 * with --no-wait, else 0. */
int owners_check_devices(const struct env *env);

#endif
