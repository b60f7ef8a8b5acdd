/* SPDX-License-Identifier: MIT */
/*
 * The dispute pack of a receipt (a return or a ship-QC shipment): what a
 * support agent attaches to a marketplace's or a payment provider's
 * dispute.  Three pieces, one per layer of work:
 *
 *   the record   store_evidence_get(): the receipt as the store holds it,
 *                its expected return, its photos (with who took them) and
 *                its audit entries with each one's hash and the hash of
 *                the entry before it (src/store/evidence.c)
 *   the model    evidence_pack_build(): that record made into headings,
 *                fields and photos, in the order the PDF shows them, and
 *                the ZIP's manifest; pure (src/codec/evidence_pack.c)
 *   the files    evidence_pdf_render() draws the model with cairo, the
 *                photos embedded as the JPEG files they are
 *                (src/dev/evidence_pdf.c); evidence_zip_write() and
 *                evidence_zip_verify() make and check the ZIP of the
 *                original photos and manifest.json (src/dev/evidence_zip.c)
 *
 * The manifest names each photo's SHA-256 and the audit entry that
 * recorded it ("receipt.photo", whose detail holds the same SHA-256), and
 * carries the receipt's audit entries with their hashes, so a pack can be
 * checked on its own (each entry's hash recomputed from its fields and the
 * previous hash) and against the station's chain (the same ids, the same
 * hashes: evidence_manifest_against()).
 *
 * A ZIP is untrusted input: evidence_zip_verify() answers any bytes with a
 * sentence, never a crash.  Not here: reading photo files from the
 * station's tree or serving the files (src/daemon/evidence.c).
 */
#ifndef RETOUR_EVIDENCE_H
#define RETOUR_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;

/* The manifest's "format": a verifier refuses any other. */
#define EVIDENCE_FORMAT "retour-evidence/1"
/* A photo file in a pack, or a manifest, larger than this is refused. */
#define EVIDENCE_MAX_FILE (64 * 1024 * 1024)
#define EVIDENCE_MAX_PHOTOS 256

/*
 * Everything on record for receipt @receipt_id, into *@out:
 * {"receipt": the receipt as store_receipt_get() shows it, each photo with
 * its "clerk"; "expected": its expected return as store_expected_view()
 * shows it, or null; "audit": [{"id", "at" (RFC 3339), "at_us", "actor",
 * "action", "subject", "detail" (text or null), "prev_hash", "hash" (hex)}]
 * for the receipt and its outbox rows, oldest first}.  Read in one
 * snapshot.  -ENOENT no such receipt; -errno.
 */
int store_evidence_get(struct store *s, int64_t receipt_id, json_t **out);

/* The hash (lower-case hex) the audit chain gives an entry with these
 * fields after the entry whose hash is @prev_hex (64 hex digits; all
 * zeros before the first).  @detail_sha256: NULL for an entry from before
 * schema step 10 (its detail hashed as text); else the entry's kept hex
 * SHA-256 of its detail, used when @detail is NULL (a purge dropped it)
 * and otherwise computed from @detail (so a changed detail shows).  0, or
 * -EINVAL when @prev_hex or @detail_sha256 is not hex. */
int evidence_audit_hash(const char *prev_hex, int64_t id, int64_t at,
			const char *actor, const char *action,
			const char *subject, const char *detail,
			const char *detail_sha256, char out_hex[65]);

/* ---- the model (pure) ---- */

enum evidence_block_kind {
	EVIDENCE_HEADING, /* a section's title */
	EVIDENCE_FIELD,	  /* "label: text" */
	EVIDENCE_TEXT,	  /* a paragraph */
	EVIDENCE_PHOTO,	  /* photo @photo of the pack */
};

struct evidence_block {
	enum evidence_block_kind kind;
	char *label; /* a field's; NULL otherwise */
	char *text;
	int photo; /* EVIDENCE_PHOTO: index into pack->photos */
};

/* Whether a photo's file was found on the station, as its record says. */
enum evidence_photo_state {
	EVIDENCE_PHOTO_PRESENT,
	EVIDENCE_PHOTO_MISSING, /* not on the station (purged or lost) */
	EVIDENCE_PHOTO_ALTERED, /* on the station, but not the recorded bytes */
};

struct evidence_photo {
	int64_t id;
	char sha256[65];
	char step[32];
	char taken_at[40];
	char clerk[64];
	int64_t bytes;
	int64_t audit_entry; /* the "receipt.photo" entry; 0 none found */
	char file[96];	     /* its name in the ZIP: photos/NN-STEP-HASH.jpg */
	char purged_at[40];  /* when retention deleted the file; "" kept */
	enum evidence_photo_state state;
};

struct evidence_pack {
	int64_t receipt_id;
	char title[160];
	char made_at[40];
	struct evidence_block *blocks;
	int n_blocks;
	struct evidence_photo *photos;
	int n_photos;
};

/*
 * The pack of @record (store_evidence_get()'s object), made at @now_us,
 * with @states[i] the state of photo i of the record (NULL: all present).
 * 0, -EINVAL with @err when @record is not such an object, -ENOMEM.
 * Release with evidence_pack_free().
 */
int evidence_pack_build(const json_t *record,
			const enum evidence_photo_state *states, int n_states,
			int64_t now_us, struct evidence_pack **out, char *err,
			size_t errlen);
void evidence_pack_free(struct evidence_pack *p);

/* The manifest.json of @pack made from @record: format, receipt, order,
 * RMA, made_at, photos [{file (null when not in the ZIP), photo_id,
 * sha256, bytes, step, taken_at, audit_entry, on_station}], and the audit
 * entries as the record has them.  NULL on no memory. */
json_t *evidence_manifest(const json_t *record,
			  const struct evidence_pack *pack);

/* ---- checking a pack ---- */

#define EVIDENCE_MAX_PROBLEMS 16

struct evidence_check {
	int64_t receipt_id;
	int photos_checked; /* files whose SHA-256 was compared */
	int photos_absent;  /* listed, not in the ZIP (not on the station) */
	int entries_checked;
	int n_problems;
	int problems_dropped; /* beyond EVIDENCE_MAX_PROBLEMS */
	char problems[EVIDENCE_MAX_PROBLEMS][256]; /* each names the file */
	json_t *manifest; /* the parsed manifest, once read; owned */
};

/* Record a problem in @c (kept up to EVIDENCE_MAX_PROBLEMS). */
void evidence_check_problem(struct evidence_check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void evidence_check_release(struct evidence_check *c);

/*
 * Check @manifest (parsed, untrusted) on its own, with @photo_sha(i) the
 * SHA-256 of the ZIP's file of photo i (NULL: the file is absent): its
 * shape, each photo against its file and its audit entry's detail, each
 * entry's hash from its fields.  Problems go to @c.  0 when it is a
 * manifest (problems or not), -EINVAL when it is not one (said in @c).
 */
int evidence_manifest_check(const json_t *manifest,
			    const char *const *photo_sha, int n_photo_sha,
			    struct evidence_check *c);

/*
 * The manifest in @c against @station (store_evidence_get()'s object of
 * the same receipt, from this station): every entry of the manifest must
 * be the station's entry of that id, with the same hash.  Problems go to
 * @c; returns how many entries were compared.
 */
int evidence_manifest_against(struct evidence_check *c, const json_t *station);

/* ---- the files ---- */

/* A photo's bytes for the PDF and the ZIP; NULL data when not present. */
struct evidence_photo_bytes {
	const unsigned char *data;
	size_t len;
};

/*
 * The PDF of @pack, A4, into *@pdf (malloc'd, *@len bytes): text in
 * DejaVu Sans (Polish letters and all), each present photo embedded as
 * its JPEG (cairo's JPEG MIME data: pdfimages lists it as jpeg), scaled
 * to the page; a missing one listed with its hash.  @photos has
 * pack->n_photos entries.  0, -EINVAL/-ENOMEM/-EIO with @err.
 */
int evidence_pdf_render(const struct evidence_pack *pack,
			const struct evidence_photo_bytes *photos,
			unsigned char **pdf, size_t *len, char *err,
			size_t errlen);

/*
 * The ZIP of @pack: manifest.json (@manifest_text) and every present
 * photo under its pack->photos[i].file, stored as it is (a JPEG does not
 * compress).  Into *@zip (malloc'd, *@len bytes).  0 or -errno with @err.
 */
int evidence_zip_write(const struct evidence_pack *pack,
		       const struct evidence_photo_bytes *photos,
		       const char *manifest_text, unsigned char **zip,
		       size_t *len, char *err, size_t errlen);

/*
 * Check the ZIP of @len bytes at @zip (any bytes): manifest.json read and
 * checked (evidence_manifest_check()) with the SHA-256 of every photo file
 * it names; a file the ZIP holds that the manifest does not name is a
 * problem too.  0 when nothing is wrong, -EBADMSG when @c->problems says
 * what (naming the file), -EINVAL when it is not a pack at all (said in
 * @c->problems[0]).  Release @c with evidence_check_release().
 */
int evidence_zip_verify(const void *zip, size_t len, struct evidence_check *c);

#endif
