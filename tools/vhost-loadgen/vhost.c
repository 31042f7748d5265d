// SPDX-License-Identifier: GPL-2.0
/*
 * vhost device setup and teardown: the steps every vhost device shares
 * (dev_open, dev_negotiate, dev_map, dev_setup_vring, dev_set_call), used
 * by /dev/vhost-net here (dev_setup) and by /dev/vhost-vsock (vsock.c).
 *
 * Order: open, [SET_FORK_FROM_OWNER 0], SET_OWNER, GET/SET_FEATURES
 * (VERSION_1, EVENT_IDX unless --no-event-idx, IN_ORDER with --in-order),
 * SET_MEM_TABLE (one identity-mapped region: guest_phys_addr ==
 * userspace_addr), per ring SET_VRING_NUM/BASE/ADDR/KICK/CALL, then the
 * device's own start (vhost-net: tap, NET_SET_BACKEND on both rings).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "loadgen.h"
#include "util.h"

/* Older uapi headers (e.g. Debian bookworm) lack this one. */
#ifndef VHOST_SET_FORK_FROM_OWNER
#define VHOST_SET_FORK_FROM_OWNER _IOW(VHOST_VIRTIO, 0x84, __u8)
#endif

/* Feature bit 35; uapi headers have it since Linux 4.18. */
#ifndef VIRTIO_F_IN_ORDER
#define VIRTIO_F_IN_ORDER 35
#endif

#ifndef ENOIOCTLCMD
#define ENOIOCTLCMD 515
#endif

#define vioctl(d, req, arg) do_ioctl((d), (req), (arg), #req)

static void do_ioctl(struct lg_dev *d, unsigned long req, void *arg,
		     const char *name)
{
	if (ioctl(d->fd, req, arg) < 0) {
		int e = errno;

		lg_fatal("dev %d: ioctl %s on %s failed: %s (errno %d)",
			 d->ordinal, name, d->path, strerror(e), e);
	}
}

void vring_ioctl(struct lg_dev *d, unsigned long req, unsigned index,
			unsigned num, const char *name)
{
	struct vhost_vring_state s = { .index = index, .num = num };

	if (ioctl(d->fd, req, &s) < 0) {
		int e = errno;

		lg_fatal("dev %d queue %u: ioctl %s(%u) failed: %s (errno %d)",
			 d->ordinal, index, name, num, strerror(e), e);
	}
}

void vring_file(struct lg_dev *d, unsigned long req, unsigned index,
		       int fd, const char *name)
{
	struct vhost_vring_file f = { .index = index, .fd = fd };

	if (ioctl(d->fd, req, &f) < 0) {
		int e = errno;

		lg_fatal("dev %d queue %u: ioctl %s(fd %d) failed: %s (errno %d)",
			 d->ordinal, index, name, fd, strerror(e), e);
	}
}

static void set_fork_from_owner(struct lg_dev *d)
{
	__u8 fork_from_owner = 0; /* 0: kthread worker, 1: vhost_task */

	if (ioctl(d->fd, VHOST_SET_FORK_FROM_OWNER, &fork_from_owner) < 0) {
		int e = errno;

		/*
		 * Kernels without the ioctl reject it as unknown (ENOTTY,
		 * ENOIOCTLCMD) or, before SET_OWNER, with the owner check
		 * (EPERM, e.g. Linux 6.1).
		 */
		if (e == ENOTTY || e == ENOIOCTLCMD || e == EINVAL || e == EPERM)
			lg_fatal("dev %d: ioctl VHOST_SET_FORK_FROM_OWNER failed: "
				 "%s (errno %d): this kernel cannot switch vhost "
				 "to a kthread worker, --kthread is unsupported here",
				 d->ordinal, strerror(e), e);
		lg_fatal("dev %d: ioctl VHOST_SET_FORK_FROM_OWNER failed: %s (errno %d)",
			 d->ordinal, strerror(e), e);
	}
}

/*
 * --in-order where vhost does not offer VIRTIO_F_IN_ORDER (vhost_net offers
 * it from Linux 6.17 on): one line naming the bit, the kernel and the
 * features it offers; exit 1.
 */
static void no_in_order(struct lg_dev *d, __u64 have)
{
	struct utsname u;

	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	lg_fatal("dev %d: --in-order: vhost-net does not offer VIRTIO_F_IN_ORDER "
		 "(feature bit %d): VHOST_GET_FEATURES on Linux %s gives 0x%llx "
		 "(vhost_net offers the bit from Linux 6.17)", d->ordinal,
		 VIRTIO_F_IN_ORDER, u.release, (unsigned long long)have);
}

void dev_negotiate(struct lg_dev *d, const struct lg_opts *o, bool *event_idx)
{
	__u64 have = 0, want;

	vioctl(d, VHOST_GET_FEATURES, &have);
	want = 1ULL << VIRTIO_F_VERSION_1;
	if (!(have & want))
		lg_fatal("dev %d: %s does not offer VIRTIO_F_VERSION_1 "
			 "(features 0x%llx)", d->ordinal, d->path, (unsigned long long)have);
	if (!o->no_event_idx) {
		if (!(have & (1ULL << VIRTIO_RING_F_EVENT_IDX)))
			lg_fatal("dev %d: %s does not offer "
				 "VIRTIO_RING_F_EVENT_IDX (features 0x%llx); "
				 "use --no-event-idx", d->ordinal, d->path,
				 (unsigned long long)have);
		want |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	}
	if (d->extra_features) {
		if ((have & d->extra_features) != d->extra_features)
			lg_fatal("dev %d: %s does not offer feature bits 0x%llx "
				 "(features 0x%llx)", d->ordinal, d->path,
				 (unsigned long long)(d->extra_features & ~have),
				 (unsigned long long)have);
		want |= d->extra_features;
	}
	if (o->in_order) {
		if (!(have & (1ULL << VIRTIO_F_IN_ORDER)))
			no_in_order(d, have);
		want |= 1ULL << VIRTIO_F_IN_ORDER;
	}
	vioctl(d, VHOST_SET_FEATURES, &want);
	*event_idx = !o->no_event_idx;
}

static void set_mem_table(struct lg_dev *d)
{
	union {
		struct vhost_memory m;
		char space[sizeof(struct vhost_memory) +
			   sizeof(struct vhost_memory_region)];
	} u;

	memset(&u, 0, sizeof(u));
	u.m.nregions = 1;
	u.m.regions[0].guest_phys_addr = (uintptr_t)d->mem;
	u.m.regions[0].memory_size = d->mem_size;
	u.m.regions[0].userspace_addr = (uintptr_t)d->mem;
	vioctl(d, VHOST_SET_MEM_TABLE, &u.m);
}

void dev_setup_vring(struct lg_dev *d, struct lg_vq *vq, const struct lg_opts *o)
{
	struct vhost_vring_addr a;
	unsigned i = (unsigned)vq->index;

	vring_ioctl(d, VHOST_SET_VRING_NUM, i, vq->num, "VHOST_SET_VRING_NUM");
	vring_ioctl(d, VHOST_SET_VRING_BASE, i, 0, "VHOST_SET_VRING_BASE");
	if (o->busyloop_us)
		vring_ioctl(d, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, i, o->busyloop_us,
			    "VHOST_SET_VRING_BUSYLOOP_TIMEOUT");

	memset(&a, 0, sizeof(a));
	a.index = i;
	a.desc_user_addr = (uintptr_t)vq->desc;
	a.avail_user_addr = (uintptr_t)vq->avail;
	a.used_user_addr = (uintptr_t)vq->used;
	if (ioctl(d->fd, VHOST_SET_VRING_ADDR, &a) < 0) {
		int e = errno;

		lg_fatal("dev %d queue %u: ioctl VHOST_SET_VRING_ADDR failed: %s (errno %d)",
			 d->ordinal, i, strerror(e), e);
	}

	vq->kick_fd = eventfd(0, EFD_CLOEXEC);
	if (vq->kick_fd < 0)
		lg_die("eventfd(kick)", errno);
	vring_file(d, VHOST_SET_VRING_KICK, i, vq->kick_fd, "VHOST_SET_VRING_KICK");

	if (o->no_call) {
		vq->call_fd = -1;
	} else {
		vq->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vq->call_fd < 0)
			lg_die("eventfd(call)", errno);
	}
	vq->call_on = vq->call_fd >= 0;
	vring_file(d, VHOST_SET_VRING_CALL, i, vq->call_on ? vq->call_fd : -1,
		   "VHOST_SET_VRING_CALL");
}

void dev_open(struct lg_dev *d, int ordinal, const char *path, const struct lg_opts *o)
{
	int q;

	memset(d, 0, sizeof(*d));
	d->ordinal = ordinal;
	d->path = path;
	d->tap_fd = d->pkt_fd = -1;
	for (q = 0; q < LG_NQ; q++)
		d->vq[q].kick_fd = d->vq[q].call_fd = -1;

	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		int e = errno;

		lg_fatal("dev %d: open %s failed: %s (errno %d)%s", ordinal, path,
			 strerror(e), e,
			 e == ENOENT ? " (is its vhost module loaded?)" : "");
	}
	if (o->kthread)
		set_fork_from_owner(d);
	vioctl(d, VHOST_SET_OWNER, NULL);
}

/* One region for every ring and buffer; pages fault in lazily. */
void dev_map(struct lg_dev *d, size_t size)
{
	d->mem_size = size;
	d->mem = mmap(NULL, d->mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (d->mem == MAP_FAILED)
		lg_die("mmap(ring memory)", errno);
	set_mem_table(d);
}

void dev_setup(struct lg_dev *d, int ordinal, const struct lg_opts *o,
	       bool *event_idx_out)
{
	bool iso = o->unmap_after != 0;	/* TX: used_event on its own page */
	size_t rx_size = vq_mem_size(o->ring, LG_RX_BUF, false);
	size_t tx_size = vq_mem_size(o->ring, LG_TX_SLOT, iso);
	bool event_idx;
	int q;

	dev_open(d, ordinal, "/dev/vhost-net", o);
	dev_negotiate(d, o, &event_idx);
	dev_map(d, rx_size + tx_size);

	for (q = 0; q < LG_NQ; q++) {
		struct lg_vq *vq = &d->vq[q];
		bool rx = q == LG_Q_RX;

		vq->dev = ordinal;
		vq->index = q;
		vq_init(vq, d->mem + (rx ? 0 : rx_size), o->ring,
			rx ? LG_RX_BUF : LG_TX_SLOT, rx ? LG_RX_BUF : LG_TX_BUF, rx,
			!rx && iso);
		vq->in_order = o->in_order;	/* negotiated, or we exited */
		vq_configure_events(vq, event_idx, o->event_every, o->event_ahead,
				    o->no_interrupt, o->always_kick);
		dev_setup_vring(d, vq, o);
	}

	tap_create(d);
	dev_set_backend(d, d->tap_fd);
	tap_open_injector(d);
	*event_idx_out = event_idx;
}

/* fd -1 detaches the tap; vhost then flushes the worker before returning. */
void dev_set_backend(struct lg_dev *d, int fd)
{
	int q;

	for (q = 0; q < LG_NQ; q++)
		vring_file(d, VHOST_NET_SET_BACKEND, (unsigned)q, fd,
			   "VHOST_NET_SET_BACKEND");
	d->backend_set = fd >= 0;
}

void dev_set_call(struct lg_dev *d, struct lg_vq *vq, bool on)
{
	if (vq->call_fd < 0 || vq->call_on == on)
		return;
	vring_file(d, VHOST_SET_VRING_CALL, (unsigned)vq->index,
		   on ? vq->call_fd : -1, "VHOST_SET_VRING_CALL");
	vq->call_on = on;
}

/* A vq's eventfds and bookkeeping (its ring memory is the device's). */
void dev_release_vq(struct lg_vq *vq)
{
	if (vq->kick_fd >= 0)
		close(vq->kick_fd);
	if (vq->call_fd >= 0)
		close(vq->call_fd);
	vq->kick_fd = vq->call_fd = -1;
	free(vq->free_ids);
	free(vq->inflight);
	free(vq->chain);
	vq->free_ids = NULL;
	vq->inflight = NULL;
	vq->chain = NULL;
}

void dev_teardown(struct lg_dev *d)
{
	int q;

	if (d->fd >= 0)
		close(d->fd);   /* releases the worker and the backend */
	d->fd = -1;
	tap_close(d);
	for (q = 0; q < LG_NQ; q++)
		dev_release_vq(&d->vq[q]);
	if (d->mem && d->mem != MAP_FAILED)
		munmap(d->mem, d->mem_size);
	d->mem = NULL;
}

/*
 * Barriers for the hostile modes (hostile.c).
 *
 * dev_vq_barrier: VHOST_GET_VRING_BASE takes vq->mutex, which the worker
 * holds from fetching a buffer until after vhost_signal() for it, so once
 * the driver has seen an entry in the used ring, this returns only after
 * vhost's vhost_notify() for it.  It changes nothing.
 */
void dev_vq_barrier(struct lg_dev *d, struct lg_vq *vq)
{
	vring_ioctl(d, VHOST_GET_VRING_BASE, (unsigned)vq->index, 0,
		    "VHOST_GET_VRING_BASE");
}

/*
 * dev_flush: VHOST_NET_SET_BACKEND with the backend already set: vhost
 * keeps the ring state (the socket is unchanged, so signalled_used_valid
 * is not reset) and flushes the device's worker, so every kick written
 * before has been handled when it returns.
 */
void dev_flush(struct lg_dev *d, struct lg_vq *vq)
{
	vring_file(d, VHOST_NET_SET_BACKEND, (unsigned)vq->index, d->tap_fd,
		   "VHOST_NET_SET_BACKEND(flush)");
}

/* vhost's last_avail_idx: how far the device fetched buffers. */
uint16_t dev_last_avail(struct lg_dev *d, struct lg_vq *vq)
{
	struct vhost_vring_state s = { .index = (unsigned)vq->index };

	if (ioctl(d->fd, VHOST_GET_VRING_BASE, &s) < 0)
		lg_die("ioctl VHOST_GET_VRING_BASE", errno);
	return (uint16_t)s.num;
}
