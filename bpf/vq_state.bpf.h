/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The per-vq state (its table: vq_table.bpf.h), the owner filter and the
 * probes' health counters. A vq is identified on its first add_used: owner
 * process, device, queue index and kick handler are read once and kept
 * with its counters. */
#ifndef __VQTRACE_VQ_STATE_BPF_H
#define __VQTRACE_VQ_STATE_BPF_H

#include "core_fixes.bpf.h"
#include "backend.bpf.h"
#include "vq_table.bpf.h"
#include "vqtrace.h"
#include "vq_rules.h"
#include <bpf/bpf_helpers.h>

/* Set by userspace before load. */
const volatile bool filter_owner = false;	/* only owners in `targets` */
const volatile bool filter_descendants = false;	/* ...or their descendants */

/* Final counts of retired vqs (their device was cleaned up, or their
 * address reused); userspace deletes what it has collected, so that the
 * maps hold only live vqs however many devices come and go. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VQ_DEFAULT_MAX_VQS);
	__type(key, struct vq_retired_key);
	__type(value, struct vq_stats);
} retired_vqs SEC(".maps");

/* Histograms per vq, only with --hist (bpf/hist.bpf.h). */
const volatile bool want_hist = false;
/* The event stream, only with --events (bpf/events.bpf.h). */
const volatile bool want_events = false;



/* Histograms per vq, at the vq's slot in vqs (vq_table.bpf.h), zeroed
 * when a vq takes the slot. An array userspace maps read-only, like vqs:
 * reading it costs no system call, and a map system call keeps kprobes
 * off its CPU while it runs (a lookup per vq per interval with --hist had
 * the kernel skip 353 kprobe runs in tools/bench/scale, 128 vqs on 7.3). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, VQ_DEFAULT_MAX_VQS);
	__type(key, u32);
	__type(value, struct vq_hists);
} hists SEC(".maps");

/* Final histograms of retired vqs, as retired_vqs (with --hist). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VQ_DEFAULT_MAX_VQS);
	__type(key, struct vq_retired_key);
	__type(value, struct vq_hists);
} retired_hists SEC(".maps");

/* vqs that found the vqs map full, each counted once. A plain hash: an
 * LRU map evicts live entries early on many CPUs (each CPU takes free
 * slots in bulk), which counted the same vq again. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VQ_DEFAULT_MAX_VQS);
	__type(key, u64);
	__type(value, u64);		/* its vhost_dev, to forget it at teardown */
} overflow_vqs SEC(".maps");

/* vqs of owners the filter rejected, so that their later calls cost one
 * lookup; kept apart so that they never take a traced vq's slot. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VQ_DEFAULT_MAX_VQS);
	__type(key, u64);
	__type(value, u64);		/* its vhost_dev, to forget it at teardown */
} ignored_vqs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VQ_MAX_TARGETS);
	__type(key, u32);
	__type(value, u8);
} targets SEC(".maps");

/* --follow with -p (written by userspace after load, src/session.c): an
 * owner whose process has one of these names and started after
 * follow_since_ns (CLOCK_MONOTONIC, as task_struct.start_time; 0: off) is
 * traced from its first used entry and joins `targets`, so that nothing
 * of a new QEMU goes by before userspace has seen it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VQ_MAX_FOLLOW_NAMES);
	__type(key, u32);
	__type(value, struct vq_comm);
} follow_names SEC(".maps");
volatile __u64 follow_since_ns;

/* One shared slot, incremented atomically (every counter here moves rarely:
 * once per vq, or on a loss) and mapped by userspace. Reading a per-CPU
 * map instead took a system call every interval, and a BPF map system
 * call keeps every kprobe program from running on its CPU while it lasts
 * (bpf_disable_instrumentation); on a kernel that preempts kernel code a
 * vhost worker may run in that window, and the kernel skips our kprobes
 * (seen on Debian 7.3: calls lost, counted in hook_misses). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, u32);
	__type(value, struct vq_global_slot);
} global SEC(".maps");

/* member: of struct vq_global_slot; GLOBAL_INC: of its probe counters. */
#define GLOBAL_SLOT_INC(member)						\
	do {								\
		u32 __zero = 0;						\
		struct vq_global_slot *__g = bpf_map_lookup_elem(&global, &__zero); \
		if (__g)						\
			__sync_fetch_and_add(&__g->member, 1);		\
	} while (0)
#define GLOBAL_INC(field)	GLOBAL_SLOT_INC(g.field)

/* Kicks and kick handler runs of vqs with no entry yet (keyed by the vq's
 * address; counted in bpf/kick.bpf.h): a vq's first kick and the handler
 * run it starts come before its first used entry, which creates the
 * entry. Added to its counters then; forgotten with the device (dev first:
 * lifecycle.bpf.h forgets by it). An LRU map: the vqs of owners the filter
 * turns away leave theirs behind, and what it evicts is the longest idle,
 * while a traced vq's entry is made right after its first kick. */
struct early_kick {
	u64 dev;
	u64 kicks;
	u64 runs;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VQ_DEFAULT_MAX_VQS);
	__type(key, u64);
	__type(value, struct early_kick);
} early_kicks SEC(".maps");

/* s's kicks and handler runs from before its entry existed. The exchange
 * makes a count go to one taker when the kick side and the entry's
 * creation both try. */
static __always_inline void kick_adopt_early(struct vq_stats *s, u64 key)
{
	struct early_kick *e = bpf_map_lookup_elem(&early_kicks, &key);
	u64 kicks, runs;

	if (!e)
		return;
	kicks = __sync_lock_test_and_set(&e->kicks, 0);
	runs = __sync_lock_test_and_set(&e->runs, 0);
	if (e->dev == s->dev) {
		__sync_fetch_and_add(&s->kicks, kicks);
		__sync_fetch_and_add(&s->handler_runs, runs);
	}
	bpf_map_delete_elem(&early_kicks, &key);
}

/* A ring set up: before a vq's first call, and each vhost_vq_init_access
 * with a backend after it (the end of a backend, VHOST_NET_SET_BACKEND -1,
 * calls it too, and it returns at once). The next notify's stale signal is
 * expected, and the backend may be another tap now. */
static __always_inline void ring_setup(struct vq_stats *s, struct vhost_virtqueue *vq)
{
	s->ring_setups++;
	s->setup_fresh = 1;
	s->kick_armed = 0;	/* a new ring: vhost has asked for nothing yet */
	vq_read_backend(vq, s->tap, &s->qp);
}

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

struct follow_match {
	u64 w[VQ_COMM_LEN / 8];	/* the name, zero after its NUL */
	bool found;
};

static long match_follow_name(struct bpf_map *map, u32 *i, struct vq_comm *c,
			      struct follow_match *m)
{
	u64 w[VQ_COMM_LEN / 8];

	__builtin_memcpy(w, c->name, sizeof(w));
	if (w[0] && w[0] == m->w[0] && w[1] == m->w[1]) {
		m->found = true;
		return 1;	/* stop */
	}
	return 0;
}

/* --follow: a process of a followed name started after vqtrace. */
static __always_inline bool name_followed(struct task_struct *owner)
{
	struct task_struct *leader = BPF_CORE_READ(owner, group_leader);
	u64 since = follow_since_ns;
	struct follow_match m = {};

	if (!since || !leader || BPF_CORE_READ(leader, start_time) <= since)
		return false;
	/* Zero after the NUL, as the names userspace writes: two words
	 * compare the whole name. */
	if (bpf_core_read_str(m.w, sizeof(m.w), &leader->comm) <= 0)
		return false;
	bpf_for_each_map_elem(&follow_names, match_follow_name, &m, 0);
	return m.found;
}

static __always_inline bool owner_wanted(struct task_struct *owner)
{
	struct task_struct *t = owner;
	u8 one = 1;
	u32 tgid;

	if (!filter_owner)
		return true;
	for (int i = 0; i < VQ_MAX_ANCESTORS && t; i++) {
		tgid = BPF_CORE_READ(t, tgid);
		if (bpf_map_lookup_elem(&targets, &tgid))
			return true;
		if (!filter_descendants)
			break;
		t = BPF_CORE_READ(t, real_parent);
	}
	if (!owner || !name_followed(owner))
		return false;
	/* Full: still traced; its next vq asks again. */
	tgid = BPF_CORE_READ(owner, tgid);
	bpf_map_update_elem(&targets, &tgid, &one, BPF_NOEXIST);
	return true;
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

/* Moves a retired vq's final counts (and histograms) to the retired maps
 * for userspace to collect, and frees its slot (id) and its histograms.
 * When retired_vqs is full that is counted, and with keep_if_full the
 * entry stays (marked retired) for userspace to read there instead. */
static __always_inline void vq_move_to_retired(u32 id, struct vq_stats *s, bool keep_if_full)
{
	struct vq_retired_key rk = { .vq = s->vq, .first_ns = s->first_ns };
	struct vq_hists *h;

	if (bpf_map_update_elem(&retired_vqs, &rk, s, BPF_NOEXIST)) {
		GLOBAL_INC(retired_full);
		if (keep_if_full)
			return;
	} else if (want_hist) {
		h = bpf_map_lookup_elem(&hists, &id);
		if (h)
			bpf_map_update_elem(&retired_hists, &rk, h, BPF_NOEXIST);
	}
	vq_slot_free(id, s);
	GLOBAL_SLOT_INC(retired_moves);
}

/* The stats of a traced vq (and its slot in *id), or NULL when it is
 * filtered out (or the table is full, which is counted). Only add_used
 * creates entries; used_idx is last_used_idx before the call, the base of
 * the first signal's count. key is vq's address as a plain number: the
 * verifier allows no arithmetic (the table's hash) on a BTF pointer. */
static __always_inline struct vq_stats *vq_get_or_create(struct vhost_virtqueue *vq, u64 key,
							 u16 used_idx, u32 *id)
{
	struct task_struct *owner;
	struct vq_stats *s;
	struct vq_hint *h;
	bool ignored;
	u64 dev;
	int err;

	s = vq_find(key, id, &ignored);
	if (s && !s->retired)
		return s;
	if (ignored)
		return NULL;
	/* A retired vq's address is in use again: a new device (or a reset
	 * one) gets a new identity, and the old one must make room. */
	if (s) {
		vq_move_to_retired(*id, s, false);
	} else if (bpf_map_lookup_elem(&ignored_vqs, &key)) {
		vq_hint_ignore(key);	/* another vq had taken its hint */
		return NULL;
	} else if (bpf_map_lookup_elem(&overflow_vqs, &key)) {
		return NULL;
	}
	owner = vq_owner_task(vq);
	dev = (u64)BPF_CORE_READ(vq, dev);
	if (!owner_wanted(owner)) {
		bpf_map_update_elem(&ignored_vqs, &key, &dev, BPF_ANY);
		vq_hint_ignore(key);
		GLOBAL_INC(filtered_out);
		return NULL;
	}
	err = vq_slot_claim(key, id);
	if (err == -17)		/* another CPU created it meanwhile */
		return vq_find(key, id, &ignored);
	if (err) {
		/* Counted once per vq: later calls find it in overflow_vqs
		 * (were that full too, it would be counted again: never less). */
		if (bpf_map_update_elem(&overflow_vqs, &key, &dev, BPF_NOEXIST) != -17)
			GLOBAL_INC(vq_map_full);
		return NULL;
	}
	s = bpf_map_lookup_elem(&vqs, id);
	if (!s)
		return NULL;
	/* The slot is all zero (vq_slot_free writes an empty entry), and
	 * filled before it is visible: first_ns, which userspace tests, goes
	 * in last. Written in place: a whole vq_stats would not fit the
	 * stack next to the hooks' own. */
	s->vq = key;
	s->dev = dev;
	s->handle_kick = (u64)BPF_CORE_READ(vq, handle_kick);
	s->owner_tgid = owner ? BPF_CORE_READ(owner, tgid) : 0;
	s->queue = vq_index(vq);
	s->num = BPF_CORE_READ(vq, num);
	s->features = BPF_CORE_READ(vq, acked_features);
	s->avail = (u64)BPF_CORE_READ(vq, avail);
	s->used_idx_at_signal = used_idx;
	s->qp = -1;
	s->slot_id = *id;
	if (want_hist) {
		static const struct vq_hists zero;

		bpf_map_update_elem(&hists, id, &zero, BPF_ANY);
	}
	ring_setup(s, vq);	/* the setup before its first call */
	asm volatile("" ::: "memory");
	s->first_ns = bpf_ktime_get_ns();
	kick_adopt_early(s, key);	/* after first_ns: see kick_early */
	h = vq_hint_of(key);
	if (h)
		vq_hint_set(h, key | VQ_HINT_TRACED, *id);
	return s;
}

/* Tracks the guest's used_event for EVENT_STALE: an episode starts when
 * vhost has published more than a whole ring since the guest last changed
 * it, and ends when the guest writes a new value. Exactly a ring can
 * complete with no guest action (a full ring drained); more cannot unless
 * the guest kept adding buffers without re-arming. */
static __always_inline void vq_track_event(struct vq_stats *s, u16 used_event, u16 last_used_idx)
{
	if (!s->used_event_seen || used_event != s->event_ref) {
		s->event_ref = used_event;
		s->event_ref_used_idx = last_used_idx;
		s->event_stale_active = 0;
	} else if (!s->event_stale_active &&
		   (u16)(last_used_idx - s->event_ref_used_idx) > s->num) {
		s->event_stale_active = 1;
		s->event_stale++;
	}
	s->used_event = used_event;
	s->used_event_seen = 1;
}

/* A wait that outlived the call that started it gets its time now. */
static __always_inline void vq_stamp_wait(struct vq_stats *s)
{
	s->last_ns = bpf_ktime_get_ns();
	s->waiting_since_ns = s->last_ns;
}

/* vhost's signalled_used and signalled_used_valid as a hooked call left
 * them: what the add_used fexit and vhost_notify's entry take the state
 * before the next call to be (bpf/add_used.bpf.h, bpf/notify.bpf.h). */
static __always_inline void vq_keep_state(struct vq_stats *s, u16 signalled_used, bool valid)
{
	s->su_track = signalled_used;
	s->valid_track = valid ? VQ_VALID_TRUE : VQ_VALID_FALSE;
}

static __always_inline void vq_track_avail(struct vq_stats *s, u16 avail_idx, u16 last_avail_idx)
{
	bool over = vq_rule_avail_overrun(avail_idx, last_avail_idx, s->num);

	if (over && !s->avail_overrun_active)
		s->avail_overrun++;
	s->avail_overrun_active = over;
	s->avail_idx = avail_idx;
	s->last_avail_idx = last_avail_idx;
}

#endif /* __VQTRACE_VQ_STATE_BPF_H */
