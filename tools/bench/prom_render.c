// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* make bench-prom: what one /metrics render costs at scale, on a synthetic
 * table (no kernel needed): N vqs (default 1024), two per device, eight per
 * process, every --hist histogram present. vqtrace renders once per
 * interval, so this is the exporter's CPU per interval and the scrape size.
 * Prints lines (series + HELP/TYPE), size, mean time of 5 renders and the
 * label sets whose histograms --prom-max-hist left out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "prom.h"
#include "vqtable.h"
#include "fixture_vq.h"
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv)
{
	int nvq = argc > 1 ? atoi(argv[1]) : 1024;
	struct vqtable t; struct vq_global g; struct prom_buf b;
	memset(&g, 0, sizeof(g));
	vqtable_init(&t, &ks);
	for (int i = 0; i < nvq; i++) {
		struct vq_stats s = fixture_entry(0x1000 + i, 0x100000 + (i / 2) * 0x100, 1000 + i / 8, i % 2, i % 2 ? TX_KICK : RX_KICK, 100 + i);
		s.used = 1000 + i; s.notifies = 10; s.signals = 5;
		if (vqtable_update(&t, &s)) { fprintf(stderr, "update failed\n"); return 1; }
	}
	vqtable_settle(&t);
	t.hist = true;
	prom_buf_init(&b);
	struct { const char *what; bool by_pid; unsigned max; } c[] = {
		{ "per vq, --hist, no bound", false, 1u << 20 }, { "per vq, --hist, default bound 128", false, 128 },
		{ "per pid, --hist", true, 1u << 20 }, { "per vq, --hist, --prom-max-hist 0", false, 0 } };
	for (int k = 0; k < 4; k++) {
		struct prom_opts o = { .by_pid = c[k].by_pid, .max_hist = c[k].max };
		double t0 = now(); int reps = 5;
		for (int r = 0; r < reps; r++) prom_render_opts(&b, &t, &g, NULL, 0, &o);
		double dt = (now() - t0) / reps;
		long lines = 0; for (size_t i = 0; i < b.len; i++) lines += b.s[i] == '\n';
		printf("%-36s %7ld lines %8.1f KiB %7.1f ms dropped %zu\n", c[k].what, lines, b.len / 1024.0, dt * 1e3, o.hist_dropped);
	}
	return 0;
}
