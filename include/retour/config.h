/* SPDX-License-Identifier: MIT */
/*
 * retourd's configuration: the station's INI file plus the board file it
 * names (a file under boards/).  Parsed strictly: an unknown section or key, or
 * a value that is not what the key needs, is reported as "file:line: problem"
 * and the whole configuration is refused, so `retourd -n` can check a file
 * before it is used.  Secrets are never in here, only paths to 0600 files.
 *
 * The board's device sections are the exception that proves the rule: this
 * file keeps their backend and settings as text, and each backend checks
 * its own (include/retour/device.h), at load and again at open.
 *
 * Every value must be valid UTF-8 without control characters.  The desk and
 * shop names go into the outbox idempotency key (shop:desk:receipt:action:
 * time), which a connector puts into an HTTP header, and clerk badges are
 * scanned codes: those three are tokens of 1 to their maximum length of
 * A-Z a-z 0-9 . _ - so that none of them is refused, or cut, later.
 */
#ifndef RETOUR_CONFIG_H
#define RETOUR_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "retour/device.h"
#include "retour/label.h"
#include "retour/retention.h"
#include "retour/rules.h"

#define CONFIG_PATH_LEN 256
#define CONFIG_MAX_CLERKS 32
/* The longest desk or shop name.  The receipt's desk and the label's station
 * field hold as many; the outbox key needs room for both plus the rest. */
#define CONFIG_NAME_MAX 31

/*
 * Settings that a module checks itself, not this file: (key, value) pairs
 * in file order, each with the line it came from, so that the module's own
 * check can say "file:line: problem".  Used for the devices of the board
 * file; generic so that a connector's section can carry its own too.
 */
#define CONFIG_SETTING_KEY_MAX 31
#define CONFIG_MAX_SETTINGS 16

struct config_setting {
	char key[CONFIG_SETTING_KEY_MAX + 1]; /* a token */
	char value[CONFIG_PATH_LEN];	      /* UTF-8 text */
	int line;
};

struct config_settings {
	char file[CONFIG_PATH_LEN]; /* the file they were read from */
	int n;
	struct config_setting item[CONFIG_MAX_SETTINGS];
};

/*
 * A connector to the shop (include/retour/connector.h): [outbox]'s own (the
 * default route: connector = TYPE, url, secret_file, ...) or a [connector
 * NAME] section (type = TYPE and the type's settings).  The type checks its
 * settings; a key ending in _file names a file with a secret, read only
 * when the sender starts.
 */
#define CONFIG_MAX_CONNECTORS 4

struct config_connector {
	char name[CONFIG_NAME_MAX + 1]; /* "" for [outbox]'s own */
	char type[16];			/* "webhook" unless set */
	int line; /* its first line, for a problem of the whole */
	struct config_settings settings;
	/*
	 * Keys of every [connector NAME] section, read here, not by its type:
	 *   shop = NAME          the shop it speaks for: its pulled returns
	 *                        are that shop's, and that shop's rows go to
	 *                        it (as @takes says) before [outbox]'s routes
	 *   takes = refunds, events   which of that shop's rows (default
	 *                        both for a webhook, refunds for a shop's
	 *                        API: config_connector_shop_takes())
	 *   pull_every_s = N     poll the shop for expected returns every N s
	 *                        (30 to 86400; 0, the default: no pulling)
	 */
	char shop[CONFIG_NAME_MAX + 1]; /* "" for none */
	int shop_line;
	bool takes_refunds;
	bool takes_events;
	int takes_line;
	int pull_every_s;
	int pull_line;
};

/* One [scanner] [scale] [printer] [camera] or [gpio] section, or one
 * [scanner NAME] section: a desk may have several scanners. */
#define CONFIG_MAX_SCANNERS 4 /* [scanner] and up to 3 [scanner NAME] */

struct config_device {
	char name[CONFIG_NAME_MAX + 1]; /* [scanner NAME]'s; "" for [scanner] */
	char backend[16];
	int backend_line; /* 0: the default, not from a file */
	struct config_settings settings;
};

struct config_clerk {
	char badge[48]; /* a token, like a desk name */
	char name[64];	/* UTF-8 text, 1 to 63 bytes */
	char role[16];	/* clerk (the default), packer or supervisor */
};

struct config {
	/* [station] */
	char desk[CONFIG_NAME_MAX + 1];
	char database[CONFIG_PATH_LEN];
	char photos[CONFIG_PATH_LEN];
	int64_t photo_min_free_bytes;
	int64_t photo_warn_free_bytes; /* the light warns below it */
	char checklists[CONFIG_PATH_LEN];
	char board[CONFIG_PATH_LEN];
	int64_t step_timeout_us;
	int64_t grace_us; /* undo window before a refund is sent */
	char routine[16]; /* starting routine: return | ship_qc */
	char language[4]; /* the screen's first language: pl | en */
	/* when the date is known (station_clock.h): sync (the kernel says
	 * NTP synchronised the clock, or @clock_synced_file exists), file
	 * (only the file says), rtc or trust (from the start) */
	char clock_mode[8];
	/* systemd-timesyncd's flag: it exists once the clock is synced */
	char clock_synced_file[CONFIG_PATH_LEN];

	/* [shop] */
	char shop[CONFIG_NAME_MAX + 1];
	char rma_pattern[64];
	char order_pattern[64];
	char scanner_prefix[16];
	char scanner_suffix[16];
	struct rules_policy policy;
	int32_t ship_qc_tolerance_g;
	/* [station] empty_scale_g: a stable reading at or below this is an
	 * empty scale, not a parcel's weight */
	int32_t empty_scale_g;

	/* [label]: size = 100x50 | 4x6, dpi = 203 | 300,
	 * barcode = receipt | rma */
	struct label_settings label;

	/* [backup] */
	char backup_destination[CONFIG_PATH_LEN];
	/* [retention] */
	struct retention_policy retention;

	/* [api] */
	char api_socket[CONFIG_PATH_LEN];
	char api_listen[64]; /* host:port, "" = no TCP listener */
	char api_token_file[CONFIG_PATH_LEN];

	/* [outbox]: its own connector, the routes, the sender's timing */
	struct config_connector outbox;
	char outbox_refunds[CONFIG_NAME_MAX + 1]; /* a [connector] name */
	int outbox_refunds_line;
	char outbox_events[CONFIG_NAME_MAX + 1];
	int outbox_events_line;
	/* device.fault and device.ok go only to the [connector] this names;
	 * "": they are logged and audited, not sent */
	char outbox_devices[CONFIG_NAME_MAX + 1];
	int outbox_devices_line;
	int outbox_timeout_ms;
	int outbox_backoff_base_ms;
	int outbox_backoff_max_ms;
	int64_t outbox_dead_after_us;
	char outbox_ca_file[CONFIG_PATH_LEN]; /* "": the system's CAs only */

	/* [photo upload]: the bucket photos go to (photo_upload.h), its
	 * settings as the s3 connector takes them; none: not uploaded */
	struct config_connector photo_upload;

	/* [connector NAME] sections */
	int n_connectors;
	struct config_connector connectors[CONFIG_MAX_CONNECTORS];

	/* [clerks] badge = name, or badge = name, role */
	int n_clerks;
	struct config_clerk clerks[CONFIG_MAX_CLERKS];

	/* board file: [board] [scanner] [scale] [printer] [camera] [gpio] */
	char board_name[32];
	int scanner_max_line; /* every scanner backend's */
	/* each device's backend and its settings, by enum device_kind */
	struct config_device device[DEVICE_KIND_COUNT];
	/* [scanner NAME] sections, in file order: scanners beside [scanner]
	 * (device[DEVICE_SCANNER]), each with its own backend and settings */
	int n_more_scanners;
	struct config_device more_scanners[CONFIG_MAX_SCANNERS - 1];

	/* [api] import_queue: the most bulk imports taken at once (the
	 * desk comes first: they wait for it); one more is refused, 503 */
	int api_import_queue;

	/* [update]: the station image's updates (station_system.h) */
	char update_command[CONFIG_PATH_LEN]; /* the rauc program */
	int64_t update_bundle_max_bytes;      /* an uploaded bundle's most */
	/* where a removable drive's bundles are looked for, space-separated */
	char update_bundle_dirs[CONFIG_PATH_LEN];
	/* the first boot's list of what is missing (firmware/) */
	char update_firstboot_missing[CONFIG_PATH_LEN];
	/* the kernel's command line, where rauc.slot= names the slot */
	char update_cmdline[CONFIG_PATH_LEN];
};

void config_defaults(struct config *c);

/* [photo upload] is set, and its prefix ("" when none). */
bool config_photo_upload_set(const struct config *c);
const char *config_photo_upload_prefix(const struct config *c);

/*
 * Every problem a check found, each "file:line: what is wrong" (or "file:
 * why it cannot be read"): the station file's, then the board file's, each
 * file's in the order of its lines (what a connector check says last).
 * Past CONFIG_MAX_PROBLEMS they are counted, not kept.
 */
#define CONFIG_MAX_PROBLEMS 50
#define CONFIG_PROBLEM_LEN 400

struct config_problems {
	int n; /* found: may be more than CONFIG_MAX_PROBLEMS */
	char text[CONFIG_MAX_PROBLEMS][CONFIG_PROBLEM_LEN];
	int line[CONFIG_MAX_PROBLEMS]; /* each one's, to sort a file's */
};

/*
 * Parse @path (and then the board file it names, unless @board_override is
 * set, which wins).  Returns 0, or -errno with @err holding the first
 * problem, "file:line: what is wrong" (or "file: why it cannot be read").
 * A file is read to its end whatever it holds, so bytes that are no
 * configuration (NUL, invalid UTF-8, control characters, a line over 198
 * bytes) are problems like any other, never a crash.
 */
int config_load(struct config *c, const char *path, const char *board_override,
		char *err, size_t errlen);
/* The same, with every problem of both files in @problems: `retourd -n`. */
int config_load_all(struct config *c, const char *path,
		    const char *board_override,
		    struct config_problems *problems);

/* Parse INI text directly (for tests and fuzzing); @name is used in errors.
 * @board selects the board file's sections instead of the station's.  The
 * first problem in @err; config_parse_all() gives them all (@len bytes of
 * @text, which may hold NUL bytes). */
int config_parse_text(struct config *c, const char *name, const char *text,
		      bool board, char *err, size_t errlen);
int config_parse_all(struct config *c, const char *name, const char *text,
		     size_t len, bool board, struct config_problems *problems);

/*
 * The backend of @d (of kind @k) checks each of its settings and stores
 * them into @kind_config (struct scanner_config, ... of that kind, whose
 * text values then point into @d; its backend field is the caller's to
 * set, from d->backend), or only checks them
 * when @kind_config is NULL.  0, or -EINVAL with @err
 * "file:line: unknown scanner backend 'hid' (known: pty, tty, fifo, evdev,
 * none)" or "file:line: 'x' is not ... for 'port'" ("file:line:
 * [scanner handheld] ..." for a [scanner NAME] section).  config_load() and
 * config_parse_text() already ran it for every device.
 */
int config_device_apply(const struct config_device *d, enum device_kind k,
			void *kind_config, char *err, size_t errlen);

/*
 * Is every device the board names there now?  Each device path of each
 * device's backend (DEVICE_SETTING_PATH: a tty, a camera's directory), and
 * the gpiod backend's chip (by path, name or label), that is not is told
 * to @absent as "file:line: [scanner] no such device /dev/ttyACM9" or
 * "file:line: [gpio] no GPIO chip 'pinctrl-rp1' (...)"; returns how many.
 * For `retourd -n`: a board may be written before its devices are plugged
 * in, and the daemon itself starts without them and reports them missing;
 * @waits says whether it takes the device when it comes (a device path)
 * or goes on without it (the GPIO chip, opened once at the start).
 */
typedef void (*config_absent_fn)(void *ud, const char *problem, bool waits);
int config_devices_absent(const struct config *c, config_absent_fn absent,
			  void *ud);

/*
 * The connector that rows of refunds (refund.requested) or of every other
 * event go to: the [connector] section [outbox] refunds / events names, or
 * [outbox]'s own when it has settings.  NULL when none: the outbox is kept
 * but not sent.  config_load() checked that both are set or neither.
 */
const struct config_connector *config_outbox_route(const struct config *c,
						   bool refunds);
/* The [connector] section [outbox] devices names, or NULL: device events
 * are not sent (config_load() checked that the section exists). */
const struct config_connector *
config_outbox_devices_route(const struct config *c);
/*
 * Whether [connector] @cc with shop = takes that shop's refunds
 * (@refunds) or its other events: as takes = says; without takes =, a
 * webhook takes both and a shop's own API (shopify, allegro, ...) the
 * refunds only, since it has nowhere to put an event.
 */
bool config_connector_shop_takes(const struct config_connector *cc,
				 bool refunds);

#endif
