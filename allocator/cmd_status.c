/*
 * cmd_status: `pvmon-allocator status`, a read-only look at the central
 * database while ingest runs (docs/operations.md): what needs attention first,
 * a summary line, then per gateway and per device; as text or JSON. The exit
 * status is nagios-style (0 OK, 1 warning, 2 critical, 3 the check itself
 * failed) so that cron and monitoring can act on it. It never writes.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "caltime.h"
#include "cmd.h"
#include "config.h"
#include "fleet.h"
#include "status.h"
#include "store.h"
#include "util.h"

#define EXIT_UNKNOWN 3

static const char usage[] =
    "usage: pvmon-allocator status -c central.json [--problems] [--json]\n"
    "                              [--township ID|NAME] [--station ID] [--gateway ID]\n"
    "                              [--silent-after SECONDS] [--at YYYY-MM-DDTHH:MM[:SS]]\n"
    "exit status: 0 OK, 1 warning, 2 critical, 3 the check failed (docs/operations.md)\n";

static const char *const sev_upper[] = {"OK", "WARNING", "CRITICAL"};

/* The gateway or device state word shown in the tables. */
static const char *gateway_state(const struct status_gateway *g)
{
	switch (g->problem) {
	case SP_GATEWAY_NEVER:
		return g->n_in_service ? "never-connected" : "not-in-service";
	case SP_GATEWAY_OFFLINE:
		return "offline";
	case SP_GATEWAY_SILENT:
		return "silent";
	case SP_GATEWAY_UNKNOWN:
		return "unknown";
	default:
		return !g->in_store ? "never-connected" : "online";
	}
}

static const char *device_state(const struct status_device *d)
{
	if (!d->in_service)
		return "not-in-service";
	switch (d->problem) {
	case SP_DEVICE_NEVER:
		return "never-reported";
	case SP_DEVICE_SILENT:
		return "silent";
	case SP_DEVICE_OFFLINE:
		return "offline";
	case SP_DEVICE_FAULT:
		return "fault";
	case SP_DEVICE_INCOMPLETE:
		return "incomplete";
	default:
		return "ok";
	}
}

/* One problem as a sentence, without its severity. */
static void problem_text(const struct status *st, const struct status_problem *p, char *buf,
                         size_t size)
{
	const struct status_gateway *g = p->gateway >= 0 ? &st->gateways[p->gateway] : NULL;
	const struct status_device *d = p->device >= 0 ? &st->devices[p->device] : NULL;
	char t[40], dur[32];
	size_t n = 0;

	status_time(p->since_ms, 0, t, sizeof t);
	status_duration(st->p.now_ms - p->since_ms, dur, sizeof dur);
	if (d)
		util_bufprintf(buf, size, &n, "device %s/%s: ", d->st->id, d->dv->id);
	else
		util_bufprintf(buf, size, &n, "gateway %s: ", g ? g->id : "-");
	switch (p->kind) {
	case SP_GATEWAY_NEVER:
		util_bufprintf(buf, size, &n, "never connected (in the fleet for %d station%s)",
		               g->n_stations, g->n_stations == 1 ? "" : "s");
		break;
	case SP_GATEWAY_OFFLINE:
		if (p->since_ms > 0)
			util_bufprintf(buf, size, &n, "offline; last reading %s (%s ago)", t, dur);
		else
			util_bufprintf(buf, size, &n, "offline; no reading ever");
		break;
	case SP_GATEWAY_SILENT:
		if (p->since_ms > 0)
			util_bufprintf(buf, size, &n, "silent since %s (%s), status says %s", t,
			               dur, g->g.status[0] ? g->g.status : "nothing");
		else
			util_bufprintf(buf, size, &n, "connected but no reading yet");
		break;
	case SP_GATEWAY_UNKNOWN:
		util_bufprintf(buf, size, &n, "unknown: in the database but not in the fleet");
		if (p->since_ms > 0)
			util_bufprintf(buf, size, &n, "; last reading %s (%s ago)", t, dur);
		break;
	case SP_GATEWAY_LOST:
		util_bufprintf(buf, size, &n,
		               "%" PRId64 " reading%s lost (%" PRId64
		               " dropped by its spool bound)",
		               p->value, p->value == 1 ? "" : "s", p->aux);
		break;
	case SP_GATEWAY_REJECTS:
		util_bufprintf(buf, size, &n,
		               "%" PRId64 " payload%s rejected in the last 24 h (%" PRId64
		               " in all; see the rejected table)",
		               p->value, p->value == 1 ? "" : "s", p->aux);
		break;
	case SP_DEVICE_NEVER:
		util_bufprintf(buf, size, &n, "never reported (in service since %s)",
		               caltime_format_date(d->st->commissioned_day, t, sizeof t));
		break;
	case SP_DEVICE_SILENT:
		if (p->since_ms > 0)
			util_bufprintf(buf, size, &n, "silent since %s (%s)", t, dur);
		else
			util_bufprintf(buf, size, &n, "silent (time of its last reading not kept)");
		if (g && g->problem >= 0 && g->problem != SP_GATEWAY_UNKNOWN)
			util_bufprintf(buf, size, &n, "; gateway %s is %s", g->id,
			               gateway_state(g));
		break;
	case SP_DEVICE_OFFLINE:
		util_bufprintf(buf, size, &n, "not answering the collector since %s (%s)", t, dur);
		break;
	case SP_DEVICE_FAULT:
		util_bufprintf(buf, size, &n, "in fault since %s (%s)", t, dur);
		break;
	case SP_DEVICE_INCOMPLETE:
		util_bufprintf(buf, size, &n,
		               "%" PRId64 ".%" PRId64 " %% complete since %s (%" PRId64
		               " of %" PRId64 " intervals of %d s with a reading)",
		               p->value / 10, p->value % 10, t, d->covered, d->slots,
		               st->p.expected_interval_s);
		break;
	default:
		util_bufprintf(buf, size, &n, "%s", status_problem_name(p->kind));
	}
}

static void print_text(const struct status *st, const struct fleet *f, const char *zone,
                       int problems_only)
{
	const struct status_summary *m = &st->sum;
	char t[40], t2[40], msg[512], pct[32];
	int i;

	printf("pvmon status of %s at %s (%s), month %04d-%02d: %s\n", f->county ? f->county : "-",
	       status_time(st->p.now_ms, 0, t, sizeof t), zone, st->year, st->month,
	       sev_upper[st->severity]);
	if (m->slots > 0)
		snprintf(pct, sizeof pct, "%.1f %%", 100.0 * (double)m->covered / (double)m->slots);
	else
		util_strlcpy(pct, "-", sizeof pct);
	printf(
	    "summary: gateways %d (%d online, %d offline, %d silent, %d never connected, %d "
	    "unknown); devices %d (%d ok, %d silent, %d never reported, %d offline, %d fault, %d "
	    "incomplete, %d not in service); lost %" PRId64 ", dropped %" PRId64
	    ", rejected in 24 h %" PRId64 ", backlog %" PRId64 "; completeness %s\n",
	    m->gateways, m->gw_online, m->gw_offline, m->gw_silent, m->gw_never, m->gw_unknown,
	    m->devices, m->dev_ok, m->dev_silent, m->dev_never, m->dev_offline, m->dev_fault,
	    m->dev_incomplete, m->dev_not_in_service, m->lost, m->dropped, m->rejects_recent,
	    m->backlog, pct);
	if (st->n_problems == 0)
		printf("problems: none\n");
	else
		printf("problems: %d critical, %d warning%s\n", m->n_critical, m->n_warning,
		       m->n_warning == 1 ? "" : "s");
	for (i = 0; i < st->n_problems; i++) {
		problem_text(st, &st->problems[i], msg, sizeof msg);
		printf("  %-8s %s\n", sev_upper[st->problems[i].severity], msg);
	}
	if (problems_only)
		return;

	printf("\n%-20s %-15s %-25s %10s %10s %8s %8s %8s %8s  %s\n", "gateway", "state",
	       "last reading", "acked", "max seq", "backlog", "dropped", "lost", "rejects",
	       "version");
	for (i = 0; i < st->n_gateways; i++) {
		const struct status_gateway *g = &st->gateways[i];
		char backlog[24];
		if (g->g.backlog >= 0 && g->in_store)
			snprintf(backlog, sizeof backlog, "%" PRId64, g->g.backlog);
		else
			util_strlcpy(backlog, "-", sizeof backlog);
		printf("%-20s %-15s %-25s %10" PRId64 " %10" PRId64 " %8s %8" PRId64 " %8" PRId64
		       " %8" PRId64 "  %s\n",
		       g->id, gateway_state(g), status_time(g->g.last_ms, 0, t, sizeof t),
		       g->g.acked_seq, g->g.max_seq, backlog, g->g.dropped_total, g->g.lost_seqs,
		       g->g.rejects, g->g.version[0] ? g->g.version : "-");
	}
	printf("\n%-20s %-12s %-8s %-15s %-25s %10s %9s  %s   (expected every %d s)\n", "station",
	       "device", "kind", "state", "last seen", "readings", "complete", "since",
	       st->p.expected_interval_s);
	for (i = 0; i < st->n_devices; i++) {
		const struct status_device *d = &st->devices[i];
		if (d->complete_permille >= 0)
			snprintf(pct, sizeof pct, "%" PRId64 ".%" PRId64 "%%",
			         d->complete_permille / 10, d->complete_permille % 10);
		else
			util_strlcpy(pct, "-", sizeof pct);
		printf("%-20s %-12s %-8s %-15s %-25s %10" PRId64 " %9s  %s\n", d->st->id, d->dv->id,
		       reading_kind_name(d->dv->kind), device_state(d),
		       status_time(d->last_ms, 0, t, sizeof t), d->readings, pct,
		       status_time(d->from_ms, 0, t2, sizeof t2));
	}
}

/* Adds a time as ISO text and ms, both null when unknown. */
static void json_time(cJSON *o, const char *key, int64_t ms)
{
	char t[40], k[48];
	snprintf(k, sizeof k, "%s_ms", key);
	if (ms > 0) {
		cJSON_AddStringToObject(o, key, status_time(ms, 1, t, sizeof t));
		cJSON_AddNumberToObject(o, k, (double)ms);
	} else {
		cJSON_AddNullToObject(o, key);
		cJSON_AddNullToObject(o, k);
	}
}

static void json_str_or_null(cJSON *o, const char *key, const char *v)
{
	if (v && *v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

/* The JSON document (schema pvmon.status/1, docs/status.md); NULL when out of memory. */
static char *json_doc(const struct status *st, const struct fleet *f, const char *zone,
                      int problems_only)
{
	const struct status_summary *m = &st->sum;
	cJSON *root = cJSON_CreateObject(), *o, *a, *e;
	char buf[512], month[16];
	char *out;
	int i;

	cJSON_AddStringToObject(root, "schema", "pvmon.status/1");
	json_str_or_null(root, "county", f->county);
	json_time(root, "at", st->p.now_ms);
	cJSON_AddStringToObject(root, "timezone", zone);
	snprintf(month, sizeof month, "%04d-%02d", st->year, st->month);
	cJSON_AddStringToObject(root, "month", month);
	cJSON_AddNumberToObject(root, "expected_interval_s", st->p.expected_interval_s);
	cJSON_AddNumberToObject(root, "silent_after_s", (double)(st->p.silent_ms / 1000));
	o = cJSON_AddObjectToObject(root, "filters");
	json_str_or_null(o, "township", st->p.township);
	json_str_or_null(o, "station", st->p.station);
	json_str_or_null(o, "gateway", st->p.gateway);
	cJSON_AddBoolToObject(root, "problems_only", problems_only);
	cJSON_AddStringToObject(root, "status", status_severity_name(st->severity));
	cJSON_AddNumberToObject(root, "exit", st->severity);

	o = cJSON_AddObjectToObject(root, "summary");
	cJSON_AddNumberToObject(o, "gateways", m->gateways);
	cJSON_AddNumberToObject(o, "gateways_online", m->gw_online);
	cJSON_AddNumberToObject(o, "gateways_offline", m->gw_offline);
	cJSON_AddNumberToObject(o, "gateways_silent", m->gw_silent);
	cJSON_AddNumberToObject(o, "gateways_never_connected", m->gw_never);
	cJSON_AddNumberToObject(o, "gateways_unknown", m->gw_unknown);
	cJSON_AddNumberToObject(o, "devices", m->devices);
	cJSON_AddNumberToObject(o, "devices_ok", m->dev_ok);
	cJSON_AddNumberToObject(o, "devices_silent", m->dev_silent);
	cJSON_AddNumberToObject(o, "devices_never_reported", m->dev_never);
	cJSON_AddNumberToObject(o, "devices_offline", m->dev_offline);
	cJSON_AddNumberToObject(o, "devices_fault", m->dev_fault);
	cJSON_AddNumberToObject(o, "devices_incomplete", m->dev_incomplete);
	cJSON_AddNumberToObject(o, "devices_not_in_service", m->dev_not_in_service);
	cJSON_AddNumberToObject(o, "lost", (double)m->lost);
	cJSON_AddNumberToObject(o, "dropped", (double)m->dropped);
	cJSON_AddNumberToObject(o, "rejects_24h", (double)m->rejects_recent);
	cJSON_AddNumberToObject(o, "backlog", (double)m->backlog);
	cJSON_AddNumberToObject(o, "expected_slots", (double)m->slots);
	cJSON_AddNumberToObject(o, "covered_slots", (double)m->covered);
	if (m->slots > 0)
		cJSON_AddNumberToObject(o, "complete_permille",
		                        (double)(m->covered * 1000 / m->slots));
	else
		cJSON_AddNullToObject(o, "complete_permille");
	cJSON_AddNumberToObject(o, "critical", m->n_critical);
	cJSON_AddNumberToObject(o, "warning", m->n_warning);

	a = cJSON_AddArrayToObject(root, "problems");
	for (i = 0; i < st->n_problems; i++) {
		const struct status_problem *p = &st->problems[i];
		const struct status_device *d = p->device >= 0 ? &st->devices[p->device] : NULL;
		e = cJSON_CreateObject();
		cJSON_AddItemToArray(a, e);
		cJSON_AddStringToObject(e, "severity", status_severity_name(p->severity));
		cJSON_AddStringToObject(e, "kind", status_problem_name(p->kind));
		json_str_or_null(e, "gateway",
		                 p->gateway >= 0 ? st->gateways[p->gateway].id : NULL);
		json_str_or_null(e, "station", d ? d->st->id : NULL);
		json_str_or_null(e, "device", d ? d->dv->id : NULL);
		json_time(e, "since", p->since_ms);
		if (p->since_ms > 0)
			cJSON_AddNumberToObject(e, "for_s",
			                        (double)((st->p.now_ms - p->since_ms) / 1000));
		else
			cJSON_AddNullToObject(e, "for_s");
		if (p->kind == SP_GATEWAY_LOST || p->kind == SP_GATEWAY_REJECTS ||
		    p->kind == SP_DEVICE_INCOMPLETE)
			cJSON_AddNumberToObject(e, "value", (double)p->value);
		else
			cJSON_AddNullToObject(e, "value");
		problem_text(st, p, buf, sizeof buf);
		cJSON_AddStringToObject(e, "message", buf);
	}

	a = cJSON_AddArrayToObject(root, "gateways");
	for (i = 0; i < st->n_gateways; i++) {
		const struct status_gateway *g = &st->gateways[i];
		if (problems_only && g->severity == STATUS_OK)
			continue;
		e = cJSON_CreateObject();
		cJSON_AddItemToArray(a, e);
		cJSON_AddStringToObject(e, "id", g->id);
		cJSON_AddStringToObject(e, "state", gateway_state(g));
		cJSON_AddStringToObject(e, "severity", status_severity_name(g->severity));
		cJSON_AddBoolToObject(e, "in_fleet", g->in_fleet);
		cJSON_AddNumberToObject(e, "stations", g->n_stations);
		json_str_or_null(e, "reported_status", g->g.status);
		json_time(e, "last_reading", g->g.last_ms);
		cJSON_AddNumberToObject(e, "acked_seq", (double)g->g.acked_seq);
		cJSON_AddNumberToObject(e, "max_seq", (double)g->g.max_seq);
		if (g->in_store && g->g.backlog >= 0)
			cJSON_AddNumberToObject(e, "backlog", (double)g->g.backlog);
		else
			cJSON_AddNullToObject(e, "backlog");
		cJSON_AddNumberToObject(e, "dropped", (double)g->g.dropped_total);
		cJSON_AddNumberToObject(e, "lost", (double)g->g.lost_seqs);
		cJSON_AddNumberToObject(e, "rejects", (double)g->g.rejects);
		cJSON_AddNumberToObject(e, "rejects_24h", (double)g->rejects_recent);
		json_str_or_null(e, "version", g->g.version);
	}

	a = cJSON_AddArrayToObject(root, "devices");
	for (i = 0; i < st->n_devices; i++) {
		const struct status_device *d = &st->devices[i];
		if (problems_only && d->severity == STATUS_OK)
			continue;
		e = cJSON_CreateObject();
		cJSON_AddItemToArray(a, e);
		cJSON_AddStringToObject(e, "station", d->st->id);
		cJSON_AddStringToObject(e, "device", d->dv->id);
		cJSON_AddStringToObject(e, "kind", reading_kind_name(d->dv->kind));
		json_str_or_null(e, "gateway",
		                 d->gateway >= 0 ? st->gateways[d->gateway].id : NULL);
		cJSON_AddStringToObject(e, "state", device_state(d));
		cJSON_AddStringToObject(e, "severity", status_severity_name(d->severity));
		json_time(e, "last_seen", d->last_ms);
		json_str_or_null(e, "last_reading_state",
		                 d->last_state >= 0 ? reading_state_name(d->last_state) : NULL);
		json_time(e, "state_since", d->state_since_ms);
		cJSON_AddNumberToObject(e, "readings", (double)d->readings);
		json_time(e, "period_from", d->complete_permille >= 0 ? d->from_ms : 0);
		cJSON_AddNumberToObject(e, "expected_slots", (double)d->slots);
		cJSON_AddNumberToObject(e, "covered_slots", (double)d->covered);
		if (d->complete_permille >= 0)
			cJSON_AddNumberToObject(e, "complete_permille",
			                        (double)d->complete_permille);
		else
			cJSON_AddNullToObject(e, "complete_permille");
	}
	out = cJSON_Print(root);
	cJSON_Delete(root);
	return out;
}

/* Parses --at "YYYY-MM-DDTHH:MM[:SS]" in the county's zone into UTC ms. */
static int parse_at(const char *s, int64_t *out)
{
	char date[11];
	int32_t day;
	int h, m, sec = 0, n = 0;
	if (strlen(s) < 16 || s[10] != 'T')
		return -1;
	memcpy(date, s, 10);
	date[10] = 0;
	if (caltime_parse_date(date, &day) < 0)
		return -1;
	if (sscanf(s + 11, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5)
		return -1;
	if (s[16] == ':') {
		if (sscanf(s + 17, "%2d%n", &sec, &n) != 1 || n != 2 || s[19])
			return -1;
	} else if (s[16]) {
		return -1;
	}
	if (h > 23 || m > 59 || sec > 59 || h < 0 || m < 0 || sec < 0)
		return -1;
	*out = caltime_local_midnight_ms(day) + ((int64_t)h * 3600 + m * 60 + sec) * 1000;
	return 0;
}

/* The open alerts, then the last ten cleared (docs/serve.md, "Alerts"). */
static int print_alerts(struct store *s, char **cause)
{
	cJSON *open = alerts_list(s, 1, NULL, NULL, 1000, cause), *all = NULL, *a;
	char t1[32], t2[32];
	int shown = 0;
	if (!open || !(all = alerts_list(s, 0, NULL, NULL, 1000 + 10, cause))) {
		cJSON_Delete(open);
		return -1;
	}
	printf("\n%-9s %-16s %-36s %-19s %-19s  (%d open)\n", "alert", "rule", "subject", "start",
	       "end", cJSON_GetArraySize(open));
	cJSON_ArrayForEach(a, all)
	{
		const cJSON *st = cJSON_GetObjectItem(a, "station"),
		            *dv = cJSON_GetObjectItem(a, "device"),
		            *gw = cJSON_GetObjectItem(a, "gw"),
		            *vl = cJSON_GetObjectItem(a, "village"),
		            *end = cJSON_GetObjectItem(a, "end");
		char subject[100];
		if (!cJSON_IsNull(end) && shown >= cJSON_GetArraySize(open) + 10)
			break;
		if (cJSON_IsString(vl))
			snprintf(subject, sizeof subject, "%s", vl->valuestring);
		else if (cJSON_IsString(dv))
			snprintf(subject, sizeof subject, "%s/%s", st->valuestring,
			         dv->valuestring);
		else
			snprintf(subject, sizeof subject, "%s",
			         cJSON_IsString(st)   ? st->valuestring
			         : cJSON_IsString(gw) ? gw->valuestring
			                              : "-");
		printf("%-9s %-16s %-36s %-19s %-19s  %s\n",
		       cJSON_GetObjectItem(a, "severity")->valuestring,
		       cJSON_GetObjectItem(a, "rule")->valuestring, subject,
		       caltime_format_local((int64_t)cJSON_GetObjectItem(a, "start")->valuedouble,
		                            t1, (int)sizeof t1),
		       cJSON_IsNull(end)
		           ? "open"
		           : caltime_format_local((int64_t)end->valuedouble, t2, (int)sizeof t2),
		       cJSON_GetObjectItem(a, "id")->valuestring);
		shown++;
	}
	cJSON_Delete(open);
	cJSON_Delete(all);
	return 0;
}

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"problems", no_argument, NULL, 'p'},
	    {"township", required_argument, NULL, 'T'},
	    {"station", required_argument, NULL, 'S'},
	    {"gateway", required_argument, NULL, 'G'},
	    {"silent-after", required_argument, NULL, 's'},
	    {"at", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct central ct;
	struct central_conf *conf;
	struct fleet *fleet;
	struct status *st = NULL;
	struct status_params p;
	char *cause = NULL, *doc = NULL, *end;
	const char *conf_path = NULL, *at = NULL;
	int opt, rc = EXIT_UNKNOWN, json = 0, problems_only = 0;
	long silent_s = 0;

	memset(&p, 0, sizeof p);
	memset(&ct, 0, sizeof ct);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'p':
			problems_only = 1;
			break;
		case 'T':
			p.township = optarg;
			break;
		case 'S':
			p.station = optarg;
			break;
		case 'G':
			p.gateway = optarg;
			break;
		case 's':
			silent_s = strtol(optarg, &end, 10);
			if (*end || end == optarg || silent_s <= 0 || silent_s > 366L * 86400) {
				fprintf(stderr,
				        "pvmon-allocator status: --silent-after: expected seconds "
				        "1-31622400, got \"%s\"\n",
				        optarg);
				return EXIT_UNKNOWN;
			}
			break;
		case 'a':
			at = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return EXIT_UNKNOWN;
		}
	}
	if (!conf_path || optind < argc) {
		fputs(usage, stderr);
		return EXIT_UNKNOWN;
	}
	if (cmd_load_central(conf_path, 0, NULL, &ct, &cause) < 0)
		goto done;
	conf = ct.conf;
	fleet = ct.fleet;
	p.now_ms = util_now_ms();
	if (at && parse_at(at, &p.now_ms) < 0) {
		cause =
		    xasprintf("--at: expected YYYY-MM-DDTHH:MM[:SS] (county time), got \"%s\"", at);
		goto done;
	}
	p.expected_interval_s = conf->expected_interval_s > 0 ? conf->expected_interval_s : 60;
	/* five missed readings, and never less than five minutes */
	p.silent_ms =
	    silent_s > 0
	        ? (int64_t)silent_s * 1000
	        : (int64_t)(p.expected_interval_s * 5 > 300 ? p.expected_interval_s * 5 : 300) *
	              1000;
	if (!(st = status_build(ct.store, fleet, &p, &cause)))
		goto done;
	if (json) {
		if (!(doc = json_doc(st, fleet, conf->timezone, problems_only))) {
			cause = xstrdup("out of memory writing the JSON");
			goto done;
		}
		fputs(doc, stdout);
		fputc('\n', stdout);
	} else {
		print_text(st, fleet, conf->timezone, problems_only);
	}
	/* the alerts after the text view (docs/serve.md, "Alerts"); --json stays one document */
	if (!json && print_alerts(ct.store, &cause) < 0)
		goto done;
	if (fflush(stdout) != 0) {
		cause = xstrdup("standard output: write failed");
		goto done;
	}
	rc = (int)st->severity;
done:
	if (cause)
		fprintf(stderr, "pvmon-allocator status: %s\n", cause);
	free(cause);
	free(doc);
	status_free(st);
	cmd_central_release(&ct);
	return rc;
}
