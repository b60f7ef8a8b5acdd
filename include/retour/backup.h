/* SPDX-License-Identifier: MIT */
/*
 * A consistent copy of the station's database, taken while the desk
 * works, and the check a restore makes of the station it would
 * replace.
 *
 * The copy is SQLite's online backup API on a connection of its own that
 * holds one read transaction from the first page to the last: in WAL mode
 * that snapshot never blocks the daemon's writes and is never restarted by
 * them, so the copy is the file as it was at one instant.  It goes in
 * small steps with a short pause between them, so the copy's reads do not
 * crowd the desk's commits off the disk.  The photos that snapshot names
 * are listed from the same snapshot, so the copy and its photo list agree.
 *
 * Not here: copying photo files, manifests, destinations (retourctl
 * backup, src/cli/cli_backup.c).
 */
#ifndef RETOUR_BACKUP_H
#define RETOUR_BACKUP_H

#include <stddef.h>
#include <stdint.h>

/* A photo the copied database names (kept, not purged). */
typedef int (*backup_photo_fn)(void *arg, const char *sha256, const char *path,
			       int64_t bytes);

struct backup_stats {
	int schema_version; /* PRAGMA user_version of the copy */
	int64_t pages;
	int steps;
	int64_t receipts; /* rows in the copy, for the manifest */
	int64_t audit_entries;
};

/*
 * Copy the database at @db_path into a new file @dest_path (which must not
 * exist), @pages_per_step pages at a time, then call @photo for each
 * photo the copy names (distinct contents).  0, or -errno with @err saying
 * what failed on which file; @dest_path is removed on failure.
 */
int backup_database(const char *db_path, const char *dest_path,
		    int pages_per_step, backup_photo_fn photo, void *arg,
		    struct backup_stats *stats, char *err, size_t errlen);

/*
 * What the database at @db_path holds that a restore would replace:
 * receipts, expected returns and audit entries (0s when the file does not
 * exist or is empty).  0, or -errno with @err.
 */
int backup_station_records(const char *db_path, int64_t *receipts,
			   int64_t *expected, int64_t *audit_entries, char *err,
			   size_t errlen);

/* PRAGMA quick_check and the schema version of the file at @path, opened
 * read-only: 0 when it reads "ok", -EIO with @err otherwise. */
int backup_check_file(const char *path, int *schema_version, char *err,
		      size_t errlen);

#endif
