/* SPDX-License-Identifier: MIT */
/*
 * The device backend registry (include/retour/device.h): one table of every
 * backend of every kind, with the board-file keys each one takes.  The
 * dispatchers find their backend here; `retourd -n` checks a board here.
 *
 * What a backend does with its settings is its own file's business; this
 * file only knows their names, types and ranges.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "retour/camera.h"
#include "retour/device.h"
#include "retour/gpio.h"
#include "retour/keymap.h"
#include "retour/printer.h"
#include "retour/scale.h"
#include "retour/scan_line.h"
#include "retour/scanner.h"
#include "retour/usb.h"

#define TEXT(type, k, field)                                                   \
	{                                                                      \
		k, DEVICE_SETTING_TEXT, offsetof(type, field), 0, 0, NULL      \
	}
#define INT(type, k, field, lo, hi)                                            \
	{                                                                      \
		k, DEVICE_SETTING_INT, offsetof(type, field), lo, hi, NULL     \
	}
#define END                                                                    \
	{                                                                      \
		NULL, DEVICE_SETTING_TEXT, 0, 0, 0, NULL                       \
	}

#define CHECKED(type, k, field, fn)                                            \
	{                                                                      \
		k, DEVICE_SETTING_TEXT, offsetof(type, field), 0, 0, fn        \
	}

static int scanner_check_terminator(const char *value, char *problem,
				    size_t problemlen)
{
	struct scan_line_rules r;

	scan_line_rules_default(&r);
	return scan_line_terminator_parse(value, &r, problem, problemlen);
}

static int scanner_check_fnc1(const char *value, char *problem,
			      size_t problemlen)
{
	struct scan_line_rules r;

	scan_line_rules_default(&r);
	return scan_line_fnc1_parse(value, &r, problem, problemlen);
}

static int scanner_check_layout(const char *value, char *problem,
				size_t problemlen)
{
	if (keymap_layout_from_name(value) >= 0)
		return 0;
	snprintf(problem, problemlen,
		 "unknown layout '%s' (known: " KEYMAP_LAYOUT_NAMES ")", value);
	return -EINVAL;
}

static int device_check_usb_id(const char *value, char *problem,
			       size_t problemlen)
{
	struct usb_id id;

	return usb_id_parse(value, &id, problem, problemlen);
}

/* pty: where the slave is linked; tty, fifo: the device or pipe */
static const struct device_setting_key scanner_keys[] = {
    TEXT(struct scanner_config, "path", path),
    CHECKED(struct scanner_config, "terminator", terminator,
	    scanner_check_terminator),
    CHECKED(struct scanner_config, "fnc1", fnc1, scanner_check_fnc1),
    END,
};

/* a serial scanner: CDC-ACM ignores the rate, an RS-232 one needs it */
static const struct device_setting_key scanner_tty_keys[] = {
    TEXT(struct scanner_config, "path", path),
    CHECKED(struct scanner_config, "terminator", terminator,
	    scanner_check_terminator),
    CHECKED(struct scanner_config, "fnc1", fnc1, scanner_check_fnc1),
    INT(struct scanner_config, "baud", baud, 1200, 921600),
    END,
};

/* evdev: the event node (path) or the USB id (usb), one of them */
static const struct device_setting_key scanner_evdev_keys[] = {
    TEXT(struct scanner_config, "path", path),
    CHECKED(struct scanner_config, "usb", usb, device_check_usb_id),
    CHECKED(struct scanner_config, "layout", layout, scanner_check_layout),
    CHECKED(struct scanner_config, "terminator", terminator,
	    scanner_check_terminator),
    CHECKED(struct scanner_config, "fnc1", fnc1, scanner_check_fnc1),
    INT(struct scanner_config, "gap_ms", gap_ms, 5, 10000),
    END,
};

static const struct device_setting_key scale_mtsics_keys[] = {
    TEXT(struct scale_config, "path", path),
    INT(struct scale_config, "stable_timeout_ms", stable_timeout_ms, 100,
	60000),
    INT(struct scale_config, "reply_timeout_ms", reply_timeout_ms, 50, 10000),
    END,
};

static const struct device_setting_key printer_tcp_keys[] = {
    TEXT(struct printer_config, "host", host),
    INT(struct printer_config, "port", port, 1, 65535),
    INT(struct printer_config, "timeout_ms", timeout_ms, 50, 60000),
    END,
};

static const struct device_setting_key printer_dir_keys[] = {
    TEXT(struct printer_config, "dir", dir),
    END,
};

static const struct device_setting_key camera_dir_keys[] = {
    TEXT(struct camera_config, "dir", dir),
    END,
};

static const struct device_setting_key gpio_sim_keys[] = {
    INT(struct gpio_config, "debounce_ms", debounce_ms, 0, 1000),
    END,
};

static const struct device_setting_key no_keys[] = {END};

/* In the order the operator reads them in "known: ...". */
static const struct device_backend device_backends[] = {
    {DEVICE_SCANNER, "pty", &scanner_backend_pty, scanner_keys},
    {DEVICE_SCANNER, "tty", &scanner_backend_tty, scanner_tty_keys},
    {DEVICE_SCANNER, "fifo", &scanner_backend_fifo, scanner_keys},
    {DEVICE_SCANNER, "evdev", &scanner_backend_evdev, scanner_evdev_keys},
    {DEVICE_SCANNER, "none", NULL, no_keys},
    {DEVICE_SCALE, "mtsics", &scale_backend_mtsics, scale_mtsics_keys},
    {DEVICE_SCALE, "none", NULL, no_keys},
    {DEVICE_PRINTER, "tcp", &printer_backend_tcp, printer_tcp_keys},
    {DEVICE_PRINTER, "dir", &printer_backend_dir, printer_dir_keys},
    {DEVICE_PRINTER, "none", NULL, no_keys},
    {DEVICE_CAMERA, "dir", &camera_backend_dir, camera_dir_keys},
    {DEVICE_CAMERA, "none", NULL, no_keys},
    {DEVICE_GPIO, "sim", &gpio_backend_sim, gpio_sim_keys},
    {DEVICE_GPIO, "none", NULL, no_keys},
};

#define DEVICE_BACKENDS_COUNT                                                  \
	(sizeof(device_backends) / sizeof(device_backends[0]))

static const char *const device_kind_names[DEVICE_KIND_COUNT] = {
    [DEVICE_SCANNER] = "scanner", [DEVICE_SCALE] = "scale",
    [DEVICE_PRINTER] = "printer", [DEVICE_CAMERA] = "camera",
    [DEVICE_GPIO] = "gpio",
};

const char *device_kind_name(enum device_kind k)
{
	return (unsigned)k < DEVICE_KIND_COUNT ? device_kind_names[k]
					       : "device";
}

const char *device_state_name(enum device_state s)
{
	switch (s) {
	case DEVICE_CONNECTED:
		return "connected";
	case DEVICE_MISSING:
		return "missing";
	case DEVICE_FAULT:
		return "fault";
	}
	return "unknown";
}

int device_kind_from_name(const char *section)
{
	for (int k = 0; k < DEVICE_KIND_COUNT; k++)
		if (section && !strcmp(section, device_kind_names[k]))
			return k;
	return -EINVAL;
}

/* Appends to @buf at *@off, never past @len, always terminated. */
static void device_append(char *buf, size_t len, size_t *off, const char *s)
{
	int n;

	if (*off >= len)
		return;
	n = snprintf(buf + *off, len - *off, "%s", s);
	if (n > 0)
		*off += (size_t)n;
}

const struct device_backend *device_backend_find(enum device_kind k,
						 const char *name, char *err,
						 size_t errlen)
{
	size_t off = 0;
	bool first = true;

	for (size_t i = 0; i < DEVICE_BACKENDS_COUNT; i++)
		if (device_backends[i].kind == k && name &&
		    !strcmp(device_backends[i].name, name))
			return &device_backends[i];
	if (!err || !errlen)
		return NULL;
	err[0] = '\0';
	device_append(err, errlen, &off, "unknown ");
	device_append(err, errlen, &off, device_kind_name(k));
	device_append(err, errlen, &off, " backend '");
	device_append(err, errlen, &off, name ? name : "");
	device_append(err, errlen, &off, "' (known: ");
	for (size_t i = 0; i < DEVICE_BACKENDS_COUNT; i++) {
		if (device_backends[i].kind != k)
			continue;
		if (!first)
			device_append(err, errlen, &off, ", ");
		device_append(err, errlen, &off, device_backends[i].name);
		first = false;
	}
	device_append(err, errlen, &off, ")");
	return NULL;
}

static const struct device_setting_key *
device_key_find(const struct device_setting_key *keys, const char *key)
{
	for (; keys && keys->key; keys++)
		if (!strcmp(keys->key, key))
			return keys;
	return NULL;
}

static int device_setting_parse(const struct device_setting_key *k,
				void *kind_config, const char *value,
				char *problem, size_t problemlen)
{
	char *base = kind_config, *end;
	long n;

	if (k->type == DEVICE_SETTING_TEXT) {
		if (k->check && k->check(value, problem, problemlen) < 0)
			return -EINVAL;
		if (base)
			*(const char **)(void *)(base + k->offset) = value;
		return 0;
	}
	errno = 0;
	n = strtol(value, &end, 10);
	if (!*value || errno || *end || n < k->min || n > k->max) {
		snprintf(problem, problemlen,
			 "'%s' is not a whole number from %d to %d for '%s'",
			 value, k->min, k->max, k->key);
		return -EINVAL;
	}
	if (base)
		*(int *)(void *)(base + k->offset) = (int)n;
	return 0;
}

int device_backend_setting(const struct device_backend *be, void *kind_config,
			   const char *key, const char *value, char *problem,
			   size_t problemlen)
{
	const struct device_setting_key *k;
	size_t off = 0;

	if (!be || !key || !value)
		return -EINVAL;
	k = device_key_find(be->keys, key);
	if (k)
		return device_setting_parse(k, kind_config, value, problem,
					    problemlen);
	/* another backend's key: checked by it, not used by this one */
	for (size_t i = 0; i < DEVICE_BACKENDS_COUNT; i++) {
		if (device_backends[i].kind != be->kind)
			continue;
		k = device_key_find(device_backends[i].keys, key);
		if (k)
			return device_setting_parse(k, NULL, value, problem,
						    problemlen);
	}
	snprintf(problem, problemlen, "unknown key '%s' for %s backend '%s'",
		 key, device_kind_name(be->kind), be->name);
	off = strlen(problem);
	device_append(problem, problemlen, &off, " (known:");
	for (k = be->keys; k && k->key; k++) {
		device_append(problem, problemlen, &off,
			      k == be->keys ? " " : ", ");
		device_append(problem, problemlen, &off, k->key);
	}
	device_append(problem, problemlen, &off,
		      be->keys && be->keys->key ? ")" : " none)");
	return -EINVAL;
}
