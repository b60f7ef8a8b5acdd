/* SPDX-License-Identifier: MIT */
/*
 * HTTP front of the station: the plumbing.  libmicrohttpd runs without
 * threads of its own: its epoll fd sits in the daemon's sd-event loop and
 * MHD_run() is called when it is readable (and on MHD's own timeout), so a
 * request handler may touch the station directly.  This file listens (the
 * Unix socket, and TCP with a bearer token off loopback), collects request
 * bodies up to API_MAX_BODY, routes (routes.c) and sends the JSON reply;
 * desk.c and records.c answer.
 *
 * The desk comes first.  A bulk import (POST /api/v1/expected) is not
 * answered in its handler: its connection is suspended and the import
 * queued (imports.c), which stores it between the desk's events and
 * answers when it is stored; meanwhile every other request is answered at
 * once.  The queue is bounded ([api] import_queue): an import that finds
 * it full is refused with 503 and Retry-After, its body read and dropped.
 *
 * The screen: its files are served from the binary (static.c) and its
 * live status streamed as Server-Sent Events (events.c); both are trusted
 * like every other route (a bearer token off loopback).
 *
 * What it does not do: TLS (loopback and Unix socket only; a LAN listener
 * needs a bearer token and belongs behind a reverse proxy).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <systemd/sd-event.h>

#include "retour/api.h"

#include "api_internal.h"
#include "events.h"
#include "imports.h"
#include "static.h"

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
	struct api_imports *imports;
	struct api_events *events;
	char token[256];
	char socket_path[CONFIG_PATH_LEN];
};

static enum MHD_Result api_query_arg(void *cls, enum MHD_ValueKind kind,
				     const char *key, const char *value)
{
	(void)kind;
	api_query_add(cls, key, value);
	return MHD_YES;
}

/* What a connection's request is, from its headers on. */
enum api_call_kind {
	API_CALL_ANSWERED_HERE,	 /* routed and answered when its body is in */
	API_CALL_IMPORT,	 /* holds a place in the import queue */
	API_CALL_IMPORT_REFUSED, /* found the queue full: body dropped */
	API_CALL_UPLOAD,	 /* an update's bundle, written as it comes */
	API_CALL_UPLOAD_REFUSED, /* refused (@answer): the rest dropped */
};

/* One request on a connection (MHD's con_cls). */
struct api_call {
	struct api_request rq;
	enum api_call_kind kind;
	struct api_listener *l;
	struct MHD_Connection *conn;
	bool queued; /* its import is in the queue, the connection suspended */
	bool answered; /* the import's answer is in @answer, to be sent */
	struct api_reply answer;
	char by[64]; /* an upload's supervisor */
};

/* The request's route, from its method, path and query (routes.c). */
static int api_route_of(struct MHD_Connection *conn, const char *method,
			const char *url, struct api_route *route,
			struct api_reply *rp)
{
	struct api_query query = {0};

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, api_query_arg,
				  &query);
	return api_route_parse(method, url, &query, route, rp);
}

/* Route the request, then let the desk or the records answer it. */
static void api_route(struct api *api, struct MHD_Connection *conn,
		      const char *method, const char *url,
		      const struct api_request *rq, struct api_reply *rp)
{
	struct api_route route;

	if (api_route_of(conn, method, url, &route, rp) < 0 ||
	    api_route_body_check(&route, method, url, rq, rp) < 0)
		return;
	switch (route.id) {
	case API_HEALTHZ:
		api_reply_json(rp, 200, json_pack("{s:b}", "ok", 1));
		break;
	case API_METRICS: {
		char imports[1024];
		const char *station = station_metrics(api->st);
		size_t a = strlen(station);

		api_imports_metrics(api->imports, imports, sizeof(imports));
		rp->status = 200;
		rp->text = malloc(a + strlen(imports) + 1);
		if (rp->text) {
			memcpy(rp->text, station, a);
			strcpy(rp->text + a, imports);
		}
		rp->content_type = "text/plain; version=0.0.4";
		break;
	}
	case API_UI:
	case API_EVENTS: /* answered in api_handle() */
		api_reply_error(rp, 500, "route not answered here");
		break;
	case API_STATUS ... API_UNDO:
		api_desk_answer(api->st, &route, rq, rp);
		break;
	case API_EXPECTED_LIST ... API_CLERKS_LIST:
		api_records_answer(api->st, &route, rq, rp);
		break;
	case API_SYSTEM ... API_SYSTEM_UPDATE:
		api_system_answer(api->st, &route, rq, rp);
		break;
	}
}

/* Send @rp; an import's 503 says when to try again (@retry_after). */
static enum MHD_Result api_send(struct MHD_Connection *conn,
				struct api_reply *rp, bool retry_after)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *body;
	size_t len;

	if (rp->content_type && !rp->text) /* the text did not fit in memory */
		api_reply_error(rp, 500, "out of memory");
	if (rp->text) {
		body = rp->text;
		len = rp->text_len ? rp->text_len : strlen(body);
	} else {
		body = json_dumps(rp->json, JSON_COMPACT);
		json_decref(rp->json);
		if (!body)
			return MHD_NO;
		len = strlen(body);
		rp->content_type = "application/json";
	}
	resp =
	    MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", rp->content_type);
	if (rp->etag[0]) { /* a photo: the same bytes forever */
		MHD_add_response_header(resp, "ETag", rp->etag);
		MHD_add_response_header(resp, "Cache-Control",
					"private, max-age=86400");
	} else {
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	}
	if (rp->filename[0]) {
		char disp[96];

		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"",
			 rp->filename);
		MHD_add_response_header(resp, "Content-Disposition", disp);
	}
	if (rp->allow[0])
		MHD_add_response_header(resp, "Allow", rp->allow);
	if (rp->location[0])
		MHD_add_response_header(resp, "Location", rp->location);
	if (retry_after && rp->status == 503) {
		char secs[16];

		snprintf(secs, sizeof(secs), "%d", API_IMPORT_RETRY_AFTER_S);
		MHD_add_response_header(resp, "Retry-After", secs);
	}
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

/* The import's answer is in: keep it and let MHD call api_handle() again
 * for the connection, which sends it. */
static void api_import_answered(void *ctx, struct api_reply *rp)
{
	struct api_call *call = ctx;

	call->answer = *rp;
	call->answered = true;
	MHD_resume_connection(call->conn);
	/* MHD picks a resumed connection up in its next run: now, not at the
	 * next network event. */
	sd_event_source_set_time(call->l->timer, 0);
	sd_event_source_set_enabled(call->l->timer, SD_EVENT_ONESHOT);
}

/* An update's bundle as the body (not JSON naming one): the supervisor
 * and the room are checked before a byte is written. */
static void api_upload_begin(struct api_listener *l,
			     struct MHD_Connection *conn, struct api_call *call)
{
	const char *type =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");

	if (type && !strncmp(type, "application/json", 16))
		return;
	call->kind = API_CALL_UPLOAD;
	call->answer = (struct api_reply){.status = 500};
	if (api_system_upload_open(
		l->api->st,
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
					    "supervisor"),
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					    "Content-Length"),
		call->by, sizeof(call->by), &call->answer) < 0)
		call->kind = API_CALL_UPLOAD_REFUSED;
}

/* The first call for a request: its headers are in.  An import takes its
 * place in the queue now, so a refused one is never kept in memory. */
static struct api_call *api_call_new(struct api_listener *l,
				     struct MHD_Connection *conn,
				     const char *url, const char *method)
{
	struct api_call *call = calloc(1, sizeof(*call));
	struct api_reply rp = {0};
	struct api_route route;

	if (!call)
		return NULL;
	call->l = l;
	call->conn = conn;
	if (api_route_of(conn, method, url, &route, &rp) == 0 &&
	    route.id == API_EXPECTED_IMPORT &&
	    (!l->needs_token || token_ok(l->api, conn)))
		call->kind = api_imports_reserve(l->api->imports)
				 ? API_CALL_IMPORT
				 : API_CALL_IMPORT_REFUSED;
	else if (route.id == API_SYSTEM_UPDATE && !rp.json &&
		 (!l->needs_token || token_ok(l->api, conn)))
		api_upload_begin(l, conn, call);
	json_decref(rp.json);
	return call;
}

/* The whole body of an import is in: queue it and suspend the connection
 * until it is stored. */
static enum MHD_Result api_import_queue(struct api_listener *l,
					struct MHD_Connection *conn,
					struct api_call *call)
{
	struct api_reply rp = {.status = 500};

	if (call->rq.too_big) {
		api_imports_release(l->api->imports);
		call->kind = API_CALL_ANSWERED_HERE;
		api_reply_error(&rp, 413, "request body over %d bytes",
				API_MAX_BODY);
		return api_send(conn, &rp, false);
	}
	if (api_imports_submit(l->api->imports, call->rq.body, call->rq.len,
			       api_import_answered, call) < 0) {
		call->rq.body = NULL;
		call->kind = API_CALL_ANSWERED_HERE;
		api_reply_error(&rp, 500, "out of memory queueing the import");
		return api_send(conn, &rp, false);
	}
	call->rq.body = NULL; /* the queue's now */
	call->queued = true;
	MHD_suspend_connection(conn);
	return MHD_YES;
}

/* A trusted request with its whole body: the screen's routes send their
 * own responses (a file, a stream), the rest a JSON reply. */
static enum MHD_Result api_answer(struct api *api, struct MHD_Connection *conn,
				  const char *method, const char *url,
				  const struct api_request *rq)
{
	struct api_reply rp = {.status = 500};
	struct api_route route;

	if (api_route_of(conn, method, url, &route, &rp) == 0) {
		if (route.id == API_UI)
			return api_static_send(conn, route.file,
					       api->cfg->language);
		if (route.id == API_EVENTS)
			return api_events_open(api->events, conn);
		json_decref(rp.json);
		rp = (struct api_reply){.status = 500};
	}
	api_route(api, conn, method, url, rq, &rp);
	return api_send(conn, &rp, false);
}

static enum MHD_Result api_handle(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct api_listener *l = cls;
	struct api_call *call = *con_cls;
	struct api_request *rq;
	struct api_reply rp = {.status = 500};

	(void)version;
	if (!call) {
		call = api_call_new(l, conn, url, method);
		if (!call)
			return MHD_NO;
		*con_cls = call;
		return MHD_YES;
	}
	rq = &call->rq;
	if (*upload_size && call->kind == API_CALL_UPLOAD) {
		if (api_system_upload_chunk(l->api->st, upload, *upload_size,
					    &call->answer) < 0)
			call->kind = API_CALL_UPLOAD_REFUSED;
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		if (call->kind == API_CALL_IMPORT_REFUSED ||
		    call->kind == API_CALL_UPLOAD_REFUSED) {
			/* read and dropped: the client sees the 503 */
		} else if (!rq->too_big &&
			   rq->len + *upload_size <= API_MAX_BODY) {
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
	if (call->answered) { /* resumed: the import's answer */
		call->queued = false;
		call->kind =
		    API_CALL_ANSWERED_HERE; /* its place is given back */
		return api_send(conn, &call->answer, true);
	}
	if (call->kind == API_CALL_IMPORT_REFUSED) {
		api_imports_refuse(l->api->imports, &rp);
		return api_send(conn, &rp, true);
	}
	if (call->kind == API_CALL_UPLOAD_REFUSED) {
		call->kind = API_CALL_ANSWERED_HERE; /* sent: not again */
		return api_send(conn, &call->answer, false);
	}
	if (call->kind == API_CALL_UPLOAD) {
		call->kind = API_CALL_ANSWERED_HERE; /* the upload is over */
		api_system_upload_end(l->api->st, call->by, &rp);
		return api_send(conn, &rp, false);
	}
	if (call->kind == API_CALL_IMPORT)
		return api_import_queue(l, conn, call);
	api_imports_desk_spoke(l->api->imports);
	rq->if_none_match =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
	if (l->needs_token && !token_ok(l->api, conn))
		api_reply_error(&rp, 401, "a bearer token is required");
	else if (rq->too_big)
		api_reply_error(&rp, 413, "request body over %d bytes",
				API_MAX_BODY);
	else
		return api_answer(l->api, conn, method, url, rq);
	return api_send(conn, &rp, false);
}

static void api_request_done(void *cls, struct MHD_Connection *conn,
			     void **con_cls,
			     enum MHD_RequestTerminationCode toe)
{
	struct api_listener *l = cls;
	struct api_call *call = *con_cls;

	(void)conn;
	(void)toe;
	if (!call)
		return;
	if (call->queued) /* stored all the same; nobody to tell */
		api_imports_forget(l->api->imports, call);
	else if (call->kind == API_CALL_IMPORT) /* its body never came */
		api_imports_release(l->api->imports);
	else if (call->kind == API_CALL_UPLOAD) /* cut off: not installed */
		api_system_upload_abort(l->api->st);
	if (call->kind == API_CALL_UPLOAD_REFUSED) /* never sent */
		json_decref(call->answer.json);
	if (call->answered && call->queued) {
		json_decref(call->answer.json);
		free(call->answer.text);
	}
	free(call->rq.body);
	free(call);
	*con_cls = NULL;
}

static void api_rearm(struct api_listener *l);

/* A screen's stream was resumed: both listeners run MHD now, not at the
 * next network event. */
static void api_kick(void *ctx)
{
	struct api *api = ctx;
	struct api_listener *ls[] = {&api->unix_l, &api->tcp_l};

	for (size_t i = 0; i < 2; i++)
		if (ls[i]->timer) {
			sd_event_source_set_time(ls[i]->timer, 0);
			sd_event_source_set_enabled(ls[i]->timer,
						    SD_EVENT_ONESHOT);
		}
}

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
	unsigned flags =
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	int r;

	l->api = api;
	if (listen_fd >= 0)
		l->mhd = MHD_start_daemon(
		    flags, 0, NULL, NULL, api_handle, l,
		    MHD_OPTION_LISTEN_SOCKET, listen_fd,
		    MHD_OPTION_NOTIFY_COMPLETED, api_request_done, l,
		    MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		    MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_END);
	else
		l->mhd = MHD_start_daemon(
		    flags, port, NULL, NULL, api_handle, l,
		    MHD_OPTION_NOTIFY_COMPLETED, api_request_done, l,
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
	r = api_imports_new(ev, st, cfg, (unsigned)cfg->api_import_queue,
			    &api->imports);
	if (r < 0) {
		snprintf(err, errlen, "import queue: %s", strerror(-r));
		goto fail;
	}
	r = api_events_new(ev, st, api_kick, api, &api->events);
	if (r < 0) {
		snprintf(err, errlen, "events: %s", strerror(-r));
		goto fail;
	}

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
	/* Imports not yet stored are answered 503 and their connections
	 * resumed (MHD must have none suspended when it stops); one more run
	 * sends what it can of those answers. */
	api_imports_free(api->imports);
	api_events_close_all(api->events);
	if (api->unix_l.mhd)
		MHD_run(api->unix_l.mhd);
	if (api->tcp_l.mhd)
		MHD_run(api->tcp_l.mhd);
	api_listener_stop(&api->unix_l);
	api_listener_stop(&api->tcp_l);
	api_events_free(api->events); /* its streams ended with MHD */
	if (api->socket_path[0])
		unlink(api->socket_path);
	sd_event_unref(api->ev);
	explicit_bzero(api->token, sizeof(api->token));
	free(api);
}
