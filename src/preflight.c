// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "preflight.h"

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
	return 0;
}
