// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "flags.h"

#include <string.h>

#include "fields.h"
#include "vq_rules.h"

const struct flag_def flag_defs[FLAG__COUNT] = {
	[FLAG_WRAP_INVALIDATED] = { "WRAP_INVALIDATED", "WI",
		"signalled_used_valid went true -> false in __vhost_add_used_n (u16 wrap)",
		true },
	[FLAG_WRAP_CHECK] = { "WRAP_CHECK", "WC",
		"the u16 wrap check held again while signalled_used was invalid, with no signal since the last invalidation", true },
	[FLAG_STALE_SIGNALLED] = { "STALE_SIGNALLED", "SS",
		"a signal forced by an invalid signalled_used, other than the first after a ring setup" },
	[FLAG_EVENT_STALE] = { "EVENT_STALE", "ES",
		"the guest stopped re-arming used_event (unchanged over more than a ring of entries) and then stopped adding buffers for --stall-ms while entries wait unsignalled, the vq having a backend (a paused VM's stopped device waits for nobody)" },
	[FLAG_EVENT_AHEAD] = { "EVENT_AHEAD", "EA",
		"used_event more than the ring size ahead of last_used_idx (bogus guest)" },
	[FLAG_NO_SIGNAL_STALL] = { "NO_SIGNAL_STALL", "NS",
		"entries the guest asked an interrupt for waited --stall-ms with a backend (not a paused VM's stopped device), none sent" },
	[FLAG_NEAR_WRAP] = { "NEAR_WRAP", "NW",
		"(u16)(last_used_idx - signalled_used) >= 32768 with signalled_used valid: half-way to a wrap" },
	[FLAG_AVAIL_OVERRUN] = { "AVAIL_OVERRUN", "AO",
		"(u16)(avail_idx - last_avail_idx) > num: the guest overran its ring" },
	[FLAG_LOST_NOTIFY] = { "LOST_NOTIFY", "LN",
		"vhost suppressed where the virtio rules say notify (guest may hang)" },
	[FLAG_SPURIOUS_NOTIFY] = { "SPURIOUS_NOTIFY", "SN",
		"vhost notified where the virtio rules say suppress" },
	[FLAG_WORKER_STALL] = { "WORKER_STALL", "WS",
		"a guest kick waited --stall-ms for its kick handler to start: the vhost worker did not run" },
	[FLAG_KICK_MISSED] = { "KICK_MISSED", "KM",
		"the guest added buffers after vhost asked for a kick and sent none for --stall-ms: the guest did not kick" },
	[FLAG_USE_STALL] = { "USE_STALL", "US",
		"(--kicks) on a ring of requests (TX, scsi I/O and control), buffers the guest published (its avail index as read from its memory, else vhost's) waited --stall-ms with no used entry, while the ring had a backend, no kick waited for its handler and the guest owed none: vhost (its backend) did not use the buffers" },
};

static void set_count(struct flag_state *f, uint64_t count, double now_s)
{
	if (count > f->count) {
		if (!f->first_s)
			f->first_s = now_s;
		f->last_s = now_s;
	}
	f->count = count;
}

/* How long a vq with a backend has waited since `since`: a time with no
 * backend (a paused VM: QEMU stops vhost) is no waiting, so the time
 * starts again when the backend is back. */
static uint64_t waited(const struct vq_flags *fl, uint64_t since, uint64_t now_ns)
{
	if (fl->unplugged_ns > since)
		since = fl->unplugged_ns;
	return now_ns > since ? now_ns - since : 0;
}

bool vq_signal_watched(const struct vq_stats *s)
{
	return !s->retired && s->backend && (s->features & VQ_FEATURE(VQ_F_RING_EVENT_IDX)) &&
	       s->used_event_seen && s->waiting_since_ns;
}

/* NO_SIGNAL_STALL: entries published since the last signal include the one
 * the guest asked about, and they have waited longer than the threshold.
 * After more than 65535 entries the u16 window says nothing any more, but
 * the guest's used_event has been passed for certain. */
static bool stalled(const struct vq_flags *fl, const struct vq_stats *s,
		    const struct flag_opts *o, uint64_t now_ns)
{
	/* The guest's used_event as it is now where it could be read: a
	 * guest that wrote a new one after vhost's last notify (racing it,
	 * then finding the entries by itself, as drivers must) asks for
	 * nothing any more, and no notify runs on an idle queue to say so. */
	uint16_t used_event = fl->guest_used_event_ok ? fl->guest_used_event : s->used_event;

	return vq_signal_watched(s) && s->waiting_since_ns != VQ_WAIT_UNSTAMPED &&
	       waited(fl, s->waiting_since_ns, now_ns) > o->stall_ns &&
	       (s->wait_wrapped ||
		vq_rule_need_event(used_event, s->last_used_idx, s->used_idx_at_signal));
}

/* EVENT_STALE: the guest stopped re-arming (used_event unchanged over more
 * than a ring of entries: the kernel's event_stale_active) and then
 * stopped adding buffers (vhost's avail index still for the threshold)
 * while entries wait unsignalled. A guest that polls without re-arming,
 * as Linux's NAPI does, keeps adding buffers: that is no incident. */
static bool event_stuck(struct vq_flags *fl, const struct vq_stats *s,
			const struct flag_opts *o, uint64_t now_ns)
{
	if (!fl->avail_known || s->avail_idx != fl->avail_seen) {
		fl->avail_known = true;
		fl->avail_seen = s->avail_idx;
		fl->avail_seen_ns = now_ns;
	}
	return !s->retired && s->backend && s->event_stale_active && s->waiting_since_ns &&
	       waited(fl, fl->avail_seen_ns, now_ns) > o->stall_ns;
}

/* WORKER_STALL: a kick has waited longer than the threshold for its
 * handler to start (the worker is starved or stuck). Timed by the kick
 * with --hist, else by the first refresh after it: never early. */
static bool worker_stalled(const struct vq_stats *s, const struct flag_opts *o, uint64_t now_ns)
{
	return !s->retired && s->kick_waiting_ns > VQ_WAIT_UNSTAMPED &&
	       now_ns > s->kick_waiting_ns && now_ns - s->kick_waiting_ns > o->stall_ns;
}

/* KICK_MISSED: vhost found the ring empty and turned kicks on (armed at
 * its avail_idx, which it wrote as avail_event with EVENT_IDX), no kick
 * has come since, none waits for its handler, and the guest's own avail
 * index has moved on: the guest published and did not kick, for longer
 * than the threshold. A guest that kicks right after publishing, or
 * vhost turning kicks off (it works the ring), ends it. A ring with no
 * backend (its owner stopped vhost: a driver reload, a pause) waits for
 * no kick: seen as a false flag on a real Linux guest's virtio_net reload,
 * whose new ring (index 0) was read while vhost still stood armed on the
 * old one. */
bool vq_kick_owed(const struct vq_stats *s)
{
	return !s->retired && s->backend && s->kick_armed && s->kicks == s->kicks_at_arm &&
	       !s->kick_waiting_ns;
}

static bool kick_missed(struct vq_flags *fl, const struct vq_stats *s,
			const struct flag_opts *o, uint64_t now_ns)
{
	bool missing = vq_kick_owed(s) && fl->guest_avail_ok &&
		       fl->guest_avail != s->kick_armed_avail;

	if (!missing) {
		fl->kick_missing_ns = 0;
		return false;
	}
	if (!fl->kick_missing_ns)
		fl->kick_missing_ns = now_ns;
	return now_ns - fl->kick_missing_ns > o->stall_ns;
}

bool vq_use_watched(const struct vq_stats *s, bool requests, bool kick_side)
{
	return kick_side && requests && !s->retired && s->backend && !s->kick_waiting_ns;
}

uint16_t vq_use_pending(const struct vq_flags *fl, const struct vq_stats *s)
{
	uint16_t avail = fl->use_guest_avail_ok ? fl->use_guest_avail : s->avail_idx;

	return (uint16_t)(avail - s->used_idx_now);
}

/* USE_STALL: on a ring of requests, the guest has published buffers
 * vhost has not used (the guest's own avail index where it could be read
 * at this read, since vhost may stop without looking at it; else vhost's),
 * the ring has a backend, no kick waits for its handler (that is
 * WORKER_STALL) and the guest is not past a kick it owes (KICK_MISSED),
 * and no used entry has come for longer than the threshold: vhost, or the
 * backend it passed them to, holds them. Judged only with the kick side:
 * without it a guest that did not kick would look the same. RX rings are
 * not looked at: their buffers wait for data. More than a ring's worth
 * (a driver that zeroed its rings) is no count of anything: not judged. */
static bool use_stalled(struct vq_flags *fl, const struct vq_stats *s,
			const struct flag_opts *o, uint64_t now_ns)
{
	uint16_t pending = vq_use_pending(fl, s);
	bool waiting = vq_use_watched(s, fl->requests, o->kick_side) &&
		       pending && pending <= s->num && !fl->kick_missing_ns;

	if (!waiting || s->used != fl->use_used || s->ring_setups != fl->use_setups) {
		fl->use_used = s->used;
		fl->use_setups = s->ring_setups;
		fl->use_since_ns = waiting ? now_ns : 0;
		return false;
	}
	if (!fl->use_since_ns)
		fl->use_since_ns = now_ns;
	return now_ns - fl->use_since_ns > o->stall_ns;
}

/* An episode flag judged here: counted when it starts. */
static void episode(struct flag_state *f, bool now_active, double now_s)
{
	if (now_active && !f->active)
		set_count(f, f->count + 1, now_s);
	f->active = now_active;
}

unsigned int flags_update(struct vq_flags *fl, const struct vq_stats *s,
			  const struct flag_opts *o, uint64_t now_ns, double now_s)
{
	bool event_idx = s->features & VQ_FEATURE(VQ_F_RING_EVENT_IDX);
	uint64_t before[FLAG__COUNT];
	unsigned int raised = 0;

	for (int i = 0; i < FLAG__COUNT; i++)
		before[i] = fl->f[i].count;
	if (!s->backend)
		fl->unplugged_ns = now_ns;
	/* Each flag counted in the kernel is a counter of the table
	 * (include/vq_fields.h). The wrap state is meaningless without
	 * EVENT_IDX: vhost never updates signalled_used then. */
	for (size_t i = 0; i < vq_n_counters; i++) {
		const struct vq_field *f = &vq_fields[i];

		if (f->flag == VQ_NO_FLAG)
			continue;
		set_count(&fl->f[f->flag],
			  flag_defs[f->flag].event_idx_only && !event_idx ? 0 : vq_field_get(s, f),
			  now_s);
	}
	fl->f[FLAG_NEAR_WRAP].active = s->near_wrap_active;
	fl->f[FLAG_AVAIL_OVERRUN].active = s->avail_overrun_active;
	/* An episode lasts until vhost signals (a new wait), the guest's
	 * current used_event only keeps one from starting: a guest that
	 * polls catches up now and then, and is still not interrupted. */
	if (stalled(fl, s, o, now_ns)) {
		if (!fl->f[FLAG_NO_SIGNAL_STALL].active)
			fl->stall_wait_ns = s->waiting_since_ns;
		episode(&fl->f[FLAG_NO_SIGNAL_STALL], true, now_s);
	} else {
		episode(&fl->f[FLAG_NO_SIGNAL_STALL],
			fl->f[FLAG_NO_SIGNAL_STALL].active && !s->retired &&
			s->waiting_since_ns == fl->stall_wait_ns, now_s);
	}
	episode(&fl->f[FLAG_EVENT_STALE], event_stuck(fl, s, o, now_ns), now_s);
	episode(&fl->f[FLAG_WORKER_STALL], worker_stalled(s, o, now_ns), now_s);
	episode(&fl->f[FLAG_KICK_MISSED], kick_missed(fl, s, o, now_ns), now_s);
	episode(&fl->f[FLAG_USE_STALL], use_stalled(fl, s, o, now_ns), now_s);
	for (int i = 0; i < FLAG__COUNT; i++)
		if (!before[i] && fl->f[i].count)
			raised |= 1u << i;
	return raised;
}

bool flag_in_interval(const struct flag_state *f)
{
	return f->count > f->printed || f->active || f->was_active;
}

bool flag_ever(const struct flag_state *f)
{
	return f->count > 0;
}

void flags_mark_printed(struct vq_flags *fl)
{
	for (int i = 0; i < FLAG__COUNT; i++) {
		fl->f[i].printed = fl->f[i].count;
		fl->f[i].was_active = fl->f[i].active;
	}
}

void flags_codes(const struct vq_flags *fl, bool total, char *buf, size_t len, int width)
{
	int shown[FLAG__COUNT], n = 0, used = 0;

	for (int i = 0; i < FLAG__COUNT; i++)
		if (total ? flag_ever(&fl->f[i]) : flag_in_interval(&fl->f[i]))
			shown[n++] = i;
	buf[0] = '\0';
	for (int k = 0; k < n; k++) {
		int need = (k ? 1 : 0) + 2 + (k < n - 1 ? 1 : 0);	/* ",XX" and room for "+" */

		if (used + need > width || (size_t)(used + need) >= len) {
			snprintf(buf + used, len - used, "+");
			return;
		}
		used += snprintf(buf + used, len - used, "%s%s", k ? "," : "", flag_defs[shown[k]].code);
	}
	if (!n)
		snprintf(buf, len, "-");
}

void flags_help(FILE *f)
{
	for (int i = 0; i < FLAG__COUNT; i++) {
		fprintf(f, "  %s %s\n", flag_defs[i].code, flag_defs[i].name);
		help_wrap(f, flag_defs[i].help, 0, 6, 79);
	}
}
