// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "attach.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
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

static struct btf *load_vhost_btf(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf(), *mod;

	if (!vmlinux)
		return NULL;
	mod = btf__parse_split(VHOST_BTF, vmlinux);
	if (!mod) {
		btf__free(vmlinux);
		return NULL;
	}
	return mod;	/* the base is freed with it below */
}

static void free_vhost_btf(struct btf *mod)
{
	if (mod) {
		struct btf *base = (struct btf *)btf__base_btf(mod);

		btf__free(mod);
		btf__free(base);
	}
}

static int plan_add_used(struct attach_plan *p, const struct ksyms *ks,
			 struct btf *btf, enum add_mode_req req)
{
	const char *syms[1];

	/* 6.17+: with VIRTIO_F_IN_ORDER, vhost_add_used_n_in_order publishes
	 * entries without calling __vhost_add_used_n; only the exported
	 * vhost_add_used_n sees both paths. */
	if (ksyms_find_clones(ks, "vhost", "vhost_add_used_n_in_order", syms, 1) &&
	    ksyms_find_clones(ks, "vhost", "vhost_add_used_n", syms, 1)) {
		if (req == ADD_MODE_FENTRY) {
			elog("--add-used-mode fentry: this kernel (6.17+) needs the vhost_add_used_n kprobe; use kprobe");
			return -1;
		}
		snprintf(p->add_sym, sizeof(p->add_sym), "%s", syms[0]);
		snprintf(p->add_why, sizeof(p->add_why),
			 "kprobe/kretprobe on %s: this kernel has the 6.17+ in-order path, which bypasses __vhost_add_used_n",
			 syms[0]);
		return 0;
	}
	/* The fexit works out the entry state, which needs every other writer
	 * of signalled_used_valid hooked: vhost_vq_init_access too. */
	if (btf_func_params(btf, "__vhost_add_used_n") == 3 &&
	    btf_func_params(btf, "vhost_vq_init_access") == 1 && req != ADD_MODE_KPROBE) {
		p->add_fentry = true;
		snprintf(p->add_sym, sizeof(p->add_sym), "__vhost_add_used_n");
		snprintf(p->add_why, sizeof(p->add_why),
			 "fexit (with fexit on vhost_vq_init_access): both have BTF in the vhost module");
		return 0;
	}
	if (req == ADD_MODE_FENTRY) {
		elog("--add-used-mode fentry: __vhost_add_used_n or vhost_vq_init_access has no BTF on this kernel; use kprobe");
		return -1;
	}
	/* No BTF, or kprobes requested; if __vhost_add_used_n was inlined,
	 * the exported wrapper sees the same entries. */
	if (ksyms_find_clones(ks, "vhost", "__vhost_add_used_n", syms, 1) ||
	    ksyms_find_clones(ks, "vhost", "vhost_add_used_n", syms, 1)) {
		snprintf(p->add_sym, sizeof(p->add_sym), "%s", syms[0]);
		snprintf(p->add_why, sizeof(p->add_why), "kprobe/kretprobe on %s: %s", syms[0],
			 req == ADD_MODE_KPROBE ? "requested" :
			 strncmp(syms[0], "__", 2) ? "__vhost_add_used_n is inlined" : "no BTF for it");
		return 0;
	}
	elog("neither __vhost_add_used_n nor vhost_add_used_n is in /proc/kallsyms for module vhost: is this an unsupported kernel build? (run with -v and report it)");
	return -1;
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
		 p->add_fentry ? "as the fexit hooks left them" : "read at entry");
	return 0;
}

int attach_plan(struct attach_plan *p, const struct ksyms *ks, enum add_mode_req req)
{
	struct btf *btf = load_vhost_btf();
	int err;

	memset(p, 0, sizeof(*p));
	if (!btf)
		vlog("cannot read %s: no fentry for add_used", VHOST_BTF);
	err = plan_add_used(p, ks, btf, req);
	free_vhost_btf(btf);
	if (err)
		return err;
	if (plan_notify(p, ks))
		return -1;
	/* Device teardown: retires its vqs (see bpf/lifecycle.bpf.h). */
	if (!ksyms_find_clones(ks, "vhost", "vhost_dev_cleanup", &p->cleanup_sym, 1)) {
		p->cleanup_sym = NULL;
		ilog("vhost_dev_cleanup not found: a vq address reused by a new device would keep the old identity");
	}
	vlog("add_used: %s", p->add_why);
	vlog("notify:   %s", p->notify_why);
	return 0;
}

int attach_configure(struct attach_plan *p, struct vqtrace_bpf *skel)
{
	struct bpf_program *fexit = skel->progs.add_used_fexit;
	struct bpf_program *init = skel->progs.init_access_fexit;

	bpf_program__set_autoload(fexit, p->add_fentry);
	bpf_program__set_autoload(init, p->add_fentry);
	bpf_program__set_autoload(skel->progs.add_used_kprobe, !p->add_fentry);
	bpf_program__set_autoload(skel->progs.add_used_kretprobe, !p->add_fentry);
	if (p->add_fentry) {
		if (bpf_program__set_attach_target(fexit, 0, p->add_sym) ||
		    bpf_program__set_attach_target(init, 0, "vhost_vq_init_access"))
			return -1;
	}
	skel->rodata->notify_arg_first = p->notify_arg_first;
	skel->rodata->notify_inputs_tracked = p->add_fentry;
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
	/* The state tracker before the hook that relies on it. */
	if (p->add_fentry)
		return add_link(p, skel->progs.init_access_fexit, false, NULL) ||
		       add_link(p, skel->progs.add_used_fexit, false, NULL) ? -1 : 0;
	return add_link(p, skel->progs.add_used_kretprobe, true, p->add_sym) ||
	       add_link(p, skel->progs.add_used_kprobe, false, p->add_sym) ? -1 : 0;
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
	snprintf(add, add_len, "%s:%s", p->add_fentry ? "fexit" : "kprobe", p->add_sym);
	snprintf(notify, notify_len, "kprobe:%s", p->n_notify ? p->notify_syms[0] : "");
}
