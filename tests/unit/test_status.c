/*
 * Tests for the status judgement: a real SQLite store filled through ingest
 * (readings, gateway statuses, rejects) from a real fleet file, judged at a
 * fixed instant. Each test reads one behaviour of `pvmon-allocator status`.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ingest.h"
#include "status.h"
#include "caltime.h"
#include "config.h"
#include "harness.h"
#include "util.h"

static char dir[] = "/tmp/pvmon-test-status.XXXXXX";
static struct fleet *fleet;
static int64_t NOW; /* 2019-06-20 12:00 +08:00 */
#define MIN_MS 60000LL

static const char fleet_json[] =
    "{ \"county\": \"test\",\n"
    "  \"townships\": [ { \"id\": \"linquan\", \"name\": \"临泉镇\" },\n"
    "                   { \"id\": \"chengzhuang\", \"name\": \"城庄镇\" } ],\n"
    "  \"villages\": [ { \"id\": \"xipo\", \"name\": \"西坡村\", \"township\": \"linquan\" },\n"
    "                  { \"id\": \"cz\", \"name\": \"城庄村\", \"township\": \"chengzhuang\" } ],\n"
    "  \"tariffs\": [ { \"id\": \"t\", \"periods\": [ { \"from\": \"2018-01-01\",\n"
    "      \"coal_yuan_per_kwh\": \"0.3320\", \"subsidy_yuan_per_kwh\": \"0.5580\" } ] } ],\n"
    "  \"stations\": [\n"
    "    { \"id\": \"st-ok\", \"name\": \"st-ok\", \"gateway\": \"gw-ok\", \"capacity_kw\": 450,\n"
    "      \"commissioned\": \"2018-06-28\", \"latitude\": 37.9, \"longitude\": 111.0, \"meter\": "
    "{ \"id\": \"meter\" },\n"
    "      \"inverters\": [ { \"id\": \"inv01\", \"capacity_kw\": 150 },\n"
    "                       { \"id\": \"inv02\", \"capacity_kw\": 150 },\n"
    "                       { \"id\": \"inv03\", \"capacity_kw\": 150 } ],\n"
    "      \"shares\": [ { \"village\": \"xipo\", \"weight\": 1 } ], \"tariff\": \"t\" },\n"
    "    { \"id\": \"st-off\", \"name\": \"st-off\", \"gateway\": \"gw-off\", \"capacity_kw\": "
    "300,\n"
    "      \"commissioned\": \"2018-06-28\", \"latitude\": 37.9, \"longitude\": 111.0,\n"
    "      \"inverters\": [ { \"id\": \"inv01\", \"capacity_kw\": 150 } ],\n"
    "      \"shares\": [ { \"village\": \"cz\", \"weight\": 1 } ], \"tariff\": \"t\" },\n"
    "    { \"id\": \"st-never\", \"name\": \"st-never\", \"gateway\": \"gw-never\", "
    "\"capacity_kw\": 300,\n"
    "      \"commissioned\": \"2018-06-28\", \"latitude\": 37.9, \"longitude\": 111.0,\n"
    "      \"inverters\": [ { \"id\": \"inv01\", \"capacity_kw\": 150 } ],\n"
    "      \"shares\": [ { \"village\": \"cz\", \"weight\": 1 } ], \"tariff\": \"t\" },\n"
    "    { \"id\": \"st-new\", \"name\": \"st-new\", \"gateway\": \"gw-new\", \"capacity_kw\": "
    "300,\n"
    "      \"commissioned\": \"2030-01-01\", \"latitude\": 37.9, \"longitude\": 111.0,\n"
    "      \"inverters\": [ { \"id\": \"inv01\", \"capacity_kw\": 150 } ],\n"
    "      \"shares\": [ { \"village\": \"cz\", \"weight\": 1 } ], \"tariff\": \"t\" } ] }\n";

/* A store of its own for each test, fed through ingest at NOW. */
struct fx {
	struct store *s;
	struct ingest *in;
};

static int fx_open(struct fx *x, const char *name)
{
	char path[256], *cause = NULL;
	struct ingest_conf c = {0};
	snprintf(path, sizeof path, "%s/%s.db", dir, name);
	memset(x, 0, sizeof *x);
	if (!(x->s = store_open(path, &cause))) {
		printf("  %s\n", cause);
		free(cause);
		return -1;
	}
	c.store = x->s;
	c.device = ingest_fleet_device;
	c.device_ctx = fleet;
	c.retention_days = 0;
	if (!(x->in = ingest_new(&c, &cause))) {
		printf("  %s\n", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static void fx_close(struct fx *x)
{
	ingest_free(x->in);
	store_close(x->s);
}

static void fx_flush(struct fx *x)
{
	char *cause = NULL;
	if (ingest_flush(x->in, &cause) < 0)
		printf("  flush: %s\n", cause);
	free(cause);
}

/* One reading of gw/station/device at ts in state, with an energy counter. */
static void put(struct fx *x, const char *gw, int64_t seq, const char *station, const char *device,
                int64_t ts, enum reading_state state)
{
	struct reading r = {0};
	char payload[512], topic[160];
	const struct fleet_device *d = fleet_device_find(fleet, station, device);
	r.seq = (uint64_t)seq;
	r.ts_ms = ts;
	util_strlcpy(r.gw, gw, sizeof r.gw);
	util_strlcpy(r.station, station, sizeof r.station);
	util_strlcpy(r.device, device, sizeof r.device);
	r.kind = d ? d->kind : READING_INVERTER;
	r.state = state;
	if (state == STATE_PRODUCING) {
		r.has = READING_HAS_ENERGY;
		r.energy_wh = 1000000 + seq;
	}
	reading_to_json(&r, payload, sizeof payload);
	reading_topic(&r, topic, sizeof topic);
	ingest_message(x->in, topic, payload, strlen(payload), NOW);
}

/* n readings every step_ms of one device, ending at last (seqs from *seq on). */
static void series(struct fx *x, const char *gw, int64_t *seq, const char *station,
                   const char *device, int64_t last, int n, int64_t step_ms,
                   enum reading_state state)
{
	int i;
	for (i = n - 1; i >= 0; i--)
		put(x, gw, (*seq)++, station, device, last - i * step_ms, state);
}

static void gw_status(struct fx *x, const char *gw, const char *json)
{
	char topic[96];
	snprintf(topic, sizeof topic, "pvmon/v1/%s/status", gw);
	ingest_message(x->in, topic, json, strlen(json), NOW);
}

static struct status *judge(struct fx *x, const char *township, const char *station,
                            const char *gateway)
{
	struct status_params p = {0};
	struct status *st;
	char *cause = NULL;
	p.now_ms = NOW;
	p.expected_interval_s = 60;
	p.silent_ms = 5 * MIN_MS;
	p.township = township;
	p.station = station;
	p.gateway = gateway;
	st = status_build(x->s, fleet, &p, &cause);
	if (!st) {
		printf("  %s\n", cause);
		free(cause);
	}
	return st;
}

static const struct status_device *dev(const struct status *st, const char *station,
                                       const char *device)
{
	int i;
	for (i = 0; i < st->n_devices; i++)
		if (strcmp(st->devices[i].st->id, station) == 0 &&
		    strcmp(st->devices[i].dv->id, device) == 0)
			return &st->devices[i];
	return NULL;
}

static const struct status_gateway *gw(const struct status *st, const char *id)
{
	int i;
	for (i = 0; i < st->n_gateways; i++)
		if (strcmp(st->gateways[i].id, id) == 0)
			return &st->gateways[i];
	return NULL;
}

/* Index of the first problem of kind k about station/device (or a gateway), -1 if none. */
static int problem(const struct status *st, enum status_problem_kind k, const char *gw_id,
                   const char *station, const char *device)
{
	int i;
	for (i = 0; i < st->n_problems; i++) {
		const struct status_problem *p = &st->problems[i];
		if (p->kind != k)
			continue;
		if (station && (p->device < 0 || strcmp(st->devices[p->device].st->id, station) ||
		                strcmp(st->devices[p->device].dv->id, device)))
			continue;
		if (gw_id && (p->gateway < 0 || strcmp(st->gateways[p->gateway].id, gw_id)))
			continue;
		return i;
	}
	return -1;
}

/*
 * The county of these tests: gw-ok reports st-ok every minute (meter fine,
 * inv01 fine, inv02 not answering for 20 minutes, inv03 in fault for 1 hour),
 * gw-off went offline 2 hours ago, gw-never never connected, gw-rogue is not
 * in the fleet, st-new is not commissioned yet.
 */
static void county(struct fx *x)
{
	int64_t seq = 1, seq_off = 1, seq_rogue = 1;
	int64_t start = NOW - 3 * 3600 * 1000LL; /* three hours of history this month */
	series(x, "gw-ok", &seq, "st-ok", "meter", NOW - 30000, 180, MIN_MS, STATE_PRODUCING);
	series(x, "gw-ok", &seq, "st-ok", "inv01", NOW - 30000, 180, MIN_MS, STATE_PRODUCING);
	series(x, "gw-ok", &seq, "st-ok", "inv02", NOW - 20 * MIN_MS - 30000, 160, MIN_MS,
	       STATE_PRODUCING);
	series(x, "gw-ok", &seq, "st-ok", "inv02", NOW - 30000, 20, MIN_MS, STATE_OFFLINE);
	series(x, "gw-ok", &seq, "st-ok", "inv03", NOW - 60 * MIN_MS - 30000, 120, MIN_MS,
	       STATE_PRODUCING);
	series(x, "gw-ok", &seq, "st-ok", "inv03", NOW - 30000, 60, MIN_MS, STATE_FAULT);
	series(x, "gw-off", &seq_off, "st-off", "inv01", NOW - 2 * 3600 * 1000LL, 60, MIN_MS,
	       STATE_PRODUCING);
	series(x, "gw-rogue", &seq_rogue, "st-off", "inv01", start, 1, MIN_MS, STATE_PRODUCING);
	gw_status(x, "gw-ok", "{\"state\":\"online\",\"version\":\"1.0\",\"backlog\":0}");
	gw_status(x, "gw-off", "{\"state\":\"offline\"}");
	fx_flush(x);
}

static void a_healthy_device_polled_every_minute_is_complete_and_ok(void)
{
	struct fx x;
	struct status *st;
	const struct status_device *d;
	if (fx_open(&x, "healthy") < 0) {
		CHECK(0);
		return;
	}
	county(&x);
	st = judge(&x, NULL, NULL, NULL);
	CHECK(st);
	if (st) {
		d = dev(st, "st-ok", "meter");
		CHECK(d && d->problem < 0 && d->severity == STATUS_OK);
		CHECK_INT(d ? d->readings : -1, 180);
		CHECK_INT(d ? d->complete_permille : -1, 1000);
		CHECK_INT(d ? d->from_ms : -1, NOW - 30000 - 179 * MIN_MS);
		CHECK(gw(st, "gw-ok") && gw(st, "gw-ok")->problem < 0);
	}
	status_free(st);
	fx_close(&x);
}

static void a_device_polled_every_second_is_not_judged_against_one_expected_reading(void)
{
	struct fx x;
	struct status *st;
	const struct status_device *d;
	int64_t seq = 1;
	if (fx_open(&x, "fast") < 0) {
		CHECK(0);
		return;
	}
	/* 31 readings in 30 s, the device's first: complete, not "31 of 1" */
	series(&x, "gw-ok", &seq, "st-ok", "meter", NOW - 1000, 31, 1000, STATE_PRODUCING);
	fx_flush(&x);
	st = judge(&x, NULL, "st-ok", NULL);
	CHECK(st);
	d = st ? dev(st, "st-ok", "meter") : NULL;
	CHECK(d != NULL);
	if (d) {
		CHECK_INT(d->readings, 31);
		CHECK_INT(d->slots, 1);
		CHECK_INT(d->complete_permille, 1000);
	}
	status_free(st);
	fx_close(&x);
}

static void a_gap_shows_in_completeness_however_fast_the_device_polls(void)
{
	struct fx x;
	struct status *st;
	const struct status_device *d;
	int64_t seq = 1;
	if (fx_open(&x, "gap") < 0) {
		CHECK(0);
		return;
	}
	/* polled every 10 s, from 08:00 to 09:00 and from 11:00 to 12:00: two hours missing */
	series(&x, "gw-ok", &seq, "st-ok", "meter", NOW - 3 * 3600 * 1000LL, 361, 10000,
	       STATE_PRODUCING);
	series(&x, "gw-ok", &seq, "st-ok", "meter", NOW - 10000, 360, 10000, STATE_PRODUCING);
	fx_flush(&x);
	st = judge(&x, NULL, NULL, NULL);
	d = st ? dev(st, "st-ok", "meter") : NULL;
	CHECK(d != NULL);
	if (d) {
		/* due 08:00 to 11:59, one a minute: 240; 60 + 1 (09:00:00) + 0 + 60 covered */
		CHECK_INT(d->slots, 240);
		CHECK_INT(d->covered, 121);
		CHECK(d->complete_permille < STATUS_COMPLETE_PERMILLE);
		CHECK(problem(st, SP_DEVICE_INCOMPLETE, NULL, "st-ok", "meter") >= 0);
	}
	status_free(st);
	fx_close(&x);
}

static void a_device_back_after_a_silence_is_judged_from_the_month_start(void)
{
	struct fx x;
	struct status *st;
	const struct status_device *d;
	int64_t seq = 1, month = caltime_local_midnight_ms(caltime_days(2019, 6, 1));
	if (fx_open(&x, "back") < 0) {
		CHECK(0);
		return;
	}
	/* it reported on 31 May, then nothing until 11:00 on the 20th */
	put(&x, "gw-ok", seq++, "st-ok", "meter", month - 3600 * 1000LL, STATE_PRODUCING);
	series(&x, "gw-ok", &seq, "st-ok", "meter", NOW - MIN_MS, 60, MIN_MS, STATE_PRODUCING);
	fx_flush(&x);
	st = judge(&x, NULL, "st-ok", NULL);
	d = st ? dev(st, "st-ok", "meter") : NULL;
	CHECK(d != NULL);
	if (d) {
		CHECK_INT(d->from_ms, month);
		CHECK_INT(d->slots, (NOW - month) / MIN_MS);
		CHECK_INT(d->covered, 60);
		CHECK(problem(st, SP_DEVICE_INCOMPLETE, NULL, "st-ok", "meter") >= 0);
	}
	status_free(st);
	fx_close(&x);
}

static void an_interval_longer_than_an_hour_counts_a_reading_anywhere_in_its_window(void)
{
	struct fx x;
	struct status *st = NULL;
	struct status_params p = {0};
	const struct status_device *d;
	char *cause = NULL;
	int64_t seq = 1, month = caltime_local_midnight_ms(caltime_days(2019, 6, 1)), t;
	if (fx_open(&x, "long") < 0) {
		CHECK(0);
		return;
	}
	/* every 6 h at 03:00, 09:00, 15:00, 21:00: three hours off the windows' start */
	put(&x, "gw-ok", seq++, "st-ok", "meter", month - 3 * 3600 * 1000LL, STATE_PRODUCING);
	for (t = month + 3 * 3600 * 1000LL; t <= NOW; t += 6 * 3600 * 1000LL)
		put(&x, "gw-ok", seq++, "st-ok", "meter", t, STATE_PRODUCING);
	fx_flush(&x);
	p.now_ms = NOW;
	p.expected_interval_s = 6 * 3600;
	p.silent_ms = 30 * 3600 * 1000LL;
	p.station = "st-ok";
	st = status_build(x.s, fleet, &p, &cause);
	d = st ? dev(st, "st-ok", "meter") : NULL;
	CHECK(d != NULL);
	if (d) {
		CHECK_INT(d->slots, (NOW - month) / (6 * 3600 * 1000LL)); /* 78 windows */
		CHECK_INT(d->covered, d->slots);
		CHECK_INT(d->complete_permille, 1000);
		CHECK(d->problem < 0);
	}
	free(cause);
	status_free(st);
	fx_close(&x);
}

static void an_offline_gateway_and_its_silent_device_are_critical_with_since_when(void)
{
	struct fx x;
	struct status *st;
	int i;
	if (fx_open(&x, "offline") < 0) {
		CHECK(0);
		return;
	}
	county(&x);
	st = judge(&x, NULL, NULL, NULL);
	CHECK(st);
	if (st) {
		i = problem(st, SP_GATEWAY_OFFLINE, "gw-off", NULL, NULL);
		CHECK(i >= 0);
		CHECK_INT(i >= 0 ? st->problems[i].since_ms : 0, NOW - 2 * 3600 * 1000LL);
		CHECK_INT(i >= 0 ? st->problems[i].severity : 0, STATUS_CRITICAL);
		i = problem(st, SP_DEVICE_SILENT, NULL, "st-off", "inv01");
		CHECK(i >= 0);
		CHECK_INT(i >= 0 ? st->problems[i].since_ms : 0, NOW - 2 * 3600 * 1000LL);
		CHECK_INT(st->severity, STATUS_CRITICAL);
		CHECK_INT(st->sum.gw_offline, 1);
		CHECK_INT(st->sum.dev_silent, 1);
	}
	status_free(st);
	fx_close(&x);
}

static void a_device_not_answering_or_in_fault_is_a_warning_since_its_run_began(void)
{
	struct fx x;
	struct status *st;
	int i;
	if (fx_open(&x, "states") < 0) {
		CHECK(0);
		return;
	}
	county(&x);
	st = judge(&x, NULL, NULL, NULL);
	CHECK(st);
	if (st) {
		i = problem(st, SP_DEVICE_OFFLINE, NULL, "st-ok", "inv02");
		CHECK(i >= 0);
		CHECK_INT(i >= 0 ? st->problems[i].since_ms : 0, NOW - 30000 - 19 * MIN_MS);
		CHECK_INT(i >= 0 ? st->problems[i].severity : 0, STATUS_WARNING);
		i = problem(st, SP_DEVICE_FAULT, NULL, "st-ok", "inv03");
		CHECK(i >= 0);
		CHECK_INT(i >= 0 ? st->problems[i].since_ms : 0, NOW - 30000 - 59 * MIN_MS);
		CHECK_INT(st->sum.dev_offline, 1);
		CHECK_INT(st->sum.dev_fault, 1);
	}
	status_free(st);
	fx_close(&x);
}

static void a_fleet_gateway_that_never_connected_is_shown_as_such(void)
{
	struct fx x;
	struct status *st;
	const struct status_gateway *g;
	if (fx_open(&x, "never") < 0) {
		CHECK(0);
		return;
	}
	county(&x);
	st = judge(&x, NULL, NULL, NULL);
	g = st ? gw(st, "gw-never") : NULL;
	CHECK(g && g->in_fleet && !g->in_store && g->problem == SP_GATEWAY_NEVER);
	CHECK(st && problem(st, SP_GATEWAY_NEVER, "gw-never", NULL, NULL) >= 0);
	CHECK(st && problem(st, SP_DEVICE_NEVER, NULL, "st-never", "inv01") >= 0);
	/* a gateway of a station not commissioned yet is expected to be silent */
	g = st ? gw(st, "gw-new") : NULL;
	CHECK(g && g->severity == STATUS_OK);
	CHECK(st && dev(st, "st-new", "inv01") && !dev(st, "st-new", "inv01")->in_service);
	CHECK(st && dev(st, "st-new", "inv01")->severity == STATUS_OK);
	CHECK_INT(st ? st->sum.dev_not_in_service : -1, 1);
	status_free(st);
	fx_close(&x);
}

static void a_gateway_unknown_to_the_fleet_is_warned_about(void)
{
	struct fx x;
	struct status *st;
	const struct status_gateway *g;
	if (fx_open(&x, "unknown") < 0) {
		CHECK(0);
		return;
	}
	county(&x);
	st = judge(&x, NULL, NULL, NULL);
	g = st ? gw(st, "gw-rogue") : NULL;
	CHECK(g && !g->in_fleet && g->in_store);
	CHECK(st && problem(st, SP_GATEWAY_UNKNOWN, "gw-rogue", NULL, NULL) >= 0);
	CHECK(g && g->severity == STATUS_WARNING);
	CHECK_INT(st ? st->sum.gw_unknown : -1, 1);
	status_free(st);
	fx_close(&x);
}

static void lost_and_rejected_readings_are_warnings(void)
{
	struct fx x;
	struct status *st;
	int64_t seq = 1;
	int i;
	const char bad[] = "{\"v\":1,\"gw\":\"gw-ok\",\"seq\":5000,\"ts\":\"yesterday\"}";
	if (fx_open(&x, "lost") < 0) {
		CHECK(0);
		return;
	}
	series(&x, "gw-ok", &seq, "st-ok", "meter", NOW - 30000, 10, MIN_MS, STATE_PRODUCING);
	/* seqs 11-20 never arrive; the collector says its spool starts at 21 */
	seq = 21;
	series(&x, "gw-ok", &seq, "st-ok", "inv01", NOW - 30000, 5, MIN_MS, STATE_PRODUCING);
	gw_status(&x, "gw-ok", "{\"state\":\"online\",\"dropped\":10,\"spool_min_seq\":21}");
	ingest_message(x.in, "pvmon/v1/gw-ok/st-ok/meter/reading", bad, strlen(bad), NOW);
	fx_flush(&x);
	st = judge(&x, NULL, "st-ok", NULL);
	CHECK(st);
	if (st) {
		i = problem(st, SP_GATEWAY_LOST, "gw-ok", NULL, NULL);
		CHECK(i >= 0);
		CHECK_INT(i >= 0 ? st->problems[i].value : -1, 10);
		CHECK_INT(i >= 0 ? st->problems[i].aux : -1, 10);
		i = problem(st, SP_GATEWAY_REJECTS, "gw-ok", NULL, NULL);
		CHECK(i >= 0);
		CHECK_INT(i >= 0 ? st->problems[i].value : -1, 1);
		CHECK_INT(st->sum.lost, 10);
	}
	status_free(st);
	fx_close(&x);
}

static void problems_come_critical_first(void)
{
	struct fx x;
	struct status *st;
	int i;
	if (fx_open(&x, "order") < 0) {
		CHECK(0);
		return;
	}
	county(&x);
	st = judge(&x, NULL, NULL, NULL);
	CHECK(st && st->n_problems >= 6);
	for (i = 1; st && i < st->n_problems; i++)
		CHECK(st->problems[i - 1].severity >= st->problems[i].severity);
	CHECK(st && st->problems[0].severity == STATUS_CRITICAL);
	CHECK(st && st->problems[st->n_problems - 1].severity == STATUS_WARNING);
	CHECK_INT(st ? st->sum.n_critical + st->sum.n_warning : -1, st ? st->n_problems : 0);
	status_free(st);
	fx_close(&x);
}

static void filters_narrow_to_a_township_a_station_or_a_gateway(void)
{
	struct fx x;
	struct status *st;
	char *cause = NULL;
	struct status_params p = {0};
	if (fx_open(&x, "filters") < 0) {
		CHECK(0);
		return;
	}
	county(&x);
	st = judge(&x, "城庄镇", NULL, NULL); /* by name: st-off, st-never, st-new */
	CHECK_INT(st ? st->n_devices : -1, 3);
	CHECK(st && !dev(st, "st-ok", "meter") && !gw(st, "gw-rogue") && !gw(st, "gw-ok"));
	status_free(st);
	st = judge(&x, "linquan", NULL, NULL);
	CHECK_INT(st ? st->n_devices : -1, 4);
	CHECK_INT(st ? st->n_gateways : -1, 1);
	status_free(st);
	st = judge(&x, NULL, "st-off", NULL);
	CHECK_INT(st ? st->n_devices : -1, 1);
	CHECK(st && gw(st, "gw-off") && st->n_gateways == 1);
	status_free(st);
	st = judge(&x, NULL, NULL, "gw-rogue");
	CHECK_INT(st ? st->n_devices : -1, 0);
	CHECK(st && st->n_gateways == 1 &&
	      problem(st, SP_GATEWAY_UNKNOWN, "gw-rogue", NULL, NULL) >= 0);
	status_free(st);
	/* a filter that names nothing is an error, not an empty all-clear */
	p.now_ms = NOW;
	p.expected_interval_s = 60;
	p.silent_ms = 5 * MIN_MS;
	p.station = "st-nowhere";
	st = status_build(x.s, fleet, &p, &cause);
	CHECK(!st && cause && strstr(cause, "--station: no station \"st-nowhere\""));
	free(cause);
	cause = NULL;
	p.station = NULL;
	p.township = "atlantis";
	st = status_build(x.s, fleet, &p, &cause);
	CHECK(!st && cause && strstr(cause, "--township: no township \"atlantis\""));
	free(cause);
	fx_close(&x);
}

static void times_carry_their_zone_and_durations_read_plainly(void)
{
	char buf[64];
	CHECK_STR(status_time(NOW, 0, buf, sizeof buf), "2019-06-20 12:00:00+08:00");
	CHECK_STR(status_time(NOW + 5000, 1, buf, sizeof buf), "2019-06-20T12:00:05+08:00");
	CHECK_STR(status_time(0, 0, buf, sizeof buf), "-");
	CHECK_STR(status_duration(2 * 3600 * 1000LL + 5 * MIN_MS, buf, sizeof buf), "2 h 5 min");
	CHECK_STR(status_duration(3 * 86400 * 1000LL + 4 * 3600 * 1000LL, buf, sizeof buf),
	          "3 d 4 h");
	CHECK_STR(status_duration(45000, buf, sizeof buf), "45 s");
}

static void the_per_device_queries_search_an_index_and_never_scan_a_table(void)
{
	/* a fleet this size is built by the demo; here: every device's queries are ranges */
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	char path[256];
	int full_scans = 0;
	struct fx x;
	if (fx_open(&x, "plan") < 0) {
		CHECK(0);
		return;
	}
	county(&x);
	snprintf(path, sizeof path, "%s/plan.db", dir);
	CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	/* the per-device statements of status.c must search an index, never scan a table */
	{
		static const char *const sqls[] = {
		    "EXPLAIN QUERY PLAN SELECT ts, state FROM readings WHERE dev = 1"
		    " AND ts <= 1 ORDER BY ts DESC LIMIT 1",
		    "EXPLAIN QUERY PLAN SELECT day, hour, n FROM hourly WHERE station = 'a' AND "
		    "device = 'b' AND day >= 1 AND day <= 2 ORDER BY day, hour",
		    "EXPLAIN QUERY PLAN SELECT day, n_readings FROM daily WHERE station = 'a' AND "
		    "device = 'b' AND day >= 1 AND day <= 2 ORDER BY day",
		};
		size_t i;
		for (i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
			CHECK(sqlite3_prepare_v2(db, sqls[i], -1, &q, NULL) == SQLITE_OK);
			while (q && sqlite3_step(q) == SQLITE_ROW) {
				const char *d = (const char *)sqlite3_column_text(q, 3);
				if (d && strncmp(d, "SCAN", 4) == 0)
					full_scans++;
			}
			sqlite3_finalize(q);
			q = NULL;
		}
	}
	CHECK_INT(full_scans, 0);
	sqlite3_close(db);
	fx_close(&x);
}

int main(void)
{
	char path[256], *cause = NULL;
	FILE *f;
	if (!mkdtemp(dir))
		return 1;
	caltime_set_zone("Asia/Shanghai");
	NOW = caltime_local_midnight_ms(caltime_days(2019, 6, 20)) + 12 * 3600 * 1000LL;
	snprintf(path, sizeof path, "%s/fleet.json", dir);
	f = fopen(path, "w");
	if (!f)
		return 1;
	fputs(fleet_json, f);
	fclose(f);
	if (fleet_load(path, &fleet, &cause) < 0) {
		printf("fleet: %s\n", cause);
		return 1;
	}
	RUN(a_healthy_device_polled_every_minute_is_complete_and_ok);
	RUN(a_device_polled_every_second_is_not_judged_against_one_expected_reading);
	RUN(a_gap_shows_in_completeness_however_fast_the_device_polls);
	RUN(a_device_back_after_a_silence_is_judged_from_the_month_start);
	RUN(an_interval_longer_than_an_hour_counts_a_reading_anywhere_in_its_window);
	RUN(an_offline_gateway_and_its_silent_device_are_critical_with_since_when);
	RUN(a_device_not_answering_or_in_fault_is_a_warning_since_its_run_began);
	RUN(a_fleet_gateway_that_never_connected_is_shown_as_such);
	RUN(a_gateway_unknown_to_the_fleet_is_warned_about);
	RUN(lost_and_rejected_readings_are_warnings);
	RUN(problems_come_critical_first);
	RUN(filters_narrow_to_a_township_a_station_or_a_gateway);
	RUN(times_carry_their_zone_and_durations_read_plainly);
	RUN(the_per_device_queries_search_an_index_and_never_scan_a_table);
	fleet_free(fleet);
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("  could not remove %s\n", dir);
	}
	return harness_end();
}
