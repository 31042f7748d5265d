// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The --prometheus endpoint on libevent's evhttp (statically linkable, unlike
 * libmicrohttpd on Debian 12). One thread, one event_base; the only state
 * shared with the main thread is the snapshot string and whether it is
 * older than the main thread's table, under a mutex.
 *
 * Rendering on scrape: a render of 1024 vqs with --hist took 79 ms here
 * (make bench-prom), so rendering every interval at -i 1 would cost 8 % of
 * a CPU whether anyone scrapes or not. The main thread only says when its
 * table moved on (http_mark_stale); a scrape that finds the snapshot stale
 * asks it for a render through a pipe (http_render_fd) and waits for it,
 * at most HTTP_RENDER_WAIT_S, then answers with what it has. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

struct http_server {
	struct event_base *base;
	struct evhttp *http;
	struct event *wake_ev;
	int wake[2];		/* a byte on wake[1] stops the loop */
	pthread_t thread;
	unsigned int port;

	pthread_mutex_t lock;	/* guards body, len, stale and asked */
	pthread_cond_t published;
	char *body;
	size_t len;
	bool stale;		/* the main thread's table moved on since body */
	bool asked;		/* a byte is on want[1] and not yet taken */
	int want[2];		/* a byte on want[1]: a scrape wants a render */
};

/* How long a scrape waits for the main thread's render (a render of 1024
 * vqs with --hist under TCG took about 1 s) before it gets the last one. */
#define HTTP_RENDER_WAIT_S	5

/* ---- [ADDR:]PORT --------------------------------------------------------- */

static int parse_port(const char *s, unsigned int *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (unsigned int)v;
	return 0;
}

int http_parse_listen(const char *arg, char addr[HTTP_ADDR_LEN], unsigned int *port)
{
	struct in6_addr a6;
	struct in_addr a4;
	const char *colon;
	size_t n;

	if (arg[0] == '[') {
		const char *end = strchr(arg, ']');

		if (!end || end[1] != ':')
			return -1;
		n = (size_t)(end - arg - 1);
		if (n == 0 || n >= HTTP_ADDR_LEN)
			return -1;
		memcpy(addr, arg + 1, n);
		addr[n] = '\0';
		if (inet_pton(AF_INET6, addr, &a6) != 1)
			return -1;
		return parse_port(end + 2, port);
	}
	colon = strchr(arg, ':');
	if (!colon) {
		snprintf(addr, HTTP_ADDR_LEN, "%s", HTTP_DEFAULT_ADDR);
		return parse_port(arg, port);
	}
	n = (size_t)(colon - arg);
	if (n == 0 || n >= HTTP_ADDR_LEN)
		return -1;
	memcpy(addr, arg, n);
	addr[n] = '\0';
	/* inet_pton takes only the full dotted quad (not 1.2.3 nor 0x7f.1) */
	if (inet_pton(AF_INET, addr, &a4) != 1)
		return -1;
	return parse_port(colon + 1, port);
}

char *http_format_addr(const char *addr, unsigned int port, char *buf, size_t len)
{
	if (strchr(addr, ':'))
		snprintf(buf, len, "[%s]:%u", addr, port);
	else
		snprintf(buf, len, "%s:%u", addr, port);
	return buf;
}

const char *http_listen_hint(int err)
{
	switch (err) {
	case EADDRINUSE:
		return "another program listens there; give --prometheus another port";
	case EACCES:
	case EPERM:
		return "ports below 1024 need CAP_NET_BIND_SERVICE; use a higher port";
	case EADDRNOTAVAIL:
		return "no interface of this host has that address; give a local one or 0.0.0.0";
	case EAFNOSUPPORT:
		return "IPv6 is not available here; give an IPv4 address";
	default:
		return "check the address and port given to --prometheus";
	}
}

/* ---- the server thread -------------------------------------------------- */

static void on_metrics(struct evhttp_request *req, void *arg)
{
	struct http_server *s = arg;
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	bool have;

	pthread_mutex_lock(&s->lock);
	if (s->body && s->stale) {
		struct timespec until;
		char c = 1;

		if (!s->asked && write(s->want[1], &c, 1) == 1)
			s->asked = true;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += HTTP_RENDER_WAIT_S;
		while (s->stale && pthread_cond_timedwait(&s->published, &s->lock, &until) == 0)
			;
	}
	have = s->body != NULL;
	if (have && evbuffer_add(out, s->body, s->len))
		have = false;
	pthread_mutex_unlock(&s->lock);
	if (!have) {
		evhttp_send_error(req, 503, "No snapshot yet");
		return;
	}
	evhttp_add_header(h, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void on_other(struct evhttp_request *req, void *arg)
{
	evhttp_send_error(req, 404, "Not Found; vqtrace serves /metrics");
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *s = arg;

	event_base_loopbreak(s->base);
}

static void *serve(void *arg)
{
	struct http_server *s = arg;

	event_base_dispatch(s->base);
	return NULL;
}

/* A listening socket of our own, so that a failure has its exact errno. */
static int listen_on(const char *addr, unsigned int port, unsigned int *bound, int *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1) {
			*err = EINVAL;
			return -1;
		}
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &a->sin_addr) != 1) {
			*err = EINVAL;
			return -1;
		}
		sl = sizeof(*a);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 64)) {
		*err = errno;
		close(fd);
		return -1;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							 : ((struct sockaddr_in *)&ss)->sin_port);
	else
		*bound = port;
	return fd;
}

static void destroy(struct http_server *s)
{
	if (s->http)
		evhttp_free(s->http);	/* closes the listening socket */
	if (s->wake_ev)
		event_free(s->wake_ev);
	if (s->base)
		event_base_free(s->base);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	if (s->want[0] >= 0)
		close(s->want[0]);
	if (s->want[1] >= 0)
		close(s->want[1]);
	pthread_cond_destroy(&s->published);
	pthread_mutex_destroy(&s->lock);
	free(s->body);
	free(s);
}

struct http_server *http_start(const char *addr, unsigned int port, int *err)
{
	struct http_server *s = calloc(1, sizeof(*s));
	sigset_t all, old;
	int fd, e;
	pthread_condattr_t ca;

	if (!s) {
		*err = ENOMEM;
		return NULL;
	}
	s->wake[0] = s->wake[1] = s->want[0] = s->want[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->published, &ca);
	pthread_condattr_destroy(&ca);
	fd = listen_on(addr, port, &s->port, err);
	if (fd < 0) {
		destroy(s);
		return NULL;
	}
	errno = 0;
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) || pipe2(s->want, O_CLOEXEC | O_NONBLOCK) ||
	    !(s->base = event_base_new()) || !(s->http = evhttp_new(s->base)) ||
	    !(s->wake_ev = event_new(s->base, s->wake[0], EV_READ, on_wake, s)) ||
	    event_add(s->wake_ev, NULL) ||
	    evhttp_accept_socket(s->http, fd)) {
		*err = errno ? errno : ENOMEM;
		close(fd);
		destroy(s);
		return NULL;
	}
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(s->http, 10);
	evhttp_set_max_headers_size(s->http, 16384);
	evhttp_set_max_body_size(s->http, 4096);
	evhttp_set_cb(s->http, "/metrics", on_metrics, s);
	evhttp_set_gencb(s->http, on_other, s);

	/* The thread takes no signals: SIGINT/SIGTERM stay with the main
	 * thread, and a client that hangs up makes a write fail with EPIPE
	 * instead of killing vqtrace with SIGPIPE (blocking it in this thread
	 * only leaves the traced COMMAND's signal dispositions alone). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&s->thread, NULL, serve, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		*err = e;
		destroy(s);
		return NULL;
	}
	return s;
}

unsigned int http_port(const struct http_server *s)
{
	return s->port;
}

int http_publish(struct http_server *s, const char *body, size_t len)
{
	char *copy = malloc(len + 1), *old;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, body, len);
	copy[len] = '\0';
	pthread_mutex_lock(&s->lock);
	old = s->body;
	s->body = copy;
	s->len = len;
	s->stale = false;
	pthread_cond_broadcast(&s->published);
	pthread_mutex_unlock(&s->lock);
	free(old);
	return 0;
}

void http_mark_stale(struct http_server *s)
{
	pthread_mutex_lock(&s->lock);
	s->stale = true;
	pthread_mutex_unlock(&s->lock);
}

int http_render_fd(const struct http_server *s)
{
	return s->want[0];
}

bool http_render_wanted(struct http_server *s)
{
	bool wanted;
	char c[16];

	pthread_mutex_lock(&s->lock);
	while (read(s->want[0], c, sizeof(c)) > 0)
		;
	wanted = s->asked;
	s->asked = false;
	pthread_mutex_unlock(&s->lock);
	return wanted;
}

void http_stop(struct http_server *s)
{
	char c = 1;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);	/* a waiting scrape gets what there is */
	s->stale = false;
	pthread_cond_broadcast(&s->published);
	pthread_mutex_unlock(&s->lock);
	while (write(s->wake[1], &c, 1) < 0 && errno == EINTR)
		;
	pthread_join(s->thread, NULL);
	destroy(s);
}
