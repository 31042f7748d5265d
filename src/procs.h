/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What /proc and /sys say about the traced processes and the vhost module:
 * whether a process is still there, what it is called, whether it holds a
 * vhost device, and which processes of a name started after vqtrace did
 * (--follow). */
#ifndef __VQTRACE_PROCS_H
#define __VQTRACE_PROCS_H

#include <stdbool.h>
#include <sys/types.h>

#define PROC_NAME_LEN 16	/* TASK_COMM_LEN */

/* Alive and not a zombie: a zombie's vhost devices are already released. */
bool proc_alive(pid_t pid);
/* The same, and its name with it, from one read of /proc/PID/stat. */
bool proc_alive_name(pid_t pid, char name[PROC_NAME_LEN]);
/* The process name (comm, as /proc/PID/stat gives it); false if it is gone. */
bool proc_name(pid_t pid, char name[PROC_NAME_LEN]);
/* 1: one of its file descriptors is a /dev/vhost-* device; 0: none is (or
 * no such process); -EACCES or -EPERM: its descriptors cannot be read (not
 * ours: listing another user's takes CAP_DAC_READ_SEARCH, reading its
 * links CAP_SYS_PTRACE). */
int proc_has_vhost(pid_t pid);
/* The vhost core module is loaded (/sys/module/vhost). */
bool vhost_module_loaded(void);

/* The vhost drivers, as bits of a mask of the loaded ones. */
#define VHOST_DRIVERS { "vhost_net", "vhost_vsock", "vhost_scsi" }
#define VHOST_NDRIVERS 3
unsigned int vhost_drivers_loaded(void);
/* Its name, for bit i. */
const char *vhost_driver_name(int i);

#endif
