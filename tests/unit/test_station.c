/* SPDX-License-Identifier: MIT */
/*
 * The station's own logic, on real files and a real event loop: a SQLite
 * file, a directory camera whose photos come back from its thread, a
 * directory printer.  What the system tests cannot time: a photo that comes
 * back after the clerk confirmed or cancelled.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "retour/config.h"
#include "retour/station.h"

#define IMAGE "\xff\xd8\xff\xe0 a parcel \xff\xd9"

struct fixture {
	char dir[64];
	struct config cfg;
	sd_event *ev;
	struct station *st;
};

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char text[2048], board[1024], sub[128], err[256];
	json_t *doc, *kept = json_array();

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/retour-station-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(sub, sizeof(sub), "%s/camera", f->dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	put_file(sub, "a.jpg", IMAGE);
	snprintf(text, sizeof(text),
		 "[station]\ndesk = desk-1\ndatabase = %s/retour.db\n"
		 "photos = %s/photos\nphoto_min_free_mb = 0\n"
		 "checklists = checklists\ngrace_s = 30\nclock = trust\n"
		 "[shop]\nname = demo\nrma_pattern = RMA-*\n"
		 "[clerks]\nB-1 = Ola\nB-9 = Marta, supervisor\n",
		 f->dir, f->dir);
	snprintf(board, sizeof(board),
		 "[board]\nname = test\n"
		 "[scanner]\nbackend = none\n[scale]\nbackend = none\n"
		 "[printer]\nbackend = dir\ndir = %s/labels\n"
		 "[camera]\nbackend = dir\ndir = %s/camera\n"
		 "[gpio]\nbackend = sim\n",
		 f->dir, f->dir);
	config_defaults(&f->cfg);
	assert_int_equal(config_parse_text(&f->cfg, "station.conf", text, false,
					   err, sizeof(err)),
			 0);
	assert_int_equal(config_parse_text(&f->cfg, "board.conf", board, true,
					   err, sizeof(err)),
			 0);
	assert_int_equal(sd_event_new(&f->ev), 0);
	assert_int_equal(station_new(&f->cfg, f->ev, &f->st, err, sizeof(err)),
			 0);
	doc = json_pack(
	    "[{s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s,s:i,s:I}]},"
	    "{s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s,s:i,s:I}]}]",
	    "rma", "RMA-1", "order", "ORD-1", "kind", "withdrawal", "currency",
	    "PLN", "delivered_at", "2030-01-01T00:00:00Z", "items", "sku",
	    "SKU-1", "category", "misc", "quantity", 1, "unit_price_minor",
	    (json_int_t)5000, "rma", "RMA-2", "order", "ORD-2", "kind",
	    "withdrawal", "currency", "PLN", "delivered_at",
	    "2030-01-01T00:00:00Z", "items", "sku", "SKU-2", "category", "misc",
	    "quantity", 1, "unit_price_minor", (json_int_t)7000);
	assert_non_null(doc);
	assert_int_equal(
	    station_import_expected(f->st, doc, kept, err, sizeof(err)), 2);
	json_decref(doc);
	json_decref(kept);
	assert_int_equal(station_sign_in(f->st, NULL, "Ola", err, sizeof(err)),
			 0);
	*state = f;
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
			struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	station_free(f->st);
	sd_event_unref(f->ev);
	nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* The desk's status field @key, as text ("" when not a string). */
static const char *status_text(struct fixture *f, const char *key, char *buf,
			       size_t len)
{
	json_t *s = station_status(f->st);
	const char *v = json_string_value(json_object_get(s, key));

	snprintf(buf, len, "%s", v ? v : "");
	json_decref(s);
	return buf;
}

static int64_t status_receipt(struct fixture *f)
{
	json_t *s = station_status(f->st);
	int64_t id = json_integer_value(json_object_get(s, "receipt"));

	json_decref(s);
	return id;
}

/* Run the loop until the desk is at @step (or 5 s have passed). */
static void run_until_step(struct fixture *f, const char *step)
{
	char buf[32];

	for (int i = 0; i < 500; i++) {
		if (!strcmp(status_text(f, "step", buf, sizeof(buf)), step))
			return;
		assert_true(sd_event_run(f->ev, 10000) >= 0);
	}
	fail_msg("desk at '%s', not '%s'", buf, step);
}

/* Run the loop a while: callbacks from the camera and spool threads. */
static void run_a_while(struct fixture *f)
{
	for (int i = 0; i < 50; i++)
		assert_true(sd_event_run(f->ev, 10000) >= 0);
}

/* The steps of receipt @id's photos, comma separated. */
static void photo_steps(struct fixture *f, int64_t id, char *buf, size_t len)
{
	json_t *r = NULL, *p;
	size_t i;

	buf[0] = '\0';
	assert_int_equal(station_return_get(f->st, id, &r), 0);
	json_array_foreach(json_object_get(r, "photos"), i, p)
	{
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "%s%s", n ? "," : "",
			 json_string_value(json_object_get(p, "step")));
	}
	json_decref(r);
}

/* Scan @rma; the desk asks for the parcel's photo itself: at the items
 * step. */
static int64_t to_items(struct fixture *f, const char *rma)
{
	char buf[32];

	station_scan(f->st, rma, strlen(rma));
	run_until_step(f, "items");
	assert_string_equal(status_text(f, "problem", buf, sizeof(buf)), "");
	return status_receipt(f);
}

static void evidence_taken_before_the_decision_is_kept(void **state)
{
	struct fixture *f = *state;
	char err[256], steps[256];
	int64_t id = to_items(f, "RMA-1");

	assert_true(id > 0);
	station_items_done(f->st);
	for (int i = 0; i < 4; i++)
		station_answer(f->st, "pass");
	run_a_while(f); /* the checklist's item photo, asked for by the desk */
	station_answer(f->st, "A");
	run_until_step(f, "confirm");
	/* extra evidence, and the clerk confirms before the camera is back */
	station_photo(f->st);
	assert_int_equal(
	    station_confirm(f->st, "accept", NULL, NULL, err, sizeof(err)), 0);
	run_until_step(f, "scan");
	run_a_while(f);
	photo_steps(f, id, steps, sizeof(steps));
	assert_string_equal(steps, "parcel,item_photo,evidence");
	assert_string_equal(status_text(f, "problem", err, sizeof(err)), "");
}

static void a_photo_for_a_cancelled_parcel_answers_nothing(void **state)
{
	struct fixture *f = *state;
	char buf[160], steps[256];
	int64_t first, second;

	/* the desk asks for the parcel's photo; the clerk cancels and scans
	 * the next parcel before the camera is back */
	station_scan(f->st, "RMA-1", 5);
	first = status_receipt(f);
	station_cancel(f->st);
	station_scan(f->st, "RMA-2", 5);
	second = status_receipt(f);
	assert_true(second > first);
	run_until_step(f, "items");
	run_a_while(f);
	/* each photo is kept with the parcel it shows; the late one answered
	 * nothing and said nothing */
	photo_steps(f, first, steps, sizeof(steps));
	assert_string_equal(steps, "parcel");
	photo_steps(f, second, steps, sizeof(steps));
	assert_string_equal(steps, "parcel");
	assert_string_equal(status_text(f, "problem", buf, sizeof(buf)), "");
}

static void a_photo_for_a_skipped_step_is_late(void **state)
{
	struct fixture *f = *state;
	char buf[160], steps[256];
	int64_t id;

	station_scan(f->st, "RMA-1", 5);
	id = status_receipt(f);
	station_skip(f->st,
		     NULL); /* the photo step, before the camera is back */
	assert_string_equal(status_text(f, "step", buf, sizeof(buf)), "items");
	run_a_while(f);
	assert_string_equal(status_text(f, "step", buf, sizeof(buf)), "items");
	assert_string_equal(status_text(f, "problem", buf, sizeof(buf)), "");
	photo_steps(f, id, steps, sizeof(steps));
	assert_string_equal(steps, "parcel");
}

static void a_decided_return_scanned_again_is_not_opened(void **state)
{
	struct fixture *f = *state;
	char err[256], buf[160];
	int64_t id = to_items(f, "RMA-1");

	station_items_done(f->st);
	for (int i = 0; i < 4; i++)
		station_answer(f->st, "pass");
	run_a_while(f);
	station_answer(f->st, "A");
	run_until_step(f, "confirm");
	assert_int_equal(
	    station_confirm(f->st, "accept", NULL, NULL, err, sizeof(err)), 0);
	run_a_while(f); /* the label is printed */
	station_scan(f->st, "RMA-1", 5);
	snprintf(err, sizeof(err), "RMA-1 was already decided on receipt %lld",
		 (long long)id);
	assert_string_equal(status_text(f, "problem", buf, sizeof(buf)), err);
	assert_string_equal(status_text(f, "step", buf, sizeof(buf)), "scan");
	assert_int_equal(status_receipt(f), 0);
	/* a sign-in during a parcel is the desk's to refuse: 409 */
	station_scan(f->st, "RMA-2", 5);
	assert_int_equal(station_sign_in(f->st, "B-1", NULL, err, sizeof(err)),
			 -EBUSY);
	assert_non_null(strstr(err, "finish or cancel"));
}

/* Stop the station and start it again on the same file, signed in. */
static void restart(struct fixture *f)
{
	char err[256];

	station_free(f->st);
	f->st = NULL;
	assert_int_equal(station_new(&f->cfg, f->ev, &f->st, err, sizeof(err)),
			 0);
}

/* The status's left_open receipt (0: none offered). */
static int64_t left_open(struct fixture *f)
{
	json_t *s = station_status(f->st);
	int64_t id = json_integer_value(
	    json_object_get(json_object_get(s, "left_open"), "receipt"));

	json_decref(s);
	return id;
}

static void a_receipt_left_open_is_offered_and_resumed(void **state)
{
	struct fixture *f = *state;
	char err[256], buf[160];
	int64_t id = to_items(f, "RMA-1");
	json_t *r = NULL;

	/* the station stops with the parcel on the desk */
	restart(f);
	assert_int_equal(left_open(f), id);
	assert_int_equal(station_sign_in(f->st, NULL, "Ola", err, sizeof(err)),
			 0);
	assert_non_null(strstr(status_text(f, "prompt", buf, sizeof(buf)),
			       "was open when the station stopped"));
	/* its code scanned again: the same receipt, not a new one */
	station_scan(f->st, "RMA-1", 5);
	assert_int_equal(status_receipt(f), id);
	assert_int_equal(left_open(f), 0);
	run_until_step(f, "items");
	station_cancel(f->st);

	/* left open again, and this time abandoned by cancel */
	id = to_items(f, "RMA-2");
	restart(f);
	assert_int_equal(left_open(f), id);
	assert_int_equal(station_sign_in(f->st, NULL, "Ola", err, sizeof(err)),
			 0);
	station_cancel(f->st);
	assert_int_equal(left_open(f), 0);
	assert_int_equal(station_return_get(f->st, id, &r), 0);
	assert_string_equal(json_string_value(json_object_get(r, "state")),
			    "cancelled");
	json_decref(r);
	restart(f);
	assert_int_equal(left_open(f), 0);
	assert_int_equal(station_sign_in(f->st, NULL, "Ola", err, sizeof(err)),
			 0);
}

/* An unexpected parcel: the proposal holds it, at the confirm step. */
/* An RMA nobody expects: "not found", then an unexpected return, walked
 * through its items and checklist to its proposal, a hold. */
static int64_t to_a_hold(struct fixture *f)
{
	static const char *const answers[] = {"pass", "done", "A"};
	char err[256], step[32];

	station_scan(f->st, "RMA-9", 5);
	assert_int_equal(station_start_unexpected(f->st, err, sizeof(err)), 0);
	for (int i = 0; i < 60; i++) {
		run_a_while(f);
		status_text(f, "step", step, sizeof(step));
		if (!strcmp(step, "confirm"))
			break;
		if (!strcmp(step, "items"))
			station_items_done(f->st);
		else if (!strcmp(step, "checklist"))
			station_answer(f->st, answers[i % 3]);
	}
	run_until_step(f, "confirm");
	return status_receipt(f);
}

static void overriding_a_refusal_needs_a_supervisor(void **state)
{
	struct fixture *f = *state;
	char err[256], buf[160];
	int64_t id = to_a_hold(f);
	json_t *r = NULL;

	assert_int_equal(station_confirm(f->st, "accept", "found the order",
					 NULL, err, sizeof(err)),
			 -EACCES);
	assert_non_null(strstr(err, "needs a supervisor"));
	/* Ola is a clerk */
	assert_int_equal(station_confirm(f->st, "accept", "found the order",
					 "B-1", err, sizeof(err)),
			 -EACCES);
	assert_non_null(strstr(err, "not a supervisor"));
	/* a supervisor is made only on a supervisor's word */
	assert_int_equal(station_register_clerk(f->st, "S-1", "Ewa",
						"supervisor", NULL, err,
						sizeof(err)),
			 -EACCES);
	assert_non_null(strstr(err, "needs a supervisor"));
	assert_int_equal(station_register_clerk(f->st, "S-1", "Ewa",
						"supervisor", "B-1", err,
						sizeof(err)),
			 -EACCES);
	assert_non_null(strstr(err, "not a supervisor"));
	assert_int_equal(station_register_clerk(f->st, "S-1", "Ewa",
						"supervisor", "B-9", err,
						sizeof(err)),
			 0);
	/* the desk refuses an override without a reason: nothing recorded */
	assert_int_equal(
	    station_confirm(f->st, "accept", NULL, "S-1", err, sizeof(err)),
	    -EPERM);
	assert_string_equal(err, "An override needs a reason");
	assert_string_equal(status_text(f, "step", buf, sizeof(buf)),
			    "confirm");
	assert_int_equal(station_confirm(f->st, "accept", "found the order",
					 "S-1", err, sizeof(err)),
			 0);
	assert_int_equal(station_return_get(f->st, id, &r), 0);
	assert_string_equal(json_string_value(json_object_get(r, "verdict")),
			    "accept");
	assert_string_equal(
	    json_string_value(json_object_get(r, "override_by")), "Ewa");
	assert_string_equal(json_string_value(json_object_get(r, "decided_by")),
			    "Ola");
	json_decref(r);
	/* confirming the hold as it is needs nobody */
	to_a_hold(f);
	assert_int_equal(
	    station_confirm(f->st, "hold", NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(station_register_clerk(f->st, "S-2", "Eve", "boss",
						NULL, err, sizeof(err)),
			 -EINVAL);
}

static void refused_scans_are_in_the_metrics(void **state)
{
	struct fixture *f = *state;

	assert_non_null(strstr(station_metrics(f->st),
			       "\nretour_scans_rejected_total 0\n"));
	station_scan(f->st, "5901234123458", 13); /* wrong check digit */
	station_scan(f->st, "", 0);		  /* no code at all */
	assert_non_null(strstr(station_metrics(f->st),
			       "\nretour_scans_rejected_total 2\n"));
	station_scan(f->st, "RMA-1", 5);
	assert_non_null(strstr(station_metrics(f->st),
			       "\nretour_scans_rejected_total 2\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		evidence_taken_before_the_decision_is_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		a_photo_for_a_cancelled_parcel_answers_nothing, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(a_photo_for_a_skipped_step_is_late,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		a_decided_return_scanned_again_is_not_opened, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		a_receipt_left_open_is_offered_and_resumed, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		overriding_a_refusal_needs_a_supervisor, setup, teardown),
	    cmocka_unit_test_setup_teardown(refused_scans_are_in_the_metrics,
					    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
