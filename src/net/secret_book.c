/* SPDX-License-Identifier: MIT */
/*
 * The newest values of the secrets shops rotate, shared between the
 * threads that talk to them (include/retour/secret_book.h).  A handful of
 * entries at most: a list under one lock.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "retour/secret_book.h"

#define SECRET_BOOK_MAX 16

struct secret_entry {
	char *section;
	char *key;
	char *value;
	uint64_t count; /* the book's count when it was recorded */
};

struct secret_book {
	pthread_mutex_t lock;
	secret_keep_fn keep;
	void *ud;
	uint64_t count;
	int n;
	struct secret_entry e[SECRET_BOOK_MAX];
};

struct secret_book *secret_book_new(secret_keep_fn keep, void *ud)
{
	struct secret_book *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	pthread_mutex_init(&b->lock, NULL);
	b->keep = keep;
	b->ud = ud;
	return b;
}

static void secret_entry_clear(struct secret_entry *e)
{
	free(e->section);
	free(e->key);
	if (e->value) {
		explicit_bzero(e->value, strlen(e->value));
		free(e->value);
	}
	memset(e, 0, sizeof(*e));
}

void secret_book_free(struct secret_book *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->n; i++)
		secret_entry_clear(&b->e[i]);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

void secret_book_refresh(struct secret_book *b, const char *section,
			 struct connector_instance *ci, uint64_t *seen)
{
	uint64_t newest = *seen;

	if (!b || !ci->ops || !ci->ops->secret_update)
		return;
	pthread_mutex_lock(&b->lock);
	for (int i = 0; i < b->n; i++) {
		struct secret_entry *e = &b->e[i];

		if (e->count <= *seen || strcmp(e->section, section))
			continue;
		(void)ci->ops->secret_update(ci->state, e->key, e->value);
		if (e->count > newest)
			newest = e->count;
	}
	pthread_mutex_unlock(&b->lock);
	*seen = newest;
}

void secret_book_collect(struct secret_book *b, const char *section,
			 struct connector_instance *ci, uint64_t *seen)
{
	const char *key = NULL, *value = NULL;
	struct secret_entry *e = NULL;
	char *v;

	if (!b || !ci->ops || !ci->ops->secret_rotated ||
	    ci->ops->secret_rotated(ci->state, &key, &value) != 1 || !key ||
	    !value)
		return;
	v = strdup(value);
	if (!v)
		return; /* kept in the instance; the next rotation tries again
			 */
	pthread_mutex_lock(&b->lock);
	for (int i = 0; i < b->n && !e; i++)
		if (!strcmp(b->e[i].section, section) &&
		    !strcmp(b->e[i].key, key))
			e = &b->e[i];
	if (!e && b->n < SECRET_BOOK_MAX) {
		e = &b->e[b->n];
		e->section = strdup(section);
		e->key = strdup(key);
		if (e->section && e->key)
			b->n++;
		else {
			secret_entry_clear(e);
			e = NULL;
		}
	}
	if (e) {
		if (e->value) {
			explicit_bzero(e->value, strlen(e->value));
			free(e->value);
		}
		e->value = v;
		v = NULL;
		e->count = ++b->count;
		/* this instance has it already */
		if (*seen == e->count - 1)
			*seen = e->count;
		if (b->keep)
			b->keep(b->ud, section, key, e->value);
	}
	pthread_mutex_unlock(&b->lock);
	free(v);
}
