// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-loadgen: options, process fan-out and the scenario driver loop.
 *
 * The driver never depends on interrupts to make progress: it polls
 * used->idx and counts interrupts by reading the call eventfds as it goes
 * and once more after the end-of-run barrier (VHOST_NET_SET_BACKEND -1,
 * which flushes the vhost worker).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "loadgen.h"
#include "util.h"

#define STALL_SECONDS 20.0
#define PROGRESS_AFTER 3.0
#define PROGRESS_EVERY 2.0

/* ------------------------------------------------------------------ */
/* options                                                              */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " LG_NAME " [OPTIONS]\n"
"A userspace virtio-net driver over /dev/vhost-net (tap backend), with\n"
"--vsock a virtio-vsock driver over /dev/vhost-vsock, with --scsi a\n"
"virtio-scsi driver over /dev/vhost-scsi, whose own counts are the ground\n"
"truth for vqtrace.  Prints one JSON line per process.\n"
"\n"
"Traffic (per device; TX and RX may be combined):\n"
"  --tx N              send N TX buffers (12-byte zeroed virtio_net_hdr +\n"
"                      60-byte Ethernet frame, one descriptor each)\n"
"  --rx N              receive N frames on RX; they are injected into the tap\n"
"                      from the host side with an AF_PACKET socket, paced so\n"
"                      that none is ever dropped\n"
"  --ring SIZE         ring size, power of two 2..32768 (default 256)\n"
"  --batch B           buffers submitted per kick decision, 1..32768\n"
"                      (default: fill the free ring space)\n"
"\n"
"Notifications:\n"
"  --event-every K     with EVENT_IDX ask for an interrupt every K used\n"
"                      entries: used_event = last_used + K - 1 (1..1024,\n"
"                      default 1)\n"
"  --no-event-idx      do not negotiate VIRTIO_RING_F_EVENT_IDX\n"
"  --in-order          negotiate VIRTIO_F_IN_ORDER (bit 35; vhost-net offers it\n"
"                      from Linux 6.17, elsewhere exit 1 naming the bit and\n"
"                      the kernel's features): descriptors are used in ring\n"
"                      order and one used element may complete a batch (its\n"
"                      id is the batch's last buffer)\n"
"  --no-interrupt      (needs --no-event-idx) set VRING_AVAIL_F_NO_INTERRUPT\n"
"                      in avail->flags for the whole run\n"
"  --no-call           no call eventfd on the queues (fd -1): polling only\n"
"  --call-toggle A:B:C call eventfd on for the first A entries, off for the\n"
"                      next B, on again for the last C, on every queue used;\n"
"                      each switch waits until every buffer has completed.\n"
"                      --tx/--rx, when given, must equal A+B+C; when neither\n"
"                      is given, --tx defaults to A+B+C\n"
"  --reset-backend     with --call-toggle: when the call eventfd comes back,\n"
"                      also detach and re-attach the tap (VHOST_NET_SET_BACKEND\n"
"                      -1, then the tap): vhost re-reads its used index and\n"
"                      clears signalled_used_valid (vhost_vq_init_access)\n"
"  --always-kick       kick after every submission batch (default: honour\n"
"                      avail_event with EVENT_IDX, VRING_USED_F_NO_NOTIFY\n"
"                      without it)\n"
"\n");
	mis_usage(f);
	hostile_usage(f);
	vsock_usage(f);
	scsi_usage(f);
	fprintf(f,
"Topology:\n"
"  --devices D         D vhost-net devices per process, each with its own\n"
"                      tap (1..%d, default 1)\n"
"  --procs P           fork P processes, each running the whole scenario\n"
"                      and printing its own line (1..%d, default 1)\n"
"  --kthread           VHOST_SET_FORK_FROM_OWNER 0 before VHOST_SET_OWNER:\n"
"                      kthread worker instead of a vhost_task (6.12+)\n"
"  --rounds R          run the whole scenario R times in each process, closing\n"
"                      every device and opening new ones in between (1..1000,\n"
"                      default 1); one JSON line per round, with \"round\"\n"
"                      (1..R) after \"pid\" when R > 1\n"
"\n"
"Output and timing:\n"
"  --gt FILE           append the ground-truth JSON line to FILE instead of\n"
"                      printing it on stdout\n"
"  --pause-before MS   sleep MS ms after creating the devices, before the\n"
"                      first buffer (0..3600000)\n"
"  --hold MS           sleep MS ms after the run, before teardown, with the\n"
"                      devices stopped (backends removed, as QEMU does when\n"
"                      it pauses a VM)\n"
"  --idle MS           sleep MS ms after the run with the devices still\n"
"                      running (backends in place), adding no buffers: a\n"
"                      guest gone quiet (before --hold)\n"
"  --starve-worker MS  once half of --tx has completed, keep the vhost worker\n"
"                      off the CPU for MS ms (pinned to CPU 1 under a\n"
"                      SCHED_FIFO spinner), then send the rest: its first\n"
"                      kick (from CPU 0) waits for the worker\n"
"  --skip-kick MS      once half of --tx has completed, publish the rest\n"
"                      without the kick the rules require; kick MS ms later\n"
"  --busyloop-us US    vhost-net busy-polls each ring up to US microseconds\n"
"                      before it waits for a kick\n"
"                      (VHOST_SET_VRING_BUSYLOOP_TIMEOUT; default 0: off)\n"
"  --zero-rings        zero the rings (all driver memory) before closing the\n"
"                      device, as a driver that frees its rings first does\n"
"  --seconds S         stop submitting after S seconds (1..86400); every\n"
"                      buffer already submitted still completes and counts\n"
"  --stop-file PATH    stop submitting once PATH exists, like --seconds (a\n"
"                      stop handshake: the load outlives a tracer for sure)\n"
"  --wait-file PATH    after creating the devices, wait until PATH exists\n"
"                      before the first buffer (a start handshake: a tracer\n"
"                      attaches, then creates PATH)\n"
"  -h, --help          this text\n"
"\n"
"Ground truth, one entry per queue of every device:\n"
"  completed   buffers the device used (exact; on RX this includes any\n"
"              extra frames; an in-order batch counts all its buffers)\n"
"  tap         the name of the device's tap\n"
"  used_elems  used ring elements read (= completed unless --in-order\n"
"              batches several buffers into one element)\n"
"  interrupts  sum of the call eventfd counter values read\n"
"  kicks       writes to the kick eventfd\n"
"  extra       RX frames that arrived but were not sent by us (expect 0)\n"
"and only with the misbehaviour options above (see README.md):\n"
"  event_frozen_at, consumed_at_freeze   --freeze-event-after\n"
"  avail_jumped_to                       --avail-jump-after\n"
"  call_off_at                           --no-call-after\n"
"  avail_flags                           --flags-garbage\n"
"  event_writes, event_ahead_expected, interrupts_expected  --event-random\n"
"  unmap_at, unmap_submitted, unmap_completed, unmap_interrupts,\n"
"  avail_consumed                        --unmap-rings-after\n"
"Exit status: 0 ok, 1 runtime error, 2 bad usage.\n",
		LG_MAX_DEVICES, LG_MAX_PROCS);
}

static bool parse_u64_str(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static uint64_t parse_num(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	uint64_t v;

	if (!parse_u64_str(s, &v) || v < min || v > max)
		bad_usage("%s: '%s' is not a number in %llu..%llu", opt, s,
			  (unsigned long long)min, (unsigned long long)max);
	return v;
}

static void parse_toggle(struct lg_opts *o, const char *s)
{
	char buf[96], *p, *save = NULL;
	int i;

	if (strlen(s) >= sizeof(buf))
		bad_usage("--call-toggle: '%s' is too long", s);
	strcpy(buf, s);
	p = strtok_r(buf, ":", &save);
	for (i = 0; i < 3; i++) {
		if (!p || !parse_u64_str(p, &o->toggle[i]) ||
		    o->toggle[i] > 1000000000000ULL)
			bad_usage("--call-toggle: '%s' is not A:B:C "
				  "(three counts 0..10^12)", s);
		p = strtok_r(NULL, ":", &save);
	}
	if (p || strchr(s, ':') == strrchr(s, ':') || s[strlen(s) - 1] == ':')
		bad_usage("--call-toggle: '%s' is not A:B:C", s);
	if (o->toggle[0] + o->toggle[1] + o->toggle[2] == 0)
		bad_usage("--call-toggle: '%s' totals zero entries", s);
	o->call_toggle = true;
}

enum {
	OPT_TX = 256, OPT_RX, OPT_RING, OPT_EVENT_EVERY, OPT_NO_EVENT_IDX,
	OPT_NO_INTERRUPT, OPT_NO_CALL, OPT_CALL_TOGGLE, OPT_DEVICES, OPT_PROCS,
	OPT_KTHREAD, OPT_ALWAYS_KICK, OPT_BATCH, OPT_GT, OPT_PAUSE, OPT_HOLD, OPT_IDLE, OPT_BUSYLOOP, OPT_STARVE, OPT_SKIP_KICK, OPT_ZERO_RINGS, OPT_WAIT_FILE, OPT_STOP_FILE, OPT_SECONDS,
	OPT_FREEZE_EVENT, OPT_EVENT_AHEAD, OPT_AVAIL_JUMP, OPT_NO_CALL_AFTER,
	OPT_EVENT_RANDOM, OPT_FLAGS_GARBAGE, OPT_UNMAP_RINGS, OPT_ROUNDS, OPT_RESET_BACKEND,
	OPT_IN_ORDER, OPT_VSOCK, OPT_SEND, OPT_RECV, OPT_PKT,
	OPT_SCSI, OPT_SCSI_QUEUES, OPT_CMDS, OPT_SCSI_HOTPLUG, OPT_SCSI_HOLD,
	OPT_DM_LINEAR, OPT_DM_REMOVE, OPT_VSOCK_HOLD_RX,
};

static void parse_opts(int argc, char **argv, struct lg_opts *o)
{
	static const struct option longopts[] = {
		{ "tx", required_argument, NULL, OPT_TX },
		{ "rx", required_argument, NULL, OPT_RX },
		{ "ring", required_argument, NULL, OPT_RING },
		{ "event-every", required_argument, NULL, OPT_EVENT_EVERY },
		{ "no-event-idx", no_argument, NULL, OPT_NO_EVENT_IDX },
		{ "in-order", no_argument, NULL, OPT_IN_ORDER },
		{ "no-interrupt", no_argument, NULL, OPT_NO_INTERRUPT },
		{ "no-call", no_argument, NULL, OPT_NO_CALL },
		{ "call-toggle", required_argument, NULL, OPT_CALL_TOGGLE },
		{ "reset-backend", no_argument, NULL, OPT_RESET_BACKEND },
		{ "devices", required_argument, NULL, OPT_DEVICES },
		{ "procs", required_argument, NULL, OPT_PROCS },
		{ "kthread", no_argument, NULL, OPT_KTHREAD },
		{ "always-kick", no_argument, NULL, OPT_ALWAYS_KICK },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "gt", required_argument, NULL, OPT_GT },
		{ "pause-before", required_argument, NULL, OPT_PAUSE },
		{ "wait-file", required_argument, NULL, OPT_WAIT_FILE },
		{ "seconds", required_argument, NULL, OPT_SECONDS },
		{ "stop-file", required_argument, NULL, OPT_STOP_FILE },
		{ "hold", required_argument, NULL, OPT_HOLD },
		{ "idle", required_argument, NULL, OPT_IDLE },
		{ "busyloop-us", required_argument, NULL, OPT_BUSYLOOP },
		{ "starve-worker", required_argument, NULL, OPT_STARVE },
		{ "skip-kick", required_argument, NULL, OPT_SKIP_KICK },
		{ "zero-rings", no_argument, NULL, OPT_ZERO_RINGS },
		{ "freeze-event-after", required_argument, NULL, OPT_FREEZE_EVENT },
		{ "event-ahead", required_argument, NULL, OPT_EVENT_AHEAD },
		{ "avail-jump-after", required_argument, NULL, OPT_AVAIL_JUMP },
		{ "no-call-after", required_argument, NULL, OPT_NO_CALL_AFTER },
		{ "event-random", required_argument, NULL, OPT_EVENT_RANDOM },
		{ "flags-garbage", no_argument, NULL, OPT_FLAGS_GARBAGE },
		{ "unmap-rings-after", required_argument, NULL, OPT_UNMAP_RINGS },
		{ "rounds", required_argument, NULL, OPT_ROUNDS },
		{ "vsock", no_argument, NULL, OPT_VSOCK },
		{ "send", required_argument, NULL, OPT_SEND },
		{ "recv", required_argument, NULL, OPT_RECV },
		{ "pkt", required_argument, NULL, OPT_PKT },
		{ "scsi", required_argument, NULL, OPT_SCSI },
		{ "scsi-queues", required_argument, NULL, OPT_SCSI_QUEUES },
		{ "cmds", required_argument, NULL, OPT_CMDS },
		{ "scsi-hotplug", required_argument, NULL, OPT_SCSI_HOTPLUG },
		{ "scsi-hold", required_argument, NULL, OPT_SCSI_HOLD },
		{ "dm-linear", required_argument, NULL, OPT_DM_LINEAR },
		{ "dm-remove", required_argument, NULL, OPT_DM_REMOVE },
		{ "vsock-hold-rx", required_argument, NULL, OPT_VSOCK_HOLD_RX },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const uint64_t max_count = 1000000000000ULL; /* 10^12 */
	bool tx_set = false, rx_set = false, send_set = false, recv_set = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->ring = 256;
	o->event_every = 1;
	o->devices = 1;
	o->procs = 1;
	o->rounds = 1;
	o->gt_fd = -1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_TX:
			o->tx = parse_num("--tx", optarg, 0, max_count);
			tx_set = true;
			break;
		case OPT_RX:
			o->rx = parse_num("--rx", optarg, 0, max_count);
			rx_set = true;
			break;
		case OPT_RING:
			o->ring = (unsigned)parse_num("--ring", optarg, 2, 32768);
			if (o->ring & (o->ring - 1))
				bad_usage("--ring: '%s' is not a power of two in 2..32768",
					  optarg);
			break;
		case OPT_EVENT_EVERY:
			o->event_every = (unsigned)parse_num("--event-every", optarg, 1, 1024);
			o->event_every_set = true;
			break;
		case OPT_NO_EVENT_IDX:
			o->no_event_idx = true;
			break;
		case OPT_IN_ORDER:
			o->in_order = true;
			break;
		case OPT_NO_INTERRUPT:
			o->no_interrupt = true;
			break;
		case OPT_NO_CALL:
			o->no_call = true;
			break;
		case OPT_CALL_TOGGLE:
			parse_toggle(o, optarg);
			break;
		case OPT_RESET_BACKEND:
			o->reset_backend = true;
			break;
		case OPT_DEVICES:
			o->devices = (unsigned)parse_num("--devices", optarg, 1, LG_MAX_DEVICES);
			break;
		case OPT_PROCS:
			o->procs = (unsigned)parse_num("--procs", optarg, 1, LG_MAX_PROCS);
			break;
		case OPT_KTHREAD:
			o->kthread = true;
			break;
		case OPT_ALWAYS_KICK:
			o->always_kick = true;
			break;
		case OPT_BATCH:
			o->batch = (unsigned)parse_num("--batch", optarg, 1, 32768);
			break;
		case OPT_GT:
			if (!*optarg)
				bad_usage("--gt: empty file name");
			o->gt_path = optarg;
			break;
		case OPT_PAUSE:
			o->pause_before_ms = (unsigned)parse_num("--pause-before", optarg, 0, 3600000);
			break;
		case OPT_SECONDS:
			o->seconds = (unsigned)parse_num("--seconds", optarg, 1, 86400);
			break;
		case OPT_WAIT_FILE:
			if (!*optarg)
				bad_usage("--wait-file: empty file name");
			o->wait_file = optarg;
			break;
		case OPT_STOP_FILE:
			if (!*optarg)
				bad_usage("--stop-file: empty file name");
			o->stop_file = optarg;
			break;
		case OPT_ZERO_RINGS:
			o->zero_rings = true;
			break;
		case OPT_HOLD:
			o->hold_ms = (unsigned)parse_num("--hold", optarg, 0, 3600000);
			break;
		case OPT_IDLE:
			o->idle_ms = (unsigned)parse_num("--idle", optarg, 1, 3600000);
			break;
		case OPT_SKIP_KICK:
			o->skip_kick_ms = (unsigned)parse_num("--skip-kick", optarg, 1, 10000);
			break;
		case OPT_STARVE:
			o->starve_ms = (unsigned)parse_num("--starve-worker", optarg, 1, 10000);
			break;
		case OPT_BUSYLOOP:
			o->busyloop_us = (unsigned)parse_num("--busyloop-us", optarg, 0, 1000000);
			break;
		case OPT_FREEZE_EVENT:
			o->freeze_after = parse_num("--freeze-event-after", optarg, 1, max_count);
			break;
		case OPT_EVENT_AHEAD:
			o->event_ahead = (unsigned)parse_num("--event-ahead", optarg, 1, 32767);
			break;
		case OPT_AVAIL_JUMP:
			o->jump_after = parse_num("--avail-jump-after", optarg, 1, max_count);
			break;
		case OPT_NO_CALL_AFTER:
			o->no_call_after = parse_num("--no-call-after", optarg, 1, max_count);
			break;
		case OPT_EVENT_RANDOM:
			o->event_seed = parse_num("--event-random", optarg, 0, UINT64_MAX);
			o->event_random = true;
			break;
		case OPT_FLAGS_GARBAGE:
			o->flags_garbage = true;
			break;
		case OPT_UNMAP_RINGS:
			o->unmap_after = parse_num("--unmap-rings-after", optarg, 1, max_count);
			break;
		case OPT_VSOCK:
			o->vsock = true;
			break;
		case OPT_SEND:
			o->vsock_send = parse_num("--send", optarg, 0, max_count);
			send_set = true;
			break;
		case OPT_RECV:
			o->vsock_recv = parse_num("--recv", optarg, 0, max_count);
			recv_set = true;
			break;
		case OPT_PKT:
			o->vsock_pkt = (unsigned)parse_num("--pkt", optarg, 1, 65536);
			break;
		case OPT_SCSI:
			if (!*optarg)
				bad_usage("--scsi: empty WWPN");
			o->scsi_wwpn = optarg;
			break;
		case OPT_SCSI_QUEUES:
			o->scsi_queues = (unsigned)parse_num("--scsi-queues", optarg, 1, 8);
			break;
		case OPT_CMDS:
			o->scsi_cmds = parse_num("--cmds", optarg, 1, 1000000);
			o->scsi_cmds_set = true;
			break;
		case OPT_SCSI_HOTPLUG:
			if (!*optarg)
				bad_usage("--scsi-hotplug: empty path");
			o->scsi_hotplug = optarg;
			break;
		case OPT_SCSI_HOLD: {
			const char *colon = strrchr(optarg, ':');

			if (!colon || colon == optarg ||
			    (size_t)(colon - optarg) >= sizeof(o->scsi_hold_dm))
				bad_usage("--scsi-hold wants DM:MS, e.g. vqhold:2000");
			snprintf(o->scsi_hold_dm, sizeof(o->scsi_hold_dm), "%.*s",
				 (int)(colon - optarg), optarg);
			o->scsi_hold_ms = (unsigned)parse_num("--scsi-hold MS", colon + 1, 1, 60000);
			break;
		}
		case OPT_DM_LINEAR:
			o->dm_linear = optarg;
			break;
		case OPT_DM_REMOVE:
			o->dm_remove = optarg;
			break;
		case OPT_VSOCK_HOLD_RX:
			o->vsock_hold_rx_ms = (unsigned)parse_num("--vsock-hold-rx", optarg, 1, 60000);
			break;
		case OPT_ROUNDS:
			o->rounds = (unsigned)parse_num("--rounds", optarg, 1, 1000);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			bad_usage("option '%s' needs a value", argv[optind - 1]);
		default:
			bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument '%s'", argv[optind]);

	if (o->no_interrupt && !o->no_event_idx)
		bad_usage("--no-interrupt needs --no-event-idx (with EVENT_IDX the "
			  "device ignores avail->flags)");
	if (o->event_every_set && o->no_event_idx)
		bad_usage("--event-every needs EVENT_IDX; drop --no-event-idx");
	mis_check_opts(o, tx_set);
	hostile_check_opts(o, tx_set);
	vsock_check_opts(o, tx_set, rx_set);
	scsi_check_opts(o, tx_set, rx_set);
	if (o->scsi_wwpn) {
		if (!o->scsi_queues)
			o->scsi_queues = 1;
		if (!o->scsi_cmds_set)
			o->scsi_cmds = 256;
	}
	if (o->vsock) {
		if (!send_set)
			o->vsock_send = 1048576;
		if (!recv_set)
			o->vsock_recv = 1048576;
		if (!o->vsock_pkt)
			o->vsock_pkt = 1024;
	}
	if (o->reset_backend && !o->call_toggle)
		bad_usage("--reset-backend acts at the switches of --call-toggle; add --call-toggle A:B:C");
	if (o->call_toggle) {
		uint64_t total = o->toggle[0] + o->toggle[1] + o->toggle[2];

		if (o->no_call)
			bad_usage("--call-toggle and --no-call exclude each other");
		if (o->seconds || o->stop_file)
			bad_usage("--call-toggle excludes --seconds and --stop-file (the phases are counts)");
		if (!tx_set && !rx_set)
			o->tx = total;
		if ((tx_set && o->tx && o->tx != total) || (rx_set && o->rx && o->rx != total))
			bad_usage("--call-toggle %llu:%llu:%llu totals %llu, but "
				  "--tx/--rx ask for a different count",
				  (unsigned long long)o->toggle[0],
				  (unsigned long long)o->toggle[1],
				  (unsigned long long)o->toggle[2],
				  (unsigned long long)total);
	}
	if (o->batch > o->ring)
		bad_usage("--batch %u is larger than --ring %u", o->batch, o->ring);
}

/* ------------------------------------------------------------------ */
/* scenario                                                             */

static const bool phase_call_on[3] = { true, false, true };

/* Advance over finished phases; --call-toggle switches the call eventfd. */
static void advance_phase(const struct lg_opts *o, struct lg_dev *d, struct lg_vq *vq)
{
	while (vq->phase < 3 && quiesced_at(vq, vq->phase_end[vq->phase])) {
		vq->phase++;
		if (o->call_toggle && vq->phase < 3) {
			vq_read_call(vq);
			dev_set_call(d, vq, phase_call_on[vq->phase]);
			if (o->reset_backend && vq->phase == 2) {	/* quiet: all completed */
				dev_set_backend(d, -1);
				dev_set_backend(d, d->tap_fd);
				vq->backend_resets++;
			}
		}
	}
}

static uint64_t phase_room(const struct lg_vq *vq)
{
	if (vq->phase >= 3)
		return 0;
	return hostile_room(vq, mis_room(vq, vq->phase_end[vq->phase] - vq->submitted));
}

/*
 * Make up to max buffers available.  Without --batch, everything that fits
 * goes in one kick decision; with --batch B, only whole batches of B (or
 * the final remainder) are submitted.
 */
static unsigned submit(const struct lg_opts *o, struct lg_vq *vq, uint64_t max)
{
	unsigned total = 0;

	for (;;) {
		uint64_t left = max - total;
		uint64_t n = left < vq->nfree ? left : vq->nfree;
		uint16_t old;

		if (o->batch) {
			uint64_t want = left < o->batch ? left : o->batch;

			if (n < want)
				break;
			n = want;
		}
		if (!n)
			break;
		old = vq->avail_idx;
		vq_add(vq, (unsigned)n);
		vq_publish(vq, old);
		total += (unsigned)n;
	}
	return total;
}

static bool service_tx(const struct lg_opts *o, struct lg_dev *d)
{
	struct lg_vq *vq = &d->vq[LG_Q_TX];
	bool progress = false;
	unsigned n, room;
	uint64_t half;

	if (hostile_off(vq))	/* its ring memory is gone */
		return false;
	if (vq_harvest(vq, NULL, NULL)) {
		vq_read_call(vq);
		progress = true;
	}
	advance_phase(o, d, vq);
	mis_checkpoint(vq);
	hostile_checkpoint(d, vq);
	room = phase_room(vq);
	/* --starve-worker, --skip-kick: the first device's first half, all
	 * of it completed (vhost idle, waiting for a kick), then the stall
	 * begins and the rest goes in (starve.c). */
	if ((o->starve_ms || o->skip_kick_ms) && !d->ordinal && !starve_started()) {
		half = vq->target / 2;
		if (vq->submitted < half)
			room = room < half - vq->submitted ? room : (unsigned)(half - vq->submitted);
		else if (vq->completed < vq->submitted)
			return progress;
		else if (o->starve_ms)
			starve_begin(o);
		else
			skip_kick_begin(o, vq);
	}
	if (!d->ordinal)
		skip_kick_poll(vq);
	n = submit(o, vq, room);
	vq->submitted += n;
	return progress || n;
}

static void rx_used(struct lg_vq *vq, unsigned id, uint32_t len, void *arg)
{
	const uint8_t *buf = vq_buf(vq, id);

	(void)arg;
	if (len > LG_VNET_HDR && len <= vq->buf_len &&
	    tap_frame_is_ours(buf + LG_VNET_HDR, len - LG_VNET_HDR, vq->dev))
		vq->own++;
	else
		vq->extra++;
}

static bool service_rx(const struct lg_opts *o, struct lg_dev *d)
{
	struct lg_vq *vq = &d->vq[LG_Q_RX];
	bool progress = false;
	uint64_t need, want, inflight, limit, can;
	unsigned n;

	if (vq_harvest(vq, rx_used, d)) {
		vq_read_call(vq);
		progress = true;
	}
	advance_phase(o, d, vq);
	mis_checkpoint(vq);
	hostile_checkpoint(d, vq);

	/* Keep a buffer posted for every frame still to come (up to the ring). */
	need = vq->target - vq->own;
	want = need < vq->num ? need : vq->num;
	if (vq_outstanding(vq) < want && submit(o, vq, want - vq_outstanding(vq)))
		progress = true;

	/*
	 * Pace injection: frames in flight never exceed the buffers the device
	 * owns, and stay well below the tap's queue length, so none is dropped.
	 */
	inflight = vq->submitted - vq->own;
	limit = vq_outstanding(vq);
	if (limit > d->txqlen / 2)
		limit = d->txqlen / 2;
	can = limit > inflight ? limit - inflight : 0;
	if (can > phase_room(vq))
		can = phase_room(vq);
	if (can) {
		n = tap_inject(d, vq->submitted, (unsigned)(can > 64 ? 64 : can));
		vq->submitted += n;
		if (n)
			progress = true;
	}
	return progress;
}

/* --seconds ran out or --stop-file appeared: each queue's target
 * becomes what it already submitted, so the run drains and ends with
 * exact counts. */
static void cut_targets(struct lg_dev *devs, unsigned ndev)
{
	for (unsigned i = 0; i < ndev; i++) {
		for (int q = 0; q < LG_NQ; q++) {
			struct lg_vq *vq = &devs[i].vq[q];

			if (!vq->target || vq->phase >= 3)
				continue;
			vq->target = vq->submitted;
			for (int p = 0; p < 3; p++)
				if (vq->phase_end[p] > vq->target)
					vq->phase_end[p] = vq->target;
		}
	}
}

static void init_targets(const struct lg_opts *o, struct lg_vq *vq, uint64_t target)
{
	int i;

	vq->target = target;
	if (!target) {
		vq->phase = 3;
		return;
	}
	vq->phase = 0;
	if (o->call_toggle) {
		vq->phase_end[0] = o->toggle[0];
		vq->phase_end[1] = o->toggle[0] + o->toggle[1];
		vq->phase_end[2] = target;
	} else {
		for (i = 0; i < 3; i++)
			vq->phase_end[i] = target;
	}
}

static void stall(struct lg_dev *devs, unsigned ndev)
{
	unsigned i;
	int q;

	for (i = 0; i < ndev; i++) {
		for (q = 0; q < LG_NQ; q++) {
			struct lg_vq *vq = &devs[i].vq[q];

			if (vq->phase >= 3)
				continue;
			lg_fatal("stalled: no progress for %.0f s on dev %u queue %d "
				 "(%s, tap %s): target %llu, submitted %llu, "
				 "completed %llu, avail idx %u, last used %u",
				 STALL_SECONDS, i, q, q == LG_Q_RX ? "rx" : "tx",
				 devs[i].ifname, (unsigned long long)vq->target,
				 (unsigned long long)vq->submitted,
				 (unsigned long long)vq->completed,
				 vq->avail_idx, vq->last_used);
		}
	}
	lg_fatal("stalled");
}

static void progress_line(struct lg_dev *devs, unsigned ndev, double t)
{
	uint64_t tx = 0, rx = 0, txt = 0, rxt = 0;
	unsigned i;

	for (i = 0; i < ndev; i++) {
		tx += devs[i].vq[LG_Q_TX].completed;
		txt += devs[i].vq[LG_Q_TX].target;
		rx += devs[i].vq[LG_Q_RX].own;
		rxt += devs[i].vq[LG_Q_RX].target;
	}
	fprintf(stderr, "%s[%d]: %.1f s: tx %llu/%llu rx %llu/%llu\n", LG_NAME,
		(int)getpid(), t, (unsigned long long)tx, (unsigned long long)txt,
		(unsigned long long)rx, (unsigned long long)rxt);
}

static int run_round(const struct lg_opts *o, unsigned round)
{
	struct lg_dev *devs = calloc(o->devices, sizeof(*devs));
	bool event_idx = !o->no_event_idx;
	double t0, now, last_progress, next_report;
	bool cut = false;
	unsigned i, idle = 0, iter = 0;
	bool done, moved = false;
	int q;

	if (!devs)
		lg_die("calloc", ENOMEM);
	for (i = 0; i < o->devices; i++)
		dev_setup(&devs[i], (int)i, o, &event_idx);
	for (i = 0; i < o->devices; i++) {
		init_targets(o, &devs[i].vq[LG_Q_TX], o->tx);
		init_targets(o, &devs[i].vq[LG_Q_RX], o->rx);
		for (q = 0; q < LG_NQ; q++) {
			mis_init_vq(o, &devs[i].vq[q]);
			hostile_init_vq(o, &devs[i].vq[q], i);
		}
	}

	if (o->pause_before_ms)
		sleep_ms(o->pause_before_ms);
	while (round == 1 && o->wait_file && access(o->wait_file, F_OK))
		sleep_ms(10);

	t0 = last_progress = lg_now();
	next_report = t0 + PROGRESS_AFTER;
	for (;;) {
		bool progress = false;

		done = true;
		for (i = 0; i < o->devices; i++) {
			struct lg_dev *d = &devs[i];

			if (d->vq[LG_Q_TX].target)
				progress |= service_tx(o, d);
			if (d->vq[LG_Q_RX].target)
				progress |= service_rx(o, d);
			for (q = 0; q < LG_NQ; q++)
				if (d->vq[q].phase < 3 || mis_busy(&d->vq[q]))
					done = false;
		}
		if (done)
			break;

		if (progress) {
			idle = 0;
			moved = true;
		} else if (++idle < 64) {
			sched_yield();
		} else {
			struct timespec ts = { 0, 20000 };

			nanosleep(&ts, NULL);
		}
		if ((++iter & 1023) == 0 || (!progress && (idle & 63) == 0)) {
			now = lg_now();
			if (moved) {
				last_progress = now;
				moved = false;
			} else if (now - last_progress > STALL_SECONDS) {
				stall(devs, o->devices);
			}
			if (!cut && ((o->seconds && now - t0 >= o->seconds) ||
				     (o->stop_file && !access(o->stop_file, F_OK)))) {
				cut_targets(devs, o->devices);
				cut = true;
			}
			if (now >= next_report) {
				progress_line(devs, o->devices, now - t0);
				next_report = now + PROGRESS_EVERY;
			}
		}
	}
	now = lg_now();
	starve_end();
	if (o->idle_ms)
		sleep_ms(o->idle_ms);

	/*
	 * End-of-run barrier: detaching the backend takes each vq->mutex and
	 * flushes the worker, so every signal vhost sent for this run is in
	 * the call eventfd once this returns.  Then consume what is left
	 * (late RX frames would show up as extra) and drain the eventfds.
	 */
	for (i = 0; i < o->devices; i++)
		dev_set_backend(&devs[i], -1);
	for (i = 0; i < o->devices; i++) {
		hostile_restore(&devs[i]);
		vq_harvest(&devs[i].vq[LG_Q_TX], NULL, NULL);
		vq_harvest(&devs[i].vq[LG_Q_RX], rx_used, &devs[i]);
		for (q = 0; q < LG_NQ; q++)
			vq_read_call(&devs[i].vq[q]);
	}

	gt_emit(o, devs, o->devices, event_idx, now - t0, round);

	if (o->hold_ms)
		sleep_ms(o->hold_ms);
	for (i = 0; i < o->devices; i++) {
		if (o->zero_rings && devs[i].mem && devs[i].mem != MAP_FAILED)
			memset(devs[i].mem, 0, devs[i].mem_size);
		dev_teardown(&devs[i]);
	}
	free(devs);
	return 0;
}

/* --rounds R: the whole scenario R times; every round opens new devices
 * (the kernel may well give their vqs the addresses of the last round's). */
static int run(const struct lg_opts *o)
{
	for (unsigned r = 1; r <= o->rounds; r++) {
		if (o->vsock)
			vsock_round(o, r);
		else if (o->scsi_wwpn)
			scsi_round(o, r);
		else
			run_round(o, r);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct lg_opts o;
	pid_t pids[LG_MAX_PROCS];
	unsigned i;
	int failed = 0;

	parse_opts(argc, argv, &o);
	if (o.dm_linear || o.dm_remove) {	/* the rig's target setup, nothing else */
		if (o.dm_linear)
			dm_linear(o.dm_linear);
		else
			dm_remove(o.dm_remove);
		return 0;
	}
	if (o.gt_path) {
		o.gt_fd = open(o.gt_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (o.gt_fd < 0) {
			int e = errno;

			lg_fatal("open --gt file %s failed: %s (errno %d)", o.gt_path,
				 strerror(e), e);
		}
	}
	if (o.procs == 1)
		return run(&o);

	fflush(NULL);
	for (i = 0; i < o.procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			lg_die("fork", errno);
		if (pids[i] == 0)
			exit(run(&o));
	}
	for (i = 0; i < o.procs; i++) {
		int st;

		while (waitpid(pids[i], &st, 0) < 0) {
			if (errno != EINTR)
				lg_die("waitpid", errno);
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			continue;
		failed = 1;
		if (WIFEXITED(st))
			fprintf(stderr, "%s: process %d exited with status %d\n",
				LG_NAME, (int)pids[i], WEXITSTATUS(st));
		else
			fprintf(stderr, "%s: process %d killed by signal %d\n",
				LG_NAME, (int)pids[i], WTERMSIG(st));
	}
	return failed;
}
