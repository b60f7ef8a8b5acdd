/* SPDX-License-Identifier: MIT */
/*
 * The `allegro` connector: a refund row becomes Allegro's payment refund,
 * POST {api_url}/payments/refunds, and Allegro's customer returns are
 * pulled in as expected returns.
 *
 * Allegro takes no idempotency key, so a refund is looked up before every
 * attempt, the first one included (reconcile_first): the payment's refunds
 * (GET /payments/refunds?payment.id=...) are listed and the one whose
 * sellerComment carries this refund's key (connector_refund_key) is the
 * same refund.  An answer that cannot be read is never taken as done
 * without that lookup: it is retried, and the lookup finds it.
 *
 * The access token comes from a refresh token (refresh_token_file) and the
 * application's client_id and client_secret_file, through prepare(): POST
 * {auth_url}/auth/oauth/token, basic auth.  It is kept with its expiry and
 * fetched again a few minutes before it expires and after a 401.  Allegro
 * hands a new refresh token out with each access token; this connector
 * cannot write files, so it keeps the new one in its state for the rest of
 * the run and says once, in the log, that the file should be updated (the
 * file's token is the one used again after a restart).  No token goes into
 * a log line, an error text or an answer.
 *
 * Only refunds: other events go to a webhook ([outbox] events).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <nettle/base64.h>

#include "retour/connector.h"
#include "retour/decision.h"
#include "retour/log.h"

#define ALLEGRO_API_URL "https://api.allegro.pl"
#define ALLEGRO_AUTH_URL "https://allegro.pl"
#define ALLEGRO_MEDIA "application/vnd.allegro.public.v1+json"
#define ALLEGRO_BETA_MEDIA "application/vnd.allegro.beta.v1+json"
#define ALLEGRO_USER_AGENT "retour/0.1"
#define ALLEGRO_ID_MAX 128
#define ALLEGRO_TOKEN_MAX 8192
/* Fetch a new access token this long before the old one expires. */
#define ALLEGRO_TOKEN_MARGIN_US (300LL * 1000000)
/* Allegro asks a client answered 429 to wait at least a minute. */
#define ALLEGRO_THROTTLE_WAIT_US (60LL * 1000000)
#define ALLEGRO_PULL_LIMIT 100
#define ALLEGRO_LOOKUP_LIMIT 50
#define ALLEGRO_PULL_DAYS 30
#define ALLEGRO_COMMENT_MAX 100
#define ALLEGRO_ANSWER_MAX (4u << 20)
/* Returns queued for their order's details, at most one page of them. */
#define ALLEGRO_QUEUE_MAX ALLEGRO_PULL_LIMIT

enum allegro_pull_step {
	ALLEGRO_PULL_LIST = 0,
	ALLEGRO_PULL_DETAIL,
};

struct allegro_state {
	char api_url[CONNECTOR_URL_LEN];
	char auth_url[CONNECTOR_URL_LEN];
	char client_id[ALLEGRO_ID_MAX];
	bool has_refresh_file, has_secret_file;
	char *refresh_token; /* the file's, then the newest Allegro gave */
	char *client_secret;
	char *access_token; /* NULL: none yet, or refused */
	int64_t access_expires_us;
	bool rotated_told; /* the log said once that the file is stale */
	int pull_days;
	int64_t throttle_wait_us; /* the least wait after a 429 */
	/* pull: the returns of the last list, waiting for their order */
	json_t *queue;
	char queue_cursor[ALLEGRO_ID_MAX]; /* the cursor once they are done */
	bool queue_more;		   /* the list's page was full */
	enum allegro_pull_step pull_step;
};

static void allegro_secret_free(char **p)
{
	if (*p) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

static bool allegro_url_ok(const char *url)
{
	size_t i;

	if (!url)
		return false;
	if (strncasecmp(url, "https://", 8) != 0 &&
	    strncasecmp(url, "http://", 7) != 0)
		return false;
	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f || url[i] == '?' ||
		    url[i] == '#')
			return false;
	/* room for the longest path and query this connector adds */
	return i + 256 < CONNECTOR_URL_LEN;
}

/* Visible ASCII only: what may go into a header or a form field. */
static bool allegro_token_ok(const char *t)
{
	size_t i;

	if (!t || !t[0])
		return false;
	for (i = 0; t[i]; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return false;
	return i <= ALLEGRO_TOKEN_MAX;
}

static int allegro_init(void **state)
{
	struct allegro_state *as = calloc(1, sizeof(*as));

	if (!as)
		return -ENOMEM;
	snprintf(as->api_url, sizeof(as->api_url), "%s", ALLEGRO_API_URL);
	snprintf(as->auth_url, sizeof(as->auth_url), "%s", ALLEGRO_AUTH_URL);
	as->pull_days = ALLEGRO_PULL_DAYS;
	as->throttle_wait_us = ALLEGRO_THROTTLE_WAIT_US;
	*state = as;
	return 0;
}

static void allegro_free(void *state)
{
	struct allegro_state *as = state;

	if (!as)
		return;
	allegro_secret_free(&as->refresh_token);
	allegro_secret_free(&as->client_secret);
	allegro_secret_free(&as->access_token);
	json_decref(as->queue);
	free(as);
}

static int allegro_set_url(char *dst, const struct connector_setting *s,
			   char *problem, size_t len)
{
	size_t n;

	if (!allegro_url_ok(s->value)) {
		snprintf(problem, len,
			 "%s must be an http:// or https:// URL without "
			 "spaces, a query or a fragment, under %d bytes",
			 s->key, CONNECTOR_URL_LEN - 256);
		return -EINVAL;
	}
	snprintf(dst, CONNECTOR_URL_LEN, "%s", s->value);
	n = strlen(dst);
	while (n > 8 && dst[n - 1] == '/')
		dst[--n] = '\0';
	return 0;
}

static int allegro_set_secret(char **dst, bool *has,
			      const struct connector_setting *s, char *problem,
			      size_t len)
{
	if (!s->value || !s->value[0]) {
		snprintf(problem, len, "%s must name a file", s->key);
		return -EINVAL;
	}
	*has = true;
	if (!s->secret)
		return 0;
	if (!allegro_token_ok(s->secret)) {
		/* The file is named by the caller; its content never is. */
		snprintf(problem, len,
			 "the file of %s is empty or holds more than one "
			 "printable token",
			 s->key);
		return -EINVAL;
	}
	allegro_secret_free(dst);
	*dst = strdup(s->secret);
	if (!*dst) {
		snprintf(problem, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int allegro_configure(void *state, const struct connector_setting *s,
			     char *problem, size_t len)
{
	struct allegro_state *as = state;

	if (!strcmp(s->key, "api_url"))
		return allegro_set_url(as->api_url, s, problem, len);
	if (!strcmp(s->key, "auth_url"))
		return allegro_set_url(as->auth_url, s, problem, len);
	if (!strcmp(s->key, "client_id")) {
		if (!allegro_token_ok(s->value) ||
		    strlen(s->value) >= sizeof(as->client_id) ||
		    strchr(s->value, ':')) {
			snprintf(problem, len,
				 "client_id must be printable, without ':' "
				 "and under %d bytes",
				 ALLEGRO_ID_MAX);
			return -EINVAL;
		}
		snprintf(as->client_id, sizeof(as->client_id), "%s", s->value);
		return 0;
	}
	if (!strcmp(s->key, "refresh_token_file"))
		return allegro_set_secret(
		    &as->refresh_token, &as->has_refresh_file, s, problem, len);
	if (!strcmp(s->key, "client_secret_file"))
		return allegro_set_secret(
		    &as->client_secret, &as->has_secret_file, s, problem, len);
	if (!strcmp(s->key, "pull_days")) {
		char *end = NULL;
		long v = s->value ? strtol(s->value, &end, 10) : 0;

		if (!s->value || !s->value[0] || *end || v < 1 || v > 365) {
			snprintf(problem, len,
				 "pull_days must be a whole number of days, "
				 "1 to 365");
			return -EINVAL;
		}
		as->pull_days = (int)v;
		return 0;
	}
	if (!strcmp(s->key, "throttle_wait_s")) {
		char *end = NULL;
		long v = s->value ? strtol(s->value, &end, 10) : 0;

		if (!s->value || !s->value[0] || *end || v < 1 || v > 3600) {
			snprintf(problem, len,
				 "throttle_wait_s must be a whole number of "
				 "seconds, 1 to 3600");
			return -EINVAL;
		}
		as->throttle_wait_us = (int64_t)v * 1000000;
		return 0;
	}
	snprintf(problem, len,
		 "unknown key '%s' for the allegro connector (known: api_url, "
		 "auth_url, client_id, client_secret_file, refresh_token_file, "
		 "pull_days, throttle_wait_s)",
		 s->key);
	return -EINVAL;
}

static int allegro_check(void *state, bool secrets, char *problem, size_t len)
{
	struct allegro_state *as = state;

	if (!as->client_id[0]) {
		snprintf(problem, len,
			 "the allegro connector needs client_id (the "
			 "application's Client ID)");
		return -EINVAL;
	}
	if (!as->has_secret_file || (secrets && !as->client_secret)) {
		snprintf(problem, len,
			 "allegro client secret is missing: set "
			 "client_secret_file");
		return -EINVAL;
	}
	if (!as->has_refresh_file || (secrets && !as->refresh_token)) {
		snprintf(problem, len,
			 "allegro refresh token is missing: set "
			 "refresh_token_file (docs/connectors/allegro.md says "
			 "how to get one)");
		return -EINVAL;
	}
	return 0;
}

/* ---- small helpers ------------------------------------------------------ */

/* Percent-encode @in (RFC 3986 unreserved kept) onto @out; false when it
 * does not fit. */
static bool allegro_encode(char *out, size_t outlen, const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(out), i;

	for (i = 0; in[i]; i++) {
		unsigned char ch = (unsigned char)in[i];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~') {
			if (n + 1 >= outlen)
				return false;
			out[n++] = (char)ch;
		} else {
			if (n + 3 >= outlen)
				return false;
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = '\0';
	return true;
}

static int allegro_nomem(struct connector_request *req, char *err,
			 size_t errlen)
{
	connector_request_free(req);
	snprintf(err, errlen, "out of memory building the request");
	return -ENOMEM;
}

/* Authorization, Accept (and Content-Type for a body). */
static int allegro_headers(const struct allegro_state *as,
			   struct connector_request *req, const char *media,
			   bool body)
{
	char *auth;
	int r;

	if (asprintf(&auth, "Bearer %s", as->access_token) < 0)
		return -ENOMEM;
	r = connector_request_add_header(req, "Authorization", auth);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	if (r == 0)
		r = connector_request_add_header(req, "Accept", media);
	if (r == 0 && body)
		r = connector_request_add_header(req, "Content-Type", media);
	if (r == 0)
		r = connector_request_add_header(req, "User-Agent",
						 ALLEGRO_USER_AGENT);
	return r < 0 ? -ENOMEM : 0;
}

static bool allegro_ready(const struct allegro_state *as, char *err,
			  size_t errlen)
{
	if (!as->access_token) {
		snprintf(err, errlen, "no Allegro access token yet");
		return false;
	}
	return true;
}

/* The string @key of @obj, or NULL. */
static const char *allegro_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/*
 * The error text of an Allegro answer: {errors:[{code, message,
 * userMessage}]} (userMessage is what a person should see), or OAuth's
 * {error, error_description}; else a snippet of the body.
 */
static void allegro_error_text(char *err, size_t errlen, long status,
			       const struct connector_answer *a)
{
	char text[160] = "", code[48] = "", jerr[80];
	json_t *root =
	    connector_answer_json(a, ALLEGRO_ANSWER_MAX, jerr, sizeof(jerr));
	json_t *first = json_array_get(json_object_get(root, "errors"), 0);
	const char *msg = NULL, *c = NULL;

	if (json_is_object(first)) {
		msg = allegro_str(first, "userMessage");
		if (!msg || !msg[0])
			msg = allegro_str(first, "message");
		c = allegro_str(first, "code");
	} else if (json_is_object(root)) {
		msg = allegro_str(root, "error_description");
		c = allegro_str(root, "error");
	}
	if (msg && msg[0])
		connector_text_sanitize(text, sizeof(text), msg, strlen(msg));
	if (c && c[0])
		connector_text_sanitize(code, sizeof(code), c, strlen(c));
	if (!text[0] && !code[0] && a->body && a->body_len && !root)
		connector_text_sanitize(text, 101, a->body, a->body_len);
	json_decref(root);
	if (text[0] && code[0])
		snprintf(err, errlen, "Allegro (HTTP %ld): %s [%s]", status,
			 text, code);
	else if (text[0] || code[0])
		snprintf(err, errlen, "Allegro (HTTP %ld): %s", status,
			 text[0] ? text : code);
	else
		snprintf(err, errlen, "Allegro answered HTTP %ld", status);
}

static bool allegro_transient(long status)
{
	return status == 408 || status == 425 || status == 429 ||
	       (status >= 500 && status <= 599);
}

/* ---- the token ---------------------------------------------------------- */

static int allegro_prepare(void *state, int64_t now_us,
			   struct connector_request *req, char *err,
			   size_t errlen)
{
	struct allegro_state *as = state;
	char *pair = NULL, *b64 = NULL, *auth = NULL, *body = NULL;
	size_t plen, blen;
	int r = -ENOMEM;

	if (as->access_token &&
	    now_us < as->access_expires_us - ALLEGRO_TOKEN_MARGIN_US)
		return 0;
	allegro_secret_free(&as->access_token);
	if (!as->refresh_token || !as->client_secret || !as->client_id[0]) {
		snprintf(err, errlen,
			 "allegro: no refresh token or client secret to get "
			 "an access token with");
		return -EINVAL;
	}
	memset(req, 0, sizeof(*req));
	req->method = CONNECTOR_POST;
	if ((size_t)snprintf(req->url, sizeof(req->url), "%s/auth/oauth/token",
			     as->auth_url) >= sizeof(req->url)) {
		snprintf(err, errlen, "allegro: auth_url is too long");
		return -EINVAL;
	}
	if (asprintf(&pair, "%s:%s", as->client_id, as->client_secret) < 0) {
		pair = NULL;
		goto out;
	}
	plen = strlen(pair);
	blen = BASE64_ENCODE_RAW_LENGTH(plen);
	b64 = malloc(blen + 1);
	if (!b64)
		goto out;
	base64_encode_raw(b64, plen, (const uint8_t *)pair);
	b64[blen] = '\0';
	if (asprintf(&auth, "Basic %s", b64) < 0) {
		auth = NULL;
		goto out;
	}
	blen = strlen(as->refresh_token) * 3 + 64;
	body = calloc(1, blen);
	if (!body)
		goto out;
	strcpy(body, "grant_type=refresh_token&refresh_token=");
	if (!allegro_encode(body, blen, as->refresh_token))
		goto out;
	if (connector_request_add_header(req, "Authorization", auth) < 0 ||
	    connector_request_add_header(
		req, "Content-Type", "application/x-www-form-urlencoded") < 0 ||
	    connector_request_add_header(req, "Accept", "application/json") <
		0 ||
	    connector_request_add_header(req, "User-Agent",
					 ALLEGRO_USER_AGENT) < 0)
		goto out;
	req->body = body;
	req->body_len = strlen(body);
	body = NULL;
	r = 1;
out:
	if (pair)
		allegro_secret_free(&pair);
	if (b64)
		allegro_secret_free(&b64);
	if (auth)
		allegro_secret_free(&auth);
	if (body)
		allegro_secret_free(&body);
	if (r < 0) {
		connector_request_free(req);
		snprintf(err, errlen,
			 "out of memory building the token request");
	}
	return r;
}

static int allegro_prepared(void *state, int64_t now_us,
			    const struct connector_answer *a, char *err,
			    size_t errlen)
{
	struct allegro_state *as = state;
	char jerr[80];
	const char *access, *refresh;
	json_t *root, *exp;
	json_int_t expires;

	if (a->status == 400 || a->status == 401) {
		/* invalid_grant: the refresh token is revoked or expired;
		 * invalid_client: the client id or secret is wrong. */
		allegro_error_text(err, errlen, a->status, a);
		snprintf(err + strlen(err), errlen - strlen(err),
			 "; the token was refused: authorise the station "
			 "again (docs/connectors/allegro.md)");
		return -EINVAL;
	}
	if (a->status < 200 || a->status > 299) {
		allegro_error_text(err, errlen, a->status, a);
		return -EAGAIN;
	}
	root = connector_answer_json(a, 64 * 1024, jerr, sizeof(jerr));
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(err, errlen, "allegro token answer: %s",
			 root ? "not an object" : jerr);
		return -EAGAIN;
	}
	access = allegro_str(root, "access_token");
	refresh = allegro_str(root, "refresh_token");
	exp = json_object_get(root, "expires_in");
	expires = json_is_integer(exp) ? json_integer_value(exp) : 0;
	if (!allegro_token_ok(access) || expires <= 0 ||
	    expires > 366LL * 24 * 3600 ||
	    (refresh && !allegro_token_ok(refresh))) {
		json_decref(root);
		snprintf(err, errlen,
			 "allegro token answer without a usable access_token "
			 "and expires_in");
		return -EAGAIN;
	}
	as->access_token = strdup(access);
	if (!as->access_token) {
		json_decref(root);
		snprintf(err, errlen, "out of memory");
		return -EAGAIN;
	}
	as->access_expires_us = now_us + (int64_t)expires * 1000000;
	if (refresh && strcmp(refresh, as->refresh_token) != 0) {
		char *copy = strdup(refresh);

		if (copy) {
			allegro_secret_free(&as->refresh_token);
			as->refresh_token = copy;
			if (!as->rotated_told)
				log_warning("allegro: Allegro gave a new "
					    "refresh token; it is used until "
					    "retourd stops, but the "
					    "refresh_token_file still holds "
					    "the old one: update it "
					    "(scripts/allegro-device-flow.py) "
					    "before the old one expires");
			as->rotated_told = true;
		}
	}
	json_decref(root);
	return 0;
}

/* ---- the refund --------------------------------------------------------- */

static const char *allegro_payment_id(const struct connector_message *m,
				      json_t *body)
{
	const char *p = allegro_str(body, "shop_payment_id");

	if ((!p || !p[0]) && m->facts && m->facts->expected)
		p = m->facts->expected->shop_payment_id;
	return p && p[0] ? p : NULL;
}

static int allegro_money(json_t *parent, const char *key, int64_t minor,
			 const char *currency)
{
	char amount[32];
	json_t *v;

	if (connector_amount_text(minor, currency, amount, sizeof(amount)) < 0)
		return -EINVAL;
	v = json_pack("{s:s,s:s}", "amount", amount, "currency", currency);
	if (!v || json_object_set_new(parent, key, v) < 0)
		return -ENOMEM;
	return 0;
}

/* The expected item's unit price, by the line's shop id; -1: unknown. */
static int64_t allegro_unit_price(const struct connector_message *m,
				  const char *line)
{
	const struct expected_return *er = m->facts ? m->facts->expected : NULL;
	int i;

	for (i = 0; er && i < er->n_items && i < RETURN_MAX_ITEMS; i++)
		if (!strcmp(er->items[i].shop_line_id, line))
			return er->items[i].unit_price_minor;
	return -1;
}

struct allegro_line {
	const char *id;
	int64_t quantity;
	int64_t refund;
	bool whole; /* the full price of its units: a QUANTITY line */
};

/*
 * The refund's body.  Lines refunding their units' full price go as
 * QUANTITY, any other as AMOUNT; the delivery goes once, in "delivery".
 * When the lines and delivery do not add up to the amount (a complaint's
 * reduced refund), the lines become AMOUNT lines sharing what is left,
 * each at most its own refund, in order.
 */
static int allegro_refund_body(const struct connector_message *m, json_t *body,
			       json_t **out, char *err, size_t errlen)
{
	struct allegro_line lines[RETURN_MAX_ITEMS];
	json_t *items = json_object_get(body, "items"), *it, *req, *arr;
	const char *currency = allegro_str(body, "currency");
	const char *payment = allegro_payment_id(m, body);
	const char *remedy = allegro_str(body, "remedy");
	json_t *amount_v = json_object_get(body, "amount_minor");
	json_t *delivery_v = json_object_get(body, "delivery_minor");
	int64_t amount, delivery, sum = 0, left;
	char comment[ALLEGRO_COMMENT_MAX + 1];
	const char *rma = allegro_str(body, "rma");
	bool complaint, scaled = false;
	size_t i, n = 0;

	if (!payment) {
		snprintf(err, errlen,
			 "no shop_payment_id: Allegro refunds a payment, "
			 "import the return with the checkout form's "
			 "payment.id");
		return -EINVAL;
	}
	if (!currency ||
	    connector_amount_text(0, currency, comment, sizeof(comment)) < 0) {
		snprintf(err, errlen, "the refund has no valid currency");
		return -EINVAL;
	}
	if (!json_is_integer(amount_v) || json_integer_value(amount_v) <= 0) {
		snprintf(err, errlen,
			 "the refund has no positive amount_minor");
		return -EINVAL;
	}
	amount = json_integer_value(amount_v);
	delivery =
	    json_is_integer(delivery_v) ? json_integer_value(delivery_v) : 0;
	if (delivery < 0 || delivery > amount) {
		snprintf(err, errlen,
			 "the refund's delivery_minor is out of "
			 "range");
		return -EINVAL;
	}
	if (!json_is_array(items)) {
		snprintf(err, errlen, "the refund has no items");
		return -EINVAL;
	}
	json_array_foreach(items, i, it)
	{
		const char *id = allegro_str(it, "shop_line_id");
		json_t *q = json_object_get(it, "quantity");
		json_t *rv = json_object_get(it, "refund_minor");
		int64_t unit;

		if (!json_is_integer(q) || !json_is_integer(rv) ||
		    json_integer_value(q) <= 0 || json_integer_value(rv) < 0 ||
		    json_integer_value(rv) > 1000000000000000LL ||
		    json_integer_value(q) > 1000000) {
			snprintf(err, errlen,
				 "refund item %zu has no valid quantity and "
				 "refund_minor",
				 i);
			return -EINVAL;
		}
		if (json_integer_value(rv) == 0)
			continue;
		if (!id || !id[0]) {
			snprintf(err, errlen,
				 "refund item %zu has no shop_line_id (the "
				 "checkout form's lineItems[].id): import the "
				 "return with it",
				 i);
			return -EINVAL;
		}
		if (n >= RETURN_MAX_ITEMS) {
			snprintf(err, errlen, "the refund has too many items");
			return -EINVAL;
		}
		lines[n].id = id;
		lines[n].quantity = json_integer_value(q);
		lines[n].refund = json_integer_value(rv);
		unit = allegro_unit_price(m, id);
		lines[n].whole = !json_integer_value(
				     json_object_get(it, "deduction_minor")) &&
				 unit > 0 &&
				 unit <= INT64_MAX / lines[n].quantity &&
				 unit * lines[n].quantity == lines[n].refund;
		sum += lines[n].refund;
		n++;
	}
	if (sum + delivery < amount) {
		snprintf(err, errlen,
			 "the refund's lines and delivery (%" PRId64
			 ") are less than its amount (%" PRId64 ")",
			 sum + delivery, amount);
		return -EINVAL;
	}
	if (sum + delivery > amount) {
		/* a reduced refund: share what is left over the lines */
		left = amount - delivery;
		for (i = 0; i < n; i++) {
			int64_t part =
			    lines[i].refund < left ? lines[i].refund : left;

			lines[i].refund = part;
			lines[i].whole = false;
			left -= part;
		}
		scaled = true;
	}
	complaint = (remedy && remedy[0]) ||
		    (m->facts && m->facts->expected &&
		     m->facts->expected->kind == RETURN_COMPLAINT);
	req = json_object();
	arr = json_array();
	if (!req || !arr)
		goto nomem;
	if (json_object_set_new(req, "payment",
				json_pack("{s:s}", "id", payment)) < 0 ||
	    json_object_set_new(
		req, "reason",
		json_string(complaint ? "COMPLAINT" : "REFUND")) < 0)
		goto nomem;
	for (i = 0; i < n; i++) {
		json_t *line;

		if (lines[i].refund == 0)
			continue;
		if (lines[i].whole)
			line = json_pack("{s:s,s:s,s:I}", "id", lines[i].id,
					 "type", "QUANTITY", "quantity",
					 (json_int_t)lines[i].quantity);
		else
			line = json_pack("{s:s,s:s}", "id", lines[i].id, "type",
					 "AMOUNT");
		if (!line || json_array_append_new(arr, line) < 0)
			goto nomem;
		if (!lines[i].whole &&
		    allegro_money(line, "value", lines[i].refund, currency) < 0)
			goto nomem;
	}
	if (json_array_size(arr) > 0) {
		if (json_object_set(req, "lineItems", arr) < 0)
			goto nomem;
	}
	if (delivery > 0) {
		json_t *d = json_object();

		if (!d || json_object_set_new(req, "delivery", d) < 0 ||
		    allegro_money(d, "value", delivery, currency) < 0)
			goto nomem;
	}
	/* The refund key is what a lookup matches: keep it first, whole. */
	snprintf(comment, sizeof(comment), "retour %s%s%.40s", m->refund_key,
		 rma && rma[0] ? " " : "", rma ? rma : "");
	if (json_object_set_new(req, "sellerComment", json_string(comment)) <
	    0) {
		/* an RMA that is not UTF-8 cut mid-character: keep the key */
		snprintf(comment, sizeof(comment), "retour %s", m->refund_key);
		if (json_object_set_new(req, "sellerComment",
					json_string(comment)) < 0)
			goto nomem;
	}
	(void)scaled;
	json_decref(arr);
	*out = req;
	return 0;
nomem:
	json_decref(arr);
	json_decref(req);
	snprintf(err, errlen, "out of memory building the refund");
	return -ENOMEM;
}

static int allegro_build(void *state, const struct connector_message *m,
			 int64_t now_us, struct connector_request *req,
			 char *err, size_t errlen)
{
	const struct allegro_state *as = state;
	json_t *body, *out = NULL;
	json_error_t jerr;
	char *text;
	int r;

	(void)now_us;
	memset(req, 0, sizeof(*req));
	if (!m->action || strcmp(m->action, EVENT_REFUND_REQUESTED) != 0) {
		snprintf(err, errlen,
			 "the allegro connector takes refunds only; route "
			 "events to a webhook ([outbox] events)");
		return -EINVAL;
	}
	if (!m->refund_key || !m->refund_key[0]) {
		snprintf(err, errlen,
			 "the refund has no refund key (no shop in its "
			 "record)");
		return -EINVAL;
	}
	if (!allegro_ready(as, err, errlen))
		return -EINVAL;
	body = m->body ? json_loadb(m->body, m->body_len, 0, &jerr) : NULL;
	if (!json_is_object(body)) {
		json_decref(body);
		snprintf(err, errlen, "the refund's body is not a JSON object");
		return -EINVAL;
	}
	r = allegro_refund_body(m, body, &out, err, errlen);
	json_decref(body);
	if (r < 0)
		return r;
	text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(out);
	if (!text)
		return allegro_nomem(req, err, errlen);
	req->method = CONNECTOR_POST;
	if ((size_t)snprintf(req->url, sizeof(req->url), "%s/payments/refunds",
			     as->api_url) >= sizeof(req->url)) {
		free(text);
		snprintf(err, errlen, "api_url is too long");
		return -EINVAL;
	}
	req->body = text;
	req->body_len = strlen(text);
	if (allegro_headers(as, req, ALLEGRO_MEDIA, true) < 0)
		return allegro_nomem(req, err, errlen);
	return 0;
}

/* The refund id of an answer: its "id", a printable string. */
static bool allegro_refund_id(json_t *refund, char *ref, size_t reflen)
{
	const char *id = allegro_str(refund, "id");

	if (!id || !id[0] || strlen(id) >= ALLEGRO_ID_MAX)
		return false;
	connector_text_sanitize(ref, reflen, id, strlen(id));
	return ref[0] != '\0';
}

static enum connector_result allegro_classify(void *state,
					      const struct connector_message *m,
					      const struct connector_answer *a,
					      char *shop_ref, size_t reflen,
					      char *err, size_t errlen)
{
	struct allegro_state *as = state;
	char jerr[120];
	long status = a->status;
	json_t *root;

	(void)m;
	if (reflen)
		shop_ref[0] = '\0';
	if (errlen)
		err[0] = '\0';
	if (status >= 200 && status <= 299) {
		root = connector_answer_json(a, ALLEGRO_ANSWER_MAX, jerr,
					     sizeof(jerr));
		if (json_is_object(root) &&
		    allegro_refund_id(root, shop_ref, reflen)) {
			json_decref(root);
			return CONNECTOR_DONE;
		}
		json_decref(root);
		/* Made, most likely, but without its id: the lookup before
		 * the next attempt finds it (and its id) or sends it. */
		snprintf(err, errlen,
			 "Allegro answered HTTP %ld without a refund id (%s); "
			 "looking it up before anything is sent again",
			 status, root ? "no id" : jerr);
		return CONNECTOR_RETRY;
	}
	if (status == 401) {
		allegro_secret_free(&as->access_token);
		allegro_error_text(err, errlen, status, a);
		return CONNECTOR_RETRY;
	}
	if (allegro_transient(status)) {
		allegro_error_text(err, errlen, status, a);
		return CONNECTOR_RETRY;
	}
	if (status >= 400 && status <= 499) {
		allegro_error_text(err, errlen, status, a);
		return CONNECTOR_FATAL;
	}
	if (status >= 300 && status <= 399) {
		snprintf(err, errlen,
			 "HTTP %ld: redirects are not followed, configure "
			 "api_url",
			 status);
		return CONNECTOR_FATAL;
	}
	snprintf(err, errlen, "unexpected HTTP status %ld from Allegro",
		 status);
	return CONNECTOR_RETRY;
}

static int64_t allegro_retry_wait(void *state, const struct connector_answer *a,
				  int64_t now_us)
{
	const struct allegro_state *as = state;

	(void)now_us;
	return a && a->status == 429 ? as->throttle_wait_us : 0;
}

/* ---- the lookup --------------------------------------------------------- */

static int allegro_reconcile_build(void *state,
				   const struct connector_message *m,
				   int64_t now_us,
				   struct connector_request *req, char *err,
				   size_t errlen)
{
	const struct allegro_state *as = state;
	const char *payment = NULL;
	json_error_t jerr;
	json_t *body;
	int n;

	(void)now_us;
	memset(req, 0, sizeof(*req));
	if (!m->action || strcmp(m->action, EVENT_REFUND_REQUESTED) != 0 ||
	    !m->refund_key || !m->refund_key[0]) {
		snprintf(err, errlen, "only refunds are looked up");
		return -EINVAL;
	}
	if (!allegro_ready(as, err, errlen))
		return -EINVAL;
	body = m->body ? json_loadb(m->body, m->body_len, 0, &jerr) : NULL;
	payment = allegro_payment_id(m, body);
	if (!payment) {
		json_decref(body);
		snprintf(err, errlen, "no shop_payment_id to look up");
		return -EINVAL;
	}
	req->method = CONNECTOR_GET;
	n = snprintf(req->url, sizeof(req->url),
		     "%s/payments/refunds?limit=%d&payment.id=", as->api_url,
		     ALLEGRO_LOOKUP_LIMIT);
	if (n < 0 || (size_t)n >= sizeof(req->url) ||
	    !allegro_encode(req->url, sizeof(req->url), payment)) {
		json_decref(body);
		req->url[0] = '\0';
		snprintf(err, errlen, "the lookup's URL is too long");
		return -EINVAL;
	}
	json_decref(body);
	if (allegro_headers(as, req, ALLEGRO_MEDIA, false) < 0)
		return allegro_nomem(req, err, errlen);
	return 0;
}

/* A refund that failed or was cancelled at Allegro moved no money. */
static bool allegro_refund_void(const char *status)
{
	return status &&
	       (!strcmp(status, "FAILURE") || !strcmp(status, "CANCELED") ||
		!strcmp(status, "CANCELLED"));
}

static enum connector_found
allegro_reconcile_classify(void *state, const struct connector_message *m,
			   const struct connector_answer *a, char *shop_ref,
			   size_t reflen, char *err, size_t errlen)
{
	struct allegro_state *as = state;
	json_t *root, *refunds, *r, *v;
	char jerr[120];
	size_t i;
	json_int_t total;

	if (reflen)
		shop_ref[0] = '\0';
	if (errlen)
		err[0] = '\0';
	if (a->status == 401)
		allegro_secret_free(&as->access_token);
	if (a->status < 200 || a->status > 299) {
		allegro_error_text(err, errlen, a->status, a);
		return CONNECTOR_UNKNOWN;
	}
	root = connector_answer_json(a, ALLEGRO_ANSWER_MAX, jerr, sizeof(jerr));
	refunds = json_object_get(root, "refunds");
	if (!json_is_array(refunds)) {
		snprintf(err, errlen, "Allegro's refund list: %s",
			 root ? "no refunds array" : jerr);
		json_decref(root);
		return CONNECTOR_UNKNOWN;
	}
	json_array_foreach(refunds, i, r)
	{
		const char *comment = allegro_str(r, "sellerComment");

		if (!comment || !m->refund_key || !m->refund_key[0] ||
		    !strstr(comment, m->refund_key) ||
		    allegro_refund_void(allegro_str(r, "status")))
			continue;
		if (!allegro_refund_id(r, shop_ref, reflen)) {
			snprintf(err, errlen,
				 "Allegro lists this refund without an id");
			json_decref(root);
			return CONNECTOR_UNKNOWN;
		}
		json_decref(root);
		return CONNECTOR_FOUND;
	}
	v = json_object_get(root, "totalCount");
	/* without a count, a full page may have a next one */
	total = json_is_integer(v)	    ? json_integer_value(v)
		: i >= ALLEGRO_LOOKUP_LIMIT ? (json_int_t)i + 1
					    : 0;
	json_decref(root);
	if (total > (json_int_t)i) {
		snprintf(err, errlen,
			 "Allegro lists %" JSON_INTEGER_FORMAT
			 " refunds of this payment, more than one page",
			 total);
		return CONNECTOR_UNKNOWN;
	}
	return CONNECTOR_ABSENT;
}

/* ---- expected returns pulled in ----------------------------------------- */

static int allegro_pull_build(void *state, const char *cursor, int64_t now_us,
			      struct connector_request *req, char *err,
			      size_t errlen)
{
	struct allegro_state *as = state;
	json_t *head = json_array_get(as->queue, 0);
	int n;

	memset(req, 0, sizeof(*req));
	if (!allegro_ready(as, err, errlen))
		return -EAGAIN;
	req->method = CONNECTOR_GET;
	if (head) {
		n = snprintf(req->url, sizeof(req->url),
			     "%s/order/checkout-forms/", as->api_url);
		if (n < 0 || (size_t)n >= sizeof(req->url) ||
		    !allegro_encode(req->url, sizeof(req->url),
				    allegro_str(head, "orderId"))) {
			snprintf(err, errlen, "the order's URL is too long");
			return -EINVAL;
		}
		as->pull_step = ALLEGRO_PULL_DETAIL;
		if (allegro_headers(as, req, ALLEGRO_MEDIA, false) < 0)
			return allegro_nomem(req, err, errlen);
		return 0;
	}
	n = snprintf(req->url, sizeof(req->url),
		     "%s/order/customer-returns?limit=%d&", as->api_url,
		     ALLEGRO_PULL_LIMIT);
	if (n < 0 || (size_t)n >= sizeof(req->url) - 64) {
		snprintf(err, errlen, "api_url is too long");
		return -EINVAL;
	}
	if (cursor && cursor[0]) {
		strcat(req->url, "from=");
		if (!allegro_encode(req->url, sizeof(req->url), cursor)) {
			snprintf(err, errlen, "the cursor is too long");
			return -EINVAL;
		}
	} else {
		time_t since = (time_t)(now_us / 1000000) -
			       (time_t)as->pull_days * 24 * 3600;
		struct tm tm;
		char date[40];

		gmtime_r(&since, &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
		strcat(req->url, "createdAt.gte=");
		allegro_encode(req->url, sizeof(req->url), date);
	}
	as->pull_step = ALLEGRO_PULL_LIST;
	if (allegro_headers(as, req, ALLEGRO_BETA_MEDIA, false) < 0)
		return allegro_nomem(req, err, errlen);
	return 0;
}

/* A printable id of at most @max - 1 bytes. */
static bool allegro_id_ok(const char *id, size_t max)
{
	return id && allegro_token_ok(id) && strlen(id) < max;
}

/* The list's returns worth a detail request go to the queue. */
static int allegro_pull_list(struct allegro_state *as, const char *cursor,
			     json_t *root, char *next, size_t nextlen,
			     bool *more, char *err, size_t errlen)
{
	json_t *list = json_object_get(root, "customerReturns"), *r;
	const char *last = NULL;
	size_t i;

	if (!json_is_array(list)) {
		snprintf(err, errlen, "Allegro's returns: no customerReturns");
		return -EINVAL;
	}
	json_decref(as->queue);
	as->queue = json_array();
	if (!as->queue) {
		snprintf(err, errlen, "out of memory");
		return -EAGAIN;
	}
	json_array_foreach(list, i, r)
	{
		const char *id = allegro_str(r, "id");

		if (!allegro_id_ok(id, 64))
			continue;
		/* the cursor moves past every return, mapped or not */
		last = id;
		if (!allegro_id_ok(allegro_str(r, "orderId"), 64) ||
		    !json_is_array(json_object_get(r, "items")) ||
		    json_array_size(as->queue) >= ALLEGRO_QUEUE_MAX)
			continue;
		if (json_array_append(as->queue, r) < 0) {
			snprintf(err, errlen, "out of memory");
			return -EAGAIN;
		}
	}
	snprintf(as->queue_cursor, sizeof(as->queue_cursor), "%s",
		 last	  ? last
		 : cursor ? cursor
			  : "");
	as->queue_more = json_array_size(list) >= ALLEGRO_PULL_LIMIT && last;
	/* the cursor stays until every queued return is out */
	if (json_array_size(as->queue) > 0) {
		snprintf(next, nextlen, "%s", cursor ? cursor : "");
		*more = true;
	} else {
		snprintf(next, nextlen, "%s", as->queue_cursor);
		*more = as->queue_more;
	}
	return 0;
}

/* The minor units of a {amount, currency} price in @currency, -1: none. */
static int64_t allegro_price(json_t *price, const char *currency)
{
	const char *amount = allegro_str(price, "amount");
	const char *cur = allegro_str(price, "currency");
	int64_t minor;

	if (!amount || !cur || strcmp(cur, currency) != 0 ||
	    connector_amount_parse(amount, currency, &minor) < 0 || minor < 0)
		return -1;
	return minor;
}

/* The seller's SKU of a checkout-form line, else the offer id. */
static const char *allegro_line_sku(json_t *line, char *buf, size_t len)
{
	json_t *offer = json_object_get(line, "offer");
	const char *ext = allegro_str(json_object_get(offer, "external"), "id");
	const char *oid = allegro_str(offer, "id");

	if (allegro_id_ok(ext, 48))
		return ext;
	if (!allegro_id_ok(oid, 40))
		return NULL;
	snprintf(buf, len, "offer-%s", oid);
	return buf;
}

/*
 * One return and its checkout form as an expected return, or NULL when
 * they cannot make a whole one.
 */
static json_t *allegro_map_return(json_t *ret, json_t *form)
{
	json_t *out = NULL, *items = NULL, *lines = NULL, *codes = NULL;
	json_t *it, *line, *lineitems = json_object_get(form, "lineItems");
	const char *pay = allegro_str(json_object_get(form, "payment"), "id");
	const char *rma = allegro_str(ret, "referenceNumber");
	const char *currency = NULL, *created = allegro_str(ret, "createdAt");
	json_t *cost =
	    json_object_get(json_object_get(form, "delivery"), "cost");
	char skubuf[64];
	size_t i, j;
	int64_t dcost;

	if (!allegro_id_ok(rma, 48))
		rma = allegro_str(ret, "id");
	if (!allegro_id_ok(pay, 64) || !json_is_array(lineitems) ||
	    !allegro_id_ok(rma, 48))
		return NULL;
	currency = allegro_str(
	    json_object_get(json_object_get(form, "summary"), "totalToPay"),
	    "currency");
	if (!currency)
		currency = allegro_str(
		    json_object_get(json_array_get(lineitems, 0), "price"),
		    "currency");
	if (!currency ||
	    connector_amount_text(0, currency, skubuf, sizeof(skubuf)) < 0)
		return NULL;
	items = json_array();
	lines = json_array();
	codes = json_array();
	out = json_object();
	if (!items || !lines || !codes || !out)
		goto bad;
	json_array_foreach(lineitems, j, line)
	{
		const char *sku =
		    allegro_line_sku(line, skubuf, sizeof(skubuf));
		json_t *q = json_object_get(line, "quantity");

		if (!sku || !json_is_integer(q) || json_integer_value(q) < 1 ||
		    json_array_size(lines) >= 32 ||
		    json_array_append_new(
			lines, json_pack("{s:s,s:I}", "sku", sku, "quantity",
					 json_integer_value(q))) < 0)
			goto bad;
	}
	json_array_foreach(json_object_get(ret, "items"), i, it)
	{
		const char *offer = allegro_str(it, "offerId");
		json_t *q = json_object_get(it, "quantity"), *match = NULL;
		const char *sku, *name, *lid;
		int64_t price;

		json_array_foreach(lineitems, j, line)
		{
			const char *oid =
			    allegro_str(json_object_get(line, "offer"), "id");

			if (offer && oid && !strcmp(offer, oid)) {
				match = line;
				break;
			}
		}
		if (!match || !json_is_integer(q) ||
		    json_integer_value(q) < 1 || json_integer_value(q) > 999 ||
		    json_array_size(items) >= RETURN_MAX_ITEMS)
			goto bad;
		sku = allegro_line_sku(match, skubuf, sizeof(skubuf));
		lid = allegro_str(match, "id");
		price =
		    allegro_price(json_object_get(match, "price"), currency);
		name = allegro_str(json_object_get(match, "offer"), "name");
		if (!sku || !allegro_id_ok(lid, 64) || price < 0)
			goto bad;
		json_t *item =
		    json_pack("{s:s,s:I,s:I,s:s}", "sku", sku, "quantity",
			      json_integer_value(q), "unit_price_minor",
			      (json_int_t)price, "shop_line_id", lid);
		if (!item || json_array_append_new(items, item) < 0)
			goto bad;
		if (name && strlen(name) < 120)
			json_object_set_new(item, "name", json_string(name));
	}
	if (json_array_size(items) == 0)
		goto bad;
	json_array_foreach(json_object_get(ret, "parcels"), i, it)
	{
		const char *wb = allegro_str(it, "waybill");

		if (allegro_id_ok(wb, 48) && json_array_size(codes) < 4)
			json_array_append_new(codes, json_string(wb));
	}
	if (json_object_set_new(out, "rma", json_string(rma)) < 0 ||
	    json_object_set_new(out, "order",
				json_string(allegro_str(ret, "orderId"))) < 0 ||
	    json_object_set_new(out, "kind", json_string("withdrawal")) < 0 ||
	    json_object_set_new(out, "shop_order_id",
				json_string(allegro_str(ret, "orderId"))) < 0 ||
	    json_object_set_new(out, "shop_payment_id", json_string(pay)) < 0 ||
	    json_object_set_new(out, "currency", json_string(currency)) < 0 ||
	    json_object_set(out, "lookup_codes", codes) < 0 ||
	    json_object_set(out, "items", items) < 0 ||
	    json_object_set(out, "order_lines", lines) < 0)
		goto bad;
	if (created && strlen(created) < 40 &&
	    json_object_set_new(out, "requested_at", json_string(created)) < 0)
		goto bad;
	dcost = allegro_price(cost, currency);
	if (dcost >= 0 && (json_object_set_new(out, "delivery_basic_minor",
					       json_integer(dcost)) < 0 ||
			   json_object_set_new(out, "delivery_paid_minor",
					       json_integer(dcost)) < 0))
		goto bad;
	json_decref(items);
	json_decref(lines);
	json_decref(codes);
	return out;
bad:
	json_decref(items);
	json_decref(lines);
	json_decref(codes);
	json_decref(out);
	return NULL;
}

static int allegro_pull_parse(void *state, const char *cursor,
			      const struct connector_answer *a, int64_t now_us,
			      json_t *returns, char *next, size_t nextlen,
			      bool *more, char *err, size_t errlen)
{
	struct allegro_state *as = state;
	json_t *root, *head, *mapped;
	char jerr[120];
	int r = 0;

	(void)now_us;
	*more = false;
	snprintf(next, nextlen, "%s", cursor ? cursor : "");
	if (a->status == 401)
		allegro_secret_free(&as->access_token);
	if (as->pull_step == ALLEGRO_PULL_DETAIL && a->status == 404 &&
	    json_array_size(as->queue) > 0) {
		/* the order is gone: that return cannot be made whole */
		json_array_remove(as->queue, 0);
		goto advance;
	}
	if (a->status < 200 || a->status > 299) {
		allegro_error_text(err, errlen, a->status, a);
		return allegro_transient(a->status) || a->status == 401
			   ? -EAGAIN
			   : -EINVAL;
	}
	root = connector_answer_json(a, ALLEGRO_ANSWER_MAX, jerr, sizeof(jerr));
	if (!json_is_object(root)) {
		snprintf(err, errlen, "Allegro's answer: %s",
			 root ? "not an object" : jerr);
		json_decref(root);
		return -EINVAL;
	}
	if (as->pull_step == ALLEGRO_PULL_LIST) {
		r = allegro_pull_list(as, cursor, root, next, nextlen, more,
				      err, errlen);
		json_decref(root);
		return r;
	}
	head = json_array_get(as->queue, 0);
	if (!head) {
		json_decref(root);
		return 0;
	}
	mapped = allegro_map_return(head, root);
	json_decref(root);
	if (mapped && json_array_append_new(returns, mapped) < 0) {
		snprintf(err, errlen, "out of memory");
		return -EAGAIN;
	}
	json_array_remove(as->queue, 0);
advance:
	if (json_array_size(as->queue) > 0) {
		*more = true;
		return 0;
	}
	snprintf(next, nextlen, "%s", as->queue_cursor);
	*more = as->queue_more;
	as->pull_step = ALLEGRO_PULL_LIST;
	return 0;
}

const struct connector connector_allegro = {
    .name = "allegro",
    .init = allegro_init,
    .free = allegro_free,
    .configure = allegro_configure,
    .check = allegro_check,
    .prepare = allegro_prepare,
    .prepared = allegro_prepared,
    .build = allegro_build,
    .classify = allegro_classify,
    .reconcile_build = allegro_reconcile_build,
    .reconcile_classify = allegro_reconcile_classify,
    .reconcile_first = true,
    .retry_wait = allegro_retry_wait,
    .pull_build = allegro_pull_build,
    .pull_parse = allegro_pull_parse,
};
