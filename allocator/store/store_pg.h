/*
 * store_pg: the store's PostgreSQL side (store_pg.c): schema creation and
 * version, monthly partitions of readings and their retention. Only
 * store.c calls it, and only when db_engine() is DB_PG.
 */
#ifndef PVMON_ALLOCATOR_STORE_PG_H
#define PVMON_ALLOCATOR_STORE_PG_H

#include <stdint.h>

#include "store_int.h"

struct store_pg; /* the months known to have a partition */

void store_pg_free(struct store_pg *p);
/* Forgets the known months (after a rollback may have undone a partition). */
void store_pg_forget(struct store_pg *p);
/* The version in pvmon_meta (0 when there is none): 0 or -1. */
int store_pg_schema_version(struct store *s, int *v);
/*
 * Creates the schema when the database has none, in one transaction; *found
 * is the version found. 0 done, 1 the version is newer than this pvmon's,
 * 2 older (no PostgreSQL migrations exist yet), -1 error.
 */
int store_pg_migrate(struct store *s, int *found);
/* Makes sure the month of ts_ms has a partition (*pp is allocated on first use). */
int store_pg_partition(struct store *s, struct store_pg **pp, int64_t ts_ms);
/* Drops the partitions that hold only readings before before_ms; *dropped rows they held. */
int store_pg_prune(struct store *s, struct store_pg **pp, int64_t before_ms, int64_t *dropped);

#endif
