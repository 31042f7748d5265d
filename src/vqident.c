// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "vqident.h"

#include <stdio.h>
#include <string.h>

#include "ksyms.h"

/* Kick handlers of the in-tree vhost drivers (4.19 to 7.0). Directions
 * are the guest's: vhost_net's handle_tx_kick serves the guest's TX ring. */
static const struct {
	const char *sym, *kind, *dir;
} handlers[] = {
	{ "handle_tx_kick", "net", "tx" },
	{ "handle_rx_kick", "net", "rx" },
	{ "vhost_scsi_handle_kick", "scsi", "io" },
	{ "vhost_scsi_ctl_handle_kick", "scsi", "ctl" },
	{ "vhost_scsi_evt_handle_kick", "scsi", "evt" },
	{ "vhost_vsock_handle_tx_kick", "vsock", "tx" },
	{ "vhost_vsock_handle_rx_kick", "vsock", "rx" },
};

void vq_identify(const char *sym, const char *module, struct vq_ident *id)
{
	snprintf(id->kind, sizeof(id->kind), "?");
	snprintf(id->dir, sizeof(id->dir), "?");
	if (!sym)
		return;
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (ksym_is_clone_of(sym, handlers[i].sym)) {
			snprintf(id->kind, sizeof(id->kind), "%s", handlers[i].kind);
			snprintf(id->dir, sizeof(id->dir), "%s", handlers[i].dir);
			return;
		}
	}
	if (module && !strncmp(module, "vhost_", 6) && module[6])
		snprintf(id->kind, sizeof(id->kind), "%s", module + 6);
}
