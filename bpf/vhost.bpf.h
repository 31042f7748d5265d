/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Minimal CO-RE views of the vhost core structs. They live in the vhost
 * module's BTF (/sys/kernel/btf/vhost), not in vmlinux.h, so only the fields
 * vqtrace reads are declared; libbpf relocates each access against the
 * running kernel's module BTF. Field names are stable from 4.19 to 7.0
 * (see shared notes kernel-vhost.md); acked_features sits inside an anonymous
 * union from 6.17 on, which CO-RE matching looks through. */
#ifndef __VQTRACE_VHOST_BPF_H
#define __VQTRACE_VHOST_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

#define VIRTIO_F_NOTIFY_ON_EMPTY	24
#define VIRTIO_RING_F_EVENT_IDX		29
#define PF_KTHREAD			0x00200000

struct vhost_virtqueue;

struct vhost_dev {
	struct mm_struct *mm;
	struct vhost_virtqueue **vqs;
	int nvqs;
} __attribute__((preserve_access_index));

struct vhost_virtqueue {
	struct vhost_dev *dev;
	unsigned int num;
	void *avail;		/* guest (user) address of the avail ring */
	void *handle_kick;
	u16 last_avail_idx;
	u16 avail_idx;
	u16 last_used_idx;
	u16 signalled_used;
	bool signalled_used_valid;
	u64 acked_features;
} __attribute__((preserve_access_index));

/* mm->owner exists only with CONFIG_MEMCG (y in Debian's kernels). */
struct mm_struct___owner {
	struct task_struct *owner;
} __attribute__((preserve_access_index));

static __always_inline bool vq_has_feature(u64 features, int bit)
{
	return features & (1ULL << bit);
}

/* Guest address of used_event: &avail->ring[num], i.e. after the 2-byte
 * flags, 2-byte idx and num 2-byte ring entries. */
static __always_inline void *vq_used_event_addr(void *avail, u32 num)
{
	return avail + 4 + 2 * (u64)num;
}

#endif /* __VQTRACE_VHOST_BPF_H */
