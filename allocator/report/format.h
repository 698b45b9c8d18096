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

enum format_kind { FORMAT_TEXT, FORMAT_CSV, FORMAT_JSON, FORMAT_HTML, FORMAT_XLSX };

/* Stable machine names of flags, reason kinds and energy sources (JSON, CSV). */
const char *format_flag_key(enum report_flag f);
const char *format_reason_key(enum report_reason_kind k);
const char *format_source_key(enum energy_source s);
/* An alarm's name in the report's language, or "告警位 N" / "alarm bit N" when unnamed. */
void format_alarm_name(const struct report *r, const struct report_alarm *a, char *buf,
                       size_t size);
/*
 * format_lang.c: the report's words in r->lang, all from the catalogue (msg.h).
 * One plain-language sentence explaining a reason, naming the station (and the
 * inverter) and what to check.
 */
void format_reason_describe(const struct report *r, const struct report_reason *x, char *buf,
                            size_t size);
/* Status, flag and source as words of the language. */
const char *format_status_text(enum msg_lang lang, enum target_status s);
const char *format_flag_text(enum msg_lang lang, enum report_flag f);
const char *format_source_text(enum msg_lang lang, enum energy_source s);
/* Station flags as words, joined by the language's separator. */
void format_flags_text(enum msg_lang lang, unsigned flags, char *buf, size_t size);
/*
 * Fills key's text into buf, each {1}..{n} replaced by args[0..n-1] (no
 * printf: catalogue text is never a format string). Returns buf.
 */
char *format_msgf(char *buf, size_t size, enum msg_lang lang, const char *key, int n,
                  const char *const *args);
/* Shorthand: the text of key in the report's language. */
#define RMSG(r, key) msg_get((r)->lang, key)
/* "accrued" or "received": the target basis in JSON and CSV; and as words. */
const char *format_basis_key(enum report_basis b);
const char *format_basis_text(enum msg_lang lang, enum report_basis b);
/* The ledger section's sentence: "no ledger data up to <day>" without a ledger, else the
 * note on what the figures mean (kept since, as of the month's last day). */
void format_ledger_note(const struct report *r, char *buf, size_t size);
/* Formats fen as yuan "-1234567.89" (sep: thousands separator or 0). */
void format_yuan(int64_t fen, int sep, char *buf, size_t size);
/* Formats Wh as kWh with thousands separators, rounded half up. */
void format_kwh(int64_t wh, char *buf, size_t size);

#endif
