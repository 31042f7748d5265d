/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The Prometheus text exposition format (version 0.0.4): the per-vq
 * counters and last seen state, the probes' own loss counters and the BPF
 * programs' run time, rendered into a growing buffer. The writers below
 * (one family header, one sample, one histogram) are what every family is
 * made of; a new family is one prom_family() call and its samples. */
#ifndef __VQTRACE_PROM_H
#define __VQTRACE_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vqtable.h"
#include "vqtrace.h"

struct bpf_object;

/* A growing NUL-terminated string; after an allocation failure `failed`
 * is set and every later write is a no-op. */
struct prom_buf {
	char *s;
	size_t len, cap;
	bool failed;
};

void prom_buf_init(struct prom_buf *b);
void prom_buf_free(struct prom_buf *b);
void prom_buf_reset(struct prom_buf *b);	/* len := 0, keeps the memory */
void prom_printf(struct prom_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

enum prom_type { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM };

struct prom_label {
	const char *name;
	const char *value;	/* escaped when written */
};

/* "# HELP name help" and "# TYPE name type": once per family, before all of
 * its samples (the format wants a family's samples together). */
void prom_family(struct prom_buf *b, const char *name, enum prom_type type, const char *help);
/* "name{l1="v1",...} value"; nlabels may be 0. */
void prom_sample_u64(struct prom_buf *b, const char *name, const struct prom_label *labels,
		     size_t nlabels, uint64_t value);
/* The same with a value in seconds given in nanoseconds, written exactly
 * (e.g. 1.500000000). */
void prom_sample_ns(struct prom_buf *b, const char *name, const struct prom_label *labels,
		    size_t nlabels, uint64_t ns);

/* One histogram series of family `name` (declared with prom_family(...,
 * PROM_HISTOGRAM, ...)): name_bucket{labels,le="b"} for each upper bound
 * in `le` (ascending) with cumulative counts, le="+Inf" = count, then
 * name_sum and name_count. `counts[i]` is the number of observations in
 * (le[i-1], le[i]], non-cumulative; observations above the last bound are
 * count - sum(counts). At most 16 labels. */
void prom_histogram(struct prom_buf *b, const char *name, const struct prom_label *labels,
		    size_t nlabels, const double *le, const uint64_t *counts, size_t nbuckets,
		    double sum, uint64_t count);

/* Run time of one loaded BPF program, from the kernel (nonzero only while
 * sysctl kernel.bpf_stats_enabled=1). */
struct prom_prog {
	char name[64];
	uint64_t run_time_ns;
	uint64_t run_cnt;
};

/* Fills out[] with the loaded programs of obj (those with an fd). Returns
 * how many, at most max. */
size_t prom_read_progs(struct bpf_object *obj, struct prom_prog *out, size_t max);

/* --prom-by and --prom-max-hist. */
#define PROM_DEFAULT_MAX_HIST 128
#define PROM_MAX_MAX_HIST 65536
struct prom_opts {
	bool by_pid;		/* --prom-by pid: one series per process */
	unsigned int max_hist;	/* histogram label sets rendered at most */
	size_t hist_dropped;	/* out: label sets whose histograms were left out */
};

/* Renders every vqtrace family into b (which is reset first): the counters
 * since start and the last seen state of each row of t, the probes' loss
 * counters from g, and the programs' cost. Returns 0, or -ENOMEM. */
int prom_render(struct prom_buf *b, const struct vqtable *t, const struct vq_global *g,
		const struct prom_prog *progs, size_t nprogs);
/* The same with options (prom_render: per vq, PROM_DEFAULT_MAX_HIST);
 * sets o->hist_dropped. */
int prom_render_opts(struct prom_buf *b, const struct vqtable *t, const struct vq_global *g,
		     const struct prom_prog *progs, size_t nprogs, struct prom_opts *o);

#endif
