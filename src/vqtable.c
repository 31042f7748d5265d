// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "vqtable.h"

#include "fields.h"
#include "hist.h"
#include "virtio_bits.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Names and load addresses of the vhost modules in /proc/modules, hashed:
 * a kallsyms snapshot is stale once this changes. 0 if unreadable. */
static uint64_t modules_sig(const char *path)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	char line[512], name[64];
	unsigned long long base;
	FILE *f = path ? fopen(path, "r") : NULL;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		base = 0;
		if (strncmp(line, "vhost", 5) ||
		    sscanf(line, "%63s %*s %*s %*s %*s %llx", name, &base) < 1)
			continue;
		for (const char *p = name; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		h = (h ^ base) * 1099511628211ULL;
	}
	fclose(f);
	return h;
}

void vqtable_init(struct vqtable *t, const struct ksyms *ks)
{
	memset(t, 0, sizeof(*t));
	t->ks = ks;
	if (ks) {
		t->kallsyms = "/proc/kallsyms";
		t->modules = "/proc/modules";
		t->modules_sig = modules_sig(t->modules);
	}
}

static void unmap_view(struct map_view *v)
{
	if (v->p)
		munmap((void *)v->p, v->len);
	memset(v, 0, sizeof(*v));
}

void vqtable_free(struct vqtable *t)
{
	free(t->rows);
	free(t->index);
	unmap_view(&t->vqs_view);
	unmap_view(&t->hists_view);
	ksyms_free(&t->fresh);
	memset(t, 0, sizeof(*t));
}

static const struct ksym *kick_symbol(const struct vqtable *t, __u64 addr)
{
	if (t->fresh.n)
		return ksyms_by_addr(&t->fresh, addr);
	return t->ks ? ksyms_by_addr(t->ks, addr) : NULL;
}

static bool names_handler(const struct ksym *k)
{
	struct vq_ident id;

	if (!k)
		return false;
	vq_identify(k->name, k->module, &id);
	return strcmp(id.dir, "?") != 0;
}

/* Before the rows new in this round are named: if a vhost module came,
 * went or moved since the symbols were read (rmmod + insmod can put
 * vhost_net elsewhere, and a stale address then names another function),
 * or a kick handler was not found, read kallsyms again. The new rows may
 * belong to the module before or after the change: each is named by the
 * new symbols if they make it a kick handler, else by the old ones. Later
 * rows use the new symbols only. One read per round serves all rows. */
static void refresh_symbols(struct vqtable *t)
{
	bool new_rows = false, missed = false;
	struct ksyms fresh = { 0 };
	uint64_t sig;
	FILE *f;

	for (size_t i = 0; i < t->n; i++) {
		if (t->rows[i].dev_ordinal < 0) {
			new_rows = true;
			missed |= t->rows[i].ident_retry;
		}
	}
	if (!new_rows || !t->kallsyms)
		return;
	sig = modules_sig(t->modules);
	if (sig == t->modules_sig && !missed)
		return;
	t->modules_sig = sig;
	f = fopen(t->kallsyms, "r");
	if (!f)
		return;
	if (ksyms_load(&fresh, f) || fresh.zero_addrs || !fresh.n) {
		ksyms_free(&fresh);
		fclose(f);
		return;
	}
	fclose(f);
	for (size_t i = 0; i < t->n; i++) {
		struct vq_row *r = &t->rows[i];
		const struct ksym *k;

		if (r->dev_ordinal >= 0)
			continue;
		r->ident_retry = false;
		k = ksyms_by_addr(&fresh, r->cur.handle_kick);
		if (!names_handler(k) && names_handler(kick_symbol(t, r->cur.handle_kick)))
			k = kick_symbol(t, r->cur.handle_kick);
		vq_identify(k ? k->name : NULL, k ? k->module : NULL, &r->id);
	}
	ksyms_free(&t->fresh);
	t->fresh = fresh;
}

static int cmp_index(const void *a, const void *b)
{
	const struct vq_index_ent *x = a, *y = b;

	if (x->vq != y->vq)
		return x->vq < y->vq ? -1 : 1;
	return x->first_ns < y->first_ns ? -1 : x->first_ns > y->first_ns;
}

struct vq_row *vqtable_find(struct vqtable *t, __u64 vq, __u64 first_ns)
{
	struct vq_index_ent key = { .vq = vq, .first_ns = first_ns }, *e = NULL;

	if (t->index_n)
		e = bsearch(&key, t->index, t->index_n, sizeof(*t->index), cmp_index);
	if (e)
		return &t->rows[e->row];
	for (size_t i = t->index_n; i < t->n; i++)
		if (t->rows[i].cur.vq == vq && t->rows[i].cur.first_ns == first_ns)
			return &t->rows[i];
	return NULL;
}

/* After the rows were ordered. Without memory the index covers nothing
 * and finds search every row, as they did before it. */
static void reindex(struct vqtable *t)
{
	struct vq_index_ent *x = realloc(t->index, (t->n ? t->n : 1) * sizeof(*x));

	t->index_n = 0;
	if (!x)
		return;
	t->index = x;
	for (size_t i = 0; i < t->n; i++)
		x[i] = (struct vq_index_ent){ t->rows[i].cur.vq, t->rows[i].cur.first_ns, i };
	qsort(x, t->n, sizeof(*x), cmp_index);
	t->index_n = t->n;
}

int vqtable_update(struct vqtable *t, const struct vq_stats *s)
{
	struct vq_row *r = vqtable_find(t, s->vq, s->first_ns);
	const struct ksym *k;

	if (!r) {
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 16;
			struct vq_row *n = realloc(t->rows, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			t->rows = n;
			t->cap = cap;
		}
		r = &t->rows[t->n++];
		memset(r, 0, sizeof(*r));
		r->dev_ordinal = -1;
		r->qp = -1;
		k = kick_symbol(t, s->handle_kick);
		vq_identify(k ? k->name : NULL, k ? k->module : NULL, &r->id);
		r->ident_retry = !k && t->kallsyms;
	}
	r->cur = *s;
	/* The backend is read when the kernel first sees the vq and at each
	 * ring setup; a capture's counter records do not carry it. */
	if (s->tap[0]) {
		snprintf(r->tap, sizeof(r->tap), "%.*s", (int)sizeof(s->tap), s->tap);
		r->qp = s->qp;
	}
	return 0;
}

/* Devices are numbered per owner and kind in the order vhost first used
 * them, so names stay stable across intervals. */
static int cmp_first_seen(const void *a, const void *b)
{
	const struct vq_row *x = a, *y = b;

	if (x->cur.first_ns != y->cur.first_ns)
		return x->cur.first_ns < y->cur.first_ns ? -1 : 1;
	return x->cur.vq < y->cur.vq ? -1 : x->cur.vq > y->cur.vq;
}

static int cmp_display(const void *a, const void *b)
{
	const struct vq_row *x = a, *y = b;
	int c;

	if (x->cur.owner_tgid != y->cur.owner_tgid)
		return x->cur.owner_tgid < y->cur.owner_tgid ? -1 : 1;
	c = strcmp(x->id.kind, y->id.kind);
	if (c)
		return c;
	/* Compared, not subtracted: a hostile capture may hold any value. */
	if (x->dev_ordinal != y->dev_ordinal)
		return x->dev_ordinal < y->dev_ordinal ? -1 : 1;
	return x->cur.queue < y->cur.queue ? -1 : x->cur.queue > y->cur.queue;
}

/* Rows are named in first-seen order, so a new device of an owner and kind
 * takes the next number after the highest one given so far. */
static void name_device(struct vqtable *t, struct vq_row *r)
{
	int next = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct vq_row *o = &t->rows[i];

		if (o->dev_ordinal < 0)
			continue;
		/* The same device, unless the address was freed and reused
		 * by another owner's device. */
		if (o->cur.dev == r->cur.dev && o->cur.owner_tgid == r->cur.owner_tgid) {
			r->dev_ordinal = o->dev_ordinal;
			memcpy(r->devname, o->devname, sizeof(r->devname));
			return;
		}
		if (o->cur.owner_tgid == r->cur.owner_tgid && !strcmp(o->id.kind, r->id.kind) &&
		    o->dev_ordinal >= next)
			next = o->dev_ordinal + 1;
	}
	r->dev_ordinal = next;
	snprintf(r->devname, sizeof(r->devname), "%s%d", r->id.kind, next);
}

void vqtable_settle(struct vqtable *t)
{
	/* Rows are only added, and a row's sort keys are fixed once it is
	 * named: with no new row the order stands. */
	if (t->n == t->index_n)
		return;
	refresh_symbols(t);
	qsort(t->rows, t->n, sizeof(*t->rows), cmp_first_seen);
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].dev_ordinal < 0)
			name_device(t, &t->rows[i]);
	qsort(t->rows, t->n, sizeof(*t->rows), cmp_display);
	reindex(t);
}

static int read_retired(struct vqtable *t, int fd)
{
	struct vq_retired_key key, next;
	struct vq_stats s;
	int err;

	/* Deleting while iterating restarts from the first key each time. */
	while (!bpf_map_get_next_key(fd, NULL, &next)) {
		key = next;
		if (!bpf_map_lookup_elem(fd, &key, &s)) {
			s.retired = 1;
			err = vqtable_update(t, &s);
			if (err)
				return err;
		}
		bpf_map_delete_elem(fd, &key);
	}
	return 0;
}

/* A per-vq array (of value_size entries), mapped read-only: reading it
 * costs no system call and no copy of the free slots. A new session has a
 * new map (another id). */
static int map_view(struct map_view *v, int map_fd, __u32 value_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (v->p && info.id == v->map_id)
		return 0;
	unmap_view(v);
	if (info.value_size != value_size || !info.max_entries)
		return -EINVAL;
	v->len = ((size_t)info.max_entries * value_size + page - 1) / page * page;
	p = mmap(NULL, v->len, PROT_READ, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED) {
		v->len = 0;
		return -errno;
	}
	v->p = p;
	v->n = info.max_entries;
	v->map_id = info.id;
	v->value_size = value_size;
	return 0;
}

int vqtable_read_map(struct vqtable *t, int map_fd, int retired_fd)
{
	struct vq_stats s;
	int err;

	const struct vq_stats *view;

	err = map_view(&t->vqs_view, map_fd, sizeof(struct vq_stats));
	if (err)
		return err;
	view = t->vqs_view.p;
	for (__u32 i = 0; i < t->vqs_view.n; i++) {
		if (!view[i].first_ns)
			continue;	/* a free slot */
		memcpy(&s, &view[i], sizeof(s));
		/* Freed (or still being filled) meanwhile: the BPF side writes
		 * first_ns last when filling and first when freeing, and vq is
		 * never 0 in a filled slot. */
		if (!s.first_ns || !s.vq)
			continue;
		err = vqtable_update(t, &s);
		if (err)
			return err;
	}
	if (retired_fd >= 0) {
		err = read_retired(t, retired_fd);
		if (err)
			return err;
	}
	vqtable_settle(t);
	return 0;
}

/* The live rows' histograms, from the array at their slots (mapped like
 * the vqs), while the slot still holds the row's vq: a retired vq's come
 * from the retired map instead (vqtable_read_retired_hists). 0 or -errno. */
int vqtable_read_hists(struct vqtable *t, int hists_fd)
{
	const struct vq_stats *vqs = t->vqs_view.p;
	const struct vq_hists *h;
	int err = map_view(&t->hists_view, hists_fd, sizeof(struct vq_hists));

	if (err)
		return err;
	h = t->hists_view.p;
	for (size_t i = 0; i < t->n; i++) {
		struct vq_row *r = &t->rows[i];
		__u32 k = r->cur.slot_id;

		if (r->hist_final || !vqs || k >= t->vqs_view.n || k >= t->hists_view.n ||
		    vqs[k].vq != r->cur.vq || vqs[k].first_ns != r->cur.first_ns)
			continue;
		memcpy(&r->hist, &h[k], sizeof(r->hist));
	}
	return 0;
}

void vqtable_read_retired_hists(struct vqtable *t, int fd)
{
	struct vq_retired_key key, *prev = NULL, next;
	struct vq_row *r;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		r = vqtable_find(t, key.vq, key.first_ns);
		/* No row yet: its counts come with the next read; keep it. */
		if (!r || bpf_map_lookup_elem(fd, &key, &r->hist)) {
			prev = &key;
			continue;
		}
		r->hist_final = true;
		bpf_map_delete_elem(fd, &key);
		prev = NULL;	/* deleting breaks the walk: start over */
	}
}

/* One u16 of s's owner's memory at addr: true when read. A process or
 * ring that is gone (ESRCH, EFAULT) is no error; a refused read is. */
static bool read_guest(struct vqtable *t, int (*read)(pid_t pid, uint64_t addr, uint16_t *out),
		       const struct vq_stats *s, uint64_t addr, uint16_t *out)
{
	int err = read((pid_t)s->owner_tgid, addr, out);

	if (err && err != -ESRCH && err != -EFAULT)
		t->guest_read_errors++;
	return !err;
}

void vqtable_read_guests(struct vqtable *t, int (*read)(pid_t pid, uint64_t addr, uint16_t *out))
{
	for (size_t i = 0; i < t->n; i++) {
		struct vq_row *r = &t->rows[i];
		const struct vq_stats *s = &r->cur;

		r->flags.guest_avail_ok = false;
		r->flags.use_guest_avail_ok = false;
		r->flags.guest_used_event_ok = false;
		if (s->retired || !s->avail || !s->owner_tgid)
			continue;
		/* USE_STALL: a ring of requests with a backend published no
		 * used entry since the last read (vhost may stop without
		 * looking at the guest's index): at the ring's address now */
		if (vq_use_watched(s, r->id.requests, t->kick_side) &&
		    s->used == r->flags.use_used && s->avail_now)
			r->flags.use_guest_avail_ok =
				read_guest(t, read, s, s->avail_now + VQ_AVAIL_IDX_OFFSET,
					   &r->flags.use_guest_avail);
		/* KICK_MISSED: vhost waits for a kick */
		if (vq_kick_owed(s))
			r->flags.guest_avail_ok =
				read_guest(t, read, s, s->avail + VQ_AVAIL_IDX_OFFSET,
					   &r->flags.guest_avail);
		/* NO_SIGNAL_STALL: entries wait for an interrupt */
		if (vq_signal_watched(s))
			r->flags.guest_used_event_ok =
				read_guest(t, read, s, s->avail + VQ_USED_EVENT_OFFSET(s->num),
					   &r->flags.guest_used_event);
	}
}

void vqtable_judge(struct vqtable *t, const struct flag_opts *o, uint64_t now_ns,
		   double now_s, void (*raised)(const struct vq_row *r, int flag))
{
	for (size_t i = 0; i < t->n; i++) {
		struct vq_row *r = &t->rows[i];
		unsigned int bits;

		r->flags.requests = r->id.requests;
		bits = flags_update(&r->flags, &r->cur, o, now_ns, now_s);

		for (int f = 0; f < FLAG__COUNT && raised; f++)
			if (bits & (1u << f))
				raised(r, f);
	}
}

void vq_row_delta(const struct vq_row *r, struct vq_stats *out)
{
	*out = r->cur;
	for (size_t i = 0; i < vq_n_fields; i++) {
		const struct vq_field *f = &vq_fields[i];

		if (f->kind == VQ_FIELD_COUNTER)
			vq_field_set(out, f, vq_field_get(&r->cur, f) - vq_field_get(&r->prev, f));
	}
}

void vq_row_view(const struct vq_row *r, bool total, struct vq_stats *out)
{
	if (total)
		*out = r->cur;
	else
		vq_row_delta(r, out);
}

void vq_row_hists(const struct vq_row *r, bool total, struct vq_hists *out)
{
	if (total)
		*out = r->hist;
	else
		hist_sub(&r->hist, &r->hist_prev, out);
}

void vqtable_mark_printed(struct vqtable *t)
{
	for (size_t i = 0; i < t->n; i++) {
		t->rows[i].prev = t->rows[i].cur;
		if (t->hist)	/* 1.7 KiB a row: a third of an interval's work */
			t->rows[i].hist_prev = t->rows[i].hist;
		flags_mark_printed(&t->rows[i].flags);
	}
}
