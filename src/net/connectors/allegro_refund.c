/* SPDX-License-Identifier: MIT */
/*
 * The allegro connector's refund: the request (POST /payments/refunds,
 * lines as QUANTITY or AMOUNT, the delivery once), Allegro's answer, and
 * the lookup before each attempt (the payment's refunds, matched by the
 * refund key in sellerComment).  allegro.c says why it is looked up.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "allegro_internal.h"
#include "retour/connector.h"
#include "retour/decision.h"

/* ---- the refund --------------------------------------------------------- */

static const char *allegro_payment_id(const struct connector_message *m,
				      json_t *body)
{
	const char *p = allegro_str(body, "shop_payment_id");

	if ((!p || !p[0]) && m->facts && m->facts->expected)
		p = m->facts->expected->shop_payment_id;
	return p && p[0] ? p : NULL;
}

static int allegro_money(json_t *parent, const char *key, int64_t minor,
			 const char *currency)
{
	char amount[32];
	json_t *v;

	if (connector_amount_text(minor, currency, amount, sizeof(amount)) < 0)
		return -EINVAL;
	v = json_pack("{s:s,s:s}", "amount", amount, "currency", currency);
	if (!v || json_object_set_new(parent, key, v) < 0)
		return -ENOMEM;
	return 0;
}

/* The expected item's unit price, by the line's shop id; -1: unknown. */
static int64_t allegro_unit_price(const struct connector_message *m,
				  const char *line)
{
	const struct expected_return *er = m->facts ? m->facts->expected : NULL;
	int i;

	for (i = 0; er && i < er->n_items && i < RETURN_MAX_ITEMS; i++)
		if (!strcmp(er->items[i].shop_line_id, line))
			return er->items[i].unit_price_minor;
	return -1;
}

struct allegro_line {
	const char *id;
	int64_t quantity;
	int64_t refund;
	bool whole; /* the full price of its units: a QUANTITY line */
};

/*
 * The refund's body.  Lines refunding their units' full price go as
 * QUANTITY, any other as AMOUNT; the delivery goes once, in "delivery".
 * When the lines and delivery do not add up to the amount (a complaint's
 * reduced refund), the lines become AMOUNT lines sharing what is left,
 * each at most its own refund, in order.
 */
static int allegro_refund_body(const struct connector_message *m, json_t *body,
			       json_t **out, char *err, size_t errlen)
{
	struct allegro_line lines[RETURN_MAX_ITEMS];
	json_t *items = json_object_get(body, "items"), *it, *req, *arr;
	const char *currency = allegro_str(body, "currency");
	const char *payment = allegro_payment_id(m, body);
	const char *remedy = allegro_str(body, "remedy");
	json_t *amount_v = json_object_get(body, "amount_minor");
	json_t *delivery_v = json_object_get(body, "delivery_minor");
	int64_t amount, delivery, sum = 0, left;
	char comment[ALLEGRO_COMMENT_MAX + 1];
	const char *rma = allegro_str(body, "rma");
	bool complaint, scaled = false;
	size_t i, n = 0;

	if (!payment) {
		snprintf(err, errlen,
			 "no shop_payment_id: Allegro refunds a payment, "
			 "import the return with the checkout form's "
			 "payment.id");
		return -EINVAL;
	}
	if (!currency ||
	    connector_amount_text(0, currency, comment, sizeof(comment)) < 0) {
		snprintf(err, errlen, "the refund has no valid currency");
		return -EINVAL;
	}
	if (!json_is_integer(amount_v) || json_integer_value(amount_v) <= 0) {
		snprintf(err, errlen,
			 "the refund has no positive amount_minor");
		return -EINVAL;
	}
	amount = json_integer_value(amount_v);
	delivery =
	    json_is_integer(delivery_v) ? json_integer_value(delivery_v) : 0;
	if (delivery < 0 || delivery > amount) {
		snprintf(err, errlen,
			 "the refund's delivery_minor is out of "
			 "range");
		return -EINVAL;
	}
	if (!json_is_array(items)) {
		snprintf(err, errlen, "the refund has no items");
		return -EINVAL;
	}
	json_array_foreach(items, i, it)
	{
		const char *id = allegro_str(it, "shop_line_id");
		json_t *q = json_object_get(it, "quantity");
		json_t *rv = json_object_get(it, "refund_minor");
		int64_t unit;

		if (!json_is_integer(q) || !json_is_integer(rv) ||
		    json_integer_value(q) <= 0 || json_integer_value(rv) < 0 ||
		    json_integer_value(rv) > 1000000000000000LL ||
		    json_integer_value(q) > 1000000) {
			snprintf(err, errlen,
				 "refund item %zu has no valid quantity and "
				 "refund_minor",
				 i);
			return -EINVAL;
		}
		if (json_integer_value(rv) == 0)
			continue;
		if (!id || !id[0]) {
			snprintf(err, errlen,
				 "refund item %zu has no shop_line_id (the "
				 "checkout form's lineItems[].id): import the "
				 "return with it",
				 i);
			return -EINVAL;
		}
		if (n >= RETURN_MAX_ITEMS) {
			snprintf(err, errlen, "the refund has too many items");
			return -EINVAL;
		}
		lines[n].id = id;
		lines[n].quantity = json_integer_value(q);
		lines[n].refund = json_integer_value(rv);
		unit = allegro_unit_price(m, id);
		lines[n].whole = !json_integer_value(
				     json_object_get(it, "deduction_minor")) &&
				 unit > 0 &&
				 unit <= INT64_MAX / lines[n].quantity &&
				 unit * lines[n].quantity == lines[n].refund;
		sum += lines[n].refund;
		n++;
	}
	if (sum + delivery < amount) {
		snprintf(err, errlen,
			 "the refund's lines and delivery (%" PRId64
			 ") are less than its amount (%" PRId64 ")",
			 sum + delivery, amount);
		return -EINVAL;
	}
	if (sum + delivery > amount) {
		/* a reduced refund: share what is left over the lines */
		left = amount - delivery;
		for (i = 0; i < n; i++) {
			int64_t part =
			    lines[i].refund < left ? lines[i].refund : left;

			lines[i].refund = part;
			lines[i].whole = false;
			left -= part;
		}
		scaled = true;
	}
	complaint = (remedy && remedy[0]) ||
		    (m->facts && m->facts->expected &&
		     m->facts->expected->kind == RETURN_COMPLAINT);
	req = json_object();
	arr = json_array();
	if (!req || !arr)
		goto nomem;
	if (json_object_set_new(req, "payment",
				json_pack("{s:s}", "id", payment)) < 0 ||
	    json_object_set_new(
		req, "reason",
		json_string(complaint ? "COMPLAINT" : "REFUND")) < 0)
		goto nomem;
	for (i = 0; i < n; i++) {
		json_t *line;

		if (lines[i].refund == 0)
			continue;
		if (lines[i].whole)
			line = json_pack("{s:s,s:s,s:I}", "id", lines[i].id,
					 "type", "QUANTITY", "quantity",
					 (json_int_t)lines[i].quantity);
		else
			line = json_pack("{s:s,s:s}", "id", lines[i].id, "type",
					 "AMOUNT");
		if (!line || json_array_append_new(arr, line) < 0)
			goto nomem;
		if (!lines[i].whole &&
		    allegro_money(line, "value", lines[i].refund, currency) < 0)
			goto nomem;
	}
	if (json_array_size(arr) > 0) {
		if (json_object_set(req, "lineItems", arr) < 0)
			goto nomem;
	}
	if (delivery > 0) {
		json_t *d = json_object();

		if (!d || json_object_set_new(req, "delivery", d) < 0 ||
		    allegro_money(d, "value", delivery, currency) < 0)
			goto nomem;
	}
	/* The refund key is what a lookup matches: keep it first, whole. */
	snprintf(comment, sizeof(comment), "retour %s%s%.40s", m->refund_key,
		 rma && rma[0] ? " " : "", rma ? rma : "");
	if (json_object_set_new(req, "sellerComment", json_string(comment)) <
	    0) {
		/* an RMA that is not UTF-8 cut mid-character: keep the key */
		snprintf(comment, sizeof(comment), "retour %s", m->refund_key);
		if (json_object_set_new(req, "sellerComment",
					json_string(comment)) < 0)
			goto nomem;
	}
	(void)scaled;
	json_decref(arr);
	*out = req;
	return 0;
nomem:
	json_decref(arr);
	json_decref(req);
	snprintf(err, errlen, "out of memory building the refund");
	return -ENOMEM;
}

int allegro_build(void *state, const struct connector_message *m,
		  int64_t now_us, struct connector_request *req, char *err,
		  size_t errlen)
{
	const struct allegro_state *as = state;
	json_t *body, *out = NULL;
	json_error_t jerr;
	char *text;
	int r;

	(void)now_us;
	memset(req, 0, sizeof(*req));
	if (!m->action || strcmp(m->action, EVENT_REFUND_REQUESTED) != 0) {
		snprintf(err, errlen,
			 "the allegro connector takes refunds only; route "
			 "events to a webhook ([outbox] events)");
		return -EINVAL;
	}
	if (!m->refund_key || !m->refund_key[0]) {
		snprintf(err, errlen,
			 "the refund has no refund key (no shop in its "
			 "record)");
		return -EINVAL;
	}
	if (!allegro_ready(as, err, errlen))
		return -EINVAL;
	body = m->body ? json_loadb(m->body, m->body_len, 0, &jerr) : NULL;
	if (!json_is_object(body)) {
		json_decref(body);
		snprintf(err, errlen, "the refund's body is not a JSON object");
		return -EINVAL;
	}
	r = allegro_refund_body(m, body, &out, err, errlen);
	json_decref(body);
	if (r < 0)
		return r;
	text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(out);
	if (!text)
		return allegro_nomem(req, err, errlen);
	req->method = CONNECTOR_POST;
	if ((size_t)snprintf(req->url, sizeof(req->url), "%s/payments/refunds",
			     as->api_url) >= sizeof(req->url)) {
		free(text);
		snprintf(err, errlen, "api_url is too long");
		return -EINVAL;
	}
	req->body = text;
	req->body_len = strlen(text);
	if (allegro_headers(as, req, ALLEGRO_MEDIA, true) < 0)
		return allegro_nomem(req, err, errlen);
	return 0;
}

/* The refund id of an answer: its "id", a printable string. */
static bool allegro_refund_id(json_t *refund, char *ref, size_t reflen)
{
	const char *id = allegro_str(refund, "id");

	if (!id || !id[0] || strlen(id) >= ALLEGRO_ID_MAX)
		return false;
	connector_text_sanitize(ref, reflen, id, strlen(id));
	return ref[0] != '\0';
}

enum connector_result allegro_classify(void *state,
				       const struct connector_message *m,
				       const struct connector_answer *a,
				       char *shop_ref, size_t reflen, char *err,
				       size_t errlen)
{
	struct allegro_state *as = state;
	char jerr[120];
	long status = a->status;
	json_t *root;

	(void)m;
	if (reflen)
		shop_ref[0] = '\0';
	if (errlen)
		err[0] = '\0';
	if (status >= 200 && status <= 299) {
		root = connector_answer_json(a, ALLEGRO_ANSWER_MAX, jerr,
					     sizeof(jerr));
		if (json_is_object(root) &&
		    allegro_refund_id(root, shop_ref, reflen)) {
			json_decref(root);
			return CONNECTOR_DONE;
		}
		json_decref(root);
		/* Made, most likely, but without its id: the lookup before
		 * the next attempt finds it (and its id) or sends it. */
		snprintf(err, errlen,
			 "Allegro answered HTTP %ld without a refund id (%s); "
			 "looking it up before anything is sent again",
			 status, root ? "no id" : jerr);
		return CONNECTOR_RETRY;
	}
	if (status == 401) {
		connector_secret_free(&as->access_token);
		allegro_error_text(err, errlen, status, a);
		return CONNECTOR_RETRY;
	}
	if (allegro_transient(status)) {
		allegro_error_text(err, errlen, status, a);
		return CONNECTOR_RETRY;
	}
	if (status >= 400 && status <= 499) {
		allegro_error_text(err, errlen, status, a);
		return CONNECTOR_FATAL;
	}
	if (status >= 300 && status <= 399) {
		snprintf(err, errlen,
			 "HTTP %ld: redirects are not followed, configure "
			 "api_url",
			 status);
		return CONNECTOR_FATAL;
	}
	snprintf(err, errlen, "unexpected HTTP status %ld from Allegro",
		 status);
	return CONNECTOR_RETRY;
}

int64_t allegro_retry_wait(void *state, const struct connector_answer *a,
			   int64_t now_us)
{
	const struct allegro_state *as = state;

	(void)now_us;
	return a && a->status == 429 ? as->throttle_wait_us : 0;
}

/* ---- the lookup --------------------------------------------------------- */

int allegro_reconcile_build(void *state, const struct connector_message *m,
			    int64_t now_us, struct connector_request *req,
			    char *err, size_t errlen)
{
	const struct allegro_state *as = state;
	const char *payment = NULL;
	json_error_t jerr;
	json_t *body;
	int n;

	(void)now_us;
	memset(req, 0, sizeof(*req));
	if (!m->action || strcmp(m->action, EVENT_REFUND_REQUESTED) != 0 ||
	    !m->refund_key || !m->refund_key[0]) {
		snprintf(err, errlen, "only refunds are looked up");
		return -EINVAL;
	}
	if (!allegro_ready(as, err, errlen))
		return -EINVAL;
	body = m->body ? json_loadb(m->body, m->body_len, 0, &jerr) : NULL;
	payment = allegro_payment_id(m, body);
	if (!payment) {
		json_decref(body);
		snprintf(err, errlen, "no shop_payment_id to look up");
		return -EINVAL;
	}
	req->method = CONNECTOR_GET;
	n = snprintf(req->url, sizeof(req->url),
		     "%s/payments/refunds?limit=%d&payment.id=", as->api_url,
		     ALLEGRO_LOOKUP_LIMIT);
	if (n < 0 || (size_t)n >= sizeof(req->url) ||
	    !connector_percent_append(req->url, sizeof(req->url), payment)) {
		json_decref(body);
		req->url[0] = '\0';
		snprintf(err, errlen, "the lookup's URL is too long");
		return -EINVAL;
	}
	json_decref(body);
	if (allegro_headers(as, req, ALLEGRO_MEDIA, false) < 0)
		return allegro_nomem(req, err, errlen);
	return 0;
}

/* A refund that failed or was cancelled at Allegro moved no money. */
static bool allegro_refund_void(const char *status)
{
	return status &&
	       (!strcmp(status, "FAILURE") || !strcmp(status, "CANCELED") ||
		!strcmp(status, "CANCELLED"));
}

enum connector_found
allegro_reconcile_classify(void *state, const struct connector_message *m,
			   const struct connector_answer *a, char *shop_ref,
			   size_t reflen, char *err, size_t errlen)
{
	struct allegro_state *as = state;
	json_t *root, *refunds, *r, *v;
	char jerr[120];
	size_t i;
	json_int_t total;

	if (reflen)
		shop_ref[0] = '\0';
	if (errlen)
		err[0] = '\0';
	if (a->status == 401)
		connector_secret_free(&as->access_token);
	if (a->status < 200 || a->status > 299) {
		allegro_error_text(err, errlen, a->status, a);
		return CONNECTOR_UNKNOWN;
	}
	root = connector_answer_json(a, ALLEGRO_ANSWER_MAX, jerr, sizeof(jerr));
	refunds = json_object_get(root, "refunds");
	if (!json_is_array(refunds)) {
		snprintf(err, errlen, "Allegro's refund list: %s",
			 root ? "no refunds array" : jerr);
		json_decref(root);
		return CONNECTOR_UNKNOWN;
	}
	json_array_foreach(refunds, i, r)
	{
		const char *comment = allegro_str(r, "sellerComment");

		if (!comment || !m->refund_key || !m->refund_key[0] ||
		    !strstr(comment, m->refund_key) ||
		    allegro_refund_void(allegro_str(r, "status")))
			continue;
		if (!allegro_refund_id(r, shop_ref, reflen)) {
			snprintf(err, errlen,
				 "Allegro lists this refund without an id");
			json_decref(root);
			return CONNECTOR_UNKNOWN;
		}
		json_decref(root);
		return CONNECTOR_FOUND;
	}
	v = json_object_get(root, "totalCount");
	/* without a count, a full page may have a next one */
	total = json_is_integer(v)	    ? json_integer_value(v)
		: i >= ALLEGRO_LOOKUP_LIMIT ? (json_int_t)i + 1
					    : 0;
	json_decref(root);
	if (total > (json_int_t)i) {
		snprintf(err, errlen,
			 "Allegro lists %" JSON_INTEGER_FORMAT
			 " refunds of this payment, more than one page",
			 total);
		return CONNECTOR_UNKNOWN;
	}
	return CONNECTOR_ABSENT;
}
