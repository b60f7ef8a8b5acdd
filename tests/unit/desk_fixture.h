/* SPDX-License-Identifier: MIT */
/*
 * The desk's test bench, shared by the core's desk tests (test_workflow.c,
 * test_desk_scan.c, test_desk_measure.c, test_desk_clock.c): one desk, its
 * config and checklists, the batch of actions of the last event, and a
 * clock that moves one second per event.  A test file defines TEST_RECEIPT
 * (the id the shell gives an opened receipt) before including it.
 */
#ifndef RETOUR_TEST_DESK_FIXTURE_H
#define RETOUR_TEST_DESK_FIXTURE_H

#include <stdint.h>
#include <string.h>

#include "retour/workflow.h"

static struct checklist_set test_set;
static struct desk_config test_cfg;
static struct desk test_desk;
static struct desk_actions test_out;
static int64_t test_now;

/* One event as it is, with no outcome reported. */
static inline struct desk_actions *test_feed_raw(struct desk_event ev)
{
	test_now += USEC_PER_SEC;
	ev.now = test_now;
	memset(&test_out, 0x5a, sizeof(test_out));
	desk_handle(&test_desk, &test_cfg, &ev, &test_out);
	assert_true(test_out.n >= 0 && test_out.n <= DESK_MAX_ACTIONS);
	return &test_out;
}

/* What a shell that never fails reports after OPEN_RECEIPT, RESUME_RECEIPT
 * and DECIDE: the outcome's actions are appended to the batch, as the
 * station performs them right after it. */
static inline void test_report_outcomes(void)
{
	struct desk_actions more;
	int n = test_out.n;

	for (int i = 0; i < n; i++) {
		struct desk_event ev = {.now = test_now};

		if (test_out.a[i].kind == DESK_ACT_OPEN_RECEIPT) {
			ev.kind = DESK_EV_RECEIPT_OPENED;
			ev.receipt = TEST_RECEIPT;
		} else if (test_out.a[i].kind == DESK_ACT_RESUME_RECEIPT) {
			ev.kind = DESK_EV_RECEIPT_OPENED;
			ev.receipt = test_out.a[i].receipt_id;
		} else if (test_out.a[i].kind == DESK_ACT_DECIDE) {
			ev.kind = DESK_EV_DECIDED;
		} else {
			continue;
		}
		desk_handle(&test_desk, &test_cfg, &ev, &more);
		for (int k = 0; k < more.n && test_out.n < DESK_MAX_ACTIONS;
		     k++)
			test_out.a[test_out.n++] = more.a[k];
	}
}

/* One event, and the outcomes a shell that never fails reports. */
static inline struct desk_actions *test_feed(struct desk_event ev)
{
	test_feed_raw(ev);
	test_report_outcomes();
	return &test_out;
}

/* How many actions of this kind the last event's batch holds. */
static inline int test_count(enum desk_action_kind kind)
{
	int n = 0;

	for (int i = 0; i < test_out.n; i++)
		n += test_out.a[i].kind == kind;
	return n;
}

#endif
