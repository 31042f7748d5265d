// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vqtrace: per-virtqueue notification tracing of the in-kernel vhost.
 * Lifecycle: parse -> preflight -> plan hooks -> open skeleton -> configure
 * -> load -> attach -> (release COMMAND) -> print per interval -> totals. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "attach.h"
#include "child.h"
#include "env.h"
#include "events.h"
#include "explain.h"
#include "http.h"
#include "ksyms.h"
#include "log.h"
#include "output.h"
#include "preflight.h"
#include "prom.h"
#include "report.h"
#include "vqtable.h"
#include "vqtrace.skel.h"

static volatile sig_atomic_t exiting;
/* --events, --trigger, record: the event session (src/events.c), and the
 * clock of the last judge, which a capture replays. */
static struct evsess evs;
static uint64_t judged_ns;
static double judged_wall;

static void on_signal(int sig)
{
	exiting = 1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && log_verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && !log_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A process counts as gone once it is a zombie: its vhost devices were
 * released before it exited. */
static bool pid_alive(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool alive = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		alive = p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	}
	fclose(f);
	return alive;
}

static bool owners_alive(const struct env *env)
{
	for (int i = 0; i < env->npids; i++)
		if (pid_alive(env->pids[i]))
			return true;
	return env->npids == 0;
}

static void print_rows(const struct env *env, const struct vqtable *t, bool total, double secs)
{
	if (env->json) {
		output_json(stdout, t, total, secs);
	} else {
		output_table(stdout, t, total, secs);
		if (env->hist)
			output_hist(stdout, t, total, env->hist_by_pid);
	}
}

static void on_flag_raised(const struct vq_row *r, int flag)
{
	ilog("%s on pid %u %s %d:%s: %s", flag_defs[flag].name, r->cur.owner_tgid, r->devname,
	     r->cur.queue, r->id.dir, flag_defs[flag].help);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Re-reads vhost's state of every live vq (bpf/lifecycle.bpf.h), collects
 * the map and judges the flags. */
static int collect(struct vqtrace_bpf *skel, struct vqtable *t, const struct env *env)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	struct flag_opts fo = { .stall_ns = (uint64_t)env->stall_ms * 1000000ull };
	struct timespec wall;
	int err;

	evsess_drain(&evs);
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.refresh), &topts))
		vlog("state refresh failed: %s", strerror(errno));
	err = vqtable_read_map(t, bpf_map__fd(skel->maps.vqs), bpf_map__fd(skel->maps.retired_vqs));
	if (err) {
		elog("cannot read the vq map: %s", strerror(-err));
		return err;
	}
	clock_gettime(CLOCK_REALTIME, &wall);
	if (env->hist)
		vqtable_read_hists(t, bpf_map__fd(skel->maps.hists));
	judged_ns = mono_ns();
	judged_wall = wall.tv_sec + wall.tv_nsec / 1e9;
	vqtable_judge(t, &fo, judged_ns, judged_wall, env->quiet ? NULL : on_flag_raised);
	return 0;
}

/* The probes' health counters are per CPU: add them up. */
static void read_global(struct vqtrace_bpf *skel, struct vq_global *g)
{
	int ncpu = libbpf_num_possible_cpus();
	struct vq_global *per = ncpu > 0 ? calloc(ncpu, sizeof(*per)) : NULL;
	__u32 zero = 0;

	memset(g, 0, sizeof(*g));
	if (!per || bpf_map__lookup_elem(skel->maps.global, &zero, sizeof(zero), per,
					 ncpu * sizeof(*per), 0)) {
		elog("cannot read the probes' own counters: %s", strerror(errno));
		free(per);
		return;
	}
	for (int c = 0; c < ncpu; c++) {
		const __u64 *src = (const __u64 *)&per[c];
		__u64 *dst = (__u64 *)g;

		for (size_t i = 0; i < sizeof(*g) / sizeof(__u64); i++)
			dst[i] += src[i];
	}
	free(per);
}

static int load_ksyms(struct ksyms *ks)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	int err;

	if (!f) {
		elog("cannot read /proc/kallsyms: %s", strerror(errno));
		return -1;
	}
	err = ksyms_load(ks, f);
	fclose(f);
	if (err) {
		elog("cannot load /proc/kallsyms: %s", strerror(-err));
		return -1;
	}
	if (ks->zero_addrs) {
		elog("/proc/kallsyms shows no addresses (kernel.kptr_restrict): run as root or set kernel.kptr_restrict=1");
		return -1;
	}
	return 0;
}

static int set_targets(struct vqtrace_bpf *skel, const struct env *env, pid_t child)
{
	__u8 one = 1;

	for (int i = 0; i < env->npids; i++) {
		__u32 pid = env->pids[i];

		if (bpf_map__update_elem(skel->maps.targets, &pid, sizeof(pid), &one, 1, 0))
			return -1;
	}
	if (child > 0) {
		__u32 pid = child;

		return bpf_map__update_elem(skel->maps.targets, &pid, sizeof(pid), &one, 1, 0);
	}
	return 0;
}

/* --prometheus: the main loop renders a snapshot every interval and the
 * HTTP thread serves the latest one; it never touches the table or maps. */
static struct http_server *metrics_server;
static struct prom_buf metrics_buf;

static int metrics_start(const struct env *env)
{
	char where[HTTP_ADDR_LEN + 16];
	int e = 0;

	if (!env->prom_port)
		return 0;
	http_format_addr(env->prom_addr, env->prom_port, where, sizeof(where));
	metrics_server = http_start(env->prom_addr, env->prom_port, &e);
	if (!metrics_server) {
		elog("cannot listen on %s: %s; %s", where, strerror(e), http_listen_hint(e));
		return -1;
	}
	ilog("serving Prometheus metrics at http://%s/metrics", where);
	return 0;
}

static void metrics_publish(struct vqtrace_bpf *skel, const struct vqtable *t)
{
	struct prom_prog progs[32];
	struct vq_global g;
	size_t n;

	if (!metrics_server)
		return;
	read_global(skel, &g);
	n = prom_read_progs(skel->obj, progs, sizeof(progs) / sizeof(progs[0]));
	if (prom_render(&metrics_buf, t, &g, progs, n) ||
	    http_publish(metrics_server, metrics_buf.s, metrics_buf.len))
		elog("cannot render the Prometheus metrics: out of memory");
}

static void metrics_stop(void)
{
	http_stop(metrics_server);
	metrics_server = NULL;
	prom_buf_free(&metrics_buf);
}

/* Sleeps until `deadline` (monotonic seconds) or until something ends the run. */
static void wait_until(double deadline, struct child *c)
{
	while (!exiting) {
		double left = deadline - mono_s();
		struct timespec ts;

		if (left <= 0 || (c && child_poll(c)))
			return;
		if (left > 0.05)
			left = 0.05;
		if (evs.on) {
			evsess_wait(&evs, left);
			continue;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e9);
		nanosleep(&ts, NULL);
	}
}

static int run(struct env *env)
{
	struct vqtrace_bpf *skel = NULL;
	struct attach_plan plan;
	struct child child = { .pid = -1, .go_fd = -1 };
	struct vqtable table;
	struct ksyms ks = {};
	struct vq_global g;
	double start, next, stop_at = 0, secs;
	int err = 1, rc;

	rc = preflight(env);
	if (rc)
		return rc;
	if (metrics_start(env))
		return 1;
	if (evsess_prepare(&evs, env))
		goto cleanup_ksyms;
	if (load_ksyms(&ks) || attach_plan(&plan, &ks, env->add_mode))
		goto cleanup_ksyms;
	vqtable_init(&table, &ks);
	table.hist = env->hist;

	skel = vqtrace_bpf__open();
	if (!skel) {
		elog("cannot open the BPF object: %s", strerror(errno));
		goto cleanup;
	}
	skel->rodata->filter_owner = env->npids > 0 || env->command;
	skel->rodata->filter_descendants = env->descendants;
	bpf_map__set_max_entries(skel->maps.vqs, env->max_vqs);
	bpf_map__set_max_entries(skel->maps.ignored_vqs, env->max_vqs);
	bpf_map__set_max_entries(skel->maps.overflow_vqs, env->max_vqs);
	bpf_map__set_max_entries(skel->maps.retired_vqs, env->max_vqs);
	/* Histograms take 1.7 KiB per vq: no room for them unless asked. */
	skel->rodata->want_hist = env->hist;
	bpf_map__set_max_entries(skel->maps.hists, env->hist ? env->max_vqs : 1);
	evsess_configure(&evs, env, skel);
	if (attach_configure(&plan, skel)) {
		elog("cannot configure the BPF programs: %s", strerror(errno));
		goto cleanup;
	}
	if (vqtrace_bpf__load(skel)) {
		elog("cannot load the BPF programs (%s): run with -vv to see the verifier log",
		     strerror(errno));
		goto cleanup;
	}
	if (env->command && child_start(&child, env->command)) {
		elog("cannot start '%s': %s", env->command[0], strerror(errno));
		goto cleanup;
	}
	if (set_targets(skel, env, child.pid)) {
		elog("cannot set the pid filter: %s", strerror(errno));
		goto cleanup;
	}
	if (evsess_start(&evs, env, skel, &table, &plan))
		goto cleanup;
	start = mono_s();
	if (attach_links(&plan, skel))
		goto cleanup;
	vlog("attached %zu hooks in %.3f s", plan.n_links, mono_s() - start);
	if (env->command && child_release(&child)) {
		elog("cannot release '%s': %s", env->command[0], strerror(errno));
		goto cleanup;
	}
	if (!env->command)
		ilog("tracing vhost%s; Ctrl-C to stop", env->npids ? " of the given pids" : "");

	metrics_publish(skel, &table);
	start = mono_s();
	next = start + env->interval_s;
	if (env->duration_s > 0)
		stop_at = start + env->duration_s;
	while (!exiting) {
		double until = stop_at && stop_at < next ? stop_at : next;
		bool last;

		wait_until(until, env->command ? &child : NULL);
		last = exiting || (stop_at && mono_s() >= stop_at) ||
		       (env->command && child.exited) || !owners_alive(env);
		if (last)
			break;
		if (mono_s() < next)
			continue;
		if (collect(skel, &table, env))
			goto cleanup;
		secs = mono_s() - (next - env->interval_s);
		evsess_snapshot(&evs, judged_ns, judged_wall, secs, false);
		if (!env->totals_only)
			print_rows(env, &table, false, secs);
		vqtable_mark_printed(&table);
		metrics_publish(skel, &table);
		next += env->interval_s;
	}
	if (env->npids && !owners_alive(env))
		ilog("the traced process%s exited", env->npids > 1 ? "es" : "");
	/* The owner's devices are released by the time it is reaped, so the
	 * maps now hold everything it did. With events, no call may count
	 * after the last read: every one must be an event, lost or sampled. */
	if (evs.on)
		attach_detach(&plan);
	if (collect(skel, &table, env))
		goto cleanup;
	secs = mono_s() - start;
	evsess_snapshot(&evs, judged_ns, judged_wall, secs, true);
	read_global(skel, &g);
	metrics_publish(skel, &table);
	print_rows(env, &table, true, secs);
	if (env->json) {
		char add_hook[160], notify_hook[160];

		attach_describe(&plan, add_hook, sizeof(add_hook), notify_hook, sizeof(notify_hook));
		output_probe_json(stdout, &g, env->max_vqs, add_hook, notify_hook);
	}
	else
		output_probe_table(stderr, &g);
	vlog("vhost_notify: vq found in argument 1 %llu times, argument 2 %llu times",
	     (unsigned long long)g.notify_arg1, (unsigned long long)g.notify_arg2);
	err = evsess_finish(&evs, &g);
cleanup:
	attach_detach(&plan);
	evsess_free(&evs);
	vqtrace_bpf__destroy(skel);
	vqtable_free(&table);
	if (env->command) {
		child_stop(&child);
		if (!err && child.exited)
			err = child_exit_code(&child);
	}
cleanup_ksyms:
	ksyms_free(&ks);
	metrics_stop();
	evsess_free(&evs);
	return err;
}

int main(int argc, char **argv)
{
	struct env env;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "explain"))
		return explain_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "report"))
		return report_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "record"))
		rc = env_parse_record(&env, argc - 1, argv + 1);
	else
		rc = env_parse(&env, argc, argv);
	if (rc)
		return rc == 1 ? 0 : rc;
	log_verbose = env.verbose;
	log_quiet = env.quiet;
	libbpf_set_print(libbpf_print);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	return run(&env);
}
