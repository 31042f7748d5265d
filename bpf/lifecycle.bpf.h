/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Device teardown and the periodic state refresh.
 *
 * vhost_dev_cleanup(dev) runs before a device's vqs are freed: its vqs are
 * marked retired, so that the refresh never reads freed memory and a later
 * vq at the same address gets a new identity (vq_get_or_create).
 *
 * The refresh program is never attached: userspace runs it once per
 * interval (BPF_PROG_TEST_RUN) to re-read vhost's own indexes of every live
 * vq, so that a queue vhost stopped processing (a guest that overran the
 * avail ring, say) still shows its current state. Guest memory cannot be
 * read from there (wrong mm); used_event is only read by the hooks. */
#ifndef __VQTRACE_LIFECYCLE_BPF_H
#define __VQTRACE_LIFECYCLE_BPF_H

#include "vq_state.bpf.h"

static void refresh_state(struct vhost_virtqueue *vq, struct vq_stats *s)
{
	vq_track_avail(s, BPF_CORE_READ(vq, avail_idx), BPF_CORE_READ(vq, last_avail_idx));
}

/* A last look while the vq is still allocated, then retire it. */
static long retire_dev_vqs(struct bpf_map *map, u64 *key, struct vq_stats *s, u64 *dev)
{
	if (s->dev == *dev && !s->retired) {
		refresh_state((void *)*key, s);
		s->retired = 1;
	}
	return 0;
}

static __always_inline void dev_cleanup(u64 dev)
{
	bpf_for_each_map_elem(&vqs, retire_dev_vqs, &dev, 0);
}

static long refresh_vq(struct bpf_map *map, u64 *key, struct vq_stats *s, void *ctx)
{
	if (!s->retired)
		refresh_state((void *)*key, s);
	return 0;
}

static __always_inline void refresh_all(void)
{
	bpf_for_each_map_elem(&vqs, refresh_vq, NULL, 0);
}

#endif /* __VQTRACE_LIFECYCLE_BPF_H */
