/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of the pure core: one decision for one return, i.e. what the
 * desk does between the last input and the proposal on the screen: the
 * code classified, the rules engine's proposal computed.  Each iteration is
 * timed on its own so the table can give p50 and p99.
 *
 * Prints one JSON object per line: {"name":..,"value":..,"unit":..}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retour/code.h"
#include "retour/rules.h"

#define ITERATIONS 200000

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void make_case(struct expected_return *er, struct inspection *in,
		      int64_t now)
{
	memset(er, 0, sizeof(*er));
	memset(in, 0, sizeof(*in));
	snprintf(er->rma, sizeof(er->rma), "RMA-10001");
	snprintf(er->order_ref, sizeof(er->order_ref), "ORD-1001");
	snprintf(er->currency, sizeof(er->currency), "PLN");
	er->kind = RETURN_WITHDRAWAL;
	er->delivered_at = now - 5 * USEC_PER_DAY;
	er->delivery_basic_minor = 1299;
	er->n_items = 3;
	in->n_items = 3;
	for (int i = 0; i < 3; i++) {
		struct return_item *it = &er->items[i];

		snprintf(it->sku, sizeof(it->sku), "SKU-%d", i);
		snprintf(it->gtin, sizeof(it->gtin), "0590123412345%d", 7);
		snprintf(it->category, sizeof(it->category), "apparel");
		it->quantity = 2;
		it->unit_price_minor = 4999 + i * 1000;
		it->weight_g = 200;
		in->items[i].quantity = 2;
		in->items[i].gtin_matched = true;
		in->items[i].grade = i == 2 ? GRADE_B : GRADE_A;
		in->items[i].handled_beyond_trial = i == 2;
	}
	in->received_at = now;
	in->weighed = true;
	in->weight_g = 1210;
	in->photographed = true;
}

int main(void)
{
	static int64_t t[ITERATIONS];
	struct expected_return er;
	struct inspection in;
	struct rules_policy pol;
	struct proposal prop;
	struct code code;
	int64_t now = INT64_C(1795000000) * 1000000, sink = 0;

	rules_policy_defaults(&pol);
	make_case(&er, &in, now);
	for (int i = 0; i < ITERATIONS; i++) {
		int64_t a = now_ns();

		code_classify("]C1RMA-10001", 12, &(struct code_patterns){
				      .rma = "RMA-*" }, &code);
		rules_propose(&er, &in, &pol, now + i, &prop);
		t[i] = now_ns() - a;
		sink += prop.refund_minor;
	}
	qsort(t, ITERATIONS, sizeof(t[0]), cmp);
	printf("{\"name\":\"core decision p50\",\"value\":%.3f,\"unit\":\"us\","
	       "\"target\":\"\"}\n", t[ITERATIONS / 2] / 1000.0);
	printf("{\"name\":\"core decision p99\",\"value\":%.3f,\"unit\":\"us\","
	       "\"target\":\"< 50\"}\n", t[ITERATIONS * 99 / 100] / 1000.0);
	fprintf(stderr, "(checksum %lld)\n", (long long)sink);
	return 0;
}
