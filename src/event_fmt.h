/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One event (include/vqtrace_events.h) as a human line or a JSON object,
 * and the end-of-run event summary. Shared by the live --events stream, the
 * flight recorder's dumps and `vqtrace report --events`. */
#ifndef __VQTRACE_EVENT_FMT_H
#define __VQTRACE_EVENT_FMT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vqtrace_events.h"

/* Who a vq is, as the table shows it. */
struct ev_ident {
	uint32_t pid;
	int32_t queue;
	char dev[32];		/* e.g. net0, "?" until known */
	char dir[8];
};

/* The vq_stats counter behind an event bit, e.g. "invalidations". */
const char *event_bit_counter(int bit);
/* The incident flags (1 << enum vq_flag) an event raised. */
unsigned int event_flags(const struct vq_event *e);

/* Wall-clock seconds of an event: ts_ns is CLOCK_MONOTONIC, offset is
 * realtime - monotonic in seconds. */
double event_wall(const struct vq_event *e, double offset);

/* gap: this vq's calls not shown since its previous event (sampled out or
 * lost); dump: the trigger dump it belongs to, 0 for none. */
void event_print(FILE *f, const struct vq_event *e, const struct ev_ident *id, double wall,
		 uint64_t gap);
json_t *event_json(const struct vq_event *e, const struct ev_ident *id, double wall,
		   uint64_t gap, uint64_t dump);
/* event_print or one JSON line. */
void event_write(FILE *f, bool json, const struct vq_event *e, const struct ev_ident *id,
		 double wall, uint64_t gap, uint64_t dump);

/* What became of the events of a run. */
struct ev_summary {
	uint64_t add_used, notify;	/* delivered to userspace, by type */
	uint64_t emitted, lost, sampled_out;	/* the kernel's counts */
	uint32_t sample, ringbuf_kb;
};

/* {"type":"events",...} on f. */
void events_summary_json(FILE *f, const struct ev_summary *s);
/* One line on f (stderr), prefixed "vqtrace: " or as given. */
void events_summary_line(FILE *f, const char *prefix, const struct ev_summary *s);

#endif
