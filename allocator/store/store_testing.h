/*
 * store_testing: the SQLite connection behind a store, for unit tests that
 * check the tables with their own SQL or constrain the connection (a full
 * disk). No program includes this header: the programs reach the database
 * only through store.h.
 */
#ifndef PVMON_ALLOCATOR_STORE_TESTING_H
#define PVMON_ALLOCATOR_STORE_TESTING_H

#include <sqlite3.h>

#include "store.h"

/* The SQLite connection, borrowed until store_close (NULL on PostgreSQL). */
sqlite3 *store_testing_db(struct store *s);

#endif
