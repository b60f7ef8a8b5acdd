/* SPDX-License-Identifier: MIT */
/*
 * Raw TCP printer ("port 9100", JetDirect style): one connection per job,
 * the job's bytes, then a half-close so the printer knows the job ended.
 *
 * Synchronous by design, bounded by timeout_ms for connect and write
 * together.  It does not retry: the caller decides.
 *
 * Status (status = ask): a connection of its own that sends the language's
 * query (~HS or ESC!?) and reads the answer, which Zebra and TSC printers
 * give on the same port.  Off by default, since raw 9100 has no status
 * every printer agrees on; a printer that accepts and never answers is
 * "status unreadable" after timeout_ms, not a hung spool.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
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
	char *language; /* NULL: zpl */
	bool ask_status;
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

/* A connection to the printer by @deadline: the fd, or -errno with @err. */
static int printer_tcp_dial(const struct printer_tcp *p, int64_t deadline,
			    char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL, *ai;
	char port[16];
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
	if (fd < 0)
		printer_tcp_fail(p, -fd, err, errlen);
	return fd;
}

/* All of @len bytes by @deadline; 0 or -errno with @err. */
static int printer_tcp_send(const struct printer_tcp *p, int fd,
			    const char *bytes, size_t len, int64_t deadline,
			    char *err, size_t errlen)
{
	size_t done = 0;
	ssize_t n;
	int r;

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
		return r;
	}
	return 0;
}

static int printer_tcp_print(void *state, const char *name, const void *data,
			     size_t len, char *err, size_t errlen)
{
	struct printer_tcp *p = state;
	int64_t deadline = (clock_mono_us() / 1000) + p->timeout_ms;
	int fd, r;

	(void)name;
	fd = printer_tcp_dial(p, deadline, err, errlen);
	if (fd < 0)
		return fd;
	r = printer_tcp_send(p, fd, data, len, deadline, err, errlen);
	if (r < 0) {
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

/* The answer to @query stopped short: why, as the status shows it. */
static void printer_tcp_unanswered(const struct printer_tcp *p, int r,
				   size_t got, const char *query, char *err,
				   size_t errlen)
{
	const char *name = query[0] == '~' ? "~HS" : "ESC!?";

	if (r == -ETIMEDOUT && got == 0)
		/* A Zebra keeps quiet to ~HS while out of paper or ribbon or
		 * with the head open (ZPL guide, ~HS note), so this may be a
		 * fault too. */
		snprintf(err, errlen,
			 "printer status unreadable: no answer to %s within "
			 "%d ms",
			 name, p->timeout_ms);
	else if (r == -ETIMEDOUT)
		snprintf(err, errlen,
			 "printer status unreadable: %zu bytes of the answer "
			 "to %s, then nothing within %d ms",
			 got, name, p->timeout_ms);
	else if (r == -ECONNRESET)
		snprintf(err, errlen,
			 "printer status unreadable: the printer hung up after "
			 "%zu bytes of the answer to %s",
			 got, name);
	else
		snprintf(err, errlen,
			 "printer status unreadable: %s after %zu bytes of the "
			 "answer to %s",
			 strerror(-r), got, name);
}

static int printer_tcp_status(void *state, struct printer_status *st, char *err,
			      size_t errlen)
{
	struct printer_tcp *p = state;
	const char *query = printer_status_query(p->language);
	int64_t deadline = (clock_mono_us() / 1000) + p->timeout_ms;
	char answer[PRINTER_STATUS_ANSWER_MAX];
	size_t got = 0;
	ssize_t n;
	int fd, r;

	if (!p->ask_status)
		return -EOPNOTSUPP;
	fd = printer_tcp_dial(p, deadline, err, errlen);
	if (fd < 0)
		return fd;
	r = printer_tcp_send(p, fd, query, strlen(query), deadline, err,
			     errlen);
	if (r < 0) {
		close(fd);
		return r;
	}
	/* Until the answer is whole (or wrong): a printer may send it in
	 * pieces, and nothing says where it ends but the answer itself. */
	r = -EAGAIN;
	while (r == -EAGAIN) {
		if (got == sizeof(answer)) {
			r = printer_status_parse_answer(p->language, answer,
							got, st, err, errlen);
			if (r == -EAGAIN) { /* only line ends, say */
				snprintf(err, errlen,
					 "printer status unreadable: %zu bytes "
					 "and no whole answer",
					 got);
				r = -EBADMSG;
			}
			break;
		}
		n = recv(fd, answer + got, sizeof(answer) - got, 0);
		if (n > 0) {
			got += (size_t)n;
			r = printer_status_parse_answer(p->language, answer,
							got, st, err, errlen);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			r = printer_tcp_wait(fd, POLLIN, deadline);
			if (r == 0) {
				r = -EAGAIN;
				continue;
			}
		} else {
			r = n == 0 ? -ECONNRESET : -errno;
		}
		printer_tcp_unanswered(p, r, got, query, err, errlen);
		r = -EBADMSG;
	}
	close(fd);
	return r;
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
	free(p->language);
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
	if (cfg->status && strcmp(cfg->status, "ask") &&
	    strcmp(cfg->status, "none")) {
		snprintf(err, errlen,
			 "printer tcp: status '%s' is neither ask nor none",
			 cfg->status);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->host = strdup(host)) ||
	    (cfg->language && !(p->language = strdup(cfg->language)))) {
		if (p)
			free(p->host);
		free(p);
		snprintf(err, errlen, "printer: out of memory");
		return -ENOMEM;
	}
	p->ask_status = cfg->status && !strcmp(cfg->status, "ask");
	p->port = cfg->port ? cfg->port : PRINTER_PORT_DEFAULT;
	p->timeout_ms =
	    cfg->timeout_ms > 0 ? cfg->timeout_ms : PRINTER_TIMEOUT_MS_DEFAULT;
	snprintf(p->describe, sizeof(p->describe), "tcp %s:%d%s", p->host,
		 p->port, p->ask_status ? ", status asked" : "");
	*state = p;
	return 0;
}

const struct printer_backend printer_backend_tcp = {
    .name = "tcp",
    .open = printer_tcp_open,
    .print = printer_tcp_print,
    .status = printer_tcp_status,
    .describe = printer_tcp_describe,
    .close = printer_tcp_close,
};
