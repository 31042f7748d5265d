/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The processes -p traces: whether any is left, whether they hold a vhost
 * device at all, and (--follow) which new processes take their place. */
#ifndef __VQTRACE_OWNERS_H
#define __VQTRACE_OWNERS_H

#include <stdbool.h>
#include <sys/types.h>

#include "env.h"
#include "procs.h"

/* -p: the pids still to trace, at first env's. With --follow, once all
 * are gone, the newest processes of their names (started after vqtrace)
 * take over: owners_follow finds them, the caller adds them to its filter
 * and hands them to owners_take. env itself is never written. */
struct owners {
	pid_t pids[VQ_MAX_TARGETS];
	int npids;
	/* The name each traced pid had when last seen alive: a pid caught
	 * between fork and exec carries its parent's name at first. */
	char names[VQ_MAX_TARGETS][PROC_NAME_LEN];
	unsigned long long since;	/* vqtrace's own start, clock ticks */
	bool waiting;			/* all gone, --follow looking */
};

void owners_init(struct owners *o, const struct env *env);
/* Any traced pid still alive (true without -p); learns the names of the
 * live ones again (called at every wake-up). */
bool owners_alive(struct owners *o);
/* --follow, once all are gone: the new processes of the traced names
 * (started after vqtrace), into found[VQ_MAX_TARGETS]. Returns how many,
 * 0 while there are none; says once that it waits for them. */
int owners_follow(struct owners *o, pid_t *found);
/* The pids owners_follow found, now in the caller's filter, are the
 * traced ones from here on (said for each). */
void owners_take(struct owners *o, const pid_t *pids, int n);
/* -p: says when no traced pid holds a vhost device; 1 (after one line)
 * with --no-wait, else 0. */
int owners_check_devices(const struct env *env);

#endif
