/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `vqtrace -- COMMAND`: the command is forked first and held at a pipe
 * until the probes are attached, so that its very first buffer is seen. */
#ifndef __VQTRACE_CHILD_H
#define __VQTRACE_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

struct child {
	pid_t pid;
	int go_fd;	/* write end: one byte releases the child */
	int pidfd;	/* readable once the child exited (-1: none; poll it) */
	bool exited;
	int status;	/* as from waitpid */
};

int child_start(struct child *c, char **argv);
int child_release(struct child *c);
/* Reaps the child if it exited; returns true once it has. Between calls,
 * poll c->pidfd (pidfd_open) where it is not -1 instead of waking on a timer. */
bool child_poll(struct child *c);
/* Terminates a child that is still held or running, and reaps it. */
void child_stop(struct child *c);
/* The exit status vqtrace passes on: the child's, or 128+signal. */
int child_exit_code(const struct child *c);

#endif
