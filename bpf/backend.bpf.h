/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Which tap serves a vhost-net queue: its backend (vq->private_data) is the
 * socket of a tun file or of a macvtap queue, whose device has the name
 * and whose queue index is the QEMU queue pair (QEMU gives queue pair i
 * tap queue i). Read when a vq is first seen and at each ring setup:
 * never on the data path. tun_file and tap_queue are in the tun and tap
 * modules' BTF; a missing module leaves the code out at load time. Any
 * other backend (vsock, scsi: not a socket) fails the socket's own
 * back-pointer check and is left unnamed. */
#ifndef __VQTRACE_BACKEND_BPF_H
#define __VQTRACE_BACKEND_BPF_H

#include "core_fixes.bpf.h"

struct tun_struct___vq {
	struct net_device *dev;
} __attribute__((preserve_access_index));

struct tun_file___vq {
	struct socket socket;
	struct tun_struct___vq *tun;
	u16 queue_index;
} __attribute__((preserve_access_index));

struct tap_dev___vq {
	struct net_device *dev;
} __attribute__((preserve_access_index));

struct tap_queue___vq {
	struct socket sock;
	struct tap_dev___vq *tap;
	u16 queue_index;
} __attribute__((preserve_access_index));

static __always_inline void vq_read_backend(struct vhost_virtqueue *vq, char *tap, s32 *qp)
{
	struct socket *sock = BPF_CORE_READ(vq, private_data);
	struct net_device *dev = NULL;
	char proto[4] = {};
	struct proto *prot;
	struct sock *sk;
	u16 q = 0;

	if (!sock)
		return;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, sk_socket) != sock)
		return;		/* not a socket: another kind of backend */
	prot = BPF_CORE_READ(sk, __sk_common.skc_prot);
	bpf_probe_read_kernel(proto, sizeof(proto), &prot->name);
	if (proto[0] == 't' && proto[1] == 'u' && proto[2] == 'n' && !proto[3] &&
	    bpf_core_type_exists(struct tun_file___vq)) {
		struct tun_file___vq *tf = (void *)sock -
					   bpf_core_field_offset(struct tun_file___vq, socket);

		dev = BPF_CORE_READ(tf, tun, dev);
		q = BPF_CORE_READ(tf, queue_index);
	} else if (proto[0] == 't' && proto[1] == 'a' && proto[2] == 'p' && !proto[3] &&
		   bpf_core_type_exists(struct tap_queue___vq)) {
		struct tap_queue___vq *tq = (void *)sock -
					    bpf_core_field_offset(struct tap_queue___vq, sock);

		dev = BPF_CORE_READ(tq, tap, dev);
		q = BPF_CORE_READ(tq, queue_index);
	}
	if (!dev)
		return;
	bpf_core_read_str(tap, 16, &dev->name);	/* IFNAMSIZ, as vq_stats.tap */
	*qp = q;
}

#endif /* __VQTRACE_BACKEND_BPF_H */
