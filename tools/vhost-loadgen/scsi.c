// SPDX-License-Identifier: GPL-2.0
/*
 * --scsi WWPN: a userspace virtio-scsi driver over /dev/vhost-scsi.  The
 * target (a LIO vhost WWPN with TPG 1 and LUN 0) must exist in configfs
 * (tests/e2e/scsi-target.sh makes one on a ramdisk); VHOST_SCSI_SET_ENDPOINT
 * attaches the device to it.
 *
 * Queues (virtio spec, SCSI host device): 0 control, 1 event, 2.. request
 * (--scsi-queues Q of them).  Each request is two chained descriptors:
 * virtio_scsi_cmd_req + data-out the device reads, virtio_scsi_cmd_resp +
 * data-in it writes.  The driver sends one virtio_scsi_ctrl_an_req
 * (AN_QUERY) on the control queue; on request queue 2 TEST UNIT READY until
 * it is GOOD (a fresh LUN may first report a unit attention); then on every
 * request queue --cmds WRITE(10)s of 4 KiB, each at its own LBA, and, once
 * all are done, the same number of READ(10)s of those blocks, every byte
 * compared with what was written.  Event queue: no buffers, unless
 * --scsi-hotplug BACKSTORE: then VIRTIO_SCSI_F_HOTPLUG is negotiated, the
 * event ring filled, and after the I/O the driver plugs LUN 1 (mkdir and a
 * symlink to BACKSTORE in the TPG's configfs) and unplugs it; vhost-scsi
 * reports each as a VIRTIO_SCSI_T_TRANSPORT_RESET event (reason RESCAN,
 * then REMOVED), one used entry on the event queue each.
 *
 * --scsi-hold DM:MS: the LUN's backstore is the device-mapper device DM
 * (tests/e2e/scsi-target.sh up ... dm); once half of queue 2's WRITEs are
 * done and none is in flight, the driver suspends DM, sends one WRITE,
 * waits MS ms (the command must still be in the backend then), and
 * resumes DM: vhost holds one request unused for MS ms.
 *
 * Ground truth per queue: commands completed (used entries) and interrupts
 * (call eventfd counts).  vhost-scsi completes commands from a work item of
 * its worker, outside the vq mutex, so the end-of-run barrier is
 * VHOST_SCSI_CLEAR_ENDPOINT: it waits for every command in flight and
 * flushes the worker before it returns.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/vhost.h>
#include <linux/virtio_scsi.h>

#include "loadgen.h"
#include "util.h"

#define SC_CTL 0
#define SC_EVT 1
#define SC_IO0 2
#define SC_MAX_IO 8
#define SC_NVQ (SC_IO0 + SC_MAX_IO)
#define SC_TPGT 1
#define SC_BLOCK 512u
#define SC_XFER 4096u				/* bytes per WRITE/READ */
#define SC_SLOT (8192u)				/* one descriptor's buffer */
#define SC_TUR_MAX 8
#define SC_EVENTS 2				/* plug, unplug */
#define SC_EVT_WAIT_S 10.0
#define SC_STALL_S 20.0

#define SC_REQ ((uint32_t)sizeof(struct virtio_scsi_cmd_req))	/* 51 */
#define SC_RESP ((uint32_t)sizeof(struct virtio_scsi_cmd_resp))	/* 108 */
/* A command's data sits SC_DATA_AT bytes into its (page-aligned) slots,
 * its header just before it in the same descriptor: a block device under
 * the target (iblock) takes sector-aligned buffers only, as a Linux
 * guest's would be. */
#define SC_DATA_AT 512u
#define SC_OUT_AT (SC_DATA_AT - SC_REQ)
#define SC_IN_AT (SC_DATA_AT - SC_RESP)

enum sc_op { SC_TUR, SC_WRITE, SC_READ, SC_AN, SC_NOPS };
static const char *const sc_op_names[SC_NOPS] = { "tur", "write", "read", "an_query" };
static const char *const sc_dirs[SC_NVQ] = { "ctl", "evt", "io", "io", "io", "io",
					     "io", "io", "io", "io" };

struct sc_req {				/* what a head descriptor carries */
	enum sc_op op;
	uint32_t lba;
	uint64_t seq;			/* the transfer's index on its queue */
};

struct sc_vq {
	struct lg_vq vq;
	struct sc_req *req;		/* by head id */
	uint64_t ops[SC_NOPS];		/* commands completed, by kind */
	uint64_t good, bad;		/* response OK and status GOOD, or not */
	uint64_t written, read, mismatch;	/* bytes */
	uint64_t wsub, rsub;		/* WRITEs / READs submitted */
	bool tur_good;
	unsigned tur_tries;
	unsigned held_ms;		/* --scsi-hold: a WRITE held this long */
};

struct sc_dev {
	struct lg_dev d;
	struct sc_vq q[SC_NVQ];
	unsigned nvq;
	int abi;
	bool an_done;
	uint8_t an_response;
	struct virtio_scsi_event ev[SC_EVENTS];	/* as received */
	unsigned nev;
};

void scsi_usage(FILE *f)
{
	fprintf(f,
"virtio-scsi (--scsi WWPN; /dev/vhost-scsi instead of /dev/vhost-net):\n"
"  --scsi WWPN         attach to the vhost fabric's WWPN (TPG 1, LUN 0, made\n"
"                      in configfs beforehand, e.g. by tests/e2e/scsi-target.sh):\n"
"                      one AN_QUERY on the control queue, TEST UNIT READY\n"
"                      until GOOD, then per request queue --cmds WRITE(10)s of\n"
"                      4 KiB and READ(10)s of the same blocks, data checked\n"
"  --scsi-queues Q     request queues (vqs 2 .. Q+1), 1..%d (default 1)\n"
"  --cmds N            WRITEs (and as many READs) per request queue (default 256)\n"
"  --scsi-hold DM:MS   the LUN's backstore is device-mapper device DM: half\n"
"                      way through queue 2's WRITEs, suspend DM, send one\n"
"                      WRITE, wait MS ms (it must not complete), resume DM\n"
"  --scsi-hotplug BACKSTORE  negotiate VIRTIO_SCSI_F_HOTPLUG, fill the event\n"
"                      queue, and after the I/O plug LUN 1 (a configfs link to\n"
"                      the backstore directory BACKSTORE) and unplug it: one\n"
"                      event each\n"
"  Applies with it: --ring, --event-every, --no-event-idx, --always-kick,\n"
"  --kthread, --rounds, --gt, --wait-file, --pause-before, --hold.\n"
"\n", SC_MAX_IO);
}

void scsi_check_opts(const struct lg_opts *o, bool tx_set, bool rx_set)
{
	if (!o->scsi_wwpn) {
		if (o->scsi_queues || o->scsi_cmds_set || o->scsi_hotplug || o->scsi_hold_ms)
			bad_usage("--scsi-queues, --cmds, --scsi-hold and --scsi-hotplug need --scsi");
		return;
	}
	if (strlen(o->scsi_wwpn) >= sizeof(((struct vhost_scsi_target *)0)->vhost_wwpn))
		bad_usage("--scsi: WWPN '%s' is too long", o->scsi_wwpn);
	if (o->vsock)
		bad_usage("--scsi and --vsock exclude each other");
	if (tx_set || rx_set)
		bad_usage("--scsi issues SCSI commands: use --cmds, not --tx/--rx");
	if (o->devices > 1 || o->procs > 1)
		bad_usage("--scsi: one device (a WWPN takes one endpoint at a time)");
	if (o->in_order)
		bad_usage("--in-order: vhost_scsi does not offer VIRTIO_F_IN_ORDER");
	if (o->ring < 4)
		bad_usage("--scsi needs --ring 4 or more (two descriptors per command)");
	if (o->no_call || o->no_interrupt || o->call_toggle || o->reset_backend ||
	    o->zero_rings || o->batch || o->seconds || o->stop_file ||
	    o->freeze_after || o->event_ahead || o->jump_after || o->no_call_after ||
	    o->event_random || o->flags_garbage || o->unmap_after || o->idle_ms)
		bad_usage("--scsi takes none of the vhost-net scenario options "
			  "(see the --scsi section of --help)");
}

/* ------------------------------------------------------------------ */
/* the device                                                           */

static void sc_endpoint(struct sc_dev *s, const char *wwpn, unsigned long req,
			const char *name)
{
	struct vhost_scsi_target t;

	memset(&t, 0, sizeof(t));
	t.abi_version = s->abi;
	snprintf(t.vhost_wwpn, sizeof(t.vhost_wwpn), "%s", wwpn);
	t.vhost_tpgt = SC_TPGT;
	if (ioctl(s->d.fd, req, &t) < 0) {
		int e = errno;

		lg_fatal("ioctl %s(%s) failed: %s (errno %d)%s", name, wwpn,
			 strerror(e), e, e == ENODEV ? " (no such WWPN/TPG in configfs?)" : "");
	}
}

static void sc_setup(struct sc_dev *s, const struct lg_opts *o, bool *event_idx)
{
	size_t per = vq_mem_size(o->ring, SC_SLOT, false);
	unsigned i;

	s->nvq = SC_IO0 + o->scsi_queues;
	dev_open(&s->d, 0, "/dev/vhost-scsi", o);
	if (o->scsi_hotplug)
		s->d.extra_features = 1ULL << VIRTIO_SCSI_F_HOTPLUG;
	dev_negotiate(&s->d, o, event_idx);
	dev_map(&s->d, per * s->nvq);
	for (i = 0; i < s->nvq; i++) {
		struct lg_vq *vq = &s->q[i].vq;

		vq->dev = 0;
		vq->index = (int)i;
		if (i == SC_EVT)	/* one virtio_scsi_event per buffer */
			vq_init(vq, s->d.mem + per * i, o->ring, SC_SLOT,
				sizeof(struct virtio_scsi_event), true, false);
		else
			vq_init(vq, s->d.mem + per * i, o->ring, SC_SLOT, SC_SLOT,
				false, false);
		vq_configure_events(vq, *event_idx, o->event_every, 0, false, o->always_kick);
		dev_setup_vring(&s->d, vq, o);
		s->q[i].req = calloc(o->ring, sizeof(*s->q[i].req));
		if (!s->q[i].req)
			lg_die("calloc", ENOMEM);
	}
	if (ioctl(s->d.fd, VHOST_SCSI_GET_ABI_VERSION, &s->abi) < 0)
		lg_die("ioctl VHOST_SCSI_GET_ABI_VERSION", errno);
	sc_endpoint(s, o->scsi_wwpn, VHOST_SCSI_SET_ENDPOINT, "VHOST_SCSI_SET_ENDPOINT");
	s->d.backend_set = true;
}

/* ------------------------------------------------------------------ */
/* commands                                                             */

static uint8_t sc_pattern(unsigned q, uint64_t seq, uint32_t i)
{
	uint64_t x = (seq * SC_XFER + i) ^ ((uint64_t)q << 40);

	return (uint8_t)((x ^ (x >> 8) ^ (x >> 16)) * 29u + q);
}

/* LBA of transfer seq on request queue q: every transfer its own blocks. */
static uint32_t sc_lba(const struct lg_opts *o, unsigned q, uint64_t seq)
{
	return (uint32_t)(((uint64_t)q * o->scsi_cmds + seq) * (SC_XFER / SC_BLOCK));
}

static bool sc_submit(struct sc_vq *v, enum sc_op op, uint32_t lba, uint64_t seq)
{
	struct lg_vq *vq = &v->vq;
	struct virtio_scsi_cmd_req r;
	uint32_t out = SC_REQ, in = SC_RESP;
	uint16_t old = vq->avail_idx;
	uint16_t blocks = SC_XFER / SC_BLOCK;
	uint8_t *ob;
	int h;

	if (op == SC_WRITE)
		out += SC_XFER;
	if (op == SC_READ)
		in += SC_XFER;
	h = vq_add_chain_at(vq, SC_OUT_AT, out, SC_IN_AT, in);
	if (h < 0)
		return false;
	memset(&r, 0, sizeof(r));
	r.lun[0] = 1;			/* a LUN of ... */
	r.lun[1] = SC_TPGT;		/* ... target = the TPG (vhost-scsi) */
	r.lun[2] = 0x40;		/* flat addressing, LUN 0 */
	r.tag = htole64(((uint64_t)op << 56) | seq);
	r.task_attr = VIRTIO_SCSI_S_SIMPLE;
	if (op == SC_WRITE || op == SC_READ) {
		r.cdb[0] = op == SC_WRITE ? 0x2a : 0x28;	/* WRITE(10), READ(10) */
		r.cdb[2] = (uint8_t)(lba >> 24);
		r.cdb[3] = (uint8_t)(lba >> 16);
		r.cdb[4] = (uint8_t)(lba >> 8);
		r.cdb[5] = (uint8_t)lba;
		r.cdb[7] = (uint8_t)(blocks >> 8);
		r.cdb[8] = (uint8_t)blocks;
	}				/* TEST UNIT READY: cdb all 0 */
	ob = vq_buf(vq, (unsigned)h) + SC_OUT_AT;
	memcpy(ob, &r, sizeof(r));
	if (op == SC_WRITE)
		for (uint32_t i = 0; i < SC_XFER; i++)
			ob[SC_REQ + i] = sc_pattern((unsigned)vq->index, seq, i);
	memset(vq_buf(vq, vq->chain[h]) + SC_IN_AT, 0xee, in);	/* no stale data passes */
	v->req[h] = (struct sc_req){ .op = op, .lba = lba, .seq = seq };
	vq_publish(vq, old);
	vq->submitted++;
	return true;
}

static void sc_used(struct lg_vq *vq, unsigned id, uint32_t len, void *arg)
{
	struct sc_vq *v = arg;
	const struct sc_req *r = &v->req[id];
	const uint8_t *ib = vq_buf(vq, vq->chain[id]) + SC_IN_AT;
	struct virtio_scsi_cmd_resp rs;
	bool good;

	(void)len;
	memcpy(&rs, ib, sizeof(rs));
	good = rs.response == VIRTIO_SCSI_S_OK && rs.status == 0;	/* GOOD */
	v->ops[r->op]++;
	if (good)
		v->good++;
	else
		v->bad++;
	if (r->op == SC_TUR) {
		v->tur_good = good;
		v->tur_tries++;
	} else if (r->op == SC_WRITE && good) {
		v->written += SC_XFER;
	} else if (r->op == SC_READ && good) {
		v->read += SC_XFER;
		for (uint32_t i = 0; i < SC_XFER; i++)
			v->mismatch += ib[SC_RESP + i] != sc_pattern((unsigned)vq->index, r->seq, i);
	}
	if (!good && r->op != SC_TUR)
		lg_fatal("request queue %d: %s of LBA %u failed: response %u, status 0x%x, "
			 "sense key 0x%x", vq->index, sc_op_names[r->op], r->lba,
			 rs.response, rs.status, rs.sense_len ? rs.sense[2] & 0xf : 0);
}

/* The control queue's one AN_QUERY. */
static bool sc_an_submit(struct sc_dev *s)
{
	struct sc_vq *v = &s->q[SC_CTL];
	struct virtio_scsi_ctrl_an_req a;
	uint16_t old = v->vq.avail_idx;
	int h = vq_add_chain(&v->vq, sizeof(a), sizeof(struct virtio_scsi_ctrl_an_resp));

	if (h < 0)
		return false;
	memset(&a, 0, sizeof(a));
	a.type = htole32(VIRTIO_SCSI_T_AN_QUERY);
	a.lun[0] = 1;
	a.lun[1] = SC_TPGT;
	a.lun[2] = 0x40;
	memcpy(vq_buf(&v->vq, (unsigned)h), &a, sizeof(a));
	memset(vq_buf(&v->vq, v->vq.chain[h]), 0xee, sizeof(struct virtio_scsi_ctrl_an_resp));
	v->req[h] = (struct sc_req){ .op = SC_AN };
	vq_publish(&v->vq, old);
	v->vq.submitted++;
	return true;
}

static void sc_ctl_used(struct lg_vq *vq, unsigned id, uint32_t len, void *arg)
{
	struct sc_dev *s = arg;
	struct virtio_scsi_ctrl_an_resp r;

	(void)len;
	memcpy(&r, vq_buf(vq, vq->chain[id]), sizeof(r));
	s->q[SC_CTL].ops[SC_AN]++;
	s->an_response = r.response;
	s->an_done = true;
	if (r.response == VIRTIO_SCSI_S_OK)
		s->q[SC_CTL].good++;
	else
		s->q[SC_CTL].bad++;
}

static void sc_evt_used(struct lg_vq *vq, unsigned id, uint32_t len, void *arg)
{
	struct sc_dev *s = arg;

	(void)len;
	if (s->nev < SC_EVENTS)
		memcpy(&s->ev[s->nev], vq_buf(vq, id), sizeof(s->ev[0]));
	s->nev++;
}

/* Harvest the event queue until it has n events (fatal after a while). */
static void sc_evt_wait(struct sc_dev *s, unsigned n, const char *what)
{
	double t0 = lg_now();

	while (s->nev < n) {
		if (vq_harvest(&s->q[SC_EVT].vq, sc_evt_used, s))
			vq_read_call(&s->q[SC_EVT].vq);
		else if (lg_now() - t0 > SC_EVT_WAIT_S)
			lg_fatal("--scsi-hotplug: no event for the %s of LUN 1 in %.0f s",
				 what, SC_EVT_WAIT_S);
		else
			usleep(100);
	}
}

/* Plug LUN 1 of the TPG (the backstore linked), then unplug it. */
static void sc_hotplug(const struct lg_opts *o, struct sc_dev *s)
{
	char dir[512], link[600];

	snprintf(dir, sizeof(dir), "/sys/kernel/config/target/vhost/%s/tpgt_%d/lun/lun_1",
		 o->scsi_wwpn, SC_TPGT);
	snprintf(link, sizeof(link), "%s/port1", dir);
	if (mkdir(dir, 0755) < 0)
		lg_die(dir, errno);
	if (symlink(o->scsi_hotplug, link) < 0)
		lg_die("symlink(--scsi-hotplug backstore)", errno);
	sc_evt_wait(s, 1, "plug");
	if (unlink(link) < 0)
		lg_die("unlink(LUN 1 link)", errno);
	if (rmdir(dir) < 0)
		lg_die("rmdir(LUN 1)", errno);
	sc_evt_wait(s, 2, "unplug");
}

/* --scsi-hold: queue 2 stops sending WRITEs at half of them (the hold is
 * due); with ready, also none in flight: the moment to hold one. */
static bool sc_hold_due(const struct lg_opts *o, const struct sc_vq *v, unsigned q, bool ready)
{
	if (!o->scsi_hold_ms || q != SC_IO0 || v->held_ms || v->wsub != o->scsi_cmds / 2)
		return false;
	return !ready || (v->ops[SC_WRITE] == v->wsub && !vq_outstanding(&v->vq));
}

/* One WRITE into the suspended backend, kept there for --scsi-hold's MS. */
static void sc_hold(const struct lg_opts *o, struct sc_vq *v, unsigned q)
{
	dm_suspend(o->scsi_hold_dm, true);
	if (!sc_submit(v, SC_WRITE, sc_lba(o, q - SC_IO0, v->wsub), v->wsub))
		lg_fatal("--scsi-hold: no room for the WRITE to hold");
	v->wsub++;
	sleep_ms(o->scsi_hold_ms);
	if (vq_harvest(&v->vq, sc_used, v))
		lg_fatal("--scsi-hold: the WRITE completed while %s was suspended: "
			 "is it the LUN's backstore?", o->scsi_hold_dm);
	dm_suspend(o->scsi_hold_dm, false);
	v->held_ms = o->scsi_hold_ms;
	fprintf(stderr, "%s[%d]: held one WRITE in suspended %s for %u ms\n", LG_NAME,
		(int)getpid(), o->scsi_hold_dm, o->scsi_hold_ms);
}

/* Request queue q's next steps; true if anything moved. */
static bool sc_service_io(const struct lg_opts *o, struct sc_dev *s, unsigned q)
{
	struct sc_vq *v = &s->q[q];
	bool progress = false;

	if (vq_harvest(&v->vq, sc_used, v)) {
		vq_read_call(&v->vq);
		progress = true;
	}
	if (!s->q[SC_IO0].tur_good) {	/* TEST UNIT READY first, on queue 2 */
		if (q == SC_IO0 && !vq_outstanding(&v->vq)) {
			if (v->tur_tries >= SC_TUR_MAX)
				lg_fatal("TEST UNIT READY not GOOD after %u tries", v->tur_tries);
			progress |= sc_submit(v, SC_TUR, 0, v->tur_tries);
		}
		return progress;
	}
	while (v->wsub < o->scsi_cmds && !sc_hold_due(o, v, q, false) &&
	       sc_submit(v, SC_WRITE, sc_lba(o, q - SC_IO0, v->wsub), v->wsub)) {
		v->wsub++;
		progress = true;
	}
	if (sc_hold_due(o, v, q, true)) {
		sc_hold(o, v, q);
		progress = true;
	}
	if (v->ops[SC_WRITE] < o->scsi_cmds)	/* reads only after every write */
		return progress;
	while (v->rsub < o->scsi_cmds &&
	       sc_submit(v, SC_READ, sc_lba(o, q - SC_IO0, v->rsub), v->rsub)) {
		v->rsub++;
		progress = true;
	}
	return progress;
}

static bool sc_done(const struct lg_opts *o, const struct sc_dev *s)
{
	if (!s->an_done)
		return false;
	for (unsigned q = SC_IO0; q < s->nvq; q++)
		if (s->q[q].ops[SC_READ] < o->scsi_cmds)
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* ground truth                                                         */

static void sc_emit(const struct lg_opts *o, struct sc_dev *s, bool event_idx,
		    double elapsed, unsigned round)
{
	struct sbuf b;
	unsigned i, k;

	sb_init(&b, 1024 + SC_NVQ * 512);
	gt_begin(&b, o, round, "scsi", event_idx, false, elapsed);
	for (i = 0; i < s->nvq; i++) {
		const struct sc_vq *v = &s->q[i];

		sb_printf(&b, "%s{\"dev\":0,\"queue\":%u,\"dir\":\"%s\",\"completed\":%llu,"
			  "\"used_elems\":%llu,\"interrupts\":%llu,\"kicks\":%llu,"
			  "\"good\":%llu,\"bad\":%llu,\"written\":%llu,\"read\":%llu,"
			  "\"mismatch\":%llu,\"held_ms\":%u,\"cmds\":{", i ? "," : "", i, sc_dirs[i],
			  (unsigned long long)v->vq.completed,
			  (unsigned long long)v->vq.used_elems,
			  (unsigned long long)v->vq.interrupts,
			  (unsigned long long)v->vq.kicks, (unsigned long long)v->good,
			  (unsigned long long)v->bad, (unsigned long long)v->written,
			  (unsigned long long)v->read, (unsigned long long)v->mismatch, v->held_ms);
		for (k = 0; k < SC_NOPS; k++)
			sb_printf(&b, "%s\"%s\":%llu", k ? "," : "", sc_op_names[k],
				  (unsigned long long)v->ops[k]);
		sb_printf(&b, "}}");
	}
	sb_printf(&b, "],\"scsi\":{\"wwpn\":\"%s\",\"tpgt\":%d,\"abi\":%d,"
		  "\"an_response\":%u,\"hotplug\":%s,\"events\":[", o->scsi_wwpn, SC_TPGT,
		  s->abi, s->an_response, o->scsi_hotplug ? "true" : "false");
	for (i = 0; i < s->nev && i < SC_EVENTS; i++)
		sb_printf(&b, "%s{\"event\":%u,\"reason\":%u,\"lun\":%u}", i ? "," : "",
			  le32toh(s->ev[i].event), le32toh(s->ev[i].reason),
			  ((s->ev[i].lun[2] & 0x3f) << 8) | s->ev[i].lun[3]);
	sb_printf(&b, "],\"events_seen\":%u}}\n", s->nev);
	sb_write(&b, o->gt_fd >= 0 ? o->gt_fd : STDOUT_FILENO);
	sb_free(&b);
	fprintf(stderr, "%s[%d]: scsi %s: %u request queue(s), %llu+%llu WRITE/READ "
		"of 4 KiB each, %.3f s\n", LG_NAME, (int)getpid(), o->scsi_wwpn,
		s->nvq - SC_IO0, (unsigned long long)o->scsi_cmds,
		(unsigned long long)o->scsi_cmds, elapsed);
}

/* ------------------------------------------------------------------ */
/* one round                                                            */

void scsi_round(const struct lg_opts *o, unsigned round)
{
	struct sc_dev *s = calloc(1, sizeof(*s));
	bool event_idx = !o->no_event_idx;
	double t0, now, last;
	unsigned i, idle = 0;

	if (!s)
		lg_die("calloc", ENOMEM);
	for (i = 0; i < SC_NVQ; i++)
		s->q[i].vq.kick_fd = s->q[i].vq.call_fd = -1;
	sc_setup(s, o, &event_idx);

	if (o->scsi_hotplug) {	/* every event buffer posted */
		struct lg_vq *ev = &s->q[SC_EVT].vq;
		uint16_t old = ev->avail_idx;

		ev->submitted += vq_add(ev, ev->nfree);
		vq_publish(ev, old);
	}
	if (o->pause_before_ms)
		sleep_ms(o->pause_before_ms);
	while (round == 1 && o->wait_file && access(o->wait_file, F_OK))
		sleep_ms(10);

	t0 = last = lg_now();
	while (!sc_done(o, s)) {
		bool progress = false;

		if (vq_harvest(&s->q[SC_CTL].vq, sc_ctl_used, s)) {
			vq_read_call(&s->q[SC_CTL].vq);
			progress = true;
		}
		if (!s->q[SC_CTL].vq.submitted)
			progress |= sc_an_submit(s);
		for (i = SC_IO0; i < s->nvq; i++)
			progress |= sc_service_io(o, s, i);
		now = lg_now();
		if (progress) {
			idle = 0;
			last = now;
		} else if (now - last > SC_STALL_S) {
			lg_fatal("stalled: no progress for %.0f s (AN_QUERY %s, TUR %u tries, "
				 "queue 2: %llu writes, %llu reads done)", SC_STALL_S,
				 s->an_done ? "done" : "pending", s->q[SC_IO0].tur_tries,
				 (unsigned long long)s->q[SC_IO0].ops[SC_WRITE],
				 (unsigned long long)s->q[SC_IO0].ops[SC_READ]);
		} else if (++idle > 64) {
			usleep(20);
		}
	}
	if (o->scsi_hotplug)
		sc_hotplug(o, s);
	now = lg_now();

	/* End-of-run barrier (see the top of the file), then the last counts. */
	sc_endpoint(s, o->scsi_wwpn, VHOST_SCSI_CLEAR_ENDPOINT, "VHOST_SCSI_CLEAR_ENDPOINT");
	s->d.backend_set = false;
	vq_harvest(&s->q[SC_CTL].vq, sc_ctl_used, s);
	vq_harvest(&s->q[SC_EVT].vq, sc_evt_used, s);
	for (i = SC_IO0; i < s->nvq; i++)
		vq_harvest(&s->q[i].vq, sc_used, &s->q[i]);
	for (i = 0; i < s->nvq; i++)
		vq_read_call(&s->q[i].vq);
	sc_emit(o, s, event_idx, now - t0, round);

	if (o->hold_ms)
		sleep_ms(o->hold_ms);
	for (i = 0; i < s->nvq; i++) {
		dev_release_vq(&s->q[i].vq);
		free(s->q[i].req);
	}
	dev_teardown(&s->d);
	free(s);
}
