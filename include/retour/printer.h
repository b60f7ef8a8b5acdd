/* SPDX-License-Identifier: MIT */
/*
 * Label printer: sends one finished job (ZPL/TSPL bytes) to a printer.
 *
 * Backends are picked by name: "tcp" (raw port 9100 style; the simulation
 * is a TCP listener on loopback), "usb" (USB printer class through libusb)
 * and "dir" (each job becomes a file).  Each is one file and one entry in
 * src/dev/device.c.
 *
 * A backend that can ask the printer how it is (include/retour/
 * printer_status.h) does so through printer_query_status(): ZPL `~HS` or
 * TSPL `ESC ! ?` by the printer's language, over USB where the printer is
 * bidirectional and over TCP where the board asks for it; the dir backend
 * reads a status file.
 *
 * This module does not lay out labels (src/core does) and does not queue:
 * printer_print() is synchronous and blocks for at most timeout_ms; the
 * daemon calls it from the label spool's thread (include/retour/spool.h).
 */
#ifndef RETOUR_PRINTER_H
#define RETOUR_PRINTER_H

#include <stddef.h>

#include "retour/printer_status.h"

struct printer;

#define PRINTER_TIMEOUT_MS_DEFAULT 2000
#define PRINTER_PORT_DEFAULT 9100
#define PRINTER_HOST_DEFAULT "127.0.0.1"

struct printer_config {
	const char *backend;  /* "tcp", "usb" or "dir" */
	const char *language; /* "zpl" (NULL: zpl) or "tspl" */
	/* tcp: "ask" sends the status query before and after each label;
	 * usb: "none" never asks; NULL: tcp does not ask, usb asks where the
	 * printer is bidirectional */
	const char *status;
	const char *usb;  /* usb: "vvvv:pppp[:serial]"; NULL: the first
			   * printer-class device */
	const char *host; /* tcp: name or address; NULL: the default */
	int port;	  /* tcp: 0 means PRINTER_PORT_DEFAULT */
	const char *dir;  /* dir: created if missing (one level) */
	int timeout_ms;	  /* 0: PRINTER_TIMEOUT_MS_DEFAULT */
};

/* Unknown backend: -EINVAL, err "unknown printer backend 'x' (known: ...)". */
int printer_open(const struct printer_config *cfg, struct printer **out,
		 char *err, size_t errlen);

/*
 * Send one job.
 * tcp: connect (non-blocking, with timeout), write all, shutdown(SHUT_WR),
 * close; refused/closed/timeout -> -errno with err like
 * "printer 127.0.0.1:9100: connection refused".
 * dir: write <dir>/<seq>-<name>.zpl (seq zero-padded to 6 digits, name
 * reduced to [A-Za-z0-9._-]) via a temp file + rename (not fsync'd: the
 * label's record is in the store).
 */
int printer_print(struct printer *p, const char *name, const void *data,
		  size_t len, char *err, size_t errlen);
/*
 * Ask the printer how it is, blocking for at most timeout_ms.
 * 0 with @st filled (see printer_status_fault());
 * -EOPNOTSUPP: this printer is not asked (status = none);
 * -ENOMSG: it is there but has no status to give (one-way USB);
 * -EBADMSG: it answered garbage or nothing, @err "printer status
 * unreadable: ...";
 * other -errno: it cannot be reached (the same errors as printing).
 */
int printer_query_status(struct printer *p, struct printer_status *st,
			 char *err, size_t errlen);
/* "tcp 127.0.0.1:9100", "dir /var/lib/retour/labels" */
const char *printer_describe(const struct printer *p);
void printer_close(struct printer *p);

/* Backend contract, for src/dev/printer_*.c only. */
struct printer_backend {
	const char *name;
	int (*open)(const struct printer_config *cfg, void **state, char *err,
		    size_t errlen);
	int (*print)(void *state, const char *name, const void *data,
		     size_t len, char *err, size_t errlen);
	/* NULL, or as printer_query_status() */
	int (*status)(void *state, struct printer_status *st, char *err,
		      size_t errlen);
	const char *(*describe)(const void *state);
	void (*close)(void *state);
};

extern const struct printer_backend printer_backend_tcp;
extern const struct printer_backend printer_backend_usb;
extern const struct printer_backend printer_backend_dir;

/* The status query of @language ("zpl", NULL or "tspl"); NULL when the
 * language is none of these. */
const char *printer_status_query(const char *language);
/* The answer to that query, parsed as printer_status.h says (0, -EAGAIN
 * for "read more", -EBADMSG). */
int printer_status_parse_answer(const char *language, const void *answer,
				size_t len, struct printer_status *st,
				char *err, size_t errlen);

#endif
