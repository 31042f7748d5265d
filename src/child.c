// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

int child_start(struct child *c, char **argv)
{
	int fds[2];
	char b;

	memset(c, 0, sizeof(*c));
	c->pidfd = -1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	c->pid = fork();
	if (c->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (c->pid == 0) {
		close(fds[1]);
		/* Wait for the go byte; EOF means vqtrace failed to start. */
		if (read(fds[0], &b, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "vqtrace: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	c->go_fd = fds[1];
	/* Linux 5.3+; without it the caller polls every 50 ms. */
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (c->pidfd >= 0)
		fcntl(c->pidfd, F_SETFD, FD_CLOEXEC);
	return 0;
}

int child_release(struct child *c)
{
	char b = 1;
	int err = write(c->go_fd, &b, 1) == 1 ? 0 : -errno;

	close(c->go_fd);
	c->go_fd = -1;
	return err;
}

bool child_poll(struct child *c)
{
	if (!c->exited && c->pid > 0 && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->exited = true;
	return c->exited;
}

void child_stop(struct child *c)
{
	if (c->pidfd >= 0) {
		close(c->pidfd);
		c->pidfd = -1;
	}
	if (c->pid <= 0 || c->exited)
		return;
	if (c->go_fd >= 0) {
		close(c->go_fd);	/* a held child exits on EOF */
		c->go_fd = -1;
	} else {
		kill(c->pid, SIGTERM);
	}
	if (waitpid(c->pid, &c->status, 0) == c->pid)
		c->exited = true;
}

int child_exit_code(const struct child *c)
{
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status);
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	return 1;
}
