// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct rec_last {
	struct vq_stats s;
	struct vq_hists *h;	/* with --hist */
	bool written;
};

int recorder_open(struct recorder *r, const char *path, bool hist)
{
	memset(r, 0, sizeof(*r));
	r->hist = hist;
	return capw_open(&r->w, path);
}

void recorder_meta(struct recorder *r, const struct cap_meta *m)
{
	capw_meta(&r->w, m);
}

static int grow(struct recorder *r)
{
	uint32_t cap = r->cap ? r->cap * 2 : 16;
	struct rec_last *n = realloc(r->last, cap * sizeof(*n));

	if (!n)
		return -1;
	memset(n + r->cap, 0, (cap - r->cap) * sizeof(*n));
	r->last = n;
	r->cap = cap;
	return 0;
}

void recorder_ident(struct recorder *r, struct evvq *v, const struct vq_row *row,
		    const struct ksyms *ks, const struct vq_event *e)
{
	const struct ksym *k;
	struct cap_vq c;

	if (v->rec_id >= 0)
		return;
	if (r->n == r->cap && grow(r)) {
		r->w.err = r->w.err ? r->w.err : ENOMEM;
		return;
	}
	memset(&c, 0, sizeof(c));
	c.id = r->n;
	c.vq = v->vq;
	c.first_ns = v->first_ns;
	if (row) {
		c.dev = row->cur.dev;
		c.handle_kick = row->cur.handle_kick;
		c.pid = row->cur.owner_tgid;
		c.queue = row->cur.queue;
		c.dev_ordinal = row->dev_ordinal < 0 ? 0 : row->dev_ordinal;
		snprintf(c.devname, sizeof(c.devname), "%s", row->devname[0] ? row->devname : "?");
		snprintf(c.kind, sizeof(c.kind), "%s", row->id.kind);
		snprintf(c.dir, sizeof(c.dir), "%s", row->id.dir);
		k = ks ? ksyms_by_addr(ks, row->cur.handle_kick) : NULL;
		snprintf(c.kick_sym, sizeof(c.kick_sym), "%s", k ? k->name : "");
		snprintf(c.tap, sizeof(c.tap), "%s", row->tap);
		c.qp = row->qp;
		c.flags = row->id.handler_hooked ? CAP_VQF_HANDLER_HOOKED : 0;
	} else {
		c.pid = e ? e->owner_tgid : 0;
		c.queue = e ? e->queue : -1;
		snprintf(c.devname, sizeof(c.devname), "?");
		snprintf(c.kind, sizeof(c.kind), "?");
		snprintf(c.dir, sizeof(c.dir), "?");
		c.qp = -1;
	}
	capw_vq(&r->w, &c);
	v->rec_id = r->n++;
}

void recorder_event(struct recorder *r, struct evvq *v, const struct vq_event *e)
{
	if (v->rec_id < 0)
		return;
	capw_event(&r->w, (uint32_t)v->rec_id, e);
	if (e->type == VQ_EV_ADD_USED)
		r->add_used++;
	else
		r->notify++;
}

static void write_row(struct recorder *r, struct rec_last *l, uint32_t id, const struct vq_row *row)
{
	if (!l->written || memcmp(&l->s, &row->cur, sizeof(l->s))) {
		capw_stats(&r->w, id, &row->cur);
		l->s = row->cur;
	}
	if (r->hist) {
		if (!l->h)
			l->h = calloc(1, sizeof(*l->h));
		if (!l->h) {
			r->w.err = r->w.err ? r->w.err : ENOMEM;
			return;
		}
		if (!l->written || memcmp(l->h, &row->hist, sizeof(*l->h))) {
			capw_hists(&r->w, id, &row->hist);
			*l->h = row->hist;
		}
	}
	l->written = true;
}

void recorder_snapshot(struct recorder *r, struct evvq_set *set, const struct vqtable *t,
		       const struct cap_snap *snap)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct vq_row *row = &t->rows[i];
		struct evvq *v = evvq_get(set, row->cur.vq, row->cur.first_ns);

		if (!v) {
			r->w.err = r->w.err ? r->w.err : ENOMEM;
			return;
		}
		recorder_ident(r, v, row, t->ks, NULL);
		if (v->rec_id >= 0)
			write_row(r, &r->last[v->rec_id], (uint32_t)v->rec_id, row);
	}
	capw_snap(&r->w, snap);
}

static void free_last(struct recorder *r)
{
	for (uint32_t i = 0; i < r->cap; i++)
		free(r->last[i].h);
	free(r->last);
	r->last = NULL;
	r->cap = 0;
}

int recorder_finish(struct recorder *r, struct cap_end *e)
{
	e->add_used = r->add_used;
	e->notify = r->notify;
	capw_end(&r->w, e);
	free_last(r);
	return capw_close(&r->w);
}

void recorder_abort(struct recorder *r)
{
	free_last(r);
	capw_close(&r->w);
}
