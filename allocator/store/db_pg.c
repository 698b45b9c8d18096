/*
 * db_pg: db.h on PostgreSQL through libpq. Statements are translated from
 * the store's "?" / "?N" parameters to "$N", prepared lazily under a name
 * unique on the connection, and run with text parameters (blobs binary) and
 * text results; a step walks the rows of the one PGresult. It never retries
 * a statement on its own (db_transient tells the caller when a retry is
 * worth it); a dropped connection is made again before the next statement,
 * never inside a transaction.
 *
 * A statement marked deferred (db_defer: a write whose rows and count
 * nobody reads) run inside a transaction is only sent: the connection
 * enters libpq's pipeline mode and queues it, and the next statement that
 * is not deferred first syncs the pipeline and collects the queued results.
 * The server runs them in order, so what follows sees their effects; the
 * first error among them becomes that next statement's error (a COMMIT
 * then fails and the transaction is rolled back). An ingest batch's roll-up
 * rows, locks and gateway rows so cost one round trip, not one each.
 */
#include "db.h"
#include "db_int.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

struct pg {
	struct db base;
	PGconn *c;
	char *err;        /* the last error, PostgreSQL's message */
	char sqlstate[6]; /* of the last error, "" when none */
	int lost;         /* the connection broke */
	int in_txn;       /* a transaction was open when we last heard from the server */
	int readonly;     /* SET again on a new connection */
	unsigned gen;     /* connections made: statements prepared on an older one are gone */
	int64_t changes;  /* rows of the last INSERT, UPDATE or DELETE */
	unsigned next_id; /* for statement names */
	int piped;        /* deferred statements sent and not yet synced (pipeline mode) */
};

/* Deferred statements sent before a sync at the latest: bounds what either side buffers. */
#define PIPE_MAX 256

struct pg_stmt {
	struct db_stmt base;
	struct pg *d;
	char name[24];
	char *sql; /* with $N parameters */
	int nparams;
	int prepared;
	int deferred; /* db_defer: sent ahead inside a transaction */
	unsigned gen; /* the connection it was prepared on */
	const char **vals;
	int *lens;
	int *fmts;
	char (*num)[32]; /* formatted numbers, one per parameter */
	PGresult *res;
	int row, nrows, done;
	unsigned char *blob; /* the last unescaped bytea, until the next step or reset */
};

static const struct db_ops pg_ops;

static struct pg *PG(const struct db *d)
{
	return (struct pg *)d;
}

static struct pg_stmt *PS(struct db_stmt *q)
{
	return (struct pg_stmt *)q;
}

/* Records the error of a result (or of the connection when res is NULL). */
static void set_error(struct pg *d, const PGresult *res)
{
	const char *m = res ? PQresultErrorMessage(res) : "";
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	size_t n;
	if (!m || !*m)
		m = PQerrorMessage(d->c);
	free(d->err);
	d->err = xstrdup(m && *m ? m : "unknown PostgreSQL error");
	/* libpq ends its messages with a newline; the store adds its own context */
	n = strlen(d->err);
	while (n > 0 && (d->err[n - 1] == '\n' || d->err[n - 1] == ' '))
		d->err[--n] = '\0';
	snprintf(d->sqlstate, sizeof d->sqlstate, "%s", st ? st : "");
	d->lost = PQstatus(d->c) != CONNECTION_OK;
}

static void clear_error(struct pg *d)
{
	d->sqlstate[0] = '\0';
}

/*
 * Syncs the pipeline of deferred statements and collects their results,
 * leaving pipeline mode: 0, or -1 with the first error among them recorded
 * (a lost connection included). A no-op outside pipeline mode.
 */
static int drain(struct pg *d)
{
	PGresult *res, *bad = NULL;
	int nulls = 0, ok = 1;
	if (PQpipelineStatus(d->c) == PQ_PIPELINE_OFF)
		return 0;
	d->piped = 0;
	if (!PQpipelineSync(d->c)) {
		set_error(d, NULL);
		ok = 0;
	}
	while (ok) {
		res = PQgetResult(d->c);
		if (!res) {
			/* one NULL ends each statement's results; more means the connection is gone
			 */
			if (PQstatus(d->c) != CONNECTION_OK || ++nulls > 2) {
				set_error(d, NULL);
				ok = 0;
			}
			continue;
		}
		nulls = 0;
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		if (PQresultStatus(res) == PGRES_FATAL_ERROR && !bad)
			bad = res;
		else
			PQclear(res);
	}
	if (ok && bad) {
		set_error(d, bad);
		ok = 0;
	}
	PQclear(bad);
	if (!PQexitPipelineMode(d->c) && PQstatus(d->c) == CONNECTION_OK) {
		if (ok)
			set_error(d, NULL);
		ok = 0;
	}
	{
		PGTransactionStatusType t = PQtransactionStatus(d->c);
		if (t != PQTRANS_UNKNOWN)
			d->in_txn = t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
	}
	if (!ok) {
		char *m = xasprintf("in a write sent ahead: %s", d->err);
		free(d->err);
		d->err = m;
	}
	return ok ? 0 : -1;
}

/* 1 when res is a success; else records its error. */
static int result_ok(struct pg *d, PGresult *res)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	PGTransactionStatusType t = PQtransactionStatus(d->c);
	if (t != PQTRANS_UNKNOWN)
		d->in_txn = t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		const char *n = PQcmdTuples(res);
		clear_error(d);
		if (n && *n)
			d->changes = strtoll(n, NULL, 10);
		else
			d->changes = 0;
		return 1;
	}
	set_error(d, res);
	return 0;
}

/*
 * Settings every connection gets: 0 or -1 (the error recorded). A writer
 * commits synchronously whatever the server's default: ingest acknowledges a
 * reading once its COMMIT returns and the collector then deletes it, so an
 * asynchronous commit (synchronous_commit = off, a common tuning) that a
 * server crash loses would lose the reading for good.
 */
static int session_setup(struct pg *d)
{
	PGresult *res;
	if (d->readonly)
		res = PQexec(d->c, "SET client_min_messages = warning;"
		                   "SET default_transaction_read_only = on");
	else
		res = PQexec(d->c, "SET client_min_messages = warning;"
		                   "SET synchronous_commit = on");
	int ok = result_ok(d, res);
	PQclear(res);
	return ok ? 0 : -1;
}

/* 1 when sql starts with word (any case). */
static int starts(const char *sql, const char *word)
{
	size_t n = strlen(word);
	while (*sql == ' ')
		sql++;
	return strncasecmp(sql, word, n) == 0;
}

/*
 * Before a statement: a connection the server dropped is made again, but
 * not in the middle of a transaction (its work is gone; running the rest in
 * autocommit would commit half of it): until the store rolls back, every
 * statement fails as a lost connection. ROLLBACK itself then succeeds.
 * 0 to go on, 1 when the statement was a ROLLBACK answered here, -1.
 */
static int ensure(struct pg *d, const char *sql)
{
	if (drain(d) < 0 && !starts(sql, "ROLLBACK"))
		return -1; /* ROLLBACK goes on: it ends the failed transaction */
	if (PQstatus(d->c) == CONNECTION_OK)
		return 0;
	if (d->in_txn && !starts(sql, "ROLLBACK")) {
		free(d->err);
		d->err = xstrdup("the connection to the server was lost inside a transaction");
		snprintf(d->sqlstate, sizeof d->sqlstate, "08006");
		d->lost = 1;
		return -1;
	}
	d->in_txn = 0;
	PQreset(d->c);
	if (PQstatus(d->c) != CONNECTION_OK) {
		set_error(d, NULL);
		d->lost = 1;
		return -1;
	}
	d->gen++;
	d->lost = 0;
	if (session_setup(d) < 0)
		return -1;
	return starts(sql, "ROLLBACK") ? 1 : 0;
}

/*
 * The server answers the COMMIT of a failed transaction with a rollback and
 * no error: 1 (the error recorded) when res is that answer to sql.
 */
static int rolled_back(struct pg *d, const char *sql, PGresult *res)
{
	if (!starts(sql, "COMMIT") || strcmp(PQcmdStatus(res), "ROLLBACK") != 0)
		return 0;
	free(d->err);
	d->err = xstrdup("the transaction was rolled back: a statement in it failed");
	snprintf(d->sqlstate, sizeof d->sqlstate, "25P02");
	return 1;
}

static void pg_close(struct db *d)
{
	PQfinish(PG(d)->c);
	free(PG(d)->err);
	free(d);
}

static int pg_exec(struct db *d, const char *sql)
{
	PGresult *res;
	int ok = ensure(PG(d), sql);
	if (ok != 0)
		return ok > 0 ? 0 : -1;
	res = PQexec(PG(d)->c, sql);
	ok = result_ok(PG(d), res);
	if (ok && rolled_back(PG(d), sql, res))
		ok = 0;
	PQclear(res);
	return ok ? 0 : -1;
}

static const char *pg_errmsg(const struct db *d)
{
	return PG(d)->err ? PG(d)->err : "no error";
}

static int pg_transient(const struct db *d)
{
	const char *s = PG(d)->sqlstate;
	if (PG(d)->lost)
		return 1;
	/* serialization failure and deadlock, connection, resources, operator shutdown */
	return strncmp(s, "40", 2) == 0 || strncmp(s, "08", 2) == 0 || strncmp(s, "53", 2) == 0 ||
	       strncmp(s, "57P", 3) == 0;
}

static int pg_in_transaction(const struct db *d)
{
	PGTransactionStatusType t = PQtransactionStatus(PG(d)->c);
	/* a lost connection keeps its transaction open until the store rolls it back */
	if (t == PQTRANS_UNKNOWN)
		return PG(d)->in_txn;
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static int64_t pg_changes(const struct db *d)
{
	return PG(d)->changes;
}

/*
 * Rewrites "?" (numbered in order) and "?N" to "$N", leaving string literals,
 * quoted names and comments alone; *nparams is the highest number used.
 */
static char *translate(const char *sql, int *nparams)
{
	size_t n = strlen(sql);
	char *out = xmalloc(n * 4 + 1), *o = out;
	int seq = 0, max = 0;
	const char *p = sql;
	while (*p) {
		if (*p == '\'' || *p == '"') {
			char qc = *p;
			*o++ = *p++;
			while (*p) {
				if (*p == qc && p[1] == qc) {
					*o++ = *p++;
					*o++ = *p++;
					continue;
				}
				if (*p == qc)
					break;
				*o++ = *p++;
			}
			if (*p)
				*o++ = *p++;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				*o++ = *p++;
		} else if (*p == '?') {
			int k;
			p++;
			if (*p >= '0' && *p <= '9') {
				k = 0;
				while (*p >= '0' && *p <= '9')
					k = k * 10 + (*p++ - '0');
			} else {
				k = ++seq;
			}
			if (k > max)
				max = k;
			o += sprintf(o, "$%d", k);
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	*nparams = max;
	return out;
}

static struct db_stmt *pg_prepare(struct db *d, const char *sql)
{
	struct pg_stmt *q = xcalloc(1, sizeof *q);
	int n;
	q->base.ops = &pg_ops;
	q->d = PG(d);
	q->sql = translate(sql, &q->nparams);
	n = q->nparams > 0 ? q->nparams : 1;
	q->vals = xcalloc((size_t)n, sizeof *q->vals);
	q->lens = xcalloc((size_t)n, sizeof *q->lens);
	q->fmts = xcalloc((size_t)n, sizeof *q->fmts);
	q->num = xcalloc((size_t)n, sizeof *q->num);
	snprintf(q->name, sizeof q->name, "pvmon_%u", ++PG(d)->next_id);
	return &q->base;
}

/* Drops the rows of the last run. */
static void clear_rows(struct pg_stmt *q)
{
	PQclear(q->res);
	q->res = NULL;
	PQfreemem(q->blob);
	q->blob = NULL;
	q->row = q->nrows = q->done = 0;
}

static void pg_finalize(struct db_stmt *dq)
{
	struct pg_stmt *q = PS(dq);
	clear_rows(q);
	if (q->prepared && q->gen == q->d->gen && drain(q->d) == 0 &&
	    PQstatus(q->d->c) == CONNECTION_OK) {
		char sql[64];
		PGresult *res;
		snprintf(sql, sizeof sql, "DEALLOCATE %s", q->name);
		res = PQexec(q->d->c, sql);
		PQclear(res);
	}
	free(q->sql);
	free(q->vals);
	free(q->lens);
	free(q->fmts);
	free(q->num);
	free(q);
}

static void pg_reset(struct db_stmt *dq)
{
	struct pg_stmt *q = PS(dq);
	clear_rows(q);
	for (int i = 0; i < q->nparams; i++) {
		q->vals[i] = NULL;
		q->lens[i] = 0;
		q->fmts[i] = 0;
	}
}

/* The slot of parameter i (from 1), or -1 when out of range. */
static int slot(struct pg_stmt *q, int i)
{
	return i >= 1 && i <= q->nparams ? i - 1 : -1;
}

static void pg_bind_int64(struct db_stmt *dq, int i, int64_t v)
{
	struct pg_stmt *q = PS(dq);
	int k = slot(q, i);
	if (k < 0)
		return;
	snprintf(q->num[k], sizeof q->num[k], "%" PRId64, v);
	q->vals[k] = q->num[k];
	q->fmts[k] = 0;
}

static void pg_bind_double(struct db_stmt *dq, int i, double v)
{
	struct pg_stmt *q = PS(dq);
	int k = slot(q, i);
	if (k < 0)
		return;
	snprintf(q->num[k], sizeof q->num[k], "%.17g", v);
	q->vals[k] = q->num[k];
	q->fmts[k] = 0;
}

static void pg_bind_text(struct db_stmt *dq, int i, const char *v)
{
	struct pg_stmt *q = PS(dq);
	int k = slot(q, i);
	if (k < 0)
		return;
	q->vals[k] = v;
	q->fmts[k] = 0;
}

static void pg_bind_blob(struct db_stmt *dq, int i, const void *p, size_t len)
{
	struct pg_stmt *q = PS(dq);
	int k = slot(q, i);
	if (k < 0)
		return;
	q->vals[k] = len ? (const char *)p : "";
	q->lens[k] = (int)len;
	q->fmts[k] = 1;
}

static void pg_bind_null(struct db_stmt *dq, int i)
{
	struct pg_stmt *q = PS(dq);
	int k = slot(q, i);
	if (k < 0)
		return;
	q->vals[k] = NULL;
	q->fmts[k] = 0;
}

/* 1 when a deferred statement may be sent ahead: inside a transaction on a live connection. */
static int can_pipe(struct pg *d)
{
	if (PQstatus(d->c) != CONNECTION_OK)
		return 0;
	return PQpipelineStatus(d->c) != PQ_PIPELINE_OFF ||
	       PQtransactionStatus(d->c) == PQTRANS_INTRANS;
}

/* Sends a deferred statement ahead (prepared first, synchronously, when it is not). */
static int send_ahead(struct pg_stmt *q)
{
	struct pg *d = q->d;
	q->done = 1;
	if (!q->prepared || q->gen != d->gen) {
		const char *sql = q->sql;
		PGresult *res;
		if (ensure(d, sql) != 0)
			return DB_ERROR;
		res = PQprepare(d->c, q->name, sql, 0, NULL);
		if (!result_ok(d, res)) {
			PQclear(res);
			return DB_ERROR;
		}
		PQclear(res);
		q->prepared = 1;
		q->gen = d->gen;
	}
	if (PQpipelineStatus(d->c) == PQ_PIPELINE_OFF && !PQenterPipelineMode(d->c)) {
		set_error(d, NULL);
		return DB_ERROR;
	}
	if (!PQsendQueryPrepared(d->c, q->name, q->nparams, q->vals, q->lens, q->fmts, 0)) {
		set_error(d, NULL);
		return DB_ERROR;
	}
	d->changes = 0;
	if (++d->piped >= PIPE_MAX && drain(d) < 0)
		return DB_ERROR;
	return DB_DONE;
}

static void pg_defer(struct db_stmt *dq)
{
	PS(dq)->deferred = 1;
}

static int pg_step(struct db_stmt *dq)
{
	struct pg_stmt *q = PS(dq);
	PQfreemem(q->blob);
	q->blob = NULL;
	if (!q->res && !q->done && q->deferred && can_pipe(q->d))
		return send_ahead(q);
	if (!q->res && !q->done) {
		PGresult *res;
		int e = ensure(q->d, q->sql);
		if (e != 0) {
			q->done = 1;
			return e > 0 ? DB_DONE : DB_ERROR;
		}
		if (!q->prepared || q->gen != q->d->gen) {
			const char *sql = q->sql;
			res = PQprepare(q->d->c, q->name, sql, 0, NULL);
			if (!result_ok(q->d, res)) {
				PQclear(res);
				return DB_ERROR;
			}
			PQclear(res);
			q->prepared = 1;
			q->gen = q->d->gen;
		}
		res = PQexecPrepared(q->d->c, q->name, q->nparams, q->vals, q->lens, q->fmts, 0);
		if (!result_ok(q->d, res)) {
			PQclear(res);
			q->done = 1;
			return DB_ERROR;
		}
		if (rolled_back(q->d, q->sql, res)) {
			PQclear(res);
			q->done = 1;
			return DB_ERROR;
		}
		q->res = res;
		q->nrows = PQntuples(res);
		q->row = -1;
	}
	if (!q->res)
		return DB_DONE;
	if (++q->row < q->nrows)
		return DB_ROW;
	/* keep done so that stepping past the end does not run the statement again */
	PQclear(q->res);
	q->res = NULL;
	q->done = 1;
	return DB_DONE;
}

/* The value of column i of the current row, NULL for NULL or no row. */
static const char *value(struct pg_stmt *q, int i)
{
	if (!q->res || q->row < 0 || q->row >= q->nrows || i < 0 || i >= PQnfields(q->res))
		return NULL;
	if (PQgetisnull(q->res, q->row, i))
		return NULL;
	return PQgetvalue(q->res, q->row, i);
}

static int pg_column_null(struct db_stmt *q, int i)
{
	return value(PS(q), i) == NULL;
}

static int64_t pg_column_int64(struct db_stmt *q, int i)
{
	const char *v = value(PS(q), i);
	if (!v)
		return 0;
	/* booleans come back as t / f */
	if (v[0] == 't' && v[1] == '\0')
		return 1;
	return strtoll(v, NULL, 10);
}

static double pg_column_double(struct db_stmt *q, int i)
{
	const char *v = value(PS(q), i);
	return v ? strtod(v, NULL) : 0.0;
}

static const char *pg_column_text(struct db_stmt *q, int i)
{
	return value(PS(q), i);
}

static const void *pg_column_blob(struct db_stmt *dq, int i, size_t *len)
{
	struct pg_stmt *q = PS(dq);
	const char *v = value(q, i);
	*len = 0;
	if (!v)
		return NULL;
	PQfreemem(q->blob);
	q->blob = PQunescapeBytea((const unsigned char *)v, len);
	return q->blob;
}

static const struct db_ops pg_ops = {
    .engine = DB_PG,
    .close = pg_close,
    .exec = pg_exec,
    .errmsg = pg_errmsg,
    .transient = pg_transient,
    .in_transaction = pg_in_transaction,
    .changes = pg_changes,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .defer = pg_defer,
    .column_null = pg_column_null,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .column_blob = pg_column_blob,
};

/* Reads the first line of a password file into a new string; NULL and *cause on failure. */
static char *read_password(const char *path, char **cause)
{
	FILE *f = fopen(path, "r");
	char buf[1024];
	size_t n;
	if (!f) {
		*cause =
		    xasprintf("%s: cannot read the database password: %s", path, strerror(errno));
		return NULL;
	}
	if (!fgets(buf, sizeof buf, f))
		buf[0] = '\0';
	fclose(f);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return xstrdup(buf);
}

/* The store's own messages say what failed; the server's notices are noise. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Opens a connection to the URL, with the password when given. */
static PGconn *connect_url(const char *url, const char *password)
{
	const char *keys[] = {"dbname", "password", "fallback_application_name", NULL};
	const char *vals[] = {url, password, "pvmon", NULL};
	if (!password) {
		keys[1] = "fallback_application_name";
		vals[1] = "pvmon";
		keys[2] = vals[2] = NULL;
	}
	/* expand_dbname: the URL fills in everything it names; the password is added */
	return PQconnectdbParams(keys, vals, 1);
}

struct db *db_pg_open(const char *url, int readonly, const char *password_file, char **cause)
{
	struct pg *d = xcalloc(1, sizeof *d);
	char *password = NULL;
	d->base.ops = &pg_ops;
	if (password_file && !(password = read_password(password_file, cause)))
		goto fail;
	d->c = connect_url(url, password);
	if (password) {
		memset(password, 0, strlen(password));
		free(password);
	}
	if (!d->c || PQstatus(d->c) != CONNECTION_OK) {
		set_error(d, NULL);
		*cause = xasprintf("%s: cannot connect to the database: %s", url, d->err);
		goto fail;
	}
	PQsetNoticeProcessor(d->c, quiet, NULL);
	d->readonly = readonly;
	if (session_setup(d) < 0) {
		*cause = xasprintf("%s: setting up the connection: %s", url, d->err);
		goto fail;
	}
	return &d->base;
fail:
	pg_close(&d->base);
	return NULL;
}
