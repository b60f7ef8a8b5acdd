/* SPDX-License-Identifier: MIT */
/*
 * retourctl decode IMAGE...: the camera's barcode decoder (barcode.h) on
 * image files, so an installer can check a camera's pictures and anyone can
 * compare decoders.  The decoder's settings are the defaults, or the
 * [camera] section of -c CONFIG.
 *
 * Text: one line per code, "FILE: SYMBOLOGY DATA" (GS shown as <GS>, other
 * control bytes as \xNN), or "FILE: no code found"; an unreadable file is
 * said on stderr.  --json: a list with one object per file, {"file",
 * "codes": [{"symbology", "aim", "data", "decoder"}]} or {"file", "error"};
 * data that is not UTF-8 comes as "data_hex" instead.
 * Exit 0 when every file was read and a code was found; 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "retour/barcode.h"
#include "retour/camera.h"
#include "retour/config.h"
#include "retour/image.h"

/* The [camera] decoder keys of -c CONFIG; the text stays in @cfg. */
static int cli_decode_settings(const struct cli_opts *o, struct config *cfg,
			       struct camera_config *cam)
{
	char err[512];

	memset(cam, 0, sizeof(*cam));
	if (!o->config)
		return CLI_OK;
	config_defaults(cfg);
	if (config_load(cfg, o->config, NULL, err, sizeof(err)) < 0)
		return cli_fail("decode: %s", err);
	if (strcmp(cfg->device[DEVICE_CAMERA].backend, "none") &&
	    config_device_apply(&cfg->device[DEVICE_CAMERA], DEVICE_CAMERA, cam,
				err, sizeof(err)) < 0)
		return cli_fail("decode: %s", err);
	return CLI_OK;
}

static void cli_decode_print_data(const struct barcode_found *f)
{
	for (size_t i = 0; i < f->len; i++) {
		unsigned char c = (unsigned char)f->data[i];

		if (c == 0x1d)
			fputs("<GS>", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static json_t *cli_decode_code_json(const struct barcode_found *f)
{
	json_t *j =
	    json_pack("{s:s, s:s}", "symbology",
		      barcode_symbology_name(f->symbology), "aim", f->aim);
	json_t *data = json_stringn(f->data, f->len);

	if (data) {
		json_object_set_new(j, "data", data);
	} else {
		char *hex = malloc(f->len * 2 + 1);

		for (size_t i = 0; hex && i < f->len; i++)
			snprintf(hex + 2 * i, 3, "%02x",
				 (unsigned char)f->data[i]);
		if (hex) {
			hex[f->len * 2] = '\0';
			json_object_set_new(j, "data_hex", json_string(hex));
		}
		free(hex);
	}
	json_object_set_new(j, "decoder",
			    json_string(f->by_zxing ? "zxing" : "zbar"));
	return j;
}

/* One file: 1 codes found, 0 none, -1 unreadable (said). */
static int cli_decode_file(struct barcode_decoder *dec, const char *path,
			   bool json, json_t *list, struct barcode_results *res)
{
	struct camera_frame f = {.format = CAMERA_FRAME_ENCODED};
	char err[512];
	void *data = NULL;
	size_t len = 0;
	int r;

	r = image_read_file(path, &data, &len, err, sizeof(err));
	if (r == 0) {
		f.data = data;
		f.len = len;
		r = barcode_decode_frame(dec, &f, res, err, sizeof(err));
	}
	free(data);
	if (r < 0) {
		/* image_read_file names the file, the decoder does not */
		bool named = !strncmp(err, path, strlen(path));

		if (json)
			json_array_append_new(list,
					      json_pack("{s:s, s:s}", "file",
							path, "error", err));
		else
			fprintf(stderr, "retourctl: decode: %s%s%s\n",
				named ? "" : path, named ? "" : ": ", err);
		return -1;
	}
	if (json) {
		json_t *codes = json_array();

		for (size_t i = 0; i < res->n; i++)
			json_array_append_new(
			    codes, cli_decode_code_json(&res->item[i]));
		json_array_append_new(list, json_pack("{s:s, s:o}", "file",
						      path, "codes", codes));
	} else if (res->n == 0) {
		printf("%s: no code found\n", path);
	}
	for (size_t i = 0; !json && i < res->n; i++) {
		printf("%s: %s ", path,
		       barcode_symbology_name(res->item[i].symbology));
		cli_decode_print_data(&res->item[i]);
		putchar('\n');
	}
	return res->n > 0;
}

int cli_cmd_decode(const struct cli_opts *o)
{
	static struct config cfg;
	struct camera_config cam;
	struct barcode_decoder *dec = NULL;
	struct barcode_results *res;
	json_t *list = NULL;
	char err[512];
	bool unreadable = false, found = false;
	int r;

	if (o->n_pos < 2)
		return cli_usage("decode needs one or more image files");
	r = cli_decode_settings(o, &cfg, &cam);
	if (r)
		return r;
	r = barcode_decoder_new(&cam.decode, &dec, err, sizeof(err));
	if (r < 0)
		return cli_fail("decode: %s",
				r == -ENOMEM ? "out of memory" : err);
	res = malloc(sizeof(*res));
	list = json_array();
	if (!res || !list) {
		barcode_decoder_free(dec);
		free(res);
		json_decref(list);
		return cli_fail("decode: out of memory");
	}
	for (int i = 1; i < o->n_pos; i++) {
		r = cli_decode_file(dec, o->pos[i], o->json, list, res);
		if (r < 0)
			unreadable = true;
		else if (r > 0)
			found = true;
	}
	if (o->json)
		cli_print_json(list);
	json_decref(list);
	free(res);
	barcode_decoder_free(dec);
	return unreadable || !found ? CLI_FAILED : CLI_OK;
}
