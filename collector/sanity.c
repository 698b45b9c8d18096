/*
 * sanity: flags doubtful lifetime counters so that one bad read cannot book
 * tens of MWh. It never changes or hides a value; it only says why it doubts it.
 */
#include "sanity.h"

#include "reading.h"

/* Most Wh a device of capacity_w could add in elapsed_ms, with margins. */
static int64_t allowed_wh(int64_t capacity_w, int64_t elapsed_ms)
{
	if (capacity_w <= 0)
		return INT64_MAX;
	if (elapsed_ms < 0)
		elapsed_ms = 0;
	/* W x ms / 3.6e6 = Wh; in double so a long gap cannot overflow (no int128 on ARM32) */
	double wh = (double)capacity_w * SANITY_CAPACITY_MARGIN_PCT / 100.0 * (double)elapsed_ms /
	            3600000.0;
	if (wh > 1e15)
		return INT64_MAX;
	return (int64_t)wh + SANITY_SLACK_WH;
}

/* 1 when value may follow base (read at base_ms) as a normal increase. */
static int follows(int64_t base, int64_t base_ms, int64_t value, int64_t ts_ms, int64_t capacity_w)
{
	return value >= base && value - base <= allowed_wh(capacity_w, ts_ms - base_ms);
}

unsigned sanity_check(struct sanity *s, int64_t value, int64_t ts_ms, int64_t capacity_w)
{
	if (!s->have) {
		/* a first read of 0 is more likely a glitch than a brand-new counter */
		if (value == 0)
			return QUALITY_COUNTER_ZERO;
		s->have = 1;
		s->ref = value;
		s->ref_ms = ts_ms;
		return 0;
	}
	if (value == 0 && s->ref > 0)
		return QUALITY_COUNTER_ZERO;
	if (follows(s->ref, s->ref_ms, value, ts_ms, capacity_w)) {
		s->ref = value;
		s->ref_ms = ts_ms;
		s->have_alt = 0;
		return 0;
	}
	if (s->have_alt && follows(s->alt, s->alt_ms, value, ts_ms, capacity_w)) {
		/* the other candidate was right: a spike that stuck, or a glitch that passed */
		s->ref = value;
		s->ref_ms = ts_ms;
		s->have_alt = 0;
		return 0;
	}
	if (value < s->ref) {
		/* a reset: the new value is the reference, the old one kept in case it was a glitch
		 */
		s->alt = s->ref;
		s->alt_ms = s->ref_ms;
		s->have_alt = 1;
		s->ref = value;
		s->ref_ms = ts_ms;
		return QUALITY_COUNTER_BACKWARDS;
	}
	/* a jump: keep the reference; if the next reading continues from here, adopt it */
	s->alt = value;
	s->alt_ms = ts_ms;
	s->have_alt = 1;
	return QUALITY_COUNTER_JUMP;
}
