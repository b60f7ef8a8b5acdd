/* SPDX-License-Identifier: MIT */
/*
 * Rules cases for `retourctl rules check`: one JSON file holding an expected
 * return, what was found at the desk, the shop's policy and "now" -- the
 * four inputs of rules_propose() -- and the proposal printed back as text or
 * JSON.
 *
 * The expected return is read by expected_json_parse(), the parser of the
 * daemon's import, so a case file is checked exactly like a shop's push.
 * Nothing here talks to the daemon.
 */
#ifndef RETOUR_CLI_CASE_H
#define RETOUR_CLI_CASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "retour/returns.h"
#include "retour/rules.h"

struct cli_case {
	struct expected_return expected;
	struct inspection found;
	struct rules_policy policy;
	int64_t now;
};

/*
 * Fill @out from a parsed case object.  "policy" overrides
 * rules_policy_defaults() field by field; "found.received_at" defaults to
 * "now"; "found.items[].gtin_matched" defaults to true, the other booleans
 * to false; "found.weighed" defaults to whether "weight_g" is given.
 * 0, or -EINVAL with "expected.items[0].quantity: expected an integer"
 * style text in @err.
 */
int cli_case_parse(json_t *root, struct cli_case *out, char *err,
		   size_t errlen);

/* Read @path ("-": stdin) and parse it; bad JSON is reported with
 * file:line:column.  0 or -errno with a sentence in @err. */
int cli_case_load(const char *path, struct cli_case *out, char *err,
		  size_t errlen);

/* "112.97 PLN" with the currency's minor-unit exponent, integer maths. */
int cli_case_format_money(int64_t minor, const char *currency, char *buf,
			  size_t size);

/* The proposal as an object: verdict, refund_minor, currency, reasons,
 * items, window_ends_at, ... (NULL on allocation failure). */
json_t *cli_case_proposal_json(const struct proposal *p,
			       const struct expected_return *er);

/* The proposal for a person to read. */
void cli_case_proposal_print(FILE *f, const struct proposal *p,
			     const struct expected_return *er);

#endif
