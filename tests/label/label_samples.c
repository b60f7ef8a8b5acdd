/* SPDX-License-Identifier: MIT */
/*
 * Writes sample labels, made by the core exactly as the desk makes them
 * (decision_plan_make, decision_void_label), for the renderer test in
 * tests/label/: every size and resolution, a return accepted, one held,
 * an override, a complaint's remedy, a VOID, a ship-QC pass, and item
 * names in Polish.
 *
 *   label_samples DIR   writes DIR/NAME.zpl and DIR/NAME.json (the facts
 *                       the test checks the rendering against)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "retour/decision.h"

#define T0 INT64_C(1764672000000000) /* 2025-12-02T10:40:00Z */

static const struct decision_item sample_items[] = {
    {"KUB-77", "Zażółć gęślą jaźń", 1},
    {"TSHIRT-M", "T-shirt M", 2},
    {"MUG-1", "Kubek", 1},
};

static int sample_write(const char *dir, const char *name, const char *zpl,
			const char *barcode, const char *kind,
			const struct label_layout *layout)
{
	char path[512];
	FILE *f;
	int w, h;

	snprintf(path, sizeof(path), "%s/%s.zpl", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(zpl, f) < 0 || fclose(f) != 0)
		return -errno;
	label_dots(layout, &w, &h);
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"{\"barcode\": \"%s\", \"kind\": \"%s\", \"size\": \"%s\", "
		"\"dpi\": %d, \"width\": %d, \"height\": %d, "
		"\"name\": \"%s\"}\n",
		barcode, kind, label_size_name(layout->size), layout->dpi, w, h,
		sample_items[0].name);
	return fclose(f) == 0 ? 0 : -errno;
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
	snprintf(name, sizeof(name), "%s-%s-%d", kind,
		 label_size_name(ls->layout.size), ls->layout.dpi);
	return sample_write(dir, name, plan.label_job, plan.label.barcode, kind,
			    &ls->layout);
}

static int sample_void(const char *dir, const struct label_settings *ls)
{
	struct decision_void_facts f = {
	    .receipt_id = 4711,
	    .verdict = "accept",
	    .bin = "RESTOCK-A",
	    .rma = "RMA-10001",
	    .order = "ORD-1001",
	    .desk = "desk-1",
	    .clerk = "Łucja",
	    .now = T0,
	    .utc_offset_min = 60,
	    .eu_summer_time = true,
	    .label = *ls,
	};
	char zpl[LABEL_MAX_LEN], name[64];

	if (decision_void_label(&f, zpl, sizeof(zpl)) <= 0)
		return -EINVAL;
	snprintf(name, sizeof(name), "void-%s-%d",
		 label_size_name(ls->layout.size), ls->layout.dpi);
	return sample_write(dir, name, zpl,
			    ls->barcode == LABEL_BARCODE_RMA ? "RMA-10001"
							     : "4711",
			    "void", &ls->layout);
}

int main(int argc, char **argv)
{
	static const char *const kinds[] = {"accept", "hold", "override",
					    "remedy", "qc"};
	static const enum label_size sizes[] = {LABEL_SIZE_100X50,
						LABEL_SIZE_4X6};
	static const int dpis[] = {LABEL_DPI_203, LABEL_DPI_300};

	if (argc != 2) {
		fprintf(stderr, "usage: label_samples DIR\n");
		return 2;
	}
	for (size_t s = 0; s < 2; s++)
		for (size_t d = 0; d < 2; d++) {
			struct label_settings ls = {
			    .layout = {.size = sizes[s], .dpi = dpis[d]},
			    /* the RMA on the large stock, the receipt on the
			     * small: both values get decoded */
			    .barcode = sizes[s] == LABEL_SIZE_4X6
					   ? LABEL_BARCODE_RMA
					   : LABEL_BARCODE_RECEIPT,
			};

			for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds);
			     k++)
				if (sample_decision(argv[1], kinds[k], &ls) <
				    0) {
					fprintf(stderr, "%s: no label\n",
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
