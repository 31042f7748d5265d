/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `vqtrace report FILE`: replays a capture through the live code (the
 * vq table, the flags' judge, the table/JSON/histogram outputs) so that
 * it prints what the live run printed: the totals, and on request the
 * interval rows and the events. The file is checked whole before anything
 * is printed; anything wrong with it is one line and exit status 2. */
#ifndef __VQTRACE_REPORT_H
#define __VQTRACE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct report_opts {
	bool json;		/* --json: NDJSON as live -j */
	bool hist;		/* --hist */
	bool hist_by_pid;	/* --hist-by pid */
	bool intervals;		/* --intervals: the rows of every interval too */
	bool events;		/* --events: every recorded event */
	bool quiet;		/* -q: no capture line on stderr */
};

int report_main(int argc, char **argv);
/* Renders the capture in `in` (seekable, `size` bytes) on out, messages on
 * err. Returns 0, or 2 after one line "vqtrace report: NAME: <what>". */
int report_run(FILE *in, uint64_t size, const char *name, const struct report_opts *o,
	       FILE *out, FILE *err);

#endif
