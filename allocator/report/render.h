/*
 * render: the formats by name (render.c) and the five renderers of the report
 * model (render_text.c, render_csv.c, render_json.c, render_html.c, render_xlsx.c). Each only
 * formats the model it is given (borrowed) with the helpers of format.h; none computes money.
 */
#ifndef PVMON_RENDER_H
#define PVMON_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include "format.h"
#include "report.h"

/* "text", "csv", "json", "html", "xlsx" as enum format_kind; returns 0 or -1. */
int render_parse(const char *s, enum format_kind *out);
/* Renders r in the format and flushes; returns 0, or -1 on a write error. */
int render_report(const struct report *r, enum format_kind fmt, FILE *out);

/* Each writes the whole report to out; returns 0, or -1 when writing fails. */
int render_text(const struct report *r, FILE *out);
int render_csv(const struct report *r, FILE *out);
int render_json(const struct report *r, FILE *out);
int render_html(const struct report *r, FILE *out);
int render_xlsx(const struct report *r, FILE *out); /* a binary workbook (libxlsxwriter) */
/* Terminal columns of a UTF-8 string: East Asian wide characters count 2. */
size_t render_display_width(const char *s);

#endif
