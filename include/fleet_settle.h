/*
 * fleet_settle: the optional "settlement" object of a station in the fleet
 * file (subsidy-catalogue listing, payer, cycle and account of each part),
 * parsed strictly as the rest of the fleet. Used by fleet.c only; the data
 * lives in struct fleet_settlement (fleet.h), owned by the station.
 */
#ifndef PVMON_FLEET_SETTLE_H
#define PVMON_FLEET_SETTLE_H

#include "fleet.h"
#include "jx.h"

/* Reads station o's "settlement" (absent: the defaults) into s->settle; 0 or -1 (jx->err). */
int fleet_settle_parse(struct jx *jx, const cJSON *o, const char *path, struct fleet_station *s);
/* Frees what fleet_settle_parse allocated; accepts a zeroed struct. */
void fleet_settle_release(struct fleet_settlement *st);

#endif
