/* SPDX-License-Identifier: MIT */
/*
 * The station: wires devices, store and outbox around the pure desk
 * workflow.  Events go in through station_feed(); the actions the workflow
 * answers with are performed here, in order, and any event an action
 * produces (a photo taken) is queued and fed after the current batch, so
 * the desk never sees events out of order.
 *
 * What it deliberately does not do: decide anything.  Every "should we"
 * lives in src/core/; this file only does what it is told and records it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "retour/camera.h"
#include "retour/civil_time.h"
#include "retour/code.h"
#include "retour/event.h"
#include "retour/expected_json.h"
#include "retour/gpio.h"
#include "retour/label.h"
#include "retour/outbox.h"
#include "retour/photo.h"
#include "retour/printer.h"
#include "retour/scale.h"
#include "retour/scanner.h"
#include "retour/spool.h"
#include "retour/station.h"

#define QUEUE_LEN 8
#define LATENCY_SAMPLES 1024

struct queued_event {
	struct desk_event ev;
	char sha[65];
	char text[160];
};

struct station {
	const struct config *cfg;
	sd_event *ev;
	struct store *store;
	struct checklist_set checklists;
	struct desk_config desk_cfg;
	struct desk desk;
	struct desk *desk_at_confirm; /* to go back to if a decision fails */
	struct code_patterns patterns;

	struct scanner *scanner;
	struct scale *scale;
	struct printer *printer;
	struct camera *camera;
	struct gpio *gpio;
	struct outbox_sender *sender;
	sd_event_source *sender_notify;
	struct spool *spool; /* labels, printed off the loop */
	char scanner_error[160];
	char scale_error[160];
	char printer_error[160];
	char camera_error[160];
	char sender_error[160];
	enum scale_status scale_last;

	int64_t receipt_id;	      /* open parcel, 0 none */
	int64_t receipt_started_mono; /* for scan-to-decision latency */
	int64_t last_decided_receipt;
	int64_t last_decided_at;
	char last_verdict[16];

	struct queued_event queue[QUEUE_LEN];
	int queue_head, queue_len;
	bool feeding;

	/* counters for /metrics */
	uint64_t receipts_total;
	uint64_t decisions[4];
	uint64_t scans_rejected;
	int64_t latency_us[LATENCY_SAMPLES];
	uint64_t latency_n;
	char *metrics;
};

static int64_t now_realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t now_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *station_actor(const struct station *st)
{
	return st->desk.clerk[0] ? st->desk.clerk : "station";
}

/* ---- checklists ---- */

static int station_load_checklists(struct station *st, char *err, size_t errlen)
{
	const char *dir = st->cfg->checklists;
	struct dirent **names = NULL;
	int n, r = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		r = -errno;
		snprintf(err, errlen, "checklists %s: %s", dir, strerror(-r));
		return r;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		char path[CONFIG_PATH_LEN + 300], perr[200], *text = NULL;
		struct checklist *cl;
		FILE *f;
		long size;

		if (r < 0 || len < 5 || strcmp(name + len - 4, ".ini"))
			goto next;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		f = fopen(path, "re");
		if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
		    size > 256 * 1024 || fseek(f, 0, SEEK_SET)) {
			snprintf(err, errlen, "%s: cannot be read", path);
			r = -EIO;
			if (f)
				fclose(f);
			goto next;
		}
		text = malloc((size_t)size + 1);
		if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
			snprintf(err, errlen, "%s: cannot be read", path);
			r = -EIO;
			fclose(f);
			free(text);
			goto next;
		}
		fclose(f);
		text[size] = '\0';
		cl = malloc(sizeof(*cl));
		if (!cl) {
			r = -ENOMEM;
			free(text);
			goto next;
		}
		if (checklist_parse(text, (size_t)size, cl, perr,
				    sizeof(perr)) < 0) {
			snprintf(err, errlen, "%s: %s", path, perr);
			r = -EINVAL;
		} else if (checklist_set_add(&st->checklists, cl) < 0) {
			snprintf(err, errlen,
				 "%s: too many checklists or a "
				 "duplicate id '%s'",
				 path, cl->id);
			r = -EINVAL;
		}
		free(cl);
		free(text);
	next:
		free(names[i]);
	}
	free(names);
	return r;
}

/* ---- the event queue and the actions ---- */

static void station_perform(struct station *st,
			    const struct desk_actions *acts);

static void station_enqueue_photo(struct station *st, const char *sha,
				  const char *error)
{
	struct queued_event *q;

	if (st->queue_len == QUEUE_LEN)
		return; /* cannot happen: one photo per action batch */
	q = &st->queue[(st->queue_head + st->queue_len++) % QUEUE_LEN];
	memset(q, 0, sizeof(*q));
	q->ev.kind = DESK_EV_PHOTO;
	snprintf(q->sha, sizeof(q->sha), "%s", sha ? sha : "");
	snprintf(q->text, sizeof(q->text), "%s", error ? error : "");
}

/* The workflow's step, remembering the desk at the confirm step: a
 * decision that cannot be recorded puts the desk back there. */
static void station_handle(struct station *st, const struct desk_event *ev,
			   struct desk_actions *acts)
{
	if (st->desk.step == DESK_STEP_CONFIRM && st->desk_at_confirm)
		*st->desk_at_confirm = st->desk;
	memset(acts, 0, sizeof(*acts));
	desk_handle(&st->desk, &st->desk_cfg, ev, acts);
}

void station_feed(struct station *st, struct desk_event *ev)
{
	struct desk_actions acts;

	ev->now = now_realtime_us();
	station_handle(st, ev, &acts);
	if (st->feeding) {
		/* Only reachable through a device callback that fires inside
		 * an action; its actions run now, in order. */
		station_perform(st, &acts);
		return;
	}
	st->feeding = true;
	station_perform(st, &acts);
	while (st->queue_len) {
		struct queued_event q = st->queue[st->queue_head];

		st->queue_head = (st->queue_head + 1) % QUEUE_LEN;
		st->queue_len--;
		q.ev.photo_sha256 = q.sha;
		q.ev.text = q.text[0] ? q.text : NULL;
		q.ev.now = now_realtime_us();
		station_handle(st, &q.ev, &acts);
		station_perform(st, &acts);
	}
	st->feeding = false;
}

static void station_take_photo(struct station *st, const char *step)
{
	char err[256], sha[65], path[512];
	void *data = NULL;
	size_t len = 0;
	int r;

	if (!st->camera) {
		station_enqueue_photo(st, "", "no camera on this desk");
		return;
	}
	r = camera_capture(st->camera, &data, &len, err, sizeof(err));
	if (r < 0) {
		snprintf(st->camera_error, sizeof(st->camera_error), "%s", err);
		station_enqueue_photo(st, "", err);
		return;
	}
	st->camera_error[0] = '\0';
	r = photo_store_save(st->cfg->photos, data, len,
			     st->cfg->photo_min_free_bytes, sha, path,
			     sizeof(path), err, sizeof(err));
	if (r < 0) {
		free(data);
		fprintf(stderr, "retourd: photo refused: %s\n", err);
		station_enqueue_photo(st, "", err);
		return;
	}
	r = st->receipt_id
		? store_photo_add(st->store, st->receipt_id, step, sha, path,
				  (int64_t)len, station_actor(st),
				  now_realtime_us())
		: -ENOENT;
	free(data);
	if (r < 0) {
		snprintf(err, sizeof(err), "photo could not be recorded: %s",
			 r == -ENOENT ? "no open parcel" : strerror(-r));
		station_enqueue_photo(st, "", err);
		return;
	}
	station_enqueue_photo(st, sha, NULL);
}

static const char *decision_verdict_text(const struct desk_decision *d)
{
	if (d->routine == DESK_ROUTINE_SHIP_QC)
		return d->verdict == VERDICT_ACCEPT ? "qc_passed" : "qc_failed";
	return verdict_name(d->verdict);
}

/* Where a disposition goes on the shelf: fixed names the warehouse can map
 * to its own bins. */
static const char *disposition_bin(enum disposition d)
{
	switch (d) {
	case DISPOSITION_RESTOCK:
		return "RESTOCK-A";
	case DISPOSITION_RESTOCK_B:
		return "B-STOCK";
	case DISPOSITION_REFURBISH:
		return "REFURB";
	case DISPOSITION_VENDOR:
		return "RTV";
	case DISPOSITION_SCRAP:
		return "SCRAP";
	case DISPOSITION_HOLD:
		break;
	}
	return "HOLD";
}

/* A label's outcome, from the spool (or at once when it refused it). */
static void station_on_printed(void *userdata, int64_t receipt_id, int r,
			       const char *err)
{
	struct station *st = userdata;

	if (r < 0) {
		snprintf(st->printer_error, sizeof(st->printer_error), "%s",
			 err);
		snprintf(st->desk.problem, sizeof(st->desk.problem),
			 "Label for receipt %lld not printed: %s",
			 (long long)receipt_id, err);
	} else {
		st->printer_error[0] = '\0';
	}
	store_label_mark_printed(st->store, receipt_id, r >= 0,
				 r < 0 ? err : "printed", now_realtime_us());
}

static int station_decide(struct station *st)
{
	const struct desk *d = &st->desk;
	const struct desk_decision *dec = &d->decision;
	const char *verdict = decision_verdict_text(dec);
	int64_t now = now_realtime_us();
	struct decision_record rec = {0};
	struct outbox_new out[2];
	struct label_fields lf;
	char zpl[4096];
	char *proposal_text;
	json_t *prop;
	int n_out = 0, r, zlen;
	int64_t day;

	if (!st->receipt_id) {
		/* Cannot happen since a failed open sends the desk back to
		 * scan; if it does, the clerk must not believe it recorded. */
		snprintf(st->desk.problem, sizeof(st->desk.problem),
			 "Decision NOT recorded: this parcel has no record; "
			 "scan it again");
		return -ENOENT;
	}
	/* The proposal is recorded once, on the receipt; the events sent to
	 * the shop are rendered from it. */
	prop = event_proposal_to_json(&dec->proposal);
	proposal_text =
	    prop ? json_dumps(prop, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(prop);

	/* The label first: it is part of the record. */
	memset(&lf, 0, sizeof(lf));
	snprintf(lf.rma, sizeof(lf.rma), "%s",
		 d->have_expected ? d->expected.rma : "");
	snprintf(lf.order, sizeof(lf.order), "%s",
		 d->have_expected ? d->expected.order_ref : "");
	snprintf(lf.verdict, sizeof(lf.verdict), "%s", verdict);
	snprintf(lf.grade, sizeof(lf.grade), "%s", grade_name(dec->grade));
	snprintf(lf.disposition, sizeof(lf.disposition), "%s",
		 disposition_name(dec->disposition));
	snprintf(lf.bin, sizeof(lf.bin), "%s",
		 disposition_bin(dec->disposition));
	day = civil_time_local_day(now, st->cfg->policy.utc_offset_min,
				   st->cfg->policy.eu_summer_time);
	civil_time_format_date(day, lf.date, sizeof(lf.date));
	snprintf(lf.station, sizeof(lf.station), "%s", st->cfg->desk);
	snprintf(lf.clerk, sizeof(lf.clerk), "%s", station_actor(st));
	if (dec->refund_minor > 0)
		money_format(dec->refund_minor, dec->proposal.currency,
			     lf.refund, sizeof(lf.refund));
	snprintf(lf.barcode, sizeof(lf.barcode), "%s",
		 lf.rma[0] ? lf.rma : lf.order);
	if (dec->grade == GRADE_NONE)
		lf.grade[0] = '\0';
	for (int attempt = 0; attempt < 2; attempt++) {
		if (dec->routine == DESK_ROUTINE_SHIP_QC &&
		    dec->verdict == VERDICT_ACCEPT)
			zlen = label_qc_passed_zpl(&lf, zpl, sizeof(zpl));
		else
			zlen = label_disposition_zpl(&lf, zpl, sizeof(zpl));
		if (zlen != -EINVAL)
			break;
		lf.barcode[0] = '\0'; /* a code Code 128 cannot carry */
	}

	/*
	 * The outbox rows: the refund (after the grace period) and the event.
	 * They hold no body: it is rendered from this decision when they are
	 * sent (event.h), so the record keeps the facts once.
	 */
	if (dec->routine == DESK_ROUTINE_RETURN && dec->refund_minor > 0) {
		snprintf(out[n_out].key, sizeof(out[n_out].key),
			 "%s:%s:%lld:refund:%lld", st->cfg->shop, st->cfg->desk,
			 (long long)st->receipt_id, (long long)now);
		out[n_out].action = EVENT_REFUND_REQUESTED;
		out[n_out].payload = NULL;
		out[n_out].not_before = now + st->cfg->grace_us;
		n_out++;
	}
	{
		const char *type =
		    dec->routine == DESK_ROUTINE_SHIP_QC
			? (dec->verdict == VERDICT_ACCEPT ? EVENT_QC_PASSED
							  : EVENT_QC_FAILED)
			: EVENT_RETURN_DECIDED;

		snprintf(out[n_out].key, sizeof(out[n_out].key),
			 "%s:%s:%lld:%s:%lld", st->cfg->shop, st->cfg->desk,
			 (long long)st->receipt_id, type, (long long)now);
		out[n_out].action = type;
		out[n_out].payload = NULL;
		/* the event waits with the refund, so an undo retracts both */
		out[n_out].not_before = now + st->cfg->grace_us;
		n_out++;
	}

	rec.verdict = verdict;
	rec.proposal_json = proposal_text;
	rec.overridden = dec->overridden;
	rec.override_reason = dec->overridden ? dec->override_reason : NULL;
	rec.refund_minor = dec->refund_minor;
	snprintf(rec.currency, sizeof(rec.currency), "%s",
		 dec->proposal.currency[0]
		     ? dec->proposal.currency
		     : (d->have_expected ? d->expected.currency : ""));
	rec.decided_by = station_actor(st);
	rec.decided_at = now;
	rec.shop = st->cfg->shop;
	rec.label_zpl = zlen > 0 ? zpl : NULL;
	r = proposal_text ? store_receipt_decide(st->store, st->receipt_id,
						 &rec, out, n_out)
			  : -ENOMEM;
	free(proposal_text);
	if (r < 0)
		return r;
	if (dec->verdict >= 0 && dec->verdict <= VERDICT_HOLD)
		st->decisions[dec->verdict]++;
	if (st->receipt_started_mono) {
		st->latency_us[st->latency_n % LATENCY_SAMPLES] =
		    now_mono_us() - st->receipt_started_mono;
		st->latency_n++;
	}
	st->last_decided_receipt = st->receipt_id;
	st->last_decided_at = now;
	snprintf(st->last_verdict, sizeof(st->last_verdict), "%s", verdict);
	if (st->sender)
		outbox_sender_kick(st->sender);

	/*
	 * Print after the commit, off the loop: a printer fault never loses
	 * the decision, and a printer that does not answer never holds the
	 * desk.  station_on_printed records the outcome.
	 */
	if (st->spool && zlen > 0) {
		char name[64];

		snprintf(name, sizeof(name), "receipt-%lld",
			 (long long)st->receipt_id);
		r = spool_submit(st->spool, st->receipt_id, name, zpl,
				 (size_t)zlen);
		if (r < 0)
			station_on_printed(st, st->receipt_id, r,
					   r == -EBUSY
					       ? "too many labels waiting for "
						 "the printer"
					       : strerror(-r));
	}
	st->receipt_id = 0;
	st->receipt_started_mono = 0;
	return 0;
}

/*
 * The shell's own word to the clerk, outside the workflow's steps: red
 * (with the buzzer) for what failed, amber for what needs a look.
 */
static void station_alert(struct station *st, enum desk_light light)
{
	st->desk.light = light;
	if (st->gpio)
		gpio_set_light(st->gpio,
			       light == DESK_LIGHT_RED ? GPIO_LIGHT_RED
						       : GPIO_LIGHT_AMBER,
			       light == DESK_LIGHT_RED);
}

/*
 * The parcel's record could not be opened: without it no step can be
 * recorded, so the desk goes back to scan and says so, rather than walk
 * the clerk through a routine that would leave nothing behind.
 */
static void station_open_failed(struct station *st, int r)
{
	struct desk_event ev = {.kind = DESK_EV_CANCEL};

	fprintf(stderr, "retourd: parcel not recorded: %s (%s)\n", strerror(-r),
		store_errmsg(st->store));
	st->receipt_id = 0;
	station_feed(st, &ev);
	snprintf(st->desk.problem, sizeof(st->desk.problem),
		 "Parcel NOT recorded (%s): scan it again", strerror(-r));
	station_alert(st, DESK_LIGHT_RED);
}

/*
 * The decision did not commit: the desk goes back to the confirm step it
 * was taken from, with the receipt still open, so the clerk can confirm
 * again once the cause is gone.
 */
static void station_decide_failed(struct station *st, int r)
{
	fprintf(stderr,
		"retourd: decision for receipt %lld not recorded: %s (%s)\n",
		(long long)st->receipt_id, strerror(-r),
		store_errmsg(st->store));
	if (st->desk_at_confirm &&
	    st->desk_at_confirm->step == DESK_STEP_CONFIRM)
		st->desk = *st->desk_at_confirm;
	snprintf(st->desk.problem, sizeof(st->desk.problem),
		 "Decision NOT recorded (%s): confirm again, or call a "
		 "supervisor",
		 r == -EEXIST ? store_errmsg(st->store) : strerror(-r));
	station_alert(st, DESK_LIGHT_RED);
}

static void station_perform(struct station *st, const struct desk_actions *acts)
{
	for (int i = 0; i < acts->n && i < DESK_MAX_ACTIONS; i++) {
		const struct desk_action *a = &acts->a[i];
		int64_t now = now_realtime_us();
		int r = 0;

		switch (a->kind) {
		case DESK_ACT_OPEN_RECEIPT: {
			struct receipt_open ro = {0};

			ro.expected_id = a->expected_id;
			ro.routine = st->desk.routine == DESK_ROUTINE_SHIP_QC
					 ? ROUTINE_SHIP_QC
					 : ROUTINE_RETURN;
			snprintf(ro.desk, sizeof(ro.desk), "%s", st->cfg->desk);
			snprintf(ro.clerk, sizeof(ro.clerk), "%s",
				 station_actor(st));
			snprintf(ro.code, sizeof(ro.code), "%s", a->code);
			ro.received_at = now;
			r = store_receipt_open(st->store, &ro, &st->receipt_id);
			if (r < 0) {
				station_open_failed(st, r);
				return; /* the rest was for that parcel */
			}
			st->receipts_total++;
			st->receipt_started_mono = now_mono_us();
			break;
		}
		case DESK_ACT_CANCEL_RECEIPT:
			if (st->receipt_id)
				r = store_receipt_cancel(
				    st->store, st->receipt_id,
				    station_actor(st), now);
			st->receipt_id = 0;
			break;
		case DESK_ACT_REQUEST_WEIGHT:
			if (st->scale) {
				r = scale_request_stable(st->scale);
				if (r == -EBUSY)
					r = 0; /* a request is on its way */
			}
			break;
		case DESK_ACT_RECORD_WEIGHT:
			if (st->receipt_id)
				r = store_receipt_set_weight(
				    st->store, st->receipt_id, a->weighed,
				    a->grams, a->mismatch, station_actor(st),
				    now);
			break;
		case DESK_ACT_TAKE_PHOTO:
			station_take_photo(st, a->step);
			break;
		case DESK_ACT_RECORD_ITEM_SCAN:
			if (st->receipt_id)
				r = store_receipt_add_item_scan(
				    st->store, st->receipt_id, a->item, a->code,
				    a->serial, station_actor(st), now);
			break;
		case DESK_ACT_RECORD_ANSWER:
			if (st->receipt_id)
				r = store_checklist_answer(
				    st->store, st->receipt_id, a->template_id,
				    a->template_version, a->step, a->text,
				    station_actor(st), now);
			break;
		case DESK_ACT_DECIDE:
			r = station_decide(st);
			if (r < 0) {
				station_decide_failed(st, r);
				return; /* nothing after a decision that is not
					 */
			}
			break;
		case DESK_ACT_SET_LIGHT:
			if (st->gpio)
				gpio_set_light(st->gpio,
					       (enum gpio_light)a->light,
					       a->buzzer);
			break;
		}
		if (r < 0) {
			fprintf(stderr, "retourd: action %d failed: %s (%s)\n",
				a->kind, strerror(-r), store_errmsg(st->store));
			snprintf(st->desk.problem, sizeof(st->desk.problem),
				 "Could not record this step (%s): try again",
				 strerror(-r));
		}
	}
}

/* ---- inputs ---- */

/* A scan that is not a code at all: say so, light red, change nothing. */
static void station_refuse_scan(struct station *st, const char *why)
{
	st->scans_rejected++;
	snprintf(st->desk.problem, sizeof(st->desk.problem), "Scan refused: %s",
		 why);
	station_alert(st, DESK_LIGHT_RED);
}

/*
 * A return already decided on another receipt is not opened again: a
 * second decision would refund it twice.  The clerk is told which receipt
 * it was; a label that never came out (printer off, power cut) is printed
 * again, since a rescan is what a clerk does with an unlabelled parcel.
 * Ship-QC orders may be checked again after a fix.
 */
static bool station_already_decided(struct station *st,
				    const struct expected_return *er)
{
	const char *code = er->rma[0] ? er->rma : er->order_ref;
	const char *label = "";
	bool printed = true;
	int64_t rid = 0;
	char *zpl = NULL;

	if (er->kind == RETURN_SHIPMENT ||
	    store_expected_decided(st->store, er->id, &rid, &printed) <= 0)
		return false;
	if (!printed) {
		label = "; its label could not be printed again";
		if (st->spool && store_label_zpl(st->store, rid, &zpl) == 0) {
			char name[64];

			snprintf(name, sizeof(name), "receipt-%lld",
				 (long long)rid);
			if (spool_submit(st->spool, rid, name, zpl,
					 strlen(zpl)) == 0)
				label = "; its label is printed again";
			free(zpl);
		}
	}
	snprintf(st->desk.problem, sizeof(st->desk.problem),
		 "%s was already decided on receipt %lld%s", code,
		 (long long)rid, label);
	station_alert(st, DESK_LIGHT_AMBER);
	return true;
}

void station_scan(struct station *st, const char *line, size_t len)
{
	struct expected_return *er = NULL;
	struct desk_event ev = {.kind = DESK_EV_SCAN};
	char name[64], badge[64];
	struct code code;
	int r;

	/* A badge signs in (or switches clerks between parcels). */
	if (len > 0 && len < sizeof(badge)) {
		memcpy(badge, line, len);
		badge[len] = '\0';
		badge[strcspn(badge, "\r\n")] = '\0';
		if (store_clerk_by_badge(st->store, badge, name,
					 sizeof(name)) == 0) {
			struct desk_event sev = {.kind = DESK_EV_SIGN_IN,
						 .clerk = name};

			station_feed(st, &sev);
			if (!strcmp(st->desk.clerk, name))
				store_audit_append(
				    st->store, name, "clerk.sign_in",
				    st->cfg->desk, NULL, now_realtime_us());
			return;
		}
	}
	r = code_classify(line, len, &st->patterns, &code);
	if (r < 0) {
		station_refuse_scan(st, code.problem);
		return;
	}
	if (code.valid && st->desk.step == DESK_STEP_SCAN) {
		er = malloc(sizeof(*er));
		if (er && store_expected_find(st->store, code.value, er) < 0) {
			/* an RMA inside a GS1 string or a bare GTIN never
			 * names a return; nothing more to try */
			free(er);
			er = NULL;
		}
	}
	if (er && station_already_decided(st, er)) {
		free(er);
		return;
	}
	ev.code = &code;
	ev.expected = er;
	station_feed(st, &ev);
	free(er);
}

int station_sign_in(struct station *st, const char *badge, const char *name,
		    char *err, size_t errlen)
{
	char found[64];
	struct desk_event ev = {.kind = DESK_EV_SIGN_IN};

	if (badge && *badge) {
		if (store_clerk_by_badge(st->store, badge, found,
					 sizeof(found)) < 0) {
			snprintf(err, errlen, "unknown badge '%s'", badge);
			return -ENOENT;
		}
	} else if (name && *name) {
		bool known = false;

		for (int i = 0; i < st->cfg->n_clerks; i++)
			if (!strcmp(st->cfg->clerks[i].name, name))
				known = true;
		if (!known) {
			json_t *dummy = NULL;

			(void)dummy;
			snprintf(err, errlen, "unknown clerk '%s'", name);
			return -ENOENT;
		}
		snprintf(found, sizeof(found), "%s", name);
	} else {
		snprintf(err, errlen, "give a badge or a name");
		return -EINVAL;
	}
	if (st->receipt_id) {
		snprintf(err, errlen,
			 "finish or cancel the current parcel first");
		return -EBUSY;
	}
	ev.clerk = found;
	station_feed(st, &ev);
	store_audit_append(st->store, found, "clerk.sign_in", st->cfg->desk,
			   NULL, now_realtime_us());
	return 0;
}

int station_register_clerk(struct station *st, const char *badge,
			   const char *name, char *err, size_t errlen)
{
	int r;

	if (!badge || !*badge || strlen(badge) >= 48 || !name || !*name ||
	    strlen(name) >= 64) {
		snprintf(err, errlen,
			 "badge (1-47 bytes) and name (1-63 bytes) "
			 "are required");
		return -EINVAL;
	}
	r = store_clerk_put(st->store, badge, name, now_realtime_us());
	if (r < 0)
		snprintf(err, errlen, "clerk not stored: %s", strerror(-r));
	return r;
}

void station_weigh(struct station *st)
{
	struct desk_event ev = {.kind = DESK_EV_BUTTON,
				.button = DESK_BUTTON_PEDAL};

	station_feed(st, &ev);
}

void station_photo(struct station *st)
{
	const struct desk *d = &st->desk;
	bool photo_step =
	    d->step == DESK_STEP_PHOTO || d->step == DESK_STEP_PHOTO_SEALED;

	/* A checklist's "take a photo" step is answered by this photo. */
	if (d->step == DESK_STEP_CHECKLIST && d->checklist &&
	    d->check_step >= 0 && d->check_step < d->checklist->n_steps &&
	    d->checklist->steps[d->check_step].kind == CHECKLIST_PHOTO)
		photo_step = true;
	if (photo_step) {
		struct desk_event ev = {.kind = DESK_EV_BUTTON,
					.button = DESK_BUTTON_PEDAL};

		station_feed(st, &ev);
		return;
	}
	/* extra evidence at any step of an open parcel */
	if (st->receipt_id) {
		struct desk_actions acts = {.n = 1};

		acts.a[0].kind = DESK_ACT_TAKE_PHOTO;
		snprintf(acts.a[0].step, sizeof(acts.a[0].step), "evidence");
		station_perform(st, &acts);
		/* the result is not an answer to anything: drop the event */
		st->queue_len = 0;
	}
}

int station_press(struct station *st, const char *button, char *err,
		  size_t errlen)
{
	int b = gpio_button_from_name(button);

	if (b < 0) {
		snprintf(err, errlen,
			 "unknown button '%s' (accept, reject, "
			 "pedal)",
			 button);
		return -EINVAL;
	}
	if (!st->gpio) {
		snprintf(err, errlen, "no buttons on this desk");
		return -ENODEV;
	}
	return gpio_press(st->gpio, (enum gpio_button)b);
}

int station_undo(struct station *st, int64_t receipt_id, char *err,
		 size_t errlen)
{
	int r = store_receipt_undo(st->store, receipt_id, station_actor(st),
				   now_realtime_us());

	if (r == -EALREADY)
		snprintf(err, errlen,
			 "too late: the shop was already told "
			 "about receipt %lld",
			 (long long)receipt_id);
	else if (r == -ENOENT)
		snprintf(err, errlen, "no decided receipt %lld",
			 (long long)receipt_id);
	else if (r < 0)
		snprintf(err, errlen, "undo failed: %s", strerror(-r));
	return r;
}

int station_outbox_retry(struct station *st, int64_t id, char *err,
			 size_t errlen)
{
	int r = store_outbox_retry(st->store, id, station_actor(st),
				   now_realtime_us());

	if (r == -ENOENT)
		snprintf(err, errlen, "no outbox entry %lld waiting or dead",
			 (long long)id);
	else if (r < 0)
		snprintf(err, errlen, "retry failed: %s", strerror(-r));
	else if (st->sender)
		outbox_sender_kick(st->sender);
	return r;
}

int station_import_expected(struct station *st, json_t *doc, json_t *kept,
			    char *err, size_t errlen)
{
	struct expected_return *ers = NULL;
	int n, r = 0, stored = 0;

	n = expected_json_parse_batch(doc, &st->cfg->policy, &ers, err, errlen);
	if (n < 0)
		return n == -E2BIG ? -EINVAL : n;
	if (n == 0) {
		snprintf(err, errlen, "no expected returns in the body");
		return -EINVAL;
	}
	/* All parsed: store them, each upsert in its own transaction. */
	for (int i = 0; i < n && r >= 0; i++) {
		r = store_expected_put(st->store, &ers[i], "api",
				       now_realtime_us());
		if (r == STORE_EXPECTED_KEPT && kept)
			json_array_append_new(
			    kept,
			    json_string(ers[i].rma[0] ? ers[i].rma
						      : ers[i].order_ref));
		else if (r == 0)
			stored++;
	}
	free(ers);
	if (r < 0) {
		snprintf(err, errlen, "not stored: %s (%s)", strerror(-r),
			 store_errmsg(st->store));
		return r;
	}
	return stored;
}

/* ---- devices ---- */

static void station_on_scan_line(void *userdata, const char *line, size_t len,
				 bool overlong)
{
	struct station *st = userdata;

	if (overlong) {
		char why[96];

		snprintf(why, sizeof(why),
			 "the scanner sent a line longer than %d bytes",
			 st->cfg->scanner_max_line);
		station_refuse_scan(st, why);
		return;
	}
	station_scan(st, line, len);
}

static void station_on_weight(void *userdata, const struct scale_reading *r)
{
	struct station *st = userdata;
	struct desk_event ev = {.kind = DESK_EV_WEIGHT, .grams = r->grams};

	st->scale_last = r->status;
	switch (r->status) {
	case SCALE_STABLE:
		ev.weight_status = DESK_WEIGHT_STABLE;
		break;
	case SCALE_UNSTABLE:
		ev.weight_status = DESK_WEIGHT_UNSTABLE;
		break;
	case SCALE_OVERLOAD:
		ev.weight_status = DESK_WEIGHT_OVERLOAD;
		break;
	case SCALE_UNDERLOAD:
		ev.weight_status = DESK_WEIGHT_UNDERLOAD;
		break;
	case SCALE_OFFLINE:
		ev.weight_status = DESK_WEIGHT_OFFLINE;
		break;
	case SCALE_ERROR:
	default:
		ev.weight_status = DESK_WEIGHT_ERROR;
		break;
	}
	if (r->status == SCALE_STABLE)
		st->scale_error[0] = '\0';
	else
		snprintf(st->scale_error, sizeof(st->scale_error), "%s",
			 r->detail);
	station_feed(st, &ev);
}

static void station_on_button(void *userdata, enum gpio_button b)
{
	struct station *st = userdata;
	struct desk_event ev = {.kind = DESK_EV_BUTTON};

	ev.button = b == GPIO_BUTTON_ACCEPT   ? DESK_BUTTON_ACCEPT
		    : b == GPIO_BUTTON_REJECT ? DESK_BUTTON_REJECT
					      : DESK_BUTTON_PEDAL;
	station_feed(st, &ev);
}

static int station_on_sender_notify(sd_event_source *s, int fd,
				    uint32_t revents, void *userdata)
{
	uint64_t v;

	(void)s;
	(void)revents;
	(void)userdata;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return 0;
	return 0;
}

static void station_open_devices(struct station *st)
{
	const struct config *c = st->cfg;
	const struct config_device *dv = c->device;
	char err[256];

	if (strcmp(dv[DEVICE_SCANNER].backend, "none")) {
		struct scanner_config sc = {
		    .backend = dv[DEVICE_SCANNER].backend,
		    .max_line = (size_t)c->scanner_max_line,
		};

		if (config_device_apply(&dv[DEVICE_SCANNER], DEVICE_SCANNER,
					&sc, err, sizeof(err)) < 0 ||
		    scanner_open(st->ev, &sc, station_on_scan_line, st,
				 &st->scanner, err, sizeof(err)) < 0) {
			fprintf(stderr, "retourd: scanner: %s\n", err);
			snprintf(st->scanner_error, sizeof(st->scanner_error),
				 "%s", err);
		}
	}
	if (strcmp(dv[DEVICE_SCALE].backend, "none")) {
		struct scale_config sc = {.backend = dv[DEVICE_SCALE].backend};

		if (config_device_apply(&dv[DEVICE_SCALE], DEVICE_SCALE, &sc,
					err, sizeof(err)) < 0 ||
		    scale_open(st->ev, &sc, station_on_weight, st, &st->scale,
			       err, sizeof(err)) < 0) {
			fprintf(stderr, "retourd: scale: %s\n", err);
			snprintf(st->scale_error, sizeof(st->scale_error), "%s",
				 err);
		}
	}
	if (strcmp(dv[DEVICE_PRINTER].backend, "none")) {
		struct printer_config pc = {.backend =
						dv[DEVICE_PRINTER].backend};

		if (config_device_apply(&dv[DEVICE_PRINTER], DEVICE_PRINTER,
					&pc, err, sizeof(err)) < 0 ||
		    printer_open(&pc, &st->printer, err, sizeof(err)) < 0) {
			fprintf(stderr, "retourd: printer: %s\n", err);
			snprintf(st->printer_error, sizeof(st->printer_error),
				 "%s", err);
		} else if (spool_new(st->ev, st->printer, station_on_printed,
				     st, &st->spool) < 0) {
			snprintf(st->printer_error, sizeof(st->printer_error),
				 "label spool could not start");
		}
	}
	if (strcmp(dv[DEVICE_CAMERA].backend, "none")) {
		struct camera_config cc = {.backend =
					       dv[DEVICE_CAMERA].backend};

		if (config_device_apply(&dv[DEVICE_CAMERA], DEVICE_CAMERA, &cc,
					err, sizeof(err)) < 0 ||
		    camera_open(&cc, &st->camera, err, sizeof(err)) < 0) {
			fprintf(stderr, "retourd: camera: %s\n", err);
			snprintf(st->camera_error, sizeof(st->camera_error),
				 "%s", err);
		}
	}
	if (strcmp(dv[DEVICE_GPIO].backend, "none")) {
		struct gpio_config gc = {.backend = dv[DEVICE_GPIO].backend,
					 .debounce_ms = 20};

		if (config_device_apply(&dv[DEVICE_GPIO], DEVICE_GPIO, &gc, err,
					sizeof(err)) < 0 ||
		    gpio_open(st->ev, &gc, station_on_button, st, &st->gpio,
			      err, sizeof(err)) < 0)
			fprintf(stderr, "retourd: gpio: %s\n", err);
	}
}

static int station_read_secret(const char *path, char *buf, size_t len,
			       char *err, size_t errlen)
{
	FILE *f;
	size_t n;

	buf[0] = '\0';
	if (!path || !*path)
		return 0;
	f = fopen(path, "re");
	if (!f) {
		int r = -errno;

		snprintf(err, errlen, "outbox secret %s: %s", path,
			 strerror(-r));
		return r;
	}
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

int station_new(const struct config *cfg, sd_event *ev, struct station **out,
		char *err, size_t errlen)
{
	struct station *st;
	int r;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->cfg = cfg;
	st->ev = sd_event_ref(ev);
	st->desk_at_confirm = calloc(1, sizeof(*st->desk_at_confirm));
	if (!st->desk_at_confirm) {
		r = -ENOMEM;
		goto fail;
	}
	st->patterns.rma = cfg->rma_pattern;
	st->patterns.order = cfg->order_pattern;
	st->patterns.strip_prefix = cfg->scanner_prefix;
	st->patterns.strip_suffix = cfg->scanner_suffix;

	r = station_load_checklists(st, err, errlen);
	if (r < 0)
		goto fail;
	r = store_open(cfg->database, &st->store, err, errlen);
	if (r < 0)
		goto fail;
	for (int i = 0; i < cfg->n_clerks; i++) {
		r = store_clerk_put(st->store, cfg->clerks[i].badge,
				    cfg->clerks[i].name, now_realtime_us());
		if (r < 0) {
			snprintf(err, errlen, "clerk %s not stored: %s",
				 cfg->clerks[i].badge, store_errmsg(st->store));
			goto fail;
		}
	}

	st->desk_cfg.policy = cfg->policy;
	st->desk_cfg.checklists = &st->checklists;
	st->desk_cfg.step_timeout_us = cfg->step_timeout_us;
	st->desk_cfg.ship_qc_tolerance_g = cfg->ship_qc_tolerance_g;
	station_open_devices(st);
	st->desk_cfg.has_scale = st->scale != NULL;
	st->desk_cfg.has_camera = st->camera != NULL;
	desk_init(&st->desk, &st->desk_cfg);
	if (!strcmp(cfg->routine, "ship_qc")) {
		struct desk_event rev = {.kind = DESK_EV_ROUTINE,
					 .routine = DESK_ROUTINE_SHIP_QC};

		station_feed(st, &rev);
	}

	if (cfg->outbox_url[0]) {
		char secret[512];
		struct outbox_config oc = {
		    .db_path = cfg->database,
		    .connector = cfg->outbox_connector,
		    .url = cfg->outbox_url,
		    .secret = secret,
		    .timeout_ms = cfg->outbox_timeout_ms,
		    .backoff_base_ms = cfg->outbox_backoff_base_ms,
		    .backoff_max_ms = cfg->outbox_backoff_max_ms,
		    .dead_after_us = cfg->outbox_dead_after_us,
		};

		r = station_read_secret(cfg->outbox_secret_file, secret,
					sizeof(secret), err, errlen);
		if (r < 0)
			goto fail;
		r = outbox_sender_start(&oc, &st->sender, err, errlen);
		explicit_bzero(secret, sizeof(secret));
		if (r < 0)
			goto fail;
		sd_event_add_io(ev, &st->sender_notify,
				outbox_sender_notify_fd(st->sender), EPOLLIN,
				station_on_sender_notify, st);
	}
	*out = st;
	return 0;
fail:
	station_free(st);
	return r;
}

void station_free(struct station *st)
{
	if (!st)
		return;
	sd_event_source_unref(st->sender_notify);
	if (st->sender)
		outbox_sender_stop(st->sender);
	if (st->scanner)
		scanner_close(st->scanner);
	if (st->scale)
		scale_close(st->scale);
	spool_free(st->spool); /* before the printer and the store */
	if (st->printer)
		printer_close(st->printer);
	if (st->camera)
		camera_close(st->camera);
	if (st->gpio)
		gpio_close(st->gpio);
	store_close(st->store);
	sd_event_unref(st->ev);
	free(st->metrics);
	free(st->desk_at_confirm);
	free(st);
}

void station_tick(struct station *st)
{
	struct desk_event ev = {.kind = DESK_EV_TICK};

	if (st->receipt_id)
		station_feed(st, &ev);
	else if (st->store)
		store_checkpoint(st->store); /* between parcels */
}

/* ---- views ---- */

static json_t *device_json(bool present, const char *error)
{
	json_t *o = json_object();

	json_object_set_new(o, "present", json_boolean(present));
	json_object_set_new(o, "ok", json_boolean(present && !error[0]));
	json_object_set_new(o, "last_error", json_string(error));
	return o;
}

json_t *station_status(struct station *st)
{
	const struct desk *d = &st->desk;
	json_t *o = json_object(), *dev = json_object(), *ob = json_object();
	int64_t pending = 0, dead = 0;

	json_object_set_new(o, "desk", json_string(st->cfg->desk));
	json_object_set_new(o, "routine",
			    json_string(desk_routine_name(d->routine)));
	json_object_set_new(o, "step", json_string(desk_step_name(d->step)));
	json_object_set_new(o, "clerk", json_string(d->clerk));
	json_object_set_new(o, "receipt",
			    st->receipt_id ? json_integer(st->receipt_id)
					   : json_null());
	json_object_set_new(o, "code", json_string(d->code));
	if (d->have_expected && st->receipt_id)
		json_object_set_new(o, "rma", json_string(d->expected.rma));
	json_object_set_new(o, "prompt", json_string(d->prompt));
	json_object_set_new(o, "problem", json_string(d->problem));
	json_object_set_new(o, "light", json_string(desk_light_name(d->light)));
	json_object_set_new(o, "buzzer",
			    json_boolean(st->gpio && gpio_buzzer(st->gpio)));
	if (d->step == DESK_STEP_CONFIRM)
		json_object_set_new(o, "proposal",
				    event_proposal_to_json(&d->proposal));
	if (d->step == DESK_STEP_CHECKLIST && d->checklist &&
	    d->check_step < d->checklist->n_steps) {
		const struct checklist_step *cs =
		    &d->checklist->steps[d->check_step];
		json_t *c = json_object(), *choices = json_array();

		json_object_set_new(c, "template",
				    json_string(d->checklist->id));
		json_object_set_new(c, "version",
				    json_integer(d->checklist->version));
		json_object_set_new(c, "item", json_integer(d->check_item));
		json_object_set_new(c, "step", json_string(cs->id));
		json_object_set_new(
		    c, "kind", json_string(checklist_step_kind_name(cs->kind)));
		json_object_set_new(c, "text", json_string(cs->text));
		json_object_set_new(c, "text_pl", json_string(cs->text_pl));
		for (int i = 0; i < cs->n_choices && i < CHECKLIST_MAX_CHOICES;
		     i++)
			json_array_append_new(choices,
					      json_string(cs->choices[i]));
		json_object_set_new(c, "choices", choices);
		if (cs->kind == CHECKLIST_MEASURE) {
			json_object_set_new(c, "unit", json_string(cs->unit));
			json_object_set_new(c, "min", json_integer(cs->min));
			json_object_set_new(c, "max",
					    cs->max == INT64_MAX
						? json_null()
						: json_integer(cs->max));
		}
		json_object_set_new(o, "checklist", c);
	}
	if (st->last_decided_receipt) {
		json_t *l = json_object();
		char when[CIVIL_TIME_RFC3339_LEN] = "";

		civil_time_format_rfc3339(st->last_decided_at +
					      st->cfg->grace_us,
					  when, sizeof(when));
		json_object_set_new(l, "receipt",
				    json_integer(st->last_decided_receipt));
		json_object_set_new(l, "verdict",
				    json_string(st->last_verdict));
		json_object_set_new(l, "undo_until", json_string(when));
		json_object_set_new(o, "last_decision", l);
	}
	json_object_set_new(
	    dev, "scanner",
	    device_json(st->scanner != NULL, st->scanner_error));
	if (st->scanner)
		json_object_set_new(
		    json_object_get(dev, "scanner"), "feed",
		    json_string(scanner_feed_path(st->scanner)));
	json_object_set_new(dev, "scale",
			    device_json(st->scale != NULL, st->scale_error));
	json_object_set_new(
	    dev, "printer",
	    device_json(st->printer != NULL, st->printer_error));
	json_object_set_new(dev, "camera",
			    device_json(st->camera != NULL, st->camera_error));
	json_object_set_new(o, "devices", dev);
	store_outbox_count(st->store, "pending", &pending);
	store_outbox_count(st->store, "dead", &dead);
	json_object_set_new(ob, "pending", json_integer(pending));
	json_object_set_new(ob, "dead", json_integer(dead));
	json_object_set_new(o, "outbox", ob);
	return o;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

const char *station_metrics(struct station *st)
{
	int64_t pending = 0, dead = 0, done = 0, sorted[LATENCY_SAMPLES];
	size_t n =
	    st->latency_n < LATENCY_SAMPLES ? st->latency_n : LATENCY_SAMPLES;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return "";
	store_outbox_count(st->store, "pending", &pending);
	store_outbox_count(st->store, "dead", &dead);
	store_outbox_count(st->store, "done", &done);
	fprintf(f,
		"# HELP retour_receipts_total Parcels opened at the desk.\n"
		"# TYPE retour_receipts_total counter\n"
		"retour_receipts_total %llu\n",
		(unsigned long long)st->receipts_total);
	fprintf(f, "# TYPE retour_decisions_total counter\n");
	for (int v = VERDICT_ACCEPT; v <= VERDICT_HOLD; v++)
		fprintf(f, "retour_decisions_total{verdict=\"%s\"} %llu\n",
			verdict_name((enum verdict)v),
			(unsigned long long)st->decisions[v]);
	fprintf(f,
		"# TYPE retour_scans_rejected_total counter\n"
		"retour_scans_rejected_total %llu\n",
		(unsigned long long)st->scans_rejected);
	fprintf(f,
		"# TYPE retour_outbox gauge\n"
		"retour_outbox{state=\"pending\"} %lld\n"
		"retour_outbox{state=\"dead\"} %lld\n"
		"retour_outbox{state=\"done\"} %lld\n",
		(long long)pending, (long long)dead, (long long)done);
	fprintf(f, "# TYPE retour_db_bytes gauge\nretour_db_bytes %lld\n",
		(long long)store_size_bytes(st->store));
	memcpy(sorted, st->latency_us, n * sizeof(sorted[0]));
	qsort(sorted, n, sizeof(sorted[0]), cmp_i64);
	fprintf(f, "# HELP retour_scan_to_decision_seconds From the parcel "
		   "scan to the recorded decision.\n"
		   "# TYPE retour_scan_to_decision_seconds summary\n");
	if (n) {
		fprintf(f,
			"retour_scan_to_decision_seconds{quantile=\"0.5\"} "
			"%.6f\n",
			sorted[n / 2] / 1e6);
		fprintf(f,
			"retour_scan_to_decision_seconds{quantile=\"0.99\"} "
			"%.6f\n",
			sorted[(n * 99) / 100] / 1e6);
	}
	fprintf(f, "retour_scan_to_decision_seconds_count %llu\n",
		(unsigned long long)st->latency_n);
	fclose(f);
	free(st->metrics);
	st->metrics = buf;
	return buf ? buf : "";
}

struct store *station_store(struct station *st)
{
	return st->store;
}

const struct desk *station_desk(struct station *st)
{
	return &st->desk;
}

const char *station_feed_path(struct station *st)
{
	return st->scanner ? scanner_feed_path(st->scanner) : NULL;
}
