/* Tests for the reading module: JSON encoding, strict parsing and topics. */
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
	RUN(a_device_that_answered_badly_still_says_state_unknown);
	RUN(a_small_buffer_is_reported_not_overrun);
	RUN(malformed_payloads_are_rejected_with_a_reason);
	RUN(topics_name_gateway_station_and_device);
	return harness_end();
}
