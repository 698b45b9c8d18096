/*
 * db_pg: db.h on PostgreSQL through libpq (not yet: this build refuses URLs).
 */
#include "db.h"
#include "db_int.h"

#include "util.h"

struct db *db_pg_open(const char *url, int readonly, const char *password_file, char **cause)
{
	(void)readonly;
	(void)password_file;
	*cause = xasprintf("%s: this pvmon has no PostgreSQL engine", url);
	return NULL;
}
