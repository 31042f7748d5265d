// SPDX-License-Identifier: GPL-2.0
/*
 * Process-wide helpers: fatal errors, usage errors, time, the quiesce
 * test the scenario checkpoints share (main.c, misbehave.c, hostile.c),
 * and the one-write line buffer of the ground truth (gt.c, vsock.c).
 * Nothing here calls into another .c file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"
#include "util.h"

/* One line on stderr, then exit(status). */
__attribute__((noreturn)) static void vfail(int status, const char *tail, const char *fmt,
					    va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "%s: %s%s\n", LG_NAME, msg, tail);
	exit(status);
}

void lg_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(1, "", fmt, ap);
}

void lg_die(const char *what, int err)
{
	lg_fatal("%s failed: %s (errno %d)", what, strerror(err), err);
}

void bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(2, " (see --help)", fmt, ap);
}

double lg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

bool quiesced_at(const struct lg_vq *vq, uint64_t n)
{
	uint64_t done = vq->index == LG_Q_RX ? vq->own : vq->completed;

	return vq->submitted == n && done == n;
}

void sb_init(struct sbuf *b, size_t cap)
{
	b->cap = cap;
	b->len = 0;
	b->p = malloc(cap);
	if (!b->p)
		lg_die("malloc", ENOMEM);
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		lg_fatal("ground-truth line does not fit its buffer");
	b->len += (size_t)n;
}

void sb_write(const struct sbuf *b, int fd)
{
	ssize_t r;

	do
		r = write(fd, b->p, b->len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		lg_die("write(ground truth)", errno);
	if ((size_t)r != b->len)
		lg_fatal("short write of the ground-truth line (%zd of %zu bytes)",
			 r, b->len);
}

void sb_free(struct sbuf *b)
{
	free(b->p);
	b->p = NULL;
}
