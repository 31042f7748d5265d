/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The virtio bits vqtrace reads, defined once for src/ and bpf/ (through
 * vq_rules.h): feature bit numbers as in the acked features and a split
 * ring's avail->flags. Prefixed so they never clash with linux/virtio_*.h.
 * Plain macros, no types: includable under vmlinux.h as well. */
#ifndef __VQTRACE_VIRTIO_BITS_H
#define __VQTRACE_VIRTIO_BITS_H

/* Feature bit numbers. */
#define VQ_F_NOTIFY_ON_EMPTY		24	/* VIRTIO_F_NOTIFY_ON_EMPTY */
#define VQ_F_RING_EVENT_IDX		29	/* VIRTIO_RING_F_EVENT_IDX */
/* The mask of a feature bit number, to test against a features word. */
#define VQ_FEATURE(bit)			(1ULL << (bit))

/* Split ring avail->flags bit: the driver asks for no interrupts. */
#define VQ_AVAIL_F_NO_INTERRUPT		1
/* Split ring used->flags bit: the device asks for no kicks. */
#define VQ_USED_F_NO_NOTIFY		1
/* Byte offset of idx in a split ring's avail (after the 2-byte flags), and
 * of used_event: &avail->ring[num], after flags, idx and num entries. */
#define VQ_AVAIL_IDX_OFFSET		2
#define VQ_USED_EVENT_OFFSET(num)	(4 + 2 * (__u64)(num))

#endif /* __VQTRACE_VIRTIO_BITS_H */
