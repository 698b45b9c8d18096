/*
 * metrics: formats the snapshot as Prometheus metrics. Names carry their unit
 * (_watts, _watthours, _seconds); counters end in _total and only ever grow
 * while the database lives.
 */
#include "metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct out {
	char *p;
	size_t n, cap;
};

static void add(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;
	for (;;) {
		size_t room = o->cap - o->n;
		va_start(ap, fmt);
		n = vsnprintf(o->p ? o->p + o->n : NULL, room, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < room) {
			o->n += (size_t)n;
			return;
		}
		o->cap = (o->cap + (size_t)n + 1) * 2;
		o->p = xrealloc(o->p, o->cap);
	}
}

/* A label value with \, " and newline escaped (ids are plain, names may be anything). */
static const char *lv(const char *s, char *buf, size_t size)
{
	size_t n = 0;
	for (; s && *s && n + 3 < size; s++) {
		if (*s == '\\' || *s == '"') {
			buf[n++] = '\\';
			buf[n++] = *s;
		} else if (*s == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else
			buf[n++] = *s;
	}
	buf[n] = '\0';
	return buf;
}

static int64_t iv(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItem(o, k);
	return cJSON_IsNumber(x) ? (int64_t)x->valuedouble : 0;
}

static const char *sv(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItem(o, k);
	return cJSON_IsString(x) ? x->valuestring : "";
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
	add(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One metric per gateway from a member of its object (or a computed value). */
static void per_gw(struct out *o, const cJSON *gws, const char *name, const char *type,
                   const char *help, const char *key, int64_t now, int what)
{
	const cJSON *g;
	char b[128];
	head(o, name, type, help);
	cJSON_ArrayForEach(g, gws)
	{
		int64_t v;
		if (what == 1)
			v = iv(g, "max_seq") - iv(g, "acked_seq");
		else if (what == 2)
			v = iv(g, "last_ms") > 0 ? (now - iv(g, "last_ms")) / 1000 : -1;
		else if (what == 3)
			v = strcmp(sv(g, "status"), "online") == 0;
		else if (what == 4)
			v = iv(g, "acked_seq") - iv(g, "lost_seqs");
		else
			v = iv(g, key);
		if (what == 2 && v < 0)
			continue;
		if (what == 0 && strcmp(key, "backlog") == 0 && v < 0)
			continue; /* never reported */
		add(o, "%s{gateway=\"%s\"} %" PRId64 "\n", name, lv(sv(g, "id"), b, sizeof b), v);
	}
}

static void per_station(struct out *o, const cJSON *sts, const char *name, const char *help,
                        const char *key)
{
	const cJSON *s;
	char b[128];
	head(o, name, "gauge", help);
	cJSON_ArrayForEach(s, sts) add(o, "%s{station=\"%s\"} %" PRId64 "\n", name,
	                               lv(sv(s, "id"), b, sizeof b), iv(s, key));
}

char *metrics_render(const struct live_snapshot *ls, int64_t now_ms, int64_t rejected_stored)
{
	static const char *const statuses[] = {"producing", "asleep", "offline", "fault",
	                                       "no_data"};
	static const char *const sevs[] = {"critical", "warning", "info"};
	static const char *const rules[] = {"gateway_offline", "spool_loss",      "device_offline",
	                                    "device_fault",    "counter_reset",   "meter_silent",
	                                    "low_yield",       "village_at_risk", "village_below"};
	const cJSON *root = live_tree(ls), *gws = cJSON_GetObjectItem(root, "gateways"),
	            *sts = cJSON_GetObjectItem(root, "stations"),
	            *tot = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "overview"), "totals"),
	            *alerts = cJSON_GetObjectItem(root, "alerts"), *a;
	struct out o = {0};
	char b[128];

	per_gw(&o, gws, "pvmon_gateway_backlog", "gauge",
	       "Readings in the gateway's spool not yet acknowledged, as it last reported.",
	       "backlog", now_ms, 0);
	per_gw(&o, gws, "pvmon_gateway_dropped_total", "counter",
	       "Readings the gateway's spool dropped at its bound, as it last reported.",
	       "dropped_total", now_ms, 0);
	per_gw(&o, gws, "pvmon_gateway_lost_seqs_total", "counter",
	       "Seqs ingest gave up as dropped by the gateway's spool.", "lost_seqs", now_ms, 0);
	per_gw(&o, gws, "pvmon_gateway_rejects_total", "counter",
	       "Payloads from the gateway that failed validation.", "rejects", now_ms, 0);
	per_gw(&o, gws, "pvmon_gateway_stored_seqs_total", "counter",
	       "Seqs of the gateway stored (readings and rejects) and acknowledged.", NULL, now_ms,
	       4);
	per_gw(&o, gws, "pvmon_gateway_max_seq", "gauge", "Highest seq received from the gateway.",
	       "max_seq", now_ms, 0);
	per_gw(&o, gws, "pvmon_gateway_ack_lag", "gauge",
	       "Seqs received but not yet acknowledged (max seq minus acked seq).", NULL, now_ms,
	       1);
	per_gw(&o, gws, "pvmon_gateway_last_reading_age_seconds", "gauge",
	       "Seconds since the gateway's last reading (its poll time).", NULL, now_ms, 2);
	per_gw(&o, gws, "pvmon_gateway_online", "gauge",
	       "1 when the gateway's retained status says online.", NULL, now_ms, 3);
	per_station(&o, sts, "pvmon_station_power_watts",
	            "AC power of the station's inverters from their last fresh readings.",
	            "power_w");
	per_station(&o, sts, "pvmon_station_energy_today_watthours",
	            "Settlement energy of the station today (local day).", "today_wh");
	per_station(&o, sts, "pvmon_station_energy_month_watthours",
	            "Settlement energy of the station this month.", "month_wh");
	per_station(&o, sts, "pvmon_station_completeness_permille",
	            "Readings present per thousand expected this month.", "completeness_permille");
	head(&o, "pvmon_stations", "gauge", "Stations by live status.");
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		add(&o, "pvmon_stations{status=\"%s\"} %" PRId64 "\n", statuses[i],
		    iv(tot, statuses[i]));
	head(&o, "pvmon_county_power_watts", "gauge", "Sum of the stations' power.");
	add(&o, "pvmon_county_power_watts %" PRId64 "\n", iv(tot, "power_w"));
	head(&o, "pvmon_county_energy_today_watthours", "gauge",
	     "Sum of the stations' energy today.");
	add(&o, "pvmon_county_energy_today_watthours %" PRId64 "\n", iv(tot, "today_wh"));
	head(&o, "pvmon_alerts_open", "gauge", "Open alerts by rule and severity.");
	for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
		for (size_t s = 0; s < sizeof sevs / sizeof sevs[0]; s++) {
			int64_t n = 0;
			cJSON_ArrayForEach(a, alerts) n += strcmp(sv(a, "rule"), rules[r]) == 0 &&
			                                   strcmp(sv(a, "severity"), sevs[s]) == 0;
			if (n || s == 0)
				add(&o,
				    "pvmon_alerts_open{rule=\"%s\",severity=\"%s\"} %" PRId64 "\n",
				    rules[r], sevs[s], n);
		}
	if (rejected_stored >= 0) {
		head(&o, "pvmon_rejected_stored", "gauge",
		     "Rejected payloads kept in the database (within the retention).");
		add(&o, "pvmon_rejected_stored %" PRId64 "\n", rejected_stored);
	}
	head(&o, "pvmon_snapshot_age_seconds", "gauge",
	     "Age of the county snapshot these figures come from.");
	add(&o, "pvmon_snapshot_age_seconds %.3f\n",
	    (double)(now_ms - live_snapshot_built_ms(ls)) / 1000.0);
	(void)b;
	return o.p;
}

struct ing_ctx {
	struct out *o;
	struct store_ingest_stats *v;
	int n;
};

static int ing_collect(void *arg, const struct store_ingest_stats *x)
{
	struct ing_ctx *c = arg;
	c->v = xrealloc(c->v, (size_t)(c->n + 1) * sizeof *c->v);
	c->v[c->n++] = *x;
	return 0;
}

/* One counter or gauge per worker from a member of its row. */
static void per_worker(struct out *o, const struct ing_ctx *c, const char *name, const char *type,
                       const char *help, size_t member)
{
	char b[160];
	head(o, name, type, help);
	for (int i = 0; i < c->n; i++)
		add(o, "%s{worker=\"%s\"} %" PRId64 "\n", name, lv(c->v[i].worker, b, sizeof b),
		    *(const int64_t *)((const char *)&c->v[i] + member));
}

char *metrics_ingest(char *text, struct store *s, int64_t now_ms)
{
	struct out o = {text, text ? strlen(text) : 0, text ? strlen(text) + 1 : 0};
	struct ing_ctx c = {&o, NULL, 0};
	char b[160];

	if (store_ingest_stats_each(s, ing_collect, &c) < 0) {
		free(c.v);
		return text; /* an older database or a read error: the rest still serves */
	}
	per_worker(&o, &c, "pvmon_ingest_readings_stored_total", "counter",
	           "Readings ingest stored (rate() is readings stored per second).",
	           offsetof(struct store_ingest_stats, stored));
	per_worker(&o, &c, "pvmon_ingest_duplicates_total", "counter",
	           "Readings that were already stored (replays after a lost ack).",
	           offsetof(struct store_ingest_stats, duplicates));
	per_worker(&o, &c, "pvmon_ingest_rejected_total", "counter",
	           "Payloads that failed validation.",
	           offsetof(struct store_ingest_stats, rejected));
	per_worker(&o, &c, "pvmon_ingest_statuses_total", "counter",
	           "Gateway status messages stored.",
	           offsetof(struct store_ingest_stats, statuses));
	per_worker(&o, &c, "pvmon_ingest_batches_total", "counter", "Batches committed.",
	           offsetof(struct store_ingest_stats, batches));
	per_worker(&o, &c, "pvmon_ingest_commit_failures_total", "counter",
	           "Batch commits that failed (rolled back and retried).",
	           offsetof(struct store_ingest_stats, failures));
	per_worker(
	    &o, &c, "pvmon_ingest_batch_messages_total", "counter",
	    "Messages in the committed batches (divided by the batches: the mean batch size).",
	    offsetof(struct store_ingest_stats, batch_rows));
	per_worker(&o, &c, "pvmon_ingest_last_batch_messages", "gauge",
	           "Messages in the last committed batch.",
	           offsetof(struct store_ingest_stats, last_batch_rows));
	head(&o, "pvmon_ingest_commit_seconds", "histogram",
	     "Latency of a batch's commit: begin, readings, roll-ups, acks, fsync.");
	for (int i = 0; i < c.n; i++) {
		const struct store_ingest_stats *x = &c.v[i];
		int64_t cum = 0;
		lv(x->worker, b, sizeof b);
		for (int k = 0; k < STORE_COMMIT_BUCKETS; k++) {
			cum += x->commit_hist[k];
			if (k < STORE_COMMIT_BUCKETS - 1)
				add(&o,
				    "pvmon_ingest_commit_seconds_bucket{worker=\"%s\",le=\"%g\"} "
				    "%" PRId64 "\n",
				    b, (double)store_commit_bucket_ms[k] / 1000.0, cum);
			else
				add(&o,
				    "pvmon_ingest_commit_seconds_bucket{worker=\"%s\",le=\"+Inf\"} "
				    "%" PRId64 "\n",
				    b, cum);
		}
		add(&o, "pvmon_ingest_commit_seconds_sum{worker=\"%s\"} %.6f\n", b,
		    (double)x->commit_us / 1e6);
		add(&o, "pvmon_ingest_commit_seconds_count{worker=\"%s\"} %" PRId64 "\n", b, cum);
	}
	head(&o, "pvmon_ingest_started_seconds", "gauge",
	     "When the worker started (unix seconds); its counters begin at 0 then.");
	for (int i = 0; i < c.n; i++)
		add(&o, "pvmon_ingest_started_seconds{worker=\"%s\"} %" PRId64 "\n",
		    lv(c.v[i].worker, b, sizeof b), c.v[i].started_ms / 1000);
	head(&o, "pvmon_ingest_stats_age_seconds", "gauge",
	     "Seconds since the worker last wrote its counters (grows when it stops).");
	for (int i = 0; i < c.n; i++)
		add(&o, "pvmon_ingest_stats_age_seconds{worker=\"%s\"} %.3f\n",
		    lv(c.v[i].worker, b, sizeof b), (double)(now_ms - c.v[i].updated_ms) / 1000.0);
	free(c.v);
	return o.p;
}
