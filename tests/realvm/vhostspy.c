// SPDX-License-Identifier: GPL-2.0
/*
 * vhostspy: an LD_PRELOAD library for the real-QEMU suite (tests/realvm).
 * It gives QEMU's own view of each vhost ring as ground truth from outside
 * vqtrace:
 *   - the ring indexes QEMU hands vhost at every ring start
 *     (VHOST_SET_VRING_BASE) and takes back at every stop
 *     (VHOST_GET_VRING_BASE: vhost's last_avail_idx);
 *   - the interrupts vhost sent: every eventfd QEMU gave vhost as a ring's
 *     call fd (VHOST_SET_VRING_CALL: the guest notifier, or the masked
 *     notifier while the guest masks the vector) is read by QEMU, and each
 *     8-byte read returns how many times it was signalled since the last
 *     read (eventfd semantics). The sum over all reads, minus what QEMU
 *     itself wrote into those fds (it re-raises a pending masked interrupt
 *     with event_notifier_set on unmask), is the number of eventfd_signal
 *     calls vhost made on that ring. Under TCG there is no irqfd: QEMU
 *     reads every call fd itself.
 *   - the kicks: every write QEMU makes to a ring's kick eventfd
 *     (VHOST_SET_VRING_KICK), which is how TCG's emulated ioeventfd
 *     delivers the guest's notify (event_notifier_set); each wakes vhost's
 *     poll of that eventfd once.
 *   - which tap and tap queue each vhost-net device serves
 *     (VHOST_NET_SET_BACKEND with a tap fd; TUNSETIFF order gives the queue).
 * At exit it appends one JSON line per ring to $VHOSTSPY_OUT.
 * Only test code: it trusts QEMU's arguments.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FD 4096
#define MAX_DEV 32
#define MAX_VQ 4
#define MAX_BASES 32

struct ring {
	uint64_t read_sum;	/* eventfd values read from its call fds */
	uint64_t reads;		/* reads that returned a value */
	uint64_t written;	/* values QEMU wrote into its call fds */
	unsigned call_sets;	/* VHOST_SET_VRING_CALL with an fd */
	uint64_t kicks;		/* writes QEMU made to its kick fds */
	unsigned nset, nget;
	unsigned set_base[MAX_BASES], get_base[MAX_BASES];
};

struct dev {
	int used;
	char tap[IFNAMSIZ];
	int qp;
	struct ring vq[MAX_VQ];
};

static struct dev devs[MAX_DEV];
static short dev_of_fd[MAX_FD];		/* vhost fd -> dev + 1 */
static short call_dev[MAX_FD];		/* call eventfd -> dev + 1 */
static signed char call_vq[MAX_FD];
static short kick_dev[MAX_FD];		/* kick eventfd -> dev + 1 */
static signed char kick_vq[MAX_FD];
static char tap_name[MAX_FD][IFNAMSIZ];	/* tun fd -> its tap, */
static signed char tap_queue[MAX_FD];	/* and queue (attach order) */

static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_ioctl)(int, unsigned long, ...);
static int (*real_close)(int);

__attribute__((constructor)) static void spy_init(void)
{
	real_read = dlsym(RTLD_NEXT, "read");
	real_write = dlsym(RTLD_NEXT, "write");
	real_ioctl = dlsym(RTLD_NEXT, "ioctl");
	real_close = dlsym(RTLD_NEXT, "close");
}

static struct ring *call_ring(int fd)
{
	if (fd < 0 || fd >= MAX_FD || !call_dev[fd])
		return NULL;
	return &devs[call_dev[fd] - 1].vq[call_vq[fd]];
}

ssize_t read(int fd, void *buf, size_t n)
{
	ssize_t r;
	struct ring *q;

	if (!real_read)
		spy_init();
	r = real_read(fd, buf, n);
	q = call_ring(fd);
	if (q && r == 8) {
		uint64_t v;

		memcpy(&v, buf, 8);
		__atomic_add_fetch(&q->read_sum, v, __ATOMIC_RELAXED);
		__atomic_add_fetch(&q->reads, 1, __ATOMIC_RELAXED);
	}
	return r;
}

static struct ring *kick_ring(int fd)
{
	if (fd < 0 || fd >= MAX_FD || !kick_dev[fd])
		return NULL;
	return &devs[kick_dev[fd] - 1].vq[kick_vq[fd]];
}

ssize_t write(int fd, const void *buf, size_t n)
{
	struct ring *q = call_ring(fd), *k = kick_ring(fd);
	ssize_t r;

	if (!real_write)
		spy_init();
	r = real_write(fd, buf, n);
	if (k && r == 8)
		__atomic_add_fetch(&k->kicks, 1, __ATOMIC_RELAXED);
	if (q && r == 8) {
		uint64_t v;

		memcpy(&v, buf, 8);
		__atomic_add_fetch(&q->written, v, __ATOMIC_RELAXED);
	}
	return r;
}

int close(int fd)
{
	if (fd >= 0 && fd < MAX_FD) {
		call_dev[fd] = 0;
		kick_dev[fd] = 0;
		dev_of_fd[fd] = 0;
		tap_name[fd][0] = 0;
	}
	if (!real_close)
		spy_init();
	return real_close(fd);
}

static struct dev *dev_for(int fd)
{
	if (fd < 0 || fd >= MAX_FD)
		return NULL;
	if (!dev_of_fd[fd]) {
		for (int i = 0; i < MAX_DEV; i++) {
			if (!devs[i].used) {
				devs[i].used = 1;
				devs[i].qp = -1;
				dev_of_fd[fd] = i + 1;
				break;
			}
		}
	}
	return dev_of_fd[fd] ? &devs[dev_of_fd[fd] - 1] : NULL;
}

static void note_tun(int fd, const struct ifreq *ifr)
{
	int q = 0;

	if (fd < 0 || fd >= MAX_FD)
		return;
	/* A multiqueue tap numbers its queues in attach order. */
	for (int i = 0; i < MAX_FD; i++)
		if (i != fd && !strncmp(tap_name[i], ifr->ifr_name, IFNAMSIZ))
			q++;
	snprintf(tap_name[fd], IFNAMSIZ, "%s", ifr->ifr_name);
	tap_queue[fd] = (signed char)q;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real_ioctl)
		spy_init();
	r = real_ioctl(fd, req, arg);
	if (r < 0)
		return r;
	switch (req) {
	case TUNSETIFF:
		note_tun(fd, arg);
		break;
	case VHOST_SET_OWNER:
		dev_for(fd);
		break;
	case VHOST_NET_SET_BACKEND: {
		const struct vhost_vring_file *f = arg;
		struct dev *d = dev_for(fd);

		if (d && f->fd >= 0 && f->fd < MAX_FD && tap_name[f->fd][0]) {
			memcpy(d->tap, tap_name[f->fd], IFNAMSIZ);
			d->qp = tap_queue[f->fd];
		}
		break;
	}
	case VHOST_SET_VRING_CALL: {
		const struct vhost_vring_file *f = arg;
		struct dev *d = dev_for(fd);

		if (!d || f->index >= MAX_VQ)
			break;
		if (f->fd >= 0 && f->fd < MAX_FD) {
			call_dev[f->fd] = (short)(d - devs + 1);
			call_vq[f->fd] = (signed char)f->index;
			d->vq[f->index].call_sets++;
		}
		break;
	}
	case VHOST_SET_VRING_KICK: {
		const struct vhost_vring_file *f = arg;
		struct dev *d = dev_for(fd);

		if (d && f->index < MAX_VQ && f->fd >= 0 && f->fd < MAX_FD) {
			kick_dev[f->fd] = (short)(d - devs + 1);
			kick_vq[f->fd] = (signed char)f->index;
		}
		break;
	}
	case VHOST_SET_VRING_BASE:
	case VHOST_GET_VRING_BASE: {
		const struct vhost_vring_state *s = arg;
		struct dev *d = dev_for(fd);
		struct ring *q;

		if (!d || s->index >= MAX_VQ)
			break;
		q = &d->vq[s->index];
		if (req == VHOST_SET_VRING_BASE && q->nset < MAX_BASES)
			q->set_base[q->nset++] = s->num;
		if (req == VHOST_GET_VRING_BASE && q->nget < MAX_BASES)
			q->get_base[q->nget++] = s->num;
		break;
	}
	}
	return r;
}

static void put_list(FILE *f, const char *key, const unsigned *v, unsigned n)
{
	fprintf(f, ",\"%s\":[", key);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s%u", i ? "," : "", v[i]);
	fprintf(f, "]");
}

__attribute__((destructor)) static void spy_report(void)
{
	const char *path = getenv("VHOSTSPY_OUT");
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	for (int i = 0; i < MAX_DEV; i++) {
		const struct dev *d = &devs[i];

		if (!d->used)
			continue;
		for (int v = 0; v < MAX_VQ; v++) {
			const struct ring *q = &d->vq[v];

			if (!q->call_sets && !q->nset)
				continue;
			fprintf(f, "{\"type\":\"spy\",\"pid\":%d,\"dev\":%d,\"tap\":\"%s\",\"qp\":%d,\"vq\":%d,"
				"\"signals\":%llu,\"read_sum\":%llu,\"reads\":%llu,\"written\":%llu,\"call_sets\":%u,"
				"\"kicks\":%llu",
				(int)getpid(), i, d->tap, d->qp, v,
				(unsigned long long)(q->read_sum - q->written), (unsigned long long)q->read_sum,
				(unsigned long long)q->reads, (unsigned long long)q->written, q->call_sets,
				(unsigned long long)q->kicks);
			put_list(f, "set_base", q->set_base, q->nset);
			put_list(f, "get_base", q->get_base, q->nget);
			fprintf(f, "}\n");
		}
	}
	fclose(f);
}
