/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What an entry probe leaves for its return probe, per thread. A return
 * probe does not see its call's arguments, and fentry/fexit should not pay
 * a hash lookup each just to pass two bytes along.
 *
 * The slots are an array indexed by the low bits of the thread id: an
 * inline array access and a thread id compare on the hot path, no hashing
 * and no element allocation. Two threads share a slot only when their ids
 * agree in those bits AND their calls overlap in time; the later entry then
 * finds the slot pending for the other thread and counts the loss
 * (stash_full), and the other thread's return finds its id gone. A slot
 * still pending for the same thread is a return probe that did not run
 * (return_misses). */
#ifndef __VQTRACE_CALL_SLOT_BPF_H
#define __VQTRACE_CALL_SLOT_BPF_H

#include "vq_state.bpf.h"

#define VQ_CALL_SLOTS	16384	/* a power of two */

struct call_slot {
	u32 tid;
	u8 pending;
	u8 valid;		/* add_used: signalled_used_valid on entry */
	u16 old_used_idx;	/* add_used: last_used_idx on entry */
	u32 id;			/* the vq's slot in vqs (vq_table.bpf.h) */
	u32 count;		/* add_used: the call's element count argument */
	u64 vq;
};

/* A slot map of another value type: one that starts with struct call_slot,
 * which the functions below work on. */
#define CALL_SLOT_MAP_OF(name, vtype)					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_ARRAY);			\
		__uint(max_entries, VQ_CALL_SLOTS);			\
		__type(key, u32);					\
		__type(value, vtype);					\
	} name SEC(".maps")

#define CALL_SLOT_MAP(name)	CALL_SLOT_MAP_OF(name, struct call_slot)

static __always_inline u32 current_tid(void)
{
	return (u32)bpf_get_current_pid_tgid();
}

static __always_inline struct call_slot *slot_of(void *map, u32 tid)
{
	u32 key = tid & (VQ_CALL_SLOTS - 1);

	return bpf_map_lookup_elem(map, &key);
}

/* The calling thread's slot, marked pending; the caller fills it. */
static __always_inline struct call_slot *slot_enter(void *map, u32 tid)
{
	struct call_slot *c = slot_of(map, tid);

	if (!c)
		return NULL;
	/* A thread's calls of a hooked function never nest: its own slot
	 * still pending means the return probe of its last call did not run. */
	if (c->pending && c->tid != tid)
		GLOBAL_INC(stash_full);
	else if (c->pending)
		GLOBAL_INC(return_misses);
	c->tid = tid;
	c->pending = 1;
	return c;
}

/* The thread's slot if its entry left it pending, else NULL. */
static __always_inline struct call_slot *slot_mine(void *map, u32 tid)
{
	struct call_slot *c = slot_of(map, tid);

	return c && c->pending && c->tid == tid ? c : NULL;
}

/* This call was filtered out at entry: its return must not take what an
 * earlier call of the thread left behind (a return probe that was missed). */
static __always_inline void slot_drop(void *map, u32 tid)
{
	struct call_slot *c = slot_mine(map, tid);

	if (c) {
		GLOBAL_INC(return_misses);
		c->pending = 0;
	}
}

/* Copies out and clears the thread's pending slot; false when there is
 * none (filtered at entry, or lost to another thread). */
static __always_inline bool slot_take(void *map, u32 tid, struct call_slot *out)
{
	struct call_slot *c = slot_of(map, tid);

	if (!c)
		return false;
	*out = *c;
	if (!out->pending || out->tid != tid)
		return false;
	c->pending = 0;
	return true;
}

#endif /* __VQTRACE_CALL_SLOT_BPF_H */
