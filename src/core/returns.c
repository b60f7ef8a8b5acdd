/* SPDX-License-Identifier: MIT */
/*
 * Names of the domain's enums and small sums over an expected return.
 *
 * The names are the words used in the API, the CLI, the store and the shop
 * connectors, so they are spelled once here.  Parsing is case-insensitive;
 * an unknown name is an error, never a silent default.
 */
#include <errno.h>
#include <strings.h>

#include "retour/returns.h"

static const char *const return_kind_names[] = {
    [RETURN_WITHDRAWAL] = "withdrawal",
    [RETURN_COMPLAINT] = "complaint",
    [RETURN_SHIPMENT] = "shipment",
};

static const char *const grade_names[] = {
    [GRADE_NONE] = "none", [GRADE_A] = "A",	    [GRADE_B] = "B",
    [GRADE_C] = "C",	   [GRADE_SCRAP] = "scrap",
};

static const char *const disposition_names[] = {
    [DISPOSITION_HOLD] = "hold",
    [DISPOSITION_RESTOCK] = "restock",
    [DISPOSITION_RESTOCK_B] = "restock_b",
    [DISPOSITION_REFURBISH] = "refurbish",
    [DISPOSITION_VENDOR] = "vendor",
    [DISPOSITION_SCRAP] = "scrap",
};

#define RETURNS_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *returns_name_of(const char *const *names, int n, int value)
{
	if (value < 0 || value >= n)
		return "unknown";
	return names[value];
}

static int returns_value_of(const char *const *names, int n, const char *name)
{
	if (!name)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (strcasecmp(names[i], name) == 0)
			return i;
	return -EINVAL;
}

const char *return_kind_name(enum return_kind kind)
{
	return returns_name_of(return_kind_names,
			       RETURNS_COUNT(return_kind_names), (int)kind);
}

int return_kind_from_name(const char *name)
{
	return returns_value_of(return_kind_names,
				RETURNS_COUNT(return_kind_names), name);
}

const char *grade_name(enum grade grade)
{
	return returns_name_of(grade_names, RETURNS_COUNT(grade_names),
			       (int)grade);
}

int grade_from_name(const char *name)
{
	return returns_value_of(grade_names, RETURNS_COUNT(grade_names), name);
}

const char *disposition_name(enum disposition d)
{
	return returns_name_of(disposition_names,
			       RETURNS_COUNT(disposition_names), (int)d);
}

/*
 * -ERANGE when a quantity or weight is negative or the sum does not fit:
 * the caller must not compare a scale reading with a wrapped number.
 */
int64_t expected_return_weight_g(const struct expected_return *er)
{
	int64_t total = 0;

	if (!er || er->n_items < 0 || er->n_items > RETURN_MAX_ITEMS)
		return -ERANGE;
	for (int i = 0; i < er->n_items; i++) {
		const struct return_item *it = &er->items[i];
		int64_t line;

		if (it->quantity < 0 || it->weight_g < 0)
			return -ERANGE;
		if (__builtin_mul_overflow((int64_t)it->quantity,
					   (int64_t)it->weight_g, &line) ||
		    __builtin_add_overflow(total, line, &total))
			return -ERANGE;
	}
	return total;
}
