/* SPDX-License-Identifier: MIT */
/*
 * Writes sample labels, made by the core exactly as the desk makes them
 * (decision_plan_make, decision_void_label), for the renderer test in
 * tests/label/: every size and resolution, every barcode (Code 128 of the
 * receipt or the RMA, GS1-128 of the parcel's SSCC, QR), a return
 * accepted, one held, an override, a complaint's remedy, a VOID, a
 * ship-QC pass, and item names in Polish.
 *
 *   label_samples DIR [tspl]   writes DIR/NAME.zpl (NAME.tspl) and
 *                              DIR/NAME.json (the facts the test checks
 *                              the rendering against)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "retour/decision.h"

#define T0 INT64_C(1764672000000000) /* 2025-12-02T10:40:00Z */

/* The parcel came with a carrier's number and an SSCC, as AI (00). */
#define SAMPLE_SSCC "376123450000000016"
static const char *const sample_codes[] = {"JJD000390007834567",
					   "00" SAMPLE_SSCC};
static const char *sample_ext = "zpl";

static const struct decision_item sample_items[] = {
    {"KUB-77", "Zażółć gęślą jaźń", 1},
    {"TSHIRT-M", "T-shirt M", 2},
    {"MUG-1", "Kubek", 1},
};

static int sample_write(const char *dir, const char *name, const char *zpl,
			const char *barcode, bool gs1, const char *kind,
			const struct label_layout *layout)
{
	char path[512];
	FILE *f;
	int w, h;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, sample_ext);
	f = fopen(path, "w");
	if (!f || fputs(zpl, f) < 0 || fclose(f) != 0)
		return -errno;
	label_dots(layout, &w, &h);
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"{\"barcode\": \"%s%s\", \"gs1\": %s, \"symbology\": "
		"\"%s\", \"kind\": \"%s\", \"size\": \"%s\", "
		"\"dpi\": %d, \"width\": %d, \"height\": %d, "
		"\"language\": \"%s\", \"name\": \"%s\"}\n",
		gs1 ? "00" : "", barcode, gs1 ? "true" : "false",
		label_symbology_name(layout->symbology), kind,
		label_size_name(layout->size), layout->dpi, w, h,
		label_language_name(layout->language), sample_items[0].name);
	return fclose(f) == 0 ? 0 : -errno;
}

/* accept-100x50-203-gs1: kind, size, dpi and the barcode's kind */
static void sample_name(char *name, size_t size, const char *kind,
			const struct label_settings *ls)
{
	snprintf(name, size, "%s-%s-%d-%s", kind,
		 label_size_name(ls->layout.size), ls->layout.dpi,
		 ls->barcode == LABEL_BARCODE_SSCC
		     ? "gs1"
		     : label_symbology_name(ls->layout.symbology));
}

static int sample_decision(const char *dir, const char *kind,
			   const struct label_settings *ls)
{
	struct decision_facts f = {
	    .verdict = VERDICT_ACCEPT,
	    .refund_minor = 11297,
	    .currency = "PLN",
	    .grade = GRADE_A,
	    .disposition = DISPOSITION_RESTOCK,
	    .rma = "RMA-10001",
	    .order = "ORD-1001",
	    .shop = "demo",
	    .desk = "desk-1",
	    .clerk = "Łucja",
	    .receipt_id = 4711,
	    .now = T0,
	    .utc_offset_min = 60,
	    .eu_summer_time = true,
	    .items = sample_items,
	    .n_items = 3,
	    .label = *ls,
	    .codes = sample_codes,
	    .n_codes = 2,
	};
	static struct decision_plan plan;
	char name[64];

	if (!strcmp(kind, "hold")) {
		f.verdict = VERDICT_HOLD;
		f.refund_minor = 0;
		f.grade = GRADE_NONE;
		f.disposition = DISPOSITION_HOLD;
	} else if (!strcmp(kind, "override")) {
		f.verdict = VERDICT_REJECT;
		f.refund_minor = 0;
		f.grade = GRADE_C;
		f.disposition = DISPOSITION_REFURBISH;
		f.override = true;
	} else if (!strcmp(kind, "remedy")) {
		f.remedy = "repair";
		f.refund_minor = 0;
		f.grade = GRADE_B;
		f.disposition = DISPOSITION_VENDOR;
	} else if (!strcmp(kind, "qc")) {
		f.ship_qc = true;
		f.refund_minor = 0;
		f.rma = "";
	}
	if (decision_plan_make(&f, &plan) < 0 || plan.label_len <= 0)
		return -EINVAL;
	sample_name(name, sizeof(name), kind, ls);
	return sample_write(dir, name, plan.label_job, plan.label.barcode,
			    plan.label.barcode_sscc, kind, &ls->layout);
}

static int sample_void(const char *dir, const struct label_settings *ls)
{
	bool sscc = ls->barcode == LABEL_BARCODE_SSCC;
	struct decision_void_facts f = {
	    .receipt_id = 4711,
	    .verdict = "accept",
	    .bin = "RESTOCK-A",
	    .rma = "RMA-10001",
	    .order = "ORD-1001",
	    .desk = "desk-1",
	    .clerk = "Łucja",
	    .sscc = sscc ? SAMPLE_SSCC : NULL,
	    .now = T0,
	    .utc_offset_min = 60,
	    .eu_summer_time = true,
	    .label = *ls,
	};
	char job[LABEL_MAX_LEN], name[64];

	if (decision_void_label(&f, job, sizeof(job)) <= 0)
		return -EINVAL;
	sample_name(name, sizeof(name), "void", ls);
	return sample_write(dir, name, job,
			    sscc			       ? SAMPLE_SSCC
			    : ls->barcode == LABEL_BARCODE_RMA ? "RMA-10001"
							       : "4711",
			    sscc, "void", &ls->layout);
}

int main(int argc, char **argv)
{
	static const char *const kinds[] = {"accept", "hold", "override",
					    "remedy", "qc"};
	static const enum label_size sizes[] = {LABEL_SIZE_100X50,
						LABEL_SIZE_4X6};
	static const int dpis[] = {LABEL_DPI_203, LABEL_DPI_300};
	enum label_language language = LABEL_LANGUAGE_ZPL;

	if (argc == 3 && !strcmp(argv[2], "tspl")) {
		language = LABEL_LANGUAGE_TSPL;
		sample_ext = "tspl";
	} else if (argc != 2) {
		fprintf(stderr, "usage: label_samples DIR [tspl]\n");
		return 2;
	}
	for (size_t s = 0; s < 2; s++)
		for (size_t d = 0; d < 2; d++)
			for (int b = 0; b < 3; b++) {
				/* the RMA on the large stock, the receipt on
				 * the small: both values get decoded; then
				 * the SSCC, and QR */
				struct label_settings ls = {
				    .layout =
					{.size = sizes[s],
					 .dpi = dpis[d],
					 .language = language,
					 .symbology =
					     b == 2 ? LABEL_SYMBOLOGY_QR
						    : LABEL_SYMBOLOGY_CODE128},
				    .barcode = b == 1 ? LABEL_BARCODE_SSCC
					       : sizes[s] == LABEL_SIZE_4X6
						   ? LABEL_BARCODE_RMA
						   : LABEL_BARCODE_RECEIPT,
				};

				for (size_t k = 0;
				     k < sizeof(kinds) / sizeof(*kinds); k++)
					if (sample_decision(argv[1], kinds[k],
							    &ls) < 0) {
						fprintf(stderr,
							"%s: no label\n",
							kinds[k]);
						return 1;
					}
				if (sample_void(argv[1], &ls) < 0) {
					fprintf(stderr, "void: no label\n");
					return 1;
				}
			}
	return 0;
}
