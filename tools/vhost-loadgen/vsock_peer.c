// SPDX-License-Identifier: GPL-2.0
/*
 * --vsock: the host side of the stream.  For /dev/vhost-vsock the "host" is
 * the kernel this runs on: an AF_VSOCK socket here talks, through
 * vhost_vsock, to the guest CID that vsock.c drives.  A child process
 * listens on VMADDR_CID_ANY:port, accepts one connection, reads the bytes
 * the guest sends (checking every byte against vsock_pattern), writes its
 * own bytes to the guest, closes, and reports over a pipe.
 *
 * It runs in its own process (forked before any vhost device is opened)
 * so that its blocking socket calls never stall the polling driver.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/vm_sockets.h>

#include "loadgen.h"
#include "util.h"

/* The child gives up after this long (the parent's stall timeout is 20 s). */
#define PEER_ALARM_S 120

uint8_t vsock_pattern(uint64_t offset, unsigned dir)
{
	uint64_t x = offset ^ (offset >> 8) ^ (offset >> 16) ^ (offset >> 24);

	return (uint8_t)(x * 31u + dir * 101u + 7u);
}

static void write_full(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t r = write(fd, c, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			_exit(3);
		c += r;
		len -= (size_t)r;
	}
}

/* The child: one connection, read `expect`, write `send`, close. */
static void __attribute__((noreturn))
peer_main(int wfd, uint32_t port, uint64_t expect, uint64_t send)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
				 .svm_port = port };
	uint64_t got = 0, bad = 0, sent = 0;
	uint8_t buf[16384];
	char line[128];
	int ls, s;

	alarm(PEER_ALARM_S);
	ls = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 1) < 0) {
		fprintf(stderr, "%s: vsock peer: AF_VSOCK listen on port %u failed: %s\n",
			LG_NAME, port, strerror(errno));
		_exit(2);
	}
	write_full(wfd, "R", 1);
	do
		s = accept(ls, NULL, NULL);
	while (s < 0 && errno == EINTR);
	if (s < 0)
		_exit(4);
	while (got < expect) {
		size_t want = expect - got < sizeof(buf) ? (size_t)(expect - got) : sizeof(buf);
		ssize_t r = read(s, buf, want);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			bad += buf[i] != vsock_pattern(got + (uint64_t)i, 0);
		got += (uint64_t)r;
	}
	while (sent < send) {
		size_t n = send - sent < sizeof(buf) ? (size_t)(send - sent) : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = vsock_pattern(sent + i, 1);
		write_full(s, buf, n);
		sent += n;
	}
	close(s);	/* the host sends SHUTDOWN; the guest answers RST */
	close(ls);
	snprintf(line, sizeof(line), "%llu %llu %llu\n", (unsigned long long)got,
		 (unsigned long long)bad, (unsigned long long)sent);
	write_full(wfd, line, strlen(line));
	_exit(got == expect && !bad ? 0 : 5);
}

void vsock_peer_start(struct vsock_peer *p, uint32_t port, uint64_t expect,
		      uint64_t send)
{
	int fds[2];
	char c;
	ssize_t r;

	if (pipe(fds) < 0)
		lg_die("pipe", errno);
	fflush(NULL);
	p->port = port;
	p->pid = fork();
	if (p->pid < 0)
		lg_die("fork", errno);
	if (p->pid == 0) {
		close(fds[0]);
		peer_main(fds[1], port, expect, send);
	}
	close(fds[1]);
	p->fd = fds[0];
	do
		r = read(p->fd, &c, 1);
	while (r < 0 && errno == EINTR);
	if (r != 1 || c != 'R')
		lg_fatal("vsock peer on port %u did not start listening", port);
}

void vsock_peer_finish(struct vsock_peer *p, struct vsock_peer_result *res)
{
	char line[128];
	unsigned long long got = 0, bad = 0, sent = 0;
	size_t len = 0;
	int st;

	for (;;) {
		ssize_t r = read(p->fd, line + len, sizeof(line) - 1 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	line[len] = 0;
	close(p->fd);
	p->fd = -1;
	while (waitpid(p->pid, &st, 0) < 0)
		if (errno != EINTR)
			lg_die("waitpid(vsock peer)", errno);
	if (sscanf(line, "%llu %llu %llu", &got, &bad, &sent) != 3)
		got = bad = sent = 0;
	res->got = got;
	res->bad = bad;
	res->sent = sent;
	res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
