/* SPDX-License-Identifier: MIT */
/*
 * What retourctl's backup, restore and retention commands share
 * (internal to src/cli): the station's configuration, and files copied,
 * hashed and put in a content-addressed photo tree (cli_backup_files.c).
 */
#ifndef RETOUR_CLI_BACKUP_H
#define RETOUR_CLI_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli.h"
#include "retour/config.h"

/* vsnprintf into @buf: 0, or -ENAMETOOLONG when it was cut short (a
 * message cut is still a message; a path cut is refused by its caller
 * or fails to open). */
int backup_text(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The configuration retourd reads: -c FILE, else conf/sim.conf in a
 * checkout, else /etc/retour/retourd.conf; CLI_OK, or said and failed. */
int cli_station_config(const struct cli_opts *o, struct config *cfg,
		       const char **file);

/* Copy @from to the new file @to (@mode), fsync'd, its SHA-256 in @sha;
 * -errno with @err, @to removed on failure. */
int backup_copy_file(const char *from, const char *to, mode_t mode, bool sync,
		     char sha[65], int64_t *bytes, char *err, size_t errlen);
/* The SHA-256 and size of @path. */
int backup_hash_file(const char *path, char sha[65], int64_t *bytes, char *err,
		     size_t errlen);
int backup_mkdir(const char *dir, char *err, size_t errlen);
int backup_fsync_dir(const char *dir);
/* Free bytes for an unprivileged writer on @dir's file system, -1 unknown. */
int64_t backup_free_bytes(const char *dir);
/* @path's size, 0 when it is not there. */
int64_t backup_file_size(const char *path);
/* The photo @sha's place in the tree @root (@dir, @final), and its
 * temporary name (@tmp); each @len bytes. */
void backup_photo_paths(const char *root, const char *sha, char *dir,
			char *final, char *tmp, size_t len);
/* syncfs() of @dir's file system: 0 or -errno. */
int backup_syncfs(const char *dir);
/* Photo @sha of @bytes from @from into @root/ab/cdef...jpg, checked, owned
 * by @uid:@gid unless -1, synced and renamed into place (@staged: left
 * under its temporary name for the caller): 1 copied, 0 already there,
 * -EBADMSG damaged, -errno (@err says). */
int backup_put_photo(const char *from, const char *root, const char *sha,
		     int64_t bytes, uid_t uid, gid_t gid, bool staged,
		     char *err, size_t errlen);

#endif
