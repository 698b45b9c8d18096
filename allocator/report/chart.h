/*
 * chart: self-contained SVG bar charts for the HTML report: bars with labels,
 * an optional horizontal target line, an optional per-bar pace line and an
 * optional band (low..high per bar) for comparable stations. Integer
 * geometry only; every label is escaped; readable in print (dark text, no
 * colour-only meaning: bars also carry their value in a title).
 */
#ifndef PVMON_CHART_H
#define PVMON_CHART_H

#include <stdint.h>
#include <stdio.h>

struct chart_bar {
	int64_t v;         /* value in the chart's raw unit; < 0 draws nothing */
	const char *label; /* under the bar, or NULL */
	const char *cls;   /* CSS class of the bar ("below", "ok", ...) or NULL */
};

struct chart {
	const char *aria;   /* accessible name */
	int64_t unit;       /* raw units per shown unit: 100 for fen -> yuan, 1000 for Wh -> kWh */
	const char *prefix; /* before shown values ("¥") or "" */
	int64_t line;       /* a horizontal line at this raw value, -1 for none */
	const char *line_text;  /* its label */
	const int64_t *pace;    /* per bar, a short line at this raw value, or NULL */
	const int64_t *lo, *hi; /* per bar, a band, or NULL; entries < 0 are skipped */
	int label_every;        /* label one bar in this many (>= 1) */
	const char *data_name;  /* data-chart attribute, for tests */
};

/* Writes one <svg> of the bars; returns 0, or -1 when writing fails. */
int chart_bars(FILE *out, const struct chart *c, const struct chart_bar *bars, int n);

#endif
