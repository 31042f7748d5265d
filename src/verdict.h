/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A verdict for a stalled virtqueue: when a flag that means "this queue
 * stopped" is raised, the stage of the round trip where it stopped (the
 * guest did not kick, the worker did not run, vhost did not use the
 * buffers, vhost suppressed the interrupt, the guest stopped consuming),
 * with the indexes that prove it. */
#ifndef __VQTRACE_VERDICT_H
#define __VQTRACE_VERDICT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "vqtable.h"

/* Room for the longest verdict_text, all numbers at their widest. */
#define VERDICT_TEXT_MAX 512

/* The stage a stall flag names, or NULL for a flag that is no stall. */
const char *verdict_stage(int flag);
/* "guest published 37 buffers past ... -> the guest did not kick";
 * false for a flag that is no stall. now_ns: CLOCK_MONOTONIC. */
bool verdict_text(const struct vq_row *r, int flag, uint64_t now_ns, char *buf, size_t len);
/* {"type":"verdict", "pid", "dev", "queue", "dir", "flag", "stage", the
 * indexes...}, or NULL for a flag that is no stall. */
json_t *verdict_json(const struct vq_row *r, int flag, uint64_t now_ns, double ts);

#endif
