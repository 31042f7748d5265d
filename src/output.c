// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output.h"

void output_rows(FILE *f, const struct vqtable *t, const struct output_fmt *fmt, bool total,
		 double seconds)
{
	if (fmt->json) {
		output_json(f, t, total, seconds);
		return;
	}
	output_table(f, t, total, seconds);
	if (fmt->hist)
		output_hist(f, t, total, fmt->hist_by_pid);
}
