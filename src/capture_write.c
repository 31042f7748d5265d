// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Writing a capture (see capture.h and docs/capture-format.md). */
#include "capture.h"

#include <errno.h>
#include <string.h>

#include "fields.h"
#include "hist.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the capture format stores counters in host order, which must be little-endian"
#endif

struct enc {
	uint8_t b[4096];
	size_t n;
};

static void put(struct enc *e, const void *p, size_t len)
{
	if (e->n + len <= sizeof(e->b))
		memcpy(e->b + e->n, p, len);
	e->n += len;	/* an overflow is caught in emit() */
}

static void put_u8(struct enc *e, uint8_t v) { put(e, &v, 1); }
static void put_u16(struct enc *e, uint16_t v) { put(e, &v, 2); }
static void put_u32(struct enc *e, uint32_t v) { put(e, &v, 4); }
static void put_u64(struct enc *e, uint64_t v) { put(e, &v, 8); }
static void put_f64(struct enc *e, double v) { put(e, &v, 8); }

/* s: a NUL-terminated string in a buffer of `size` bytes. */
static void put_str(struct enc *e, const char *s, size_t size)
{
	size_t len = strnlen(s, size < CAP_STR_MAX ? size : CAP_STR_MAX);

	put_u16(e, (uint16_t)len);
	/* printable ASCII only, as the reader demands */
	for (size_t i = 0; i < len; i++)
		put_u8(e, s[i] >= 0x20 && s[i] <= 0x7e ? (uint8_t)s[i] : '?');
}

static void raw(struct cap_writer *w, const void *p, size_t len)
{
	if (!w->err && fwrite(p, 1, len, w->f) != len)
		w->err = errno ? errno : EIO;
}

static void emit(struct cap_writer *w, uint16_t type, const struct enc *e,
		 const void *blob, size_t blob_len)
{
	uint8_t hdr[CAP_REC_HDR_LEN];
	uint16_t flags = 0;
	uint32_t len = (uint32_t)(e->n + blob_len);

	if (e->n > sizeof(e->b) || len > CAP_MAX_RECORD) {
		w->err = w->err ? w->err : EOVERFLOW;
		return;
	}
	memcpy(hdr, &type, 2);
	memcpy(hdr + 2, &flags, 2);
	memcpy(hdr + 4, &len, 4);
	raw(w, hdr, sizeof(hdr));
	raw(w, e->b, e->n);
	if (blob_len)
		raw(w, blob, blob_len);
}

int capw_open(struct cap_writer *w, const char *path)
{
	uint32_t version = CAP_VERSION, reserved = 0;

	memset(w, 0, sizeof(*w));
	w->f = fopen(path, "wb");
	if (!w->f)
		return -errno;
	raw(w, CAP_MAGIC, CAP_MAGIC_LEN);
	raw(w, &version, 4);
	raw(w, &reserved, 4);
	return -w->err;
}

void capw_meta(struct cap_writer *w, const struct cap_meta *m)
{
	struct enc e = { .n = 0 };

	put_u32(&e, m->flags);
	put_u32(&e, m->sample);
	put_u32(&e, m->ringbuf_kb);
	put_u32(&e, m->max_vqs);
	put_u32(&e, m->stall_ms);
	put_f64(&e, m->interval_s);
	put_u64(&e, m->start_mono_ns);
	put_f64(&e, m->start_wall_s);
	put_str(&e, m->release, sizeof(m->release));
	put_str(&e, m->machine, sizeof(m->machine));
	put_str(&e, m->version, sizeof(m->version));
	put_str(&e, m->add_hook, sizeof(m->add_hook));
	put_str(&e, m->notify_hook, sizeof(m->notify_hook));
	/* the schema: what STATS, END and HIST records hold, by name */
	put_u16(&e, (uint16_t)vq_n_fields);
	for (size_t i = 0; i < vq_n_fields; i++)
		put_str(&e, vq_fields[i].name, CAP_NAME_MAX + 1);
	put_u16(&e, (uint16_t)vq_n_global_fields);
	for (size_t i = 0; i < vq_n_global_fields; i++)
		put_str(&e, vq_global_fields[i].name, CAP_NAME_MAX + 1);
	put_u16(&e, VQ_HIST__COUNT);
	put_u16(&e, VQ_HIST_SLOTS);
	for (int i = 0; i < VQ_HIST__COUNT; i++)
		put_str(&e, hist_defs[i].name, CAP_NAME_MAX + 1);
	emit(w, CAP_META, &e, NULL, 0);
}

void capw_vq(struct cap_writer *w, const struct cap_vq *v)
{
	struct enc e = { .n = 0 };

	put_u32(&e, v->id);
	put_u64(&e, v->vq);
	put_u64(&e, v->first_ns);
	put_u64(&e, v->dev);
	put_u64(&e, v->handle_kick);
	put_u32(&e, v->pid);
	put_u32(&e, (uint32_t)v->queue);
	put_u32(&e, (uint32_t)v->dev_ordinal);
	put_str(&e, v->devname, sizeof(v->devname));
	put_str(&e, v->kind, sizeof(v->kind));
	put_str(&e, v->dir, sizeof(v->dir));
	put_str(&e, v->kick_sym, sizeof(v->kick_sym));
	put_str(&e, v->tap, sizeof(v->tap));
	put_u32(&e, (uint32_t)v->qp);
	put_u32(&e, v->flags);
	emit(w, CAP_VQ, &e, NULL, 0);
}

void capw_event(struct cap_writer *w, uint32_t id, const struct vq_event *ev)
{
	struct enc e = { .n = 0 };

	put_u32(&e, id);
	put_u8(&e, ev->type);
	put_u8(&e, (ev->valid_before ? 1 : 0) | (ev->valid_after ? 2 : 0) |
		   (ev->decision ? 4 : 0) | (ev->used_event_ok ? 8 : 0));
	put_u16(&e, 0);
	put_u32(&e, ev->cpu);
	put_u32(&e, ev->num);
	put_u32(&e, (uint32_t)ev->ret);
	put_u32(&e, ev->bits);
	put_u64(&e, ev->ts_ns);
	put_u64(&e, ev->seq);
	put_u64(&e, ev->features);
	put_u16(&e, ev->old_used_idx);
	put_u16(&e, ev->new_used_idx);
	put_u16(&e, ev->signalled_used);
	put_u16(&e, ev->used_event);
	put_u16(&e, ev->avail_idx);
	put_u16(&e, ev->last_avail_idx);
	emit(w, CAP_EVENT, &e, NULL, 0);
}

void capw_stats(struct cap_writer *w, uint32_t id, const struct vq_stats *s)
{
	struct enc e = { .n = 0 };

	put_u32(&e, id);
	for (size_t i = 0; i < vq_n_fields; i++)
		put_u64(&e, vq_field_get(s, &vq_fields[i]));
	emit(w, CAP_STATS, &e, NULL, 0);
}

void capw_hists(struct cap_writer *w, uint32_t id, const struct vq_hists *h)
{
	struct enc e = { .n = 0 };

	put_u32(&e, id);
	for (int i = 0; i < VQ_HIST__COUNT; i++) {
		for (int k = 0; k < VQ_HIST_SLOTS; k++)
			put_u64(&e, h->h[i].slots[k]);
		put_u64(&e, h->h[i].sum);
	}
	emit(w, CAP_HIST, &e, NULL, 0);
}

void capw_snap(struct cap_writer *w, const struct cap_snap *s)
{
	struct enc e = { .n = 0 };

	put_u64(&e, s->mono_ns);
	put_f64(&e, s->wall_s);
	put_f64(&e, s->seconds);
	put_u32(&e, s->final ? 1 : 0);
	emit(w, CAP_SNAP, &e, NULL, 0);
}

void capw_end(struct cap_writer *w, const struct cap_end *end)
{
	struct enc e = { .n = 0 };

	put_u64(&e, end->emitted);
	put_u64(&e, end->lost);
	put_u64(&e, end->sampled_out);
	put_u64(&e, end->add_used);
	put_u64(&e, end->notify);
	for (size_t i = 0; i < vq_n_global_fields; i++)
		put_u64(&e, vq_global_get(&end->global, &vq_global_fields[i]));
	emit(w, CAP_END, &e, NULL, 0);
}

int capw_close(struct cap_writer *w)
{
	int err = w->err;

	if (!w->f)
		return err ? -err : 0;
	if (fflush(w->f) && !err)
		err = errno ? errno : EIO;
	if (fclose(w->f) && !err)
		err = errno ? errno : EIO;
	w->f = NULL;
	w->err = err;
	return -err;
}
