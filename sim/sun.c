/*
 * sun: solar geometry (declination, equation of time, hour angle), a
 * Haurwitz clear-sky model and value-noise clouds. Never reads a clock.
 */
#include <math.h>

#include "sun.h"

#define PI 3.14159265358979323846
#define DEG (PI / 180.0)
#define DAY_MS 86400000.0

/* Day of the year (fractional, 0 = Jan 1 00:00 UTC) for an instant. */
static double day_of_year(int64_t utc_ms)
{
	/* Days since 2000-01-01T00:00Z, folded into a tropical year: good to a fraction of a day.
	 */
	double d = ((double)utc_ms - 946684800000.0) / DAY_MS;
	double y = fmod(d, 365.2422);
	if (y < 0)
		y += 365.2422;
	return y;
}

/* Solar elevation from declination and hour angle (NOAA's simplified formulas). */
double sun_elevation_deg(double lat, double lon, int64_t utc_ms)
{
	double n = day_of_year(utc_ms);
	double g = 2.0 * PI / 365.0 * n; /* fractional year, radians */
	double decl = 0.006918 - 0.399912 * cos(g) + 0.070257 * sin(g) - 0.006758 * cos(2 * g) +
	              0.000907 * sin(2 * g) - 0.002697 * cos(3 * g) + 0.00148 * sin(3 * g);
	double eot_min = 229.18 * (0.000075 + 0.001868 * cos(g) - 0.032077 * sin(g) -
	                           0.014615 * cos(2 * g) - 0.040849 * sin(2 * g));
	double utc_min = fmod((double)utc_ms / 60000.0, 1440.0);
	double solar_min, ha, s;

	if (utc_min < 0)
		utc_min += 1440.0;
	solar_min = utc_min + eot_min + 4.0 * lon;
	ha = (solar_min / 4.0 - 180.0) * DEG;
	s = sin(lat * DEG) * sin(decl) + cos(lat * DEG) * cos(decl) * cos(ha);
	if (s > 1)
		s = 1;
	if (s < -1)
		s = -1;
	return asin(s) / DEG;
}

/* Haurwitz: GHI = 1098 cos z exp(-0.057 / cos z); about 1000 W/m2 with the sun at 75 deg. */
double sun_clear_sky_wm2(double elevation_deg)
{
	double c;

	if (elevation_deg <= 0)
		return 0;
	c = sin(elevation_deg * DEG);
	return 1098.0 * c * exp(-0.057 / c);
}

uint64_t sun_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A uniform number in [0, 1) from a hash. */
static double unit(uint64_t h)
{
	return (double)(h >> 11) / 9007199254740992.0;
}

/* Smooth noise in [0, 1): cosine interpolation between hashed knots every period_ms. */
static double noise(uint64_t key, int64_t t_ms, int64_t period_ms)
{
	int64_t k = t_ms / period_ms;
	double f, a, b, w;

	if (t_ms < 0 && t_ms % period_ms != 0)
		k--;
	f = (double)(t_ms - k * period_ms) / (double)period_ms;
	a = unit(sun_mix(key ^ sun_mix((uint64_t)k)));
	b = unit(sun_mix(key ^ sun_mix((uint64_t)(k + 1))));
	w = (1 - cos(f * PI)) / 2;
	return a * (1 - w) + b * w;
}

/*
 * The day's cloudiness (0 clear .. 1 overcast) varies slowly; passing clouds
 * on top of it come and go within minutes. Both are keyed by seed and place.
 */
double sun_cloud_factor(uint64_t seed, uint64_t place, int64_t utc_ms)
{
	uint64_t key = sun_mix(seed ^ sun_mix(place));
	double day = noise(key, utc_ms, 86400000);
	double cover = day * day; /* more clear days than overcast ones */
	double passing = noise(key ^ 0x5a5a5a5a5a5a5a5aULL, utc_ms, 600000);
	double f =
	    1.0 - 0.75 * cover - 0.35 * cover * passing - 0.15 * (1 - cover) * passing * passing;

	if (f < 0.15)
		f = 0.15;
	if (f > 1.0)
		f = 1.0;
	return f;
}
