/* SPDX-License-Identifier: MIT */
/*
 * Expected returns from JSON (docs/API.md "An expected return"): the one
 * parser behind POST /api/v1/expected and retourctl's rules cases.
 *
 * Strict on purpose: an unknown field, a string where a number belongs, a
 * fraction in a money amount, a reference too long for the store, a GTIN
 * with a bad check digit are all refused with a message naming the field
 * ("items[0].quantity: expected an integer"), so a shop integration's bug
 * shows up at import instead of as a wrong refund weeks later.  The read-only
 * fields a GET answer adds ("id", "delivered_at_us", "requested_at_us") are
 * ignored so an export can be imported again.
 *
 * It does not store anything and does not judge the return (the rules do).
 */
#ifndef RETOUR_EXPECTED_JSON_H
#define RETOUR_EXPECTED_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "retour/returns.h"
#include "retour/rules.h"

/* Sanity bounds: anything above is a unit mix-up, not a real parcel. */
#define EXPECTED_JSON_MAX_QUANTITY 100000
#define EXPECTED_JSON_MAX_MINOR INT64_C(1000000000000) /* 10^12 */
#define EXPECTED_JSON_MAX_WEIGHT_G 10000000	       /* 10 t */
/* Most expected returns one import may carry. */
#define EXPECTED_JSON_MAX_BATCH 10000

/*
 * Fill @out from the JSON object @obj.  Required: "currency", "items" (1 to
 * RETURN_MAX_ITEMS) and at least one of "rma" and "order" ("order" for a
 * shipment).  "kind" defaults to "withdrawal".  A bare date such as
 * "2026-11-10" in "delivered_at"/"requested_at" is local midnight of that day
 * in @policy's calendar (NULL: rules_policy_defaults()); null or absent
 * means unknown (0).  "delivery_basic" and "unit_price" are accepted as
 * synonyms of the *_minor names (not both).
 *
 * @path prefixes field names in messages ("returns[2]"); NULL or "" for
 * none.  Returns 0, or -EINVAL with a sentence in @err (@out then zeroed).
 */
int expected_json_parse(json_t *obj, const struct rules_policy *policy,
			const char *path, struct expected_return *out,
			char *err, size_t errlen);

/*
 * Parse an import body: one object, an array of objects, or
 * {"returns":[...]}.  All or nothing: on success *@out is a calloc'd array
 * of the returned count (free() it); on failure *@out is NULL and @err names
 * the first bad field with its index.  -EINVAL bad input, -E2BIG more than
 * EXPECTED_JSON_MAX_BATCH, -ENOMEM.  An empty array gives 0 and NULL.
 */
int expected_json_parse_batch(json_t *root, const struct rules_policy *policy,
			      struct expected_return **out, char *err,
			      size_t errlen);

/*
 * A time field: RFC 3339 (Z or offset) or a bare YYYY-MM-DD read as local
 * midnight in @policy's calendar.  0, or -EINVAL.
 */
int expected_json_parse_time(const char *text,
			     const struct rules_policy *policy,
			     int64_t *utc_us);

#endif
