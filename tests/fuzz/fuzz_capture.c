// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for the capture reader and everything `vqtrace report`
 * does with what it read (the vq table, the flags' judge, the table, JSON,
 * histogram and event outputs). Any input must give status 0 or 2, never a
 * crash, a sanitizer report or a huge allocation (-malloc_limit_mb).
 *
 *   make fuzz-capture                 # seeds in tests/fuzz/corpus/capture
 *   .output/fuzz/fuzz_capture FILE    # replay one input
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "report.h"

static FILE *sink(void)
{
	static FILE *null;

	if (!null)
		null = fopen("/dev/null", "w");
	return null;
}

static void run(const uint8_t *data, size_t size, const struct report_opts *o)
{
	FILE *in = fmemopen((void *)data, size, "rb");
	int rc;

	if (!in)
		return;
	rc = report_run(in, size, "fuzz", o, sink(), sink());
	fclose(in);
	if (rc != 0 && rc != 2)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct report_opts opts[] = {
		{ .json = true, .events = true, .intervals = true },
		{ .events = true, .intervals = true, .hist = true },
		{ .json = true, .hist = true, .hist_by_pid = true },
	};

	if (!size || !sink())
		return 0;	/* fmemopen needs a byte; empty files are unit-tested */
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		run(data, size, &opts[i]);
	return 0;
}
