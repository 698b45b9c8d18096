/*
 * db_sqlite: db.h on an SQLite file. A thin layer: statements are SQLite's
 * own, prepared persistent; text and blobs are bound static (borrowed).
 */
#include "db.h"
#include "db_int.h"

#include <sqlite3.h>
#include <stdlib.h>

#include "util.h"

struct sq {
	struct db base;
	sqlite3 *h;
};

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *st;
	struct sq *d;
};

static const struct db_ops sq_ops;

static struct sq *SQ(const struct db *d)
{
	return (struct sq *)d;
}

static sqlite3_stmt *ST(struct db_stmt *q)
{
	return ((struct sq_stmt *)q)->st;
}

static void sq_close(struct db *d)
{
	sqlite3_close(SQ(d)->h);
	free(d);
}

static int sq_exec(struct db *d, const char *sql)
{
	return sqlite3_exec(SQ(d)->h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static const char *sq_errmsg(const struct db *d)
{
	return SQ(d)->h ? sqlite3_errmsg(SQ(d)->h) : "no database";
}

static int sq_transient(const struct db *d)
{
	switch (sqlite3_extended_errcode(SQ(d)->h) & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
		return 1;
	}
	return 0;
}

static int sq_in_transaction(const struct db *d)
{
	return !sqlite3_get_autocommit(SQ(d)->h);
}

static int64_t sq_changes(const struct db *d)
{
	return sqlite3_changes64(SQ(d)->h);
}

static struct db_stmt *sq_prepare(struct db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;
	struct sq_stmt *q;
	if (sqlite3_prepare_v3(SQ(d)->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
	    SQLITE_OK) {
		sqlite3_finalize(st);
		return NULL;
	}
	q = xcalloc(1, sizeof *q);
	q->base.ops = &sq_ops;
	q->st = st;
	q->d = SQ(d);
	return &q->base;
}

static void sq_finalize(struct db_stmt *q)
{
	sqlite3_finalize(ST(q));
	free(q);
}

static void sq_reset(struct db_stmt *q)
{
	sqlite3_reset(ST(q));
	sqlite3_clear_bindings(ST(q));
}

static void sq_bind_int64(struct db_stmt *q, int i, int64_t v)
{
	sqlite3_bind_int64(ST(q), i, v);
}

static void sq_bind_double(struct db_stmt *q, int i, double v)
{
	sqlite3_bind_double(ST(q), i, v);
}

static void sq_bind_text(struct db_stmt *q, int i, const char *v)
{
	sqlite3_bind_text(ST(q), i, v, -1, SQLITE_STATIC);
}

static void sq_bind_blob(struct db_stmt *q, int i, const void *p, size_t len)
{
	sqlite3_bind_blob64(ST(q), i, len ? p : "", len, SQLITE_STATIC);
}

static void sq_bind_null(struct db_stmt *q, int i)
{
	sqlite3_bind_null(ST(q), i);
}

static int sq_step(struct db_stmt *q)
{
	switch (sqlite3_step(ST(q))) {
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	}
	return DB_ERROR;
}

static int sq_column_null(struct db_stmt *q, int i)
{
	return sqlite3_column_type(ST(q), i) == SQLITE_NULL;
}

static int64_t sq_column_int64(struct db_stmt *q, int i)
{
	return sqlite3_column_int64(ST(q), i);
}

static double sq_column_double(struct db_stmt *q, int i)
{
	return sqlite3_column_double(ST(q), i);
}

static const char *sq_column_text(struct db_stmt *q, int i)
{
	return (const char *)sqlite3_column_text(ST(q), i);
}

static const void *sq_column_blob(struct db_stmt *q, int i, size_t *len)
{
	const void *p = sqlite3_column_blob(ST(q), i);
	*len = (size_t)sqlite3_column_bytes(ST(q), i);
	return p;
}

static const struct db_ops sq_ops = {
    .engine = DB_SQLITE,
    .close = sq_close,
    .exec = sq_exec,
    .errmsg = sq_errmsg,
    .transient = sq_transient,
    .in_transaction = sq_in_transaction,
    .changes = sq_changes,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .bind_int64 = sq_bind_int64,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .column_null = sq_column_null,
    .column_int64 = sq_column_int64,
    .column_double = sq_column_double,
    .column_text = sq_column_text,
    .column_blob = sq_column_blob,
};

struct db *db_sqlite_open(const char *path, int readonly, int create, char **cause)
{
	struct sq *d = xcalloc(1, sizeof *d);
	int flags = readonly ? SQLITE_OPEN_READONLY
	                     : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
	d->base.ops = &sq_ops;
	if (sqlite3_open_v2(path, &d->h, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: cannot open the database: %s", path,
		                   d->h ? sqlite3_errmsg(d->h) : "out of memory");
		sq_close(&d->base);
		return NULL;
	}
	sqlite3_extended_result_codes(d->h, 1);
	sqlite3_busy_timeout(d->h, 5000);
	return &d->base;
}

struct sqlite3 *db_sqlite_handle(struct db *d)
{
	return d->ops == &sq_ops ? SQ(d)->h : NULL;
}
