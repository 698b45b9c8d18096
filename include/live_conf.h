/*
 * live_conf: the "serve" and "alerts" objects of central.json (docs/config.md):
 * where the dashboard listens, its TLS files and password file, and the alert
 * thresholds. Plain data owned by the central_conf that holds it.
 */
#ifndef PVMON_LIVE_CONF_H
#define PVMON_LIVE_CONF_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "jx.h"

struct live_conf {
	/* serve */
	char *listen_host;   /* default 127.0.0.1 */
	int listen_port;     /* default 8080 */
	char *tls_cert_file; /* HTTPS when both are set */
	char *tls_key_file;
	char *password_file; /* basic auth: "user:password" lines; NULL: no auth */
	int threads;         /* worker threads, default 4 */
	int cache_s;         /* a county snapshot is rebuilt at most this often, default 5 */
	int refresh_s;       /* pages fetch the API this often, default 5 */
	/* alerts */
	int alerts_enabled;            /* default 1 */
	int eval_s;                    /* rules evaluated this often by ingest, default 10 */
	int64_t gateway_offline_s;     /* no reading this long, default 600 */
	int64_t gateway_will_s;        /* last will retained and no reading this long, default 60 */
	int64_t device_offline_s;      /* daylight seconds offline, default 7200 */
	int64_t device_fault_s;        /* daylight seconds in fault, default 7200 */
	int64_t clear_s;               /* condition gone this long before clearing, default 300 */
	int64_t loss_clear_s;          /* no new drop or lost seq this long, default 3600 */
	int64_t keep_cleared_s;        /* cleared alerts stay retained this long, default 86400 */
	int day_from_h, day_to_h;      /* daylight: local hours [from, to), default 7 and 19 */
	int64_t meter_silent_s;        /* window of the meter_silent rule, default 1800 */
	int meter_silent_min_permille; /* inverters' energy in it, of nameplate, default 50 */
	int daily_hour;                /* local hour the day and month before are judged, 1 */
	int yield_low_permille;        /* low_yield below this of the peers' median, 500 */
	int64_t yield_min_wh_per_kwp;  /* peers' median at least this (no cloudy days), 1500 */
	int yield_min_peers;           /* comparable stations at least, default 5 */
	int yield_min_completeness_permille; /* readings of the day at least, default 800 */
	char **exec_argv;                    /* alert_exec, NULL-terminated; NULL: none */
};

/* Sets the defaults (allocates the default host). */
void live_conf_init(struct live_conf *c);
/*
 * Parses root's optional "serve" and "alerts" members into c (defaults kept
 * for what is absent); relative paths are resolved against dir. 0, or -1 with
 * the error recorded in jx.
 */
int live_conf_parse(struct jx *jx, const cJSON *root, const char *dir, struct live_conf *c);
void live_conf_release(struct live_conf *c);

#endif
