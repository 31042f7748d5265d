/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A tiny HTTP server for --prometheus: GET /metrics answers the latest
 * published snapshot, every other path 404. It runs in its own thread with
 * its own libevent event_base and never touches vqtrace's tables or BPF
 * maps: the main loop renders a snapshot and hands a copy over, when a
 * scrape asks for one (see http.c). */
#ifndef __VQTRACE_HTTP_H
#define __VQTRACE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_ADDR_LEN		48	/* a numeric IPv4 or IPv6 address */
#define HTTP_DEFAULT_ADDR	"127.0.0.1"

struct http_server;

/* Parses "[ADDR:]PORT": ADDR an IPv4 literal or an IPv6 literal in
 * brackets ([::1]:9100), PORT 1..65535. addr gets the address without
 * brackets, 127.0.0.1 when none is given. Returns 0, or -1 on bad input. */
int http_parse_listen(const char *arg, char addr[HTTP_ADDR_LEN], unsigned int *port);
/* "ADDR:PORT", or "[ADDR]:PORT" for IPv6, into buf. Returns buf. */
char *http_format_addr(const char *addr, unsigned int port, char *buf, size_t len);
/* What to do about a listen error (errno value), for the one-line message. */
const char *http_listen_hint(int err);

/* Listens on addr:port (port 0: any free port, see http_port) and serves
 * from a new thread. Returns NULL with *err set to an errno value. */
struct http_server *http_start(const char *addr, unsigned int port, int *err);
unsigned int http_port(const struct http_server *s);
/* Replaces the snapshot served at /metrics with a copy of body and answers
 * the scrapes waiting for it. 0 or -ENOMEM. */
int http_publish(struct http_server *s, const char *body, size_t len);
/* The main thread's table moved on: the next scrape asks for a render. */
void http_mark_stale(struct http_server *s);
/* Readable when a scrape asks for a render (poll it while idle)... */
int http_render_fd(const struct http_server *s);
/* ...and whether one did since the last call (empties the fd): then the
 * caller renders and publishes. */
bool http_render_wanted(struct http_server *s);
/* Stops the thread (event_base_loopbreak from inside it), joins, frees. */
void http_stop(struct http_server *s);

#endif
