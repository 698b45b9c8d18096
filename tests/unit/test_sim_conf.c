/* Tests for the simulator's configuration: the quick fleet, strict loading and fault files. */
#include <stdlib.h>
#include <unistd.h>

#include "caltime.h"
#include "harness.h"
#include "util.h"
#include "simconf.h"

static char dir[] = "/tmp/pvmon-simconf.XXXXXX";

/* Writes text to dir/name and returns the path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* Loads text as a config and returns the error (caller frees) or NULL. */
static char *load_error(const char *text)
{
	char *cause = NULL;
	struct sim_conf *c = simconf_load(write_file("sim.json", text), &cause);
	simconf_free(c);
	return cause;
}

#define STATION(body) "{\"stations\":[{\"id\":\"st1\"," body "}]}"
#define INV "{\"id\":\"inv01\",\"unit\":1,\"profile\":\"huawei-sun2000\",\"capacity_w\":50000}"

static void a_valid_config_loads_with_its_defaults(void)
{
	char *cause = NULL;
	struct sim_conf *c = simconf_load(
	    write_file("ok.json",
	               "{\"start\":\"2019-06-21T12:00:00\",\"profiles\":\"prof\","
	               "\"stations\":[{\"id\":\"st1\",\"port\":1502,\"inverters\":[" INV
	               "],\"meter\":{\"unit\":2,\"profile\":\"chint-dtsu666\","
	               "\"faults\":[{\"type\":\"exception\",\"code\":6,\"polls\":2}]}}]}"),
	    &cause);
	CHECK(c != NULL);
	if (!c) {
		printf("  %s\n", cause);
		free(cause);
		return;
	}
	CHECK_INT(c->n_stations, 1);
	CHECK_INT(c->stations[0].n_devs, 2);
	CHECK_STR(c->stations[0].devs[1].id, "meter");
	CHECK_INT(c->stations[0].devs[1].kind, READING_METER);
	CHECK_INT(c->stations[0].devs[0].sunspec_base, 40000);
	CHECK_INT(c->stations[0].port, 1502);
	CHECK(c->stations[0].lat > 37.9 && c->stations[0].lat < 38.0);
	CHECK_INT(c->start_ms, INT64_C(1561089600000));
	CHECK_INT(c->stations[0].devs[1].faults.n, 1);
	CHECK_INT(c->stations[0].devs[1].faults.v[0].code, 6);
	CHECK_INT(c->stations[0].devs[1].faults.v[0].start_ms, c->start_ms);
	CHECK(strstr(c->profiles, "/prof") != NULL); /* relative to the file */
	simconf_free(c);
}

static void each_mistake_names_the_file_and_the_path(void)
{
	char *e;
	char want[512];

	e = load_error(STATION("\"inverters\":[" INV "],\"colour\":1"));
	snprintf(
	    want, sizeof want,
	    "%s/sim.json: stations[0].colour: unknown key (expected one of: id, transport, port, "
	    "pty_link, lat, lon, loss, aux_w, inverters, meter, sensor)",
	    dir);
	CHECK_STR(e, want);
	free(e);
	e = load_error(STATION("\"inverters\":[" INV "," INV "]"));
	CHECK(e && strstr(e, "stations[0]: devices \"inv01\" and \"inv01\" share unit id 1"));
	free(e);
	e = load_error(STATION("\"inverters\":[{\"id\":\"i\",\"unit\":300,\"profile\":\"x\","
	                       "\"capacity_w\":1}]"));
	CHECK(e && strstr(e, "stations[0].inverters[0].unit: expected an integer from 1 to 247"));
	free(e);
	e = load_error(STATION("\"inverters\":[{\"id\":\"i\",\"unit\":1,\"profile\":\"sunspec\","
	                       "\"capacity_w\":1,\"sunspec_base\":40001}]"));
	CHECK(e && strstr(e, "stations[0].inverters[0].sunspec_base: expected 0, 40000 or 50000"));
	free(e);
	e = load_error(STATION("\"inverters\":[" INV "],\"meter\":{\"unit\":2,\"profile\":\"p\","
	                       "\"faults\":[{\"type\":\"melt\"}]}"));
	CHECK(e && strstr(e, "stations[0].meter.faults[0].type: expected one of"));
	free(e);
	e = load_error(STATION("\"inverters\":[" INV "],\"sensor\":{\"unit\":2,\"profile\":\"p\","
	                       "\"capacity_w\":1}"));
	CHECK(e &&
	      strstr(e, "stations[0].sensor.capacity_w: unknown key (expected one of: id, unit, "
	                "profile, faults)"));
	free(e);
	e = load_error(
	    STATION("\"inverters\":[" INV "],\"sensor\":{\"unit\":1,\"profile\":\"p\"}"));
	CHECK(e && strstr(e, "stations[0]: devices \"inv01\" and \"irr\" share unit id 1"));
	free(e);
	e = load_error(STATION("\"transport\":\"rtu\",\"port\":5,\"inverters\":[" INV "]"));
	CHECK(e && strstr(e, "stations[0].port: expected no port for transport \"rtu\""));
	free(e);
	e = load_error("{\"stations\":[{\"id\":\"a\",\"port\":7,\"inverters\":[" INV
	               "]},{\"id\":\"b\",\"port\":7,\"inverters\":[" INV "]}]}");
	CHECK(e && strstr(e, "stations[1]: port 7 already used by station \"a\""));
	free(e);
	e = load_error("{\"start\":\"yesterday\",\"stations\":[]}");
	CHECK(e && strstr(e, "start: expected an ISO 8601 time"));
	free(e);
}

static void the_quick_flags_make_numbered_stations(void)
{
	struct simconf_gen g = {
	    3, 2, "huawei-sun2000,sunspec", "chint-dtsu666", 40000, 1500, 0, NULL, 37.95, 110.99};
	char *cause = NULL;
	struct sim_conf *c = simconf_generate(&g, &cause);

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_INT(c->n_stations, 3);
	CHECK_STR(c->stations[2].id, "st003");
	CHECK_INT(c->stations[2].port, 1502);
	CHECK_INT(c->stations[0].n_devs, 3);
	CHECK_STR(c->stations[0].devs[1].profile, "sunspec");
	CHECK_STR(c->stations[0].devs[1].id, "inv02");
	CHECK_INT(c->stations[0].devs[2].unit, 3);
	CHECK_STR(c->stations[0].devs[2].id, "meter");
	simconf_free(c);
	g.port_base = 65535;
	CHECK(simconf_generate(&g, &cause) == NULL);
	CHECK(cause && strstr(cause, "--port-base"));
	free(cause);
}

static void a_faults_file_replaces_the_faults_and_keeps_progress(void)
{
	struct simconf_gen g = {1, 2, "huawei-sun2000", "none", 40000, 0, 0, NULL, 37.95, 110.99};
	char *cause = NULL;
	struct sim_conf *c = simconf_generate(&g, &cause);
	struct fault *f;

	c->faults_file = xstrdup(
	    write_file("faults.json", "{\"faults\":[{\"station\":\"st001\",\"device\":\"inv02\","
	                              "\"type\":\"counter_reset\",\"value_wh\":5}]}"));
	CHECK_INT(simconf_reload_faults(c, c->start_ms + 5000, &cause), 0);
	CHECK_INT(c->stations[0].devs[0].faults.n, 0);
	CHECK_INT(c->stations[0].devs[1].faults.n, 1);
	f = &c->stations[0].devs[1].faults.v[0];
	CHECK_INT(f->start_ms, c->start_ms + 5000);
	f->applied = 1;
	/* a second reload must not replace the inverter a second time */
	CHECK_INT(simconf_reload_faults(c, c->start_ms + 9000, &cause), 0);
	CHECK_INT(c->stations[0].devs[1].faults.v[0].applied, 1);
	write_file("faults.json", "{\"faults\":[{\"station\":\"st001\",\"device\":\"inv09\","
	                          "\"type\":\"dead\"}]}");
	CHECK_INT(simconf_reload_faults(c, c->start_ms, &cause), -1);
	CHECK(cause && strstr(cause, "faults[0]: no device \"inv09\" on station \"st001\""));
	CHECK_INT(c->stations[0].devs[1].faults.n, 1); /* unchanged on error */
	free(cause);
	simconf_free(c);
}

int main(void)
{
	caltime_set_zone("Asia/Shanghai");
	if (!mkdtemp(dir))
		return 1;
	RUN(a_valid_config_loads_with_its_defaults);
	RUN(each_mistake_names_the_file_and_the_path);
	RUN(the_quick_flags_make_numbered_stations);
	RUN(a_faults_file_replaces_the_faults_and_keeps_progress);
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return harness_end();
}
