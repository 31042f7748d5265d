// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "vqident.h"

#include <stdio.h>
#include <string.h>

#include "ksyms.h"

/* Kick handlers of the in-tree vhost drivers (4.19 to 7.0). Directions
 * are the guest's: vhost_net's handle_tx_kick serves the guest's TX ring.
 * requests: the guest's buffers there are work vhost answers (a packet to
 * send, a command), not empty buffers it fills when data comes (RX, the
 * scsi event queue), which may wait unused for as long as nothing comes. */
static const struct {
	const char *sym, *module, *kind, *dir;
	bool requests;
} handlers[] = {
	{ "handle_tx_kick", "vhost_net", "net", "tx", true },
	{ "handle_rx_kick", "vhost_net", "net", "rx", false },
	{ "vhost_scsi_handle_kick", "vhost_scsi", "scsi", "io", true },
	{ "vhost_scsi_ctl_handle_kick", "vhost_scsi", "scsi", "ctl", true },
	{ "vhost_scsi_evt_handle_kick", "vhost_scsi", "scsi", "evt", false },
	{ "vhost_vsock_handle_tx_kick", "vhost_vsock", "vsock", "tx", true },
	{ "vhost_vsock_handle_rx_kick", "vhost_vsock", "vsock", "rx", false },
};

#define N_HANDLERS (sizeof(handlers) / sizeof(handlers[0]))

/* Set by src/attach.c for the handlers its kprobes are on. */
static bool hooked[N_HANDLERS];

void vq_kick_handlers_reset(void)
{
	memset(hooked, 0, sizeof(hooked));
}

void vq_kick_handler_hooked(const char *sym)
{
	for (size_t i = 0; i < N_HANDLERS; i++)
		if (!strcmp(handlers[i].sym, sym))
			hooked[i] = true;
}

bool vq_kick_handler(size_t i, const char **sym, const char **module)
{
	if (i >= N_HANDLERS)
		return false;
	*sym = handlers[i].sym;
	*module = handlers[i].module;
	return true;
}

void vq_identify(const char *sym, const char *module, struct vq_ident *id)
{
	snprintf(id->kind, sizeof(id->kind), "?");
	snprintf(id->dir, sizeof(id->dir), "?");
	id->handler_hooked = false;
	id->requests = false;
	if (!sym)
		return;
	for (size_t i = 0; i < N_HANDLERS; i++) {
		if (ksym_is_clone_of(sym, handlers[i].sym)) {
			id->handler_hooked = hooked[i];
			id->requests = handlers[i].requests;
			snprintf(id->kind, sizeof(id->kind), "%s", handlers[i].kind);
			snprintf(id->dir, sizeof(id->dir), "%s", handlers[i].dir);
			return;
		}
	}
	if (module && !strncmp(module, "vhost_", 6) && module[6])
		snprintf(id->kind, sizeof(id->kind), "%s", module + 6);
}
