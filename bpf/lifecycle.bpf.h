/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Device teardown and the periodic state refresh.
 *
 * vhost_dev_cleanup(dev) runs before a device's vqs are freed: its vqs are
 * marked retired (vhost_vq_reset clears their state there: a later call
 * starts a new identity, with its state unknown), so that the refresh
 * never reads freed memory and a later vq at the same address gets a new
 * identity (vq_get_or_create).
 *
 * The refresh program is never attached: userspace runs it once per
 * interval (BPF_PROG_TEST_RUN) to re-read vhost's own indexes of every live
 * vq, so that a queue vhost stopped processing (a guest that overran the
 * avail ring, say) still shows its current state. Guest memory cannot be
 * read from there (wrong mm); used_event is only read by the hooks. */
#ifndef __VQTRACE_LIFECYCLE_BPF_H
#define __VQTRACE_LIFECYCLE_BPF_H

#include "vq_state.bpf.h"

/* vhost's indexes; on the owner's mm also the guest's own avail->idx: the
 * kernels seen so far refuse an overrun index without caching it, and stop
 * serving the ring, so no other hook would ever see it. */
static void refresh_state(struct vhost_virtqueue *vq, struct vq_stats *s, bool owner_mm)
{
	u16 last_avail_idx = BPF_CORE_READ(vq, last_avail_idx);
	u16 avail_idx = BPF_CORE_READ(vq, avail_idx);
	u16 guest, used;

	/* USE_STALL: a backend, and the ring as it is now (a driver that
	 * set up new rings has them at new addresses before its first used
	 * entry); the hooks' own avail and last_used_idx stay theirs */
	s->backend = !!BPF_CORE_READ(vq, private_data);
	s->avail_now = (u64)BPF_CORE_READ(vq, avail);
	s->used_idx_now = BPF_CORE_READ(vq, last_used_idx);
	/* Nothing here holds the vq's mutex: a busy worker moves both
	 * indexes while they are read, and an avail_idx read before a
	 * last_avail_idx that has passed it looked like an overrun (seen:
	 * AVAIL_OVERRUN on a polling TX load on 6.12). Judged only from a
	 * pair read with last_avail_idx unchanged around avail_idx. */
	if (BPF_CORE_READ(vq, last_avail_idx) != last_avail_idx)
		return;

	/* Only from a ring that still holds what vhost last wrote (used->idx
	 * == last_used_idx): a driver may free or zero its rings before it
	 * closes the device, and a zeroed index is no overrun. */
	if (owner_mm && !bpf_probe_read_user(&used, sizeof(used), BPF_CORE_READ(vq, used) + 2) &&
	    used == BPF_CORE_READ(vq, last_used_idx) &&
	    !bpf_probe_read_user(&guest, sizeof(guest), BPF_CORE_READ(vq, avail) + 2) &&
	    vq_rule_avail_overrun(guest, last_avail_idx, s->num))
		avail_idx = guest;
	vq_track_avail(s, avail_idx, last_avail_idx);
}

struct retire_ctx {
	u64 dev;
	bool owner_mm;		/* the cleanup runs on the owner's mm */
};

/* A last look while the vq is still allocated, then retire it: its final
 * counts leave vqs for retired_vqs, so that a long run on a busy host
 * keeps only live vqs in the map. No hook can touch the entry any more:
 * the device's work has been flushed and its backend removed. */
static long retire_dev_vqs(struct bpf_map *map, u32 *id, struct vq_stats *s,
			   struct retire_ctx *ctx)
{
	if (s->first_ns && s->dev == ctx->dev && !s->retired) {
		refresh_state((void *)s->vq, s, ctx->owner_mm);
		s->retired = 1;
		vq_move_to_retired(*id, s, true);
	}
	return 0;
}

/* Filtered or overflowed vqs of the device: forgotten, so that a new vq at
 * the same address is judged afresh. */
static long forget_dev_vqs(struct bpf_map *map, u64 *key, u64 *dev, struct retire_ctx *ctx)
{
	if (*dev == ctx->dev)
		bpf_map_delete_elem(map, key);
	return 0;
}

/* Every "ignored" hint, not only this device's: ignored_vqs is an LRU map,
 * and a hint may outlive its evicted entry. Were it kept, a traced device
 * later allocated at that address would be taken for ignored for good.
 * The live ignored vqs are hinted again at their next call. */
static long forget_ignored_hint(struct bpf_map *map, u32 *key, struct vq_hint *h, void *ctx)
{
	if ((h->tag & 7) == VQ_HINT_IGNORED)
		h->tag = 0;
	return 0;
}

static __always_inline void dev_cleanup(struct vhost_dev *dev)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	struct retire_ctx ctx = {
		.dev = (u64)dev,
		.owner_mm = BPF_CORE_READ(cur, mm) == BPF_CORE_READ(dev, mm),
	};

	bpf_for_each_map_elem(&vqs, retire_dev_vqs, &ctx, 0);
	bpf_for_each_map_elem(&ignored_vqs, forget_dev_vqs, &ctx, 0);
	bpf_for_each_map_elem(&overflow_vqs, forget_dev_vqs, &ctx, 0);
	bpf_for_each_map_elem(&early_kicks, forget_dev_vqs, &ctx, 0);
	bpf_for_each_map_elem(&vq_hints, forget_ignored_hint, NULL, 0);
}

/* vhost_vq_init_access(vq), when a backend is set, re-reads last_used_idx
 * from the guest and clears signalled_used_valid outside the hot hooks;
 * the state the add_used fexit and vhost_notify's entry take from the
 * entry must follow (bpf/add_used.bpf.h, bpf/notify.bpf.h). It runs under
 * the vq's mutex, as they do. */
static __always_inline void init_access_exit(struct vhost_virtqueue *vq, u64 key)
{
	struct vq_stats *s;
	bool ignored;
	u32 id;

	s = vq_find(key, &id, &ignored);
	if (!s || s->retired)
		return;
	if (vq->private_data)	/* else a detach: it returns at once */
		ring_setup(s, vq);
	s->last_used_idx = vq->last_used_idx;
	vq_keep_state(s, vq->signalled_used, vq->signalled_used_valid);
}

/* The kprobe modes read vhost's state at each call: only the setup
 * itself is noted (at entry; it runs under the vq's mutex). */
static __always_inline void init_access_enter(struct vhost_virtqueue *vq)
{
	struct vq_stats *s;
	bool ignored;
	u32 id;

	s = vq_find((u64)vq, &id, &ignored);
	if (s && !s->retired && BPF_CORE_READ(vq, private_data))
		ring_setup(s, vq);
}

static long refresh_vq(struct bpf_map *map, u32 *id, struct vq_stats *s, void *ctx)
{
	if (s->first_ns && !s->retired) {
		refresh_state((void *)s->vq, s, false);
		/* At most one interval late for a queue that went idle. */
		if (s->waiting_since_ns == VQ_WAIT_UNSTAMPED)
			vq_stamp_wait(s);
		/* a kick still waiting for its handler (WORKER_STALL) */
		if (s->kick_waiting_ns == VQ_WAIT_UNSTAMPED)
			__sync_val_compare_and_swap(&s->kick_waiting_ns, VQ_WAIT_UNSTAMPED,
						    bpf_ktime_get_ns());
	}
	return 0;
}

static __always_inline void refresh_all(void)
{
	bpf_for_each_map_elem(&vqs, refresh_vq, NULL, 0);
}

#endif /* __VQTRACE_LIFECYCLE_BPF_H */
