/* SPDX-License-Identifier: MIT */
/*
 * A fake shop that answers at once, for the outbox drain bench
 * (scripts/bench.d/outbox.py): one thread, epoll, HTTP/1.1 with
 * keep-alive, so that the receiver is never what a drain rate measures
 * (the Python fake shop is: see the bench's rows).
 *
 * Every POST is answered 200 {"id":"r-N"} at once and counted by its
 * refund key: the `webhook-id` header (or `Idempotency-Key`, or the whole
 * body when neither is there), so duplicates show.  The first POST's body
 * is kept in FILE.body, for the raw client to send the same bytes.
 * GET /stats answers {"posts":N,"unique":U,"duplicates":D}.
 *
 *   fast_shop PORTFILE [FILE [PORT]]
 *
 * Listens on 127.0.0.1, PORT or an ephemeral port, written to PORTFILE
 * once listening.  Ends on SIGTERM/SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_MAX (256 * 1024)
#define SET_BITS 20 /* a million keys */
#define SET_SIZE (1u << SET_BITS)

struct conn {
	int fd;
	size_t len;
	char buf[BUF_MAX];
};

static char *keys[SET_SIZE];
static unsigned long posts, unique_keys, duplicates;
static volatile sig_atomic_t stopping;
static const char *body_file;
static int body_saved;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static uint32_t hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* Count @key (not NUL-terminated, @n bytes): new or a duplicate. */
static void count_key(const char *key, size_t n)
{
	uint32_t i = hash(key, n) & (SET_SIZE - 1);

	posts++;
	while (keys[i]) {
		if (strlen(keys[i]) == n && !memcmp(keys[i], key, n)) {
			duplicates++;
			return;
		}
		i = (i + 1) & (SET_SIZE - 1);
	}
	keys[i] = strndup(key, n);
	if (keys[i])
		unique_keys++;
}

/* The value of header @name in @head (ends at the blank line), or NULL. */
static const char *header(const char *head, size_t head_len, const char *name,
			  size_t *vlen)
{
	size_t nlen = strlen(name);
	const char *p = head, *end = head + head_len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			break;
		if ((size_t)(eol - p) > nlen && p[nlen] == ':' &&
		    !strncasecmp(p, name, nlen)) {
			const char *v = p + nlen + 1, *ve = eol;

			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			*vlen = (size_t)(ve - v);
			return v;
		}
		p = eol + 1;
	}
	return NULL;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1; /* a full socket buffer: the client is gone
				    */
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void save_body(const char *body, size_t n)
{
	char path[4096];
	FILE *f;

	if (body_saved || !body_file)
		return;
	body_saved = 1;
	snprintf(path, sizeof(path), "%s.body", body_file);
	f = fopen(path, "w");
	if (f) {
		fwrite(body, 1, n, f);
		fclose(f);
	}
}

/* Answer every complete request in @c's buffer; -1: close it. */
static int serve(struct conn *c)
{
	char out[512];

	for (;;) {
		char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
		size_t head_len, total, clen = 0, vlen;
		const char *v;
		int n;

		if (!end)
			return c->len >= BUF_MAX ? -1 : 0;
		head_len = (size_t)(end - c->buf) + 4;
		v = header(c->buf, head_len, "Content-Length", &vlen);
		if (v)
			clen = strtoul(v, NULL, 10);
		if (clen > BUF_MAX - head_len)
			return -1;
		total = head_len + clen;
		if (c->len < total)
			return 0;
		if (!strncmp(c->buf, "GET /stats", 10)) {
			char body[160];
			int bl = snprintf(body, sizeof(body),
					  "{\"posts\":%lu,\"unique\":%lu,"
					  "\"duplicates\":%lu}",
					  posts, unique_keys, duplicates);
			n = snprintf(out, sizeof(out),
				     "HTTP/1.1 200 OK\r\nContent-Type: "
				     "application/json\r\nContent-Length: "
				     "%d\r\n\r\n%s",
				     bl, body);
		} else {
			v = header(c->buf, head_len, "webhook-id", &vlen);
			if (!v)
				v = header(c->buf, head_len, "Idempotency-Key",
					   &vlen);
			if (!v) {
				v = c->buf + head_len;
				vlen = clen;
			}
			count_key(v, vlen);
			save_body(c->buf + head_len, clen);
			char body[64];
			int bl = snprintf(body, sizeof(body),
					  "{\"id\":\"r-%lu\"}", posts);
			n = snprintf(out, sizeof(out),
				     "HTTP/1.1 200 OK\r\nContent-Type: "
				     "application/json\r\nContent-Length: "
				     "%d\r\n\r\n%s",
				     bl, body);
		}
		if (send_all(c->fd, out, (size_t)n) < 0)
			return -1;
		memmove(c->buf, c->buf + total, c->len - total);
		c->len -= total;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	struct epoll_event ev, evs[64];
	int lfd, ep, one = 1, i;
	FILE *pf;

	if (argc < 2) {
		fprintf(stderr, "usage: fast_shop PORTFILE [FILE [PORT]]\n");
		return 2;
	}
	body_file = argc > 2 && argv[2][0] ? argv[2] : NULL;
	if (argc > 3)
		sa.sin_port = htons((uint16_t)atoi(argv[3]));
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 1024) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("fast_shop: listen");
		return 1;
	}
	pf = fopen(argv[1], "w");
	if (!pf) {
		perror(argv[1]);
		return 1;
	}
	fprintf(pf, "%d\n", ntohs(sa.sin_port));
	fclose(pf);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!stopping) {
		int n = epoll_wait(ep, evs, 64, 200);

		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (!c) {
				int fd;

				while ((fd = accept4(lfd, NULL, NULL,
						     SOCK_NONBLOCK |
							 SOCK_CLOEXEC)) >= 0) {
					c = malloc(sizeof(*c));
					if (!c) {
						close(fd);
						continue;
					}
					c->fd = fd;
					c->len = 0;
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
						   &one, sizeof(one));
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			for (;;) {
				ssize_t r = recv(c->fd, c->buf + c->len,
						 BUF_MAX - c->len, 0);

				if (r > 0) {
					c->len += (size_t)r;
					if (serve(c) < 0) {
						r = 0;
					} else if (c->len < BUF_MAX) {
						continue;
					}
				}
				if (r < 0 &&
				    (errno == EAGAIN || errno == EINTR))
					break;
				close(c->fd);
				free(c);
				break;
			}
		}
	}
	printf("{\"posts\":%lu,\"unique\":%lu,\"duplicates\":%lu}\n", posts,
	       unique_keys, duplicates);
	return 0;
}
