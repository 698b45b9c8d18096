/*
 * floor_db: the province bench's database floor on SQLite, the least a store could do with the
 * readings ingest stored: the same rows, into a table of the same shape (its CREATE TABLE and
 * CREATE INDEX copied from the source file), with the same pragmas as the store (WAL,
 * synchronous=FULL), one prepared INSERT per row and a transaction per BATCH rows. No parsing,
 * no validation, no roll-ups, no acks: a measure, not a product. The rows are read into memory
 * first, so the time is the inserts' and the commits' only.
 *
 *   floor_db SOURCE.db DEST.db [BATCH [TABLE]]   (BATCH default 1000, TABLE default readings)
 * DEST is created afresh. Prints "rows N seconds S rate R".
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int exec(sqlite3 *db, const char *sql, const char *what)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "floor_db: %s: %s\n", what, err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *table = argc > 4 ? argv[4] : "readings";
	int batch = argc > 3 ? atoi(argv[3]) : 1000;
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_stmt *q = NULL, *ins = NULL;
	sqlite3_value **vals = NULL;
	size_t n = 0, cap = 0, r;
	int cols = 0, c, rc = 1, in_txn = 0;
	char *sql = NULL, path_wal[4096];
	double t0, t1;

	if (argc < 3 || argc > 5 || batch < 1) {
		fprintf(stderr, "usage: floor_db SOURCE.db DEST.db [BATCH [TABLE]]\n");
		return 2;
	}
	unlink(argv[2]);
	snprintf(path_wal, sizeof path_wal, "%s-wal", argv[2]);
	unlink(path_wal);
	snprintf(path_wal, sizeof path_wal, "%s-shm", argv[2]);
	unlink(path_wal);
	if (sqlite3_open_v2(argv[1], &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_open(argv[2], &dst) != SQLITE_OK) {
		fprintf(stderr, "floor_db: cannot open %s or %s\n", argv[1], argv[2]);
		goto done;
	}
	if (exec(dst, "PRAGMA journal_mode = WAL", "WAL") < 0 ||
	    exec(dst, "PRAGMA synchronous = FULL", "synchronous") < 0 ||
	    exec(dst, "PRAGMA cache_size = -32768", "cache size") < 0)
		goto done;
	/* the table, then its indexes, as the source has them */
	if (sqlite3_prepare_v2(src,
	                       "SELECT sql FROM sqlite_master WHERE tbl_name = ?1 AND sql IS NOT "
	                       "NULL ORDER BY type = 'index'",
	                       -1, &q, NULL) != SQLITE_OK) {
		fprintf(stderr, "floor_db: %s: %s\n", argv[1], sqlite3_errmsg(src));
		goto done;
	}
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		if (exec(dst, (const char *)sqlite3_column_text(q, 0), "copying the schema") < 0)
			goto done;
		cols = -1;
	}
	sqlite3_finalize(q);
	q = NULL;
	if (cols == 0) {
		fprintf(stderr, "floor_db: %s: no table \"%s\"\n", argv[1], table);
		goto done;
	}
	sql = sqlite3_mprintf("SELECT * FROM \"%w\"", table);
	if (sqlite3_prepare_v2(src, sql, -1, &q, NULL) != SQLITE_OK) {
		fprintf(stderr, "floor_db: %s: %s\n", argv[1], sqlite3_errmsg(src));
		goto done;
	}
	cols = sqlite3_column_count(q);
	while (sqlite3_step(q) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			vals = realloc(vals, cap * (size_t)cols * sizeof *vals);
			if (!vals) {
				fprintf(stderr, "floor_db: out of memory\n");
				goto done;
			}
		}
		for (c = 0; c < cols; c++)
			vals[n * (size_t)cols + (size_t)c] =
			    sqlite3_value_dup(sqlite3_column_value(q, c));
		n++;
	}
	sqlite3_free(sql);
	{
		/* INSERT INTO t VALUES (?, ?, ...) */
		size_t len = 64 + strlen(table) * 2 + (size_t)cols * 3;
		char *p;
		sql = sqlite3_malloc((int)len);
		p = sql + snprintf(sql, len, "INSERT INTO \"%s\" VALUES (", table);
		for (c = 0; c < cols; c++)
			p += snprintf(p, len - (size_t)(p - sql), c ? ",?" : "?");
		snprintf(p, len - (size_t)(p - sql), ")");
	}
	if (sqlite3_prepare_v2(dst, sql, -1, &ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "floor_db: %s: %s\n", argv[2], sqlite3_errmsg(dst));
		goto done;
	}
	t0 = now_s();
	for (r = 0; r < n; r++) {
		if (!in_txn) {
			if (exec(dst, "BEGIN", "BEGIN") < 0)
				goto done;
			in_txn = 1;
		}
		for (c = 0; c < cols; c++)
			sqlite3_bind_value(ins, c + 1, vals[r * (size_t)cols + (size_t)c]);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			fprintf(stderr, "floor_db: insert: %s\n", sqlite3_errmsg(dst));
			goto done;
		}
		sqlite3_reset(ins);
		if ((r + 1) % (size_t)batch == 0) {
			if (exec(dst, "COMMIT", "COMMIT") < 0)
				goto done;
			in_txn = 0;
		}
	}
	if (in_txn && exec(dst, "COMMIT", "COMMIT") < 0)
		goto done;
	t1 = now_s();
	printf("rows %zu seconds %.3f rate %.0f\n", n, t1 - t0,
	       t1 > t0 ? (double)n / (t1 - t0) : 0);
	rc = 0;
done:
	if (vals) {
		for (r = 0; r < n * (size_t)cols; r++)
			sqlite3_value_free(vals[r]);
		free(vals);
	}
	sqlite3_free(sql);
	sqlite3_finalize(q);
	sqlite3_finalize(ins);
	sqlite3_close(src);
	sqlite3_close(dst);
	return rc;
}
