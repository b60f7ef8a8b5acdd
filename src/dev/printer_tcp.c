/* SPDX-License-Identifier: MIT */
/*
 * Raw TCP printer ("port 9100", JetDirect style): one connection per job,
 * the job's bytes, then a half-close so the printer knows the job ended.
 *
 * Synchronous by design, bounded by timeout_ms for connect and write
 * together.  It does not read the printer's status back (raw 9100 has
 * none that all printers agree on) and does not retry: the caller decides.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "retour/clock.h"
#include "retour/printer.h"

struct printer_tcp {
	char *host;
	int port;
	int timeout_ms;
	char describe[300];
};

/* "Connection refused" -> "connection refused", to read in a sentence. */
static void printer_tcp_fail(const struct printer_tcp *p, int errnum, char *err,
			     size_t errlen)
{
	char what[128];

	if (errnum == ETIMEDOUT)
		snprintf(what, sizeof(what), "no answer within %d ms",
			 p->timeout_ms);
	else
		snprintf(what, sizeof(what), "%s", strerror(errnum));
	what[0] = (char)tolower((unsigned char)what[0]);
	snprintf(err, errlen, "printer %s:%d: %s", p->host, p->port, what);
}

/* Wait for @events until @deadline; 0, -ETIMEDOUT or -errno. */
static int printer_tcp_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int64_t left;
	int r;

	for (;;) {
		left = deadline - (clock_mono_us() / 1000);
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int printer_tcp_connect(const struct printer_tcp *p,
			       const struct addrinfo *ai, int64_t deadline)
{
	socklen_t sl = sizeof(int);
	int fd, r, soerr = 0;

	fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			r = -errno;
			close(fd);
			return r;
		}
		r = printer_tcp_wait(fd, POLLOUT, deadline);
		if (r == 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			r = -errno;
		if (r == 0 && soerr)
			r = -soerr;
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	return fd;
}

static int printer_tcp_print(void *state, const char *name, const void *data,
			     size_t len, char *err, size_t errlen)
{
	struct printer_tcp *p = state;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL, *ai;
	const char *bytes = data;
	char port[16];
	int64_t deadline = (clock_mono_us() / 1000) + p->timeout_ms;
	size_t done = 0;
	ssize_t n;
	int fd = -ECONNREFUSED, r;

	snprintf(port, sizeof(port), "%d", p->port);
	r = getaddrinfo(p->host, port, &hints, &res);
	if (r != 0) {
		snprintf(err, errlen, "printer %s:%d: cannot resolve: %s",
			 p->host, p->port, gai_strerror(r));
		return -EHOSTUNREACH;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = printer_tcp_connect(p, ai, deadline);
		if (fd >= 0 || fd == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		printer_tcp_fail(p, -fd, err, errlen);
		return fd;
	}

	while (done < len) {
		/* MSG_NOSIGNAL: a printer closing on us is an error, not a
		 * SIGPIPE that kills the daemon. */
		n = send(fd, bytes + done, len - done, MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			r = printer_tcp_wait(fd, POLLOUT, deadline);
			if (r == 0)
				continue;
		} else {
			r = n < 0 ? -errno : -EPIPE;
		}
		printer_tcp_fail(p, -r, err, errlen);
		close(fd);
		return r;
	}
	if (shutdown(fd, SHUT_WR) < 0) {
		r = -errno;
		printer_tcp_fail(p, -r, err, errlen);
		close(fd);
		return r;
	}
	close(fd);
	return 0;
}

static const char *printer_tcp_describe(const void *state)
{
	const struct printer_tcp *p = state;

	return p->describe;
}

static void printer_tcp_close(void *state)
{
	struct printer_tcp *p = state;

	if (!p)
		return;
	free(p->host);
	free(p);
}

static int printer_tcp_open(const struct printer_config *cfg, void **state,
			    char *err, size_t errlen)
{
	const char *host = cfg->host ? cfg->host : PRINTER_HOST_DEFAULT;
	struct printer_tcp *p;

	if (!*host) {
		snprintf(err, errlen, "printer tcp: no host configured");
		return -EINVAL;
	}
	if (cfg->port < 0 || cfg->port > 65535) {
		snprintf(err, errlen, "printer tcp: port %d out of range",
			 cfg->port);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->host = strdup(host))) {
		free(p);
		snprintf(err, errlen, "printer: out of memory");
		return -ENOMEM;
	}
	p->port = cfg->port ? cfg->port : PRINTER_PORT_DEFAULT;
	p->timeout_ms =
	    cfg->timeout_ms > 0 ? cfg->timeout_ms : PRINTER_TIMEOUT_MS_DEFAULT;
	snprintf(p->describe, sizeof(p->describe), "tcp %s:%d", p->host,
		 p->port);
	*state = p;
	return 0;
}

const struct printer_backend printer_backend_tcp = {
    .name = "tcp",
    .open = printer_tcp_open,
    .print = printer_tcp_print,
    .describe = printer_tcp_describe,
    .close = printer_tcp_close,
};
