/*
 * db: dispatches db.h to the engine a connection was opened with.
 */
#include "db.h"
#include "db_int.h"

#include <string.h>

int db_is_url(const char *target)
{
	return strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0;
}

struct db *db_open(const char *target, int readonly, int create, const char *password_file,
                   char **cause)
{
	if (db_is_url(target))
		return db_pg_open(target, readonly, password_file, cause);
	return db_sqlite_open(target, readonly, create, cause);
}

void db_close(struct db *d)
{
	if (d)
		d->ops->close(d);
}

enum db_engine db_engine(const struct db *d)
{
	return d->ops->engine;
}

int db_exec(struct db *d, const char *sql)
{
	return d->ops->exec(d, sql);
}

const char *db_errmsg(const struct db *d)
{
	return d->ops->errmsg(d);
}

int db_transient(const struct db *d)
{
	return d->ops->transient(d);
}

int db_in_transaction(const struct db *d)
{
	return d->ops->in_transaction(d);
}

int64_t db_changes(const struct db *d)
{
	return d->ops->changes(d);
}

struct db_stmt *db_prepare(struct db *d, const char *sql)
{
	return d->ops->prepare(d, sql);
}

void db_finalize(struct db_stmt *q)
{
	if (q)
		q->ops->finalize(q);
}

void db_reset(struct db_stmt *q)
{
	q->ops->reset(q);
}

void db_bind_int64(struct db_stmt *q, int i, int64_t v)
{
	q->ops->bind_int64(q, i, v);
}

void db_bind_double(struct db_stmt *q, int i, double v)
{
	q->ops->bind_double(q, i, v);
}

void db_bind_text(struct db_stmt *q, int i, const char *v)
{
	q->ops->bind_text(q, i, v);
}

void db_bind_blob(struct db_stmt *q, int i, const void *p, size_t len)
{
	q->ops->bind_blob(q, i, p, len);
}

void db_bind_null(struct db_stmt *q, int i)
{
	q->ops->bind_null(q, i);
}

int db_step(struct db_stmt *q)
{
	return q->ops->step(q);
}

void db_defer(struct db_stmt *q)
{
	if (q->ops->defer)
		q->ops->defer(q);
}

int db_column_null(struct db_stmt *q, int i)
{
	return q->ops->column_null(q, i);
}

int64_t db_column_int64(struct db_stmt *q, int i)
{
	return q->ops->column_int64(q, i);
}

double db_column_double(struct db_stmt *q, int i)
{
	return q->ops->column_double(q, i);
}

const char *db_column_text(struct db_stmt *q, int i)
{
	return q->ops->column_text(q, i);
}

const void *db_column_blob(struct db_stmt *q, int i, size_t *len)
{
	return q->ops->column_blob(q, i, len);
}
