/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The two output formats: a table under 80 columns, and NDJSON. */
#ifndef __VQTRACE_OUTPUT_H
#define __VQTRACE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "vqtable.h"
#include "vqtrace.h"

/* How the rows are shown: the live run's -j/--hist/--hist-by and
 * `vqtrace report`'s same options. */
struct output_fmt {
	bool json;		/* NDJSON, else the table */
	bool hist;		/* the histograms after the table (not with json) */
	bool hist_by_pid;	/* merged per pid */
};

/* The rows of one interval or the totals, as the format says: the one
 * place where the live run and `vqtrace report` print them. */
void output_rows(FILE *f, const struct vqtable *t, const struct output_fmt *fmt, bool total,
		 double seconds);

/* total: counters since start (else: since the last interval). */
void output_table(FILE *f, const struct vqtable *t, bool total, double seconds);
void output_json(FILE *f, const struct vqtable *t, bool total, double seconds);
/* --hist: the histograms of each row (or merged per pid), as text. */
void output_hist(FILE *f, const struct vqtable *t, bool total, bool by_pid);

/* The probes' own counters: anything not counted is said here. */
void output_probe_table(FILE *f, const struct vq_global *g);
/* add_hook/notify_hook: "mode:symbol" of each hook, e.g. "fentry:__vhost_add_used_n". */
void output_probe_json(FILE *f, const struct vq_global *g, unsigned int max_vqs,
		       const char *add_hook, const char *notify_hook, bool kick_side);

/* Formats v into at most width characters (width 5 at least), switching to
 * k/M/G/T/P/E with one decimal when the digits do not fit. Returns buf. */
char *fmt_count(char *buf, size_t len, unsigned long long v, int width);

#endif
