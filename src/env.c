// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "env.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flags.h"
#include "hist.h"
#include "http.h"
#include "version.h"

static const char usage_text[] =
"Usage: vqtrace [OPTIONS] [-- COMMAND [ARGS...]]\n"
"       vqtrace explain [OPTIONS]      (decide one notification by hand)\n"
"\n"
"Traces the in-kernel vhost (vhost_net, vhost_scsi, vhost_vsock) and shows,\n"
"per virtqueue, how many used entries vhost gave the guest, how often it\n"
"asked whether to interrupt the guest, and how often it did. Counting is done\n"
"in the kernel; userspace reads the totals once per interval.\n"
"\n"
"Target:\n"
"  -p, --pid PID[,PID...]  only vhost devices owned by these processes\n"
"                          (e.g. $(pidof qemu-system-x86_64)); default: all\n"
"  -- COMMAND [ARGS...]    run COMMAND, trace the devices it (or a descendant)\n"
"                          owns from its first buffer, exit when it exits with\n"
"                          its exit status\n"
"      --descendants       with -p, also devices owned by descendants\n"
"Output:\n"
"  -i, --interval SEC      print a table (or JSON lines) every SEC seconds\n"
"                          (default 1; fractions allowed)\n"
"  -d, --duration SEC      stop after SEC seconds\n"
"  -j, --json              NDJSON on stdout: {\"type\":\"interval\"} per vq per\n"
"                          interval, {\"type\":\"total\"} per vq at exit, one\n"
"                          {\"type\":\"probe\"} with the probes' own counters\n"
"  -T, --totals-only       no interval output, only the totals at exit\n"
"      --hist              log2 histograms per vq (below), per interval and at\n"
"                          exit; JSON lines carry them as \"hist\": {name:\n"
"                          [[lo, hi, count], ...]} (lo < v <= hi; 0 and 1 alone)\n"
"      --hist-by pid|vq    with --hist: merge each process's vqs, or not\n"
"      --prometheus [ADDR:]PORT\n"
"                          also serve the totals since start as Prometheus\n"
"                          metrics at http://ADDR:PORT/metrics, refreshed every\n"
"                          interval; ADDR: 127.0.0.1 unless given (IPv4 or\n"
"                          [IPv6], e.g. 9100, 0.0.0.0:9100, [::1]:9100)\n"
"  -q, --quiet             no informational messages on stderr\n"
"  -v, --verbose           say which hook uses which mode and symbol and why;\n"
"                          -vv adds libbpf's debug output\n"
"Tuning:\n"
"  -m, --max-vqs N         virtqueues tracked at most (default 4096); more are\n"
"                          not counted and the overflow is reported\n"
"      --stall-ms MS       NO_SIGNAL_STALL after MS milliseconds (default 1000)\n"
"      --add-used-mode fentry|kprobe\n"
"                          force how __vhost_add_used_n is hooked (default:\n"
"                          fentry where it has BTF, else kprobe)\n"
"  -h, --help              this text;  -V, --version  the version\n"
"\n"
"Counters (per vq; per interval in interval output, since start in totals):\n"
"  adds               calls of __vhost_add_used_n (vhost publishing a batch)\n"
"  used               used entries those calls added (buffers given back)\n"
"  notifies           calls of vhost_notify (vhost asking: interrupt now?)\n"
"  signals            vhost_notify returned true: the guest was interrupted\n"
"  suppressed         vhost_notify returned false: the interrupt was skipped\n"
"  wrap_checks        times (u16)(new - signalled_used) < (u16)(new - old)\n"
"                     held inside __vhost_add_used_n (the u16 wrap check)\n"
"  invalidations      signalled_used_valid true on entry and false on exit\n"
"                     of __vhost_add_used_n (the wrap check fired)\n"
"  stale_signals      notifies on an EVENT_IDX ring entered with\n"
"                     signalled_used_valid false: vhost signalled without\n"
"                     looking at used_event (0 without EVENT_IDX)\n"
"  event_read_errors  the guest's used_event (or avail flags) could not be read\n"
"State (last seen: after the last add_used, or the inputs of the last notify):\n"
"  last_used_idx, signalled_used, signalled_used_valid, used_event, avail_idx,\n"
"  features.  Table: SUPP% = suppressed/notifies, USED/SIG = used/signals.\n"
"  Cross-check: each decision is judged by the virtio rules on the inputs it\n"
"  was entered with; lost_notify and spurious_notify count disagreements,\n"
"  model_races the calls where the guest rewrote used_event meanwhile.\n"
"\n"
"Histograms (--hist):\n";

static const char usage_flags[] =
"\n"
"Flags (FLAGS column, \"flags\" in JSON, a line on stderr when first raised;\n"
"events are counted per occurrence, states (ES, NW, AO, NS) per episode):\n";

static const char usage_examples[] =
"\n"
"Examples:\n"
"  sudo vqtrace -p $(pidof qemu-system-x86_64)     # one table per second\n"
"  sudo vqtrace -j -d 10 -p 1234 > vq.ndjson       # 10 s of JSON lines\n"
"  sudo vqtrace -T -- ./my-vhost-test              # totals of one run\n";

void env_usage(void)
{
	fputs(usage_text, stdout);
	hist_help(stdout);
	fputs(usage_flags, stdout);
	flags_help(stdout);
	fputs(usage_examples, stdout);
}

enum { OPT_DESCENDANTS = 1000, OPT_ADD_MODE, OPT_STALL_MS, OPT_HIST, OPT_HIST_BY };

enum { OPT_PROMETHEUS = 1100 };

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "descendants", no_argument, NULL, OPT_DESCENDANTS },
	{ "interval", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "totals-only", no_argument, NULL, 'T' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "max-vqs", required_argument, NULL, 'm' },
	{ "add-used-mode", required_argument, NULL, OPT_ADD_MODE },
	{ "stall-ms", required_argument, NULL, OPT_STALL_MS },
	{ "hist", no_argument, NULL, OPT_HIST },
	{ "hist-by", required_argument, NULL, OPT_HIST_BY },
	{ "prometheus", required_argument, NULL, OPT_PROMETHEUS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

#define BAD(...) do { fprintf(stderr, "vqtrace: " __VA_ARGS__); fputc('\n', stderr); return 2; } while (0)

static int parse_seconds(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end || !isfinite(*out) || *out <= 0 ? -1 : 0;
}

static int parse_pids(struct env *env, const char *arg)
{
	char *copy = strdup(arg), *rest = copy, *tok, *end;
	int err = 0;

	if (!copy)
		return -1;
	while ((tok = strsep(&rest, ",")) != NULL) {
		long v;

		errno = 0;
		v = strtol(tok, &end, 10);
		if (errno || end == tok || *end || v <= 0 || v > INT_MAX ||
		    env->npids >= VQ_MAX_TARGETS) {
			err = -1;
			break;
		}
		env->pids[env->npids++] = (pid_t)v;
	}
	free(copy);
	return env->npids ? err : -1;
}

int env_parse(struct env *env, int argc, char **argv)
{
	int opt;
	char *end;

	memset(env, 0, sizeof(*env));
	env->interval_s = 1.0;
	env->max_vqs = VQ_DEFAULT_MAX_VQS;
	env->stall_ms = 1000;
	opterr = 0;
	optind = 0;	/* 0, not 1: also forgets a half-read -abc cluster */
	while ((opt = getopt_long(argc, argv, "+p:i:d:jTqvm:hV", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (parse_pids(env, optarg))
				BAD("invalid -p '%s': give process ids (positive integers, at most %d, comma-separated)",
				    optarg, VQ_MAX_TARGETS);
			break;
		case OPT_DESCENDANTS:
			env->descendants = true;
			break;
		case 'i':
			if (parse_seconds(optarg, &env->interval_s) || env->interval_s < 0.01)
				BAD("invalid -i '%s': give the interval in seconds, at least 0.01", optarg);
			break;
		case 'd':
			if (parse_seconds(optarg, &env->duration_s))
				BAD("invalid -d '%s': give the duration in seconds, more than 0", optarg);
			break;
		case 'j':
			env->json = true;
			break;
		case 'T':
			env->totals_only = true;
			break;
		case 'q':
			env->quiet = true;
			break;
		case 'v':
			env->verbose++;
			break;
		case 'm': {
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 1u << 20 || optarg[0] == '-')
				BAD("invalid -m '%s': give a number of virtqueues from 1 to %u", optarg, 1u << 20);
			env->max_vqs = (unsigned int)v;
			break;
		}
		case OPT_HIST:
			env->hist = true;
			break;
		case OPT_HIST_BY:
			if (strcmp(optarg, "pid") && strcmp(optarg, "vq"))
				BAD("invalid --hist-by '%s': use pid or vq", optarg);
			env->hist = true;
			env->hist_by_pid = !strcmp(optarg, "pid");
			break;
		case OPT_STALL_MS: {
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 3600000 || optarg[0] == '-')
				BAD("invalid --stall-ms '%s': give milliseconds from 1 to 3600000", optarg);
			env->stall_ms = (unsigned int)v;
			break;
		}
		case OPT_ADD_MODE:
			if (!strcmp(optarg, "fentry"))
				env->add_mode = ADD_MODE_FENTRY;
			else if (!strcmp(optarg, "kprobe"))
				env->add_mode = ADD_MODE_KPROBE;
			else
				BAD("invalid --add-used-mode '%s': use fentry or kprobe", optarg);
			break;
		case OPT_PROMETHEUS:
			if (http_parse_listen(optarg, env->prom_addr, &env->prom_port))
				BAD("invalid --prometheus '%s': give [ADDR:]PORT, PORT 1..65535, ADDR an IPv4 address or [IPv6] (e.g. 9100, 0.0.0.0:9100, [::1]:9100)",
				    optarg);
			break;
		case 'h':
			env_usage();
			return 1;
		case 'V':
			printf("vqtrace %s\n", VQTRACE_VERSION);
			return 1;
		case '?':
		default:
			if (optopt && optopt < 256)
				BAD("unknown or incomplete option '-%c'; see 'vqtrace --help'", optopt);
			BAD("unknown or incomplete option '%s'; see 'vqtrace --help'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--"))
			BAD("unexpected argument '%s'; put a command after '--' (see 'vqtrace --help')",
			    argv[optind]);
		env->command = &argv[optind];
	} else if (optind > 1 && !strcmp(argv[optind - 1], "--")) {
		BAD("missing COMMAND after '--'; e.g. 'vqtrace -- ./my-test'");
	}
	if (env->command && env->npids)
		BAD("-p and '-- COMMAND' exclude each other; use one");
	if (env->descendants && !env->npids)
		BAD("--descendants needs -p PID");
	if (env->command)
		env->descendants = true;
	return 0;
}
