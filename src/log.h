/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Messages go to stderr only, so that stdout stays a clean table or JSON
 * stream. elog: errors, always one line. ilog: information (-q hides it).
 * vlog: -v details. */
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
