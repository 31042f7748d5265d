/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Per-vq log2 histograms, only when userspace asks (--hist): the default
 * mode does no histogram work at all. */
#ifndef __VQTRACE_HIST_BPF_H
#define __VQTRACE_HIST_BPF_H

#include "vq_state.bpf.h"

/* Slot of v: 0 for 0, else 1 + ceil(log2(v)), so that slot k >= 1 ends
 * exactly at 2^(k-1): 1 -> 1, 2 -> 2, 3..4 -> 3, 5..8 -> 4, 9..16 -> 5. */
static __always_inline u64 hist_slot(u64 v)
{
	u64 x, r = 0;

	if (!v)
		return 0;
	x = v - 1;		/* ceil(log2(v)) = bits needed for v - 1 */
	if (x >> 32) { x >>= 32; r += 32; }
	if (x >> 16) { x >>= 16; r += 16; }
	if (x >> 8) { x >>= 8; r += 8; }
	if (x >> 4) { x >>= 4; r += 4; }
	if (x >> 2) { x >>= 2; r += 2; }
	if (x >> 1) { x >>= 1; r += 1; }
	r += x;			/* x is 0 or 1 here */
	r += 1;
	return r < VQ_HIST_SLOTS ? r : VQ_HIST_SLOTS - 1;
}

/* The histograms of the vq in slot id (zeroed when the vq took it). */
static __always_inline struct vq_hists *hists_of(u32 id)
{
	if (!want_hist)
		return NULL;
	return bpf_map_lookup_elem(&hists, &id);
}

static __always_inline void hist_add(struct vq_hists *h, int id, u64 v)
{
	u64 slot = hist_slot(v);	/* u64: no zero-extended copies to lose the bound */

	if (id < 0 || id >= VQ_HIST__COUNT)
		return;
	if (slot >= VQ_HIST_SLOTS)
		slot = VQ_HIST_SLOTS - 1;
	/* Older verifiers (6.1) lose the bound when the compiler checks one
	 * copy of slot and indexes with another: keep it in one register. */
	barrier_var(slot);
	h->h[id].slots[slot]++;
	h->h[id].sum += v;
}

#endif /* __VQTRACE_HIST_BPF_H */
