/*
 * history: fills the demo's database with months of readings computed from the simulator's sun
 * and cloud model (sim/sun.h), stored and rolled up through rollup_put, the path ingest uses.
 * It never writes a roll-up row itself and never touches the network.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fleet.h"
#include "rollup.h"
#include "store.h"
#include "sun.h"
#include "caltime.h"
#include "config.h"
#include "jx.h"
#include "util.h"

#define STEP_MS 900000         /* power is integrated in 15-minute steps */
#define PERFORMANCE_RATIO 0.85 /* before siting (0.93-0.99): about the simulator's 0.80 */
#define NIGHT_ELEVATION (-3.0) /* below: inverters asleep, they do not answer */
#define STANDBY_ELEVATION 1.0  /* below: awake but not feeding in */
#define LOSS 0.015             /* between the inverters and the export meter */
#define COMMIT_EVERY 50000     /* readings per transaction */

/* What the plan says of one station (plan.json, written by county). */
struct plan_station {
	const char *id;
	int64_t inverter_end_wh, meter_end_wh, import_end_wh, aux_w;
	double soiling;
	const char *dead_inv, *fault_inv, *replaced_inv;
	int32_t dead_from, fault_from, replaced_on;
	int32_t meter_off[2], link_off[2]; /* {1, 0}: none */
};

struct plan {
	cJSON *root;
	uint64_t seed;
	int32_t from_day, to_day;
	int interval_s;
	struct plan_station *st;
	int n;
};

/* One device being written: its counters and the reading it last sent. */
struct hdev {
	const struct fleet_device *fd;
	int inverter; /* index among the inverters, -1 for the meter and the sensor */
	int sensor;   /* the station's irradiance sensor */
	double eff;
	int dead, fault, replaced; /* troubles from the plan apply to this device */
	int64_t ws;                /* production in the window so far, W x s */
	int64_t ws_at_reset;       /* production when it was replaced (INT64_MAX: not yet) */
	int64_t import_ws;         /* meters: import so far, W x s */
	int64_t today_ws;          /* production at the last local midnight */
	int64_t start_wh;          /* lifetime counter at the window's start */
	int64_t import_start_wh;
	int64_t power_w;
	enum reading_state state;
};

struct filler {
	struct store *s;
	struct rollup *ru;
	const struct fleet *f;
	const struct plan *p;
	uint64_t seq;
	int64_t pending, stored;
	double *u;     /* per step: fraction of nameplate a clean inverter gives */
	float *el;     /* per step: sun elevation in the middle of the step */
	int32_t *day;  /* per step: local day */
	int64_t steps; /* in the window */
	int64_t t0;    /* UTC ms of the window's first local midnight */
};

/* Parses a "YYYY-MM-DD" member into a local day. */
static int plan_date(struct jx *jx, const cJSON *o, const char *path, const char *key, int32_t *out)
{
	const char *s = NULL;
	char p[256];

	if (jx_str(jx, o, path, key, 1, &s) < 0)
		return -1;
	if (caltime_parse_date(s, out) < 0)
		return jx_fail(jx, jx_join(p, sizeof p, path, key),
		               "expected YYYY-MM-DD, got \"%s\"", s);
	return 0;
}

/* Parses {"inverter": ID, KEY: DATE} into its two parts. */
static int plan_event(struct jx *jx, const cJSON *o, const char *path, const char *key,
                      const char *datekey, const char **inv, int32_t *day)
{
	const char *const keys[] = {"inverter", datekey, NULL};
	const cJSON *e = jx_child(jx, o, path, key, 0, keys);
	char p[256];

	if (!e)
		return 0;
	jx_join(p, sizeof p, path, key);
	if (jx_id(jx, e, p, "inverter", 1, inv) < 0)
		return -1;
	return plan_date(jx, e, p, datekey, day);
}

/* Parses ["from", "to"] into two days. */
static int plan_range(struct jx *jx, const cJSON *o, const char *path, const char *key, int32_t *r)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
	char p[256];

	r[0] = 1;
	r[1] = 0;
	if (!a)
		return 0;
	jx_join(p, sizeof p, path, key);
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 2 ||
	    !cJSON_IsString(cJSON_GetArrayItem(a, 0)) ||
	    !cJSON_IsString(cJSON_GetArrayItem(a, 1)) ||
	    caltime_parse_date(cJSON_GetArrayItem(a, 0)->valuestring, &r[0]) < 0 ||
	    caltime_parse_date(cJSON_GetArrayItem(a, 1)->valuestring, &r[1]) < 0)
		return jx_fail(jx, p, "expected [\"YYYY-MM-DD\", \"YYYY-MM-DD\"]");
	return 0;
}

/* Loads plan.json strictly. */
static int plan_load(const char *path, struct plan *p, char **cause)
{
	static const char *const top[] = {"seed", "from", "to", "interval_s", "stations", NULL};
	static const char *const keys[] = {
	    "id",   "inverter_end_wh", "meter_end_wh", "import_end_wh", "aux_w",    "soiling",
	    "dead", "fault",           "replaced",     "meter_off",     "link_off", NULL};
	struct jx jx = {path, NULL};
	const cJSON *arr, *it;
	int64_t seed = 0, interval = 3600;
	char q[64];
	int i = 0;

	memset(p, 0, sizeof *p);
	p->root = jx_parse_file(&jx, path);
	if (!p->root || jx_object(&jx, p->root, "", top) < 0)
		goto fail;
	jx_int(&jx, p->root, "", "seed", 1, 0, INT64_MAX, &seed);
	jx_int(&jx, p->root, "", "interval_s", 1, 900, 86400, &interval);
	plan_date(&jx, p->root, "", "from", &p->from_day);
	plan_date(&jx, p->root, "", "to", &p->to_day);
	arr = jx_array(&jx, p->root, "", "stations", 1);
	if (jx.err)
		goto fail;
	if (interval % (STEP_MS / 1000)) {
		jx_fail(&jx, "interval_s", "expected a multiple of %d, got %lld", STEP_MS / 1000,
		        (long long)interval);
		goto fail;
	}
	p->seed = (uint64_t)seed;
	p->interval_s = (int)interval;
	p->n = cJSON_GetArraySize(arr);
	p->st = xcalloc((size_t)p->n + 1, sizeof *p->st);
	cJSON_ArrayForEach(it, arr)
	{
		struct plan_station *s = &p->st[i];
		jx_index(q, sizeof q, "stations", i++);
		s->soiling = 1;
		if (jx_object(&jx, it, q, keys) < 0)
			goto fail;
		jx_id(&jx, it, q, "id", 1, &s->id);
		jx_int(&jx, it, q, "inverter_end_wh", 1, 0, INT64_C(1) << 50, &s->inverter_end_wh);
		jx_int(&jx, it, q, "meter_end_wh", 1, 0, INT64_C(1) << 50, &s->meter_end_wh);
		jx_int(&jx, it, q, "import_end_wh", 1, 0, INT64_C(1) << 50, &s->import_end_wh);
		jx_int(&jx, it, q, "aux_w", 1, 0, 1000000, &s->aux_w);
		jx_num(&jx, it, q, "soiling", 0, 0, 1, &s->soiling);
		plan_event(&jx, it, q, "dead", "from", &s->dead_inv, &s->dead_from);
		plan_event(&jx, it, q, "fault", "from", &s->fault_inv, &s->fault_from);
		plan_event(&jx, it, q, "replaced", "on", &s->replaced_inv, &s->replaced_on);
		plan_range(&jx, it, q, "meter_off", s->meter_off);
		plan_range(&jx, it, q, "link_off", s->link_off);
		if (jx.err)
			goto fail;
	}
	return 0;
fail:
	*cause = jx.err ? jx.err : xasprintf("%s: cannot load", path);
	cJSON_Delete(p->root);
	free(p->st);
	memset(p, 0, sizeof *p);
	return -1;
}

/* The roll-up's counter bound: an inverter's nameplate, the station's capacity for a meter. */
static int64_t capacity(void *ctx, const char *station, const char *device)
{
	const struct fleet *f = ctx;
	const struct fleet_device *d = fleet_device_find(f, station, device);
	int si;

	if (d && d->capacity_w > 0)
		return d->capacity_w;
	si = fleet_station_index(f, station);
	return si >= 0 ? f->stations[si].capacity_w : 0;
}

/* FNV-1a of a station id: the simulator's place key for its clouds. */
static uint64_t place_of(const char *id)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ULL;
	return h;
}

/* A uniform number in [0, 1) for a key, as the simulator draws it. */
static double unit(uint64_t h)
{
	return (double)(sun_mix(h) >> 11) / 9007199254740992.0;
}

/*
 * Sun and clouds of every step of the window, once for the whole county: it
 * is 40 km across, so its stations share one sky (the sun's position differs
 * by a few minutes of time across it). Clouds are keyed by the county's name.
 */
static void weather(struct filler *h)
{
	uint64_t place = place_of(h->f->county ? h->f->county : "county");
	double lat = 0, lon = 0;
	int64_t k;
	int i;

	for (i = 0; i < h->f->n_stations; i++) {
		lat += h->f->stations[i].latitude / h->f->n_stations;
		lon += h->f->stations[i].longitude / h->f->n_stations;
	}
	for (k = 0; k < h->steps; k++) {
		int64_t mid = h->t0 + k * STEP_MS + STEP_MS / 2;
		double el = sun_elevation_deg(lat, lon, mid);
		h->el[k] = (float)el;
		h->u[k] = el < STANDBY_ELEVATION
		              ? 0
		              : sun_clear_sky_wm2(el) / 1000.0 * PERFORMANCE_RATIO *
		                    sun_cloud_factor(h->p->seed, place, mid);
	}
}

/* 1 when day lies in the inclusive range r. */
static int in_range(const int32_t *r, int32_t day)
{
	return day >= r[0] && day <= r[1];
}

/* Powers and states of every device for step k. */
static void step_power(struct filler *h, const struct fleet_station *fs,
                       const struct plan_station *ps, struct hdev *d, int64_t k)
{
	int64_t sum = 0, exp;
	int i;

	for (i = 0; i < fs->n_devices; i++) {
		struct hdev *x = &d[i];
		int64_t cap = x->fd->capacity_w;
		double pw;
		if (x->inverter < 0)
			continue;
		pw = (double)cap * h->u[k] * x->eff * ps->soiling;
		x->power_w = pw >= (double)cap ? cap : (int64_t)pw;
		if (x->dead && h->day[k] >= ps->dead_from)
			x->state = STATE_OFFLINE; /* day and night: it never answers again */
		else if (h->el[k] < NIGHT_ELEVATION)
			x->state = STATE_SLEEPING;
		else if (x->fault && h->day[k] >= ps->fault_from)
			x->state = STATE_FAULT;
		else if (x->power_w < 1)
			x->state = STATE_STANDBY;
		else
			x->state = x->power_w >= cap ? STATE_THROTTLED : STATE_PRODUCING;
		if (x->state != STATE_PRODUCING && x->state != STATE_THROTTLED)
			x->power_w = 0;
		sum += x->power_w;
	}
	exp = (int64_t)((double)sum * (1.0 - LOSS));
	for (i = 0; i < fs->n_devices; i++) {
		if (d[i].inverter >= 0 || d[i].sensor)
			continue;
		d[i].power_w = sum > 0 ? exp : -ps->aux_w;
		d[i].state = sum > 0 ? STATE_PRODUCING : STATE_STANDBY;
		if (in_range(ps->meter_off, h->day[k]))
			d[i].state =
			    STATE_OFFLINE; /* the meter still counts; only the line is down */
	}
}

/* Adds step k's energy to every counter. */
static void integrate(struct hdev *d, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (d[i].power_w > 0)
			d[i].ws += d[i].power_w * (STEP_MS / 1000);
		else
			d[i].import_ws += -d[i].power_w * (STEP_MS / 1000);
	}
}

/* Commits the open transaction (with its roll-ups) and opens the next. */
static int commit(struct filler *h, char **cause)
{
	if (rollup_flush(h->ru) < 0 || store_commit(h->s) < 0 || store_begin(h->s) < 0) {
		*cause = xasprintf("%s", store_error(h->s));
		return -1;
	}
	h->pending = 0;
	return 0;
}

/* A device at one reading time: what it would answer. */
struct snap {
	int64_t power_w, ws, import_ws, today_ws;
	int state;
};

/* Stores the reading device x sends at ts, in the state s: what the collector would publish. */
static int emit(struct filler *h, const struct fleet_station *fs, const struct hdev *x,
                const struct snap *s, int64_t ts, char **cause)
{
	struct reading r;
	int rc;

	memset(&r, 0, sizeof r);
	r.seq = ++h->seq;
	r.ts_ms = ts;
	util_strlcpy(r.gw, "history", sizeof r.gw);
	util_strlcpy(r.station, fs->id, sizeof r.station);
	util_strlcpy(r.device, x->fd->id, sizeof r.device);
	r.kind = x->fd->kind;
	r.state = (enum reading_state)s->state;
	/* asleep or offline: no answer, so no values (absent, never 0) */
	if (r.state != STATE_SLEEPING && r.state != STATE_OFFLINE) {
		r.has = READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_TODAY;
		r.ac_power_w = s->power_w;
		r.energy_wh = x->start_wh + s->ws / 3600;
		if (x->replaced && s->ws >= x->ws_at_reset)
			r.energy_wh = (s->ws - x->ws_at_reset) / 3600; /* the new one starts at 0 */
		r.today_wh = (s->ws - s->today_ws) / 3600;
		if (x->inverter < 0) {
			r.has |= READING_HAS_IMPORT;
			r.import_wh = x->import_start_wh + s->import_ws / 3600;
		}
	}
	rc = rollup_put(h->ru, &r);
	if (rc < 0) {
		*cause = xasprintf("%s", store_error(h->s));
		return -1;
	}
	h->stored += rc;
	if (++h->pending >= COMMIT_EVERY)
		return commit(h, cause);
	return 0;
}

/*
 * The sensor's readings: one per step at its middle, the irradiance the
 * inverters' power was computed from (the sky's, before siting, soiling and
 * the inverters' spread: the sensor is clean and unshaded), answering day and
 * night like the collector would publish it. Module temperature is not
 * modelled here, so it is absent.
 */
static int emit_sensor(struct filler *h, const struct fleet_station *fs, const struct hdev *x,
                       const struct plan_station *ps, char **cause)
{
	int64_t k;
	for (k = 0; k < h->steps; k++) {
		struct reading r;
		int rc;
		if (in_range(ps->link_off, h->day[k]))
			continue;
		memset(&r, 0, sizeof r);
		r.seq = ++h->seq;
		r.ts_ms = h->t0 + k * STEP_MS + STEP_MS / 2;
		util_strlcpy(r.gw, "history", sizeof r.gw);
		util_strlcpy(r.station, fs->id, sizeof r.station);
		util_strlcpy(r.device, x->fd->id, sizeof r.device);
		r.kind = READING_SENSOR;
		r.has = READING_HAS_IRRADIANCE | READING_NO_STATE;
		r.irradiance_wm2 = llround(h->u[k] / PERFORMANCE_RATIO * 1000.0);
		rc = rollup_put(h->ru, &r);
		if (rc < 0) {
			*cause = xasprintf("%s", store_error(h->s));
			return -1;
		}
		h->stored += rc;
		if (++h->pending >= COMMIT_EVERY && commit(h, cause) < 0)
			return -1;
	}
	return 0;
}

/*
 * Runs the window for one station: integrates every step, keeps a snapshot at
 * each reading time, then sends the readings device by device (so each
 * device's rows are written together), with counters that end where the plan
 * and the live simulator start.
 */
static int fill_station(struct filler *h, const struct fleet_station *fs,
                        const struct plan_station *ps, char **cause)
{
	int n = fs->n_devices, i, n_inv = 0, rc = -1;
	int64_t every = (int64_t)h->p->interval_s * 1000 / STEP_MS, k, j, n_slots;
	/* readings half an interval after midnight: 03, 09, 15, 21 h for 6 hours, noon for a day,
	 * so inverters answer with their counters at least once a day all year */
	int64_t phase = every / 2;
	struct hdev *d = xcalloc((size_t)n, sizeof *d);
	struct snap *snaps;
	uint64_t place = place_of(fs->id);
	/* siting: slope, shading, wiring and dust cost each station 1-7% */
	double site = 0.93 + 0.06 * unit(h->p->seed ^ place);

	n_slots = (h->steps - phase + every - 1) / every;
	snaps = xcalloc((size_t)(n_slots * n), sizeof *snaps);
	for (i = 0; i < n; i++) {
		d[i].fd = &fs->devices[i];
		d[i].inverter = fs->devices[i].kind == READING_INVERTER ? n_inv++ : -1;
		d[i].sensor = fs->devices[i].kind == READING_SENSOR;
		/* each inverter's spread (strings, mismatch) drawn as the simulator draws it */
		d[i].eff = site * (0.92 + 0.08 * unit(h->p->seed ^ place ^
		                                      (uint64_t)(d[i].inverter + 1) * 7919));
		d[i].dead = ps->dead_inv && strcmp(ps->dead_inv, d[i].fd->id) == 0;
		d[i].fault = ps->fault_inv && strcmp(ps->fault_inv, d[i].fd->id) == 0;
		d[i].replaced = ps->replaced_inv && strcmp(ps->replaced_inv, d[i].fd->id) == 0;
		d[i].ws_at_reset = INT64_MAX;
	}
	for (k = 0; k < h->steps; k++) {
		if (k > 0 && h->day[k] != h->day[k - 1])
			for (i = 0; i < n; i++)
				d[i].today_ws = d[i].ws;
		step_power(h, fs, ps, d, k);
		for (i = 0; i < n; i++) {
			if (d[i].replaced && d[i].ws_at_reset == INT64_MAX &&
			    h->day[k] >= ps->replaced_on)
				d[i].ws_at_reset = d[i].ws;
			if (k % every == phase) {
				struct snap *s = &snaps[k / every * n + i];
				s->power_w = d[i].power_w;
				s->ws = d[i].ws;
				s->import_ws = d[i].import_ws;
				s->today_ws = d[i].today_ws;
				s->state = d[i].state;
			}
		}
		integrate(d, n);
	}
	for (i = 0; i < n; i++) {
		struct hdev *x = &d[i];
		int64_t end = x->inverter < 0 ? ps->meter_end_wh : ps->inverter_end_wh;
		x->start_wh = end - x->ws / 3600;
		x->import_start_wh = ps->import_end_wh - x->import_ws / 3600;
		if (x->sensor) {
			if (emit_sensor(h, fs, x, ps, cause) < 0)
				goto done;
			continue;
		}
		for (j = 0; j < n_slots; j++) {
			int64_t t = h->t0 + (j * every + phase) * STEP_MS;
			if (in_range(ps->link_off, h->day[j * every + phase]))
				continue; /* the gateway had no power: nothing was read */
			/* a few seconds apart, as one poll round reads one device after another */
			if (emit(h, fs, x, &snaps[j * n + i], t + 1000 + 1500 * i, cause) < 0)
				goto done;
		}
	}
	rc = 0;
done:
	free(snaps);
	free(d);
	return rc;
}

/* Orders plan stations by id. */
static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct plan_station *)a)->id, ((const struct plan_station *)b)->id);
}

static void usage(FILE *f)
{
	fputs("usage: history -c central.json --plan plan.json\n", f);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"config", required_argument, NULL, 'c'},
	                                   {"plan", required_argument, NULL, 'p'},
	                                   {"help", no_argument, NULL, 'h'},
	                                   {NULL, 0, NULL, 0}};
	const char *central = NULL, *plan_path = NULL;
	struct central_conf *cc = NULL;
	struct fleet *f = NULL;
	struct plan plan = {0};
	struct filler h = {0};
	struct rollup_conf rc = {0};
	struct stat sb;
	char *cause = NULL;
	int64_t t_start = util_mono_ms(), k, n_dev = 0;
	int opt, i, ret = 1;

	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			central = optarg;
		else if (opt == 'p')
			plan_path = optarg;
		else {
			usage(opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (!central || !plan_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (config_central_load(central, &cc, &cause) < 0 || caltime_set_zone(cc->timezone) < 0 ||
	    fleet_load(cc->fleet_path, &f, &cause) < 0 || plan_load(plan_path, &plan, &cause) < 0)
		goto done;
	h.f = f;
	h.p = &plan;
	h.t0 = caltime_local_midnight_ms(plan.from_day);
	h.steps = (caltime_local_midnight_ms(plan.to_day + 1) - h.t0) / STEP_MS;
	h.u = xcalloc((size_t)h.steps, sizeof *h.u);
	h.el = xcalloc((size_t)h.steps, sizeof *h.el);
	h.day = xcalloc((size_t)h.steps, sizeof *h.day);
	for (k = 0; k < h.steps; k++)
		h.day[k] = caltime_local_day(h.t0 + k * STEP_MS, NULL);
	weather(&h);
	if (!(h.s = store_open_conf(cc->database, cc->database_password_file, 0, &cause)))
		goto done;
	rc.expected_interval_s = cc->expected_interval_s;
	rc.capacity = capacity;
	rc.capacity_ctx = f;
	rc.skip_raw = 1; /* the report reads roll-ups only: the history keeps no raw readings */
	h.ru = rollup_new(h.s, &rc);
	if (store_begin(h.s) < 0) {
		cause = xasprintf("%s", store_error(h.s));
		goto done;
	}
	printf("history: %d stations, readings every %d s from %s to the end of %s\n", plan.n,
	       plan.interval_s, cJSON_GetObjectItem(plan.root, "from")->valuestring,
	       cJSON_GetObjectItem(plan.root, "to")->valuestring);
	fflush(stdout);
	/* in id order, so the rows of each device go to one place of the indexes */
	qsort(plan.st, (size_t)plan.n, sizeof *plan.st, by_id);
	for (i = 0; i < plan.n; i++) {
		int si = fleet_station_index(f, plan.st[i].id);
		if (si < 0) {
			cause = xasprintf("%s: stations[%d].id: no station \"%s\" in %s", plan_path,
			                  i, plan.st[i].id, cc->fleet_path);
			goto done;
		}
		n_dev += f->stations[si].n_devices;
		if (fill_station(&h, &f->stations[si], &plan.st[i], &cause) < 0)
			goto done;
		if ((i + 1) % 62 == 0 || i + 1 == plan.n) {
			printf("history: %3d of %d stations, %lld readings, %.1f s\n", i + 1,
			       plan.n, (long long)h.stored,
			       (double)(util_mono_ms() - t_start) / 1000.0);
			fflush(stdout);
		}
	}
	if (commit(&h, &cause) < 0)
		goto done;
	store_rollback(h.s); /* the empty transaction commit() opened */
	printf("history: rolled up %lld readings of %lld devices in %.1f s", (long long)h.stored,
	       (long long)n_dev, (double)(util_mono_ms() - t_start) / 1000.0);
	if (stat(cc->database, &sb) == 0)
		printf("; %s is %.0f MB", cc->database, (double)sb.st_size / 1e6);
	printf("\n");
	ret = 0;
done:
	if (cause)
		fprintf(stderr, "history: %s\n", cause);
	free(cause);
	rollup_free(h.ru);
	store_close(h.s);
	free(h.u);
	free(h.el);
	free(h.day);
	cJSON_Delete(plan.root);
	free(plan.st);
	fleet_free(f);
	config_central_free(cc);
	return ret;
}
