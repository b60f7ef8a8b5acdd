/* SPDX-License-Identifier: MIT */
/*
 * HTTP front of the station.  libmicrohttpd runs without threads of its
 * own: its epoll fd sits in the daemon's sd-event loop and MHD_run() is
 * called when it is readable (and on MHD's own timeout), so a request
 * handler may touch the station directly.
 *
 * What it does not do: TLS (loopback and Unix socket only; a LAN listener
 * needs a bearer token and belongs behind a reverse proxy), and Server-Sent
 * Events, which come with the kiosk screen.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>
#include <systemd/sd-event.h>

#include "retour/api.h"

#define API_MAX_BODY (1 << 20)

struct api_listener {
	struct api *api;
	struct MHD_Daemon *mhd;
	sd_event_source *io;
	sd_event_source *timer;
	bool needs_token;
};

struct api {
	struct station *st;
	const struct config *cfg;
	sd_event *ev;
	struct api_listener unix_l, tcp_l;
	char token[256];
	char socket_path[CONFIG_PATH_LEN];
};

struct api_request {
	char *body;
	size_t len;
	bool too_big;
};

struct api_reply {
	unsigned status;
	json_t *json; /* or text */
	char *text;
	const char *content_type;
};

static void reply_error(struct api_reply *rp, unsigned status, const char *fmt,
			...) __attribute__((format(printf, 3, 4)));

static void reply_error(struct api_reply *rp, unsigned status, const char *fmt,
			...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rp->status = status;
	json_decref(rp->json);
	rp->json = json_pack("{s:s}", "error", msg);
}

static void reply_json(struct api_reply *rp, unsigned status, json_t *j)
{
	rp->status = status;
	json_decref(rp->json);
	rp->json = j;
}

static json_t *body_json(const struct api_request *rq, struct api_reply *rp)
{
	json_error_t jerr;
	json_t *j;

	if (!rq->len) {
		reply_error(rp, 400, "a JSON body is required");
		return NULL;
	}
	j = json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		reply_error(rp, 400, "malformed JSON at line %d column %d: %s",
			    jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	return j;
}

static bool parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || (*end && *end != '/') || v <= 0)
		return false;
	*id = v;
	return true;
}

static void reply_status(struct api *api, struct api_reply *rp)
{
	reply_json(rp, 200, station_status(api->st));
}

static const char *json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void route_desk(struct api *api, const char *method, const char *path,
		       const struct api_request *rq, struct api_reply *rp)
{
	char err[256] = "";
	json_t *j;
	int r;

	if (!strcmp(path, "/api/v1/status") && !strcmp(method, "GET")) {
		reply_status(api, rp);
		return;
	}
	if (strcmp(method, "POST") && strcmp(method, "DELETE")) {
		reply_error(rp, 405, "%s is not allowed on %s", method, path);
		return;
	}
	if (!strcmp(path, "/api/v1/scan")) {
		const char *code;

		if (!(j = body_json(rq, rp)))
			return;
		code = json_str(j, "code");
		if (!code) {
			json_decref(j);
			reply_error(rp, 400,
				    "field \"code\" (a string) is required");
			return;
		}
		station_scan(api->st, code, strlen(code));
		json_decref(j);
		reply_status(api, rp);
	} else if (!strcmp(path, "/api/v1/clerk")) {
		if (!strcmp(method, "DELETE")) {
			station_sign_out(api->st);
			reply_status(api, rp);
			return;
		}
		if (!(j = body_json(rq, rp)))
			return;
		r = station_sign_in(api->st, json_str(j, "badge"),
				    json_str(j, "name"), err, sizeof(err));
		json_decref(j);
		if (r < 0)
			reply_error(rp, r == -EBUSY ? 409 : 400, "%s", err);
		else
			reply_status(api, rp);
	} else if (!strcmp(path, "/api/v1/clerks")) {
		if (!(j = body_json(rq, rp)))
			return;
		r = station_register_clerk(api->st, json_str(j, "badge"),
					   json_str(j, "name"), err,
					   sizeof(err));
		json_decref(j);
		if (r < 0)
			reply_error(rp, 400, "%s", err);
		else
			reply_json(rp, 201, json_pack("{s:b}", "ok", 1));
	} else if (!strcmp(path, "/api/v1/routine")) {
		if (!(j = body_json(rq, rp)))
			return;
		r = station_choose_routine(api->st, json_str(j, "routine"), err,
					   sizeof(err));
		json_decref(j);
		if (r < 0)
			reply_error(rp, 400, "%s", err);
		else
			reply_status(api, rp);
	} else if (!strcmp(path, "/api/v1/weigh")) {
		station_weigh(api->st);
		reply_status(api, rp);
	} else if (!strcmp(path, "/api/v1/photo")) {
		station_photo(api->st);
		reply_status(api, rp);
	} else if (!strcmp(path, "/api/v1/skip")) {
		station_skip(api->st);
		reply_status(api, rp);
	} else if (!strcmp(path, "/api/v1/items-done")) {
		station_items_done(api->st);
		reply_status(api, rp);
	} else if (!strcmp(path, "/api/v1/back")) {
		station_back(api->st);
		reply_status(api, rp);
	} else if (!strcmp(path, "/api/v1/cancel")) {
		station_cancel(api->st);
		reply_status(api, rp);
	} else if (!strcmp(path, "/api/v1/answer")) {
		const char *answer;

		if (!(j = body_json(rq, rp)))
			return;
		answer = json_str(j, "answer");
		if (!answer) {
			json_decref(j);
			reply_error(rp, 400,
				    "field \"answer\" (a string) is required");
			return;
		}
		station_answer(api->st, answer);
		json_decref(j);
		reply_status(api, rp);
	} else if (!strcmp(path, "/api/v1/confirm")) {
		if (!(j = body_json(rq, rp)))
			return;
		r = station_confirm(api->st, json_str(j, "verdict"),
				    json_str(j, "reason"), err, sizeof(err));
		json_decref(j);
		if (r < 0)
			reply_error(rp, 400, "%s", err);
		else
			reply_status(api, rp);
	} else if (!strncmp(path, "/api/v1/buttons/", 16)) {
		r = station_press(api->st, path + 16, err, sizeof(err));
		if (r < 0)
			reply_error(rp, r == -EINVAL ? 404 : 409, "%s", err);
		else
			reply_json(rp, 202,
				   json_pack("{s:s}", "pressed", path + 16));
	} else if (!strcmp(path, "/api/v1/undo")) {
		json_t *id;

		if (!(j = body_json(rq, rp)))
			return;
		id = json_object_get(j, "receipt");
		if (!json_is_integer(id) || json_integer_value(id) <= 0) {
			json_decref(j);
			reply_error(
			    rp, 400,
			    "field \"receipt\" (a receipt id) is required");
			return;
		}
		r = station_undo(api->st, json_integer_value(id), err,
				 sizeof(err));
		json_decref(j);
		if (r < 0)
			reply_error(rp, r == -ENOENT ? 404 : 409, "%s", err);
		else
			reply_status(api, rp);
	} else {
		reply_error(rp, 404, "no such endpoint: %s %s", method, path);
	}
}

static void route_records(struct api *api, const char *method, const char *path,
			  struct MHD_Connection *conn,
			  const struct api_request *rq, struct api_reply *rp)
{
	char err[256] = "";
	const char *arg;
	json_t *out = NULL;
	int64_t id, n;
	int limit = 100, r;

	arg = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit");
	if (arg) {
		char *end;
		long v = strtol(arg, &end, 10);

		if (*end || v < 1 || v > 10000) {
			reply_error(rp, 400, "limit must be 1..10000");
			return;
		}
		limit = (int)v;
	}
	if (!strcmp(path, "/api/v1/expected")) {
		json_t *j, *kept;

		if (!strcmp(method, "GET")) {
			r = station_expected_list(api->st, limit, &out);
			goto list;
		}
		if (strcmp(method, "POST")) {
			reply_error(rp, 405, "use GET or POST");
			return;
		}
		if (!(j = body_json(rq, rp)))
			return;
		kept = json_array();
		r = station_import_expected(api->st, j, kept, err, sizeof(err));
		json_decref(j);
		if (r < 0) {
			json_decref(kept);
			reply_error(rp, r == -EINVAL ? 400 : 500, "%s", err);
		} else {
			/* kept: already at the desk, left as they were */
			reply_json(rp, 200,
				   json_pack("{s:i,s:o}", "imported", r, "kept",
					     kept));
		}
		return;
	}
	if (strcmp(method, "GET") && !strstr(path, "/retry")) {
		reply_error(rp, 405, "%s is not allowed on %s", method, path);
		return;
	}
	if (!strcmp(path, "/api/v1/returns")) {
		r = station_returns_list(api->st, limit, &out);
		goto list;
	}
	if (!strncmp(path, "/api/v1/returns/", 16)) {
		if (!parse_id(path + 16, &id)) {
			reply_error(rp, 400, "'%s' is not a receipt id",
				    path + 16);
			return;
		}
		r = station_return_get(api->st, id, &out);
		if (r == -ENOENT) {
			reply_error(rp, 404, "no receipt %lld", (long long)id);
			return;
		}
		goto list;
	}
	if (!strcmp(path, "/api/v1/outbox")) {
		const char *state = MHD_lookup_connection_value(
		    conn, MHD_GET_ARGUMENT_KIND, "state");

		if (state && strcmp(state, "pending") &&
		    strcmp(state, "done") && strcmp(state, "dead") &&
		    strcmp(state, "cancelled")) {
			reply_error(rp, 400,
				    "state must be pending, done, dead "
				    "or cancelled");
			return;
		}
		r = station_outbox_list(api->st, state, limit, &out);
		goto list;
	}
	if (!strncmp(path, "/api/v1/outbox/", 15)) {
		size_t plen = strlen(path);

		if (strcmp(method, "POST") || plen < 6 ||
		    strcmp(path + plen - 6, "/retry") ||
		    !parse_id(path + 15, &id)) {
			reply_error(rp, 404,
				    "use POST /api/v1/outbox/ID/retry");
			return;
		}
		r = station_outbox_retry(api->st, id, err, sizeof(err));
		if (r < 0)
			reply_error(rp, r == -ENOENT ? 404 : 500, "%s", err);
		else
			reply_json(rp, 200,
				   json_pack("{s:b,s:I}", "ok", 1, "id",
					     (json_int_t)id));
		return;
	}
	if (!strcmp(path, "/api/v1/db/check")) {
		char msg[256];

		r = station_db_check(api->st, msg, sizeof(msg));
		reply_json(rp, 200,
			   json_pack("{s:b,s:s}", "ok", r == 0, "detail", msg));
		return;
	}
	if (!strcmp(path, "/api/v1/audit/verify")) {
		int64_t bad = 0;

		n = 0;
		r = station_audit_verify(api->st, &n, &bad);
		if (r == 0)
			reply_json(rp, 200,
				   json_pack("{s:b,s:I}", "ok", 1, "entries",
					     (json_int_t)n));
		else
			reply_json(rp, 200,
				   json_pack("{s:b,s:I,s:I}", "ok", 0,
					     "entries", (json_int_t)n,
					     "bad_entry", (json_int_t)bad));
		return;
	}
	reply_error(rp, 404, "no such endpoint: %s %s", method, path);
	return;
list:
	if (r < 0) {
		reply_error(rp, 500, "store: %s", station_errmsg(api->st));
		json_decref(out);
		return;
	}
	reply_json(rp, 200, out);
}

static void api_route(struct api *api, struct MHD_Connection *conn,
		      const char *method, const char *url,
		      const struct api_request *rq, struct api_reply *rp)
{
	if (!strcmp(url, "/healthz")) {
		reply_json(rp, 200, json_pack("{s:b}", "ok", 1));
	} else if (!strcmp(url, "/metrics")) {
		rp->status = 200;
		rp->text = strdup(station_metrics(api->st));
		rp->content_type = "text/plain; version=0.0.4";
	} else if (!strncmp(url, "/api/v1/expected", 16) ||
		   !strncmp(url, "/api/v1/returns", 15) ||
		   !strncmp(url, "/api/v1/outbox", 14) ||
		   !strcmp(url, "/api/v1/db/check") ||
		   !strcmp(url, "/api/v1/audit/verify")) {
		route_records(api, method, url, conn, rq, rp);
	} else if (!strncmp(url, "/api/v1/", 8)) {
		route_desk(api, method, url, rq, rp);
	} else {
		reply_error(rp, 404, "no such endpoint: %s", url);
	}
}

static enum MHD_Result api_send(struct MHD_Connection *conn,
				struct api_reply *rp)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *body;

	if (rp->text) {
		body = rp->text;
	} else {
		body = json_dumps(rp->json, JSON_COMPACT);
		json_decref(rp->json);
		if (!body)
			return MHD_NO;
		rp->content_type = "application/json";
	}
	resp = MHD_create_response_from_buffer(strlen(body), body,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", rp->content_type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(conn, rp->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static bool token_ok(struct api *api, struct MHD_Connection *conn)
{
	const char *h =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	size_t a, b;
	unsigned char diff = 0;

	if (!h || strncmp(h, "Bearer ", 7))
		return false;
	h += 7;
	a = strlen(h);
	b = strlen(api->token);
	if (a != b)
		return false;
	for (size_t i = 0; i < a; i++)
		diff |= (unsigned char)(h[i] ^ api->token[i]);
	return diff == 0;
}

static enum MHD_Result api_handle(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct api_listener *l = cls;
	struct api_request *rq = *con_cls;
	struct api_reply rp = {.status = 500};

	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->too_big && rq->len + *upload_size <= API_MAX_BODY) {
			char *nb =
			    realloc(rq->body, rq->len + *upload_size + 1);

			if (!nb)
				return MHD_NO;
			rq->body = nb;
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
			rq->body[rq->len] = '\0';
		} else {
			rq->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (l->needs_token && !token_ok(l->api, conn))
		reply_error(&rp, 401, "a bearer token is required");
	else if (rq->too_big)
		reply_error(&rp, 413, "request body over %d bytes",
			    API_MAX_BODY);
	else
		api_route(l->api, conn, method, url, rq, &rp);
	return api_send(conn, &rp);
}

static void api_request_done(void *cls, struct MHD_Connection *conn,
			     void **con_cls,
			     enum MHD_RequestTerminationCode toe)
{
	struct api_request *rq = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rq) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

static void api_rearm(struct api_listener *l);

static int api_on_io(sd_event_source *s, int fd, uint32_t revents,
		     void *userdata)
{
	struct api_listener *l = userdata;

	(void)s;
	(void)fd;
	(void)revents;
	MHD_run(l->mhd);
	api_rearm(l);
	return 0;
}

static int api_on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct api_listener *l = userdata;

	(void)s;
	(void)usec;
	MHD_run(l->mhd);
	api_rearm(l);
	return 0;
}

/* MHD's own timeouts (idle connections) need a timer beside the fd. */
static void api_rearm(struct api_listener *l)
{
	MHD_UNSIGNED_LONG_LONG ms;
	uint64_t now;

	if (MHD_get_timeout(l->mhd, &ms) != MHD_YES)
		ms = 1000;
	if (ms > 1000)
		ms = 1000;
	sd_event_now(l->api->ev, CLOCK_MONOTONIC, &now);
	sd_event_source_set_time(l->timer, now + ms * 1000);
	sd_event_source_set_enabled(l->timer, SD_EVENT_ONESHOT);
}

static int api_attach(struct api *api, struct api_listener *l, int listen_fd,
		      uint16_t port, char *err, size_t errlen)
{
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	int r;

	l->api = api;
	if (listen_fd >= 0)
		l->mhd = MHD_start_daemon(
		    flags, 0, NULL, NULL, api_handle, l,
		    MHD_OPTION_LISTEN_SOCKET, listen_fd,
		    MHD_OPTION_NOTIFY_COMPLETED, api_request_done, NULL,
		    MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		    MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_END);
	else
		l->mhd = MHD_start_daemon(
		    flags, port, NULL, NULL, api_handle, l,
		    MHD_OPTION_NOTIFY_COMPLETED, api_request_done, NULL,
		    MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		    MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_END);
	if (!l->mhd) {
		snprintf(err, errlen, "HTTP server could not start");
		return -EIO;
	}
	info = MHD_get_daemon_info(l->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		snprintf(err, errlen, "HTTP server has no epoll fd");
		return -EIO;
	}
	r = sd_event_add_io(api->ev, &l->io, info->epoll_fd, EPOLLIN, api_on_io,
			    l);
	if (r < 0)
		return r;
	/*
	 * Accuracy 1 us, not sd-event's default 250 ms: MHD asks for a
	 * timeout of 0 when a kept-alive connection already has the next
	 * request buffered, and that request must not wait a quarter second.
	 */
	r = sd_event_add_time(api->ev, &l->timer, CLOCK_MONOTONIC, 0, 1,
			      api_on_timer, l);
	if (r < 0)
		return r;
	api_rearm(l);
	return 0;
}

static int api_unix_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A socket file left by a crash is replaced; anything else is not. */
	{
		struct stat stbuf;

		if (lstat(path, &stbuf) == 0) {
			if (!S_ISSOCK(stbuf.st_mode)) {
				close(fd);
				snprintf(err, errlen,
					 "%s exists and is not a "
					 "socket; not replacing it",
					 path);
				return -EEXIST;
			}
			unlink(path);
		}
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 16) < 0) {
		r = -errno;
		close(fd);
		snprintf(err, errlen, "socket %s: %s", path, strerror(-r));
		return r;
	}
	chmod(path, 0660);
	return fd;
}

static int api_tcp_socket(const char *listen_at, bool *loopback, char *err,
			  size_t errlen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char host[64];
	const char *colon = strrchr(listen_at, ':');
	char *end;
	long port;
	int fd, one = 1, r;

	if (!colon || (size_t)(colon - listen_at) >= sizeof(host)) {
		snprintf(err, errlen, "api listen '%s' must be ADDRESS:PORT",
			 listen_at);
		return -EINVAL;
	}
	memcpy(host, listen_at, (size_t)(colon - listen_at));
	host[colon - listen_at] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535 ||
	    inet_pton(AF_INET, !strcmp(host, "localhost") ? "127.0.0.1" : host,
		      &sa.sin_addr) != 1) {
		snprintf(err, errlen, "api listen '%s' must be IPv4:PORT",
			 listen_at);
		return -EINVAL;
	}
	sa.sin_port = htons((uint16_t)port);
	*loopback = (ntohl(sa.sin_addr.s_addr) >> 24) == 127;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0) {
		r = -errno;
		close(fd);
		snprintf(err, errlen, "api listen %s: %s", listen_at,
			 strerror(-r));
		return r;
	}
	return fd;
}

int api_start(sd_event *ev, struct station *st, const struct config *cfg,
	      struct api **out, char *err, size_t errlen)
{
	struct api *api = calloc(1, sizeof(*api));
	int fd, r;

	if (!api)
		return -ENOMEM;
	api->st = st;
	api->cfg = cfg;
	api->ev = sd_event_ref(ev);
	snprintf(api->socket_path, sizeof(api->socket_path), "%s",
		 cfg->api_socket);

	fd = api_unix_socket(cfg->api_socket, err, errlen);
	if (fd < 0) {
		r = fd;
		goto fail;
	}
	r = api_attach(api, &api->unix_l, fd, 0, err, errlen);
	if (r < 0)
		goto fail;

	if (cfg->api_listen[0]) {
		bool loopback = true;

		fd = api_tcp_socket(cfg->api_listen, &loopback, err, errlen);
		if (fd < 0) {
			r = fd;
			goto fail;
		}
		if (!loopback) {
			FILE *f = cfg->api_token_file[0]
				      ? fopen(cfg->api_token_file, "re")
				      : NULL;

			if (!f || !fgets(api->token, sizeof(api->token), f) ||
			    strlen(api->token) < 17) {
				if (f)
					fclose(f);
				close(fd);
				snprintf(
				    err, errlen,
				    "api listen %s is not "
				    "loopback: token_file must name a file "
				    "with a token of 16+ characters",
				    cfg->api_listen);
				r = -EINVAL;
				goto fail;
			}
			fclose(f);
			api->token[strcspn(api->token, "\r\n")] = '\0';
			api->tcp_l.needs_token = true;
		}
		r = api_attach(api, &api->tcp_l, fd, 0, err, errlen);
		if (r < 0)
			goto fail;
	}
	*out = api;
	return 0;
fail:
	api_stop(api);
	return r;
}

static void api_listener_stop(struct api_listener *l)
{
	sd_event_source_disable_unref(l->io);
	sd_event_source_disable_unref(l->timer);
	if (l->mhd)
		MHD_stop_daemon(l->mhd);
	l->io = l->timer = NULL;
	l->mhd = NULL;
}

void api_stop(struct api *api)
{
	if (!api)
		return;
	api_listener_stop(&api->unix_l);
	api_listener_stop(&api->tcp_l);
	if (api->socket_path[0])
		unlink(api->socket_path);
	sd_event_unref(api->ev);
	explicit_bzero(api->token, sizeof(api->token));
	free(api);
}
