// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "preflight.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* kernel.kptr_restrict as the file says it, or "?". */
static const char *kptr_restrict(void)
{
	static char v[8] = "?";
	FILE *f = fopen("/proc/sys/kernel/kptr_restrict", "r");

	if (f) {
		if (!fgets(v, sizeof(v), f))
			strcpy(v, "?");
		v[strcspn(v, "\n")] = 0;
		fclose(f);
	}
	return v;
}

/* /proc/kallsyms shows addresses to this process: some symbol among the
 * first lines has a non-zero one (the per-CPU symbols at its top are 0
 * even when addresses are shown; hidden, every one is 0). */
static bool kallsyms_addresses(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	unsigned long long addr = 0;
	char line[256];
	int n = 0;

	if (!f)
		return false;
	while (!addr && n++ < 4096 && fgets(line, sizeof(line), f))
		addr = strtoull(line, NULL, 16);
	fclose(f);
	return addr != 0;
}

/* What vqtrace needs of its privileges, asked of the kernel by doing it
 * rather than by reading the capability sets, so that a kernel that asks
 * less is not refused (README "Least privilege", measured on 6.1, 6.12
 * and 7.3):
 * - CAP_SYS_ADMIN: the vhost module's BTF (its struct vhost_virtqueue and
 *   the add_used hook's attach target) is found only by listing the
 *   kernel's BTF objects by id, which takes CAP_SYS_ADMIN; it also covers
 *   CAP_BPF and CAP_PERFMON (loading tracing programs, kprobes).
 * - CAP_SYSLOG: /proc/kallsyms addresses (the vhost_notify clone, the kick
 *   handlers that name a queue's role), unless kernel.kptr_restrict=0 and
 *   kernel.perf_event_paranoid <= 1 show them to anyone.
 * VQTRACE_TEST_SKIP_PRIV_CHECK=1 skips this, so that tests/pkg can show
 * that a run without one of them really fails. 0, or 1 after one line. */
static int check_privileges(void)
{
	__u32 id = 0;
	const char *skip = getenv("VQTRACE_TEST_SKIP_PRIV_CHECK");

	if (skip && !strcmp(skip, "1"))
		return 0;
	if (bpf_btf_get_next_id(0, &id) && (errno == EPERM || errno == EACCES)) {
		elog("missing capability CAP_SYS_ADMIN: the kernel refuses to list its BTF objects, which vqtrace needs to find the vhost module's; run as root or see \"Privileges\" in vqtrace --help");
		return 1;
	}
	if (!kallsyms_addresses()) {
		if (access("/proc/kallsyms", R_OK))
			elog("cannot read /proc/kallsyms: %s", strerror(errno));
		else if (!strcmp(kptr_restrict(), "2"))
			elog("kernel.kptr_restrict=2 hides /proc/kallsyms addresses even from root: vqtrace needs them; 'sysctl kernel.kptr_restrict=1' and run it again");
		else
			elog("missing capability CAP_SYSLOG: /proc/kallsyms shows no addresses to this process (kernel.kptr_restrict=%s); run as root or see \"Privileges\" in vqtrace --help",
			     kptr_restrict());
		return 1;
	}
	return 0;
}

int preflight(const struct env *env)
{
	int err = check_pids(env);

	if (err)
		return err;
	err = check_privileges();
	if (err)
		return err;
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
