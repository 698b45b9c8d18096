/*
 * config: strict loaders for the gateway file (collector.json) and the central
 * file (central.json). They never accept a
 * guess: an unknown key, a wrong type or a contradiction is one clear error.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caltime.h"
#include "jx.h"
#include "log.h"
#include "msg.h"
#include "util.h"

#define PATHLEN 512

static const char *const level_names[] = {"error", "warn", "info", "debug", NULL};

/* The directory of a file path, for resolving relative paths ("." when none). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	d = xstrdup(path);
	d[slash - path] = '\0';
	return d;
}

char *config_resolve(const char *dir, const char *p)
{
	if (p[0] == '/' || !dir || !*dir || strcmp(dir, ".") == 0)
		return xstrdup(p);
	if (strcmp(dir, "/") == 0)
		return xasprintf("/%s", p);
	return xasprintf("%s/%s", dir, p);
}

/* A path-valued key, resolved against dir; *out stays untouched when absent. */
static int get_path(struct jx *jx, const cJSON *obj, const char *path, const char *key,
                    int required, const char *dir, char **out)
{
	const char *s = NULL;
	if (jx_str(jx, obj, path, key, required, &s) < 0)
		return -1;
	if (s) {
		free(*out);
		*out = config_resolve(dir, s);
	}
	return 0;
}

/* An int-sized integer with bounds; *out keeps its default when absent. */
static int get_int(struct jx *jx, const cJSON *obj, const char *path, const char *key, int min,
                   int max, int *out)
{
	int64_t v = *out;
	if (jx_int(jx, obj, path, key, 0, min, max, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* The "log" object shared by both files: target and level. */
static int parse_log(struct jx *jx, const cJSON *root, const char *dir, char **target, int *level)
{
	static const char *const keys[] = {"target", "level", NULL};
	const cJSON *o = jx_child(jx, root, "", "log", 0, keys);
	const char *t = NULL;

	*target = xstrdup("stderr");
	*level = LOGL_INFO;
	if (!o)
		return jx->err ? -1 : 0;
	if (jx_str(jx, o, "log", "target", 0, &t) < 0)
		return -1;
	if (t && strcmp(t, "stderr") != 0 && strcmp(t, "syslog") != 0) {
		free(*target);
		*target = config_resolve(dir, t);
	}
	return jx_enum(jx, o, "log", "level", 0, level_names, level);
}

/* The "broker" object, shared by both files. */
static int broker_parse(struct jx *jx, const cJSON *obj, const char *path, const char *dir,
                        struct broker_conf *b)
{
	static const char *const keys[] = {"host",     "port",          "keepalive_s", "tls",
	                                   "username", "password_file", "password",    NULL};
	static const char *const tls_keys[] = {"ca_file", "cert_file", "key_file", NULL};
	char p[PATHLEN], kp[PATHLEN];
	const cJSON *tls;
	const char *s;
	int64_t v;

	memset(b, 0, sizeof *b);
	b->host = xstrdup("127.0.0.1");
	b->keepalive_s = 15;
	if (jx_object(jx, obj, path, keys) < 0)
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(obj, "password"))
		return jx_fail(jx, jx_join(p, sizeof p, path, "password"),
		               "expected no password in the file (name a file with "
		               "password_file), got a password inline");
	s = NULL;
	if (jx_str(jx, obj, path, "host", 0, &s) < 0)
		return -1;
	if (s) {
		free(b->host);
		b->host = xstrdup(s);
	}
	/* mosquitto refuses keepalives under 5 s */
	if (get_int(jx, obj, path, "keepalive_s", 5, 3600, &b->keepalive_s) < 0)
		return -1;
	tls = jx_child(jx, obj, path, "tls", 0, tls_keys);
	if (jx->err)
		return -1;
	if (tls) {
		jx_join(p, sizeof p, path, "tls");
		if (get_path(jx, tls, p, "ca_file", 1, dir, &b->ca_file) < 0 ||
		    get_path(jx, tls, p, "cert_file", 0, dir, &b->cert_file) < 0 ||
		    get_path(jx, tls, p, "key_file", 0, dir, &b->key_file) < 0)
			return -1;
		if (b->cert_file && !b->key_file)
			return jx_fail(jx, jx_join(kp, sizeof kp, p, "key_file"),
			               "expected a key file to go with cert_file, got nothing "
			               "(the key is missing)");
		if (b->key_file && !b->cert_file)
			return jx_fail(jx, jx_join(kp, sizeof kp, p, "cert_file"),
			               "expected a certificate file to go with key_file, got "
			               "nothing (the key is missing)");
	}
	v = b->ca_file ? 8883 : 1883;
	if (jx_int(jx, obj, path, "port", 0, 1, 65535, &v) < 0)
		return -1;
	b->port = (int)v;
	s = NULL;
	if (jx_str(jx, obj, path, "username", 0, &s) < 0)
		return -1;
	if (s)
		b->username = xstrdup(s);
	if (get_path(jx, obj, path, "password_file", 0, dir, &b->password_file) < 0)
		return -1;
	if (b->password_file && !b->username)
		return jx_fail(jx, jx_join(p, sizeof p, path, "username"),
		               "expected a user name to go with password_file, got nothing "
		               "(the key is missing)");
	return 0;
}

/* Frees the strings of a broker_conf (the struct itself is embedded). */
static void broker_release(struct broker_conf *b)
{
	if (!b)
		return;
	free(b->host);
	free(b->ca_file);
	free(b->cert_file);
	free(b->key_file);
	free(b->username);
	free(b->password_file);
	memset(b, 0, sizeof *b);
}

/* Modbus RTU: 3.5 characters of 11 bits, never below 1750 us (the spec's figure above 19200). */
int config_rtu_silence_us(int baud)
{
	int64_t us = (35LL * 11 * 1000000 + 10LL * baud - 1) / (10LL * baud);
	return us < 1750 ? 1750 : (int)us;
}

/* One device of a bus. */
static int parse_device(struct jx *jx, const cJSON *o, const char *path, struct device_conf *d)
{
	static const char *const keys[] = {"id",   "station",     "unit", "profile",
	                                   "kind", "capacity_kw", NULL};
	static const char *const kinds[] = {"inverter", "meter", "sensor", NULL};
	const char *id = NULL, *station = NULL, *profile = NULL;
	int64_t unit = 0, cap = 0;
	int kind = 0;

	if (jx_object(jx, o, path, keys) < 0 || jx_id(jx, o, path, "id", 1, &id) < 0 ||
	    jx_id(jx, o, path, "station", 1, &station) < 0 ||
	    jx_int(jx, o, path, "unit", 1, 1, 247, &unit) < 0 ||
	    jx_str(jx, o, path, "profile", 1, &profile) < 0 ||
	    jx_enum(jx, o, path, "kind", 1, kinds, &kind) < 0 ||
	    jx_decimal(jx, o, path, "capacity_kw", 0, 3, 0, INT64_MAX, &cap) < 0)
		return -1;
	d->id = xstrdup(id);
	d->station = xstrdup(station);
	d->unit = (int)unit;
	d->profile = xstrdup(profile);
	d->kind = (enum reading_kind)kind; /* the names are in reading_kind order */
	d->capacity_w = cap;
	return 0;
}

/* Rejects a key that only makes sense for the other bus type. */
static int foreign_key(struct jx *jx, const cJSON *o, const char *path, const char *const *keys,
                       const char *type)
{
	const char *const *k;
	char p[PATHLEN], got[128];
	for (k = keys; *k; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, *k);
		if (v) {
			jx_describe(v, got, sizeof got);
			return jx_fail(jx, jx_join(p, sizeof p, path, *k),
			               "expected no such key on a %s bus, got %s", type, got);
		}
	}
	return 0;
}

static int parse_bus(struct jx *jx, const cJSON *o, const char *path, struct bus_conf *b)
{
	static const char *const keys[] = {"id",
	                                   "type",
	                                   "host",
	                                   "port",
	                                   "device",
	                                   "baud",
	                                   "parity",
	                                   "data_bits",
	                                   "stop_bits",
	                                   "timeout_ms",
	                                   "connect_delay_ms",
	                                   "silence_us",
	                                   "backoff_max_ms",
	                                   "devices",
	                                   NULL};
	static const char *const tcp_only[] = {"host", "port", NULL};
	static const char *const rtu_only[] = {"device",    "baud",       "parity", "data_bits",
	                                       "stop_bits", "silence_us", NULL};
	static const char *const types[] = {"tcp", "rtu", NULL};
	static const char *const parities[] = {"N", "E", "O", NULL};
	const char *id = NULL, *s = NULL;
	const cJSON *devs, *d;
	char p[PATHLEN];
	int type = 0, parity = 0, i;

	if (jx_object(jx, o, path, keys) < 0 || jx_id(jx, o, path, "id", 1, &id) < 0 ||
	    jx_enum(jx, o, path, "type", 1, types, &type) < 0)
		return -1;
	b->id = xstrdup(id);
	b->type = type == 0 ? BUS_TCP : BUS_RTU;
	b->timeout_ms = 1000;
	b->connect_delay_ms = 0;
	b->backoff_max_ms = 300000;
	if (b->type == BUS_TCP) {
		b->port = 502;
		if (foreign_key(jx, o, path, rtu_only, "TCP") < 0 ||
		    jx_str(jx, o, path, "host", 0, &s) < 0)
			return -1;
		if (!s)
			return jx_fail(jx, jx_join(p, sizeof p, path, "host"),
			               "expected a host name or address (a TCP bus needs one), "
			               "got nothing (the key is missing)");
		b->host = xstrdup(s);
		if (get_int(jx, o, path, "port", 1, 65535, &b->port) < 0)
			return -1;
	} else {
		b->baud = 9600;
		b->parity = 'N';
		b->data_bits = 8;
		b->stop_bits = 1;
		if (foreign_key(jx, o, path, tcp_only, "RTU") < 0 ||
		    jx_str(jx, o, path, "device", 0, &s) < 0)
			return -1;
		if (!s)
			return jx_fail(jx, jx_join(p, sizeof p, path, "device"),
			               "expected a serial device such as \"/dev/ttyS1\" (an RTU "
			               "bus needs one), got nothing (the key is missing)");
		b->device = xstrdup(s);
		if (get_int(jx, o, path, "baud", 300, 921600, &b->baud) < 0 ||
		    jx_enum(jx, o, path, "parity", 0, parities, &parity) < 0 ||
		    get_int(jx, o, path, "data_bits", 7, 8, &b->data_bits) < 0 ||
		    get_int(jx, o, path, "stop_bits", 1, 2, &b->stop_bits) < 0)
			return -1;
		b->parity = "NEO"[parity];
		b->silence_us = config_rtu_silence_us(b->baud);
		if (get_int(jx, o, path, "silence_us", 0, 1000000, &b->silence_us) < 0)
			return -1;
	}
	if (get_int(jx, o, path, "timeout_ms", 10, 60000, &b->timeout_ms) < 0 ||
	    get_int(jx, o, path, "connect_delay_ms", 0, 60000, &b->connect_delay_ms) < 0 ||
	    get_int(jx, o, path, "backoff_max_ms", 0, 86400000, &b->backoff_max_ms) < 0)
		return -1;
	devs = jx_array(jx, o, path, "devices", 1);
	if (!devs)
		return -1;
	jx_join(p, sizeof p, path, "devices");
	b->n_devices = cJSON_GetArraySize(devs);
	b->devices = xcalloc((size_t)(b->n_devices ? b->n_devices : 1), sizeof *b->devices);
	i = 0;
	cJSON_ArrayForEach(d, devs)
	{
		char dp[PATHLEN];
		if (parse_device(jx, d, jx_index(dp, sizeof dp, p, i), &b->devices[i]) < 0)
			return -1;
		i++;
	}
	return 0;
}

/* Duplicate bus ids, unit ids on one bus, and device ids within a station. */
static int check_buses(struct jx *jx, const struct collector_conf *c)
{
	int i, j, k, l;
	for (i = 0; i < c->n_buses; i++) {
		const struct bus_conf *b = &c->buses[i];
		for (j = 0; j < i; j++)
			if (strcmp(c->buses[j].id, b->id) == 0)
				return jx_fail(jx, "",
				               "buses[%d].id: expected a unique bus id, "
				               "got \"%s\" again (also buses[%d].id)",
				               i, b->id, j);
		for (k = 0; k < b->n_devices; k++) {
			const struct device_conf *d = &b->devices[k];
			for (l = 0; l < k; l++)
				if (b->devices[l].unit == d->unit)
					return jx_fail(
					    jx, "",
					    "buses[%d].devices[%d].unit: expected a unit "
					    "id not used on bus \"%s\", got %d again "
					    "(also buses[%d].devices[%d].unit)",
					    i, k, b->id, d->unit, i, l);
			/* devices of one station may sit on several buses */
			for (j = 0; j <= i; j++)
				for (l = 0; l < (j == i ? k : c->buses[j].n_devices); l++) {
					const struct device_conf *e = &c->buses[j].devices[l];
					if (strcmp(e->station, d->station) == 0 &&
					    strcmp(e->id, d->id) == 0)
						return jx_fail(
						    jx, "",
						    "buses[%d].devices[%d].id: expected a device "
						    "id unique in station \"%s\", got \"%s\" "
						    "again (also buses[%d].devices[%d].id)",
						    i, k, d->station, d->id, j, l);
				}
		}
	}
	return 0;
}

/* Moves the first error into *cause, adding nothing when there is none. */
static int fail_out(struct jx *jx, char **cause)
{
	if (cause) {
		*cause = jx->err ? jx->err : xstrdup("unknown configuration error");
		jx->err = NULL;
	}
	jx_release(jx);
	return -1;
}

int config_collector_load(const char *path, struct collector_conf **out, char **cause)
{
	static const char *const keys[] = {"gateway",      "broker", "spool", "poll",
	                                   "profiles_dir", "log",    "buses", NULL};
	static const char *const spool_keys[] = {"path",         "max_rows",     "max_bytes",
	                                         "max_age_days", "replay_per_s", NULL};
	static const char *const poll_keys[] = {"interval_ms", "health_interval_s", NULL};
	struct jx jx = {path, NULL};
	struct collector_conf *c = xcalloc(1, sizeof *c);
	cJSON *root = NULL;
	const cJSON *o, *buses, *b;
	char *dir = dir_of(path);
	const char *s = NULL;
	int64_t age_days = 60;
	int i;

	*out = NULL;
	c->path = xstrdup(path);
	c->spool_max_rows = 2000000;
	c->spool_max_bytes = INT64_C(512) * 1024 * 1024;
	c->replay_per_s = 500;
	c->poll_interval_ms = 10000;
	c->health_interval_s = 60;
	c->profiles_dir = config_resolve(dir, "profiles");
	root = jx_parse_file(&jx, path);
	if (!root || jx_object(&jx, root, "", keys) < 0)
		goto fail;
	if (jx_id(&jx, root, "", "gateway", 1, &s) < 0)
		goto fail;
	c->gateway = xstrdup(s);
	o = jx_child(&jx, root, "", "broker", 1, NULL);
	if (!o || broker_parse(&jx, o, "broker", dir, &c->broker) < 0)
		goto fail;
	o = jx_child(&jx, root, "", "spool", 1, spool_keys);
	if (!o || get_path(&jx, o, "spool", "path", 1, dir, &c->spool_path) < 0 ||
	    jx_int(&jx, o, "spool", "max_rows", 0, 1000, INT64_MAX, &c->spool_max_rows) < 0 ||
	    jx_int(&jx, o, "spool", "max_bytes", 0, 1048576, INT64_MAX, &c->spool_max_bytes) < 0 ||
	    jx_int(&jx, o, "spool", "max_age_days", 0, 1, 3650, &age_days) < 0 ||
	    get_int(&jx, o, "spool", "replay_per_s", 1, 1000000, &c->replay_per_s) < 0)
		goto fail;
	c->spool_max_age_s = age_days * 86400;
	o = jx_child(&jx, root, "", "poll", 0, poll_keys);
	if (jx.err)
		goto fail;
	if (o &&
	    (get_int(&jx, o, "poll", "interval_ms", 100, 86400000, &c->poll_interval_ms) < 0 ||
	     get_int(&jx, o, "poll", "health_interval_s", 1, 86400, &c->health_interval_s) < 0))
		goto fail;
	if (get_path(&jx, root, "", "profiles_dir", 0, dir, &c->profiles_dir) < 0 ||
	    parse_log(&jx, root, dir, &c->log_target, &c->log_level) < 0)
		goto fail;
	buses = jx_array(&jx, root, "", "buses", 1);
	if (!buses)
		goto fail;
	c->n_buses = cJSON_GetArraySize(buses);
	if (c->n_buses == 0) {
		jx_fail(&jx, "buses", "expected at least one bus, got an empty array");
		goto fail;
	}
	c->buses = xcalloc((size_t)c->n_buses, sizeof *c->buses);
	i = 0;
	cJSON_ArrayForEach(b, buses)
	{
		char p[PATHLEN];
		if (parse_bus(&jx, b, jx_index(p, sizeof p, "buses", i), &c->buses[i]) < 0)
			goto fail;
		i++;
	}
	if (check_buses(&jx, c) < 0)
		goto fail;
	cJSON_Delete(root);
	free(dir);
	jx_release(&jx);
	*out = c;
	return 0;
fail:
	cJSON_Delete(root);
	free(dir);
	config_collector_free(c);
	return fail_out(&jx, cause);
}

void config_collector_free(struct collector_conf *c)
{
	int i, j;
	if (!c)
		return;
	for (i = 0; i < c->n_buses; i++) {
		struct bus_conf *b = &c->buses[i];
		for (j = 0; j < b->n_devices; j++) {
			free(b->devices[j].id);
			free(b->devices[j].station);
			free(b->devices[j].profile);
		}
		free(b->devices);
		free(b->id);
		free(b->host);
		free(b->device);
	}
	free(c->buses);
	broker_release(&c->broker);
	free(c->path);
	free(c->gateway);
	free(c->spool_path);
	free(c->profiles_dir);
	free(c->log_target);
	free(c);
}

int config_central_load(const char *path, struct central_conf **out, char **cause)
{
	static const char *const keys[] = {"broker",
	                                   "client_id",
	                                   "database",
	                                   "database_password_file",
	                                   "fleet",
	                                   "timezone",
	                                   "target_yuan_per_year",
	                                   "target_basis",
	                                   "retention_days",
	                                   "batch",
	                                   "expected_interval_s",
	                                   "meter_tolerance_permille",
	                                   "lang",
	                                   "ledger",
	                                   "log",
	                                   "serve",
	                                   "alerts",
	                                   "ingest_share",
	                                   NULL};
	static const char *const batch_keys[] = {"rows", "ms", NULL};
	static const char *const ledger_keys[] = {"statement_tolerance_permille", "basis", NULL};
	static const char *const bases[] = {"statement", "meter", NULL};
	static const char *const target_bases[] = {"accrued", "received", NULL};
	struct jx jx = {path, NULL};
	struct central_conf *c = xcalloc(1, sizeof *c);
	cJSON *root = NULL;
	const cJSON *o;
	char *dir = dir_of(path);
	const char *s = NULL;

	*out = NULL;
	c->path = xstrdup(path);
	c->client_id = xstrdup("pvmon-ingest");
	c->fleet_path = config_resolve(dir, "fleet.json");
	c->timezone = xstrdup("Asia/Shanghai");
	c->target_fen_per_year = INT64_C(20000000);
	c->retention_days = 400;
	c->batch_rows = 1000;
	c->batch_ms = 200;
	c->expected_interval_s = 60;
	c->meter_tolerance_permille = 50;
	live_conf_init(&c->live);
	c->lang = MSG_ZH;
	c->ledger_tolerance_permille = 10;
	root = jx_parse_file(&jx, path);
	if (!root || jx_object(&jx, root, "", keys) < 0)
		goto fail;
	o = jx_child(&jx, root, "", "broker", 1, NULL);
	if (!o || broker_parse(&jx, o, "broker", dir, &c->broker) < 0)
		goto fail;
	if (jx_id(&jx, root, "", "client_id", 0, &s) < 0)
		goto fail;
	if (s) {
		free(c->client_id);
		c->client_id = xstrdup(s);
	}
	s = NULL;
	if (jx_id(&jx, root, "", "ingest_share", 0, &s) < 0)
		goto fail;
	if (s)
		c->ingest_share = xstrdup(s);
	/* a postgresql:// URL names a server, not a file: kept as written */
	s = NULL;
	if (jx_str(&jx, root, "", "database", 1, &s) < 0)
		goto fail;
	c->database = strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0
	                  ? xstrdup(s)
	                  : config_resolve(dir, s);
	if (get_path(&jx, root, "", "database_password_file", 0, dir, &c->database_password_file) <
	        0 ||
	    get_path(&jx, root, "", "fleet", 0, dir, &c->fleet_path) < 0)
		goto fail;
	if (c->database_password_file && access(c->database_password_file, R_OK) != 0) {
		jx_fail(&jx, "database_password_file",
		        "expected a readable file, got \"%.200s\" (%s)", c->database_password_file,
		        strerror(errno));
		goto fail;
	}
	s = NULL;
	if (jx_str(&jx, root, "", "timezone", 0, &s) < 0)
		goto fail;
	if (s) {
		if (!caltime_zone_valid(s)) {
			jx_fail(&jx, "timezone",
			        "expected a time zone of the tz database such as "
			        "\"Asia/Shanghai\", got \"%.60s\"",
			        s);
			goto fail;
		}
		free(c->timezone);
		c->timezone = xstrdup(s);
	}
	if (jx_decimal(&jx, root, "", "target_yuan_per_year", 0, 2, 1, INT64_MAX,
	               &c->target_fen_per_year) < 0 ||
	    jx_enum(&jx, root, "", "target_basis", 0, target_bases, &c->target_basis_received) <
	        0 ||
	    get_int(&jx, root, "", "retention_days", 1, 36500, &c->retention_days) < 0 ||
	    get_int(&jx, root, "", "expected_interval_s", 1, 86400, &c->expected_interval_s) < 0 ||
	    get_int(&jx, root, "", "meter_tolerance_permille", 0, 1000,
	            &c->meter_tolerance_permille) < 0)
		goto fail;
	s = NULL;
	if (jx_str(&jx, root, "", "lang", 0, &s) < 0)
		goto fail;
	if (s) {
		enum msg_lang l;
		if (msg_lang_parse(s, &l) < 0) {
			jx_fail(&jx, "lang",
			        "expected the report language \"zh\" (Chinese) or \"en\" "
			        "(English), got \"%.60s\"",
			        s);
			goto fail;
		}
		c->lang = (int)l;
	}
	o = jx_child(&jx, root, "", "batch", 0, batch_keys);
	if (jx.err)
		goto fail;
	if (o && (get_int(&jx, o, "batch", "rows", 1, 1000000, &c->batch_rows) < 0 ||
	          get_int(&jx, o, "batch", "ms", 1, 60000, &c->batch_ms) < 0))
		goto fail;
	o = jx_child(&jx, root, "", "ledger", 0, ledger_keys);
	if (jx.err ||
	    (o && (get_int(&jx, o, "ledger", "statement_tolerance_permille", 0, 1000,
	                   &c->ledger_tolerance_permille) < 0 ||
	           jx_enum(&jx, o, "ledger", "basis", 0, bases, &c->ledger_basis_meter) < 0)))
		goto fail;
	if (parse_log(&jx, root, dir, &c->log_target, &c->log_level) < 0 ||
	    live_conf_parse(&jx, root, dir, &c->live) < 0)
		goto fail;
	cJSON_Delete(root);
	free(dir);
	jx_release(&jx);
	*out = c;
	return 0;
fail:
	cJSON_Delete(root);
	free(dir);
	config_central_free(c);
	return fail_out(&jx, cause);
}

void config_central_free(struct central_conf *c)
{
	if (!c)
		return;
	broker_release(&c->broker);
	free(c->path);
	free(c->client_id);
	free(c->ingest_share);
	free(c->database);
	free(c->database_password_file);
	free(c->fleet_path);
	free(c->timezone);
	free(c->log_target);
	live_conf_release(&c->live);
	free(c);
}
