// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "env.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fields.h"
#include "flags.h"
#include "flight.h"
#include "hooks.h"
#include "vqtrace_events.h"
#include "hist.h"
#include "http.h"
#include "prom.h"
#include "version.h"

static const char usage_text[] =
"Usage: vqtrace [OPTIONS] [-- COMMAND [ARGS...]]\n"
"  or:  vqtrace record -o FILE [OPTIONS] [-- COMMAND [ARGS...]]\n"
"  or:  vqtrace report [--json] [--hist] [--intervals] [--events] FILE\n"
"  or:  vqtrace explain [OPTIONS]\n"
"\n"
"Traces the in-kernel vhost (vhost_net, vhost_vsock and vhost_scsi, each\n"
"checked against a driver's exact counts on Debian's 6.1, 6.12 and 7.3) and\n"
"shows, per virtqueue, how many used entries vhost gave the guest, how often it\n"
"asked whether to interrupt the guest, and how often it did. Counting is done\n"
"in the kernel; userspace reads the totals once per interval.\n"
"\n"
"Target:\n"
"  -p, --pid PID[,PID...] [PID...]\n"
"                          only vhost devices owned by these processes, as\n"
"                          -p $(pidof qemu-system-x86_64) gives them (one or\n"
"                          several, space- or comma-separated); default: all\n"
"  -- COMMAND [ARGS...]    run COMMAND, trace the devices it (or a descendant)\n"
"                          owns from its first buffer, exit when it exits with\n"
"                          its exit status\n"
"      --descendants       with -p, also devices owned by descendants\n"
"      --no-wait           with -p, exit (status 1) at once if none of the\n"
"                          pids holds a vhost device; without it vqtrace says\n"
"                          so and waits for one\n"
"      --follow            with -p, also trace every process of the same names\n"
"                          started after vqtrace (a restarted QEMU, a new VM),\n"
"                          from its first used entry (the kernel takes it by\n"
"                          name and start time), and keep going when the\n"
"                          traced processes exit; when the vhost module is\n"
"                          unloaded (possible with kprobe hooks), wait for it\n"
"                          and attach again. Without it either event ends the\n"
"                          run with totals (status 0)\n"
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
"      --kicks             trace the kick side too: guest kicks, kick handler\n"
"                          runs, notify enables/disables, busy polls (12 more\n"
"                          kprobes, 7 return probes more with --hist; flags\n"
"                          WORKER_STALL, KICK_MISSED and USE_STALL and the\n"
"                          kick side's histograms need it). Without it those\n"
"                          counters are null in JSON, absent in Prometheus\n"
"      --prometheus [ADDR:]PORT\n"
"                          also serve the totals since start as Prometheus\n"
"                          metrics at http://ADDR:PORT/metrics, as of the last\n"
"                          interval (rendered when scraped); ADDR: 127.0.0.1\n"
"                          unless given (IPv4 or [IPv6], e.g. 9100,\n"
"                          0.0.0.0:9100, [::1]:9100)\n"
"      --prom-by vq|pid    with --prometheus: one series per vq (default), or\n"
"                          one per process (pid label only: counters, flags\n"
"                          and histograms summed; no state gauges)\n"
"      --prom-max-hist N   with --prometheus: --hist histograms of at most N\n"
"                          label sets (vqs, or pids), the first in label\n"
"                          order (default 128); the rest are counted in\n"
"                          vqtrace_prom_hist_series_dropped. One label set\n"
"                          is 220 histogram series (396 with --kicks)\n"
"  -q, --quiet             no informational messages on stderr\n"
"  -v, --verbose           say which hook uses which mode and symbol and why;\n"
"                          -vv adds libbpf's debug output\n"
"Tuning:\n"
"  -m, --max-vqs N         live virtqueues tracked at most (default 4096);\n"
"                          more are not counted and the overflow is\n"
"                          reported (torn-down ones free their place)\n"
"      --stall-ms MS       the time-based flags (NS, ES, WS, KM, US) after MS\n"
"                          milliseconds (default 1000); a wait is timed from\n"
"                          the vq's next call or read that finds it open, at\n"
"                          most one interval after it began\n"
"      --add-used-mode fentry|kprobe|MODE\n"
"                          force how vhost publishing used entries is\n"
"                          hooked: BPF trampolines (fentry/fexit) or\n"
"                          kprobes, or one mode by name (fentry-n,\n"
"                          kprobe-n, fexit-split, kprobe-split, kprobe-wrap;\n"
"                          -v says\n"
"                          which the kernel gets by default, and why).\n"
"                          Without it a trampoline that fails to load or\n"
"                          attach falls back to kprobes\n"
"Events (one per add_used and per notify call, through a ring buffer):\n"
"      --events            print every event on stdout: time, CPU, vq, the\n"
"                          used index before/after, signalled_used, valid\n"
"                          before/after, used_event, avail indexes, features,\n"
"                          the decision, the counters and flags it moved; with\n"
"                          -j one {\"type\":\"event\"} object each. Events lost\n"
"                          to a full ring buffer are counted and reported\n"
"      --sample N          keep 1 in N of each vq's events, plus every event\n"
"                          that moved a flag or error counter (not model_races)\n"
"      --ringbuf-kb K      ring buffer size in KiB, a power of two (default\n"
"                          4096, at least one page)\n"
"      --trigger FLAG[,FLAG...]\n"
"                          flight recorder: keep each vq's last events and\n"
"                          write them out when one of these flags (names or\n"
"                          codes below, or all) is raised on it; goes on\n"
"      --keep N            events kept per vq for --trigger (default 256)\n"
"      --trigger-out FILE  append the dumps to FILE (default: stderr)\n"
"Record and report:\n"
"  vqtrace record -o FILE [OPTIONS] [-- COMMAND]\n"
"                          trace as above (-T implied) and write the events\n"
"                          and counters to FILE, a binary capture\n"
"  vqtrace report [--json] [--hist] [--intervals] [--events] FILE\n"
"                          print from FILE the totals (and histograms,\n"
"                          interval rows, events) the live run printed\n"
"  vqtrace explain [OPTIONS]\n"
"                          decide one notification by hand by the virtio\n"
"                          rules (vqtrace explain --help)\n"
"  -h, --help              this text;  -V, --version  the version\n"
"\n"
"Counters (per vq; per interval in interval output, since start in totals;\n"
"the JSON key is the name, Prometheus vqtrace_NAME_total):\n";

static const char usage_state[] =
"State (last seen: after the last add_used, or the inputs of the last notify;\n"
"JSON keys, also event_idx: EVENT_IDX negotiated):\n";

static const char usage_judge[] =
"  Table: SUPP% = suppressed/notifies, USED/SIG = used/signals.\n"
"  Cross-check: each decision is judged by the virtio rules on the inputs it\n"
"  was entered with; lost_notify and spurious_notify count disagreements,\n"
"  model_races the disagreements where the guest had rewritten used_event\n"
"  (or avail flags) by the return, which are not judged.\n"
"\n"
"Probe health (whole run; the {\"type\":\"probe\"} JSON object, Prometheus\n"
"vqtrace_probe_NAME_total; in table mode the losses among them are said on\n"
"stderr at exit when non-zero). When one that says \"incomplete\" is not 0,\n"
"vqtrace missed some of what vhost did: it says so on stderr when it first\n"
"sees it and at exit, the probe object has \"complete\": false and\n"
"\"incomplete\": \"why\", Prometheus vqtrace_complete is 0, and the exit\n"
"status is 3:\n";

static const char usage_hist[] =
"\n"
"Histograms (--hist):\n";

static const char usage_flags[] =
"\n"
"Flags (FLAGS column, \"flags\" in JSON, a line on stderr when first raised;\n"
"events are counted per occurrence, states (ES, NW, AO, NS) per episode):\n";

static const char usage_examples[] =
"\n"
"Exit status: 0 done; 1 nothing to trace (--no-wait) or a run-time error;\n"
"2 bad usage; 3 the counts are incomplete (see Probe health); with\n"
"-- COMMAND the command's status when it failed, else 3 or 0.\n"
"\n"
"Privileges: root, or exactly CAP_SYS_ADMIN and CAP_SYSLOG (measured on\n"
"Linux 6.1, 6.12 and 7.3): CAP_SYS_ADMIN lists the kernel's BTF objects,\n"
"the only way to the vhost module's BTF, and covers CAP_BPF and CAP_PERFMON;\n"
"CAP_SYSLOG shows /proc/kallsyms addresses (needless when\n"
"kernel.kptr_restrict=0 and kernel.perf_event_paranoid <= 1). As another\n"
"user: setpriv --reuid=UID --inh-caps=+sys_admin,+syslog\n"
"--ambient-caps=+sys_admin,+syslog vqtrace ... Without one of them vqtrace\n"
"names it in one line and exits 1. -p PID of another user also wants\n"
"CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, only to look for the process's\n"
"vhost device (--no-wait); without them it says so and traces on.\n"
"\n"
"Examples:\n"
"  sudo vqtrace -p $(pidof qemu-system-x86_64)     # one table per second\n"
"  sudo vqtrace -j -d 10 -p 1234 > vq.ndjson       # 10 s of JSON lines\n"
"  sudo vqtrace -T -- ./my-vhost-test              # totals of one run\n";

void env_usage(void)
{
	fputs(usage_text, stdout);
	vq_fields_help(stdout, true);
	fputs(usage_state, stdout);
	vq_fields_help(stdout, false);
	fputs(usage_judge, stdout);
	vq_globals_help(stdout);
	fputs(usage_hist, stdout);
	hist_help(stdout);
	fputs(usage_flags, stdout);
	flags_help(stdout);
	fputs(usage_examples, stdout);
}

enum { OPT_DESCENDANTS = 1000, OPT_ADD_MODE, OPT_STALL_MS, OPT_HIST, OPT_HIST_BY, OPT_KICKS, OPT_FOLLOW,
       OPT_NO_WAIT };

enum { OPT_PROMETHEUS = 1100, OPT_PROM_BY, OPT_PROM_MAX_HIST };

enum { OPT_EVENTS = 1200, OPT_SAMPLE, OPT_RINGBUF_KB, OPT_TRIGGER, OPT_KEEP, OPT_TRIGGER_OUT };

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "descendants", no_argument, NULL, OPT_DESCENDANTS },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
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
	{ "kicks", no_argument, NULL, OPT_KICKS },
	{ "prometheus", required_argument, NULL, OPT_PROMETHEUS },
	{ "prom-by", required_argument, NULL, OPT_PROM_BY },
	{ "prom-max-hist", required_argument, NULL, OPT_PROM_MAX_HIST },
	{ "events", no_argument, NULL, OPT_EVENTS },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "ringbuf-kb", required_argument, NULL, OPT_RINGBUF_KB },
	{ "trigger", required_argument, NULL, OPT_TRIGGER },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "trigger-out", required_argument, NULL, OPT_TRIGGER_OUT },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* One line whatever the argument held: control characters become '?'. */
#define BAD(...)							\
	do {								\
		char __m[512];						\
		snprintf(__m, sizeof(__m), __VA_ARGS__);		\
		for (char *__p = __m; *__p; __p++)			\
			if ((unsigned char)*__p < 0x20 || *__p == 0x7f)	\
				*__p = '?';				\
		fprintf(stderr, "vqtrace: %s\n", __m);			\
		return 2;						\
	} while (0)

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

/* A decimal in [lo, hi]; 0 or -1. */
static int parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int parse_ringbuf_kb(const char *s, unsigned int *out)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned int min = page > 1024 ? (unsigned int)(page / 1024) : 1;

	if (parse_uint(s, min, VQ_EV_MAX_RINGBUF_KB, out) || (*out & (*out - 1)))
		return -1;
	return 0;
}

/* The options of events, sampling and triggers go together. */
static int check_events(const struct env *env, bool record)
{
	bool events = env->events || env->trigger_mask || record;

	if ((env->sample || env->ringbuf_kb) && !events)
		BAD("--sample and --ringbuf-kb need --events, --trigger or 'vqtrace record'");
	if ((env->keep || env->trigger_out) && !env->trigger_mask)
		BAD("--keep and --trigger-out need --trigger FLAG");
	if (record && !env->record_path)
		BAD("vqtrace record needs -o FILE; e.g. 'vqtrace record -o vq.cap -p PID'");
	return 0;
}

static int parse(struct env *env, int argc, char **argv, bool record)
{
	int opt;
	char *end;

	memset(env, 0, sizeof(*env));
	env->interval_s = 1.0;
	env->max_vqs = VQ_DEFAULT_MAX_VQS;
	env->stall_ms = 1000;
	env->add_hook = -1;
	env->prom_max_hist = PROM_DEFAULT_MAX_HIST;
	opterr = 0;
	optind = 0;	/* 0, not 1: also forgets a half-read -abc cluster */
	while ((opt = getopt_long(argc, argv, "+p:i:d:jTqvm:o:hV", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (parse_pids(env, optarg))
				BAD("invalid -p '%s': give process ids (positive integers, at most %d, comma-separated)",
				    optarg, VQ_MAX_TARGETS);
			/* -p $(pidof qemu-system-x86_64) with several VMs: the
			 * pids come as separate words. */
			while (optind < argc && argv[optind][0] &&
			       strspn(argv[optind], "0123456789,") == strlen(argv[optind]))
				if (parse_pids(env, argv[optind++]))
					BAD("invalid -p '%s': give process ids (positive integers, at most %d, comma-separated)",
					    argv[optind - 1], VQ_MAX_TARGETS);
			break;
		case OPT_DESCENDANTS:
			env->descendants = true;
			break;
		case OPT_FOLLOW:
			env->follow = true;
			break;
		case OPT_NO_WAIT:
			env->no_wait = true;
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
		case OPT_KICKS:
			env->kicks = true;
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
			else if ((env->add_hook = add_hook_by_name(optarg)) < 0)
				BAD("invalid --add-used-mode '%s': use fentry, kprobe or one of %s",
				    optarg, add_hook_names());
			break;
		case OPT_PROMETHEUS:
			if (http_parse_listen(optarg, env->prom_addr, &env->prom_port))
				BAD("invalid --prometheus '%s': give [ADDR:]PORT, PORT 1..65535, ADDR an IPv4 address or [IPv6] (e.g. 9100, 0.0.0.0:9100, [::1]:9100)",
				    optarg);
			break;
		case OPT_PROM_BY:
			if (strcmp(optarg, "pid") && strcmp(optarg, "vq"))
				BAD("invalid --prom-by '%s': use pid or vq", optarg);
			env->prom_by_set = true;
			env->prom_by_pid = !strcmp(optarg, "pid");
			break;
		case OPT_PROM_MAX_HIST:
			if (parse_uint(optarg, 0, PROM_MAX_MAX_HIST, &env->prom_max_hist))
				BAD("invalid --prom-max-hist '%s': give a number of label sets from 0 to %u",
				    optarg, PROM_MAX_MAX_HIST);
			env->prom_max_hist_set = true;
			break;
		case OPT_EVENTS:
			env->events = true;
			break;
		case OPT_SAMPLE:
			if (parse_uint(optarg, 1, VQ_EV_MAX_SAMPLE, &env->sample))
				BAD("invalid --sample '%s': give N from 1 to %u (keep 1 in N events)",
				    optarg, VQ_EV_MAX_SAMPLE);
			break;
		case OPT_RINGBUF_KB:
			if (parse_ringbuf_kb(optarg, &env->ringbuf_kb))
				BAD("invalid --ringbuf-kb '%s': give a power of two from the page size in KiB (%ld) to %u",
				    optarg, sysconf(_SC_PAGESIZE) / 1024, VQ_EV_MAX_RINGBUF_KB);
			break;
		case OPT_TRIGGER:
			if (flight_parse_flags(optarg, &env->trigger_mask))
				BAD("invalid --trigger '%s': give flag names or codes, comma-separated, or all (see --help)",
				    optarg);
			break;
		case OPT_KEEP:
			if (parse_uint(optarg, 1, VQ_EV_MAX_KEEP, &env->keep))
				BAD("invalid --keep '%s': give a number of events from 1 to %u", optarg,
				    VQ_EV_MAX_KEEP);
			break;
		case OPT_TRIGGER_OUT:
			if (!optarg[0])
				BAD("invalid --trigger-out '': give a file name");
			env->trigger_out = optarg;
			break;
		case 'o':
			if (!record)
				BAD("-o FILE belongs to 'vqtrace record -o FILE ...'");
			if (!optarg[0] || !strcmp(optarg, "-"))
				BAD("invalid -o '%s': give a file name (the capture is binary)", optarg);
			env->record_path = optarg;
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
	if (env->no_wait && !env->npids)
		BAD("--no-wait needs -p PID");
	if (env->follow && env->command)
		BAD("--follow and '-- COMMAND' exclude each other: the run ends with COMMAND");
	if (env->follow && (env->events || env->trigger_mask || record))
		BAD("--follow does not work with --events, --trigger or record yet; drop one");
	if ((env->prom_by_set || env->prom_max_hist_set) && !env->prom_port)
		BAD("--prom-by and --prom-max-hist need --prometheus [ADDR:]PORT");
	if (env->command)
		env->descendants = true;
	if (check_events(env, record))
		return 2;
	if (record)
		env->totals_only = true;
	return 0;
}

int env_parse(struct env *env, int argc, char **argv)
{
	return parse(env, argc, argv, false);
}

int env_parse_record(struct env *env, int argc, char **argv)
{
	return parse(env, argc, argv, true);
}
