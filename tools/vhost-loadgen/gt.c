// SPDX-License-Identifier: GPL-2.0
/*
 * Ground truth: one JSON line per process, written with a single write()
 * (stdout, or appended to --gt FILE), plus a short human line on stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "loadgen.h"
#include "util.h"

/* Fields of the misbehaviour modes that acted on this queue (misbehave.c). */
static void misbehaviour(struct sbuf *b, const struct lg_vq *vq)
{
	if (vq->event_frozen)
		sb_printf(b, ",\"event_frozen_at\":%u,\"consumed_at_freeze\":%llu",
			  vq->event_frozen_at,
			  (unsigned long long)vq->consumed_at_freeze);
	if (vq->avail_jumped)
		sb_printf(b, ",\"avail_jumped_to\":%u", vq->avail_jumped_to);
	if (vq->backend_resets)
		sb_printf(b, ",\"backend_resets\":%u", vq->backend_resets);
	if (vq->call_off_at && vq->phase >= 1)
		sb_printf(b, ",\"call_off_at\":%llu",
			  (unsigned long long)vq->call_off_at);
}

void gt_begin(struct sbuf *b, const struct lg_opts *o, unsigned round, const char *kind,
	      bool event_idx, bool in_order, double elapsed)
{
	sb_printf(b, "{\"pid\":%d,", (int)getpid());
	if (o->rounds > 1)
		sb_printf(b, "\"round\":%u,", round);
	sb_printf(b, "\"kind\":\"%s\",\"kthread\":%s,\"event_idx\":%s,\"in_order\":%s,"
		  "\"busyloop_us\":%u,\"starve_ms\":%u,\"elapsed_s\":%.6f,\"queues\":[", kind,
		  o->kthread ? "true" : "false", event_idx ? "true" : "false",
		  in_order ? "true" : "false", o->busyloop_us, o->starve_ms, elapsed);
}

void gt_emit(const struct lg_opts *o, struct lg_dev *devs, unsigned ndev,
	     bool event_idx, double elapsed, unsigned round)
{
	char hostile[384];
	struct sbuf b;
	uint64_t tx = 0, rx = 0, irq = 0, kicks = 0, extra = 0, elems = 0;
	unsigned i;
	int q;

	sb_init(&b, 256 + (size_t)ndev * LG_NQ * 768);

	gt_begin(&b, o, round, "net", event_idx, o->in_order, elapsed);
	for (i = 0; i < ndev; i++) {
		for (q = 0; q < LG_NQ; q++) {
			const struct lg_vq *vq = &devs[i].vq[q];

			sb_printf(&b, "%s{\"dev\":%u,\"queue\":%d,\"dir\":\"%s\",\"tap\":\"%s\","
				  "\"completed\":%llu,\"used_elems\":%llu,"
				  "\"interrupts\":%llu,"
				  "\"kicks\":%llu,\"kicks_skipped\":%llu,\"extra\":%llu",
				  (i || q) ? "," : "", i, q,
				  q == LG_Q_RX ? "rx" : "tx", devs[i].ifname,
				  (unsigned long long)vq->completed,
				  (unsigned long long)vq->used_elems,
				  (unsigned long long)vq->interrupts,
				  (unsigned long long)vq->kicks,
				  (unsigned long long)vq->kicks_skipped,
				  (unsigned long long)vq->extra);
			misbehaviour(&b, vq);
			hostile_gt(hostile, sizeof(hostile), vq);
			sb_printf(&b, "%s", hostile);
			sb_printf(&b, "}");
			if (q == LG_Q_RX)
				rx += vq->completed;
			else
				tx += vq->completed;
			irq += vq->interrupts;
			elems += vq->used_elems;
			kicks += vq->kicks;
			extra += vq->extra;
		}
	}
	sb_printf(&b, "]}\n");
	sb_write(&b, o->gt_fd >= 0 ? o->gt_fd : STDOUT_FILENO);

	if (o->rounds > 1)
		fprintf(stderr, "%s[%d]: round %u of %u\n", LG_NAME, (int)getpid(),
			round, o->rounds);
	fprintf(stderr, "%s[%d]: %u device%s, tx %llu rx %llu completed in %.3f s"
		" (%.0f pkt/s), used elements %llu, interrupts %llu, kicks %llu%s%s\n",
		LG_NAME, (int)getpid(), ndev, ndev == 1 ? "" : "s",
		(unsigned long long)tx, (unsigned long long)rx, elapsed,
		elapsed > 0 ? (double)(tx + rx) / elapsed : 0.0,
		(unsigned long long)elems,
		(unsigned long long)irq, (unsigned long long)kicks,
		extra ? ", EXTRA rx frames " : "",
		extra ? "present" : "");
	sb_free(&b);
}
