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
#include <sys/stat.h>

#include "retour/barcode.h"
#include "retour/camera.h"
#include "retour/device.h"
#include "retour/gpio.h"
#include "retour/keymap.h"
#include "retour/printer.h"
#include "retour/scale.h"
#include "retour/scale_unit.h"
#include "retour/scan_line.h"
#include "retour/scanner.h"
#include "retour/usb.h"

/* Designated, so that a field added to struct device_setting_key stays
 * zero in every row that does not use it. */
#define TEXT(T, k, field)                                                      \
	{                                                                      \
		.key = k, .type = DEVICE_SETTING_TEXT,                         \
		.offset = offsetof(T, field)                                   \
	}
#define INT(T, k, field, lo, hi)                                               \
	{                                                                      \
		.key = k, .type = DEVICE_SETTING_INT,                          \
		.offset = offsetof(T, field), .min = lo, .max = hi             \
	}
#define CHOICE(T, k, field, words)                                             \
	{                                                                      \
		.key = k, .type = DEVICE_SETTING_CHOICE,                       \
		.offset = offsetof(T, field), .choices = words                 \
	}
#define CHECKED(T, k, field, fn)                                               \
	{                                                                      \
		.key = k, .type = DEVICE_SETTING_TEXT,                         \
		.offset = offsetof(T, field), .check = fn                      \
	}
#define ENUM(T, k, field, list)                                                \
	{                                                                      \
		.key = k, .type = DEVICE_SETTING_ENUM,                         \
		.offset = offsetof(T, field), .words = list                    \
	}
/* a device the backend opens and never creates: see DEVICE_SETTING_PATH */
#define PATH(T, k, field)                                                      \
	{                                                                      \
		.key = k, .type = DEVICE_SETTING_PATH,                         \
		.offset = offsetof(T, field)                                   \
	}
/* a device path the backend cannot open without */
#define REQUIRED_PATH(T, k, field)                                             \
	{                                                                      \
		.key = k, .type = DEVICE_SETTING_PATH,                         \
		.offset = offsetof(T, field), .required = 1                    \
	}
/* a struct usb_id field: "vendor:product[:serial]" */
#define USB_ID(T, k, field)                                                    \
	{                                                                      \
		.key = k, .type = DEVICE_SETTING_USB_ID,                       \
		.offset = offsetof(T, field)                                   \
	}
#define END                                                                    \
	{                                                                      \
		.key = NULL                                                    \
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

	if (usb_id_parse(value, &id, problem, problemlen) < 0)
		return -EINVAL;
	if (!id.vendor) {
		snprintf(problem, problemlen,
			 "'%.80s': vendor 0000 is no USB vendor", value);
		return -EINVAL;
	}
	return 0;
}

/* pty: where the slave is linked; fifo: the pipe; both made at open */
static const struct device_setting_key scanner_made_keys[] = {
    TEXT(struct scanner_config, "path", path),
    CHECKED(struct scanner_config, "terminator", terminator,
	    scanner_check_terminator),
    CHECKED(struct scanner_config, "fnc1", fnc1, scanner_check_fnc1),
    END,
};

/* a serial scanner: CDC-ACM ignores the rate, an RS-232 one needs it */
static const struct device_setting_key scanner_tty_keys[] = {
    REQUIRED_PATH(struct scanner_config, "path", path),
    CHECKED(struct scanner_config, "terminator", terminator,
	    scanner_check_terminator),
    CHECKED(struct scanner_config, "fnc1", fnc1, scanner_check_fnc1),
    INT(struct scanner_config, "baud", baud, 1200, 921600),
    END,
};

/* evdev: the event node (path) or the USB id (usb), one of them */
static const struct device_setting_key scanner_evdev_keys[] = {
    PATH(struct scanner_config, "path", path),
    CHECKED(struct scanner_config, "usb", usb, device_check_usb_id),
    CHECKED(struct scanner_config, "layout", layout, scanner_check_layout),
    CHECKED(struct scanner_config, "terminator", terminator,
	    scanner_check_terminator),
    CHECKED(struct scanner_config, "fnc1", fnc1, scanner_check_fnc1),
    INT(struct scanner_config, "gap_ms", gap_ms, 5, 10000),
    END,
};

/* Values a board may write that the key's type alone does not check. */
static int scale_check_parity(const char *v, char *problem, size_t len)
{
	if (!strcmp(v, "even") || !strcmp(v, "odd") || !strcmp(v, "none"))
		return 0;
	snprintf(problem, len, "parity '%.40s' is not even, odd or none", v);
	return -EINVAL;
}

static int scale_check_unit(const char *v, char *problem, size_t len)
{
	struct scale_unit u;

	if (scale_unit_by_name(v, &u) == 0)
		return 0;
	snprintf(problem, len,
		 "unit '%.40s' is not a unit of weight (kg, g, lb, oz, ...)",
		 v);
	return -EINVAL;
}

static int scale_check_tael(const char *v, char *problem, size_t len)
{
	struct scale_tael t;

	if (scale_unit_tael_parse(v, &t) == 0 && t.den)
		return 0;
	snprintf(problem, len, "tael_g '%.40s' is not 37.5, 37.8 or 50", v);
	return -EINVAL;
}

/* Stability keys (stable_timeout_ms, stable_readings, settle_ms) are in
 * every scale backend's table. */

static const struct device_setting_key scale_mtsics_keys[] = {
    REQUIRED_PATH(struct scale_config, "path", path),
    INT(struct scale_config, "stable_timeout_ms", stable_timeout_ms, 100,
	60000),
    INT(struct scale_config, "stable_readings", stable_readings, 1, 100),
    INT(struct scale_config, "settle_ms", settle_ms, 0, 10000),
    INT(struct scale_config, "reply_timeout_ms", reply_timeout_ms, 50, 10000),
    INT(struct scale_config, "baud", baud, 1200, 115200),
    END,
};

/* usb: a printer's USB id, or none for the first printer-class device */
static int printer_check_usb(const char *value, char *problem,
			     size_t problemlen)
{
	return strcmp(value, "none")
		   ? device_check_usb_id(value, problem, problemlen)
		   : 0;
}

/* language: the label language the printer speaks (label.h) */
#define PRINTER_LANGUAGE                                                       \
	CHOICE(struct printer_config, "language", language, "zpl, tspl")
/* status: ask the printer how it is around each label, or never */
#define PRINTER_STATUS                                                         \
	CHOICE(struct printer_config, "status", status, "ask, none")

static const struct device_setting_key scale_8217_keys[] = {
    REQUIRED_PATH(struct scale_config, "path", path),
    INT(struct scale_config, "stable_timeout_ms", stable_timeout_ms, 100,
	60000),
    INT(struct scale_config, "stable_readings", stable_readings, 1, 100),
    INT(struct scale_config, "settle_ms", settle_ms, 0, 10000),
    INT(struct scale_config, "reply_timeout_ms", reply_timeout_ms, 50, 10000),
    INT(struct scale_config, "baud", baud, 1200, 115200),
    CHECKED(struct scale_config, "parity", parity, scale_check_parity),
    INT(struct scale_config, "bits", bits, 7, 8),
    CHECKED(struct scale_config, "unit", unit, scale_check_unit),
    END,
};

static const struct device_setting_key scale_hidpos_keys[] = {
    CHECKED(struct scale_config, "usb", usb, device_check_usb_id),
    PATH(struct scale_config, "path", path),
    INT(struct scale_config, "stable_timeout_ms", stable_timeout_ms, 100,
	60000),
    INT(struct scale_config, "stable_readings", stable_readings, 1, 100),
    INT(struct scale_config, "settle_ms", settle_ms, 0, 10000),
    INT(struct scale_config, "reply_timeout_ms", reply_timeout_ms, 50, 10000),
    CHECKED(struct scale_config, "tael_g", tael_g, scale_check_tael),
    END,
};

static const struct device_setting_key printer_tcp_keys[] = {
    TEXT(struct printer_config, "host", host),
    INT(struct printer_config, "port", port, 1, 65535),
    INT(struct printer_config, "timeout_ms", timeout_ms, 50, 60000),
    PRINTER_LANGUAGE,
    PRINTER_STATUS,
    END,
};

/* usb: vvvv:pppp[:serial], or none for the first printer-class device */
static const struct device_setting_key printer_usb_keys[] = {
    CHECKED(struct printer_config, "usb", usb, printer_check_usb),
    INT(struct printer_config, "timeout_ms", timeout_ms, 50, 60000),
    PRINTER_LANGUAGE,
    PRINTER_STATUS,
    END,
};

static const struct device_setting_key printer_dir_keys[] = {
    {.key = "dir",
     .type = DEVICE_SETTING_TEXT,
     .offset = offsetof(struct printer_config, dir),
     .required = 1},
    PRINTER_LANGUAGE,
    END,
};

/* The camera as a scanner: the decoder's keys, in every camera backend's
 * table (include/retour/barcode.h). */
#define CAMERA_DECODE_KEYS                                                     \
	CHECKED(struct camera_config, "decode", decode.decode,                 \
		barcode_check_yes_no),                                         \
	    CHECKED(struct camera_config, "symbologies", decode.symbologies,   \
		    barcode_check_symbologies),                                \
	    CHECKED(struct camera_config, "decode_inverted", decode.inverted,  \
		    barcode_check_yes_no),                                     \
	    INT(struct camera_config, "decode_density", decode.density, 1, 8), \
	    INT(struct camera_config, "decode_confirm", decode.confirm, 1,     \
		10),                                                           \
	    INT(struct camera_config, "decode_forget_ms", decode.forget_ms,    \
		50, 60000),                                                    \
	    INT(struct camera_config, "decode_workers", decode.workers, 1, 4)

/* camera: the order of each list is its enum's (camera.h) */
static const char *const camera_formats[] = {"yuyv", "mjpeg", NULL};
static const char *const camera_stream_modes[] = {"photo", "always", NULL};

static const struct device_setting_key camera_dir_keys[] = {
    REQUIRED_PATH(struct camera_config, "dir", dir),
    ENUM(struct camera_config, "stream", stream, camera_stream_modes),
    INT(struct camera_config, "fps", fps, 1, 60),
    CAMERA_DECODE_KEYS,
    END,
};

/* The frame handling v4l2 and its file-backed twin share. */
#define CAMERA_FRAME_KEYS                                                      \
	INT(struct camera_config, "width", width, 16, 8192),                   \
	    INT(struct camera_config, "height", height, 16, 8192),             \
	    ENUM(struct camera_config, "format", format, camera_formats),      \
	    INT(struct camera_config, "fps", fps, 1, 240),                     \
	    INT(struct camera_config, "quality", quality, 1, 100),             \
	    INT(struct camera_config, "skip", skip, 0, 1000),                  \
	    ENUM(struct camera_config, "stream", stream, camera_stream_modes), \
	    INT(struct camera_config, "timeout_ms", timeout_ms, 100, 60000)

static const struct device_setting_key camera_v4l2_keys[] = {
    REQUIRED_PATH(struct camera_config, "device", device),
    CAMERA_FRAME_KEYS,
    CAMERA_DECODE_KEYS,
    END,
};

static const struct device_setting_key camera_frames_keys[] = {
    REQUIRED_PATH(struct camera_config, "frames", frames),
    CAMERA_FRAME_KEYS,
    INT(struct camera_config, "loop", loop, 0, 1),
    CAMERA_DECODE_KEYS,
    END,
};

static const struct device_setting_key gpio_sim_keys[] = {
    INT(struct gpio_config, "debounce_ms", debounce_ms, 0, 1000),
    END,
};

/* the active_low list, checked as the backend reads it */
static int gpio_active_low_check(const char *value, char *problem,
				 size_t problemlen)
{
	unsigned mask;

	return gpio_active_low_parse(value, &mask, problem, problemlen);
}

/* chip: a path, gpiochipN or a chip label, looked for by `retourd -n`;
 * each line by its name on the chip (gpio.h, enum gpio_line) */
static const struct device_setting_key gpio_gpiod_keys[] = {
    {.key = "chip",
     .type = DEVICE_SETTING_TEXT,
     .offset = offsetof(struct gpio_config, chip),
     .required = 1,
     .present = gpio_chip_present},
    INT(struct gpio_config, "debounce_ms", debounce_ms, 0, 1000),
    CHECKED(struct gpio_config, "active_low", active_low,
	    gpio_active_low_check),
    TEXT(struct gpio_config, "accept", line[GPIO_LINE_ACCEPT]),
    TEXT(struct gpio_config, "reject", line[GPIO_LINE_REJECT]),
    TEXT(struct gpio_config, "pedal", line[GPIO_LINE_PEDAL]),
    TEXT(struct gpio_config, "parcel", line[GPIO_LINE_PARCEL]),
    TEXT(struct gpio_config, "green", line[GPIO_LINE_GREEN]),
    TEXT(struct gpio_config, "amber", line[GPIO_LINE_AMBER]),
    TEXT(struct gpio_config, "red", line[GPIO_LINE_RED]),
    TEXT(struct gpio_config, "buzzer", line[GPIO_LINE_BUZZER]),
    END,
};

static const struct device_setting_key no_keys[] = {END};

/* In the order the operator reads them in "known: ...". */
static const struct device_backend device_backends[] = {
    {DEVICE_SCANNER, "pty", &scanner_backend_pty, scanner_made_keys},
    {DEVICE_SCANNER, "tty", &scanner_backend_tty, scanner_tty_keys},
    {DEVICE_SCANNER, "fifo", &scanner_backend_fifo, scanner_made_keys},
    {DEVICE_SCANNER, "evdev", &scanner_backend_evdev, scanner_evdev_keys},
    {DEVICE_SCANNER, "none", NULL, no_keys},
    {DEVICE_SCALE, "mtsics", &scale_backend_mtsics, scale_mtsics_keys},
    {DEVICE_SCALE, "toledo8217", &scale_backend_toledo8217, scale_8217_keys},
    {DEVICE_SCALE, "hidpos", &scale_backend_hidpos, scale_hidpos_keys},
    {DEVICE_SCALE, "none", NULL, no_keys},
    {DEVICE_PRINTER, "tcp", &printer_backend_tcp, printer_tcp_keys},
    {DEVICE_PRINTER, "usb", &printer_backend_usb, printer_usb_keys},
    {DEVICE_PRINTER, "dir", &printer_backend_dir, printer_dir_keys},
    {DEVICE_PRINTER, "none", NULL, no_keys},
    {DEVICE_CAMERA, "dir", &camera_backend_dir, camera_dir_keys},
    {DEVICE_CAMERA, "v4l2", &camera_backend_v4l2, camera_v4l2_keys},
    {DEVICE_CAMERA, "frames", &camera_backend_frames, camera_frames_keys},
    {DEVICE_CAMERA, "none", NULL, no_keys},
    {DEVICE_GPIO, "sim", &gpio_backend_sim, gpio_sim_keys},
    {DEVICE_GPIO, "gpiod", &gpio_backend_gpiod, gpio_gpiod_keys},
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

/* Is @value one of @choices ("zpl, tspl")? */
static bool device_choice_ok(const char *choices, const char *value)
{
	size_t n = strlen(value);

	for (const char *p = choices; p && *p;) {
		size_t w = strcspn(p, ",");

		if (w == n && n && !strncmp(p, value, n))
			return true;
		p += w;
		p += strspn(p, ", ");
	}
	return false;
}

/* "'bmp' is not one of yuyv, mjpeg for 'format'" */
static int device_setting_enum(const struct device_setting_key *k, char *base,
			       const char *value, char *problem,
			       size_t problemlen)
{
	size_t off = 0;

	for (int i = 0; k->words && k->words[i]; i++) {
		if (strcmp(k->words[i], value))
			continue;
		if (base)
			*(int *)(void *)(base + k->offset) = i;
		return 0;
	}
	problem[0] = '\0';
	device_append(problem, problemlen, &off, "'");
	device_append(problem, problemlen, &off, value);
	device_append(problem, problemlen, &off, "' is not one of ");
	for (int i = 0; k->words && k->words[i]; i++) {
		device_append(problem, problemlen, &off, i ? ", " : "");
		device_append(problem, problemlen, &off, k->words[i]);
	}
	device_append(problem, problemlen, &off, " for '");
	device_append(problem, problemlen, &off, k->key);
	device_append(problem, problemlen, &off, "'");
	return -EINVAL;
}

static int device_setting_parse(const struct device_setting_key *k,
				void *kind_config, const char *value,
				char *problem, size_t problemlen)
{
	char *base = kind_config, *end;
	struct usb_id id;
	long n;

	if (k->type == DEVICE_SETTING_CHOICE &&
	    !device_choice_ok(k->choices, value)) {
		snprintf(problem, problemlen, "'%s' is not one of %s for '%s'",
			 value, k->choices, k->key);
		return -EINVAL;
	}
	if (k->type != DEVICE_SETTING_INT && k->type != DEVICE_SETTING_ENUM &&
	    k->check && k->check(value, problem, problemlen) < 0)
		return -EINVAL;
	switch (k->type) {
	case DEVICE_SETTING_ENUM:
		return device_setting_enum(k, base, value, problem, problemlen);
	case DEVICE_SETTING_CHOICE:
	case DEVICE_SETTING_TEXT:
		if (base)
			*(const char **)(void *)(base + k->offset) = value;
		return 0;
	case DEVICE_SETTING_PATH:
		if (!*value) {
			snprintf(problem, problemlen,
				 "'%s' needs a path to the device", k->key);
			return -EINVAL;
		}
		if (base)
			*(const char **)(void *)(base + k->offset) = value;
		return 0;
	case DEVICE_SETTING_USB_ID:
		if (usb_id_parse(value, &id, problem, problemlen) < 0)
			return -EINVAL;
		if (!id.vendor) {
			snprintf(problem, problemlen,
				 "'%.80s': vendor 0000 is no USB vendor",
				 value);
			return -EINVAL;
		}
		if (base)
			memcpy(base + k->offset, &id, sizeof(id));
		return 0;
	case DEVICE_SETTING_INT:
		break;
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

int device_setting_present(const struct device_backend *be, const char *key,
			   const char *value, char *problem, size_t problemlen)
{
	const struct device_setting_key *k;
	struct stat sb;
	int r;

	if (!be || !key || !value)
		return -EINVAL;
	k = device_key_find(be->keys, key);
	if (k && k->present)
		return k->present(value, problem, problemlen);
	if (!k || k->type != DEVICE_SETTING_PATH)
		return 0;
	if (stat(value, &sb) == 0)
		return 0;
	r = -errno;
	if (r == -ENOENT || r == -ENOTDIR)
		snprintf(problem, problemlen, "no such device %s", value);
	else
		snprintf(problem, problemlen, "device %s: %s", value,
			 strerror(-r));
	return r;
}
