/*
 * store_ledger_schema: the ledger's tables (docs/ledger.md), added to the central
 * database by the store's migration 1 -> 2. Entries and seals are
 * append-only: triggers refuse UPDATE and DELETE, and the seals make any
 * change made around them visible to `ledger verify`.
 */
#ifndef PVMON_ALLOCATOR_STORE_LEDGER_SCHEMA_H
#define PVMON_ALLOCATOR_STORE_LEDGER_SCHEMA_H

#define LEDGER_SCHEMA_SQL                                                                          \
	"CREATE TABLE ledger_statement_file ("                                                     \
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE,"                \
	" imported_day TEXT NOT NULL, n_rows INTEGER NOT NULL, n_changed INTEGER NOT NULL);"       \
	"CREATE TABLE ledger_statement ("                                                          \
	" id INTEGER PRIMARY KEY, file INTEGER NOT NULL REFERENCES ledger_statement_file (id),"    \
	" row INTEGER NOT NULL, station TEXT NOT NULL, period TEXT NOT NULL,"                      \
	" first_month INTEGER NOT NULL, n_months INTEGER NOT NULL,"                                \
	" settled_wh INTEGER NOT NULL, coal_fen INTEGER NOT NULL, subsidy_fen INTEGER NOT NULL,"   \
	" deduction_fen INTEGER NOT NULL, reference TEXT NOT NULL DEFAULT '',"                     \
	" metered_wh INTEGER NOT NULL, flagged INTEGER NOT NULL,"                                  \
	" supersedes INTEGER REFERENCES ledger_statement (id), superseded_by INTEGER);"            \
	"CREATE INDEX ledger_statement_station ON ledger_statement (station, first_month);"        \
	"CREATE TABLE ledger_entry ("                                                              \
	" id INTEGER PRIMARY KEY, day TEXT NOT NULL, month TEXT NOT NULL, kind TEXT NOT NULL,"     \
	" part TEXT NOT NULL DEFAULT '', station TEXT NOT NULL DEFAULT '',"                        \
	" village TEXT NOT NULL DEFAULT '', period INTEGER NOT NULL DEFAULT 0,"                    \
	" payer TEXT NOT NULL DEFAULT '', fen INTEGER NOT NULL, parent INTEGER, corrects INTEGER," \
	" grp INTEGER, ref TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',"               \
	" hash TEXT NOT NULL);"                                                                    \
	"CREATE INDEX ledger_entry_key ON ledger_entry (station, period, part);"                   \
	"CREATE INDEX ledger_entry_village ON ledger_entry (village, kind);"                       \
	"CREATE INDEX ledger_entry_month ON ledger_entry (month);"                                 \
	"CREATE TABLE ledger_receipt ("                                                            \
	" id INTEGER PRIMARY KEY, day TEXT NOT NULL, payer TEXT NOT NULL, part TEXT NOT NULL,"     \
	" station TEXT NOT NULL DEFAULT '', period TEXT NOT NULL DEFAULT '', fen INTEGER NOT "     \
	"NULL,"                                                                                    \
	" ref TEXT NOT NULL, UNIQUE (payer, ref));"                                                \
	"CREATE TABLE ledger_seal ("                                                               \
	" month TEXT PRIMARY KEY, first_id INTEGER, last_id INTEGER, n_entries INTEGER NOT NULL,"  \
	" prev TEXT NOT NULL, hash TEXT NOT NULL, sealed_day TEXT NOT NULL);"                      \
	"CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry"                      \
	" BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"                       \
	"CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry"                      \
	" BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"                       \
	"CREATE TRIGGER ledger_seal_no_update BEFORE UPDATE ON ledger_seal"                        \
	" BEGIN SELECT RAISE(ABORT, 'ledger seals are append-only'); END;"                         \
	"CREATE TRIGGER ledger_seal_no_delete BEFORE DELETE ON ledger_seal"                        \
	" BEGIN SELECT RAISE(ABORT, 'ledger seals are append-only'); END;"

#endif
