// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <jansson.h>
#include <stdio.h>
#include <sys/time.h>

#include "hist.h"
#include "output.h"

static double now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static void emit(FILE *f, json_t *o)
{
	json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(o);
}

/* [{"flag", "count", "first", "last", "active"}] of the flags raised in the
 * interval (count since start), or ever for totals. */
static json_t *flags_json(const struct vq_flags *fl, bool total)
{
	json_t *a = json_array();

	for (int i = 0; i < FLAG__COUNT; i++) {
		const struct flag_state *f = &fl->f[i];

		if (!(total ? flag_ever(f) : flag_in_interval(f)))
			continue;
		json_array_append_new(a, json_pack("{s:s, s:I, s:f, s:f, s:b}", "flag",
						   flag_defs[i].name, "count", (json_int_t)f->count,
						   "first", f->first_s, "last", f->last_s,
						   "active", f->active));
	}
	return a;
}

static json_t *row_json(const struct vq_row *r, const struct vq_stats *d, bool total,
			double ts, double seconds, bool hist)
{
	char hex[24];

	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)r->cur.vq);
	json_t *o = json_pack("{s:s, s:f, s:f, s:I, s:s, s:I, s:s, s:s}",
			      "type", total ? "total" : "interval", "ts", ts, "seconds", seconds,
			      "pid", (json_int_t)r->cur.owner_tgid, "dev", r->devname,
			      "queue", (json_int_t)r->cur.queue, "dir", r->id.dir, "vq", hex);
	json_object_set_new(o, "adds", json_integer((json_int_t)d->adds));
	json_object_set_new(o, "used", json_integer((json_int_t)d->used));
	json_object_set_new(o, "add_errors", json_integer((json_int_t)d->add_errors));
	json_object_set_new(o, "notifies", json_integer((json_int_t)d->notifies));
	json_object_set_new(o, "signals", json_integer((json_int_t)d->signals));
	json_object_set_new(o, "suppressed", json_integer((json_int_t)d->suppressed));
	json_object_set_new(o, "wrap_checks", json_integer((json_int_t)d->wrap_checks));
	json_object_set_new(o, "invalidations", json_integer((json_int_t)d->invalidations));
	json_object_set_new(o, "stale_signals", json_integer((json_int_t)d->stale_signals));
	json_object_set_new(o, "event_read_errors", json_integer((json_int_t)d->event_read_errors));
	json_object_set_new(o, "lost_notify", json_integer((json_int_t)d->lost_notify));
	json_object_set_new(o, "spurious_notify", json_integer((json_int_t)d->spurious_notify));
	json_object_set_new(o, "model_races", json_integer((json_int_t)d->model_races));
	json_object_set_new(o, "last_used_idx", json_integer(d->last_used_idx));
	json_object_set_new(o, "signalled_used", json_integer(d->signalled_used));
	json_object_set_new(o, "signalled_used_valid", json_boolean(d->signalled_used_valid));
	json_object_set_new(o, "used_event", json_integer(d->used_event));
	json_object_set_new(o, "avail_idx", json_integer(d->avail_idx));
	json_object_set_new(o, "last_avail_idx", json_integer(d->last_avail_idx));
	json_object_set_new(o, "avail_flags", json_integer(d->avail_flags));
	json_object_set_new(o, "num", json_integer(d->num));
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)d->features);
	json_object_set_new(o, "features", json_string(hex));
	json_object_set_new(o, "event_idx", json_boolean(d->features & (1ULL << 29)));
	json_object_set_new(o, "retired", json_boolean(d->retired));
	json_object_set_new(o, "flags", flags_json(&r->flags, total));
	if (hist) {
		struct vq_hists d;

		vq_row_hists(r, total, &d);
		json_object_set_new(o, "hist", hist_json(&d));
		json_object_set_new(o, "hist_sum", hist_sums_json(&d));
	}
	return o;
}

void output_json(FILE *f, const struct vqtable *t, bool total, double seconds)
{
	double ts = now_s();

	for (size_t i = 0; i < t->n; i++) {
		const struct vq_row *r = &t->rows[i];
		struct vq_stats d;

		vq_row_view(r, total, &d);
		emit(f, row_json(r, &d, total, ts, seconds, t->hist));
	}
	fflush(f);
}

void output_probe_json(FILE *f, const struct vq_global *g, unsigned int max_vqs,
		       const char *add_hook, const char *notify_hook)
{
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string("probe"));
	json_object_set_new(o, "ts", json_real(now_s()));
	json_object_set_new(o, "add_used_hook", json_string(add_hook));
	json_object_set_new(o, "notify_hook", json_string(notify_hook));
	json_object_set_new(o, "max_vqs", json_integer(max_vqs));
	json_object_set_new(o, "vq_map_full", json_integer((json_int_t)g->vq_map_full));
	json_object_set_new(o, "filtered_out", json_integer((json_int_t)g->filtered_out));
	json_object_set_new(o, "notify_unknown_vq", json_integer((json_int_t)g->notify_unknown_vq));
	json_object_set_new(o, "notify_arg1", json_integer((json_int_t)g->notify_arg1));
	json_object_set_new(o, "notify_arg2", json_integer((json_int_t)g->notify_arg2));
	json_object_set_new(o, "stash_full", json_integer((json_int_t)g->stash_full));
	json_object_set_new(o, "retired_full", json_integer((json_int_t)g->retired_full));
	emit(f, o);
	fflush(f);
}
