// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "hooks.h"

#include <stdio.h>
#include <string.h>

/* In order of preference: attach.c takes the first row the kernel allows.
 * A kernel whose vhost_add_used_n takes nheads (4 parameters in BTF) has
 * the in-order path, which bypasses __vhost_add_used_n: only the rows with
 * in_order see all of its entries there. */
const struct add_hook_def add_hooks[ADD_HOOK__COUNT] = {
	[ADD_HOOK_FENTRY_N] = {
		.name = "fentry-n", .kind = "fentry+fexit", .target = "vhost_add_used_n",
		.params = 4, .trampoline = true, .in_order = true, .count_arg = 4,
		.kprobe_twin = ADD_HOOK_KPROBE_N,
		.progs = { "init_access_fexit", "add_used_n_fexit", "add_used_n_fentry" },
		.why = "vhost_add_used_n(vq, heads, nheads, count) has BTF: this kernel has the 6.17+ in-order path, and only vhost_add_used_n sees both it and __vhost_add_used_n; the fentry keeps the state before the call for the fexit",
	},
	[ADD_HOOK_KPROBE_N] = {
		.name = "kprobe-n", .kind = "kprobe", .target = "vhost_add_used_n",
		.params = 4, .in_order = true, .count_arg = 4, .kprobe_twin = -1,
		.progs = { "init_access_kprobe", "add_used_kretprobe", "add_used_kprobe" },
		.why = "6.17+ in-order kernel (vhost_add_used_n takes nheads) without BPF trampolines for it",
	},
	[ADD_HOOK_FEXIT_SPLIT] = {
		.name = "fexit-split", .kind = "fexit", .target = "__vhost_add_used_n",
		.params = 3, .trampoline = true, .count_arg = 3,
		.kprobe_twin = ADD_HOOK_KPROBE_SPLIT,
		.progs = { "init_access_fexit", "add_used_fexit" },
		.why = "__vhost_add_used_n and vhost_vq_init_access have BTF: one fexit per call, the state before it worked out from the state after",
	},
	[ADD_HOOK_KPROBE_SPLIT] = {
		.name = "kprobe-split", .kind = "kprobe", .target = "__vhost_add_used_n",
		.count_arg = 3, .kprobe_twin = -1,
		.progs = { "init_access_kprobe", "add_used_kretprobe", "add_used_kprobe" },
		.why = "no BPF trampoline for __vhost_add_used_n (no BTF, or requested)",
	},
	[ADD_HOOK_KPROBE_WRAP] = {
		.name = "kprobe-wrap", .kind = "kprobe", .target = "vhost_add_used_n",
		.count_arg = 3, .kprobe_twin = -1,
		.progs = { "init_access_kprobe", "add_used_kretprobe", "add_used_kprobe" },
		.why = "__vhost_add_used_n is inlined in this build: the exported wrapper sees the same entries",
	},
};

int add_hook_by_name(const char *name)
{
	for (int i = 0; i < ADD_HOOK__COUNT; i++)
		if (!strcmp(add_hooks[i].name, name))
			return i;
	return -1;
}

const char *add_hook_names(void)
{
	static char buf[128];

	if (!buf[0])
		for (int i = 0; i < ADD_HOOK__COUNT; i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
				 i ? ", " : "", add_hooks[i].name);
	return buf;
}

bool add_hook_has_prog(const struct add_hook_def *d, const char *prog)
{
	for (const char *const *n = d->progs; *n; n++)
		if (!strcmp(*n, prog))
			return true;
	return false;
}

bool add_hook_prog(const char *prog)
{
	for (int i = 0; i < ADD_HOOK__COUNT; i++)
		if (add_hook_has_prog(&add_hooks[i], prog))
			return true;
	return false;
}

const char *add_hook_prog_target(const struct add_hook_def *d, const char *prog)
{
	return strncmp(prog, "init_access", 11) ? d->target : "vhost_vq_init_access";
}

const char *add_hook_progs(const struct add_hook_def *d, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (const char *const *n = d->progs; *n && used < len; n++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", *n);
	return buf;
}

const struct kick_hook_def kick_hooks[KICK_HOOK__COUNT] = {
	{ "kick_wakeup_kprobe", NULL, false, "vhost", "vhost_poll_wakeup", 4, "kicks, kick_wait_ns",
	  "a kick eventfd write wakes the vq's vhost_poll; the only place every kick of every driver passes, and no vhost code calls it for anything but a wake-up (Q12)" },
	{ "kick_handler_kprobe", "kick_handler_kretprobe", true, NULL, NULL, 1,
	  "handler_runs, kick_wait_ns, handler_run_ns, used_per_run, kick_to_signal_ns",
	  "the worker calls the vq's handle_kick through a pointer, inline in its loop: the handlers themselves are the only place a run shows (Q12); their return ends a run, needed only for the run histograms (--hist)" },
	{ "notify_disable_kprobe", NULL, false, "vhost", "vhost_disable_notify", 2, "notify_disables",
	  "exported: every driver turns kicks off through it (Q13)" },
	{ "notify_enable_kprobe", "notify_enable_kretprobe", false, "vhost", "vhost_enable_notify", 2,
	  "notify_enables, enable_rechecks",
	  "exported: every driver turns kicks on through it, and its result is the re-poll race (Q13)" },
	{ "busy_poll_kprobe", NULL, false, "vhost_net", "vhost_net_busy_poll", 5, "busy_polls",
	  "one call per busy-poll round of vhost-net (Q14)" },
};

const struct kick_hook_def *kick_hook_of(const char *prog, bool *exit_prog)
{
	for (int i = 0; i < KICK_HOOK__COUNT; i++) {
		*exit_prog = kick_hooks[i].ret_prog && !strcmp(kick_hooks[i].ret_prog, prog);
		if (*exit_prog || !strcmp(kick_hooks[i].prog, prog))
			return &kick_hooks[i];
	}
	return NULL;
}
