// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Reading a capture: every length, count, index and string is checked
 * against the file before use; what is kept in memory grows only with
 * records actually present, so with the file's size. */
#include "capture.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "evvq.h"
#include "fields.h"
#include "hist.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the capture format stores counters in host order, which must be little-endian"
#endif

#define CAP_MAX_VQS	(1u << 24)	/* a sanity limit; the file's size bounds them too */

struct rd_vq {
	uint64_t vq, first_ns;
	uint32_t pid;
	int32_t queue;
	bool has_stats;
};

struct rd {
	FILE *f;
	uint64_t size, off;	/* off: start of the current record */
	const struct cap_handler *h;
	char *err;
	size_t errlen;
	uint8_t *buf;
	struct cap_meta meta;
	bool have_meta, have_final, have_end;
	uint64_t last_snap_ns;
	struct rd_vq *ids;
	uint32_t n_ids, cap_ids;
	struct evvq_set seen;	/* (vq, first_ns) of the ids, for duplicates */
	uint64_t n_add, n_notify;
	/* META's schema: for each name the file lists, the field of this
	 * vqtrace that holds it (vq_fields, vq_global_fields, hist_defs), or
	 * -1 for a name it does not know (its values are skipped). */
	int16_t stat_map[CAP_MAX_FIELDS], glob_map[CAP_MAX_FIELDS], hist_map[CAP_MAX_FIELDS];
	uint16_t n_stat, n_glob, n_hist;
	/* A capture from before the backend field (vqtrace before 2026-12-07)
	 * does not say whether a vq had one: read as had, so that its
	 * time-based flags are judged as they were when it was recorded. */
	bool backend_unknown;
};

static const char *const type_names[] = {
	[CAP_META] = "META", [CAP_VQ] = "VQ", [CAP_EVENT] = "EVENT", [CAP_STATS] = "STATS",
	[CAP_HIST] = "HIST", [CAP_SNAP] = "SNAP", [CAP_END] = "END",
};

__attribute__((format(printf, 2, 3)))
static int fail(struct rd *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- decoding one payload ------------------------------------------ */

struct dec {
	const uint8_t *p;
	size_t n, off;
	bool bad;
};

static void get(struct dec *d, void *out, size_t len)
{
	if (d->bad || len > d->n - d->off) {
		d->bad = true;
		memset(out, 0, len);
		return;
	}
	memcpy(out, d->p + d->off, len);
	d->off += len;
}

static uint8_t get_u8(struct dec *d) { uint8_t v; get(d, &v, 1); return v; }
static uint16_t get_u16(struct dec *d) { uint16_t v; get(d, &v, 2); return v; }
static uint32_t get_u32(struct dec *d) { uint32_t v; get(d, &v, 4); return v; }
static uint64_t get_u64(struct dec *d) { uint64_t v; get(d, &v, 8); return v; }
static double get_f64(struct dec *d) { double v; get(d, &v, 8); return v; }

/* A length-prefixed string of printable ASCII that fits in max - 1 bytes. */
static void get_str(struct dec *d, char *out, size_t max)
{
	uint16_t len = get_u16(d);

	out[0] = '\0';
	if (d->bad || len >= max || len > d->n - d->off) {
		d->bad = true;
		return;
	}
	for (uint16_t i = 0; i < len; i++) {
		uint8_t c = d->p[d->off + i];

		if (c < 0x20 || c > 0x7e) {
			d->bad = true;
			return;
		}
		out[i] = (char)c;
	}
	out[len] = '\0';
	d->off += len;
}

/* The payload was fully and exactly used. */
static int decoded(struct rd *r, struct dec *d, uint16_t type)
{
	if (d->bad)
		return fail(r, "record at byte %" PRIu64 " (%s) is too short or holds a bad string",
			    r->off, type_names[type]);
	if (d->off != d->n)
		return fail(r, "record at byte %" PRIu64 " (%s) has %zu unexpected bytes at its end",
			    r->off, type_names[type], d->n - d->off);
	return 0;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* A wall-clock time a recording can have: 1970 to about year 5000. */
static bool sane_wall(double s)
{
	return s >= 0 && s < 1e11;
}

/* ---- the records ----------------------------------------------------- */

static int find_stat(const char *name)
{
	const struct vq_field *f = vq_field_by_name(name);

	return f ? (int)(f - vq_fields) : -1;
}

static int find_global(const char *name)
{
	const struct vq_global_field *f = vq_global_by_name(name);

	return f ? (int)(f - vq_global_fields) : -1;
}

static int find_hist(const char *name)
{
	for (int i = 0; i < VQ_HIST__COUNT; i++)
		if (!strcmp(hist_defs[i].name, name))
			return i;
	return -1;
}

/* One list of the schema: u16 count, then the names. A name is [a-z0-9_]+
 * and appears once. */
static int get_schema(struct rd *r, struct dec *d, const char *what, int16_t *map,
		      uint16_t *n, int (*find)(const char *))
{
	char name[CAP_NAME_MAX + 1];
	uint16_t count = get_u16(d);

	if (d->bad || count > CAP_MAX_FIELDS)
		return fail(r, "META: the %s schema lists %u names (corrupt header)", what, count);
	for (uint16_t i = 0; i < count; i++) {
		get_str(d, name, sizeof(name));
		if (d->bad || !name[0] || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
						  strlen(name))
			return fail(r, "META: name %u of the %s schema is not a field name", i, what);
		map[i] = (int16_t)find(name);
		for (uint16_t k = 0; k < i && map[i] >= 0; k++)
			if (map[k] == map[i])
				return fail(r, "META: the %s schema names %s twice", what, name);
	}
	*n = count;
	return 0;
}

static bool schema_has(const struct rd *r, const char *name)
{
	int want = find_stat(name);

	for (uint16_t i = 0; i < r->n_stat; i++)
		if (r->stat_map[i] == want)
			return true;
	return false;
}

static int rec_meta(struct rd *r, struct dec *d)
{
	struct cap_meta *m = &r->meta;
	uint16_t slots;

	if (r->have_meta)
		return fail(r, "record at byte %" PRIu64 ": a second META record", r->off);
	m->flags = get_u32(d);
	m->sample = get_u32(d);
	m->ringbuf_kb = get_u32(d);
	m->max_vqs = get_u32(d);
	m->stall_ms = get_u32(d);
	m->interval_s = get_f64(d);
	m->start_mono_ns = get_u64(d);
	m->start_wall_s = get_f64(d);
	get_str(d, m->release, sizeof(m->release));
	get_str(d, m->machine, sizeof(m->machine));
	get_str(d, m->version, sizeof(m->version));
	get_str(d, m->add_hook, sizeof(m->add_hook));
	get_str(d, m->notify_hook, sizeof(m->notify_hook));
	if (get_schema(r, d, "per-vq", r->stat_map, &r->n_stat, find_stat) ||
	    get_schema(r, d, "probe", r->glob_map, &r->n_glob, find_global))
		return -1;
	r->n_hist = get_u16(d);
	slots = get_u16(d);
	if (!d->bad && (r->n_hist > CAP_MAX_FIELDS || slots != VQ_HIST_SLOTS))
		return fail(r, "META: histograms of %u slots; this vqtrace reads %d", slots,
			    VQ_HIST_SLOTS);
	for (uint16_t i = 0; i < r->n_hist && !d->bad; i++) {
		char name[CAP_NAME_MAX + 1];

		get_str(d, name, sizeof(name));
		r->hist_map[i] = (int16_t)find_hist(name);
	}
	if (decoded(r, d, CAP_META))
		return -1;
	if (!schema_has(r, "vq") || !schema_has(r, "first_ns"))
		return fail(r, "META: the per-vq schema lacks the vq's identity (vq, first_ns)");
	r->backend_unknown = !schema_has(r, "backend");
	if (m->flags & ~(uint32_t)(CAP_F_HIST | CAP_F_KICKS))
		return fail(r, "META: unknown flags 0x%x", m->flags);
	if (m->sample < 1 || m->sample > VQ_EV_MAX_SAMPLE || !is_pow2(m->ringbuf_kb) ||
	    m->ringbuf_kb > VQ_EV_MAX_RINGBUF_KB || m->max_vqs < 1 || m->max_vqs > CAP_MAX_VQS ||
	    m->stall_ms < 1 || m->stall_ms > 3600000 || !isfinite(m->interval_s) ||
	    m->interval_s <= 0 || m->interval_s > 1e6 || !sane_wall(m->start_wall_s))
		return fail(r, "META: a setting is out of range (corrupt header)");
	r->have_meta = true;
	return r->h->meta ? r->h->meta(r->h->ctx, m) : 0;
}

static int rec_vq(struct rd *r, struct dec *d)
{
	struct cap_vq v;
	struct rd_vq *x;

	memset(&v, 0, sizeof(v));
	v.id = get_u32(d);
	v.vq = get_u64(d);
	v.first_ns = get_u64(d);
	v.dev = get_u64(d);
	v.handle_kick = get_u64(d);
	v.pid = get_u32(d);
	v.queue = (int32_t)get_u32(d);
	v.dev_ordinal = (int32_t)get_u32(d);
	get_str(d, v.devname, sizeof(v.devname));
	get_str(d, v.kind, sizeof(v.kind));
	get_str(d, v.dir, sizeof(v.dir));
	get_str(d, v.kick_sym, sizeof(v.kick_sym));
	get_str(d, v.tap, sizeof(v.tap));
	v.qp = (int32_t)get_u32(d);
	if (d->n - d->off >= 4)		/* written from the kick side on */
		v.flags = get_u32(d);
	if (decoded(r, d, CAP_VQ))
		return -1;
	if (v.qp < -1 || v.qp > CAP_MAX_QUEUE)
		return fail(r, "record at byte %" PRIu64 ": vq id %u has queue pair %d", r->off, v.id,
			    v.qp);
	if (v.id != r->n_ids)
		return fail(r, "record at byte %" PRIu64 ": vq id %u out of order (expected %u)",
			    r->off, v.id, r->n_ids);
	if (r->n_ids >= CAP_MAX_VQS)
		return fail(r, "record at byte %" PRIu64 ": more than %u virtqueues", r->off,
			    CAP_MAX_VQS);
	if (v.dev_ordinal < 0 || !v.devname[0] || !v.kind[0] || !v.dir[0])
		return fail(r, "record at byte %" PRIu64 ": vq id %u has an empty name", r->off, v.id);
	/* vq_index() gives -1 or a slot of dev->vqs; a device is numbered
	 * among at most as many devices as there are vqs. */
	if (v.queue < -1 || v.queue > CAP_MAX_QUEUE || (uint32_t)v.dev_ordinal >= CAP_MAX_VQS)
		return fail(r, "record at byte %" PRIu64 ": vq id %u has queue %d or device %d out of range",
			    r->off, v.id, v.queue, v.dev_ordinal);
	if (evvq_find(&r->seen, v.vq, v.first_ns))
		return fail(r, "record at byte %" PRIu64 ": vq id %u repeats an earlier vq's identity",
			    r->off, v.id);
	if (!evvq_get(&r->seen, v.vq, v.first_ns))
		return fail(r, "out of memory");
	if (r->n_ids == r->cap_ids) {
		uint32_t cap = r->cap_ids ? r->cap_ids * 2 : 16;
		struct rd_vq *n = realloc(r->ids, cap * sizeof(*n));

		if (!n)
			return fail(r, "out of memory");
		r->ids = n;
		r->cap_ids = cap;
	}
	x = &r->ids[r->n_ids++];
	x->vq = v.vq;
	x->first_ns = v.first_ns;
	x->pid = v.pid;
	x->queue = v.queue;
	x->has_stats = false;
	return r->h->vq ? r->h->vq(r->h->ctx, &v) : 0;
}

static int known_id(struct rd *r, uint32_t id, uint16_t type)
{
	if (id < r->n_ids)
		return 0;
	return fail(r, "record at byte %" PRIu64 " (%s) refers to vq id %u, which no VQ record defined",
		    r->off, type_names[type], id);
}

static int rec_event(struct rd *r, struct dec *d)
{
	struct vq_event e;
	uint32_t id;
	uint8_t bools;
	uint16_t reserved;

	memset(&e, 0, sizeof(e));
	id = get_u32(d);
	e.type = get_u8(d);
	bools = get_u8(d);
	reserved = get_u16(d);
	e.cpu = get_u32(d);
	e.num = get_u32(d);
	e.ret = (int32_t)get_u32(d);
	e.bits = get_u32(d);
	e.ts_ns = get_u64(d);
	e.seq = get_u64(d);
	e.features = get_u64(d);
	e.old_used_idx = get_u16(d);
	e.new_used_idx = get_u16(d);
	e.signalled_used = get_u16(d);
	e.used_event = get_u16(d);
	e.avail_idx = get_u16(d);
	e.last_avail_idx = get_u16(d);
	if (decoded(r, d, CAP_EVENT) || known_id(r, id, CAP_EVENT))
		return -1;
	if ((e.type != VQ_EV_ADD_USED && e.type != VQ_EV_NOTIFY) || bools > 0xf || reserved ||
	    e.bits >= 1u << VQ_EVB__COUNT)
		return fail(r, "record at byte %" PRIu64 " (EVENT): invalid type, flags or counter bits",
			    r->off);
	e.valid_before = bools & 1;
	e.valid_after = !!(bools & 2);
	e.decision = !!(bools & 4);
	e.used_event_ok = !!(bools & 8);
	e.vq = r->ids[id].vq;
	e.first_ns = r->ids[id].first_ns;
	e.owner_tgid = r->ids[id].pid;
	e.queue = r->ids[id].queue;
	if (e.type == VQ_EV_ADD_USED)
		r->n_add++;
	else
		r->n_notify++;
	return r->h->event ? r->h->event(r->h->ctx, id, &e) : 0;
}

static int rec_stats(struct rd *r, struct dec *d)
{
	struct vq_stats s;
	uint32_t id = get_u32(d);

	memset(&s, 0, sizeof(s));
	for (uint16_t i = 0; i < r->n_stat; i++) {
		uint64_t v = get_u64(d);

		if (r->stat_map[i] >= 0)
			vq_field_set(&s, &vq_fields[r->stat_map[i]], v);
	}
	if (decoded(r, d, CAP_STATS) || known_id(r, id, CAP_STATS))
		return -1;
	if (r->backend_unknown)
		s.backend = 1;
	if (s.vq != r->ids[id].vq || s.first_ns != r->ids[id].first_ns)
		return fail(r, "record at byte %" PRIu64 " (STATS): the counters of vq id %u belong to another vq",
			    r->off, id);
	r->ids[id].has_stats = true;
	return r->h->stats ? r->h->stats(r->h->ctx, id, &s) : 0;
}

static int rec_hist(struct rd *r, struct dec *d)
{
	struct vq_hists *h = malloc(sizeof(*h));
	uint32_t id = get_u32(d);
	int err;

	if (!h)
		return fail(r, "out of memory");
	memset(h, 0, sizeof(*h));
	for (uint16_t i = 0; i < r->n_hist; i++) {
		struct vq_hist one;

		for (int k = 0; k < VQ_HIST_SLOTS; k++)
			one.slots[k] = get_u64(d);
		one.sum = get_u64(d);
		if (r->hist_map[i] >= 0)
			h->h[r->hist_map[i]] = one;
	}
	err = decoded(r, d, CAP_HIST) || known_id(r, id, CAP_HIST) ? -1 : 0;
	if (!err && !(r->meta.flags & CAP_F_HIST))
		err = fail(r, "record at byte %" PRIu64 ": a HIST record in a capture without histograms",
			   r->off);
	if (!err && r->h->hists)
		err = r->h->hists(r->h->ctx, id, h);
	free(h);
	return err;
}

static int rec_snap(struct rd *r, struct dec *d)
{
	struct cap_snap s;
	uint32_t final;

	s.mono_ns = get_u64(d);
	s.wall_s = get_f64(d);
	s.seconds = get_f64(d);
	final = get_u32(d);
	if (decoded(r, d, CAP_SNAP))
		return -1;
	if (r->have_final)
		return fail(r, "record at byte %" PRIu64 ": a SNAP after the final one", r->off);
	if (final > 1 || !sane_wall(s.wall_s) || !isfinite(s.seconds) || s.seconds < 0 ||
	    s.mono_ns < r->last_snap_ns)
		return fail(r, "record at byte %" PRIu64 " (SNAP): invalid time or flag", r->off);
	s.final = final;
	r->last_snap_ns = s.mono_ns;
	r->have_final = s.final;
	return r->h->snap ? r->h->snap(r->h->ctx, &s) : 0;
}

static int rec_end(struct rd *r, struct dec *d)
{
	struct cap_end e;

	e.emitted = get_u64(d);
	e.lost = get_u64(d);
	e.sampled_out = get_u64(d);
	e.add_used = get_u64(d);
	e.notify = get_u64(d);
	memset(&e.global, 0, sizeof(e.global));
	for (uint16_t i = 0; i < r->n_glob; i++) {
		uint64_t v = get_u64(d);

		if (r->glob_map[i] >= 0)
			vq_global_set(&e.global, &vq_global_fields[r->glob_map[i]], v);
	}
	if (decoded(r, d, CAP_END))
		return -1;
	if (!r->have_final)
		return fail(r, "record at byte %" PRIu64 ": the trailer comes before the final counters",
			    r->off);
	if (e.add_used != r->n_add || e.notify != r->n_notify)
		return fail(r, "the trailer counts %" PRIu64 " add_used and %" PRIu64 " notify events, the file holds %" PRIu64 " and %" PRIu64,
			    e.add_used, e.notify, r->n_add, r->n_notify);
	for (uint32_t i = 0; i < r->n_ids; i++)
		if (!r->ids[i].has_stats)
			return fail(r, "vq id %u has no counters (STATS record)", i);
	r->have_end = true;
	return r->h->end ? r->h->end(r->h->ctx, &e) : 0;
}

/* ---- the file ------------------------------------------------------- */

static int read_exact(struct rd *r, void *p, size_t len)
{
	if (fread(p, 1, len, r->f) != len)
		return fail(r, "read error at byte %" PRIu64 " (the file changed or cannot be read)",
			    r->off);
	return 0;
}

static int read_header(struct rd *r)
{
	uint8_t hdr[CAP_FILE_HDR_LEN];
	uint32_t version, reserved;

	if (!r->size)
		return fail(r, "empty file");
	if (r->size < CAP_FILE_HDR_LEN)
		return fail(r, "truncated: %" PRIu64 " bytes, not even a file header", r->size);
	if (read_exact(r, hdr, sizeof(hdr)))
		return -1;
	if (memcmp(hdr, CAP_MAGIC, CAP_MAGIC_LEN))
		return fail(r, "not a vqtrace capture (bad magic)");
	memcpy(&version, hdr + 8, 4);
	memcpy(&reserved, hdr + 12, 4);
	if (version == 1)
		return fail(r, "capture format version 1 (raw counter structs, vqtrace before 2026-12); this vqtrace reads version %u: record it again",
			    CAP_VERSION);
	if (version != CAP_VERSION)
		return fail(r, "capture format version %u; this vqtrace reads version %u", version,
			    CAP_VERSION);
	if (reserved)
		return fail(r, "corrupt file header");
	r->off = CAP_FILE_HDR_LEN;
	return 0;
}

static int dispatch(struct rd *r, uint16_t type, struct dec *d)
{
	switch (type) {
	case CAP_META: return rec_meta(r, d);
	case CAP_VQ: return rec_vq(r, d);
	case CAP_EVENT: return rec_event(r, d);
	case CAP_STATS: return rec_stats(r, d);
	case CAP_HIST: return rec_hist(r, d);
	case CAP_SNAP: return rec_snap(r, d);
	case CAP_END: return rec_end(r, d);
	}
	return 0;
}

static int read_records(struct rd *r)
{
	while (r->off < r->size) {
		uint8_t hdr[CAP_REC_HDR_LEN];
		uint16_t type, flags;
		uint32_t len;
		struct dec d;
		int err;

		if (r->have_end)
			return fail(r, "%" PRIu64 " bytes of data after the trailer", r->size - r->off);
		if (r->size - r->off < CAP_REC_HDR_LEN)
			return fail(r, "truncated: %" PRIu64 " stray bytes at the end", r->size - r->off);
		if (read_exact(r, hdr, sizeof(hdr)))
			return -1;
		memcpy(&type, hdr, 2);
		memcpy(&flags, hdr + 2, 2);
		memcpy(&len, hdr + 4, 4);
		if (flags & ~CAP_RF_OPTIONAL)
			return fail(r, "record at byte %" PRIu64 ": unknown record flags 0x%x", r->off, flags);
		if (len > CAP_MAX_RECORD)
			return fail(r, "record at byte %" PRIu64 ": length %u is over the %u-byte limit",
				    r->off, len, CAP_MAX_RECORD);
		if (len > r->size - r->off - CAP_REC_HDR_LEN)
			return fail(r, "truncated: the record at byte %" PRIu64 " needs %u bytes, %" PRIu64 " are left",
				    r->off, len, r->size - r->off - CAP_REC_HDR_LEN);
		if (read_exact(r, r->buf, len))
			return -1;
		if (!r->have_meta && type != CAP_META)
			return fail(r, "the first record is not META (corrupt file)");
		if (type < CAP_META || type > CAP_END) {
			if (!(flags & CAP_RF_OPTIONAL))
				return fail(r, "record at byte %" PRIu64 ": unknown type %u", r->off, type);
		} else {
			d = (struct dec){ .p = r->buf, .n = len };
			err = dispatch(r, type, &d);
			if (err)
				return err;
		}
		r->off += CAP_REC_HDR_LEN + (uint64_t)len;
	}
	if (!r->have_meta)
		return fail(r, "truncated: no records after the file header");
	if (!r->have_end)
		return fail(r, "truncated: no trailer (the recording did not finish)");
	return 0;
}

int cap_read(FILE *f, uint64_t size, const struct cap_handler *h, char *err, size_t errlen)
{
	struct rd r = { .f = f, .size = size, .h = h, .err = err, .errlen = errlen };
	int ret;

	if (errlen)
		err[0] = '\0';
	r.buf = malloc(CAP_MAX_RECORD);
	if (!r.buf)
		return fail(&r, "out of memory");
	ret = read_header(&r);
	if (!ret)
		ret = read_records(&r);
	free(r.buf);
	free(r.ids);
	evvq_free(&r.seen, NULL);
	return ret;
}

void cap_vq_identity(const struct cap_vq *v, struct vq_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->vq = v->vq;
	s->first_ns = v->first_ns;
	s->dev = v->dev;
	s->handle_kick = v->handle_kick;
	s->owner_tgid = v->pid;
	s->queue = v->queue;
}
