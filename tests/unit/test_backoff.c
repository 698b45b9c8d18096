/* Tests for retry delays: doubling, the cap, jitter bounds and recovery. */
#include "backoff.h"
#include "harness.h"

static void the_delay_doubles_from_the_base(void)
{
	struct backoff b;
	backoff_init(&b, 1000, 60000, 0, 1);
	CHECK_INT(backoff_fail(&b, 0), 1000);
	CHECK_INT(backoff_fail(&b, 0), 2000);
	CHECK_INT(backoff_fail(&b, 0), 4000);
}

static void the_delay_never_exceeds_the_cap(void)
{
	struct backoff b;
	int i;
	int64_t d = 0;
	backoff_init(&b, 1000, 300000, 0, 1);
	for (i = 0; i < 200; i++)
		d = backoff_fail(&b, 0);
	CHECK_INT(d, 300000);
}

static void jitter_stays_within_its_share_of_the_delay(void)
{
	struct backoff b;
	int i, differ = 0;
	int64_t last = -1;
	backoff_init(&b, 8000, 8000, 50, 42);
	for (i = 0; i < 100; i++) {
		int64_t d = backoff_fail(&b, 0);
		CHECK(d >= 4000 && d <= 8000);
		if (last >= 0 && d != last)
			differ = 1;
		last = d;
	}
	CHECK(differ);
}

static void no_attempt_is_due_before_the_delay_has_passed(void)
{
	struct backoff b;
	backoff_init(&b, 1000, 60000, 0, 1);
	CHECK(backoff_due(&b, 5));
	backoff_fail(&b, 100);
	CHECK(!backoff_due(&b, 1099));
	CHECK(backoff_due(&b, 1100));
}

static void a_success_resets_the_delay(void)
{
	struct backoff b;
	backoff_init(&b, 1000, 60000, 0, 1);
	backoff_fail(&b, 0);
	backoff_fail(&b, 0);
	backoff_ok(&b);
	CHECK(backoff_due(&b, 0));
	CHECK_INT(backoff_fail(&b, 0), 1000);
}

int main(void)
{
	RUN(the_delay_doubles_from_the_base);
	RUN(the_delay_never_exceeds_the_cap);
	RUN(jitter_stays_within_its_share_of_the_delay);
	RUN(no_attempt_is_due_before_the_delay_has_passed);
	RUN(a_success_resets_the_delay);
	return harness_end();
}
