// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "event_fmt.h"

#include <time.h>

#include "fields.h"
#include "flags.h"
#include "vq_rules.h"

const char *event_bit_counter(int bit)
{
	const struct vq_field *f = vq_field_of_evbit(bit);

	return f ? f->name : "?";
}

static bool event_idx(const struct vq_event *e)
{
	return e->features & VQ_FEATURE(VQ_F_RING_EVENT_IDX);
}

unsigned int event_flags(const struct vq_event *e)
{
	unsigned int flags = 0;

	for (int b = 0; b < VQ_EVB__COUNT; b++) {
		const struct vq_field *f = vq_field_of_evbit(b);

		if (!(e->bits & (1u << b)) || !f || f->flag == VQ_NO_FLAG)
			continue;
		if (flag_defs[f->flag].event_idx_only && !event_idx(e))
			continue;
		flags |= 1u << f->flag;
	}
	return flags;
}

double event_wall(const struct vq_event *e, double offset)
{
	return e->ts_ns / 1e9 + offset;
}

static void print_time(FILE *f, double wall)
{
	time_t sec;
	struct tm tm;
	char buf[16];
	long usec;

	/* converting an out-of-range double to an integer is undefined */
	if (!(wall >= 0 && wall < 1e12)) {
		fputs("??:??:??.??????", f);
		return;
	}
	sec = (time_t)wall;
	usec = (long)((wall - (double)sec) * 1e6);
	if (usec < 0 || usec > 999999)
		usec = 0;
	if (!localtime_r(&sec, &tm) || !strftime(buf, sizeof(buf), "%H:%M:%S", &tm))
		snprintf(buf, sizeof(buf), "??:??:??");
	fprintf(f, "%s.%06ld", buf, usec);
}

void event_print(FILE *f, const struct vq_event *e, const struct ev_ident *id, double wall,
		 uint64_t gap)
{
	unsigned int flags = event_flags(e);
	bool add = e->type == VQ_EV_ADD_USED;
	int n = 0;

	print_time(f, wall);
	fprintf(f, " cpu%u %u %s %d:%s #%llu %s used ", e->cpu, id->pid, id->dev, id->queue,
		id->dir, (unsigned long long)e->seq, add ? "add   " : "notify");
	if (add)
		fprintf(f, "%u->%u", e->old_used_idx, e->new_used_idx);
	else
		fprintf(f, "%u", e->new_used_idx);
	fprintf(f, " sig %u valid %u", e->signalled_used, e->valid_before);
	if (add)
		fprintf(f, "->%u", e->valid_after);
	if (!event_idx(e))
		fprintf(f, e->used_event_ok ? " aflags 0x%x" : " aflags ?", e->used_event);
	else
		fprintf(f, e->used_event_ok ? " event %u" : " event ?", e->used_event);
	fprintf(f, " avail %u/%u num %u feat 0x%llx", e->avail_idx, e->last_avail_idx, e->num,
		(unsigned long long)e->features);
	if (add && e->ret)
		fprintf(f, " ret %d", e->ret);
	if (!add)
		fprintf(f, " -> %s", e->decision ? "signal" : "suppress");
	for (int b = 0; b < VQ_EVB__COUNT; b++)
		if (e->bits & (1u << b))
			fprintf(f, "%s%s", n++ ? "," : " moved ", event_bit_counter(b));
	n = 0;
	for (int i = 0; i < FLAG__COUNT; i++)
		if (flags & (1u << i))
			fprintf(f, "%s%s", n++ ? "," : " flags ", flag_defs[i].name);
	if (gap)
		fprintf(f, " (%llu calls before not shown)", (unsigned long long)gap);
	fputc('\n', f);
}

json_t *event_json(const struct vq_event *e, const struct ev_ident *id, double wall,
		   uint64_t gap, uint64_t dump)
{
	unsigned int flags = event_flags(e);
	bool add = e->type == VQ_EV_ADD_USED;
	json_t *o = json_object(), *moved = json_array(), *fl = json_array();
	char hex[24];

	json_object_set_new(o, "type", json_string("event"));
	if (dump)
		json_object_set_new(o, "dump", json_integer((json_int_t)dump));
	json_object_set_new(o, "ts", json_real(wall));
	json_object_set_new(o, "mono_ns", json_integer((json_int_t)e->ts_ns));
	json_object_set_new(o, "cpu", json_integer(e->cpu));
	json_object_set_new(o, "pid", json_integer(id->pid));
	json_object_set_new(o, "dev", json_string(id->dev));
	json_object_set_new(o, "queue", json_integer(id->queue));
	json_object_set_new(o, "dir", json_string(id->dir));
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)e->vq);
	json_object_set_new(o, "vq", json_string(hex));
	json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
	json_object_set_new(o, "gap", json_integer((json_int_t)gap));
	json_object_set_new(o, "event", json_string(add ? "add_used" : "notify"));
	json_object_set_new(o, "old_used_idx", json_integer(e->old_used_idx));
	json_object_set_new(o, "new_used_idx", json_integer(e->new_used_idx));
	json_object_set_new(o, "signalled_used", json_integer(e->signalled_used));
	json_object_set_new(o, "valid_before", json_boolean(e->valid_before));
	json_object_set_new(o, "valid_after", json_boolean(e->valid_after));
	json_object_set_new(o, event_idx(e) ? "used_event" : "avail_flags",
			    e->used_event_ok ? json_integer(e->used_event) : json_null());
	json_object_set_new(o, "avail_idx", json_integer(e->avail_idx));
	json_object_set_new(o, "last_avail_idx", json_integer(e->last_avail_idx));
	json_object_set_new(o, "num", json_integer(e->num));
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)e->features);
	json_object_set_new(o, "features", json_string(hex));
	json_object_set_new(o, "event_idx", json_boolean(event_idx(e)));
	if (add)
		json_object_set_new(o, "ret", json_integer(e->ret));
	else
		json_object_set_new(o, "decision", json_string(e->decision ? "signal" : "suppress"));
	for (int b = 0; b < VQ_EVB__COUNT; b++)
		if (e->bits & (1u << b))
			json_array_append_new(moved, json_string(event_bit_counter(b)));
	for (int i = 0; i < FLAG__COUNT; i++)
		if (flags & (1u << i))
			json_array_append_new(fl, json_string(flag_defs[i].name));
	json_object_set_new(o, "moved", moved);
	json_object_set_new(o, "flags", fl);
	return o;
}

void event_write(FILE *f, bool json, const struct vq_event *e, const struct ev_ident *id,
		 double wall, uint64_t gap, uint64_t dump)
{
	json_t *o;

	if (!json) {
		event_print(f, e, id, wall, gap);
		return;
	}
	o = event_json(e, id, wall, gap, dump);
	json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(o);
}

void events_summary_json(FILE *f, const struct ev_summary *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string("events"));
	json_object_set_new(o, "events", json_integer((json_int_t)(s->add_used + s->notify)));
	json_object_set_new(o, "add_used", json_integer((json_int_t)s->add_used));
	json_object_set_new(o, "notify", json_integer((json_int_t)s->notify));
	json_object_set_new(o, "emitted", json_integer((json_int_t)s->emitted));
	json_object_set_new(o, "lost", json_integer((json_int_t)s->lost));
	json_object_set_new(o, "sampled_out", json_integer((json_int_t)s->sampled_out));
	json_object_set_new(o, "sample", json_integer(s->sample));
	json_object_set_new(o, "ringbuf_kb", json_integer(s->ringbuf_kb));
	json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(o);
	fflush(f);
}

void events_summary_line(FILE *f, const char *prefix, const struct ev_summary *s)
{
	fprintf(f, "%s%llu events (%llu add_used, %llu notify), %llu %s, %llu sampled out (--sample %u)",
		prefix, (unsigned long long)(s->add_used + s->notify),
		(unsigned long long)s->add_used, (unsigned long long)s->notify,
		(unsigned long long)s->lost, s->lost ? "LOST" : "lost",
		(unsigned long long)s->sampled_out, s->sample);
	if (s->lost)
		fprintf(f, ": the %u KiB ring buffer was full; raise --ringbuf-kb or use --sample",
			s->ringbuf_kb);
	if (s->emitted != s->add_used + s->notify)
		fprintf(f, "; the kernel emitted %llu", (unsigned long long)s->emitted);
	fputc('\n', f);
}
