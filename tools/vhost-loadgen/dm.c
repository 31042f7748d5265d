// SPDX-License-Identifier: GPL-2.0
/*
 * A device-mapper device that can hold I/O, for a backend that stops
 * answering (--scsi-hold): a "linear" map over a whole block device, made
 * with the kernel's own ioctls (no dmsetup in the test guest). While the
 * device is suspended, the kernel queues every bio sent to it and finishes
 * none until it is resumed: a SCSI command the target sends there stays in
 * the backend for exactly that long.
 *
 *   --dm-linear NAME:DEV   make NAME over DEV, print its node (/dev/dm-N)
 *   --dm-remove NAME       remove it again
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "loadgen.h"
#include "util.h"

#define DM_CONTROL "/dev/mapper/control"

struct dm_msg {
	struct dm_ioctl io;
	struct dm_target_spec spec;
	char params[128];
};

static int dm_control(void)
{
	int fd = open(DM_CONTROL, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		lg_fatal("open %s failed: %s (is dm_mod loaded?)", DM_CONTROL, strerror(errno));
	return fd;
}

static void dm_init(struct dm_msg *m, const char *name, size_t size)
{
	memset(m, 0, sizeof(*m));
	m->io.version[0] = DM_VERSION_MAJOR;
	m->io.version[1] = 0;
	m->io.version[2] = 0;
	m->io.data_size = (uint32_t)size;
	m->io.data_start = sizeof(m->io);
	if (strlen(name) >= sizeof(m->io.name))
		bad_usage("device-mapper name '%s' is too long", name);
	snprintf(m->io.name, sizeof(m->io.name), "%s", name);
}

static void dm_call(int fd, unsigned long req, struct dm_msg *m, const char *what)
{
	if (ioctl(fd, req, m) < 0)
		lg_fatal("%s of device-mapper device %s failed: %s", what, m->io.name,
			 strerror(errno));
}

void dm_linear(const char *spec)
{
	const char *colon = strchr(spec, ':');
	char name[DM_NAME_LEN];
	struct dm_msg m;
	uint64_t bytes;
	struct stat st;
	int fd, bfd;

	if (!colon || colon == spec || !colon[1] || (size_t)(colon - spec) >= sizeof(name))
		bad_usage("--dm-linear wants NAME:DEV, e.g. vqhold:/dev/ram0");
	snprintf(name, sizeof(name), "%.*s", (int)(colon - spec), spec);
	bfd = open(colon + 1, O_RDONLY | O_CLOEXEC);
	if (bfd < 0 || fstat(bfd, &st) < 0 || !S_ISBLK(st.st_mode) ||
	    ioctl(bfd, BLKGETSIZE64, &bytes) < 0)
		lg_fatal("--dm-linear: %s is no block device one can read the size of", colon + 1);
	close(bfd);

	fd = dm_control();
	dm_init(&m, name, sizeof(m.io));
	dm_call(fd, DM_DEV_CREATE, &m, "DM_DEV_CREATE");

	dm_init(&m, name, sizeof(m));
	m.io.target_count = 1;
	m.spec.sector_start = 0;
	m.spec.length = bytes >> 9;
	snprintf(m.spec.target_type, sizeof(m.spec.target_type), "linear");
	snprintf(m.params, sizeof(m.params), "%u:%u 0", major(st.st_rdev), minor(st.st_rdev));
	dm_call(fd, DM_TABLE_LOAD, &m, "DM_TABLE_LOAD");

	dm_init(&m, name, sizeof(m.io));	/* resume: the table goes live */
	dm_call(fd, DM_DEV_SUSPEND, &m, "resume");
	close(fd);
	printf("/dev/dm-%u\n", minor(m.io.dev));
}

void dm_remove(const char *name)
{
	struct dm_msg m;
	int fd = dm_control();

	dm_init(&m, name, sizeof(m.io));
	dm_call(fd, DM_DEV_REMOVE, &m, "DM_DEV_REMOVE");
	close(fd);
}

void dm_suspend(const char *name, bool suspend)
{
	struct dm_msg m;
	int fd = dm_control();

	dm_init(&m, name, sizeof(m.io));
	if (suspend)
		m.io.flags = DM_SUSPEND_FLAG;
	dm_call(fd, DM_DEV_SUSPEND, &m, suspend ? "suspend" : "resume");
	close(fd);
}
