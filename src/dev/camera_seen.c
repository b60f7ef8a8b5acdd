/* SPDX-License-Identifier: MIT */
/*
 * When a code in the camera's view counts as scanned
 * (include/retour/camera_scanner.h, "When a code counts as seen"): pure
 * bookkeeping over decoded frames, no clock of its own, no I/O.  Codes are
 * remembered by a 64-bit hash of their symbology and bytes, so a 3000-byte
 * QR costs as little as an EAN.
 */
#include <string.h>

#include "retour/camera_scanner.h"

void camera_seen_init(struct camera_seen *s, int confirm, int forget_ms)
{
	memset(s, 0, sizeof(*s));
	s->confirm = confirm > 0 ? (unsigned)confirm : BARCODE_CONFIRM_DEFAULT;
	s->forget_ms = forget_ms > 0 ? forget_ms : BARCODE_FORGET_MS_DEFAULT;
}

/* FNV-1a over the symbology and the data. */
static uint64_t camera_seen_hash(const struct barcode_found *f)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = (h ^ (uint64_t)f->symbology) * 0x100000001b3ULL;
	for (size_t i = 0; i < f->len; i++)
		h = (h ^ (uint8_t)f->data[i]) * 0x100000001b3ULL;
	return h;
}

static struct camera_seen_code *camera_seen_slot(struct camera_seen *s,
						 uint64_t hash)
{
	struct camera_seen_code *oldest = NULL;

	for (int i = 0; i < CAMERA_SEEN_MAX; i++)
		if (s->code[i].used && s->code[i].hash == hash)
			return &s->code[i];
	for (int i = 0; i < CAMERA_SEEN_MAX; i++) {
		struct camera_seen_code *c = &s->code[i];

		if (!c->used) {
			oldest = c;
			break;
		}
		if (!oldest || c->last_seen_ms < oldest->last_seen_ms)
			oldest = c;
	}
	memset(oldest, 0, sizeof(*oldest));
	oldest->used = true;
	oldest->hash = hash;
	return oldest;
}

int camera_seen_frame(struct camera_seen *s, int64_t now_ms,
		      const struct barcode_results *res,
		      bool report[BARCODE_MAX_FOUND])
{
	int n = 0;

	s->frame++;
	for (int i = 0; i < CAMERA_SEEN_MAX; i++)
		if (s->code[i].used &&
		    now_ms - s->code[i].last_seen_ms > s->forget_ms)
			s->code[i].used = false; /* gone long enough: new */
	for (size_t i = 0; i < BARCODE_MAX_FOUND; i++)
		report[i] = false;
	for (size_t i = 0; res && i < res->n && i < BARCODE_MAX_FOUND; i++) {
		struct camera_seen_code *c =
		    camera_seen_slot(s, camera_seen_hash(&res->item[i]));

		if (c->last_frame == s->frame)
			continue; /* twice in one frame */
		c->streak = c->last_frame && c->last_frame + 1 == s->frame
				? c->streak + 1
				: 1;
		c->last_frame = s->frame;
		c->last_seen_ms = now_ms;
		if (!c->reported && c->streak >= s->confirm) {
			c->reported = true;
			report[i] = true;
			n++;
		}
	}
	return n;
}
