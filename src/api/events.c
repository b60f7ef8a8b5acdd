/* SPDX-License-Identifier: MIT */
/*
 * Server-Sent Events for the screen: GET /api/v1/events streams the desk's
 * status.  On connect a screen gets "retry: 1000" and the whole status
 * (event "status", id the status's seq); after each change another whole
 * status, coalesced to at most one per turn of the daemon's loop (an sd-event
 * defer source); a ": keepalive" comment every API_EVENTS_KEEPALIVE_S,
 * with an event "keepalive" beside it, since a browser's EventSource never
 * shows comments to the page, and the page must see the line is alive.
 *
 * libmicrohttpd runs in the daemon's loop without threads, so a stream is a
 * response from a content callback that hands over what is queued for its
 * screen and, when nothing is, suspends the connection; a new event resumes
 * it.  Nothing ever waits on a screen: what it has not read is kept up to
 * API_EVENTS_MAX_BACKLOG bytes, and a screen past that is dropped (its
 * stream ends with an error, the browser reconnects and gets the whole
 * status again).  At most API_EVENTS_MAX_CLIENTS screens, the next one is
 * refused with 503.
 *
 * What it does not do: replay missed events (Last-Event-ID): every event
 * is the whole status, so the first one after a reconnect is all a screen
 * needs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "events.h"

struct sse_client {
	struct api_events *e;
	struct MHD_Connection *conn;
	char *buf;
	size_t len, off;
	bool suspended;
	bool closing; /* the daemon stops: end the stream */
	bool dropped; /* read too slowly: end it with an error */
	struct sse_client *next;
};

struct api_events {
	sd_event *ev;
	struct station *st;
	api_events_kick_fn kick;
	void *kick_ctx;
	sd_event_source *defer;
	sd_event_source *keepalive;
	struct sse_client *clients;
	unsigned n_clients;
	bool pending;
};

static int client_queue(struct sse_client *c, const char *text, size_t n)
{
	if (c->closing || c->dropped)
		return 0;
	if (c->len - c->off + n > API_EVENTS_MAX_BACKLOG) {
		c->dropped = true;
		free(c->buf);
		c->buf = NULL;
		c->len = c->off = 0;
		return 0;
	}
	if (c->off) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	{
		char *nb = realloc(c->buf, c->len + n);

		if (!nb) {
			c->dropped = true;
			return -ENOMEM;
		}
		c->buf = nb;
	}
	memcpy(c->buf + c->len, text, n);
	c->len += n;
	return 0;
}

/* Let MHD pick the connection up again: it has something to send. */
static bool client_wake(struct sse_client *c)
{
	if (!c->suspended)
		return false;
	c->suspended = false;
	MHD_resume_connection(c->conn);
	return true;
}

static ssize_t client_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_client *c = cls;
	size_t n;

	(void)pos;
	if (c->dropped)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (c->len == c->off) {
		if (c->closing)
			return MHD_CONTENT_READER_END_OF_STREAM;
		/* nothing to say: wait for the next event */
		c->suspended = true;
		MHD_suspend_connection(c->conn);
		return 0;
	}
	n = c->len - c->off;
	if (n > max)
		n = max;
	memcpy(buf, c->buf + c->off, n);
	c->off += n;
	if (c->off == c->len)
		c->off = c->len = 0;
	return (ssize_t)n;
}

/* The response is freed: its connection is gone. */
static void client_free(void *cls)
{
	struct sse_client *c = cls;
	struct api_events *e = c->e;

	for (struct sse_client **p = &e->clients; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			e->n_clients--;
			break;
		}
	free(c->buf);
	free(c);
}

/* "id: SEQ\nevent: status\ndata: {...}\n\n", malloc'd, or NULL. */
static char *status_event(struct api_events *e, size_t *len)
{
	json_t *status = station_status(e->st);
	char *data, *text = NULL;
	int n;

	if (!status)
		return NULL;
	data = json_dumps(status, JSON_COMPACT);
	if (data) {
		n = asprintf(&text, "id: %llu\nevent: status\ndata: %s\n\n",
			     (unsigned long long)station_seq(e->st), data);
		if (n < 0)
			text = NULL;
		else
			*len = (size_t)n;
	}
	free(data);
	json_decref(status);
	return text;
}

/* @text to every screen, waking those that wait. */
static void broadcast(struct api_events *e, const char *text, size_t n)
{
	bool woke = false;

	for (struct sse_client *c = e->clients; c; c = c->next) {
		client_queue(c, text, n);
		if (c->len > c->off || c->dropped)
			woke |= client_wake(c);
	}
	if (woke)
		e->kick(e->kick_ctx);
}

static int on_defer(sd_event_source *s, void *userdata)
{
	struct api_events *e = userdata;
	size_t n = 0;
	char *text;

	(void)s;
	e->pending = false;
	if (!e->clients)
		return 0;
	text = status_event(e, &n);
	if (text)
		broadcast(e, text, n);
	free(text);
	return 0;
}

static int on_keepalive(sd_event_source *s, uint64_t usec, void *userdata)
{
	static const char line[] = ": keepalive\nevent: keepalive\ndata: 1\n\n";
	struct api_events *e = userdata;

	broadcast(e, line, sizeof(line) - 1);
	sd_event_source_set_time(s, usec + API_EVENTS_KEEPALIVE_S * 1000000ULL);
	return 0;
}

static void on_station_change(void *ctx, uint64_t seq)
{
	(void)seq; /* the event carries the status's own */
	api_events_changed(ctx);
}

void api_events_changed(struct api_events *e)
{
	if (!e || e->pending)
		return;
	e->pending = true;
	sd_event_source_set_enabled(e->defer, SD_EVENT_ONESHOT);
}

static enum MHD_Result send_full(struct MHD_Connection *conn)
{
	char body[160];
	struct MHD_Response *resp;
	enum MHD_Result ret;

	snprintf(body, sizeof(body),
		 "{\"error\":\"%d screens are connected already: close one "
		 "and try again\",\"code\":\"unavailable\"}",
		 API_EVENTS_MAX_CLIENTS);
	resp = MHD_create_response_from_buffer(strlen(body), body,
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Retry-After", "5");
	ret = MHD_queue_response(conn, 503, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result api_events_open(struct api_events *e,
				struct MHD_Connection *conn)
{
	static const char hello[] = "retry: 1000\n\n";
	struct sse_client *c;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t n = 0;
	char *first;

	if (e->n_clients >= API_EVENTS_MAX_CLIENTS)
		return send_full(conn);
	c = calloc(1, sizeof(*c));
	if (!c)
		return MHD_NO;
	c->e = e;
	c->conn = conn;
	first = status_event(e, &n);
	if (!first || client_queue(c, hello, sizeof(hello) - 1) < 0 ||
	    client_queue(c, first, n) < 0) {
		free(first);
		free(c->buf);
		free(c);
		return MHD_NO;
	}
	free(first);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384,
						 client_read, c, client_free);
	if (!resp) {
		free(c->buf);
		free(c);
		return MHD_NO;
	}
	c->next = e->clients;
	e->clients = c;
	e->n_clients++;
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	ret = MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp); /* MHD holds it, and frees @c with it */
	return ret;
}

int api_events_new(sd_event *ev, struct station *st, api_events_kick_fn kick,
		   void *kick_ctx, struct api_events **out)
{
	struct api_events *e = calloc(1, sizeof(*e));
	uint64_t now;
	int r;

	if (!e)
		return -ENOMEM;
	e->ev = sd_event_ref(ev);
	e->st = st;
	e->kick = kick;
	e->kick_ctx = kick_ctx;
	r = sd_event_add_defer(ev, &e->defer, on_defer, e);
	if (r < 0)
		goto fail;
	sd_event_source_set_enabled(e->defer, SD_EVENT_OFF);
	sd_event_now(ev, CLOCK_MONOTONIC, &now);
	r = sd_event_add_time(ev, &e->keepalive, CLOCK_MONOTONIC,
			      now + API_EVENTS_KEEPALIVE_S * 1000000ULL, 100000,
			      on_keepalive, e);
	if (r < 0)
		goto fail;
	sd_event_source_set_enabled(e->keepalive, SD_EVENT_ON);
	station_on_change(st, on_station_change, e);
	*out = e;
	return 0;
fail:
	api_events_free(e);
	return r;
}

void api_events_close_all(struct api_events *e)
{
	bool woke = false;

	if (!e)
		return;
	station_on_change(e->st, NULL, NULL);
	for (struct sse_client *c = e->clients; c; c = c->next) {
		c->closing = true;
		woke |= client_wake(c);
	}
	(void)woke; /* the caller runs MHD next */
}

void api_events_free(struct api_events *e)
{
	if (!e)
		return;
	sd_event_source_disable_unref(e->defer);
	sd_event_source_disable_unref(e->keepalive);
	/* MHD stopped: every response, and its client, is freed */
	sd_event_unref(e->ev);
	free(e);
}
