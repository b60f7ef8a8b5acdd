/* SPDX-License-Identifier: MIT */
/*
 * Labels printed outside the desk's routine: a decided receipt's label
 * printed again on request, and the VOID label an undo prints for the
 * label it cancels.  Each is recorded (a label row, an audit entry) before
 * it goes to the spool, whose outcome station_on_printed() records on it.
 *
 * What it deliberately does not do: lay a label out (decision.h does).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/clock.h"
#include "retour/log.h"

#include "station_internal.h"

/* Queue @zpl (the label in the printer's language); a refusal is recorded as
 * the label's outcome at once. */
static int station_label_print(struct station *st, int64_t receipt_id,
			       const char *zpl, char *err, size_t errlen)
{
	int r = devices_print_label(st->devices, receipt_id, zpl, strlen(zpl));
	const char *why;

	if (r >= 0)
		return 0;
	why = r == -EBUSY    ? "too many labels waiting for the printer"
	      : r == -ENODEV ? "no printer on this desk"
			     : strerror(-r);
	snprintf(err, errlen, "%s", why);
	station_on_printed(st, receipt_id, r, why);
	return r;
}

static const char *station_json_text(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

void station_label_void(struct station *st, int64_t receipt_id)
{
	const struct label_fields *last = &st->desk.plan.label;
	struct decision_void_facts f = {
	    .receipt_id = receipt_id,
	    .desk = st->cfg->desk,
	    .clerk = station_actor(st),
	    .now = clock_now_us(),
	    .utc_offset_min = st->cfg->policy.utc_offset_min,
	    .eu_summer_time = st->cfg->policy.eu_summer_time,
	    .label = st->desk_cfg.label,
	};
	char zpl[LABEL_MAX_LEN], number[24], err[128];
	json_t *rec = NULL;
	int r;

	r = store_receipt_get(st->store, receipt_id, &rec);
	if (r < 0) {
		log_error_errno(r, "VOID label of receipt %lld not made (%s)",
				(long long)receipt_id, store_errmsg(st->store));
		return;
	}
	f.verdict = station_json_text(rec, "verdict");
	f.rma = station_json_text(rec, "rma");
	f.order = station_json_text(rec, "order");
	/* the bin and an SSCC barcode are on the label only: known while it
	 * is the desk's last */
	snprintf(number, sizeof(number), "%lld", (long long)receipt_id);
	if (!strncmp(last->receipt, number, sizeof(last->receipt))) {
		f.bin = last->bin;
		f.sscc = last->barcode_sscc ? last->barcode : NULL;
	} else {
		f.bin = "";
	}
	r = decision_void_label(&f, zpl, sizeof(zpl));
	if (r > 0)
		r = store_label_void(st->store, receipt_id, zpl,
				     station_actor(st), f.now);
	json_decref(rec);
	if (r < 0) {
		log_error_errno(r,
				"VOID label of receipt %lld not recorded (%s)",
				(long long)receipt_id, store_errmsg(st->store));
		return;
	}
	station_label_print(st, receipt_id, zpl, err, sizeof(err));
}

int station_reprint(struct station *st, int64_t receipt_id, char *err,
		    size_t errlen)
{
	char *zpl = NULL;
	int r;

	r = store_label_reprint(st->store, receipt_id, station_actor(st),
				clock_now_us(), &zpl);
	if (r == -ENOENT) {
		snprintf(err, errlen, "no receipt %lld", (long long)receipt_id);
		return r;
	}
	if (r < 0) {
		snprintf(err, errlen, "%s",
			 r == -ENODATA ? store_errmsg(st->store)
				       : "reprint not recorded");
		if (r != -ENODATA)
			log_error_errno(r, "reprint of receipt %lld (%s)",
					(long long)receipt_id,
					store_errmsg(st->store));
		return r;
	}
	r = station_label_print(st, receipt_id, zpl, err, errlen);
	free(zpl);
	return r;
}
