/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What a virtqueue is, told from its kick handler's symbol: the device
 * kind (net, scsi, vsock, ...) and the queue's role. */
#ifndef __VQTRACE_VQIDENT_H
#define __VQTRACE_VQIDENT_H

#include <stddef.h>

struct vq_ident {
	char kind[16];	/* net, scsi, vsock, or the module name less "vhost_" */
	char dir[8];	/* rx, tx, ctl, evt, io, or "?" */
};

/* sym and module may be NULL when the handler was not found. */
void vq_identify(const char *sym, const char *module, struct vq_ident *id);

#endif
