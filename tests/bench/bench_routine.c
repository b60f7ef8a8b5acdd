/* SPDX-License-Identifier: MIT */
/*
 * The whole returns routine through a running retourd, driven over its
 * local API the way a touchscreen client drives it: one kept-alive
 * connection on the Unix socket, one request per step.  For each of
 * RMA-<first> .. RMA-<first+count-1> (imported beforehand by bench.py):
 *   scan the parcel -> wait for the items step (the daemon weighs on the
 *   simulated scale meanwhile) -> scan the item -> answer every checklist
 *   step -> confirm the proposal.
 * Prints one JSON object: "lat_us", the scan-to-decision time of each
 * return, "wall_us", the time for all of them, and where a return's time
 * goes: "weigh_us", the total from the parcel scan to the items step (the
 * parcel opened and weighed on the scale), and "polls", the status
 * requests sent meanwhile, each of which the daemon answers.
 *
 *   bench_routine SOCKET FIRST COUNT GTIN [SECONDS]
 *
 * With SECONDS, no return is started after that long (a desk slowed down
 * by an import flood may take seconds per return); "lat_us" then has
 * fewer than COUNT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

struct conn {
	int fd;
	char buf[65536];
	size_t len; /* bytes in buf not yet consumed */
};

/* Where the time went, summed over the run. */
struct phases {
	double weigh_us; /* parcel scan sent -> items step seen */
	long polls;	 /* status requests while the parcel was weighed */
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_routine: %s\n", what);
	exit(1);
}

static void conn_open(struct conn *c, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long");
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(strerror(errno));
	c->len = 0;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write to the daemon failed");
		p += w;
		n -= (size_t)w;
	}
}

static void fill(struct conn *c)
{
	ssize_t r;

	if (c->len == sizeof(c->buf))
		die("response too large");
	do
		r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		die("the daemon closed the connection");
	c->len += (size_t)r;
}

/* One request, its JSON answer (or NULL), its status in *status. */
static json_t *call(struct conn *c, const char *method, const char *path,
		    const char *body, int *status)
{
	char head[512], *end, *cl;
	size_t hlen, blen = body ? strlen(body) : 0, clen;
	json_t *j;
	int n;

	n = snprintf(head, sizeof(head),
		     "%s %s HTTP/1.1\r\nHost: localhost\r\n"
		     "Content-Type: application/json\r\n"
		     "Content-Length: %zu\r\n\r\n",
		     method, path, blen);
	send_all(c->fd, head, (size_t)n);
	if (blen)
		send_all(c->fd, body, blen);

	while (!(end = memmem(c->buf, c->len, "\r\n\r\n", 4)))
		fill(c);
	hlen = (size_t)(end - c->buf) + 4;
	if (sscanf(c->buf, "HTTP/1.1 %d", status) != 1)
		die("not an HTTP answer");
	end[2] = '\0';
	cl = strcasestr(c->buf, "\r\nContent-Length:");
	if (!cl)
		die("an answer without Content-Length");
	clen = strtoul(cl + 17, NULL, 10);
	while (c->len < hlen + clen)
		fill(c);
	j = json_loadb(c->buf + hlen, clen, 0, NULL);
	memmove(c->buf, c->buf + hlen + clen, c->len - hlen - clen);
	c->len -= hlen + clen;
	return j;
}

static const char *step_of(json_t *st)
{
	const char *s = json_string_value(json_object_get(st, "step"));

	return s ? s : "";
}

static json_t *post(struct conn *c, const char *path, const char *body)
{
	int status;
	json_t *j = call(c, "POST", path, body, &status);

	if (status >= 300 || !j) {
		fprintf(stderr, "bench_routine: POST %s %s: %d\n", path, body,
			status);
		exit(1);
	}
	return j;
}

static double one_return(struct conn *c, long i, const char *gtin,
			 struct phases *ph)
{
	char body[256];
	/* generous: a daemon that serves imports before the desk made it
	 * wait over 10 s here */
	double t0 = now_us(), deadline = t0 + 120e6;
	json_t *st;
	int status;

	snprintf(body, sizeof(body), "{\"code\":\"RMA-%06ld\"}", i);
	json_decref(post(c, "/api/v1/scan", body));
	for (;;) {
		st = call(c, "GET", "/api/v1/status", NULL, &status);
		ph->polls++;
		if (st && !strcmp(step_of(st), "items"))
			break;
		if (now_us() > deadline)
			die("the desk did not reach the items step");
		json_decref(st);
	}
	json_decref(st);
	ph->weigh_us += now_us() - t0;
	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", gtin);
	st = post(c, "/api/v1/scan", body);
	while (!strcmp(step_of(st), "checklist")) {
		json_t *cl = json_object_get(st, "checklist");
		const char *kind =
		    json_string_value(json_object_get(cl, "kind"));
		const char *ans = "pass";

		if (kind && !strcmp(kind, "choice"))
			ans = json_string_value(
			    json_array_get(json_object_get(cl, "choices"), 0));
		else if (kind && !strcmp(kind, "instruction"))
			ans = "done";
		snprintf(body, sizeof(body), "{\"answer\":\"%s\"}",
			 ans ? ans : "");
		json_decref(st);
		st = post(c, "/api/v1/answer", body);
	}
	if (strcmp(step_of(st), "confirm"))
		die("expected the confirm step after the checklist");
	snprintf(body, sizeof(body), "{\"verdict\":\"%s\"}",
		 json_string_value(json_object_get(
		     json_object_get(st, "proposal"), "verdict")));
	json_decref(st);
	st = post(c, "/api/v1/confirm", body);
	if (strcmp(step_of(st), "scan"))
		die("the decision was not taken");
	json_decref(st);
	return now_us() - t0;
}

int main(int argc, char **argv)
{
	struct conn c;
	struct phases ph = {0};
	long first, count;
	double t0, limit_us = 0;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: bench_routine SOCKET FIRST COUNT GTIN "
				"[SECONDS]\n");
		return 2;
	}
	first = strtol(argv[2], NULL, 10);
	count = strtol(argv[3], NULL, 10);
	if (argc == 6)
		limit_us = strtod(argv[5], NULL) * 1e6;
	conn_open(&c, argv[1]);
	t0 = now_us();
	printf("{\"lat_us\": [");
	for (long i = 0; i < count; i++) {
		if (limit_us > 0 && now_us() - t0 > limit_us)
			break;
		printf("%s%.1f", i ? ", " : "",
		       one_return(&c, first + i, argv[4], &ph));
	}
	printf("], \"wall_us\": %.1f, \"weigh_us\": %.1f, \"polls\": %ld}\n",
	       now_us() - t0, ph.weigh_us, ph.polls);
	close(c.fd);
	return 0;
}
