/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Everything vqtrace knows about how vhost differs between kernels, in one
 * place (after libbpf-tools' core_fixes.bpf.h): the CO-RE views of vhost's
 * structs, and below, every kernel fact the code relies on, with the
 * version or commit it comes from and where it is handled. A fact marked
 * "run" was seen in the rig (tools/vm: Debian 6.1, 6.12, 7.3), not only
 * read. Hook choices are made from BTF, never from a version number.
 *
 * Q1 vhost_notify has no BTF and exists only as a compiler clone without
 *    the unused dev argument, so the vq is in the first register:
 *    .constprop.0 in Debian 6.1 and 6.12, .isra.0 in Debian 7.3 (run). Only
 *    kprobes can hook it; the vq is found by evidence, per call
 *    (bpf/notify.bpf.h, src/attach.c plan_notify).
 * Q2 vhost_notify returns bool in %al only; the rest of %rax holds
 *    leftovers (run: 3 of 272 decisions wrong when read whole). The
 *    kretprobe takes the low byte (bpf/vqtrace.bpf.c).
 * Q3 vhost_signal is inlined into vhost_add_used_and_signal_n (Debian 6.1,
 *    6.12): a probe on it misses most signals, so vqtrace never hooks it.
 * Q4 struct vhost_virtqueue and the vhost functions are in the vhost
 *    module's BTF (/sys/kernel/btf/vhost), not in vmlinux (run, all three).
 *    The views below are relocated against it; its offsets move between
 *    builds (last_used_idx: 324 in 6.12, 310 in 7.3).
 * Q5 6.17 (67a873df0c41 "vhost: basic in order support"): vhost_add_used_n
 *    gains u16 *nheads; with VIRTIO_F_IN_ORDER its in-order branch
 *    publishes without calling __vhost_add_used_n, one used element per
 *    batch, advancing last_used_idx by the sum of nheads, with its own copy
 *    of the wrap check. Debian 7.3 inlines that branch (no symbol of its
 *    own, run). vqtrace tells such kernels apart by the BTF of
 *    vhost_add_used_n (4 parameters) and hooks the whole call
 *    (src/hooks.c, fentry-n / kprobe-n).
 * Q6 6.17: acked_features sits in a union with acked_features_array[2];
 *    CO-RE field matching looks through the anonymous union (run on 7.3).
 * Q7 6.4 (6e890c5d5021 "vhost: use vhost_tasks for worker threads"):
 *    workers are threads of the owner, not kthreads; 6.16/6.12.y
 *    (7d9896e9f6d0 "vhost: Reintroduce kthread API and add mode
 *    selection") brings back kthreads per device (VHOST_SET_FORK_FROM_OWNER).
 *    The owner is found through dev->mm->owner, right for both (run: 6.12,
 *    7.3 with --kthread; 6.1 kthreads only).
 * Q8 mm->owner exists only with CONFIG_MEMCG (y in Debian): a flavor below.
 * Q9 The ring indexes sit within 32 bytes of each other in vhost_virtqueue
 *    from 4.19 to 7.0 (6.17 inserts next_avail_head among them): one probe
 *    read of the span, checked at load time (vq_read_indexes).
 * Q10 Writers of signalled_used_valid: __vhost_add_used_n (or the 6.17+
 *    in-order branch), vhost_notify, vhost_vq_init_access and
 *    vhost_vq_reset, from 4.19 to 7.3 (read; the every-64th-notify re-read
 *    counts a miss in stash_full, and e2e expects 0 on all three kernels).
 * Q11 The kernel skips a BPF program run it would nest (recursion_misses,
 *    summed in hook_misses): a trampoline program when the same program is
 *    running on that CPU (it runs preemptible: a vhost worker preempted
 *    inside it), a kprobe program when any kprobe program or a BPF map
 *    system call (bpf_disable_instrumentation) is in progress there. Only
 *    a kernel that preempts kernel code lets a worker run inside those
 *    windows: Debian 7.3 (PREEMPT_LAZY, run: both kinds lost calls under
 *    load), not 6.1/6.12 (voluntary, run: none). Hence kprobes on such
 *    kernels (src/preempt.h), userspace reading the counters through
 *    mappings, and map system calls only when needed (src/session.c).
 * Q12 A guest kick is a write to the vq's kick eventfd, which wakes
 *    vhost_poll_wakeup(wait, mode, sync, key) on &vq->poll.wait with mode
 *    TASK_NORMAL and key EPOLLIN; the work it queues is vq->handle_kick.
 *    vhost_poll_start (VHOST_SET_VRING_KICK) calls it directly with mode 0
 *    when the eventfd already holds a count: that is no new kick. vhost-net's
 *    socket polls are vhost_polls too (n->poll[], handle_tx_net and
 *    handle_rx_net): they are told apart by their work function, which is
 *    no vq's handle_kick. vhost_poll_wakeup, handle_{tx,rx}_kick,
 *    vhost_vsock_handle_{tx,rx}_kick and vhost_scsi_{,ctl_,evt_}handle_kick
 *    are out of line with BTF in Debian 6.1, 6.12 and 7.3 (run).
 * Q13 vhost_enable_notify(dev, vq) returns true when the guest added
 *    buffers while notifications were being turned on (the re-check after
 *    writing the flag or avail_event); vhost_disable_notify(dev, vq).
 *    Both take (dev, vq) in 6.1 to 7.3 (BTF, run). Enable returns false
 *    at once, re-reading nothing, when kicks were on already
 *    (vq->used_flags without VRING_USED_F_NO_NOTIFY); else false means
 *    the guest's avail index equals vq->avail_idx, which vhost wrote as
 *    avail_event: the guest must kick for its next buffer (read in 6.1
 *    and 7.3's vhost.c: 6.1 compares the re-read with vq->avail_idx,
 *    6.10+ stores it there and compares with last_avail_idx).
 * Q14 vhost_net_busy_poll(net, rvq, tvq, busyloop_intr, poll_rx) runs once
 *    per busy-poll round of vhost-net (only with a busyloop timeout set):
 *    poll_rx says which queue it serves. Out of line in 6.1 to 7.3 (BTF).
 */
#ifndef __VQTRACE_CORE_FIXES_BPF_H
#define __VQTRACE_CORE_FIXES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include "virtio_bits.h"

#define PF_KTHREAD			0x00200000

struct vhost_virtqueue;

struct vhost_dev {
	struct mm_struct *mm;
	struct vhost_virtqueue **vqs;
	int nvqs;
} __attribute__((preserve_access_index));

/* The kick side (bpf/kick.bpf.h, Q12-Q14). */
struct vhost_work {
	void *fn;		/* vhost_work_fn_t: the handler the worker runs */
} __attribute__((preserve_access_index));

struct vhost_poll {
	struct wait_queue_entry wait;	/* on the kick eventfd's wait queue */
	struct vhost_work work;
	__poll_t mask;
} __attribute__((preserve_access_index));

struct vhost_virtqueue {
	struct vhost_dev *dev;
	struct vhost_poll poll;	/* the kick eventfd's poll (vq->kick) */
	unsigned int num;
	void *avail;		/* guest (user) address of the avail ring */
	void *used;		/* ...and of the used ring */
	void *handle_kick;
	void *private_data;	/* the backend (vhost_vq_get_backend); NULL: none */
	u16 last_avail_idx;
	u16 avail_idx;
	u16 last_used_idx;
	u16 signalled_used;
	bool signalled_used_valid;
	u16 used_flags;		/* VRING_USED_F_NO_NOTIFY: kicks off (Q13) */
	u64 acked_features;
} __attribute__((preserve_access_index));

/* Q8: mm->owner exists only with CONFIG_MEMCG (y in Debian's kernels). */
struct mm_struct___owner {
	struct task_struct *owner;
} __attribute__((preserve_access_index));

/* vhost's ring indexes of one vq, as one snapshot. */
struct vq_indexes {
	u16 last_avail_idx;
	u16 avail_idx;
	u16 last_used_idx;
	u16 signalled_used;
	u8 valid;		/* signalled_used_valid */
};

#define VQ_IDX_SPAN 32

/* Q9: one probe read of the span instead of one per field. The offsets are
 * CO-RE relocated constants, so the check below is decided at load time. */
static __always_inline void vq_read_indexes(struct vhost_virtqueue *vq, struct vq_indexes *ix)
{
	u32 base = bpf_core_field_offset(vq->last_avail_idx);
	u32 o_avail = bpf_core_field_offset(vq->avail_idx);
	u32 o_used = bpf_core_field_offset(vq->last_used_idx);
	u32 o_sig = bpf_core_field_offset(vq->signalled_used);
	u32 o_valid = bpf_core_field_offset(vq->signalled_used_valid);
	u8 buf[VQ_IDX_SPAN] = {};

	if (o_avail > base && o_used > base && o_sig > base && o_valid > base &&
	    o_avail + 2 <= base + VQ_IDX_SPAN && o_used + 2 <= base + VQ_IDX_SPAN &&
	    o_sig + 2 <= base + VQ_IDX_SPAN && o_valid + 1 <= base + VQ_IDX_SPAN) {
		bpf_probe_read_kernel(buf, sizeof(buf), (void *)vq + base);
		ix->last_avail_idx = *(u16 *)buf;
		ix->avail_idx = *(u16 *)(buf + (o_avail - base));
		ix->last_used_idx = *(u16 *)(buf + (o_used - base));
		ix->signalled_used = *(u16 *)(buf + (o_sig - base));
		ix->valid = buf[o_valid - base];
		return;
	}
	ix->last_avail_idx = BPF_CORE_READ(vq, last_avail_idx);
	ix->avail_idx = BPF_CORE_READ(vq, avail_idx);
	ix->last_used_idx = BPF_CORE_READ(vq, last_used_idx);
	ix->signalled_used = BPF_CORE_READ(vq, signalled_used);
	ix->valid = BPF_CORE_READ(vq, signalled_used_valid);
}

static __always_inline bool vq_has_feature(u64 features, int bit)
{
	return features & (1ULL << bit);
}

/* Guest address of used_event: &avail->ring[num], i.e. after the 2-byte
 * flags, 2-byte idx and num 2-byte ring entries. */
static __always_inline void *vq_used_event_addr(void *avail, u32 num)
{
	return avail + VQ_USED_EVENT_OFFSET(num);
}

#endif /* __VQTRACE_CORE_FIXES_BPF_H */
