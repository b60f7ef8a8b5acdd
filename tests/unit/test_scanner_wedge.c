/* SPDX-License-Identifier: MIT */
/*
 * Keyboard-wedge scanners: the layouts' tables (keymap.c), cutting bytes
 * into codes (scan_line.c), key events into codes (wedge.c), and the evdev
 * backend reading the same records through a pipe, the way it reads
 * /dev/input/eventN.  The fixtures are the key strokes a scanner set to
 * each layout sends for a code with mixed case, digits and punctuation.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "retour/code.h"
#include "retour/device.h"
#include "retour/keymap.h"
#include "retour/scan_line.h"
#include "retour/scanner.h"
#include "retour/wedge.h"

/* ---- what came out ---- */

#define LOG_MAX 16
struct scan_log {
	int n, overlong;
	char line[LOG_MAX][300];
	size_t len[LOG_MAX];
};

static void scan_log_cb(void *ud, const char *line, size_t len, bool overlong)
{
	struct scan_log *log = ud;

	if (overlong) {
		log->overlong++;
		return;
	}
	assert_non_null(line);
	assert_int_equal(line[len], '\0');
	if (log->n < LOG_MAX) {
		memcpy(log->line[log->n], line, len + 1);
		log->len[log->n] = len;
	}
	log->n++;
}

/* ---- key strokes ---- */

struct key {
	uint16_t code;
	int32_t value; /* 1 press, 0 release, 2 repeat */
	uint16_t type; /* 0: EV_KEY */
};

#define P(c) {c, 1, 0}
#define R(c) {c, 0, 0}
#define T(c) P(c), R(c)
#define SH(c) P(KEY_LEFTSHIFT), T(c), R(KEY_LEFTSHIFT)
#define AG(c) P(KEY_RIGHTALT), T(c), R(KEY_RIGHTALT)
#define ENTER T(KEY_ENTER)
#define KEYS_END {0xffff, 0, 0}

/* Records as the kernel writes them, 1 ms apart from @t0_us. */
static size_t keys_records(const struct key *k, struct input_event *ev,
			   size_t max, int64_t t0_us, int64_t step_us)
{
	size_t n = 0;
	int64_t t = t0_us;

	for (; k->code != 0xffff && n + 2 <= max; k++) {
		memset(&ev[n], 0, sizeof(ev[n]));
		ev[n].input_event_sec = t / 1000000;
		ev[n].input_event_usec = t % 1000000;
		ev[n].type = k->type ? k->type : EV_KEY;
		ev[n].code = k->code;
		ev[n].value = k->value;
		n++;
		/* the SYN_REPORT after each key, as the kernel sends it */
		ev[n] = ev[n - 1];
		ev[n].type = EV_SYN;
		ev[n].code = SYN_REPORT;
		ev[n].value = 0;
		n++;
		t += step_us;
	}
	return n;
}

static void wedge_run(const struct wedge_config *wc, const struct key *k,
		      struct scan_log *log)
{
	struct input_event ev[512];
	struct wedge *w = NULL;
	size_t n = keys_records(k, ev, 512, 1000000, 1000);

	memset(log, 0, sizeof(*log));
	assert_int_equal(wedge_new(wc, scan_log_cb, log, &w), 0);
	/* fed in odd pieces: records split across reads must survive */
	{
		const unsigned char *p = (const unsigned char *)ev;
		size_t total = n * sizeof(ev[0]), off = 0, held = 0;
		unsigned char buf[sizeof(ev)];

		while (off < total) {
			size_t piece = total - off < 37 ? total - off : 37;

			memcpy(buf + held, p + off, piece);
			held += piece;
			off += piece;
			{
				size_t used = wedge_feed_records(w, buf, held);

				memmove(buf, buf + used, held - used);
				held -= used;
			}
		}
		assert_int_equal(held, 0);
	}
	wedge_free(w);
}

static struct wedge_config wedge_cfg(enum keymap_layout l)
{
	struct wedge_config wc;

	memset(&wc, 0, sizeof(wc));
	wc.layout = l;
	scan_line_rules_default(&wc.rules);
	wc.gap_us = 50000;
	return wc;
}

static void expect_lines(const struct scan_log *log, int n, ...)
{
	va_list ap;

	assert_int_equal(log->n, n);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(log->line[i], va_arg(ap, const char *));
	va_end(ap);
}

/* ---- keymap ---- */

static void test_keymap_names(void **state)
{
	assert_int_equal(keymap_layout_from_name("us"), KEYMAP_US);
	assert_int_equal(keymap_layout_from_name("pl"), KEYMAP_PL);
	assert_int_equal(keymap_layout_from_name("de"), KEYMAP_DE);
	assert_int_equal(keymap_layout_from_name("fr"), KEYMAP_FR);
	assert_int_equal(keymap_layout_from_name("uk"), -EINVAL);
	assert_int_equal(keymap_layout_from_name("US"), -EINVAL);
	assert_int_equal(keymap_layout_from_name(NULL), -EINVAL);
	assert_string_equal(keymap_layout_name(KEYMAP_FR), "fr");
}

static void expect_key(enum keymap_layout l, unsigned code, unsigned mods,
		       enum keymap_kind kind, const char *s)
{
	char out[5];

	assert_int_equal(keymap_lookup(l, code, mods, out), kind);
	assert_string_equal(out, s);
}

static void test_keymap_tables(void **state)
{
	/* us */
	expect_key(KEYMAP_US, KEY_A, 0, KEYMAP_CHAR, "a");
	expect_key(KEYMAP_US, KEY_A, KEYMAP_SHIFT, KEYMAP_CHAR, "A");
	expect_key(KEYMAP_US, KEY_2, KEYMAP_SHIFT, KEYMAP_CHAR, "@");
	expect_key(KEYMAP_US, KEY_RIGHTBRACE, 0, KEYMAP_CHAR, "]");
	expect_key(KEYMAP_US, KEY_A, KEYMAP_ALTGR, KEYMAP_NONE, "");
	expect_key(KEYMAP_US, KEY_A, KEYMAP_CAPS, KEYMAP_CHAR, "A");
	expect_key(KEYMAP_US, KEY_A, KEYMAP_CAPS | KEYMAP_SHIFT, KEYMAP_CHAR,
		   "a");
	expect_key(KEYMAP_US, KEY_1, KEYMAP_CAPS, KEYMAP_CHAR, "1");
	expect_key(KEYMAP_US, KEY_KP7, 0, KEYMAP_CHAR, "7");
	expect_key(KEYMAP_US, KEY_ESC, 0, KEYMAP_NONE, "");
	expect_key(KEYMAP_US, KEY_ENTER, 0, KEYMAP_NONE, "");
	expect_key(KEYMAP_US, 128, 0, KEYMAP_NONE, "");
	expect_key(KEYMAP_US, 0xffffffffu, 0, KEYMAP_NONE, "");
	expect_key((enum keymap_layout)9, KEY_A, 0, KEYMAP_NONE, "");
	/* pl: us keys, Polish letters on AltGr */
	expect_key(KEYMAP_PL, KEY_Z, 0, KEYMAP_CHAR, "z");
	expect_key(KEYMAP_PL, KEY_SLASH, KEYMAP_SHIFT, KEYMAP_CHAR, "?");
	expect_key(KEYMAP_PL, KEY_A, KEYMAP_ALTGR, KEYMAP_CHAR, "ą");
	expect_key(KEYMAP_PL, KEY_A, KEYMAP_ALTGR | KEYMAP_SHIFT, KEYMAP_CHAR,
		   "Ą");
	expect_key(KEYMAP_PL, KEY_A, KEYMAP_ALTGR | KEYMAP_CAPS, KEYMAP_CHAR,
		   "Ą");
	expect_key(KEYMAP_PL, KEY_X, KEYMAP_ALTGR, KEYMAP_CHAR, "ź");
	expect_key(KEYMAP_PL, KEY_Z, KEYMAP_ALTGR, KEYMAP_CHAR, "ż");
	expect_key(KEYMAP_PL, KEY_L, KEYMAP_ALTGR | KEYMAP_SHIFT, KEYMAP_CHAR,
		   "Ł");
	expect_key(KEYMAP_PL, KEY_B, KEYMAP_ALTGR, KEYMAP_NONE, "");
	/* de: QWERTZ */
	expect_key(KEYMAP_DE, KEY_Y, 0, KEYMAP_CHAR, "z");
	expect_key(KEYMAP_DE, KEY_Z, KEYMAP_SHIFT, KEYMAP_CHAR, "Y");
	expect_key(KEYMAP_DE, KEY_MINUS, 0, KEYMAP_CHAR, "ß");
	expect_key(KEYMAP_DE, KEY_MINUS, KEYMAP_SHIFT, KEYMAP_CHAR, "?");
	expect_key(KEYMAP_DE, KEY_7, KEYMAP_SHIFT, KEYMAP_CHAR, "/");
	expect_key(KEYMAP_DE, KEY_SLASH, 0, KEYMAP_CHAR, "-");
	expect_key(KEYMAP_DE, KEY_Q, KEYMAP_ALTGR, KEYMAP_CHAR, "@");
	expect_key(KEYMAP_DE, KEY_SEMICOLON, KEYMAP_SHIFT, KEYMAP_CHAR, "Ö");
	expect_key(KEYMAP_DE, KEY_GRAVE, 0, KEYMAP_DEAD, "^");
	expect_key(KEYMAP_DE, KEY_KPDOT, 0, KEYMAP_CHAR, ",");
	/* fr: AZERTY, digits on shift */
	expect_key(KEYMAP_FR, KEY_1, 0, KEYMAP_CHAR, "&");
	expect_key(KEYMAP_FR, KEY_1, KEYMAP_SHIFT, KEYMAP_CHAR, "1");
	expect_key(KEYMAP_FR, KEY_1, KEYMAP_CAPS, KEYMAP_CHAR, "&");
	expect_key(KEYMAP_FR, KEY_Q, 0, KEYMAP_CHAR, "a");
	expect_key(KEYMAP_FR, KEY_A, KEYMAP_SHIFT, KEYMAP_CHAR, "Q");
	expect_key(KEYMAP_FR, KEY_SEMICOLON, 0, KEYMAP_CHAR, "m");
	expect_key(KEYMAP_FR, KEY_M, 0, KEYMAP_CHAR, ",");
	expect_key(KEYMAP_FR, KEY_0, KEYMAP_ALTGR, KEYMAP_CHAR, "@");
	expect_key(KEYMAP_FR, KEY_LEFTBRACE, 0, KEYMAP_DEAD, "^");
	expect_key(KEYMAP_FR, KEY_KP1, 0, KEYMAP_CHAR, "1");
}

/* ---- line rules ---- */

static void test_scan_line_terminators(void **state)
{
	struct scan_line_rules r;
	char err[256];
	static const char *const good[] = {"any", "cr", "lf", "crlf", "tab",
					   "enter", "enter,tab", "cr, lf",
					   "0x03", "#", "0x7F"};
	static const char *const bad[] = {"",	  "x y",   "0x00", "0x",
					  "0xG1", "crlf,cr", "cr,", ",cr",
					  "ctrl", "é",	    "0x+1"};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		scan_line_rules_default(&r);
		assert_int_equal(
		    scan_line_terminator_parse(good[i], &r, err, sizeof(err)),
		    0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		scan_line_rules_default(&r);
		err[0] = '\0';
		assert_int_equal(
		    scan_line_terminator_parse(bad[i], &r, err, sizeof(err)),
		    -EINVAL);
		assert_non_null(strstr(err, "is not a terminator"));
	}
	assert_int_equal(scan_line_fnc1_parse("~", &r, err, sizeof(err)), 0);
	assert_string_equal(r.fnc1, "~");
	assert_int_equal(scan_line_fnc1_parse("^]", &r, err, sizeof(err)), 0);
	assert_string_equal(r.fnc1, "");
	assert_int_equal(scan_line_fnc1_parse("<GS>", &r, err, sizeof(err)), 0);
	assert_int_equal(scan_line_fnc1_parse("A1", &r, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(scan_line_fnc1_parse("a b", &r, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(
	    scan_line_fnc1_parse("<GROUPSEP>", &r, err, sizeof(err)), -EINVAL);
}

static void line_run(const char *term, const char *fnc1, size_t max,
		     const char *bytes, size_t len, struct scan_log *log)
{
	struct scan_line_rules r;
	struct scan_line *sl = NULL;
	char err[256];

	memset(log, 0, sizeof(*log));
	scan_line_rules_default(&r);
	if (term)
		assert_int_equal(
		    scan_line_terminator_parse(term, &r, err, sizeof(err)), 0);
	if (fnc1)
		assert_int_equal(scan_line_fnc1_parse(fnc1, &r, err, sizeof(err)),
				 0);
	r.max_line = max;
	assert_int_equal(scan_line_new(&r, scan_log_cb, log, &sl), 0);
	/* one byte at a time: cuts cannot depend on reads */
	for (size_t i = 0; i < len; i++)
		scan_line_feed(sl, bytes + i, 1);
	scan_line_free(sl);
}

#define LINE(term, fnc1, max, lit, log)                                        \
	line_run(term, fnc1, max, lit, sizeof(lit) - 1, log)

static void test_scan_line_cuts(void **state)
{
	struct scan_log log;

	LINE(NULL, NULL, 0, "A1\r\nB2\rC3\nD4", &log);
	expect_lines(&log, 3, "A1", "B2", "C3");
	LINE("crlf", NULL, 0, "A1\r\nB\r2\nC3\r\n", &log);
	expect_lines(&log, 2, "A1", "B\r2\nC3");
	LINE("tab", NULL, 0, "A1\tB2\r\n\tC", &log);
	expect_lines(&log, 2, "A1", "B2\r\n"); /* "C" waits for its tab */
	LINE("0x03", NULL, 0, "\x02" "A1\x03", &log);
	expect_lines(&log, 1, "\x02" "A1");
	LINE("lf", NULL, 0, "A1\r\n", &log);
	expect_lines(&log, 1, "A1\r");
	/* GS is data, NUL too: the classifier judges them */
	LINE(NULL, NULL, 0, "]C101\x1d" "10X\n\0Z\n", &log);
	assert_int_equal(log.n, 2);
	assert_memory_equal(log.line[0], "]C101\x1d" "10X", 10);
	assert_int_equal(log.len[1], 2);
	/* over the cap: once, then resync at the terminator */
	LINE(NULL, NULL, 4, "ABCD\nABCDE\nXY\n", &log);
	expect_lines(&log, 2, "ABCD", "XY");
	assert_int_equal(log.overlong, 1);
	LINE("crlf", NULL, 4, "ABCD\r\nABCDE\r\nXY\r\n", &log);
	expect_lines(&log, 2, "ABCD", "XY");
	assert_int_equal(log.overlong, 1);
	/* the substitute becomes GS; the AIM identifier is left alone */
	LINE(NULL, "<GS>", 0, "]C1<GS>0101<GS>10AB\n", &log);
	expect_lines(&log, 1, "]C1\x1d" "0101\x1d" "10AB");
	LINE(NULL, "]", 0, "]C10101]10AB\n", &log);
	expect_lines(&log, 1, "]C10101\x1d" "10AB");
}

/* ---- wedge fixtures: one code per layout ---- */

static void test_wedge_us(void **state)
{
	struct wedge_config wc = wedge_cfg(KEYMAP_US);
	struct scan_log log;
	/* "]C1AB-x9/z:" with shift held over A and B */
	const struct key k[] = {T(KEY_RIGHTBRACE),
				SH(KEY_C),
				T(KEY_1),
				P(KEY_LEFTSHIFT),
				T(KEY_A),
				T(KEY_B),
				R(KEY_LEFTSHIFT),
				T(KEY_MINUS),
				T(KEY_X),
				T(KEY_9),
				T(KEY_SLASH),
				T(KEY_Z),
				P(KEY_RIGHTSHIFT),
				T(KEY_SEMICOLON),
				R(KEY_RIGHTSHIFT),
				ENTER,
				KEYS_END};

	wedge_run(&wc, k, &log);
	expect_lines(&log, 1, "]C1AB-x9/z:");
}

static void test_wedge_pl(void **state)
{
	struct wedge_config wc = wedge_cfg(KEYMAP_PL);
	struct scan_log log;
	/* "Zażółć-12/Ą" : AltGr for the Polish letters */
	const struct key k[] = {SH(KEY_Z),
				T(KEY_A),
				AG(KEY_Z),
				AG(KEY_O),
				AG(KEY_L),
				AG(KEY_C),
				T(KEY_MINUS),
				T(KEY_1),
				T(KEY_2),
				T(KEY_SLASH),
				P(KEY_RIGHTALT),
				SH(KEY_A),
				R(KEY_RIGHTALT),
				/* Ctrl+left Alt is AltGr too */
				P(KEY_LEFTCTRL),
				P(KEY_LEFTALT),
				T(KEY_E),
				R(KEY_LEFTALT),
				R(KEY_LEFTCTRL),
				T(KEY_KPENTER),
				KEYS_END};

	wedge_run(&wc, k, &log);
	expect_lines(&log, 1, "Zażółć-12/Ąę");
}

static void test_wedge_de(void **state)
{
	struct wedge_config wc = wedge_cfg(KEYMAP_DE);
	struct scan_log log;
	/* "Zy-_/?@1ß" then "^1" through the dead key and a space */
	const struct key k[] = {SH(KEY_Y),	 T(KEY_Z),  T(KEY_SLASH),
				SH(KEY_SLASH),	 SH(KEY_7), SH(KEY_MINUS),
				AG(KEY_Q),	 T(KEY_1),  T(KEY_MINUS),
				ENTER,		 T(KEY_GRAVE), T(KEY_SPACE),
				T(KEY_1),	 ENTER,	    T(KEY_GRAVE),
				T(KEY_A),	 ENTER,	    KEYS_END};

	wedge_run(&wc, k, &log);
	expect_lines(&log, 3, "Zy-_/?@1ß", "^1", "^a");
}

static void test_wedge_fr(void **state)
{
	struct wedge_config wc = wedge_cfg(KEYMAP_FR);
	struct scan_log log;
	/* "A1w3m!,:" : digits need shift on AZERTY; "&é" unshifted */
	const struct key k[] = {SH(KEY_Q),	T(KEY_1),	T(KEY_1),
				SH(KEY_1),	T(KEY_Z),	SH(KEY_3),
				T(KEY_SEMICOLON), T(KEY_SLASH), T(KEY_M),
				T(KEY_DOT),	AG(KEY_0),	ENTER,
				KEYS_END};

	wedge_run(&wc, k, &log);
	expect_lines(&log, 1, "A&&1w3m!,:@");
}

/* ---- wedge: what else a scanner sends ---- */

static void test_wedge_autorepeat_and_garbage(void **state)
{
	struct wedge_config wc = wedge_cfg(KEYMAP_US);
	struct scan_log log;
	const struct key k[] = {P(KEY_A),
				{KEY_A, 2, 0}, /* autorepeat */
				{KEY_A, 2, 0},
				R(KEY_A),
				{KEY_B, 7, 0},	   /* nonsense value */
				{KEY_C, 1, EV_REL}, /* another type */
				{KEY_D, 1, EV_MSC},
				{0x2ff, 1, 0}, /* out of our tables */
				{0xfffe, 1, 0},
				{KEY_F1, 1, 0},
				T(KEY_ESC),
				T(KEY_1),
				ENTER,
				T(KEY_ENTER), /* an empty line: no code */
				KEYS_END};

	wedge_run(&wc, k, &log);
	expect_lines(&log, 1, "a1");
}

static void test_wedge_fnc1(void **state)
{
	struct wedge_config wc = wedge_cfg(KEYMAP_US);
	struct scan_log log;
	char err[128];
	/* ]C1 01 ... Ctrl+] 10 AB: GS1-128 with FNC1 as Ctrl+] */
	const struct key ctrl[] = {
	    T(KEY_RIGHTBRACE), SH(KEY_C), T(KEY_1), T(KEY_0), T(KEY_1),
	    P(KEY_LEFTCTRL), T(KEY_RIGHTBRACE), R(KEY_LEFTCTRL), T(KEY_1),
	    T(KEY_0), SH(KEY_A), ENTER, KEYS_END};
	/* the same with Alt+keypad 0 2 9 */
	const struct key alt[] = {T(KEY_0), T(KEY_1), P(KEY_LEFTALT),
				  T(KEY_KP0), T(KEY_KP2), T(KEY_KP9),
				  R(KEY_LEFTALT), T(KEY_1), T(KEY_0), ENTER,
				  KEYS_END};
	/* and with a substitute "~" (shift+grave on us) */
	const struct key sub[] = {T(KEY_0), T(KEY_1), SH(KEY_GRAVE), T(KEY_1),
				  T(KEY_0), ENTER, KEYS_END};

	wedge_run(&wc, ctrl, &log);
	expect_lines(&log, 1, "]C101\x1d" "10A");
	wedge_run(&wc, alt, &log);
	expect_lines(&log, 1, "01\x1d" "10");
	assert_int_equal(scan_line_fnc1_parse("~", &wc.rules, err, sizeof(err)),
			 0);
	wedge_run(&wc, sub, &log);
	expect_lines(&log, 1, "01\x1d" "10");
	/* on de, Ctrl+] is still the key right of P */
	wc = wedge_cfg(KEYMAP_DE);
	wedge_run(&wc, ctrl, &log);
	expect_lines(&log, 1, "+C101\x1d" "10A");
}

static void test_wedge_terminators_and_gaps(void **state)
{
	struct wedge_config wc = wedge_cfg(KEYMAP_US);
	struct scan_log log;
	char err[128];
	const struct key k[] = {T(KEY_A), T(KEY_TAB), T(KEY_B), ENTER,
				T(KEY_C), T(KEY_TAB), KEYS_END};
	struct input_event ev[64];
	struct wedge *w = NULL;
	size_t n;

	wedge_run(&wc, k, &log); /* default: Enter only; tab is data */
	expect_lines(&log, 1, "a\tb");
	assert_int_equal(
	    scan_line_terminator_parse("tab", &wc.rules, err, sizeof(err)), 0);
	wedge_run(&wc, k, &log);
	expect_lines(&log, 2, "a", "b\rc");
	assert_int_equal(scan_line_terminator_parse("enter,tab", &wc.rules,
						    err, sizeof(err)),
			 0);
	wedge_run(&wc, k, &log);
	expect_lines(&log, 3, "a", "b", "c");

	/* no terminator at all: a 60 ms pause between keys ends a code */
	{
		const struct key a[] = {T(KEY_1), T(KEY_2), KEYS_END};
		const struct key b[] = {T(KEY_3), KEYS_END};

		wc = wedge_cfg(KEYMAP_US);
		memset(&log, 0, sizeof(log));
		assert_int_equal(wedge_new(&wc, scan_log_cb, &log, &w), 0);
		n = keys_records(a, ev, 64, 1000000, 2000);
		wedge_feed_records(w, ev, n * sizeof(ev[0]));
		n = keys_records(b, ev, 64, 1070000, 2000);
		wedge_feed_records(w, ev, n * sizeof(ev[0]));
		expect_lines(&log, 1, "12");
		assert_true(wedge_pending(w));
		wedge_gap(w); /* the backend's timer: nothing came */
		expect_lines(&log, 2, "12", "3");
		assert_false(wedge_pending(w));
		/* presses 40 ms apart are one code */
		n = keys_records(a, ev, 64, 2000000, 20000);
		wedge_feed_records(w, ev, n * sizeof(ev[0]));
		wedge_gap(w);
		expect_lines(&log, 3, "12", "3", "12");
		/* events lost: the half code is dropped, never read */
		n = keys_records(a, ev, 64, 3000000, 1000);
		wedge_feed_records(w, ev, n * sizeof(ev[0]));
		wedge_event(w, EV_SYN, SYN_DROPPED, 0, 3010000);
		assert_false(wedge_pending(w));
		/* ... and so is its tail, up to its Enter: "3" + Enter is
		 * the end of the code the lost events cut, not a code */
		{
			const struct key tail[] = {T(KEY_3), T(KEY_ENTER),
						   T(KEY_4), T(KEY_ENTER),
						   KEYS_END};

			n = keys_records(tail, ev, 64, 3012000, 1000);
			wedge_feed_records(w, ev, n * sizeof(ev[0]));
		}
		expect_lines(&log, 4, "12", "3", "12", "4");
		/* a lost tail with no terminator ends at a gap */
		wedge_event(w, EV_SYN, SYN_DROPPED, 0, 3100000);
		n = keys_records(b, ev, 64, 3101000, 1000);
		wedge_feed_records(w, ev, n * sizeof(ev[0]));
		n = keys_records(a, ev, 64, 3300000, 1000);
		wedge_feed_records(w, ev, n * sizeof(ev[0]));
		wedge_gap(w);
		expect_lines(&log, 5, "12", "3", "12", "4", "12");
		wedge_free(w);
	}
}

static void test_wedge_overlong(void **state)
{
	struct wedge_config wc = wedge_cfg(KEYMAP_US);
	struct scan_log log;
	struct key k[80];
	size_t i = 0;

	wc.rules.max_line = 8;
	for (int j = 0; j < 12; j++) {
		k[i++] = (struct key)P(KEY_1);
		k[i++] = (struct key)R(KEY_1);
	}
	k[i++] = (struct key)P(KEY_ENTER);
	k[i++] = (struct key)P(KEY_2);
	k[i++] = (struct key)P(KEY_ENTER);
	k[i++] = (struct key)KEYS_END;
	wedge_run(&wc, k, &log);
	expect_lines(&log, 1, "2");
	assert_int_equal(log.overlong, 1);
}

static void test_wedge_caps_lock(void **state)
{
	struct wedge_config wc = wedge_cfg(KEYMAP_US);
	struct scan_log log;
	const struct key k[] = {T(KEY_CAPSLOCK), T(KEY_A), T(KEY_1), SH(KEY_B),
				T(KEY_CAPSLOCK), T(KEY_C), P(KEY_LEFTCTRL),
				T(KEY_M), R(KEY_LEFTCTRL), T(KEY_D), P(KEY_LEFTCTRL),
				T(KEY_B), R(KEY_LEFTCTRL), ENTER, KEYS_END};

	wedge_run(&wc, k, &log);
	/* Ctrl+M is CR, which ends a code as Enter does; Ctrl+B is a
	 * control byte left for the classifier to refuse */
	expect_lines(&log, 2, "A1bc", "d\x02");
}

/* The classifier takes what the wedge typed: AIM identifiers, GS. */
static void test_wedge_to_classifier(void **state)
{
	static const char *const aims[] = {"]C1", "]E0", "]Q1", "]Q3", "]d2"};
	struct code c;

	for (size_t i = 0; i < sizeof(aims) / sizeof(aims[0]); i++) {
		char raw[64];
		int n = snprintf(raw, sizeof(raw), "%s0105901234123457", aims[i]);

		assert_int_equal(code_classify(raw, (size_t)n, NULL, &c), 0);
		assert_string_equal(c.symbology, aims[i]);
		assert_null(strstr(c.value, "]"));
	}
	assert_int_equal(code_classify("]C10105901234123457\x1d" "10AB", 23,
				       NULL, &c),
			 0);
	assert_int_equal(c.kind, CODE_GS1);
}

/* ---- the evdev backend, through a pipe ---- */

struct pipe_scanner {
	sd_event *ev;
	int rd, wr;
	char path[64];
	struct scanner *s;
	struct scan_log log;
	int states;
};

static void pipe_state_cb(void *ud, bool present, const char *why)
{
	(void)ud;
	(void)present;
	(void)why;
}

static int pipe_open(struct pipe_scanner *p, const char *layout,
		     const char *terminator, int gap_ms, char *err,
		     size_t errlen)
{
	int fds[2];
	struct scanner_config cfg = {.backend = "evdev",
				     .layout = layout,
				     .terminator = terminator,
				     .gap_ms = gap_ms,
				     .state = pipe_state_cb};

	memset(p, 0, sizeof(*p));
	assert_int_equal(sd_event_new(&p->ev), 0);
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	p->rd = fds[0];
	p->wr = fds[1];
	snprintf(p->path, sizeof(p->path), "/proc/self/fd/%d", p->rd);
	cfg.path = p->path;
	return scanner_open(p->ev, &cfg, scan_log_cb, &p->log, &p->s, err,
			    errlen);
}

static void pipe_close(struct pipe_scanner *p)
{
	scanner_close(p->s);
	close(p->rd);
	close(p->wr);
	sd_event_unref(p->ev);
}

static void pipe_write_keys(struct pipe_scanner *p, const struct key *k)
{
	struct input_event ev[256];
	struct timespec now;
	size_t n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	n = keys_records(k, ev, 256,
			 (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000,
			 100);
	assert_int_equal(write(p->wr, ev, n * sizeof(ev[0])),
			 (ssize_t)(n * sizeof(ev[0])));
}

static void pipe_run_until(struct pipe_scanner *p, int lines, int max_ms)
{
	for (int i = 0; i < max_ms / 5 && p->log.n < lines; i++)
		assert_true(sd_event_run(p->ev, 5000) >= 0);
}

static void test_evdev_pipe(void **state)
{
	struct pipe_scanner p;
	char err[256] = "";
	const struct key k[] = {SH(KEY_Q), T(KEY_1), SH(KEY_2), ENTER,
				KEYS_END};
	const struct key nothing_ends[] = {T(KEY_4), T(KEY_2), KEYS_END};

	if (pipe_open(&p, "fr", NULL, 20, err, sizeof(err)) < 0)
		fail_msg("scanner_open: %s", err);
	assert_null(scanner_absence(p.s));
	assert_string_equal(scanner_backend_name(p.s), "evdev");
	/* a pipe is no device: its path is its id */
	assert_string_equal(scanner_id(p.s), p.path);
	pipe_write_keys(&p, k);
	pipe_run_until(&p, 1, 1000);
	expect_lines(&p.log, 1, "A&2");
	/* no terminator: the gap timer ends the code */
	pipe_write_keys(&p, nothing_ends);
	pipe_run_until(&p, 2, 1000);
	expect_lines(&p.log, 2, "A&2", "'é");
	pipe_close(&p);
}

static void test_evdev_refusals(void **state)
{
	struct pipe_scanner p;
	struct scanner *s = NULL;
	sd_event *ev = NULL;
	char err[256] = "";
	struct scanner_config cfg = {.backend = "evdev"};
	char tmp[] = "/tmp/retour-evdev-XXXXXX";
	int fd;

	assert_int_equal(pipe_open(&p, "xx", NULL, 0, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "unknown layout 'xx'"));
	pipe_close(&p);
	assert_int_equal(pipe_open(&p, "us", "crlf,cr", 0, err, sizeof(err)),
			 -EINVAL);
	pipe_close(&p);

	assert_int_equal(sd_event_new(&ev), 0);
	/* a character device that is not an evdev node: no grab, refused */
	cfg.path = "/dev/null";
	assert_true(scanner_open(ev, &cfg, scan_log_cb, NULL, &s, err,
				 sizeof(err)) < 0);
	/* the kernel says ENOTTY; qemu-user (make arm-check) fails an ioctl
	 * it does not know with ENOSYS: refused either way */
	assert_true(strstr(err, "/dev/null: not an input event device") ||
		    strstr(err, "/dev/null: cannot grab"));
	assert_null(s);
	/* a regular file neither */
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	cfg.path = tmp;
	assert_true(scanner_open(ev, &cfg, scan_log_cb, NULL, &s, err,
				 sizeof(err)) < 0);
	assert_non_null(strstr(err, "not an input event device"));
	unlink(tmp);
	/* path and usb, or neither */
	cfg.usb = "0c2e:0b61";
	assert_int_equal(
	    scanner_open(ev, &cfg, scan_log_cb, NULL, &s, err, sizeof(err)),
	    -EINVAL);
	cfg.path = NULL;
	cfg.usb = "0c2e:0b6";
	assert_int_equal(
	    scanner_open(ev, &cfg, scan_log_cb, NULL, &s, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "is not a USB id"));
	/* absent: opened, waiting for it */
	cfg.usb = "fffe:0001:NOPE";
	assert_int_equal(
	    scanner_open(ev, &cfg, scan_log_cb, NULL, &s, err, sizeof(err)), 0);
	assert_string_equal(scanner_absence(s),
			    "scanner fffe:0001:NOPE: absent, waiting for it");
	assert_string_equal(scanner_id(s), "fffe:0001:NOPE");
	scanner_close(s);
	cfg.usb = NULL;
	cfg.path = "/nonexistent/retour-scanner";
	assert_int_equal(
	    scanner_open(ev, &cfg, scan_log_cb, NULL, &s, err, sizeof(err)), 0);
	assert_non_null(strstr(scanner_absence(s), "absent, waiting"));
	scanner_close(s);
	sd_event_unref(ev);
}

/* A fifo that appears after the start is picked up (the retry, as
 * without udevd), and its codes read. */
static void test_evdev_appears_later(void **state)
{
	char dir[] = "/tmp/retour-evdev-XXXXXX", path[128];
	struct scanner_config cfg = {.backend = "evdev"};
	struct scan_log log = {0};
	struct scanner *s = NULL;
	sd_event *ev = NULL;
	char err[256];
	int fd;
	const struct key k[] = {T(KEY_7), ENTER, KEYS_END};
	struct input_event rec[16];
	size_t n;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ev", dir);
	cfg.path = path;
	assert_int_equal(sd_event_new(&ev), 0);
	assert_int_equal(
	    scanner_open(ev, &cfg, scan_log_cb, &log, &s, err, sizeof(err)), 0);
	assert_non_null(scanner_absence(s));
	assert_int_equal(mkfifo(path, 0600), 0);
	for (int i = 0; i < 300 && scanner_absence(s); i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_null(scanner_absence(s));
	fd = open(path, O_WRONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	n = keys_records(k, rec, 16, 0, 1000);
	assert_int_equal(write(fd, rec, n * sizeof(rec[0])),
			 (ssize_t)(n * sizeof(rec[0])));
	close(fd);
	for (int i = 0; i < 100 && log.n < 1; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	expect_lines(&log, 1, "7");
	scanner_close(s);
	sd_event_unref(ev);
	unlink(path);
	rmdir(dir);
}

/* ---- board settings ---- */

static void test_board_settings(void **state)
{
	const struct device_backend *be =
	    device_backend_find(DEVICE_SCANNER, "evdev", NULL, 0);
	struct scanner_config c = {0};
	char problem[256];

	assert_non_null(be);
	assert_int_equal(
	    device_backend_setting(be, &c, "layout", "de", problem, 256), 0);
	assert_string_equal(c.layout, "de");
	assert_int_equal(
	    device_backend_setting(be, &c, "layout", "dvorak", problem, 256),
	    -EINVAL);
	assert_non_null(strstr(problem, "unknown layout 'dvorak'"));
	assert_int_equal(
	    device_backend_setting(be, &c, "usb", "0c2e:0b61", problem, 256),
	    0);
	assert_int_equal(
	    device_backend_setting(be, &c, "usb", "0c2e-0b61", problem, 256),
	    -EINVAL);
	assert_int_equal(device_backend_setting(be, &c, "terminator",
						"enter,tab", problem, 256),
			 0);
	assert_int_equal(device_backend_setting(be, &c, "terminator", "never",
						problem, 256),
			 -EINVAL);
	assert_int_equal(
	    device_backend_setting(be, &c, "gap_ms", "0", problem, 256),
	    -EINVAL);
	assert_int_equal(
	    device_backend_setting(be, &c, "fnc1", "<GS>", problem, 256), 0);
	/* the tty's keys */
	be = device_backend_find(DEVICE_SCANNER, "tty", NULL, 0);
	assert_int_equal(
	    device_backend_setting(be, &c, "baud", "9600", problem, 256), 0);
	assert_int_equal(c.baud, 9600);
	assert_int_equal(
	    device_backend_setting(be, &c, "terminator", "crlf", problem, 256),
	    0);
	/* an evdev key on a tty board: checked, kept for a switch back */
	assert_int_equal(
	    device_backend_setting(be, &c, "layout", "fr", problem, 256), 0);
	assert_int_equal(
	    device_backend_setting(be, &c, "layout", "xx", problem, 256),
	    -EINVAL);
}

/* ---- the tty backend's terminator, through a pty ---- */

static void test_tty_terminator_and_gs(void **state)
{
	struct scanner_config cfg = {.backend = "tty", .terminator = "tab"};
	struct scan_log log = {0};
	struct scanner *s = NULL;
	sd_event *ev = NULL;
	char err[256], slave[128];
	int master;
	static const char data[] = "]C101\x1d" "10A\tX\r\nY\t";

	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	assert_int_equal(ptsname_r(master, slave, sizeof(slave)), 0);
	cfg.path = slave;
	assert_int_equal(sd_event_new(&ev), 0);
	if (scanner_open(ev, &cfg, scan_log_cb, &log, &s, err, sizeof(err)) <
	    0)
		fail_msg("scanner_open: %s", err);
	assert_string_equal(scanner_id(s), slave);
	assert_int_equal(write(master, data, sizeof(data) - 1),
			 (ssize_t)(sizeof(data) - 1));
	for (int i = 0; i < 100 && log.n < 2; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	expect_lines(&log, 2, "]C101\x1d" "10A", "X\r\nY");
	scanner_close(s);
	close(master);
	sd_event_unref(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keymap_names),
	    cmocka_unit_test(test_keymap_tables),
	    cmocka_unit_test(test_scan_line_terminators),
	    cmocka_unit_test(test_scan_line_cuts),
	    cmocka_unit_test(test_wedge_us),
	    cmocka_unit_test(test_wedge_pl),
	    cmocka_unit_test(test_wedge_de),
	    cmocka_unit_test(test_wedge_fr),
	    cmocka_unit_test(test_wedge_autorepeat_and_garbage),
	    cmocka_unit_test(test_wedge_fnc1),
	    cmocka_unit_test(test_wedge_terminators_and_gaps),
	    cmocka_unit_test(test_wedge_overlong),
	    cmocka_unit_test(test_wedge_caps_lock),
	    cmocka_unit_test(test_wedge_to_classifier),
	    cmocka_unit_test(test_evdev_pipe),
	    cmocka_unit_test(test_evdev_refusals),
	    cmocka_unit_test(test_evdev_appears_later),
	    cmocka_unit_test(test_board_settings),
	    cmocka_unit_test(test_tty_terminator_and_gs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
