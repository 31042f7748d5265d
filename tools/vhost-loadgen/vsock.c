// SPDX-License-Identifier: GPL-2.0
/*
 * --vsock: a userspace virtio-vsock driver over /dev/vhost-vsock.  Each
 * device is a guest with a CID of its own that opens one stream to a
 * listener of this kernel (vsock_peer.c: the kernel vhost_vsock serves is
 * vhost's "host"), sends --send bytes, receives --recv bytes and answers
 * the host's close, speaking virtio-vsock packets (struct virtio_vsock_hdr:
 * REQUEST, RESPONSE, RW, CREDIT_UPDATE, CREDIT_REQUEST, SHUTDOWN, RST) with
 * buf_alloc/fwd_cnt credit both ways.
 *
 * Queues (virtio spec, vsock device): 0 rx (host -> guest, buffers the
 * device writes), 1 tx (guest -> host), 2 event.  The kernel's vhost_vsock
 * has only the first two (struct vhost_vsock: vqs[2]); the event queue is
 * the VMM's (QEMU sends VIRTIO_VSOCK_EVENT_TRANSPORT_RESET on it after a
 * migration).  So the driver asks vhost for ring 2 like a VMM would not,
 * and records the kernel's answer (ENOBUFS: no such vq) as evt_vring.
 *
 * Ground truth, as for vhost-net: used entries (buffers completed) and
 * interrupts (call eventfd counts) per queue.  The end-of-run barrier is
 * VHOST_VSOCK_SET_RUNNING 0: it takes each vq's mutex, which vhost holds
 * from fetching a buffer until after vhost_signal(), and leaves no backend,
 * so nothing is added or signalled after it.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/vhost.h>
#include <linux/virtio_vsock.h>

#include "loadgen.h"
#include "util.h"

#define VS_HDR ((uint32_t)sizeof(struct virtio_vsock_hdr))	/* 44 */
#define VS_HOST_CID 2u			/* VMADDR_CID_HOST: vhost's local CID */
#define VS_RX_BUF 4096u			/* as Linux's virtio_transport */
#define VS_BUF_ALLOC (256u * 1024)	/* our receive buffer (credit) */
#define VS_CREDIT_EVERY (64u * 1024)	/* tell fwd_cnt after this many bytes */
#define VS_GUEST_PORT 49152u		/* + device ordinal */
#define VS_OPS 8			/* VIRTIO_VSOCK_OP_INVALID .. CREDIT_REQUEST */
#define VS_STALL_S 20.0
#define VS_CREDIT_ASK_S 1.0
#define VS_DEAD_PORT 9u			/* no listener: a REQUEST there gets an RST */

static const char *const op_names[VS_OPS] = {
	"invalid", "request", "response", "rst", "shutdown", "rw",
	"credit_update", "credit_request",
};

enum vs_state { VS_IDLE, VS_CONNECTING, VS_OPEN, VS_CLOSED };

struct vs_dev {
	struct lg_dev d;
	struct vsock_peer peer;
	struct vsock_peer_result res;
	uint64_t cid;
	uint32_t port;			/* the guest's port */
	int evt_errno;			/* VHOST_SET_VRING_NUM on ring 2; 0: accepted */
	enum vs_state state;
	bool peer_shut;			/* the host's SHUTDOWN arrived */
	bool credit_asked;		/* the host sent CREDIT_REQUEST */
	uint64_t sent, got, got_bad;	/* stream bytes, both ways */
	uint32_t tx_cnt, peer_buf_alloc, peer_fwd_cnt;	/* credit we get */
	uint32_t fwd_cnt, fwd_told;	/* credit we give */
	double starved_since, last_ask;
	uint64_t ops[LG_NQ][VS_OPS];	/* packets by op, per queue */
	uint64_t bytes[LG_NQ];		/* payload bytes per queue */
	uint64_t foreign;		/* rx packets not of our stream */
	unsigned dead_requests;		/* --vsock-hold-rx: REQUESTs to VS_DEAD_PORT */
	unsigned held_rx_ms;		/* ...and how long TX was held */
};

void vsock_usage(FILE *f)
{
	fprintf(f,
"virtio-vsock (--vsock; /dev/vhost-vsock instead of /dev/vhost-net):\n"
"  --vsock             each device is a guest (CID 65536 + pid * 64 + device)\n"
"                      with one stream to an AF_VSOCK listener of this kernel\n"
"                      (a child process, port = the CID): send --send bytes,\n"
"                      receive --recv bytes, then the host closes and the\n"
"                      guest answers RST; both sides check every byte\n"
"  --send BYTES        guest -> host stream bytes (default 1048576)\n"
"  --recv BYTES        host -> guest stream bytes (default 1048576)\n"
"  --pkt SIZE          payload bytes per TX packet, 1..65536 (default 1024);\n"
"                      RX buffers are 4096 bytes (vhost splits longer packets)\n"
"  --vsock-hold-rx MS  before the stream, post no RX buffers and send a TX\n"
"                      ring's worth of REQUESTs to a port nobody listens on:\n"
"                      vhost queues an RST reply for each and, with a ring's\n"
"                      worth waiting for RX buffers, stops serving TX. Then\n"
"                      send the stream's REQUEST, wait MS ms (it must stay\n"
"                      unused), and post the RX buffers (one device)\n"
"  Applies with it: --ring, --event-every, --no-event-idx, --no-call,\n"
"  --always-kick, --devices, --procs, --kthread, --rounds, --gt, --wait-file,\n"
"  --pause-before, --hold.\n"
"\n");
}

void vsock_check_opts(const struct lg_opts *o, bool tx_set, bool rx_set)
{
	if (!o->vsock) {
		if (o->vsock_pkt || o->vsock_send || o->vsock_recv || o->vsock_hold_rx_ms)
			bad_usage("--send, --recv, --pkt and --vsock-hold-rx need --vsock");
		return;
	}
	if (tx_set || rx_set)
		bad_usage("--vsock carries a stream: use --send/--recv, not --tx/--rx");
	if (o->vsock_hold_rx_ms && (o->devices > 1 || o->procs > 1))
		bad_usage("--vsock-hold-rx: one device of one process");
	if (o->in_order)
		bad_usage("--in-order: vhost_vsock does not offer VIRTIO_F_IN_ORDER");
	if (o->no_interrupt || o->call_toggle || o->reset_backend || o->zero_rings ||
	    o->batch || o->seconds || o->stop_file || o->freeze_after ||
	    o->event_ahead || o->jump_after || o->no_call_after || o->event_random ||
	    o->flags_garbage || o->unmap_after || o->idle_ms)
		bad_usage("--vsock takes none of the vhost-net scenario options "
			  "(see the --vsock section of --help)");
}

/* ------------------------------------------------------------------ */
/* the device                                                           */

static void vs_setup(struct vs_dev *v, int ordinal, const struct lg_opts *o,
		     bool *event_idx)
{
	uint32_t tx_slot = (VS_HDR + o->vsock_pkt + 63) & ~63u;
	size_t rx_size = vq_mem_size(o->ring, VS_RX_BUF, false);
	size_t tx_size = vq_mem_size(o->ring, tx_slot, false);
	struct vhost_vring_state evt = { .index = 2, .num = o->ring };
	uint64_t cid = v->cid;
	int running = 1, q;

	dev_open(&v->d, ordinal, "/dev/vhost-vsock", o);
	dev_negotiate(&v->d, o, event_idx);
	dev_map(&v->d, rx_size + tx_size);
	for (q = 0; q < LG_NQ; q++) {
		struct lg_vq *vq = &v->d.vq[q];
		bool rx = q == LG_Q_RX;

		vq->dev = ordinal;
		vq->index = q;
		vq_init(vq, v->d.mem + (rx ? 0 : rx_size), o->ring,
			rx ? VS_RX_BUF : tx_slot, rx ? VS_RX_BUF : tx_slot, rx, false);
		vq_configure_events(vq, *event_idx, o->event_every, 0, false,
				    o->always_kick);
		dev_setup_vring(&v->d, vq, o);
	}
	v->evt_errno = ioctl(v->d.fd, VHOST_SET_VRING_NUM, &evt) < 0 ? errno : 0;
	if (ioctl(v->d.fd, VHOST_VSOCK_SET_GUEST_CID, &cid) < 0)
		lg_die("ioctl VHOST_VSOCK_SET_GUEST_CID", errno);
	if (ioctl(v->d.fd, VHOST_VSOCK_SET_RUNNING, &running) < 0)
		lg_die("ioctl VHOST_VSOCK_SET_RUNNING(1)", errno);
	v->d.backend_set = true;
}

/* The end-of-run barrier (see the top of the file). */
static void vs_stop(struct vs_dev *v)
{
	int running = 0;

	if (ioctl(v->d.fd, VHOST_VSOCK_SET_RUNNING, &running) < 0)
		lg_die("ioctl VHOST_VSOCK_SET_RUNNING(0)", errno);
	v->d.backend_set = false;
}

/* ------------------------------------------------------------------ */
/* packets                                                              */

/* One packet on the TX ring to the host's port, RW payload from the
 * stream's pattern; false when the ring is full. */
static bool vs_put(struct vs_dev *v, uint16_t op, uint32_t flags, uint32_t len,
		   uint32_t port)
{
	struct lg_vq *vq = &v->d.vq[LG_Q_TX];
	struct virtio_vsock_hdr h;
	uint16_t old = vq->avail_idx;
	uint8_t *buf;
	int id = vq_add_sized(vq, VS_HDR + len);

	if (id < 0)
		return false;
	buf = vq_buf(vq, (unsigned)id);
	memset(&h, 0, sizeof(h));
	h.src_cid = htole64(v->cid);
	h.dst_cid = htole64(VS_HOST_CID);
	h.src_port = htole32(v->port);
	h.dst_port = htole32(port);
	h.len = htole32(len);
	h.type = htole16(VIRTIO_VSOCK_TYPE_STREAM);
	h.op = htole16(op);
	h.flags = htole32(flags);
	h.buf_alloc = htole32(VS_BUF_ALLOC);
	h.fwd_cnt = htole32(v->fwd_cnt);
	memcpy(buf, &h, sizeof(h));
	for (uint32_t i = 0; i < len; i++)
		buf[VS_HDR + i] = vsock_pattern(v->sent + i, 0);
	vq_publish(vq, old);
	vq->submitted++;
	return true;
}

/* A packet of the stream, counted by op. */
static bool vs_send(struct vs_dev *v, uint16_t op, uint32_t flags, uint32_t len)
{
	if (!vs_put(v, op, flags, len, v->peer.port))
		return false;
	v->fwd_told = v->fwd_cnt;
	v->ops[LG_Q_TX][op]++;
	v->bytes[LG_Q_TX] += len;
	if (op == VIRTIO_VSOCK_OP_RW) {
		v->sent += len;
		v->tx_cnt += len;
	}
	return true;
}

/* Every buffer the device filled on RX: one packet (or a piece of one). */
static void vs_rx_used(struct lg_vq *vq, unsigned id, uint32_t len, void *arg)
{
	struct vs_dev *v = arg;
	const uint8_t *buf = vq_buf(vq, id);
	struct virtio_vsock_hdr h;
	uint32_t plen;
	uint16_t op;

	if (len < VS_HDR || len > VS_RX_BUF)
		lg_fatal("dev %d: rx buffer %u used with length %u", v->d.ordinal, id, len);
	memcpy(&h, buf, sizeof(h));
	op = le16toh(h.op);
	plen = le32toh(h.len);
	if (VS_HDR + plen != len)
		lg_fatal("dev %d: rx packet of %u bytes says its payload is %u",
			 v->d.ordinal, len, plen);
	if (le64toh(h.src_cid) != VS_HOST_CID || le64toh(h.dst_cid) != v->cid ||
	    le32toh(h.src_port) != v->peer.port || le32toh(h.dst_port) != v->port ||
	    le16toh(h.type) != VIRTIO_VSOCK_TYPE_STREAM) {
		v->foreign++;
		return;
	}
	v->ops[LG_Q_RX][op < VS_OPS ? op : 0]++;
	v->bytes[LG_Q_RX] += plen;
	v->peer_buf_alloc = le32toh(h.buf_alloc);
	v->peer_fwd_cnt = le32toh(h.fwd_cnt);
	switch (op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (v->state == VS_CONNECTING)
			v->state = VS_OPEN;
		break;
	case VIRTIO_VSOCK_OP_RW:
		for (uint32_t i = 0; i < plen; i++)
			v->got_bad += buf[VS_HDR + i] != vsock_pattern(v->got + i, 1);
		v->got += plen;
		v->fwd_cnt += plen;	/* consumed at once */
		break;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		v->credit_asked = true;
		break;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		v->peer_shut = true;
		break;
	case VIRTIO_VSOCK_OP_RST:
		if (v->state != VS_CLOSED)
			lg_fatal("dev %d: the host reset the stream (CID %llu port %u -> "
				 "port %u) after %llu bytes sent, %llu received",
				 v->d.ordinal, (unsigned long long)v->cid, v->port,
				 v->peer.port, (unsigned long long)v->sent,
				 (unsigned long long)v->got);
		break;
	default:
		break;
	}
}

/* The stream's next steps; true if anything moved. */
static bool vs_service(const struct lg_opts *o, struct vs_dev *v, double now)
{
	struct lg_vq *rx = &v->d.vq[LG_Q_RX], *tx = &v->d.vq[LG_Q_TX];
	bool progress = false;

	if (vq_harvest(rx, vs_rx_used, v)) {
		vq_read_call(rx);
		progress = true;
	}
	if (vq_harvest(tx, NULL, NULL)) {
		vq_read_call(tx);
		progress = true;
	}
	if (rx->nfree) {	/* every RX buffer stays posted */
		uint16_t old = rx->avail_idx;

		rx->submitted += vq_add(rx, rx->nfree);
		vq_publish(rx, old);
		progress = true;
	}
	switch (v->state) {
	case VS_IDLE:
		if (vs_send(v, VIRTIO_VSOCK_OP_REQUEST, 0, 0)) {
			v->state = VS_CONNECTING;
			progress = true;
		}
		break;
	case VS_OPEN:
		if (v->credit_asked && vs_send(v, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0, 0)) {
			v->credit_asked = false;
			progress = true;
		}
		while (v->sent < o->vsock_send) {
			uint64_t left = o->vsock_send - v->sent;
			uint32_t n = left < o->vsock_pkt ? (uint32_t)left : o->vsock_pkt;
			uint32_t credit = v->peer_buf_alloc - (v->tx_cnt - v->peer_fwd_cnt);

			if (credit < n) {	/* wait for the host's CREDIT_UPDATE */
				if (!v->starved_since)
					v->starved_since = now;
				if (now - v->starved_since > VS_CREDIT_ASK_S &&
				    now - v->last_ask > VS_CREDIT_ASK_S &&
				    vs_send(v, VIRTIO_VSOCK_OP_CREDIT_REQUEST, 0, 0))
					v->last_ask = now;
				break;
			}
			v->starved_since = 0;
			if (!vs_send(v, VIRTIO_VSOCK_OP_RW, 0, n))
				break;
			progress = true;
		}
		if (v->fwd_cnt - v->fwd_told >= VS_CREDIT_EVERY &&
		    vs_send(v, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0, 0))
			progress = true;
		if (v->peer_shut && v->got < o->vsock_recv)
			lg_fatal("dev %d: the host shut the stream down after %llu of "
				 "%llu bytes", v->d.ordinal, (unsigned long long)v->got,
				 (unsigned long long)o->vsock_recv);
		/* The host closed (both directions) after all its data: the
		 * guest answers RST, as Linux's virtio_transport does. */
		if (v->peer_shut && v->sent == o->vsock_send &&
		    vs_send(v, VIRTIO_VSOCK_OP_RST, 0, 0)) {
			v->state = VS_CLOSED;
			progress = true;
		}
		break;
	default:
		break;
	}
	return progress;
}

/* --vsock-hold-rx (see its --help). vhost_vsock stops serving TX while as
 * many replies as the TX ring holds wait for RX buffers (its
 * queued_replies, checked before each TX buffer it takes). */
static void vs_hold_rx(const struct lg_opts *o, struct vs_dev *v)
{
	struct lg_vq *tx = &v->d.vq[LG_Q_TX];
	double t0 = lg_now();

	while (v->dead_requests < tx->num || vq_outstanding(tx)) {
		if (v->dead_requests < tx->num &&
		    vs_put(v, VIRTIO_VSOCK_OP_REQUEST, 0, 0, VS_DEAD_PORT)) {
			v->dead_requests++;
			continue;
		}
		if (vq_harvest(tx, NULL, NULL))
			vq_read_call(tx);
		else if (lg_now() - t0 > VS_STALL_S)
			lg_fatal("--vsock-hold-rx: vhost took %llu of %u REQUESTs to port %u in %.0f s",
				 (unsigned long long)tx->completed, tx->num, VS_DEAD_PORT, VS_STALL_S);
		else
			usleep(100);
	}
	if (!vs_send(v, VIRTIO_VSOCK_OP_REQUEST, 0, 0))
		lg_fatal("--vsock-hold-rx: no room for the stream's REQUEST");
	v->state = VS_CONNECTING;
	sleep_ms(o->vsock_hold_rx_ms);
	if (vq_harvest(tx, NULL, NULL))
		lg_fatal("--vsock-hold-rx: vhost used a TX buffer while %u replies waited for "
			 "RX buffers", tx->num);
	v->held_rx_ms = o->vsock_hold_rx_ms;
	fprintf(stderr, "%s[%d]: vsock dev %d: %u RSTs queued, TX held %u ms\n", LG_NAME,
		(int)getpid(), v->d.ordinal, v->dead_requests, v->held_rx_ms);
}

static bool vs_done(const struct vs_dev *v)
{
	return v->state == VS_CLOSED && !vq_outstanding(&v->d.vq[LG_Q_TX]);
}

/* ------------------------------------------------------------------ */
/* ground truth                                                         */

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "accepted";
	case ENOBUFS: return "ENOBUFS";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	default: return "other";
	}
}

static void vs_emit(const struct lg_opts *o, struct vs_dev *vs, unsigned ndev,
		    bool event_idx, double elapsed, unsigned round)
{
	struct sbuf b;
	unsigned i, k;
	int q;

	sb_init(&b, 512 + (size_t)ndev * 1536);
	gt_begin(&b, o, round, "vsock", event_idx, false, elapsed);
	for (i = 0; i < ndev; i++) {
		for (q = 0; q < LG_NQ; q++) {
			const struct lg_vq *vq = &vs[i].d.vq[q];

			sb_printf(&b, "%s{\"dev\":%u,\"queue\":%d,\"dir\":\"%s\","
				  "\"completed\":%llu,\"used_elems\":%llu,"
				  "\"interrupts\":%llu,\"kicks\":%llu,\"bytes\":%llu,\"pkts\":{",
				  (i || q) ? "," : "", i, q, q == LG_Q_RX ? "rx" : "tx",
				  (unsigned long long)vq->completed,
				  (unsigned long long)vq->used_elems,
				  (unsigned long long)vq->interrupts,
				  (unsigned long long)vq->kicks,
				  (unsigned long long)vs[i].bytes[q]);
			for (k = 0; k < VS_OPS; k++)
				sb_printf(&b, "%s\"%s\":%llu", k ? "," : "", op_names[k],
					  (unsigned long long)vs[i].ops[q][k]);
			sb_printf(&b, "}}");
		}
	}
	sb_printf(&b, "],\"vsock\":[");
	for (i = 0; i < ndev; i++) {
		const struct vs_dev *v = &vs[i];

		sb_printf(&b, "%s{\"dev\":%u,\"cid\":%llu,\"port\":%u,\"peer_port\":%u,"
			  "\"evt_vring\":\"%s\",\"sent\":%llu,\"got\":%llu,\"got_bad\":%llu,"
			  "\"foreign\":%llu,\"peer_got\":%llu,\"peer_bad\":%llu,"
			  "\"peer_sent\":%llu,\"peer_status\":%d,\"dead_requests\":%u,"
			  "\"held_rx_ms\":%u}",
			  i ? "," : "", i, (unsigned long long)v->cid, v->port,
			  v->peer.port, errno_name(v->evt_errno),
			  (unsigned long long)v->sent, (unsigned long long)v->got,
			  (unsigned long long)v->got_bad, (unsigned long long)v->foreign,
			  (unsigned long long)v->res.got, (unsigned long long)v->res.bad,
			  (unsigned long long)v->res.sent, v->res.status, v->dead_requests,
			  v->held_rx_ms);
	}
	sb_printf(&b, "]}\n");
	sb_write(&b, o->gt_fd >= 0 ? o->gt_fd : STDOUT_FILENO);
	sb_free(&b);

	for (i = 0; i < ndev; i++)
		fprintf(stderr, "%s[%d]: vsock dev %u CID %llu: sent %llu, received %llu "
			"bytes in %.3f s; rx %llu tx %llu buffers, interrupts rx %llu tx %llu\n",
			LG_NAME, (int)getpid(), i, (unsigned long long)vs[i].cid,
			(unsigned long long)vs[i].sent, (unsigned long long)vs[i].got,
			elapsed, (unsigned long long)vs[i].d.vq[LG_Q_RX].completed,
			(unsigned long long)vs[i].d.vq[LG_Q_TX].completed,
			(unsigned long long)vs[i].d.vq[LG_Q_RX].interrupts,
			(unsigned long long)vs[i].d.vq[LG_Q_TX].interrupts);
}

/* ------------------------------------------------------------------ */
/* one round                                                            */

static void vs_stall(const struct vs_dev *vs, unsigned ndev)
{
	for (unsigned i = 0; i < ndev; i++)
		if (!vs_done(&vs[i]))
			lg_fatal("stalled: no progress for %.0f s on vsock dev %u (CID %llu): "
				 "state %d, sent %llu, received %llu, host shut down %s, "
				 "credit %u", VS_STALL_S, i, (unsigned long long)vs[i].cid,
				 (int)vs[i].state, (unsigned long long)vs[i].sent,
				 (unsigned long long)vs[i].got, vs[i].peer_shut ? "yes" : "no",
				 vs[i].peer_buf_alloc - (vs[i].tx_cnt - vs[i].peer_fwd_cnt));
	lg_fatal("stalled");
}

void vsock_round(const struct lg_opts *o, unsigned round)
{
	struct vs_dev *vs = calloc(o->devices, sizeof(*vs));
	bool event_idx = !o->no_event_idx;
	double t0, now, last;
	unsigned i, idle = 0;
	int q;

	if (!vs)
		lg_die("calloc", ENOMEM);
	/* Listeners first: forked before any vhost device is open. */
	for (i = 0; i < o->devices; i++) {
		vs[i].cid = 65536ull + (uint64_t)getpid() * LG_MAX_DEVICES + i;
		vs[i].port = VS_GUEST_PORT + i;
		vsock_peer_start(&vs[i].peer, (uint32_t)vs[i].cid, o->vsock_send,
				 o->vsock_recv);
	}
	for (i = 0; i < o->devices; i++)
		vs_setup(&vs[i], (int)i, o, &event_idx);

	if (o->pause_before_ms)
		sleep_ms(o->pause_before_ms);
	while (round == 1 && o->wait_file && access(o->wait_file, F_OK))
		sleep_ms(10);

	t0 = last = now = lg_now();
	if (o->vsock_hold_rx_ms)
		vs_hold_rx(o, &vs[0]);
	for (;;) {
		bool progress = false, done = true;

		for (i = 0; i < o->devices; i++) {
			progress |= vs_service(o, &vs[i], now);
			done &= vs_done(&vs[i]);
		}
		if (done)
			break;
		now = lg_now();
		if (progress) {
			idle = 0;
			last = now;
		} else if (now - last > VS_STALL_S) {
			vs_stall(vs, o->devices);
		} else if (++idle > 64) {
			usleep(20);
		}
	}
	now = lg_now();

	for (i = 0; i < o->devices; i++)
		vs_stop(&vs[i]);
	for (i = 0; i < o->devices; i++) {
		vq_harvest(&vs[i].d.vq[LG_Q_RX], vs_rx_used, &vs[i]);
		vq_harvest(&vs[i].d.vq[LG_Q_TX], NULL, NULL);
		for (q = 0; q < LG_NQ; q++)
			vq_read_call(&vs[i].d.vq[q]);
		vsock_peer_finish(&vs[i].peer, &vs[i].res);
	}
	vs_emit(o, vs, o->devices, event_idx, now - t0, round);

	if (o->hold_ms)
		sleep_ms(o->hold_ms);
	for (i = 0; i < o->devices; i++)
		dev_teardown(&vs[i].d);
	free(vs);
}
