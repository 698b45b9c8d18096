/*
 * report_lang: the report's words in its language. Statuses, flags, sources
 * and the plain-language reasons come from the message catalogue
 * (common/msg_report.c); placeholders are filled here by substitution, so
 * no catalogue text is ever used as a printf format.
 */
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "format.h"
#include "util.h"

/* Fills a catalogue text; see report.h. */
char *format_msgf(char *buf, size_t size, enum msg_lang lang, const char *key, int n,
                  const char *const *args)
{
	const char *p = msg_get(lang, key);
	size_t o = 0;

	if (size == 0)
		return buf;
	while (*p && o + 1 < size) {
		if (p[0] == '{' && p[1] >= '1' && p[1] <= '9' && p[2] == '}') {
			int k = p[1] - '1';
			const char *a = k < n && args[k] ? args[k] : "";
			while (*a && o + 1 < size)
				buf[o++] = *a++;
			p += 3;
			continue;
		}
		buf[o++] = *p++;
	}
	buf[o] = 0;
	return buf;
}

const char *format_status_text(enum msg_lang lang, enum target_status s)
{
	char key[48];
	snprintf(key, sizeof key, "report.status.%s", target_status_key(s));
	return msg_get(lang, key);
}

const char *format_flag_text(enum msg_lang lang, enum report_flag f)
{
	char key[64];
	snprintf(key, sizeof key, "report.flag.%s", format_flag_key(f));
	return msg_get(lang, key);
}

const char *format_source_text(enum msg_lang lang, enum energy_source s)
{
	char key[48];
	snprintf(key, sizeof key, "report.source.%s", format_source_key(s));
	return msg_get(lang, key);
}

void format_flags_text(enum msg_lang lang, unsigned flags, char *buf, size_t size)
{
	const char *sep = msg_get(lang, "report.flag.sep");
	int i;
	buf[0] = 0;
	for (i = 0; i < RFLAG_COUNT; i++) {
		if (!(flags & (1u << i)))
			continue;
		if (buf[0])
			strncat(buf, sep, size - strlen(buf) - 1);
		strncat(buf, format_flag_text(lang, (enum report_flag)i), size - strlen(buf) - 1);
	}
}

/* A value in tenths as "12.3". */
static void tenths(int64_t v, char *buf, size_t size)
{
	snprintf(buf, size, "%s%lld.%lld", v < 0 ? "-" : "", (long long)(llabs(v) / 10),
	         (long long)(llabs(v) % 10));
}

/* Wh per kWp as kWh/kWp with one decimal. */
static void per_kwp(int64_t v, char *buf, size_t size)
{
	snprintf(buf, size, "%lld.%lld", (long long)(v / 1000), (long long)(v % 1000 / 100));
}

void format_alarm_name(const struct report *r, const struct report_alarm *a, char *buf, size_t size)
{
	char bit[16];
	const char *args[1] = {bit};
	if (a->name) {
		util_strlcpy(buf, a->name, size);
		return;
	}
	snprintf(bit, sizeof bit, "%d", a->bit);
	format_msgf(buf, size, r->lang, "report.alarm.bit", 1, args);
}

/* One plain-language sentence for a reason. */
void format_reason_describe(const struct report *r, const struct report_reason *x, char *buf,
                            size_t size)
{
	const char *name = x->station >= 0 ? r->stations[x->station].st->name : "";
	char a[48], b[48], c[48], key[64];
	const char *args[4];
	int64_t diff;

	if (!name || !*name)
		name = x->station >= 0 ? r->stations[x->station].st->id : "";
	args[0] = name;
	args[1] = a;
	args[2] = b;
	args[3] = c;
	a[0] = b[0] = c[0] = 0;
	switch (x->kind) {
	case REASON_NO_DATA:
		break;
	case REASON_MISSING_DATA:
		tenths(x->value, a, sizeof a);
		snprintf(b, sizeof b, "%lld", (long long)(x->ref / 3600));
		break;
	case REASON_OFFLINE:
	case REASON_FAULT: {
		const struct report_station *rs = &r->stations[x->station];
		if (x->ref > 0 && rs->e.worst_inv >= 0 && rs->e.worst_inv < rs->st->n_devices &&
		    x->aux > 0) {
			/* Inverters down: how many of how many, and the longest-down one. */
			char d[48], e[48], f[48];
			const char *iargs[7] = {name, a, b, c, d, e, f};
			snprintf(a, sizeof a, "%d", rs->e.inverters);
			snprintf(b, sizeof b, "%lld", (long long)x->ref);
			util_strlcpy(c, rs->st->devices[rs->e.worst_inv].id, sizeof c);
			snprintf(d, sizeof d, "%lld", (long long)(x->aux / 3600));
			tenths(x->aux * 10 / 86400, e, sizeof e);
			f[0] = 0;
			if (rs->down_since_day > 0)
				caltime_format_date(rs->down_since_day, f, sizeof f);
			snprintf(key, sizeof key, "report.reason.%s_inverters%s",
			         format_reason_key(x->kind), f[0] ? "_since" : "");
			format_msgf(buf, size, r->lang, key, 7, iargs);
			return;
		}
		snprintf(a, sizeof a, "%lld", (long long)(x->value / 3600));
		tenths(x->value * 10 / 86400, b, sizeof b);
		break;
	}
	case REASON_LOW_YIELD:
		/* How far below the median, in whole percent, rounded down. */
		snprintf(
		    a, sizeof a, "%lld",
		    (long long)(x->ref > 0 ? 100 - (x->value * 100 + x->ref - 1) / x->ref : 0));
		per_kwp(x->value, b, sizeof b);
		per_kwp(x->ref, c, sizeof c);
		if (x->station >= 0 && r->stations[x->station].pr_true_permille >= 0) {
			/* A sensor tells less sun from an installation that underperforms. */
			const struct report_station *rs = &r->stations[x->station];
			char d[48], e[48];
			const char *sargs[6] = {name, a, b, c, d, e};
			tenths(rs->pr_true_permille, d, sizeof d);
			per_kwp(rs->e.insolation_whm2, e, sizeof e);
			format_msgf(buf, size, r->lang,
			            rs->pr_true_permille >= REPORT_PR_NORMAL_PERMILLE
			                ? "report.reason.low_yield_sun"
			                : "report.reason.low_yield_pr",
			            6, sargs);
			return;
		}
		break;
	case REASON_METER_MISMATCH:
		format_kwh(x->value, a, sizeof a);
		format_kwh(x->ref, b, sizeof b);
		diff = x->value - x->ref;
		snprintf(c, sizeof c, "%s%lld.%lld", diff < 0 ? "-" : "+",
		         (long long)(x->value ? llabs(diff) * 1000 / x->value / 10 : 0),
		         (long long)(x->value ? llabs(diff) * 1000 / x->value % 10 : 0));
		break;
	case REASON_DEFICIT:
		format_yuan(x->value, ',', a, sizeof a);
		break;
	case REASON_MONTHS_WITHOUT_DATA:
		snprintf(a, sizeof a, "%lld", (long long)x->value);
		snprintf(b, sizeof b, "%lld", (long long)x->ref);
		break;
	case REASON_LOW_YIELD_T12:
		snprintf(a, sizeof a, "%lld", (long long)(100 - (x->value + 9) / 10));
		break;
	case REASON_ALARM: {
		const struct report_station *rs = &r->stations[x->station];
		const struct report_alarm *al;
		if (x->ref < 0 || x->ref >= rs->n_alarms) {
			snprintf(buf, size, "?");
			return;
		}
		al = &rs->alarms[x->ref];
		util_strlcpy(a,
		             al->device < rs->st->n_devices ? rs->st->devices[al->device].id : "?",
		             sizeof a);
		format_alarm_name(r, al, b, sizeof b);
		snprintf(c, sizeof c, "%lld", (long long)x->value);
		break;
	}
	case REASON_CASH:
		/* {1} which figure, {2} it, {3} the target, {4} still owed in the ledger */
		args[0] =
		    msg_get(r->lang, x->projected ? "report.cash.projection" : "report.cash.t12");
		format_yuan(x->value, ',', a, sizeof a);
		format_yuan(x->ref, ',', b, sizeof b);
		format_yuan(x->aux, ',', c, sizeof c);
		break;
	case REASON_SHORTFALL:
		args[0] = a;
		args[1] = b;
		args[2] = c;
		snprintf(a, sizeof a, "%lld", (long long)(x->aux / 1000));
		format_yuan(x->value, ',', b, sizeof b);
		format_yuan(x->ref, ',', c, sizeof c);
		break;
	default:
		snprintf(buf, size, "?");
		return;
	}
	snprintf(key, sizeof key, "report.reason.%s", format_reason_key(x->kind));
	format_msgf(buf, size, r->lang, key, 4, args);
}

/* The target basis in words. */
const char *format_basis_text(enum msg_lang lang, enum report_basis b)
{
	return msg_get(lang, b == REPORT_BASIS_RECEIVED ? "report.basis.received"
	                                                : "report.basis.accrued");
}

/* What the ledger section says about itself: no data, or what its figures mean. */
void format_ledger_note(const struct report *r, char *buf, size_t size)
{
	char d1[16];
	const char *args[2];
	caltime_format_date(r->first_day + r->ndays - 1, d1, sizeof d1);
	if (!r->has_ledger) {
		args[0] = d1;
		format_msgf(buf, size, r->lang, "report.ledger.none", 1, args);
		return;
	}
	args[0] = r->ledger_from;
	args[1] = d1;
	format_msgf(buf, size, r->lang, "report.ledger.note", 2, args);
}
