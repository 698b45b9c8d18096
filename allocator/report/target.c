/*
 * target: year to date, trailing twelve months and the calendar-year
 * projection of one village. Money stays integer fen; it never reads data.
 */
#include "target.h"
#include "revenue.h"

/* Computes this month, YTD, T12, the projection and the status. */
void target_compute(const struct target_input *in, struct target_result *out)
{
	int m = in->month, k, first_this_year = TARGET_WINDOW - m;
	int64_t profile_so_far = 0;

	*out = (struct target_result){0};
	out->target_fen = in->target_fen;
	out->month_fen = in->fen[TARGET_WINDOW - 1];
	for (k = 0; k < TARGET_WINDOW; k++) {
		out->t12_fen += in->fen[k];
		out->months_with_data += in->has_data[k] != 0;
		if (k >= first_this_year) {
			int cal = m - (TARGET_WINDOW - 1 - k); /* 1..m */
			out->ytd_fen += in->fen[k];
			if (in->has_data[k])
				profile_so_far += in->profile[cal - 1];
		}
	}
	out->projection_fen = out->ytd_fen;
	/* Remaining calendar month r of this year was month r of last year: index r - m - 1. */
	for (k = 0; k < TARGET_WINDOW - m; k++) {
		int cal = m + 1 + k;
		if (in->has_data[k]) {
			out->projection_fen += in->fen[k];
		} else if (profile_so_far > 0) {
			/* avg of months so far x profile(r) / avg profile of those months */
			out->projection_fen += revenue_mul_div_half_up(
			    out->ytd_fen, in->profile[cal - 1], profile_so_far);
			out->projected_months++;
		}
	}
	if (out->months_with_data == TARGET_WINDOW && out->t12_fen < in->target_fen)
		out->status = TARGET_BELOW;
	else if (out->projection_fen < in->target_fen)
		out->status = TARGET_AT_RISK;
	else
		out->status = TARGET_OK;
}

/* Display names of the statuses. */
const char *target_status_name(enum target_status s)
{
	switch (s) {
	case TARGET_OK:
		return "OK";
	case TARGET_AT_RISK:
		return "AT RISK";
	case TARGET_BELOW:
		return "BELOW";
	}
	return "?";
}

/* Machine keys of the statuses. */
const char *target_status_key(enum target_status s)
{
	switch (s) {
	case TARGET_OK:
		return "ok";
	case TARGET_AT_RISK:
		return "at_risk";
	case TARGET_BELOW:
		return "below";
	}
	return "?";
}
