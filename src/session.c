// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "clock.h"
#include "hooks.h"
#include "log.h"
#include "vqtrace.skel.h"

/* What a failed libbpf call left in errno, as -errno (never 0). */
static int bpf_err(void)
{
	return errno > 0 ? -errno : -EIO;
}

static int load_ksyms(struct ksyms *ks)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	int err;

	if (!f) {
		err = -errno;
		elog("cannot read /proc/kallsyms: %s", strerror(-err));
		return err;
	}
	err = ksyms_load(ks, f);
	fclose(f);
	if (err) {
		elog("cannot load /proc/kallsyms: %s", strerror(-err));
		return err;
	}
	if (ks->zero_addrs) {
		elog("/proc/kallsyms shows no addresses: vqtrace needs CAP_SYSLOG, and kernel.kptr_restrict below 2");
		return -EPERM;
	}
	return 0;
}

#define RETIRED_ROOM(env) \
	((env)->max_vqs > VQ_DEFAULT_MAX_VQS ? (env)->max_vqs : VQ_DEFAULT_MAX_VQS)

/* A ring buffer is a power-of-two number of pages; one page unused. */
static __u32 ring_bytes(const struct session_events *ev)
{
	long page = sysconf(_SC_PAGESIZE);
	__u64 bytes = ev ? (__u64)ev->ringbuf_kb * 1024 : 0;

	if (page <= 0)
		page = 4096;
	return ev && ev->on && bytes > (__u64)page ? (__u32)bytes : (__u32)page;
}

/* A trampoline mode chosen by vqtrace (not asked for) that has a kprobe
 * twin (src/hooks.c): if the kernel refuses it, the twin is tried. */
static bool can_fall_back(const struct session *ss)
{
	return !ss->plan.forced && add_hooks[ss->plan.hook].kprobe_twin >= 0;
}

static int reopen_with_kprobes(struct session *ss);

/* Everything the object is told before load, in one place. */
static int configure(struct session *ss, const struct env *env, const struct session_events *ev)
{
	struct vqtrace_bpf *skel = ss->skel;

	skel->rodata->filter_owner = env->npids > 0 || env->command;
	skel->rodata->filter_descendants = env->descendants;
	bpf_map__set_max_entries(skel->maps.vqs, env->max_vqs);
	bpf_map__set_max_entries(skel->maps.vq_ids, env->max_vqs);
	bpf_map__set_max_entries(skel->maps.vq_slots, env->max_vqs);
	bpf_map__set_max_entries(skel->maps.ignored_vqs, env->max_vqs);
	bpf_map__set_max_entries(skel->maps.overflow_vqs, env->max_vqs);
	/* Room for a burst of teardowns within one interval, even with -m small. */
	bpf_map__set_max_entries(skel->maps.retired_vqs, RETIRED_ROOM(env));
	/* Histograms take 1.7 KiB per vq: no room for them unless asked. */
	skel->rodata->want_hist = env->hist;
	bpf_map__set_max_entries(skel->maps.hists, env->hist ? env->max_vqs : 1);
	bpf_map__set_max_entries(skel->maps.retired_hists, env->hist ? RETIRED_ROOM(env) : 1);
	/* Without events the verifier drops the code behind want_events. */
	skel->rodata->want_events = ev && ev->on;
	skel->rodata->event_sample = ev && ev->sample ? ev->sample : 1;
	bpf_map__set_max_entries(skel->maps.events, ring_bytes(ev));
	if (attach_configure(&ss->plan, skel)) {
		int err = bpf_err();

		if (!can_fall_back(ss))	/* else the caller falls back, and says so */
			elog("cannot configure the BPF programs: %s", strerror(-err));
		return err;
	}
	return 0;
}

int session_open(struct session *ss, const struct env *env, struct ksyms *ks,
		 const struct session_events *ev)
{
	struct vqtrace_bpf *skel;
	int err;

	ksyms_free(ks);
	memset(&ss->plan, 0, sizeof(ss->plan));
	err = load_ksyms(ks);
	if (err)
		return err;
	/* attach.c returns -1 after its line: no hook to be had here. */
	if (attach_plan(&ss->plan, ks, env->add_mode, env->add_hook, env->kicks,
			env->hist))
		return -ENOENT;
	skel = vqtrace_bpf__open();
	if (!skel) {
		err = bpf_err();
		elog("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	ss->skel = skel;
	ss->env = env;
	ss->ev = ev;
	ss->ks = ks;
	/* libbpf looks the trampoline's target up here already */
	err = configure(ss, env, ev);
	if (err && can_fall_back(ss))
		err = reopen_with_kprobes(ss);
	return err;
}

/* A trampoline that would not load: the same object again, planned with
 * the hook mode's kprobe twin (src/hooks.c). */
static int reopen_with_kprobes(struct session *ss)
{
	if (attach_fallback(&ss->plan, ss->ks))
		return -ENOENT;
	vqtrace_bpf__destroy(ss->skel);
	ss->skel = vqtrace_bpf__open();
	if (!ss->skel)
		return bpf_err();
	return configure(ss, ss->env, ss->ev);
}

int session_load(struct session *ss)
{
	if (vqtrace_bpf__load(ss->skel)) {
		int err = bpf_err();

		if (can_fall_back(ss) && !reopen_with_kprobes(ss) && !vqtrace_bpf__load(ss->skel))
			return 0;
		err = ss->skel ? bpf_err() : err;
		elog("cannot load the BPF programs (%s): run with -vv to see the verifier log",
		     strerror(-err));
		return err;
	}
	return 0;
}

int session_add_targets(struct session *ss, const pid_t *pids, int n)
{
	__u8 one = 1;

	for (int i = 0; i < n; i++) {
		__u32 pid = pids[i];

		if (bpf_map__update_elem(ss->skel->maps.targets, &pid, sizeof(pid), &one, 1, 0)) {
			int err = bpf_err();

			elog("cannot set the pid filter: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

int session_targets(struct session *ss, pid_t *out, int max)
{
	int fd = bpf_map__fd(ss->skel->maps.targets), n = 0;
	__u32 key, next, *prev = NULL;

	while (n < max && !bpf_map_get_next_key(fd, prev, &next)) {
		out[n++] = (pid_t)next;
		key = next;
		prev = &key;
	}
	return n;
}

void session_drop_targets(struct session *ss, const pid_t *pids, int n)
{
	for (int i = 0; i < n; i++) {
		__u32 pid = pids[i];

		bpf_map__delete_elem(ss->skel->maps.targets, &pid, sizeof(pid), 0);
	}
}

int session_follow_names(struct session *ss, const char (*names)[VQ_COMM_LEN], int n,
			 __u64 since_ns)
{
	for (__u32 i = 0; i < VQ_MAX_FOLLOW_NAMES; i++) {
		struct vq_comm c = {};

		if ((int)i < n)
			memcpy(c.name, names[i], VQ_COMM_LEN - 1);
		if (bpf_map__update_elem(ss->skel->maps.follow_names, &i, sizeof(i), &c, sizeof(c), 0)) {
			int err = bpf_err();

			elog("cannot set the --follow names: %s", strerror(-err));
			return err;
		}
	}
	ss->skel->bss->follow_since_ns = since_ns;
	return 0;
}

/* The hooks' hints (bpf/vq_table.bpf.h) remember ignored vqs too: all are
 * zeroed at once. The traced ones among them are mended by the hooks from
 * vq_ids at their next call. */
static void forget_hints(int fd)
{
	static __u32 keys[VQ_HINTS];
	static const struct vq_hint none[VQ_HINTS];
	__u32 count = VQ_HINTS;

	for (__u32 i = 0; i < VQ_HINTS; i++)
		keys[i] = i;
	if (bpf_map_update_batch(fd, keys, none, &count, NULL))
		vlog("cannot clear the vq hints: %s", strerror(errno));
}

void session_forget_ignored(struct session *ss)
{
	int fd = bpf_map__fd(ss->skel->maps.ignored_vqs);
	__u64 key;

	/* Deleting the first key each time walks the whole map. */
	while (!bpf_map_get_next_key(fd, NULL, &key))
		if (bpf_map_delete_elem(fd, &key))
			break;
	forget_hints(bpf_map__fd(ss->skel->maps.vq_hints));
}

int session_attach(struct session *ss)
{
	double start = mono_s();

	/* attach.c returns -1 after its line; libbpf left the reason in errno. */
	if (attach_links(&ss->plan, ss->skel))
		return bpf_err();
	vlog("attached %zu hooks in %.3f s", ss->plan.n_links, mono_s() - start);
	return 0;
}

void session_detach(struct session *ss)
{
	attach_detach(&ss->plan);
}

bool session_live(const struct session *ss)
{
	return ss->skel != NULL;
}

/* The global slot, mapped read-only once per session (bpf/vq_state.bpf.h:
 * no system call to read it). NULL when not loaded or not mappable. */
static const struct vq_global_slot *global_slot(const struct session *ss)
{
	struct session *w = (struct session *)ss;	/* the mapping is a cache */
	int fd;
	void *p;

	if (ss->global_view || !ss->skel)
		return ss->global_view;
	fd = bpf_map__fd(ss->skel->maps.global);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, sizeof(struct vq_global_slot), PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		elog("cannot map the probes' own counters: %s", strerror(errno));
		return NULL;
	}
	w->global_view = p;
	return p;
}

/* Reads the vqs; drains the retired maps (with --hist, their histograms
 * too) only when vqs were retired since the last time: that takes system
 * calls, each of which keeps kprobes off its CPU for a moment. */
int session_read_vqs(const struct session *ss, struct vqtable *t)
{
	const struct vq_global_slot *slot = global_slot(ss);
	struct session *w = (struct session *)ss;
	__u64 moves = slot ? slot->retired_moves : (__u64)-1;
	bool retired = !slot || moves != ss->retired_seen;
	int err;

	if (!ss->skel)
		return -ENODEV;
	w->retired_seen = moves;
	err = vqtable_read_map(t, bpf_map__fd(ss->skel->maps.vqs),
			       retired ? bpf_map__fd(ss->skel->maps.retired_vqs) : -1);
	if (!err && retired && t->hist)
		vqtable_read_retired_hists(t, bpf_map__fd(ss->skel->maps.retired_hists));
	return err;
}

int session_read(const struct session *ss, struct vqtable *t, bool live_hists)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	int err;

	if (!ss->skel)
		return -ENODEV;
	if (bpf_prog_test_run_opts(bpf_program__fd(ss->skel->progs.refresh), &topts))
		vlog("state refresh failed: %s", strerror(errno));
	err = session_read_vqs(ss, t);
	if (!err && live_hists)
		session_read_hists(ss, t);
	return err;
}

void session_read_hists(const struct session *ss, struct vqtable *t)
{
	int err;

	if (!ss->skel || !t->hist)
		return;
	err = vqtable_read_hists(t, bpf_map__fd(ss->skel->maps.hists));
	if (err)
		vlog("cannot map the histograms: %s", strerror(-err));
}

struct ring_buffer *session_event_ring(const struct session *ss, ring_buffer_sample_fn fn,
				       void *ctx)
{
	if (!ss->skel) {
		errno = ENODEV;
		return NULL;
	}
	return ring_buffer__new(bpf_map__fd(ss->skel->maps.events), fn, ctx, NULL);
}

/* Entry 0 of a per-CPU array of u64 counters (size bytes), added up over
 * the CPUs into sum (zero on error). 0 or -errno. */
static int sum_percpu(const struct bpf_map *map, void *sum, size_t size)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t words = size / sizeof(__u64);
	__u64 *per, *dst = sum;
	__u32 zero = 0;
	int err = 0;

	memset(sum, 0, size);
	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	per = calloc(ncpu, size);
	if (!per)
		return -ENOMEM;
	if (bpf_map__lookup_elem(map, &zero, sizeof(zero), per, ncpu * size, 0))
		err = -errno;
	for (int c = 0; c < ncpu && !err; c++)
		for (size_t i = 0; i < words; i++)
			dst[i] += per[c * words + i];
	free(per);
	return err;
}

void session_read_ev_counters(const struct session *ss, struct vq_ev_counters *c)
{
	memset(c, 0, sizeof(*c));
	if (ss->skel)
		sum_percpu(ss->skel->maps.ev_counters, c, sizeof(*c));
}

static void read_live(const struct session *ss, struct vq_global *g)
{
	const struct vq_global_slot *slot = global_slot(ss);

	if (slot)
		memcpy(g, (const void *)&slot->g, sizeof(*g));
	else
		memset(g, 0, sizeof(*g));
}

/* Runs of the loaded hook programs the kernel skipped (recursion
 * protection); say=true: each program's, on stderr. The refresh program is
 * run by userspace, not by vhost: a skip of it loses nothing. */
static __u64 prog_misses(const struct session *ss, bool say)
{
	struct bpf_program *prog;
	__u64 n = 0;

	if (!ss->skel)
		return 0;
	bpf_object__for_each_program(prog, ss->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || prog == ss->skel->progs.refresh)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		n += info.recursion_misses;
		if (say && info.recursion_misses)
			elog("%s: %llu runs skipped by the kernel (recursion protection; see hook_misses)",
			     bpf_program__name(prog), (unsigned long long)info.recursion_misses);
	}
	return n;
}

void session_read_global(const struct session *ss, struct vq_global *g)
{
	const __u64 *carry = (const __u64 *)&ss->carry;
	__u64 *dst = (__u64 *)g;

	read_live(ss, g);
	for (size_t i = 0; i < sizeof(*g) / sizeof(__u64); i++)
		dst[i] += carry[i];
	/* Not counted by a probe: what the kernel skipped, and what the plan
	 * does not see (src/attach.c). */
	g->hook_misses += prog_misses(ss, false);
	if (ss->plan.misses_in_order && !g->unhooked_path)
		g->unhooked_path = 1;
	g->kick_unhooked += ss->plan.kick_unhooked;
}

struct bpf_object *session_object(const struct session *ss)
{
	return ss->skel ? ss->skel->obj : NULL;
}

void session_close(struct session *ss)
{
	if (ss->skel) {
		struct vq_global total;	/* not into carry itself: it is an input */

		prog_misses(ss, true);
		session_read_global(ss, &total);	/* live + carry */
		ss->carry = total;
	}
	if (ss->global_view)
		munmap((void *)ss->global_view, sizeof(struct vq_global_slot));
	ss->global_view = NULL;
	ss->retired_seen = 0;
	attach_detach(&ss->plan);
	vqtrace_bpf__destroy(ss->skel);
	ss->skel = NULL;
}
