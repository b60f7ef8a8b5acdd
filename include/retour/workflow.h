/* SPDX-License-Identifier: MIT */
/*
 * The desk's routine as a pure state machine: events in, actions out.
 *
 * One struct desk per station desk.  desk_handle() takes one event (a scan,
 * a scale reading, a photo stored, a checklist answer, a button, a tick of
 * time) and appends the actions the shell must perform (open a receipt,
 * ask the scale, take a photo, record an answer, write the decision, print,
 * set the light).  No I/O and no clock: time arrives inside each event.
 *
 * Two routines share the machine:
 *   return:  scan -> weigh -> photo -> items -> checklist -> confirm
 *   ship_qc: scan order -> items -> weigh -> photo (open box) -> checklist
 *            -> photo (sealed box) -> confirm
 * Every step has a timeout and a way back (DESK_EV_BACK); a desk without a
 * scale or a camera skips those steps and the record says so.
 *
 * The shell reports what became of the actions that can fail (the
 * parcel's record opened, the decision committed, a step not recorded, a
 * label printed) and what the devices do, as events too: the desk's state
 * (its step, prompt, problem and light) is written here and nowhere else.
 */
#ifndef RETOUR_WORKFLOW_H
#define RETOUR_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "retour/checklist.h"
#include "retour/code.h"
#include "retour/decision.h"
#include "retour/returns.h"
#include "retour/rules.h"
#include "retour/said.h"
#include "retour/tower.h"

enum desk_routine { DESK_ROUTINE_RETURN = 0, DESK_ROUTINE_SHIP_QC };

enum desk_step {
	DESK_STEP_SIGN_IN = 0,	/* nobody signed in: scan a badge */
	DESK_STEP_SCAN,		/* waiting for a return label / order code */
	DESK_STEP_WEIGH,	/* waiting for a stable weight */
	DESK_STEP_PHOTO,	/* parcel (return) or open box (ship-QC) */
	DESK_STEP_ITEMS,	/* scanning the items' GTINs */
	DESK_STEP_CHECKLIST,	/* answering the checklist, item by item */
	DESK_STEP_PHOTO_SEALED, /* ship-QC: the sealed box */
	DESK_STEP_CONFIRM,	/* proposal shown, the clerk confirms */
};

enum desk_button {
	DESK_BUTTON_ACCEPT = 0,
	DESK_BUTTON_REJECT,
	DESK_BUTTON_PEDAL,
	/* the parcel-present sensor saw a parcel put down: at the weigh step
	 * it asks the scale, like the pedal; anywhere else it means nothing
	 * and changes nothing (not even the problem shown) */
	DESK_BUTTON_PARCEL
};

enum desk_light {
	DESK_LIGHT_OFF = 0,
	DESK_LIGHT_GREEN,
	DESK_LIGHT_AMBER,
	DESK_LIGHT_RED
};

/* The desk's devices as the core sees them (the shell maps onto these). */
enum desk_device {
	DESK_DEVICE_SCANNER = 0,
	DESK_DEVICE_SCALE,
	DESK_DEVICE_PRINTER,
	DESK_DEVICE_CAMERA,
	DESK_DEVICE_GPIO,
	DESK_DEVICE_COUNT
};

enum desk_device_state {
	DESK_DEVICE_CONNECTED = 0, /* working, or never reported otherwise */
	DESK_DEVICE_MISSING,	   /* named by the board, not there */
	DESK_DEVICE_FAULT,	   /* there, but failing (reason given) */
};

/* Scale outcome as the core sees it (the device layer maps onto this). */
enum desk_weight_status {
	DESK_WEIGHT_STABLE = 0,
	DESK_WEIGHT_UNSTABLE, /* never settled within the driver's timeout */
	DESK_WEIGHT_OVERLOAD,
	DESK_WEIGHT_UNDERLOAD,
	DESK_WEIGHT_ERROR,
	DESK_WEIGHT_OFFLINE,
	DESK_WEIGHT_NEEDS_ZERO,	       /* the scale asks to be zeroed again */
	DESK_WEIGHT_NEEDS_CALIBRATION, /* the scale asks for a technician */
};

/* A weight typed in by the clerk: 1..DESK_MANUAL_WEIGHT_MAX_G grams, with
 * a reason of at most DESK_MANUAL_REASON_MAX bytes of UTF-8. */
#define DESK_MANUAL_WEIGHT_MAX_G 1000000
#define DESK_MANUAL_REASON_MAX 200

enum desk_event_kind {
	DESK_EV_SIGN_IN = 0, /* clerk */
	DESK_EV_SIGN_OUT,
	DESK_EV_ROUTINE,       /* routine; only between parcels */
	DESK_EV_SCAN,	       /* code + expected (NULL: no match) */
	DESK_EV_WEIGHT,	       /* weight_status, grams */
	DESK_EV_PHOTO,	       /* photo_sha256 ("" + text: capture failed) */
	DESK_EV_ANSWER,	       /* text: answer to the current checklist step */
	DESK_EV_BUTTON,	       /* button */
	DESK_EV_CONFIRM,       /* verdict (decision) + text (reason) */
	DESK_EV_ITEMS_DONE,    /* clerk says every item is scanned */
	DESK_EV_SKIP,	       /* skip the weigh/photo step (device missing);
				  text: why (NULL: the device's state says) */
	DESK_EV_BACK,	       /* one step back */
	DESK_EV_CANCEL,	       /* abandon the current parcel */
	DESK_EV_TICK,	       /* time passes: step timeouts */
	DESK_EV_PHOTO_REQUEST, /* the clerk asks for a photo (screen, API) */
	DESK_EV_SCAN_REFUSED,  /* text: why the scan is no code at all */
	/* what became of an action, reported by the shell: */
	DESK_EV_RECEIPT_OPENED, /* result; receipt (result 0) or text */
	DESK_EV_DECIDED,	/* result; text when it failed */
	DESK_EV_RECORD_FAILED,	/* result, text: a step was not recorded */
	DESK_EV_LABEL_PRINTED,	/* receipt, result; text when it failed */
	DESK_EV_DEVICE,		/* device, device_state, text (reason) */
	/* the clerk again: */
	DESK_EV_REMOVE, /* ship-QC: the next item scanned is taken out of
			   the box (code: that item at once) */
	/* the shell at start: receipt (and code, routine) was left open when
	 * the station stopped */
	DESK_EV_RESUME_OFFER,
	/* the clerk starts an unexpected return with the code that was
	 * not found (desk.not_found); the accept button does the same */
	DESK_EV_UNEXPECTED,
	/* the shell: receipt = how many outbox rows are dead now; one more
	 * than the desk last heard of is an error (the tower goes red and
	 * beeps) */
	DESK_EV_OUTBOX_DEAD,
	/* the shell: whether the date is known (date_known); when it becomes
	 * known, time_shift_us is what to add to every time the desk took
	 * while it was not (the shell's clock was unsure: clock.h) */
	DESK_EV_CLOCK,
};

struct desk_event {
	enum desk_event_kind kind;
	int64_t now;				/* UTC us */
	const char *clerk;			/* SIGN_IN */
	enum desk_routine routine;		/* ROUTINE */
	const struct code *code;		/* SCAN */
	const struct expected_return *expected; /* SCAN, NULL: no match */
	enum desk_weight_status weight_status;	/* WEIGHT */
	int32_t grams;				/* WEIGHT */
	const char *photo_sha256;		/* PHOTO */
	enum desk_button button;		/* BUTTON */
	enum verdict verdict;			/* CONFIRM */
	/* CONFIRM: the supervisor who authorises overriding a refusal (the
	 * shell checked the badge's role), NULL: none */
	const char *authorised_by;
	const char *text; /* ANSWER, CONFIRM reason, PHOTO error, outcomes */
	/* PHOTO: the tag of the TAKE_PHOTO it answers (0: none given, the
	 * photo answers the current step) */
	int64_t photo_tag;
	/* SCAN: the newest decided receipt of the matched expected return
	 * (0: none) and whether its label printed */
	int64_t prior_receipt;
	bool prior_label_printed;
	int result;			     /* outcomes: 0 or -errno */
	int64_t receipt;		     /* RECEIPT_OPENED, LABEL_PRINTED */
	enum desk_device device;	     /* DEVICE */
	enum desk_device_state device_state; /* DEVICE */
	/* WEIGHT: typed in by the clerk (the scale is broken), with the
	 * reason in text; weight_status is not read */
	bool manual;
	/* CONFIRM of a complaint: the remedy chosen ("repair", "replace",
	 * "reduce", "refund"; NULL or "": the proposal's) and, for "reduce",
	 * the reduction in minor units */
	const char *remedy;
	int64_t remedy_amount_minor;
	/* CLOCK */
	bool date_known;
	int64_t time_shift_us;
};

enum desk_action_kind {
	DESK_ACT_OPEN_RECEIPT = 0, /* code, expected_id (0: unexpected) */
	DESK_ACT_CANCEL_RECEIPT,   /* text: why */
	DESK_ACT_REQUEST_WEIGHT,
	DESK_ACT_RECORD_WEIGHT,	   /* weighed, grams, mismatch */
	DESK_ACT_TAKE_PHOTO,	   /* step: "parcel", "item", "open_box",
				      "sealed_box", checklist step id */
	DESK_ACT_RECORD_ITEM_SCAN, /* item (-1: not sold), gtin, serial */
	DESK_ACT_RECORD_ANSWER,	   /* template, version, step, text */
	DESK_ACT_DECIDE,	   /* desk->decision and desk->plan: write them
				      in one transaction, report DECIDED */
	DESK_ACT_SET_LIGHT,	   /* tower: the desk's tower state (tower.h);
				      tower_then: the state a refusal goes
				      back to; light: its colour; buzzer:
				      whether its pattern beeps */
	DESK_ACT_PRINT_LABEL,	   /* receipt_id; reprint: its stored label,
				      else desk->plan's; report LABEL_PRINTED */
	DESK_ACT_REMOVE_ITEM_SCAN, /* item, gtin: a unit taken out of the box;
				      the record drops its newest scan */
	DESK_ACT_ABANDON_RECEIPT,  /* receipt_id, text: a receipt left open
				      when the station stopped is closed */
	DESK_ACT_RESUME_RECEIPT,   /* receipt_id, code, expected_id: the
				      parcel scanned again is the receipt left
				      open; report RECEIPT_OPENED */
	DESK_ACT_RECORD_NOTE,	   /* step, text: a step went on without its
				      device ("photo skipped: camera gone",
				      "weighed manually: scale unplugged") */
};

struct desk_action {
	enum desk_action_kind kind;
	int64_t expected_id;
	int64_t receipt_id; /* PRINT_LABEL */
	bool reprint;	    /* PRINT_LABEL */
	int64_t photo_tag;  /* TAKE_PHOTO: give it back with the PHOTO */
	int item;
	bool weighed, mismatch, buzzer;
	int32_t grams;
	enum desk_light light;
	enum tower_state tower, tower_then;
	int template_version;
	char step[32];
	char template_id[32];
	char code[CODE_VALUE_LEN];
	char serial[32];
	char text[128];
	/* RECORD_WEIGHT: the clerk typed the weight in, and why */
	bool manual;
	char reason[DESK_MANUAL_REASON_MAX + 1];
};

#define DESK_MAX_ACTIONS 8
#define DESK_QC_EXTRA_MAX 32

struct desk_actions {
	int n;
	struct desk_action a[DESK_MAX_ACTIONS];
};

struct desk_config {
	struct rules_policy policy;
	const struct checklist_set *checklists; /* owned by the shell */
	bool has_scale;
	bool has_camera;
	bool has_printer;
	int64_t step_timeout_us; /* no activity for this long: parcel parked */
	int32_t ship_qc_tolerance_g;
	/* A stable reading at or below this many grams is an empty scale
	 * (nothing put down yet): "put the parcel on the scale", never the
	 * parcel's weight.  0 takes any reading above 0 g. */
	int32_t empty_scale_g;
	/* for the decision's keys and label (decision.h) */
	const char *desk_name;
	const char *shop;
	int64_t grace_us; /* undo window before anything goes to the shop */
	struct label_settings label; /* [label]: layout, barcode value */
};

/* The last decision made at the desk, for the undo button. */
struct desk_last_decision {
	int64_t receipt; /* 0: none yet */
	char verdict[16];
	int64_t decided_at; /* UTC us */
	int64_t undo_until; /* UTC us */
};

/* What DESK_ACT_DECIDE asks the shell to record. */
struct desk_decision {
	enum desk_routine routine;
	enum verdict verdict; /* ACCEPT/PARTIAL/REJECT/HOLD; ship-QC: ACCEPT =
				 passed, REJECT = failed */
	bool overridden;
	char override_reason[128];
	/* the supervisor who authorised overriding a refusal ("" when the
	 * override needed none) */
	char override_by[64];
	struct proposal proposal;     /* the engine's proposal, every reason */
	int64_t refund_minor;	      /* 0 unless accept/partial of a return */
	enum disposition disposition; /* for the label: the first item's */
	enum grade grade;
};

struct desk {
	enum desk_routine routine;
	enum desk_step step;
	char clerk[64];
	int64_t last_activity; /* UTC us, for timeouts */

	bool have_expected; /* false: unexpected return */
	struct expected_return expected;
	struct inspection found;
	char code[CODE_VALUE_LEN]; /* the parcel's code */

	/* checklist progress: item being checked and the step within it */
	int check_item;
	int check_step;
	const struct checklist *checklist;
	char answers[RETURN_MAX_ITEMS][CHECKLIST_MAX_STEPS]
		    [CHECKLIST_ANSWER_LEN];
	int qc_blocked; /* ship-QC: failed blocking steps */
	int qc_extra;	/* ship-QC: items scanned that are not in the order */
	/* ship-QC: the extra items' GTINs (the first DESK_QC_EXTRA_MAX), so
	 * that one taken out is known; and whether the next item scanned is
	 * taken out (DESK_EV_REMOVE) rather than counted */
	char qc_extra_gtin[DESK_QC_EXTRA_MAX][15];
	bool qc_removing;

	int64_t receipt_id; /* the parcel's record, 0 until it is opened */
	/* the photo the step waits for: its tag and where the desk was when
	 * it asked (a photo for a step the desk has left is late) */
	struct {
		int64_t tag; /* 0: none */
		enum desk_step step;
		int check_item, check_step;
	} photo_wait;
	int64_t photo_tags;	 /* the last tag given */
	int64_t reprint_receipt; /* a decided return's label printed again */

	struct proposal proposal;      /* valid at DESK_STEP_CONFIRM */
	struct desk_decision decision; /* valid with DESK_ACT_DECIDE */
	struct decision_plan plan;     /* valid with DESK_ACT_DECIDE */
	bool deciding;		       /* DECIDE asked, DECIDED not back */
	struct desk_last_decision last;

	/* the devices as last reported (DESK_EV_DEVICE) */
	enum desk_device_state devices[DESK_DEVICE_COUNT];
	char device_reason[DESK_DEVICE_COUNT][96];

	/* A receipt left open when the station stopped (0: none): scanning
	 * its code resumes it, cancel (between parcels) abandons it. */
	struct {
		int64_t receipt;
		enum desk_routine routine;
		char code[CODE_VALUE_LEN];
	} resume;

	/* Scans the desk refused (no code, bad check digit, wrong step, not
	 * a product code...): nothing recorded.  For the metrics. */
	uint64_t scans_rejected;
	/* Dead outbox rows, as last reported (DESK_EV_OUTBOX_DEAD). */
	int64_t outbox_dead;

	/* The weigh step's last stable reading was an empty scale: the
	 * desk asks the scale again at the next tick. */
	bool scale_empty;

	/* What the screen shows: the prompt for this step and the last problem
	 */
	char prompt[160];
	char problem[160];
	/* the same for the screen: each sentence's code and values
	 * (retour/said.h); the code is "" when the text is */
	struct said prompt_said;
	struct said problem_said;
	enum desk_light light;	/* the colour of tower */
	enum tower_state tower; /* what the tower light and buzzer show */

	/* The date is not known (DESK_EV_CLOCK): the shell's clock was
	 * never set on this boot.  false, the default, is a known date. */
	bool date_unknown;
	/* The parcel is done but its decision waits for the date: the desk
	 * is at the confirm step with no proposal (every decision is dated:
	 * the law's windows, the record, the keys the shop sees); it makes
	 * the proposal when the date is known. */
	bool clock_hold;

	/* An RMA-like code that matched no expected return (desk_scan.c):
	 * the desk waits at the scan step for the order or tracking number
	 * to search by, or for the clerk to start an unexpected return with
	 * this code.  "" when nothing was not found. */
	char not_found[CODE_VALUE_LEN];
};

void desk_init(struct desk *d, const struct desk_config *cfg);
/* Apply one event.  Never fails: events that make no sense in the current
 * step set d->problem (shown to the clerk) and change nothing else. */
void desk_handle(struct desk *d, const struct desk_config *cfg,
		 const struct desk_event *ev, struct desk_actions *out);

const char *desk_step_name(enum desk_step s);
const char *desk_routine_name(enum desk_routine r);
const char *desk_light_name(enum desk_light l);
const char *desk_device_name(enum desk_device k);
/* Who the record says acts at the desk: the signed-in clerk, or
 * "station" when nobody is. */
const char *desk_actor(const struct desk *d);
const char *desk_device_state_name(enum desk_device_state s);
/*
 * Whether the desk takes a weight typed in by the clerk now: 0, -EINVAL
 * when @grams or @reason is not one it takes (bad input), -EBUSY when the
 * desk is not weighing a parcel; @err says why.  desk_handle() applies the
 * same check to a manual DESK_EV_WEIGHT.
 */
int desk_manual_weight_check(const struct desk *d, int64_t grams,
			     const char *reason, char *err, size_t errlen);
/* Whether a stable reading of @grams is an empty scale (at or below
 * cfg->empty_scale_g): "put the parcel on the scale", not its weight. */
bool desk_scale_is_empty(const struct desk_config *cfg, int32_t grams);
/* Whether confirming @v at the confirm step pays or passes what the
 * proposal refused (reject/hold -> accept/partial; a failed QC passed):
 * then DESK_EV_CONFIRM needs authorised_by, a supervisor. */
bool desk_override_needs_supervisor(const struct desk *d, enum verdict v);
/*
 * The label's fields as confirming the proposal now (@now) would print
 * them, at the confirm step; while a decision is being recorded, its own.
 * false when there is none to show (another step, the proposal waits for
 * the clock).
 */
bool desk_label_preview(const struct desk *d, const struct desk_config *cfg,
			int64_t now, struct label_fields *out);

#endif
