/*
 * ingest: the queue between the MQTT callback and the database. A message is
 * only "done" once its batch has committed; it must never reach the readings
 * table unvalidated, and nothing is acknowledged before the commit.
 */
#include "fleet.h"
#include "ingest.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acks.h"
#include "config.h"
#include "log.h"
#include "rollup.h"
#include "util.h"

/* Rejected payloads are kept up to this size (a reading is well under 1 KiB). */
#define REJECT_KEEP_MAX 65536

enum entry_type { E_READING, E_REJECT, E_STATUS };

struct entry {
	enum entry_type type;
	struct reading r;        /* E_READING */
	int stored;              /* E_READING: 1 stored, 0 a duplicate (put_readings) */
	char gw[READING_ID_MAX]; /* E_REJECT (may be ""), E_STATUS */
	int64_t seq;             /* E_REJECT: 0 when unknown */
	int64_t received_ms;     /* E_REJECT */
	char *topic, *payload;   /* E_REJECT: owned copies */
	size_t len;
	char reason[192];
	/* E_STATUS: the fields present (-1 when absent) */
	char state[16];
	char version[64];
	int has_version;
	int64_t backlog, dropped, spool_min_seq;
};

struct ingest {
	struct ingest_conf conf;
	struct rollup *rollup;
	struct acks *acks;
	int acks_stale;  /* the last flush failed: reload the ack state before the next */
	int transient;   /* the last failure is worth retrying at once (busy, deadlock) */
	struct entry *q; /* pending: filled by ingest_message */
	size_t n, cap;
	struct entry *b; /* taken: being committed (kept while commits fail) */
	size_t bn, bcap;
	struct log_rate reject_rate;
	struct ingest_stats stats;
};

/* Adapts the device lookup to the roll-up's capacity callback. */
static int64_t capacity(void *ctx, const char *station, const char *device)
{
	struct ingest *in = ctx;
	enum reading_kind kind;
	int64_t cap = 0;
	if (!in->conf.device ||
	    in->conf.device(in->conf.device_ctx, station, device, &kind, &cap) < 0)
		return 0;
	return cap;
}

struct ingest *ingest_new(const struct ingest_conf *conf, char **cause)
{
	struct ingest *in = xcalloc(1, sizeof *in);
	struct rollup_conf rc = {0};
	in->conf = *conf;
	if (in->conf.batch_rows <= 0)
		in->conf.batch_rows = 1000;
	if (in->conf.expected_interval_s <= 0)
		in->conf.expected_interval_s = 60;
	rc.expected_interval_s = in->conf.expected_interval_s;
	rc.capacity = capacity;
	rc.capacity_ctx = in;
	in->rollup = rollup_new(conf->store, &rc);
	in->acks = acks_new();
	/* shared: each batch reloads its gateways under their locks (lock_batch) */
	if (!in->conf.shared && acks_load(in->acks, conf->store) < 0) {
		*cause = xstrdup(store_error(conf->store));
		ingest_free(in);
		return NULL;
	}
	return in;
}

/* Frees the copies an entry owns. */
static void entry_release(struct entry *e)
{
	free(e->topic);
	free(e->payload);
	e->topic = e->payload = NULL;
}

void ingest_free(struct ingest *in)
{
	size_t i;
	if (!in)
		return;
	for (i = 0; i < in->n; i++)
		entry_release(&in->q[i]);
	for (i = 0; i < in->bn; i++)
		entry_release(&in->b[i]);
	free(in->q);
	free(in->b);
	rollup_free(in->rollup);
	acks_free(in->acks);
	free(in);
}

int ingest_fleet_device(void *ctx, const char *station, const char *device, enum reading_kind *kind,
                        int64_t *capacity_w)
{
	const struct fleet *f = ctx;
	const struct fleet_device *d = fleet_device_find(f, station, device);
	int si;
	if (!d)
		return -1;
	*kind = d->kind;
	*capacity_w = d->capacity_w;
	/* a meter (or an inverter without a nameplate) is bounded by its station */
	if (*capacity_w <= 0 && (si = fleet_station_index(f, station)) >= 0)
		*capacity_w = f->stations[si].capacity_w;
	return 0;
}

/* Copies the gateway level of a pvmon/v1/<gw>/... topic into gw ("" if not a valid id). */
static void topic_gw(const char *topic, char *gw)
{
	const char *p, *end;
	gw[0] = '\0';
	if (strncmp(topic, "pvmon/v1/", 9) != 0)
		return;
	p = topic + 9;
	end = strchr(p, '/');
	if (!end || end == p || (size_t)(end - p) >= READING_ID_MAX)
		return;
	memcpy(gw, p, (size_t)(end - p));
	gw[end - p] = '\0';
	if (!util_id_valid(gw))
		gw[0] = '\0';
}

/* The integer "seq" of a payload that may be invalid otherwise; 0 when there is none. */
static int64_t payload_seq(const void *payload, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(payload, len);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "seq");
	int64_t seq = 0;
	if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= 9007199254740991.0 &&
	    v->valuedouble == (double)(int64_t)v->valuedouble)
		seq = (int64_t)v->valuedouble;
	cJSON_Delete(o);
	return seq;
}

int ingest_check(struct ingest *in, const char *topic, const void *payload, size_t len,
                 int64_t now_ms, struct reading *out, char *reason, size_t rs)
{
	char gw[READING_ID_MAX], st[READING_ID_MAX], dev[READING_ID_MAX];
	enum reading_kind kind;
	int64_t cap;

	if (reading_topic_parse(topic, gw, st, dev) < 0) {
		snprintf(reason, rs,
		         "topic: expected pvmon/v1/<gw>/<station>/<device>/reading "
		         "with ids of [A-Za-z0-9_.-]");
		return -1;
	}
	if (reading_from_json(payload, len, now_ms, out, reason, rs) < 0)
		return -1;
	if (strcmp(out->gw, gw) != 0 || strcmp(out->station, st) != 0 ||
	    strcmp(out->device, dev) != 0) {
		snprintf(reason, rs, "ids: payload says %s/%s/%s, topic says %s/%s/%s", out->gw,
		         out->station, out->device, gw, st, dev);
		return -1;
	}
	if (!in->conf.device ||
	    in->conf.device(in->conf.device_ctx, out->station, out->device, &kind, &cap) < 0) {
		snprintf(reason, rs, "device: \"%s/%s\" is not in the fleet", out->station,
		         out->device);
		return -1;
	}
	if (kind != out->kind) {
		snprintf(reason, rs, "\"kind\": \"%s\" but the fleet says %s/%s is a %s",
		         reading_kind_name(out->kind), out->station, out->device,
		         reading_kind_name(kind));
		return -1;
	}
	return 0;
}

/* Appends an entry to the queue and returns it zeroed. */
static struct entry *push(struct ingest *in)
{
	struct entry *e;
	if (in->n == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 256;
		in->q = xrealloc(in->q, in->cap * sizeof *in->q);
	}
	e = &in->q[in->n++];
	memset(e, 0, sizeof *e);
	return e;
}

/* Queues a rejected payload with its reason; logs it within a rate limit. */
static void reject(struct ingest *in, const char *topic, const void *payload, size_t len,
                   int64_t now_ms, const char *reason, int with_seq)
{
	struct entry *e = push(in);
	int suppressed = 0;
	e->type = E_REJECT;
	e->received_ms = now_ms;
	topic_gw(topic, e->gw);
	e->seq = with_seq && e->gw[0] ? payload_seq(payload, len) : 0;
	e->topic = xstrdup(topic);
	e->len = len > REJECT_KEEP_MAX ? REJECT_KEEP_MAX : len;
	e->payload = xmalloc(e->len + 1);
	if (e->len) /* an empty MQTT payload arrives as NULL */
		memcpy(e->payload, payload, e->len);
	snprintf(e->reason, sizeof e->reason, "%s%s", reason,
	         len > REJECT_KEEP_MAX ? " (payload truncated)" : "");
	if (log_rate_allow(&in->reject_rate, util_mono_ms(), 10000, 10, &suppressed)) {
		if (suppressed)
			log_warn("%d more rejected payloads not logged", suppressed);
		log_warn("rejected a payload on \"%s\": %s", topic, e->reason);
	}
}

/* Parses a gateway status payload into e; returns -1 with a reason. */
static int status_parse(struct entry *e, const char *payload, size_t len, char *reason, size_t rs)
{
	cJSON *o = cJSON_ParseWithLength(payload, len);
	const cJSON *v;
	static const char *const ints[] = {"backlog", "dropped", "spool_min_seq"};
	int64_t *dst[] = {&e->backlog, &e->dropped, &e->spool_min_seq};
	size_t i;
	int rc = -1;

	if (!cJSON_IsObject(o)) {
		snprintf(reason, rs, "status: expected a JSON object");
		goto done;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "state");
	if (!cJSON_IsString(v) ||
	    (strcmp(v->valuestring, "online") != 0 && strcmp(v->valuestring, "offline") != 0)) {
		snprintf(reason, rs, "\"state\": expected \"online\" or \"offline\"");
		goto done;
	}
	util_strlcpy(e->state, v->valuestring, sizeof e->state);
	v = cJSON_GetObjectItemCaseSensitive(o, "version");
	if (v) {
		if (!cJSON_IsString(v) || strlen(v->valuestring) >= sizeof e->version) {
			snprintf(reason, rs, "\"version\": expected a string of at most %zu bytes",
			         sizeof e->version - 1);
			goto done;
		}
		util_strlcpy(e->version, v->valuestring, sizeof e->version);
		e->has_version = 1;
	}
	for (i = 0; i < UTIL_ARRAY_LEN(ints); i++) {
		*dst[i] = -1;
		v = cJSON_GetObjectItemCaseSensitive(o, ints[i]);
		if (!v)
			continue;
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
		    v->valuedouble > 9007199254740991.0 ||
		    v->valuedouble != (double)(int64_t)v->valuedouble) {
			snprintf(reason, rs, "\"%s\": expected an integer >= 0", ints[i]);
			goto done;
		}
		*dst[i] = (int64_t)v->valuedouble;
	}
	rc = 0;
done:
	cJSON_Delete(o);
	return rc;
}

/* 1 when topic is pvmon/v1/<gw>/status (gw copied out, "" if invalid). */
static int is_status(const char *topic, char *gw)
{
	size_t n = strlen(topic);
	topic_gw(topic, gw);
	return n > 16 && strcmp(topic + n - 7, "/status") == 0 &&
	       strchr(topic + 9, '/') == topic + n - 7;
}

void ingest_message(struct ingest *in, const char *topic, const void *payload, size_t len,
                    int64_t now_ms)
{
	char reason[192], gw[READING_ID_MAX];
	struct reading r;

	if (is_status(topic, gw)) {
		struct entry *e;
		if (len == 0)
			return; /* a cleared retained status: nothing to learn */
		if (!gw[0]) {
			reject(in, topic, payload, len, now_ms, "topic: invalid gateway id", 0);
			return;
		}
		e = push(in);
		e->type = E_STATUS;
		util_strlcpy(e->gw, gw, sizeof e->gw);
		if (status_parse(e, payload, len, reason, sizeof reason) < 0) {
			in->n--;
			reject(in, topic, payload, len, now_ms, reason, 0);
		}
		return;
	}
	if (ingest_check(in, topic, payload, len, now_ms, &r, reason, sizeof reason) < 0) {
		reject(in, topic, payload, len, now_ms, reason, 1);
		return;
	}
	push(in)->type = E_READING;
	in->q[in->n - 1].r = r;
}

size_t ingest_pending(const struct ingest *in)
{
	return in->n;
}

int ingest_full(const struct ingest *in)
{
	return in->n >= (size_t)in->conf.batch_rows;
}

/* Applies one queued entry inside the open transaction. */
static int apply(struct ingest *in, struct entry *e)
{
	struct store *s = in->conf.store;
	struct store_gateway *g;
	int rc;

	switch (e->type) {
	case E_READING:
		/* stored by put_readings */
		rc = e->stored;
		acks_stored(in->acks, e->r.gw, (int64_t)e->r.seq, rc);
		g = acks_gateway(in->acks, e->r.gw);
		if (e->r.ts_ms > g->last_ms)
			g->last_ms = e->r.ts_ms;
		break;
	case E_REJECT:
		rc = store_rejected_insert(s, e->received_ms, e->topic, e->payload, e->len,
		                           e->reason, e->gw[0] ? e->gw : NULL, e->seq);
		if (rc < 0)
			return -1;
		if (e->gw[0]) {
			g = acks_gateway(in->acks, e->gw);
			g->rejects += rc;
			if (e->seq > 0)
				acks_stored(in->acks, e->gw, e->seq, rc);
		}
		break;
	case E_STATUS:
		g = acks_gateway(in->acks, e->gw);
		util_strlcpy(g->status, e->state, sizeof g->status);
		if (e->has_version)
			util_strlcpy(g->version, e->version, sizeof g->version);
		if (e->backlog >= 0)
			g->backlog = e->backlog;
		if (e->dropped >= 0)
			g->dropped_total = e->dropped;
		if (e->spool_min_seq > 0)
			acks_spool_min(in->acks, e->gw, e->spool_min_seq);
		break;
	}
	return 0;
}

struct ack_ctx {
	struct ingest *in;
};

static void ack_one(void *ctx, const char *gw, int64_t acked)
{
	struct ingest *in = ((struct ack_ctx *)ctx)->in;
	if (in->conf.ack)
		in->conf.ack(in->conf.ack_ctx, gw, acked);
}

/* Records the store's error as ours. */
static int failed(struct ingest *in, char **cause)
{
	free(*cause);
	*cause = xstrdup(store_error(in->conf.store));
	in->transient = store_error_transient(in->conf.store);
	in->stats.failures++;
	return -1;
}

/*
 * The locks of shared mode: a gateway or a device takes the lock of its
 * bucket (FNV-1a of its name, LOCK_BUCKETS of each), not one of its own, so
 * that a batch holds at most 2 x LOCK_BUCKETS locks however many gateways
 * and devices it names (PostgreSQL keeps advisory locks in a shared table of
 * max_locks_per_transaction x max_connections slots: a lock per device of
 * several workers' 1,000-row batches overflowed it). A bucket covers every
 * name in it, so the rules below hold as for one lock per name.
 */
#define LOCK_BUCKETS 128

static unsigned lock_bucket(const char *a, const char *b)
{
	uint32_t h = 2166136261u;
	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (; b && *b; b++)
		h = (h ^ (unsigned char)*b) * 16777619u;
	return h % LOCK_BUCKETS;
}

/* Takes the locks "<prefix><bucket>" of the buckets marked in want, in bucket order. */
static int lock_buckets(struct store *s, const char *prefix, const unsigned char *want)
{
	char name[64];
	unsigned i;
	for (i = 0; i < LOCK_BUCKETS; i++)
		if (want[i]) {
			snprintf(name, sizeof name, "%s%u", prefix, i);
			if (store_lock(s, name) < 0)
				return -1;
		}
	return 0;
}

static int gw_ref_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/*
 * Shared mode, first thing in the batch's transaction: locks the buckets of
 * every gateway the batch names and reads each gateway's ack state again,
 * then locks the buckets of every device and drops its cached roll-up state;
 * gateway buckets before device buckets, each in bucket order, so that two
 * workers never wait for each other in a circle. Another worker may have
 * stored readings of the same gateways and devices since this one last
 * looked: what this batch computes must start from what is committed, never
 * from our memory.
 */
static int lock_batch(struct ingest *in)
{
	struct store *s = in->conf.store;
	const char **gws = xmalloc((in->bn ? in->bn : 1) * sizeof *gws);
	unsigned char want[LOCK_BUCKETS];
	size_t n = 0, i;
	int rc = -1;

	memset(want, 0, sizeof want);
	for (i = 0; i < in->bn; i++) {
		const struct entry *e = &in->b[i];
		const char *gw = e->type == E_READING ? e->r.gw : e->gw;
		if (gw[0]) {
			gws[n++] = gw;
			want[lock_bucket(gw, NULL)] = 1;
		}
	}
	if (lock_buckets(s, "pvmon.gw.", want) < 0)
		goto done;
	qsort(gws, n, sizeof *gws, gw_ref_cmp);
	for (i = 0; i < n; i++)
		if ((i == 0 || strcmp(gws[i - 1], gws[i]) != 0) &&
		    acks_reload(in->acks, s, gws[i]) < 0)
			goto done;
	memset(want, 0, sizeof want);
	for (i = 0; i < in->bn; i++)
		if (in->b[i].type == E_READING) {
			want[lock_bucket(in->b[i].r.station, in->b[i].r.device)] = 1;
			rollup_invalidate(in->rollup, in->b[i].r.station, in->b[i].r.device);
		}
	if (lock_buckets(s, "pvmon.dev.", want) < 0)
		goto done;
	rc = 0;
done:
	free(gws);
	return rc;
}

/*
 * Stores and rolls up the batch's readings (rollup_put_batch: on
 * PostgreSQL a handful of round trips for all of them), each entry's result
 * in its stored field for apply.
 */
static int put_readings(struct ingest *in)
{
	const struct reading **rs = xmalloc((in->bn ? in->bn : 1) * sizeof *rs);
	int *res = xmalloc((in->bn ? in->bn : 1) * sizeof *res);
	size_t n = 0, i;
	int rc;
	for (i = 0; i < in->bn; i++)
		if (in->b[i].type == E_READING)
			rs[n++] = &in->b[i].r;
	rc = rollup_put_batch(in->rollup, rs, n, res);
	for (i = 0, n = 0; rc == 0 && i < in->bn; i++)
		if (in->b[i].type == E_READING)
			in->b[i].stored = res[n++];
	free(rs);
	free(res);
	return rc;
}

size_t ingest_take(struct ingest *in)
{
	struct entry *t;
	size_t cap;
	if (in->bn > 0 || in->n == 0)
		return 0;
	/* swap the arrays: the pending queue becomes the batch, the old batch's array is reused */
	t = in->b;
	cap = in->bcap;
	in->b = in->q;
	in->bn = in->n;
	in->bcap = in->cap;
	in->q = t;
	in->cap = cap;
	in->n = 0;
	return in->bn;
}

size_t ingest_taken(const struct ingest *in)
{
	return in->bn;
}

int ingest_commit(struct ingest *in, char **cause)
{
	struct store *s = in->conf.store;
	struct rollup_stats before, after;
	struct ack_ctx c = {in};
	struct timespec t0, t1;
	size_t i;

	*cause = NULL;
	in->transient = 0;
	if (in->bn == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (in->acks_stale && !in->conf.shared) {
		if (acks_load(in->acks, s) < 0)
			return failed(in, cause);
		in->acks_stale = 0;
	}
	rollup_stats(in->rollup, &before);
	if (store_begin(s) < 0)
		return failed(in, cause);
	if (in->conf.shared && lock_batch(in) < 0)
		goto fail;
	if (put_readings(in) < 0)
		goto fail;
	for (i = 0; i < in->bn; i++)
		if (apply(in, &in->b[i]) < 0)
			goto fail;
	if (rollup_flush(in->rollup) < 0 || acks_save(in->acks, s) < 0 || store_commit(s) < 0)
		goto fail;
	/* durable now: count, run the hooks, then tell the collectors */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (in->conf.committed)
		in->conf.committed(in->conf.hook_ctx, in->bn,
		                   (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000 +
		                       (t1.tv_nsec - t0.tv_nsec) / 1000);
	for (i = 0; in->conf.stored && i < in->bn; i++)
		if (in->b[i].type == E_READING)
			in->conf.stored(in->conf.hook_ctx, &in->b[i].r);
	rollup_stats(in->rollup, &after);
	in->stats.stored += after.stored - before.stored;
	in->stats.duplicates += after.duplicates - before.duplicates;
	in->stats.recomputes += after.recomputes - before.recomputes;
	for (i = 0; i < in->bn; i++) {
		in->stats.rejected += in->b[i].type == E_REJECT;
		in->stats.statuses += in->b[i].type == E_STATUS;
		entry_release(&in->b[i]);
	}
	in->bn = 0;
	in->stats.batches++;
	acks_each_changed(in->acks, ack_one, &c);
	return 0;
fail:
	failed(in, cause);
	store_rollback(s);
	rollup_forget(in->rollup);
	in->acks_stale = 1;
	return -1;
}

int ingest_failed_transient(const struct ingest *in)
{
	return in->transient;
}

int ingest_flush(struct ingest *in, char **cause)
{
	*cause = NULL;
	/* a batch kept from a failed commit goes first, then the queue */
	if (ingest_commit(in, cause) < 0)
		return -1;
	ingest_take(in);
	return ingest_commit(in, cause);
}

int64_t ingest_prune(struct ingest *in, int64_t now_ms, char **cause)
{
	int64_t deleted = 0;
	struct store *s = in->conf.store;
	*cause = NULL;
	if (in->conf.retention_days <= 0)
		return 0;
	if (store_begin(s) < 0 ||
	    store_prune(s, now_ms - (int64_t)in->conf.retention_days * 86400000, &deleted) < 0 ||
	    store_commit(s) < 0) {
		failed(in, cause);
		store_rollback(s);
		return -1;
	}
	return deleted;
}

void ingest_stats(const struct ingest *in, struct ingest_stats *out)
{
	*out = in->stats;
}
