/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The per-vq map, the owner filter and the probes' health counters. A vq is
 * identified on its first add_used: owner process, device, queue index and
 * kick handler are read once and kept with its counters. */
#ifndef __VQTRACE_VQ_STATE_BPF_H
#define __VQTRACE_VQ_STATE_BPF_H

#include "vhost.bpf.h"
#include "vqtrace.h"
#include <bpf/bpf_helpers.h>

/* Set by userspace before load. */
const volatile bool filter_owner = false;	/* only owners in `targets` */
const volatile bool filter_descendants = false;	/* ...or their descendants */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VQ_DEFAULT_MAX_VQS);
	__type(key, u64);
	__type(value, struct vq_stats);
} vqs SEC(".maps");

/* vqs of owners the filter rejected, so that their later calls cost one
 * lookup; kept apart so that they never take a traced vq's slot. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VQ_DEFAULT_MAX_VQS);
	__type(key, u64);
	__type(value, u32);
} ignored_vqs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VQ_MAX_TARGETS);
	__type(key, u32);
	__type(value, u8);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct vq_global);
} global SEC(".maps");

#define GLOBAL_INC(field)						\
	do {								\
		u32 __zero = 0;						\
		struct vq_global *__g = bpf_map_lookup_elem(&global, &__zero); \
		if (__g)						\
			__sync_fetch_and_add(&__g->field, 1);		\
	} while (0)

/* The process owning the device: dev->mm->owner where the kernel has it
 * (CONFIG_MEMCG). This is right for every worker model: kthreads before 6.4
 * and in 6.12+'s fork-owner=0 mode, and vhost_task threads from 6.4 on.
 * Without mm->owner only a non-kthread worker (a thread of the owner) can
 * be attributed. */
static __always_inline struct task_struct *vq_owner_task(struct vhost_virtqueue *vq)
{
	struct mm_struct___owner *mm = (void *)BPF_CORE_READ(vq, dev, mm);
	struct task_struct *cur;

	if (bpf_core_field_exists(mm->owner))
		return BPF_CORE_READ(mm, owner);
	cur = (struct task_struct *)bpf_get_current_task();
	if (BPF_CORE_READ(cur, flags) & PF_KTHREAD)
		return NULL;
	return BPF_CORE_READ(cur, group_leader);
}

static __always_inline bool owner_wanted(struct task_struct *owner)
{
	u32 tgid;

	if (!filter_owner)
		return true;
	for (int i = 0; i < VQ_MAX_ANCESTORS && owner; i++) {
		tgid = BPF_CORE_READ(owner, tgid);
		if (bpf_map_lookup_elem(&targets, &tgid))
			return true;
		if (!filter_descendants)
			return false;
		owner = BPF_CORE_READ(owner, real_parent);
	}
	return false;
}

static __always_inline s32 vq_index(struct vhost_virtqueue *vq)
{
	struct vhost_virtqueue **vqs = BPF_CORE_READ(vq, dev, vqs);
	int nvqs = BPF_CORE_READ(vq, dev, nvqs);
	void *p;

	for (int i = 0; i < VQ_MAX_DEV_VQS; i++) {
		if (i >= nvqs)
			break;
		p = NULL;
		bpf_probe_read_kernel(&p, sizeof(p), &vqs[i]);
		if (p == vq)
			return i;
	}
	return -1;
}

/* The stats of a traced vq, or NULL when it is filtered out (or the map is
 * full, which is counted). Only add_used creates entries. */
static __always_inline struct vq_stats *vq_get_or_create(struct vhost_virtqueue *vq)
{
	u64 key = (u64)vq;
	struct vq_stats *s = bpf_map_lookup_elem(&vqs, &key);
	struct task_struct *owner;
	struct vq_stats init = {};
	u32 tgid;
	long err;

	if (s)
		return s;
	if (bpf_map_lookup_elem(&ignored_vqs, &key))
		return NULL;
	owner = vq_owner_task(vq);
	tgid = owner ? BPF_CORE_READ(owner, tgid) : 0;
	if (!owner_wanted(owner)) {
		bpf_map_update_elem(&ignored_vqs, &key, &tgid, BPF_ANY);
		GLOBAL_INC(filtered_out);
		return NULL;
	}
	init.vq = key;
	init.dev = (u64)BPF_CORE_READ(vq, dev);
	init.handle_kick = (u64)BPF_CORE_READ(vq, handle_kick);
	init.owner_tgid = tgid;
	init.queue = vq_index(vq);
	init.num = BPF_CORE_READ(vq, num);
	init.features = BPF_CORE_READ(vq, acked_features);
	init.first_ns = bpf_ktime_get_ns();
	err = bpf_map_update_elem(&vqs, &key, &init, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: another CPU won the race */) {
		GLOBAL_INC(vq_map_full);
		return NULL;
	}
	return bpf_map_lookup_elem(&vqs, &key);
}

static __always_inline u32 current_tid(void)
{
	return (u32)bpf_get_current_pid_tgid();
}

#endif /* __VQTRACE_VQ_STATE_BPF_H */
