/* SPDX-License-Identifier: MIT */
/*
 * A photo's upload in the store (photo_upload.h): queued with the photo
 * in one write, once per content; the row belongs to no receipt, so an
 * undo neither takes it back nor waits for it; the lanes split the due
 * rows between the shops' sender and the photos'; the backlog counts
 * what waits.
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

#include <cmocka.h>
#include <jansson.h>

#include "retour/outbox.h"
#include "retour/photo_upload.h"
#include "retour/store.h"

#define T0 (INT64_C(1795168800) * USEC_PER_SEC)
#define SHA_A "aa40f0cecd01728162aa77402753a293e315749dc5b68604e91c12a9cb83e677"
#define SHA_B "bb40f0cecd01728162aa77402753a293e315749dc5b68604e91c12a9cb83e677"

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
	int64_t receipt;
};

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct receipt_open ro = {
	    .routine = ROUTINE_RETURN,
	    .desk = "desk-1",
	    .clerk = "anna",
	    .code = "CODE-1",
	    .received_at = T0,
	};
	char err[256];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/retour-phu-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/retour.db", f->dir);
	assert_int_equal(store_open(f->path, &f->s, err, sizeof(err)), 0);
	assert_int_equal(store_receipt_open(f->s, &ro, &f->receipt), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static int photo_rows(struct store *s)
{
	json_t *list = NULL;
	int n = 0;

	assert_int_equal(store_outbox_list(s, NULL, 100, &list), 0);
	for (size_t i = 0; i < json_array_size(list); i++)
		n += !strcmp(json_string_value(json_object_get(
				 json_array_get(list, i), "action")),
			     PHOTO_UPLOAD_ACTION);
	json_decref(list);
	return n;
}

static void upload_is_queued_once_per_content(void **state)
{
	struct fixture *f = *state;
	int64_t waiting, oldest;
	json_t *rec = NULL, *photos;

	assert_int_equal(store_photo_add_upload(f->s, f->receipt, "parcel",
						SHA_A, "/p/a.jpg", 10,
						"d/" SHA_A ".jpg", "anna", T0),
			 0);
	/* the same content again: a second photo, no second upload */
	assert_int_equal(store_photo_add_upload(f->s, f->receipt, "item",
						SHA_A, "/p/a.jpg", 10,
						"d/" SHA_A ".jpg", "anna",
						T0 + 1),
			 0);
	assert_int_equal(store_photo_add_upload(f->s, f->receipt, "item",
						SHA_B, "/p/b.jpg", 11,
						"d/" SHA_B ".jpg", "anna",
						T0 + 2),
			 0);
	/* without a bucket: no upload */
	assert_int_equal(store_photo_add(f->s, f->receipt, "item", SHA_B,
					 "/p/b.jpg", 11, "anna", T0 + 3),
			 0);
	assert_int_equal(photo_rows(f->s), 2);
	assert_int_equal(store_photo_upload_backlog(f->s, &waiting, &oldest),
			 0);
	assert_int_equal(waiting, 2);
	assert_int_equal(oldest, T0);

	assert_int_equal(store_receipt_get(f->s, f->receipt, &rec), 0);
	photos = json_object_get(rec, "photos");
	assert_int_equal(json_array_size(photos), 4);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(photos, 0), "object_key")),
			    "d/" SHA_A ".jpg");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(photos, 1), "upload")),
			    "pending");
	assert_true(json_is_null(
	    json_object_get(json_array_get(photos, 3), "object_key")));
	json_decref(rec);
	/* a bad key is refused, nothing written */
	assert_int_equal(store_photo_add_upload(f->s, f->receipt, "item",
						SHA_B, "/p/b.jpg", 11, "",
						"anna", T0 + 4),
			 -EINVAL);
}

static void lanes_split_the_due_rows(void **state)
{
	struct fixture *f = *state;
	struct outbox_new o = {.action = "return.received",
			       .key = "shop:desk:1:return.received:1",
			       .payload = "{}",
			       .not_before = T0};
	int64_t ids[8], when;
	struct outbox_row row;

	assert_int_equal(store_outbox_queue(f->s, f->receipt, &o, "anna", T0),
			 0);
	assert_int_equal(store_photo_add_upload(f->s, f->receipt, "parcel",
						SHA_A, "/p/a.jpg", 10,
						"d/" SHA_A ".jpg", "anna",
						T0 + 1),
			 0);
	assert_int_equal(store_outbox_due_ids(f->s, T0 + 5, ids, 8), 2);
	store_outbox_set_lane(f->s, OUTBOX_LANE_SHOPS);
	assert_int_equal(store_outbox_due_ids(f->s, T0 + 5, ids, 8), 1);
	assert_int_equal(store_outbox_next_due(f->s, T0 + 5, &row), 0);
	assert_string_equal(row.action, "return.received");
	store_outbox_row_release(&row);
	store_outbox_set_lane(f->s, OUTBOX_LANE_PHOTOS);
	assert_int_equal(store_outbox_due_ids(f->s, T0 + 5, ids, 8), 1);
	assert_int_equal(store_outbox_next_due(f->s, T0 + 5, &row), 0);
	assert_string_equal(row.action, PHOTO_UPLOAD_ACTION);
	assert_int_equal(row.receipt_id, 0); /* no receipt's: undo keeps it */
	assert_non_null(strstr(row.payload, "\"object_key\":\"d/" SHA_A));
	store_outbox_row_release(&row);
	assert_int_equal(store_outbox_next_time(f->s, &when), 0);
	assert_int_equal(when, T0 + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(upload_is_queued_once_per_content,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(lanes_split_the_due_rows, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
