/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Command line of the live tracer. */
#ifndef __VQTRACE_ENV_H
#define __VQTRACE_ENV_H

#include <stdbool.h>
#include <sys/types.h>

#include "vqtrace.h"

enum add_mode_req { ADD_MODE_AUTO, ADD_MODE_FENTRY, ADD_MODE_KPROBE };

struct env {
	pid_t pids[VQ_MAX_TARGETS];
	int npids;
	bool descendants;
	bool follow;		/* --follow: new owners of the same name, vhost reloads */
	bool no_wait;		/* --no-wait: -p pids without a vhost device end the run */
	double interval_s;	/* -i */
	double duration_s;	/* -d, 0 = until stopped */
	bool json;
	bool totals_only;
	int verbose;
	bool quiet;
	unsigned int max_vqs;
	unsigned int stall_ms;	/* NO_SIGNAL_STALL threshold */
	bool hist;		/* --hist */
	bool kicks;		/* --kicks: the kick side too */
	bool hist_by_pid;	/* --hist-by pid */
	enum add_mode_req add_mode;
	int add_hook;			/* --add-used-mode NAME: a row of src/hooks.c, or -1 */
	char prom_addr[48];	/* --prometheus address (numeric, HTTP_ADDR_LEN) */
	unsigned int prom_port;	/* --prometheus port, 0 = no endpoint */
	bool prom_by_pid;	/* --prom-by pid */
	bool prom_by_set;	/* --prom-by given (it needs --prometheus) */
	unsigned int prom_max_hist;	/* --prom-max-hist, default PROM_DEFAULT_MAX_HIST */
	bool prom_max_hist_set;
	char **command;		/* after --, NULL if none */
	/* per-call events (src/events.c) */
	bool events;		/* --events: stream every event */
	unsigned int sample;	/* --sample N: keep 1 in N (0 = unset, all) */
	unsigned int ringbuf_kb;	/* --ringbuf-kb, 0 = default */
	unsigned int trigger_mask;	/* --trigger: 1 << enum vq_flag */
	unsigned int keep;	/* --keep: events per vq for --trigger */
	const char *trigger_out;	/* --trigger-out FILE, NULL = stderr */
	const char *record_path;	/* vqtrace record -o FILE */
};

/* Parses argv into env. Returns 0 to run, 1 when it printed --help or
 * --version (exit 0), or 2 after printing a one-line error (exit 2). */
int env_parse(struct env *env, int argc, char **argv);
/* The same for `vqtrace record` (argv[0] "record"): -o FILE is required
 * and -T is implied. */
int env_parse_record(struct env *env, int argc, char **argv);
void env_usage(void);

#endif
