/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The flight recorder (--trigger): the last --keep events of every vq in
 * memory, written out when a listed incident flag is raised on that vq.
 *
 * A flag is noticed two ways: an event that raised it (the kernel marks the
 * counters each call moved), then the dump ends with that event; or at the
 * interval's read of the counters (flags_update in collect()), for what no
 * delivered event showed: NO_SIGNAL_STALL, which is judged by time, and
 * raises whose event was sampled out or lost. A vq is dumped again only
 * once its ring holds none of the events of its previous dump; raises in
 * between are counted and named in the next dump's header. */
#ifndef __VQTRACE_FLIGHT_H
#define __VQTRACE_FLIGHT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "evvq.h"
#include "flags.h"
#include "vqtable.h"

struct flight {
	unsigned int mask;	/* 1 << enum vq_flag to trigger on */
	unsigned int keep;	/* events kept per vq */
	FILE *out;		/* stderr or --trigger-out */
	bool json;
	double wall_offset;	/* realtime - monotonic, seconds */
	uint64_t dumps;		/* dumps written */
	uint64_t held;		/* raises not dumped (inside a previous dump's window) */
};

struct flight_vq {
	struct vq_event *ring;	/* keep entries, allocated on the first event */
	uint32_t head, count;
	uint64_t since_dump;	/* events pushed since the last dump */
	bool dumped;
	uint64_t held;		/* raises held back since the last dump */
	uint64_t accounted[FLAG__COUNT];	/* raises already handled */
};

void flight_init(struct flight *fl, unsigned int mask, unsigned int keep, FILE *out,
		 bool json, double wall_offset);
/* Keeps e in v's ring and dumps if it raised a listed flag. */
void flight_event(struct flight *fl, struct evvq *v, const struct vq_event *e);
/* After the interval's judge: raises the events did not show. */
void flight_check(struct flight *fl, struct evvq *v, const struct vq_row *r);
void flight_free_vq(struct evvq *v);
/* One line on stderr at exit when anything was triggered. */
void flight_summary(const struct flight *fl, FILE *f);

/* Parses "FLAG[,FLAG...]" (names or two-letter codes, any case, or "all")
 * into a mask; returns -1 on an unknown name. */
int flight_parse_flags(const char *list, unsigned int *mask);

#endif
