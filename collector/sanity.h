/*
 * sanity: plausibility of lifetime energy counters at the source. A counter
 * that reads 0, goes backwards or jumps beyond what the device's capacity
 * could produce in the elapsed time gets a QUALITY_* flag; the raw value is
 * always kept and published (ingest decides what to book).
 */
#ifndef PVMON_SANITY_H
#define PVMON_SANITY_H

#include <stdint.h>

/* Wh allowed on top of capacity x elapsed: covers counters with a 1 kWh resolution. */
#define SANITY_SLACK_WH 1000
/* Capacity is scaled by this many percent before it bounds a jump. */
#define SANITY_CAPACITY_MARGIN_PCT 125

/* The last trusted value of one counter (zero-initialise before first use). */
struct sanity {
	int have;
	int64_t ref, ref_ms; /* the value later readings are compared with */
	int have_alt;
	int64_t alt, alt_ms; /* the other candidate after a jump or a drop */
};

/*
 * Checks value (read at ts_ms) against the history in s and updates it.
 * capacity_w 0 means unknown (no jump bound). Returns 0 or QUALITY_COUNTER_*.
 * A reset (inverter replaced) is flagged backwards once and the new value
 * becomes the reference; a one-off spike or zero leaves the reference alone.
 */
unsigned sanity_check(struct sanity *s, int64_t value, int64_t ts_ms, int64_t capacity_w);

#endif
