// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "preflight.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "log.h"

static int check_pids(const struct env *env)
{
	for (int i = 0; i < env->npids; i++) {
		if (kill(env->pids[i], 0) && errno == ESRCH) {
			elog("no process with pid %d: check the pid (e.g. pidof qemu-system-x86_64)",
			     env->pids[i]);
			return 2;
		}
	}
	return 0;
}

/* What every hook mode needs, asked of the kernel itself (the BPF
 * trampolines' bpf_get_func_arg, 5.17, is not: a trampoline that fails to
 * load falls back to kprobes, src/session.c). README: "Minimum kernel". */
static int check_bpf_features(void)
{
	static const struct {
		enum bpf_map_type map;
		enum bpf_func_id helper;
		const char *what, *since;
	} need[] = {
		{ BPF_MAP_TYPE_RINGBUF, 0, "BPF ring buffers", "5.8" },
		{ 0, BPF_FUNC_for_each_map_elem, "bpf_for_each_map_elem", "5.13" },
	};

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		int ok = need[i].map ? libbpf_probe_bpf_map_type(need[i].map, NULL)
				    : libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, need[i].helper, NULL);

		if (ok == 0) {
			elog("this kernel lacks %s (Linux %s and later): vqtrace cannot run here; see \"Minimum kernel\" in the README",
			     need[i].what, need[i].since);
			return 1;
		}
	}
	return 0;
}

int preflight(const struct env *env)
{
	int err = check_pids(env);

	if (err)
		return err;
	if (geteuid() != 0) {
		elog("needs root (CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN): run it with sudo");
		return 1;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		elog("this kernel has no BTF (/sys/kernel/btf/vmlinux): it needs CONFIG_DEBUG_INFO_BTF=y");
		return 1;
	}
	if (access("/sys/module/vhost", F_OK)) {
		elog("the vhost module is not loaded: start a VM that uses vhost (or 'modprobe vhost_net') and run vqtrace again");
		return 1;
	}
	if (access("/sys/kernel/btf/vhost", R_OK)) {
		elog("the vhost module has no BTF (/sys/kernel/btf/vhost): the kernel needs CONFIG_DEBUG_INFO_BTF_MODULES=y");
		return 1;
	}
	return check_bpf_features();
}
