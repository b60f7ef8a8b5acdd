/* SPDX-License-Identifier: MIT */
/*
 * The domain's nouns, shared by the core, the store and the shell.
 *
 * An *expected return* is what a shop told us is coming back (or, for
 * ship-QC, an order that is about to leave).  An *inspection* is what the
 * clerk found at the desk.  Both are plain data: fixed-size, no pointers, so
 * they can be copied, compared in tests and handed to the pure core.
 *
 * Money is an integer count of minor units plus an ISO-4217 code.  Weights
 * are integer grams.  Times are UTC microseconds since the epoch.
 */
#ifndef RETOUR_RETURNS_H
#define RETOUR_RETURNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RETURN_MAX_ITEMS 16
#define RETURN_MAX_LOOKUP_CODES 4
#define RETURN_REF_LEN 48 /* RMA, order number, lookup codes, SKU */
#define RETURN_NAME_LEN 96
#define RETURN_CATEGORY_LEN 32
#define RETURN_SHOP_LEN 32
/* The shop's own ids (order, payment, line item): opaque text, kept and
 * sent back as the import gave them. */
#define RETURN_SHOP_ID_LEN 64
/* Lines of the whole order a return belongs to (docs/API.md). */
#define RETURN_MAX_ORDER_LINES 32

#define USEC_PER_SEC INT64_C(1000000)
#define USEC_PER_DAY (INT64_C(86400) * USEC_PER_SEC)

enum return_kind {
	RETURN_WITHDRAWAL = 0, /* no reason needed, 14-day window */
	RETURN_COMPLAINT,      /* defective / not as described */
	RETURN_SHIPMENT,       /* ship-QC: an order about to be dispatched */
};

/* Grade given by the clerk at inspection. */
enum grade {
	GRADE_NONE = 0, /* not graded yet */
	GRADE_A,	/* as new -> restock */
	GRADE_B,	/* opened, complete -> B-stock / refurbish */
	GRADE_C,	/* damaged -> refurbish / vendor */
	GRADE_SCRAP,
};

enum disposition {
	DISPOSITION_HOLD = 0,
	DISPOSITION_RESTOCK,
	DISPOSITION_RESTOCK_B,
	DISPOSITION_REFURBISH,
	DISPOSITION_VENDOR,
	DISPOSITION_SCRAP,
};

struct return_item {
	char sku[RETURN_REF_LEN];
	char gtin[16]; /* 8, 12, 13 or 14 digits, "" if none */
	char name[RETURN_NAME_LEN];
	char category[RETURN_CATEGORY_LEN];
	int32_t quantity;
	int64_t unit_price_minor;
	int32_t weight_g; /* per unit */
	bool personalised;
	bool made_to_order;
	bool perishable;
	bool sealed_hygiene;
	char shop_line_id[RETURN_SHOP_ID_LEN]; /* the shop's line item, "" */
};

/* One line of the order the return comes from: what was bought, so that
 * "the whole order came back" is judged against the order, across all its
 * parcels, not against one return's items. */
struct order_line {
	char sku[RETURN_REF_LEN];
	char gtin[16];
	int32_t quantity;
};

/*
 * What decided receipts before this one already took back (the store fills
 * it from the record when it loads an expected return; a case file may give
 * it).  A second parcel for the same RMA or order refunds only what is not
 * refunded yet, and delivery is refunded once.
 */
struct return_before {
	int n_receipts; /* decided receipts counted below */
	/* units of this return's items already refunded, by item index */
	int32_t item_refunded[RETURN_MAX_ITEMS];
	/* units of each order line accepted on any receipt of the order */
	int32_t order_returned[RETURN_MAX_ORDER_LINES];
	int64_t delivery_refunded_minor;
	/* a receipt of this return was decided reject or hold: the return
	 * was answered as a whole, a further parcel is a duplicate */
	bool refused;
};

struct expected_return {
	int64_t id; /* store row id, 0 before it is stored */
	char rma[RETURN_REF_LEN];
	char order_ref[RETURN_REF_LEN];
	char shop[RETURN_SHOP_LEN];
	/* the shop's order and payment (or transaction) ids, "" if not given */
	char shop_order_id[RETURN_SHOP_ID_LEN];
	char shop_payment_id[RETURN_SHOP_ID_LEN];
	char lookup_codes[RETURN_MAX_LOOKUP_CODES][RETURN_REF_LEN];
	int n_lookup_codes;
	enum return_kind kind;
	char currency[4];
	int64_t delivered_at; /* UTC us; when the parcel reached the buyer */
	int64_t requested_at; /* UTC us the buyer declared it; 0 unknown */
	int64_t delivery_basic_minor; /* original basic delivery cost */
	int n_items;
	struct return_item items[RETURN_MAX_ITEMS];
	/* UTC us the seller received the complaint; 0 unknown (then the
	 * answer deadline runs from the parcel's receipt) */
	int64_t complaint_received_at;
	/* UTC us the defect appeared; 0 unknown (then the complaint's date) */
	int64_t defect_appeared_at;
	/* what the buyer paid for delivery (express included), when known;
	 * the refund never exceeds it */
	bool delivery_paid_known;
	int64_t delivery_paid_minor;
	/* the whole order's lines; 0 lines: unknown, delivery not refunded */
	int n_order_lines;
	struct order_line order_lines[RETURN_MAX_ORDER_LINES];
	struct return_before before;
};

/* What the clerk found for one expected item. */
struct found_item {
	int32_t quantity;	   /* units actually in the parcel */
	bool gtin_matched;	   /* the scanned GTIN is the one sold */
	bool seal_broken;	   /* hygiene seal opened after delivery */
	bool buyer_damage;	   /* damage caused by the buyer */
	bool defect;		   /* defect confirmed (complaints) */
	bool handled_beyond_trial; /* diminished value */
	enum grade grade;
};

struct inspection {
	int64_t received_at; /* UTC us the parcel was scanned at the desk */
	bool weighed;	     /* false: no scale, step skipped */
	int32_t weight_g;
	bool photographed; /* at least one photo on record */
	bool wrong_item;   /* an item scanned that was not sold */
	int n_items;	   /* parallel to expected_return.items */
	struct found_item items[RETURN_MAX_ITEMS];
};

/*
 * The order line @it belongs to: the first with the same SKU (when both
 * have one), else the same GTIN; -1 when none.
 */
int expected_return_order_line(const struct expected_return *er,
			       const struct return_item *it);

const char *return_kind_name(enum return_kind kind);
int return_kind_from_name(const char *name); /* -EINVAL if unknown */
const char *grade_name(enum grade grade);
int grade_from_name(const char *name);
const char *disposition_name(enum disposition d);

/* Sum of quantity * weight over the expected items, in grams. */
int64_t expected_return_weight_g(const struct expected_return *er);

/* ISO 4217 minor units of @currency (0 JPY, 2 PLN, 3 KWD); 2 when unknown,
 * -EINVAL when @currency is not three ASCII letters. */
int currency_exponent(const char *currency);

/*
 * 11297, "PLN" -> "112.97 PLN"; -500, "JPY" -> "-500 JPY"; 1234, "KWD" ->
 * "1.234 KWD".  Returns bytes written (without the NUL), -ENOSPC if @buflen
 * is too small (32 is always enough), -EINVAL for a bad currency code.
 * The one money format of the station: screen, reasons, labels, CLI.
 */
int money_format(int64_t minor, const char *currency, char *buf, size_t buflen);

/*
 * Weight tolerance, the one check the rules engine and ship-QC share.  The
 * allowed deviation from @expected_g is the larger of @tolerance_g and
 * @tolerance_pct percent of @expected_g (rounded down); a negative
 * tolerance counts as 0.  Ship-QC's tolerance is grams only: pass 0 for
 * @tolerance_pct.
 *
 * weight_tolerance_for() returns that deviation in grams, or -ERANGE when
 * @expected_g is negative or the percentage does not fit 64 bits.
 * weight_within_tolerance() is true when |@expected_g - @found_g| is at
 * most that deviation; false for a negative weight and for an expectation
 * so large its tolerance overflows, so that a person looks.
 */
int64_t weight_tolerance_for(int64_t expected_g, int32_t tolerance_g,
			     int32_t tolerance_pct);
bool weight_within_tolerance(int64_t expected_g, int32_t found_g,
			     int32_t tolerance_g, int32_t tolerance_pct);

#endif
