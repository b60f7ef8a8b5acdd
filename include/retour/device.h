/* SPDX-License-Identifier: MIT */
/*
 * The device backend registry: every kind of device on a desk (scanner,
 * scale, printer, camera, GPIO), every backend of each kind by name, and the
 * settings each backend takes from the board file.
 *
 * One table answers "which backends are there" for the dispatchers
 * (src/dev/scanner.c, scale.c, ...), for `retourd -n` and for the error an
 * operator reads: "unknown scanner backend 'hid' (known: pty, tty, fifo,
 * evdev, none)".  Adding a backend is one file and one entry in
 * src/dev/device.c.
 *
 * A backend's settings are opaque above this layer: the board file hands
 * over (key, value) pairs, the backend's key table checks each value and
 * puts it into the kind's own configuration (struct scanner_config, ...).
 * A key of another backend of the same kind is checked by that backend and
 * otherwise ignored, so a board can keep the settings of the backend it
 * switches between ("backend = dir" beside the tcp printer's host).
 *
 * Not here: opening devices (each kind's dispatcher), the daemon's view of
 * them (include/retour/devices.h).
 */
#ifndef RETOUR_DEVICE_H
#define RETOUR_DEVICE_H

#include <stddef.h>

enum device_kind {
	DEVICE_SCANNER,
	DEVICE_SCALE,
	DEVICE_PRINTER,
	DEVICE_CAMERA,
	DEVICE_GPIO,
};
#define DEVICE_KIND_COUNT 5

/* How a desk sees a device: it works, it is not there, or it is there and
 * failing (out of paper, an error reply); each with a reason to show. */
enum device_state {
	DEVICE_CONNECTED,
	DEVICE_MISSING,
	DEVICE_FAULT,
};

enum device_setting_type {
	DEVICE_SETTING_TEXT, /* a const char * field, pointing at the value */
	DEVICE_SETTING_INT,  /* an int field, from min to max */
	/* a const char * field, pointing at one of the words of choices */
	DEVICE_SETTING_CHOICE,
	/* an int field: the index of the value in words (NULL-ended) */
	DEVICE_SETTING_ENUM,
	/*
	 * A const char * field, like TEXT: a device node, symlink or
	 * directory the backend opens but never creates (/dev/ttyACM0,
	 * /dev/serial/by-id/..., a camera's image directory).  Its text is
	 * checked at load like TEXT; whether it is there is asked only by
	 * device_setting_present(): a board written before its devices are
	 * plugged in still starts the daemon, and the device waits.
	 */
	DEVICE_SETTING_PATH,
	/* A struct usb_id field (usb.h), checked by usb_id_parse() at load:
	 * "0922:8003" or "0922:8003:SERIAL".  All zero when the board names
	 * none (vendor 0000 is refused). */
	DEVICE_SETTING_USB_ID,
};

/* One key a backend takes, and where it goes in the kind's config struct. */
struct device_setting_key {
	const char *key;
	enum device_setting_type type;
	size_t offset;
	int min, max;
	const char *choices; /* CHOICE: the words allowed, ", " between */
	/* a text value's own check (NULL: any text): 0, or -EINVAL with
	 * @problem saying what is wrong */
	int (*check)(const char *value, char *problem, size_t problemlen);
	const char *const *words; /* DEVICE_SETTING_ENUM */
	/* the backend cannot open without this key: `retourd -n` says so */
	int required;
	/* whether the device a value names is there now, for a key that is
	 * not a path (a GPIO chip named by its label): 0, or -errno with
	 * @problem "no GPIO chip 'pinctrl-rp1'" (device_setting_present) */
	int (*present)(const char *value, char *problem, size_t problemlen);
};

struct device_backend {
	enum device_kind kind;
	const char *name;
	/* struct scanner_backend, struct scale_backend, ... of the kind;
	 * NULL for "none", the desk has no such device */
	const void *ops;
	const struct device_setting_key *keys; /* ends with a NULL key */
};

/* "scanner", "scale", "printer", "camera", "gpio": the board section. */
const char *device_kind_name(enum device_kind k);
const char *device_state_name(enum device_state s);
/* The kind whose board section is @section, or -EINVAL. */
int device_kind_from_name(const char *section);

/*
 * The backend @name of kind @k, or NULL with @err "unknown scanner backend
 * 'x' (known: pty, tty, fifo, evdev, none)" (@err may be NULL).
 */
const struct device_backend *device_backend_find(enum device_kind k,
						 const char *name, char *err,
						 size_t errlen);

/*
 * The backend's check of one setting: @value is checked against @key of
 * @be, and stored into @kind_config (the kind's config struct) unless it is
 * NULL.  A key that only another backend of the kind knows is checked by
 * that one and not stored.  Text values are stored as pointers to @value,
 * which must outlive the config struct.  0, or -EINVAL with @problem
 * ("unknown key 'x' for scanner backend 'pty' (known: path)", "'70000' is
 * not a whole number from 1 to 65535 for 'port'").
 */
int device_backend_setting(const struct device_backend *be, void *kind_config,
			   const char *key, const char *value, char *problem,
			   size_t problemlen);

/*
 * Is the device a DEVICE_SETTING_PATH @key of @be names there now (or the
 * one a key with its own present check names, like the gpiod chip)?  0 when
 * it is, or when @key is not a device of @be (another backend's key is not
 * asked: that backend is not used); -ENOENT (or another -errno) with
 * @problem "no such device /dev/ttyACM9".  A relative path is taken from
 * the working directory, as the backend will.  For `retourd -n`.
 */
int device_setting_present(const struct device_backend *be, const char *key,
			   const char *value, char *problem, size_t problemlen);

#endif
