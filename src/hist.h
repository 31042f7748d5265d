/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The per-vq histograms (--hist): what each one measures, its buckets, and
 * printing them as text and JSON. Slots as in include/vqtrace.h. */
#ifndef __VQTRACE_HIST_H
#define __VQTRACE_HIST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vqtrace.h"

struct hist_def {
	const char *name;	/* JSON key, e.g. used_per_signal */
	const char *title;	/* one line for the text output and --help */
	const char *prom;	/* Prometheus family, base unit in its name */
	bool ns;		/* values are nanoseconds (shown/exported as time) */
	bool kick;		/* filled by the kick side: only with --kicks */
};

extern const struct hist_def hist_defs[VQ_HIST__COUNT];

/* Bucket edges of slot k: lo < v <= hi, except slot 0 which holds 0 only
 * (lo = hi = 0) and slot 1 which holds 1 only. */
uint64_t hist_slot_hi(int slot);
uint64_t hist_slot_lo(int slot);
/* The same slot rule as bpf/hist.bpf.h, for tests and offline use. */
int hist_slot_of(uint64_t v);

/* out = a - b, slot by slot (per-interval deltas). */
void hist_sub(const struct vq_hists *a, const struct vq_hists *b, struct vq_hists *out);
void hist_add_into(struct vq_hists *acc, const struct vq_hists *h);
uint64_t hist_count(const struct vq_hist *h);

/* bcc-style text: "lo -> hi : count |****|", only the populated range. */
void hist_print(FILE *f, const struct vq_hist *h, const struct hist_def *d);
/* {"name": [[lo, hi, count], ...]} with the non-empty buckets. */
json_t *hist_json(const struct vq_hists *h);
/* {"name": sum of the values} (ns for the time histograms). */
json_t *hist_sums_json(const struct vq_hists *h);
void hist_help(FILE *f);

#endif
