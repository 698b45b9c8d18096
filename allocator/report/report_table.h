/*
 * report_table: each section of the report as one typed table (column heads
 * from the catalogue, cells that are text or numbers with a unit), so the
 * workbook (render_xlsx.c) and the per-section CSV (render_csv.c) show the
 * same rows with numbers as numbers. Built from the model; computes no money.
 */
#ifndef PVMON_REPORT_TABLE_H
#define PVMON_REPORT_TABLE_H

#include <stdint.h>

#include "format.h"
#include "report.h"

enum report_section {
	RSEC_SUMMARY,
	RSEC_VILLAGES,
	RSEC_STATIONS,
	RSEC_SHARES,
	RSEC_TARIFFS,
	RSEC_REASONS,
	RSEC_TOWNSHIPS,
	RSEC_LEDGER,  /* accrued vs received (the ledger), or a note that there is none */
	RSEC_SENSORS, /* insolation and measured PR per station with a sensor, or a note */
	RSEC_COUNT
};

/* What a cell holds; numbers keep their exact integer and say how to show it. */
enum rt_kind {
	RT_TEXT,
	RT_INT,   /* a count or whole number */
	RT_YUAN,  /* v in fen, shown as yuan with 2 decimals */
	RT_KWH,   /* v in Wh, shown as kWh with 3 decimals */
	RT_TENTH, /* v in tenths, shown with 1 decimal (percent, hours) */
	RT_PRICE, /* v in fen per MWh, shown as yuan per kWh with 4 decimals */
	RT_EMPTY
};

struct rt_cell {
	enum rt_kind kind;
	int64_t v;
	char *s; /* RT_TEXT: owned */
};

struct report_table {
	enum report_section section;
	int ncols, nrows;
	const char *const *heads; /* catalogue keys of the column heads */
	const int *widths;        /* column widths in characters (for the workbook) */
	struct rt_cell *cells;    /* nrows x ncols */
};

/* "summary", "villages", ...: the section's name on the command line and in file names. */
const char *report_section_key(enum report_section s);
/* Parses a section name; returns 0 or -1. */
int report_section_parse(const char *s, enum report_section *out);
/* Builds one section's table (report_table_free). */
struct report_table *report_table_build(const struct report *r, enum report_section s);
void report_table_free(struct report_table *t);
/* The cell at row, col. */
const struct rt_cell *report_table_cell(const struct report_table *t, int row, int col);
/* A number cell as text without separators ("1234.50"); text cells as they are. */
void report_table_plain(const struct rt_cell *c, char *buf, size_t size);
/* render_csv.c: one section as one CSV table with a BOM and a header row in r->lang. */
int render_csv_section(const struct report *r, enum report_section s, FILE *out);

#endif
