/* SPDX-License-Identifier: MIT */
/* Configuration parsing: what `retourd -n` tells an operator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retour/camera.h"
#include "retour/config.h"
#include "retour/printer.h"
#include "retour/scale.h"

static void test_config_good_station(void **state)
{
	struct config c;
	char err[256] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse_text(&c, "s.conf",
					   "[station]\ndesk = d2\ngrace_s = 5\n"
					   "[shop]\nwithdrawal_days = 30\n"
					   "refund_basic_delivery = no\n"
					   "[clerks]\nCLERK-1 = Ola\n",
					   false, err, sizeof(err)),
			 0);
	assert_string_equal(c.desk, "d2");
	assert_int_equal(c.grace_us, 5 * 1000000);
	assert_int_equal(c.policy.withdrawal_days, 30);
	assert_false(c.policy.refund_basic_delivery);
	assert_int_equal(c.n_clerks, 1);
	assert_string_equal(c.clerks[0].name, "Ola");
}

static void test_config_unknown_key_names_line(void **state)
{
	struct config c;
	char err[256] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(
	    config_parse_text(&c, "s.conf",
			      "[station]\ndesk = d2\n\ngrace = 5\n", false, err,
			      sizeof(err)),
	    -22);
	assert_string_equal(err, "s.conf:4: unknown key 'grace' in section "
				 "[station]");
}

static void test_config_bad_values(void **state)
{
	static const char *const bad[] = {
	    "[station]\ngrace_s = soon\n",
	    "[station]\ngrace_s = -1\n",
	    "[station]\ngrace_s = 99999999999999999999\n",
	    "[shop]\nwithdrawal_days = 7\n", /* below the law */
	    "[shop]\neu_summer_time = maybe\n",
	    "[station]\ndesk = "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	    "[nosuch]\nkey = 1\n",
	    "[station\ndesk = x\n",
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config c;

		config_defaults(&c);
		err[0] = '\0';
		assert_int_equal(config_parse_text(&c, "x.conf", bad[i], false,
						   err, sizeof(err)),
				 -22);
		assert_true(strncmp(err, "x.conf:", 7) == 0);
	}
}

/* Parse @text as a station (or board) file; return the error, "" if fine. */
static const char *parse_problem(const char *text, bool board)
{
	static char err[512];
	struct config c;

	config_defaults(&c);
	err[0] = '\0';
	if (config_parse_text(&c, "x.conf", text, board, err, sizeof(err)) == 0)
		assert_string_equal(err, "");
	else
		assert_true(err[0] != '\0');
	return err;
}

static void test_config_outbox_connectors_and_routes(void **state)
{
	struct config c;
	char err[256] = "";
	const struct config_connector *refunds, *events;

	(void)state;
	config_defaults(&c);
	/* no connector at all: the outbox is kept, not sent */
	assert_null(config_outbox_route(&c, true));
	assert_null(config_outbox_route(&c, false));
	assert_int_equal(
	    config_parse_text(&c, "s.conf",
			      "[outbox]\n"
			      "connector = webhook\n"
			      "url = https://hooks.example/retour\n"
			      "secret_file = /run/credentials/x/hook\n"
			      "refunds = shop\n"
			      "timeout_ms = 5000\n"
			      "[connector shop]\n"
			      "type = webhook\n"
			      "url = https://shop.example/refunds\n"
			      "secret_file = /run/credentials/x/shop\n",
			      false, err, sizeof(err)),
	    0);
	assert_string_equal(err, "");
	assert_int_equal(c.outbox_timeout_ms, 5000);
	refunds = config_outbox_route(&c, true);
	events = config_outbox_route(&c, false);
	assert_non_null(refunds);
	assert_string_equal(refunds->name, "shop");
	assert_string_equal(refunds->type, "webhook");
	assert_int_equal(refunds->settings.n, 2);
	assert_string_equal(refunds->settings.item[0].value,
			    "https://shop.example/refunds");
	assert_int_equal(refunds->settings.item[1].line, 10);
	/* events stay with [outbox]'s own */
	assert_ptr_equal(events, &c.outbox);
	assert_string_equal(events->settings.item[0].key, "url");
	assert_int_equal(events->settings.n, 2);
}

static void test_config_outbox_problems_name_the_line(void **state)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
	    {"[outbox]\nconnector = webhook\nurl = ftp://x\n"
	     "secret_file = /s\n",
	     "x.conf:3: [outbox] url must be an http:// or https:// URL "
	     "without spaces, under 1024 bytes"},
	    {"[outbox]\nurl = http://h/\n",
	     "x.conf:2: [outbox] webhook secret is missing: set secret_file"},
	    {"[outbox]\nconnector = nosuchshop\nurl = http://h/\n",
	     "x.conf:2: [outbox]: unknown connector type 'nosuchshop' (known: "
	     "webhook, shopify, baselinker, allegro, woocommerce)"},
	    {"[outbox]\nurl = http://h/\nsecret_file = /s\ntoken = x\n",
	     "x.conf:4: [outbox] unknown key 'token' for the webhook "
	     "connector (known: url, secret_file)"},
	    {"[outbox]\nrefunds = shop\n",
	     "x.conf:2: [outbox] refunds: no [connector shop] section"},
	    {"[outbox]\nurl = http://h/\nsecret_file = /s\ndevices = ops\n",
	     "x.conf:4: [outbox] devices: no [connector ops] section"},
	    {"[outbox]\ndevices = ops\n[connector ops]\ntype = webhook\n"
	     "url = http://h/\nsecret_file = /s\n",
	     "x.conf:2: [outbox] devices: the outbox sends nothing without "
	     "its refunds and events routes"},
	    {"[outbox]\nrefunds = shop\n[connector shop]\ntype = webhook\n"
	     "url = http://h/\nsecret_file = /s\n",
	     "x.conf:2: [outbox] refunds have a connector but events have "
	     "none: set events = NAME or [outbox]'s own url"},
	    {"[outbox]\nevents = a b\n",
	     "x.conf:2: [outbox] events: name a [connector NAME] section, "
	     "1-31 of A-Z a-z 0-9 . _ -"},
	    {"[connector shop]\n\nurl = http://h/\n",
	     "x.conf:3: [connector shop]: set type = one of: webhook, "
	     "shopify, baselinker, allegro, woocommerce"},
	    {"[connector a b]\ntype = webhook\n",
	     "x.conf:2: [connector NAME]: the name must be 1-31 of A-Z a-z "
	     "0-9 . _ -"},
	    {"[connector shop]\ntype = webhook\nurl = http://h/\n"
	     "secret_file =\n",
	     "x.conf:4: [connector shop] secret_file must name a file"},
	    /* takes = routes a shop's rows: without shop = it routes none */
	    {"[connector a]\ntype = webhook\nurl = http://h/\n"
	     "secret_file = /s\ntakes = refunds\n",
	     "x.conf:5: [connector a] takes: only with shop = NAME (which "
	     "shop's rows it takes); without it, [outbox] refunds/events "
	     "route"},
	    /* one shop's refunds to two connectors */
	    {"[connector a]\ntype = webhook\nurl = http://h/\n"
	     "secret_file = /s\nshop = alpha\n"
	     "[connector b]\ntype = webhook\nurl = http://h/\n"
	     "secret_file = /s\nshop = alpha\ntakes = refunds\n",
	     "x.conf:10: [connector b] shop: [connector a] (x.conf:5) takes "
	     "the refunds of shop alpha already; set takes = on each"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = parse_problem(cases[i].text, false);
		size_t n = strlen(cases[i].err);

		/* "...": the list of connector types goes on (each shop's
		 * connector adds its name) */
		if (n > 3 && !strcmp(cases[i].err + n - 3, "..."))
			assert_memory_equal(got, cases[i].err, n - 3);
		else
			assert_string_equal(got, cases[i].err);
	}
	/* one shop's refunds to one connector and its events to another,
	 * no [outbox] route: fine */
	assert_string_equal(
	    parse_problem("[connector a]\ntype = webhook\nurl = http://h/\n"
			  "secret_file = /s\nshop = alpha\ntakes = refunds\n"
			  "[connector b]\ntype = webhook\nurl = http://h/\n"
			  "secret_file = /s\nshop = alpha\ntakes = events\n",
			  false),
	    "");
	/* both routes to one section, none of [outbox]'s own: fine */
	assert_string_equal(
	    parse_problem("[outbox]\nrefunds = shop\nevents = shop\n"
			  "[connector shop]\ntype = webhook\n"
			  "url = http://h/\nsecret_file = /s\n",
			  false),
	    "");
}

/* Without takes =, a shop's webhook takes its refunds and events, a
 * shop's own API its refunds only (it has nowhere to put an event). */
static void test_config_shop_connector_takes_by_type(void **state)
{
	struct config_connector cc;

	(void)state;
	memset(&cc, 0, sizeof(cc));
	strcpy(cc.shop, "alpha");
	strcpy(cc.type, "webhook");
	cc.takes_refunds = cc.takes_events = true; /* the parser's default */
	assert_true(config_connector_shop_takes(&cc, true));
	assert_true(config_connector_shop_takes(&cc, false));
	strcpy(cc.type, "shopify");
	assert_true(config_connector_shop_takes(&cc, true));
	assert_false(config_connector_shop_takes(&cc, false));
	/* takes = says it */
	cc.takes_line = 4;
	cc.takes_refunds = false;
	assert_false(config_connector_shop_takes(&cc, true));
	assert_true(config_connector_shop_takes(&cc, false));
}

static void test_config_names_are_tokens(void **state)
{
	static const char *const good[] = {
	    "[station]\ndesk = a\n",
	    "[station]\ndesk = Desk_2.back-room\n",
	    "[station]\ndesk = 0123456789012345678901234567890\n", /* 31 */
	    "[shop]\nname = demo\n",
	    "[shop]\nname = shop.example.com\n",
	    "[shop]\nname = ABCDEFGHIJKLMNOPQRSTUVWXYZabcde\n", /* 31 */
	};
	struct config c;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_string_equal(parse_problem(good[i], false), "");

	config_defaults(&c);
	assert_int_equal(config_parse_text(&c, "x.conf",
					   "[station]\ndesk = Desk_2.b-1\n"
					   "[shop]\nname = shop.example\n",
					   false, err, sizeof(err)),
			 0);
	assert_string_equal(c.desk, "Desk_2.b-1");
	assert_string_equal(c.shop, "shop.example");
}

static void test_config_bad_names_are_refused_with_line(void **state)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
	    /* a space, a comma: the outbox key cannot go into a header */
	    {"# a shop\n\n[shop]\nname = demo shop\n",
	     "x.conf:4: [shop] name \"demo shop\": use 1-31 of "
	     "A-Z a-z 0-9 . _ -"},
	    {"[shop]\nname = demo,shop\n",
	     "x.conf:2: [shop] name \"demo,shop\": use 1-31 of "
	     "A-Z a-z 0-9 . _ -"},
	    {"[shop]\nname = demo:eu\n",
	     "x.conf:2: [shop] name \"demo:eu\": use 1-31 of "
	     "A-Z a-z 0-9 . _ -"},
	    {"[shop]\nname =\n",
	     "x.conf:2: [shop] name \"\": use 1-31 of A-Z a-z 0-9 . _ -"},
	    {"[shop]\nname = Caf\xc3\xa9\n",
	     "x.conf:2: [shop] name \"Caf\\xc3\\xa9\": use 1-31 of "
	     "A-Z a-z 0-9 . _ -"},
	    {"[shop]\nname = a\"b\\c\n",
	     "x.conf:2: [shop] name \"a\\\"b\\\\c\": use 1-31 of "
	     "A-Z a-z 0-9 . _ -"},
	    /* 32: one more than the key, the receipt and the label hold */
	    {"[shop]\nname = ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef\n",
	     "x.conf:2: [shop] name \"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef\": "
	     "use 1-31 of A-Z a-z 0-9 . _ -"},
	    {"[station]\ndesk = desk 1\n",
	     "x.conf:2: [station] desk \"desk 1\": use 1-31 of "
	     "A-Z a-z 0-9 . _ -"},
	    {"[station]\ndesk = desk/1\n",
	     "x.conf:2: [station] desk \"desk/1\": use 1-31 of "
	     "A-Z a-z 0-9 . _ -"},
	    {"[station]\ndesk = \n",
	     "x.conf:2: [station] desk \"\": use 1-31 of A-Z a-z 0-9 . _ -"},
	    /* a long value is cut in the message, not the message cut */
	    {"[station]\ndesk = "
	     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	     "\n",
	     "x.conf:2: [station] desk "
	     "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	     "...\": use 1-31 of A-Z a-z 0-9 . _ -"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_string_equal(parse_problem(bad[i].text, false),
				    bad[i].err);
}

static void test_config_values_must_be_utf8(void **state)
{
	static const char *const good[] = {
	    "[station]\nphotos = /srv/zdj\xc4\x99"
	    "cia\n",					   /* ę */
	    "[station]\nphotos = /srv/\xe2\x82\xac\n",	   /* € */
	    "[station]\nphotos = /srv/\xf0\x9f\x93\xa6\n", /* U+1F4E6 */
	    "[station]\nphotos = /srv/\xf4\x8f\xbf\xbf\n", /* U+10FFFF */
	    "[station]\nphotos = /srv/\xed\x9f\xbf\n",	   /* U+D7FF */
	    "[clerks]\nCLERK-1 = Gra\xc5\xbcyna\n",
	};
	static const struct {
		const char *text, *err;
	} bad[] = {
	    {"[station]\nphotos = /srv/\xff\n",
	     "x.conf:2: [station] photos: not valid UTF-8"},
	    {"[station]\nphotos = /srv/\xc3\n", /* cut short */
	     "x.conf:2: [station] photos: not valid UTF-8"},
	    {"[station]\nphotos = /srv/\xe2\x82\n",
	     "x.conf:2: [station] photos: not valid UTF-8"},
	    {"[station]\nphotos = /srv/\x80\n", /* stray continuation */
	     "x.conf:2: [station] photos: not valid UTF-8"},
	    {"[shop]\nrma_pattern = RMA-\xc0\xaf*\n", /* overlong / */
	     "x.conf:2: [shop] rma_pattern: not valid UTF-8"},
	    {"[shop]\nrma_pattern = RMA-\xe0\x80\xaf*\n", /* overlong / */
	     "x.conf:2: [shop] rma_pattern: not valid UTF-8"},
	    {"[shop]\nrma_pattern = \xf0\x80\x80\xaf\n", /* overlong / */
	     "x.conf:2: [shop] rma_pattern: not valid UTF-8"},
	    {"[api]\nsocket = /run/\xed\xa0\x80\n", /* U+D800 */
	     "x.conf:2: [api] socket: not valid UTF-8"},
	    {"[api]\nsocket = /run/\xed\xbf\xbf\n", /* U+DFFF */
	     "x.conf:2: [api] socket: not valid UTF-8"},
	    {"[api]\nsocket = /run/\xf4\x90\x80\x80\n", /* U+110000 */
	     "x.conf:2: [api] socket: not valid UTF-8"},
	    {"[api]\nsocket = /run/\xf5\x80\x80\x80\n",
	     "x.conf:2: [api] socket: not valid UTF-8"},
	    {"[outbox]\nurl = http://h/\xfe\n",
	     "x.conf:2: [outbox] url: not valid UTF-8"},
	    {"[shop]\nname = demo\xff\n",
	     "x.conf:2: [shop] name: not valid UTF-8"},
	    {"[station]\ndesk = d\xe9sk\n", /* Latin-1 é */
	     "x.conf:2: [station] desk: not valid UTF-8"},
	    {"[clerks]\nCLERK-1 = Gra\xbfyna\n", /* Latin-2 ż */
	     "x.conf:2: [clerks] CLERK-1: not valid UTF-8"},
	    {"[clerks]\nCLERK-\xff = Ola\n", /* never printed raw */
	     "x.conf:2: [clerks] badge \"CLERK-\\xff\": use 1-47 of "
	     "A-Z a-z 0-9 . _ -"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_string_equal(parse_problem(good[i], false), "");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_string_equal(parse_problem(bad[i].text, false),
				    bad[i].err);

	/* the board file is held to the same */
	assert_string_equal(parse_problem("[board]\nname = caf\xc3\xa9\n"
					  "[scanner]\npath = /dev/\xc3\xa9\n",
					  true),
			    "");
	assert_string_equal(parse_problem("[board]\nname = rpi4\n"
					  "[scanner]\npath = /dev/tty\xa9\n",
					  true),
			    "x.conf:4: [scanner] path: not valid UTF-8");
}

static void test_config_clerks(void **state)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
	    {"[clerks]\nCLERK 1 = Ola\n",
	     "x.conf:2: [clerks] badge \"CLERK 1\": use 1-47 of "
	     "A-Z a-z 0-9 . _ -"},
	    {"[clerks]\nCLERK,1 = Ola\n",
	     "x.conf:2: [clerks] badge \"CLERK,1\": use 1-47 of "
	     "A-Z a-z 0-9 . _ -"},
	    {"[clerks]\nKLIENT-\xc5\xbc = Ola\n",
	     "x.conf:2: [clerks] badge \"KLIENT-\\xc5\\xbc\": use 1-47 of "
	     "A-Z a-z 0-9 . _ -"},
	    {"[clerks]\n"
	     "CLERK-01234567890123456789012345678901234567890 = Ola\n", /* 47 */
	     NULL},
	    {"[clerks]\n"
	     "CLERK-012345678901234567890123456789012345678901 = Ola\n",
	     "x.conf:2: [clerks] badge "
	     "\"CLERK-012345678901234567890123456789012345678901\": use "
	     "1-47 of A-Z a-z 0-9 . _ -"},
	    {"[clerks]\nCLERK-1 =\n",
	     "x.conf:2: [clerks] CLERK-1: the name must be 1-63 bytes of "
	     "text without control characters"},
	    {"[clerks]\nCLERK-1 = "
	     "Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ol"
	     "\n", /* 62 */
	     NULL},
	    {"[clerks]\nCLERK-1 = "
	     "\xc5\xbb\xc3\xb3\xc5\x82w \xc5\xbb\xc3\xb3\xc5\x82w "
	     "\xc5\xbb\xc3\xb3\xc5\x82w \xc5\xbb\xc3\xb3\xc5\x82w "
	     "\xc5\xbb\xc3\xb3\xc5\x82w \xc5\xbb\xc3\xb3\xc5\x82w "
	     "\xc5\xbb\xc3\xb3\xc5\x82w \xc5\xbb\xc3\xb3\xc5\x82w\n", /* 63 */
	     NULL},
	    {"[clerks]\nCLERK-1 = "
	     "Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-Ola-"
	     "\n", /* 64 */
	     "x.conf:2: [clerks] CLERK-1: the name must be 1-63 bytes of "
	     "text without control characters"},
	    {"[clerks]\nCLERK-1 = Ola\x1b[31m\n",
	     "x.conf:2: control characters in the value of 'CLERK-1'"},
	    {"[clerks]\nCLERK-1 = Ola\xc2\x9b"
	     "31m\n", /* C1 CSI */
	     "x.conf:2: [clerks] CLERK-1: the name must be 1-63 bytes of "
	     "text without control characters"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_string_equal(parse_problem(bad[i].text, false),
				    bad[i].err ? bad[i].err : "");
}

/* A clerk's role after the name: "Name, role"; a name with a comma that
 * is not followed by a role keeps it. */
static void test_config_clerk_roles(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse_text(&c, "x.conf",
					   "[clerks]\nB-1 = Ola\n"
					   "B-2 = Ewa Nowak , supervisor\n"
					   "B-3 = Jan,packer\n"
					   "B-4 = Kowalski, Jan\n"
					   "B-5 = Anna, clerk\n",
					   false, err, sizeof(err)),
			 0);
	assert_int_equal(c.n_clerks, 5);
	assert_string_equal(c.clerks[0].name, "Ola");
	assert_string_equal(c.clerks[0].role, "clerk");
	assert_string_equal(c.clerks[1].name, "Ewa Nowak");
	assert_string_equal(c.clerks[1].role, "supervisor");
	assert_string_equal(c.clerks[2].name, "Jan");
	assert_string_equal(c.clerks[2].role, "packer");
	assert_string_equal(c.clerks[3].name, "Kowalski, Jan");
	assert_string_equal(c.clerks[3].role, "clerk");
	assert_string_equal(c.clerks[4].role, "clerk");
	/* a role alone is no name */
	assert_string_equal(
	    parse_problem("[clerks]\nB-1 = , supervisor\n", false),
	    "x.conf:2: [clerks] B-1: the name must be 1-63 "
	    "bytes of text without control characters");
}

static void test_config_shipped_names_still_load(void **state)
{
	/* conf/sim.conf, conf/retourd.conf, tests/system, scripts/bench.py */
	static const char *const shipped =
	    "[station]\ndesk = sim-desk\n[shop]\nname = demo\n"
	    "[clerks]\nCLERK-0001 = Ola\nCLERK-0002 = Piotr\n";

	(void)state;
	assert_string_equal(parse_problem(shipped, false), "");
	assert_string_equal(parse_problem("[station]\ndesk = desk-1\n"
					  "[shop]\nname = shop\n",
					  false),
			    "");
	assert_string_equal(parse_problem("[station]\ndesk = test-desk\n"
					  "[shop]\nname = bench\n"
					  "[clerks]\nCLERK-0001 = Bench\n",
					  false),
			    "");
}

static void test_config_unknown_key_is_printed_safely(void **state)
{
	(void)state;
	assert_string_equal(parse_problem("[station]\n\x1b[2J = 1\n", false),
			    "x.conf:2: unknown key '\\x1b[2J' in section "
			    "[station]");
	assert_string_equal(parse_problem("[st\xff]\nkey = 1\n", false),
			    "x.conf:1: unknown section [st\\xff] (known: "
			    "station, shop, label, api, outbox, connector "
			    "NAME, photo upload, clerks; the devices are the "
			    "board file's)");
}

static void test_config_board_sections_only_in_board(void **state)
{
	struct config c;
	char err[256] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse_text(&c, "b.conf",
					   "[scale]\nbackend = mtsics\n"
					   "path = /dev/ttyUSB0\n"
					   "[printer]\nport = 9100\n",
					   true, err, sizeof(err)),
			 0);
	assert_string_equal(c.device[DEVICE_SCALE].backend, "mtsics");
	assert_int_equal(c.device[DEVICE_SCALE].backend_line, 2);
	assert_int_equal(c.device[DEVICE_SCALE].settings.n, 1);
	assert_string_equal(c.device[DEVICE_SCALE].settings.item[0].key,
			    "path");
	assert_int_equal(c.device[DEVICE_SCALE].settings.item[0].line, 3);
	assert_string_equal(c.device[DEVICE_SCALE].settings.file, "b.conf");
	/* a station key in a board file is a mistake worth reporting */
	assert_int_equal(config_parse_text(&c, "b.conf",
					   "[station]\ndesk = x\n", true, err,
					   sizeof(err)),
			 -22);
	assert_string_equal(err, "b.conf:1: unknown section [station] in a "
				 "board file (known: board, scanner, scanner "
				 "NAME, scale, printer, camera, gpio)");
	assert_int_equal(config_parse_text(&c, "b.conf",
					   "[printer]\nport = 70000\n", true,
					   err, sizeof(err)),
			 -22);
}

/* What `retourd -n` says about a board that names what is not there. */
static void test_config_device_backends_are_checked(void **state)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
	    {"[board]\nname = b\n[scanner]\nbackend = hid\n",
	     "x.conf:4: unknown scanner backend 'hid' (known: pty, tty, "
	     "fifo, evdev, none)"},
	    {"[scale]\npath = /dev/x\nbackend = hid\n",
	     "x.conf:3: unknown scale backend 'hid' (known: mtsics, "
	     "toledo8217, hidpos, none)"},
	    {"[printer]\nbackend = cups\n",
	     "x.conf:2: unknown printer backend 'cups' (known: tcp, usb, dir, "
	     "none)"},
	    {"[camera]\nbackend = usb\n",
	     "x.conf:2: unknown camera backend 'usb' (known: dir, v4l2, "
	     "frames, none)"},
	    {"[gpio]\nbackend = sysfs\n",
	     "x.conf:2: unknown gpio backend 'sysfs' (known: sim, gpiod, "
	     "none)"},
	    /* the gpiod lines active low: names of lines, each once */
	    {"[gpio]\nbackend = gpiod\nchip = gpiochip0\n"
	     "active_low = accept, pedal,buzer\n",
	     "x.conf:4: 'buzer' in active_low is not a gpio line (accept, "
	     "reject, pedal, parcel, green, amber, red, buzzer)"},
	    {"[gpio]\nactive_low = red,accept,red\nbackend = gpiod\n",
	     "x.conf:2: 'red' is twice in active_low"},
	    {"[gpio]\nbackend = gpiod\nactive_low = accept,\n",
	     "x.conf:3: '' in active_low is not a gpio line (accept, "
	     "reject, pedal, parcel, green, amber, red, buzzer)"},
	    {"[gpio]\nbackend = gpiod\nbell = GPIO5\n",
	     "x.conf:3: unknown key 'bell' for gpio backend 'gpiod' (known: "
	     "chip, debounce_ms, active_low, accept, reject, pedal, parcel, "
	     "green, amber, red, buzzer)"},
	    /* a sim board may keep the gpiod keys, checked all the same */
	    {"[gpio]\nbackend = sim\naccept = BTN_ACCEPT\n"
	     "active_low = accept\n",
	     ""},
	    {"[gpio]\nbackend = sim\nactive_low = everything\n",
	     "x.conf:3: 'everything' in active_low is not a gpio line "
	     "(accept, reject, pedal, parcel, green, amber, red, buzzer)"},
	    /* a key no backend of the kind takes */
	    {"[scanner]\nbackend = tty\npath = /dev/ttyACM0\nflow = rts\n",
	     "x.conf:4: unknown key 'flow' for scanner backend 'tty' (known: "
	     "path, terminator, fnc1, baud)"},
	    /* the evdev scanner's checked values */
	    {"[scanner]\nbackend = evdev\nusb = 0c2e:0b61\nlayout = uk\n",
	     "x.conf:4: unknown layout 'uk' (known: us, pl, de, fr)"},
	    {"[scanner]\nbackend = evdev\nusb = 0c2e:b61\n",
	     "x.conf:3: '0c2e:b61' is not a USB id vendor:product (four hex "
	     "digits each, like 0922:8003), optionally :serial"},
	    {"[scanner]\nbackend = tty\npath = /dev/ttyACM0\n"
	     "terminator = newline\n",
	     "x.conf:4: 'newline' is not a terminator (a list of cr, enter, "
	     "lf, tab, any, a byte 0xNN or one character; or crlf alone)"},
	    {"[camera]\nbackend = none\nexposure = 30\n",
	     "x.conf:3: unknown key 'exposure' for camera backend 'none' "
	     "(known: none)"},
	    /* the camera's frame settings, checked as the board is read */
	    {"[camera]\nbackend = v4l2\ndevice = /dev/video0\nwidth = 5\n",
	     "x.conf:4: '5' is not a whole number from 16 to 8192 for "
	     "'width'"},
	    {"[camera]\nbackend = v4l2\nheight = 1e3\n",
	     "x.conf:3: '1e3' is not a whole number from 16 to 8192 for "
	     "'height'"},
	    {"[camera]\nbackend = v4l2\nformat = bmp\n",
	     "x.conf:3: 'bmp' is not one of yuyv, mjpeg for 'format'"},
	    {"[camera]\nbackend = v4l2\nformat = YUYV\n",
	     "x.conf:3: 'YUYV' is not one of yuyv, mjpeg for 'format'"},
	    {"[camera]\nbackend = v4l2\nfps = 0\n",
	     "x.conf:3: '0' is not a whole number from 1 to 240 for 'fps'"},
	    {"[camera]\nbackend = v4l2\nquality = 101\n",
	     "x.conf:3: '101' is not a whole number from 1 to 100 for "
	     "'quality'"},
	    {"[camera]\nbackend = v4l2\nstream = sometimes\n",
	     "x.conf:3: 'sometimes' is not one of photo, always for 'stream'"},
	    /* a key of the v4l2 camera beside "dir" is checked too */
	    {"[camera]\nbackend = dir\ndir = x\nformat = png\n",
	     "x.conf:4: 'png' is not one of yuyv, mjpeg for 'format'"},
	    {"[camera]\nbackend = dir\ndir = x\nfps = 100\n",
	     "x.conf:4: '100' is not a whole number from 1 to 60 for 'fps'"},
	    {"[camera]\nbackend = frames\nframes = x\nloop = 2\n",
	     "x.conf:4: '2' is not a whole number from 0 to 1 for 'loop'"},
	    /* a value the backend refuses, even before its backend line */
	    {"[printer]\nport = 0\nbackend = tcp\n",
	     "x.conf:2: '0' is not a whole number from 1 to 65535 for 'port'"},
	    {"[scale]\nbackend = mtsics\nreply_timeout_ms = 0\n",
	     "x.conf:3: '0' is not a whole number from 50 to 10000 for "
	     "'reply_timeout_ms'"},
	    {"[gpio]\ndebounce_ms = soon\n",
	     "x.conf:2: 'soon' is not a whole number from 0 to 1000 for "
	     "'debounce_ms'"},
	    {"[scanner]\n\x1b[2J = 1\n",
	     "x.conf:2: unknown key '\\x1b[2J' in section [scanner]"},
	    {"[scanner]\nbackend = a-backend-name-too-long\n",
	     "x.conf:2: value of 'backend' is longer than 15 bytes"},
	    /* several scanners: [scanner NAME] sections, each checked */
	    {"[scanner]\nbackend = pty\n[scanner hand]\nbackend = hid\n",
	     "x.conf:4: [scanner hand] unknown scanner backend 'hid' "
	     "(known: pty, tty, fifo, evdev, none)"},
	    {"[scanner hand]\npath = /dev/ttyACM1\n",
	     "x.conf:1: [scanner hand] unknown scanner backend '' (known: "
	     "pty, tty, fifo, evdev, none)"},
	    {"[scanner hand]\nbackend = tty\nbaud = 1\n",
	     "x.conf:3: [scanner hand] '1' is not a whole number from 1200 to "
	     "921600 for 'baud'"},
	    {"[scanner a b]\nbackend = tty\n",
	     "x.conf:2: [scanner a b]: a scanner's name is 1-31 of A-Z a-z "
	     "0-9 . _ -"},
	    {"[scanner a]\nbackend=none\n[scanner b]\nbackend=none\n"
	     "[scanner c]\nbackend=none\n[scanner d]\nbackend=none\n",
	     "x.conf:8: more than 4 scanners ([scanner] and 3 [scanner NAME] "
	     "sections)"},
	    /* the shipped boards, and a tcp printer's keys beside "dir" */
	    {"[board]\nname = sim\n[scanner]\nbackend = pty\npath = run/s\n"
	     "max_line = 256\n[scale]\nbackend = mtsics\npath = run/scale\n"
	     "stable_timeout_ms = 3000\nreply_timeout_ms = 500\n"
	     "[printer]\nbackend = dir\ndir = run/labels\n"
	     "host = 127.0.0.1\nport = 9100\ntimeout_ms = 2000\n"
	     "[camera]\nbackend = dir\ndir = tests/data/camera\n"
	     "[gpio]\nbackend = sim\ndebounce_ms = 20\n",
	     ""},
	    {"[board]\nname = rpi4\n[scanner]\nbackend = tty\n"
	     "path = /dev/ttyACM0\n[scale]\nbackend = mtsics\n"
	     "path = /dev/ttyUSB0\n[printer]\nbackend = tcp\n"
	     "host = 192.0.2.10\nport = 9100\n[camera]\nbackend = none\n"
	     "[gpio]\nbackend = gpiod\nchip = pinctrl-bcm2711\n"
	     "debounce_ms = 20\naccept = GPIO17\nreject = GPIO27\n"
	     "pedal = GPIO22\nparcel = GPIO23\ngreen = GPIO5\n"
	     "amber = GPIO6\nred = GPIO13\nbuzzer = GPIO19\n"
	     "active_low = accept, reject, pedal, parcel\n",
	     ""},
	    {"[camera]\nbackend = v4l2\ndevice = /dev/video0\nwidth = 1280\n"
	     "height = 720\nformat = mjpeg\nfps = 15\nquality = 90\n"
	     "skip = 5\nstream = always\ntimeout_ms = 3000\n",
	     ""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(parse_problem(cases[i].text, true),
				    cases[i].err);
	/* the list of settings is bounded */
	{
		char text[1024] = "[printer]\n";
		size_t off = strlen(text);

		for (int i = 0; i <= CONFIG_MAX_SETTINGS; i++)
			off += (size_t)snprintf(text + off, sizeof(text) - off,
						"k%d = 1\n", i);
		assert_string_equal(parse_problem(text, true),
				    "x.conf:18: more than 16 settings in "
				    "section [printer]");
	}
	/* device sections are the board file's alone */
	assert_string_equal(parse_problem("[scanner]\nbackend = pty\n", false),
			    "x.conf:1: unknown section [scanner] (known: "
			    "station, shop, label, api, outbox, connector "
			    "NAME, photo upload, clerks; the devices are the "
			    "board file's)");
}

/* The backend's check at open stores the same values it checked. */
static void test_config_device_settings_reach_the_backend(void **state)
{
	struct config c;
	struct printer_config pc = {0};
	struct scale_config sc = {0};
	char err[256] = "";

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.device[DEVICE_SCANNER].backend, "pty");
	assert_string_equal(c.device[DEVICE_GPIO].backend, "sim");
	assert_string_equal(c.device[DEVICE_PRINTER].backend, "none");
	assert_int_equal(
	    config_parse_text(&c, "b.conf",
			      "[printer]\nbackend = dir\ndir = /tmp/labels\n"
			      "port = 9101\n[scale]\nbackend = mtsics\n"
			      "path = /dev/ttyUSB1\nstable_timeout_ms = 700\n",
			      true, err, sizeof(err)),
	    0);
	assert_int_equal(config_device_apply(&c.device[DEVICE_PRINTER],
					     DEVICE_PRINTER, &pc, err,
					     sizeof(err)),
			 0);
	assert_string_equal(pc.dir, "/tmp/labels");
	assert_int_equal(pc.port, 0); /* the tcp backend's, not used by dir */
	assert_int_equal(config_device_apply(&c.device[DEVICE_SCALE],
					     DEVICE_SCALE, &sc, err,
					     sizeof(err)),
			 0);
	assert_string_equal(sc.path, "/dev/ttyUSB1");
	assert_int_equal(sc.stable_timeout_ms, 700);
	assert_int_equal(sc.reply_timeout_ms, 0);

	/* the camera's choices arrive as their enum */
	{
		struct camera_config cc = {0};

		assert_int_equal(
		    config_parse_text(&c, "b.conf",
				      "[camera]\nbackend = v4l2\n"
				      "device = /dev/video2\nformat = mjpeg\n"
				      "stream = always\nwidth = 1280\n"
				      "skip = 3\n",
				      true, err, sizeof(err)),
		    0);
		assert_int_equal(config_device_apply(&c.device[DEVICE_CAMERA],
						     DEVICE_CAMERA, &cc, err,
						     sizeof(err)),
				 0);
		assert_string_equal(cc.device, "/dev/video2");
		assert_int_equal(cc.format, CAMERA_FORMAT_MJPEG);
		assert_int_equal(cc.stream, CAMERA_STREAM_ALWAYS);
		assert_int_equal(cc.width, 1280);
		assert_int_equal(cc.height, 0);
		assert_int_equal(cc.skip, 3);
	}
}

static void test_config_absent_collect(void *ud, const char *problem,
				       bool waits)
{
	char *all = ud;

	assert_true(waits); /* device paths: the daemon takes them later */
	strncat(all, problem, 1023 - strlen(all));
	strncat(all, "\n", 1023 - strlen(all));
}

/* `retourd -n`: each device path that is not there, with its line; the
 * made ones (a pty scanner's link, a label directory) are not asked. */
static void test_config_absent_devices_name_their_line(void **state)
{
	struct config c;
	char err[256] = "", all[1024] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(
	    config_parse_text(
		&c, "b.conf",
		"[scanner]\nbackend = tty\n"
		"path = /dev/ttyACM9-not-here\n"
		"[scale]\nbackend = mtsics\npath = /\n"
		"[printer]\nbackend = dir\n"
		"dir = /nonexistent/labels\n"
		"[camera]\nbackend = dir\ndir = /nonexistent/cam\n",
		true, err, sizeof(err)),
	    0);
	assert_int_equal(
	    config_devices_absent(&c, test_config_absent_collect, all), 2);
	assert_string_equal(all, "b.conf:3: [scanner] no such device "
				 "/dev/ttyACM9-not-here\n"
				 "b.conf:12: [camera] no such device "
				 "/nonexistent/cam\n");
	/* a pty scanner's path is where the daemon links its pty */
	config_defaults(&c);
	assert_int_equal(config_parse_text(&c, "b.conf",
					   "[scanner]\nbackend = pty\n"
					   "path = /nonexistent/scanner\n",
					   true, err, sizeof(err)),
			 0);
	assert_int_equal(config_devices_absent(&c, NULL, NULL), 0);
}

static void test_config_load_missing_file(void **state)
{
	struct config c;
	char err[256] = "";

	(void)state;
	config_defaults(&c);
	assert_true(config_load(&c, "/nonexistent/retourd.conf", NULL, err,
				sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/retourd.conf: cannot open"));
}

static void test_config_label(void **state)
{
	static const struct {
		const char *text, *problem;
	} bad[] = {
	    {"[label]\nsize = A4\n",
	     "x.conf:2: [label] size: 'A4' is not one of 100x50, 4x6"},
	    {"[label]\nsize = 4x6\ndpi = 600\n",
	     "x.conf:3: [label] dpi: '600' is not one of 203, 300"},
	    {"[label]\nbarcode = order\n", "x.conf:2: [label] barcode: 'order' "
					   "is not one of receipt, rma, sscc"},
	    {"[label]\nsymbology = datamatrix\n",
	     "x.conf:2: [label] symbology: 'datamatrix' is not one of "
	     "code128, qr"},
	    {"[label]\n\nfont = 0\n",
	     "x.conf:3: unknown key 'font' in section [label] (known: size, "
	     "dpi, barcode, symbology)"},
	};
	struct config c;
	char err[256] = "";

	(void)state;
	/* the defaults: 100 x 50 mm at 203 dpi, the receipt in the barcode */
	config_defaults(&c);
	assert_int_equal(c.label.layout.size, LABEL_SIZE_100X50);
	assert_int_equal(c.label.layout.dpi, LABEL_DPI_203);
	assert_int_equal(c.label.barcode, LABEL_BARCODE_RECEIPT);
	assert_int_equal(config_parse_text(&c, "s.conf",
					   "[label]\nsize = 4x6\ndpi = 300\n"
					   "barcode = rma\n",
					   false, err, sizeof(err)),
			 0);
	assert_int_equal(c.label.layout.size, LABEL_SIZE_4X6);
	assert_int_equal(c.label.layout.dpi, LABEL_DPI_300);
	assert_int_equal(c.label.barcode, LABEL_BARCODE_RMA);
	assert_int_equal(c.label.layout.symbology, LABEL_SYMBOLOGY_CODE128);
	assert_int_equal(config_parse_text(&c, "s.conf",
					   "[label]\nbarcode = sscc\n"
					   "symbology = qr\n",
					   false, err, sizeof(err)),
			 0);
	assert_int_equal(c.label.barcode, LABEL_BARCODE_SSCC);
	assert_int_equal(c.label.layout.symbology, LABEL_SYMBOLOGY_QR);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_string_equal(parse_problem(bad[i].text, false),
				    bad[i].problem);
}

/* The label language is the board printer's: zpl unless it says tspl. */
static void test_config_printer_language(void **state)
{
	struct config c;
	char err[256] = "";

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.label.layout.language, LABEL_LANGUAGE_ZPL);
	assert_int_equal(config_parse_text(&c, "b.conf",
					   "[printer]\nbackend = tcp\n"
					   "language = tspl\n",
					   true, err, sizeof(err)),
			 0);
	assert_int_equal(c.label.layout.language, LABEL_LANGUAGE_TSPL);
	/* a dir printer takes it too, and a board without it means zpl */
	config_defaults(&c);
	assert_int_equal(config_parse_text(&c, "b.conf",
					   "[printer]\nbackend = dir\n"
					   "dir = x\nlanguage = zpl\n",
					   true, err, sizeof(err)),
			 0);
	assert_int_equal(c.label.layout.language, LABEL_LANGUAGE_ZPL);
	assert_string_equal(
	    parse_problem("[printer]\nbackend = tcp\nlanguage = epl\n", true),
	    "x.conf:3: 'epl' is not one of zpl, tspl for 'language'");
	assert_string_equal(
	    parse_problem("[printer]\nbackend = tcp\nlanguage = ZPL\n", true),
	    "x.conf:3: 'ZPL' is not one of zpl, tspl for 'language'");
	/* no printer: the key is still checked, and unused */
	assert_string_equal(
	    parse_problem("[printer]\nbackend = none\nlanguage = tspl\n", true),
	    "");
	assert_string_equal(
	    parse_problem("[printer]\nbackend = none\nlanguage = x\n", true),
	    "x.conf:3: 'x' is not one of zpl, tspl for 'language'");
}

/* pull_every_s: a type that cannot pull is refused where it is set. */
static void test_config_pull_needs_a_type_that_pulls(void **state)
{
	(void)state;
	assert_string_equal(
	    parse_problem("[outbox]\nrefunds = shop\nevents = shop\n"
			  "[connector shop]\ntype = webhook\n"
			  "url = http://h/\nsecret_file = /s\nshop = demo\n"
			  "pull_every_s = 60\n",
			  false),
	    "x.conf:9: [connector shop] pull_every_s: type webhook cannot "
	    "pull expected returns");
	assert_string_equal(
	    parse_problem("[outbox]\nrefunds = shop\nevents = shop\n"
			  "[connector shop]\ntype = webhook\n"
			  "url = http://h/\nsecret_file = /s\n"
			  "pull_every_s = 0\n",
			  false),
	    "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_good_station),
	    cmocka_unit_test(test_config_unknown_key_names_line),
	    cmocka_unit_test(test_config_bad_values),
	    cmocka_unit_test(test_config_shop_connector_takes_by_type),
	    cmocka_unit_test(test_config_names_are_tokens),
	    cmocka_unit_test(test_config_bad_names_are_refused_with_line),
	    cmocka_unit_test(test_config_values_must_be_utf8),
	    cmocka_unit_test(test_config_clerks),
	    cmocka_unit_test(test_config_clerk_roles),
	    cmocka_unit_test(test_config_shipped_names_still_load),
	    cmocka_unit_test(test_config_unknown_key_is_printed_safely),
	    cmocka_unit_test(test_config_board_sections_only_in_board),
	    cmocka_unit_test(test_config_device_backends_are_checked),
	    cmocka_unit_test(test_config_device_settings_reach_the_backend),
	    cmocka_unit_test(test_config_absent_devices_name_their_line),
	    cmocka_unit_test(test_config_load_missing_file),
	    cmocka_unit_test(test_config_outbox_connectors_and_routes),
	    cmocka_unit_test(test_config_outbox_problems_name_the_line),
	    cmocka_unit_test(test_config_label),
	    cmocka_unit_test(test_config_printer_language),
	    cmocka_unit_test(test_config_pull_needs_a_type_that_pulls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
