/* SPDX-License-Identifier: MIT */
/*
 * The desk's system as the supervisor's page shows it (station_system.h):
 * the slot the station image booted (rauc.slot= on the kernel's command
 * line) and the slots' states (`rauc status --output-format=json`, run as
 * a child and read on the loop, at start and after an install), retour's
 * version, what the first boot found missing (its file, read again every
 * few seconds), and the update bundles on removable drives.
 *
 * Every file read here is untrusted: the command line, the first boot's
 * list and rauc's answer are read bounded, and what is not what they
 * should be is said as such ("unreadable") rather than shown.  Folders of
 * drives are walked without following a link, to a bounded depth.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "retour/civil_time.h"
#include "retour/clock.h"
#include "retour/log.h"
#include "retour/station_system.h"
#include "retour/store.h"
#include "retour/system_text.h"

#include "station_internal.h"
#include "station_system_internal.h"

extern char **environ;

#define SYSTEM_FILE_MAX 4096 /* of the command line, the list */
#define SYSTEM_MISSING_EVERY_US (5 * 1000000) /* the list read again */
#define SYSTEM_BUNDLES_MAX 64
#define SYSTEM_WALK_DEPTH 3	 /* /run/media/USER/LABEL/x.raucb */
#define SYSTEM_WALK_ENTRIES 2048 /* looked at, all folders together */
#define SYSTEM_REAP_US 50000	 /* a child that closed its output, waited */

/* ---- children ---- */

static int system_child_reap(sd_event_source *s, uint64_t usec, void *ud);

static void system_child_line(struct station_system *sys,
			      struct system_child *c)
{
	c->line[c->line_len] = '\0';
	if (c->on_line && c->line_len)
		c->on_line(sys, c->line);
	c->line_len = 0;
}

static void system_child_keep(struct system_child *c, const char *buf, size_t n)
{
	size_t room = sizeof(c->out) - 1 - c->len;

	if (n > room && c->keep_tail) {
		size_t drop = n - room;

		if (drop > c->len)
			drop = c->len;
		memmove(c->out, c->out + drop, c->len - drop);
		c->len -= drop;
		room = sizeof(c->out) - 1 - c->len;
	}
	if (n > room) {
		if (c->keep_tail)
			buf += n - room;
		n = room;
	}
	memcpy(c->out + c->len, buf, n);
	c->len += n;
	c->out[c->len] = '\0';
}

/* Whether @c has exited: then told (on_exit), else asked again soon. */
static void system_child_wait(struct station_system *sys,
			      struct system_child *c)
{
	int status = 0;
	pid_t r = waitpid(c->pid, &status, WNOHANG);
	uint64_t now;

	if (r == 0) {
		sd_event_now(sys->ev, CLOCK_MONOTONIC, &now);
		if (!c->reap) {
			if (sd_event_add_time(sys->ev, &c->reap,
					      CLOCK_MONOTONIC,
					      now + SYSTEM_REAP_US, 1000,
					      system_child_reap, sys) < 0)
				c->reap = NULL;
			return;
		}
		sd_event_source_set_time(c->reap, now + SYSTEM_REAP_US);
		sd_event_source_set_enabled(c->reap, SD_EVENT_ONESHOT);
		return;
	}
	c->pid = 0;
	sd_event_source_disable_unref(c->reap);
	c->reap = NULL;
	if (c->on_exit)
		c->on_exit(sys, r < 0 ? -errno : status);
}

static int system_child_reap(sd_event_source *s, uint64_t usec, void *ud)
{
	struct station_system *sys = ud;
	struct system_child *c = sys->install_child.reap == s
				     ? &sys->install_child
				     : &sys->status_child;

	(void)usec;
	if (c->pid && !c->io)
		system_child_wait(sys, c);
	return 0;
}

static int system_child_read(sd_event_source *s, int fd, uint32_t revents,
			     void *userdata)
{
	struct station_system *sys = userdata;
	struct system_child *c = sys->install_child.io == s
				     ? &sys->install_child
				     : &sys->status_child;
	char buf[4096];
	ssize_t n;

	(void)revents;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			break;
		system_child_keep(c, buf, (size_t)n);
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' || buf[i] == '\r') {
				system_child_line(sys, c);
				continue;
			}
			if (c->line_len < sizeof(c->line) - 1)
				c->line[c->line_len++] = buf[i];
		}
	}
	/* the end of its output: it is ending; waited for without blocking
	 * the loop */
	system_child_line(sys, c);
	sd_event_source_disable_unref(c->io);
	c->io = NULL;
	close(c->fd);
	c->fd = -1;
	system_child_wait(sys, c);
	return 0;
}

int system_child_spawn(struct station_system *sys, struct system_child *c,
		       char *const argv[])
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	int fds[2], r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
	/* the loop blocks the signals it handles: the child must not
	 * inherit that, nor SIGPIPE ignored */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&dflt);
	sigdelset(&dflt, SIGKILL);
	sigdelset(&dflt, SIGSTOP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
					    POSIX_SPAWN_SETSIGDEF);
	r = posix_spawnp(&c->pid, argv[0], &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (r) {
		c->pid = 0;
		close(fds[0]);
		return -r;
	}
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	c->fd = fds[0];
	c->len = c->line_len = 0;
	c->out[0] = '\0';
	r = sd_event_add_io(sys->ev, &c->io, c->fd, EPOLLIN, system_child_read,
			    sys);
	if (r < 0) {
		kill(c->pid, SIGTERM);
		waitpid(c->pid, NULL, 0);
		c->pid = 0;
		close(c->fd);
		c->fd = -1;
		return r;
	}
	return 0;
}

void system_child_stop(struct system_child *c)
{
	sd_event_source_disable_unref(c->io);
	sd_event_source_disable_unref(c->reap);
	c->io = c->reap = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->pid > 0) {
		/* rauc's service goes on installing without its client */
		kill(c->pid, SIGTERM);
		waitpid(c->pid, NULL, 0);
	}
	c->pid = 0;
}

void system_audit(struct station_system *sys, const char *actor,
		  const char *action, const char *detail)
{
	int r = store_audit_append(sys->st->store, actor, action,
				   sys->cfg->desk, detail, clock_now_us());

	if (r < 0)
		log_error_errno(r, "audit entry %s for %s not written (%s)",
				action, actor, store_errmsg(sys->st->store));
}

void system_changed(struct station_system *sys)
{
	station_changed(sys->st);
}

/* ---- the slots ---- */

/* At most @size - 1 bytes of @path into @buf; its length or -errno. */
static ssize_t system_read_head(const char *path, char *buf, size_t size,
				bool *more)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	size_t got = 0;
	struct stat sb;
	ssize_t n;

	*more = false;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || (!S_ISREG(sb.st_mode))) {
		close(fd);
		return -EINVAL;
	}
	while (got < size - 1) {
		n = read(fd, buf + got, size - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == size - 1) {
		char c;

		*more = read(fd, &c, 1) == 1;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

/* rauc.slot=NAME on the command line into sys->slot ("" when none). */
void system_read_slot(struct station_system *sys)
{
	char buf[SYSTEM_FILE_MAX];
	bool more;

	sys->slot[0] = '\0';
	if (system_read_head(sys->cfg->update_cmdline, buf, sizeof(buf),
			     &more) >= 0)
		system_text_slot(buf, sys->slot, sizeof(sys->slot));
}

static void system_status_read(struct station_system *sys, int status)
{
	struct system_child *c = &sys->status_child;
	json_error_t jerr;
	json_t *j;

	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		char why[200];

		system_text_reason(c->out, why, sizeof(why));
		snprintf(sys->rauc_error, sizeof(sys->rauc_error),
			 "rauc status failed: %s", why);
		system_changed(sys);
		return;
	}
	j = json_loadb(c->out, c->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		snprintf(sys->rauc_error, sizeof(sys->rauc_error),
			 "rauc status said something that is not its JSON");
		system_changed(sys);
		return;
	}
	json_decref(sys->rauc_status);
	sys->rauc_status = j;
	sys->rauc_error[0] = '\0';
	system_changed(sys);
}

static void system_status_done(struct station_system *sys, int status)
{
	system_status_read(sys, status);
}

void system_status_refresh(struct station_system *sys)
{
	char cmd[CONFIG_PATH_LEN];
	char *argv[] = {cmd, (char *)"status", (char *)"--output-format=json",
			NULL};
	int r;

	snprintf(cmd, sizeof(cmd), "%s", sys->cfg->update_command);

	if (!sys->slot[0] || sys->status_child.pid)
		return;
	sys->status_tried_mono = clock_mono_us();
	sys->status_child.keep_tail = false;
	sys->status_child.on_line = NULL;
	sys->status_child.on_exit = system_status_done;
	r = system_child_spawn(sys, &sys->status_child, argv);
	if (r < 0)
		snprintf(sys->rauc_error, sizeof(sys->rauc_error),
			 "cannot run %.200s: %s", sys->cfg->update_command,
			 strerror(-r));
}

/* A string of rauc's JSON when it is one, else NULL. */
static const char *system_json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *system_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The slots rauc told of, each {"name","bootname","state","boot_status",
 * "bundle_version","installed_at"}; what is not there is null. */
json_t *system_slots(const struct station_system *sys, const char **next_boot)
{
	json_t *out = json_array(), *slots, *entry;
	const char *primary;
	size_t i;

	*next_boot = NULL;
	if (!sys->rauc_status)
		return out;
	primary = system_json_str(sys->rauc_status, "boot_primary");
	slots = json_object_get(sys->rauc_status, "slots");
	json_array_foreach(slots, i, entry)
	{
		const char *name;
		json_t *slot, *st, *bundle, *installed, *o;

		if (i >= 8 || !json_is_object(entry))
			break;
		json_object_foreach(entry, name, slot)
		{
			if (!json_is_object(slot))
				continue;
			st = json_object_get(slot, "slot_status");
			bundle = json_object_get(st, "bundle");
			installed = json_object_get(st, "installed");
			o = json_object();
			json_object_set_new(o, "name", json_string(name));
			json_object_set_new(o, "bootname",
					    system_str_or_null(system_json_str(
						slot, "bootname")));
			json_object_set_new(
			    o, "state",
			    system_str_or_null(system_json_str(slot, "state")));
			json_object_set_new(o, "boot_status",
					    system_str_or_null(system_json_str(
						slot, "boot_status")));
			json_object_set_new(o, "bundle_version",
					    system_str_or_null(system_json_str(
						bundle, "version")));
			json_object_set_new(o, "installed_at",
					    system_str_or_null(system_json_str(
						installed, "timestamp")));
			json_array_append_new(out, o);
			if (primary && !strcmp(primary, name))
				*next_boot = system_json_str(slot, "bootname");
		}
	}
	return out;
}

/* ---- the first boot's list ---- */

/* Read the list again when due (system_text_missing()); changed: the
 * screens are told. */
void system_missing_read(struct station_system *sys, bool force)
{
	char buf[SYSTEM_FILE_MAX], was[SYSTEM_MISSING_MAX][SYSTEM_ITEM_LEN];
	int64_t mono = clock_mono_us();
	int n_was = sys->n_missing;
	bool more = false;
	ssize_t n;

	if (!force && sys->missing_read_mono &&
	    mono - sys->missing_read_mono < SYSTEM_MISSING_EVERY_US)
		return;
	sys->missing_read_mono = mono;
	memcpy(was, sys->missing, sizeof(was));
	memset(sys->missing, 0, sizeof(sys->missing));
	n = system_read_head(sys->cfg->update_firstboot_missing, buf,
			     sizeof(buf), &more);
	if (n == -EINVAL) { /* there, and not a plain file */
		snprintf(sys->missing[0], sizeof(sys->missing[0]),
			 "unreadable");
		sys->n_missing = 1;
	} else {
		sys->n_missing = n > 0 ? system_text_missing(buf, (size_t)n,
							     more, sys->missing,
							     SYSTEM_MISSING_MAX)
				       : 0;
	}
	if (sys->n_missing != n_was ||
	    memcmp(was, sys->missing, sizeof(was[0]) * (size_t)n_was)) {
		if (sys->n_missing)
			log_warning("this desk is not set up: %s lists %d "
				    "missing item(s), first '%s'",
				    sys->cfg->update_firstboot_missing,
				    sys->n_missing, sys->missing[0]);
		system_changed(sys);
	}
}

json_t *system_missing_json(const struct station_system *sys)
{
	json_t *a = json_array();

	for (int i = 0; i < sys->n_missing; i++)
		json_array_append_new(a, json_string(sys->missing[i]));
	return a;
}

/* ---- bundles on drives ---- */

/* @s is text JSON takes and a screen can show: UTF-8 (json_string
 * checks), no control characters. */
static bool system_path_showable(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

struct system_walk {
	json_t *found;
	int entries;
};

static void system_walk(struct system_walk *w, const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;

	if (depth > SYSTEM_WALK_DEPTH)
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)) && w->entries < SYSTEM_WALK_ENTRIES &&
	       json_array_size(w->found) < SYSTEM_BUNDLES_MAX) {
		char path[CONFIG_PATH_LEN];
		struct stat sb;
		size_t len = strlen(e->d_name);
		int n;

		w->entries++;
		if (e->d_name[0] == '.')
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		/* never through a link: a drive's link could name any file */
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			system_walk(w, path, depth + 1);
			continue;
		}
		if (!S_ISREG(sb.st_mode) || len < 7 ||
		    strcmp(e->d_name + len - 6, ".raucb") ||
		    !system_path_showable(path)) {
			continue;
		}
		{
			json_t *o = json_object(), *jp = json_string(path);
			char when[CIVIL_TIME_RFC3339_LEN] = "";

			if (!jp) { /* not UTF-8 */
				json_decref(o);
				continue;
			}
			civil_time_format_rfc3339(
			    (int64_t)sb.st_mtime * 1000000, when, sizeof(when));
			json_object_set_new(o, "path", jp);
			json_object_set_new(o, "name", json_string(e->d_name));
			json_object_set_new(
			    o, "size", json_integer((json_int_t)sb.st_size));
			json_object_set_new(o, "modified", json_string(when));
			json_array_append_new(w->found, o);
		}
	}
	closedir(d);
}

json_t *station_system_bundles(struct station *st)
{
	struct system_walk w = {.found = json_array()};
	char dirs[CONFIG_PATH_LEN], *save = NULL, *dir;

	snprintf(dirs, sizeof(dirs), "%s", st->cfg->update_bundle_dirs);
	for (dir = strtok_r(dirs, " \t", &save); dir;
	     dir = strtok_r(NULL, " \t", &save))
		system_walk(&w, dir, 0);
	return w.found;
}

int station_system_supervisor(struct station *st, const char *badge, char *by,
			      size_t bylen, char *err, size_t errlen)
{
	return station_supervisor_word(
	    st, badge, by, bylen,
	    "an update needs a supervisor: sign in with a supervisor's "
	    "badge, or give \"supervisor\" (the badge)",
	    "nothing started", err, errlen);
}
