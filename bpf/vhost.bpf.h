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

/* vhost's ring indexes of one vq, as one snapshot. */
struct vq_indexes {
	u16 last_avail_idx;
	u16 avail_idx;
	u16 last_used_idx;
	u16 signalled_used;
	u8 valid;		/* signalled_used_valid */
};

#define VQ_IDX_SPAN 32

/* The indexes sit together in struct vhost_virtqueue in every kernel from
 * 4.19 to 7.0 (6.17 inserts next_avail_head among them): one probe read of
 * the span instead of one per field. The offsets are CO-RE relocated
 * constants, so the check below is decided at load time. */
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
	return avail + 4 + 2 * (u64)num;
}

#endif /* __VQTRACE_VHOST_BPF_H */
