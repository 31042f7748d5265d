// SPDX-License-Identifier: GPL-2.0
/*
 * Tap backend (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, 12-byte vnet header) and
 * the host-side injector: an AF_PACKET socket bound to the tap's ifindex
 * whose frames the tap hands to vhost's RX ring.
 */
#define _GNU_SOURCE /* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>

#include "loadgen.h"
#include "util.h"

#define INJECT_BATCH 64

static const uint8_t mac_guest[6] = { 0x02, 0x76, 0x71, 0x00, 0x00, 0x01 };
static const uint8_t mac_host[6] = { 0x02, 0x76, 0x71, 0x00, 0x00, 0x02 };

static void tap_fail(struct lg_dev *d, const char *what, int e)
{
	lg_fatal("dev %d: %s%s%s failed: %s (errno %d)", d->ordinal, what,
		 d->ifname[0] ? " on " : "", d->ifname, strerror(e), e);
}

static int if_ioctl(struct lg_dev *d, unsigned long req, struct ifreq *ifr,
		    const char *name)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		tap_fail(d, "socket(AF_INET)", errno);
	memset(ifr, 0, sizeof(*ifr) - sizeof(ifr->ifr_ifru));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", d->ifname);
	if (ioctl(s, req, ifr) < 0) {
		int e = errno;

		close(s);
		tap_fail(d, name, e);
	}
	close(s);
	return 0;
}

/* So that the kernel itself sends nothing on the tap (no DAD, RS, MLD). */
static void disable_ipv6(struct lg_dev *d)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 d->ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return;
		tap_fail(d, "open disable_ipv6", errno);
	}
	if (write(fd, "1\n", 2) != 2)
		tap_fail(d, "write disable_ipv6", errno);
	close(fd);
}

void tap_create(struct lg_dev *d)
{
	struct ifreq ifr;
	int hdr = LG_VNET_HDR;

	d->tap_fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (d->tap_fd < 0)
		tap_fail(d, "open /dev/net/tun", errno);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "vqlg%%d");
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(d->tap_fd, TUNSETIFF, &ifr) < 0)
		tap_fail(d, "ioctl TUNSETIFF", errno);
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifr.ifr_name);

	if (ioctl(d->tap_fd, TUNSETVNETHDRSZ, &hdr) < 0)
		tap_fail(d, "ioctl TUNSETVNETHDRSZ", errno);

	disable_ipv6(d);

	if_ioctl(d, SIOCGIFINDEX, &ifr, "ioctl SIOCGIFINDEX");
	d->ifindex = ifr.ifr_ifindex;
	if_ioctl(d, SIOCGIFTXQLEN, &ifr, "ioctl SIOCGIFTXQLEN");
	d->txqlen = ifr.ifr_qlen > 0 ? (unsigned)ifr.ifr_qlen : 0;
	if (d->txqlen < 2)
		lg_fatal("dev %d: tap %s has tx queue length %u; need at least 2",
			 d->ordinal, d->ifname, d->txqlen);

	if_ioctl(d, SIOCGIFFLAGS, &ifr, "ioctl SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if_ioctl(d, SIOCSIFFLAGS, &ifr, "ioctl SIOCSIFFLAGS(up)");
}

void tap_open_injector(struct lg_dev *d)
{
	struct sockaddr_ll sll;

	/* Protocol 0: this socket sends only; it never receives frames. */
	d->pkt_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (d->pkt_fd < 0)
		tap_fail(d, "socket(AF_PACKET)", errno);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = 0;
	sll.sll_ifindex = d->ifindex;
	if (bind(d->pkt_fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		tap_fail(d, "bind(AF_PACKET)", errno);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

/*
 * 60-byte Ethernet frame: EtherType LG_ETHERTYPE, payload magic, pid,
 * device ordinal, sequence number.  TX frames go guest -> host, RX frames
 * host -> guest (swapped MACs).
 */
void tap_build_frame(uint8_t *f, int dev, uint32_t seq, bool rx)
{
	memset(f, 0, LG_FRAME_LEN);
	memcpy(f, rx ? mac_guest : mac_host, 6);
	memcpy(f + 6, rx ? mac_host : mac_guest, 6);
	f[12] = LG_ETHERTYPE >> 8;
	f[13] = LG_ETHERTYPE & 0xff;
	put32(f + 14, LG_MAGIC);
	put32(f + 18, (uint32_t)getpid());
	put32(f + 22, (uint32_t)dev);
	put32(f + 26, seq);
}

bool tap_frame_is_ours(const uint8_t *f, uint32_t len, int dev)
{
	if (len < 30)
		return false;
	return f[12] == (LG_ETHERTYPE >> 8) && f[13] == (LG_ETHERTYPE & 0xff) &&
	       memcmp(f, mac_guest, 6) == 0 && get32(f + 14) == LG_MAGIC &&
	       get32(f + 18) == (uint32_t)getpid() &&
	       get32(f + 22) == (uint32_t)dev;
}

/* Send n (<= INJECT_BATCH per call) frames; returns how many were sent. */
unsigned tap_inject(struct lg_dev *d, uint64_t first_seq, unsigned n)
{
	static uint8_t frames[INJECT_BATCH][LG_FRAME_LEN];
	struct mmsghdr msgs[INJECT_BATCH];
	struct iovec iov[INJECT_BATCH];
	unsigned i;
	int r;

	if (n > INJECT_BATCH)
		n = INJECT_BATCH;
	if (!n)
		return 0;
	memset(msgs, 0, sizeof(msgs[0]) * n);
	for (i = 0; i < n; i++) {
		tap_build_frame(frames[i], d->ordinal, (uint32_t)(first_seq + i), true);
		iov[i].iov_base = frames[i];
		iov[i].iov_len = LG_FRAME_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	do
		r = sendmmsg(d->pkt_fd, msgs, n, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		tap_fail(d, "sendmmsg(AF_PACKET)", errno);
	return (unsigned)r;
}

void tap_close(struct lg_dev *d)
{
	if (d->pkt_fd >= 0)
		close(d->pkt_fd);
	if (d->tap_fd >= 0)
		close(d->tap_fd);
	d->pkt_fd = d->tap_fd = -1;
}
