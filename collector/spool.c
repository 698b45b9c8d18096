/*
 * spool: SQLite store-and-forward for readings on the gateway. It must never
 * reuse a seq or lose a reading silently: the next seq is persisted with the
 * rows it numbers, and every reading a bound drops is counted in the file.
 */
#include "spool.h"

#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"

#define SPOOL_SCHEMA 1

/* One caller's readings waiting to be stored (see spool_put: group commit). */
struct put_req {
	struct reading *r;
	int n;
	int64_t now_ms;
	int rc, done;
	int64_t dropped;
	struct put_req *next;
};

struct spool {
	pthread_mutex_t lock;
	sqlite3 *db;
	char *path;
	struct spool_opts o;
	uint64_t next_seq;
	int64_t rows, bytes, dropped;
	sqlite3_stmt *ins, *meta_set, *each, *del_upto, *sum_upto, *oldest, *min_seq;
	sqlite3_stmt *begin, *commit; /* prepared once: parsing them was a tenth of a put */
	/* what the publisher and the bounds ask on every turn, kept until a delete moves it */
	uint64_t min_seq_v;
	int64_t oldest_ts;
	int min_valid, oldest_valid;
	uint64_t ack_noted; /* the highest ack seen; its rows may still wait for spool_ack */
	struct log_rate drop_rate;
	/* group commit: callers queue here while one of them writes (qlock, not lock) */
	pthread_mutex_t qlock;
	pthread_cond_t qdone;
	struct put_req *qhead, **qtail;
	int writing;
	pthread_cond_t qgroup;  /* the writer's wait for group_ms (CLOCK_MONOTONIC) */
	pthread_cond_t qwork;   /* a round was queued for the writer thread */
	int64_t last_commit_ms; /* mono ms the last group was written */
	pthread_t writer;       /* with group_ms: the one thread that writes rows */
	int writer_started, writer_stop;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('next_seq', 1), ('dropped', 0);"
    "CREATE TABLE IF NOT EXISTS spool (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
    " topic TEXT NOT NULL, payload TEXT NOT NULL);";

static void *writer_run(void *arg);

/* Sets *cause to "path: what: sqlite's message". */
static void db_fail(struct spool *s, const char *what, char **cause)
{
	if (cause)
		*cause =
		    xasprintf("%s: %s: %s", s->path, what, s->db ? sqlite3_errmsg(s->db) : "?");
}

/* Prepares one statement, recording the failure. */
static int prep(struct spool *s, const char *sql, sqlite3_stmt **st, char **cause)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
		db_fail(s, "preparing a statement", cause);
		return -1;
	}
	return 0;
}

/* Reads one integer from a query with no parameters. */
static int query_int(struct spool *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

struct spool *spool_open(const char *path, const struct spool_opts *o, char **cause)
{
	struct spool *s = xcalloc(1, sizeof *s);
	int64_t v, ver = 0;
	char *sql = NULL;

	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->qlock, NULL);
	pthread_cond_init(&s->qdone, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s->qgroup, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_cond_init(&s->qwork, NULL);
	s->qtail = &s->qhead;
	s->path = xstrdup(path);
	s->o = *o;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		db_fail(s, "cannot open the spool", cause);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (query_int(s, "PRAGMA user_version", &ver) < 0) {
		db_fail(s, "not a spool database", cause);
		goto fail;
	}
	if (ver > SPOOL_SCHEMA) {
		if (cause)
			*cause = xasprintf("%s: spool schema %" PRId64
			                   " is newer than this collector (%d)",
			                   path, ver, SPOOL_SCHEMA);
		goto fail;
	}
	/* WAL: readers never block the writer; small cache: the gateway is small. */
	sql = xasprintf("PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA cache_size=-256;"
	                "BEGIN IMMEDIATE; %s PRAGMA user_version=%d; COMMIT;",
	                o->sync_full ? "FULL" : "NORMAL", schema, SPOOL_SCHEMA);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(s, "cannot set up the spool", cause);
		goto fail;
	}
	if (query_int(s, "SELECT value FROM meta WHERE key='next_seq'", &v) < 0) {
		db_fail(s, "reading next_seq", cause);
		goto fail;
	}
	s->next_seq = (uint64_t)v;
	/* a row above next_seq means meta was damaged: never hand out a stored seq again */
	if (query_int(s, "SELECT coalesce(max(seq), 0) FROM spool", &v) == 0 &&
	    (uint64_t)v >= s->next_seq)
		s->next_seq = (uint64_t)v + 1;
	if (query_int(s, "SELECT value FROM meta WHERE key='dropped'", &s->dropped) < 0 ||
	    query_int(s, "SELECT count(*) FROM spool", &s->rows) < 0 ||
	    query_int(s, "SELECT coalesce(sum(length(topic) + length(payload)), 0) FROM spool",
	              &s->bytes) < 0) {
		db_fail(s, "reading the spool's counters", cause);
		goto fail;
	}
	s->bytes += s->rows * SPOOL_ROW_OVERHEAD;
	if (prep(s, "INSERT INTO spool (seq, ts, topic, payload) VALUES (?, ?, ?, ?)", &s->ins,
	         cause) < 0 ||
	    prep(s, "UPDATE meta SET value = ? WHERE key = ?", &s->meta_set, cause) < 0 ||
	    prep(s, "SELECT seq, topic, payload FROM spool WHERE seq > ? ORDER BY seq LIMIT ?",
	         &s->each, cause) < 0 ||
	    prep(s, "DELETE FROM spool WHERE seq <= ?", &s->del_upto, cause) < 0 ||
	    prep(s,
	         "SELECT count(*), coalesce(sum(length(topic) + length(payload)), 0) FROM spool"
	         " WHERE seq <= ?",
	         &s->sum_upto, cause) < 0 ||
	    prep(s, "SELECT seq, ts, length(topic) + length(payload) FROM spool ORDER BY seq",
	         &s->oldest, cause) < 0 ||
	    prep(s, "SELECT min(seq) FROM spool", &s->min_seq, cause) < 0 ||
	    prep(s, "BEGIN IMMEDIATE", &s->begin, cause) < 0 ||
	    prep(s, "COMMIT", &s->commit, cause) < 0)
		goto fail;
	if (o->group_ms > 0) {
		int rc = pthread_create(&s->writer, NULL, writer_run, s);
		if (rc != 0) {
			if (cause)
				*cause = xasprintf("%s: cannot start the spool's writer thread: %s",
				                   path, strerror(rc));
			goto fail;
		}
		s->writer_started = 1;
	}
	free(sql);
	return s;
fail:
	free(sql);
	spool_close(s);
	return NULL;
}

void spool_close(struct spool *s)
{
	if (!s)
		return;
	if (s->writer_started) {
		/* it writes what is still queued, then ends */
		pthread_mutex_lock(&s->qlock);
		s->writer_stop = 1;
		pthread_cond_signal(&s->qwork);
		pthread_mutex_unlock(&s->qlock);
		pthread_join(s->writer, NULL);
	}
	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->meta_set);
	sqlite3_finalize(s->each);
	sqlite3_finalize(s->del_upto);
	sqlite3_finalize(s->sum_upto);
	sqlite3_finalize(s->oldest);
	sqlite3_finalize(s->min_seq);
	sqlite3_finalize(s->begin);
	sqlite3_finalize(s->commit);
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->qlock);
	pthread_cond_destroy(&s->qdone);
	pthread_cond_destroy(&s->qgroup);
	pthread_cond_destroy(&s->qwork);
	free(s->path);
	free(s);
}

/* Runs a prepared BEGIN IMMEDIATE or COMMIT; 0 or -1 (sqlite3_errmsg says why). */
static int run_stmt(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Starts a write transaction. */
static int tx_begin(struct spool *s)
{
	return run_stmt(s->begin);
}

/* Commits the current transaction. */
static int tx_commit(struct spool *s)
{
	return run_stmt(s->commit);
}

/* Rolls back and forgets the cached oldest row: it may be another one now. */
static void tx_rollback(struct spool *s)
{
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->min_valid = s->oldest_valid = 0;
}

/* Writes one meta counter inside the current transaction. */
static int meta_set(struct spool *s, const char *key, int64_t value)
{
	int rc;
	sqlite3_bind_int64(s->meta_set, 1, value);
	sqlite3_bind_text(s->meta_set, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->meta_set);
	sqlite3_reset(s->meta_set);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Deletes rows with seq <= upto inside the current transaction, keeping the counters. */
static int delete_upto(struct spool *s, uint64_t upto, int64_t *rows, int64_t *bytes)
{
	int rc;
	*rows = 0;
	*bytes = 0;
	sqlite3_bind_int64(s->sum_upto, 1, (int64_t)upto);
	if (sqlite3_step(s->sum_upto) == SQLITE_ROW) {
		*rows = sqlite3_column_int64(s->sum_upto, 0);
		*bytes = sqlite3_column_int64(s->sum_upto, 1) + *rows * SPOOL_ROW_OVERHEAD;
	}
	sqlite3_reset(s->sum_upto);
	if (*rows == 0)
		return 0;
	s->min_valid = s->oldest_valid = 0;
	sqlite3_bind_int64(s->del_upto, 1, (int64_t)upto);
	rc = sqlite3_step(s->del_upto);
	sqlite3_reset(s->del_upto);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Finds the oldest rows a bound forces out (walking from the oldest until a
 * row may stay) and deletes them; returns how many, or -1. Inside a transaction.
 */
static int64_t enforce_bounds(struct spool *s, int64_t now_ms, uint64_t *first, uint64_t *last)
{
	int64_t k = 0, b = 0, cutoff, rows, bytes;
	uint64_t upto = 0;

	if (!s->o.max_rows && !s->o.max_bytes && !s->o.max_age_s)
		return 0;
	cutoff = s->o.max_age_s ? now_ms - s->o.max_age_s * 1000 : INT64_MIN;
	/* within every bound (the oldest row's age known): nothing to walk */
	if ((!s->o.max_rows || s->rows <= s->o.max_rows) &&
	    (!s->o.max_bytes || s->bytes <= s->o.max_bytes) &&
	    (!s->o.max_age_s || s->rows == 0 || (s->oldest_valid && s->oldest_ts >= cutoff)))
		return 0;
	/* acknowledged rows whose delete is still pending go first, and are not drops */
	if (s->ack_noted > 0 && (!s->min_valid || s->min_seq_v <= s->ack_noted)) {
		if (delete_upto(s, s->ack_noted, &rows, &bytes) < 0)
			return -1;
		s->rows -= rows;
		s->bytes -= bytes;
	}
	while (sqlite3_step(s->oldest) == SQLITE_ROW) {
		int64_t ts = sqlite3_column_int64(s->oldest, 1);
		int over_rows = s->o.max_rows && s->rows - k > s->o.max_rows;
		int over_bytes = s->o.max_bytes && s->bytes - b > s->o.max_bytes;
		if (k == 0) {
			s->oldest_ts = ts;
			s->oldest_valid = 1;
		}
		if (!over_rows && !over_bytes && ts >= cutoff)
			break;
		upto = (uint64_t)sqlite3_column_int64(s->oldest, 0);
		if (k == 0)
			*first = upto;
		k++;
		b += sqlite3_column_int64(s->oldest, 2) + SPOOL_ROW_OVERHEAD;
	}
	sqlite3_reset(s->oldest);
	if (k == 0)
		return 0;
	*last = upto;
	if (delete_upto(s, upto, &rows, &bytes) < 0)
		return -1;
	s->rows -= rows;
	s->bytes -= bytes;
	s->dropped += rows;
	if (meta_set(s, "dropped", s->dropped) < 0)
		return -1;
	return rows;
}

/* Logs a drop, at most a few lines a minute. */
static void log_drop(struct spool *s, int64_t n, uint64_t first, uint64_t last, int64_t now_ms)
{
	int suppressed;
	if (log_rate_allow(&s->drop_rate, now_ms, 60000, 3, &suppressed))
		log_warn("spool %s: a bound was reached (max_rows %" PRId64 ", max_bytes %" PRId64
		         ", max_age_s %" PRId64 "): dropped %" PRId64
		         " oldest readings (seq %" PRIu64 "-%" PRIu64 "), %" PRId64
		         " dropped in total",
		         s->path, s->o.max_rows, s->o.max_bytes, s->o.max_age_s, n, first, last,
		         s->dropped);
	if (suppressed)
		log_warn("spool %s: %d more drop events not logged", s->path, suppressed);
}

/*
 * Stores every reading of the queue q in one transaction (s->lock held); the
 * drops a bound forced go to q->dropped. Returns 0, or -1 when nothing was stored.
 */
static int put_batch(struct spool *s, struct put_req *q)
{
	char payload[1024], topic[256];
	uint64_t seq, first = 0, last = 0, k = 0;
	int64_t add_bytes = 0, gone = 0, now_ms = 0;
	struct put_req *p;
	int i, len, tlen;

	int was_empty = s->rows == 0;

	seq = s->next_seq;
	if (tx_begin(s) < 0)
		goto fail;
	for (p = q; p; p = p->next) {
		if (p->now_ms > now_ms)
			now_ms = p->now_ms;
		for (i = 0; i < p->n; i++, k++) {
			struct reading *r = &p->r[i];
			int rc;
			r->seq = seq + k;
			len = reading_to_json(r, payload, sizeof payload);
			tlen = reading_topic(r, topic, sizeof topic);
			if (len < 0 || tlen < 0)
				goto rollback;
			sqlite3_bind_int64(s->ins, 1, (int64_t)r->seq);
			sqlite3_bind_int64(s->ins, 2, p->now_ms);
			sqlite3_bind_text(s->ins, 3, topic, tlen, SQLITE_STATIC);
			sqlite3_bind_text(s->ins, 4, payload, len, SQLITE_STATIC);
			rc = sqlite3_step(s->ins);
			sqlite3_reset(s->ins);
			if (rc != SQLITE_DONE)
				goto rollback;
			add_bytes += len + tlen + SPOOL_ROW_OVERHEAD;
		}
	}
	if (meta_set(s, "next_seq", (int64_t)(seq + k)) < 0)
		goto rollback;
	s->rows += (int64_t)k;
	s->bytes += add_bytes;
	if (was_empty && k > 0) {
		/* the rows of this transaction are the whole spool: the oldest is its first */
		s->min_seq_v = seq;
		s->oldest_ts = q->now_ms;
		for (p = q; p; p = p->next)
			if (p->n > 0 && p->now_ms < s->oldest_ts)
				s->oldest_ts = p->now_ms;
		s->min_valid = s->oldest_valid = 1;
	}
	gone = enforce_bounds(s, now_ms, &first, &last);
	if (gone < 0 || tx_commit(s) < 0) {
		s->rows -= (int64_t)k;
		s->bytes -= add_bytes;
		goto rollback;
	}
	s->next_seq = seq + k;
	if (gone > 0)
		log_drop(s, gone, first, last, now_ms);
	q->dropped = gone;
	return 0;
rollback:
	for (k = 0, p = q; p; p = p->next)
		k += (uint64_t)p->n;
	log_error("spool %s: cannot store %" PRIu64 " readings: %s", s->path, k,
	          sqlite3_errmsg(s->db));
	tx_rollback(s);
	/* counters may have moved inside the failed transaction: reread them */
	query_int(s, "SELECT value FROM meta WHERE key='dropped'", &s->dropped);
	query_int(s, "SELECT count(*) FROM spool", &s->rows);
	query_int(s, "SELECT coalesce(sum(length(topic) + length(payload)), 0) FROM spool",
	          &s->bytes);
	s->bytes += s->rows * SPOOL_ROW_OVERHEAD;
	return -1;
fail:
	for (k = 0, p = q; p; p = p->next)
		k += (uint64_t)p->n;
	log_error("spool %s: cannot store %" PRIu64 " readings: %s", s->path, k,
	          sqlite3_errmsg(s->db));
	return -1;
}

/* Stores a queue of callers' readings; if the shared transaction fails, each caller's alone. */
static void put_group(struct spool *s, struct put_req *q)
{
	struct put_req *p, *next;
	if (put_batch(s, q) == 0)
		return; /* every rc is already 0 */
	if (!q->next) {
		q->rc = -1;
		return;
	}
	/* one caller's bad round must not cost the others theirs */
	for (p = q; p; p = next) {
		next = p->next;
		p->next = NULL;
		p->rc = put_batch(s, p);
		p->next = next;
	}
}

/* Stores the queue q (taken from s->qhead) and lets its callers go; qlock held on entry and exit.
 */
static void write_queue(struct spool *s, struct put_req *q)
{
	struct put_req *p, *next;
	s->writing = 1;
	pthread_mutex_unlock(&s->qlock);
	pthread_mutex_lock(&s->lock);
	put_group(s, q);
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_lock(&s->qlock);
	s->last_commit_ms = util_mono_ms();
	for (p = q; p; p = next) {
		next = p->next; /* p lives on its caller's stack: done lets it go */
		p->done = 1;
	}
	s->writing = 0;
	pthread_cond_broadcast(&s->qdone);
}

/* Takes the whole queue; qlock held. */
static struct put_req *take_queue(struct spool *s)
{
	struct put_req *q = s->qhead;
	s->qhead = NULL;
	s->qtail = &s->qhead;
	return q;
}

/*
 * The writer thread (group_ms > 0): waits for rounds, lets group_ms pass
 * since the last commit so that the rounds of other buses join, and stores
 * them in one transaction. Bus threads never run SQLite themselves, so their
 * stacks stay small: a gateway may have a bus thread per endpoint.
 */
static void *writer_run(void *arg)
{
	struct spool *s = arg;
	pthread_mutex_lock(&s->qlock);
	for (;;) {
		int64_t due;
		while (!s->qhead && !s->writer_stop)
			pthread_cond_wait(&s->qwork, &s->qlock);
		if (!s->qhead)
			break; /* stopping, and nothing left to write */
		due = s->last_commit_ms + s->o.group_ms;
		while (!s->writer_stop && util_mono_ms() < due) {
			struct timespec ts;
			ts.tv_sec = (time_t)(due / 1000);
			ts.tv_nsec = (long)(due % 1000) * 1000000;
			pthread_cond_timedwait(&s->qgroup, &s->qlock, &ts);
		}
		write_queue(s, take_queue(s));
	}
	pthread_mutex_unlock(&s->qlock);
	return NULL;
}

/*
 * Group commit: with synchronous=FULL each transaction waits for the disk,
 * so rounds that arrive together share one. With group_ms the writer thread
 * stores them; without, the caller that finds no write in progress stores
 * every round queued meanwhile. Each caller returns only once its own
 * readings are committed (or failed).
 */
int spool_put(struct spool *s, struct reading *r, int n, int64_t now_ms, int64_t *dropped)
{
	struct put_req me = {r, n, now_ms, 0, 0, 0, NULL};

	if (dropped)
		*dropped = 0;
	if (n <= 0)
		return 0;
	pthread_mutex_lock(&s->qlock);
	*s->qtail = &me;
	s->qtail = &me.next;
	if (s->writer_started) {
		pthread_cond_signal(&s->qwork);
		while (!me.done)
			pthread_cond_wait(&s->qdone, &s->qlock);
	} else {
		while (!me.done && s->writing)
			pthread_cond_wait(&s->qdone, &s->qlock);
		if (!me.done)
			write_queue(s, take_queue(s));
	}
	pthread_mutex_unlock(&s->qlock);
	if (dropped)
		*dropped = me.dropped;
	return me.rc;
}

void spool_note_ack(struct spool *s, uint64_t ack)
{
	pthread_mutex_lock(&s->lock);
	if (ack > s->ack_noted)
		s->ack_noted = ack;
	pthread_mutex_unlock(&s->lock);
}

int64_t spool_ack(struct spool *s, uint64_t ack)
{
	int64_t rows = 0, bytes = 0;
	pthread_mutex_lock(&s->lock);
	if (ack > s->ack_noted)
		s->ack_noted = ack;
	if (s->rows == 0 || (s->min_valid && ack < s->min_seq_v)) {
		pthread_mutex_unlock(&s->lock); /* nothing it covers is still here */
		return 0;
	}
	if (tx_begin(s) < 0)
		goto fail;
	if (delete_upto(s, ack, &rows, &bytes) < 0 || tx_commit(s) < 0) {
		tx_rollback(s);
		goto fail;
	}
	s->rows -= rows;
	s->bytes -= bytes;
	pthread_mutex_unlock(&s->lock);
	return rows;
fail:
	log_error("spool %s: cannot apply ack %" PRIu64 ": %s", s->path, ack,
	          sqlite3_errmsg(s->db));
	pthread_mutex_unlock(&s->lock);
	return -1;
}

int spool_each(struct spool *s, uint64_t after, int max,
               int (*fn)(void *ctx, uint64_t seq, const char *topic, const char *payload,
                         size_t len),
               void *ctx)
{
	int n = 0, rc;
	pthread_mutex_lock(&s->lock);
	sqlite3_bind_int64(s->each, 1, (int64_t)after);
	sqlite3_bind_int(s->each, 2, max);
	while ((rc = sqlite3_step(s->each)) == SQLITE_ROW) {
		uint64_t seq = (uint64_t)sqlite3_column_int64(s->each, 0);
		const char *topic = (const char *)sqlite3_column_text(s->each, 1);
		const char *payload = (const char *)sqlite3_column_text(s->each, 2);
		size_t len = (size_t)sqlite3_column_bytes(s->each, 2);
		n++;
		if (fn(ctx, seq, topic ? topic : "", payload ? payload : "", len) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s->each);
	pthread_mutex_unlock(&s->lock);
	if (rc != SQLITE_DONE) {
		log_error("spool %s: cannot read the backlog: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	return n;
}

void spool_stats(struct spool *s, struct spool_stats *st)
{
	int64_t min = 0;
	pthread_mutex_lock(&s->lock);
	st->rows = s->rows;
	st->bytes = s->bytes;
	st->dropped = s->dropped;
	st->next_seq = s->next_seq;
	st->min_seq = s->next_seq;
	if (s->rows > 0 && s->min_valid) {
		st->min_seq = s->min_seq_v;
	} else if (s->rows > 0) {
		/* the publisher asks on every step: ask SQLite only after a delete */
		if (sqlite3_step(s->min_seq) == SQLITE_ROW)
			min = sqlite3_column_int64(s->min_seq, 0);
		sqlite3_reset(s->min_seq);
		if (min > 0) {
			st->min_seq = (uint64_t)min;
			s->min_seq_v = (uint64_t)min;
			s->min_valid = 1;
		}
	}
	pthread_mutex_unlock(&s->lock);
}

int64_t spool_expire(struct spool *s, int64_t now_ms)
{
	uint64_t first = 0, last = 0;
	int64_t gone;
	pthread_mutex_lock(&s->lock);
	if (tx_begin(s) < 0) {
		pthread_mutex_unlock(&s->lock);
		return -1;
	}
	gone = enforce_bounds(s, now_ms, &first, &last);
	if (gone < 0 || tx_commit(s) < 0) {
		tx_rollback(s);
		query_int(s, "SELECT value FROM meta WHERE key='dropped'", &s->dropped);
		query_int(s, "SELECT count(*) FROM spool", &s->rows);
		pthread_mutex_unlock(&s->lock);
		return -1;
	}
	if (gone > 0)
		log_drop(s, gone, first, last, now_ms);
	pthread_mutex_unlock(&s->lock);
	return gone;
}

int spool_advance(struct spool *s, uint64_t seq)
{
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	if (seq >= s->next_seq) {
		if (tx_begin(s) < 0 || meta_set(s, "next_seq", (int64_t)(seq + 1)) < 0 ||
		    tx_commit(s) < 0) {
			tx_rollback(s);
			rc = -1;
		} else {
			s->next_seq = seq + 1;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}
