/* SPDX-License-Identifier: MIT */
/*
 * The local HTTP API (docs/API.md): JSON over a Unix socket for retourctl
 * and over TCP for the screen and integrators, served by libmicrohttpd in
 * its epoll mode, driven from the daemon's sd-event loop so that every
 * request runs on the same thread as the desk and needs no locking.
 */
#ifndef RETOUR_API_H
#define RETOUR_API_H

#include <stddef.h>

#include <systemd/sd-event.h>

#include "retour/config.h"
#include "retour/station.h"

struct api;

/* Listen on cfg->api_socket (created 0660, replacing a stale socket) and,
 * when set, cfg->api_listen ("127.0.0.1:8470"). */
int api_start(sd_event *ev, struct station *st, const struct config *cfg,
	      struct api **out, char *err, size_t errlen);
void api_stop(struct api *api);

#endif
