/*
 * simconf: strict loading of the simulator's JSON config and the fleet the
 * quick flags describe. Never opens sockets or loads profiles: names only.
 */
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "jx.h"
#include "simclock.h"
#include "simconf.h"
#include "util.h"

#define DEFAULT_LAT 37.95
#define DEFAULT_LON 110.99

static const char *const top_keys[] = {"seed",     "speed",  "start",        "timezone",
                                       "profiles", "listen", "unknown_unit", "faults_file",
                                       "stations", NULL};
static const char *const station_keys[] = {"id",        "transport", "port",   "pty_link",
                                           "lat",       "lon",       "loss",   "aux_w",
                                           "inverters", "meter",     "sensor", NULL};
static const char *const inverter_keys[] = {
    "id",           "unit",          "profile", "capacity_w", "energy_wh",
    "sunspec_base", "sunspec_model", "faults",  NULL};
static const char *const meter_keys[] = {"id",        "unit",         "profile",       "energy_wh",
                                         "import_wh", "sunspec_base", "sunspec_model", "faults",
                                         NULL};
static const char *const sensor_keys[] = {"id", "unit", "profile", "faults", NULL};
static const char *const transports[] = {"tcp", "rtu", NULL};
static const char *const unknown_units[] = {"ignore", "exception", NULL};

/* A path from a config file, made relative to the file's directory. */
static char *relative_to(const char *file, const char *p)
{
	char *copy, *dir, *out;

	if (!file || p[0] == '/')
		return xstrdup(p);
	copy = xstrdup(file);
	dir = dirname(copy);
	out = xasprintf("%s/%s", dir, p);
	free(copy);
	return out;
}

/* Checks a SunSpec base: only the three addresses discovery tries. */
static int check_base(struct jx *jx, const char *path, int64_t base)
{
	char p[256];

	if (base != 0 && base != 40000 && base != 50000)
		return jx_fail(jx, jx_join(p, sizeof p, path, "sunspec_base"),
		               "expected 0, 40000 or 50000, got %lld", (long long)base);
	return 0;
}

/* Parses one inverter or meter object into d. */
static int parse_device(struct jx *jx, const cJSON *o, const char *path, enum reading_kind kind,
                        int64_t start_ms, struct simdev_conf *d)
{
	const char *id = NULL, *profile = NULL;
	int64_t unit = 0, cap = 0, energy = 0, import = 0, base = 40000, model = 0;
	const cJSON *faults;
	char p[256];

	if (jx_object(jx, o, path,
	              kind == READING_METER    ? meter_keys
	              : kind == READING_SENSOR ? sensor_keys
	                                       : inverter_keys))
		return -1;
	jx_id(jx, o, path, "id", kind == READING_INVERTER, &id);
	jx_int(jx, o, path, "unit", 1, 1, 247, &unit);
	jx_str(jx, o, path, "profile", 1, &profile);
	if (kind == READING_INVERTER)
		jx_int(jx, o, path, "capacity_w", 1, 1, 10000000, &cap);
	jx_int(jx, o, path, "energy_wh", 0, 0, INT64_C(1) << 50, &energy);
	if (kind == READING_METER)
		jx_int(jx, o, path, "import_wh", 0, 0, INT64_C(1) << 50, &import);
	jx_int(jx, o, path, "sunspec_base", 0, 0, 65535, &base);
	jx_int(jx, o, path, "sunspec_model", 0, 1, 65534, &model);
	if (jx->err || check_base(jx, path, base))
		return -1;
	d->id = xstrdup(id ? id : kind == READING_SENSOR ? "irr" : "meter");
	d->unit = (int)unit;
	d->kind = kind;
	d->profile = xstrdup(profile);
	d->capacity_w = cap;
	d->energy_wh = energy;
	d->import_wh = import;
	d->sunspec_base = (int)base;
	d->sunspec_model = (int)model;
	faults = jx_array(jx, o, path, "faults", 0);
	if (faults && fault_list_parse(jx, faults, jx_join(p, sizeof p, path, "faults"), start_ms,
	                               start_ms, &d->faults))
		return -1;
	return jx->err ? -1 : 0;
}

/* Parses one station object into s and checks its devices' ids and units. */
static int parse_station(struct jx *jx, const struct sim_conf *c, const cJSON *o, const char *path,
                         struct simstation_conf *s)
{
	const char *id = NULL, *link = NULL;
	int transport = 0, i, j;
	int64_t port = 0, aux = -1;
	const cJSON *invs, *meter, *sensor, *it;
	char p[256], q[256];

	if (jx_object(jx, o, path, station_keys))
		return -1;
	s->lat = DEFAULT_LAT;
	s->lon = DEFAULT_LON;
	s->loss = 0.02;
	jx_id(jx, o, path, "id", 1, &id);
	jx_enum(jx, o, path, "transport", 0, transports, &transport);
	jx_int(jx, o, path, "port", 0, 0, 65535, &port);
	jx_str(jx, o, path, "pty_link", 0, &link);
	jx_num(jx, o, path, "lat", 0, -66, 66, &s->lat);
	jx_num(jx, o, path, "lon", 0, -180, 180, &s->lon);
	jx_num(jx, o, path, "loss", 0, 0, 0.5, &s->loss);
	jx_int(jx, o, path, "aux_w", 0, 0, 1000000, &aux);
	invs = jx_array(jx, o, path, "inverters", 1);
	meter = jx_child(jx, o, path, "meter", 0, NULL);
	sensor = jx_child(jx, o, path, "sensor", 0, NULL);
	if (jx->err)
		return -1;
	if (transport == 1 && cJSON_GetObjectItemCaseSensitive(o, "port"))
		return jx_fail(jx, jx_join(p, sizeof p, path, "port"),
		               "expected no port for transport \"rtu\"");
	if (transport == 0 && link)
		return jx_fail(jx, jx_join(p, sizeof p, path, "pty_link"),
		               "expected transport \"rtu\" for a pty link");
	s->id = xstrdup(id);
	s->rtu = transport == 1;
	s->port = (int)port;
	s->pty_link = link ? relative_to(c->path, link) : NULL;
	s->devs = xcalloc((size_t)cJSON_GetArraySize(invs) + 2, sizeof *s->devs);
	i = 0;
	cJSON_ArrayForEach(it, invs)
	{
		jx_index(q, sizeof q, jx_join(p, sizeof p, path, "inverters"), i++);
		if (parse_device(jx, it, q, READING_INVERTER, c->start_ms, &s->devs[s->n_devs++]))
			return -1;
	}
	if (meter && parse_device(jx, meter, jx_join(p, sizeof p, path, "meter"), READING_METER,
	                          c->start_ms, &s->devs[s->n_devs++]))
		return -1;
	if (s->n_devs == 0)
		return jx_fail(jx, path, "expected at least one inverter or a meter");
	if (sensor && parse_device(jx, sensor, jx_join(p, sizeof p, path, "sensor"), READING_SENSOR,
	                           c->start_ms, &s->devs[s->n_devs++]))
		return -1;
	for (i = 0; i < s->n_devs; i++) {
		for (j = 0; j < i; j++) {
			if (s->devs[i].unit == s->devs[j].unit)
				return jx_fail(jx, path,
				               "devices \"%s\" and \"%s\" share unit id %d",
				               s->devs[j].id, s->devs[i].id, s->devs[i].unit);
			if (strcmp(s->devs[i].id, s->devs[j].id) == 0)
				return jx_fail(jx, path, "duplicate device id \"%s\"",
				               s->devs[i].id);
		}
	}
	if (aux < 0) {
		int64_t cap = 0;
		for (i = 0; i < s->n_devs; i++)
			cap += s->devs[i].capacity_w;
		aux = cap / 1000 + 50; /* about 0.1 % of the nameplate: monitoring, lights */
	}
	s->aux_w = aux;
	return 0;
}

/* Parses the top-level object into c. */
static int parse_top(struct jx *jx, const cJSON *root, struct sim_conf *c)
{
	const char *profiles = NULL, *listen = "127.0.0.1", *tz = "Asia/Shanghai", *start = NULL;
	const char *ffile = NULL;
	int64_t seed = 1;
	int uu = 0, i, j;
	const cJSON *stations, *it;
	char p[64];

	if (jx_object(jx, root, "", top_keys))
		return -1;
	c->speed = 1;
	jx_int(jx, root, "", "seed", 0, 0, INT64_C(9007199254740991), &seed);
	jx_num(jx, root, "", "speed", 0, 0, 1e7, &c->speed);
	jx_str(jx, root, "", "start", 0, &start);
	jx_str(jx, root, "", "timezone", 0, &tz);
	jx_str(jx, root, "", "profiles", 0, &profiles);
	jx_str(jx, root, "", "listen", 0, &listen);
	jx_enum(jx, root, "", "unknown_unit", 0, unknown_units, &uu);
	jx_str(jx, root, "", "faults_file", 0, &ffile);
	stations = jx_array(jx, root, "", "stations", 1);
	if (jx->err)
		return -1;
	if (caltime_set_zone(tz))
		return jx_fail(jx, "timezone", "expected a time zone name, got \"%s\"", tz);
	c->seed = (uint64_t)seed;
	c->timezone = xstrdup(tz);
	c->listen = xstrdup(listen);
	c->unknown_unit_exception = uu;
	c->profiles = profiles ? relative_to(c->path, profiles) : NULL;
	c->faults_file = ffile ? relative_to(c->path, ffile) : NULL;
	c->start_ms = util_now_ms() / 1000 * 1000;
	if (start && simclock_parse_iso(start, &c->start_ms))
		return jx_fail(
		    jx, "start",
		    "expected an ISO 8601 time like 2019-06-21T12:00:00+08:00, got \"%s\"", start);
	c->stations = xcalloc((size_t)cJSON_GetArraySize(stations) + 1, sizeof *c->stations);
	i = 0;
	cJSON_ArrayForEach(it, stations)
	{
		if (parse_station(jx, c, it, jx_index(p, sizeof p, "stations", i++),
		                  &c->stations[c->n_stations++]))
			return -1;
	}
	if (c->n_stations == 0)
		return jx_fail(jx, "stations", "expected at least one station");
	for (i = 0; i < c->n_stations; i++) {
		for (j = 0; j < i; j++) {
			struct simstation_conf *a = &c->stations[j], *b = &c->stations[i];
			if (strcmp(a->id, b->id) == 0)
				return jx_fail(jx, jx_index(p, sizeof p, "stations", i),
				               "duplicate station id \"%s\"", b->id);
			if (!a->rtu && !b->rtu && a->port && a->port == b->port)
				return jx_fail(jx, jx_index(p, sizeof p, "stations", i),
				               "port %d already used by station \"%s\"", b->port,
				               a->id);
		}
	}
	return 0;
}

struct sim_conf *simconf_load(const char *path, char **cause)
{
	struct jx jx = {path, NULL};
	struct sim_conf *c = NULL;
	cJSON *root;

	*cause = NULL;
	root = jx_parse_file(&jx, path);
	if (!root)
		goto fail;
	c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path);
	if (parse_top(&jx, root, c))
		goto fail;
	cJSON_Delete(root);
	return c;
fail:
	cJSON_Delete(root);
	simconf_free(c);
	*cause = jx.err ? jx.err : xasprintf("%s: cannot load", path);
	return NULL;
}

/* The n-th comma-separated item of list (cycling), in a new string. */
static char *nth_item(const char *list, int n)
{
	int count = 1, i;
	const char *p, *e;

	for (p = list; *p; p++)
		count += *p == ',';
	n %= count;
	p = list;
	for (i = 0; i < n; i++)
		p = strchr(p, ',') + 1;
	e = strchr(p, ',');
	if (!e)
		e = p + strlen(p);
	return xasprintf("%.*s", (int)(e - p), p);
}

struct sim_conf *simconf_generate(const struct simconf_gen *g, char **cause)
{
	struct sim_conf *c;
	int s, k;

	*cause = NULL;
	if (g->stations < 1 || g->stations > 10000) {
		*cause = xasprintf("--stations: expected 1 to 10000, got %d", g->stations);
		return NULL;
	}
	if (g->inverters < 0 || g->inverters > 200) {
		*cause =
		    xasprintf("--inverters-per-station: expected 0 to 200, got %d", g->inverters);
		return NULL;
	}
	if (g->port_base && g->port_base + g->stations - 1 > 65535) {
		*cause = xasprintf("--port-base: %d stations do not fit above port %d", g->stations,
		                   g->port_base);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->listen = xstrdup("127.0.0.1");
	c->timezone = xstrdup("Asia/Shanghai");
	c->seed = 1;
	c->speed = 1;
	c->start_ms = util_now_ms() / 1000 * 1000;
	c->stations = xcalloc((size_t)g->stations, sizeof *c->stations);
	c->n_stations = g->stations;
	for (s = 0; s < g->stations; s++) {
		struct simstation_conf *st = &c->stations[s];
		int meter = strcmp(g->meter_profiles, "none") != 0;
		int64_t sum = 0;

		st->id = xasprintf("st%03d", s + 1);
		st->rtu = g->rtu;
		st->port = g->port_base ? g->port_base + s : 0;
		st->pty_link = g->rtu && g->pty_dir ? xasprintf("%s/%s", g->pty_dir, st->id) : NULL;
		/* spread the stations over the county, a few km apart */
		st->lat = g->lat + 0.01 * (s % 17);
		st->lon = g->lon + 0.01 * (s / 17 % 17);
		st->loss = 0.02;
		st->devs = xcalloc((size_t)g->inverters + 1, sizeof *st->devs);
		for (k = 0; k < g->inverters; k++) {
			struct simdev_conf *d = &st->devs[st->n_devs++];
			d->id = xasprintf("inv%02d", k + 1);
			d->unit = k + 1;
			d->kind = READING_INVERTER;
			d->profile = nth_item(g->profiles, k);
			d->capacity_w = g->capacity_w;
			/* about 1,200 full-load hours so far, distinct per device, whole kWh */
			d->energy_wh = (g->capacity_w * 1200 / 1000 + s * 37 + k * 11) * 1000;
			d->sunspec_base = 40000;
			sum += d->energy_wh;
		}
		if (meter) {
			struct simdev_conf *d = &st->devs[st->n_devs++];
			d->id = xstrdup("meter");
			d->unit = g->inverters + 1;
			d->kind = READING_METER;
			d->profile = nth_item(g->meter_profiles, s);
			d->energy_wh = sum * 98 / 100 / 1000 * 1000;
			d->import_wh = (int64_t)(g->inverters + 1) * 1000 * 1000;
			d->sunspec_base = 40000;
		}
		st->aux_w = g->capacity_w * g->inverters / 1000 + 50;
		if (st->n_devs == 0) {
			*cause = xstrdup("--inverters-per-station 0 needs a meter");
			simconf_free(c);
			return NULL;
		}
	}
	return c;
}

void simconf_free(struct sim_conf *c)
{
	int s, d;

	if (!c)
		return;
	for (s = 0; s < c->n_stations; s++) {
		struct simstation_conf *st = &c->stations[s];
		for (d = 0; d < st->n_devs; d++) {
			free(st->devs[d].id);
			free(st->devs[d].profile);
			fault_list_release(&st->devs[d].faults);
		}
		free(st->devs);
		free(st->id);
		free(st->pty_link);
	}
	free(c->stations);
	free(c->path);
	free(c->profiles);
	free(c->listen);
	free(c->timezone);
	free(c->faults_file);
	free(c);
}

void simconf_set_start(struct sim_conf *c, int64_t start_ms)
{
	int64_t shift = start_ms - c->start_ms;
	int s, d, f;

	for (s = 0; s < c->n_stations; s++)
		for (d = 0; d < c->stations[s].n_devs; d++) {
			struct fault_list *l = &c->stations[s].devs[d].faults;
			for (f = 0; f < l->n; f++) {
				l->v[f].start_ms += shift;
				if (l->v[f].end_ms != INT64_MAX)
					l->v[f].end_ms += shift;
			}
		}
	c->start_ms = start_ms;
}

struct simdev_conf *simconf_find(struct sim_conf *c, const char *station, const char *device)
{
	int s, d;

	for (s = 0; s < c->n_stations; s++) {
		if (strcmp(c->stations[s].id, station) != 0)
			continue;
		for (d = 0; d < c->stations[s].n_devs; d++)
			if (strcmp(c->stations[s].devs[d].id, device) == 0)
				return &c->stations[s].devs[d];
	}
	return NULL;
}

/* The position of d among all devices of c, stations in order. */
static int flat_index(const struct sim_conf *c, const struct simdev_conf *d, const int *first)
{
	int s;

	for (s = 0; s < c->n_stations; s++)
		if (d >= c->stations[s].devs && d < c->stations[s].devs + c->stations[s].n_devs)
			return first[s] + (int)(d - c->stations[s].devs);
	return 0;
}

/* 1 if a and b were configured alike (their run-time counters aside). */
static int same_fault(const struct fault *a, const struct fault *b)
{
	int same_window = a->start_ms == b->start_ms && a->end_ms == b->end_ms;

	/* "from when loaded" faults: the same if their durations match */
	if (a->start_now && b->start_now)
		same_window = a->end_ms - a->start_ms == b->end_ms - b->start_ms ||
		              (a->end_ms == INT64_MAX && b->end_ms == INT64_MAX);
	return a->type == b->type && same_window && a->polls == b->polls && a->every == b->every &&
	       a->delay_ms == b->delay_ms && a->code == b->code && a->value_wh == b->value_wh &&
	       a->bits == b->bits;
}

/*
 * A reload must not re-arm what already happened (a counter reset applied
 * twice would book a second replacement): unchanged faults keep their progress.
 */
static void keep_progress(const struct fault_list *old, struct fault_list *fresh)
{
	int i, j;

	for (i = 0; i < fresh->n; i++)
		for (j = 0; j < old->n; j++)
			if (same_fault(&fresh->v[i], &old->v[j])) {
				fresh->v[i].start_ms = old->v[j].start_ms;
				fresh->v[i].end_ms = old->v[j].end_ms;
				fresh->v[i].seen = old->v[j].seen;
				fresh->v[i].hits = old->v[j].hits;
				fresh->v[i].applied = old->v[j].applied;
				break;
			}
}

/* Reads the faults file into per-device lists parallel to c's devices. */
static int read_faults_file(struct sim_conf *c, const char *path, int64_t now_ms,
                            struct fault_list *lists, int *index_of_first, char **cause)
{
	static const char *const keys[] = {"faults", NULL};
	static const char *const extra[] = {"station", "device", NULL};
	struct jx jx = {path, NULL};
	cJSON *root = jx_parse_file(&jx, path);
	const cJSON *arr, *it;
	char p[64];
	int i = 0;

	if (!root || jx_object(&jx, root, "", keys))
		goto fail;
	arr = jx_array(&jx, root, "", "faults", 1);
	cJSON_ArrayForEach(it, arr)
	{
		const char *st = NULL, *dev = NULL;
		struct simdev_conf *d;
		struct fault f;

		jx_index(p, sizeof p, "faults", i++);
		if (fault_parse(&jx, it, p, c->start_ms, now_ms, extra, &f))
			goto fail;
		jx_str(&jx, it, p, "station", 1, &st);
		jx_str(&jx, it, p, "device", 1, &dev);
		if (jx.err)
			goto fail;
		d = simconf_find(c, st, dev);
		if (!d) {
			jx_fail(&jx, p, "no device \"%s\" on station \"%s\"", dev, st);
			goto fail;
		}
		fault_list_add(&lists[flat_index(c, d, index_of_first)], &f);
	}
	if (jx.err)
		goto fail;
	cJSON_Delete(root);
	return 0;
fail:
	cJSON_Delete(root);
	*cause = jx.err ? jx.err : xasprintf("%s: cannot load", path);
	return -1;
}

int simconf_reload_faults(struct sim_conf *c, int64_t now_ms, char **cause)
{
	struct sim_conf *fresh = NULL;
	struct fault_list *lists;
	int *first, n = 0, s, d, k, rc = -1;

	*cause = NULL;
	first = xcalloc((size_t)c->n_stations, sizeof *first);
	for (s = 0; s < c->n_stations; s++) {
		first[s] = n;
		n += c->stations[s].n_devs;
	}
	lists = xcalloc((size_t)n + 1, sizeof *lists);
	if (c->path) {
		fresh = simconf_load(c->path, cause);
		if (!fresh)
			goto done;
		/* faults from the file count from our start; those without start_s begin now */
		for (s = 0; s < fresh->n_stations; s++) {
			for (d = 0; d < fresh->stations[s].n_devs; d++) {
				struct simdev_conf *fd = &fresh->stations[s].devs[d];
				struct simdev_conf *cd =
				    simconf_find(c, fresh->stations[s].id, fd->id);
				int f;
				if (!cd)
					continue;
				for (f = 0; f < fd->faults.n; f++) {
					struct fault x = fd->faults.v[f];
					x.start_ms += c->start_ms - fresh->start_ms;
					if (x.end_ms != INT64_MAX)
						x.end_ms += c->start_ms - fresh->start_ms;
					fault_list_add(&lists[flat_index(c, cd, first)], &x);
				}
			}
		}
	}
	if (c->faults_file && read_faults_file(c, c->faults_file, now_ms, lists, first, cause))
		goto done;
	for (s = 0; s < c->n_stations; s++)
		for (d = 0; d < c->stations[s].n_devs; d++) {
			struct fault_list *l = &lists[first[s] + d];
			keep_progress(&c->stations[s].devs[d].faults, l);
			fault_list_release(&c->stations[s].devs[d].faults);
			c->stations[s].devs[d].faults = *l;
			l->v = NULL;
			l->n = 0;
		}
	rc = 0;
done:
	for (k = 0; k < n; k++)
		fault_list_release(&lists[k]);
	free(lists);
	free(first);
	simconf_free(fresh);
	return rc;
}
