/*
 * store_ledger: every statement the ledger (allocator/ledger/, docs/ledger.md)
 * runs over its ledger_* tables, as typed calls on the store's connection,
 * and the two reads the monthly report makes of them (accrued vs received,
 * docs/report.md §4a), so the report needs no code of the ledger's.
 * The store decides nothing about money: it reads and appends what the
 * ledger tells it to. Entries and seals are only ever inserted; the schema's
 * triggers refuse the rest. Transactions are the caller's (store_begin).
 * Days are "YYYY-MM-DD", months "YYYY-MM", periods month indexes (year * 12
 * + month - 1). Returns 0 (or 1/0 where said) and -1 with store_error set;
 * strings passed in are borrowed, NULL binds ''; rows handed to callbacks
 * are borrowed for the duration of the call, and a callback returning
 * non-zero stops the walk early (still 0). A callback never calls the same
 * function again (its statement is in use).
 */
#ifndef PVMON_ALLOCATOR_STORE_LEDGER_H
#define PVMON_ALLOCATOR_STORE_LEDGER_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* One ledger_entry row; 0 in parent/corrects/grp stands for NULL. */
struct store_ledger_entry {
	int64_t id;
	const char *day, *month, *kind, *part, *station, *village;
	int64_t period;
	const char *payer;
	int64_t fen, parent, corrects, grp;
	const char *ref, *note, *hash;
};

/* Appends an entry as given (the ledger numbers and hashes it). */
int store_ledger_entry_append(struct store *s, const struct store_ledger_entry *e);
/* The highest entry id, 0 when there is none. */
int store_ledger_entry_last_id(struct store *s, int64_t *id);
/* Calls fn with entry id and returns 1 when it exists, 0 when not, -1. */
int store_ledger_entry_get(struct store *s, int64_t id,
                           void (*fn)(void *ctx, const struct store_ledger_entry *e), void *ctx);
/* Calls fn with each entry of month (NULL: of every month) in id order. */
int store_ledger_entries_each(struct store *s, const char *month,
                              int (*fn)(void *ctx, const struct store_ledger_entry *e), void *ctx);
/* The first month that has entries: 1 and month[8], 0 when there are none, -1. */
int store_ledger_entries_first_month(struct store *s, char month[8]);
/* Sum of the fen of the entries that correct entry id. */
int store_ledger_corrections_sum(struct store *s, int64_t id, int64_t *fen);

/* Accrual entries of one key (village "" for the station's own): sum, and the last id (0). */
int store_ledger_accrued(struct store *s, const char *station, const char *village, int period,
                         const char *part, int64_t *fen, int64_t *last_id);
/* How many accrual entries a station has for a period. */
int store_ledger_accruals_count(struct store *s, const char *station, int period, int64_t *n);
/* What a village is owed for a station, period and part: its accruals less its receipts. */
int store_ledger_village_owed(struct store *s, const char *station, const char *village, int period,
                              const char *part, int64_t *fen);
/* Sum of a village's entries of one kind dated up to day (inclusive). */
int store_ledger_village_sum(struct store *s, const char *village, const char *kind,
                             const char *day, int64_t *fen);
/*
 * The station-level (village '') money outstanding for part, per station and
 * period with period in first..end-1, station "" or NULL for all; only
 * positive amounts, oldest period first, then station id.
 */
int store_ledger_outstanding_each(
    struct store *s, const char *part, const char *station, int first, int end,
    int (*fn)(void *ctx, const char *station, int period, int64_t fen), void *ctx);

/*
 * Balances by (station, period, part, payer) of accruals and receipts dated
 * up to as_of; the year's are the accruals of periods year_first..+11 and the
 * receipts dated from day0 to day1. Scope: a village's own entries when
 * village is set, else the station-level ones of station, else of all.
 */
struct store_ledger_owed {
	const char *station, *part, *payer;
	int period;
	int64_t accrued, received, accrued_year, received_year;
};
int store_ledger_owed_each(struct store *s, const char *station, const char *village,
                           const char *as_of, int year_first, const char *day0, const char *day1,
                           int (*fn)(void *ctx, const struct store_ledger_owed *o), void *ctx);
/*
 * Disbursement and use entries dated up to as_of, by (kind, part): the sum,
 * and the sum of those dated day0..day1. Scope: village, else station, else all.
 */
int store_ledger_uses_each(struct store *s, const char *station, const char *village,
                           const char *as_of, const char *day0, const char *day1,
                           int (*fn)(void *ctx, const char *kind, const char *part, int64_t fen,
                                     int64_t fen_year),
                           void *ctx);

/* Receipts as given: 1 when (payer, ref) was recorded, 0 when not, -1. */
int store_ledger_receipt_known(struct store *s, const char *payer, const char *ref);
/* Records a receipt; *id gets its id. */
int store_ledger_receipt_add(struct store *s, const char *day, const char *payer, const char *part,
                             const char *station, const char *period, int64_t fen, const char *ref,
                             int64_t *id);

/* A receipt as given (ledger_receipt), copied. */
struct store_ledger_receipt {
	int64_t id, fen;
	char day[16], payer[64], part[16], station[64], period[16], ref[128];
};
/* Receipt id: 1 and *out, 0 when there is no such receipt, -1. */
int store_ledger_receipt_get(struct store *s, int64_t id, struct store_ledger_receipt *out);
/* 1 when receipt id has reversing entries (receipt entries of its group that correct one), 0, -1.
 */
int store_ledger_receipt_reversed(struct store *s, int64_t id);
/* Calls fn with each receipt entry booked for receipt id (not reversals), in id order. */
int store_ledger_receipt_entries_each(struct store *s, int64_t id,
                                      int (*fn)(void *ctx, const struct store_ledger_entry *e),
                                      void *ctx);

/*
 * A village's money in the ledger for the monthly report, from its own
 * entries dated up to the month's last day: accruals of the month and of the
 * year to date (periods), receipts dated in the month and in the year to
 * date, what is outstanding (coal and subsidy accrued less received, all
 * periods) and subsidy pending the catalogue.
 */
struct store_ledger_village {
	const char *village;
	int64_t accrued_month, accrued_ytd, received_month, received_ytd, outstanding, pending;
};
/* Calls fn per village with entries; period is the month's index, day0..day1 its days. */
int store_ledger_village_months_each(struct store *s, int period, const char *day0,
                                     const char *day1,
                                     int (*fn)(void *ctx, const struct store_ledger_village *v),
                                     void *ctx);
/* Calls fn with the sum of each village's receipt entries per month ("YYYY-MM") dated
 * day0..day1, by village then month. */
int store_ledger_village_received_each(struct store *s, const char *day0, const char *day1,
                                       int (*fn)(void *ctx, const char *village, const char *month,
                                                 int64_t fen),
                                       void *ctx);

/* Imported statement files: 1 when a file with this SHA-256 was imported, 0, -1. */
int store_ledger_statement_file_known(struct store *s, const char *sha256);
/* Records a file (n_changed 0); *id gets its id. */
int store_ledger_statement_file_add(struct store *s, const char *name, const char *sha256,
                                    const char *day, int n_rows, int64_t *id);
int store_ledger_statement_file_changed(struct store *s, int64_t id, int n_changed);

/* One ledger_statement row; 0 in supersedes/superseded_by stands for NULL. */
struct store_ledger_statement {
	int64_t id, file;
	int row;
	const char *station, *period;
	int first_month, n_months;
	int64_t settled_wh, coal_fen, subsidy_fen, deduction_fen;
	const char *reference;
	int64_t metered_wh;
	int flagged;
	int64_t supersedes, superseded_by;
	const char *file_name, *imported_day; /* store_ledger_statements_each only */
};
/* Records a row (id, superseded_by, file_name, imported_day unused); *id gets its id. */
int store_ledger_statement_add(struct store *s, const struct store_ledger_statement *r,
                               int64_t *id);
/* Marks row old as superseded by row by. */
int store_ledger_statement_supersede(struct store *s, int64_t old, int64_t by);
/*
 * The latest current (not superseded) row of station covering month: 1 and
 * *out (id, first_month, n_months, the fen, period into period[16]), 0, -1.
 */
int store_ledger_statement_current(struct store *s, const char *station, int month,
                                   struct store_ledger_statement *out, char period[16]);
/* Calls fn with each current row of station that overlaps months first..end-1. */
int store_ledger_statements_overlapping(struct store *s, const char *station, int first, int end,
                                        int (*fn)(void *ctx,
                                                  const struct store_ledger_statement *r),
                                        void *ctx);
/* Calls fn with every row (station NULL: of all) by station, first month and id, with
 * its file's name and import day. */
int store_ledger_statements_each(struct store *s, const char *station,
                                 int (*fn)(void *ctx, const struct store_ledger_statement *r),
                                 void *ctx);

/* One ledger_seal row; 0 in first_id/last_id stands for NULL. */
struct store_ledger_seal {
	const char *month;
	int64_t first_id, last_id, n_entries;
	const char *prev, *hash, *sealed_day;
};
int store_ledger_seal_add(struct store *s, const struct store_ledger_seal *seal);
/* 1 and the hash of month's seal into buf, 0 when the month is not sealed, -1. */
int store_ledger_seal_get(struct store *s, const char *month, char *buf, size_t size);
/* The latest seal: 1 and its month[8] and hash (into hash, size bytes), 0 when none, -1. */
int store_ledger_seal_last(struct store *s, char month[8], char *hash, size_t size);
/* How many seals are of month or later. */
int store_ledger_sealed_since(struct store *s, const char *month, int64_t *n);
/* Calls fn with each seal in month order. */
int store_ledger_seals_each(struct store *s,
                            int (*fn)(void *ctx, const struct store_ledger_seal *seal), void *ctx);

#endif
