// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture.h"
#include "event_fmt.h"
#include "output.h"
#include "vqtable.h"

struct rvq {
	struct ev_ident id;
	uint64_t vq, first_ns, next_seq;
	bool seen;
};

struct rstate {
	const struct report_opts *o;
	struct output_fmt fmt;	/* from o */
	FILE *out, *err;
	const char *name;
	struct cap_meta meta;
	struct vqtable t;
	struct flag_opts fo;
	struct rvq *vqs;
	uint32_t n, cap;
	double wall_offset;
	struct cap_snap final;
	uint64_t add_used, notify;
};

enum { RENDER_NOMEM = 1 };

static int on_meta(void *ctx, const struct cap_meta *m)
{
	struct rstate *st = ctx;

	st->meta = *m;
	st->fo.stall_ns = (uint64_t)m->stall_ms * 1000000ull;
	st->fo.kick_side = m->flags & CAP_F_KICKS;
	st->wall_offset = m->start_wall_s - m->start_mono_ns / 1e9;
	return 0;
}

/* A row named as the live table named it; its counters come with STATS. */
static int on_vq(void *ctx, const struct cap_vq *v)
{
	struct rstate *st = ctx;
	struct vq_stats s;
	struct rvq *x;
	struct vq_row *r;

	if (st->n == st->cap) {
		uint32_t cap = st->cap ? st->cap * 2 : 16;
		struct rvq *n = realloc(st->vqs, cap * sizeof(*n));

		if (!n)
			return RENDER_NOMEM;
		st->vqs = n;
		st->cap = cap;
	}
	x = &st->vqs[st->n++];
	memset(x, 0, sizeof(*x));
	x->vq = v->vq;
	x->first_ns = v->first_ns;
	x->id.pid = v->pid;
	x->id.queue = v->queue;
	snprintf(x->id.dev, sizeof(x->id.dev), "%s", v->devname);
	snprintf(x->id.dir, sizeof(x->id.dir), "%s", v->dir);
	cap_vq_identity(v, &s);
	if (vqtable_update(&st->t, &s))
		return RENDER_NOMEM;
	r = vqtable_find(&st->t, v->vq, v->first_ns);
	if (r) {
		snprintf(r->id.kind, sizeof(r->id.kind), "%s", v->kind);
		snprintf(r->id.dir, sizeof(r->id.dir), "%s", v->dir);
		r->id.handler_hooked = v->flags & CAP_VQF_HANDLER_HOOKED;
		snprintf(r->devname, sizeof(r->devname), "%s", v->devname);
		r->dev_ordinal = v->dev_ordinal;
		snprintf(r->tap, sizeof(r->tap), "%s", v->tap);
		r->qp = v->qp;
	}
	return 0;
}

static int on_event(void *ctx, uint32_t id, const struct vq_event *e)
{
	struct rstate *st = ctx;
	struct rvq *x = &st->vqs[id];
	uint64_t gap = x->seen && e->seq >= x->next_seq ? e->seq - x->next_seq :
		       x->seen ? 0 : e->seq;

	x->seen = true;
	x->next_seq = e->seq + 1;
	if (e->type == VQ_EV_ADD_USED)
		st->add_used++;
	else
		st->notify++;
	if (st->o->events)
		event_write(st->out, st->o->json, e, &x->id, event_wall(e, st->wall_offset), gap, 0);
	return 0;
}

static int on_stats(void *ctx, uint32_t id, const struct vq_stats *s)
{
	struct rstate *st = ctx;

	return vqtable_update(&st->t, s) ? RENDER_NOMEM : 0;
}

static int on_hists(void *ctx, uint32_t id, const struct vq_hists *h)
{
	struct rstate *st = ctx;
	struct vq_row *r = vqtable_find(&st->t, st->vqs[id].vq, st->vqs[id].first_ns);

	if (r)
		r->hist = *h;
	return 0;
}

/* What collect() did live: order, judge; then print as the loop did. */
static int on_snap(void *ctx, const struct cap_snap *s)
{
	struct rstate *st = ctx;

	if (st->t.n)	/* qsort() of no rows (NULL) is undefined */
		vqtable_settle(&st->t);
	vqtable_judge(&st->t, &st->fo, s->mono_ns, s->wall_s, NULL);
	if (s->final) {
		st->final = *s;
		return 0;
	}
	if (st->o->intervals)
		output_rows(st->out, &st->t, &st->fmt, false, s->seconds);
	vqtable_mark_printed(&st->t);
	return 0;
}

static void capture_line(struct rstate *st, const char *name)
{
	json_t *o;

	if (!st->o->json) {
		if (!st->o->quiet)
			fprintf(st->err, "vqtrace report: %s: kernel %s (%s), vqtrace %s, %s, %s, %.2f s\n",
				name, st->meta.release, st->meta.machine, st->meta.version,
				st->meta.add_hook, st->meta.notify_hook, st->final.seconds);
		return;
	}
	o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:I}", "type", "capture",
		      "file", name, "format_version", CAP_VERSION, "kernel", st->meta.release,
		      "machine", st->meta.machine, "vqtrace", st->meta.version,
		      "add_used_hook", st->meta.add_hook, "notify_hook", st->meta.notify_hook,
		      "start", st->meta.start_wall_s, "seconds", st->final.seconds,
		      "vqs", (json_int_t)st->n);
	if (o) {
		json_dumpf(o, st->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', st->out);
		json_decref(o);
	}
}

static int on_end(void *ctx, const struct cap_end *e)
{
	struct rstate *st = ctx;
	struct ev_summary s = {
		.add_used = st->add_used, .notify = st->notify, .emitted = e->emitted,
		.lost = e->lost, .sampled_out = e->sampled_out, .sample = st->meta.sample,
		.ringbuf_kb = st->meta.ringbuf_kb,
	};

	output_rows(st->out, &st->t, &st->fmt, true, st->final.seconds);
	capture_line(st, st->name);
	if (st->o->json) {
		output_probe_json(st->out, &e->global, st->meta.max_vqs, st->meta.add_hook,
				  st->meta.notify_hook, st->meta.flags & CAP_F_KICKS);
		events_summary_json(st->out, &s);
	} else {
		output_probe_table(st->err, &e->global);
		if (s.lost || !st->o->quiet)
			events_summary_line(st->err, "vqtrace report: events: ", &s);
	}
	fflush(st->out);
	return 0;
}

static int fail(FILE *err, const char *name, const char *what)
{
	fprintf(err, "vqtrace report: %s: %s\n", name, what);
	return 2;
}

int report_run(FILE *in, uint64_t size, const char *name, const struct report_opts *o,
	       FILE *out, FILE *err)
{
	struct rstate st = {
		.o = o, .out = out, .err = err, .name = name,
		.fmt = { .json = o->json, .hist = o->hist, .hist_by_pid = o->hist_by_pid },
	};
	struct cap_handler check = { .ctx = &st, .meta = on_meta };
	struct cap_handler render = {
		.ctx = &st, .meta = on_meta, .vq = on_vq, .event = on_event, .stats = on_stats,
		.hists = on_hists, .snap = on_snap, .end = on_end,
	};
	char what[256];
	int ret;

	/* First the whole file is checked, so that a bad one prints nothing. */
	if (cap_read(in, size, &check, what, sizeof(what)))
		return fail(err, name, what);
	if (o->hist && !(st.meta.flags & CAP_F_HIST))
		return fail(err, name, "no histograms in this capture (record with --hist)");
	if (fseek(in, 0, SEEK_SET))
		return fail(err, name, strerror(errno));
	vqtable_init(&st.t, NULL);
	st.t.hist = o->hist;
	st.t.kick_side = st.meta.flags & CAP_F_KICKS;
	ret = cap_read(in, size, &render, what, sizeof(what));
	vqtable_free(&st.t);
	free(st.vqs);
	if (ret == RENDER_NOMEM)
		return fail(err, name, "out of memory");
	if (ret)
		return fail(err, name, what);
	return 0;
}

static const char report_usage[] =
"Usage: vqtrace report [OPTIONS] FILE\n"
"\n"
"Prints from a capture of 'vqtrace record' what the live run printed at its\n"
"end: the totals of every virtqueue with their flags and cross-check\n"
"counters, the probes' own counters and what became of the events.\n"
"\n"
"  -j, --json          NDJSON as 'vqtrace -j': {\"type\":\"total\"} rows, a\n"
"                      {\"type\":\"capture\"} line, {\"type\":\"probe\"} and\n"
"                      {\"type\":\"events\"}\n"
"      --hist          the histograms too (if recorded with --hist)\n"
"      --hist-by pid|vq  with --hist: merge each process's vqs, or not\n"
"      --intervals     the rows of every interval before the totals\n"
"      --events        every recorded event, in order, before the totals\n"
"  -q, --quiet         no capture summary on stderr\n"
"  -h, --help          this text\n"
"\n"
"A file that is not a complete capture is refused with one line on stderr\n"
"and exit status 2.\n";

int report_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "hist", no_argument, NULL, 'H' },
		{ "hist-by", required_argument, NULL, 'B' },
		{ "intervals", no_argument, NULL, 'I' },
		{ "events", no_argument, NULL, 'E' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_opts o = { .json = false };
	struct stat sb;
	const char *name;
	FILE *in;
	int opt, rc;

	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "+jqh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': o.json = true; break;
		case 'H': o.hist = true; break;
		case 'B':
			if (strcmp(optarg, "pid") && strcmp(optarg, "vq")) {
				fprintf(stderr, "vqtrace report: invalid --hist-by '%s': use pid or vq\n", optarg);
				return 2;
			}
			o.hist = true;
			o.hist_by_pid = !strcmp(optarg, "pid");
			break;
		case 'I': o.intervals = true; break;
		case 'E': o.events = true; break;
		case 'q': o.quiet = true; break;
		case 'h': fputs(report_usage, stdout); return 0;
		default:
			fprintf(stderr, "vqtrace report: unknown or incomplete option '%s'; see 'vqtrace report --help'\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "vqtrace report: give exactly one capture FILE; see 'vqtrace report --help'\n");
		return 2;
	}
	name = argv[optind];
	in = fopen(name, "rb");
	if (!in)
		return fail(stderr, name, strerror(errno));
	if (fstat(fileno(in), &sb) || !S_ISREG(sb.st_mode)) {
		fclose(in);
		return fail(stderr, name, "not a regular file");
	}
	rc = report_run(in, (uint64_t)sb.st_size, name, &o, stdout, stderr);
	fclose(in);
	return rc;
}
