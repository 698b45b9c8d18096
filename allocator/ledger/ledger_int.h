/*
 * ledger_int: what the ledger's files share and nobody else sees: the handle
 * and the one function that appends an entry. Its tables are read and
 * written through the store (store_ledger.h) alone.
 */
#ifndef PVMON_LEDGER_INT_H
#define PVMON_LEDGER_INT_H

#include "ledger.h"
#include "msg.h"
#include "store_ledger.h"

#define LEDGER_ENERGY_CACHE 4

struct energy;

struct ledger {
	struct store *store; /* borrowed */
	const struct fleet *fleet;
	struct ledger_opts o;
	/* energy of recent windows (all stations): one command reads the roll-ups once */
	struct {
		struct energy *e; /* owned */
		int first, n;
	} cache[LEDGER_ENERGY_CACHE];
	int cache_next;
};

/* One entry as appended; strings borrowed; 0 in parent/corrects/grp is NULL. */
struct ledger_entry_in {
	int32_t day;
	const char *kind; /* accrual, receipt, disbursement, use */
	const char *part, *station, *village;
	int period; /* month index of the period covered; 0 when none */
	const char *payer;
	int64_t fen;
	int64_t parent, corrects, grp;
	const char *ref, *note;
};

/* Appends an entry, refusing a day in a sealed month; *id gets its id (may be NULL). */
int ledger_append(struct ledger *l, const struct ledger_entry_in *e, int64_t *id, char **cause);
/* The canonical text an entry's hash is taken over (docs/ledger.md), into a new string. */
char *ledger_entry_text(int64_t id, const char *day, const char *kind, const char *part,
                        const char *station, const char *village, int64_t period, const char *payer,
                        int64_t fen, int64_t parent, int64_t corrects, int64_t grp, const char *ref,
                        const char *note);

/* The store's last error into *cause; returns -1. */
int ledger_store_fail(struct ledger *l, char **cause);
/* Transactions through the store, with *cause on error. */
int ledger_begin(struct ledger *l, char **cause);
int ledger_commit(struct ledger *l, char **cause);
void ledger_rollback(struct ledger *l);

/* Splits total (any sign) among n weights (> 0) by the largest remainder (alloc.c). */
int ledger_split(int64_t total, int n, const int64_t *weights, const char *const *keys,
                 int64_t *out);
/* The payer of a part of a station. */
const char *ledger_payer_of(const struct fleet_station *st, enum ledger_part p);
/* The last local day of the settlement cycle that contains month. */
int32_t ledger_due_day(const struct fleet_station *st, enum ledger_part p, int month);
/* First local day of a month index, and its length. */
int32_t ledger_month_first_day(int month, int *ndays);

/* Frees the cached energy windows (ledger_close calls it). */
void ledger_energy_drop(struct ledger *l);
/* The meter's settlement energy of a station over months first..first+n-1, in Wh. */
int ledger_metered_wh(struct ledger *l, int station, int first, int n, int64_t *wh, char **cause);
/* Months of the current statements that touch months first..first+n-1 of a station are
 * accrued again (only months already accrued); corrections dated day. */
int ledger_reaccrue(struct ledger *l, int station, int first, int n, int32_t day, char **cause);

/* What the statement's workbook shows besides the balance (strings borrowed). */
struct ledger_statement_doc {
	const char *county, *township, *village_name, *as_of, *answer;
	int year;
	int32_t as_of_day;
	char seals[12][80]; /* "" when the month is not sealed */
};
/* The village's statement as an xlsx workbook to out (output_xlsx.c). */
int ledger_statement_xlsx(const struct ledger_statement_doc *d, const struct ledger_balance *b,
                          enum msg_lang lang, FILE *out, char **cause);

#endif
