// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "verdict.h"

#include <stdio.h>

#include "flags.h"

const char *verdict_stage(int flag)
{
	switch (flag) {
	case FLAG_KICK_MISSED:
		return "the guest did not kick";
	case FLAG_WORKER_STALL:
		return "the worker did not run";
	case FLAG_NO_SIGNAL_STALL:
		return "vhost suppressed the interrupt";
	case FLAG_EVENT_STALE:
		return "the guest stopped consuming";
	case FLAG_USE_STALL:
		return "vhost did not use the buffers";
	default:
		return NULL;
	}
}

static double waited_s(uint64_t since_ns, uint64_t now_ns)
{
	return since_ns > VQ_WAIT_UNSTAMPED && now_ns > since_ns ? (now_ns - since_ns) / 1e9 : 0;
}

bool verdict_text(const struct vq_row *r, int flag, uint64_t now_ns, char *buf, size_t len)
{
	const struct vq_stats *s = &r->cur;
	const char *stage = verdict_stage(flag);

	if (!stage)
		return false;
	switch (flag) {
	case FLAG_KICK_MISSED:
		snprintf(buf, len, "guest published %u buffers (avail %u) after vhost asked for a kick at avail %u, and sent no kick since (kicks: %llu in all) -> %s",
			 (unsigned)(uint16_t)(r->flags.guest_avail - s->kick_armed_avail),
			 r->flags.guest_avail, s->kick_armed_avail,
			 (unsigned long long)s->kicks, stage);
		break;
	case FLAG_WORKER_STALL:
		snprintf(buf, len, "a kick has waited %.1f s for the kick handler (%llu kicks, %llu handler runs) -> %s",
			 waited_s(s->kick_waiting_ns, now_ns), (unsigned long long)s->kicks,
			 (unsigned long long)s->handler_runs, stage);
		break;
	case FLAG_NO_SIGNAL_STALL:
		snprintf(buf, len, "entries up to %u published, the guest asked for an interrupt at used_event %u, none sent since %u for %.1f s -> %s",
			 s->last_used_idx,
			 r->flags.guest_used_event_ok ? r->flags.guest_used_event : s->used_event,
			 s->used_idx_at_signal,
			 waited_s(s->waiting_since_ns, now_ns), stage);
		break;
	case FLAG_USE_STALL:
		snprintf(buf, len, "guest published buffers up to avail %u%s, vhost saw them up to %u, took them up to %u and used them up to %u: %u unused for %.1f s, with a backend, no kick waiting (kicks: %llu, handler runs: %llu) -> %s",
			 r->flags.use_guest_avail_ok ? r->flags.use_guest_avail : s->avail_idx,
			 r->flags.use_guest_avail_ok ? "" : " (vhost's view: guest memory not read)",
			 s->avail_idx, s->last_avail_idx, s->used_idx_now,
			 vq_use_pending(&r->flags, s),
			 waited_s(r->flags.use_since_ns, now_ns), (unsigned long long)s->kicks,
			 (unsigned long long)s->handler_runs, stage);
		break;
	default:	/* FLAG_EVENT_STALE */
		snprintf(buf, len, "used_event %u not re-armed over more than %u entries (last_used_idx %u), and no new buffer (avail %u) -> %s",
			 s->used_event, s->num, s->last_used_idx, s->avail_idx, stage);
		break;
	}
	return true;
}

json_t *verdict_json(const struct vq_row *r, int flag, uint64_t now_ns, double ts)
{
	const struct vq_stats *s = &r->cur;
	char text[VERDICT_TEXT_MAX];
	json_t *o;

	if (!verdict_text(r, flag, now_ns, text, sizeof(text)))
		return NULL;
	o = json_pack("{s:s, s:f, s:I, s:s, s:I, s:s, s:s, s:s, s:s}", "type", "verdict", "ts", ts,
		      "pid", (json_int_t)s->owner_tgid, "dev", r->devname,
		      "queue", (json_int_t)s->queue, "dir", r->id.dir, "flag", flag_defs[flag].name,
		      "stage", verdict_stage(flag), "text", text);
	json_object_set_new(o, "kicks", json_integer((json_int_t)s->kicks));
	json_object_set_new(o, "handler_runs", json_integer((json_int_t)s->handler_runs));
	json_object_set_new(o, "avail_idx", json_integer(s->avail_idx));
	json_object_set_new(o, "last_avail_idx", json_integer(s->last_avail_idx));
	json_object_set_new(o, "last_used_idx", json_integer(s->last_used_idx));
	json_object_set_new(o, "used_event", json_integer(s->used_event));
	if (flag == FLAG_KICK_MISSED) {
		json_object_set_new(o, "guest_avail", json_integer(r->flags.guest_avail));
		json_object_set_new(o, "kick_armed_avail", json_integer(s->kick_armed_avail));
	}
	if (flag == FLAG_USE_STALL && r->flags.use_guest_avail_ok)
		json_object_set_new(o, "guest_avail", json_integer(r->flags.use_guest_avail));
	if (flag == FLAG_WORKER_STALL)
		json_object_set_new(o, "kick_waited_s", json_real(waited_s(s->kick_waiting_ns, now_ns)));
	if (flag == FLAG_USE_STALL)
		json_object_set_new(o, "unused_s", json_real(waited_s(r->flags.use_since_ns, now_ns)));
	return o;
}
