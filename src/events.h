/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The live event session: says what the BPF event side should be, consumes
 * its ring buffer and hands each event to what asked for events: the --events
 * stream (stdout), the flight recorder (--trigger) and the capture file
 * (vqtrace record). Losses are counted in the kernel and always shown: on
 * stderr at each interval they grew and at exit, in-stream with --events,
 * and in the {"type":"events"} JSON line. */
#ifndef __VQTRACE_EVENTS_H
#define __VQTRACE_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "attach.h"
#include "env.h"
#include "evvq.h"
#include "flight.h"
#include "record.h"
#include "session.h"
#include "vqtable.h"

struct ring_buffer;

struct evsess {
	bool on;		/* anything wants events */
	bool print, json;	/* --events, -j */
	struct ring_buffer *rb;
	struct vqtable *t;
	/* Who the event's vq is comes from t; the session re-reads it
	 * for a vq new to it, and gives the kernel's event counters. */
	const struct session *ss;
	unsigned int gen;	/* counts snapshots: retry unknown vqs once per interval */
	struct evvq_set vqs;
	bool flight_on;
	struct flight fl;
	FILE *trigger_out;	/* --trigger-out, NULL for stderr */
	bool rec_on;
	struct recorder rec;
	double wall_offset;	/* realtime - monotonic, seconds */
	uint64_t add_used, notify;	/* delivered */
	uint64_t lost_shown;
	uint32_t sample, ringbuf_kb;
	bool nomem_said;
	bool closing;		/* after the final snapshot: record no new vq */
};

/* Before load: opens --trigger-out and the capture file, so that a bad
 * path fails before anything is attached. 0, or -errno after one line on
 * stderr. */
int evsess_prepare(struct evsess *ev, const struct env *env);
/* Before load: what to ask of the BPF side (session_open configures it):
 * the switch, sampling and ring buffer size. */
struct session_events evsess_wants(const struct evsess *ev);
/* After load: the ring buffer of ss, read into t, and the capture's
 * header. 0, or -errno after one line. */
int evsess_start(struct evsess *ev, const struct env *env, const struct session *ss,
		 struct vqtable *t);
/* Waits up to `seconds` for events and handles them. */
void evsess_wait(struct evsess *ev, double seconds);
/* Handles every event in the ring now: at the start of collect(), so that
 * no new vq is looked up (and the table re-read) between the judge and
 * the snapshot below. */
void evsess_drain(struct evsess *ev);
/* After collect(): shows new losses, checks the triggers and records the
 * counters as judged. now_ns/wall_s: the judge's clock. */
void evsess_snapshot(struct evsess *ev, uint64_t now_ns, double wall_s, double seconds,
		     bool final);
/* At exit, after the totals: drains, writes the trailer, prints the
 * summary (and the JSON line with -j). 0, or 1 if the capture failed. */
int evsess_finish(struct evsess *ev, const struct vq_global *g);
void evsess_free(struct evsess *ev);

#endif
