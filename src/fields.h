/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Userspace view of include/vq_fields.h: every counter and state field of
 * struct vq_stats, and every probe counter of struct vq_global, as a
 * descriptor (name, where it lives, how it is shown), so that outputs loop
 * over one table instead of naming fields. */
#ifndef __VQTRACE_FIELDS_VIEW_H
#define __VQTRACE_FIELDS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vqtrace.h"
#include "vqtrace_events.h"

enum vq_field_kind {
	VQ_FIELD_COUNTER = -1,		/* VQ_COUNTERS: grows; deltas per interval */
	VQ_FIELD_ID = VQ_FK_ID,		/* the VQ_STATE kinds */
	VQ_FIELD_INT = VQ_FK_INT,
	VQ_FIELD_BOOL = VQ_FK_BOOL,
	VQ_FIELD_HEX = VQ_FK_HEX,
	VQ_FIELD_JUDGE = VQ_FK_JUDGE,
};

struct vq_field {
	const char *name;	/* field, JSON key, capture name */
	int kind;		/* enum vq_field_kind */
	size_t off, size;	/* in struct vq_stats */
	bool is_signed;
	const char *prom;	/* Prometheus name without "vqtrace_" (and
				 * "_total"), NULL: not exported */
	int evbit;		/* counters: enum vq_event_bit or VQ_EVB_NONE */
	int flag;		/* counters: enum vq_flag or VQ_NO_FLAG */
	bool kick;		/* a kick-side counter: counted only with --kicks */
	const char *help;
};

/* Counters first (VQ_COUNTERS order), then the state (VQ_STATE order). */
extern const struct vq_field vq_fields[];
extern const size_t vq_n_fields, vq_n_counters;

struct vq_global_field {
	const char *name;	/* JSON key; Prometheus vqtrace_probe_<name>_total */
	size_t off;		/* of the __u64 in struct vq_global */
	const char *loss;	/* printf format for stderr, NULL: not a loss */
	bool incomplete;	/* non-zero: vqtrace's counts are incomplete */
	const char *help;
};

extern const struct vq_global_field vq_global_fields[];
extern const size_t vq_n_global_fields;

/* The value of a field of s, widened (signed fields sign-extended). */
uint64_t vq_field_get(const struct vq_stats *s, const struct vq_field *f);
/* Stores v into the field (truncated to its size). */
void vq_field_set(struct vq_stats *s, const struct vq_field *f, uint64_t v);
/* The field of that name, or NULL. */
const struct vq_field *vq_field_by_name(const char *name);
uint64_t vq_global_get(const struct vq_global *g, const struct vq_global_field *f);
void vq_global_set(struct vq_global *g, const struct vq_global_field *f, uint64_t v);
const struct vq_global_field *vq_global_by_name(const char *name);

/* Whether g says the counts are incomplete; why gets "name value, ..."
 * of the counters that say so. */
bool vq_global_incomplete(const struct vq_global *g, char *why, size_t len);
/* The exit status of a run whose counts are incomplete (documented in
 * --help and the README). */
#define VQ_EXIT_INCOMPLETE 3

/* The counter of the table that counts event bit b (enum vq_event_bit), or
 * NULL. */
const struct vq_field *vq_field_of_evbit(int b);

/* --help: each counter (counters) or each shown state field (else) as
 * "  name  help", the help wrapped at 79 columns. */
void vq_fields_help(FILE *f, bool counters);
void vq_globals_help(FILE *f);
/* Writes text as lines of at most `width` columns, each indented by
 * `indent` (the first line's indent already printed up to `first_col`). */
void help_wrap(FILE *f, const char *text, int first_col, int indent, int width);

#endif
