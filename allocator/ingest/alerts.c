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
#include "util.h"

extern char **environ;

enum rule {
	R_GATEWAY_OFFLINE,
	R_SPOOL_LOSS,
	R_DEVICE_OFFLINE,
	R_DEVICE_FAULT,
	R_COUNTER_RESET,
	R_COUNT
};
static const char *const rule_key[R_COUNT] = {"gateway_offline", "spool_loss", "device_offline",
                                              "device_fault", "counter_reset"};
static const char *const rule_severity[R_COUNT] = {"critical", "warning", "warning", "warning",
                                                   "info"};

/* One open alert as kept in memory between evaluations. */
struct open_alert {
	char id[STORE_ALERT_ID_MAX];
	int rule;
	char gw[READING_ID_MAX], station[READING_ID_MAX], device[READING_ID_MAX];
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
static struct open_alert *open_find(struct alerts *a, int rule, const char *gw, const char *station,
                                    const char *device)
{
	for (int i = 0; i < a->n_open; i++) {
		struct open_alert *o = &a->open[i];
		if (o->rule == rule && strcmp(o->gw, gw ? gw : "") == 0 &&
		    strcmp(o->station, station ? station : "") == 0 &&
		    strcmp(o->device, device ? device : "") == 0)
			return o;
	}
	return NULL;
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

/* Raises an alert whose condition started at start_ms. */
static int raise_alert(struct alerts *a, int rule, const char *gw, const char *station,
                       const char *device, int64_t start_ms, int64_t now, int64_t value)
{
	struct store_alert x;
	struct open_alert *o;
	memset(&x, 0, sizeof x);
	if (device && *device)
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
	o->start_ms = start_ms;
	o->updated_ms = now;
	o->value = value;
	o->seen = 1;
	a->raised++;
	log_warn("alert raised: %s", x.id);
	return queue_row(a, x.id, 1);
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
static int judge(struct alerts *a, int rule, const char *gw, const char *station,
                 const char *device, int holds, int due, int64_t start, int64_t value, int64_t now)
{
	struct open_alert *o = open_find(a, rule, gw, station, device);
	if (o) {
		o->seen = 1;
		if (holds) {
			o->false_since = 0;
			/* durations are kept as raised; counts (drops, resets) follow the store */
			if ((rule == R_SPOOL_LOSS || rule == R_COUNTER_RESET) &&
			    value != o->value) {
				o->value = value;
				o->updated_ms = now;
				if (store_alert_update(a->s, o->id, value, now) < 0)
					return db_fail(a, "updating an alert");
			}
		} else if (!o->false_since)
			o->false_since = now;
		return 0;
	}
	if (holds && due)
		return raise_alert(a, rule, gw, station, device, start, now, value);
	return 0;
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

static int judge_gateway(void *arg, const struct store_gateway *g)
{
	struct gw_ctx *c = arg;
	struct alerts *a = c->a;
	const struct live_conf *lc = &a->conf->live;
	int64_t silent = g->last_ms > 0 ? c->now - g->last_ms : 0,
	        loss = g->dropped_total + g->lost_seqs, base;
	int off = g->last_ms > 0 && silent > lc->gateway_offline_s * 1000;
	struct open_alert *o;

	if (off) {
		c->offline = xrealloc(c->offline, (size_t)(c->n_offline + 1) * sizeof *c->offline);
		util_strlcpy(c->offline[c->n_offline++], g->gw, READING_ID_MAX);
	}
	if (judge(a, R_GATEWAY_OFFLINE, g->gw, NULL, NULL, off, 1, g->last_ms, silent / 1000,
	          c->now) < 0)
		goto fail;
	/* spool drops and lost seqs: a counter that grew since the last alert recorded it */
	o = open_find(a, R_SPOOL_LOSS, g->gw, NULL, NULL);
	if (o) {
		o->seen = 1;
		if (loss > o->value) {
			o->false_since = 0;
			if (judge(a, R_SPOOL_LOSS, g->gw, NULL, NULL, 1, 1, c->now, loss, c->now) <
			    0)
				goto fail;
		} else if (c->now - o->updated_ms >= lc->loss_clear_s * 1000 && !o->false_since)
			o->false_since =
			    c->now - lc->clear_s * 1000; /* quiet long enough: clear now */
		return 0;
	}
	if (loss > 0) {
		if (loss_baseline(a, g->gw, &base) < 0)
			goto fail;
		if (loss > base &&
		    raise_alert(a, R_SPOOL_LOSS, g->gw, NULL, NULL, c->now, c->now, loss) < 0)
			goto fail;
	}
	return 0;
fail:
	c->failed = 1;
	return 1;
}
static int gw_is_offline(const struct gw_ctx *c, const char *gw)
{
	for (int i = 0; gw && i < c->n_offline; i++)
		if (strcmp(c->offline[i], gw) == 0)
			return 1;
	return 0;
}
static int judge_devices(struct alerts *a, struct gw_ctx *gc, int64_t now)
{
	const struct live_conf *lc = &a->conf->live;
	int hour;
	int32_t today = caltime_local_day(now, &hour);
	for (int i = 0; i < a->f->n_stations; i++) {
		const struct fleet_station *st = &a->f->stations[i];
		for (int j = 0; j < st->n_devices; j++) {
			const struct fleet_device *dv = &st->devices[j];
			struct reading r;
			struct store_daily d;
			int has = store_reading_last(a->s, st->id, dv->id, INT64_MAX, "", 0, 0, &r),
			    dh;
			int bad_off = 0, bad_fault = 0, due_off = 0, due_fault = 0;
			int64_t since = 0, day_ms = 0;
			if (has < 0)
				return db_fail(a, "reading a device's last reading");
			/* a silent gateway is one alert, not one per device behind it */
			if (has && !gw_is_offline(gc, r.gw)) {
				bad_off = r.state == STATE_OFFLINE;
				bad_fault = r.state == STATE_FAULT;
				if (bad_off || bad_fault) {
					if (run_since(a, &r, &since) < 0)
						return -1;
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
					return -1;
			}
			dh = store_daily_get(a->s, st->id, dv->id, today, &d);
			if (dh < 0)
				return db_fail(a, "reading a device's day");
			if (judge(a, R_COUNTER_RESET, NULL, st->id, dv->id, dh > 0 && d.resets > 0,
			          1, now, dh > 0 ? d.resets : 0, now) < 0)
				return -1;
		}
	}
	return 0;
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
int alerts_eval(struct alerts *a, int64_t now_ms, const char **cause)
{
	struct gw_ctx gc = {a, now_ms, 0, NULL, 0};
	int i;

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
	if (store_gateway_each(a->s, judge_gateway, &gc) < 0 || gc.failed) {
		if (!gc.failed)
			db_fail(a, "reading gateways");
		goto fail;
	}
	if (judge_devices(a, &gc, now_ms) < 0)
		goto fail;
	/* clear what has been gone for clear_s, or whose subject left the fleet */
	for (i = 0; i < a->n_open;) {
		struct open_alert *o = &a->open[i];
		if ((o->seen && o->false_since &&
		     now_ms - o->false_since >= a->conf->live.clear_s * 1000) ||
		    !o->seen) {
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
	free(gc.offline);
	for (i = 0; i < a->n_changes; i++) {
		struct change *ch = &a->changes[i];
		if (ch->id[0] == '!') {
			if (a->conf->live.exec_argv)
				exec_alert(a, ch->json);
		} else if (a->publish)
			a->publish(a->publish_ctx, ch->id, ch->json);
	}
	drop_changes(a);
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
