// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <jansson.h>
#include <stdio.h>
#include <sys/time.h>

#include "fields.h"
#include "hist.h"
#include "output.h"
#include "vq_rules.h"

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
			double ts, double seconds, bool hist, bool kick_side)
{
	char hex[24];

	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)r->cur.vq);
	json_t *o = json_pack("{s:s, s:f, s:f, s:I, s:s, s:I, s:s, s:s}",
			      "type", total ? "total" : "interval", "ts", ts, "seconds", seconds,
			      "pid", (json_int_t)r->cur.owner_tgid, "dev", r->devname,
			      "queue", (json_int_t)r->cur.queue, "dir", r->id.dir, "vq", hex);
	json_object_set_new(o, "tap", r->tap[0] ? json_string(r->tap) : json_null());
	json_object_set_new(o, "qp", r->qp >= 0 ? json_integer(r->qp) : json_null());
	/* false: handler_runs (and kick_wait_ns) of this vq are not counted,
	 * its kick handler was not hooked (a module loaded after vqtrace) */
	json_object_set_new(o, "handler_hooked", json_boolean(r->id.handler_hooked));
	for (size_t i = 0; i < vq_n_fields; i++) {
		const struct vq_field *f = &vq_fields[i];
		uint64_t v = vq_field_get(d, f);

		if (f->kick && !kick_side) {	/* not counted: not 0 */
			json_object_set_new(o, f->name, json_null());
			continue;
		}
		switch (f->kind) {
		case VQ_FIELD_COUNTER:
		case VQ_FIELD_INT:
			json_object_set_new(o, f->name, json_integer((json_int_t)v));
			break;
		case VQ_FIELD_BOOL:
			json_object_set_new(o, f->name, json_boolean(v));
			break;
		case VQ_FIELD_HEX:
			snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)v);
			json_object_set_new(o, f->name, json_string(hex));
			break;
		}
	}
	json_object_set_new(o, "event_idx",
			    json_boolean(d->features & VQ_FEATURE(VQ_F_RING_EVENT_IDX)));
	json_object_set_new(o, "flags", flags_json(&r->flags, total));
	if (hist) {
		struct vq_hists d;
		json_t *hj, *sj;

		vq_row_hists(r, total, &d);
		hj = hist_json(&d);
		sj = hist_sums_json(&d);

		for (int i = 0; i < VQ_HIST__COUNT && !kick_side; i++)
			if (hist_defs[i].kick) {	/* not measured: null, not empty */
				json_object_set_new(hj, hist_defs[i].name, json_null());
				json_object_set_new(sj, hist_defs[i].name, json_null());
			}
		json_object_set_new(o, "hist", hj);
		json_object_set_new(o, "hist_sum", sj);
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
		emit(f, row_json(r, &d, total, ts, seconds, t->hist, t->kick_side));
	}
	fflush(f);
}

void output_probe_json(FILE *f, const struct vq_global *g, unsigned int max_vqs,
		       const char *add_hook, const char *notify_hook, bool kick_side)
{
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string("probe"));
	json_object_set_new(o, "ts", json_real(now_s()));
	json_object_set_new(o, "add_used_hook", json_string(add_hook));
	json_object_set_new(o, "notify_hook", json_string(notify_hook));
	json_object_set_new(o, "max_vqs", json_integer(max_vqs));
	json_object_set_new(o, "kick_side", json_boolean(kick_side));
	{
		char why[256];
		bool incomplete = vq_global_incomplete(g, why, sizeof(why));

		json_object_set_new(o, "complete", json_boolean(!incomplete));
		if (incomplete)
			json_object_set_new(o, "incomplete", json_string(why));
	}
	for (size_t i = 0; i < vq_n_global_fields; i++)
		json_object_set_new(o, vq_global_fields[i].name,
				    json_integer((json_int_t)vq_global_get(g, &vq_global_fields[i])));
	emit(f, o);
	fflush(f);
}
