// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "guest.h"

#include <errno.h>
#include <sys/uio.h>

int guest_read_u16(pid_t pid, uint64_t addr, uint16_t *out)
{
	struct iovec local = { out, sizeof(*out) };
	struct iovec remote = { (void *)(uintptr_t)addr, sizeof(*out) };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n == (ssize_t)sizeof(*out))
		return 0;
	return n < 0 ? -errno : -EFAULT;
}
