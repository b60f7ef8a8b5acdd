/* SPDX-License-Identifier: MIT */
/* The label spool: jobs printed off the loop, reported on it, in order. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "retour/spool.h"

struct seen {
	int n;
	int64_t receipts[8];
	int results[8];
	char last_err[256];
};

static void on_done(void *userdata, int64_t receipt_id, int r,
		    const char *err)
{
	struct seen *s = userdata;

	if (s->n < 8) {
		s->receipts[s->n] = receipt_id;
		s->results[s->n] = r;
	}
	s->n++;
	snprintf(s->last_err, sizeof(s->last_err), "%s", err);
}

static void run_until(sd_event *ev, const struct seen *s, int n)
{
	for (int i = 0; i < 500 && s->n < n; i++)
		assert_true(sd_event_run(ev, 10000) >= 0);
	assert_int_equal(s->n, n);
}

static void test_spool_prints_in_order(void **state)
{
	char dir[] = "/tmp/retour-spool-XXXXXX", path[128], err[160];
	struct printer_config pc = {.backend = "dir", .dir = dir};
	struct printer *p = NULL;
	struct spool *sp = NULL;
	struct seen seen = {0};
	sd_event *ev = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sd_event_new(&ev), 0);
	assert_int_equal(printer_open(&pc, &p, err, sizeof(err)), 0);
	assert_int_equal(spool_new(ev, p, on_done, &seen, &sp), 0);

	for (int i = 1; i <= 3; i++)
		assert_int_equal(spool_submit(sp, i, "label", "^XA^XZ", 6), 0);
	run_until(ev, &seen, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(seen.receipts[i], i + 1);
		assert_int_equal(seen.results[i], 0);
	}
	assert_int_equal(spool_pending(sp), 0);
	snprintf(path, sizeof(path), "%s/000003-label.zpl", dir);
	assert_int_equal(access(path, R_OK), 0);

	/* The printer goes away: the job reports why, the next one too. */
	for (int i = 1; i <= 3; i++) {
		snprintf(path, sizeof(path), "%s/%06d-label.zpl", dir, i);
		unlink(path);
	}
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(spool_submit(sp, 4, "label", "^XA^XZ", 6), 0);
	run_until(ev, &seen, 4);
	assert_true(seen.results[3] < 0);
	assert_non_null(strstr(seen.last_err, dir));

	spool_free(sp);
	printer_close(p);
	sd_event_unref(ev);
}

static void test_spool_refuses_when_full(void **state)
{
	char err[160], dir[] = "/tmp/retour-spool-XXXXXX";
	struct printer_config pc = {.backend = "dir", .dir = dir};
	struct printer *p = NULL;
	struct spool *sp = NULL;
	struct seen seen = {0};
	sd_event *ev = NULL;
	int r = 0, i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sd_event_new(&ev), 0);
	assert_int_equal(printer_open(&pc, &p, err, sizeof(err)), 0);
	assert_int_equal(spool_new(ev, p, on_done, &seen, &sp), 0);
	/* Results are reported only by the loop, which does not run here:
	 * jobs stay pending until the limit. */
	for (i = 0; i < SPOOL_MAX_JOBS + 1 && r == 0; i++)
		r = spool_submit(sp, i, "label", "^XA^XZ", 6);
	assert_int_equal(r, -EBUSY);
	assert_int_equal(i, SPOOL_MAX_JOBS + 1);
	assert_int_equal(spool_pending(sp), SPOOL_MAX_JOBS);
	assert_int_equal(spool_submit(NULL, 1, "x", "", 0), -EINVAL);

	run_until(ev, &seen, SPOOL_MAX_JOBS);
	spool_free(sp);
	printer_close(p);
	sd_event_unref(ev);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spool_prints_in_order),
	    cmocka_unit_test(test_spool_refuses_when_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
