/* SPDX-License-Identifier: MIT */
/*
 * A dispute pack's content (include/retour/evidence.h): the record of a
 * receipt (store_evidence_get()) made into what a support agent reads, in
 * order -- the return or shipment, the items expected and scanned, the
 * weight against the expected one, the checklist, the proposal and the
 * decision with their reasons and who made them, the label, the refund
 * with the shop's reference, the photos and the audit entries -- and the
 * ZIP's manifest.  Pure: JSON in, blocks of text out; no file, no clock.
 *
 * Not here: drawing (src/dev/evidence_pdf.c), checking a manifest
 * (evidence_check.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/civil_time.h"
#include "retour/evidence.h"
#include "retour/returns.h"

/* A string field, or "-" when missing, null or empty. */
static const char *ev_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : "-";
}

static json_int_t ev_int(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* Length of the well-formed UTF-8 character at @s (1-4), 0 when the
 * bytes there are not one (a stray, overlong or cut sequence). */
static size_t ev_utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80		   ? 1
		   : (s[0] & 0xe0) == 0xc0 ? 2
		   : (s[0] & 0xf0) == 0xe0 ? 3
		   : (s[0] & 0xf8) == 0xf0 ? 4
					   : 0;

	if (n == 2 && s[0] < 0xc2)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Text a font can draw: control characters as spaces, bytes that are not
 * UTF-8 as '?' (cairo refuses a string that is not UTF-8), in place. */
static void ev_clean(char *text)
{
	unsigned char *s = (unsigned char *)text;

	while (s && *s) {
		size_t n = ev_utf8_len(s);

		if (!n)
			*s++ = '?';
		else if (n == 1 && (*s < 0x20 || *s == 0x7f))
			*s++ = ' ';
		else
			s += n;
	}
}

static int ev_add(struct evidence_pack *p, enum evidence_block_kind kind,
		  const char *label, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int ev_add(struct evidence_pack *p, enum evidence_block_kind kind,
		  const char *label, const char *fmt, ...)
{
	struct evidence_block *b, *grown;
	va_list ap;
	int n;

	if (p->n_blocks % 64 == 0) {
		grown = realloc(p->blocks,
				(size_t)(p->n_blocks + 64) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->blocks = grown;
	}
	b = &p->blocks[p->n_blocks];
	*b = (struct evidence_block){.kind = kind, .photo = -1};
	va_start(ap, fmt);
	n = vasprintf(&b->text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if (label && !(b->label = strdup(label))) {
		free(b->text);
		return -ENOMEM;
	}
	ev_clean(b->text);
	ev_clean(b->label);
	p->n_blocks++;
	return 0;
}

static const char *ev_money(json_int_t minor, const char *currency, char *buf,
			    size_t size)
{
	if (money_format(minor, currency && *currency != '-' ? currency : "",
			 buf, size) < 0)
		snprintf(buf, size, "%lld (minor units)", (long long)minor);
	return buf;
}

static int ev_section_return(struct evidence_pack *p, const json_t *r,
			     const json_t *e)
{
	bool qc = !strcmp(ev_str(r, "routine"), "ship_qc");
	int bad = 0;

	bad |= ev_add(p, EVIDENCE_HEADING, NULL, "%s",
		      qc ? "The shipment" : "The return");
	bad |= ev_add(p, EVIDENCE_FIELD, "Order", "%s", ev_str(r, "order"));
	bad |= ev_add(p, EVIDENCE_FIELD, "RMA", "%s", ev_str(r, "rma"));
	bad |=
	    ev_add(p, EVIDENCE_FIELD, "Kind", "%s",
		   e ? ev_str(e, "kind") : "unexpected (no expected return)");
	bad |= ev_add(p, EVIDENCE_FIELD, "Shop", "%s", ev_str(r, "shop"));
	bad |= ev_add(p, EVIDENCE_FIELD, "Shop's order id", "%s",
		      ev_str(r, "shop_order_id"));
	bad |= ev_add(p, EVIDENCE_FIELD, "Shop's payment id", "%s",
		      ev_str(r, "shop_payment_id"));
	if (e)
		bad |= ev_add(p, EVIDENCE_FIELD, "Delivered to the buyer", "%s",
			      ev_str(e, "delivered_at"));
	bad |=
	    ev_add(p, EVIDENCE_FIELD, "Code scanned", "%s", ev_str(r, "code"));
	bad |= ev_add(p, EVIDENCE_FIELD, "Received", "%s at desk %s by %s",
		      ev_str(r, "received_at"), ev_str(r, "desk"),
		      ev_str(r, "clerk"));
	bad |= ev_add(p, EVIDENCE_FIELD, "State", "%s", ev_str(r, "state"));
	if (json_is_string(json_object_get(r, "time_note")))
		bad |= ev_add(p, EVIDENCE_FIELD, "Clock", "%s",
			      ev_str(r, "time_note"));
	return bad ? -ENOMEM : 0;
}

/* The items expected and scanned; the expected weight into *@grams. */
static int ev_section_items(struct evidence_pack *p, const json_t *r,
			    const json_t *e, int64_t *grams)
{
	const json_t *items = json_object_get(e, "items"), *it;
	char money[48];
	size_t i;
	int bad = 0;

	*grams = 0;
	bad |= ev_add(p, EVIDENCE_HEADING, NULL, "Items");
	json_array_foreach(items, i, it)
	{
		json_int_t q = ev_int(it, "quantity"),
			   w = ev_int(it, "weight_g");

		*grams += (int64_t)q * w;
		bad |= ev_add(
		    p, EVIDENCE_TEXT, NULL,
		    "Expected %zu: %s (SKU %s, GTIN %s, %s): %lld x %s, "
		    "%lld g each",
		    i + 1, ev_str(it, "name"), ev_str(it, "sku"),
		    ev_str(it, "gtin"), ev_str(it, "category"), (long long)q,
		    ev_money(ev_int(it, "unit_price_minor"),
			     ev_str(e, "currency"), money, sizeof(money)),
		    (long long)w);
	}
	if (!json_array_size(items))
		bad |=
		    ev_add(p, EVIDENCE_TEXT, NULL, "No items were expected.");
	items = json_object_get(r, "items");
	json_array_foreach(items, i, it)
	{
		json_int_t idx = ev_int(it, "item_index");
		char which[48];

		if (idx >= 0)
			snprintf(which, sizeof(which), "expected item %lld",
				 (long long)idx + 1);
		else
			snprintf(which, sizeof(which), "not in the order");
		bad |= ev_add(p, EVIDENCE_TEXT, NULL,
			      "Scanned: %s (%s), serial %s, at %s by %s",
			      ev_str(it, "gtin"), which, ev_str(it, "serial"),
			      ev_str(it, "scanned_at"), ev_str(it, "clerk"));
	}
	if (!json_array_size(items))
		bad |= ev_add(p, EVIDENCE_TEXT, NULL, "No item was scanned.");
	return bad ? -ENOMEM : 0;
}

static int ev_section_weight(struct evidence_pack *p, const json_t *r,
			     const json_t *e, int64_t expected_g)
{
	const json_t *w = json_object_get(r, "weight_g");
	int bad = 0;

	bad |= ev_add(p, EVIDENCE_HEADING, NULL, "Weight");
	if (json_is_integer(w))
		bad |= ev_add(p, EVIDENCE_FIELD, "Weighed", "%lld g",
			      (long long)json_integer_value(w));
	else
		bad |= ev_add(p, EVIDENCE_FIELD, "Weighed", "not weighed");
	if (e)
		bad |= ev_add(p, EVIDENCE_FIELD, "Expected",
			      "%" PRId64 " g (the items' weights)", expected_g);
	if (json_is_integer(w) && e)
		bad |= ev_add(
		    p, EVIDENCE_FIELD, "Difference", "%+" PRId64 " g: %s",
		    (int64_t)json_integer_value(w) - expected_g,
		    json_is_true(json_object_get(r, "weight_mismatch"))
			? "outside the tolerance (weight mismatch)"
			: "within the tolerance");
	return bad ? -ENOMEM : 0;
}

static int ev_section_checklist(struct evidence_pack *p, const json_t *r)
{
	const json_t *a, *arr = json_object_get(r, "checklist");
	size_t i;
	int bad = 0;

	bad |= ev_add(p, EVIDENCE_HEADING, NULL, "Checklist");
	json_array_foreach(arr, i, a) bad |=
	    ev_add(p, EVIDENCE_FIELD, ev_str(a, "step"),
		   "%s (%s v%lld, at %s by %s)", ev_str(a, "answer"),
		   ev_str(a, "template"), (long long)ev_int(a, "version"),
		   ev_str(a, "answered_at"), ev_str(a, "clerk"));
	if (!json_array_size(arr))
		bad |= ev_add(p, EVIDENCE_TEXT, NULL, "No checklist answers.");
	arr = json_object_get(r, "notes");
	json_array_foreach(arr, i, a) bad |=
	    ev_add(p, EVIDENCE_FIELD, "Note", "%s: %s (at %s by %s)",
		   ev_str(a, "step"), ev_str(a, "note"), ev_str(a, "noted_at"),
		   ev_str(a, "clerk"));
	return bad ? -ENOMEM : 0;
}

static int ev_section_decision(struct evidence_pack *p, const json_t *r)
{
	const json_t *pr = json_object_get(r, "proposal"), *reason;
	const char *cur = ev_str(r, "currency");
	char money[48];
	size_t i;
	int bad = 0;

	bad |= ev_add(p, EVIDENCE_HEADING, NULL, "Proposal and decision");
	if (json_is_object(pr)) {
		bad |= ev_add(p, EVIDENCE_FIELD, "Proposed", "%s, refund %s",
			      ev_str(pr, "verdict"),
			      ev_money(ev_int(pr, "refund_minor"),
				       ev_str(pr, "currency"), money,
				       sizeof(money)));
		json_array_foreach(json_object_get(pr, "reasons"), i, reason)
		    bad |=
		    ev_add(p, EVIDENCE_FIELD, "Reason", "%s: %s",
			   ev_str(reason, "code"), ev_str(reason, "text"));
	} else {
		bad |= ev_add(p, EVIDENCE_FIELD, "Proposed", "no proposal");
	}
	if (!json_is_string(json_object_get(r, "verdict"))) {
		bad |= ev_add(p, EVIDENCE_FIELD, "Decided", "not decided");
		return bad ? -ENOMEM : 0;
	}
	bad |= ev_add(
	    p, EVIDENCE_FIELD, "Decided", "%s, refund %s, at %s by %s",
	    ev_str(r, "verdict"),
	    ev_money(ev_int(r, "refund_minor"), cur, money, sizeof(money)),
	    ev_str(r, "decided_at"), ev_str(r, "decided_by"));
	if (json_is_true(json_object_get(r, "overridden")))
		bad |= ev_add(p, EVIDENCE_FIELD, "Overridden",
			      "against the proposal: %s (authorised by %s)",
			      ev_str(r, "override_reason"),
			      ev_str(r, "override_by"));
	if (json_is_string(json_object_get(r, "undone_at")))
		bad |= ev_add(p, EVIDENCE_FIELD, "Undone", "at %s",
			      ev_str(r, "undone_at"));
	return bad ? -ENOMEM : 0;
}

/* The text fields of a ZPL label (^FD...^FS, ^FH_ escapes decoded),
 * joined by " / "; "" for another printer language. */
static void ev_label_text(const char *zpl, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	if (!zpl)
		return;
	while ((zpl = strstr(zpl, "^FD")) && n + 4 < size) {
		zpl += 3;
		if (*zpl == '>') /* a barcode's data */
			continue;
		if (n)
			n += (size_t)snprintf(out + n, size - n, " / ");
		while (*zpl && strncmp(zpl, "^FS", 3) && n + 1 < size) {
			unsigned v;

			if (zpl[0] == '_' && sscanf(zpl + 1, "%2x", &v) == 1 &&
			    zpl[1] && zpl[2]) {
				out[n++] = (char)v;
				zpl += 3;
			} else {
				out[n++] = *zpl++;
			}
		}
		out[n] = '\0';
	}
}

static int ev_section_label(struct evidence_pack *p, const json_t *r)
{
	const json_t *l, *arr = json_object_get(r, "labels");
	char text[600];
	size_t i;
	int bad = 0;

	bad |= ev_add(p, EVIDENCE_HEADING, NULL, "Label");
	json_array_foreach(arr, i, l)
	{
		const json_t *printed = json_object_get(l, "printed");

		bad |= ev_add(
		    p, EVIDENCE_FIELD, "Label", "made %s: %s%s%s%s%s",
		    ev_str(l, "created_at"),
		    json_is_true(printed)    ? "printed"
		    : json_is_false(printed) ? "not printed"
					     : "not sent to the printer",
		    json_is_string(json_object_get(l, "printed_at")) ? " at "
								     : "",
		    json_is_string(json_object_get(l, "printed_at"))
			? ev_str(l, "printed_at")
			: "",
		    json_is_string(json_object_get(l, "print_detail")) ? "; "
								       : "",
		    json_is_string(json_object_get(l, "print_detail"))
			? ev_str(l, "print_detail")
			: "");
		ev_label_text(json_string_value(json_object_get(l, "zpl")),
			      text, sizeof(text));
		if (text[0])
			bad |=
			    ev_add(p, EVIDENCE_FIELD, "Label text", "%s", text);
	}
	if (!json_array_size(arr))
		bad |= ev_add(p, EVIDENCE_TEXT, NULL, "No label was made.");
	return bad ? -ENOMEM : 0;
}

static int ev_section_refund(struct evidence_pack *p, const json_t *r)
{
	const json_t *o, *arr = json_object_get(r, "outbox");
	size_t i;
	int bad = 0, refunds = 0;

	bad |= ev_add(p, EVIDENCE_HEADING, NULL, "Refund and messages");
	json_array_foreach(arr, i, o)
	{
		if (!strcmp(ev_str(o, "action"), "refund.requested")) {
			refunds++;
			bad |= ev_add(p, EVIDENCE_FIELD, "Refund", "%s",
				      ev_str(o, "state"));
			bad |= ev_add(p, EVIDENCE_FIELD, "Shop's reference",
				      "%s", ev_str(o, "shop_ref"));
			bad |= ev_add(p, EVIDENCE_FIELD, "Attempts",
				      "%lld, delivered %s, last error %s",
				      (long long)ev_int(o, "attempts"),
				      ev_str(o, "delivered_at"),
				      ev_str(o, "last_error"));
			continue;
		}
		bad |= ev_add(p, EVIDENCE_FIELD, "Message", "%s: %s (%s)",
			      ev_str(o, "action"), ev_str(o, "state"),
			      ev_str(o, "delivered_at"));
	}
	if (!refunds)
		bad |= ev_add(p, EVIDENCE_FIELD, "Refund", "none requested");
	return bad ? -ENOMEM : 0;
}

/* photos/NN-STEP-HASH.jpg, STEP reduced to [a-z0-9_-]. */
static void ev_photo_file(struct evidence_photo *ph, int n)
{
	char step[24];
	size_t k = 0;

	for (const char *c = ph->step; *c && k + 1 < sizeof(step); c++)
		if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		    *c == '_' || *c == '-')
			step[k++] = *c;
	step[k] = '\0';
	snprintf(ph->file, sizeof(ph->file), "photos/%02d-%s-%.12s.jpg", n,
		 k ? step : "photo", ph->sha256);
}

/* The "receipt.photo" entry that recorded @sha256, 0 when none. */
static int64_t ev_photo_entry(const json_t *audit, const char *sha256)
{
	const json_t *a;
	size_t i;

	json_array_foreach(audit, i, a)
	{
		const char *d = json_string_value(json_object_get(a, "detail"));
		json_t *dj;
		int64_t found = 0;

		if (strcmp(ev_str(a, "action"), "receipt.photo") || !d)
			continue;
		dj = json_loads(d, 0, NULL);
		if (!strcmp(ev_str(dj, "sha256"), sha256))
			found = ev_int(a, "id");
		json_decref(dj);
		if (found)
			return found;
	}
	return 0;
}

static int ev_section_photos(struct evidence_pack *p, const json_t *r,
			     const json_t *audit,
			     const enum evidence_photo_state *states,
			     int n_states)
{
	const json_t *arr = json_object_get(r, "photos"), *ph;
	size_t i, n = json_array_size(arr);
	int bad = 0;

	if (n > EVIDENCE_MAX_PHOTOS)
		n = EVIDENCE_MAX_PHOTOS;
	p->photos = calloc(n ? n : 1, sizeof(*p->photos));
	if (!p->photos)
		return -ENOMEM;
	bad |= ev_add(p, EVIDENCE_HEADING, NULL, "Photos (%zu)", n);
	for (i = 0; i < n; i++) {
		struct evidence_photo *e = &p->photos[i];

		ph = json_array_get(arr, i);
		e->id = ev_int(ph, "id");
		snprintf(e->sha256, sizeof(e->sha256), "%s",
			 ev_str(ph, "sha256"));
		snprintf(e->step, sizeof(e->step), "%s", ev_str(ph, "step"));
		snprintf(e->taken_at, sizeof(e->taken_at), "%s",
			 ev_str(ph, "taken_at"));
		snprintf(e->clerk, sizeof(e->clerk), "%s", ev_str(ph, "clerk"));
		if (json_is_string(json_object_get(ph, "purged_at")))
			snprintf(e->purged_at, sizeof(e->purged_at), "%s",
				 ev_str(ph, "purged_at"));
		ev_clean(e->purged_at);
		/* a cut may have fallen inside a character */
		ev_clean(e->step);
		ev_clean(e->clerk);
		ev_clean(e->taken_at);
		e->bytes = ev_int(ph, "bytes");
		e->audit_entry = ev_photo_entry(audit, e->sha256);
		e->state = states && (int)i < n_states ? states[i]
						       : EVIDENCE_PHOTO_PRESENT;
		ev_photo_file(e, (int)i + 1);
		p->n_photos++;
		bad |= ev_add(p, EVIDENCE_FIELD, NULL, "%s", "");
		p->blocks[p->n_blocks - 1].kind = EVIDENCE_PHOTO;
		p->blocks[p->n_blocks - 1].photo = (int)i;
	}
	if (!n)
		bad |= ev_add(p, EVIDENCE_TEXT, NULL, "No photo was taken.");
	return bad ? -ENOMEM : 0;
}

static int ev_section_audit(struct evidence_pack *p, const json_t *audit)
{
	const json_t *a;
	size_t i;
	int bad = 0;

	bad |= ev_add(p, EVIDENCE_HEADING, NULL, "Audit entries (%zu)",
		      json_array_size(audit));
	json_array_foreach(audit, i, a) bad |= ev_add(
	    p, EVIDENCE_TEXT, NULL, "#%lld %s %s %s %s %s (hash %.16s)",
	    (long long)ev_int(a, "id"), ev_str(a, "at"), ev_str(a, "actor"),
	    ev_str(a, "action"), ev_str(a, "subject"), ev_str(a, "detail"),
	    ev_str(a, "hash"));
	return bad ? -ENOMEM : 0;
}

void evidence_pack_free(struct evidence_pack *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n_blocks; i++) {
		free(p->blocks[i].label);
		free(p->blocks[i].text);
	}
	free(p->blocks);
	free(p->photos);
	free(p);
}

int evidence_pack_build(const json_t *record,
			const enum evidence_photo_state *states, int n_states,
			int64_t now_us, struct evidence_pack **out, char *err,
			size_t errlen)
{
	const json_t *r = json_object_get(record, "receipt");
	const json_t *e = json_object_get(record, "expected");
	const json_t *audit = json_object_get(record, "audit");
	struct evidence_pack *p;
	int64_t grams = 0;
	int rc;

	*out = NULL;
	if (!json_is_object(r) || !json_is_integer(json_object_get(r, "id")) ||
	    !json_is_array(audit)) {
		snprintf(err, errlen, "not a receipt's record");
		return -EINVAL;
	}
	if (!json_is_object(e))
		e = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->receipt_id = ev_int(r, "id");
	snprintf(p->title, sizeof(p->title), "Dispute pack: %s, receipt %lld",
		 !strcmp(ev_str(r, "routine"), "ship_qc") ? "shipment (ship-QC)"
							  : "return",
		 (long long)p->receipt_id);
	if (civil_time_format_rfc3339(now_us, p->made_at, sizeof(p->made_at)) <
	    0)
		snprintf(p->made_at, sizeof(p->made_at), "-");
	rc = ev_section_return(p, r, e);
	if (!rc)
		rc = ev_section_items(p, r, e, &grams);
	if (!rc)
		rc = ev_section_weight(p, r, e, grams);
	if (!rc)
		rc = ev_section_checklist(p, r);
	if (!rc)
		rc = ev_section_decision(p, r);
	if (!rc)
		rc = ev_section_label(p, r);
	if (!rc)
		rc = ev_section_refund(p, r);
	if (!rc)
		rc = ev_section_photos(p, r, audit, states, n_states);
	if (!rc)
		rc = ev_section_audit(p, audit);
	if (rc < 0) {
		evidence_pack_free(p);
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	*out = p;
	return 0;
}

json_t *evidence_manifest(const json_t *record,
			  const struct evidence_pack *pack)
{
	const json_t *r = json_object_get(record, "receipt");
	json_t *m, *photos = json_array();

	if (!photos)
		return NULL;
	for (int i = 0; i < pack->n_photos; i++) {
		const struct evidence_photo *ph = &pack->photos[i];
		bool in_zip = ph->state == EVIDENCE_PHOTO_PRESENT;
		char where[80];

		if (ph->state == EVIDENCE_PHOTO_MISSING && ph->purged_at[0])
			snprintf(where, sizeof(where), "purged at %s",
				 ph->purged_at);
		else
			snprintf(where, sizeof(where), "%s",
				 ph->state == EVIDENCE_PHOTO_PRESENT ? "yes"
				 : ph->state == EVIDENCE_PHOTO_MISSING
				     ? "not on the station"
				     : "altered on the station");

		json_array_append_new(
		    photos,
		    json_pack("{s:o,s:I,s:s,s:I,s:s,s:s,s:I,s:s}", "file",
			      in_zip ? json_string(ph->file) : json_null(),
			      "photo_id", (json_int_t)ph->id, "sha256",
			      ph->sha256, "bytes", (json_int_t)ph->bytes,
			      "step", ph->step, "taken_at", ph->taken_at,
			      "audit_entry", (json_int_t)ph->audit_entry,
			      "on_station", where));
	}
	m = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:o,s:O}", "format",
		      EVIDENCE_FORMAT, "receipt", (json_int_t)pack->receipt_id,
		      "routine", ev_str(r, "routine"), "order",
		      ev_str(r, "order"), "rma", ev_str(r, "rma"), "made_at",
		      pack->made_at, "photos", photos, "audit",
		      json_object_get(record, "audit"));
	return m;
}
