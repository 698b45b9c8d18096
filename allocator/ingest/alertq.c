/*
 * alertq: a locked list of (id, document) pairs. A later document for the
 * same id replaces the earlier one: only the last state of an alert matters
 * to a retained topic.
 */
#include "alertq.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct item {
	char *id, *json;
};

struct alertq {
	pthread_mutex_t lock;
	struct item *v;
	size_t n, cap;
};

struct alertq *alertq_new(void)
{
	struct alertq *q = xcalloc(1, sizeof *q);
	pthread_mutex_init(&q->lock, NULL);
	return q;
}

static void items_free(struct item *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].json);
	}
	free(v);
}

void alertq_free(struct alertq *q)
{
	if (!q)
		return;
	items_free(q->v, q->n);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

/* Appends (or replaces) one item; lock held. */
static void put(struct alertq *q, char *id, char *json)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->v[i].id, id) == 0) {
			free(q->v[i].json);
			free(id);
			q->v[i].json = json;
			return;
		}
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 16;
		q->v = xrealloc(q->v, q->cap * sizeof *q->v);
	}
	q->v[q->n].id = id;
	q->v[q->n++].json = json;
}

void alertq_push(struct alertq *q, const char *id, const char *json)
{
	pthread_mutex_lock(&q->lock);
	put(q, xstrdup(id), json ? xstrdup(json) : NULL);
	pthread_mutex_unlock(&q->lock);
}

void alertq_drain(struct alertq *q, int (*fn)(void *ctx, const char *id, const char *json),
                  void *ctx)
{
	struct item *v;
	size_t n, i;
	pthread_mutex_lock(&q->lock);
	v = q->v;
	n = q->n;
	q->v = NULL;
	q->n = q->cap = 0;
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < n; i++) {
		if (fn(ctx, v[i].id, v[i].json) == 0)
			continue;
		/* keep the rest in order, unless a newer state arrived meanwhile */
		pthread_mutex_lock(&q->lock);
		for (; i < n; i++) {
			int newer = 0;
			for (size_t k = 0; k < q->n; k++)
				newer |= strcmp(q->v[k].id, v[i].id) == 0;
			if (newer) {
				free(v[i].id);
				free(v[i].json);
			} else
				put(q, v[i].id, v[i].json);
		}
		pthread_mutex_unlock(&q->lock);
		free(v);
		return;
	}
	items_free(v, n);
}

void alertq_publish_cb(void *ctx, const char *id, const char *json)
{
	alertq_push(ctx, id, json);
}
