/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one definition of every number vqtrace keeps per virtqueue and per
 * run. struct vq_stats and struct vq_global (include/vqtrace.h) are laid
 * out from these lists, and every output is generated from them: the
 * per-interval deltas (src/vqtable.c), the JSON keys, the Prometheus
 * families, --help, the capture's schema, the event bits' names and the
 * flags a counter raises (src/fields.c holds the userspace view).
 *
 * Adding a per-vq counter: one X() line in VQ_COUNTERS and the hook that
 * increments it. tests/unit/test_fields.c fails if an output misses one.
 *
 * VQ_COUNTERS: X(name, evbit, flag, help)
 *   name   the __u64 field; also the JSON key, the capture's field name and
 *          the Prometheus family vqtrace_<name>_total; only ever grows
 *   evbit  the bit of vq_event.bits set when a call moved it
 *          (enum vq_event_bit, include/vqtrace_events.h; the numbers are
 *          part of the capture format), or VQ_EVB_NONE
 *   flag   the incident flag whose count it is (enum vq_flag in
 *          src/flags.h; never expanded on the BPF side), or VQ_NO_FLAG
 *   help   one sentence: --help's counter block and Prometheus # HELP
 */
#ifndef __VQTRACE_FIELDS_H
#define __VQTRACE_FIELDS_H

#define VQ_EVB_NONE	(-1)
#define VQ_NO_FLAG	(-1)

#define VQ_COUNTERS(X)							\
	X(adds, VQ_EVB_NONE, VQ_NO_FLAG,				\
	  "Calls of the add_used hook: vhost publishing a batch of used entries.") \
	X(used, VQ_EVB_NONE, VQ_NO_FLAG,				\
	  "Used entries vhost published: how far last_used_idx moved (buffers given back to the guest).") \
	X(used_elems, VQ_EVB_NONE, VQ_NO_FLAG,				\
	  "Used ring elements vhost wrote. Equals used, except on VIRTIO_F_IN_ORDER rings (Linux 6.17+), where one element stands for a batch of buffers.") \
	X(add_errors, VQ_EVB_ADD_ERROR, VQ_NO_FLAG,			\
	  "add_used calls that returned an error (nothing published).") \
	X(notifies, VQ_EVB_NONE, VQ_NO_FLAG,				\
	  "Calls of vhost_notify: vhost asking whether to interrupt the guest.") \
	X(signals, VQ_EVB_NONE, VQ_NO_FLAG,				\
	  "vhost_notify returned true: the guest was interrupted.")	\
	X(suppressed, VQ_EVB_NONE, VQ_NO_FLAG,				\
	  "vhost_notify returned false: the interrupt was skipped.")	\
	X(wrap_checks, VQ_EVB_WRAP_CHECK, VQ_NO_FLAG,			\
	  "Times the u16 wrap check (u16)(new - signalled_used) < (u16)(new - old) held while vhost published entries.") \
	X(invalidations, VQ_EVB_INVALIDATION, FLAG_WRAP_INVALIDATED,	\
	  "signalled_used_valid went true -> false because the wrap check held (flag WRAP_INVALIDATED with EVENT_IDX).") \
	X(ring_setups, VQ_EVB_NONE, VQ_NO_FLAG,				\
	  "Times the vq's ring was set up: its first, and each vhost_vq_init_access after it (a backend set again: a VM reboot, a driver reload). On an EVENT_IDX ring each is followed by one stale signal, which is no incident.") \
	X(stale_signals, VQ_EVB_STALE_SIGNAL, VQ_NO_FLAG,		\
	  "Notifies on an EVENT_IDX ring entered with signalled_used_valid false: vhost signalled without looking at used_event (0 without EVENT_IDX).") \
	X(event_read_errors, VQ_EVB_READ_ERROR, VQ_NO_FLAG,		\
	  "The guest's used_event (or avail flags) could not be read.") \
	X(wrap_checks_invalid, VQ_EVB_WRAP_CHECK_INVALID, FLAG_WRAP_CHECK, \
	  "Wrap checks that held while signalled_used_valid was already false though a notify had run since the ring was set up: a second u16 wrap with no signal between (flag WRAP_CHECK with EVENT_IDX). A ring no notify ran on since its setup (no call eventfd: a polling driver) starts invalid: not counted.") \
	X(stale_repeat, VQ_EVB_STALE_REPEAT, FLAG_STALE_SIGNALLED,	\
	  "Stale signals other than the first after a ring setup: signalled_used was invalidated while the ring was live (flag STALE_SIGNALLED).") \
	X(event_stale, VQ_EVB_EVENT_STALE, VQ_NO_FLAG,			\
	  "Episodes of used_event unchanged over more than a ring of entries: the guest does not re-arm, as a polling driver (Linux NAPI) need not. Evidence for the flag EVENT_STALE, which also needs the guest to stop adding buffers.") \
	X(event_ahead, VQ_EVB_EVENT_AHEAD, FLAG_EVENT_AHEAD,		\
	  "Notifies that saw used_event more than the ring size ahead of last_used_idx (flag EVENT_AHEAD).") \
	X(near_wrap, VQ_EVB_NEAR_WRAP, FLAG_NEAR_WRAP,			\
	  "Episodes of (u16)(last_used_idx - signalled_used) >= 32768 while signalled_used_valid is true: half-way to the wrap that invalidates it (flag NEAR_WRAP; an invalid signalled_used, as after a ring setup, is not looked at).") \
	X(avail_overrun, VQ_EVB_AVAIL_OVERRUN, FLAG_AVAIL_OVERRUN,	\
	  "Episodes of (u16)(avail_idx - last_avail_idx) > num: the guest overran its ring (flag AVAIL_OVERRUN; at teardown the guest's index is only read from a ring whose used index is still the one vhost wrote).") \
	X(lost_notify, VQ_EVB_LOST_NOTIFY, FLAG_LOST_NOTIFY,		\
	  "Decisions where vhost suppressed but the virtio rules say notify (flag LOST_NOTIFY).") \
	X(spurious_notify, VQ_EVB_SPURIOUS_NOTIFY, FLAG_SPURIOUS_NOTIFY, \
	  "Decisions where vhost notified but the virtio rules say suppress (flag SPURIOUS_NOTIFY).") \
	X(model_races, VQ_EVB_MODEL_RACE, VQ_NO_FLAG,			\
	  "Decisions not judged: the guest rewrote used_event (or avail flags) during the call.")

/*
 * VQ_KICK_COUNTERS: the kick side's counters (bpf/kick.bpf.h), in the
 * columns of VQ_COUNTERS. They move only with --kicks; without it every
 * output says they were not counted (JSON null, no Prometheus family,
 * "-" in the table).
 */
#define VQ_KICK_COUNTERS(X)						\
	X(kicks, VQ_EVB_NONE, VQ_NO_FLAG,				\
	  "Guest kicks vhost received: writes to the vq's kick eventfd, each waking vq->poll (vhost_poll_wakeup; vhost-net's socket polls are not kicks). Kicks before the vq's first used entry are included.") \
	X(handler_runs, VQ_EVB_NONE, VQ_NO_FLAG,			\
	  "Runs of the vq's kick handler (vq->handle_kick: handle_tx_kick, handle_rx_kick, the vsock and scsi kick handlers). Runs before the vq's first used entry are included. Kicks that come while the work is queued share one run, and vhost-net queues the work itself too (after a run that reached its weight limit, and from busy polling).") \
	X(notify_disables, VQ_EVB_NONE, VQ_NO_FLAG,			\
	  "vhost_disable_notify calls: vhost asking the guest not to kick while it works the ring.") \
	X(notify_enables, VQ_EVB_NONE, VQ_NO_FLAG,			\
	  "vhost_enable_notify calls: vhost asking for kicks again before it waits (it writes avail_event with EVENT_IDX, clears VRING_USED_F_NO_NOTIFY without).") \
	X(enable_rechecks, VQ_EVB_NONE, VQ_NO_FLAG,			\
	  "vhost_enable_notify calls that returned true: the guest added buffers while kicks were being turned on, so vhost went on working without waiting for a kick.") \
	X(busy_polls, VQ_EVB_NONE, VQ_NO_FLAG,				\
	  "Busy-poll rounds vhost-net ran for this queue (vhost_net_busy_poll; only with a busyloop timeout set, VHOST_SET_VRING_BUSYLOOP_TIMEOUT).")

/*
 * VQ_STATE: X(ctype, name, kind, prom, help): the identity and the last
 * seen state of a vq that userspace reads. In struct vq_stats in this
 * order (widest first, so no padding), written to captures by name.
 *   kind   VQ_FK_ID     identity: set once; outputs show it in their own way
 *          VQ_FK_INT    state shown as a number (JSON)
 *          VQ_FK_BOOL   state shown as true/false (JSON)
 *          VQ_FK_HEX    state shown as a "0x..." string (JSON)
 *          VQ_FK_JUDGE  what the flags' judge reads; shown nowhere
 *          | VQ_FK_KICK  kept by the kick side (--kicks): null without it
 *   prom   the Prometheus gauge's name after "vqtrace_", or NULL: not exported
 * The BPF side's own bookkeeping follows them in the struct, by hand.
 */
#define VQ_STATE(X)							\
	X(__u64, vq, VQ_FK_ID, NULL,					\
	  "struct vhost_virtqueue *; 0 in a free slot")		\
	X(__u64, dev, VQ_FK_ID, NULL, "vq->dev")			\
	X(__u64, handle_kick, VQ_FK_ID, NULL,				\
	  "vq->handle_kick, named from kallsyms")			\
	X(__u64, first_ns, VQ_FK_ID, NULL,				\
	  "bpf_ktime_get_ns() of the vq's first event")		\
	X(__u64, features, VQ_FK_HEX, NULL,				\
	  "vq->acked_features")					\
	X(__u64, waiting_since_ns, VQ_FK_JUDGE, NULL,			\
	  "first add_used after the last signal (0: none; VQ_WAIT_UNSTAMPED: not timed yet)") \
	X(__u64, kick_waiting_ns, VQ_FK_JUDGE, NULL,			\
	  "first kick its handler has not started for (0: none; VQ_WAIT_UNSTAMPED: not timed yet)") \
	X(__u64, kicks_at_arm, VQ_FK_JUDGE, NULL,			\
	  "kicks when vhost last asked for one (vhost_enable_notify returned false)") \
	X(__u64, avail_now, VQ_FK_JUDGE, NULL,				\
	  "vq->avail as the last refresh read it: where USE_STALL reads the guest's index") \
	X(__u32, owner_tgid, VQ_FK_ID, NULL,				\
	  "pid of the owning process (dev->mm->owner)")		\
	X(__s32, queue, VQ_FK_ID, NULL,					\
	  "index of the vq in dev->vqs, -1 if not found")		\
	X(__u32, num, VQ_FK_INT, "ring_size",				\
	  "Entries in the ring (vq->num).")				\
	X(__u16, last_used_idx, VQ_FK_INT, "last_used_idx",		\
	  "vq->last_used_idx after the last add_used (or at the last notify).") \
	X(__u16, signalled_used, VQ_FK_INT, "signalled_used",		\
	  "vq->signalled_used, last seen.")				\
	X(__u16, used_event, VQ_FK_INT, "used_event",			\
	  "The guest's used_event, last successful read.")		\
	X(__u16, avail_idx, VQ_FK_INT, NULL,				\
	  "vhost's cached avail index.")				\
	X(__u16, last_avail_idx, VQ_FK_INT, NULL,			\
	  "vq->last_avail_idx.")					\
	X(__u16, avail_flags, VQ_FK_INT, NULL,				\
	  "The guest's avail->flags (read without EVENT_IDX).")	\
	X(__u16, used_idx_at_signal, VQ_FK_JUDGE, NULL,		\
	  "last_used_idx when the last signal went out")		\
	X(__u16, kick_armed_avail, VQ_FK_INT | VQ_FK_KICK, NULL,	\
	  "vhost's avail index when it last asked for a kick (the avail_event it wrote with EVENT_IDX; without, it cleared VRING_USED_F_NO_NOTIFY): the guest's next buffer after it must come with a kick.") \
	X(__u16, used_idx_now, VQ_FK_JUDGE, NULL,			\
	  "vq->last_used_idx as the last refresh read it, with avail_now: USE_STALL's count is taken against it") \
	X(__u8, signalled_used_valid, VQ_FK_BOOL, NULL,		\
	  "vq->signalled_used_valid, last seen.")			\
	X(__u8, retired, VQ_FK_BOOL, NULL,				\
	  "Its device was cleaned up (vhost_dev_cleanup).")		\
	X(__u8, backend, VQ_FK_BOOL, NULL,				\
	  "The vq has a backend (vq->private_data: the tap or socket, the vsock device, the scsi target), as the last refresh read it; false while its owner has stopped it (a paused VM, a stopped device).") \
	X(__u8, used_event_seen, VQ_FK_JUDGE, NULL,			\
	  "used_event was read at least once")				\
	X(__u8, wait_wrapped, VQ_FK_JUDGE, NULL,			\
	  "more than 65535 entries since the last signal")		\
	X(__u8, event_stale_active, VQ_FK_JUDGE, NULL,		\
	  "an EVENT_STALE episode is going on")			\
	X(__u8, near_wrap_active, VQ_FK_JUDGE, NULL,			\
	  "a NEAR_WRAP episode is going on")				\
	X(__u8, avail_overrun_active, VQ_FK_JUDGE, NULL,		\
	  "an AVAIL_OVERRUN episode is going on")			\
	X(__u8, kick_armed, VQ_FK_BOOL | VQ_FK_KICK, NULL,		\
	  "vhost waits for a kick: it turned kicks on (vhost_enable_notify) and found the ring empty, and has not turned them off since (vhost_disable_notify).")

#define VQ_FK_ID	0
#define VQ_FK_INT	1
#define VQ_FK_BOOL	2
#define VQ_FK_HEX	3
#define VQ_FK_JUDGE	4
#define VQ_FK_KICK	8	/* a flag on the kinds above */

/*
 * VQ_GLOBALS: X(name, loss, incomplete, help): the probes' own whole-run
 * counters (struct vq_global). JSON key {"type":"probe"}.name, Prometheus
 * vqtrace_probe_<name>_total. loss: what the table mode says on stderr at
 * exit when it is not 0 ("%llu" is the value), or NULL for evidence that
 * is no loss. incomplete: 1 when a non-zero value means vqtrace missed
 * some of what vhost did, so its counts are incomplete: every output says
 * so ("complete": false, vqtrace_complete 0) and the exit status is 3.
 */
#define VQ_GLOBALS(X)							\
	X(vq_map_full,							\
	  "%llu virtqueues were NOT counted: the map is full (raise -m)", 1, \
	  "Virtqueues not traced because -m live virtqueues were traced already (not counted at all).") \
	X(filtered_out, NULL, 0,					\
	  "Virtqueues of processes -p did not ask for, each counted when the filter first turned it away.") \
	X(notify_unknown_vq,						\
	  "%llu notifies were for virtqueues no add_used hook saw: vhost published entries where vqtrace does not look (not counted)", 1, \
	  "Notifies on a virtqueue no add_used hook had seen: vhost published its entries through a path vqtrace does not hook (not counted).") \
	X(unhooked_path,						\
	  "the add_used hook in use does not see this kernel's in-order path: entries on VIRTIO_F_IN_ORDER rings were NOT counted (%llu)", 1, \
	  "1 when the add_used hook in use does not see a path this kernel publishes entries through (a mode forced with --add-used-mode that misses the 6.17+ in-order path).") \
	X(hook_misses,							\
	  "%llu hook runs were skipped by the kernel (BPF recursion protection): their calls were NOT counted", 1, \
	  "Runs of vqtrace's BPF programs the kernel skipped because the same program was already running on that CPU (bpf_prog_info.recursion_misses, summed; a trampoline program is preemptible, so a vhost worker preempted inside it makes the next one on that CPU skip it). Each is a call not counted.") \
	X(return_misses,						\
	  "%llu calls' return probes did not run (kretprobe instances ran out, or the kernel skipped the program): those calls were NOT counted", 1, \
	  "Calls of a kprobe-hooked function whose return probe did not run, seen when the same thread's next call finds its entry state still waiting. A kretprobe has a fixed number of instances (the kernel's maxactive, 2 per possible CPU with at least 10): more threads inside the function at once, e.g. many vhost workers preempted there, and the kernel skips the return; a return program the kernel skipped (hook_misses) counts here too. Each is a call not counted.") \
	X(run_misses,							\
	  "%llu kick handler runs were not timed (their return probe did not run): the run histograms lack them", 0, \
	  "Kick handler runs (--kicks --hist) whose return probe did not run (kretprobe instances ran out, or the kernel skipped the program), or whose slot another thread took: seen at the thread's next run; their handler_run_ns, used_per_run and kick_to_signal_ns samples are missing. The counters are not affected.") \
	X(kick_unhooked,						\
	  "%llu kick-side functions of loaded vhost modules could not be hooked: kicks, handler runs, notify enables/disables or busy polls were NOT all counted (run with -v)", 1, \
	  "Kick-side functions (vhost_poll_wakeup, the kick handlers, vhost_enable_notify, vhost_disable_notify, vhost_net_busy_poll) of a loaded vhost module vqtrace could not hook: the counters they move are incomplete.") \
	X(guest_read_errors,						\
	  "%llu reads of guest memory failed (no ptrace access to its process? vqtrace needs CAP_SYS_PTRACE): KICK_MISSED was not judged there, NO_SIGNAL_STALL used the used_event of vhost's last notify", 0, \
	  "Reads of guest memory that failed (process_vm_readv needs ptrace access to the vq's owner: CAP_SYS_PTRACE): the guest's avail index for KICK_MISSED, which was then not judged at that read, or its current used_event for NO_SIGNAL_STALL, which then used the one vhost's last notify read. Filled by userspace.") \
	X(notify_arg1, NULL, 0,						\
	  "Virtqueues whose notifies found them in vhost_notify's first argument, each counted once (the evidence for the hook, see -v).") \
	X(notify_arg2, NULL, 0,						\
	  "Virtqueues whose notifies found them in vhost_notify's second argument, each counted once.") \
	X(stash_full,							\
	  "%llu calls lacked their entry state (see stash_full in --help)", 0, \
	  "Calls whose entry state vqtrace lacked or had wrong: an overlapping call of another thread took its slot (kprobe hooks; not counted); the fexit hook saw the wrap check hold on a vq's first call (counted in wrap_checks, not in invalidations); or vhost's indexes as the hooks kept them differed from a read (checked every 64th notify of a vq, which then uses the read: a writer vqtrace misses, or a hook run the kernel skipped; and whenever a notify's decision disagrees with the rules on kept indexes, which is then not judged).") \
	X(retired_full,							\
	  "%llu torn-down virtqueues' final counts were lost (raise -m)", 1, \
	  "Retired virtqueues whose final counts found no room in the retired map; for a vq whose address vhost reused, its counts since the last interval are lost.")

#endif /* __VQTRACE_FIELDS_H */
