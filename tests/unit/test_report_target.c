/* Tests for targets: year to date, trailing twelve months, projection and status. */
#include "target.h"
#include "harness.h"

/* An input with every month at fen and data present, a flat profile, target 20M. */
static struct target_input flat(int month, int64_t fen)
{
	struct target_input in;
	int k;
	memset(&in, 0, sizeof in);
	in.month = month;
	in.target_fen = 20000000;
	for (k = 0; k < TARGET_WINDOW; k++) {
		in.fen[k] = fen;
		in.has_data[k] = 1;
	}
	for (k = 0; k < 12; k++)
		in.profile[k] = 100;
	return in;
}

static void a_full_year_below_target_is_below(void)
{
	struct target_input in = flat(6, 1000000);
	struct target_result r;
	target_compute(&in, &r);
	CHECK_INT(r.month_fen, 1000000);
	CHECK_INT(r.ytd_fen, 6000000);
	CHECK_INT(r.t12_fen, 12000000);
	CHECK_INT(r.projection_fen, 12000000); /* Jul-Dec as last year */
	CHECK_INT(r.months_with_data, 12);
	CHECK_INT(r.status, TARGET_BELOW);
	in = flat(6, 2000000);
	target_compute(&in, &r);
	CHECK_INT(r.status, TARGET_OK);
}

static void without_last_year_the_projection_follows_the_fleet_profile(void)
{
	static const int64_t profile[12] = {70, 80, 100, 110, 120, 115, 110, 105, 95, 90, 72, 65};
	struct target_input in = flat(3, 0);
	struct target_result r;
	int k;
	for (k = 0; k < TARGET_WINDOW; k++)
		in.has_data[k] = k >= 9;
	in.fen[9] = 700000; /* Jan */
	in.fen[10] = 800000;
	in.fen[11] = 1000000;
	memcpy(in.profile, profile, sizeof profile);
	target_compute(&in, &r);
	CHECK_INT(r.ytd_fen, 2500000);
	/* 2.5M over a profile sum of 250 so far: 10,000 fen per profile point for Apr-Dec (882). */
	CHECK_INT(r.projection_fen, 2500000 + 8820000);
	CHECK_INT(r.projected_months, 9);
	CHECK_INT(r.months_with_data, 3);
	CHECK_INT(r.status, TARGET_AT_RISK); /* not BELOW: twelve months do not exist yet */
	in.target_fen = 11000000;
	target_compute(&in, &r);
	CHECK_INT(r.status, TARGET_OK);
}

static void last_year_is_used_where_it_exists_and_the_profile_elsewhere(void)
{
	struct target_input in = flat(6, 1000000);
	struct target_result r;
	in.has_data[3] = in.has_data[4] = in.has_data[5] = 0; /* last Oct-Dec missing */
	in.fen[3] = in.fen[4] = in.fen[5] = 0;
	target_compute(&in, &r);
	CHECK_INT(r.projection_fen, 6000000 + 3000000 + 3000000);
	CHECK_INT(r.projected_months, 3);
	CHECK_INT(r.t12_fen, 9000000);
	CHECK_INT(r.status, TARGET_AT_RISK);
}

static void december_projects_exactly_the_year_to_date(void)
{
	struct target_input in = flat(12, 1700000);
	struct target_result r;
	target_compute(&in, &r);
	CHECK_INT(r.ytd_fen, 12 * 1700000);
	CHECK_INT(r.projection_fen, r.ytd_fen);
	CHECK_INT(r.status, TARGET_OK);
	CHECK_STR(target_status_name(TARGET_AT_RISK), "AT RISK");
	CHECK_STR(target_status_key(TARGET_BELOW), "below");
}

int main(void)
{
	RUN(a_full_year_below_target_is_below);
	RUN(without_last_year_the_projection_follows_the_fleet_profile);
	RUN(last_year_is_used_where_it_exists_and_the_profile_elsewhere);
	RUN(december_projects_exactly_the_year_to_date);
	return harness_end();
}
