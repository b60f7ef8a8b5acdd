/* SPDX-License-Identifier: MIT */
/*
 * MT-SICS reply parser: every reply a scale sends to SI, the error replies,
 * unit conversion with rounding, and the garbage a serial line produces.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "retour/mtsics.h"

struct mtsics_case {
	const char *line;
	size_t len; /* 0: strlen(line) */
	int ret;
	enum scale_status status;
	int32_t grams;
	const char *detail_has; /* substring of detail, or NULL */
};

static const struct mtsics_case mtsics_cases[] = {
    /* replies to SI */
    {"S S     1234 g", 0, 0, SCALE_STABLE, 1234, "stable"},
    {"S S     1234 g\r\n", 0, 0, SCALE_STABLE, 1234, NULL},
    {"S S     1234 g\n", 0, 0, SCALE_STABLE, 1234, NULL},
    {"S D     1230 g", 0, 0, SCALE_UNSTABLE, 1230, "not yet stable"},
    {"S S      1.234 kg", 0, 0, SCALE_STABLE, 1234, NULL},
    {"S S      0.5 kg", 0, 0, SCALE_STABLE, 500, NULL},
    {"S S    -12 g", 0, 0, SCALE_STABLE, -12, NULL},
    {"S S   +12 g", 0, 0, SCALE_STABLE, 12, NULL},
    {"S S      0.00 g", 0, 0, SCALE_STABLE, 0, NULL},
    {"S S   100.00 g", 0, 0, SCALE_STABLE, 100, NULL},
    /* rounding half away from zero, no floating point */
    {"S S     12.5 g", 0, 0, SCALE_STABLE, 13, NULL},
    {"S S     12.49 g", 0, 0, SCALE_STABLE, 12, NULL},
    {"S S    -12.5 g", 0, 0, SCALE_STABLE, -13, NULL},
    {"S S    -12.4 g", 0, 0, SCALE_STABLE, -12, NULL},
    {"S S   1.2345 kg", 0, 0, SCALE_STABLE, 1235, NULL},
    {"S S   1.23449 kg", 0, 0, SCALE_STABLE, 1234, NULL},
    {"S S   1500 mg", 0, 0, SCALE_STABLE, 2, NULL},
    {"S S   1499 mg", 0, 0, SCALE_STABLE, 1, NULL},
    {"S S  150.000 kg", 0, 0, SCALE_STABLE, 150000, NULL},
    /* status replies */
    {"S +", 0, 0, SCALE_OVERLOAD, 0, "overload"},
    {"S -", 0, 0, SCALE_UNDERLOAD, 0, "underload"},
    {"S I", 0, 0, SCALE_ERROR, 0, "busy"},
    {"ES", 0, 0, SCALE_ERROR, 0, "ES"},
    {"ET", 0, 0, SCALE_ERROR, 0, "ET"},
    {"EL", 0, 0, SCALE_ERROR, 0, "EL"},
    {"EL\r\n", 0, 0, SCALE_ERROR, 0, "EL"},
    /* units we refuse rather than guess */
    {"S S     2.5 lb", 0, -EINVAL, SCALE_ERROR, 0, "unit"},
    {"S S     3 oz", 0, -EINVAL, SCALE_ERROR, 0, "unit"},
    {"S S     3 G", 0, -EINVAL, SCALE_ERROR, 0, "unit"},
    /* garbage */
    {"", 0, -EINVAL, SCALE_ERROR, 0, "empty"},
    {"   ", 0, -EINVAL, SCALE_ERROR, 0, "empty"},
    {"\r\n", 0, -EINVAL, SCALE_ERROR, 0, "empty"},
    {"S", 0, -EINVAL, SCALE_ERROR, 0, "unrecognised"},
    {"S S", 0, -EINVAL, SCALE_ERROR, 0, "unrecognised"},
    {"S S 1234", 0, -EINVAL, SCALE_ERROR, 0, "unrecognised"},
    {"S S 1234 g extra", 0, -EINVAL, SCALE_ERROR, 0, "unrecognised"},
    {"S X 1234 g", 0, -EINVAL, SCALE_ERROR, 0, "unrecognised"},
    {"X S 1234 g", 0, -EINVAL, SCALE_ERROR, 0, "unrecognised"},
    {"SI", 0, -EINVAL, SCALE_ERROR, 0, "unrecognised"},
    {"S Z", 0, -EINVAL, SCALE_ERROR, 0, "unrecognised"},
    {"E", 0, -EINVAL, SCALE_ERROR, 0, "unrecognised"},
    {"S S 12a4 g", 0, -EINVAL, SCALE_ERROR, 0, "bad weight"},
    {"S S 1.2.3 g", 0, -EINVAL, SCALE_ERROR, 0, "bad weight"},
    {"S S - g", 0, -EINVAL, SCALE_ERROR, 0, "bad weight"},
    {"S S . g", 0, -EINVAL, SCALE_ERROR, 0, "bad weight"},
    {"S S --1 g", 0, -EINVAL, SCALE_ERROR, 0, "bad weight"},
    {"S S 1234567890 g", 0, -EINVAL, SCALE_ERROR, 0, "bad weight"},
    {"S S 1.1234567 kg", 0, -EINVAL, SCALE_ERROR, 0, "bad weight"},
    {"S S 999999999 kg", 0, -EINVAL, SCALE_ERROR, 0, "out of range"},
    {"S S 12\x01 g", 0, -EINVAL, SCALE_ERROR, 0, "binary"},
    {"S S\t12 g", 0, -EINVAL, SCALE_ERROR, 0, "binary"},
    {"S S \xff\xfe g", 0, -EINVAL, SCALE_ERROR, 0, "binary"},
    {"S S 12\0 g", 9, -EINVAL, SCALE_ERROR, 0, "binary"},
    /* partial reply, as cut by a timeout */
    {"S S    12", 0, -EINVAL, SCALE_ERROR, 0, NULL},
    {"S S     1234 g\r\nS", 0, -EINVAL, SCALE_ERROR, 0, "binary"},
    /* over-long */
    {"S S                                                            "
     "      1 g",
     0, -EINVAL, SCALE_ERROR, 0, "too long"},
    {"S S                                                          1 g", 0, 0,
     SCALE_STABLE, 1, NULL}, /* exactly 64 bytes */
};

static void test_mtsics_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(mtsics_cases) / sizeof(mtsics_cases[0]); i++) {
		const struct mtsics_case *c = &mtsics_cases[i];
		struct scale_reading r;
		size_t len = c->len ? c->len : strlen(c->line);
		int ret;

		memset(&r, 0x5a, sizeof(r));
		ret = mtsics_parse_line(c->line, len, &r);
		if (ret != c->ret || r.status != c->status)
			fail_msg("case %zu '%s': got %d, status %d, '%s'", i,
				 c->line, ret, (int)r.status, r.detail);
		assert_int_equal(r.status, c->status);
		if (c->status == SCALE_STABLE || c->status == SCALE_UNSTABLE)
			assert_int_equal(r.grams, c->grams);
		assert_non_null(memchr(r.detail, '\0', sizeof(r.detail)));
		if (c->detail_has)
			assert_non_null(strstr(r.detail, c->detail_has));
	}
}

/* The detail goes to the screen: no control byte of the reply in it. */
static void test_mtsics_detail_is_printable(void **state)
{
	struct scale_reading r;
	const char bad[] = "S \x1b[2J\x07 g";
	size_t i;

	assert_int_equal(mtsics_parse_line(bad, sizeof(bad) - 1, &r), -EINVAL);
	for (i = 0; r.detail[i]; i++)
		assert_true(r.detail[i] >= 0x20 && r.detail[i] < 0x7f);
}

static void test_mtsics_null_line(void **state)
{
	struct scale_reading r;

	assert_int_equal(mtsics_parse_line(NULL, 10, &r), -EINVAL);
	assert_int_equal(r.status, SCALE_ERROR);
}

/* Every prefix of a valid reply is either that reply or refused. */
static void test_mtsics_every_prefix(void **state)
{
	const char *full = "S S      1.234 kg";
	struct scale_reading r;
	size_t n;

	for (n = 0; n < strlen(full); n++) {
		int ret = mtsics_parse_line(full, n, &r);

		if (ret == 0) {
			/* "S S      1.234 k" is not one; "S S      1" not */
			fail_msg("prefix %zu accepted: %s", n, r.detail);
		}
		assert_int_equal(r.status, SCALE_ERROR);
	}
	assert_int_equal(mtsics_parse_line(full, n, &r), 0);
	assert_int_equal(r.grams, 1234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mtsics_table),
	    cmocka_unit_test(test_mtsics_detail_is_printable),
	    cmocka_unit_test(test_mtsics_null_line),
	    cmocka_unit_test(test_mtsics_every_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
