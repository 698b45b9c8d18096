/*
 * fleet_settle: station facts for the ledger (docs/config.md, docs/ledger.md):
 * when the station is listed in the subsidy catalogue, who pays each part of
 * its revenue, how often, and into which account. Every key is optional; a
 * fleet file without them loads as before.
 */
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "fleet_settle.h"
#include "util.h"

#define PATHLEN 512

static const char *const cycles[] = {"monthly", "quarterly", "yearly", NULL};

const char *fleet_cycle_name(enum fleet_cycle c)
{
	return c >= FLEET_MONTHLY && c <= FLEET_YEARLY ? cycles[c] : "?";
}

int fleet_listed(const struct fleet_station *st, int32_t day)
{
	int i;
	if (!st->settle.catalogue_given)
		return 1;
	for (i = 0; i < st->settle.n_listings; i++)
		if (day >= st->settle.listings[i].from_day && day <= st->settle.listings[i].to_day)
			return 1;
	return 0;
}

/* One part's payer, cycle and account. */
static int parse_payment(struct jx *jx, const cJSON *o, const char *path, const char *key,
                         struct fleet_payment *pay, const char *payer, enum fleet_cycle cycle)
{
	static const char *const keys[] = {"payer", "cycle", "account", NULL};
	const cJSON *c = jx_child(jx, o, path, key, 0, keys);
	const char *id = payer, *account = NULL;
	int cy = (int)cycle;
	char p[PATHLEN];
	if (jx->err)
		return -1;
	if (c) {
		jx_join(p, sizeof p, path, key);
		if (jx_id(jx, c, p, "payer", 0, &id) < 0 ||
		    jx_enum(jx, c, p, "cycle", 0, cycles, &cy) < 0 ||
		    jx_str(jx, c, p, "account", 0, &account) < 0)
			return -1;
	}
	pay->payer = xstrdup(id);
	pay->cycle = (enum fleet_cycle)cy;
	pay->account = account ? xstrdup(account) : NULL;
	return 0;
}

/* The listed stretches: sorted by "from" as written, disjoint, only the last open-ended. */
static int parse_catalogue(struct jx *jx, const cJSON *o, const char *path,
                           struct fleet_settlement *st)
{
	static const char *const keys[] = {"from", "to", NULL};
	const cJSON *list = jx_array(jx, o, path, "catalogue", 0), *e;
	char lp[PATHLEN];
	int i = 0;
	if (!list)
		return jx->err ? -1 : 0;
	jx_join(lp, sizeof lp, path, "catalogue");
	st->catalogue_given = 1;
	st->n_listings = cJSON_GetArraySize(list);
	st->listings = xcalloc((size_t)st->n_listings + 1, sizeof *st->listings);
	cJSON_ArrayForEach(e, list)
	{
		char p[PATHLEN], fp[PATHLEN];
		struct fleet_listing *l = &st->listings[i];
		jx_index(p, sizeof p, lp, i);
		l->to_day = INT32_MAX;
		if (jx_object(jx, e, p, keys) < 0 ||
		    jx_date(jx, e, p, "from", 1, &l->from_day) < 0 ||
		    jx_date(jx, e, p, "to", 0, &l->to_day) < 0)
			return -1;
		if (l->to_day < l->from_day)
			return jx_fail(jx, jx_join(fp, sizeof fp, p, "to"),
			               "expected a date on or after from, got one before it");
		if (i > 0 && l->from_day <= st->listings[i - 1].to_day)
			return jx_fail(jx, jx_join(fp, sizeof fp, p, "from"),
			               "expected a date after %s[%d].to (stretches in order, not "
			               "overlapping)",
			               lp, i - 1);
		i++;
	}
	return 0;
}

int fleet_settle_parse(struct jx *jx, const cJSON *o, const char *path, struct fleet_station *s)
{
	static const char *const keys[] = {"metering_point", "catalogue", "coal", "subsidy", NULL};
	const cJSON *c = jx_child(jx, o, path, "settlement", 0, keys);
	const char *mp = NULL;
	char p[PATHLEN];
	if (jx->err)
		return -1;
	jx_join(p, sizeof p, path, "settlement");
	if (c && (jx_id(jx, c, p, "metering_point", 0, &mp) < 0 ||
	          parse_catalogue(jx, c, p, &s->settle) < 0))
		return -1;
	s->settle.metering_point = mp ? xstrdup(mp) : NULL;
	/* the national rules: the grid settles coal quarterly, the fund pays yearly */
	if (parse_payment(jx, c, p, "coal", &s->settle.coal, "grid", FLEET_QUARTERLY) < 0 ||
	    parse_payment(jx, c, p, "subsidy", &s->settle.subsidy, "fund", FLEET_YEARLY) < 0)
		return -1;
	return 0;
}

void fleet_settle_release(struct fleet_settlement *st)
{
	free(st->metering_point);
	free(st->listings);
	free(st->coal.payer);
	free(st->coal.account);
	free(st->subsidy.payer);
	free(st->subsidy.account);
	memset(st, 0, sizeof *st);
}
