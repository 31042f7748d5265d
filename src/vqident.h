/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What a virtqueue is, told from its kick handler's symbol: the device
 * kind (net, scsi, vsock, ...) and the queue's role. */
#ifndef __VQTRACE_VQIDENT_H
#define __VQTRACE_VQIDENT_H

#include <stdbool.h>
#include <stddef.h>

struct vq_ident {
	char kind[16];	/* net, scsi, vsock, or the module name less "vhost_" */
	char dir[8];	/* rx, tx, ctl, evt, io, or "?" */
	bool handler_hooked;	/* its kick handler's runs are counted */
	bool requests;		/* the driver's buffers are requests vhost must
				 * answer (tx, ctl, io), not buffers it fills
				 * when it has something (rx, evt): USE_STALL */
};

/* sym and module may be NULL when the handler was not found. */
void vq_identify(const char *sym, const char *module, struct vq_ident *id);

/* The in-tree kick handlers, i from 0 until it returns false: the symbol
 * and its module (src/attach.c hooks each for handler_runs). */
bool vq_kick_handler(size_t i, const char **sym, const char **module);
/* Which of them src/attach.c hooked (for vq_ident.handler_hooked). */
void vq_kick_handlers_reset(void);
void vq_kick_handler_hooked(const char *sym);

#endif
