/* SPDX-License-Identifier: MIT */
/*
 * The desk's own system, for the supervisor and the integrator: which root
 * slot of the station image runs (rauc.slot= on the kernel's command line,
 * the slots' states from `rauc status`), retour's version, an update in
 * progress and what came of it, and what the first boot found missing
 * (firmware/, docs/FIRMWARE.md).  On a PC (the simulated desk) there is no
 * image: the view says so and an update still runs the configured command.
 *
 * An update is `[update] command install BUNDLE` run as a child of the
 * daemon: its output is read on the loop (progress lines), never waited
 * for, so the desk goes on; one at a time.  The bundle is either uploaded
 * (written under the state directory as it arrives, bounded by [update]
 * bundle_max_mb and the disk's floor, [station] photo_min_free_mb) or one
 * of the *.raucb files found under [update] bundle_dirs (removable drives),
 * named by the path the list gave: nothing else may be named.
 *
 * Starting one needs a supervisor: a supervisor's badge given with the
 * request, or a supervisor signed in at the desk with a badge.  Who started
 * it and its outcome are in the audit log (system.update,
 * system.update.installed, system.update.failed).
 */
#ifndef RETOUR_STATION_SYSTEM_H
#define RETOUR_STATION_SYSTEM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct station;

/* GET /api/v1/system: the slots, the version, the update, the first
 * boot's missing items. */
json_t *station_system_view(struct station *st);
/* GET /api/v1/system/update: the update's state alone. */
json_t *station_update_view(struct station *st);
/* GET /api/v1/system/bundles: the bundles found on removable drives now,
 * [{"path","name","size","modified"}] (at most 64). */
json_t *station_system_bundles(struct station *st);

/* Who may start an update: @badge a supervisor's, or (NULL or "") a
 * supervisor signed in with a badge.  0 with the name in @by, else -EACCES
 * with @err. */
int station_system_supervisor(struct station *st, const char *badge, char *by,
			      size_t bylen, char *err, size_t errlen);

/*
 * An uploaded bundle, written as it arrives.  open: -EBUSY when an update
 * runs or another upload arrives, -EFBIG when @declared (the body's
 * length, -1 not known) is over [update] bundle_max_mb, -ENOSPC when it
 * would take the disk under its floor; 0 otherwise.  write: the same
 * -EFBIG / -ENOSPC as the bytes come (the file is then removed), -EIO.
 * finish: the install starts (0), or -errno with @err; abort: the file is
 * removed.  Each -errno comes with @err for the client.
 */
int station_update_upload_open(struct station *st, int64_t declared, char *err,
			       size_t errlen);
int station_update_upload_write(struct station *st, const void *data,
				size_t len, char *err, size_t errlen);
int station_update_upload_finish(struct station *st, const char *by, char *err,
				 size_t errlen);
void station_update_upload_abort(struct station *st);

/* Install the bundle at @path, which must be one that
 * station_system_bundles() lists now: -ENOENT (not listed), -EBUSY (an
 * update runs), else 0 with the install started. */
int station_update_install_listed(struct station *st, const char *path,
				  const char *by, char *err, size_t errlen);

#endif
