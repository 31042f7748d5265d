// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Prometheus text exposition format 0.0.4. Every family is declared once
 * (# HELP, # TYPE) and followed by all of its samples; label values are
 * escaped (\\, \", \n). Counters are the totals since vqtrace started. */
#include "fields.h"
#include "hist.h"
#include "prom.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffer ------------------------------------------------------------- */

void prom_buf_init(struct prom_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void prom_buf_free(struct prom_buf *b)
{
	free(b->s);
	prom_buf_init(b);
}

void prom_buf_reset(struct prom_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->s)
		b->s[0] = '\0';
}

static bool reserve(struct prom_buf *b, size_t more)
{
	size_t cap;
	char *n;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	n = realloc(b->s, cap);
	if (!n) {
		b->failed = true;
		return false;
	}
	b->s = n;
	b->cap = cap;
	return true;
}

static void vappend(struct prom_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void prom_printf(struct prom_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vappend(b, fmt, ap);
	va_end(ap);
}

static void putch(struct prom_buf *b, char c)
{
	if (!reserve(b, 1))
		return;
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

/* `quote`: label values also escape the double quote; HELP text does not. */
static void put_escaped(struct prom_buf *b, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			prom_printf(b, "\\\\");
		else if (*s == '\n')
			prom_printf(b, "\\n");
		else if (*s == '"' && quote)
			prom_printf(b, "\\\"");
		else
			putch(b, *s);
	}
}

/* ---- the writers every family is made of -------------------------------- */

static const char *type_name(enum prom_type t)
{
	switch (t) {
	case PROM_COUNTER:
		return "counter";
	case PROM_GAUGE:
		return "gauge";
	case PROM_HISTOGRAM:
		return "histogram";
	}
	return "untyped";
}

void prom_family(struct prom_buf *b, const char *name, enum prom_type type, const char *help)
{
	prom_printf(b, "# HELP %s ", name);
	put_escaped(b, help, false);
	prom_printf(b, "\n# TYPE %s %s\n", name, type_name(type));
}

static void put_labels(struct prom_buf *b, const struct prom_label *labels, size_t n,
		       const char *le)
{
	if (!n && !le)
		return;
	putch(b, '{');
	for (size_t i = 0; i < n; i++) {
		prom_printf(b, "%s%s=\"", i ? "," : "", labels[i].name);
		put_escaped(b, labels[i].value, true);
		putch(b, '"');
	}
	if (le)
		prom_printf(b, "%sle=\"%s\"", n ? "," : "", le);
	putch(b, '}');
}

void prom_sample_u64(struct prom_buf *b, const char *name, const struct prom_label *labels,
		     size_t nlabels, uint64_t value)
{
	prom_printf(b, "%s", name);
	put_labels(b, labels, nlabels, NULL);
	prom_printf(b, " %" PRIu64 "\n", value);
}

void prom_sample_ns(struct prom_buf *b, const char *name, const struct prom_label *labels,
		    size_t nlabels, uint64_t ns)
{
	prom_printf(b, "%s", name);
	put_labels(b, labels, nlabels, NULL);
	prom_printf(b, " %" PRIu64 ".%09" PRIu64 "\n", ns / 1000000000u, ns % 1000000000u);
}

/* The shortest of %.15g / %.17g that reads back as v; Prometheus spells
 * the infinities +Inf and -Inf. */
static void fmt_double(char *buf, size_t len, double v)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	snprintf(buf, len, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v);
}

void prom_histogram(struct prom_buf *b, const char *name, const struct prom_label *labels,
		    size_t nlabels, const double *le, const uint64_t *counts, size_t nbuckets,
		    double sum, uint64_t count)
{
	char num[40];
	uint64_t cum = 0;

	for (size_t i = 0; i < nbuckets; i++) {
		cum += counts[i];
		fmt_double(num, sizeof(num), le[i]);
		prom_printf(b, "%s_bucket", name);
		put_labels(b, labels, nlabels, num);
		prom_printf(b, " %" PRIu64 "\n", cum);
	}
	prom_printf(b, "%s_bucket", name);
	put_labels(b, labels, nlabels, "+Inf");
	prom_printf(b, " %" PRIu64 "\n", count);
	fmt_double(num, sizeof(num), sum);
	prom_printf(b, "%s_sum", name);
	put_labels(b, labels, nlabels, NULL);
	prom_printf(b, " %s\n", num);
	prom_printf(b, "%s_count", name);
	put_labels(b, labels, nlabels, NULL);
	prom_printf(b, " %" PRIu64 "\n", count);
}

/* ---- vqtrace's families -------------------------------------------------- */

/* The per-vq families: the fields of include/vq_fields.h with a
 * Prometheus name (every counter, some state), in the table's order. */
struct vq_family {
	char name[64];
	enum prom_type type;
	const struct vq_field *field;
};

#define MAX_VQ_FAMILIES 64

static struct vq_family vq_families[MAX_VQ_FAMILIES];
static size_t n_vq_families;

static void build_vq_families(void)
{
	for (size_t i = 0; i < vq_n_fields && n_vq_families < MAX_VQ_FAMILIES; i++) {
		const struct vq_field *f = &vq_fields[i];
		struct vq_family *fam = &vq_families[n_vq_families];
		bool counter = f->kind == VQ_FIELD_COUNTER;

		if (!f->prom)
			continue;
		snprintf(fam->name, sizeof(fam->name), "vqtrace_%s%s", f->prom,
			 counter ? "_total" : "");
		fam->type = counter ? PROM_COUNTER : PROM_GAUGE;
		fam->field = f;
		n_vq_families++;
	}
}

static void vq_families_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, build_vq_families);
}

/*
 * One series of the per-vq families, labelled pid, dev, queue, dir. A vq
 * whose index was not found (queue -1) is queue "?" and also gets its
 * address as a `vq` label. Rows that share all labels are one series:
 * counters summed, state from the one seen last. Such rows are one queue
 * over time: a vq retired with its device and a new one that vhost put at
 * the same addresses (vqtable keeps both), so the sum is still a counter
 * that only grows.
 */
struct vq_series {
	uint32_t pid;
	int32_t queue;
	uint64_t vq;		/* 0 unless queue < 0 */
	const char *dev, *dir;
	const char *tap;	/* "" unknown: then no tap or qp label */
	int qp;
	uint64_t first_ns;	/* of the row the state was taken from: the
				 * newest identity of a (pid, dev, queue) */
	uint64_t val[MAX_VQ_FAMILIES];
	uint64_t flags[FLAG__COUNT];	/* counts, as in the FLAGS column */
	struct vq_hists hist;		/* with --hist */
};

static int cmp_series(const void *a, const void *b)
{
	const struct vq_series *x = a, *y = b;
	int c;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	c = strcmp(x->dev, y->dev);
	if (c)
		return c;
	if (x->queue != y->queue)
		return x->queue < y->queue ? -1 : 1;
	c = strcmp(x->dir, y->dir);
	if (c)
		return c;
	return x->vq < y->vq ? -1 : x->vq > y->vq;
}

/* --prom-by pid: the series of one process merged into one, labelled by
 * pid only (queue PROM_BY_PID). Counters, flags and histograms add up;
 * the state gauges of a vq mean nothing for a process and are left out. */
#define PROM_BY_PID (-2)

static void merge_by_pid(struct vq_series *s, size_t *count)
{
	size_t n = 0;

	for (size_t i = 0; i < *count; i++) {
		struct vq_series *m;

		if (!n || s[n - 1].pid != s[i].pid) {
			s[n] = s[i];
			s[n].queue = PROM_BY_PID;
			s[n].vq = 0;
			s[n].dev = s[n].dir = s[n].tap = "";
			n++;
			continue;
		}
		m = &s[n - 1];
		for (size_t f = 0; f < n_vq_families; f++)
			if (vq_families[f].type == PROM_COUNTER)
				m->val[f] += s[i].val[f];
		for (int k = 0; k < FLAG__COUNT; k++)
			m->flags[k] += s[i].flags[k];
		hist_add_into(&m->hist, &s[i].hist);
	}
	*count = n;
}

/* The rows of t as series, sorted and merged. NULL only when out of memory
 * (with rows to show). */
static struct vq_series *vq_series(const struct vqtable *t, size_t *count)
{
	struct vq_series *s = calloc(t->n ? t->n : 1, sizeof(*s));
	size_t n = 0;

	*count = 0;
	if (!s)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct vq_row *r = &t->rows[i];

		s[i].pid = r->cur.owner_tgid;
		s[i].queue = r->cur.queue < 0 ? -1 : r->cur.queue;
		s[i].vq = r->cur.queue < 0 ? r->cur.vq : 0;
		s[i].dev = r->devname;
		s[i].dir = r->id.dir;
		s[i].tap = r->tap;
		s[i].qp = r->qp;
		s[i].first_ns = r->cur.first_ns;
		for (size_t f = 0; f < n_vq_families; f++)
			s[i].val[f] = vq_field_get(&r->cur, vq_families[f].field);
		for (int k = 0; k < FLAG__COUNT; k++)
			s[i].flags[k] = r->flags.f[k].count;
		s[i].hist = r->hist;
	}
	qsort(s, t->n, sizeof(*s), cmp_series);
	for (size_t i = 0; i < t->n; i++) {
		struct vq_series *m;
		bool newer;

		if (!n || cmp_series(&s[n - 1], &s[i])) {
			s[n++] = s[i];
			continue;
		}
		m = &s[n - 1];
		newer = s[i].first_ns >= m->first_ns;
		for (size_t f = 0; f < n_vq_families; f++)
			if (vq_families[f].type == PROM_COUNTER)
				m->val[f] += s[i].val[f];
			else if (newer)
				m->val[f] = s[i].val[f];
		if (newer) {
			m->first_ns = s[i].first_ns;
			if (s[i].tap[0]) {
				m->tap = s[i].tap;
				m->qp = s[i].qp;
			}
		}
		for (int k = 0; k < FLAG__COUNT; k++)
			m->flags[k] += s[i].flags[k];
		hist_add_into(&m->hist, &s[i].hist);
	}
	*count = n;
	return s;
}

/* The labels of a series: pid, dev, queue, dir, then tap and qp where the
 * tap is known (vhost-net), vq when the queue index is unknown; `extra`
 * (may be NULL) is appended. Returns their number (SERIES_LABELS at most). */
#define SERIES_LABELS 8
static size_t series_labels(const struct vq_series *s, struct prom_label *l, char *pid,
			    char *queue, char *vq, char *qp, const struct prom_label *extra)
{
	size_t n = 4;

	snprintf(pid, 16, "%u", s->pid);
	l[0] = (struct prom_label){ "pid", pid };
	if (s->queue == PROM_BY_PID) {
		n = 1;
		if (extra)
			l[n++] = *extra;
		return n;
	}
	if (s->queue >= 0)
		snprintf(queue, 16, "%d", s->queue);
	else
		snprintf(queue, 16, "?");
	snprintf(vq, 24, "0x%llx", (unsigned long long)s->vq);
	l[0] = (struct prom_label){ "pid", pid };
	l[1] = (struct prom_label){ "dev", s->dev };
	l[2] = (struct prom_label){ "queue", queue };
	l[3] = (struct prom_label){ "dir", s->dir };
	if (s->tap[0]) {
		snprintf(qp, 16, "%d", s->qp);
		l[n++] = (struct prom_label){ "tap", s->tap };
		if (s->qp >= 0)
			l[n++] = (struct prom_label){ "qp", qp };
	}
	if (s->queue < 0)
		l[n++] = (struct prom_label){ "vq", vq };
	if (extra)
		l[n++] = *extra;
	return n;
}

static void render_flags(struct prom_buf *b, const struct vq_series *s, size_t n)
{
	static const char name[] = "vqtrace_flag_raised_total";

	prom_family(b, name, PROM_COUNTER,
		    "Incident flags raised per vq: events, or episodes for states (see vqtrace --help).");
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < FLAG__COUNT; k++) {
			char pid[16], queue[16], vq[24], qp[16];
			struct prom_label extra = { "flag", flag_defs[k].name }, l[SERIES_LABELS];
			size_t nl = series_labels(&s[i], l, pid, queue, vq, qp, &extra);

			prom_sample_u64(b, name, l, nl, s[i].flags[k]);
		}
	}
}

/* Histogram families in base units: the last kernel slot is open-ended,
 * so it only counts in +Inf. Only the first n series (in label order) are
 * rendered: the caller bounds them (--prom-max-hist). */
static void render_hists(struct prom_buf *b, const struct vq_series *s, size_t n,
			 bool kick_side)
{
	double le[VQ_HIST_SLOTS - 1];
	uint64_t counts[VQ_HIST_SLOTS - 1];

	for (int d = 0; d < VQ_HIST__COUNT; d++) {
		double scale = hist_defs[d].ns ? 1e-9 : 1.0;

		if (hist_defs[d].kick && !kick_side)
			continue;	/* not measured: no family, as its counters */
		prom_family(b, hist_defs[d].prom, PROM_HISTOGRAM, hist_defs[d].title);
		for (int k = 0; k < VQ_HIST_SLOTS - 1; k++)
			le[k] = (double)hist_slot_hi(k) * scale;
		for (size_t i = 0; i < n; i++) {
			const struct vq_hist *h = &s[i].hist.h[d];
			char pid[16], queue[16], vq[24], qp[16];
			struct prom_label l[SERIES_LABELS];
			size_t nl = series_labels(&s[i], l, pid, queue, vq, qp, NULL);

			for (int k = 0; k < VQ_HIST_SLOTS - 1; k++)
				counts[k] = h->slots[k];
			prom_histogram(b, hist_defs[d].prom, l, nl, le, counts, VQ_HIST_SLOTS - 1,
				       (double)h->sum * scale, hist_count(h));
		}
	}
}

static void render_vqs(struct prom_buf *b, const struct vqtable *t, struct prom_opts *o)
{
	size_t n, nh;
	struct vq_series *s = vq_series(t, &n);

	if (!s) {
		b->failed = true;
		return;
	}
	if (o->by_pid)
		merge_by_pid(s, &n);
	for (size_t f = 0; f < n_vq_families; f++) {
		if (o->by_pid && vq_families[f].type != PROM_COUNTER)
			continue;
		if (vq_families[f].field->kick && !t->kick_side)
			continue;	/* not counted: no family rather than zeros */
		prom_family(b, vq_families[f].name, vq_families[f].type, vq_families[f].field->help);
		for (size_t i = 0; i < n; i++) {
			char pid[16], queue[16], vq[24], qp[16];
			struct prom_label l[SERIES_LABELS];
			size_t nl = series_labels(&s[i], l, pid, queue, vq, qp, NULL);

			prom_sample_u64(b, vq_families[f].name, l, nl, s[i].val[f]);
		}
	}
	render_flags(b, s, n);
	nh = t->hist ? n : 0;
	o->hist_dropped = 0;
	if (nh > o->max_hist) {
		o->hist_dropped = nh - o->max_hist;
		nh = o->max_hist;
	}
	if (t->hist)
		render_hists(b, s, nh, t->kick_side);
	prom_family(b, "vqtrace_prom_hist_series_dropped", PROM_GAUGE,
		    "Label sets (vqs, or processes with --prom-by pid) whose --hist histograms this scrape leaves out, beyond --prom-max-hist.");
	prom_sample_u64(b, "vqtrace_prom_hist_series_dropped", NULL, 0, o->hist_dropped);
	free(s);
}

static void render_probe(struct prom_buf *b, const struct vq_global *g)
{
	char name[96];

	for (size_t i = 0; i < vq_n_global_fields; i++) {
		const struct vq_global_field *f = &vq_global_fields[i];

		snprintf(name, sizeof(name), "vqtrace_probe_%s_total", f->name);
		prom_family(b, name, PROM_COUNTER, f->help);
		prom_sample_u64(b, name, NULL, 0, vq_global_get(g, f));
	}
}

static void render_progs(struct prom_buf *b, const struct prom_prog *progs, size_t n)
{
	prom_family(b, "vqtrace_bpf_run_seconds_total", PROM_COUNTER,
		    "Time the kernel spent in each loaded vqtrace BPF program "
		    "(counted only while sysctl kernel.bpf_stats_enabled=1).");
	for (size_t i = 0; i < n; i++) {
		struct prom_label l = { "prog", progs[i].name };

		prom_sample_ns(b, "vqtrace_bpf_run_seconds_total", &l, 1, progs[i].run_time_ns);
	}
	prom_family(b, "vqtrace_bpf_runs_total", PROM_COUNTER,
		    "Runs of each loaded vqtrace BPF program "
		    "(counted only while sysctl kernel.bpf_stats_enabled=1).");
	for (size_t i = 0; i < n; i++) {
		struct prom_label l = { "prog", progs[i].name };

		prom_sample_u64(b, "vqtrace_bpf_runs_total", &l, 1, progs[i].run_cnt);
	}
}

int prom_render(struct prom_buf *b, const struct vqtable *t, const struct vq_global *g,
		const struct prom_prog *progs, size_t nprogs)
{
	struct prom_opts o = { .max_hist = PROM_DEFAULT_MAX_HIST };

	return prom_render_opts(b, t, g, progs, nprogs, &o);
}

int prom_render_opts(struct prom_buf *b, const struct vqtable *t, const struct vq_global *g,
		     const struct prom_prog *progs, size_t nprogs, struct prom_opts *o)
{
	vq_families_init();
	prom_buf_reset(b);
	prom_family(b, "vqtrace_up", PROM_GAUGE, "1 while vqtrace is tracing.");
	prom_sample_u64(b, "vqtrace_up", NULL, 0, 1);
	prom_family(b, "vqtrace_complete", PROM_GAUGE,
		    "0 when vqtrace's counts are incomplete: it missed some of what vhost did (see the vqtrace_probe_* counters), else 1.");
	prom_sample_u64(b, "vqtrace_complete", NULL, 0, !vq_global_incomplete(g, NULL, 0));
	render_vqs(b, t, o);
	render_probe(b, g);
	render_progs(b, progs, nprogs);
	return b->failed ? -ENOMEM : 0;
}

size_t prom_read_progs(struct bpf_object *obj, struct prom_prog *out, size_t max)
{
	struct bpf_program *prog;
	size_t n = 0;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || n == max)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_program__name(prog));
		out[n].run_time_ns = info.run_time_ns;
		out[n].run_cnt = info.run_cnt;
		n++;
	}
	return n;
}
