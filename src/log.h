/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Messages go to stderr only, so that stdout stays a clean table or JSON
 * stream. elog: errors, always one line. ilog: information (-q hides it).
 * vlog: -v details.
 *
 * Errors in src/: a function that can fail returns 0 on success or a
 * negative errno (-ENOENT, -ENOMEM, ...) that says why; never -1, and
 * never a positive number for an error. A function that prints its error
 * (one elog line) says so in its header, and its caller prints nothing
 * more. Said in their headers, and not errors in this sense: exit
 * statuses (main, run, *_main, preflight, env_parse, evsess_finish,
 * owners_check_devices), counts and lengths (>= 0), pointers (NULL),
 * bools, and a positive "done" next to 0 "go on" where a caller needs
 * both (vhost_reload).
 * Older code that still returns -1 (attach.c, http.c, the capture reader,
 * parsers) follows this when it is next changed. */
#ifndef __VQTRACE_LOG_H
#define __VQTRACE_LOG_H

#include <stdio.h>

extern int log_verbose;
extern int log_quiet;

#define elog(fmt, ...) fprintf(stderr, "vqtrace: " fmt "\n", ##__VA_ARGS__)
#define ilog(fmt, ...) \
	do { if (!log_quiet) fprintf(stderr, "vqtrace: " fmt "\n", ##__VA_ARGS__); } while (0)
#define vlog(fmt, ...) \
	do { if (log_verbose) fprintf(stderr, "vqtrace: " fmt "\n", ##__VA_ARGS__); } while (0)

#endif
