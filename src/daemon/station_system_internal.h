/* SPDX-License-Identifier: MIT */
/*
 * What station_system.c (the slots, the first boot, the drives' bundles)
 * and station_update.c (the install as a child process, the upload) share:
 * the state behind include/retour/station_system.h.
 */
#ifndef RETOUR_STATION_SYSTEM_INTERNAL_H
#define RETOUR_STATION_SYSTEM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <systemd/sd-event.h>

#include "retour/config.h"
#include "retour/system_text.h"

struct station;
struct station_system;

/* what is kept of a child's output: an install's tail, a status's head */
#define SYSTEM_CHILD_OUT_MAX 65536

/* A child process whose stdout and stderr are read on the loop. */
struct system_child {
	pid_t pid; /* 0: none running */
	int fd;
	sd_event_source *io, *reap;
	bool keep_tail; /* drop the oldest bytes when full (else the newest) */
	char out[SYSTEM_CHILD_OUT_MAX];
	size_t len;
	char line[512]; /* the line being read */
	size_t line_len;
	void (*on_line)(struct station_system *sys, const char *line);
	/* its wait status, or -errno when it could not be waited for */
	void (*on_exit)(struct station_system *sys, int status);
};

enum update_state {
	UPDATE_IDLE,
	UPDATE_RECEIVING, /* an uploaded bundle arriving */
	UPDATE_INSTALLING,
	UPDATE_INSTALLED, /* reboot to use it */
	UPDATE_FAILED,
};

/* How many items of the first boot's list are kept. */
#define SYSTEM_MISSING_MAX 16

struct station_system {
	struct station *st;
	const struct config *cfg;
	sd_event *ev;

	/* the image: rauc.slot= on the command line ("" on a PC) */
	char slot[17];
	struct system_child status_child;
	json_t *rauc_status; /* the slots as last read, NULL: not yet */
	char rauc_error[256];
	int64_t status_tried_mono; /* asked again while it has no answer */

	/* the first boot's missing items, read again now and then */
	char missing[SYSTEM_MISSING_MAX][SYSTEM_ITEM_LEN];
	int n_missing;
	int64_t missing_read_mono;

	/* the update */
	enum update_state state;
	char source[8];		      /* upload | drive */
	char bundle[CONFIG_PATH_LEN]; /* the file rauc installs */
	char bundle_name[128];	      /* as the screen shows it */
	char by[64];
	int64_t started_at, finished_at; /* UTC us, 0: not yet */
	int percent;			 /* -1: rauc said none yet */
	char message[160];		 /* rauc's last progress line */
	char reason[512];		 /* why it failed */
	int exit_status;
	struct system_child install_child;

	/* the upload being written */
	int upload_fd;
	char upload_dir[CONFIG_PATH_LEN];
	char upload_path[CONFIG_PATH_LEN + 32];
	int64_t upload_bytes, upload_room; /* written; what the disk allows */
};

/* station_system.c: a child running @argv (NULL-terminated), its output
 * to @c; 0 or -errno. */
int system_child_spawn(struct station_system *sys, struct system_child *c,
		       char *const argv[]);
void system_child_stop(struct system_child *c);
/* the audit entry @action by @actor, with @detail */
void system_audit(struct station_system *sys, const char *actor,
		  const char *action, const char *detail);
/* rauc status again (after an install), when on an image */
void system_status_refresh(struct station_system *sys);
/* what the status changed: tell the screens */
void system_changed(struct station_system *sys);
/* the slot this boot runs (rauc.slot= on the kernel's command line) */
void system_read_slot(struct station_system *sys);
/* the first boot's list read again (@force: whatever its age) */
void system_missing_read(struct station_system *sys, bool force);
json_t *system_missing_json(const struct station_system *sys);
/* the slots as rauc said them, and which boots next (*@next_boot) */
json_t *system_slots(const struct station_system *sys, const char **next_boot);
json_t *system_str_or_null(const char *s);

/* station_update.c */
void system_update_init(struct station_system *sys);
void system_update_stop(struct station_system *sys);
/* the update as the API and the status show it */
json_t *system_update_json(const struct station_system *sys);

#endif
