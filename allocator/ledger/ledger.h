/*
 * ledger: money as it really flows (docs/ledger.md). Accruals per station,
 * month and part (from the meter, or from the grid company's statement once
 * one exists), receipts matched to them, disbursements to the village
 * accounts and the villages' use of the money, all appended to one table of
 * entries, never edited, and sealed month by month with SHA-256.
 *
 * One handle wraps an open read-write store and a borrowed fleet; it is used
 * by one thread. Every function that writes runs in one transaction: on error
 * nothing of it is kept. Errors come back as *cause (a new string).
 * Months are indexes year * 12 + (month - 1); days are local days since
 * 1970-01-01 (caltime). The time zone must already be selected.
 */
#ifndef PVMON_LEDGER_H
#define PVMON_LEDGER_H

#include <stdint.h>
#include <stdio.h>

#include "fleet.h"

struct store;
struct ledger; /* opaque */

/* The parts of a station's revenue: the coal part, the subsidy part, and subsidy accrued
 * while the station is not (yet) in the subsidy catalogue. */
enum ledger_part { LEDGER_COAL, LEDGER_SUBSIDY, LEDGER_PENDING, LEDGER_PARTS };

/* What villages spend their money on (the "use" entries). */
enum ledger_use {
	LEDGER_USE_JOBS,
	LEDGER_USE_WORKS,
	LEDGER_USE_AWARDS,
	LEDGER_USE_OTHER,
	LEDGER_USES
};

struct ledger_opts {
	int tolerance_permille;  /* statement vs meter before a row is flagged */
	int basis_meter;         /* 1: accrue on the meter even where a statement exists */
	int expected_interval_s; /* passed to the energy model */
	int meter_tolerance_permille;
};

/* Opens the ledger on s (borrowed, read-write) and f (borrowed). Never fails. */
struct ledger *ledger_open(struct store *s, const struct fleet *f, const struct ledger_opts *o);
void ledger_close(struct ledger *l);

/* "coal", "subsidy", "pending"; and back (-1 when unknown). */
const char *ledger_part_key(enum ledger_part p);
int ledger_part_parse(const char *s);
/* "jobs", "works", "awards", "other"; and back. */
const char *ledger_use_key(enum ledger_use u);
int ledger_use_parse(const char *s);

/* "2019-03" (one month), "2019-Q1" (three), "2019" (twelve): 0, or -1. */
int ledger_period_parse(const char *s, int *first_month, int *n_months);
/* "YYYY-MM" of a month index. */
void ledger_month_name(int month, char *buf, size_t size);
/* Parses yuan with at most 2 decimals ("1234.5", "-3", "0.07") into fen: 0 or -1. */
int ledger_yuan_parse(const char *s, int64_t *fen);
/* The same with `places` decimals (kWh to Wh: 3). */
int ledger_decimal_parse(const char *s, int places, int64_t *out);

/* --- statements (statement.c) --- */

/*
 * Imports a grid settlement statement (CSV, docs/ledger.md): every row is
 * checked first, and one bad row rejects the file (the message names file,
 * row and column). Rows equal to the current statement of their station and
 * period change nothing; different ones supersede it. Each new row is
 * reconciled with the meter: a line per row goes to out (flagged rows say so
 * with both figures). Months already accrued are accrued again on the new
 * basis, corrections dated day. *changed gets the number of rows that
 * changed (0: the file changed nothing).
 */
int ledger_import_statement(struct ledger *l, const char *path, int32_t day, FILE *out,
                            int *changed, char **cause);

/* --- accruals (accrue.c) --- */

/*
 * Books the accruals of a month for every station: the amounts due on the
 * current basis, as new entries for whatever differs from what is booked
 * (nothing when nothing changed). First accruals are dated the month's last
 * day; corrections are dated day. *n gets the entries appended.
 */
int ledger_accrue(struct ledger *l, int month, int32_t day, int *n, char **cause);

/* --- receipts and the village side (money.c) --- */

struct ledger_receipt {
	const char *payer;         /* payer id as in the fleet */
	enum ledger_part part;     /* LEDGER_COAL or LEDGER_SUBSIDY */
	const char *station;       /* NULL: any station that payer pays */
	int first_month, n_months; /* n_months 0: first in, first out over all periods */
	int64_t fen;
	int32_t day;
	const char *ref; /* unique per payer: the same receipt twice is refused */
};

/* Records money received, matched to outstanding accruals; split to villages; *id (may be
 * NULL) gets the receipt's id. */
int ledger_receive(struct ledger *l, const struct ledger_receipt *r, int64_t *id, char **cause);
/*
 * Reverses a receipt recorded in error: for each entry it booked, a new entry
 * of the opposite amount dated day that corrects it (same station, village,
 * period and part), so the money it cleared is outstanding again and the next
 * receipt matches it first in, first out. Nothing is changed or deleted. A
 * receipt reversed before, an unknown id, or a village that would be left
 * paid out more than it received are refused. *n_entries (may be NULL) gets
 * the entries appended.
 */
int ledger_reverse(struct ledger *l, int64_t receipt, int32_t day, const char *note, int *n_entries,
                   char **cause);
/*
 * Pays fen from the county's account to village accounts: to one village, or
 * (village NULL) split among station's villages by their shares.
 */
int ledger_disburse(struct ledger *l, const char *station, const char *village, int64_t fen,
                    int32_t day, const char *ref, const char *note, char **cause);
/* Records a village's use of money from its account. */
int ledger_spend(struct ledger *l, const char *village, enum ledger_use use, int64_t fen,
                 int32_t day, const char *ref, const char *note, char **cause);
/* Corrects a disbursement or use entry to fen: a new entry for the difference. */
int ledger_correct(struct ledger *l, int64_t entry, int64_t fen, int32_t day, const char *note,
                   char **cause);

/* --- seals (seal.c) --- */

/* Seals every month up to and including `month` not yet sealed; *n gets how many. */
int ledger_seal(struct ledger *l, int month, int32_t day, int *n, char **cause);
/*
 * Checks every entry against its hash and every seal against its month's
 * entries and the previous seal. Writes one line per problem to out (naming
 * the month and the entry) and *problems gets their number.
 */
int ledger_verify(struct ledger *l, FILE *out, int *problems, char **cause);
/* The seal of a month: 1 and hex in buf, 0 when the month is not sealed, -1. */
int ledger_seal_get(struct ledger *l, int month, char *buf, size_t size);

/* --- balances (balance.c) --- */

/* Outstanding money by age past its due date. */
enum ledger_age { LEDGER_NOT_DUE, LEDGER_AGE_0_1, LEDGER_AGE_1_2, LEDGER_AGE_OVER_2, LEDGER_AGES };

/* One payer and part of a station or village. */
struct ledger_owed {
	char payer[48];
	enum ledger_part part;
	int64_t accrued, received, outstanding; /* all periods up to the as-of day */
	int64_t accrued_year, received_year;    /* periods in the year / receipts dated in it */
	int64_t by_age[LEDGER_AGES];            /* outstanding by age; pending is never due */
	int oldest_month;                       /* oldest period with money outstanding; -1 */
};

struct ledger_balance {
	struct ledger_owed *owed; /* one per payer and part met; owned */
	int n_owed;
	int64_t accrued, received, outstanding; /* all parts */
	int64_t disbursed, disbursed_year;      /* to the village account */
	int64_t used[LEDGER_USES], used_year[LEDGER_USES];
};

/*
 * The balance of a station (village NULL) or a village (station NULL) as of
 * day as_of (entries dated after it are left out), with the year's figures
 * for `year`. Release with ledger_balance_release.
 */
int ledger_balance(struct ledger *l, const char *station, const char *village, int year,
                   int32_t as_of, struct ledger_balance *out, char **cause);
void ledger_balance_release(struct ledger_balance *b);

/* --- outputs (output.c) --- */

/* LEDGER_XLSX: the statement only (a workbook; arrears are text, HTML or JSON). */
enum ledger_format { LEDGER_TEXT, LEDGER_HTML, LEDGER_JSON, LEDGER_XLSX };
int ledger_format_parse(const char *s, enum ledger_format *out);

/*
 * The village's statement for publication (docs/ledger.md): received this
 * year, what is still owed, by whom and since when, disbursed, used, the
 * seals of the year. lang is an enum msg_lang.
 */
int ledger_statement(struct ledger *l, const char *village, int year, int32_t as_of, int lang,
                     enum ledger_format fmt, FILE *out, char **cause);
/* The county's arrears: per station and payer, outstanding by age, and totals. */
int ledger_arrears(struct ledger *l, int32_t as_of, int lang, enum ledger_format fmt, FILE *out,
                   char **cause);

#endif
