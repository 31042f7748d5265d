// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "flight.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void flight_init(struct flight *fl, unsigned int mask, unsigned int keep, FILE *out,
		 bool json, double wall_offset)
{
	memset(fl, 0, sizeof(*fl));
	fl->mask = mask;
	fl->keep = keep;
	fl->out = out;
	fl->json = json;
	fl->wall_offset = wall_offset;
}

static struct flight_vq *state_of(struct flight *fl, struct evvq *v)
{
	if (!v->fl)
		v->fl = calloc(1, sizeof(*v->fl));
	return v->fl;
}

static void dump_header(struct flight *fl, const struct evvq *v, int flag, const char *by,
			const struct vq_event *e, uint32_t n, uint64_t held, double wall)
{
	char hex[24];
	json_t *o;

	if (!fl->json) {
		fprintf(fl->out, "vqtrace: trigger %s on pid %u %s %d:%s, ", flag_defs[flag].name,
			v->id.pid, v->id.dev, v->id.queue, v->id.dir);
		if (e)
			fprintf(fl->out, "raised by call #%llu", (unsigned long long)e->seq);
		else
			fprintf(fl->out, "seen at the interval's read");
		if (held)
			fprintf(fl->out, " (%llu raises since the last dump not dumped)",
				(unsigned long long)held);
		fprintf(fl->out, ": its last %u events\n", n);
		return;
	}
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)v->vq);
	o = json_pack("{s:s, s:I, s:f, s:s, s:I, s:s, s:I, s:s, s:s, s:s, s:o, s:I, s:I}",
		      "type", "trigger", "dump", (json_int_t)fl->dumps, "ts", wall,
		      "flag", flag_defs[flag].name, "pid", (json_int_t)v->id.pid,
		      "dev", v->id.dev, "queue", (json_int_t)v->id.queue, "dir", v->id.dir,
		      "vq", hex, "by", by,
		      "seq", e ? json_integer((json_int_t)e->seq) : json_null(),
		      "events", (json_int_t)n, "held", (json_int_t)held);
	json_dumpf(o, fl->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', fl->out);
	json_decref(o);
}

/* Writes v's ring, oldest first. e: the event that raised flag, or NULL. */
static void dump(struct flight *fl, struct evvq *v, struct flight_vq *s, int flag,
		 const struct vq_event *e, double wall)
{
	uint64_t prev = 0;

	fl->dumps++;
	dump_header(fl, v, flag, e ? "event" : "interval", e, s->count, s->held, wall);
	for (uint32_t k = 0; k < s->count; k++) {
		const struct vq_event *x = &s->ring[(s->head + fl->keep - s->count + k) % fl->keep];
		uint64_t gap = k && x->seq > prev ? x->seq - prev - 1 : 0;

		event_write(fl->out, fl->json, x, &v->id, event_wall(x, fl->wall_offset), gap,
			    fl->dumps);
		prev = x->seq;
	}
	if (!fl->json)
		fprintf(fl->out, "vqtrace: end of trigger dump %llu\n", (unsigned long long)fl->dumps);
	fflush(fl->out);
	s->dumped = true;
	s->since_dump = 0;
	s->held = 0;
}

/* A raise of flag: dumped unless the ring still holds events of the last dump. */
static void raise_flag(struct flight *fl, struct evvq *v, struct flight_vq *s, int flag,
		       const struct vq_event *e, double wall)
{
	if (s->dumped && s->since_dump < fl->keep) {
		s->held++;
		fl->held++;
		return;
	}
	dump(fl, v, s, flag, e, wall);
}

void flight_event(struct flight *fl, struct evvq *v, const struct vq_event *e)
{
	struct flight_vq *s = state_of(fl, v);
	unsigned int raised;

	if (!s)
		return;
	if (!s->ring) {
		s->ring = calloc(fl->keep, sizeof(*s->ring));
		if (!s->ring)
			return;
	}
	s->ring[s->head] = *e;
	s->head = (s->head + 1) % fl->keep;
	if (s->count < fl->keep)
		s->count++;
	s->since_dump++;
	raised = event_flags(e) & fl->mask;
	for (int f = 0; f < FLAG__COUNT; f++) {
		if (!(raised & (1u << f)))
			continue;
		s->accounted[f]++;
		raise_flag(fl, v, s, f, e, event_wall(e, fl->wall_offset));
	}
}

void flight_check(struct flight *fl, struct evvq *v, const struct vq_row *r)
{
	struct flight_vq *s;

	for (int f = 0; f < FLAG__COUNT; f++) {
		uint64_t count = r->flags.f[f].count;

		if (!(fl->mask & (1u << f)) || !count)
			continue;
		s = state_of(fl, v);
		if (!s || count <= s->accounted[f])
			continue;
		s->accounted[f] = count;
		raise_flag(fl, v, s, f, NULL, r->flags.f[f].last_s);
	}
}

void flight_free_vq(struct evvq *v)
{
	if (v->fl)
		free(v->fl->ring);
	free(v->fl);
	v->fl = NULL;
}

void flight_summary(const struct flight *fl, FILE *f)
{
	if (fl->dumps || fl->held)
		fprintf(f, "vqtrace: trigger: %llu dumps written, %llu raises fell inside an earlier dump's window\n",
			(unsigned long long)fl->dumps, (unsigned long long)fl->held);
}

int flight_parse_flags(const char *list, unsigned int *mask)
{
	const char *p = list;

	*mask = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		int found = -1;

		if (len == 3 && !strncasecmp(p, "all", 3)) {
			*mask = (1u << FLAG__COUNT) - 1;
			found = FLAG__COUNT;
		}
		for (int f = 0; f < FLAG__COUNT && found < 0; f++)
			if ((strlen(flag_defs[f].name) == len && !strncasecmp(p, flag_defs[f].name, len)) ||
			    (strlen(flag_defs[f].code) == len && !strncasecmp(p, flag_defs[f].code, len)))
				found = f;
		if (found < 0)
			return -1;
		if (found < FLAG__COUNT)
			*mask |= 1u << found;
		p += len;
		if (*p == ',' && *++p == '\0')
			return -1;
	}
	return *mask ? 0 : -1;
}
