/*
 * alerts: the alert rules and their lifecycle (docs/serve.md, "Alerts").
 * A rule's condition is judged from the store at each evaluation; an alert is
 * raised once when the condition has held past its threshold, and cleared
 * once when it has been gone for clear_s (hysteresis). The table is the state:
 * open alerts are reloaded at each evaluation, so neither a restart nor a
 * second ingest worker on the same database repeats or loses one. It never
 * publishes or runs a command before the change is committed.
 */
#include "alerts.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caltime.h"
#include "log.h"
#include "msg.h"
#include "report.h"
#include "util.h"

extern char **environ;

enum rule {
	R_GATEWAY_OFFLINE,
	R_SPOOL_LOSS,
	R_DEVICE_OFFLINE,
	R_DEVICE_FAULT,
	R_COUNTER_RESET,
	R_METER_SILENT,
	R_LOW_YIELD,
	R_VILLAGE_AT_RISK,
	R_VILLAGE_BELOW,
	R_COUNT
};
static const char *const rule_key[R_COUNT] = {
    "gateway_offline", "spool_loss", "device_offline",  "device_fault", "counter_reset",
    "meter_silent",    "low_yield",  "village_at_risk", "village_below"};
static const char *const rule_severity[R_COUNT] = {"critical", "warning", "warning",
                                                   "warning",  "info",    "warning",
                                                   "warning",  "warning", "critical"};

/* One open alert as kept in memory between evaluations. */
struct open_alert {
	char id[STORE_ALERT_ID_MAX];
	int rule;
	char gw[READING_ID_MAX], station[READING_ID_MAX], device[READING_ID_MAX];
	char village[READING_ID_MAX];
	int64_t start_ms, updated_ms, value;
	int64_t false_since; /* when the condition was last seen gone; 0 while it holds */
	int seen;            /* judged in this evaluation */
};

/* Where a device's current offline/fault run started (found once per run). */
struct run {
	char station[READING_ID_MAX], device[READING_ID_MAX];
	int state;
	int64_t since_ms;
};

/* A device or gateway that data arrived for since the last data evaluation. */
struct touched {
	char gw[READING_ID_MAX], station[READING_ID_MAX], device[READING_ID_MAX];
	int state; /* of its latest reading in the batches */
	int64_t ts_ms;
};

/* A change to publish after the commit. */
struct change {
	char id[STORE_ALERT_ID_MAX];
	char *json; /* NULL: remove the retained message */
};

struct alerts {
	struct store *s;
	const struct fleet *f;
	const struct central_conf *conf;
	alerts_publish_fn publish;
	void *publish_ctx;
	int loaded, resync;
	struct open_alert *open;
	int n_open, cap_open;
	struct run *runs;
	int n_runs, cap_runs;
	struct change *changes;
	int n_changes, cap_changes;
	struct touched *touched;
	int n_touched, cap_touched;
	int judged[R_COUNT]; /* the rule was judged in this evaluation: its unseen alerts clear */
	int32_t daily_done;  /* the local day whose daily judgments (yield, villages) ran */
	pid_t *children;
	int n_children;
	int64_t raised, cleared;
	char *err;
};

struct alerts *alerts_new(struct store *s, const struct fleet *f, const struct central_conf *conf,
                          alerts_publish_fn publish, void *publish_ctx)
{
	struct alerts *a = xcalloc(1, sizeof *a);
	a->s = s;
	a->f = f;
	a->conf = conf;
	a->publish = publish;
	a->publish_ctx = publish_ctx;
	return a;
}

static void reap(struct alerts *a, int block)
{
	int i = 0;
	while (i < a->n_children) {
		int st;
		pid_t r = waitpid(a->children[i], &st, block ? 0 : WNOHANG);
		if (r == 0) {
			i++;
			continue;
		}
		if (r > 0 && WIFEXITED(st) && WEXITSTATUS(st) != 0)
			log_warn("alert_exec %s exited with status %d", a->conf->live.exec_argv[0],
			         WEXITSTATUS(st));
		a->children[i] = a->children[--a->n_children];
	}
}

void alerts_free(struct alerts *a)
{
	if (!a)
		return;
	reap(a, 1);
	for (int i = 0; i < a->n_changes; i++)
		free(a->changes[i].json);
	free(a->changes);
	free(a->children);
	free(a->open);
	free(a->runs);
	free(a->touched);
	free(a->err);
	free(a);
}

void alerts_resync(struct alerts *a)
{
	a->resync = 1;
}

void alerts_counts(const struct alerts *a, int64_t *raised, int64_t *cleared)
{
	*raised = a->raised;
	*cleared = a->cleared;
}

static int db_fail(struct alerts *a, const char *what)
{
	free(a->err);
	a->err = xasprintf("alerts: %s: %s", what, store_error(a->s));
	return -1;
}

static void add_text(cJSON *o, const char *k, const char *v)
{
	cJSON_AddItemToObject(o, k, v && *v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

/* A human line for the alert in lang, from the catalogue: "<rule text>: <subject>". */
static char *alert_text(enum msg_lang lang, const struct store_alert *x)
{
	char key[64];
	snprintf(key, sizeof key, "live.alert.%s", x->rule);
	if (x->village[0])
		return xasprintf("%s: %s", msg_get(lang, key), x->village);
	if (x->device[0])
		return xasprintf("%s: %s/%s", msg_get(lang, key), x->station, x->device);
	if (x->station[0])
		return xasprintf("%s: %s", msg_get(lang, key), x->station);
	return xasprintf("%s: %s", msg_get(lang, key), x->gw);
}

/* The alert's document (docs/mqtt.md, "Alerts"). */
static cJSON *row_json(const struct store_alert *x)
{
	cJSON *o = cJSON_CreateObject();
	char *t;
	cJSON_AddNumberToObject(o, "v", 1);
	add_text(o, "id", x->id);
	add_text(o, "rule", x->rule);
	add_text(o, "severity", x->severity);
	add_text(o, "gw", x->gw);
	add_text(o, "station", x->station);
	add_text(o, "device", x->device);
	add_text(o, "village", x->village);
	cJSON_AddNumberToObject(o, "start", (double)x->start_ms);
	if (!x->end_ms)
		cJSON_AddNullToObject(o, "end");
	else
		cJSON_AddNumberToObject(o, "end", (double)x->end_ms);
	cJSON_AddNumberToObject(o, "value", (double)x->value);
	t = alert_text(MSG_ZH, x);
	cJSON_AddStringToObject(o, "text_zh", t);
	free(t);
	t = alert_text(MSG_EN, x);
	cJSON_AddStringToObject(o, "text_en", t);
	free(t);
	return o;
}

static int list_add(void *ctx, const struct store_alert *x)
{
	cJSON_AddItemToArray(ctx, row_json(x));
	return 0;
}

cJSON *alerts_list(struct store *s, int open_only, const char *station, const char *gw, int limit,
                   char **cause)
{
	cJSON *arr = cJSON_CreateArray();
	if (store_alerts_each(s, open_only, station, gw, limit, list_add, arr) < 0) {
		*cause = xstrdup(store_error(s));
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

static int rule_parse(const char *s)
{
	for (int i = 0; i < R_COUNT; i++)
		if (s && strcmp(s, rule_key[i]) == 0)
			return i;
	return -1;
}

static struct open_alert *open_add(struct alerts *a)
{
	if (a->n_open == a->cap_open) {
		a->cap_open = a->cap_open ? a->cap_open * 2 : 16;
		a->open = xrealloc(a->open, (size_t)a->cap_open * sizeof *a->open);
	}
	memset(&a->open[a->n_open], 0, sizeof a->open[0]);
	return &a->open[a->n_open++];
}
/* The open alert of rule for a subject (gw, station/device, or a village: "" or NULL unset). */
static struct open_alert *open_find_v(struct alerts *a, int rule, const char *gw,
                                      const char *station, const char *device, const char *village)
{
	for (int i = 0; i < a->n_open; i++) {
		struct open_alert *o = &a->open[i];
		if (o->rule == rule && strcmp(o->gw, gw ? gw : "") == 0 &&
		    strcmp(o->station, station ? station : "") == 0 &&
		    strcmp(o->device, device ? device : "") == 0 &&
		    strcmp(o->village, village ? village : "") == 0)
			return o;
	}
	return NULL;
}
static struct open_alert *open_find(struct alerts *a, int rule, const char *gw, const char *station,
                                    const char *device)
{
	return open_find_v(a, rule, gw, station, device, NULL);
}
/* A rule that cannot judge its subject now (no sun, no peers): its open alert stays as it is. */
static void keep_open(struct alerts *a, int rule, const char *gw, const char *station,
                      const char *device, const char *village)
{
	struct open_alert *o = open_find_v(a, rule, gw, station, device, village);
	if (o)
		o->seen = 1;
}
static void change_add(struct alerts *a, const char *id, char *json)
{
	if (a->n_changes == a->cap_changes) {
		a->cap_changes = a->cap_changes ? a->cap_changes * 2 : 16;
		a->changes = xrealloc(a->changes, (size_t)a->cap_changes * sizeof *a->changes);
	}
	util_strlcpy(a->changes[a->n_changes].id, id, sizeof a->changes[0].id);
	a->changes[a->n_changes++].json = json;
}
static int load_one(void *ctx, const struct store_alert *x)
{
	struct alerts *a = ctx;
	int r = rule_parse(x->rule);
	struct open_alert *o;
	if (r < 0)
		return 0; /* a rule this version no longer has: leave its row alone */
	o = open_add(a);
	util_strlcpy(o->id, x->id, sizeof o->id);
	o->rule = r;
	util_strlcpy(o->gw, x->gw, sizeof o->gw);
	util_strlcpy(o->station, x->station, sizeof o->station);
	util_strlcpy(o->device, x->device, sizeof o->device);
	util_strlcpy(o->village, x->village, sizeof o->village);
	o->start_ms = x->start_ms;
	o->updated_ms = x->updated_ms;
	o->value = x->value;
	return 0;
}

/*
 * Loads the open alerts, the state that survives a restart, at every
 * evaluation: another ingest worker on the same database may have raised or
 * cleared one since (docs/scale.md). Only false_since, when this worker last
 * saw a condition gone, is its own: it is kept for the alerts still open.
 */
static int load_open(struct alerts *a)
{
	struct open_alert *old = a->open;
	int n_old = a->n_open;
	a->open = NULL;
	a->n_open = a->cap_open = 0;
	if (store_alerts_each(a->s, 1, NULL, NULL, INT_MAX, load_one, a) < 0) {
		free(old);
		return db_fail(a, "loading open alerts");
	}
	for (int i = 0; i < a->n_open && a->loaded; i++)
		for (int j = 0; j < n_old; j++)
			if (strcmp(a->open[i].id, old[j].id) == 0) {
				a->open[i].false_since = old[j].false_since;
				break;
			}
	free(old);
	a->loaded = 1;
	return 0;
}

/* Queues the row's document for publishing (and alert_exec when exec is set). */
static int queue_row(struct alerts *a, const char *id, int exec)
{
	struct store_alert x;
	cJSON *o;
	char *json;
	int rc = store_alert_get(a->s, id, &x);
	if (rc <= 0)
		return rc < 0 ? db_fail(a, "reading an alert") : 0;
	o = row_json(&x);
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	/* exec entries are marked by a leading '!' in the id, removed when run */
	if (exec) {
		char tagged[STORE_ALERT_ID_MAX + 1];
		snprintf(tagged, sizeof tagged, "!%s", id);
		change_add(a, tagged, xstrdup(json));
	}
	change_add(a, id, json);
	return 0;
}

/* Raises an alert whose condition started at start_ms (village: the village rules' subject). */
static int raise_alert_v(struct alerts *a, int rule, const char *gw, const char *station,
                         const char *device, const char *village, int64_t start_ms, int64_t now,
                         int64_t value)
{
	struct store_alert x;
	struct open_alert *o;
	memset(&x, 0, sizeof x);
	if (village && *village)
		snprintf(x.id, sizeof x.id, "%s.%s.%" PRId64, rule_key[rule], village,
		         start_ms / 1000);
	else if (device && *device)
		snprintf(x.id, sizeof x.id, "%s.%s.%s.%" PRId64, rule_key[rule], station, device,
		         start_ms / 1000);
	else if (station && *station)
		snprintf(x.id, sizeof x.id, "%s.%s.%" PRId64, rule_key[rule], station,
		         start_ms / 1000);
	else
		snprintf(x.id, sizeof x.id, "%s.%s.%" PRId64, rule_key[rule], gw, start_ms / 1000);
	util_strlcpy(x.rule, rule_key[rule], sizeof x.rule);
	util_strlcpy(x.severity, rule_severity[rule], sizeof x.severity);
	util_strlcpy(x.gw, gw ? gw : "", sizeof x.gw);
	util_strlcpy(x.station, station ? station : "", sizeof x.station);
	util_strlcpy(x.device, device ? device : "", sizeof x.device);
	util_strlcpy(x.village, village ? village : "", sizeof x.village);
	x.start_ms = start_ms;
	x.updated_ms = now;
	x.value = value;
	if (store_alert_insert(a->s, &x) < 0)
		return db_fail(a, "storing an alert");
	o = open_add(a);
	util_strlcpy(o->id, x.id, sizeof o->id);
	o->rule = rule;
	util_strlcpy(o->gw, x.gw, sizeof o->gw);
	util_strlcpy(o->station, x.station, sizeof o->station);
	util_strlcpy(o->device, x.device, sizeof o->device);
	util_strlcpy(o->village, x.village, sizeof o->village);
	o->start_ms = start_ms;
	o->updated_ms = now;
	o->value = value;
	o->seen = 1;
	a->raised++;
	log_warn("alert raised: %s", x.id);
	return queue_row(a, x.id, 1);
}
static int raise_alert(struct alerts *a, int rule, const char *gw, const char *station,
                       const char *device, int64_t start_ms, int64_t now, int64_t value)
{
	return raise_alert_v(a, rule, gw, station, device, NULL, start_ms, now, value);
}

/* Clears an open alert (index i of a->open) at now. */
static int clear_alert(struct alerts *a, int i, int64_t now)
{
	char id[STORE_ALERT_ID_MAX];
	util_strlcpy(id, a->open[i].id, sizeof id);
	if (store_alert_clear(a->s, id, now) < 0)
		return db_fail(a, "clearing an alert");
	a->open[i] = a->open[--a->n_open];
	a->cleared++;
	log_info("alert cleared: %s", id);
	return queue_row(a, id, 1);
}

/*
 * One judgement of a rule for one subject: holds says whether the condition
 * is true now, since when (start), and value. Raises when it has held past
 * the threshold (the caller passes due = 1); marks the open alert seen.
 */
static int judge_v(struct alerts *a, int rule, const char *gw, const char *station,
                   const char *device, const char *village, int holds, int due, int64_t start,
                   int64_t value, int64_t now)
{
	struct open_alert *o = open_find_v(a, rule, gw, station, device, village);
	if (o) {
		o->seen = 1;
		if (holds) {
			o->false_since = 0;
			/* durations are kept as raised; counts and the daily figures follow the
			 * store */
			if (rule != R_GATEWAY_OFFLINE && rule != R_DEVICE_OFFLINE &&
			    rule != R_DEVICE_FAULT && rule != R_METER_SILENT && value != o->value) {
				o->value = value;
				o->updated_ms = now;
				if (store_alert_update(a->s, o->id, value, now) < 0)
					return db_fail(a, "updating an alert");
			}
		} else if (!o->false_since)
			/* the daily rules judge once a day: that day is their hysteresis */
			o->false_since = rule == R_LOW_YIELD || rule == R_VILLAGE_AT_RISK ||
			                         rule == R_VILLAGE_BELOW
			                     ? now - a->conf->live.clear_s * 1000
			                     : now;
		return 0;
	}
	if (holds && due)
		return raise_alert_v(a, rule, gw, station, device, village, start, now, value);
	return 0;
}
static int judge(struct alerts *a, int rule, const char *gw, const char *station,
                 const char *device, int holds, int due, int64_t start, int64_t value, int64_t now)
{
	return judge_v(a, rule, gw, station, device, NULL, holds, due, start, value, now);
}
/* Milliseconds of [from, to) that fall inside the daylight hours, local time. */
static int64_t daylight_ms(const struct alerts *a, int64_t from, int64_t to)
{
	int64_t sum = 0;
	int h;
	if (to <= from)
		return 0;
	for (int32_t day = caltime_local_day(from, &h); day <= caltime_local_day(to, &h); day++) {
		int64_t mid = caltime_local_midnight_ms(day),
		        lo = mid + (int64_t)a->conf->live.day_from_h * 3600000,
		        hi = mid + (int64_t)a->conf->live.day_to_h * 3600000;
		if (lo < from)
			lo = from;
		if (hi > to)
			hi = to;
		if (hi > lo)
			sum += hi - lo;
	}
	return sum;
}
static struct run *run_find(struct alerts *a, const char *station, const char *device)
{
	for (int i = 0; i < a->n_runs; i++)
		if (strcmp(a->runs[i].station, station) == 0 &&
		    strcmp(a->runs[i].device, device) == 0)
			return &a->runs[i];
	if (a->n_runs == a->cap_runs) {
		a->cap_runs = a->cap_runs ? a->cap_runs * 2 : 64;
		a->runs = xrealloc(a->runs, (size_t)a->cap_runs * sizeof *a->runs);
	}
	memset(&a->runs[a->n_runs], 0, sizeof a->runs[0]);
	util_strlcpy(a->runs[a->n_runs].station, station, sizeof a->runs[0].station);
	util_strlcpy(a->runs[a->n_runs].device, device, sizeof a->runs[0].device);
	a->runs[a->n_runs].state = -1;
	return &a->runs[a->n_runs++];
}
/* Forgets the device's run: its next offline or fault run is looked up afresh. */
static void run_forget(struct alerts *a, const char *station, const char *device)
{
	for (int i = 0; i < a->n_runs; i++)
		if (strcmp(a->runs[i].station, station) == 0 &&
		    strcmp(a->runs[i].device, device) == 0)
			a->runs[i].state = -1;
}
/* When the device's current run in state began: just after its last reading in another state. */
static int run_since(struct alerts *a, const struct reading *last, int64_t *since)
{
	struct run *r = run_find(a, last->station, last->device);
	int rc;
	if (r->state == (int)last->state) {
		*since = r->since_ms;
		return 0;
	}
	rc = store_state_since(a->s, last->station, last->device, (int)last->state, since);
	if (rc < 0)
		return db_fail(a, "finding when a device's state began");
	if (rc == 0)
		*since = last->ts_ms;
	r->state = (int)last->state;
	r->since_ms = *since;
	return 0;
}

struct gw_ctx {
	struct alerts *a;
	int64_t now;
	int failed;
	char (*offline)[READING_ID_MAX];
	int n_offline;
};

/* Baseline of the loss rule: the counter value the last spool_loss alert of gw recorded. */
static int loss_baseline(struct alerts *a, const char *gw, int64_t *out)
{
	if (store_alert_max_value(a->s, "spool_loss", gw, out) < 0)
		return db_fail(a, "reading the loss baseline");
	return 0;
}

/*
 * A gateway is offline when no reading came for gateway_offline_s, or sooner,
 * gateway_will_s, when its retained status is the last will ("offline": the
 * broker saw its connection die). 1 when offline.
 */
static int gateway_off(const struct alerts *a, const struct store_gateway *g, int64_t now,
                       int64_t *silent)
{
	const struct live_conf *lc = &a->conf->live;
	*silent = g->last_ms > 0 ? now - g->last_ms : 0;
	return g->last_ms > 0 &&
	       (*silent > lc->gateway_offline_s * 1000 ||
	        (strcmp(g->status, "offline") == 0 && *silent > lc->gateway_will_s * 1000));
}

/* spool drops and lost seqs: a counter that grew since the last alert recorded it (data). */
static int judge_loss(struct alerts *a, const struct store_gateway *g, int64_t now)
{
	const struct live_conf *lc = &a->conf->live;
	int64_t loss = g->dropped_total + g->lost_seqs, base;
	struct open_alert *o = open_find(a, R_SPOOL_LOSS, g->gw, NULL, NULL);
	if (o) {
		o->seen = 1;
		if (loss > o->value) {
			o->false_since = 0;
			return judge(a, R_SPOOL_LOSS, g->gw, NULL, NULL, 1, 1, now, loss, now);
		}
		if (now - o->updated_ms >= lc->loss_clear_s * 1000 && !o->false_since)
			o->false_since =
			    now - lc->clear_s * 1000; /* quiet long enough: clear now */
		return 0;
	}
	if (loss <= 0)
		return 0;
	if (loss_baseline(a, g->gw, &base) < 0)
		return -1;
	return loss > base ? raise_alert(a, R_SPOOL_LOSS, g->gw, NULL, NULL, now, now, loss) : 0;
}

static int judge_gateway(void *arg, const struct store_gateway *g)
{
	struct gw_ctx *c = arg;
	struct alerts *a = c->a;
	int64_t silent;
	int off = gateway_off(a, g, c->now, &silent);

	if (off) {
		c->offline = xrealloc(c->offline, (size_t)(c->n_offline + 1) * sizeof *c->offline);
		util_strlcpy(c->offline[c->n_offline++], g->gw, READING_ID_MAX);
	}
	if (judge(a, R_GATEWAY_OFFLINE, g->gw, NULL, NULL, off, 1, g->last_ms, silent / 1000,
	          c->now) < 0 ||
	    judge_loss(a, g, c->now) < 0) {
		c->failed = 1;
		return 1;
	}
	return 0;
}
static int gw_is_offline(const struct gw_ctx *c, const char *gw)
{
	for (int i = 0; gw && i < c->n_offline; i++)
		if (strcmp(c->offline[i], gw) == 0)
			return 1;
	return 0;
}
/*
 * Every fleet device's last reading and today's daily row, for judge_devices:
 * from the store in chunks where it can (store_dev_heads, PostgreSQL: a few
 * queries per chunk instead of two per device). NULL when it cannot (SQLite:
 * judge_devices asks device by device) or on error (*failed set).
 */
#define HEADS_CHUNK 2000
static struct store_dev_head *device_heads(struct alerts *a, int32_t today, int *failed)
{
	struct store_dev_head *h;
	size_t n = 0, k = 0, i;
	int rc = 1;
	*failed = 0;
	for (int s = 0; s < a->f->n_stations; s++)
		n += (size_t)a->f->stations[s].n_devices;
	if (n == 0 || !store_loads_in_bulk(a->s))
		return NULL;
	h = xcalloc(n, sizeof *h);
	for (int s = 0; s < a->f->n_stations; s++)
		for (int j = 0; j < a->f->stations[s].n_devices; j++, k++) {
			h[k].station = a->f->stations[s].id;
			h[k].device = a->f->stations[s].devices[j].id;
			h[k].day = today;
			h[k].hour = -1;
		}
	for (i = 0; i < n && rc > 0; i += HEADS_CHUNK)
		rc = store_dev_heads(a->s, h + i, n - i < HEADS_CHUNK ? n - i : HEADS_CHUNK, 0);
	if (rc < 0) {
		db_fail(a, "reading the devices' last readings");
		*failed = 1;
		free(h);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		util_strlcpy(h[i].last.station, h[i].station, sizeof h[i].last.station);
		util_strlcpy(h[i].last.device, h[i].device, sizeof h[i].last.device);
	}
	return h;
}

static int judge_devices(struct alerts *a, struct gw_ctx *gc, int64_t now)
{
	const struct live_conf *lc = &a->conf->live;
	int hour, failed;
	int32_t today = caltime_local_day(now, &hour);
	struct store_dev_head *heads = device_heads(a, today, &failed);
	size_t k = 0;
	int rc = -1;
	if (failed)
		return -1;
	for (int i = 0; i < a->f->n_stations; i++) {
		const struct fleet_station *st = &a->f->stations[i];
		for (int j = 0; j < st->n_devices; j++, k++) {
			const struct fleet_device *dv = &st->devices[j];
			struct reading r;
			struct store_daily d;
			int has, dh;
			if (heads) {
				has = heads[k].has_last;
				r = heads[k].last;
			} else {
				has = store_reading_last(a->s, st->id, dv->id, INT64_MAX, "", 0, 0,
				                         &r);
			}
			int bad_off = 0, bad_fault = 0, due_off = 0, due_fault = 0;
			int64_t since = 0, day_ms = 0;
			if (has < 0) {
				db_fail(a, "reading a device's last reading");
				goto done;
			}
			/* a silent gateway is one alert, not one per device behind it */
			if (has && !gw_is_offline(gc, r.gw)) {
				bad_off = r.state == STATE_OFFLINE;
				bad_fault = r.state == STATE_FAULT;
				if (bad_off || bad_fault) {
					if (run_since(a, &r, &since) < 0)
						goto done;
					day_ms = daylight_ms(a, since, now);
					due_off = bad_off && day_ms > lc->device_offline_s * 1000;
					due_fault = bad_fault && day_ms > lc->device_fault_s * 1000;
				} else
					run_forget(a, st->id, dv->id);
			} else if (has) {
				/* judged later, once the gateway is back; keep open alerts as they
				 * are */
				struct open_alert *o =
				    open_find(a, R_DEVICE_OFFLINE, NULL, st->id, dv->id);
				if (o)
					o->seen = 1, o->false_since = 0;
				if ((o = open_find(a, R_DEVICE_FAULT, NULL, st->id, dv->id)))
					o->seen = 1, o->false_since = 0;
			}
			if (!has || !gw_is_offline(gc, r.gw)) {
				if (judge(a, R_DEVICE_OFFLINE, NULL, st->id, dv->id, bad_off,
				          due_off, since, day_ms / 1000, now) < 0 ||
				    judge(a, R_DEVICE_FAULT, NULL, st->id, dv->id, bad_fault,
				          due_fault, since, day_ms / 1000, now) < 0)
					goto done;
			}
			if (heads) {
				dh = heads[k].has_day;
				d = heads[k].day_row;
			} else {
				dh = store_daily_get(a->s, st->id, dv->id, today, &d);
			}
			if (dh < 0) {
				db_fail(a, "reading a device's day");
				goto done;
			}
			if (judge(a, R_COUNTER_RESET, NULL, st->id, dv->id, dh > 0 && d.resets > 0,
			          1, now, dh > 0 ? d.resets : 0, now) < 0)
				goto done;
		}
	}
	rc = 0;
done:
	free(heads);
	return rc;
}
/* ---- meter_silent: the export meter unheard while the inverters produce (timer) ---- */

/*
 * How far the device's counter rose since from: its last good reading (*last)
 * minus its last good one at or before from. 1 with *rise, 0 when either is
 * missing, -1 on a database error. *has_last says whether *last exists.
 */
static int counter_rise(struct alerts *a, const char *station, const char *device, int64_t from,
                        struct reading *last, int *has_last, int64_t *rise)
{
	struct reading base;
	int h = store_reading_last(a->s, station, device, INT64_MAX, "", 0, 1, last), hb;
	*has_last = h > 0;
	if (h <= 0)
		return h < 0 ? db_fail(a, "reading a device's last good reading") : 0;
	hb = store_reading_last(a->s, station, device, from + 1, "", 0, 1, &base);
	if (hb <= 0)
		return hb < 0 ? db_fail(a, "reading a device's counter at the window's start") : 0;
	*rise = last->energy_wh - base.energy_wh;
	return 1;
}

static int judge_meters(struct alerts *a, struct gw_ctx *gc, int64_t now)
{
	const struct live_conf *lc = &a->conf->live;
	int64_t w = lc->meter_silent_s * 1000, from = now - w;
	for (int i = 0; i < a->f->n_stations; i++) {
		const struct fleet_station *st = &a->f->stations[i];
		const struct fleet_device *meter = NULL;
		struct reading last;
		int64_t produced = 0, need, rise = 0, start;
		int has, rc, silent;
		for (int j = 0; j < st->n_devices; j++)
			if (st->devices[j].kind == READING_METER && st->meter &&
			    strcmp(st->devices[j].id, st->meter) == 0)
				meter = &st->devices[j];
		if (!meter)
			continue;
		/* a silent gateway is its own alert; without the sun the rule cannot judge */
		need = st->capacity_w * w / 3600000 * lc->meter_silent_min_permille / 1000;
		if (!gw_is_offline(gc, st->gateway)) {
			for (int j = 0; j < st->n_devices; j++) {
				const struct fleet_device *dv = &st->devices[j];
				if (dv->kind != READING_INVERTER)
					continue;
				rc = counter_rise(a, st->id, dv->id, from, &last, &has, &rise);
				if (rc < 0)
					return -1;
				if (rc > 0 && rise > 0)
					produced += rise;
			}
		}
		if (need <= 0 || produced < need) {
			keep_open(a, R_METER_SILENT, NULL, st->id, meter->id, NULL);
			continue;
		}
		rc = counter_rise(a, st->id, meter->id, from, &last, &has, &rise);
		if (rc < 0)
			return -1;
		/* no good reading in the window, or a counter that did not move */
		silent = !has || last.ts_ms <= from || (rc > 0 && rise <= 0);
		start = has && last.ts_ms <= from ? last.ts_ms : from;
		if (judge(a, R_METER_SILENT, NULL, st->id, meter->id, silent, 1, start, produced,
		          now) < 0)
			return -1;
	}
	return 0;
}

/* ---- low_yield: a station's day far below comparable stations (daily) ---- */

/* The township of the station's main share (the largest weight), -1 when it has none. */
static int station_township(const struct fleet *f, const struct fleet_station *st)
{
	int best = -1;
	int64_t w = 0;
	for (int k = 0; k < st->n_shares; k++)
		if (st->shares[k].weight > w) {
			w = st->shares[k].weight;
			best = st->shares[k].village;
		}
	return best < 0 ? -1 : f->villages[best].township;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

struct yield {
	int township, ok;
	int64_t wh_per_kwp;
};

/* Judges every station's specific yield of day against its peers' median. */
static int judge_yield(struct alerts *a, int32_t day, int64_t now)
{
	const struct live_conf *lc = &a->conf->live;
	const struct fleet *f = a->f;
	int64_t per_day =
	            86400 / (a->conf->expected_interval_s > 0 ? a->conf->expected_interval_s : 60),
	        *peers = xcalloc((size_t)f->n_stations + 1, sizeof *peers);
	struct yield *y = xcalloc((size_t)f->n_stations + 1, sizeof *y);
	int rc = 0;

	for (int i = 0; i < f->n_stations; i++) {
		const struct fleet_station *st = &f->stations[i];
		int64_t wh = 0, n = 0, n_inv = 0;
		y[i].township = station_township(f, st);
		if (st->capacity_w <= 0 || st->commissioned_day > day)
			continue;
		for (int j = 0; j < st->n_devices; j++) {
			struct store_daily d;
			int h;
			if (st->devices[j].kind != READING_INVERTER)
				continue;
			n_inv++;
			h = store_daily_get(a->s, st->id, st->devices[j].id, day, &d);
			if (h < 0) {
				rc = db_fail(a, "reading a device's day");
				goto done;
			}
			if (h > 0) {
				wh += d.delta_wh;
				n += d.n_readings;
			}
		}
		/* too few readings: a data problem (the offline rules), not a yield */
		if (n_inv == 0 || n * 1000 < n_inv * per_day * lc->yield_min_completeness_permille)
			continue;
		y[i].wh_per_kwp = wh * 1000 / st->capacity_w;
		y[i].ok = 1;
	}
	for (int i = 0; i < f->n_stations; i++) {
		const struct fleet_station *st = &f->stations[i];
		int np = 0, low;
		int64_t med;
		if (y[i].ok && y[i].township >= 0)
			for (int k = 0; k < f->n_stations; k++)
				if (k != i && y[k].ok && y[k].township == y[i].township)
					peers[np++] = y[k].wh_per_kwp;
		if (y[i].ok && np < lc->yield_min_peers) { /* too few in the township: the county */
			np = 0;
			for (int k = 0; k < f->n_stations; k++)
				if (k != i && y[k].ok)
					peers[np++] = y[k].wh_per_kwp;
		}
		if (!y[i].ok || np < lc->yield_min_peers) {
			keep_open(a, R_LOW_YIELD, NULL, st->id, NULL, NULL);
			continue;
		}
		qsort(peers, (size_t)np, sizeof *peers, cmp_i64);
		med = np % 2 ? peers[np / 2] : (peers[np / 2 - 1] + peers[np / 2]) / 2;
		if (med < lc->yield_min_wh_per_kwp) { /* a cloudy day for all: nothing to compare */
			keep_open(a, R_LOW_YIELD, NULL, st->id, NULL, NULL);
			continue;
		}
		low = y[i].wh_per_kwp * 1000 < med * lc->yield_low_permille;
		if (judge(a, R_LOW_YIELD, NULL, st->id, NULL, low, 1,
		          caltime_local_midnight_ms(day), y[i].wh_per_kwp * 1000 / med, now) < 0) {
			rc = -1;
			goto done;
		}
	}
done:
	free(peers);
	free(y);
	return rc;
}

/* ---- village_at_risk, village_below: the last closed month's report (daily) ---- */

static void keep_villages(struct alerts *a)
{
	for (int i = 0; i < a->f->n_villages; i++) {
		keep_open(a, R_VILLAGE_AT_RISK, NULL, NULL, NULL, a->f->villages[i].id);
		keep_open(a, R_VILLAGE_BELOW, NULL, NULL, NULL, a->f->villages[i].id);
	}
}

/*
 * Builds the report of the month before today's (the same report_build as
 * `pvmon-allocator report`) and judges each village's status in it. A month
 * without any energy (pvmon not running yet) judges nothing.
 */
static int judge_villages(struct alerts *a, int32_t today, int64_t now)
{
	const struct central_conf *cf = a->conf;
	struct report_params p = {0};
	struct report *r;
	char *cause = NULL;
	int y, m, d, rc = 0;
	int64_t start;

	caltime_civil(today, &y, &m, &d);
	start = caltime_local_midnight_ms(caltime_days(y, m, 1));
	p.year = m == 1 ? y - 1 : y;
	p.month = m == 1 ? 12 : m - 1;
	p.timezone = cf->timezone;
	p.target_fen_per_year = cf->target_fen_per_year;
	p.expected_interval_s = cf->expected_interval_s;
	p.meter_tolerance_permille = cf->meter_tolerance_permille;
	p.reach_days = cf->retention_days;
	if (!(r = report_build(a->s, a->f, &p, &cause))) {
		log_warn("alerts: the report of %04d-%02d: %s; villages judged again tomorrow",
		         p.year, p.month, cause);
		free(cause);
		keep_villages(a);
		return 0;
	}
	if (r->totals.energy_wh <= 0)
		keep_villages(a);
	else
		for (int i = 0; i < r->n_villages && rc == 0; i++) {
			const struct target_result *t = &r->villages[i].t;
			const char *id = r->villages[i].v->id;
			int64_t shortfall = t->target_fen - t->projection_fen;
			if (judge_v(a, R_VILLAGE_AT_RISK, NULL, NULL, NULL, id,
			            t->status == TARGET_AT_RISK, 1, start, shortfall, now) < 0 ||
			    judge_v(a, R_VILLAGE_BELOW, NULL, NULL, NULL, id,
			            t->status == TARGET_BELOW, 1, start, shortfall, now) < 0)
				rc = -1;
		}
	report_free(r);
	return rc;
}

struct sweep_ctx {
	int64_t keep_until;
	int resync;
	char (*ids)[STORE_ALERT_ID_MAX];
	int *remove;
	int n;
};

static int sweep_one(void *arg, const struct store_alert *x)
{
	struct sweep_ctx *c = arg;
	int gone = x->end_ms && x->end_ms < c->keep_until;
	if (!gone && !c->resync)
		return 0;
	c->ids = xrealloc(c->ids, (size_t)(c->n + 1) * sizeof *c->ids);
	c->remove = xrealloc(c->remove, (size_t)(c->n + 1) * sizeof *c->remove);
	util_strlcpy(c->ids[c->n], x->id, STORE_ALERT_ID_MAX);
	c->remove[c->n++] = gone;
	return 0;
}

/* Publishes every retained alert again (resync) and removes cleared ones past keep_cleared_s. */
static int sweep(struct alerts *a, int64_t now)
{
	struct sweep_ctx c = {now - a->conf->live.keep_cleared_s * 1000, a->resync, NULL, NULL, 0};
	int rc = 0;
	if (store_alerts_retained(a->s, sweep_one, &c) < 0)
		rc = db_fail(a, "listing retained alerts");
	for (int i = 0; rc == 0 && i < c.n; i++) {
		if (c.remove[i]) {
			change_add(a, c.ids[i], NULL);
			if (store_alert_unretain(a->s, c.ids[i]) < 0)
				rc = db_fail(a, "removing a retained alert");
		} else
			rc = queue_row(a, c.ids[i], 0);
	}
	free(c.ids);
	free(c.remove);
	return rc;
}

/* Runs alert_exec with the document on its stdin; never through a shell, never waited for. */
static void exec_alert(struct alerts *a, const char *json)
{
	char *const *argv = a->conf->live.exec_argv;
	posix_spawn_file_actions_t fa;
	int p[2];
	pid_t pid;
	size_t len = strlen(json), off = 0;

	reap(a, 0);
	if (pipe2(p, O_CLOEXEC) < 0) {
		log_warn("alert_exec: pipe: %s", strerror(errno));
		return;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], 0);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		log_warn("alert_exec: cannot run %s: %s", argv[0], strerror(errno));
		posix_spawn_file_actions_destroy(&fa);
		close(p[0]);
		close(p[1]);
		return;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	/* one document is far below the pipe's buffer; a command that exits early is its loss */
	while (off < len) {
		ssize_t n = write(p[1], json + off, len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (write(p[1], "\n", 1) < 0)
		log_debug("alert_exec: %s closed its input", argv[0]);
	close(p[1]);
	a->children = xrealloc(a->children, (size_t)(a->n_children + 1) * sizeof *a->children);
	a->children[a->n_children++] = pid;
}
static void drop_changes(struct alerts *a)
{
	for (int i = 0; i < a->n_changes; i++)
		free(a->changes[i].json);
	a->n_changes = 0;
}
/* Publishes (and runs alert_exec for) what the committed evaluation changed. */
static void flush_changes(struct alerts *a)
{
	for (int i = 0; i < a->n_changes; i++) {
		struct change *ch = &a->changes[i];
		if (ch->id[0] == '!') {
			if (a->conf->live.exec_argv)
				exec_alert(a, ch->json);
		} else if (a->publish)
			a->publish(a->publish_ctx, ch->id, ch->json);
	}
	drop_changes(a);
}

int alerts_eval(struct alerts *a, int64_t now_ms, const char **cause)
{
	struct gw_ctx gc = {a, now_ms, 0, NULL, 0};
	int i, hour, daily;
	int32_t today = caltime_local_day(now_ms, &hour);

	reap(a, 0);
	if (store_begin(a->s) < 0) {
		*cause = store_error(a->s);
		return -1;
	}
	/* one evaluation at a time over all workers, each from what the others committed */
	if (store_lock(a->s, "pvmon.alerts") < 0) {
		db_fail(a, "taking the alerts' lock");
		goto fail;
	}
	if (load_open(a) < 0)
		goto fail;
	for (i = 0; i < a->n_open; i++)
		a->open[i].seen = 0;
	/* the rules about time passing judge every subject each time; the daily ones once a day */
	daily = a->daily_done != today && hour >= a->conf->live.daily_hour;
	for (i = 0; i < R_COUNT; i++)
		a->judged[i] =
		    daily || (i != R_LOW_YIELD && i != R_VILLAGE_AT_RISK && i != R_VILLAGE_BELOW);
	if (store_gateway_each(a->s, judge_gateway, &gc) < 0 || gc.failed) {
		if (!gc.failed)
			db_fail(a, "reading gateways");
		goto fail;
	}
	if (judge_devices(a, &gc, now_ms) < 0 || judge_meters(a, &gc, now_ms) < 0)
		goto fail;
	if (daily &&
	    (judge_yield(a, today - 1, now_ms) < 0 || judge_villages(a, today, now_ms) < 0))
		goto fail;
	/* clear what has been gone for clear_s, or whose subject left the fleet */
	for (i = 0; i < a->n_open;) {
		struct open_alert *o = &a->open[i];
		if (a->judged[o->rule] &&
		    ((o->seen && o->false_since &&
		      now_ms - o->false_since >= a->conf->live.clear_s * 1000) ||
		     !o->seen)) {
			if (clear_alert(a, i, now_ms) < 0)
				goto fail;
			continue;
		}
		i++;
	}
	if (sweep(a, now_ms) < 0)
		goto fail;
	if (store_commit(a->s) < 0) {
		free(a->err);
		a->err = xstrdup(store_error(a->s));
		goto fail;
	}
	a->resync = 0;
	if (daily)
		a->daily_done = today;
	free(gc.offline);
	flush_changes(a);
	return 0;
fail:
	free(gc.offline);
	store_rollback(a->s);
	drop_changes(a);
	/* the table is the truth: reload the open alerts at the next try */
	a->loaded = 0;
	a->n_runs = 0;
	*cause = a->err ? a->err : "alerts: evaluation failed";
	return -1;
}

/* ---- the rules about data, judged when it is committed (docs/serve.md) ---- */

void alerts_touch(struct alerts *a, const struct reading *r)
{
	struct touched *t = NULL;
	for (int i = 0; i < a->n_touched && !t; i++)
		if (strcmp(a->touched[i].station, r->station) == 0 &&
		    strcmp(a->touched[i].device, r->device) == 0)
			t = &a->touched[i];
	if (!t) {
		if (a->n_touched == a->cap_touched) {
			a->cap_touched = a->cap_touched ? a->cap_touched * 2 : 256;
			a->touched =
			    xrealloc(a->touched, (size_t)a->cap_touched * sizeof *a->touched);
		}
		t = &a->touched[a->n_touched++];
		memset(t, 0, sizeof *t);
		util_strlcpy(t->station, r->station, sizeof t->station);
		util_strlcpy(t->device, r->device, sizeof t->device);
		t->ts_ms = INT64_MIN;
	}
	if (r->ts_ms >= t->ts_ms) {
		t->ts_ms = r->ts_ms;
		t->state = (int)r->state;
		util_strlcpy(t->gw, r->gw, sizeof t->gw);
	}
}

/* A device's latest state from the data: the offline/fault alerts' recovery starts (or stops). */
static void judge_recovery(struct alerts *a, const struct touched *t, int64_t now)
{
	static const int rules[] = {R_DEVICE_OFFLINE, R_DEVICE_FAULT};
	static const int bad[] = {STATE_OFFLINE, STATE_FAULT};
	for (int k = 0; k < 2; k++) {
		struct open_alert *o = open_find(a, rules[k], NULL, t->station, t->device);
		if (!o)
			continue;
		if (t->state == bad[k])
			o->false_since = 0;
		else if (!o->false_since)
			o->false_since = now;
	}
}

/* Once per gateway of the batch: its spool losses, and the offline alert's recovery. */
static int judge_gateway_data(struct alerts *a, const char *gw, int64_t now)
{
	struct store_gateway g;
	struct open_alert *o;
	int64_t silent;
	int rc = store_gateway_get(a->s, gw, &g);
	if (rc <= 0)
		return rc < 0 ? db_fail(a, "reading a gateway") : 0;
	if (judge_loss(a, &g, now) < 0)
		return -1;
	o = open_find(a, R_GATEWAY_OFFLINE, gw, NULL, NULL);
	if (o && !gateway_off(a, &g, now, &silent) && !o->false_since)
		o->false_since = now;
	return 0;
}

int alerts_eval_data(struct alerts *a, int64_t now_ms, const char **cause)
{
	int hour;
	int32_t today = caltime_local_day(now_ms, &hour);
	if (a->n_touched == 0)
		return 0;
	reap(a, 0);
	if (store_begin(a->s) < 0) {
		*cause = store_error(a->s);
		return -1;
	}
	if (!a->loaded && load_open(a) < 0)
		goto fail;
	for (int i = 0; i < a->n_touched; i++) {
		const struct touched *t = &a->touched[i];
		struct store_daily d;
		int dh, first = 1;
		judge_recovery(a, t, now_ms);
		dh = store_daily_get(a->s, t->station, t->device, today, &d);
		if (dh < 0) {
			db_fail(a, "reading a device's day");
			goto fail;
		}
		if (judge(a, R_COUNTER_RESET, NULL, t->station, t->device, dh > 0 && d.resets > 0,
		          1, now_ms, dh > 0 ? d.resets : 0, now_ms) < 0)
			goto fail;
		for (int k = 0; k < i && first; k++)
			first = strcmp(a->touched[k].gw, t->gw) != 0;
		if (first && judge_gateway_data(a, t->gw, now_ms) < 0)
			goto fail;
	}
	if (store_commit(a->s) < 0) {
		free(a->err);
		a->err = xstrdup(store_error(a->s));
		goto fail;
	}
	a->n_touched = 0;
	flush_changes(a);
	return 0;
fail:
	store_rollback(a->s);
	drop_changes(a);
	a->loaded = 0;
	a->n_runs = 0;
	a->n_touched = 0; /* the timer judges them all anyway */
	*cause = a->err ? a->err : "alerts: evaluation failed";
	return -1;
}
