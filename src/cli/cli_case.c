/* SPDX-License-Identifier: MIT */
/*
 * Rules cases: a JSON file -> the inputs of rules_propose(), and the
 * proposal -> text or JSON.  Used by `retourctl rules check` so a support
 * engineer can replay a disputed decision off the desk, and by the tests.
 *
 * Strict like the import parser: unknown fields and wrong types are errors
 * naming the field.  The rules themselves are not duplicated here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli_case.h"
#include "retour/civil_time.h"
#include "retour/expected_json.h"

#define CLI_CASE_FIELD_LEN 96

static int __attribute__((format(printf, 4, 5)))
cli_case_fail(char *err, size_t errlen, const char *field, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", field, why);
	return -EINVAL;
}

static const char *cli_case_type_name(const json_t *v)
{
	if (json_is_object(v))
		return "an object";
	if (json_is_array(v))
		return "an array";
	if (json_is_string(v))
		return "a string";
	if (json_is_integer(v))
		return "an integer";
	if (json_is_real(v))
		return "a number with a fraction";
	if (json_is_boolean(v))
		return "a boolean";
	return "null";
}

static int cli_case_only_keys(json_t *obj, const char *prefix,
			      const char *const *allowed, char *err,
			      size_t errlen)
{
	const char *key;
	json_t *value;

	json_object_foreach(obj, key, value)
	{
		char field[CLI_CASE_FIELD_LEN];
		bool known = false;

		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				known = true;
		if (known)
			continue;
		snprintf(field, sizeof(field), "%s%.50s", prefix, key);
		return cli_case_fail(err, errlen, field, "unknown field");
	}
	return 0;
}

static int cli_case_int(json_t *obj, const char *key, const char *prefix,
			int64_t lo, int64_t hi, int *out, char *err,
			size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	char field[CLI_CASE_FIELD_LEN];

	if (!v)
		return 0;
	snprintf(field, sizeof(field), "%s%s", prefix, key);
	if (!json_is_integer(v))
		return cli_case_fail(err, errlen, field,
				     "expected an integer, got %s",
				     cli_case_type_name(v));
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return cli_case_fail(err, errlen, field,
				     "%lld is out of range (%lld to %lld)",
				     (long long)json_integer_value(v),
				     (long long)lo, (long long)hi);
	*out = (int)json_integer_value(v);
	return 0;
}

static int cli_case_bool(json_t *obj, const char *key, const char *prefix,
			 bool *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	char field[CLI_CASE_FIELD_LEN];

	if (!v)
		return 0;
	if (!json_is_boolean(v)) {
		snprintf(field, sizeof(field), "%s%s", prefix, key);
		return cli_case_fail(err, errlen, field,
				     "expected true or false, got %s",
				     cli_case_type_name(v));
	}
	*out = json_is_true(v);
	return 0;
}

static int cli_case_time(json_t *v, const char *field,
			 const struct rules_policy *policy, int64_t *out,
			 char *err, size_t errlen)
{
	if (!json_is_string(v))
		return cli_case_fail(err, errlen, field,
				     "expected an RFC 3339 time or a date "
				     "YYYY-MM-DD, got %s",
				     v ? cli_case_type_name(v) : "nothing");
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    expected_json_parse_time(json_string_value(v), policy, out) < 0)
		return cli_case_fail(err, errlen, field,
				     "\"%.40s\" is not an RFC 3339 time or a "
				     "date YYYY-MM-DD",
				     json_string_value(v));
	return 0;
}

static int cli_case_policy(json_t *obj, struct rules_policy *p, char *err,
			   size_t errlen)
{
	static const char *const allowed[] = {
	    "withdrawal_days",	     "complaint_answer_days",
	    "warranty_months",	     "weight_tolerance_g",
	    "weight_tolerance_pct",  "deduction_bp",
	    "refund_basic_delivery", "utc_offset_min",
	    "eu_summer_time",	     NULL,
	};
	static const char *const grades[] = {"none", "A",     "B",
					     "C",    "scrap", NULL};
	const char *pre = "policy.";
	json_t *bp;
	int r;

	rules_policy_defaults(p);
	if (!obj)
		return 0;
	if (!json_is_object(obj))
		return cli_case_fail(err, errlen, "policy",
				     "expected an object, got %s",
				     cli_case_type_name(obj));
	r = cli_case_only_keys(obj, pre, allowed, err, errlen);
	if (r == 0)
		r = cli_case_int(obj, "withdrawal_days", pre, 0, INT32_MAX,
				 &p->withdrawal_days, err, errlen);
	if (r == 0)
		r = cli_case_int(obj, "complaint_answer_days", pre, 0,
				 INT32_MAX, &p->complaint_answer_days, err,
				 errlen);
	if (r == 0)
		r = cli_case_int(obj, "warranty_months", pre, 0, INT32_MAX,
				 &p->warranty_months, err, errlen);
	if (r == 0)
		r = cli_case_int(obj, "weight_tolerance_g", pre, 0, INT32_MAX,
				 &p->weight_tolerance_g, err, errlen);
	if (r == 0)
		r = cli_case_int(obj, "weight_tolerance_pct", pre, 0, INT32_MAX,
				 &p->weight_tolerance_pct, err, errlen);
	if (r == 0)
		r = cli_case_int(obj, "utc_offset_min", pre, -24 * 60, 24 * 60,
				 &p->utc_offset_min, err, errlen);
	if (r == 0)
		r = cli_case_bool(obj, "refund_basic_delivery", pre,
				  &p->refund_basic_delivery, err, errlen);
	if (r == 0)
		r = cli_case_bool(obj, "eu_summer_time", pre,
				  &p->eu_summer_time, err, errlen);
	if (r < 0)
		return r;

	bp = json_object_get(obj, "deduction_bp");
	if (!bp)
		return 0;
	if (!json_is_object(bp))
		return cli_case_fail(err, errlen, "policy.deduction_bp",
				     "expected an object like {\"B\":1000}, "
				     "got %s",
				     cli_case_type_name(bp));
	r = cli_case_only_keys(bp, "policy.deduction_bp.", grades, err, errlen);
	for (int g = GRADE_NONE; r == 0 && g <= GRADE_SCRAP; g++)
		r = cli_case_int(bp, grades[g], "policy.deduction_bp.", 0,
				 10000, &p->deduction_bp[g], err, errlen);
	return r;
}

static int cli_case_found_item(json_t *obj, int index, struct found_item *fi,
			       char *err, size_t errlen)
{
	static const char *const allowed[] = {
	    "quantity", "gtin_matched",		"seal_broken", "buyer_damage",
	    "defect",	"handled_beyond_trial", "grade",       NULL,
	};
	char pre[32], field[CLI_CASE_FIELD_LEN];
	json_t *grade;
	int quantity = -1;
	int r;

	snprintf(pre, sizeof(pre), "found.items[%d].", index);
	if (!json_is_object(obj)) {
		snprintf(field, sizeof(field), "found.items[%d]", index);
		return cli_case_fail(err, errlen, field,
				     "expected an object, got %s",
				     cli_case_type_name(obj));
	}
	fi->gtin_matched = true;
	r = cli_case_only_keys(obj, pre, allowed, err, errlen);
	if (r == 0)
		r = cli_case_int(obj, "quantity", pre, 0, INT32_MAX, &quantity,
				 err, errlen);
	if (r == 0 && quantity < 0) {
		snprintf(field, sizeof(field), "%squantity", pre);
		r = cli_case_fail(err, errlen, field, "missing");
	}
	if (r < 0)
		return r;
	fi->quantity = quantity;
	r = cli_case_bool(obj, "gtin_matched", pre, &fi->gtin_matched, err,
			  errlen);
	if (r == 0)
		r = cli_case_bool(obj, "seal_broken", pre, &fi->seal_broken,
				  err, errlen);
	if (r == 0)
		r = cli_case_bool(obj, "buyer_damage", pre, &fi->buyer_damage,
				  err, errlen);
	if (r == 0)
		r = cli_case_bool(obj, "defect", pre, &fi->defect, err, errlen);
	if (r == 0)
		r = cli_case_bool(obj, "handled_beyond_trial", pre,
				  &fi->handled_beyond_trial, err, errlen);
	if (r < 0)
		return r;

	fi->grade = GRADE_NONE;
	grade = json_object_get(obj, "grade");
	if (!grade || json_is_null(grade))
		return 0;
	snprintf(field, sizeof(field), "%sgrade", pre);
	if (!json_is_string(grade))
		return cli_case_fail(err, errlen, field,
				     "expected \"A\", \"B\", \"C\", \"scrap\" "
				     "or null, got %s",
				     cli_case_type_name(grade));
	r = grade_from_name(json_string_value(grade));
	if (r < 0)
		return cli_case_fail(err, errlen, field,
				     "\"%.20s\" is not A, B, C, scrap or none",
				     json_string_value(grade));
	fi->grade = (enum grade)r;
	return 0;
}

static int cli_case_found(json_t *obj, struct cli_case *c, char *err,
			  size_t errlen)
{
	static const char *const allowed[] = {
	    "weighed",	   "weight_g", "photographed", "wrong_item",
	    "received_at", "items",    NULL,
	};
	struct inspection *found = &c->found;
	json_t *items, *item;
	int weight = -1;
	size_t i;
	int r;

	if (!obj)
		return cli_case_fail(err, errlen, "found", "missing");
	if (!json_is_object(obj))
		return cli_case_fail(err, errlen, "found",
				     "expected an object, got %s",
				     cli_case_type_name(obj));
	r = cli_case_only_keys(obj, "found.", allowed, err, errlen);
	if (r == 0)
		r = cli_case_int(obj, "weight_g", "found.", 0, INT32_MAX,
				 &weight, err, errlen);
	if (r < 0)
		return r;
	found->weighed = weight >= 0;
	found->weight_g = weight >= 0 ? weight : 0;
	r = cli_case_bool(obj, "weighed", "found.", &found->weighed, err,
			  errlen);
	if (r == 0)
		r = cli_case_bool(obj, "photographed", "found.",
				  &found->photographed, err, errlen);
	if (r == 0)
		r = cli_case_bool(obj, "wrong_item", "found.",
				  &found->wrong_item, err, errlen);
	if (r < 0)
		return r;
	found->received_at = c->now;
	if (json_object_get(obj, "received_at")) {
		r = cli_case_time(json_object_get(obj, "received_at"),
				  "found.received_at", &c->policy,
				  &found->received_at, err, errlen);
		if (r < 0)
			return r;
	}

	items = json_object_get(obj, "items");
	if (!items)
		return cli_case_fail(err, errlen, "found.items", "missing");
	if (!json_is_array(items))
		return cli_case_fail(err, errlen, "found.items",
				     "expected an array, got %s",
				     cli_case_type_name(items));
	if (json_array_size(items) > RETURN_MAX_ITEMS)
		return cli_case_fail(err, errlen, "found.items",
				     "%zu items (at most %d)",
				     json_array_size(items), RETURN_MAX_ITEMS);
	json_array_foreach(items, i, item)
	{
		r = cli_case_found_item(item, (int)i, &found->items[i], err,
					errlen);
		if (r < 0)
			return r;
	}
	found->n_items = (int)json_array_size(items);
	return 0;
}

/* An array of @n_max counts at before.@key, each 0..@hi. */
static int cli_case_counts(json_t *obj, const char *key, int n_max, int64_t hi,
			   int32_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key), *n;
	char field[CLI_CASE_FIELD_LEN];
	size_t i;

	if (!v)
		return 0;
	snprintf(field, sizeof(field), "before.%s", key);
	if (!json_is_array(v))
		return cli_case_fail(err, errlen, field,
				     "expected an array of integers, got %s",
				     cli_case_type_name(v));
	if (json_array_size(v) > (size_t)n_max)
		return cli_case_fail(err, errlen, field,
				     "%zu entries (at most %d)",
				     json_array_size(v), n_max);
	json_array_foreach(v, i, n)
	{
		snprintf(field, sizeof(field), "before.%s[%zu]", key, i);
		if (!json_is_integer(n) || json_integer_value(n) < 0 ||
		    json_integer_value(n) > hi)
			return cli_case_fail(err, errlen, field,
					     "expected an integer 0 to %lld",
					     (long long)hi);
		out[i] = (int32_t)json_integer_value(n);
	}
	return 0;
}

/*
 * What earlier receipts of the return and its order took back, as the
 * station's record would say (returns.h, struct return_before):
 * {"item_refunded":[1,0], "order_returned":[1,0,2],
 *  "delivery_refunded_minor":1299, "refused":false}.
 */
static int cli_case_before(json_t *obj, struct expected_return *er, char *err,
			   size_t errlen)
{
	static const char *const allowed[] = {"item_refunded", "order_returned",
					      "delivery_refunded_minor",
					      "refused", NULL};
	struct return_before *b = &er->before;
	json_t *v;
	int r;

	if (!obj)
		return 0;
	if (!json_is_object(obj))
		return cli_case_fail(err, errlen, "before",
				     "expected an object, got %s",
				     cli_case_type_name(obj));
	r = cli_case_only_keys(obj, "before.", allowed, err, errlen);
	if (r == 0)
		r = cli_case_counts(obj, "item_refunded", RETURN_MAX_ITEMS,
				    INT32_MAX, b->item_refunded, err, errlen);
	if (r == 0)
		r = cli_case_counts(obj, "order_returned",
				    RETURN_MAX_ORDER_LINES, INT32_MAX,
				    b->order_returned, err, errlen);
	if (r == 0)
		r = cli_case_bool(obj, "refused", "before.", &b->refused, err,
				  errlen);
	if (r < 0)
		return r;
	v = json_object_get(obj, "delivery_refunded_minor");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > EXPECTED_JSON_MAX_MINOR)
			return cli_case_fail(
			    err, errlen, "before.delivery_refunded_minor",
			    "expected an integer 0 to %lld",
			    (long long)EXPECTED_JSON_MAX_MINOR);
		b->delivery_refunded_minor = json_integer_value(v);
	}
	b->n_receipts = 1;
	return 0;
}

int cli_case_parse(json_t *root, struct cli_case *out, char *err, size_t errlen)
{
	static const char *const allowed[] = {
	    "expected", "found", "policy", "now", "comment", "before", NULL};
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!json_is_object(root))
		return cli_case_fail(err, errlen, "case",
				     "expected an object with \"expected\", "
				     "\"found\", \"policy\" and \"now\", got "
				     "%s",
				     root ? cli_case_type_name(root)
					  : "nothing");
	r = cli_case_only_keys(root, "", allowed, err, errlen);
	if (r < 0)
		return r;
	/* The policy first: bare dates are days of the shop's calendar. */
	r = cli_case_policy(json_object_get(root, "policy"), &out->policy, err,
			    errlen);
	if (r < 0)
		return r;
	if (!json_object_get(root, "now"))
		return cli_case_fail(err, errlen, "now",
				     "missing (the receipt time the rules "
				     "judge at)");
	r = cli_case_time(json_object_get(root, "now"), "now", &out->policy,
			  &out->now, err, errlen);
	if (r < 0)
		return r;
	if (!json_object_get(root, "expected"))
		return cli_case_fail(err, errlen, "expected", "missing");
	r = expected_json_parse(json_object_get(root, "expected"), &out->policy,
				"expected", &out->expected, err, errlen);
	if (r < 0)
		return r;
	r = cli_case_before(json_object_get(root, "before"), &out->expected,
			    err, errlen);
	if (r < 0)
		return r;
	return cli_case_found(json_object_get(root, "found"), out, err, errlen);
}

int cli_case_load(const char *path, struct cli_case *out, char *err,
		  size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int r;

	if (strcmp(path, "-") == 0)
		root = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
	else
		root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (jerr.line < 0) /* could not open or read */
			snprintf(err, errlen, "%s: %s", path, jerr.text);
		else
			snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line,
				 jerr.column, jerr.text);
		return -EINVAL;
	}
	r = cli_case_parse(root, out, err, errlen);
	json_decref(root);
	return r;
}

/* money_format, or the bare minor units when the currency is missing or
 * not a currency code, so a report always shows the number. */
int cli_case_format_money(int64_t minor, const char *currency, char *buf,
			  size_t size)
{
	int n = money_format(minor, currency, buf, size);

	if (n != -EINVAL)
		return n;
	n = snprintf(buf, size, "%" PRId64 " (minor units)", minor);
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

static json_t *cli_case_time_json(int64_t us)
{
	char text[CIVIL_TIME_RFC3339_LEN];

	if (us == 0 || civil_time_format_rfc3339(us, text, sizeof(text)) < 0)
		return json_null();
	return json_string(text);
}

static void cli_case_set_time(json_t *o, const char *key, int64_t us)
{
	char twin[48];

	json_object_set_new(o, key, cli_case_time_json(us));
	snprintf(twin, sizeof(twin), "%s_us", key);
	json_object_set_new(o, twin, us ? json_integer(us) : json_null());
}

json_t *cli_case_proposal_json(const struct proposal *p,
			       const struct expected_return *er)
{
	json_t *o = json_object(), *reasons = json_array(),
	       *items = json_array();

	if (!o || !reasons || !items) {
		json_decref(o);
		json_decref(reasons);
		json_decref(items);
		return NULL;
	}
	json_object_set_new(o, "verdict",
			    json_string(verdict_name(p->verdict)));
	json_object_set_new(o, "refund_minor", json_integer(p->refund_minor));
	json_object_set_new(o, "delivery_refund_minor",
			    json_integer(p->delivery_refund_minor));
	json_object_set_new(
	    o, "currency",
	    json_stringn(p->currency,
			 strnlen(p->currency, sizeof(p->currency))));
	cli_case_set_time(o, "window_ends_at", p->window_ends_at);
	cli_case_set_time(o, "answer_due_at", p->answer_due_at);
	cli_case_set_time(o, "warranty_ends_at", p->warranty_ends_at);
	cli_case_set_time(o, "complaint_received_at", p->complaint_received_at);
	json_object_set_new(o, "complaint_received_from",
			    !p->complaint_received_at ? json_null()
			    : p->complaint_received_assumed
				? json_string("receipt")
				: json_string("import"));
	json_object_set_new(o, "complaint_deemed_accepted",
			    json_boolean(p->complaint_deemed_accepted));
	json_object_set_new(o, "remedy",
			    p->remedy == REMEDY_NONE
				? json_null()
				: json_string(remedy_name(p->remedy)));
	for (int i = 0; i < p->n_reasons && i < RULES_MAX_REASONS; i++) {
		const struct reason *r = &p->reasons[i];

		json_array_append_new(
		    reasons, json_pack("{s:s,s:i,s:s%}", "code",
				       reason_code_name(r->code), "item",
				       r->item, "text", r->text,
				       strnlen(r->text, sizeof(r->text))));
	}
	for (int i = 0; i < p->n_items && i < RETURN_MAX_ITEMS; i++) {
		const struct item_outcome *it = &p->items[i];
		const char *sku = er && i < er->n_items ? er->items[i].sku : "";

		json_array_append_new(
		    items,
		    json_pack("{s:i,s:s%,s:b,s:i,s:I,s:I,s:s,s:s}", "item", i,
			      "sku", sku, strnlen(sku, RETURN_REF_LEN),
			      "accepted", it->accepted, "quantity_accepted",
			      (int)it->quantity_accepted, "refund_minor",
			      (json_int_t)it->refund_minor, "deduction_minor",
			      (json_int_t)it->deduction_minor, "grade",
			      grade_name(it->grade), "disposition",
			      disposition_name(it->disposition)));
	}
	json_object_set_new(o, "reasons", reasons);
	json_object_set_new(o, "items", items);
	return o;
}

static void cli_case_print_time(FILE *f, const char *label, int64_t us)
{
	char text[CIVIL_TIME_RFC3339_LEN];

	if (us == 0)
		return;
	if (civil_time_format_rfc3339(us, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "(out of range)");
	fprintf(f, "%-17s %s\n", label, text);
}

void cli_case_proposal_print(FILE *f, const struct proposal *p,
			     const struct expected_return *er)
{
	char money[48], deduction[48];

	fprintf(f, "%-17s %s\n", "verdict:", verdict_name(p->verdict));
	cli_case_format_money(p->refund_minor, p->currency, money,
			      sizeof(money));
	fprintf(f, "%-17s %s\n", "refund:", money);
	cli_case_format_money(p->delivery_refund_minor, p->currency, money,
			      sizeof(money));
	fprintf(f, "%-17s %s\n", "delivery refund:", money);
	cli_case_print_time(f, "window ends:", p->window_ends_at);
	cli_case_print_time(f, "answer due:", p->answer_due_at);
	cli_case_print_time(f, "warranty ends:", p->warranty_ends_at);
	if (p->complaint_received_at) {
		cli_case_print_time(
		    f, "complaint recvd:", p->complaint_received_at);
		fprintf(f, "%-17s %s\n", "counted from:",
			p->complaint_received_assumed
			    ? "the parcel's receipt (no complaint date "
			      "imported)"
			    : "the complaint date the shop imported");
	}
	if (p->complaint_deemed_accepted)
		fprintf(f, "%-17s %s\n", "complaint:",
			"counts as accepted: no answer within the deadline "
			"(art. 7a Consumer Rights Act)");
	if (p->remedy != REMEDY_NONE)
		fprintf(f, "%-17s %s\n", "remedy:", remedy_name(p->remedy));
	if (er && er->delivery_paid_known) {
		cli_case_format_money(er->delivery_paid_minor, p->currency,
				      money, sizeof(money));
		fprintf(f, "%-17s %s\n", "delivery paid:", money);
	}
	if (er) {
		cli_case_format_money(er->delivery_basic_minor, p->currency,
				      money, sizeof(money));
		fprintf(f, "%-17s %s\n", "delivery basic:", money);
		fprintf(f, "%-17s %d%s\n", "order lines:", er->n_order_lines,
			er->n_order_lines ? "" : " (not given)");
	}

	fprintf(f, "reasons:\n");
	for (int i = 0; i < p->n_reasons && i < RULES_MAX_REASONS; i++) {
		const struct reason *r = &p->reasons[i];

		if (r->item < 0)
			fprintf(f, "  %-24s %-8s %.*s\n",
				reason_code_name(r->code), "(all)",
				(int)sizeof(r->text), r->text);
		else
			fprintf(f, "  %-24s item %-3d %.*s\n",
				reason_code_name(r->code), r->item,
				(int)sizeof(r->text), r->text);
	}
	fprintf(f, "items:\n");
	fprintf(f, "  %-4s %-20s %-8s %5s %14s %14s %-6s %s\n", "#", "sku",
		"accepted", "qty", "refund", "deduction", "grade",
		"disposition");
	for (int i = 0; i < p->n_items && i < RETURN_MAX_ITEMS; i++) {
		const struct item_outcome *it = &p->items[i];
		const char *sku = er && i < er->n_items && er->items[i].sku[0]
				      ? er->items[i].sku
				      : "-";

		cli_case_format_money(it->refund_minor, p->currency, money,
				      sizeof(money));
		cli_case_format_money(it->deduction_minor, p->currency,
				      deduction, sizeof(deduction));
		fprintf(f, "  %-4d %-20.*s %-8s %5d %14s %14s %-6s %s\n", i,
			RETURN_REF_LEN, sku, it->accepted ? "yes" : "no",
			(int)it->quantity_accepted, money, deduction,
			grade_name(it->grade),
			disposition_name(it->disposition));
	}
}
