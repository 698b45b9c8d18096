/*
 * sun: where the sun stands for a place and an instant, how much clear-sky
 * irradiance that gives, and seeded clouds. Pure functions of their inputs
 * (never a clock, never global state), so the simulation is reproducible.
 */
#ifndef PVMON_SIM_SUN_H
#define PVMON_SIM_SUN_H

#include <stdint.h>

/* Solar elevation in degrees (negative below the horizon) at lat/lon (deg, east +) and UTC ms. */
double sun_elevation_deg(double lat, double lon, int64_t utc_ms);

/* Clear-sky global horizontal irradiance in W/m2 for an elevation (0 below the horizon). */
double sun_clear_sky_wm2(double elevation_deg);

/*
 * The fraction of clear-sky irradiance the clouds let through (0.15-1.0) at
 * utc_ms for a seed and a place key (the station). Smooth in time, different
 * from day to day (some days clear, some overcast), identical for equal inputs.
 */
double sun_cloud_factor(uint64_t seed, uint64_t place, int64_t utc_ms);

/* A 64-bit mix (splitmix64): the simulator's only source of pseudo-randomness. */
uint64_t sun_mix(uint64_t x);

#endif
