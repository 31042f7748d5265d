/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The processes -p traces: whether any is left, whether they hold a vhost
 * device at all, and (--follow) which new processes take their place. */
#ifndef __VQTRACE_OWNERS_H
#define __VQTRACE_OWNERS_H

#include <stdbool.h>
#include <sys/types.h>

#include "env.h"
#include "procs.h"

/* -p: the pids traced, at first env's. With --follow, processes of their
 * names started after vqtrace are traced too, whether or not the first
 * ones are still alive: the kernel takes such a process into the filter at
 * its first used entry (session_follow_names), and owners_follow learns
 * it from the filter. env itself is never written. */
struct owners {
	pid_t pids[VQ_MAX_TARGETS];
	int npids;
	/* The name each traced pid had when last seen alive: a pid caught
	 * between fork and exec carries its parent's name at first. */
	char names[VQ_MAX_TARGETS][PROC_NAME_LEN];
	/* --follow: the distinct names new processes are taken by. */
	char follow[VQ_MAX_FOLLOW_NAMES][PROC_NAME_LEN];
	int nfollow;
	bool follow_changed;		/* since the kernel was last told */
	unsigned long long since_ns;	/* vqtrace's start, CLOCK_MONOTONIC */
	bool waiting;			/* all gone, --follow looking */
};

void owners_init(struct owners *o, const struct env *env);
/* Any traced pid still alive (true without -p); learns the names of the
 * live ones again (called at every wake-up). */
bool owners_alive(struct owners *o, bool follow);
/* --follow: of the pids in the kernel's filter (kernel[0..n)), the ones not
 * traced yet are new processes of the followed names: each is said and
 * traced from now on. Says once when all traced ones are gone that it
 * waits for new ones. Dead pids go from the list, into gone[] (returns
 * how many) for the caller to drop from the filter. */
int owners_follow(struct owners *o, bool alive, const pid_t *kernel, int n, pid_t *gone);
/* -p: says when no traced pid holds a vhost device; 1 (after one line)
 * with --no-wait, else 0. */
int owners_check_devices(const struct env *env);

#endif
