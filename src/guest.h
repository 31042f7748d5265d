/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reads a traced process's own memory: the guest's avail index of a ring,
 * at the user address vhost has for it (QEMU's mapping of guest RAM).
 * Only KICK_MISSED needs it (src/flags.c), only for the vqs vhost waits on
 * for a kick. */
#ifndef __VQTRACE_GUEST_H
#define __VQTRACE_GUEST_H

#include <stdint.h>
#include <sys/types.h>

/* The u16 at addr in pid's memory. 0, or -errno: -EPERM without ptrace
 * access to pid (CAP_SYS_PTRACE), -ESRCH when it is gone, -EFAULT when
 * the address is no longer mapped. */
int guest_read_u16(pid_t pid, uint64_t addr, uint16_t *out);

#endif
