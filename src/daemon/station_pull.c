/* SPDX-License-Identifier: MIT */
/*
 * Expected returns pulled from the shops, the station's half: start the
 * puller (src/net/pull.c) with every [connector NAME] that has
 * pull_every_s, take each page it brings on the loop, import it through
 * the push path's parser and store (expected_json_parse, then
 * store_expected_put: the same return again replaces the first by its RMA,
 * or by its order when it has none, and one already at the desk is kept as
 * it is), then keep the cursor, and only then tell the puller to go on.
 *
 * A page is imported a few returns at a time from an idle-priority defer
 * source, so the desk's input always comes first.  A return that fails
 * the import's checks is logged with its reason and left out (each return
 * is stored in its own transaction: never half of one); a store that
 * cannot write stops the page, the cursor stays, and the same page comes
 * again at the next poll.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "retour/civil_time.h"
#include "retour/clock.h"
#include "retour/expected_json.h"
#include "retour/log.h"
#include "retour/pull.h"

#include "station_internal.h"

/* Returns stored per turn of the loop. */
#define STATION_PULL_SLICE 4

struct station_pull_source {
	char name[PULL_NAME_LEN];
	int64_t imported;		   /* the store's count */
	int64_t last_poll_at;		   /* the store's, until a poll here */
	int64_t last_ok_at;		   /* the store's, until a poll here */
	char stored_error[PULL_ERROR_LEN]; /* the store's last_error */
};

struct station_pull {
	struct puller *puller;
	sd_event_source *notify;
	sd_event_source *work; /* defer: the page in hand */
	struct station_pull_source src[PULL_MAX_SOURCES];
	int n;

	/* the page being imported */
	bool busy;
	struct pull_batch batch;
	size_t next;
	int64_t new_count, updated, kept, skipped;
	struct expected_return *er;
};

/* Keep a poll's failure in the store when it is a new one (once per
 * outage, not per poll). */
static void station_pull_errors(struct station *st)
{
	struct station_pull *sp = st->pull;
	struct pull_status ps;

	for (int i = 0; i < sp->n; i++) {
		struct station_pull_source *s = &sp->src[i];

		if (pull_status(sp->puller, i, &ps) < 0 || !ps.last_error[0] ||
		    !strcmp(ps.last_error, s->stored_error))
			continue;
		if (store_pull_failed(st->store, s->name, ps.last_error,
				      ps.last_poll_at) < 0) {
			log_error("pull: [connector %s]: its error not kept: "
				  "%s",
				  s->name, store_errmsg(st->store));
			continue;
		}
		snprintf(s->stored_error, sizeof(s->stored_error), "%s",
			 ps.last_error);
	}
}

static void station_pull_finish(struct station *st, int r, const char *why)
{
	struct station_pull *sp = st->pull;
	struct station_pull_source *s = &sp->src[sp->batch.source];
	char err[PULL_ERROR_LEN] = "";

	if (r == 0) {
		r = store_pull_saved(st->store, s->name, sp->batch.cursor,
				     sp->new_count, sp->batch.polled_at);
		if (r < 0)
			why = store_errmsg(st->store);
	}
	if (r == 0) {
		s->imported += sp->new_count;
		s->stored_error[0] = '\0';
		if (sp->new_count || sp->updated || sp->kept || sp->skipped)
			log_info("pull: [connector %s]: %lld new expected "
				 "returns, %lld updated, %lld kept as the desk "
				 "has them, %lld left out",
				 s->name, (long long)sp->new_count,
				 (long long)sp->updated, (long long)sp->kept,
				 (long long)sp->skipped);
	} else {
		snprintf(err, sizeof(err), "%s", why ? why : strerror(-r));
		log_error("pull: [connector %s]: a page not imported, it "
			  "comes again at the next poll: %s",
			  s->name, err);
	}
	pull_done(sp->puller, &sp->batch, r, err);
	sp->busy = false;
	station_changed(st); /* the status's "pull" */
}

/* Take the next page the puller has, if any, and start on it. */
static void station_pull_next(struct station *st)
{
	struct station_pull *sp = st->pull;

	if (sp->busy || pull_take(sp->puller, &sp->batch) < 0)
		return;
	sp->busy = true;
	sp->next = 0;
	sp->new_count = sp->updated = sp->kept = sp->skipped = 0;
	sd_event_source_set_enabled(sp->work, SD_EVENT_ON);
}

/* One pulled return: checked as an import's, stored, counted.  0, or a
 * store failure (-errno). */
static int station_pull_one(struct station *st, json_t *obj, size_t i)
{
	struct station_pull *sp = st->pull;
	struct expected_return *er = sp->er;
	const char *name = sp->src[sp->batch.source].name;
	char err[200], path[32];
	int known, r;

	snprintf(path, sizeof(path), "returns[%zu]", i);
	if (expected_json_parse(obj, &st->cfg->policy, path, er, err,
				sizeof(err)) < 0) {
		json_t *id = json_object_get(obj, "rma");

		if (!json_is_string(id))
			id = json_object_get(obj, "order");
		log_warning(
		    "pull: [connector %s]: return %.48s left out: %s", name,
		    json_is_string(id) ? json_string_value(id) : "?", err);
		sp->skipped++;
		return 0;
	}
	known = store_expected_known(st->store, er);
	if (known < 0)
		return known;
	r = store_expected_put(st->store, er, "pull", clock_now_us());
	if (r == -EINVAL) {
		log_warning("pull: [connector %s]: return %.48s left out: %s",
			    name, er->rma[0] ? er->rma : er->order_ref,
			    store_errmsg(st->store));
		sp->skipped++;
		return 0;
	}
	if (r < 0)
		return r;
	if (r == STORE_EXPECTED_KEPT)
		sp->kept++;
	else if (known)
		sp->updated++;
	else
		sp->new_count++;
	return 0;
}

static int station_pull_on_work(sd_event_source *es, void *userdata)
{
	struct station *st = userdata;
	struct station_pull *sp = st->pull;
	size_t n = json_array_size(sp->batch.returns);
	int r = 0;

	if (!sp->busy) {
		sd_event_source_set_enabled(es, SD_EVENT_OFF);
		return 0;
	}
	for (int k = 0; k < STATION_PULL_SLICE && sp->next < n && r == 0; k++) {
		r = station_pull_one(
		    st, json_array_get(sp->batch.returns, sp->next), sp->next);
		if (r == 0)
			sp->next++;
	}
	if (r < 0)
		station_pull_finish(st, r, store_errmsg(st->store));
	else if (sp->next >= n)
		station_pull_finish(st, 0, NULL);
	if (!sp->busy) {
		sd_event_source_set_enabled(es, SD_EVENT_OFF);
		station_pull_next(st);
	}
	return 0;
}

static int station_pull_on_notify(sd_event_source *es, int fd, uint32_t revents,
				  void *userdata)
{
	struct station *st = userdata;
	uint64_t v;

	(void)es;
	(void)revents;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return 0;
	station_pull_errors(st);
	station_pull_next(st);
	station_changed(st); /* a poll began, failed or brought a page */
	return 0;
}

int station_pull_start(struct station *st, char *err, size_t errlen)
{
	const struct config *cfg = st->cfg;
	struct pull_source_config psc[PULL_MAX_SOURCES] = {{0}};
	struct outbox_connector_config occ;
	struct store_pull_state saved[PULL_MAX_SOURCES];
	struct station_connector *sc;
	struct pull_config pc = {
	    .sources = psc,
	    .timeout_ms = cfg->outbox_timeout_ms,
	    .ca_file = cfg->outbox_ca_file[0] ? cfg->outbox_ca_file : NULL,
	    .secrets = st->secrets,
	};
	struct station_pull *sp;
	int n = 0, r = 0;

	for (int i = 0; i < cfg->n_connectors; i++)
		if (cfg->connectors[i].pull_every_s > 0)
			n++;
	if (!n)
		return 0;
	if (n > PULL_MAX_SOURCES)
		n = PULL_MAX_SOURCES;
	sc = calloc((size_t)n, sizeof(*sc));
	sp = calloc(1, sizeof(*sp));
	if (sp)
		sp->er = malloc(sizeof(*sp->er));
	if (!sc || !sp || !sp->er) {
		free(sc);
		if (sp)
			free(sp->er);
		free(sp);
		snprintf(err, errlen, "pull: out of memory");
		return -ENOMEM;
	}
	st->pull = sp;
	for (int i = 0; i < cfg->n_connectors && r == 0 && pc.n_sources < n;
	     i++) {
		const struct config_connector *cc = &cfg->connectors[i];
		int k = pc.n_sources;

		if (cc->pull_every_s <= 0)
			continue;
		r = station_connector_load(cfg, cc, &sc[k], &occ, err, errlen);
		if (r < 0)
			break;
		r = store_pull_get(st->store, cc->name, &saved[k]);
		if (r < 0 && r != -ENOENT) {
			snprintf(err, errlen,
				 "pull: [connector %s]: its cursor not read: "
				 "%s",
				 cc->name, store_errmsg(st->store));
			break;
		}
		r = 0;
		psc[k].name = cc->name;
		psc[k].shop = cc->shop;
		psc[k].type = cc->type;
		psc[k].settings = occ.settings;
		psc[k].n_settings = occ.n_settings;
		psc[k].every_s = cc->pull_every_s;
		psc[k].cursor = saved[k].cursor;
		psc[k].last_poll_at = saved[k].last_poll_at;
		snprintf(sp->src[k].name, sizeof(sp->src[k].name), "%s",
			 cc->name);
		sp->src[k].imported = saved[k].imported;
		sp->src[k].last_poll_at = saved[k].last_poll_at;
		sp->src[k].last_ok_at = saved[k].last_ok_at;
		snprintf(sp->src[k].stored_error,
			 sizeof(sp->src[k].stored_error), "%s",
			 saved[k].last_error);
		pc.n_sources++;
	}
	sp->n = pc.n_sources;
	if (r == 0)
		r = pull_start(&pc, &sp->puller, err, errlen);
	explicit_bzero(sc, (size_t)n * sizeof(*sc));
	free(sc);
	if (r < 0)
		return r;
	r = sd_event_add_defer(st->ev, &sp->work, station_pull_on_work, st);
	if (r >= 0)
		r = sd_event_source_set_priority(sp->work,
						 SD_EVENT_PRIORITY_IDLE);
	if (r >= 0)
		r = sd_event_source_set_enabled(sp->work, SD_EVENT_OFF);
	if (r >= 0)
		r = sd_event_add_io(st->ev, &sp->notify,
				    pull_notify_fd(sp->puller), EPOLLIN,
				    station_pull_on_notify, st);
	if (r < 0) {
		snprintf(err, errlen, "pull: cannot watch the puller: %s",
			 strerror(-r));
		return r;
	}
	for (int i = 0; i < sp->n; i++)
		log_info("pull: [connector %s] polls every %d s",
			 sp->src[i].name, psc[i].every_s);
	return 0;
}

void station_pull_stop(struct station *st)
{
	struct station_pull *sp = st ? st->pull : NULL;

	if (!sp)
		return;
	sd_event_source_unref(sp->notify);
	sd_event_source_unref(sp->work);
	if (sp->busy) /* the page comes again after the restart */
		pull_done(sp->puller, &sp->batch, -ECANCELED, "stopping");
	pull_stop(sp->puller);
	free(sp->er);
	free(sp);
	st->pull = NULL;
}

static json_t *station_pull_time(int64_t us)
{
	char when[CIVIL_TIME_RFC3339_LEN];

	if (us <= 0 || civil_time_format_rfc3339(us, when, sizeof(when)) < 0)
		return json_null();
	return json_string(when);
}

json_t *station_pull_status(struct station *st)
{
	struct station_pull *sp = st->pull;
	json_t *a = json_array();
	struct pull_status ps;

	for (int i = 0; sp && i < sp->n; i++) {
		const struct station_pull_source *s = &sp->src[i];
		json_t *o;

		if (pull_status(sp->puller, i, &ps) < 0)
			continue;
		o = json_object();
		json_object_set_new(o, "connector", json_string(s->name));
		json_object_set_new(o, "shop", json_string(ps.shop));
		json_object_set_new(o, "every_s", json_integer(ps.every_s));
		json_object_set_new(o, "last_poll",
				    station_pull_time(ps.last_poll_at
							  ? ps.last_poll_at
							  : s->last_poll_at));
		json_object_set_new(o, "last_success",
				    station_pull_time(ps.last_ok_at
							  ? ps.last_ok_at
							  : s->last_ok_at));
		json_object_set_new(
		    o, "last_error",
		    ps.polls
			? (ps.last_error[0] ? json_string(ps.last_error)
					    : json_null())
			: (s->stored_error[0] ? json_string(s->stored_error)
					      : json_null()));
		json_object_set_new(o, "failures", json_integer(ps.failures));
		json_object_set_new(o, "polling", json_boolean(ps.polling));
		json_object_set_new(o, "polls",
				    json_integer((json_int_t)ps.polls));
		json_object_set_new(o, "imported", json_integer(s->imported));
		json_object_set_new(o, "next_poll",
				    station_pull_time(ps.next_poll_at));
		json_array_append_new(a, o);
	}
	return a;
}

int station_pull_now(struct station *st, const char *name, char *err,
		     size_t errlen)
{
	if (!st->pull || pull_now(st->pull->puller, name) < 0) {
		if (name)
			snprintf(err, errlen,
				 "no [connector %.64s] pulls expected returns",
				 name);
		else
			snprintf(err, errlen,
				 "no connector pulls expected returns (set "
				 "pull_every_s in a [connector NAME] section)");
		return -ENOENT;
	}
	station_changed(st); /* "polling" until the poll is done */
	return 0;
}
