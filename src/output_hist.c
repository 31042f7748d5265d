// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>

#include "hist.h"
#include "output.h"

static void print_set(FILE *f, const struct vq_hists *h)
{
	for (int i = 0; i < VQ_HIST__COUNT; i++)
		if (hist_count(&h->h[i]))
			hist_print(f, &h->h[i], &hist_defs[i]);
}

void output_hist(FILE *f, const struct vqtable *t, bool total, bool by_pid)
{
	struct vq_hists h, acc;

	for (size_t i = 0; i < t->n; i++) {
		const struct vq_row *r = &t->rows[i];

		if (!by_pid) {
			vq_row_hists(r, total, &h);
			fprintf(f, "pid %u %s %d:%s\n", r->cur.owner_tgid, r->devname, r->cur.queue,
				r->id.dir);
			print_set(f, &h);
			continue;
		}
		/* rows are sorted by pid: merge each pid's run of rows */
		if (i && t->rows[i - 1].cur.owner_tgid == r->cur.owner_tgid)
			continue;
		memset(&acc, 0, sizeof(acc));
		for (size_t j = i; j < t->n && t->rows[j].cur.owner_tgid == r->cur.owner_tgid; j++) {
			vq_row_hists(&t->rows[j], total, &h);
			hist_add_into(&acc, &h);
		}
		fprintf(f, "pid %u (all virtqueues)\n", r->cur.owner_tgid);
		print_set(f, &acc);
	}
	fputc('\n', f);
	fflush(f);
}
