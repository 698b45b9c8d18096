/*
 * target: where a village stands against its yearly target: this month, year
 * to date, trailing twelve months, a projection of the calendar year, and a
 * status. Pure arithmetic on monthly amounts in fen.
 */
#ifndef PVMON_TARGET_H
#define PVMON_TARGET_H

#include <stdint.h>

#define TARGET_WINDOW 12

enum target_status { TARGET_OK, TARGET_AT_RISK, TARGET_BELOW };

/*
 * The twelve months ending with the report month, oldest first: index 11 is
 * the report month (calendar month `month` of the report year), index
 * 11 - k is k months earlier. has_data says whether the village had any
 * reading that month. profile holds the fleet's typical energy of each
 * calendar month (index 0 = January), any positive unit.
 */
struct target_input {
	int month; /* 1-12 */
	int64_t fen[TARGET_WINDOW];
	int has_data[TARGET_WINDOW];
	int64_t profile[12];
	int64_t target_fen; /* per year */
};

struct target_result {
	int64_t month_fen, ytd_fen, t12_fen, projection_fen, target_fen;
	int months_with_data; /* of the twelve */
	int projected_months; /* remaining months estimated from the profile, not last year */
	enum target_status status;
};

/* Computes the result (see docs/report.md for the rules). */
void target_compute(const struct target_input *in, struct target_result *out);
/* "OK", "AT RISK" or "BELOW". */
const char *target_status_name(enum target_status s);
/* "ok", "at_risk" or "below": for JSON and CSV. */
const char *target_status_key(enum target_status s);

#endif
