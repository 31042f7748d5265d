// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "attach.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hooks.h"
#include "log.h"
#include "preempt.h"
#include "vqident.h"
#include "vqtrace.h"
#include "vqtrace.skel.h"

#define VHOST_BTF "/sys/kernel/btf/vhost"

/* Number of parameters of a module function in BTF, or -1 if absent. */
static int btf_func_params(struct btf *btf, const char *name)
{
	const struct btf_type *t;
	int id;

	if (!btf)
		return -1;
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	if (id <= 0)
		return -1;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	return t && btf_is_func_proto(t) ? btf_vlen(t) : -1;
}

/* Module BTF, split on one vmlinux BTF parsed once per plan: parsing
 * vmlinux's BTF is the slow part (under TCG a good part of a second per
 * parse), and the kick side looks at four modules. */
struct btf_set {
	struct btf *vmlinux;
	struct {
		char module[32];
		struct btf *btf;	/* NULL: not loaded, or no BTF */
	} mods[4];
	size_t n;
};

static struct btf *module_btf(struct btf_set *set, const char *module)
{
	char path[96];
	size_t i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->mods[i].module, module))
			return set->mods[i].btf;
	if (!set->vmlinux)
		set->vmlinux = btf__load_vmlinux_btf();
	if (!set->vmlinux || set->n >= sizeof(set->mods) / sizeof(set->mods[0]))
		return NULL;
	snprintf(path, sizeof(path), "/sys/kernel/btf/%s", module);
	snprintf(set->mods[set->n].module, sizeof(set->mods[0].module), "%s", module);
	set->mods[set->n].btf = btf__parse_split(path, set->vmlinux);
	return set->mods[set->n++].btf;
}

static void btf_set_free(struct btf_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		btf__free(set->mods[i].btf);
	btf__free(set->vmlinux);
	memset(set, 0, sizeof(*set));
}

/* Whether row d can hook this kernel; *sym: the symbol to attach to. */
static bool hook_allowed(const struct add_hook_def *d, struct btf *btf, const struct ksyms *ks,
			 const char **sym)
{
	if (d->params && btf_func_params(btf, d->target) != d->params)
		return false;
	if (d->trampoline) {
		*sym = d->target;
		return btf_func_params(btf, "vhost_vq_init_access") == 1;
	}
	return ksyms_find_clones(ks, "vhost", d->target, sym, 1) > 0;
}

static void choose(struct attach_plan *p, int hook, const char *sym, const char *because)
{
	p->hook = hook;
	snprintf(p->add_sym, sizeof(p->add_sym), "%s", sym);
	snprintf(p->add_why, sizeof(p->add_why), "%s on %s: %s", add_hooks[hook].kind, sym,
		 because ? because : add_hooks[hook].why);
}

static int plan_add_used(struct attach_plan *p, const struct ksyms *ks, struct btf *btf,
			 enum add_mode_req req, int forced)
{
	const char *sym = NULL;

	/* The in-order path exists where vhost_add_used_n takes nheads: that
	 * is in its BTF whatever the compiler inlined. */
	p->in_order_kernel = btf_func_params(btf, "vhost_add_used_n") == 4;
	if (forced >= 0) {
		const struct add_hook_def *d = &add_hooks[forced];

		if (!hook_allowed(d, btf, ks, &sym)) {
			elog("--add-used-mode %s: this kernel does not allow it (it needs %s%s%s with %d parameters in the vhost module's BTF); run with -v to see the default",
			     d->name, d->trampoline ? "BTF for " : "", d->target,
			     d->trampoline ? " and vhost_vq_init_access" : " in /proc/kallsyms",
			     d->params);
			return -1;
		}
		choose(p, forced, sym, "requested");
		p->forced = true;
	} else {
		char how[200], because[400];
		/* Trampolines only where kernel code is not preempted (see
		 * src/preempt.h), unless asked for. */
		bool preemptible = preempt_kind(NULL, NULL, NULL, how, sizeof(how)) != PREEMPT_NO;

		snprintf(because, sizeof(because),
			 "%s: BPF trampoline programs run preemptible there, and the kernel skips a program's next run on a CPU where its run was preempted; kprobe handlers run with preemption off",
			 how);
		for (int i = 0; i < ADD_HOOK__COUNT && !sym; i++) {
			const struct add_hook_def *d = &add_hooks[i];

			if ((p->in_order_kernel && !d->in_order) ||
			    (req == ADD_MODE_FENTRY && !d->trampoline) ||
			    (req == ADD_MODE_KPROBE && d->trampoline) ||
			    (req == ADD_MODE_AUTO && preemptible && d->trampoline))
				continue;
			if (hook_allowed(d, btf, ks, &sym))
				choose(p, i, sym, req != ADD_MODE_AUTO ? "requested" :
						  preemptible ? because : NULL);
		}
		if (!sym) {
			elog("no way to hook vhost publishing used entries on this kernel%s: is this an unsupported kernel build? (run with -v and report it)",
			     req == ADD_MODE_FENTRY ? " with BPF trampolines (try --add-used-mode kprobe)" :
			     req == ADD_MODE_KPROBE ? " with kprobes" : "");
			return -1;
		}
		p->forced = req != ADD_MODE_AUTO;
	}
	if (p->in_order_kernel && !add_hooks[p->hook].in_order) {
		p->misses_in_order = true;
		elog("warning: %s does not see this kernel's in-order path (VIRTIO_F_IN_ORDER rings): their entries will not be counted, and vqtrace will say so",
		     p->add_sym);
	}
	return 0;
}

/* The kprobe twin of a trampoline plan that could not load or attach. */
int attach_fallback(struct attach_plan *p, const struct ksyms *ks)
{
	int twin = add_hooks[p->hook].kprobe_twin;
	const char *sym = NULL;
	char why[200];

	if (p->forced || twin < 0 || !ksyms_find_clones(ks, "vhost", add_hooks[twin].target, &sym, 1))
		return -1;
	snprintf(why, sizeof(why), "the %s trampoline failed on this kernel, falling back",
		 add_hooks[p->hook].kind);
	choose(p, twin, sym, why);
	elog("add_used: %s", p->add_why);	/* even with -q: the mode changed */
	return 0;
}

static int plan_notify(struct attach_plan *p, const struct ksyms *ks)
{
	p->n_notify = ksyms_find_clones(ks, "vhost", "vhost_notify", p->notify_syms,
					MAX_NOTIFY_SYMS);
	if (!p->n_notify) {
		elog("vhost_notify is not in /proc/kallsyms (module vhost): it may be inlined in this kernel build, which vqtrace cannot hook; run with -v and report it");
		return -1;
	}
	/* A clone may have dropped the unused dev argument (it did in Debian
	 * 6.1 and 6.12). The name only orders the guesses; the BPF side
	 * confirms by finding a known vq pointer. */
	p->notify_arg_first = strchr(p->notify_syms[0], '.') ? VQ_NOTIFY_ARG1_FIRST
							       : VQ_NOTIFY_ARG2_FIRST;
	snprintf(p->notify_why, sizeof(p->notify_why),
		 "kprobe/kretprobe on %s%s (no BTF for it, so no fentry); vq looked for in argument %d first, confirmed per call; vhost's indexes %s",
		 p->notify_syms[0], p->n_notify > 1 ? " and its other clones" : "",
		 p->notify_arg_first == VQ_NOTIFY_ARG1_FIRST ? 1 : 2,
		 add_hooks[p->hook].trampoline ? "as the trampoline hooks left them" :
						 "read at entry");
	return 0;
}

/* One kick-side function: hooked where it is in kallsyms under its own
 * name with the BTF signature the row needs. A module that is not loaded
 * has nothing to hook yet (its vqs would show that, src/vqident.c); a
 * loaded one whose function cannot be hooked is counted in kick_unhooked. */
static void plan_kick_one(struct attach_plan *p, const struct ksyms *ks, struct btf_set *set,
			  const struct kick_hook_def *row, const char *module, const char *fn)
{
	const char *sym = NULL;
	int params;

	if (!ksyms_module_loaded(ks, module)) {
		vlog("kick side: %s not loaded, %s not hooked", module, fn);
		return;
	}
	params = btf_func_params(module_btf(set, module), fn);
	if (params != row->params || !ksyms_find_clones(ks, module, fn, &sym, 1) ||
	    strcmp(sym, fn) || p->n_kick >= MAX_KICK_LINKS) {
		elog("warning: cannot hook %s (%s) for %s: %s; those counts will be incomplete, and vqtrace will say so",
		     fn, module, row->counts,
		     params < 0 ? "no BTF for it" : params != row->params ? "its BTF signature differs" :
		     "not in /proc/kallsyms under that name");
		p->kick_unhooked++;
		return;
	}
	if (!strcmp(row->prog, "kick_handler_kprobe"))
		vq_kick_handler_hooked(fn);
	p->kick[p->n_kick].row = row;
	p->kick[p->n_kick++].sym = sym;
}

static void plan_kicks(struct attach_plan *p, const struct ksyms *ks, struct btf_set *set)
{
	const char *sym, *module;

	vq_kick_handlers_reset();
	for (int i = 0; i < KICK_HOOK__COUNT; i++) {
		const struct kick_hook_def *row = &kick_hooks[i];

		if (row->target) {
			plan_kick_one(p, ks, set, row, row->module, row->target);
			continue;
		}
		for (size_t h = 0; vq_kick_handler(h, &sym, &module); h++)
			plan_kick_one(p, ks, set, row, module, sym);
	}
	vlog("kick side: %zu kprobes (%u functions not hooked)", p->n_kick, p->kick_unhooked);
}

int attach_plan(struct attach_plan *p, const struct ksyms *ks, enum add_mode_req req,
		int forced, bool kicks, bool hist)
{
	struct btf_set set = {};
	struct btf *btf;
	char progs[160];
	int err;

	memset(p, 0, sizeof(*p));
	btf = module_btf(&set, "vhost");
	if (!btf)
		vlog("cannot read %s: no fentry for add_used", VHOST_BTF);
	err = plan_add_used(p, ks, btf, req, forced);
	if (!err && plan_notify(p, ks))
		err = -1;
	if (err) {
		btf_set_free(&set);
		return err;
	}
	/* Device teardown: retires its vqs (see bpf/lifecycle.bpf.h). */
	if (!ksyms_find_clones(ks, "vhost", "vhost_dev_cleanup", &p->cleanup_sym, 1)) {
		p->cleanup_sym = NULL;
		ilog("vhost_dev_cleanup not found: a vq address reused by a new device would keep the old identity");
	}
	p->kick_side = kicks;
	p->kick_hist = kicks && hist;
	if (kicks)
		plan_kicks(p, ks, &set);
	btf_set_free(&set);
	vlog("add_used: %s [mode %s: %s]", p->add_why, add_hooks[p->hook].name,
	     add_hook_progs(&add_hooks[p->hook], progs, sizeof(progs)));
	vlog("notify:   %s", p->notify_why);
	return 0;
}

/* Where a program of the chosen row attaches: the plan's symbol for the
 * row's target (a clone's name for kprobes), else the row's other target. */
static const char *prog_target(const struct attach_plan *p, const char *prog)
{
	const struct add_hook_def *d = &add_hooks[p->hook];
	const char *t = add_hook_prog_target(d, prog);

	return t == d->target ? p->add_sym : t;
}

/* A trampoline's target. The e2e suite names a function that does not
 * exist in VQTRACE_TEST_TRAMPOLINE_TARGET, so that the kernel really
 * refuses the trampoline and the kprobe fallback (src/session.c) runs. */
static const char *trampoline_target(const struct attach_plan *p, const char *prog)
{
	const char *test = getenv("VQTRACE_TEST_TRAMPOLINE_TARGET");

	return test && *test ? test : prog_target(p, prog);
}

int attach_configure(struct attach_plan *p, struct vqtrace_bpf *skel)
{
	const struct add_hook_def *d = &add_hooks[p->hook];
	struct bpf_program *prog;

	/* The row's programs load; the other rows' do not. */
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		bool mine = add_hook_has_prog(d, name);

		if (!add_hook_prog(name))
			continue;
		bpf_program__set_autoload(prog, mine);
		if (mine && bpf_program__type(prog) == BPF_PROG_TYPE_TRACING &&
		    bpf_program__set_attach_target(prog, 0, trampoline_target(p, name)))
			return -1;
	}
	/* The kick side's programs load only with --kicks, the run
	 * histograms' exit programs only with --hist as well. */
	bpf_object__for_each_program(prog, skel->obj) {
		bool exit_prog;
		const struct kick_hook_def *k = kick_hook_of(bpf_program__name(prog), &exit_prog);

		if (k)
			bpf_program__set_autoload(prog, exit_prog && k->ret_hist_only ?
							p->kick_hist : p->kick_side);
	}
	skel->rodata->add_count_arg = d->count_arg;
	skel->rodata->notify_arg_first = p->notify_arg_first;
	skel->rodata->notify_inputs_tracked = d->trampoline;
	return 0;
}

static int add_link(struct attach_plan *p, struct bpf_program *prog, bool ret, const char *sym)
{
	struct bpf_link *l;

	if (!sym)
		l = bpf_program__attach(prog);
	else
		l = bpf_program__attach_kprobe(prog, ret, sym);
	if (!l) {
		int err = -errno;

		if (err == -ENOENT || err == -EOPNOTSUPP)
			elog("cannot attach to %s (%s): does this kernel have kprobes (CONFIG_KPROBES) and is the vhost module still loaded?",
			     sym ? sym : p->add_sym, strerror(-err));
		else
			elog("cannot attach %s to %s: %s", bpf_program__name(prog),
			     sym ? sym : p->add_sym, strerror(-err));
		return -1;
	}
	p->links[p->n_links++] = l;
	return 0;
}

/* A kick-side function that will not attach is counted, not fatal: the
 * used entries and interrupts are still seen whole. A return probe goes
 * on before its entry, as below. */
static void attach_kick(struct attach_plan *p, struct vqtrace_bpf *skel, const struct kick_link *k)
{
	const char *names[2] = { k->row->ret_prog, k->row->prog };

	for (int i = 0; i < 2; i++) {
		struct bpf_program *prog;
		struct bpf_link *l;

		if (!names[i] || (i == 0 && k->row->ret_hist_only && !p->kick_hist))
			continue;
		prog = bpf_object__find_program_by_name(skel->obj, names[i]);
		l = prog ? bpf_program__attach_kprobe(prog, i == 0, k->sym) : NULL;
		if (!l) {
			elog("warning: cannot attach %s to %s: %s; its counts (%s) will be incomplete, and vqtrace will say so",
			     names[i], k->sym, strerror(errno), k->row->counts);
			p->kick_unhooked++;
			return;
		}
		p->links[p->n_links++] = l;
	}
}

int attach_links(struct attach_plan *p, struct vqtrace_bpf *skel)
{
	/* Notify first: a decision is never missed for a vq add_used saw. */
	for (size_t i = 0; i < p->n_notify; i++) {
		if (add_link(p, skel->progs.notify_kretprobe, true, p->notify_syms[i]) ||
		    add_link(p, skel->progs.notify_kprobe, false, p->notify_syms[i]))
			return -1;
	}
	if (p->cleanup_sym && add_link(p, skel->progs.dev_cleanup_kprobe, false, p->cleanup_sym))
		return -1;
	for (size_t i = 0; i < p->n_kick; i++)
		attach_kick(p, skel, &p->kick[i]);
	/* In the row's order (src/hooks.h). */
	for (const char *const *n = add_hooks[p->hook].progs; *n; n++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(skel->obj, *n);
		size_t len = strlen(*n);
		bool ret = len >= 9 && !strcmp(*n + len - 9, "kretprobe");

		if (!prog)
			return -1;
		if (add_link(p, prog, ret,
			     bpf_program__type(prog) == BPF_PROG_TYPE_TRACING ? NULL :
			     prog_target(p, *n)))
			return -1;
	}
	return 0;
}

void attach_detach(struct attach_plan *p)
{
	for (size_t i = 0; i < p->n_links; i++)
		bpf_link__destroy(p->links[i]);
	p->n_links = 0;
}

void attach_describe(const struct attach_plan *p, char *add, size_t add_len, char *notify,
		     size_t notify_len)
{
	snprintf(add, add_len, "%s:%s", add_hooks[p->hook].kind, p->add_sym);
	snprintf(notify, notify_len, "kprobe:%s", p->n_notify ? p->notify_syms[0] : "");
}
