/*
 * simclock: simulated time derived from the monotonic clock, so a wall-clock
 * step never makes the simulation jump; never sleeps or signals.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "caltime.h"
#include "simclock.h"
#include "util.h"

void simclock_init(struct simclock *c, int64_t start_sim_ms, double speed)
{
	c->start_sim_ms = start_sim_ms;
	c->start_mono_ms = util_mono_ms();
	c->speed = speed;
}

int64_t simclock_elapsed_ms(const struct simclock *c)
{
	if (c->speed == 0)
		return 0;
	return (int64_t)((double)(util_mono_ms() - c->start_mono_ms) * c->speed);
}

int64_t simclock_now_ms(const struct simclock *c)
{
	return c->start_sim_ms + simclock_elapsed_ms(c);
}

/* Reads exactly n digits at *p into *out and advances *p. */
static int digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int simclock_parse_iso(const char *s, int64_t *utc_ms)
{
	const char *p = s;
	int y, mo, d, h, mi, sec = 0, oh = 0, om = 0, sign = 0, local = 0;
	int32_t days;
	char date[32];
	int64_t ms;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return -1;
	snprintf(date, sizeof date, "%04d-%02d-%02d", y, mo, d);
	if (caltime_parse_date(date, &days))
		return -1;
	if (*p != 'T' && *p != ' ')
		return -1;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
		return -1;
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &sec))
			return -1;
	}
	if (h > 23 || mi > 59 || sec > 59)
		return -1;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 14 || om > 59)
			return -1;
	} else {
		local = 1;
	}
	if (*p)
		return -1;
	if (local)
		ms = caltime_local_midnight_ms(days);
	else
		ms = (int64_t)days * 86400000 - (int64_t)sign * (oh * 3600 + om * 60) * 1000;
	*utc_ms = ms + ((int64_t)h * 3600 + mi * 60 + sec) * 1000;
	return 0;
}
