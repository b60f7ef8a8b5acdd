/* SPDX-License-Identifier: MIT */
/*
 * Printer status: the ~HS and ESC!? answers parsed from fixtures, the tcp
 * backend asking a fake printer on a real loopback socket, the dir
 * backend's status file, and the spool holding a label while the printer
 * is faulted and printing it once when it is fixed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "retour/printer.h"
#include "retour/printer_status.h"
#include "retour/spool.h"

/*
 * ~HS answers, laid out as the ZPL II Programming Guide's "~HS Host Status
 * Return" gives them (three STX..ETX CR LF strings).  "ready" is the
 * shape of a GK420d's answer at rest; the others flip the one flag named.
 */
#define HS(s1, s2)                                                             \
	"\x02" s1 "\x03\r\n\x02" s2 "\x03\r\n\x02"                             \
	"1234,0\x03\r\n"
#define HS_READY                                                               \
	HS("030,0,0,0812,000,0,0,0,000,0,0,0",                                 \
	   "001,0,0,0,1,2,6,0,00000000,1,000")
#define HS_PAPER_OUT                                                           \
	HS("030,1,0,0812,000,0,0,0,000,0,0,0",                                 \
	   "001,0,0,0,1,2,6,0,00000000,1,000")
#define HS_PAUSED                                                              \
	HS("030,0,1,0812,000,0,0,0,000,0,0,0",                                 \
	   "001,0,0,0,1,2,6,0,00000000,1,000")
#define HS_BUFFER_FULL                                                         \
	HS("030,0,0,0812,012,1,0,0,000,0,0,0",                                 \
	   "001,0,0,0,1,2,6,0,00000000,1,000")
#define HS_OVER_TEMPERATURE                                                    \
	HS("030,0,0,0812,000,0,0,0,000,0,0,1",                                 \
	   "001,0,0,0,1,2,6,0,00000000,1,000")
#define HS_HEAD_UP                                                             \
	HS("030,0,0,0812,000,0,0,0,000,0,0,0",                                 \
	   "001,0,1,0,1,2,6,0,00000000,1,000")
#define HS_RIBBON_OUT                                                          \
	HS("030,0,0,0812,000,0,0,0,000,0,0,0",                                 \
	   "001,0,0,1,1,2,6,0,00000000,1,000")

static int zpl(const char *answer, struct printer_status *st, char *err,
	       size_t errlen)
{
	return printer_status_parse_zpl(answer, strlen(answer), st, err,
					errlen);
}

static void test_hs_fixtures(void **state)
{
	static const struct {
		const char *answer, *why;
	} cases[] = {
	    {HS_READY, ""},
	    {HS_PAPER_OUT, "paper out"},
	    {HS_PAUSED, "paused"},
	    {HS_BUFFER_FULL, "buffer full"},
	    {HS_OVER_TEMPERATURE, "head over temperature"},
	    {HS_HEAD_UP, "head open"},
	    {HS_RIBBON_OUT, "ribbon out"},
	    /* a published answer (paper out and paused at once, ribbon
	     * out), without the trailing CR LF of the last string */
	    {"\x02"
	     "030,1,1,1225,000,0,0,0,000,0,0,0\x03\r\n\x02"
	     "001,0,0,1,1,2,6,0,00000100,1,000\x03\r\n\x02"
	     "1234,0\x03",
	     "paper out, ribbon out, paused"},
	};
	struct printer_status st;
	char err[200], why[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(zpl(cases[i].answer, &st, err, sizeof(err)),
				 0);
		assert_int_equal(printer_status_fault(&st, why, sizeof(why)),
				 cases[i].why[0] != '\0');
		assert_string_equal(why, cases[i].why);
	}
	assert_int_equal(zpl(HS_OVER_TEMPERATURE, &st, err, sizeof(err)), 0);
	assert_true(st.over_temperature && !st.under_temperature);
}

static void test_hs_partial_and_garbage(void **state)
{
	const char *ready = HS_READY;
	struct printer_status st;
	char err[200];

	(void)state;
	/* every beginning of a good answer asks for more */
	for (size_t n = 0; n < strlen(ready); n++) {
		int r =
		    printer_status_parse_zpl(ready, n, &st, err, sizeof(err));

		/* the answer is whole at its third ETX */
		if (n >= strlen(ready) - 2)
			assert_int_equal(r, 0);
		else
			assert_int_equal(r, -EAGAIN);
	}
	static const char *const bad[] = {
	    "garbage",
	    "\x02"
	    "030,0,0\x03\r\n", /* too few fields */
	    "\x02"
	    "030,0,0,0812,000,0,0,0,000,0,0,x", /* not digits */
	    "OK\r\n",
	    HS("030,2,0,0812,000,0,0,0,000,0,0,0",
	       "001,0,0,0,1,2,6,0,00000000,1,000"), /* flag 2 */
	    HS("030,0,0,0812,000,0,0,0,000,0,0,0",
	       "001,0,0,10,1,2,6,0,00000000,1,000"), /* flag 10 */
	    HS("030,,0,0812,000,0,0,0,000,0,0,0",
	       "001,0,0,0,1,2,6,0,00000000,1,000"), /* empty field */
	    HS_READY "\x02"
		     "1\x03", /* a fourth string */
	    HS_READY "x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(zpl(bad[i], &st, err, sizeof(err)), -EBADMSG);
		assert_non_null(strstr(err, "printer status unreadable: "));
	}
	/* an endless string without ETX is refused, not awaited */
	char endless[300];
	endless[0] = 0x02;
	memset(endless + 1, '0', sizeof(endless) - 1);
	assert_int_equal(printer_status_parse_zpl(endless, sizeof(endless), &st,
						  err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, "longer than"));
}

static void test_tspl_bytes(void **state)
{
	/* TSPL/TSPL2 manual, <ESC>!? status byte */
	static const struct {
		uint8_t byte;
		const char *why;
	} cases[] = {
	    {0x00, ""},
	    {0x01, "head open"},
	    {0x02, "paper jam"},
	    {0x04, "paper out"},
	    {0x05, "paper out, head open"},
	    {0x08, "ribbon out"},
	    {0x0d, "paper out, ribbon out, head open"},
	    {0x10, "paused"},
	    {0x20, ""}, /* printing: busy, not a fault */
	    {0x80, "printer error"},
	    {0x40, "printer error"},
	};
	struct printer_status st;
	char err[200], why[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(printer_status_parse_tspl(
				     &cases[i].byte, 1, &st, err, sizeof(err)),
				 0);
		printer_status_fault(&st, why, sizeof(why));
		assert_string_equal(why, cases[i].why);
	}
	assert_int_equal(
	    printer_status_parse_tspl("", 0, &st, err, sizeof(err)), -EAGAIN);
	assert_int_equal(
	    printer_status_parse_tspl("\x00\x04", 2, &st, err, sizeof(err)),
	    -EBADMSG);
	assert_non_null(strstr(err, "printer status unreadable: 2 bytes"));
	assert_string_equal(printer_status_query("tspl"), "\x1b!?");
	assert_string_equal(printer_status_query(NULL), "~HS");
	assert_null(printer_status_query("epl"));
}

static void test_status_words(void **state)
{
	struct printer_status st;
	char err[300], why[128];

	(void)state;
	assert_int_equal(printer_status_parse_words("", 0, &st, err, 300), 0);
	assert_false(printer_status_fault(&st, why, sizeof(why)));
	assert_int_equal(
	    printer_status_parse_words(" Ready\n", 7, &st, err, 300), 0);
	assert_false(printer_status_fault(&st, why, sizeof(why)));
	assert_int_equal(printer_status_parse_words("paper out\n", 10, &st, err,
						    sizeof(err)),
			 0);
	assert_true(printer_status_fault(&st, why, sizeof(why)));
	assert_string_equal(why, "paper out");
	assert_int_equal(printer_status_parse_words("head open , ribbon out",
						    22, &st, err, sizeof(err)),
			 0);
	printer_status_fault(&st, why, sizeof(why));
	assert_string_equal(why, "ribbon out, head open");
	assert_int_equal(
	    printer_status_parse_words("papier\x01", 7, &st, err, sizeof(err)),
	    -EBADMSG);
	assert_non_null(strstr(err, "'papier?' is not a printer state"));
	assert_int_equal(
	    printer_status_parse_words("paper out,", 10, &st, err, 300),
	    -EBADMSG);
}

/* ---- the tcp backend asks a fake printer on loopback ---- */

struct fake_printer {
	int lfd, port;
	const char *answer; /* to each ~HS; NULL: say nothing; "": hang up */
	size_t answer_len;
	int conns, send_failed;
	char got[4096];
	size_t got_len;
};

static void *fake_printer_run(void *arg)
{
	struct fake_printer *f = arg;
	int fd;

	while ((fd = accept(f->lfd, NULL, NULL)) >= 0) {
		char buf[1024];
		ssize_t n;

		f->conns++;
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			if ((size_t)n > sizeof(f->got) - f->got_len)
				n = (ssize_t)(sizeof(f->got) - f->got_len);
			memcpy(f->got + f->got_len, buf, (size_t)n);
			f->got_len += (size_t)n;
			if (n == 3 && !memcmp(buf, "~HS", 3) && f->answer) {
				/* in two pieces, as a slow printer might; the
				 * backend may hang up after the first */
				size_t half = f->answer_len / 2;

				if (send(fd, f->answer, half, MSG_NOSIGNAL) < 0)
					f->send_failed++;
				usleep(20000);
				if (send(fd, f->answer + half,
					 f->answer_len - half,
					 MSG_NOSIGNAL) < 0)
					f->send_failed++;
			}
			/* answered (or hung up on): done; silent: wait
			 * for the backend to give up */
			if (n == 3 && !memcmp(buf, "~HS", 3) && f->answer)
				break;
		}
		close(fd);
	}
	return NULL;
}

static void fake_printer_start(struct fake_printer *f, pthread_t *t)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);

	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&sa, &sl), 0);
	f->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(t, NULL, fake_printer_run, f), 0);
}

static void fake_printer_stop(struct fake_printer *f, pthread_t t)
{
	shutdown(f->lfd, SHUT_RDWR);
	pthread_join(t, NULL);
	close(f->lfd);
}

static void test_tcp_asks_hs(void **state)
{
	struct fake_printer f = {.answer = HS_PAPER_OUT,
				 .answer_len = sizeof(HS_PAPER_OUT) - 1};
	struct printer_config cfg = {.backend = "tcp",
				     .host = "127.0.0.1",
				     .status = "ask",
				     .timeout_ms = 400};
	struct printer_status st;
	struct printer *p = NULL;
	char err[200], why[128];
	pthread_t t;

	(void)state;
	fake_printer_start(&f, &t);
	cfg.port = f.port;
	assert_int_equal(printer_open(&cfg, &p, err, sizeof(err)), 0);
	assert_int_equal(printer_query_status(p, &st, err, sizeof(err)), 0);
	assert_true(printer_status_fault(&st, why, sizeof(why)));
	assert_string_equal(why, "paper out");
	assert_int_equal(f.got_len, 3);
	assert_memory_equal(f.got, "~HS", 3);

	f.answer = HS_READY;
	f.answer_len = sizeof(HS_READY) - 1;
	assert_int_equal(printer_query_status(p, &st, err, sizeof(err)), 0);
	assert_false(printer_status_fault(&st, why, sizeof(why)));

	/* garbage back: unreadable, said so */
	f.answer = "HELLO\r\n";
	f.answer_len = 7;
	assert_int_equal(printer_query_status(p, &st, err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, "printer status unreadable: byte 0x48"));

	/* silence: unreadable after timeout_ms, not a hang */
	f.answer = NULL;
	assert_int_equal(printer_query_status(p, &st, err, sizeof(err)),
			 -EBADMSG);
	assert_string_equal(
	    err, "printer status unreadable: no answer to ~HS within 400 ms");
	/* hung up on: unreadable too */
	f.answer = "";
	f.answer_len = 0;
	assert_int_equal(printer_query_status(p, &st, err, sizeof(err)),
			 -EBADMSG);
	assert_string_equal(err, "printer status unreadable: the printer hung "
				 "up after 0 bytes of the answer to ~HS");
	printer_close(p);

	/* not asked unless the board says so */
	cfg.status = NULL;
	assert_int_equal(printer_open(&cfg, &p, err, sizeof(err)), 0);
	assert_int_equal(printer_query_status(p, &st, err, sizeof(err)),
			 -EOPNOTSUPP);
	printer_close(p);
	cfg.status = "maybe";
	assert_int_equal(printer_open(&cfg, &p, err, sizeof(err)), -EINVAL);
	assert_string_equal(
	    err, "printer tcp: status 'maybe' is neither ask nor none");
	cfg.status = "ask";
	cfg.language = "epl";
	assert_int_equal(printer_open(&cfg, &p, err, sizeof(err)), -EINVAL);
	assert_string_equal(
	    err, "unknown printer language 'epl' (known: zpl, tspl)");
	fake_printer_stop(&f, t);
}

/* ---- usb: no device on this machine ---- */

static void test_usb_not_plugged(void **state)
{
	struct printer_config cfg = {.backend = "usb", .usb = "0a5f:0181"};
	struct printer_status st;
	struct printer *p = NULL;
	char err[200];

	(void)state;
	assert_int_equal(printer_open(&cfg, &p, err, sizeof(err)), 0);
	assert_string_equal(printer_describe(p), "usb 0a5f:0181");
	assert_int_equal(printer_print(p, "x", "^XA^XZ", 6, err, sizeof(err)),
			 -ENODEV);
	assert_string_equal(err, "printer 0a5f:0181 is not plugged in");
	assert_int_equal(printer_query_status(p, &st, err, sizeof(err)),
			 -ENODEV);
	printer_close(p);
	cfg.usb = NULL;
	assert_int_equal(printer_open(&cfg, &p, err, sizeof(err)), 0);
	assert_int_equal(printer_print(p, "x", "^XA^XZ", 6, err, sizeof(err)),
			 -ENODEV);
	assert_string_equal(err,
			    "no USB printer (interface class 7) is plugged in");
	printer_close(p);
	cfg.usb = "0a5f-0181";
	assert_int_equal(printer_open(&cfg, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not a USB id"));
}

/* ---- the spool holds a label while the dir printer is faulted ---- */

struct spool_seen {
	int printed, states;
	int64_t receipt;
	int r;
	bool fault;
	char why[256];
};

static void on_done(void *ud, int64_t receipt_id, int r, const char *err)
{
	struct spool_seen *s = ud;

	s->printed++;
	s->receipt = receipt_id;
	s->r = r;
	(void)err;
}

static void on_state(void *ud, bool fault, const char *why)
{
	struct spool_seen *s = ud;

	s->states++;
	s->fault = fault;
	snprintf(s->why, sizeof(s->why), "%s", why);
}

static int count_labels(const char *dir)
{
	char cmd[300];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls %s | grep -c '\\.zpl$'", dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

static void put_status(const char *dir, const char *text)
{
	char path[200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/status", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A spool on @p telling @seen, that asks a faulted printer every 50 ms. */
static struct spool *spool_for_test(sd_event *ev, struct printer *p,
				    struct spool_seen *seen)
{
	struct spool *sp = NULL;

	memset(seen, 0, sizeof(*seen));
	assert_int_equal(spool_new(ev, p, on_done, seen, &sp), 0);
	spool_watch_state(sp, on_state);
	spool_set_recheck_ms(sp, 50);
	return sp;
}

static void test_spool_holds_until_fixed(void **state)
{
	char dir[] = "/tmp/retour-pstatus-XXXXXX", err[200], cmd[300];
	struct printer_config pc = {.backend = "dir", .dir = dir};
	struct spool_seen seen = {0};
	struct printer *p = NULL;
	struct spool *sp = NULL;
	sd_event *ev = NULL;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	put_status(dir, "paper out\n");
	assert_int_equal(sd_event_new(&ev), 0);
	assert_int_equal(printer_open(&pc, &p, err, sizeof(err)), 0);
	sp = spool_for_test(ev, p, &seen);

	assert_int_equal(spool_submit(sp, 7, "label", "^XA^XZ", 6), 0);
	for (i = 0; i < 200 && seen.states < 1; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_true(seen.fault);
	assert_string_equal(seen.why, "paper out");
	/* held: several rechecks go by, nothing printed, nothing failed */
	for (i = 0; i < 30; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_int_equal(seen.printed, 0);
	assert_int_equal(spool_pending(sp), 1);
	assert_int_equal(count_labels(dir), 0);

	/* another fault: said once more, with the new reason */
	put_status(dir, "head open");
	for (i = 0; i < 200 && strcmp(seen.why, "head open"); i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_string_equal(seen.why, "head open");

	put_status(dir, "ready");
	for (i = 0; i < 200 && seen.printed < 1; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_int_equal(seen.printed, 1);
	assert_int_equal(seen.receipt, 7);
	assert_int_equal(seen.r, 0);
	assert_false(seen.fault);
	for (i = 0; i < 20; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_int_equal(seen.printed, 1);
	assert_int_equal(count_labels(dir), 1); /* exactly once */

	/* an answer that cannot be read holds the label too */
	put_status(dir, "garbage words");
	assert_int_equal(spool_submit(sp, 8, "label", "^XA^XZ", 6), 0);
	for (i = 0; i < 200 && !seen.fault; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_true(seen.fault);
	assert_non_null(strstr(seen.why, "printer status unreadable"));
	assert_int_equal(seen.printed, 1);
	put_status(dir, "");
	for (i = 0; i < 200 && seen.fault; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	for (i = 0; i < 200 && seen.printed < 2; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_int_equal(count_labels(dir), 2);

	spool_free(sp);

	/* a printer at fault when the spool starts is shown at once */
	put_status(dir, "ribbon out");
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(spool_new(ev, p, on_done, &seen, &sp), 0);
	spool_watch_state(sp, on_state);
	for (i = 0; i < 200 && !seen.fault; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_true(seen.fault);
	assert_string_equal(seen.why, "ribbon out");
	spool_free(sp);
	printer_close(p);
	sd_event_unref(ev);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- a printer not there is shown back when it answers ---- */

static void test_spool_sees_a_printer_back(void **state)
{
	char dir[] = "/tmp/retour-pback-XXXXXX", err[200], cmd[300];
	struct printer_config pc = {.backend = "dir", .dir = dir};
	struct spool_seen seen = {0};
	struct printer *p = NULL;
	struct spool *sp = NULL;
	sd_event *ev = NULL;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sd_event_new(&ev), 0);
	assert_int_equal(printer_open(&pc, &p, err, sizeof(err)), 0);
	sp = spool_for_test(ev, p, &seen);

	/* one label out first: the spool's own first look is behind it */
	assert_int_equal(spool_submit(sp, 2, "label", "^XA^XZ", 6), 0);
	for (i = 0; i < 200 && seen.printed < 1; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_int_equal(seen.r, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);

	/* the folder (the printer) is gone: the label fails, as unplugged */
	assert_int_equal(spool_submit(sp, 3, "label", "^XA^XZ", 6), 0);
	for (i = 0; i < 200 && seen.printed < 2; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_int_equal(seen.printed, 2);
	assert_true(seen.r < 0);
	/* still gone: rechecks go by and nothing says it is back */
	for (i = 0; i < 10; i++)
		assert_true(sd_event_run(ev, 20000) >= 0);
	assert_int_equal(seen.states, 0);

	/* back, with no label asked: the state says so */
	assert_int_equal(mkdir(dir, 0755), 0);
	for (i = 0; i < 200 && seen.states < 1; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_int_equal(seen.states, 1);
	assert_false(seen.fault);
	assert_int_equal(seen.printed, 2);
	assert_int_equal(count_labels(dir), 0); /* nothing printed by it */
	/* and said once */
	for (i = 0; i < 10; i++)
		assert_true(sd_event_run(ev, 20000) >= 0);
	assert_int_equal(seen.states, 1);

	/* back with paper out: said as that fault */
	assert_int_equal(spool_submit(sp, 4, "label", "^XA^XZ", 6), 0);
	for (i = 0; i < 200 && seen.printed < 3; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_int_equal(seen.r, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(spool_submit(sp, 5, "label", "^XA^XZ", 6), 0);
	for (i = 0; i < 200 && seen.printed < 4; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_true(seen.r < 0);
	/* back, at once with its fault (a folder made aside, renamed in) */
	snprintf(cmd, sizeof(cmd), "%s.new", dir);
	assert_int_equal(mkdir(cmd, 0755), 0);
	put_status(cmd, "paper out");
	assert_int_equal(rename(cmd, dir), 0);
	for (i = 0; i < 200 && !seen.fault; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_true(seen.fault);
	assert_string_equal(seen.why, "paper out");
	spool_free(sp);

	/* not there when the spool starts: shown, then back */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	sp = spool_for_test(ev, p, &seen);
	for (i = 0; i < 200 && !seen.fault; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_true(seen.fault);
	assert_non_null(strstr(seen.why, "is gone"));
	assert_int_equal(mkdir(dir, 0755), 0);
	for (i = 0; i < 200 && seen.fault; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_false(seen.fault);
	spool_free(sp);
	printer_close(p);

	/* a label the printer took badly (there, answering ready) is not
	 * followed by a "ready" that would hide why it failed */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(printer_open(&pc, &p, err, sizeof(err)), 0);
	snprintf(cmd, sizeof(cmd), "%s/.000001-bad.zpl.tmp", dir);
	assert_int_equal(mkdir(cmd, 0755), 0); /* its first file cannot be */
	sp = spool_for_test(ev, p, &seen);
	assert_int_equal(spool_submit(sp, 9, "bad", "^XA^XZ", 6), 0);
	for (i = 0; i < 200 && seen.printed < 1; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_int_equal(seen.r, -EISDIR);
	for (i = 0; i < 10; i++)
		assert_true(sd_event_run(ev, 20000) >= 0);
	assert_int_equal(seen.states, 0);
	spool_free(sp);
	printer_close(p);
	sd_event_unref(ev);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hs_fixtures),
	    cmocka_unit_test(test_hs_partial_and_garbage),
	    cmocka_unit_test(test_tspl_bytes),
	    cmocka_unit_test(test_status_words),
	    cmocka_unit_test(test_tcp_asks_hs),
	    cmocka_unit_test(test_usb_not_plugged),
	    cmocka_unit_test(test_spool_holds_until_fixed),
	    cmocka_unit_test(test_spool_sees_a_printer_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
