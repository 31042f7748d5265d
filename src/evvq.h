/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Userspace state of each vq seen in an event stream, found by its
 * identity (address, first_ns) in a hash: who it is, the next call number
 * expected (to show gaps), its capture id and its flight-recorder ring. */
#ifndef __VQTRACE_EVVQ_H
#define __VQTRACE_EVVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event_fmt.h"

struct flight_vq;

struct evvq {
	uint64_t vq, first_ns;	/* the key */
	struct ev_ident id;
	bool resolved;		/* id comes from the table */
	unsigned int tried_gen;	/* table generation of the last failed lookup */
	bool seen;		/* next_seq is valid */
	uint64_t next_seq;
	int64_t rec_id;		/* capture id, -1 until written */
	struct flight_vq *fl;	/* owned by src/flight.c */
};

struct evvq_set {
	struct evvq **v;	/* in insertion order */
	size_t n, cap;
	uint32_t *slot;		/* open addressing: index + 1, 0 = empty */
	size_t nslot;		/* a power of two, more than 2 * n */
};

/* The vq's state, created (zeroed, rec_id -1) if new; NULL without memory. */
struct evvq *evvq_get(struct evvq_set *s, uint64_t vq, uint64_t first_ns);
/* The vq's state or NULL. */
struct evvq *evvq_find(const struct evvq_set *s, uint64_t vq, uint64_t first_ns);
/* Frees everything; fini (may be NULL) is called on each entry first. */
void evvq_free(struct evvq_set *s, void (*fini)(struct evvq *));

/* The gap before event seq on this vq (calls not shown), and advances. */
uint64_t evvq_gap(struct evvq *v, uint64_t seq);

#endif
