/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the events rendered from the record: the exact bytes of
 * each event (what the shop verifies the signature over), the same bytes
 * every time, the accepted lines named by item position, and facts that
 * cannot make an event refused with a reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "retour/event.h"

/* 2026-11-20T10:00:00Z */
#define T0 (INT64_C(1795168800) * USEC_PER_SEC)

/* A partial withdrawal: line 0 back worn (deduction), line 1 missing,
 * line 2 back as new. */
static void proposal_fill(struct proposal *p)
{
	memset(p, 0, sizeof(*p));
	p->verdict = VERDICT_PARTIAL;
	p->refund_minor = 17150;
	memcpy(p->currency, "PLN", 4);
	p->window_ends_at = T0 + 9 * USEC_PER_DAY;
	p->n_reasons = 3;
	p->reasons[0].code = REASON_WITHIN_WINDOW;
	p->reasons[0].item = -1;
	strcpy(p->reasons[0].text, "In time.");
	p->reasons[1].code = REASON_DIMINISHED_VALUE;
	p->reasons[1].item = 0;
	strcpy(p->reasons[1].text, "Worn.");
	p->reasons[2].code = REASON_MISSING_ITEM;
	p->reasons[2].item = 1;
	strcpy(p->reasons[2].text, "Missing.");
	p->n_items = 3;
	p->items[0] = (struct item_outcome){
	    true, 1, 14310, 1590, GRADE_B, DISPOSITION_RESTOCK_B};
	p->items[1] =
	    (struct item_outcome){false, 0, 0, 0, GRADE_A, DISPOSITION_HOLD};
	p->items[2] = (struct item_outcome){true, 2,	   2840,
					    0,	  GRADE_A, DISPOSITION_RESTOCK};
}

static const char proposal_text[] =
    "{\"currency\":\"PLN\",\"delivery_refund_minor\":0,\"items\":["
    "{\"accepted\":true,\"deduction_minor\":1590,\"disposition\":"
    "\"restock_b\",\"grade\":\"B\",\"quantity\":1,\"refund_minor\":14310},"
    "{\"accepted\":false,\"deduction_minor\":0,\"disposition\":\"hold\","
    "\"grade\":\"A\",\"quantity\":0,\"refund_minor\":0},"
    "{\"accepted\":true,\"deduction_minor\":0,\"disposition\":\"restock\","
    "\"grade\":\"A\",\"quantity\":2,\"refund_minor\":2840}],"
    "\"reasons\":[{\"code\":\"within_window\",\"item\":-1,\"text\":"
    "\"In time.\"},{\"code\":\"diminished_value\",\"item\":0,\"text\":"
    "\"Worn.\"},{\"code\":\"missing_item\",\"item\":1,\"text\":"
    "\"Missing.\"}],\"refund_minor\":17150,\"verdict\":\"partial\","
    "\"window_ends_at\":\"2026-11-29T10:00:00Z\"}";

static void expected_fill(struct expected_return *er)
{
	memset(er, 0, sizeof(*er));
	strcpy(er->rma, "RMA-1");
	strcpy(er->order_ref, "ORD-1");
	strcpy(er->shop, "demo");
	memcpy(er->currency, "PLN", 4);
	er->n_items = 3;
	strcpy(er->items[0].sku, "SKU-1");
	strcpy(er->items[0].gtin, "5901234123457");
	strcpy(er->items[1].sku, "SKU-2");
	strcpy(er->items[1].gtin, "4006381333931");
	strcpy(er->items[2].sku, "SKU-3"); /* no GTIN */
}

static struct event_facts facts_fill(const struct expected_return *er,
				     const char *type, const char *id)
{
	struct event_facts f = {
	    .type = type,
	    .id = id,
	    .receipt = 7,
	    .shop = "demo",
	    .station = "desk-1",
	    .code = "RMA-1",
	    .expected = er,
	    .verdict = "partial",
	    .refund_minor = 17150,
	    .currency = "PLN",
	    .decided_by = "anna",
	    .decided_at = T0 + 60 * USEC_PER_SEC + 250,
	    .proposal_json = proposal_text,
	};
	return f;
}

static char *render_ok(const struct event_facts *f)
{
	char err[128] = "x", *body = NULL;

	assert_int_equal(event_render(f, &body, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_non_null(body);
	return body;
}

static void test_event_proposal_is_recorded_as_shown(void **state)
{
	struct proposal p;
	json_t *o;
	char *text;

	proposal_fill(&p);
	o = event_proposal_to_json(&p);
	assert_non_null(o);
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text, proposal_text);
	free(text);
	json_decref(o);

	/* A reason that is not text cannot be recorded half. */
	strcpy(p.reasons[1].text, "Worn \xff.");
	assert_null(event_proposal_to_json(&p));
}

static void test_event_refund_names_accepted_lines(void **state)
{
	static const char want[] =
	    "{\"amount_minor\":17150,\"code\":\"RMA-1\",\"currency\":\"PLN\","
	    "\"decided_at\":\"2026-11-20T10:01:00.000250Z\","
	    "\"decided_by\":\"anna\",\"delivery_minor\":0,"
	    "\"id\":\"demo:desk-1:7:refund:1\",\"items\":["
	    "{\"deduction_minor\":1590,\"gtin\":\"5901234123457\","
	    "\"quantity\":1,\"refund_minor\":14310,\"sku\":\"SKU-1\"},"
	    "{\"quantity\":2,\"refund_minor\":2840,\"sku\":\"SKU-3\"}],"
	    "\"order\":\"ORD-1\",\"overridden\":false,\"reasons\":["
	    "\"within_window\",\"diminished_value\",\"missing_item\"],"
	    "\"receipt\":7,\"rma\":\"RMA-1\",\"shop\":\"demo\","
	    "\"station\":\"desk-1\",\"type\":\"refund.requested\","
	    "\"verdict\":\"partial\"}";
	struct expected_return er;
	struct event_facts f;
	char *a, *b;

	expected_fill(&er);
	f = facts_fill(&er, EVENT_REFUND_REQUESTED, "demo:desk-1:7:refund:1");
	a = render_ok(&f);
	assert_string_equal(a, want);
	/* A retry sends, and signs, the very same bytes. */
	b = render_ok(&f);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* The shop's own ids go back with the event when the import gave them. */
static void test_event_carries_the_shop_ids(void **state)
{
	static const char want[] =
	    "{\"amount_minor\":17150,\"code\":\"RMA-1\",\"currency\":\"PLN\","
	    "\"decided_at\":\"2026-11-20T10:01:00.000250Z\","
	    "\"decided_by\":\"anna\",\"delivery_minor\":0,"
	    "\"id\":\"demo:desk-1:7:refund:1\",\"items\":["
	    "{\"deduction_minor\":1590,\"gtin\":\"5901234123457\","
	    "\"quantity\":1,\"refund_minor\":14310,"
	    "\"shop_line_id\":\"li-1\",\"sku\":\"SKU-1\"},"
	    "{\"quantity\":2,\"refund_minor\":2840,\"sku\":\"SKU-3\"}],"
	    "\"order\":\"ORD-1\",\"overridden\":false,\"reasons\":["
	    "\"within_window\",\"diminished_value\",\"missing_item\"],"
	    "\"receipt\":7,\"rma\":\"RMA-1\",\"shop\":\"demo\","
	    "\"shop_order_id\":\"gid://shop/Order/9\","
	    "\"shop_payment_id\":\"pi_9\",\"station\":\"desk-1\","
	    "\"type\":\"refund.requested\",\"verdict\":\"partial\"}";
	struct expected_return er;
	struct event_facts f;
	char *a;
	json_t *o;

	expected_fill(&er);
	strcpy(er.shop_order_id, "gid://shop/Order/9");
	strcpy(er.shop_payment_id, "pi_9");
	strcpy(er.items[0].shop_line_id, "li-1");
	f = facts_fill(&er, EVENT_REFUND_REQUESTED, "demo:desk-1:7:refund:1");
	a = render_ok(&f);
	assert_string_equal(a, want);
	free(a);

	/* The decision event names the order the shop's way too. */
	f = facts_fill(&er, EVENT_RETURN_DECIDED, "demo:desk-1:7:decided:1");
	a = render_ok(&f);
	o = json_loads(a, 0, NULL);
	assert_non_null(o);
	assert_string_equal(
	    json_string_value(json_object_get(o, "shop_order_id")),
	    "gid://shop/Order/9");
	assert_string_equal(
	    json_string_value(json_object_get(o, "shop_payment_id")), "pi_9");
	json_decref(o);
	free(a);

	/* An id that is not text is refused, never sent without it. */
	strcpy(er.shop_payment_id, "pi_\xff");
	f = facts_fill(&er, EVENT_REFUND_REQUESTED, "demo:desk-1:7:refund:1");
	{
		char err[128], *body = NULL;

		assert_int_equal(event_render(&f, &body, err, sizeof(err)),
				 -EINVAL);
		assert_null(body);
		assert_string_equal(err, "shop_payment_id is not UTF-8 text");
	}
}

static void test_event_decision_carries_the_proposal(void **state)
{
	static const char head[] =
	    "{\"code\":\"RMA-1\","
	    "\"decided_at\":\"2026-11-20T10:01:00.000250Z\","
	    "\"decided_by\":\"anna\","
	    "\"id\":\"demo:desk-1:7:return.decided:1\",\"order\":\"ORD-1\","
	    "\"overridden\":true,"
	    "\"override\":{\"by\":null,\"reason\":\"Stains on both\"},"
	    "\"override_reason\":\"Stains on both\","
	    "\"proposal\":";
	static const char tail[] =
	    ",\"receipt\":7,\"rma\":\"RMA-1\",\"shop\":\"demo\","
	    "\"station\":\"desk-1\",\"type\":\"return.decided\","
	    "\"verdict\":\"reject\"}";
	struct expected_return er;
	struct event_facts f;
	char want[4096], *body;
	json_t *o;

	expected_fill(&er);
	f = facts_fill(&er, EVENT_RETURN_DECIDED,
		       "demo:desk-1:7:return.decided:1");
	f.verdict = "reject";
	f.refund_minor = 0;
	f.overridden = true;
	f.override_reason = "Stains on both";
	snprintf(want, sizeof(want), "%s%s%s", head, proposal_text, tail);
	body = render_ok(&f);
	assert_string_equal(body, want);
	free(body);

	/* A refusal overridden: the supervisor who authorised it. */
	f.override_by = "Ewa";
	body = render_ok(&f);
	o = json_loads(body, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(o, "override"), "by")),
			    "Ewa");
	json_decref(o);
	free(body);

	/* Not overridden: no reason sent, whatever the record holds. */
	f.type = EVENT_QC_PASSED;
	f.verdict = "qc_passed";
	f.overridden = false;
	body = render_ok(&f);
	o = json_loads(body, 0, NULL);
	assert_non_null(o);
	assert_null(json_object_get(o, "override_reason"));
	assert_null(json_object_get(o, "override"));
	assert_true(json_is_false(json_object_get(o, "overridden")));
	assert_string_equal(json_string_value(json_object_get(o, "type")),
			    "shipment.qc_passed");
	assert_true(json_is_object(json_object_get(o, "proposal")));
	json_decref(o);
	free(body);
}

static void test_event_unexpected_return_has_no_skus(void **state)
{
	struct event_facts f;
	json_t *o, *items;
	char *body;

	f = facts_fill(NULL, EVENT_REFUND_REQUESTED, "k1");
	body = render_ok(&f);
	o = json_loads(body, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "rma")), "");
	assert_string_equal(json_string_value(json_object_get(o, "order")), "");
	items = json_object_get(o, "items");
	assert_int_equal(json_array_size(items), 2);
	assert_null(json_object_get(json_array_get(items, 0), "sku"));
	assert_int_equal(json_integer_value(json_object_get(
			     json_array_get(items, 1), "refund_minor")),
			 2840);
	json_decref(o);
	free(body);
}

static void test_event_refuses_what_it_cannot_render(void **state)
{
	struct expected_return er;
	struct event_facts f;
	char err[128], *body = (char *)"untouched";

	expected_fill(&er);
	f = facts_fill(&er, "label.printed", "k1");
	assert_int_equal(event_render(&f, &body, err, sizeof(err)), -EINVAL);
	assert_null(body);
	assert_non_null(strstr(err, "label.printed"));

	f = facts_fill(&er, EVENT_RETURN_DECIDED, "k1");
	f.proposal_json = NULL;
	assert_int_equal(event_render(&f, &body, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "proposal"));
	f.proposal_json = "[1,2]";
	assert_int_equal(event_render(&f, &body, err, sizeof(err)), -EINVAL);
	f.proposal_json = "{\"verdict\":";
	assert_int_equal(event_render(&f, &body, err, sizeof(err)), -EINVAL);
	assert_null(body);

	/* A field that cannot be JSON text is named, not left out. */
	f = facts_fill(&er, EVENT_REFUND_REQUESTED, "k1");
	f.code = "RMA-\xc3";
	assert_int_equal(event_render(&f, &body, err, sizeof(err)), -EINVAL);
	assert_null(body);
	assert_non_null(strstr(err, "code"));

	assert_int_equal(event_render(NULL, &body, err, sizeof(err)), -EINVAL);
}

/* A device's event: the body an integrator gets, byte for byte. */
static void test_event_device_fault_and_ok(void **state)
{
	struct event_device_facts f = {
	    .type = EVENT_DEVICE_FAULT,
	    .id = "demo:desk-1:scale:device.fault:1795168860250000",
	    .shop = "demo",
	    .station = "desk-1",
	    .device = "scale",
	    .state = "fault",
	    .reason = "scale run/scale: cannot open",
	    .at = INT64_C(1795168860250000),
	    .receipt = 12,
	    .step = "weigh",
	};
	char *body = NULL, err[128];

	(void)state;
	assert_int_equal(event_device_render(&f, &body, err, sizeof(err)), 0);
	assert_string_equal(
	    body,
	    "{\"at\":\"2026-11-20T10:01:00.250000Z\",\"device\":\"scale\","
	    "\"id\":\"demo:desk-1:scale:device.fault:1795168860250000\","
	    "\"reason\":\"scale run/scale: cannot open\",\"receipt\":12,"
	    "\"shop\":\"demo\",\"state\":\"fault\",\"station\":"
	    "\"desk-1\",\"step\":\"weigh\",\"type\":\"device.fault\"}");
	free(body);
	/* between parcels: no receipt, no step */
	f.type = EVENT_DEVICE_OK;
	f.state = "connected";
	f.reason = "";
	f.receipt = 0;
	f.step = NULL;
	assert_int_equal(event_device_render(&f, &body, err, sizeof(err)), 0);
	assert_non_null(strstr(body, "\"receipt\":null"));
	assert_non_null(strstr(body, "\"step\":null"));
	assert_non_null(strstr(body, "\"type\":\"device.ok\""));
	free(body);
	/* what cannot be sent as it is, is not sent */
	f.reason = "bad \xff byte";
	body = NULL;
	assert_int_equal(event_device_render(&f, &body, err, sizeof(err)),
			 -EINVAL);
	assert_null(body);
	assert_string_equal(err, "reason is not UTF-8 text");
	f.reason = "";
	f.type = EVENT_REFUND_REQUESTED;
	assert_int_equal(event_device_render(&f, &body, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "'refund.requested' is not a device event");
}

static void test_event_parcel_events_render_what_was_found(void **state)
{
	struct expected_return er;
	struct inspection in;
	struct event_parcel_facts f = {
	    .type = EVENT_RETURN_RECEIVED,
	    .id = "demo:desk-1:7:return.received:1",
	    .receipt = 7,
	    .shop = "demo",
	    .station = "desk-1",
	    .code = "RMA-1",
	    .clerk = "anna",
	    .at = T0,
	};
	char err[128], *body = NULL, *again = NULL;
	json_t *ev, *line;

	(void)state;
	expected_fill(&er);
	f.expected = &er;
	assert_int_equal(event_parcel_render(&f, &body, err, sizeof(err)), 0);
	ev = json_loads(body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(ev, "type")),
			    "return.received");
	assert_string_equal(json_string_value(json_object_get(ev, "rma")),
			    "RMA-1");
	assert_null(json_object_get(ev, "items")); /* nothing found yet */
	json_decref(ev);
	free(body);

	memset(&in, 0, sizeof(in));
	in.weighed = true;
	in.weight_g = 812;
	in.n_items = 3;
	in.items[0].quantity = 2;
	in.items[0].gtin_matched = true;
	in.items[0].grade = GRADE_B;
	in.items[1].buyer_damage = true;
	f.type = EVENT_RETURN_INSPECTED;
	f.found = &in;
	f.photos = 3;
	assert_int_equal(event_parcel_render(&f, &body, err, sizeof(err)), 0);
	/* The same facts, the same bytes. */
	assert_int_equal(event_parcel_render(&f, &again, err, sizeof(err)), 0);
	assert_string_equal(body, again);
	ev = json_loads(body, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(ev, "weight_g")),
			 812);
	assert_int_equal(json_integer_value(json_object_get(ev, "photos")), 3);
	assert_int_equal(json_array_size(json_object_get(ev, "items")), 3);
	line = json_array_get(json_object_get(ev, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(line, "sku")),
			    "SKU-1");
	assert_int_equal(json_integer_value(json_object_get(line, "found")), 2);
	assert_string_equal(json_string_value(json_object_get(line, "grade")),
			    grade_name(GRADE_B));
	line = json_array_get(json_object_get(ev, "items"), 1);
	assert_true(json_is_true(json_object_get(line, "buyer_damage")));
	json_decref(ev);
	free(body);
	free(again);

	/* Inspected without what was found, or another type: refused. */
	f.found = NULL;
	assert_int_equal(event_parcel_render(&f, &body, err, sizeof(err)),
			 -EINVAL);
	f.type = EVENT_REFUND_REQUESTED;
	assert_int_equal(event_parcel_render(&f, &body, err, sizeof(err)),
			 -EINVAL);
	assert_null(body);
}

static void test_event_refund_outcome_names_the_refund(void **state)
{
	struct expected_return er;
	struct event_facts rf;
	struct event_refund_outcome o = {
	    .type = EVENT_REFUND_SUCCEEDED,
	    .id = "k:succeeded",
	    .refund_id = "k",
	    .refund_key = "rr-00",
	    .receipt = 7,
	    .shop_refund_id = "re_1",
	    .attempts = 2,
	    .at = T0,
	};
	char err[128], *body = NULL;
	json_t *ev;

	(void)state;
	expected_fill(&er);
	rf = facts_fill(&er, EVENT_REFUND_REQUESTED, "k");
	o.refund = &rf;
	assert_int_equal(
	    event_refund_outcome_render(&o, &body, err, sizeof(err)), 0);
	ev = json_loads(body, 0, NULL);
	assert_string_equal(
	    json_string_value(json_object_get(ev, "shop_refund_id")), "re_1");
	assert_string_equal(json_string_value(json_object_get(ev, "refund")),
			    "k");
	assert_int_equal(
	    json_integer_value(json_object_get(ev, "amount_minor")), 17150);
	assert_null(json_object_get(ev, "message"));
	json_decref(ev);
	free(body);

	/* A failure without facts left still says which refund and why. */
	o.type = EVENT_REFUND_FAILED;
	o.refund = NULL;
	o.message = "HTTP 400 refused";
	assert_int_equal(
	    event_refund_outcome_render(&o, &body, err, sizeof(err)), 0);
	ev = json_loads(body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(ev, "message")),
			    "HTTP 400 refused");
	assert_null(json_object_get(ev, "shop_refund_id"));
	json_decref(ev);
	free(body);

	o.message = "\xff";
	assert_int_equal(
	    event_refund_outcome_render(&o, &body, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "message"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_event_proposal_is_recorded_as_shown),
	    cmocka_unit_test(test_event_refund_names_accepted_lines),
	    cmocka_unit_test(test_event_decision_carries_the_proposal),
	    cmocka_unit_test(test_event_carries_the_shop_ids),
	    cmocka_unit_test(test_event_parcel_events_render_what_was_found),
	    cmocka_unit_test(test_event_refund_outcome_names_the_refund),
	    cmocka_unit_test(test_event_unexpected_return_has_no_skus),
	    cmocka_unit_test(test_event_refuses_what_it_cannot_render),
	    cmocka_unit_test(test_event_device_fault_and_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
