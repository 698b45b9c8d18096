/*
 * format: the report formats by name and the helpers the renderers share
 * (format.c). Strings returned are static; buffers are the caller's.
 */
#ifndef PVMON_FORMAT_H
#define PVMON_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"

enum format_kind { FORMAT_TEXT, FORMAT_CSV, FORMAT_JSON, FORMAT_HTML };

/* "text", "csv", "json", "html"; returns 0 or -1. */
int format_parse(const char *s, enum format_kind *out);
/* Renders in the format and flushes; returns 0, or -1 on a write error. */
int format_render(const struct report *r, enum format_kind fmt, FILE *out);

/* Stable machine names of flags, reason kinds and energy sources (JSON, CSV). */
const char *format_flag_key(enum report_flag f);
const char *format_reason_key(enum report_reason_kind k);
const char *format_source_key(enum energy_source s);
/* One line explaining a reason, in English, with the station's name. */
void format_reason_describe(const struct report *r, const struct report_reason *x, char *buf,
                            size_t size);
/* Formats fen as yuan "-1234567.89" (sep: thousands separator or 0). */
void format_yuan(int64_t fen, int sep, char *buf, size_t size);
/* Formats Wh as kWh with thousands separators, rounded half up. */
void format_kwh(int64_t wh, char *buf, size_t size);

#endif
