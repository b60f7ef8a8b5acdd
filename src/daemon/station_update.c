/* SPDX-License-Identifier: MIT */
/*
 * An update of the station image (station_system.h): `[update] command
 * install BUNDLE` as a child of the daemon, its progress lines read on the
 * loop ("  40% Checking bundle"), its end told to the screens and written
 * in the audit log.  RAUC writes the other slot; the desk goes on working
 * meanwhile and the new system starts at the next boot.
 *
 * An uploaded bundle is written to [station] database's folder, update/,
 * as it arrives (upload.raucb.part, renamed when whole), bounded by
 * [update] bundle_max_mb and by the disk's floor (photo_min_free_mb: the
 * photos need that room more), and removed once installed or refused.
 *
 * What it does not do: reboot.  The daemon has no right to (no
 * capability, no polkit rule on the image); the screen says to restart
 * the desk.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "retour/civil_time.h"
#include "retour/clock.h"
#include "retour/log.h"
#include "retour/station_system.h"

#include "station_internal.h"
#include "station_system_internal.h"

static const char *const update_state_names[] = {
    [UPDATE_IDLE] = "idle",
    [UPDATE_RECEIVING] = "receiving",
    [UPDATE_INSTALLING] = "installing",
    [UPDATE_INSTALLED] = "installed",
    [UPDATE_FAILED] = "failed",
};

static void update_time(json_t *o, const char *key, int64_t at)
{
	char when[CIVIL_TIME_RFC3339_LEN];

	if (!at || civil_time_format_rfc3339(at, when, sizeof(when)) < 0) {
		json_object_set_new(o, key, json_null());
		return;
	}
	json_object_set_new(o, key, json_string(when));
}

/* A string for JSON from bytes a program wrote: NULL-safe, UTF-8 or
 * replaced. */
static json_t *update_text(const char *s)
{
	json_t *j;

	if (!s || !*s)
		return json_null();
	j = json_string(s);
	return j ? j : json_string("(not UTF-8)");
}

json_t *system_update_json(const struct station_system *sys)
{
	json_t *o = json_object();
	const char *text = "";

	json_object_set_new(o, "state",
			    json_string(update_state_names[sys->state]));
	if (sys->state == UPDATE_IDLE) {
		json_object_set_new(o, "text",
				    json_string("no update since the daemon "
						"started"));
		return o;
	}
	json_object_set_new(o, "bundle", update_text(sys->bundle_name));
	json_object_set_new(o, "source", json_string(sys->source));
	json_object_set_new(o, "by", update_text(sys->by));
	update_time(o, "started_at", sys->started_at);
	update_time(o, "finished_at", sys->finished_at);
	json_object_set_new(o, "percent",
			    sys->percent >= 0 ? json_integer(sys->percent)
					      : json_null());
	json_object_set_new(o, "message", update_text(sys->message));
	if (sys->state == UPDATE_RECEIVING)
		json_object_set_new(o, "received",
				    json_integer(sys->upload_bytes));
	json_object_set_new(o, "reason",
			    sys->state == UPDATE_FAILED
				? update_text(sys->reason)
				: json_null());
	switch (sys->state) {
	case UPDATE_RECEIVING:
		text = "receiving the bundle";
		break;
	case UPDATE_INSTALLING:
		text = "installing into the other slot; the desk works on";
		break;
	case UPDATE_INSTALLED:
		text = "installed, reboot to use it";
		break;
	case UPDATE_FAILED:
		text = "refused, nothing was changed";
		break;
	case UPDATE_IDLE:
		break;
	}
	json_object_set_new(o, "text", json_string(text));
	return o;
}

/* "  40% Checking bundle": the percentage and the words. */
static void update_on_line(struct station_system *sys, const char *line)
{
	if (system_text_progress(line, &sys->percent, sys->message,
				 sizeof(sys->message)))
		system_changed(sys);
}

static void update_remove_upload(struct station_system *sys)
{
	if (sys->upload_fd >= 0)
		close(sys->upload_fd);
	sys->upload_fd = -1;
	if (sys->upload_path[0])
		unlink(sys->upload_path);
	if (!strcmp(sys->source, "upload") && sys->bundle[0])
		unlink(sys->bundle);
}

static void update_on_exit(struct station_system *sys, int status)
{
	struct system_child *c = &sys->install_child;
	char detail[700];

	sys->finished_at = clock_now_us();
	if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		sys->state = UPDATE_INSTALLED;
		sys->percent = 100;
		log_info("update %s installed into the other slot: it "
			 "starts at the next boot",
			 sys->bundle_name);
		snprintf(detail, sizeof(detail), "%s (%s)", sys->bundle_name,
			 sys->source);
		system_audit(sys, sys->by, "system.update.installed", detail);
	} else {
		sys->state = UPDATE_FAILED;
		if (status >= 0 && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 127 && !c->len)
			snprintf(sys->reason, sizeof(sys->reason),
				 "cannot run %.200s: is this the station "
				 "image?",
				 sys->cfg->update_command);
		else
			system_text_reason(c->out, sys->reason,
					   sizeof(sys->reason));
		sys->exit_status = status;
		log_warning("update %s refused, nothing was changed: %s",
			    sys->bundle_name, sys->reason);
		snprintf(detail, sizeof(detail), "%s (%s): %.300s",
			 sys->bundle_name, sys->source, sys->reason);
		system_audit(sys, sys->by, "system.update.failed", detail);
	}
	if (!strcmp(sys->source, "upload"))
		unlink(sys->bundle);
	system_status_refresh(sys); /* the other slot's state changed */
	system_changed(sys);
}

/* Run the installer on sys->bundle for @by. */
/* @cmd can be run: a path that is executable, or a name found so on
 * $PATH.  Asked first, since a spawn's failure to exec can show only as
 * the child's exit (posix_spawn through vfork, or under qemu-user). */
static int update_command_found(const char *cmd)
{
	const char *path = getenv("PATH"), *p, *end;
	char full[CONFIG_PATH_LEN + 256];

	if (!cmd[0])
		return -ENOENT;
	if (strchr(cmd, '/'))
		return access(cmd, X_OK) == 0 ? 0 : -errno;
	for (p = path ? path : "/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		int n;

		end = strchrnul(p, ':');
		/* an empty entry is the current folder */
		n = end == p ? snprintf(full, sizeof(full), "./%s", cmd)
			     : snprintf(full, sizeof(full), "%.*s/%s",
					(int)(end - p), p, cmd);
		if (n > 0 && (size_t)n < sizeof(full) &&
		    access(full, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static int update_install(struct station_system *sys, const char *by, char *err,
			  size_t errlen)
{
	char cmd[CONFIG_PATH_LEN];
	char *argv[] = {cmd, (char *)"install", sys->bundle, NULL};
	char detail[1024];
	int r;

	snprintf(cmd, sizeof(cmd), "%s", sys->cfg->update_command);

	snprintf(sys->by, sizeof(sys->by), "%s", by);
	sys->state = UPDATE_INSTALLING;
	sys->started_at = clock_now_us();
	sys->finished_at = 0;
	sys->percent = -1;
	sys->message[0] = sys->reason[0] = '\0';
	sys->install_child.keep_tail = true;
	sys->install_child.on_line = update_on_line;
	sys->install_child.on_exit = update_on_exit;
	snprintf(detail, sizeof(detail), "%s (%s)", sys->bundle_name,
		 sys->source);
	system_audit(sys, by, "system.update", detail);
	r = update_command_found(cmd);
	if (r == 0)
		r = system_child_spawn(sys, &sys->install_child, argv);
	if (r < 0) {
		sys->state = UPDATE_FAILED;
		sys->finished_at = clock_now_us();
		snprintf(sys->reason, sizeof(sys->reason),
			 "cannot run %.200s (%s): is this the station image?",
			 sys->cfg->update_command, strerror(-r));
		snprintf(err, errlen, "%s", sys->reason);
		snprintf(detail, sizeof(detail), "%s (%s): %.300s",
			 sys->bundle_name, sys->source, sys->reason);
		system_audit(sys, by, "system.update.failed", detail);
		if (!strcmp(sys->source, "upload"))
			unlink(sys->bundle);
		system_changed(sys);
		return -ENOEXEC;
	}
	log_info("update %s started by %s (%s)", sys->bundle_name, by,
		 sys->source);
	system_changed(sys);
	return 0;
}

static bool update_busy(const struct station_system *sys, char *err,
			size_t errlen)
{
	if (sys->state == UPDATE_RECEIVING) {
		snprintf(err, errlen,
			 "another bundle is being uploaded: wait for it");
		return true;
	}
	if (sys->state == UPDATE_INSTALLING) {
		snprintf(err, errlen,
			 "an update is already running (%s): wait for its "
			 "end (GET /api/v1/system/update)",
			 sys->bundle_name);
		return true;
	}
	return false;
}

void system_update_init(struct station_system *sys)
{
	char dir[CONFIG_PATH_LEN];
	const char *slash;

	sys->upload_fd = -1;
	sys->percent = -1;
	snprintf(dir, sizeof(dir), "%s", sys->cfg->database);
	slash = strrchr(dir, '/');
	if (slash)
		dir[slash - dir] = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	snprintf(sys->upload_dir, sizeof(sys->upload_dir), "%.200s/update",
		 dir[0] ? dir : "/");
	/* an upload cut by a stop or a crash is not kept */
	snprintf(sys->upload_path, sizeof(sys->upload_path),
		 "%.220s/upload.raucb.part", sys->upload_dir);
	unlink(sys->upload_path);
	sys->upload_path[0] = '\0';
}

void system_update_stop(struct station_system *sys)
{
	if (sys->state == UPDATE_RECEIVING)
		update_remove_upload(sys);
	system_child_stop(&sys->install_child);
}

int station_update_upload_open(struct station *st, int64_t declared, char *err,
			       size_t errlen)
{
	struct station_system *sys = st->system;
	int64_t floor = st->cfg->photo_min_free_bytes, free_bytes;
	struct statvfs vfs;

	if (update_busy(sys, err, errlen))
		return -EBUSY;
	if (declared > st->cfg->update_bundle_max_bytes) {
		snprintf(err, errlen,
			 "the bundle is %lld bytes, over [update] "
			 "bundle_max_mb (%lld MiB): nothing written",
			 (long long)declared,
			 (long long)(st->cfg->update_bundle_max_bytes >> 20));
		return -EFBIG;
	}
	if (mkdir(sys->upload_dir, 0750) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot make %s: %s", sys->upload_dir,
			 strerror(errno));
		return -EIO;
	}
	if (statvfs(sys->upload_dir, &vfs) < 0) {
		snprintf(err, errlen, "cannot measure the disk at %s: %s",
			 sys->upload_dir, strerror(errno));
		return -EIO;
	}
	free_bytes = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
	sys->upload_room = free_bytes - floor;
	if (sys->upload_room > st->cfg->update_bundle_max_bytes)
		sys->upload_room = st->cfg->update_bundle_max_bytes;
	if (sys->upload_room <= 0 ||
	    (declared > 0 && declared > free_bytes - floor)) {
		snprintf(err, errlen,
			 "not enough disk for the bundle: %lld MiB free, the "
			 "photos keep %lld MiB ([station] photo_min_free_mb); "
			 "nothing written",
			 (long long)(free_bytes >> 20),
			 (long long)(floor >> 20));
		return -ENOSPC;
	}
	snprintf(sys->upload_path, sizeof(sys->upload_path),
		 "%.220s/upload.raucb.part", sys->upload_dir);
	sys->upload_fd =
	    open(sys->upload_path,
		 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (sys->upload_fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", sys->upload_path,
			 strerror(errno));
		sys->upload_path[0] = '\0';
		return -EIO;
	}
	sys->upload_bytes = 0;
	sys->state = UPDATE_RECEIVING;
	snprintf(sys->source, sizeof(sys->source), "upload");
	snprintf(sys->bundle_name, sizeof(sys->bundle_name), "upload.raucb");
	sys->bundle[0] = sys->by[0] = sys->message[0] = sys->reason[0] = '\0';
	sys->started_at = clock_now_us();
	sys->finished_at = 0;
	sys->percent = -1;
	system_changed(sys);
	return 0;
}

/* The upload given up: the file removed, the update back to idle. */
static void update_upload_drop(struct station_system *sys)
{
	update_remove_upload(sys);
	sys->upload_path[0] = '\0';
	sys->state = UPDATE_IDLE;
	system_changed(sys);
}

int station_update_upload_write(struct station *st, const void *data,
				size_t len, char *err, size_t errlen)
{
	struct station_system *sys = st->system;
	const char *p = data;

	if (sys->state != UPDATE_RECEIVING || sys->upload_fd < 0) {
		snprintf(err, errlen, "no upload is open");
		return -EBADF;
	}
	if (sys->upload_bytes + (int64_t)len >
	    st->cfg->update_bundle_max_bytes) {
		snprintf(err, errlen,
			 "the bundle is over [update] bundle_max_mb (%lld "
			 "MiB): nothing kept",
			 (long long)(st->cfg->update_bundle_max_bytes >> 20));
		update_upload_drop(sys);
		return -EFBIG;
	}
	if (sys->upload_bytes + (int64_t)len > sys->upload_room) {
		snprintf(err, errlen,
			 "not enough disk for the bundle: the photos keep "
			 "[station] photo_min_free_mb; nothing kept");
		update_upload_drop(sys);
		return -ENOSPC;
	}
	while (len) {
		ssize_t n = write(sys->upload_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			snprintf(err, errlen, "cannot write the bundle: %s",
				 strerror(e));
			update_upload_drop(sys);
			return e == ENOSPC ? -ENOSPC : -EIO;
		}
		p += n;
		len -= (size_t)n;
		sys->upload_bytes += n;
	}
	return 0;
}

int station_update_upload_finish(struct station *st, const char *by, char *err,
				 size_t errlen)
{
	struct station_system *sys = st->system;

	if (sys->state != UPDATE_RECEIVING || sys->upload_fd < 0) {
		snprintf(err, errlen, "no upload is open");
		return -EBADF;
	}
	if (!sys->upload_bytes) {
		snprintf(err, errlen,
			 "the body is empty: send the bundle's bytes");
		update_upload_drop(sys);
		return -EINVAL;
	}
	/* no fsync: a bundle's integrity is RAUC's to check (signature,
	 * verity), and flushing hundreds of MiB would stall the desk */
	if (close(sys->upload_fd) < 0) {
		sys->upload_fd = -1;
		snprintf(err, errlen, "cannot write the bundle: %s",
			 strerror(errno));
		update_upload_drop(sys);
		return -EIO;
	}
	sys->upload_fd = -1;
	snprintf(sys->bundle, sizeof(sys->bundle), "%.220s/upload.raucb",
		 sys->upload_dir);
	if (rename(sys->upload_path, sys->bundle) < 0) {
		snprintf(err, errlen, "cannot keep the bundle: %s",
			 strerror(errno));
		sys->bundle[0] = '\0';
		update_upload_drop(sys);
		return -EIO;
	}
	sys->upload_path[0] = '\0';
	return update_install(sys, by, err, errlen);
}

void station_update_upload_abort(struct station *st)
{
	struct station_system *sys = st->system;

	if (sys && sys->state == UPDATE_RECEIVING)
		update_upload_drop(sys);
}

int station_update_install_listed(struct station *st, const char *path,
				  const char *by, char *err, size_t errlen)
{
	struct station_system *sys = st->system;
	json_t *list, *b;
	bool listed = false;
	const char *name;
	size_t i;

	if (update_busy(sys, err, errlen))
		return -EBUSY;
	list = station_system_bundles(st);
	json_array_foreach(list, i, b) listed |=
	    !strcmp(json_string_value(json_object_get(b, "path")), path);
	json_decref(list);
	if (!listed) {
		snprintf(err, errlen,
			 "'%.200s' is not one of the bundles found on a drive "
			 "(GET /api/v1/system/bundles): nothing started",
			 path);
		return -ENOENT;
	}
	snprintf(sys->bundle, sizeof(sys->bundle), "%s", path);
	name = strrchr(path, '/');
	snprintf(sys->bundle_name, sizeof(sys->bundle_name), "%s",
		 name ? name + 1 : path);
	snprintf(sys->source, sizeof(sys->source), "drive");
	return update_install(sys, by, err, errlen);
}
