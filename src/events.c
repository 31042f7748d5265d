// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "events.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "version.h"

int evsess_prepare(struct evsess *ev, const struct env *env)
{
	int err;

	memset(ev, 0, sizeof(*ev));
	ev->print = env->events;
	ev->json = env->json;
	ev->flight_on = env->trigger_mask != 0;
	ev->rec_on = env->record_path != NULL;
	ev->on = ev->print || ev->flight_on || ev->rec_on;
	ev->sample = env->sample ? env->sample : 1;
	ev->ringbuf_kb = env->ringbuf_kb ? env->ringbuf_kb : VQ_EV_DEFAULT_RINGBUF_KB;
	if (ev->flight_on && env->trigger_out) {
		ev->trigger_out = fopen(env->trigger_out, "a");
		if (!ev->trigger_out) {
			err = -errno;
			elog("cannot open --trigger-out %s: %s", env->trigger_out, strerror(-err));
			return err;
		}
	}
	if (ev->rec_on) {
		err = recorder_open(&ev->rec, env->record_path, env->hist);
		if (err) {
			elog("cannot create %s: %s", env->record_path, strerror(-err));
			ev->rec_on = false;
			return err;
		}
	}
	return 0;
}

struct session_events evsess_wants(const struct evsess *ev)
{
	return (struct session_events){ .on = ev->on, .sample = ev->sample,
					.ringbuf_kb = ev->ringbuf_kb };
}

/* Who the event's vq is: from the table, re-read once if it is new to it. */
static void resolve(struct evsess *ev, struct evvq *v, const struct vq_event *e)
{
	const struct vq_row *r;

	if (v->resolved || v->tried_gen == ev->gen)
		return;
	r = vqtable_find(ev->t, v->vq, v->first_ns);
	if (!r && !session_read_vqs(ev->ss, ev->t))
		r = vqtable_find(ev->t, v->vq, v->first_ns);
	v->tried_gen = ev->gen;
	v->id.pid = e->owner_tgid;
	v->id.queue = e->queue;
	if (r) {
		v->resolved = true;
		snprintf(v->id.dev, sizeof(v->id.dev), "%s", r->devname);
		snprintf(v->id.dir, sizeof(v->id.dir), "%s", r->id.dir);
	}
	if (ev->rec_on && !ev->closing)
		recorder_ident(&ev->rec, v, r, ev->t->ks, e);
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct evsess *ev = ctx;
	const struct vq_event *e = data;
	struct evvq *v;
	uint64_t gap;

	if (len < sizeof(*e))
		return 0;
	v = evvq_get(&ev->vqs, e->vq, e->first_ns);
	if (!v) {
		if (!ev->nomem_said)
			elog("out of memory: events are being dropped in userspace");
		ev->nomem_said = true;
		return 0;
	}
	resolve(ev, v, e);
	gap = evvq_gap(v, e->seq);
	if (e->type == VQ_EV_ADD_USED)
		ev->add_used++;
	else
		ev->notify++;
	if (ev->print)
		event_write(stdout, ev->json, e, &v->id, event_wall(e, ev->wall_offset), gap, 0);
	if (ev->flight_on)
		flight_event(&ev->fl, v, e);
	if (ev->rec_on)
		recorder_event(&ev->rec, v, e);
	return 0;
}

static void write_meta(struct evsess *ev, const struct env *env, const struct attach_plan *plan)
{
	struct cap_meta m;
	struct utsname u;

	memset(&m, 0, sizeof(m));
	m.flags = (env->hist ? CAP_F_HIST : 0) | (env->kicks ? CAP_F_KICKS : 0);
	m.sample = ev->sample;
	m.ringbuf_kb = ev->ringbuf_kb;
	m.max_vqs = env->max_vqs;
	m.stall_ms = env->stall_ms;
	m.interval_s = env->interval_s;
	m.start_mono_ns = (uint64_t)(clock_s(CLOCK_MONOTONIC) * 1e9);
	/* the same offset as the live stream's */
	m.start_wall_s = m.start_mono_ns / 1e9 + ev->wall_offset;
	if (!uname(&u)) {
		snprintf(m.release, sizeof(m.release), "%s", u.release);
		snprintf(m.machine, sizeof(m.machine), "%s", u.machine);
	}
	snprintf(m.version, sizeof(m.version), "%s", VQTRACE_VERSION);
	attach_describe(plan, m.add_hook, sizeof(m.add_hook), m.notify_hook, sizeof(m.notify_hook));
	recorder_meta(&ev->rec, &m);
}

int evsess_start(struct evsess *ev, const struct env *env, const struct session *ss,
		 struct vqtable *t)
{
	if (!ev->on)
		return 0;
	ev->t = t;
	ev->ss = ss;
	ev->gen = 1;	/* evvq.tried_gen starts at 0: never tried */
	ev->wall_offset = clock_s(CLOCK_REALTIME) - clock_s(CLOCK_MONOTONIC);
	if (ev->flight_on)
		flight_init(&ev->fl, env->trigger_mask, env->keep ? env->keep : VQ_EV_DEFAULT_KEEP,
			    ev->trigger_out ? ev->trigger_out : stderr, env->json, ev->wall_offset);
	ev->rb = session_event_ring(ss, on_event, ev);
	if (!ev->rb) {
		int err = errno > 0 ? -errno : -EIO;

		elog("cannot open the event ring buffer: %s", strerror(-err));
		return err;
	}
	if (ev->rec_on)
		write_meta(ev, env, &ss->plan);
	return 0;
}

void evsess_drain(struct evsess *ev)
{
	if (ev->on)
		ring_buffer__consume(ev->rb);
}

void evsess_wait(struct evsess *ev, double seconds)
{
	int ms = (int)(seconds * 1000) + 1;

	if (ring_buffer__poll(ev->rb, ms) < 0 && errno != EINTR)
		vlog("ring buffer poll: %s", strerror(errno));
	if (ev->print)
		fflush(stdout);
}

/* New losses: on stderr, and in the --events stream where they happened. */
static void show_losses(struct evsess *ev, const struct vq_ev_counters *c)
{
	uint64_t n = c->lost - ev->lost_shown;

	if (c->lost <= ev->lost_shown)
		return;
	ev->lost_shown = c->lost;
	elog("%llu events lost (the %u KiB ring buffer was full; raise --ringbuf-kb or use --sample)",
	     (unsigned long long)n, ev->ringbuf_kb);
	if (!ev->print)
		return;
	if (ev->json)
		printf("{\"type\":\"events_lost\",\"lost\":%llu,\"total\":%llu}\n",
		       (unsigned long long)n, (unsigned long long)c->lost);
	else
		printf("-- %llu events lost (ring buffer full) --\n", (unsigned long long)n);
}

void evsess_snapshot(struct evsess *ev, uint64_t now_ns, double wall_s, double seconds,
		     bool final)
{
	struct vq_ev_counters c;
	struct cap_snap snap = { .mono_ns = now_ns, .wall_s = wall_s, .seconds = seconds,
				 .final = final };

	if (!ev->on)
		return;
	ev->gen++;
	session_read_ev_counters(ev->ss, &c);
	show_losses(ev, &c);
	if (ev->flight_on) {
		for (size_t i = 0; i < ev->t->n; i++) {
			const struct vq_row *r = &ev->t->rows[i];
			struct evvq *v = evvq_get(&ev->vqs, r->cur.vq, r->cur.first_ns);

			if (!v)
				continue;
			if (!v->resolved) {
				v->id.pid = r->cur.owner_tgid;
				v->id.queue = r->cur.queue;
				snprintf(v->id.dev, sizeof(v->id.dev), "%s", r->devname);
				snprintf(v->id.dir, sizeof(v->id.dir), "%s", r->id.dir);
				v->resolved = true;
			}
			flight_check(&ev->fl, v, r);
		}
	}
	if (ev->rec_on)
		recorder_snapshot(&ev->rec, &ev->vqs, ev->t, &snap);
	if (ev->print)
		fflush(stdout);
}

int evsess_finish(struct evsess *ev, const struct vq_global *g)
{
	struct ev_summary s;
	struct vq_ev_counters c;
	struct cap_end end;
	int err = 0;

	if (!ev->on)
		return 0;
	/* Only calls in flight at the detach can come now; a vq the final
	 * snapshot did not hold would have no counters in the capture. */
	ev->closing = true;
	ring_buffer__consume(ev->rb);
	session_read_ev_counters(ev->ss, &c);
	show_losses(ev, &c);
	memset(&s, 0, sizeof(s));
	s.add_used = ev->add_used;
	s.notify = ev->notify;
	s.emitted = c.emitted;
	s.lost = c.lost;
	s.sampled_out = c.sampled_out;
	s.sample = ev->sample;
	s.ringbuf_kb = ev->ringbuf_kb;
	if (ev->rec_on) {
		memset(&end, 0, sizeof(end));
		end.emitted = c.emitted;
		end.lost = c.lost;
		end.sampled_out = c.sampled_out;
		end.global = *g;
		err = recorder_finish(&ev->rec, &end);
		ev->rec_on = false;
		if (err)
			elog("the capture file is incomplete: %s", strerror(-err));
	}
	if (ev->flight_on)
		flight_summary(&ev->fl, stderr);
	if (ev->json)
		events_summary_json(stdout, &s);
	if (s.lost || !log_quiet)	/* a loss is said even with -q */
		events_summary_line(stderr, "vqtrace: events: ", &s);
	return err ? 1 : 0;
}

void evsess_free(struct evsess *ev)
{
	ring_buffer__free(ev->rb);
	ev->rb = NULL;
	if (ev->rec_on)
		recorder_abort(&ev->rec);
	ev->rec_on = false;
	evvq_free(&ev->vqs, flight_free_vq);
	if (ev->trigger_out)
		fclose(ev->trigger_out);
	ev->trigger_out = NULL;
}
