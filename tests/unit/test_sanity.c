/* Tests for counter sanity: zero, backwards, jumps, resets and spikes. */
#include "harness.h"
#include "reading.h"
#include "sanity.h"

static const int64_t T0 = INT64_C(1561939200000);
static const int64_t CAP = 50000; /* 50 kW: at most ~174 Wh per 10 s with margin */

static void a_steady_counter_is_never_flagged(void)
{
	struct sanity s = {0};
	int64_t i;
	unsigned q = 0;
	for (i = 0; i < 100; i++)
		q |= sanity_check(&s, 1000000 + i * 130, T0 + i * 10000, CAP);
	CHECK_INT(q, 0);
}

static void a_transient_zero_is_flagged_and_does_not_move_the_reference(void)
{
	struct sanity s = {0};
	CHECK_INT(sanity_check(&s, 5000000, T0, CAP), 0);
	CHECK_INT(sanity_check(&s, 0, T0 + 10000, CAP), QUALITY_COUNTER_ZERO);
	CHECK_INT(sanity_check(&s, 5000100, T0 + 20000, CAP), 0);
}

static void a_first_reading_of_zero_is_flagged(void)
{
	struct sanity s = {0};
	CHECK_INT(sanity_check(&s, 0, T0, CAP), QUALITY_COUNTER_ZERO);
	CHECK_INT(sanity_check(&s, 7000, T0 + 10000, CAP), 0);
}

static void a_reset_is_flagged_backwards_once_and_becomes_the_reference(void)
{
	struct sanity s = {0};
	CHECK_INT(sanity_check(&s, 90000000, T0, CAP), 0);
	CHECK_INT(sanity_check(&s, 20, T0 + 10000, CAP), QUALITY_COUNTER_BACKWARDS);
	CHECK_INT(sanity_check(&s, 150, T0 + 20000, CAP), 0);
	CHECK_INT(sanity_check(&s, 280, T0 + 30000, CAP), 0);
}

static void a_one_off_spike_is_flagged_and_the_next_normal_value_is_not(void)
{
	struct sanity s = {0};
	CHECK_INT(sanity_check(&s, 1000000, T0, CAP), 0);
	CHECK_INT(sanity_check(&s, 40000000, T0 + 10000, CAP), QUALITY_COUNTER_JUMP);
	CHECK_INT(sanity_check(&s, 1000100, T0 + 20000, CAP), 0);
}

static void a_jump_beyond_capacity_times_elapsed_is_flagged_but_within_is_not(void)
{
	struct sanity s = {0};
	CHECK_INT(sanity_check(&s, 1000000, T0, CAP), 0);
	/* one hour at 50 kW is 50 kWh: 55 kWh is within the margin */
	CHECK_INT(sanity_check(&s, 1055000, T0 + 3600000, CAP), 0);
	/* but 80 kWh in the next hour is not */
	CHECK_INT(sanity_check(&s, 1135000, T0 + 7200000, CAP), QUALITY_COUNTER_JUMP);
}

static void a_jump_that_persists_becomes_the_new_reference(void)
{
	struct sanity s = {0};
	CHECK_INT(sanity_check(&s, 1000000, T0, CAP), 0);
	CHECK_INT(sanity_check(&s, 9000000, T0 + 10000, CAP), QUALITY_COUNTER_JUMP);
	CHECK_INT(sanity_check(&s, 9000100, T0 + 20000, CAP), 0);
	CHECK_INT(sanity_check(&s, 9000200, T0 + 30000, CAP), 0);
}

static void a_counter_going_down_a_little_is_backwards(void)
{
	struct sanity s = {0};
	CHECK_INT(sanity_check(&s, 1000000, T0, CAP), 0);
	CHECK_INT(sanity_check(&s, 999999, T0 + 10000, CAP), QUALITY_COUNTER_BACKWARDS);
}

static void without_a_capacity_only_zero_and_backwards_are_checked(void)
{
	struct sanity s = {0};
	CHECK_INT(sanity_check(&s, 1000, T0, 0), 0);
	CHECK_INT(sanity_check(&s, 900000000, T0 + 1000, 0), 0);
	CHECK_INT(sanity_check(&s, 0, T0 + 2000, 0), QUALITY_COUNTER_ZERO);
	CHECK_INT(sanity_check(&s, 5, T0 + 3000, 0), QUALITY_COUNTER_BACKWARDS);
}

int main(void)
{
	RUN(a_steady_counter_is_never_flagged);
	RUN(a_transient_zero_is_flagged_and_does_not_move_the_reference);
	RUN(a_first_reading_of_zero_is_flagged);
	RUN(a_reset_is_flagged_backwards_once_and_becomes_the_reference);
	RUN(a_one_off_spike_is_flagged_and_the_next_normal_value_is_not);
	RUN(a_jump_beyond_capacity_times_elapsed_is_flagged_but_within_is_not);
	RUN(a_jump_that_persists_becomes_the_new_reference);
	RUN(a_counter_going_down_a_little_is_backwards);
	RUN(without_a_capacity_only_zero_and_backwards_are_checked);
	return harness_end();
}
