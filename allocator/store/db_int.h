/*
 * db_int: what an engine of db.h provides (db_sqlite.c, db_pg.c); db.c
 * dispatches through it. Nobody outside allocator/store/ sees this.
 */
#ifndef PVMON_ALLOCATOR_DB_INT_H
#define PVMON_ALLOCATOR_DB_INT_H

#include "db.h"

struct db_ops {
	enum db_engine engine;
	void (*close)(struct db *d);
	int (*exec)(struct db *d, const char *sql);
	const char *(*errmsg)(const struct db *d);
	int (*transient)(const struct db *d);
	int (*in_transaction)(const struct db *d);
	int64_t (*changes)(const struct db *d);
	struct db_stmt *(*prepare)(struct db *d, const char *sql);
	void (*finalize)(struct db_stmt *q);
	void (*reset)(struct db_stmt *q);
	void (*bind_int64)(struct db_stmt *q, int i, int64_t v);
	void (*bind_double)(struct db_stmt *q, int i, double v);
	void (*bind_text)(struct db_stmt *q, int i, const char *v);
	void (*bind_blob)(struct db_stmt *q, int i, const void *p, size_t len);
	void (*bind_null)(struct db_stmt *q, int i);
	int (*step)(struct db_stmt *q);
	void (*defer)(struct db_stmt *q); /* NULL: the engine runs every statement at once */
	int (*column_null)(struct db_stmt *q, int i);
	int64_t (*column_int64)(struct db_stmt *q, int i);
	double (*column_double)(struct db_stmt *q, int i);
	const char *(*column_text)(struct db_stmt *q, int i);
	const void *(*column_blob)(struct db_stmt *q, int i, size_t *len);
};

/* Every connection and statement of an engine starts with its ops. */
struct db {
	const struct db_ops *ops;
};
struct db_stmt {
	const struct db_ops *ops;
};

struct db *db_sqlite_open(const char *path, int readonly, int create, char **cause);
/* The SQLite connection behind d (NULL for another engine), for store_testing.h. */
struct sqlite3 *db_sqlite_handle(struct db *d);
/* NULL with *cause when pvmon was built without PostgreSQL. */
struct db *db_pg_open(const char *url, int readonly, const char *password_file, char **cause);

#endif
