/*
 * Tests for the once module: the --once line of a device says answered only
 * after a good reading, shows the values a technician compares with the
 * display, and otherwise says where the device is and what to check.
 */
#include <errno.h>
#include <modbus.h>

#include "../../collector/once.h"
#include "harness.h"
#include "util.h"

static struct bus_conf tcp_bus(void)
{
	struct bus_conf b = {0};
	b.type = BUS_TCP;
	b.host = (char *)"192.168.1.20";
	b.port = 502;
	b.timeout_ms = 800;
	return b;
}

static struct device_conf device(const char *id, int unit, const char *profile,
                                 enum reading_kind kind)
{
	struct device_conf d = {0};
	d.id = (char *)id;
	d.station = (char *)"st1";
	d.unit = unit;
	d.profile = (char *)profile;
	d.kind = kind;
	return d;
}

static void an_answered_inverter_shows_power_counter_and_state(void)
{
	struct bus_conf b = tcp_bus();
	struct device_conf d = device("inv01", 1, "huawei-sun2000", READING_INVERTER);
	struct poll_health h = {0};
	char line[640];
	h.ok = h.polls = 1;
	h.last_good_ts = 1561939200000;
	h.last.kind = READING_INVERTER;
	h.last.state = STATE_PRODUCING;
	h.last.has = READING_HAS_POWER | READING_HAS_ENERGY;
	h.last.ac_power_w = 41250;
	h.last.energy_wh = 123456789;
	util_strlcpy(h.last.map, "huawei-sun2000@1", sizeof h.last.map);
	CHECK_INT(once_device_line(line, sizeof line, &b, &d, &h), 1);
	CHECK_STR(line,
	          "answered      st1/inv01 (tcp 192.168.1.20:502 unit 1): power 41250 W, "
	          "energy 123456789 Wh (123456.7 kWh), state producing; map huawei-sun2000@1");
}

static void an_answered_meter_shows_export_and_import_and_no_state(void)
{
	struct bus_conf b = {0};
	struct device_conf d = device("meter", 10, "chint-dtsu666", READING_METER);
	struct poll_health h = {0};
	char line[640];
	b.type = BUS_RTU;
	b.device = (char *)"/dev/ttyUSB0";
	h.ok = h.polls = 1;
	h.last_good_ts = 1561939200000;
	h.last.kind = READING_METER;
	h.last.has = READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_IMPORT | READING_NO_STATE;
	h.last.ac_power_w = -1200;
	h.last.energy_wh = 250000000;
	h.last.import_wh = 1500;
	h.last.quality = QUALITY_COUNTER_JUMP;
	CHECK_INT(once_device_line(line, sizeof line, &b, &d, &h), 1);
	CHECK_STR(line, "answered      st1/meter (rtu /dev/ttyUSB0 unit 10): power -1200 W, export "
	                "250000000 Wh (250000.0 kWh), import 1500 Wh (1.5 kWh); doubtful: "
	                "counter_jump");
}

static void a_device_that_did_not_answer_is_never_called_answered(void)
{
	struct bus_conf b = tcp_bus();
	struct device_conf d = device("inv07", 7, "huawei-sun2000", READING_INVERTER);
	struct poll_health h = {0};
	char line[640];
	h.polls = h.timeouts = 1;
	h.last_errno = ETIMEDOUT;
	CHECK_INT(once_device_line(line, sizeof line, &b, &d, &h), 0);
	CHECK_STR(line, "NOT ANSWERED  st1/inv07 (tcp 192.168.1.20:502 unit 7): no reply within "
	                "800 ms: check the unit id and that the device is on");
	/* counters from an earlier good poll do not make a failed one answered */
	h.ok = 1;
	h.last_good_ts = 1561939200000;
	CHECK_INT(once_device_line(line, sizeof line, &b, &d, &h), 0);
}

static void each_failure_names_what_to_check(void)
{
	static const struct {
		int err, refused, n_reads;
		const char *last_error, *want;
	} cases[] = {
	    {ECONNREFUSED, 0, 0, "line down: Connection refused", "connection refused: check"},
	    {EHOSTUNREACH, 0, 0, "No route to host", "cannot reach the host"},
	    {MODBUS_ENOBASE + 11, 0, 2, "", "gateway exception 11"},
	    {MODBUS_ENOBASE + 10, 0, 2, "", "gateway exception 10"},
	    {MODBUS_ENOBASE + 2, 2, 2, "",
	     "illegal data address on every request (2 of 2): check that profile \"sungrow-sg\""},
	    {MODBUS_ENOBASE + 2, 1, 2, "", "illegal data address on 1 of 2 requests"},
	    {MODBUS_ENOBASE + 2, 0, 0, "no SunSpec marker at 40000, 0, 50000",
	     "no SunSpec marker at 40000, 0, 50000: check that profile \"sungrow-sg\" fits"},
	    {MODBUS_ENOBASE + 4, 0, 2, "", "exception 4"},
	    {EINVAL, 0, 0, "SunSpec model 203 at 40069 is a meter", "SunSpec model 203"},
	};
	struct bus_conf b = tcp_bus();
	struct device_conf d = device("inv01", 1, "sungrow-sg", READING_INVERTER);
	size_t i;
	for (i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		struct poll_health h = {0};
		char line[640];
		h.polls = 1;
		h.last_errno = cases[i].err;
		h.refused_reads = cases[i].refused;
		h.n_reads = cases[i].n_reads;
		util_strlcpy(h.last_error, cases[i].last_error, sizeof h.last_error);
		CHECK_INT(once_device_line(line, sizeof line, &b, &d, &h), 0);
		if (!strstr(line, cases[i].want) || !strstr(line, "(tcp 192.168.1.20:502 unit 1)"))
			printf("  case %zu: \"%s\" lacks \"%s\"\n", i, line, cases[i].want);
		CHECK(strstr(line, cases[i].want) != NULL);
	}
	{
		struct bus_conf r = {0};
		struct poll_health h = {0};
		char line[640];
		r.type = BUS_RTU;
		r.device = (char *)"/dev/ttyUSB9";
		h.polls = 1;
		h.last_errno = ENOENT;
		once_device_line(line, sizeof line, &r, &d, &h);
		CHECK(strstr(line, "(rtu /dev/ttyUSB9 unit 1): no such serial device") != NULL);
		h.last_errno = EACCES;
		once_device_line(line, sizeof line, &r, &d, &h);
		CHECK(strstr(line, "group dialout") != NULL);
		h.last_errno = ETIMEDOUT;
		once_device_line(line, sizeof line, &r, &d, &h);
		CHECK(strstr(line, "baud, parity") != NULL);
	}
}

static void the_broker_line_says_which_broker_and_why(void)
{
	char line[512];
	once_broker_line(line, sizeof line, "127.0.0.1", 1883, 0, 0, "Connection refused", 30);
	CHECK_STR(line, "broker 127.0.0.1:1883: Connection refused (tried for 30 s); the readings "
	                "stay in the spool and go out with the next run");
	once_broker_line(line, sizeof line, "127.0.0.1", 1883, 0, 1, "", 30);
	CHECK(strstr(line, "127.0.0.1:1883 accepted the connection but did not answer") != NULL);
	once_broker_line(line, sizeof line, "127.0.0.1", 1883, 1, 0, "", 30);
	CHECK(strstr(line, "did not confirm every reading within 30 s") != NULL);
	once_broker_line(line, sizeof line, "127.0.0.1", 1883, 0, 0, "", 5);
	CHECK(strstr(line, "not connected within 5 s") != NULL);
}

int main(void)
{
	RUN(an_answered_inverter_shows_power_counter_and_state);
	RUN(an_answered_meter_shows_export_and_import_and_no_state);
	RUN(a_device_that_did_not_answer_is_never_called_answered);
	RUN(each_failure_names_what_to_check);
	RUN(the_broker_line_says_which_broker_and_why);
	return harness_end();
}
