/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Where a vq's counters live, found without hashing on the hot path.
 *
 * The counters are an array (vqs), indexed by a slot number the vq gets when
 * it is first seen. A hook finds that number through a hint array indexed
 * by a multiplicative hash of the vq's address: two inline array loads and
 * a compare of the entry's own vq field, no helper call. Only when the hint
 * is missing or stale (another vq's address hashed to the same hint, or the
 * slot was freed) does it fall back to the exact map vq_ids, and then it
 * mends the hint. A hash-map lookup on every hook was the largest cost left
 * in the programs (measured in tools/bench).
 *
 * The hint also remembers a vq the owner filter turned away, so that the
 * vhost work of every other VM on the host costs the same two loads instead
 * of a chain of hash lookups. Device teardown (bpf/lifecycle.bpf.h) and
 * --follow (userspace) clear every "ignored" hint: a vq address freed with
 * its device may come back as a traced vq.
 *
 * A slot is free when its vq field is 0. Claiming one goes through vq_slots
 * (slot -> vq, inserted with BPF_NOEXIST), so that two CPUs creating two
 * vqs at once never take the same slot; vq_ids (vq -> slot, BPF_NOEXIST)
 * keeps one slot per vq. Creation and retirement are rare (once per vq
 * lifetime); the scan for a free slot is paid then, not per call.
 *
 * Userspace maps the array into its memory and skips entries whose
 * first_ns is 0: a slot is filled with first_ns written last and cleared
 * with first_ns written first. */
#ifndef __VQTRACE_VQ_TABLE_BPF_H
#define __VQTRACE_VQ_TABLE_BPF_H

#include "vmlinux.h"
#include "vqtrace.h"
#include <bpf/bpf_helpers.h>

#define VQ_HINT_BITS	14	/* log2(VQ_HINTS) */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VQ_DEFAULT_MAX_VQS);	/* -m */
	__uint(map_flags, BPF_F_MMAPABLE);		/* userspace reads it in place */
	__type(key, u32);
	__type(value, struct vq_stats);
} vqs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VQ_DEFAULT_MAX_VQS);
	__type(key, u64);		/* the vq's address */
	__type(value, u32);		/* its slot in vqs */
} vq_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VQ_DEFAULT_MAX_VQS);
	__type(key, u32);		/* a slot of vqs taken... */
	__type(value, u64);		/* ...by this vq */
} vq_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VQ_HINTS);
	__type(key, u32);
	__type(value, struct vq_hint);
} vq_hints SEC(".maps");

/* vq's hint entry. A vq is 8-byte aligned; any other value (a wrong
 * notify argument) has none, since the tag's low bits are its kind. */
static __always_inline struct vq_hint *vq_hint_of(u64 vq)
{
	u32 key = (u32)((vq * 0x9E3779B97F4A7C15ull) >> (64 - VQ_HINT_BITS));

	if (vq & 7)
		return NULL;
	return bpf_map_lookup_elem(&vq_hints, &key);
}

/* id before tag: a reader that sees the new tag with the old id finds the
 * slot not vq's (vq_at) and falls back to vq_ids. */
static __always_inline void vq_hint_set(struct vq_hint *h, u64 tag, u32 id)
{
	h->id = id;
	asm volatile("" ::: "memory");
	h->tag = tag;
}

/* The filter turned vq away: its later calls stop at the hint. */
static __always_inline void vq_hint_ignore(u64 vq)
{
	struct vq_hint *h = vq_hint_of(vq);

	if (h)
		h->tag = vq | VQ_HINT_IGNORED;
}

/* The entry in slot id if it is vq's and filled. */
static __always_inline struct vq_stats *vq_at(u32 id, u64 vq)
{
	struct vq_stats *s = bpf_map_lookup_elem(&vqs, &id);

	if (s && s->vq == vq && s->first_ns)
		return s;
	return NULL;
}

/* vq's entry (and its slot in *id), or NULL when it has none; then
 * *ignored says whether the hint knows the filter turned it away. A
 * "traced" hint is only ever a guess, checked against the slot's own vq:
 * one left behind by a freed slot costs a fallback, never a wrong entry. */
static __always_inline struct vq_stats *vq_find(u64 vq, u32 *id, bool *ignored)
{
	struct vq_hint *h = vq_hint_of(vq);
	struct vq_stats *s;
	u32 *exact;
	u64 tag;

	*ignored = false;
	if (h) {
		tag = h->tag;
		if (tag == (vq | VQ_HINT_TRACED)) {
			*id = h->id;
			s = vq_at(*id, vq);
			if (s)
				return s;
		} else if (tag == (vq | VQ_HINT_IGNORED)) {
			*ignored = true;
			return NULL;
		}
	}
	exact = bpf_map_lookup_elem(&vq_ids, &vq);
	if (!exact)
		return NULL;
	*id = *exact;
	s = vq_at(*id, vq);
	if (s && h)
		vq_hint_set(h, vq | VQ_HINT_TRACED, *id);
	return s;
}

/* vq's entry if it is traced and its device not torn down; *skip: the
 * filter turned it away or it is retired (no entry is to be made for it).
 * NULL with !*skip: a vq no hook has made an entry for yet. */
static __always_inline struct vq_stats *vq_find_live(u64 vq, u32 *id, bool *skip)
{
	struct vq_stats *s = vq_find(vq, id, skip);

	if (s && s->retired)
		*skip = true;
	return *skip ? NULL : s;
}

struct vq_claim {
	u64 vq;
	u32 id;
	bool found;
};

static long vq_claim_free(struct bpf_map *map, u32 *key, struct vq_stats *s, struct vq_claim *c)
{
	if (s->vq || bpf_map_update_elem(&vq_slots, key, &c->vq, BPF_NOEXIST))
		return 0;
	c->id = *key;
	c->found = true;
	return 1;
}

/* Takes a free slot for vq and records it in vq_ids; -ENOSPC when every
 * slot is taken, -EEXIST when vq already has one (another CPU won), or
 * vq_ids' own error. The caller fills the entry, first_ns last. */
static __always_inline int vq_slot_claim(u64 vq, u32 *id)
{
	struct vq_claim c = { .vq = vq };
	long err;

	bpf_for_each_map_elem(&vqs, vq_claim_free, &c, 0);
	if (!c.found)
		return -28;	/* ENOSPC */
	err = bpf_map_update_elem(&vq_ids, &vq, &c.id, BPF_NOEXIST);
	if (err) {
		bpf_map_delete_elem(&vq_slots, &c.id);
		return (int)err;
	}
	*id = c.id;
	return 0;
}

/* Empties slot id, which holds s: userspace stops reading it first, then
 * the slot becomes free, and its address can be claimed again. */
static __always_inline void vq_slot_free(u32 id, struct vq_stats *s)
{
	static const struct vq_stats empty;
	u64 vq = s->vq;

	s->first_ns = 0;
	asm volatile("" ::: "memory");	/* first_ns cleared before the rest */
	bpf_map_delete_elem(&vq_ids, &vq);
	bpf_map_update_elem(&vqs, &id, &empty, BPF_ANY);
	bpf_map_delete_elem(&vq_slots, &id);
}

#endif /* __VQTRACE_VQ_TABLE_BPF_H */
