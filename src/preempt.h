/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Whether the running kernel preempts kernel code, which decides between
 * BPF trampolines and kprobes (src/attach.c): a trampoline program runs
 * preemptible, and when a vhost worker is preempted inside one, the next
 * run of that program on the CPU is skipped by the kernel's recursion
 * protection (measured in the rig: Debian 7.3, PREEMPT_LAZY, lost 2 to 6
 * calls in 11 of 12 runs of four busy queues; Debian 6.12, voluntary, none
 * in 12). A kprobe handler runs with preemption off. */
#ifndef __VQTRACE_PREEMPT_H
#define __VQTRACE_PREEMPT_H

#include <stddef.h>

enum preempt_kind {
	PREEMPT_UNKNOWN,	/* could not tell: treated as preemptible */
	PREEMPT_NO,		/* none or voluntary */
	PREEMPT_YES,		/* full, lazy or RT */
};

/* From the current dynamic mode (debugfs sched/preempt), else the
 * preempt= boot argument, else the build's default (the kernel config).
 * `how` gets what it was told by, for -v. Paths are for the unit tests;
 * NULL: the real ones. */
enum preempt_kind preempt_kind(const char *debugfs, const char *cmdline, const char *config,
			       char *how, size_t len);

#endif
