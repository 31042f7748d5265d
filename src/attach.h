/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Chooses how each vhost hook attaches on the running kernel, configures
 * the skeleton before load, and attaches. Every choice carries its reason
 * for `-v`. */
#ifndef __VQTRACE_ATTACH_H
#define __VQTRACE_ATTACH_H

#include <bpf/libbpf.h>
#include <stdbool.h>

#include "env.h"
#include "hooks.h"
#include "ksyms.h"

#define MAX_NOTIFY_SYMS 4
#define MAX_KICK_LINKS 16

/* One kick-side attachment: a row of kick_hooks on one symbol. */
struct kick_link {
	const struct kick_hook_def *row;
	const char *sym;		/* in the plan's ksyms */
};

struct vqtrace_bpf;

struct attach_plan {
	int hook;			/* enum add_hook: the row of src/hooks.c */
	bool forced;			/* chosen by --add-used-mode: no fallback */
	bool in_order_kernel;		/* vhost_add_used_n takes nheads (6.17+) */
	bool misses_in_order;		/* ...and the hook does not see that path */
	char add_sym[128];
	char add_why[768];
	const char *notify_syms[MAX_NOTIFY_SYMS];
	size_t n_notify;
	int notify_arg_first;		/* enum vq_notify_arg */
	char notify_why[256];
	const char *cleanup_sym;	/* vhost_dev_cleanup, NULL if not found */
	struct kick_link kick[MAX_KICK_LINKS];
	size_t n_kick;
	unsigned kick_unhooked;		/* kick-side functions of loaded modules
					 * that could not be hooked */
	bool kick_side;			/* --kicks: the kick side is traced */
	bool kick_hist;			/* ...and --hist: its run histograms too */
	struct bpf_link *links[4 + 2 * MAX_NOTIFY_SYMS + 2 * MAX_KICK_LINKS];
	size_t n_links;
};

/* Decides the plan from module BTF and kallsyms (the first row of
 * src/hooks.c the kernel allows, or row `forced` >= 0; with `kicks` the
 * kick side's rows too); on failure prints one line saying what to do and
 * returns -1. */
int attach_plan(struct attach_plan *p, const struct ksyms *ks, enum add_mode_req req,
		int forced, bool kicks, bool hist);
/* A trampoline plan that failed to load or attach: switch to its kprobe
 * twin (and say so). -1 when there is none or the mode was requested. */
int attach_fallback(struct attach_plan *p, const struct ksyms *ks);
/* Before load: program autoload, attach targets and rodata. */
int attach_configure(struct attach_plan *p, struct vqtrace_bpf *skel);
/* After load: attach every hook; on failure prints one line, returns -1. */
int attach_links(struct attach_plan *p, struct vqtrace_bpf *skel);
void attach_detach(struct attach_plan *p);
/* "fexit:SYM" or "kprobe:SYM" for the add_used hook, "kprobe:SYM" for notify. */
void attach_describe(const struct attach_plan *p, char *add, size_t add_len, char *notify,
		     size_t notify_len);

#endif
