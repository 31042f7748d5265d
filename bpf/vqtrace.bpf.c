// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vqtrace's BPF programs: thin attach points over the shared helpers in
 * add_used.bpf.h and notify.bpf.h. Which of them load and attach is the
 * hook mode userspace chose from the kernel's BTF (src/hooks.c, one row
 * per mode); the notify kprobes attach to the clone it resolved. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "add_used.bpf.h"
#include "notify.bpf.h"
#include "lifecycle.bpf.h"
#include "kick.bpf.h"

SEC("fexit/__vhost_add_used_n")
int BPF_PROG(add_used_fexit, struct vhost_virtqueue *vq, void *heads,
	     unsigned int count, int ret)
{
	u64 key = 0;

	bpf_get_func_arg(ctx, 0, &key);	/* vq as a number; inlined */
	add_used_exit_direct(vq, key, count, ret);
	return 0;
}

SEC("fentry/vhost_add_used_n")
int BPF_PROG(add_used_n_fentry, struct vhost_virtqueue *vq)
{
	u64 key = 0;

	bpf_get_func_arg(ctx, 0, &key);
	add_used_n_enter_direct(vq, key);
	return 0;
}

/* 6.17+'s vhost_add_used_n(vq, heads, nheads, count): ret is argument 4. */
SEC("fexit/vhost_add_used_n")
int BPF_PROG(add_used_n_fexit, struct vhost_virtqueue *vq, void *heads, u16 *nheads,
	     unsigned int count, int ret)
{
	u64 key = 0;

	bpf_get_func_arg(ctx, 0, &key);
	add_used_n_exit_direct(vq, key, count, ret);
	return 0;
}

SEC("fexit/vhost_vq_init_access")
int BPF_PROG(init_access_fexit, struct vhost_virtqueue *vq, int ret)
{
	u64 key = 0;

	bpf_get_func_arg(ctx, 0, &key);
	init_access_exit(vq, key);
	return 0;
}

/* Ring setups, for the kprobe modes (the trampoline modes have the fexit
 * above, which also follows the state). */
SEC("kprobe")
int BPF_KPROBE(init_access_kprobe, struct vhost_virtqueue *vq)
{
	init_access_enter(vq);
	return 0;
}

/* Which argument holds the element count: 3 for __vhost_add_used_n and
 * the split-only vhost_add_used_n, 4 for 6.17+'s vhost_add_used_n (after
 * nheads). Set from the hook mode before load (src/hooks.c). */
const volatile int add_count_arg = 3;

SEC("kprobe")
int BPF_KPROBE(add_used_kprobe, struct vhost_virtqueue *vq, void *heads, u64 a3, u64 a4)
{
	add_used_enter(vq, (u32)(add_count_arg == 4 ? a4 : a3));
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(add_used_kretprobe, long ret)
{
	add_used_exit((int)ret);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(notify_kprobe, u64 a1, u64 a2)
{
	notify_enter(a1, a2);
	return 0;
}

/* Q2 (bpf/core_fixes.bpf.h): vhost_notify returns bool in the low byte
 * only; the rest of the register holds leftovers of its arithmetic. */
SEC("kretprobe")
int BPF_KRETPROBE(notify_kretprobe, long ret)
{
	notify_exit((u8)ret);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(dev_cleanup_kprobe, struct vhost_dev *dev)
{
	dev_cleanup(dev);
	return 0;
}

/* The kick side (bpf/kick.bpf.h); src/hooks.c says where each attaches. */
SEC("kprobe")
int BPF_KPROBE(kick_wakeup_kprobe, u64 wait, u32 mode, int sync, u64 key)
{
	kick_wakeup(wait, mode, key);
	return 0;
}

/* One program on every kick handler: they all take the vq's poll work. */
SEC("kprobe")
int BPF_KPROBE(kick_handler_kprobe, u64 work)
{
	kick_handler(work);
	return 0;
}

/* ...and their return, for the run histograms (--kicks --hist only). */
SEC("kretprobe")
int BPF_KRETPROBE(kick_handler_kretprobe)
{
	run_end();
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(notify_disable_kprobe, u64 dev, u64 vq)
{
	kick_disable(vq);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(notify_enable_kprobe, u64 dev, u64 vq)
{
	kick_enable_enter(vq);
	return 0;
}

/* bool in the low byte, as vhost_notify's (Q2). */
SEC("kretprobe")
int BPF_KRETPROBE(notify_enable_kretprobe, long ret)
{
	kick_enable_exit((u8)ret);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(busy_poll_kprobe, u64 net, u64 rvq, u64 tvq, u64 intr, u64 poll_rx)
{
	/* In registers before the choice: 6.1's verifier refuses a load
	 * through a context pointer moved by a computed offset. */
	barrier_var(rvq);
	barrier_var(tvq);
	kick_busy_poll(rvq, tvq, (u8)poll_rx);
	return 0;
}

/* Run by userspace with BPF_PROG_TEST_RUN, never attached. */
SEC("raw_tp")
int refresh(void *ctx)
{
	refresh_all();
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
