/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One tracing session: the BPF object planned, loaded and attached for the
 * vhost module as it is loaded now. A session ends with the module (it can
 * be unloaded under kprobes); --follow then starts a new one when vhost is
 * back. The probes' own counters carry over from session to session. */
#ifndef __VQTRACE_SESSION_H
#define __VQTRACE_SESSION_H

#include "attach.h"
#include "env.h"
#include "ksyms.h"
#include "vqtrace.h"

struct session {
	struct vqtrace_bpf *skel;
	struct attach_plan plan;
	struct vq_global carry;	/* probe counters of the sessions closed so far */
};

/* Reads kallsyms into ks, plans the hooks and opens and configures the BPF
 * object (not loaded yet); prints one line and returns non-zero on error. */
int session_open(struct session *ss, const struct env *env, struct ksyms *ks);
/* Loads the configured object into the kernel. */
int session_load(struct session *ss);
/* Adds owner pids to the filter set. */
int session_add_targets(struct session *ss, const pid_t *pids, int n);
/* Forgets the vqs the filter turned away, so that the next call of each is
 * judged against the filter as it is now (after session_add_targets). */
void session_forget_ignored(struct session *ss);
/* Attaches every hook, saying how long it took with -v. */
int session_attach(struct session *ss);
/* The probes' counters, summed over CPUs and over closed sessions. */
void session_read_global(const struct session *ss, struct vq_global *g);
/* Detaches and unloads; the counters move into carry. */
void session_close(struct session *ss);

#endif
