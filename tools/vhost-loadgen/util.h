/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-loadgen: process-wide helpers every other file may use (errors,
 * usage errors, time, and the quiesce test of the scenario checkpoints).
 * util.c depends on no other .c file, so the call graph between the
 * files stays acyclic (make check-deps).
 */
#ifndef VHOST_LOADGEN_UTIL_H
#define VHOST_LOADGEN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LG_NAME "vhost-loadgen"

struct lg_vq;

/* "vhost-loadgen: MESSAGE" on stderr, exit 1 (runtime error). */
void lg_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* lg_fatal("WHAT failed: strerror(err) (errno err)"). */
void lg_die(const char *what, int err) __attribute__((noreturn));
/* "vhost-loadgen: MESSAGE (see --help)" on stderr, exit 2 (bad usage). */
void bad_usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* CLOCK_MONOTONIC in seconds. */
double lg_now(void);
/* Sleep ms milliseconds, resuming after signals. */
void sleep_ms(unsigned ms);
/*
 * The queue has submitted exactly n buffers (TX) or injected n frames (RX)
 * and all of them have completed: a checkpoint at n may act.
 */
bool quiesced_at(const struct lg_vq *vq, uint64_t n);

/* A ground-truth line is built in one buffer and written with one write(). */
struct sbuf {
	char *p;
	size_t len, cap;
};
void sb_init(struct sbuf *b, size_t cap);
/* Appends; a line that does not fit its buffer is fatal. */
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* All of it to fd in one write() (a short write is fatal). */
void sb_write(const struct sbuf *b, int fd);
void sb_free(struct sbuf *b);

#endif
