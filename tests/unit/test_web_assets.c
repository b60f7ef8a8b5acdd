/* SPDX-License-Identifier: MIT */
/*
 * The screen's files as compiled into retourd (scripts/embed-web.sh): the
 * page is at "/", every file of web/ and Chart.js under /ui/, each with its
 * type, a quoted ETag and a gzip copy that really is gzip; nothing else
 * (a path that climbs, a sub-folder, a name web/ does not have) is found.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/api/static.h"

static void test_the_page_and_its_files(void **state)
{
	static const char *const files[] = {
	    "/ui/index.html", "/ui/app.js", "/ui/style.css",
	    "/ui/i18n.js",    "/ui/kpi.js", "/ui/chart.min.js"};
	const struct web_asset *page = web_asset_find("/");

	(void)state;
	assert_non_null(page);
	assert_string_equal(page->path, "/ui/index.html");
	assert_string_equal(page->content_type, "text/html; charset=utf-8");
	/* the server sets the language here */
	assert_non_null(memmem(page->data, page->size, "lang=\"xx\"", 9));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const struct web_asset *a = web_asset_find(files[i]);

		assert_non_null(a);
		assert_true(a->size > 0);
		assert_true(a->gz_size > 18);
		/* gzip's magic: the copy is what Content-Encoding says */
		assert_int_equal(a->gz[0], 0x1f);
		assert_int_equal(a->gz[1], 0x8b);
		assert_int_equal(a->etag[0], '"');
		assert_int_equal(a->etag[strlen(a->etag) - 1], '"');
	}
	assert_string_equal(web_asset_find("/ui/app.js")->content_type,
			    "text/javascript; charset=utf-8");
}

static void test_nothing_else_is_found(void **state)
{
	(void)state;
	assert_null(web_asset_find("/ui/"));
	assert_null(web_asset_find("/ui/../Makefile"));
	assert_null(web_asset_find("/ui/web/app.js"));
	assert_null(web_asset_find("/app.js"));
	assert_null(web_asset_find("/ui/APP.JS"));
	assert_null(web_asset_find(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_the_page_and_its_files),
	    cmocka_unit_test(test_nothing_else_is_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
