/* SPDX-License-Identifier: MIT */
/*
 * Label printer status: the answers a printer gives to a status query,
 * parsed into what stops a label from coming out.
 *
 * Pure: bytes in, struct out, no I/O.  Three answers are known:
 *  - ZPL II `~HS` (Zebra "Host Status Return"): three STX..ETX strings;
 *  - TSPL `ESC ! ?` (TSC "status polling"): one status byte;
 *  - the dir backend's simulated status file: "ready", or faults in words
 *    ("paper out, head open"), so a test can drive faults through a file.
 * The transports (printer_tcp.c, printer_usb.c, printer_dir.c) send the
 * query and read the answer; the label spool decides what a fault means.
 */
#ifndef RETOUR_PRINTER_STATUS_H
#define RETOUR_PRINTER_STATUS_H

#include <stdbool.h>
#include <stddef.h>

/* The queries, as sent. */
#define PRINTER_STATUS_QUERY_ZPL "~HS"
#define PRINTER_STATUS_QUERY_TSPL "\x1b!?"

/* Longest answer read: a ~HS answer is about 80 bytes. */
#define PRINTER_STATUS_ANSWER_MAX 512

struct printer_status {
	bool paper_out;
	bool paused;
	bool head_open; /* ZPL: head up; TSPL: head opened */
	bool ribbon_out;
	bool paper_jam;	  /* TSPL only */
	bool buffer_full; /* ZPL only: the receive buffer */
	bool under_temperature, over_temperature; /* ZPL only */
	bool other_error; /* TSPL 0x80, or a bit it does not name */
	bool printing;	  /* TSPL 0x20: busy, not a fault */
};

/*
 * A ZPL ~HS answer.  0 when all three strings arrived and read well;
 * -EAGAIN when the bytes so far are a good beginning (read more);
 * -EBADMSG with @err "printer status unreadable: ..." otherwise.
 * CR/LF between the strings are skipped; anything else outside them, a
 * field that is not digits or a flag that is not 0/1 is refused.
 */
int printer_status_parse_zpl(const void *answer, size_t len,
			     struct printer_status *out, char *err,
			     size_t errlen);

/*
 * A TSPL ESC!? answer: exactly one byte.  0, -EAGAIN (no byte yet), or
 * -EBADMSG (more than one byte) with @err.
 */
int printer_status_parse_tspl(const void *answer, size_t len,
			      struct printer_status *out, char *err,
			      size_t errlen);

/*
 * The simulated status: empty or "ready" (any case, surrounding spaces and
 * newlines ignored), or a comma-separated list of "paper out", "paused",
 * "head open", "ribbon out", "paper jam", "buffer full",
 * "under temperature", "over temperature", "error".  0, or -EBADMSG with
 * @err naming the word not understood.
 */
int printer_status_parse_words(const void *text, size_t len,
			       struct printer_status *out, char *err,
			       size_t errlen);

/*
 * Does @s stop a label?  When it does, @why gets the faults in words
 * ("paper out, head open"); "printing" alone is no fault.
 */
bool printer_status_fault(const struct printer_status *s, char *why,
			  size_t whylen);

#endif
