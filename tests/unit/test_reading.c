/* Tests for the reading module: JSON encoding, strict parsing and topics. */
#include <inttypes.h>
#include <stdlib.h>

#include "harness.h"
#include "reading.h"
#include "util.h"

static const int64_t NOW = INT64_C(1561939200000); /* 2019-07-01T00:00:00Z */

static struct reading sample(void)
{
	struct reading r = {0};
	r.seq = 42;
	r.ts_ms = NOW - 1000;
	util_strlcpy(r.gw, "gw-01", sizeof r.gw);
	util_strlcpy(r.station, "st001", sizeof r.station);
	util_strlcpy(r.device, "inv01", sizeof r.device);
	r.kind = READING_INVERTER;
	r.state = STATE_PRODUCING;
	r.has = READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_TEMP;
	r.ac_power_w = -43;
	r.energy_wh = 123456789;
	r.temp_c = 41.5;
	r.quality = QUALITY_COUNTER_JUMP;
	util_strlcpy(r.map, "huawei-sun2000@1", sizeof r.map);
	return r;
}

static void a_reading_survives_a_json_round_trip(void)
{
	struct reading r = sample(), back;
	char buf[1024], cause[256];
	int n = reading_to_json(&r, buf, sizeof buf);
	CHECK(n > 0);
	CHECK_INT(reading_from_json(buf, (size_t)n, NOW, &back, cause, sizeof cause), 0);
	CHECK_INT(back.seq, 42);
	CHECK_INT(back.ac_power_w, -43);
	CHECK_INT(back.energy_wh, 123456789);
	CHECK_INT(back.has, r.has);
	CHECK_INT(back.quality, QUALITY_COUNTER_JUMP);
	CHECK_STR(back.map, "huawei-sun2000@1");
	CHECK_STR(back.station, "st001");
}

static void absent_values_are_absent_from_the_json(void)
{
	struct reading r = sample();
	char buf[1024];
	r.has = 0;
	r.quality = 0;
	CHECK(reading_to_json(&r, buf, sizeof buf) > 0);
	CHECK(strstr(buf, "energy_wh") == NULL);
	CHECK(strstr(buf, "ac_power_w") == NULL);
	CHECK(strstr(buf, "quality") == NULL);
}

static void a_device_without_a_state_register_publishes_no_state(void)
{
	struct reading r = sample(), back;
	char buf[1024], cause[256];
	int n;
	r.kind = READING_METER;
	r.state = STATE_UNKNOWN;
	r.has = READING_HAS_POWER | READING_HAS_ENERGY | READING_NO_STATE;
	n = reading_to_json(&r, buf, sizeof buf);
	CHECK(n > 0);
	CHECK(strstr(buf, "\"state\"") == NULL);
	CHECK(strstr(buf, "unknown") == NULL);
	/* and ingest takes it back as such: no state, not "unknown" */
	CHECK_INT(reading_from_json(buf, (size_t)n, NOW, &back, cause, sizeof cause), 0);
	CHECK(back.has & READING_NO_STATE);
	CHECK_INT(back.has, r.has);
}

static void a_device_that_answered_badly_still_says_state_unknown(void)
{
	struct reading r = sample();
	char buf[1024];
	r.state = STATE_UNKNOWN;
	r.has = 0;
	CHECK(reading_to_json(&r, buf, sizeof buf) > 0);
	CHECK(strstr(buf, "\"state\":\"unknown\"") != NULL);
}

static void a_small_buffer_is_reported_not_overrun(void)
{
	struct reading r = sample();
	char buf[20];
	CHECK_INT(reading_to_json(&r, buf, sizeof buf), -1);
}

/* The old printf encoder, kept here as the reference the hand-written one must match. */
static int reference_json(const struct reading *r, char *buf, size_t size)
{
	size_t n = 0;
	unsigned i;
	static const char *const q[] = {"counter_zero", "counter_backwards", "counter_jump",
	                                "sentinel", "range"};
	util_bufprintf(buf, size, &n,
	               "{\"v\":%d,\"gw\":\"%s\",\"seq\":%" PRIu64
	               ",\"station\":\"%s\",\"device\":\"%s\","
	               "\"kind\":\"%s\",\"ts\":%" PRId64,
	               READING_VERSION, r->gw, r->seq, r->station, r->device,
	               reading_kind_name(r->kind), r->ts_ms);
	if (!(r->has & READING_NO_STATE))
		util_bufprintf(buf, size, &n, ",\"state\":\"%s\"", reading_state_name(r->state));
	if (r->has & READING_HAS_POWER)
		util_bufprintf(buf, size, &n, ",\"ac_power_w\":%" PRId64, r->ac_power_w);
	if (r->has & READING_HAS_IRRADIANCE)
		util_bufprintf(buf, size, &n, ",\"irradiance_wm2\":%" PRId64, r->irradiance_wm2);
	if (r->has & READING_HAS_ENERGY)
		util_bufprintf(buf, size, &n, ",\"energy_wh\":%" PRId64, r->energy_wh);
	if (r->has & READING_HAS_IMPORT)
		util_bufprintf(buf, size, &n, ",\"import_wh\":%" PRId64, r->import_wh);
	if (r->has & READING_HAS_TODAY)
		util_bufprintf(buf, size, &n, ",\"today_wh\":%" PRId64, r->today_wh);
	if (r->has & READING_HAS_TEMP)
		util_bufprintf(buf, size, &n, ",\"temp_c\":%.1f", r->temp_c);
	if (r->has & READING_HAS_HZ)
		util_bufprintf(buf, size, &n, ",\"grid_hz\":%.2f", r->grid_hz);
	if (r->has & READING_HAS_ALARMS)
		util_bufprintf(buf, size, &n, ",\"alarms\":%" PRIu64, r->alarms);
	if (r->quality) {
		int first = 1;
		util_bufprintf(buf, size, &n, ",\"quality\":[");
		for (i = 0; i < QUALITY_COUNT; i++)
			if (r->quality & (1u << i)) {
				util_bufprintf(buf, size, &n, "%s\"%s\"", first ? "" : ",", q[i]);
				first = 0;
			}
		util_bufprintf(buf, size, &n, "]");
	}
	if (r->map[0])
		util_bufprintf(buf, size, &n, ",\"map\":\"%s\"", r->map);
	util_bufprintf(buf, size, &n, "}");
	return n >= size ? -1 : (int)n;
}

static void the_encoder_writes_numbers_exactly_as_printf_would(void)
{
	/* ties, negative zero, decimals on the edge and huge values take snprintf's path */
	static const double fixed[] = {0.0,    -0.0,   0.05,   -0.05,   0.25,  0.35,  -0.25,
	                               49.995, 50.005, -12.34, 1e14,    -1e15, 1e300, 0.949999,
	                               35.65,  59.999, -0.004, 123.456, 2.5,   -2.5,  0.5};
	struct reading r;
	char a[1024], b[1024];
	unsigned k;
	int fails = 0;

	srand(7);
	for (k = 0; k < 20000; k++) {
		memset(&r, 0, sizeof r);
		strcpy(r.gw, "gw-1");
		strcpy(r.station, "st.01");
		strcpy(r.device, "inv_02");
		strcpy(r.map, k % 3 ? "huawei-sun2000@1" : "");
		r.kind = (enum reading_kind)(k % READING_KIND_COUNT);
		r.state = (enum reading_state)(k % STATE_COUNT);
		r.seq = k == 0 ? UINT64_MAX : (uint64_t)rand() * (uint64_t)rand();
		r.ts_ms = k == 1 ? INT64_MIN : (int64_t)rand() * 1000 - 5000;
		r.has = (unsigned)rand();
		r.ac_power_w = k == 2 ? INT64_MAX : (int64_t)rand() - RAND_MAX / 2;
		r.energy_wh = k == 3 ? INT64_MIN : (int64_t)rand() * 977;
		r.import_wh = (int64_t)rand();
		r.irradiance_wm2 = (int64_t)rand() % 4000 - 2000;
		r.today_wh = -(int64_t)rand();
		r.alarms = (uint64_t)rand() << 20 | (uint64_t)rand();
		r.quality = (unsigned)rand() & ((1u << QUALITY_COUNT) - 1);
		if (k < sizeof fixed / sizeof fixed[0]) {
			r.temp_c = fixed[k];
			r.grid_hz = fixed[k];
		} else {
			r.temp_c = (double)(rand() % 20001 - 10000) / (k % 2 ? 10.0 : 100.0);
			r.grid_hz = (double)(rand() % 100001) / (k % 3 ? 100.0 : 1000.0);
		}
		if (reading_to_json(&r, a, sizeof a) != reference_json(&r, b, sizeof b) ||
		    strcmp(a, b) != 0) {
			if (fails++ < 3)
				printf("  got      %s\n  expected %s\n", a, b);
		}
	}
	CHECK_INT(fails, 0);
}

static void malformed_payloads_are_rejected_with_a_reason(void)
{
	static const struct {
		const char *json, *reason;
	} cases[] = {
	    {"not json", "not valid JSON"},
	    {"[1]", "expected a JSON object"},
	    {"{\"v\":1,\"gw\":\"g\",\"seq\":1,\"station\":\"s\",\"device\":\"d\",\"kind\":"
	     "\"inverter\","
	     "\"ts\":1561939100000,\"state\":\"producing\",\"energy_wh\":-5}",
	     "\"energy_wh\": -5 is outside"},
	    {"{\"v\":1,\"gw\":\"g/#\",\"seq\":1}", "\"gw\": expected an id"},
	    {"{\"v\":1,\"gw\":\"g\",\"seq\":1,\"station\":\"s\",\"device\":\"d\",\"kind\":"
	     "\"inverter\","
	     "\"ts\":4102444800000,\"state\":\"producing\"}",
	     "\"ts\":"},
	    {"{\"v\":1,\"gw\":\"g\",\"station\":\"s\",\"device\":\"d\"}", "\"seq\": missing"},
	    {"{\"v\":1,\"gw\":\"g\",\"seq\":1,\"station\":\"s\",\"device\":\"d\",\"ts\":"
	     "1561939100000,"
	     "\"kind\":\"toaster\"}",
	     "\"kind\""},
	    {"{\"v\":1,\"bogus\":1}", "\"bogus\": unknown field"},
	    {"{\"v\":1,\"gw\":\"g\",\"seq\":1,\"station\":\"s\",\"device\":\"d\",\"kind\":"
	     "\"inverter\",\"ts\":1561939100000,\"state\":\"producing\",\"irradiance_wm2\":800}",
	     "\"irradiance_wm2\": only a sensor reports irradiance"},
	    {"{\"v\":1,\"gw\":\"g\",\"seq\":1,\"station\":\"s\",\"device\":\"d\",\"kind\":"
	     "\"sensor\",\"ts\":1561939100000,\"irradiance_wm2\":2001}",
	     "\"irradiance_wm2\": 2001 is outside -50..2000"},
	    {"{\"v\":1,\"gw\":\"g\",\"seq\":1,\"station\":\"s\",\"device\":\"d\",\"kind\":"
	     "\"sensor\",\"ts\":1561939100000,\"irradiance_wm2\":800,\"energy_wh\":5}",
	     "\"kind\": a sensor reports irradiance_wm2, not power or energy"},
	};
	size_t i;
	for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		struct reading r;
		char cause[256];
		int rc = reading_from_json(cases[i].json, strlen(cases[i].json), NOW, &r, cause,
		                           sizeof cause);
		CHECK_INT(rc, -1);
		if (!strstr(cause, cases[i].reason))
			printf("  case %zu: reason \"%s\" lacks \"%s\"\n", i, cause,
			       cases[i].reason);
		CHECK(strstr(cause, cases[i].reason) != NULL);
	}
}

static void a_sensor_reading_carries_irradiance_and_module_temperature(void)
{
	static const char json[] =
	    "{\"v\":1,\"gw\":\"gw-01\",\"seq\":7,\"station\":\"st001\",\"device\":\"irr\","
	    "\"kind\":\"sensor\",\"ts\":1561939100000,\"irradiance_wm2\":-4,\"temp_c\":-12.5,"
	    "\"map\":\"pyranometer-generic@1\"}";
	struct reading r;
	char cause[256], out[1024];
	CHECK_INT(reading_from_json(json, strlen(json), NOW, &r, cause, sizeof cause), 0);
	CHECK_INT(r.kind, READING_SENSOR);
	CHECK_INT(reading_kind_parse("sensor"), READING_SENSOR);
	CHECK_INT(reading_kind_parse("Sensor"), -1);
	CHECK(r.has & READING_HAS_IRRADIANCE);
	CHECK_INT(r.irradiance_wm2, -4);
	CHECK(r.has & READING_NO_STATE);
	CHECK(reading_to_json(&r, out, sizeof out) > 0);
	CHECK_STR(out, json);
}

static void topics_name_gateway_station_and_device(void)
{
	struct reading r = sample();
	char t[256], gw[48], st[48], dev[48];
	CHECK(reading_topic(&r, t, sizeof t) > 0);
	CHECK_STR(t, "pvmon/v1/gw-01/st001/inv01/reading");
	CHECK_INT(reading_topic_parse(t, gw, st, dev), 0);
	CHECK_STR(dev, "inv01");
	CHECK_INT(reading_topic_parse("pvmon/v1/gw/+/d/reading", gw, st, dev), -1);
	CHECK_INT(reading_topic_parse("pvmon/v1/gw/../d/reading", gw, st, dev), -1);
	CHECK_INT(reading_topic_parse("pvmon/v1/gw/s/d/status", gw, st, dev), -1);
}

int main(void)
{
	RUN(a_reading_survives_a_json_round_trip);
	RUN(absent_values_are_absent_from_the_json);
	RUN(a_device_without_a_state_register_publishes_no_state);
	RUN(a_sensor_reading_carries_irradiance_and_module_temperature);
	RUN(a_device_that_answered_badly_still_says_state_unknown);
	RUN(a_small_buffer_is_reported_not_overrun);
	RUN(malformed_payloads_are_rejected_with_a_reason);
	RUN(topics_name_gateway_station_and_device);
	RUN(the_encoder_writes_numbers_exactly_as_printf_would);
	return harness_end();
}
