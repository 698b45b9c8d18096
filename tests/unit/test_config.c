/* Tests for the gateway and central files and the broker password file. */
#include <stdlib.h>
#include <sys/stat.h>

#include "broker.h"
#include "config.h"
#include "harness.h"
#include "fleet.h"
#include "jsonedit.h"
#include "log.h"
#include "msg.h"
#include "util.h"

/* Loads an edited gateway file; returns the error without the file prefix, or NULL. */
static char *collector_error(cJSON *root)
{
	char *path = jwrite(root, "collector.json"), *cause = NULL, *rest;
	struct collector_conf *c = NULL;
	size_t n = strlen(path);
	if (config_collector_load(path, &c, &cause) == 0) {
		config_collector_free(c);
		free(path);
		return NULL;
	}
	CHECK(c == NULL);
	CHECK(strncmp(cause, path, n) == 0 && strncmp(cause + n, ": ", 2) == 0);
	rest = xstrdup(strncmp(cause, path, n) == 0 ? cause + n + 2 : cause);
	free(cause);
	free(path);
	return rest;
}

static char *central_error(cJSON *root)
{
	char *path = jwrite(root, "central.json"), *cause = NULL, *rest;
	struct central_conf *c = NULL;
	size_t n = strlen(path);
	if (config_central_load(path, &c, &cause) == 0) {
		config_central_free(c);
		free(path);
		return NULL;
	}
	CHECK(strncmp(cause, path, n) == 0 && strncmp(cause + n, ": ", 2) == 0);
	rest = xstrdup(strncmp(cause, path, n) == 0 ? cause + n + 2 : cause);
	free(cause);
	free(path);
	return rest;
}

#define EXPECT_ERROR(fn, root, want)                                                               \
	do {                                                                                       \
		char *got_ = fn(root);                                                             \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

static void the_example_gateway_file_loads_with_every_field(void)
{
	char *path = example_path("collector.json"), *cause = NULL;
	struct collector_conf *c = NULL;
	const struct bus_conf *b;
	CHECK_INT(config_collector_load(path, &c, &cause), 0);
	if (!c) {
		printf("  %s\n", cause);
		free(cause);
		free(path);
		return;
	}
	CHECK_STR(c->path, path);
	CHECK_STR(c->gateway, "gw-chengzhuang");
	CHECK_STR(c->broker.host, "127.0.0.1");
	CHECK_INT(c->broker.port, 1883);
	CHECK(c->broker.ca_file == NULL && c->broker.password_file == NULL);
	CHECK(strstr(c->spool_path, "config/spool.db") != NULL);
	CHECK_INT(c->spool_max_rows, 2000000);
	CHECK_INT(c->spool_max_bytes, 536870912);
	CHECK_INT(c->spool_max_age_s, 60 * 86400);
	CHECK_INT(c->replay_per_s, 500);
	CHECK_INT(c->poll_interval_ms, 10000);
	CHECK(strstr(c->profiles_dir, "config/profiles") != NULL);
	CHECK_STR(c->log_target, "stderr");
	CHECK_INT(c->log_level, LOGL_INFO);
	CHECK_INT(c->n_buses, 2);
	b = &c->buses[0];
	CHECK_INT(b->type, BUS_TCP);
	CHECK_STR(b->host, "127.0.0.1");
	CHECK_INT(b->port, 1502);
	CHECK_INT(b->n_devices, 6);
	CHECK_STR(b->devices[0].station, "st-chengzhuang");
	CHECK_INT(b->devices[5].kind, READING_SENSOR);
	CHECK_STR(b->devices[5].profile, "pyranometer-generic");
	CHECK_INT(b->devices[0].kind, READING_METER);
	CHECK_INT(b->devices[2].unit, 3);
	CHECK_STR(b->devices[2].profile, "sungrow-sg");
	CHECK_INT(b->devices[2].capacity_w, 110000);
	b = &c->buses[1];
	CHECK_INT(b->type, BUS_RTU);
	CHECK_STR(b->device, "/dev/ttyS1");
	CHECK_INT(b->baud, 9600);
	CHECK_INT(b->parity, 'N');
	CHECK_INT(b->data_bits, 8);
	CHECK_INT(b->stop_bits, 1);
	CHECK_INT(b->timeout_ms, 500);
	CHECK_INT(b->silence_us, 4011);
	CHECK_INT(b->n_devices, 6);
	CHECK_STR(b->devices[5].profile, "sunspec");
	config_collector_free(c);
	free(path);
}

static void a_minimal_gateway_file_gets_the_documented_defaults(void)
{
	char *path = write_tmp("collector.json",
	                       "{\"gateway\":\"gw1\",\"broker\":{},\"spool\":{\"path\":\"s.db\"},"
	                       "\"buses\":[{\"id\":\"a\",\"type\":\"tcp\",\"host\":\"10.0.0.9\","
	                       "\"devices\":[{\"id\":\"i\",\"station\":\"s\",\"unit\":1,"
	                       "\"profile\":\"sunspec\",\"kind\":\"inverter\"}]},"
	                       "{\"id\":\"b\",\"type\":\"rtu\",\"device\":\"/dev/ttyUSB0\","
	                       "\"devices\":[]}]}");
	char *cause = NULL, *want;
	struct collector_conf *c = NULL;
	CHECK_INT(config_collector_load(path, &c, &cause), 0);
	if (!c) {
		printf("  %s\n", cause);
		free(cause);
		free(path);
		return;
	}
	CHECK_STR(c->broker.host, "127.0.0.1");
	CHECK_INT(c->broker.port, 1883);
	CHECK_INT(c->broker.keepalive_s, 15);
	want = tmp_path("s.db");
	CHECK_STR(c->spool_path, want);
	free(want);
	want = tmp_path("profiles");
	CHECK_STR(c->profiles_dir, want);
	free(want);
	CHECK_INT(c->spool_max_rows, 2000000);
	CHECK_INT(c->spool_max_bytes, INT64_C(512) * 1024 * 1024);
	CHECK_INT(c->spool_max_age_s, 60 * 86400);
	CHECK_INT(c->replay_per_s, 500);
	CHECK_INT(c->poll_interval_ms, 10000);
	CHECK_INT(c->health_interval_s, 60);
	CHECK_STR(c->log_target, "stderr");
	CHECK_INT(c->log_level, LOGL_INFO);
	CHECK_INT(c->buses[0].port, 502);
	CHECK_INT(c->buses[0].timeout_ms, 1000);
	CHECK_INT(c->buses[0].connect_delay_ms, 0);
	CHECK_INT(c->buses[0].backoff_max_ms, 300000);
	CHECK_INT(c->buses[0].silence_us, 0);
	CHECK_INT(c->buses[0].devices[0].capacity_w, 0);
	CHECK_INT(c->buses[1].baud, 9600);
	CHECK_INT(c->buses[1].parity, 'N');
	CHECK_INT(c->buses[1].data_bits, 8);
	CHECK_INT(c->buses[1].stop_bits, 1);
	CHECK_INT(c->buses[1].silence_us, 4011);
	config_collector_free(c);
	free(path);
}

static void rtu_silence_is_three_and_a_half_characters_but_at_least_1750_us(void)
{
	CHECK_INT(config_rtu_silence_us(9600), 4011);
	CHECK_INT(config_rtu_silence_us(19200), 2006);
	CHECK_INT(config_rtu_silence_us(2400), 16042);
	CHECK_INT(config_rtu_silence_us(38400), 1750);
	CHECK_INT(config_rtu_silence_us(115200), 1750);
}

static void relative_paths_resolve_beside_the_file_and_absolute_ones_stay(void)
{
	cJSON *j = example("collector.json");
	char *path, *cause = NULL, *want;
	struct collector_conf *c = NULL;
	jset(j, "spool.path", "\"/var/lib/pvmon/spool.db\"");
	jset(j, "broker.tls",
	     "{\"ca_file\":\"tls/ca.pem\",\"cert_file\":\"tls/gw.pem\","
	     "\"key_file\":\"/etc/pvmon/gw.key\"}");
	jdel(j, "broker.port");
	jset(j, "broker.username", "\"gw-chengzhuang\"");
	jset(j, "broker.password_file", "\"broker.pass\"");
	jset(j, "log", "{\"target\":\"log/collector.log\",\"level\":\"debug\"}");
	path = jwrite(j, "collector.json");
	CHECK_INT(config_collector_load(path, &c, &cause), 0);
	if (c) {
		CHECK_STR(c->spool_path, "/var/lib/pvmon/spool.db");
		want = tmp_path("tls/ca.pem");
		CHECK_STR(c->broker.ca_file, want);
		free(want);
		CHECK_STR(c->broker.key_file, "/etc/pvmon/gw.key");
		CHECK_INT(c->broker.port, 8883);
		want = tmp_path("broker.pass");
		CHECK_STR(c->broker.password_file, want);
		free(want);
		want = tmp_path("log/collector.log");
		CHECK_STR(c->log_target, want);
		free(want);
		CHECK_INT(c->log_level, LOGL_DEBUG);
	}
	config_collector_free(c);
	free(path);
	{
		char *r = config_resolve(".", "a.db"), *r2 = config_resolve("etc/pvmon", "a.db");
		CHECK_STR(r, "a.db");
		CHECK_STR(r2, "etc/pvmon/a.db");
		free(r);
		free(r2);
	}
}

static void bus_cross_checks_give_exact_messages(void)
{
	cJSON *j = example("collector.json");
	jset(j, "buses[1].id", "\"lan\"");
	EXPECT_ERROR(collector_error, j,
	             "buses[1].id: expected a unique bus id, got \"lan\" again (also buses[0].id)");
	j = example("collector.json");
	jset(j, "buses[0].devices[3].unit", "2");
	EXPECT_ERROR(collector_error, j,
	             "buses[0].devices[3].unit: expected a unit id not used on bus \"lan\", got 2 "
	             "again (also buses[0].devices[1].unit)");
	j = example("collector.json");
	jset(j, "buses[1].devices[2].station", "\"st-chengzhuang\"");
	EXPECT_ERROR(collector_error, j,
	             "buses[1].devices[2].id: expected a device id unique in station "
	             "\"st-chengzhuang\", got \"inv02\" again (also buses[0].devices[2].id)");
	j = example("collector.json");
	jdel(j, "buses[0].host");
	EXPECT_ERROR(collector_error, j,
	             "buses[0].host: expected a host name or address (a TCP bus needs one), got "
	             "nothing (the key is missing)");
	j = example("collector.json");
	jdel(j, "buses[1].device");
	EXPECT_ERROR(collector_error, j,
	             "buses[1].device: expected a serial device such as \"/dev/ttyS1\" (an RTU bus "
	             "needs one), got nothing (the key is missing)");
	j = example("collector.json");
	jset(j, "buses[0].baud", "9600");
	EXPECT_ERROR(collector_error, j,
	             "buses[0].baud: expected no such key on a TCP bus, got 9600");
	j = example("collector.json");
	jset(j, "buses[1].parity", "\"X\"");
	EXPECT_ERROR(collector_error, j,
	             "buses[1].parity: expected one of \"N\", \"E\", \"O\", got \"X\"");
	j = example("collector.json");
	jset(j, "buses[1].type", "\"rs485\"");
	EXPECT_ERROR(collector_error, j,
	             "buses[1].type: expected one of \"tcp\", \"rtu\", got \"rs485\"");
	j = example("collector.json");
	jset(j, "buses[1].devices[0].unit", "248");
	EXPECT_ERROR(collector_error, j,
	             "buses[1].devices[0].unit: expected an integer from 1 to 247, got 248");
	j = example("collector.json");
	jset(j, "buses[1].devices[0].kind", "\"Meter\"");
	EXPECT_ERROR(
	    collector_error, j,
	    "buses[1].devices[0].kind: expected one of \"inverter\", \"meter\", \"sensor\", got "
	    "\"Meter\"");
	j = example("collector.json");
	jset(j, "buses[1].devices[0].station", "\"st/tuban\"");
	EXPECT_ERROR(collector_error, j,
	             "buses[1].devices[0].station: expected an id of 1-47 characters from A-Z a-z "
	             "0-9 _ . -, got \"st/tuban\"");
	j = example("collector.json");
	jset(j, "buses", "[]");
	EXPECT_ERROR(collector_error, j, "buses: expected at least one bus, got an empty array");
}

static void the_password_is_never_inline_and_never_echoed(void)
{
	cJSON *j = example("collector.json");
	char *got;
	jset(j, "broker.password", "\"hunter2\"");
	got = collector_error(j);
	CHECK_STR(got, "broker.password: expected no password in the file (name a file with "
	               "password_file), got a password inline");
	CHECK(got && !strstr(got, "hunter2"));
	free(got);
	j = example("collector.json");
	jset(j, "broker.password_file", "\"broker.pass\"");
	EXPECT_ERROR(collector_error, j,
	             "broker.username: expected a user name to go with password_file, got nothing "
	             "(the key is missing)");
	j = example("collector.json");
	jset(j, "broker.tls", "{\"ca_file\":\"ca.pem\",\"cert_file\":\"gw.pem\"}");
	EXPECT_ERROR(collector_error, j,
	             "broker.tls.key_file: expected a key file to go with cert_file, got nothing "
	             "(the key is missing)");
}

static void unknown_keys_and_bad_types_are_errors(void)
{
	cJSON *j = example("collector.json");
	jset(j, "broker.hots", "\"x\"");
	EXPECT_ERROR(collector_error, j,
	             "broker.hots: unknown key (expected one of: host, port, keepalive_s, tls, "
	             "username, password_file, password)");
	j = example("collector.json");
	jset(j, "poll.interval", "5");
	EXPECT_ERROR(
	    collector_error, j,
	    "poll.interval: unknown key (expected one of: interval_ms, health_interval_s)");
	j = example("collector.json");
	jset(j, "poll.interval_ms", "\"10s\"");
	EXPECT_ERROR(collector_error, j,
	             "poll.interval_ms: expected an integer from 100 to 86400000, got \"10s\"");
	j = example("collector.json");
	jdel(j, "gateway");
	EXPECT_ERROR(collector_error, j,
	             "gateway: expected an id, got nothing (the key is missing)");
	j = example("collector.json");
	jset(j, "log.level", "\"verbose\"");
	EXPECT_ERROR(collector_error, j,
	             "log.level: expected one of \"error\", \"warn\", \"info\", \"debug\", got "
	             "\"verbose\"");
	j = example("collector.json");
	jset(j, "spool", "[]");
	EXPECT_ERROR(collector_error, j, "spool: expected an object, got an array");
}

static void the_example_central_file_loads(void)
{
	char *path = example_path("central.json"), *cause = NULL;
	struct central_conf *c = NULL;
	CHECK_INT(config_central_load(path, &c, &cause), 0);
	if (!c) {
		printf("  %s\n", cause);
		free(cause);
		free(path);
		return;
	}
	CHECK_STR(c->client_id, "pvmon-ingest");
	CHECK(strstr(c->database, "config/pvmon.db") != NULL);
	CHECK(strstr(c->fleet_path, "config/fleet.json") != NULL);
	CHECK_STR(c->timezone, "Asia/Shanghai");
	CHECK_INT(c->target_fen_per_year, 20000000);
	CHECK_INT(c->retention_days, 400);
	CHECK_INT(c->batch_rows, 1000);
	CHECK_INT(c->batch_ms, 200);
	CHECK_INT(c->expected_interval_s, 60);
	CHECK_INT(c->meter_tolerance_permille, 50);
	CHECK_INT(c->broker.port, 1883);
	config_central_free(c);
	free(path);
}

static void a_minimal_central_file_gets_the_documented_defaults(void)
{
	char *path = write_tmp("central.json", "{\"broker\":{\"host\":\"broker.lin\"},"
	                                       "\"database\":\"/srv/pvmon/pvmon.db\"}");
	char *cause = NULL, *want;
	struct central_conf *c = NULL;
	CHECK_INT(config_central_load(path, &c, &cause), 0);
	if (!c) {
		printf("  %s\n", cause);
		free(cause);
		free(path);
		return;
	}
	CHECK_STR(c->broker.host, "broker.lin");
	CHECK_STR(c->database, "/srv/pvmon/pvmon.db");
	want = tmp_path("fleet.json");
	CHECK_STR(c->fleet_path, want);
	free(want);
	CHECK_STR(c->client_id, "pvmon-ingest");
	CHECK_STR(c->timezone, "Asia/Shanghai");
	CHECK_INT(c->target_fen_per_year, 20000000);
	CHECK_INT(c->retention_days, 400);
	CHECK_INT(c->batch_rows, 1000);
	CHECK_INT(c->batch_ms, 200);
	CHECK_INT(c->expected_interval_s, 60);
	CHECK_INT(c->meter_tolerance_permille, 50);
	CHECK_STR(c->log_target, "stderr");
	CHECK_INT(c->log_level, LOGL_INFO);
	CHECK(c->ingest_share == NULL);
	config_central_free(c);
	free(path);
}

static void central_errors_give_exact_messages(void)
{
	cJSON *j = example("central.json");
	char *path, *cause = NULL;
	struct central_conf *c = NULL;
	jset(j, "timezone", "\"Asia/Shanghia\"");
	EXPECT_ERROR(central_error, j,
	             "timezone: expected a time zone of the tz database such as \"Asia/Shanghai\", "
	             "got \"Asia/Shanghia\"");
	j = example("central.json");
	jset(j, "target_yuan_per_year", "\"abc\"");
	EXPECT_ERROR(central_error, j,
	             "target_yuan_per_year: expected a number > 0 with at most 2 decimal places, "
	             "got \"abc\"");
	j = example("central.json");
	jdel(j, "database");
	EXPECT_ERROR(central_error, j,
	             "database: expected a string, got nothing (the key is missing)");
	j = example("central.json");
	jset(j, "batch.rows", "0");
	EXPECT_ERROR(central_error, j, "batch.rows: expected an integer from 1 to 1000000, got 0");
	j = example("central.json");
	jset(j, "ingest_share", "\"pvmon/a\"");
	EXPECT_ERROR(central_error, j,
	             "ingest_share: expected an id of 1-47 characters from A-Z a-z 0-9 _ . -, got "
	             "\"pvmon/a\"");
	j = example("central.json");
	jset(j, "target_fen_per_year", "20000000");
	EXPECT_ERROR(
	    central_error, j,
	    "target_fen_per_year: unknown key (expected one of: broker, client_id, "
	    "database, database_password_file, fleet, timezone, target_yuan_per_year, "
	    "target_basis, "
	    "retention_days, batch, "
	    "expected_interval_s, meter_tolerance_permille, lang, ledger, log, serve, alerts, "
	    "ingest_share)");
	j = example("central.json");
	jset(j, "lang", "\"fr\"");
	EXPECT_ERROR(central_error, j,
	             "lang: expected the report language \"zh\" (Chinese) or \"en\" (English), "
	             "got \"fr\"");
	j = example("central.json");
	jset(j, "target_basis", "\"cash\"");
	EXPECT_ERROR(central_error, j,
	             "target_basis: expected one of \"accrued\", \"received\", got \"cash\"");
	j = example("central.json");
	jset(j, "target_basis", "\"received\"");
	path = jwrite(j, "central.json");
	CHECK_INT(config_central_load(path, &c, &cause), 0);
	if (c)
		CHECK_INT(c->target_basis_received, 1);
	config_central_free(c);
	free(path);
	j = example("central.json");
	jset(j, "lang", "\"en\"");
	path = jwrite(j, "central.json");
	CHECK_INT(config_central_load(path, &c, &cause), 0);
	if (c)
		CHECK_INT(c->lang, MSG_EN);
	config_central_free(c);
	free(path);
	j = example("central.json");
	jset(j, "target_yuan_per_year", "150000.5");
	jset(j, "timezone", "\"Europe/Berlin\"");
	path = jwrite(j, "central.json");
	CHECK_INT(config_central_load(path, &c, &cause), 0);
	if (c) {
		CHECK_INT(c->target_fen_per_year, 15000050);
		CHECK_STR(c->timezone, "Europe/Berlin");
		CHECK_INT(c->lang, MSG_ZH); /* Chinese unless central.json says otherwise */
	}
	config_central_free(c);
	free(path);
	/* a PostgreSQL URL is kept as written; its password file resolves beside the config */
	j = example("central.json");
	jset(j, "database", "\"postgresql://pvmon@127.0.0.1:5433/pvmon\"");
	jset(j, "database_password_file", "\"central.json\"");
	path = jwrite(j, "central.json");
	CHECK_INT(config_central_load(path, &c, &cause), 0);
	if (c) {
		CHECK_STR(c->database, "postgresql://pvmon@127.0.0.1:5433/pvmon");
		CHECK_STR(c->database_password_file, path);
	}
	config_central_free(c);
	free(path);
	j = example("central.json");
	jset(j, "database_password_file", "\"no-such.pass\"");
	path = jwrite(j, "central.json");
	CHECK_INT(config_central_load(path, &c, &cause), -1);
	CHECK(cause && strstr(cause, "database_password_file: expected a readable file") != NULL);
	free(cause);
	cause = NULL;
	free(path);
}

static void the_password_file_gives_its_first_line_and_warns_if_others_can_read_it(void)
{
	char *pw = write_tmp("broker.pass", "s3cret-word\nsecond line\n");
	char *logf = tmp_path("warn.log"), *out = NULL, *cause = NULL, *text = NULL;
	CHECK_INT(log_open("test", logf, LOGL_WARN), 0);
	chmod(pw, 0600);
	CHECK_INT(broker_password_read(pw, &out, &cause), 0);
	CHECK_STR(out, "s3cret-word");
	free(out);
	chmod(pw, 0644);
	CHECK_INT(broker_password_read(pw, &out, &cause), 0);
	CHECK_STR(out, "s3cret-word");
	free(out);
	log_open("test", "stderr", LOGL_INFO);
	CHECK_INT(util_read_file(logf, &text, NULL, &cause), 0);
	if (text) {
		/* one warning, for the readable file only, naming it and not the password */
		CHECK(strstr(text, pw) != NULL);
		CHECK(strstr(text, "mode 644") != NULL);
		CHECK(strstr(text, "s3cret") == NULL);
		CHECK(strchr(text, '\n') == strrchr(text, '\n'));
	}
	free(text);
	free(pw);
	pw = write_tmp("broker.pass", "\n");
	chmod(pw, 0600);
	CHECK_INT(broker_password_read(pw, &out, &cause), -1);
	if (out == NULL && cause) {
		char *want = xasprintf("%s: expected the broker password on the first line, got an "
		                       "empty line",
		                       pw);
		CHECK_STR(cause, want);
		free(want);
		free(cause);
	}
	free(pw);
	pw = tmp_path("nope.pass");
	cause = NULL;
	CHECK_INT(broker_password_read(pw, &out, &cause), -1);
	CHECK(cause && strstr(cause, "cannot open"));
	free(cause);
	free(pw);
	free(logf);
}

/* Every device of the example names a profile file that exists in profiles_dir. */
static void the_example_devices_name_shipped_profiles(void)
{
	char *path = example_path("collector.json"), *cause = NULL;
	struct collector_conf *c = NULL;
	int i, j, missing = 0;
	CHECK_INT(config_collector_load(path, &c, &cause), 0);
	for (i = 0; c && i < c->n_buses; i++)
		for (j = 0; j < c->buses[i].n_devices; j++) {
			char *f = xasprintf("%s/%s.json", c->profiles_dir,
			                    c->buses[i].devices[j].profile);
			if (access(f, R_OK) != 0) {
				printf("  no profile %s\n", f);
				missing++;
			}
			free(f);
		}
	CHECK_INT(missing, 0);
	config_collector_free(c);
	free(path);
}

/* The complete examples in docs/config.md load, so the documentation cannot drift. */
static void the_examples_in_the_documentation_load(void)
{
	const char *root = getenv("PVMON_ROOT");
	char *doc = root ? xasprintf("%s/docs/config.md", root) : xstrdup("docs/config.md");
	char *text = NULL, *cause = NULL, *p;
	int loaded = 0;
	CHECK_INT(util_read_file(doc, &text, NULL, &cause), 0);
	for (p = text; p && (p = strstr(p, "```json\n{")) != NULL;) {
		char *start = p + 8, *end = strstr(start, "```"), *block, *path;
		if (!end)
			break;
		block = xasprintf("%.*s", (int)(end - start), start);
		p = end + 3;
		cause = NULL;
		if (strstr(block, "\"county\"")) {
			struct fleet *f = NULL;
			path = write_tmp("fleet.json", block);
			CHECK_INT(fleet_load(path, &f, &cause), 0);
			fleet_free(f);
		} else if (strstr(block, "\"database\"")) {
			struct central_conf *c = NULL;
			path = write_tmp("central.json", block);
			CHECK_INT(config_central_load(path, &c, &cause), 0);
			config_central_free(c);
		} else {
			struct collector_conf *c = NULL;
			path = write_tmp("collector.json", block);
			CHECK_INT(config_collector_load(path, &c, &cause), 0);
			config_collector_free(c);
		}
		if (cause) {
			printf("  %s\n", cause);
			free(cause);
		} else {
			loaded++;
		}
		free(path);
		free(block);
	}
	CHECK_INT(loaded, 3);
	free(text);
	free(doc);
}

int main(void)
{
	static const char *const files[] = {"collector.json", "central.json", "broker.pass",
	                                    "warn.log", NULL};
	RUN(the_example_gateway_file_loads_with_every_field);
	RUN(a_minimal_gateway_file_gets_the_documented_defaults);
	RUN(rtu_silence_is_three_and_a_half_characters_but_at_least_1750_us);
	RUN(relative_paths_resolve_beside_the_file_and_absolute_ones_stay);
	RUN(bus_cross_checks_give_exact_messages);
	RUN(the_password_is_never_inline_and_never_echoed);
	RUN(unknown_keys_and_bad_types_are_errors);
	RUN(the_example_central_file_loads);
	RUN(a_minimal_central_file_gets_the_documented_defaults);
	RUN(central_errors_give_exact_messages);
	RUN(the_password_file_gives_its_first_line_and_warns_if_others_can_read_it);
	RUN(the_example_devices_name_shipped_profiles);
	RUN(the_examples_in_the_documentation_load);
	tmpdir_remove(files);
	return harness_end();
}
