// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <time.h>

#include "fields.h"
#include "output.h"

char *fmt_count(char *buf, size_t len, unsigned long long v, int width)
{
	static const char units[] = "kMGTPE";
	double d = (double)v;
	int u = -1;

	if (width < 5)
		width = 5;	/* a u64 needs 5 at most: "18.4E" */
	snprintf(buf, len, "%llu", v);
	if ((int)strlen(buf) <= width)
		return buf;
	do {
		d /= 1000.0;
		u++;
		snprintf(buf, len, "%.1f%c", d, units[u]);
	} while ((int)strlen(buf) > width && u < 5);
	return buf;
}

void output_table(FILE *f, const struct vqtable *t, bool total, double seconds)
{
	char ts[16], c[7][24], supp[8], ratio[12], flags[32], q[24], tap[24];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	fprintf(f, "%s %s %.2fs\n", ts, total ? "TOTAL over" : "interval", seconds);
	fprintf(f, "%-7s %-6s %-6s %-7s %6s %7s %6s %6s %5s %8s %s\n", "PID", "DEV", "Q", "TAP",
		"KICKS", "USED", "NOTIFY", "SIGNAL", "SUPP%", "USED/SIG", "FLAGS");
	for (size_t i = 0; i < t->n; i++) {
		const struct vq_row *r = &t->rows[i];
		struct vq_stats d;

		vq_row_view(r, total, &d);
		if (d.notifies)
			snprintf(supp, sizeof(supp), "%.1f", 100.0 * d.suppressed / d.notifies);
		else
			snprintf(supp, sizeof(supp), "-");
		if (d.signals && d.used / d.signals < 100000)
			snprintf(ratio, sizeof(ratio), "%.1f", (double)d.used / d.signals);
		else if (d.signals)
			fmt_count(ratio, sizeof(ratio), d.used / d.signals, 8);
		else
			snprintf(ratio, sizeof(ratio), "-");
		snprintf(q, sizeof(q), "%d:%.3s", r->cur.queue, r->id.dir);
		/* the tap and, past the first, the queue pair: tap0, tap0/1 */
		if (!r->tap[0])
			snprintf(tap, sizeof(tap), "-");
		else if (r->qp > 0)
			snprintf(tap, sizeof(tap), "%.4s/%d", r->tap, r->qp);
		else
			snprintf(tap, sizeof(tap), "%.7s", r->tap);
		flags_codes(&r->flags, total, flags, sizeof(flags), 6);
		fprintf(f, "%-7u %-6.6s %-6s %-7.7s %6s %7s %6s %6s %5s %8.8s %s\n", r->cur.owner_tgid,
			r->devname, q, tap,
			t->kick_side ? fmt_count(c[0], sizeof(c[0]), d.kicks, 6) : "-",
			fmt_count(c[1], sizeof(c[1]), d.used, 7),
			fmt_count(c[2], sizeof(c[2]), d.notifies, 6),
			fmt_count(c[3], sizeof(c[3]), d.signals, 6), supp, ratio, flags);
	}
	if (!t->n)
		fprintf(f, "(no vhost virtqueue activity seen yet)\n");
	fputc('\n', f);
	fflush(f);
}

void output_probe_table(FILE *f, const struct vq_global *g)
{
	char why[256];

	for (size_t i = 0; i < vq_n_global_fields; i++) {
		const struct vq_global_field *v = &vq_global_fields[i];
		unsigned long long n = vq_global_get(g, v);

		if (!v->loss || !n)
			continue;
		fputs("vqtrace: ", f);
		fprintf(f, v->loss, n);
		fputc('\n', f);
	}
	if (vq_global_incomplete(g, why, sizeof(why)))
		fprintf(f, "vqtrace: the counts above are INCOMPLETE (%s): vqtrace did not see everything vhost did; exit status %d\n",
			why, VQ_EXIT_INCOMPLETE);
}
