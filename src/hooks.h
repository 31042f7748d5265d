/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The ways vqtrace can hook vhost publishing used entries, one row each:
 * the BPF programs it loads, the function and the BTF signature it needs,
 * what it sees and why it is chosen. src/attach.c picks the first row the
 * running kernel allows (from module BTF and kallsyms, never from a version
 * number), loads and attaches what that row names, and falls back to the
 * row's kprobe twin when a trampoline cannot be loaded or attached. The
 * kernel facts behind the rows are in bpf/core_fixes.bpf.h (Q1-Q10). */
#ifndef __VQTRACE_HOOKS_H
#define __VQTRACE_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

enum add_hook {
	ADD_HOOK_FENTRY_N,	/* 6.17+: fentry+fexit on vhost_add_used_n */
	ADD_HOOK_KPROBE_N,	/* 6.17+: kprobe pair on vhost_add_used_n */
	ADD_HOOK_FEXIT_SPLIT,	/* fexit on __vhost_add_used_n */
	ADD_HOOK_KPROBE_SPLIT,	/* kprobe pair on __vhost_add_used_n */
	ADD_HOOK_KPROBE_WRAP,	/* kprobe pair on vhost_add_used_n (split only) */
	ADD_HOOK__COUNT
};

#define ADD_HOOK_MAX_PROGS 3

struct add_hook_def {
	const char *name;	/* --add-used-mode NAME; -v */
	const char *kind;	/* "fexit", "fentry+fexit" or "kprobe": the JSON
				 * probe object's add_used_hook is kind:target */
	const char *target;	/* the vhost function hooked */
	int params;		/* parameters its BTF must have (0: any, or none) */
	bool trampoline;	/* BPF trampolines; also needs vhost_vq_init_access */
	bool in_order;		/* sees 6.17+'s in-order path */
	int count_arg;		/* the argument that holds the element count */
	int kprobe_twin;	/* the row to fall back to, -1 for none */
	/* Its BPF programs (bpf/vqtrace.bpf.c), attached in this order: the
	 * state tracker first, an exit before its entry (no call is left
	 * half-seen). A trampoline program attaches to `target`, except
	 * init_access_fexit (vhost_vq_init_access); a name ending in
	 * "kretprobe" is a return probe. NULL-terminated. */
	const char *progs[ADD_HOOK_MAX_PROGS + 1];
	const char *why;	/* why this row is chosen, for -v */
};

extern const struct add_hook_def add_hooks[ADD_HOOK__COUNT];

/* Whether prog is one of row d's programs, or of any row's (they are
 * loaded only for the row chosen). */
bool add_hook_has_prog(const struct add_hook_def *d, const char *prog);
bool add_hook_prog(const char *prog);
/* The function a program of row d attaches to: the row's target, or
 * vhost_vq_init_access for the state tracker's programs (the real symbol,
 * a clone's name, comes from the plan for the target). */
const char *add_hook_prog_target(const struct add_hook_def *d, const char *prog);
/* "a, b, c": the row's programs, for -v. */
const char *add_hook_progs(const struct add_hook_def *d, char *buf, size_t len);
/* The row called name, or -1. */
int add_hook_by_name(const char *name);
/* "fentry-n, kprobe-n, ..." for messages. */
const char *add_hook_names(void);

/* The kick side (bpf/kick.bpf.h; kernel facts Q12-Q14 in
 * bpf/core_fixes.bpf.h): one row per function hooked, all kprobes, each
 * attached where kallsyms has it with the BTF signature it needs. A row
 * whose target is NULL attaches to every kick handler of src/vqident.c. */
struct kick_hook_def {
	const char *prog;	/* its program; an exit program follows, or NULL */
	const char *ret_prog;
	bool ret_hist_only;	/* the exit program feeds histograms only:
				 * loaded and attached with --hist alone */
	const char *module;	/* where target lives */
	const char *target;
	int params;		/* parameters its BTF must have */
	const char *counts;	/* the counters it moves */
	const char *why;
};

#define KICK_HOOK__COUNT 5
extern const struct kick_hook_def kick_hooks[KICK_HOOK__COUNT];
/* The kick side's row whose program (or, *exit_prog, exit program) prog
 * is; NULL for a program of no kick-side row. */
const struct kick_hook_def *kick_hook_of(const char *prog, bool *exit_prog);

#endif
