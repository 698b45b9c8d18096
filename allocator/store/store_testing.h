/*
 * store_testing: the connection behind a store, for unit tests that check
 * the tables with their own SQL or constrain the connection (a full disk),
 * and for the benchmark that compares schema versions. No program includes
 * this header: the programs reach the database only through store.h.
 */
#ifndef PVMON_ALLOCATOR_STORE_TESTING_H
#define PVMON_ALLOCATOR_STORE_TESTING_H

#include <sqlite3.h>

#include "store.h"

/* The SQLite connection, borrowed until store_close (NULL on PostgreSQL). */
sqlite3 *store_testing_db(struct store *s);
/* Runs SQL of one integer result on either engine: the value, -1 without a row, -2 on error. */
int64_t store_testing_int(struct store *s, const char *sql);
/* Runs SQL without results on either engine: 0 or -1. */
int store_testing_exec(struct store *s, const char *sql);
/*
 * Opens (creating) a SQLite file and applies the migrations up to version
 * only: a file as an older pvmon made it, to test the later migrations. Its
 * tables are then filled with the test's own SQL (the store's statements are
 * the current schema's). NULL and *cause on error.
 */
struct store *store_testing_open_version(const char *path, int version, char **cause);

#endif
