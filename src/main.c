// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vqtrace: per-virtqueue notification tracing of the in-kernel vhost.
 * Lifecycle: parse -> preflight -> session (plan hooks, open, configure,
 * load, attach) -> (release COMMAND) -> print per interval -> totals. The
 * session ends early if vhost is unloaded; --follow starts a new one. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "attach.h"
#include "child.h"
#include "clock.h"
#include "env.h"
#include "events.h"
#include "fields.h"
#include "explain.h"
#include "guest.h"
#include "http.h"
#include "ksyms.h"
#include "log.h"
#include "output.h"
#include "owners.h"
#include "preflight.h"
#include "procs.h"
#include "prom.h"
#include "report.h"
#include "session.h"
#include "verdict.h"
#include "vqtable.h"

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

/* With -j the verdicts of stalled queues go to stdout as well. */
static bool verdicts_json;

static void on_flag_raised(const struct vq_row *r, int flag)
{
	char text[VERDICT_TEXT_MAX];
	json_t *v;

	if (!verdict_text(r, flag, judged_ns, text, sizeof(text))) {
		ilog("%s on pid %u %s %d:%s: %s", flag_defs[flag].name, r->cur.owner_tgid,
		     r->devname, r->cur.queue, r->id.dir, flag_defs[flag].help);
		return;
	}
	ilog("%s: pid %u %s %d:%s stalled: %s", flag_defs[flag].name, r->cur.owner_tgid,
	     r->devname, r->cur.queue, r->id.dir, text);
	if (verdicts_json && (v = verdict_json(r, flag, judged_ns, judged_wall))) {
		json_dumpf(v, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		fflush(stdout);
		json_decref(v);
	}
}

/* The live vqs' histograms lag the table: only --prometheus shows them
 * before the end, and it reads them when it renders (metrics_publish). */
static bool hists_behind;

/* Reads the session's maps into the table (vhost's state of every live
 * vq re-read first) and judges the flags; the live histograms only where
 * something shows or records them now (`final`, tables, events). 0, or
 * -errno after one line. */
static int collect(const struct session *ss, struct vqtable *t, const struct env *env, bool final)
{
	struct flag_opts fo = { .stall_ns = (uint64_t)env->stall_ms * 1000000ull,
				.kick_side = env->kicks };
	bool hists = t->hist && (final || !env->totals_only || evs.on);
	struct timespec wall;
	int err;

	evsess_drain(&evs);
	err = session_read(ss, t, hists);
	hists_behind = t->hist && !hists;
	if (err) {
		elog("cannot read the vq map: %s", strerror(-err));
		return err;
	}
	vqtable_read_guests(t, guest_read_u16);
	clock_gettime(CLOCK_REALTIME, &wall);
	judged_ns = mono_ns();
	judged_wall = wall.tv_sec + wall.tv_nsec / 1e9;
	vqtable_judge(t, &fo, judged_ns, judged_wall, env->quiet ? NULL : on_flag_raised);
	return 0;
}

/* --prometheus: the HTTP thread serves the latest snapshot and never
 * touches the table or maps. The main loop renders one when a scrape finds
 * the table newer than the snapshot (src/http.c), at start and at exit. */
static struct http_server *metrics_server;
static struct prom_buf metrics_buf;

/* 0, or -errno after one line. */
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
		return e > 0 ? -e : -EIO;
	}
	ilog("serving Prometheus metrics at http://%s/metrics", where);
	return 0;
}

/* The probes' counters, and what userspace's own reads of guest memory
 * missed (src/guest.c). */
static void read_global(const struct session *ss, const struct vqtable *t, struct vq_global *g)
{
	session_read_global(ss, g);
	g->guest_read_errors = t->guest_read_errors;
}

/* Says once, as soon as an interval's read shows it, that the counts are
 * incomplete (src/fields.h); true from then on. */
static bool note_incomplete(const struct session *ss, bool *said)
{
	struct vq_global g;
	char why[256];

	if (*said)
		return true;
	session_read_global(ss, &g);
	if (!vq_global_incomplete(&g, why, sizeof(why)))
		return false;
	elog("the counts are INCOMPLETE from here on (%s): vqtrace does not see everything vhost does; see Probe health in --help",
	     why);
	*said = true;
	return true;
}

static void metrics_publish(const struct session *ss, struct vqtable *t,
			    const struct env *env)
{
	static bool said_dropped;
	struct bpf_object *obj = session_object(ss);
	struct prom_opts po = { .by_pid = env->prom_by_pid, .max_hist = env->prom_max_hist };
	struct prom_prog progs[32];
	struct vq_global g;
	size_t n = 0;
	double t0;

	if (!metrics_server)
		return;
	t0 = mono_s();
	if (hists_behind) {	/* a little newer than the counters: no matter */
		session_read_hists(ss, t);
		hists_behind = false;
	}
	read_global(ss, t, &g);
	if (obj)
		n = prom_read_progs(obj, progs, sizeof(progs) / sizeof(progs[0]));
	if (prom_render_opts(&metrics_buf, t, &g, progs, n, &po) ||
	    http_publish(metrics_server, metrics_buf.s, metrics_buf.len))
		elog("cannot render the Prometheus metrics: out of memory");
	else
		vlog("/metrics: rendered %zu bytes in %.1f ms", metrics_buf.len, (mono_s() - t0) * 1e3);
	if (po.hist_dropped && !said_dropped) {
		ilog("--prom-max-hist %u: the histograms of %zu more label sets are left out of /metrics (vqtrace_prom_hist_series_dropped)",
		     env->prom_max_hist, po.hist_dropped);
		said_dropped = true;
	}
}

/* After a collect: the table moved on. */
static void metrics_stale(void)
{
	if (metrics_server)
		http_mark_stale(metrics_server);
}

/* A scrape waits for a render: render it. */
static void metrics_serve(const struct session *ss, struct vqtable *t,
			  const struct env *env)
{
	if (metrics_server && http_render_wanted(metrics_server))
		metrics_publish(ss, t, env);
}

/* Readable while a scrape waits for a render; -1 without --prometheus
 * (poll ignores it). */
static int metrics_fd(void)
{
	return metrics_server ? http_render_fd(metrics_server) : -1;
}

/* Whether a scrape is waiting (poll, no wait). */
static bool metrics_asked(void)
{
	struct pollfd p = { .fd = metrics_fd(), .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

static void metrics_stop(void)
{
	http_stop(metrics_server);
	metrics_server = NULL;
	prom_buf_free(&metrics_buf);
}

/* Sleeps until `deadline` (monotonic seconds), until something ends the
 * run or until a scrape asks for a render. The event ring is drained as
 * events come (in 50 ms steps); a child's exit wakes vqtrace through its
 * pidfd (polled every 50 ms without one); otherwise vqtrace wakes once per
 * interval (a signal cuts the sleep short), which keeps it off the CPU of
 * a busy hypervisor. */
static void wait_until(double deadline, struct child *c)
{
	while (!exiting) {
		double left = deadline - mono_s();
		struct pollfd p[2] = {
			{ .fd = metrics_fd(), .events = POLLIN },
			{ .fd = c ? c->pidfd : -1, .events = POLLIN },
		};

		if (left <= 0 || (c && child_poll(c)))
			return;
		if (((c && c->pidfd < 0) || evs.on) && left > 0.05)
			left = 0.05;
		if (evs.on) {
			evsess_wait(&evs, left);
			if (metrics_asked())
				return;
			continue;
		}
		if (poll(p, 2, (int)(left * 1000) + 1) > 0 && p[0].revents)
			return;
	}
}

#define FOLLOW_POLL_S 0.25

/* Says when a vhost driver (vhost_net, ...) comes or goes: the hooks are in
 * the vhost core, so tracing goes on, but the user should know why a
 * device's rows ended. */
static void note_drivers(unsigned int *was)
{
	unsigned int now = vhost_drivers_loaded();

	for (int i = 0; i < VHOST_NDRIVERS; i++) {
		if ((*was ^ now) & (1u << i))
			ilog("%s was %s; tracing goes on (the hooks are in vhost)",
			     vhost_driver_name(i), now & (1u << i) ? "loaded" : "unloaded");
	}
	*was = now;
}

/* Sets up a session for the vhost module loaded again; pids are the owners
 * to trace (-p's, or those --follow found). It has no events: the event
 * ring read to the end is the first session's. */
static int start_session(struct session *ss, const struct env *env, struct ksyms *ks,
			 const pid_t *pids, int npids)
{
	int err = session_open(ss, env, ks, NULL);

	if (!err)
		err = session_load(ss);
	if (!err)
		err = session_add_targets(ss, pids, npids);
	if (!err)
		err = session_attach(ss);
	return err;
}

/* --follow with -p: tells the kernel the names to take new processes by
 * (when they changed, or for a new session). 0, or -errno after one line. */
static int follow_names(struct owners *o, struct session *ss, bool new_session)
{
	int err;

	if (!o->nfollow || (!o->follow_changed && !new_session))
		return 0;
	err = session_follow_names(ss, (const char (*)[VQ_COMM_LEN])o->follow, o->nfollow,
				   o->since_ns);
	if (!err)
		o->follow_changed = false;
	return err;
}

/* The vhost module went away (possible under kprobes). Its vqs were all
 * torn down first, so the maps hold everything: the caller reads them, then
 * this closes the session and, with --follow, waits for vhost to be loaded
 * again and attaches anew for the owners traced now. Returns 1 to end the
 * run, 0 to go on, -errno (after one line) on error. */
static int vhost_reload(struct session *ss, const struct env *env, struct ksyms *ks,
			struct owners *o)
{
	int err;

	session_close(ss);
	if (!env->follow) {
		ilog("the vhost module was unloaded: nothing left to trace (--follow would wait for it)");
		return 1;
	}
	ilog("the vhost module was unloaded; --follow: waiting for it to be loaded again");
	while (!exiting && (!vhost_module_loaded() || access("/sys/kernel/btf/vhost", R_OK))) {
		struct timespec ts = { 0, 100000000 };

		nanosleep(&ts, NULL);
	}
	if (exiting)
		return 1;
	err = start_session(ss, env, ks, o->pids, o->npids);
	if (!err && env->follow)
		err = follow_names(o, ss, true);
	if (err)
		return err;
	ilog("vhost is loaded again: tracing it");
	return 0;
}

/* --follow with -p, at every wake-up: the processes the kernel took by
 * name are said and traced; the ones that exited leave the filter. */
static int follow_owners(struct owners *o, struct session *ss, bool alive)
{
	pid_t kernel[VQ_MAX_TARGETS], gone[VQ_MAX_TARGETS];
	int n = session_targets(ss, kernel, VQ_MAX_TARGETS);
	int ngone = owners_follow(o, alive, kernel, n, gone);

	session_drop_targets(ss, gone, ngone);
	return follow_names(o, ss, false);
}

static int run(const struct env *env)
{
	const struct output_fmt fmt = { .json = env->json, .hist = env->hist,
					.hist_by_pid = env->hist_by_pid };
	struct session ss = {};
	struct session_events ev_wants;
	struct child child = { .pid = -1, .go_fd = -1, .pidfd = -1 };
	struct vqtable table;
	struct ksyms ks = {};
	struct owners owners;
	struct vq_global g;
	double start, next, stop_at = 0, secs;
	bool incomplete = false;	/* said once during the run, then at exit */
	char why[256];
	int err = 1, rc;
	bool module_gone = false;
	unsigned int drivers = vhost_drivers_loaded();

	verdicts_json = env->json;
	rc = preflight(env);
	if (rc)
		return rc;
	owners_init(&owners, env);
	rc = owners_check_devices(env);
	if (rc)
		return rc;
	if (metrics_start(env))
		return 1;
	if (evsess_prepare(&evs, env))
		goto cleanup_ksyms;
	vqtable_init(&table, &ks);
	table.hist = env->hist;
	table.kick_side = env->kicks;
	ev_wants = evsess_wants(&evs);
	if (session_open(&ss, env, &ks, &ev_wants))
		goto cleanup;
	if (session_load(&ss))
		goto cleanup;
	if (env->command && child_start(&child, env->command)) {
		elog("cannot start '%s': %s", env->command[0], strerror(errno));
		goto cleanup;
	}
	if (session_add_targets(&ss, env->pids, env->npids) ||
	    (child.pid > 0 && session_add_targets(&ss, &child.pid, 1)) ||
	    (env->follow && follow_names(&owners, &ss, true)))
		goto cleanup;
	if (evsess_start(&evs, env, &ss, &table))
		goto cleanup;
	if (session_attach(&ss))
		goto cleanup;
	if (env->command && child_release(&child)) {
		elog("cannot release '%s': %s", env->command[0], strerror(errno));
		goto cleanup;
	}
	if (!env->command)
		ilog("tracing vhost%s; Ctrl-C to stop", env->npids ? " of the given pids" : "");

	metrics_publish(&ss, &table, env);
	start = mono_s();
	next = start + env->interval_s;
	if (env->duration_s > 0)
		stop_at = start + env->duration_s;
	while (!exiting) {
		double until = stop_at && stop_at < next ? stop_at : next;
		bool last;

		/* --follow looking for a new owner: look more often than once
		 * per interval, so that little of its start goes unseen. */
		if (owners.waiting && until > mono_s() + FOLLOW_POLL_S)
			until = mono_s() + FOLLOW_POLL_S;
		wait_until(until, env->command ? &child : NULL);
		metrics_serve(&ss, &table, env);
		module_gone = !vhost_module_loaded();
		if (module_gone)
			drivers = vhost_drivers_loaded();	/* said below, all at once */
		else
			note_drivers(&drivers);
		last = exiting || (stop_at && mono_s() >= stop_at) ||
		       (env->command && child.exited);
		if (last)
			break;
		if (!module_gone) {
			bool alive = owners_alive(&owners, env->follow);

			if (!alive && !env->follow)
				break;
			if (env->follow && env->npids && follow_owners(&owners, &ss, alive))
				goto cleanup;
		}
		if (mono_s() < next && !module_gone)
			continue;
		if (collect(&ss, &table, env, false))
			goto cleanup;
		secs = mono_s() - (next - env->interval_s);
		evsess_snapshot(&evs, judged_ns, judged_wall, secs, false);
		if (!env->totals_only)
			output_rows(stdout, &table, &fmt, false, secs);
		vqtable_mark_printed(&table);
		metrics_stale();
		note_incomplete(&ss, &incomplete);
		next += env->interval_s;
		if (module_gone) {
			rc = vhost_reload(&ss, env, &ks, &owners);
			if (rc < 0)
				goto cleanup;
			if (rc > 0)
				break;
			module_gone = false;
		}
	}
	if (owners.npids && !owners_alive(&owners, false) && !env->follow)
		ilog("the traced process%s exited", owners.npids > 1 ? "es" : "");
	/* The owner's devices are released by the time it is reaped, so the
	 * maps now hold everything it did. With events, no call may count
	 * after the last read: every one must be an event, lost or sampled. */
	if (evs.on)
		session_detach(&ss);
	if (session_live(&ss) && collect(&ss, &table, env, true))
		goto cleanup;
	secs = mono_s() - start;
	evsess_snapshot(&evs, judged_ns, judged_wall, secs, true);
	read_global(&ss, &table, &g);
	metrics_publish(&ss, &table, env);
	output_rows(stdout, &table, &fmt, true, secs);
	if (env->json) {
		char add_hook[160], notify_hook[160];

		attach_describe(&ss.plan, add_hook, sizeof(add_hook), notify_hook, sizeof(notify_hook));
		output_probe_json(stdout, &g, env->max_vqs, add_hook, notify_hook, env->kicks);
	}
	else
		output_probe_table(stderr, &g);
	vlog("vhost_notify: the vq was found in argument 1 for %llu vqs, in argument 2 for %llu",
	     (unsigned long long)g.notify_arg1, (unsigned long long)g.notify_arg2);
	if (vq_global_incomplete(&g, why, sizeof(why))) {
		if (env->json)	/* the table mode said it with the probe lines */
			elog("the counts are INCOMPLETE (%s): vqtrace did not see everything vhost did; exit status %d",
			     why, VQ_EXIT_INCOMPLETE);
		incomplete = true;
	} else {
		incomplete = false;
	}
	err = evsess_finish(&evs, &g);
cleanup:
	session_close(&ss);
	evsess_free(&evs);
	vqtable_free(&table);
	if (env->command) {
		child_stop(&child);
		if (!err && child.exited)
			err = child_exit_code(&child);
	}
	if (!err && incomplete)
		err = VQ_EXIT_INCOMPLETE;
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
