/*
 * db: the store's connection to its database engine. One small statement
 * interface (prepare, bind, step, read columns) with two engines behind it:
 * SQLite (a file path, the embedded default) and PostgreSQL (a
 * postgresql:// URL, db_pg.c). store.c and store_ledger.c speak only this.
 *
 * SQL is written once in the dialect both accept: "?" or "?N" parameters,
 * INSERT ... ON CONFLICT, RETURNING, coalesce. Where the engines differ
 * (schema, pragmas, temporary tables) the store asks db_engine().
 * A statement handed to db_step is borrowed by the connection until reset.
 */
#ifndef PVMON_ALLOCATOR_DB_H
#define PVMON_ALLOCATOR_DB_H

#include <stddef.h>
#include <stdint.h>

enum db_engine { DB_SQLITE, DB_PG };

/* What db_step returns. */
enum { DB_ERROR = -1, DB_ROW = 1, DB_DONE = 0 };

struct db;      /* opaque */
struct db_stmt; /* opaque */

/* 1 when target names a PostgreSQL database (postgresql:// or postgres://). */
int db_is_url(const char *target);
/*
 * Opens target: a SQLite file (created when create is set and readonly is
 * not), or a PostgreSQL URL; password_file, when not NULL, holds the
 * PostgreSQL password. NULL and *cause on failure.
 */
struct db *db_open(const char *target, int readonly, int create, const char *password_file,
                   char **cause);
void db_close(struct db *d);
enum db_engine db_engine(const struct db *d);

/* Runs SQL text without parameters or results (one or more statements): 0 or -1. */
int db_exec(struct db *d, const char *sql);
/* The last error message of the connection. */
const char *db_errmsg(const struct db *d);
/* 1 when the last error is worth retrying (busy, locked, disk full, lost connection, deadlock). */
int db_transient(const struct db *d);
/* 1 inside an open transaction. */
int db_in_transaction(const struct db *d);
/* Rows changed by the last INSERT, UPDATE or DELETE. */
int64_t db_changes(const struct db *d);

/* Prepares sql (kept for reuse): NULL on error (db_errmsg says why). */
struct db_stmt *db_prepare(struct db *d, const char *sql);
void db_finalize(struct db_stmt *q);
/* Resets q for another run and clears its parameters. */
void db_reset(struct db_stmt *q);

/* Parameters count from 1; text and blobs are borrowed until the statement is reset. */
void db_bind_int64(struct db_stmt *q, int i, int64_t v);
void db_bind_double(struct db_stmt *q, int i, double v);
void db_bind_text(struct db_stmt *q, int i, const char *v);
void db_bind_blob(struct db_stmt *q, int i, const void *p, size_t len);
void db_bind_null(struct db_stmt *q, int i);

/* Runs q or moves to its next row: DB_ROW, DB_DONE or DB_ERROR. */
int db_step(struct db_stmt *q);
/*
 * Marks q, a statement without rows whose db_changes nobody reads, as one
 * that may be sent ahead: inside a transaction on PostgreSQL db_step then
 * returns DB_DONE at once, and an error it meets is the error of the next
 * statement that is not deferred (the COMMIT at the latest). SQLite runs it
 * at once as any other.
 */
void db_defer(struct db_stmt *q);

/* Columns count from 0 and are read on a DB_ROW; text is borrowed until the next step. */
int db_column_null(struct db_stmt *q, int i);
int64_t db_column_int64(struct db_stmt *q, int i);
double db_column_double(struct db_stmt *q, int i);
/* NULL for a NULL column. */
const char *db_column_text(struct db_stmt *q, int i);
const void *db_column_blob(struct db_stmt *q, int i, size_t *len);

#endif
