/*
 * fleet: the county's fleet file (townships, villages, stations, shares,
 * tariffs, costs) loaded strictly, with hash indexes for per-reading lookups.
 * Money is parsed exactly into fen; a double never holds an amount.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "config.h"
#include "fleet.h"
#include "fleet_settle.h"
#include "jx.h"
#include "log.h"
#include "util.h"

#define PATHLEN 512

/* One slot of an open-addressing table keyed by one or two borrowed strings. */
struct slot {
	const char *a, *b; /* b NULL for one-string keys; a NULL marks an empty slot */
	int v1, v2;
};

struct table {
	struct slot *slots;
	size_t mask;
};

/* The private lookup tables behind fleet.index. */
struct fleet_index {
	struct table townships, villages, stations, tariffs, devices;
};

/* FNV-1a over both strings, with a separator so ("ab","c") differs from ("a","bc"). */
static size_t key_hash(const char *a, const char *b)
{
	uint64_t h = UINT64_C(14695981039346656037);
	const unsigned char *p;
	for (p = (const unsigned char *)a; *p; p++)
		h = (h ^ *p) * UINT64_C(1099511628211);
	h = (h ^ 0xff) * UINT64_C(1099511628211);
	if (b)
		for (p = (const unsigned char *)b; *p; p++)
			h = (h ^ *p) * UINT64_C(1099511628211);
	return (size_t)(h ^ (h >> 29));
}

/* Sizes the table to at most half full for n keys. */
static void table_init(struct table *t, int n)
{
	size_t cap = 16;
	while (cap < (size_t)n * 2 + 2)
		cap *= 2;
	t->slots = xcalloc(cap, sizeof *t->slots);
	t->mask = cap - 1;
}

static const struct slot *table_get(const struct table *t, const char *a, const char *b)
{
	size_t i;
	if (!t->slots || !a)
		return NULL;
	for (i = key_hash(a, b) & t->mask; t->slots[i].a; i = (i + 1) & t->mask) {
		const struct slot *s = &t->slots[i];
		if (strcmp(s->a, a) == 0 && (b ? s->b && strcmp(s->b, b) == 0 : !s->b))
			return s;
	}
	return NULL;
}

/* Adds a key; returns the slot already holding it (a duplicate), or NULL once added. */
static const struct slot *table_put(struct table *t, const char *a, const char *b, int v1, int v2)
{
	const struct slot *old = table_get(t, a, b);
	size_t i;
	if (old)
		return old;
	for (i = key_hash(a, b) & t->mask; t->slots[i].a; i = (i + 1) & t->mask)
		;
	t->slots[i].a = a;
	t->slots[i].b = b;
	t->slots[i].v1 = v1;
	t->slots[i].v2 = v2;
	return NULL;
}

static void index_free(struct fleet_index *x)
{
	if (!x)
		return;
	free(x->townships.slots);
	free(x->villages.slots);
	free(x->stations.slots);
	free(x->tariffs.slots);
	free(x->devices.slots);
	free(x);
}

/* A required array of objects with its size; NULL on error. */
static const cJSON *get_list(struct jx *jx, const cJSON *obj, const char *key, int *n)
{
	const cJSON *a = jx_array(jx, obj, "", key, 1);
	*n = a ? cJSON_GetArraySize(a) : 0;
	return a;
}

/* A required id that must be new in table t; what names the kind ("station"). */
static int unique_id(struct jx *jx, const cJSON *o, const char *path, const char *what,
                     const char *list, struct table *t, int i, const char **out)
{
	const struct slot *dup;
	if (jx_id(jx, o, path, "id", 1, out) < 0)
		return -1;
	dup = table_put(t, *out, NULL, i, 0);
	if (dup) {
		char p[PATHLEN];
		return jx_fail(jx, jx_join(p, sizeof p, path, "id"),
		               "expected a unique %s id, got \"%s\" again (also %s[%d].id)", what,
		               *out, list, dup->v1);
	}
	return 0;
}

/* Fails with "PATH.KEY: expected a WHAT id listed in LIST, got "x"" unless found. */
static int lookup(struct jx *jx, const cJSON *o, const char *path, const char *key,
                  const char *what, const char *list, const struct table *t, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	const struct slot *s = NULL;
	char p[PATHLEN], got[128];
	if (jx->err)
		return -1;
	if (cJSON_IsString(v))
		s = table_get(t, v->valuestring, NULL);
	if (!s) {
		jx_describe(v, got, sizeof got);
		return jx_fail(jx, jx_join(p, sizeof p, path, key),
		               "expected a %s id listed in %s, got %s", what, list, got);
	}
	*out = s->v1;
	return 0;
}

static int parse_townships(struct jx *jx, const cJSON *root, struct fleet *f, struct fleet_index *x)
{
	static const char *const keys[] = {"id", "name", NULL};
	const cJSON *list = get_list(jx, root, "townships", &f->n_townships), *o;
	int i = 0;
	if (!list)
		return -1;
	f->townships = xcalloc((size_t)f->n_townships + 1, sizeof *f->townships);
	table_init(&x->townships, f->n_townships);
	cJSON_ArrayForEach(o, list)
	{
		char p[PATHLEN];
		const char *id = NULL, *name = NULL;
		jx_index(p, sizeof p, "townships", i);
		if (jx_object(jx, o, p, keys) < 0 ||
		    unique_id(jx, o, p, "township", "townships", &x->townships, i, &id) < 0 ||
		    jx_str(jx, o, p, "name", 1, &name) < 0)
			return -1;
		f->townships[i].id = xstrdup(id);
		f->townships[i].name = xstrdup(name);
		/* the table must key on the copy that outlives the JSON tree */
		((struct slot *)table_get(&x->townships, id, NULL))->a = f->townships[i].id;
		i++;
	}
	return 0;
}

static int parse_villages(struct jx *jx, const cJSON *root, struct fleet *f, struct fleet_index *x)
{
	static const char *const keys[] = {"id", "name", "township", "target_yuan_per_year", NULL};
	const cJSON *list = get_list(jx, root, "villages", &f->n_villages), *o;
	int i = 0;
	if (!list)
		return -1;
	f->villages = xcalloc((size_t)f->n_villages + 1, sizeof *f->villages);
	table_init(&x->villages, f->n_villages);
	cJSON_ArrayForEach(o, list)
	{
		char p[PATHLEN];
		const char *id = NULL, *name = NULL;
		struct fleet_village *v = &f->villages[i];
		jx_index(p, sizeof p, "villages", i);
		if (jx_object(jx, o, p, keys) < 0 ||
		    unique_id(jx, o, p, "village", "villages", &x->villages, i, &id) < 0 ||
		    jx_str(jx, o, p, "name", 1, &name) < 0 ||
		    lookup(jx, o, p, "township", "township", "townships", &x->townships,
		           &v->township) < 0 ||
		    jx_decimal(jx, o, p, "target_yuan_per_year", 0, 2, 1, INT64_MAX,
		               &v->target_fen_per_year) < 0)
			return -1;
		v->id = xstrdup(id);
		v->name = xstrdup(name);
		((struct slot *)table_get(&x->villages, id, NULL))->a = v->id;
		i++;
	}
	return 0;
}

/* A period as read, with its place in the file for messages. */
struct period_in {
	struct fleet_tariff_period p;
	int file_index;
	int open; /* no "to" */
};

static int period_cmp(const void *a, const void *b)
{
	const struct period_in *x = a, *y = b;
	if (x->p.from_day != y->p.from_day)
		return x->p.from_day < y->p.from_day ? -1 : 1;
	return x->file_index - y->file_index;
}

/* Sorts the periods by "from" and demands that each starts the day after the last ends. */
static int check_periods(struct jx *jx, const char *path, struct period_in *in, int n)
{
	char p[PATHLEN], want[16], got[16];
	int i;
	qsort(in, (size_t)n, sizeof *in, period_cmp);
	for (i = 0; i + 1 < n; i++)
		if (in[i].open)
			return jx_fail(jx, "",
			               "%s.periods[%d].to: expected a date YYYY-MM-DD (only the "
			               "last period may be open-ended), got nothing (the key is "
			               "missing)",
			               path, in[i].file_index);
	for (i = 1; i < n; i++) {
		int32_t expect = in[i - 1].p.to_day + 1, from = in[i].p.from_day;
		if (from == expect)
			continue;
		char lp[PATHLEN], ip[PATHLEN];
		jx_join(p, sizeof p,
		        jx_index(ip, sizeof ip, jx_join(lp, sizeof lp, path, "periods"),
		                 in[i].file_index),
		        "from");
		caltime_format_date(expect, want, sizeof want);
		caltime_format_date(from, got, sizeof got);
		if (from > expect)
			return jx_fail(jx, p,
			               "expected \"%s\" (the day after periods[%d].to), got \"%s\" "
			               "(a gap of %d day%s)",
			               want, in[i - 1].file_index, got, (int)(from - expect),
			               from - expect == 1 ? "" : "s");
		return jx_fail(jx, p,
		               "expected \"%s\" (the day after periods[%d].to), got \"%s\" (an "
		               "overlap of %d day%s with periods[%d])",
		               want, in[i - 1].file_index, got, (int)(expect - from),
		               expect - from == 1 ? "" : "s", in[i - 1].file_index);
	}
	return 0;
}

static int parse_tariff(struct jx *jx, const cJSON *o, const char *path, struct fleet_tariff *t)
{
	static const char *const keys[] = {"from", "to", "coal_yuan_per_kwh",
	                                   "subsidy_yuan_per_kwh", NULL};
	const cJSON *list = jx_array(jx, o, path, "periods", 1), *e;
	struct period_in *in = NULL;
	char lp[PATHLEN];
	int n, i = 0, rc = -1;

	if (!list)
		return -1;
	n = cJSON_GetArraySize(list);
	jx_join(lp, sizeof lp, path, "periods");
	if (n == 0)
		return jx_fail(jx, lp, "expected at least one period, got an empty array");
	in = xcalloc((size_t)n, sizeof *in);
	cJSON_ArrayForEach(e, list)
	{
		char p[PATHLEN];
		struct period_in *q = &in[i];
		jx_index(p, sizeof p, lp, i);
		q->file_index = i;
		q->p.to_day = INT32_MAX;
		/* rates in yuan per kWh with 5 places are exact fen per MWh */
		if (jx_object(jx, e, p, keys) < 0 ||
		    jx_date(jx, e, p, "from", 1, &q->p.from_day) < 0 ||
		    jx_date(jx, e, p, "to", 0, &q->p.to_day) < 0 ||
		    jx_decimal(jx, e, p, "coal_yuan_per_kwh", 1, 5, 0, 10000000,
		               &q->p.coal_fen_per_mwh) < 0 ||
		    jx_decimal(jx, e, p, "subsidy_yuan_per_kwh", 1, 5, 0, 10000000,
		               &q->p.subsidy_fen_per_mwh) < 0)
			goto out;
		q->open = q->p.to_day == INT32_MAX;
		if (q->p.to_day < q->p.from_day) {
			char want[16], got[16], tp[PATHLEN];
			caltime_format_date(q->p.from_day, want, sizeof want);
			caltime_format_date(q->p.to_day, got, sizeof got);
			jx_fail(jx, jx_join(tp, sizeof tp, p, "to"),
			        "expected a date on or after from (\"%s\"), got \"%s\"", want, got);
			goto out;
		}
		i++;
	}
	if (check_periods(jx, path, in, n) < 0)
		goto out;
	t->periods = xcalloc((size_t)n, sizeof *t->periods);
	t->n_periods = n;
	for (i = 0; i < n; i++)
		t->periods[i] = in[i].p;
	rc = 0;
out:
	free(in);
	return rc;
}

static int parse_tariffs(struct jx *jx, const cJSON *root, struct fleet *f, struct fleet_index *x)
{
	static const char *const keys[] = {"id", "periods", NULL};
	const cJSON *list = get_list(jx, root, "tariffs", &f->n_tariffs), *o;
	int i = 0;
	if (!list)
		return -1;
	f->tariffs = xcalloc((size_t)f->n_tariffs + 1, sizeof *f->tariffs);
	table_init(&x->tariffs, f->n_tariffs);
	cJSON_ArrayForEach(o, list)
	{
		char p[PATHLEN];
		const char *id = NULL;
		jx_index(p, sizeof p, "tariffs", i);
		if (jx_object(jx, o, p, keys) < 0 ||
		    unique_id(jx, o, p, "tariff", "tariffs", &x->tariffs, i, &id) < 0)
			return -1;
		f->tariffs[i].id = xstrdup(id);
		((struct slot *)table_get(&x->tariffs, id, NULL))->a = f->tariffs[i].id;
		if (parse_tariff(jx, o, p, &f->tariffs[i]) < 0)
			return -1;
		i++;
	}
	return 0;
}

static int parse_costs(struct jx *jx, const cJSON *st, const char *path, struct fleet_costs *c)
{
	static const char *const keys[] = {"land_rent_yuan_per_year",
	                                   "insurance_yuan_per_year",
	                                   "om_yuan_per_month",
	                                   "om_yuan_per_mwh",
	                                   "om_cap_yuan_per_kw_year",
	                                   "tax_percent",
	                                   NULL};
	const int64_t big = INT64_MAX;
	const cJSON *o = jx_child(jx, st, path, "costs", 0, keys);
	char p[PATHLEN];
	if (!o)
		return jx->err ? -1 : 0;
	jx_join(p, sizeof p, path, "costs");
	return jx_decimal(jx, o, p, "land_rent_yuan_per_year", 0, 2, 0, big,
	                  &c->land_rent_fen_per_year) < 0 ||
	               jx_decimal(jx, o, p, "insurance_yuan_per_year", 0, 2, 0, big,
	                          &c->insurance_fen_per_year) < 0 ||
	               jx_decimal(jx, o, p, "om_yuan_per_month", 0, 2, 0, big,
	                          &c->om_fen_per_month) < 0 ||
	               jx_decimal(jx, o, p, "om_yuan_per_mwh", 0, 2, 0, big, &c->om_fen_per_mwh) <
	                   0 ||
	               jx_decimal(jx, o, p, "om_cap_yuan_per_kw_year", 0, 2, 0, big,
	                          &c->om_cap_fen_per_kw_year) < 0 ||
	               jx_decimal(jx, o, p, "tax_percent", 0, 2, 0, 10000, &c->tax_basis_points) < 0
	           ? -1
	           : 0;
}

/* Adds a device to a station, refusing an id the station already has. */
static int add_device(struct jx *jx, struct fleet_station *s, const char *path, const char *id,
                      enum reading_kind kind, int64_t cap, char dev_paths[][48])
{
	char p[PATHLEN];
	int i;
	for (i = 0; i < s->n_devices; i++)
		if (strcmp(s->devices[i].id, id) == 0)
			return jx_fail(jx, jx_join(p, sizeof p, path, "id"),
			               "expected a device id unique in station \"%s\", got "
			               "\"%s\" again (also %s.id)",
			               s->id, id, dev_paths[i]);
	s->devices[s->n_devices].id = xstrdup(id);
	s->devices[s->n_devices].kind = kind;
	s->devices[s->n_devices].capacity_w = cap;
	s->n_devices++;
	return 0;
}

static int parse_shares(struct jx *jx, const cJSON *o, const char *path, struct fleet_station *s,
                        const struct fleet_index *x)
{
	static const char *const keys[] = {"village", "weight", NULL};
	const cJSON *list = jx_array(jx, o, path, "shares", 1), *e;
	char lp[PATHLEN];
	int i = 0, j;
	if (!list)
		return -1;
	jx_join(lp, sizeof lp, path, "shares");
	s->n_shares = cJSON_GetArraySize(list);
	if (s->n_shares == 0)
		return jx_fail(jx, lp, "expected at least one share, got an empty array");
	s->shares = xcalloc((size_t)s->n_shares, sizeof *s->shares);
	cJSON_ArrayForEach(e, list)
	{
		char p[PATHLEN], vp[PATHLEN];
		struct fleet_share *sh = &s->shares[i];
		jx_index(p, sizeof p, lp, i);
		if (jx_object(jx, e, p, keys) < 0 ||
		    lookup(jx, e, p, "village", "village", "villages", &x->villages, &sh->village) <
		        0 ||
		    jx_int(jx, e, p, "weight", 1, 1, INT64_MAX, &sh->weight) < 0)
			return -1;
		/* keeps weight x amount in fen far inside int64 for the split */
		if (sh->weight > FLEET_WEIGHT_MAX)
			return jx_fail(jx, jx_join(vp, sizeof vp, p, "weight"),
			               "expected an integer from 1 to %d, got %lld",
			               FLEET_WEIGHT_MAX, (long long)sh->weight);
		for (j = 0; j < i; j++)
			if (s->shares[j].village == sh->village)
				return jx_fail(
				    jx, jx_join(vp, sizeof vp, p, "village"),
				    "expected each village once per station, got \"%s\" "
				    "again (also shares[%d].village)",
				    cJSON_GetObjectItemCaseSensitive(e, "village")->valuestring, j);
		i++;
	}
	return 0;
}

static int parse_station(struct jx *jx, const cJSON *o, const char *path, struct fleet_station *s,
                         struct fleet_index *x)
{
	static const char *const meter_keys[] = {"id", NULL};
	static const char *const inv_keys[] = {"id", "capacity_kw", NULL};
	const char *name = NULL, *gw = NULL, *mid = NULL, *sid = NULL;
	const cJSON *meter, *sensor, *invs, *e;
	char p[PATHLEN], (*dev_paths)[48] = NULL;
	int64_t inv_sum = 0;
	int n_inv, i = 0, rc = -1;

	if (jx_str(jx, o, path, "name", 1, &name) < 0 ||
	    jx_id(jx, o, path, "gateway", 0, &gw) < 0 ||
	    jx_decimal(jx, o, path, "capacity_kw", 1, 3, 1, INT64_MAX, &s->capacity_w) < 0 ||
	    jx_date(jx, o, path, "commissioned", 1, &s->commissioned_day) < 0 ||
	    jx_num(jx, o, path, "latitude", 1, -90, 90, &s->latitude) < 0 ||
	    jx_num(jx, o, path, "longitude", 1, -180, 180, &s->longitude) < 0)
		return -1;
	s->name = xstrdup(name);
	s->gateway = gw ? xstrdup(gw) : NULL;
	meter = jx_child(jx, o, path, "meter", 0, meter_keys);
	if (jx->err)
		return -1;
	sensor = jx_child(jx, o, path, "sensor", 0, meter_keys);
	if (jx->err)
		return -1;
	invs = jx_array(jx, o, path, "inverters", 1);
	if (!invs)
		return -1;
	n_inv = cJSON_GetArraySize(invs);
	s->devices = xcalloc((size_t)n_inv + 2, sizeof *s->devices);
	dev_paths = xcalloc((size_t)n_inv + 2, sizeof *dev_paths);
	if (meter) {
		jx_join(p, sizeof p, path, "meter");
		if (jx_id(jx, meter, p, "id", 1, &mid) < 0)
			goto out;
		s->meter = xstrdup(mid);
		snprintf(dev_paths[0], sizeof dev_paths[0], "meter");
		/* the meter's jump bound is the whole station */
		if (add_device(jx, s, p, mid, READING_METER, s->capacity_w, dev_paths) < 0)
			goto out;
	}
	cJSON_ArrayForEach(e, invs)
	{
		char ip[PATHLEN], lp[PATHLEN];
		const char *id = NULL;
		int64_t cap = 0;
		jx_index(ip, sizeof ip, jx_join(lp, sizeof lp, path, "inverters"), i);
		if (jx_object(jx, e, ip, inv_keys) < 0 || jx_id(jx, e, ip, "id", 1, &id) < 0 ||
		    jx_decimal(jx, e, ip, "capacity_kw", 1, 3, 1, INT64_MAX, &cap) < 0 ||
		    add_device(jx, s, ip, id, READING_INVERTER, cap, dev_paths) < 0)
			goto out;
		snprintf(dev_paths[s->n_devices - 1], sizeof dev_paths[0], "inverters[%d]", i);
		inv_sum += cap;
		i++;
	}
	if (sensor) {
		int n_yield = s->n_devices;
		jx_join(p, sizeof p, path, "sensor");
		if (jx_id(jx, sensor, p, "id", 1, &sid) < 0)
			goto out;
		s->sensor = xstrdup(sid);
		snprintf(dev_paths[s->n_devices], sizeof dev_paths[0], "sensor");
		if (add_device(jx, s, p, sid, READING_SENSOR, 0, dev_paths) < 0)
			goto out;
		if (n_yield == 0) {
			jx_fail(jx, jx_join(p, sizeof p, path, "inverters"),
			        "expected at least one inverter (or a meter), got an empty array");
			goto out;
		}
	}
	if (s->n_devices == 0) {
		jx_fail(jx, jx_join(p, sizeof p, path, "inverters"),
		        "expected at least one inverter (or a meter), got an empty array");
		goto out;
	}
	/* AC nameplate is usually 70-100% of the DC peak: far outside is a typo */
	if (n_inv > 0 && (inv_sum * 10 > s->capacity_w * 12 || inv_sum * 10 < s->capacity_w * 5))
		log_warn("%s: %s.inverters: their capacities add up to %lld W, the station's "
		         "capacity_kw is %lld W",
		         jx->file, path, (long long)inv_sum, (long long)s->capacity_w);
	if (parse_shares(jx, o, path, s, x) < 0 ||
	    lookup(jx, o, path, "tariff", "tariff", "tariffs", &x->tariffs, &s->tariff) < 0 ||
	    parse_costs(jx, o, path, &s->costs) < 0 || fleet_settle_parse(jx, o, path, s) < 0)
		goto out;
	rc = 0;
out:
	free(dev_paths);
	return rc;
}

static int parse_stations(struct jx *jx, const cJSON *root, struct fleet *f, struct fleet_index *x)
{
	static const char *const keys[] = {"id",           "name",     "gateway",   "capacity_kw",
	                                   "commissioned", "latitude", "longitude", "meter",
	                                   "inverters",    "shares",   "tariff",    "costs",
	                                   "settlement",   "sensor",   NULL};
	const cJSON *list = get_list(jx, root, "stations", &f->n_stations), *o;
	int i = 0, j, n_dev = 0;
	if (!list)
		return -1;
	f->stations = xcalloc((size_t)f->n_stations + 1, sizeof *f->stations);
	table_init(&x->stations, f->n_stations);
	cJSON_ArrayForEach(o, list)
	{
		char p[PATHLEN];
		const char *id = NULL;
		struct fleet_station *s = &f->stations[i];
		jx_index(p, sizeof p, "stations", i);
		if (jx_object(jx, o, p, keys) < 0 ||
		    unique_id(jx, o, p, "station", "stations", &x->stations, i, &id) < 0)
			return -1;
		s->id = xstrdup(id);
		((struct slot *)table_get(&x->stations, id, NULL))->a = s->id;
		if (parse_station(jx, o, p, s, x) < 0)
			return -1;
		n_dev += s->n_devices;
		i++;
	}
	table_init(&x->devices, n_dev);
	for (i = 0; i < f->n_stations; i++)
		for (j = 0; j < f->stations[i].n_devices; j++)
			table_put(&x->devices, f->stations[i].id, f->stations[i].devices[j].id, i,
			          j);
	return 0;
}

int fleet_load(const char *path, struct fleet **out, char **cause)
{
	static const char *const keys[] = {"county",   "townships", "villages",
	                                   "stations", "tariffs",   NULL};
	struct jx jx = {path, NULL};
	struct fleet *f = xcalloc(1, sizeof *f);
	struct fleet_index *x = xcalloc(1, sizeof *x);
	cJSON *root = NULL;
	const char *county = NULL;

	*out = NULL;
	f->path = xstrdup(path);
	f->index = x;
	root = jx_parse_file(&jx, path);
	if (!root || jx_object(&jx, root, "", keys) < 0 ||
	    jx_str(&jx, root, "", "county", 1, &county) < 0)
		goto fail;
	f->county = xstrdup(county);
	/* order matters: each list may only name what was read before it */
	if (parse_townships(&jx, root, f, x) < 0 || parse_villages(&jx, root, f, x) < 0 ||
	    parse_tariffs(&jx, root, f, x) < 0 || parse_stations(&jx, root, f, x) < 0)
		goto fail;
	cJSON_Delete(root);
	jx_release(&jx);
	*out = f;
	return 0;
fail:
	cJSON_Delete(root);
	fleet_free(f);
	if (cause) {
		*cause = jx.err ? jx.err : xstrdup("unknown fleet error");
		jx.err = NULL;
	}
	jx_release(&jx);
	return -1;
}

void fleet_free(struct fleet *f)
{
	int i, j;
	if (!f)
		return;
	for (i = 0; i < f->n_townships; i++) {
		free(f->townships[i].id);
		free(f->townships[i].name);
	}
	for (i = 0; i < f->n_villages; i++) {
		free(f->villages[i].id);
		free(f->villages[i].name);
	}
	for (i = 0; i < f->n_stations; i++) {
		struct fleet_station *s = &f->stations[i];
		for (j = 0; j < s->n_devices; j++)
			free(s->devices[j].id);
		free(s->devices);
		free(s->shares);
		free(s->id);
		free(s->name);
		free(s->gateway);
		free(s->meter);
		free(s->sensor);
		fleet_settle_release(&s->settle);
	}
	for (i = 0; i < f->n_tariffs; i++) {
		free(f->tariffs[i].id);
		free(f->tariffs[i].periods);
	}
	free(f->townships);
	free(f->villages);
	free(f->stations);
	free(f->tariffs);
	free(f->county);
	free(f->path);
	index_free(f->index);
	free(f);
}

int fleet_station_index(const struct fleet *f, const char *id)
{
	const struct slot *s =
	    table_get(&((const struct fleet_index *)f->index)->stations, id, NULL);
	return s ? s->v1 : -1;
}

int fleet_village_index(const struct fleet *f, const char *id)
{
	const struct slot *s =
	    table_get(&((const struct fleet_index *)f->index)->villages, id, NULL);
	return s ? s->v1 : -1;
}

const struct fleet_device *fleet_device_find(const struct fleet *f, const char *station,
                                             const char *device)
{
	const struct slot *s;
	if (!device)
		return NULL;
	s = table_get(&((const struct fleet_index *)f->index)->devices, station, device);
	return s ? &f->stations[s->v1].devices[s->v2] : NULL;
}

int fleet_check_collector(const struct fleet *f, const struct collector_conf *c, char **cause)
{
	int i, j;
	for (i = 0; i < c->n_buses; i++)
		for (j = 0; j < c->buses[i].n_devices; j++) {
			const struct device_conf *d = &c->buses[i].devices[j];
			const struct fleet_device *fd;
			if (fleet_station_index(f, d->station) < 0) {
				*cause = xasprintf("%s: buses[%d].devices[%d].station: expected a "
				                   "station of %s, got \"%s\"",
				                   c->path, i, j, f->path, d->station);
				return -1;
			}
			fd = fleet_device_find(f, d->station, d->id);
			if (!fd) {
				*cause =
				    xasprintf("%s: buses[%d].devices[%d].id: expected a device "
				              "of station \"%s\" in %s, got \"%s\"",
				              c->path, i, j, d->station, f->path, d->id);
				return -1;
			}
			if (fd->kind != d->kind) {
				*cause =
				    xasprintf("%s: buses[%d].devices[%d].kind: expected \"%s\" "
				              "as in %s, got \"%s\"",
				              c->path, i, j, reading_kind_name(fd->kind), f->path,
				              reading_kind_name(d->kind));
				return -1;
			}
		}
	return 0;
}
