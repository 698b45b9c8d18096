/*
 * store_copy: copies a whole store into an empty one of the same schema
 * version (`pvmon-allocator store-copy`: a SQLite file into PostgreSQL) and
 * checks every table afterwards. Both stores are borrowed.
 */
#ifndef PVMON_ALLOCATOR_STORE_COPY_H
#define PVMON_ALLOCATOR_STORE_COPY_H

#include <stdint.h>

#include "store.h"

/* One table's check: count(*) and three sums, on the source and on the target. */
struct store_copy_check {
	const char *table;
	const char *sums[3]; /* the summed expressions */
	int64_t from[4], to[4];
	int absent; /* the source has no such table: nothing copied, from[] all 0 */
	int equal;
};

/*
 * Copies every table in one transaction on to, then calls fn with each
 * table's check. 0 when every table matches; -1 and *cause (to free) on an
 * error, a target that is not empty, or any table that differs.
 */
int store_copy(struct store *from, struct store *to,
               void (*fn)(void *ctx, const struct store_copy_check *c), void *ctx, char **cause);

#endif
