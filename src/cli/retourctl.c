/* SPDX-License-Identifier: MIT */
/*
 * retourctl: the operators' and scripts' view of a station.  Most commands
 * are thin clients of retourd's local API (docs/API.md) over its Unix
 * socket; "code" and "rules check" run the pure core in-process and need no
 * daemon, so a code or a disputed decision can be checked on any machine.
 *
 * Human text by default, --json for scripts.  Exit 0 on success, 1 when
 * something failed (or a check found a problem), 2 on a usage error.  It
 * never touches the database itself: the daemon owns it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli_case.h"
#include "retour/civil_time.h"
#include "retour/code.h"
#include "retour/expected_json.h"
#include "retour/rules.h"

#define RETOURCTL_DEFAULT_SOCKET "/run/retour/retourd.sock"
#define RETOURCTL_MAX_POS 4
/* The daemon refuses bodies over 1 MiB (413); say so before sending. */
#define RETOURCTL_MAX_BODY (1024 * 1024)
/* An answer larger than this is not from retourd. */
#define RETOURCTL_MAX_ANSWER (64 * 1024 * 1024)
#define RETOURCTL_TIMEOUT_S 30L

enum {
	RETOURCTL_OK = 0,
	RETOURCTL_FAILED = 1,
	RETOURCTL_USAGE = 2,
};

struct retourctl_opts {
	bool json;
	const char *socket;
	const char *limit;
	const char *state;
	const char *rma_pattern;
	const char *order_pattern;
	int n_pos;
	const char *pos[RETOURCTL_MAX_POS];
};

static const char retourctl_usage_text[] =
    "usage: retourctl [--json] [--socket PATH] COMMAND [ARGS]\n"
    "\n"
    "commands (talk to retourd):\n"
    "  status                        the desk: step, prompt, devices, outbox\n"
    "  scan CODE                     enter a code by hand, as if scanned\n"
    "  returns list [--limit N]      receipts, newest first\n"
    "  returns show ID               one receipt in detail\n"
    "  expected import FILE          import expected returns (JSON; - = "
    "stdin)\n"
    "  outbox list [--state S]       outbox rows "
    "(pending|done|dead|cancelled)\n"
    "  outbox retry ID               deliver an outbox row again now\n"
    "  db check                      database integrity (exit 1 if bad)\n"
    "  audit verify                  audit hash chain (exit 1 if broken)\n"
    "\n"
    "commands (no daemon needed):\n"
    "  code CODE [--rma-pattern P] [--order-pattern P]\n"
    "                                classify a code, verify its check digit\n"
    "                                (write GS/FNC1 as <GS> or \\x1d)\n"
    "  rules check CASE.json         run the rules engine on a case file\n"
    "  help                          this text\n"
    "\n"
    "options:\n"
    "  --json            machine-readable output\n"
    "  --socket PATH     retourd's socket (env RETOUR_SOCKET, default\n"
    "                    " RETOURCTL_DEFAULT_SOCKET ")\n";

static int __attribute__((format(printf, 1, 2)))
retourctl_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "retourctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n%s", retourctl_usage_text);
	return RETOURCTL_USAGE;
}

static int __attribute__((format(printf, 1, 2)))
retourctl_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "retourctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return RETOURCTL_FAILED;
}

/* ---- talking to retourd ---- */

struct retourctl_buf {
	char *data;
	size_t len;
	bool too_big;
};

static size_t retourctl_collect(char *ptr, size_t size, size_t nmemb,
				void *userdata)
{
	struct retourctl_buf *b = userdata;
	size_t n = size * nmemb;
	char *grown;

	if (b->len + n > RETOURCTL_MAX_ANSWER) {
		b->too_big = true;
		return 0;
	}
	grown = realloc(b->data, b->len + n + 1);
	if (!grown)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/*
 * One request.  On success *answer is the parsed JSON of a 2xx answer.
 * Every failure is reported here, as the user should read it, and returns
 * RETOURCTL_FAILED.
 */
static int retourctl_call(const struct retourctl_opts *o, const char *method,
			  const char *path, const char *body, size_t body_len,
			  json_t **answer)
{
	char url[512], errbuf[CURL_ERROR_SIZE] = "";
	struct retourctl_buf buf = {0};
	struct curl_slist *headers = NULL;
	json_error_t jerr;
	long status = 0;
	CURLcode rc;
	CURL *curl;
	json_t *j;
	int ret = RETOURCTL_FAILED;

	*answer = NULL;
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl = curl_easy_init();
	if (!curl)
		return retourctl_fail("%s %s: cannot start libcurl", method,
				      path);
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, o->socket);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, retourctl_collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, RETOURCTL_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "retourctl");
	headers = curl_slist_append(headers, "Accept: application/json");
	if (!strcmp(method, "POST")) {
		headers = curl_slist_append(headers,
					    "Content-Type: application/json");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(body ? body_len : 0));
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);

		if (buf.too_big)
			retourctl_fail("%s %s: the answer is over %d MiB; that "
				       "is not retourd",
				       method, path,
				       RETOURCTL_MAX_ANSWER >> 20);
		else if (rc == CURLE_COULDNT_CONNECT) {
			long os_errno = 0;

			/* curl's own text names "localhost port 80", which
			 * is not where we went: say what the socket did. */
			curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
			retourctl_fail("cannot reach retourd at %s: %s%s%s%s; "
				       "is it running?",
				       o->socket, curl_easy_strerror(rc),
				       os_errno ? " (" : "",
				       os_errno ? strerror((int)os_errno) : "",
				       os_errno ? ")" : "");
		} else
			retourctl_fail("%s %s: request to retourd at %s "
				       "failed: %s",
				       method, path, o->socket, why);
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	j = buf.data ? json_loadb(buf.data, buf.len, 0, &jerr) : NULL;
	if (status < 200 || status > 299) {
		json_t *e = json_object_get(j, "error");

		if (json_is_string(e))
			retourctl_fail("%s %s: %s (HTTP %ld)", method, path,
				       json_string_value(e), status);
		else
			retourctl_fail("%s %s: retourd answered HTTP %ld",
				       method, path, status);
		json_decref(j);
		goto out;
	}
	if (!j) {
		retourctl_fail("%s %s: retourd's answer is not JSON: %s",
			       method, path,
			       buf.data ? jerr.text : "empty answer");
		goto out;
	}
	*answer = j;
	ret = RETOURCTL_OK;
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(buf.data);
	return ret;
}

static void retourctl_print_json(const json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

/* ---- reading answers whose shape belongs to the daemon ---- */

/*
 * A field as text for a table: strings as they are, numbers and booleans
 * formatted, missing or null as "-".  Rotating buffers so one printf can
 * take several.
 */
static const char *retourctl_text(const json_t *obj, const char *key)
{
	static char bufs[8][64];
	static int next;
	json_t *v = json_object_get(obj, key);
	char *b;

	if (json_is_string(v))
		return json_string_length(v) ? json_string_value(v) : "-";
	b = bufs[next++ % 8];
	if (json_is_integer(v))
		snprintf(b, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(b, 64, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(b, 64, "%s", json_is_true(v) ? "yes" : "no");
	else
		snprintf(b, 64, "-");
	return b;
}

static const char *retourctl_money(const json_t *obj, const char *key,
				   const char *cur_key)
{
	static char bufs[4][48];
	static int next;
	json_t *v = json_object_get(obj, key);
	json_t *cur = json_object_get(obj, cur_key);
	char *b = bufs[next++ % 4];

	if (!json_is_integer(v))
		return "-";
	cli_case_format_money(json_integer_value(v),
			      json_is_string(cur) ? json_string_value(cur) : "",
			      b, 48);
	return b;
}

/* A list answer is an array, or an object holding one under @key. */
static json_t *retourctl_list(json_t *answer, const char *key)
{
	if (json_is_array(answer))
		return answer;
	if (json_is_array(json_object_get(answer, key)))
		return json_object_get(answer, key);
	return NULL;
}

/*
 * GET the list at @path.  Under --json the answer is printed as it came
 * and *list is NULL: nothing left to do.  Otherwise *list is the array
 * inside *answer (json_decref *answer when done).
 */
static int retourctl_get_list(const struct retourctl_opts *o, const char *path,
			      const char *key, json_t **answer, json_t **list)
{
	*list = NULL;
	if (retourctl_call(o, "GET", path, NULL, 0, answer))
		return RETOURCTL_FAILED;
	if (o->json) {
		retourctl_print_json(*answer);
		json_decref(*answer);
		*answer = NULL;
		return RETOURCTL_OK;
	}
	*list = retourctl_list(*answer, key);
	if (!*list) {
		json_decref(*answer);
		*answer = NULL;
		return retourctl_fail("%s list: unexpected answer from "
				      "retourd (no list)",
				      key);
	}
	return RETOURCTL_OK;
}

/* ---- desk ---- */

static void retourctl_print_reasons(const json_t *reasons, const char *indent)
{
	size_t i;
	json_t *r;

	json_array_foreach(reasons, i, r)
	{
		json_t *item = json_object_get(r, "item");

		if (json_is_integer(item) && json_integer_value(item) >= 0)
			printf("%s%-24s item %-3" JSON_INTEGER_FORMAT " %s\n",
			       indent, retourctl_text(r, "code"),
			       json_integer_value(item),
			       retourctl_text(r, "text"));
		else
			printf("%s%-24s %-8s %s\n", indent,
			       retourctl_text(r, "code"), "(all)",
			       retourctl_text(r, "text"));
	}
}

static void retourctl_print_status(const json_t *st)
{
	json_t *devices = json_object_get(st, "devices");
	json_t *proposal = json_object_get(st, "proposal");
	json_t *outbox = json_object_get(st, "outbox");
	json_t *last = json_object_get(st, "last_decision");
	const char *name;
	json_t *dev;

	printf("%-10s %s\n", "desk:", retourctl_text(st, "desk"));
	printf("%-10s %s\n", "routine:", retourctl_text(st, "routine"));
	printf("%-10s %s\n", "step:", retourctl_text(st, "step"));
	printf("%-10s %s\n", "clerk:", retourctl_text(st, "clerk"));
	if (json_object_get(st, "receipt") &&
	    !json_is_null(json_object_get(st, "receipt")))
		printf("%-10s %s (code %s)\n",
		       "receipt:", retourctl_text(st, "receipt"),
		       retourctl_text(st, "code"));
	printf("%-10s %s\n", "prompt:", retourctl_text(st, "prompt"));
	printf("%-10s %s\n", "problem:", retourctl_text(st, "problem"));
	printf("%-10s %s%s\n", "light:", retourctl_text(st, "light"),
	       json_is_true(json_object_get(st, "buzzer")) ? " (buzzer on)"
							   : "");
	if (json_is_object(proposal)) {
		printf("%-10s %s, refund %s\n",
		       "proposal:", retourctl_text(proposal, "verdict"),
		       retourctl_money(proposal, "refund_minor", "currency"));
		retourctl_print_reasons(json_object_get(proposal, "reasons"),
					"  ");
	}
	if (json_is_object(last))
		printf("%-10s receipt %s: %s (undo until %s)\n",
		       "decided:", retourctl_text(last, "receipt"),
		       retourctl_text(last, "verdict"),
		       retourctl_text(last, "undo_until"));
	if (json_is_object(devices)) {
		printf("devices:\n");
		json_object_foreach(devices, name, dev)
		{
			json_t *err = json_object_get(dev, "last_error");
			bool ok = json_is_true(json_object_get(dev, "ok"));

			printf("  %-10s %s", name, ok ? "ok" : "FAULT");
			if (json_is_string(json_object_get(dev, "feed")))
				printf(" (%s)", retourctl_text(dev, "feed"));
			if (json_is_string(err) && json_string_length(err))
				printf(": %s", json_string_value(err));
			putchar('\n');
		}
	}
	if (json_is_object(outbox))
		printf("%-10s %s pending, %s dead\n",
		       "outbox:", retourctl_text(outbox, "pending"),
		       retourctl_text(outbox, "dead"));
}

static int retourctl_cmd_status(const struct retourctl_opts *o)
{
	json_t *st;

	if (o->n_pos != 1)
		return retourctl_usage("status takes no arguments");
	if (retourctl_call(o, "GET", "/api/v1/status", NULL, 0, &st))
		return RETOURCTL_FAILED;
	if (o->json)
		retourctl_print_json(st);
	else
		retourctl_print_status(st);
	json_decref(st);
	return RETOURCTL_OK;
}

static int retourctl_cmd_scan(const struct retourctl_opts *o)
{
	json_t *st, *body;
	char *text;
	int r;

	if (o->n_pos != 2)
		return retourctl_usage("scan needs one CODE");
	body = json_pack("{s:s}", "code", o->pos[1]);
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		return retourctl_fail("scan: the code is not valid UTF-8 text");
	r = retourctl_call(o, "POST", "/api/v1/scan", text, strlen(text), &st);
	free(text);
	if (r)
		return r;
	if (o->json) {
		retourctl_print_json(st);
	} else {
		printf("%-8s %s\n", "step:", retourctl_text(st, "step"));
		printf("%-8s %s\n", "prompt:", retourctl_text(st, "prompt"));
		printf("%-8s %s\n", "problem:", retourctl_text(st, "problem"));
	}
	json_decref(st);
	return RETOURCTL_OK;
}

/* ---- records ---- */

static bool retourctl_parse_id(const char *s, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 1 || v > max)
		return false;
	*out = v;
	return true;
}

static int retourctl_returns_list(const struct retourctl_opts *o)
{
	char path[64] = "/api/v1/returns";
	json_t *answer, *list, *r;
	int rc;
	long long limit;
	size_t i;

	if (o->n_pos != 2)
		return retourctl_usage("returns list takes no arguments");
	if (o->limit) {
		if (!retourctl_parse_id(o->limit, 10000, &limit))
			return retourctl_usage("--limit must be 1..10000, not "
					       "'%s'",
					       o->limit);
		snprintf(path, sizeof(path), "/api/v1/returns?limit=%lld",
			 limit);
	}
	rc = retourctl_get_list(o, path, "returns", &answer, &list);
	if (rc != RETOURCTL_OK || !list)
		return rc;
	if (json_array_size(list) == 0)
		printf("no receipts\n");
	else
		printf("%-6s %-20s %-8s %-18s %-14s %-10s %-8s %s\n", "id",
		       "received", "routine", "code", "rma", "state", "verdict",
		       "refund");
	json_array_foreach(list, i, r)
	    printf("%-6s %-20s %-8s %-18s %-14s %-10s %-8s %s\n",
		   retourctl_text(r, "id"), retourctl_text(r, "received_at"),
		   retourctl_text(r, "routine"), retourctl_text(r, "code"),
		   retourctl_text(r, "rma"), retourctl_text(r, "state"),
		   retourctl_text(r, "verdict"),
		   retourctl_money(r, "refund_minor", "currency"));
	json_decref(answer);
	return RETOURCTL_OK;
}

static void retourctl_print_detail(const json_t *obj)
{
	const char *key;
	json_t *v;

	/* Scalars first: they are the receipt; then its parts. */
	json_object_foreach((json_t *)obj, key, v)
	{
		if (json_is_object(v) || json_is_array(v))
			continue;
		size_t klen = strlen(key);

		if (klen > 3 && !strcmp(key + klen - 3, "_us"))
			continue; /* twin of an RFC 3339 field */
		if (!strcmp(key, "refund_minor"))
			printf("%-18s %s\n", "refund:",
			       retourctl_money(obj, key, "currency"));
		else
			printf("%-17s: %s\n", key, retourctl_text(obj, key));
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		size_t i;
		json_t *e;

		if (json_is_object(v) && !strcmp(key, "proposal")) {
			printf("proposal: %s, refund %s\n",
			       retourctl_text(v, "verdict"),
			       retourctl_money(v, "refund_minor", "currency"));
			retourctl_print_reasons(json_object_get(v, "reasons"),
						"  ");
		} else if (json_is_object(v)) {
			char *text =
			    json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);

			printf("%s: %s\n", key, text ? text : "?");
			free(text);
		} else if (json_is_array(v)) {
			printf("%s (%zu):\n", key, json_array_size(v));
			json_array_foreach(v, i, e)
			{
				char *text = json_dumps(
				    e, JSON_COMPACT | JSON_PRESERVE_ORDER |
					   JSON_ENCODE_ANY);

				printf("  %s\n", text ? text : "?");
				free(text);
			}
		}
	}
}

static int retourctl_returns_show(const struct retourctl_opts *o)
{
	char path[64];
	json_t *answer;
	long long id;

	if (o->n_pos != 3)
		return retourctl_usage("returns show needs one receipt ID");
	if (!retourctl_parse_id(o->pos[2], INT64_MAX, &id))
		return retourctl_usage("'%s' is not a receipt id", o->pos[2]);
	snprintf(path, sizeof(path), "/api/v1/returns/%lld", id);
	if (retourctl_call(o, "GET", path, NULL, 0, &answer))
		return RETOURCTL_FAILED;
	if (o->json)
		retourctl_print_json(answer);
	else if (json_is_object(answer))
		retourctl_print_detail(answer);
	else
		retourctl_print_json(answer);
	json_decref(answer);
	return RETOURCTL_OK;
}

static int retourctl_cmd_returns(const struct retourctl_opts *o)
{
	if (o->n_pos < 2)
		return retourctl_usage("returns needs 'list' or 'show ID'");
	if (o->limit && strcmp(o->pos[1], "list"))
		return retourctl_usage("--limit only goes with returns list");
	if (!strcmp(o->pos[1], "list"))
		return retourctl_returns_list(o);
	if (!strcmp(o->pos[1], "show"))
		return retourctl_returns_show(o);
	return retourctl_usage("unknown returns command '%s'", o->pos[1]);
}

static int retourctl_read_all(const char *name, char **out, size_t *len)
{
	FILE *f = strcmp(name, "-") ? fopen(name, "rb") : stdin;
	size_t cap = 0, n = 0;
	char *data = NULL;

	if (!f)
		return -errno;
	for (;;) {
		size_t got;

		if (n + 4096 + 1 > cap) {
			char *grown;

			cap = cap ? cap * 2 : 8192;
			grown = realloc(data, cap);
			if (!grown) {
				free(data);
				if (f != stdin)
					fclose(f);
				return -ENOMEM;
			}
			data = grown;
		}
		got = fread(data + n, 1, cap - n - 1, f);
		n += got;
		if (n > RETOURCTL_MAX_BODY) {
			free(data);
			if (f != stdin)
				fclose(f);
			return -EFBIG;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(data);
		if (f != stdin)
			fclose(f);
		return -EIO;
	}
	if (f != stdin)
		fclose(f);
	data[n] = '\0';
	*out = data;
	*len = n;
	return 0;
}

static int retourctl_cmd_expected(const struct retourctl_opts *o)
{
	struct expected_return *list = NULL;
	json_t *root, *answer;
	json_error_t jerr;
	char err[320];
	const char *file;
	char *text = NULL;
	size_t len = 0;
	int n, r;

	if (o->n_pos < 2 || strcmp(o->pos[1], "import"))
		return retourctl_usage("expected needs 'import FILE'");
	if (o->n_pos != 3)
		return retourctl_usage("expected import needs one FILE (- for "
				       "stdin)");
	file = o->pos[2];
	r = retourctl_read_all(file, &text, &len);
	if (r == -EFBIG)
		return retourctl_fail("%s: over 1 MiB, more than retourd "
				      "accepts in one import; split it",
				      file);
	if (r < 0)
		return retourctl_fail("%s: %s", file, strerror(-r));
	/* Nothing leaves this machine unless it is an import retourd takes. */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		free(text);
		return retourctl_fail("%s:%d:%d: not valid JSON: %s, nothing "
				      "sent",
				      file, jerr.line, jerr.column, jerr.text);
	}
	n = expected_json_parse_batch(root, NULL, &list, err, sizeof(err));
	json_decref(root);
	free(list);
	if (n < 0) {
		free(text);
		return retourctl_fail("%s: %s; nothing sent", file, err);
	}
	r = retourctl_call(o, "POST", "/api/v1/expected", text, len, &answer);
	free(text);
	if (r)
		return r;
	if (o->json) {
		retourctl_print_json(answer);
	} else {
		json_t *count = json_object_get(answer, "imported");
		long long imported =
		    json_is_integer(count) ? json_integer_value(count) : n;

		json_t *kept = json_object_get(answer, "kept"), *code;
		size_t i;

		printf("imported %lld expected return%s\n", imported,
		       imported == 1 ? "" : "s");
		json_array_foreach(kept, i, code) if (json_is_string(code))
		    printf("kept %s: already at the desk, not "
			   "changed\n",
			   json_string_value(code));
	}
	json_decref(answer);
	return RETOURCTL_OK;
}

static int retourctl_outbox_list(const struct retourctl_opts *o)
{
	char path[96] = "/api/v1/outbox";
	json_t *answer, *list, *row;
	size_t i;
	int r;

	if (o->n_pos != 2)
		return retourctl_usage("outbox list takes no arguments");
	if (o->state) {
		static const char *const states[] = {"pending", "done", "dead",
						     "cancelled", NULL};
		bool known = false;

		for (int k = 0; states[k]; k++)
			if (!strcmp(o->state, states[k]))
				known = true;
		if (!known)
			return retourctl_usage("--state must be pending, done, "
					       "dead or cancelled, not '%s'",
					       o->state);
		snprintf(path, sizeof(path), "/api/v1/outbox?state=%s",
			 o->state);
	}
	r = retourctl_get_list(o, path, "outbox", &answer, &list);
	if (r != RETOURCTL_OK || !list)
		return r;
	if (json_array_size(list) == 0)
		printf("no outbox rows%s%s\n", o->state ? " in state " : "",
		       o->state ? o->state : "");
	else
		printf("%-6s %-8s %-20s %-10s %-8s %-20s %s\n", "id", "receipt",
		       "action", "state", "attempts", "next attempt",
		       "last error");
	json_array_foreach(list, i, row) printf(
	    "%-6s %-8s %-20s %-10s %-8s %-20s %s\n", retourctl_text(row, "id"),
	    retourctl_text(row, "receipt_id"), retourctl_text(row, "action"),
	    retourctl_text(row, "state"), retourctl_text(row, "attempts"),
	    retourctl_text(row, "next_attempt_at"),
	    retourctl_text(row, "last_error"));
	json_decref(answer);
	return RETOURCTL_OK;
}

static int retourctl_cmd_outbox(const struct retourctl_opts *o)
{
	char path[80];
	json_t *answer;
	long long id;

	if (o->n_pos < 2)
		return retourctl_usage("outbox needs 'list' or 'retry ID'");
	if (o->state && strcmp(o->pos[1], "list"))
		return retourctl_usage("--state only goes with outbox list");
	if (!strcmp(o->pos[1], "list"))
		return retourctl_outbox_list(o);
	if (strcmp(o->pos[1], "retry"))
		return retourctl_usage("unknown outbox command '%s'",
				       o->pos[1]);
	if (o->n_pos != 3)
		return retourctl_usage("outbox retry needs one outbox row ID");
	if (!retourctl_parse_id(o->pos[2], INT64_MAX, &id))
		return retourctl_usage("'%s' is not an outbox row id",
				       o->pos[2]);
	snprintf(path, sizeof(path), "/api/v1/outbox/%lld/retry", id);
	if (retourctl_call(o, "POST", path, NULL, 0, &answer))
		return RETOURCTL_FAILED;
	if (o->json)
		retourctl_print_json(answer);
	else
		printf("outbox row %lld queued for delivery now\n", id);
	json_decref(answer);
	return RETOURCTL_OK;
}

static int retourctl_cmd_db(const struct retourctl_opts *o)
{
	json_t *answer;
	bool ok;

	if (o->n_pos != 2 || strcmp(o->pos[1], "check"))
		return retourctl_usage("db needs 'check'");
	if (retourctl_call(o, "GET", "/api/v1/db/check", NULL, 0, &answer))
		return RETOURCTL_FAILED;
	ok = json_is_true(json_object_get(answer, "ok"));
	if (o->json)
		retourctl_print_json(answer);
	else if (ok)
		printf("database ok: %s\n", retourctl_text(answer, "detail"));
	else
		fprintf(stderr,
			"retourctl: db check: the database has a "
			"problem: %s\n",
			retourctl_text(answer, "detail"));
	json_decref(answer);
	return ok ? RETOURCTL_OK : RETOURCTL_FAILED;
}

static int retourctl_cmd_audit(const struct retourctl_opts *o)
{
	json_t *answer;
	bool ok;

	if (o->n_pos != 2 || strcmp(o->pos[1], "verify"))
		return retourctl_usage("audit needs 'verify'");
	if (retourctl_call(o, "GET", "/api/v1/audit/verify", NULL, 0, &answer))
		return RETOURCTL_FAILED;
	ok = json_is_true(json_object_get(answer, "ok"));
	if (o->json)
		retourctl_print_json(answer);
	else if (ok)
		printf("audit chain intact: %s entries\n",
		       retourctl_text(answer, "entries"));
	else
		fprintf(stderr,
			"retourctl: audit verify: the chain is broken "
			"at entry %s (edited, inserted or deleted "
			"there or before); %s entries checked\n",
			retourctl_text(answer, "bad_entry"),
			retourctl_text(answer, "entries"));
	json_decref(answer);
	return ok ? RETOURCTL_OK : RETOURCTL_FAILED;
}

/* ---- offline: codes ---- */

/*
 * A GS (FNC1) cannot be typed in a shell argument easily; "<GS>" and
 * "\x1d" stand for it.  Returns the length written to @out.
 */
static size_t retourctl_unescape_gs(const char *in, char *out, size_t size)
{
	size_t n = 0;

	while (*in && n + 1 < size) {
		if (!strncasecmp(in, "<GS>", 4)) {
			out[n++] = 0x1d;
			in += 4;
		} else if (!strncasecmp(in, "\\x1d", 4)) {
			out[n++] = 0x1d;
			in += 4;
		} else {
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
	return n;
}

static const char *retourctl_check_digit(const struct code *c)
{
	if (!c->has_check_digit)
		return "none";
	return c->valid ? "ok" : "bad";
}

static int retourctl_cmd_code(const struct retourctl_opts *o)
{
	struct code_patterns patterns = {
	    .rma = o->rma_pattern ? o->rma_pattern : "RMA-*",
	    .order = o->order_pattern,
	};
	char raw[CODE_MAX_RAW * 2 + 2];
	const struct code_gs1 *g;
	struct code c;
	size_t len;

	if (o->n_pos != 2)
		return retourctl_usage("code needs one CODE");
	if (strlen(o->pos[1]) > CODE_MAX_RAW * 2)
		return retourctl_usage("the code is longer than %d bytes",
				       CODE_MAX_RAW);
	len = retourctl_unescape_gs(o->pos[1], raw, sizeof(raw));
	/* Refused input still fills c with kind unknown and a problem. */
	code_classify(raw, len, &patterns, &c);
	g = &c.gs1;

	if (o->json) {
		json_t *j = json_object(), *gs1 = json_object();

		json_object_set_new(j, "kind",
				    json_string(code_kind_name(c.kind)));
		json_object_set_new(
		    j, "value",
		    json_stringn(c.value, strnlen(c.value, sizeof(c.value))));
		json_object_set_new(j, "valid", json_boolean(c.valid));
		json_object_set_new(j, "check_digit",
				    json_string(retourctl_check_digit(&c)));
		json_object_set_new(
		    j, "symbology",
		    json_stringn(c.symbology,
				 strnlen(c.symbology, sizeof(c.symbology))));
		if (g->has_gtin)
			json_object_set_new(gs1, "gtin", json_string(g->gtin));
		if (g->has_batch)
			json_object_set_new(gs1, "batch",
					    json_string(g->batch));
		if (g->has_expiry)
			json_object_set_new(gs1, "expiry",
					    json_string(g->expiry));
		if (g->has_serial)
			json_object_set_new(gs1, "serial",
					    json_string(g->serial));
		if (g->has_sscc)
			json_object_set_new(gs1, "sscc", json_string(g->sscc));
		json_object_set_new(j, "gs1", gs1);
		json_object_set_new(
		    j, "problem",
		    json_stringn(c.problem,
				 strnlen(c.problem, sizeof(c.problem))));
		retourctl_print_json(j);
		json_decref(j);
		return RETOURCTL_OK;
	}
	printf("%-12s %s\n", "kind:", code_kind_name(c.kind));
	printf("%-12s %.*s\n", "value:", (int)sizeof(c.value), c.value);
	printf("%-12s %s\n", "valid:", c.valid ? "yes" : "no");
	printf("%-12s %s\n", "check digit:", retourctl_check_digit(&c));
	printf("%-12s %.*s\n", "symbology:", (int)sizeof(c.symbology),
	       c.symbology[0] ? c.symbology : "-");
	if (g->has_sscc)
		printf("(00) SSCC    %s\n", g->sscc);
	if (g->has_gtin)
		printf("(01) GTIN    %s\n", g->gtin);
	if (g->has_batch)
		printf("(10) batch   %s\n", g->batch);
	if (g->has_expiry)
		printf("(17) expiry  %s (YYMMDD)\n", g->expiry);
	if (g->has_serial)
		printf("(21) serial  %s\n", g->serial);
	if (c.problem[0])
		printf("%-12s %.*s\n", "problem:", (int)sizeof(c.problem),
		       c.problem);
	return RETOURCTL_OK;
}

/* ---- offline: rules ---- */

static int retourctl_cmd_rules(const struct retourctl_opts *o)
{
	struct cli_case *c;
	struct proposal *p;
	char err[320];
	int r;

	if (o->n_pos < 2 || strcmp(o->pos[1], "check"))
		return retourctl_usage("rules needs 'check CASE.json'");
	if (o->n_pos != 3)
		return retourctl_usage("rules check needs one CASE.json (- for "
				       "stdin)");
	c = calloc(1, sizeof(*c));
	p = calloc(1, sizeof(*p));
	if (!c || !p) {
		free(c);
		free(p);
		return retourctl_fail("rules check: out of memory");
	}
	r = cli_case_load(o->pos[2], c, err, sizeof(err));
	if (r < 0) {
		r = retourctl_fail(
		    "rules check: %s%s%s", err,
		    strncmp(err, o->pos[2], strlen(o->pos[2])) ? " in " : "",
		    strncmp(err, o->pos[2], strlen(o->pos[2])) ? o->pos[2]
							       : "");
		goto out;
	}
	/* -EINVAL still fills a hold proposal whose reason says why. */
	rules_propose(&c->expected, &c->found, &c->policy, c->now, p);
	if (o->json) {
		json_t *j = cli_case_proposal_json(p, &c->expected);

		if (!j) {
			r = retourctl_fail("rules check: out of memory");
			goto out;
		}
		retourctl_print_json(j);
		json_decref(j);
	} else {
		cli_case_proposal_print(stdout, p, &c->expected);
	}
	r = RETOURCTL_OK;
out:
	free(c);
	free(p);
	return r;
}

/* ---- main ---- */

static int retourctl_opt_value(int argc, char **argv, int *i, const char *name,
			       const char **value)
{
	size_t n = strlen(name);
	const char *arg = argv[*i];

	if (strncmp(arg, name, n))
		return 0;
	if (arg[n] == '=') {
		*value = arg + n + 1;
		return 1;
	}
	if (arg[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*value = argv[++*i];
	return 1;
}

static int retourctl_parse_args(int argc, char **argv, struct retourctl_opts *o)
{
	static const char *const valued[] = {"--socket",	"--limit",
					     "--state",		"--rma-pattern",
					     "--order-pattern", NULL};
	bool options_done = false;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char **slots[] = {&o->socket, &o->limit, &o->state,
					&o->rma_pattern, &o->order_pattern};
		bool matched = false;

		if (!options_done && !strcmp(arg, "--")) {
			options_done = true;
			continue;
		}
		if (options_done || arg[0] != '-' || arg[1] == '\0') {
			if (o->n_pos >= RETOURCTL_MAX_POS)
				return retourctl_usage("too many arguments");
			o->pos[o->n_pos++] = arg;
			continue;
		}
		if (!strcmp(arg, "--json")) {
			o->json = true;
			continue;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			fputs(retourctl_usage_text, stdout);
			exit(RETOURCTL_OK);
		}
		for (int k = 0; valued[k] && !matched; k++) {
			int r = retourctl_opt_value(argc, argv, &i, valued[k],
						    slots[k]);

			if (r < 0)
				return retourctl_usage("%s needs a value",
						       valued[k]);
			matched = r > 0;
		}
		if (!matched)
			return retourctl_usage("unknown option '%s'", arg);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct retourctl_opts o = {0};
	const char *cmd;
	int r;

	r = retourctl_parse_args(argc, argv, &o);
	if (r)
		return r;
	if (o.n_pos == 0)
		return retourctl_usage("no command given");
	if (!o.socket || !o.socket[0])
		o.socket = getenv("RETOUR_SOCKET");
	if (!o.socket || !o.socket[0])
		o.socket = RETOURCTL_DEFAULT_SOCKET;
	cmd = o.pos[0];

	if (!strcmp(cmd, "help")) {
		fputs(retourctl_usage_text, stdout);
		return RETOURCTL_OK;
	}
	if ((o.rma_pattern || o.order_pattern) && strcmp(cmd, "code"))
		return retourctl_usage("--rma-pattern and --order-pattern only "
				       "go with code");
	if (o.limit && strcmp(cmd, "returns"))
		return retourctl_usage("--limit only goes with returns list");
	if (o.state && strcmp(cmd, "outbox"))
		return retourctl_usage("--state only goes with outbox list");
	if (!strcmp(cmd, "code"))
		return retourctl_cmd_code(&o);
	if (!strcmp(cmd, "rules"))
		return retourctl_cmd_rules(&o);

	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return retourctl_fail("cannot start libcurl");
	if (!strcmp(cmd, "status"))
		r = retourctl_cmd_status(&o);
	else if (!strcmp(cmd, "scan"))
		r = retourctl_cmd_scan(&o);
	else if (!strcmp(cmd, "returns"))
		r = retourctl_cmd_returns(&o);
	else if (!strcmp(cmd, "expected"))
		r = retourctl_cmd_expected(&o);
	else if (!strcmp(cmd, "outbox"))
		r = retourctl_cmd_outbox(&o);
	else if (!strcmp(cmd, "db"))
		r = retourctl_cmd_db(&o);
	else if (!strcmp(cmd, "audit"))
		r = retourctl_cmd_audit(&o);
	else
		r = retourctl_usage("unknown command '%s'", cmd);
	curl_global_cleanup();
	return r;
}
