/*
 * live_conf: strict parsing of the "serve" and "alerts" objects of
 * central.json. Passwords never appear here: only the file that holds them.
 */
#include "live_conf.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

static void set_str(char **dst, char *v)
{
	free(*dst);
	*dst = v;
}

void live_conf_init(struct live_conf *c)
{
	memset(c, 0, sizeof *c);
	c->listen_host = xstrdup("127.0.0.1");
	c->listen_port = 8080;
	c->threads = 4;
	c->cache_s = 5;
	c->refresh_s = 5;
	c->alerts_enabled = 1;
	c->eval_s = 10;
	c->gateway_offline_s = 600;
	c->gateway_will_s = 60;
	c->device_offline_s = 7200;
	c->device_fault_s = 7200;
	c->clear_s = 300;
	c->loss_clear_s = 3600;
	c->keep_cleared_s = 86400;
	c->day_from_h = 7;
	c->day_to_h = 19;
	c->meter_silent_s = 1800;
	c->meter_silent_min_permille = 50;
	c->daily_hour = 1;
	c->yield_low_permille = 500;
	c->yield_min_wh_per_kwp = 1500;
	c->yield_min_peers = 5;
	c->yield_min_completeness_permille = 800;
}

/* "host:port", "[v6]:port" or ":port"; the host must be an address, not a name. */
static int parse_listen(struct jx *jx, const char *s, struct live_conf *c)
{
	const char *colon = strrchr(s, ':');
	char *end = NULL, host[64];
	long port;
	size_t n;

	if (!colon)
		goto bad;
	n = (size_t)(colon - s);
	if (n >= sizeof host)
		goto bad;
	memcpy(host, s, n);
	host[n] = '\0';
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 1 || port > 65535)
		goto bad;
	set_str(&c->listen_host, xstrdup(host[0] ? host : "127.0.0.1"));
	c->listen_port = (int)port;
	return 0;
bad:
	return jx_fail(jx, "serve.listen",
	               "expected \"address:port\" such as \"127.0.0.1:8080\", got \"%.60s\"", s);
}

static int get_i(struct jx *jx, const cJSON *o, const char *path, const char *key, int64_t min,
                 int64_t max, int *out)
{
	int64_t v = *out;
	if (jx_int(jx, o, path, key, 0, min, max, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int get_file(struct jx *jx, const cJSON *o, const char *path, const char *key,
                    const char *dir, char **out)
{
	const char *s = NULL;
	if (jx_str(jx, o, path, key, 0, &s) < 0)
		return -1;
	if (s) {
		if (!*s)
			return jx_fail(jx, path, "%s: expected a file name, got \"\"", key);
		set_str(out, config_resolve(dir, s));
	}
	return 0;
}

static int parse_serve(struct jx *jx, const cJSON *root, const char *dir, struct live_conf *c)
{
	static const char *const keys[] = {"listen",  "tls_cert", "tls_key",   "password_file",
	                                   "threads", "cache_s",  "refresh_s", NULL};
	const cJSON *o = jx_child(jx, root, "", "serve", 0, keys);
	const char *listen = NULL;

	if (!o)
		return jx->err ? -1 : 0;
	if (jx_str(jx, o, "serve", "listen", 0, &listen) < 0 ||
	    (listen && parse_listen(jx, listen, c) < 0) ||
	    get_file(jx, o, "serve", "tls_cert", dir, &c->tls_cert_file) < 0 ||
	    get_file(jx, o, "serve", "tls_key", dir, &c->tls_key_file) < 0 ||
	    get_file(jx, o, "serve", "password_file", dir, &c->password_file) < 0 ||
	    get_i(jx, o, "serve", "threads", 1, 64, &c->threads) < 0 ||
	    get_i(jx, o, "serve", "cache_s", 0, 3600, &c->cache_s) < 0 ||
	    get_i(jx, o, "serve", "refresh_s", 1, 3600, &c->refresh_s) < 0)
		return -1;
	if (!c->tls_cert_file != !c->tls_key_file)
		return jx_fail(jx, c->tls_cert_file ? "serve.tls_key" : "serve.tls_cert",
		               "expected both tls_cert and tls_key, or neither");
	return 0;
}

static int parse_exec(struct jx *jx, const cJSON *o, struct live_conf *c)
{
	const cJSON *a = jx_array(jx, o, "alerts", "alert_exec", 0), *e;
	char p[64];
	int n, i = 0;

	if (!a)
		return jx->err ? -1 : 0;
	n = cJSON_GetArraySize(a);
	if (n < 1)
		return jx_fail(jx, "alerts.alert_exec",
		               "expected a command and its arguments, got an empty array");
	c->exec_argv = xcalloc((size_t)n + 1, sizeof *c->exec_argv);
	cJSON_ArrayForEach(e, a)
	{
		if (!cJSON_IsString(e) || !e->valuestring[0] ||
		    (i == 0 && e->valuestring[0] != '/')) {
			char d[80];
			jx_describe(e, d, sizeof d);
			return jx_fail(jx, jx_index(p, sizeof p, "alerts.alert_exec", i),
			               i == 0 ? "expected an absolute program path, got %s"
			                      : "expected a non-empty string, got %s",
			               d);
		}
		c->exec_argv[i++] = xstrdup(e->valuestring);
	}
	return 0;
}

static int parse_alerts(struct jx *jx, const cJSON *root, struct live_conf *c)
{
	static const char *const keys[] = {"enabled",
	                                   "eval_s",
	                                   "gateway_offline_s",
	                                   "device_offline_s",
	                                   "device_fault_s",
	                                   "clear_s",
	                                   "loss_clear_s",
	                                   "keep_cleared_s",
	                                   "daylight_hours",
	                                   "alert_exec",
	                                   "gateway_will_s",
	                                   "meter_silent_s",
	                                   "meter_silent_min_permille",
	                                   "daily_hour",
	                                   "yield_low_permille",
	                                   "yield_min_wh_per_kwp",
	                                   "yield_min_peers",
	                                   "yield_min_completeness_permille",
	                                   NULL};
	const cJSON *o = jx_child(jx, root, "", "alerts", 0, keys), *dh;
	const int64_t day = 86400, year = 366 * 86400;

	if (!o)
		return jx->err ? -1 : 0;
	if (jx_bool(jx, o, "alerts", "enabled", 0, &c->alerts_enabled) < 0 ||
	    get_i(jx, o, "alerts", "eval_s", 1, 3600, &c->eval_s) < 0 ||
	    jx_int(jx, o, "alerts", "gateway_offline_s", 0, 1, 30 * day, &c->gateway_offline_s) <
	        0 ||
	    jx_int(jx, o, "alerts", "device_offline_s", 0, 1, 30 * day, &c->device_offline_s) < 0 ||
	    jx_int(jx, o, "alerts", "device_fault_s", 0, 1, 30 * day, &c->device_fault_s) < 0 ||
	    jx_int(jx, o, "alerts", "clear_s", 0, 0, day, &c->clear_s) < 0 ||
	    jx_int(jx, o, "alerts", "loss_clear_s", 0, 0, 30 * day, &c->loss_clear_s) < 0 ||
	    jx_int(jx, o, "alerts", "keep_cleared_s", 0, 0, year, &c->keep_cleared_s) < 0 ||
	    jx_int(jx, o, "alerts", "gateway_will_s", 0, 1, 30 * day, &c->gateway_will_s) < 0 ||
	    jx_int(jx, o, "alerts", "meter_silent_s", 0, 1, day, &c->meter_silent_s) < 0 ||
	    get_i(jx, o, "alerts", "meter_silent_min_permille", 1, 1000,
	          &c->meter_silent_min_permille) < 0 ||
	    get_i(jx, o, "alerts", "daily_hour", 0, 23, &c->daily_hour) < 0 ||
	    get_i(jx, o, "alerts", "yield_low_permille", 1, 1000, &c->yield_low_permille) < 0 ||
	    jx_int(jx, o, "alerts", "yield_min_wh_per_kwp", 0, 0, 20000, &c->yield_min_wh_per_kwp) <
	        0 ||
	    get_i(jx, o, "alerts", "yield_min_peers", 1, 10000, &c->yield_min_peers) < 0 ||
	    get_i(jx, o, "alerts", "yield_min_completeness_permille", 0, 1000,
	          &c->yield_min_completeness_permille) < 0)
		return -1;
	dh = jx_array(jx, o, "alerts", "daylight_hours", 0);
	if (jx->err)
		return -1;
	if (dh) {
		const cJSON *a = cJSON_GetArrayItem(dh, 0), *b = cJSON_GetArrayItem(dh, 1);
		if (cJSON_GetArraySize(dh) != 2 || !cJSON_IsNumber(a) || !cJSON_IsNumber(b) ||
		    a->valuedouble != (double)(int)a->valuedouble ||
		    b->valuedouble != (double)(int)b->valuedouble || a->valueint < 0 ||
		    b->valueint > 24 || a->valueint >= b->valueint)
			return jx_fail(
			    jx, "alerts.daylight_hours",
			    "expected [from, to], local hours with 0 <= from < to <= 24, "
			    "such as [7, 19]");
		c->day_from_h = a->valueint;
		c->day_to_h = b->valueint;
	}
	return parse_exec(jx, o, c);
}

int live_conf_parse(struct jx *jx, const cJSON *root, const char *dir, struct live_conf *c)
{
	if (parse_serve(jx, root, dir, c) < 0 || parse_alerts(jx, root, c) < 0)
		return -1;
	return 0;
}

void live_conf_release(struct live_conf *c)
{
	if (!c)
		return;
	free(c->listen_host);
	free(c->tls_cert_file);
	free(c->tls_key_file);
	free(c->password_file);
	if (c->exec_argv)
		for (int i = 0; c->exec_argv[i]; i++)
			free(c->exec_argv[i]);
	free(c->exec_argv);
	memset(c, 0, sizeof *c);
}
