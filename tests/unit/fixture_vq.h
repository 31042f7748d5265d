/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the unit tests that build vq tables by hand: a kallsyms
 * snapshot with vhost's kick handlers, and a map entry as the BPF side
 * fills it. */
#ifndef __VQTRACE_TEST_FIXTURE_VQ_H
#define __VQTRACE_TEST_FIXTURE_VQ_H

#include <stdint.h>
#include <string.h>

#include "ksyms.h"
#include "vqtrace.h"

#define TX_KICK		0xffffffffc0a02000ULL
#define RX_KICK		0xffffffffc0a02100ULL
#define SCSI_KICK	0xffffffffc0a05000ULL
#define SCSI_CTL_KICK	0xffffffffc0a05100ULL
#define ODD_KICK	0xffffffffc0a07000ULL	/* in a vhost module of no known kind */
#define UNKNOWN_KICK	0xffffffffc0a09999ULL	/* not in the snapshot */

/* Sorted by address, as ksyms_load leaves them. */
static struct ksym syms[] = {
	{ TX_KICK, "handle_tx_kick", "vhost_net" },
	{ RX_KICK, "handle_rx_kick", "vhost_net" },
	{ 0xffffffffc0a02200ULL, "vhost_net_ioctl", "vhost_net" },
	{ SCSI_KICK, "vhost_scsi_handle_kick", "vhost_scsi" },
	{ SCSI_CTL_KICK, "vhost_scsi_ctl_handle_kick", "vhost_scsi" },
	{ ODD_KICK, "handle_kick", "vhost_abcdefghijklm" },
};
static const struct ksyms ks = { .syms = syms, .n = sizeof(syms) / sizeof(syms[0]) };

static inline struct vq_stats fixture_entry(uint64_t vq, uint64_t dev, uint32_t owner,
					    int32_t queue, uint64_t kick, uint64_t first_ns)
{
	struct vq_stats s;

	memset(&s, 0, sizeof(s));
	s.vq = vq;
	s.dev = dev;
	s.owner_tgid = owner;
	s.queue = queue;
	s.handle_kick = kick;
	s.first_ns = first_ns;
	return s;
}

#endif
