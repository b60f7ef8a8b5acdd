/* SPDX-License-Identifier: MIT */
/*
 * The secret book: a value one instance of a connector was given by the
 * shop reaches the other instances of the same section (and only those),
 * once, and is handed to the station to keep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retour/secret_book.h"

struct fake {
	char token[64];
	bool rotated;
	int updates;
};

static int fake_rotated(void *state, const char **key, const char **value)
{
	struct fake *f = state;

	if (!f->rotated)
		return 0;
	f->rotated = false;
	*key = "refresh_token_file";
	*value = f->token;
	return 1;
}

static int fake_update(void *state, const char *key, const char *value)
{
	struct fake *f = state;

	if (strcmp(key, "refresh_token_file"))
		return -22;
	snprintf(f->token, sizeof(f->token), "%s", value);
	f->updates++;
	return 0;
}

static const struct connector fake_ops = {
    .name = "fake",
    .secret_rotated = fake_rotated,
    .secret_update = fake_update,
};

struct kept {
	int n;
	char section[64], key[64], value[64];
};

static void keep(void *ud, const char *section, const char *key,
		 const char *value)
{
	struct kept *k = ud;

	k->n++;
	snprintf(k->section, sizeof(k->section), "%s", section);
	snprintf(k->key, sizeof(k->key), "%s", key);
	snprintf(k->value, sizeof(k->value), "%s", value);
}

static void a_rotated_value_reaches_the_other_instance_once(void **state)
{
	struct kept k = {0};
	struct secret_book *b = secret_book_new(keep, &k);
	struct fake sender = {.token = "R1"}, puller = {.token = "R1"},
		    other = {.token = "X1"};
	struct connector_instance cs = {&fake_ops, &sender},
				  cp = {&fake_ops, &puller},
				  co = {&fake_ops, &other};
	uint64_t seen_s = 0, seen_p = 0, seen_o = 0;

	(void)state;
	assert_non_null(b);
	/* nothing rotated: nothing kept, nothing handed out */
	secret_book_collect(b, "[connector a]", &cs, &seen_s);
	secret_book_refresh(b, "[connector a]", &cp, &seen_p);
	assert_int_equal(k.n, 0);
	assert_int_equal(puller.updates, 0);
	/* the sender's instance is given R2 by the shop */
	snprintf(sender.token, sizeof(sender.token), "R2");
	sender.rotated = true;
	secret_book_collect(b, "[connector a]", &cs, &seen_s);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.section, "[connector a]");
	assert_string_equal(k.key, "refresh_token_file");
	assert_string_equal(k.value, "R2");
	/* the puller's instance of the same section takes it, once */
	secret_book_refresh(b, "[connector a]", &cp, &seen_p);
	assert_string_equal(puller.token, "R2");
	assert_int_equal(puller.updates, 1);
	secret_book_refresh(b, "[connector a]", &cp, &seen_p);
	assert_int_equal(puller.updates, 1);
	/* the sender, which has it, is not handed it back */
	secret_book_refresh(b, "[connector a]", &cs, &seen_s);
	assert_int_equal(sender.updates, 0);
	/* another section is left alone */
	secret_book_refresh(b, "[connector b]", &co, &seen_o);
	assert_string_equal(other.token, "X1");
	/* the puller is given R3: the sender follows */
	snprintf(puller.token, sizeof(puller.token), "R3");
	puller.rotated = true;
	secret_book_collect(b, "[connector a]", &cp, &seen_p);
	assert_int_equal(k.n, 2);
	secret_book_refresh(b, "[connector a]", &cs, &seen_s);
	assert_string_equal(sender.token, "R3");
	secret_book_free(b);
}

static void no_book_and_no_ops_do_nothing(void **state)
{
	static const struct connector bare = {.name = "bare"};
	struct fake f = {.token = "R1", .rotated = true};
	struct connector_instance ci = {&fake_ops, &f}, cb = {&bare, NULL};
	struct secret_book *b = secret_book_new(NULL, NULL);
	uint64_t seen = 0;

	(void)state;
	secret_book_collect(NULL, "[connector a]", &ci, &seen);
	secret_book_refresh(NULL, "[connector a]", &ci, &seen);
	assert_true(f.rotated); /* not asked */
	secret_book_collect(b, "[connector a]", &cb, &seen);
	secret_book_refresh(b, "[connector a]", &cb, &seen);
	secret_book_collect(b, "[connector a]", &ci, &seen); /* no keep */
	assert_false(f.rotated);
	secret_book_free(b);
	secret_book_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_rotated_value_reaches_the_other_instance_once),
	    cmocka_unit_test(no_book_and_no_ops_do_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
