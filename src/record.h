/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `vqtrace record`: what a live run writes to its capture file. Each vq's
 * identity once (before anything refers to it), every delivered event, at
 * every interval the counters (and histograms) of the vqs that changed and
 * a SNAP mark with the judge's clock, and at the end the trailer. */
#ifndef __VQTRACE_RECORD_H
#define __VQTRACE_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "evvq.h"
#include "vqtable.h"

struct rec_last;

struct recorder {
	struct cap_writer w;
	bool hist;
	uint32_t n;		/* ids given */
	struct rec_last *last;	/* [id]: what was written last */
	uint32_t cap;
	uint64_t add_used, notify;	/* events written */
};

/* Creates the file (before anything is loaded, to fail early). 0 or -errno. */
int recorder_open(struct recorder *r, const char *path, bool hist);
void recorder_meta(struct recorder *r, const struct cap_meta *m);
/* Writes v's identity unless done; row NULL: only what the event knows. */
void recorder_ident(struct recorder *r, struct evvq *v, const struct vq_row *row,
		    const struct ksyms *ks, const struct vq_event *e);
void recorder_event(struct recorder *r, struct evvq *v, const struct vq_event *e);
/* After an interval's judge: the changed rows, then the SNAP mark. */
void recorder_snapshot(struct recorder *r, struct evvq_set *set, const struct vqtable *t,
		       const struct cap_snap *snap);
/* The trailer (its event counts are the recorder's own), then closes.
 * 0 or the first -errno of the whole recording. */
int recorder_finish(struct recorder *r, struct cap_end *e);
/* Closes without a trailer (error paths). */
void recorder_abort(struct recorder *r);

#endif
