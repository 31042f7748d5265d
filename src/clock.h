/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The clocks userspace reads: seconds of any clock, and the monotonic
 * clock (the one bpf_ktime_get_ns reads) in seconds or nanoseconds. */
#ifndef __VQTRACE_CLOCK_H
#define __VQTRACE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double mono_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

#endif
