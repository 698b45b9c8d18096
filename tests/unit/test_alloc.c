/* Tests for the largest-remainder split: hand-computed cases and random properties. */
#include <stdlib.h>

#include "alloc.h"
#include "harness.h"
#include "test_report_fixture.h"

static void a_joint_station_split_three_ways_gives_the_left_over_fen_to_the_largest_remainders(void)
{
	/* 1001 fen by 3:3:4 -> exact 300.3, 300.3, 400.4; floors 300, 300, 400; one fen left:
	 * remainders 3, 3, 4 (tenths): the 4 wins. */
	int64_t w[3] = {3, 3, 4}, out[3];
	const char *keys[3] = {"v-a", "v-b", "v-c"};
	CHECK_INT(alloc_split(1001, 3, w, keys, out), 0);
	CHECK_INT(out[0], 300);
	CHECK_INT(out[1], 300);
	CHECK_INT(out[2], 401);
}

static void equal_remainders_go_to_the_smallest_village_id(void)
{
	/* 100 by 1:1:1 -> 33 each and one fen left; all remainders equal, so "v-a" gets it even
	 * though it is listed second. */
	int64_t w[3] = {1, 1, 1}, out[3];
	const char *keys[3] = {"v-b", "v-a", "v-c"};
	CHECK_INT(alloc_split(100, 3, w, keys, out), 0);
	CHECK_INT(out[0], 33);
	CHECK_INT(out[1], 34);
	CHECK_INT(out[2], 33);
	/* 101 by 1:1:1: two fen left, to v-a and v-b. */
	CHECK_INT(alloc_split(101, 3, w, keys, out), 0);
	CHECK_INT(out[0], 34);
	CHECK_INT(out[1], 34);
	CHECK_INT(out[2], 33);
}

static void a_split_of_two_fen_among_seven_villages_is_still_exact(void)
{
	int64_t w[7] = {5, 1, 1, 1, 1, 1, 1}, out[7], sum = 0;
	int i;
	CHECK_INT(alloc_split(2, 7, w, NULL, out), 0);
	for (i = 0; i < 7; i++)
		sum += out[i];
	CHECK_INT(sum, 2);
	CHECK_INT(out[0], 1); /* 2 * 5/11 = 0.909: the largest remainder */
}

static void huge_amounts_and_weights_do_not_overflow(void)
{
	int64_t w[2] = {INT64_C(3000000000000000000), INT64_C(1000000000000000000)}, out[2];
	int64_t total = INT64_C(4000000000000000001);
	CHECK_INT(alloc_split(total, 2, w, NULL, out), 0);
	CHECK_INT(out[0] + out[1], total);
	CHECK_INT(out[0], INT64_C(3000000000000000001)); /* remainder 3 of 4 beats 1 of 4 */
	CHECK_INT(out[1], INT64_C(1000000000000000000));
}

static void bad_arguments_are_refused(void)
{
	int64_t w[2] = {1, 0}, out[2];
	int64_t big[2] = {INT64_MAX, 1};
	CHECK_INT(alloc_split(10, 2, w, NULL, out), -1);
	w[1] = 1;
	CHECK_INT(alloc_split(-1, 2, w, NULL, out), -1);
	CHECK_INT(alloc_split(10, 0, w, NULL, out), -1);
	CHECK_INT(alloc_split(10, 2, big, NULL, out), -1);
}

static void random_splits_add_up_and_stay_within_a_fen_of_the_exact_share(void)
{
	uint64_t seed = getenv("PVMON_SEED") ? strtoull(getenv("PVMON_SEED"), NULL, 10) : 20190601;
	int iter, bad = 0;
	fixture_rng_state = seed;
	for (iter = 0; iter < 20000 && !bad; iter++) {
		int n = (int)fixture_range(1, 40), i;
		int64_t w[40], out[40], total, sum = 0, wsum = 0;
		int64_t wmax = iter % 3 == 0 ? INT64_C(1000000000000) : 1000;
		total = iter % 5 == 0 ? fixture_range(0, 50)
		                      : fixture_range(0, INT64_C(10000000000000));
		for (i = 0; i < n; i++) {
			w[i] = fixture_range(1, wmax);
			wsum += w[i];
		}
		if (alloc_split(total, n, w, NULL, out) != 0) {
			bad = 1;
			break;
		}
		for (i = 0; i < n; i++) {
			/* out*W - total*w is the error in units of 1/W fen: in (-W, W). */
			__int128 err = (__int128)out[i] * wsum - (__int128)total * w[i];
			sum += out[i];
			if (err >= wsum || err <= -(__int128)wsum)
				bad = 1;
		}
		if (sum != total)
			bad = 1;
	}
	if (bad)
		printf("  failed at iteration %d with PVMON_SEED=%llu\n", iter,
		       (unsigned long long)seed);
	CHECK(!bad);
}

int main(void)
{
	RUN(a_joint_station_split_three_ways_gives_the_left_over_fen_to_the_largest_remainders);
	RUN(equal_remainders_go_to_the_smallest_village_id);
	RUN(a_split_of_two_fen_among_seven_villages_is_still_exact);
	RUN(huge_amounts_and_weights_do_not_overflow);
	RUN(bad_arguments_are_refused);
	RUN(random_splits_add_up_and_stay_within_a_fen_of_the_exact_share);
	return harness_end();
}
