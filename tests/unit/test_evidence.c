/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the dispute pack (include/retour/evidence.h): a receipt
 * with a photo in a real store, its audit entries' hashes recomputed, the
 * pack's model, the PDF, and the ZIP written, verified and tampered with.
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
#include <unistd.h>

#include <cairo.h>
#include <cmocka.h>

#include "retour/evidence.h"
#include "retour/photo.h"
#include "retour/store.h"

#define NOW 1764000000000000LL

struct ev_fixture {
	char dir[64];
	struct store *s;
	int64_t rid;
	unsigned char *jpeg;
	size_t jpeg_len;
	char sha[65];
};

static int ev_rm(const char *path, const struct stat *sb, int flag,
		 struct FTW *ftw)
{
	return remove(path);
}

static unsigned char *ev_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = malloc(1 << 20);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static int ev_setup(void **state)
{
	struct ev_fixture *fx = calloc(1, sizeof(*fx));
	struct receipt_open ro = {.routine = ROUTINE_RETURN,
				  .received_at = NOW};
	char db[128], err[256];

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/retour-evidence-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(db, sizeof(db), "%s/retour.db", fx->dir);
	assert_int_equal(store_open(db, &fx->s, err, sizeof(err)), 0);
	snprintf(ro.desk, sizeof(ro.desk), "desk-1");
	snprintf(ro.clerk, sizeof(ro.clerk), "Zofia Łęcka");
	snprintf(ro.code, sizeof(ro.code), "RMA-1");
	assert_int_equal(store_receipt_open(fx->s, &ro, &fx->rid), 0);
	fx->jpeg = ev_read("tests/data/camera/parcel-red.jpg", &fx->jpeg_len);
	photo_sha256_hex(fx->jpeg, fx->jpeg_len, fx->sha);
	assert_int_equal(
	    store_photo_add(fx->s, fx->rid, "parcel", fx->sha, "/nowhere/x.jpg",
			    (int64_t)fx->jpeg_len, "Zofia", NOW + 1),
	    0);
	assert_int_equal(store_checklist_answer(fx->s, fx->rid, "apparel", 1,
						"stains", "pass", "Zofia",
						NOW + 2),
			 0);
	*state = fx;
	return 0;
}

static int ev_teardown(void **state)
{
	struct ev_fixture *fx = *state;

	store_close(fx->s);
	nftw(fx->dir, ev_rm, 8, FTW_DEPTH | FTW_PHYS);
	free(fx->jpeg);
	free(fx);
	return 0;
}

/* The record's audit entries hash as the chain does. */
static void test_record_and_hashes(void **state)
{
	struct ev_fixture *fx = *state;
	json_t *rec = NULL, *a;
	char hash[65];
	size_t i;

	assert_int_equal(store_evidence_get(fx->s, 999, &rec), -ENOENT);
	assert_int_equal(store_evidence_get(fx->s, fx->rid, &rec), 0);
	assert_true(json_array_size(json_object_get(rec, "audit")) >= 3);
	json_array_foreach(json_object_get(rec, "audit"), i, a)
	{
		assert_int_equal(
		    evidence_audit_hash(
			json_string_value(json_object_get(a, "prev_hash")),
			json_integer_value(json_object_get(a, "id")),
			json_integer_value(json_object_get(a, "at_us")),
			json_string_value(json_object_get(a, "actor")),
			json_string_value(json_object_get(a, "action")),
			json_string_value(json_object_get(a, "subject")),
			json_string_value(json_object_get(a, "detail")),
			json_string_value(json_object_get(a, "detail_sha256")),
			hash),
		    0);
		assert_string_equal(
		    hash, json_string_value(json_object_get(a, "hash")));
	}
	assert_int_equal(
	    evidence_audit_hash("zz", 1, 1, "", "", "", NULL, NULL, hash),
	    -EINVAL);
	json_decref(rec);
}

/* The model, the PDF and the ZIP round trip; tampering is named. */
static void test_pack_pdf_zip(void **state)
{
	struct ev_fixture *fx = *state;
	struct evidence_photo_bytes bytes = {fx->jpeg, fx->jpeg_len};
	struct evidence_pack *pack = NULL;
	struct evidence_check c;
	unsigned char *pdf = NULL, *zip = NULL;
	size_t pdf_len, zip_len;
	json_t *rec = NULL, *m;
	char err[256] = "", *text;
	bool saw_photo = false;

	assert_int_equal(store_evidence_get(fx->s, fx->rid, &rec), 0);
	assert_int_equal(
	    evidence_pack_build(rec, NULL, 0, NOW, &pack, err, sizeof(err)), 0);
	assert_int_equal(pack->n_photos, 1);
	assert_string_equal(pack->photos[0].sha256, fx->sha);
	assert_true(pack->photos[0].audit_entry > 0);
	for (int i = 0; i < pack->n_blocks; i++)
		saw_photo |= pack->blocks[i].kind == EVIDENCE_PHOTO;
	assert_true(saw_photo);

	assert_int_equal(
	    evidence_pdf_render(pack, &bytes, &pdf, &pdf_len, err, sizeof(err)),
	    0);
	assert_true(pdf_len > 1000);
	assert_memory_equal(pdf, "%PDF-", 5);
	/* the JPEG is in the PDF as it is */
	assert_non_null(memmem(pdf, pdf_len, fx->jpeg, fx->jpeg_len));
	free(pdf);

	m = evidence_manifest(rec, pack);
	assert_non_null(m);
	text = json_dumps(m, 0);
	assert_int_equal(evidence_zip_write(pack, &bytes, text, &zip, &zip_len,
					    err, sizeof(err)),
			 0);
	assert_int_equal(evidence_zip_verify(zip, zip_len, &c), 0);
	assert_int_equal(c.photos_checked, 1);
	assert_int_equal(c.n_problems, 0);
	/* the station's own record agrees */
	assert_true(evidence_manifest_against(&c, rec) > 0);
	assert_int_equal(c.n_problems, 0);
	evidence_check_release(&c);

	/* the photo's bytes changed inside the (stored) ZIP */
	{
		unsigned char *hit = memmem(zip, zip_len, fx->jpeg + 100, 16);

		assert_non_null(hit);
		hit[0] ^= 1;
		assert_int_equal(evidence_zip_verify(zip, zip_len, &c),
				 -EBADMSG);
		assert_true(c.n_problems >= 1);
		assert_non_null(strstr(c.problems[0], pack->photos[0].file));
		evidence_check_release(&c);
		hit[0] ^= 1;
	}
	free(zip);
	free(text);

	/* the manifest names another hash: its audit entry says otherwise */
	json_object_set_new(json_array_get(json_object_get(m, "photos"), 0),
			    "sha256",
			    json_string("00000000000000000000000000"
					"00000000000000000000000000"
					"000000000000"));
	text = json_dumps(m, 0);
	assert_int_equal(evidence_zip_write(pack, &bytes, text, &zip, &zip_len,
					    err, sizeof(err)),
			 0);
	assert_int_equal(evidence_zip_verify(zip, zip_len, &c), -EBADMSG);
	assert_non_null(strstr(c.problems[0], pack->photos[0].file));
	evidence_check_release(&c);
	free(zip);
	free(text);
	json_decref(m);
	evidence_pack_free(pack);
	json_decref(rec);
}

/* A photo gone from the station: listed, not drawn, not in the ZIP. */
static void test_missing_photo(void **state)
{
	struct ev_fixture *fx = *state;
	struct evidence_photo_bytes none = {NULL, 0};
	enum evidence_photo_state gone = EVIDENCE_PHOTO_MISSING;
	struct evidence_pack *pack = NULL;
	struct evidence_check c;
	unsigned char *pdf = NULL, *zip = NULL;
	size_t pdf_len, zip_len;
	json_t *rec = NULL, *m;
	char err[256] = "", *text;

	assert_int_equal(store_evidence_get(fx->s, fx->rid, &rec), 0);
	assert_int_equal(
	    evidence_pack_build(rec, &gone, 1, NOW, &pack, err, sizeof(err)),
	    0);
	assert_int_equal(
	    evidence_pdf_render(pack, &none, &pdf, &pdf_len, err, sizeof(err)),
	    0);
	free(pdf);
	m = evidence_manifest(rec, pack);
	text = json_dumps(m, 0);
	assert_int_equal(evidence_zip_write(pack, &none, text, &zip, &zip_len,
					    err, sizeof(err)),
			 0);
	assert_int_equal(evidence_zip_verify(zip, zip_len, &c), 0);
	assert_int_equal(c.photos_absent, 1);
	evidence_check_release(&c);
	free(zip);
	free(text);
	json_decref(m);
	evidence_pack_free(pack);
	json_decref(rec);
}

/* Bytes that are no pack: a sentence, never a crash. */
static void test_not_a_pack(void **state)
{
	static const char *const junk[] = {"", "PK\003\004", "hello",
					   "PK\005\006\0\0\0\0\0\0\0\0\0\0"
					   "\0\0\0\0\0\0"};
	static const char eocd[22] = "PK\005\006";
	struct evidence_check c;

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		assert_int_equal(
		    evidence_zip_verify(junk[i], strlen(junk[i]), &c), -EINVAL);
		assert_true(c.n_problems >= 1);
		assert_true(strlen(c.problems[0]) > 5);
		evidence_check_release(&c);
	}
	/* an empty archive (its end record alone): a ZIP, but no pack */
	assert_int_equal(evidence_zip_verify(eocd, sizeof(eocd), &c), -EINVAL);
	assert_non_null(strstr(c.problems[0], "manifest.json"));
	evidence_check_release(&c);
}

/* Text that is not UTF-8 (a cut label field) is made drawable. */
static void test_model_text_is_utf8(void **state)
{
	json_t *rec = json_pack(
	    "{s:{s:i,s:s,s:[{s:s,s:s}],s:[],s:[],s:[],s:[],s:[]},s:n,s:[]}",
	    "receipt", "id", 7, "routine", "ship_qc", "labels", "zpl",
	    "^FO1,1^FH_^FDZ_C5_81ota_C5^FS", "created_at", "x", "photos",
	    "items", "checklist", "notes", "outbox", "expected", "audit");
	struct evidence_pack *pack = NULL;
	char err[64];
	bool found = false;

	assert_non_null(rec);
	assert_int_equal(
	    evidence_pack_build(rec, NULL, 0, NOW, &pack, err, sizeof(err)), 0);
	assert_non_null(strstr(pack->title, "shipment"));
	for (int i = 0; i < pack->n_blocks; i++)
		if (pack->blocks[i].text &&
		    strstr(pack->blocks[i].text, "ZŁota?")) {
			found = true;
		}
	assert_true(found);
	evidence_pack_free(pack);
	json_decref(rec);
	assert_int_equal(evidence_pack_build(json_null(), NULL, 0, NOW, &pack,
					     err, sizeof(err)),
			 -EINVAL);
}

/* fontconfig keeps a few blocks of the font it found until FcFini(), which
 * only its owner may call: not the pack's leaks (make SANITIZE=1 unit). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_record_and_hashes, ev_setup,
					    ev_teardown),
	    cmocka_unit_test_setup_teardown(test_pack_pdf_zip, ev_setup,
					    ev_teardown),
	    cmocka_unit_test_setup_teardown(test_missing_photo, ev_setup,
					    ev_teardown),
	    cmocka_unit_test(test_not_a_pack),
	    cmocka_unit_test(test_model_text_is_utf8),
	};

	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	/* cairo's font caches, kept for the process's life, let go so that
	 * the sanitizer build's leak check sees only what the pack leaks */
	cairo_debug_reset_static_data();
	return failed;
}
