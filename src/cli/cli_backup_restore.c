/* SPDX-License-Identifier: MIT */
/*
 * retourctl restore SRC [--force]: a backup (cli_backup.c) back onto a
 * station, a fresh one after a lost board or disk.
 *
 * SRC is one backup directory (it holds MANIFEST.json) or a destination
 * holding several, of which the newest is taken.  Before anything of the
 * station is touched: retourd must not run (its lock is taken for the
 * whole restore), the station must hold no records unless --force, and
 * the database copy and every photo must match the manifest's hashes.
 * Photos go in first (content-addressed, whole files only), the database
 * last, by rename; a station replaced with --force keeps its old files
 * beside, renamed ".replaced-TIME", never deleted.  Run as root, the
 * files are given to the owner of the database's and the photos'
 * directories (the retour user), so the daemon can write them.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cli_backup.h"
#include "retour/backup.h"
#include "retour/store.h"

/* The backup directory SRC names: itself, or its newest retour-* child
 * with a manifest.  0 with @dir set, or said and CLI_FAILED. */
static int restore_find(const char *src, char *dir, size_t dirlen)
{
	char path[4200], best[256] = "";
	struct dirent *de;
	DIR *d;

	backup_text(path, sizeof(path), "%s/MANIFEST.json", src);
	if (access(path, R_OK) == 0) {
		backup_text(dir, dirlen, "%s", src);
		return 0;
	}
	d = opendir(src);
	if (!d)
		return cli_fail("restore: cannot read %s: %s", src,
				strerror(errno));
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "retour-", 7))
			continue;
		backup_text(path, sizeof(path), "%s/%s/MANIFEST.json", src,
			    de->d_name);
		/* the names sort by time; partial ones are not retour-* */
		if (access(path, R_OK) == 0 && strcmp(de->d_name, best) > 0)
			backup_text(best, sizeof(best), "%s", de->d_name);
	}
	closedir(d);
	if (!best[0])
		return cli_fail("restore: %s holds no backup (no MANIFEST.json "
				"in it or in a retour-* directory in it)",
				src);
	backup_text(dir, dirlen, "%s/%s", src, best);
	return 0;
}

/* Move @path aside to @path.replaced-@stamp when it exists. */
static int restore_move_aside(const char *path, const char *stamp)
{
	char to[4300];

	if (access(path, F_OK) < 0)
		return 0;
	backup_text(to, sizeof(to), "%s.replaced-%s", path, stamp);
	return rename(path, to) < 0 ? -errno : 0;
}

/* The owner of @path's directory when we are root, else -1 (keep). */
static void restore_owner_of(const char *dir, uid_t *uid, gid_t *gid)
{
	struct stat stbuf;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (geteuid() == 0 && stat(dir, &stbuf) == 0) {
		*uid = stbuf.st_uid;
		*gid = stbuf.st_gid;
	}
}

static void restore_dirname(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		backup_text(dir, len, ".");
	else if (slash == path)
		backup_text(dir, len, "/");
	else
		backup_text(dir, len, "%.*s", (int)(slash - path), path);
}

/* Every photo of the manifest into the station's tree, checked. */
static int restore_photos(const json_t *manifest, const char *backup_root,
			  const char *photos_root, int *copied, char *err,
			  size_t errlen)
{
	const json_t *photos = json_object_get(manifest, "photos"), *p;
	uid_t uid;
	gid_t gid;
	size_t i;
	int r;

	r = backup_mkdir(photos_root, err, errlen);
	if (r < 0)
		return r;
	restore_owner_of(photos_root, &uid, &gid);
	json_array_foreach(photos, i, p)
	{
		const char *file =
		    json_string_value(json_object_get(p, "file"));
		const char *sha =
		    json_string_value(json_object_get(p, "sha256"));
		json_int_t bytes =
		    json_integer_value(json_object_get(p, "bytes"));
		char from[4200], dir[4200];

		if (!file || !sha || strstr(file, "..") || file[0] == '/') {
			backup_text(err, errlen,
				    "the manifest's photo %zu is "
				    "malformed",
				    i);
			return -EBADMSG;
		}
		backup_text(from, sizeof(from), "%s/%s", backup_root, file);
		backup_text(dir, sizeof(dir), "%s/%.2s", photos_root, sha);
		r = backup_put_photo(from, photos_root, sha, bytes, uid, gid,
				     false, err, errlen);
		if (r < 0)
			return r;
		if (r > 0) {
			(*copied)++;
			if (uid != (uid_t)-1 && chown(dir, uid, gid) < 0)
				return -errno;
		}
	}
	return 0;
}

static json_t *restore_manifest(const char *dir)
{
	char path[4200];
	json_error_t jerr;
	json_t *m;

	backup_text(path, sizeof(path), "%s/MANIFEST.json", dir);
	m = json_load_file(path, 0, &jerr);
	if (!m) {
		cli_fail("restore: %s: %s (line %d)", path, jerr.text,
			 jerr.line);
		return NULL;
	}
	if (!json_is_object(m) ||
	    !json_is_string(json_object_get(m, "format")) ||
	    strcmp(json_string_value(json_object_get(m, "format")),
		   "retour-backup 1") ||
	    !json_is_object(json_object_get(m, "database")) ||
	    !json_is_array(json_object_get(m, "photos"))) {
		cli_fail("restore: %s is not a retour backup manifest", path);
		json_decref(m);
		return NULL;
	}
	return m;
}

/* The station may be replaced: no records, or --force. */
static int restore_check_station(const struct cli_opts *o, const char *db)
{
	int64_t receipts, expected, audit;
	char err[512];

	if (backup_station_records(db, &receipts, &expected, &audit, err,
				   sizeof(err)) < 0)
		return cli_fail("restore: %s", err);
	if ((receipts || expected || audit) && !o->force)
		return cli_fail("restore: the station's database %s holds "
				"records (%" PRId64 " receipts, %" PRId64
				" expected returns, %" PRId64
				" audit entries); a restore would replace "
				"them.  Nothing was changed.  Use --force to "
				"replace them (the current files are kept "
				"beside, renamed .replaced-TIME)",
				db, receipts, expected, audit);
	return CLI_OK;
}

/* The database copy checked, into place by rename, the old one aside. */
static int restore_database(const char *copy, const char *db, char *err,
			    size_t errlen)
{
	char tmp[4200], dir[4200], stamp[32], side[4200];
	static const char *const sides[] = {"", "-wal", "-shm", "-journal"};
	time_t now = time(NULL);
	uid_t uid;
	gid_t gid;
	struct tm tm;
	char sha[65];
	int r;

	restore_dirname(db, dir, sizeof(dir));
	restore_owner_of(dir, &uid, &gid);
	backup_text(tmp, sizeof(tmp), "%s.restoring-%ld", db, (long)getpid());
	unlink(tmp);
	r = backup_copy_file(copy, tmp, 0640, true, sha, NULL, err, errlen);
	if (r < 0)
		return r;
	if (uid != (uid_t)-1 && chown(tmp, uid, gid) < 0) {
		r = -errno;
		backup_text(err, errlen,
			    "cannot give %s to the station's user: %s", tmp,
			    strerror(errno));
		unlink(tmp);
		return r;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* the old WAL must never be replayed onto the restored file */
	for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		backup_text(side, sizeof(side), "%s%s", db, sides[i]);
		r = restore_move_aside(side, stamp);
		if (r < 0) {
			backup_text(err, errlen, "cannot move %s aside: %s",
				    side, strerror(-r));
			unlink(tmp);
			return r;
		}
	}
	if (rename(tmp, db) < 0) {
		r = -errno;
		backup_text(err, errlen, "cannot put %s in place: %s", db,
			    strerror(errno));
		unlink(tmp);
		return r;
	}
	return backup_fsync_dir(dir);
}

static int restore_run(const struct cli_opts *o, const struct config *cfg,
		       const char *bdir)
{
	const json_t *db_entry;
	const char *want_sha, *file;
	char backup_root[4200], copy[4300], sha[65], err[1024];
	int copied = 0, version = 0, r;
	json_t *m = restore_manifest(bdir);

	if (!m)
		return CLI_FAILED;
	db_entry = json_object_get(m, "database");
	want_sha = json_string_value(json_object_get(db_entry, "sha256"));
	file = json_string_value(json_object_get(db_entry, "file"));
	if (!want_sha || !file || strchr(file, '/')) {
		json_decref(m);
		return cli_fail("restore: %s/MANIFEST.json names no database",
				bdir);
	}
	backup_text(copy, sizeof(copy), "%s/%s", bdir, file);
	if (backup_hash_file(copy, sha, NULL, err, sizeof(err)) < 0 ||
	    (strcmp(sha, want_sha) &&
	     backup_text(err, sizeof(err),
			 "%s does not match the manifest (damaged or altered)",
			 copy) > 0) ||
	    backup_check_file(copy, &version, err, sizeof(err)) < 0) {
		json_decref(m);
		return cli_fail("restore: %s; nothing was changed", err);
	}
	restore_dirname(bdir, backup_root, sizeof(backup_root));
	r = restore_photos(m, backup_root, cfg->photos, &copied, err,
			   sizeof(err));
	if (r < 0) {
		json_decref(m);
		return cli_fail("restore: %s; the database was not changed "
				"(photos put back so far are whole)",
				err);
	}
	r = restore_database(copy, cfg->database, err, sizeof(err));
	if (r < 0) {
		json_decref(m);
		return cli_fail("restore: %s", err);
	}
	if (o->json) {
		json_t *j = json_pack(
		    "{s:s,s:s,s:O,s:O,s:I,s:i}", "restored", bdir, "database",
		    cfg->database, "receipts",
		    json_object_get(db_entry, "receipts"), "audit_entries",
		    json_object_get(db_entry, "audit_entries"), "photos",
		    (json_int_t)json_array_size(json_object_get(m, "photos")),
		    "photos_copied", copied);

		cli_print_json(j);
		json_decref(j);
	} else {
		printf(
		    "restored %s into %s: %" JSON_INTEGER_FORMAT
		    " receipts, %" JSON_INTEGER_FORMAT
		    " audit entries, %zu photos (%d copied).\n"
		    "Start retourd, then check it: retourctl audit verify\n",
		    bdir, cfg->database,
		    json_integer_value(json_object_get(db_entry, "receipts")),
		    json_integer_value(
			json_object_get(db_entry, "audit_entries")),
		    json_array_size(json_object_get(m, "photos")), copied);
	}
	json_decref(m);
	return CLI_OK;
}

int cli_cmd_restore(const struct cli_opts *o)
{
	struct config *cfg;
	char bdir[4200], err[512];
	const char *file;
	int lock_fd = -1, r;

	if (o->n_pos != 2)
		return cli_usage("restore needs the backup: restore SRC");
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return cli_fail("out of memory");
	r = cli_station_config(o, cfg, &file);
	if (r == CLI_OK)
		r = restore_find(o->pos[1], bdir, sizeof(bdir));
	/* retourd stays away while the files change under it */
	if (r == CLI_OK &&
	    store_lock_take(cfg->database, &lock_fd, err, sizeof(err)) < 0)
		r = cli_fail("restore: %s; nothing was changed", err);
	if (r == CLI_OK) {
		char dir[4200];
		uid_t uid;
		gid_t gid;

		/* a lock file made by root here must stay usable by retourd */
		restore_dirname(cfg->database, dir, sizeof(dir));
		restore_owner_of(dir, &uid, &gid);
		if (uid != (uid_t)-1 && fchown(lock_fd, uid, gid) < 0)
			r = cli_fail("restore: cannot give the lock file to "
				     "the station's user: %s",
				     strerror(errno));
	}
	if (r == CLI_OK)
		r = restore_check_station(o, cfg->database);
	if (r == CLI_OK)
		r = restore_run(o, cfg, bdir);
	if (lock_fd >= 0)
		close(lock_fd);
	free(cfg);
	return r;
}
