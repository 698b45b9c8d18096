/*
 * store_int: what store.c shares with the store's other files
 * (store_ledger.c) and nobody outside allocator/store/ sees.
 */
#ifndef PVMON_ALLOCATOR_STORE_INT_H
#define PVMON_ALLOCATOR_STORE_INT_H

#include "db.h"
#include "store.h"

struct store_ledger_stmts; /* store_ledger.c's prepared statements */

/* The connection, borrowed until store_close. */
struct db *store_int_db(struct store *s);
/* Records "path: what: engine message" as the last error; returns -1. */
int store_int_fail(struct store *s, const char *what);
/* The store's target as opened (a path or a URL), for messages. */
const char *store_int_path(const struct store *s);
/* Where the store keeps its PostgreSQL partition cache (store_pg.c; NULL until first used). */
struct store_pg **store_int_pg(struct store *s);
/* Where the store keeps the ledger's statements (NULL until first used). */
struct store_ledger_stmts **store_int_ledger(struct store *s);
/* Finalizes and frees them (store_close calls it). */
void store_ledger_stmts_free(struct store_ledger_stmts *l);

#endif
