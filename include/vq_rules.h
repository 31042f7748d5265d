/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The split-ring notification rules as vhost applies them, over u16
 * indexes, in one place for both sides: the BPF programs judge each traced
 * decision with them in the kernel, and src/model.c builds the explained,
 * width-generic model on top of them. Pure functions, no state. */
#ifndef __VQTRACE_VQ_RULES_H
#define __VQTRACE_VQ_RULES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "virtio_bits.h"

#define VQ_RULE static inline __attribute__((always_inline))

/* vring_need_event: has the driver's event index been passed by the
 * entries published since old? True iff event is in [old, new). */
VQ_RULE int vq_rule_need_event(__u16 event, __u16 new_idx, __u16 old)
{
	return (__u16)(new_idx - event - 1) < (__u16)(new_idx - old);
}

/* vhost_notify's answer (1 notify, 0 suppress) for the state it was
 * entered with: guest = used_event with EVENT_IDX, else avail->flags. */
VQ_RULE int vq_rule_decide(__u64 features, __u16 guest, __u16 last_used_idx,
			   __u16 signalled_used, int signalled_used_valid,
			   __u16 avail_idx, __u16 last_avail_idx)
{
	if ((features & VQ_FEATURE(VQ_F_NOTIFY_ON_EMPTY)) && avail_idx == last_avail_idx)
		return 1;
	if (!(features & VQ_FEATURE(VQ_F_RING_EVENT_IDX)))
		return !(guest & VQ_AVAIL_F_NO_INTERRUPT);
	if (!signalled_used_valid)
		return 1;
	return vq_rule_need_event(guest, last_used_idx, signalled_used);
}

/* Does vhost_notify, entered in this state, move signalled_used to
 * last_used_idx and set signalled_used_valid? Its EVENT_IDX path does,
 * whatever it decides; the NOTIFY_ON_EMPTY early return and the path
 * without EVENT_IDX leave both as they were. */
VQ_RULE int vq_rule_notify_updates_state(__u64 features, __u16 avail_idx, __u16 last_avail_idx)
{
	if ((features & VQ_FEATURE(VQ_F_NOTIFY_ON_EMPTY)) && avail_idx == last_avail_idx)
		return 0;
	return !!(features & VQ_FEATURE(VQ_F_RING_EVENT_IDX));
}

/* __vhost_add_used_n's test after publishing old..new: the stored
 * signalled_used can no longer be told apart after a u16 wrap. */
VQ_RULE int vq_rule_wrap_check(__u16 signalled_used, __u16 old, __u16 new_idx)
{
	return (__u16)(new_idx - signalled_used) < (__u16)(new_idx - old);
}

/* Half the index space published since the last notify: one more half
 * and signalled_used is invalidated. */
VQ_RULE int vq_rule_near_wrap(__u16 last_used_idx, __u16 signalled_used)
{
	return (__u16)(last_used_idx - signalled_used) >= 32768;
}

/* used_event more than a ring ahead of what vhost published (and less
 * than half the index space, which would be a driver lagging behind):
 * no honest driver asks for an entry that cannot exist yet. */
VQ_RULE int vq_rule_event_ahead(__u16 used_event, __u16 last_used_idx, __u32 num)
{
	__u16 d = (__u16)(used_event - last_used_idx);

	return d > num && d < 32768;
}

/* The guest made more entries available than the ring holds. */
VQ_RULE int vq_rule_avail_overrun(__u16 avail_idx, __u16 last_avail_idx, __u32 num)
{
	return (__u16)(avail_idx - last_avail_idx) > num;
}

#endif /* __VQTRACE_VQ_RULES_H */
