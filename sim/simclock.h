/*
 * simclock: the simulated time, running at a chosen speed from a chosen start
 * (speed 0 freezes it), and parsing of ISO 8601 instants for --start.
 */
#ifndef PVMON_SIM_SIMCLOCK_H
#define PVMON_SIM_SIMCLOCK_H

#include <stdint.h>

struct simclock {
	int64_t start_sim_ms;  /* simulated UTC ms at start */
	int64_t start_mono_ms; /* monotonic ms at start */
	double speed;          /* simulated seconds per real second; 0 freezes the clock */
};

/* Starts the clock now at start_sim_ms. */
void simclock_init(struct simclock *c, int64_t start_sim_ms, double speed);
/* The simulated UTC time in ms. */
int64_t simclock_now_ms(const struct simclock *c);
/* Simulated ms elapsed since the start. */
int64_t simclock_elapsed_ms(const struct simclock *c);

/*
 * Parses "YYYY-MM-DDTHH:MM[:SS]" with "Z", "+HH:MM" / "-HH:MM", or nothing
 * (then local time in the zone selected with caltime_set_zone). A space may
 * replace the T. Returns 0 and UTC ms, or -1.
 */
int simclock_parse_iso(const char *s, int64_t *utc_ms);

#endif
