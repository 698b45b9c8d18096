/*
 * store_copy: copies every table of one store into another of the same
 * schema version (a SQLite file into PostgreSQL: docs/storage.md,
 * "PostgreSQL"), in one transaction on the target, then checks each table's
 * row count and sums on both sides. It never changes the source and never
 * copies into a target that already holds rows.
 */
#include "store_copy.h"
#include "store_int.h"
#include "store_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A table: its columns with their types (i integer, d double, t text, b blob). */
struct table {
	const char *name;
	const char *cols;
	const char *types;
	const char *order;
	const char *sums[3];  /* integer expressions both engines compute alike */
	const char *identity; /* the generated id column on PostgreSQL, or NULL */
};

static const struct table tables[] = {
    {"gw_ids", "id, gw", "it", "id", {"sum(id)", "sum(length(gw))", "count(gw)"}, "id"},
    {"devices",
     "id, station, device",
     "itt",
     "id",
     {"sum(id)", "sum(length(station))", "sum(length(device))"},
     "id"},
    {"maps", "id, name", "it", "id", {"sum(id)", "sum(length(name))", "count(name)"}, "id"},
    {"gw_pending", "gw, seq", "ii", "gw, seq", {"sum(gw)", "sum(seq)", "count(seq)"}, NULL},
    {"readings",
     "dev, ts, gw, seq, kind, state, ac_power_w, energy_wh, import_wh, today_wh, temp_dc,"
     " grid_chz, alarms, quality, map",
     "iiiiiiiiiiiiiii",
     "dev, ts, gw, seq",
     {"sum(seq)", "sum(ts / 60000)", "sum(coalesce(energy_wh, 0) % 1000000007)"},
     NULL},
    {"rejected",
     "id, received_ms, topic, payload, reason, gw, seq",
     "iitbtti",
     "id",
     {"sum(received_ms / 1000)", "sum(length(payload))", "sum(coalesce(seq, 0))"},
     "id"},
    {"gateways",
     "gw, acked_seq, max_seq, lost_seqs, last_ms, status, version, backlog, dropped_total,"
     " spool_min_seq, rejects",
     "tiiiittiiii",
     "gw",
     {"sum(acked_seq)", "sum(max_seq)", "sum(lost_seqs)"},
     NULL},
    {"daily",
     "station, device, day, kind, n_readings, first_ts, first_wh, last_ts, last_wh, delta_wh,"
     " resets, excluded, peak_w, asleep_s, offline_s, fault_s, alarms, alarm_map",
     "ttiiiiiiiiiiiiiiit",
     "station, device, day",
     {"sum(day)", "sum(n_readings)", "sum(delta_wh)"},
     NULL},
    {"hourly",
     "station, device, day, hour, wh, n, peak_w",
     "ttiiiii",
     "station, device, day, hour",
     {"sum(day * 24 + hour)", "sum(wh)", "sum(n)"},
     NULL},
    {"ledger_statement_file",
     "id, name, sha256, imported_day, n_rows, n_changed",
     "ittiii",
     "id",
     {"sum(id)", "sum(n_rows)", "sum(n_changed)"},
     "id"},
    {"ledger_statement",
     "id, file, row, station, period, first_month, n_months, settled_wh, coal_fen, subsidy_fen,"
     " deduction_fen, reference, metered_wh, flagged, supersedes, superseded_by",
     "iiittiiiiiitiiii",
     "id",
     {"sum(settled_wh)", "sum(coal_fen)", "sum(subsidy_fen)"},
     "id"},
    {"ledger_entry",
     "id, day, month, kind, part, station, village, period, payer, fen, parent, corrects, grp,"
     " ref, note, hash",
     "itttttttiiiiittt",
     "id",
     {"sum(id)", "sum(fen)", "sum(period)"},
     NULL},
    {"ledger_receipt",
     "id, day, payer, part, station, period, fen, ref",
     "itttttit",
     "id",
     {"sum(id)", "sum(fen)", "0"},
     "id"},
    {"ledger_seal",
     "month, first_id, last_id, n_entries, prev, hash, sealed_day",
     "tiiittt",
     "month",
     {"sum(coalesce(first_id, 0))", "sum(coalesce(last_id, 0))", "sum(n_entries)"},
     NULL},
    {"alerts",
     "id, rule, severity, gw, station, device, start_ms, end_ms, updated_ms, value, retained,"
     " village",
     "ttttttiiiiit",
     "id",
     {"sum(start_ms / 1000)", "sum(value)", "sum(retained)"},
     NULL},
    {"ingest_stats",
     "worker, started_ms, updated_ms, stored, duplicates, rejected, statuses, batches, failures,"
     " batch_rows, last_batch_rows, commit_us, commit_hist",
     "tiiiiiiiiiiit",
     "worker",
     {"sum(stored)", "sum(batches)", "sum(failures)"},
     NULL},
};

/* Reads count(*) and the table's sums on one store. */
static int measure(struct store *s, const struct table *t, int64_t out[4], char **cause)
{
	char *sql = xasprintf("SELECT count(*), coalesce(%s, 0), coalesce(%s, 0), coalesce(%s, 0)"
	                      " FROM %s",
	                      t->sums[0], t->sums[1], t->sums[2], t->name);
	struct db_stmt *q;
	int rc = -1;
	if (!(q = db_prepare(store_int_db(s), sql)) || db_step(q) != DB_ROW) {
		*cause = xasprintf("%s: measuring table \"%s\": %s", store_int_path(s), t->name,
		                   db_errmsg(store_int_db(s)));
		goto done;
	}
	for (int i = 0; i < 4; i++)
		out[i] = db_column_int64(q, i);
	rc = 0;
done:
	db_finalize(q);
	free(sql);
	return rc;
}

/* 1 when the store has the table, 0 when not, -1. */
static int has_table(struct store *s, const char *name)
{
	struct db_stmt *q;
	int rc = -1;
	if (db_engine(store_int_db(s)) == DB_PG)
		q = db_prepare(store_int_db(s), "SELECT (to_regclass(?) IS NOT NULL)::int");
	else
		q = db_prepare(store_int_db(s), "SELECT count(*) FROM sqlite_master"
		                                " WHERE type = 'table' AND name = ?");
	if (!q)
		return -1;
	db_bind_text(q, 1, name);
	if (db_step(q) == DB_ROW)
		rc = db_column_int64(q, 0) > 0;
	db_finalize(q);
	return rc;
}

/* Copies the rows of one table, in its key order. */
static int copy_table(struct store *from, struct store *to, const struct table *t, char **cause)
{
	struct db *src = store_int_db(from), *dst = store_int_db(to);
	char *sel = xasprintf("SELECT %s FROM %s ORDER BY %s", t->cols, t->name, t->order);
	char marks[128];
	char *ins = NULL;
	struct db_stmt *q = NULL, *w = NULL;
	int n = (int)strlen(t->types), rc, ret = -1;
	size_t m = 0;
	for (int i = 0; i < n; i++)
		m += (size_t)snprintf(marks + m, sizeof marks - m, "%s?", i ? "," : "");
	ins = xasprintf("INSERT INTO %s (%s) VALUES (%s)", t->name, t->cols, marks);
	if (!(q = db_prepare(src, sel))) {
		*cause = xasprintf("%s: reading table \"%s\": %s", store_int_path(from), t->name,
		                   db_errmsg(src));
		goto done;
	}
	if (!(w = db_prepare(dst, ins))) {
		*cause = xasprintf("%s: writing table \"%s\": %s", store_int_path(to), t->name,
		                   db_errmsg(dst));
		goto done;
	}
	while ((rc = db_step(q)) == DB_ROW) {
		if (strcmp(t->name, "readings") == 0 && db_engine(dst) == DB_PG &&
		    store_pg_partition(to, store_int_pg(to), db_column_int64(q, 5)) < 0) {
			*cause = xstrdup(store_error(to));
			goto done;
		}
		db_reset(w);
		for (int i = 0; i < n; i++) {
			const void *p;
			size_t len;
			if (db_column_null(q, i)) {
				db_bind_null(w, i + 1);
				continue;
			}
			switch (t->types[i]) {
			case 'i':
				db_bind_int64(w, i + 1, db_column_int64(q, i));
				break;
			case 'd':
				db_bind_double(w, i + 1, db_column_double(q, i));
				break;
			case 'b':
				p = db_column_blob(q, i, &len);
				db_bind_blob(w, i + 1, p, len);
				break;
			default:
				db_bind_text(w, i + 1, db_column_text(q, i));
			}
		}
		if (db_step(w) != DB_DONE) {
			*cause = xasprintf("%s: writing table \"%s\": %s", store_int_path(to),
			                   t->name, db_errmsg(dst));
			goto done;
		}
	}
	if (rc != DB_DONE) {
		*cause = xasprintf("%s: reading table \"%s\": %s", store_int_path(from), t->name,
		                   db_errmsg(src));
		goto done;
	}
	if (t->identity && db_engine(dst) == DB_PG) {
		/* the next generated id follows the copied ones */
		char *sql = xasprintf("SELECT setval(pg_get_serial_sequence('%s', '%s'),"
		                      " coalesce(max(%s), 0) + 1, false) FROM %s",
		                      t->name, t->identity, t->identity, t->name);
		int e = db_exec(dst, sql);
		free(sql);
		if (e < 0) {
			*cause = xasprintf("%s: setting the ids of table \"%s\": %s",
			                   store_int_path(to), t->name, db_errmsg(dst));
			goto done;
		}
	}
	ret = 0;
done:
	db_finalize(q);
	db_finalize(w);
	free(sel);
	free(ins);
	return ret;
}

int store_copy(struct store *from, struct store *to,
               void (*fn)(void *ctx, const struct store_copy_check *c), void *ctx, char **cause)
{
	size_t nt = sizeof tables / sizeof tables[0];
	int64_t before[4];
	int absent[sizeof tables / sizeof tables[0]];
	int bad = 0;
	for (size_t i = 0; i < nt; i++) {
		if (measure(to, &tables[i], before, cause) < 0)
			return -1;
		if (before[0] != 0) {
			*cause =
			    xasprintf("%s: table \"%s\" already holds %lld rows: copy into an "
			              "empty database",
			              store_int_path(to), tables[i].name, (long long)before[0]);
			return -1;
		}
	}
	if (store_begin(to) < 0) {
		*cause = xstrdup(store_error(to));
		return -1;
	}
	for (size_t i = 0; i < nt; i++) {
		/* a file whose schema lacks a table (loaded by hand) has nothing to copy there */
		if ((absent[i] = has_table(from, tables[i].name)) < 0) {
			*cause = xasprintf("%s: listing its tables: %s", store_int_path(from),
			                   db_errmsg(store_int_db(from)));
			goto fail;
		}
		absent[i] = !absent[i];
		if (!absent[i] && copy_table(from, to, &tables[i], cause) < 0)
			goto fail;
	}
	if (store_commit(to) < 0) {
		*cause = xstrdup(store_error(to));
		goto fail;
	}
	for (size_t i = 0; i < nt; i++) {
		struct store_copy_check c;
		memset(&c, 0, sizeof c);
		c.table = tables[i].name;
		for (int k = 0; k < 3; k++)
			c.sums[k] = tables[i].sums[k];
		c.absent = absent[i];
		if ((!c.absent && measure(from, &tables[i], c.from, cause) < 0) ||
		    measure(to, &tables[i], c.to, cause) < 0)
			return -1;
		c.equal = memcmp(c.from, c.to, sizeof c.from) == 0;
		bad += !c.equal;
		fn(ctx, &c);
	}
	if (bad) {
		*cause = xasprintf("%s: %d tables differ after the copy", store_int_path(to), bad);
		return -1;
	}
	return 0;
fail:
	store_rollback(to);
	return -1;
}
