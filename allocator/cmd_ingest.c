/*
 * cmd_ingest: `pvmon-allocator ingest`, the MQTT side: a persistent session
 * subscribed to readings and gateway status, a network thread that queues
 * messages and publishes acks, a writer thread that commits batches, and
 * reconnects with capped backoff. It must never ack what is not durably stored.
 *
 * Threads: only the network (main) thread touches libmosquitto; only the
 * writer touches the database while it runs. They meet under one lock: the
 * network thread hands a batch over (ingest_take) when the writer is idle, the
 * writer hands back the acks to publish once the batch is committed.
 *
 * With ingest_share set, several such processes (workers) share the readings
 * through an MQTT v5 shared subscription and one database (docs/scale.md):
 * each batch then reloads what it needs under the store's locks, and the acks
 * it publishes are the ones its commit wrote.
 */
#include <getopt.h>
#include <inttypes.h>
#include <mosquitto.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alertq.h"
#include "alerts.h"
#include "backoff.h"
#include "broker.h"
#include "caltime.h"
#include "cmd.h"
#include "config.h"
#include "fleet.h"
#include "ingest.h"
#include "istats.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define TOPIC_READINGS "pvmon/v1/+/+/+/reading"
#define TOPIC_STATUS "pvmon/v1/+/status"
/* Shared mode: the acks the other workers publish (see ack_seen). */
#define TOPIC_ACKS "pvmon/v1/+/ack"
/* Outside pvmon/v1/ so no gateway id can name it (docs/mqtt.md, "ingest online"). */
#define TOPIC_ONLINE "pvmon/ingest/online"
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000
#define DB_RETRY_MAX_MS 30000
#define PRUNE_EVERY_MS 3600000
/* ingest's counters reach the database (and serve's /metrics) this often */
#define STATS_EVERY_MS 5000
/* The queue may grow to this many batches while the writer commits, then reading pauses. */
#define QUEUE_BATCHES 4
/* Shared mode: a batch that lost a race (busy, deadlock) is tried again at once this often. */
#define QUICK_RETRIES 3

static volatile sig_atomic_t stop_requested, reopen_requested;

/* An ack to publish: gateway and seq. */
struct ack {
	char gw[READING_ID_MAX];
	int64_t seq;
};

struct acklist {
	struct ack *v;
	size_t n, cap;
};

struct ctx {
	struct central_conf *conf;
	struct store *store;
	char *client_id; /* the configured one, with "-<worker>" when --worker is given */
	int shared;      /* ingest_share is set: one of several workers */
	struct mosquitto *mosq;
	struct ingest *in;
	int connected;      /* CONNACK accepted and subscribed */
	int64_t started_ms; /* names this process's sessions */
	unsigned sessions;  /* broker sessions this process started (not resumed) */
	int64_t first_pending_ms;
	struct acklist sent; /* network thread: the last ack sent per gateway */

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t cond;
	int has_batch;       /* a batch was taken and is not committed yet */
	int busy;            /* the writer is inside ingest_commit */
	int db_failing;      /* the last commit failed: consumption stops until one succeeds */
	int quit;            /* the writer must leave */
	struct acklist todo; /* committed acks the network thread has to publish */

	struct alerts *alerts; /* writer thread only (docs/serve.md, "Alerts"); NULL: off */
	struct alertq *alertq; /* committed alert changes for the network thread */
	int alerts_resync;     /* a new connection: publish every retained alert again */
	int acks_resync;       /* shared: a new connection; queue every gateway's stored ack */
	struct istats *istats; /* writer thread: ingest's counters for /metrics */
};

/* ingest's hooks, called by ingest_commit in the writer after each commit */
static void on_stored(void *arg, const struct reading *r)
{
	struct ctx *c = arg;
	if (c->alerts)
		alerts_touch(c->alerts, r);
}
static void on_committed(void *arg, size_t messages, int64_t commit_us)
{
	istats_committed(((struct ctx *)arg)->istats, messages, commit_us);
}

/* Writes ingest's counters (writer thread, between batches). */
static void write_stats(struct ctx *c)
{
	struct ingest_stats st;
	ingest_stats(c->in, &st);
	if (istats_write(c->istats, c->store, &st, util_now_ms()) < 0)
		log_warn("ingest's counters not stored: %s", store_error(c->store));
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reopen_requested = 1;
	else
		stop_requested = 1;
}

/* Sets gw's entry of a list to seq (adding it); returns the entry. */
static void acklist_set(struct acklist *l, const char *gw, int64_t seq)
{
	size_t i;
	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].gw, gw) == 0) {
			l->v[i].seq = seq;
			return;
		}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	util_strlcpy(l->v[l->n].gw, gw, sizeof l->v[l->n].gw);
	l->v[l->n++].seq = seq;
}

/* Called by ingest_commit in the writer, after the commit: queue for the network thread. */
static void ack_committed(void *arg, const char *gw, int64_t seq)
{
	struct ctx *c = arg;
	pthread_mutex_lock(&c->lock);
	acklist_set(&c->todo, gw, seq);
	pthread_mutex_unlock(&c->lock);
}

/* Publishes pvmon/v1/<gw>/ack: retained, so a collector that reconnects sees it at once. */
static void publish_ack(struct ctx *c, const char *gw, int64_t seq)
{
	char topic[128], payload[64];
	int n, rc;
	snprintf(topic, sizeof topic, "pvmon/v1/%s/ack", gw);
	n = snprintf(payload, sizeof payload, "{\"v\":1,\"seq\":%" PRId64 "}", seq);
	rc = mosquitto_publish(c->mosq, NULL, topic, n, payload, 1, true);
	if (rc != MOSQ_ERR_SUCCESS)
		log_debug("ack for %s not sent now (%s): sent again on reconnect", gw,
		          mosquitto_strerror(rc));
}

static int load_sent(void *arg, const struct store_gateway *g)
{
	acklist_set(arg, g->gw, g->acked_seq);
	return 0;
}

/*
 * Publishes the retained pvmon/ingest/online with the id of the broker session
 * ingest is subscribed in. Readings published before that session's
 * subscriptions are gone (a broker restarted without persistence drops them):
 * a new id tells every collector to replay its unacknowledged spool at once.
 */
static void publish_online(struct ctx *c, int resumed)
{
	char payload[128];
	int n, rc;
	if (!resumed || c->sessions == 0)
		c->sessions++;
	n = snprintf(payload, sizeof payload,
	             "{\"v\":1,\"session\":\"%" PRId64 "-%u\",\"ts\":%" PRId64 "}", c->started_ms,
	             c->sessions, util_now_ms());
	rc = mosquitto_publish(c->mosq, NULL, TOPIC_ONLINE, n, payload, 1, true);
	if (rc != MOSQ_ERR_SUCCESS)
		log_warn("%s not published (%s): collectors resync only on their own timer",
		         TOPIC_ONLINE, mosquitto_strerror(rc));
}

/*
 * Subscribes to readings and gateway status. A worker of a share group takes
 * the readings through $share/<group>/..., so the broker hands each one to one
 * worker of the group; every worker takes every status (few, and storing one
 * twice changes nothing), also because a shared subscription gets no retained
 * messages.
 */
static int subscribe(struct ctx *c)
{
	char topic[128];
	if (!c->shared)
		return mosquitto_subscribe(c->mosq, NULL, TOPIC_READINGS, 1) == MOSQ_ERR_SUCCESS &&
		               mosquitto_subscribe(c->mosq, NULL, TOPIC_STATUS, 1) ==
		                   MOSQ_ERR_SUCCESS
		           ? 0
		           : -1;
	snprintf(topic, sizeof topic, "$share/%s/%s", c->conf->ingest_share, TOPIC_READINGS);
	return mosquitto_subscribe_v5(c->mosq, NULL, topic, 1, 0, NULL) == MOSQ_ERR_SUCCESS &&
	               mosquitto_subscribe_v5(c->mosq, NULL, TOPIC_STATUS, 1, 0, NULL) ==
	                   MOSQ_ERR_SUCCESS &&
	               mosquitto_subscribe_v5(c->mosq, NULL, TOPIC_ACKS, 1, 0, NULL) ==
	                   MOSQ_ERR_SUCCESS
	           ? 0
	           : -1;
}

static void on_connect(struct mosquitto *m, void *arg, int rc, int flags)
{
	struct ctx *c = arg;
	size_t i;
	if (rc != 0) {
		log_error("broker %s:%d refused the connection: %s", c->conf->broker.host,
		          c->conf->broker.port, mosquitto_connack_string(rc));
		return;
	}
	if (subscribe(c) < 0) {
		log_error("cannot subscribe: disconnecting to retry");
		mosquitto_disconnect(m);
		return;
	}
	c->connected = 1;
	mosquitto_log_callback_set(m, NULL);
	log_info("connected to %s:%d as \"%s\"", c->conf->broker.host, c->conf->broker.port,
	         c->client_id);
	/*
	 * Any ack published while away may be lost: send them all again. A worker
	 * of a share group sends what the database holds, not what it sent last:
	 * the others may have acknowledged more since.
	 */
	if (!c->shared)
		for (i = 0; i < c->sent.n; i++)
			publish_ack(c, c->sent.v[i].gw, c->sent.v[i].seq);
	/* after the subscriptions (the broker takes a client's packets in order) */
	publish_online(c, flags & 1);
	pthread_mutex_lock(&c->lock);
	c->alerts_resync = 1;
	c->acks_resync = c->shared;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void on_log(struct mosquitto *m, void *arg, int level, const char *msg);

static void on_disconnect(struct mosquitto *m, void *arg, int rc)
{
	struct ctx *c = arg;
	(void)m;
	if (c->connected && rc != 0)
		log_warn("lost the broker connection: %s", mosquitto_strerror(rc));
	c->connected = 0;
	mosquitto_log_callback_set(m, on_log);
}

/*
 * libmosquitto's own warnings (e.g. OpenSSL's reason for a refused certificate)
 * go to our log. Installed only until CONNACK: with a log callback set,
 * libmosquitto formats a debug line for every packet, a cost per reading.
 */
static void on_log(struct mosquitto *m, void *arg, int level, const char *msg)
{
	static struct log_rate rate;
	int suppressed = 0;
	(void)m;
	(void)arg;
	if (!(level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)))
		return;
	if (log_rate_allow(&rate, util_mono_ms(), 60000, 10, &suppressed))
		log_warn("mqtt: %s", msg);
}

/*
 * Shared mode: an ack on the broker, the retained one or another worker's. Two
 * workers publish from two connections, so the broker may take a gateway's
 * acks in another order than their commits and keep an older one retained.
 * A worker that sees an ack below the one it published itself (a committed
 * value, so the database holds at least that) publishes its own again: the
 * retained ack settles on the highest committed one. Returns 1 when topic was
 * an ack topic.
 */
static int ack_seen(struct ctx *c, const struct mosquitto_message *msg)
{
	const char *t = msg->topic, *end;
	char gw[READING_ID_MAX], payload[64], tail;
	int64_t seq;
	size_t i, n = strlen(t);

	if (n < 14 || strncmp(t, "pvmon/v1/", 9) != 0 || strcmp(t + n - 4, "/ack") != 0 ||
	    (end = strchr(t + 9, '/')) != t + n - 4 || (size_t)(end - (t + 9)) >= sizeof gw)
		return 0;
	memcpy(gw, t + 9, (size_t)(end - (t + 9)));
	gw[end - (t + 9)] = '\0';
	if (msg->payloadlen <= 0 || (size_t)msg->payloadlen >= sizeof payload)
		return 1;
	memcpy(payload, msg->payload, (size_t)msg->payloadlen);
	payload[msg->payloadlen] = '\0';
	if (sscanf(payload, "{\"v\":1,\"seq\":%" SCNd64 "%c", &seq, &tail) != 2 || tail != '}')
		return 1;
	for (i = 0; i < c->sent.n; i++)
		if (strcmp(c->sent.v[i].gw, gw) == 0) {
			if (c->sent.v[i].seq > seq)
				publish_ack(c, gw, c->sent.v[i].seq);
			break;
		}
	return 1;
}

static void on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct ctx *c = arg;
	(void)m;
	if (c->shared && ack_seen(c, msg))
		return;
	if (ingest_pending(c->in) == 0)
		c->first_pending_ms = util_mono_ms();
	ingest_message(c->in, msg->topic, msg->payload, (size_t)msg->payloadlen, util_now_ms());
}

/* Sets up the client: persistent session, callbacks, credentials, TLS. */
static int client_setup(struct ctx *c, char **cause)
{
	static const struct broker_callbacks cb = {
	    .on_connect = on_connect,
	    .on_disconnect = on_disconnect,
	    .on_message = on_message,
	    .on_log = on_log,
	};
	struct broker_conf *b = &c->conf->broker;
	char *password = NULL;
	const char *failed = NULL;
	int rc;

	/*
	 * One worker: a persistent session, so the broker queues readings while it
	 * is away. A worker of a share group starts clean (MQTT v5, session expiry
	 * 0): while it is away the broker gives its share to the others at once,
	 * and what it held uncommitted is replayed by the collectors, who see a new
	 * session on pvmon/ingest/online when it is back (docs/scale.md).
	 */
	c->mosq = mosquitto_new(c->client_id, c->shared, c);
	if (!c->mosq) {
		*cause = xasprintf("cannot create the MQTT client \"%s\"", c->client_id);
		return -1;
	}
	if (c->shared && mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION,
	                                      MQTT_PROTOCOL_V5) != MOSQ_ERR_SUCCESS) {
		*cause = xasprintf("%s: ingest_share: this libmosquitto cannot speak MQTT v5",
		                   c->conf->path);
		return -1;
	}
	/* PUBACKs leave at once: the broker's in-flight window is what paces delivery */
	mosquitto_int_option(c->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	if (b->password_file && broker_password_read(b->password_file, &password, cause) < 0)
		return -1;
	rc = broker_client_setup(c->mosq, b, password, &cb, &failed);
	free(password);
	if (rc == MOSQ_ERR_SUCCESS)
		return 0;
	if (strcmp(failed, "TLS") == 0)
		*cause = xasprintf("%s: broker TLS (ca \"%s\"): %s", c->conf->path, b->ca_file,
		                   mosquitto_strerror(rc));
	else
		*cause =
		    xasprintf("%s: broker %s: %s", c->conf->path, failed, mosquitto_strerror(rc));
	return -1;
}

/* Waits on the condition for at most ms (lock held). */
static void timed_wait(struct ctx *c, int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&c->cond, &c->lock, &ts);
}

/* store_gateway_each callback: queues a gateway's committed ack for the network thread. */
static int queue_stored_ack(void *arg, const struct store_gateway *g)
{
	ack_committed(arg, g->gw, g->acked_seq);
	return 0;
}

/* The writer thread: commits each batch handed over, retries a failed one, prunes hourly. */
static void *writer(void *arg)
{
	struct ctx *c = arg;
	struct log_rate rate = {0};
	int64_t next_prune = 0, retry_ms = 1000, next_alerts = 0, next_stats = 0;
	int quick = 0;
	char *cause = NULL;

	pthread_mutex_lock(&c->lock);
	while (!c->quit) {
		int64_t now = util_mono_ms();
		int rc;
		if (!c->has_batch) {
			if (c->acks_resync) {
				c->acks_resync = 0;
				pthread_mutex_unlock(&c->lock);
				if (store_gateway_each(c->store, queue_stored_ack, c) < 0)
					log_warn(
					    "acks not sent again after the reconnect: %s; each "
					    "goes out with its gateway's next batch",
					    store_error(c->store));
				pthread_mutex_lock(&c->lock);
				continue;
			}
			if (now >= next_prune) {
				int64_t n;
				pthread_mutex_unlock(&c->lock);
				n = ingest_prune(c->in, util_now_ms(), &cause);
				if (n < 0)
					log_warn("pruning old readings failed: %s", cause);
				else if (n > 0)
					log_info("pruned %" PRId64 " readings older than %d days",
					         n, c->conf->retention_days);
				free(cause);
				cause = NULL;
				pthread_mutex_lock(&c->lock);
				next_prune = now + PRUNE_EVERY_MS;
				continue;
			}
			if (c->alerts && now >= next_alerts) {
				/* between batches: the rules take their own transaction */
				if (c->alerts_resync)
					alerts_resync(c->alerts);
				c->alerts_resync = 0;
				pthread_mutex_unlock(&c->lock);
				const char *why = NULL;
				if (alerts_eval(c->alerts, util_now_ms(), &why) < 0)
					log_warn("%s; evaluated again in %d s", why,
					         c->conf->live.eval_s);
				pthread_mutex_lock(&c->lock);
				next_alerts = now + (int64_t)c->conf->live.eval_s * 1000;
				continue;
			}
			if (now >= next_stats) {
				pthread_mutex_unlock(&c->lock);
				write_stats(c);
				pthread_mutex_lock(&c->lock);
				next_stats = now + STATS_EVERY_MS;
				continue;
			}
			timed_wait(c, 1000);
			continue;
		}
		c->busy = 1;
		pthread_mutex_unlock(&c->lock);
		rc = ingest_commit(c->in, &cause);
		pthread_mutex_lock(&c->lock);
		c->busy = 0;
		if (rc == 0) {
			if (c->db_failing)
				log_info("database writable again: resuming");
			c->has_batch = 0;
			c->db_failing = 0;
			retry_ms = 1000;
			if (c->alerts) {
				/* the rules about data judge what the batch brought */
				const char *why = NULL;
				pthread_mutex_unlock(&c->lock);
				if (alerts_eval_data(c->alerts, util_now_ms(), &why) < 0)
					log_warn("%s; judged again on the timer", why);
				pthread_mutex_lock(&c->lock);
			}
			quick = 0;
		} else if (c->shared && ingest_failed_transient(c->in) && quick < QUICK_RETRIES) {
			/* another worker held what this batch needs: rolled back, try again */
			log_debug("%s; trying the batch again", cause);
			free(cause);
			cause = NULL;
			quick++;
			timed_wait(c, 10 + random() % 90);
		} else {
			int suppressed = 0;
			quick = 0;
			c->db_failing = 1;
			if (log_rate_allow(&rate, util_mono_ms(), 60000, 3, &suppressed))
				log_error("%s; the batch is kept in memory, not acknowledged; "
				          "retrying in %" PRId64 " s%s",
				          cause, retry_ms / 1000, suppressed ? " (repeated)" : "");
			free(cause);
			cause = NULL;
			pthread_cond_broadcast(&c->cond);
			timed_wait(c, retry_ms);
			retry_ms = retry_ms * 2 > DB_RETRY_MAX_MS ? DB_RETRY_MAX_MS : retry_ms * 2;
		}
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Publishes the acks the writer committed. */
static void publish_committed(struct ctx *c)
{
	struct acklist l;
	size_t i;
	pthread_mutex_lock(&c->lock);
	l = c->todo;
	c->todo.v = NULL;
	c->todo.n = c->todo.cap = 0;
	pthread_mutex_unlock(&c->lock);
	for (i = 0; i < l.n; i++) {
		acklist_set(&c->sent, l.v[i].gw, l.v[i].seq);
		if (c->connected)
			publish_ack(c, l.v[i].gw, l.v[i].seq);
	}
	free(l.v);
}

/* Publishes an alert retained on pvmon/v1/alerts/<id> (docs/mqtt.md); -1 keeps it queued. */
static int publish_alert(void *arg, const char *id, const char *json)
{
	struct ctx *c = arg;
	char topic[256];
	if (!c->connected)
		return -1;
	snprintf(topic, sizeof topic, "pvmon/v1/alerts/%s", id);
	return mosquitto_publish(c->mosq, NULL, topic, json ? (int)strlen(json) : 0, json, 1,
	                         true) == MOSQ_ERR_SUCCESS
	           ? 0
	           : -1;
}

/* One pass of libmosquitto's loop; on an error the connection is dropped for a reconnect. */
static void net_loop(struct ctx *c, struct backoff *backoff, int wait_ms, int64_t retry_ms)
{
	int was = c->connected;
	int r = mosquitto_loop(c->mosq, wait_ms, 1);

	if (!was && c->connected)
		backoff_ok(backoff);
	if (r == MOSQ_ERR_SUCCESS)
		return;
	/* before CONNACK: the TLS handshake or the broker refused us */
	if (!was && !c->connected)
		log_warn("cannot reach the broker %s:%d: %s; retrying in %" PRId64 " ms",
		         c->conf->broker.host, c->conf->broker.port, mosquitto_strerror(r),
		         retry_ms);
	c->connected = 0;
	if (mosquitto_socket(c->mosq) >= 0)
		mosquitto_disconnect(c->mosq);
}

/* Runs the network until stopped: hand batches over, publish acks, (re)connect, read. */
static void run(struct ctx *c)
{
	struct backoff backoff;
	int64_t next_connect = 0;
	size_t max_queue = (size_t)c->conf->batch_rows * QUEUE_BATCHES;
	int ever_connected = 0, consuming = 1;

	backoff_init(&backoff, BACKOFF_MIN_MS, BACKOFF_MAX_MS, 50, (uint32_t)random());

	while (!stop_requested) {
		int64_t now = util_mono_ms(), wait_ms = 100;
		size_t pending = ingest_pending(c->in);
		int failing, idle, r;

		if (reopen_requested) {
			reopen_requested = 0;
			log_reopen();
		}
		pthread_mutex_lock(&c->lock);
		idle = !c->has_batch && !c->busy;
		if (idle && pending > 0 &&
		    (ingest_full(c->in) || now - c->first_pending_ms >= c->conf->batch_ms)) {
			ingest_take(c->in);
			c->has_batch = 1;
			pthread_cond_broadcast(&c->cond);
			pending = 0;
		}
		failing = c->db_failing;
		if (!failing && pending >= max_queue && (c->has_batch || c->busy))
			timed_wait(
			    c, 100); /* the writer is behind: stop reading until it catches up */
		pthread_mutex_unlock(&c->lock);
		publish_committed(c);
		if (c->alertq)
			alertq_drain(c->alertq, publish_alert, c);

		if (failing) {
			/* off the broker: its session queue and the collectors' spools hold the
			 * flow */
			if (consuming) {
				log_warn(
				    "database failing: not consuming until the batch is stored");
				if (mosquitto_socket(c->mosq) >= 0)
					mosquitto_disconnect(c->mosq);
				consuming = 0;
			}
			if (mosquitto_socket(c->mosq) >= 0)
				mosquitto_loop(c->mosq, 10, 1);
			else
				util_sleep_ms(50);
			continue;
		}
		consuming = 1;
		if (pending >= max_queue) {
			/*
			 * The writer is behind: the queue grows no further than one bounded
			 * read, which libmosquitto sizes by the packets it has in flight, so
			 * the PUBACKs of our acks and the PINGRESPs still arrive.
			 */
			if (c->connected && mosquitto_socket(c->mosq) >= 0)
				net_loop(c, &backoff, 0, 0);
			continue;
		}
		if (mosquitto_socket(c->mosq) < 0) {
			if (now < next_connect) {
				util_sleep_ms(next_connect - now < wait_ms ? next_connect - now
				                                           : wait_ms);
				continue;
			}
			r = ever_connected ? mosquitto_reconnect(c->mosq)
			                   : mosquitto_connect(c->mosq, c->conf->broker.host,
			                                       c->conf->broker.port,
			                                       c->conf->broker.keepalive_s);
			/* a delay in [d/2, d], d doubling up to the cap, from every attempt */
			next_connect = now + backoff_fail(&backoff, now);
			if (r != MOSQ_ERR_SUCCESS) {
				log_warn("cannot reach the broker %s:%d: %s; retrying in %" PRId64
				         " ms",
				         c->conf->broker.host, c->conf->broker.port,
				         mosquitto_strerror(r), next_connect - now);
				continue;
			}
			ever_connected = 1;
		}
		if (pending > 0) {
			int64_t left = c->first_pending_ms + c->conf->batch_ms - now;
			wait_ms = left < 1 ? 1 : left < wait_ms ? left : wait_ms;
		}
		net_loop(c, &backoff, (int)wait_ms, next_connect > now ? next_connect - now : 0);
	}
}

static const char usage[] = "usage: pvmon-allocator ingest -c central.json [--worker ID]";

/* Reads -c FILE and --worker ID; -1 to go on, else the exit status (usage printed). */
static int args(int argc, char **argv, const char **conf_path, const char **worker)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"worker", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	*conf_path = *worker = NULL;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:w:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			*conf_path = optarg;
			break;
		case 'w':
			*worker = optarg;
			break;
		case 'h':
			printf("%s\n", usage);
			return 0;
		default:
			fprintf(stderr, "%s\n", usage);
			return 2;
		}
	}
	if (!*conf_path || optind < argc) {
		fprintf(stderr, "%s\n", usage);
		return 2;
	}
	if (*worker && !util_id_valid(*worker)) {
		fprintf(stderr,
		        "pvmon-allocator ingest: --worker: expected an id of 1-47 characters from "
		        "A-Z a-z 0-9 _ . -, got \"%.60s\"\n",
		        *worker);
		return 2;
	}
	return -1;
}

int cmd_ingest(int argc, char **argv)
{
	struct ctx c = {0};
	struct central ct = {0};
	struct fleet *fleet;
	struct store *s;
	struct ingest_conf ic = {0};
	struct sigaction sa;
	pthread_t wt;
	char *cause = NULL;
	const char *conf_path = NULL, *worker = NULL;
	int opt, rc = 1, started = 0;

	c.started_ms = util_now_ms();
	if ((opt = args(argc, argv, &conf_path, &worker)) >= 0)
		return opt;
	pthread_mutex_init(&c.lock, NULL);
	pthread_cond_init(&c.cond, NULL);
	mosquitto_lib_init();
	if (cmd_load_central(conf_path, 1, "pvmon-ingest", &ct, &cause) < 0)
		goto fail;
	c.conf = ct.conf;
	fleet = ct.fleet;
	s = ct.store;
	c.store = s;
	c.shared = c.conf->ingest_share != NULL;
	c.client_id =
	    worker ? xasprintf("%s-%s", c.conf->client_id, worker) : xstrdup(c.conf->client_id);
	ic.store = s;
	c.store = s;
	ic.device = ingest_fleet_device;
	ic.device_ctx = fleet;
	ic.ack = ack_committed;
	ic.ack_ctx = &c;
	ic.batch_rows = c.conf->batch_rows;
	ic.expected_interval_s = c.conf->expected_interval_s;
	ic.retention_days = c.conf->retention_days;
	ic.shared = c.shared;
	ic.stored = on_stored;
	ic.committed = on_committed;
	ic.hook_ctx = &c;
	/* one row per worker: two workers of a share group never overwrite each other's */
	c.istats = istats_new(c.client_id, c.started_ms);
	if (!(c.in = ingest_new(&ic, &cause)))
		goto fail;
	if (store_gateway_each(s, load_sent, &c.sent) < 0) {
		cause = xstrdup(store_error(s));
		goto fail;
	}
	if (client_setup(&c, &cause) < 0)
		goto fail;
	if (c.conf->live.alerts_enabled) {
		c.alertq = alertq_new();
		c.alerts = alerts_new(s, fleet, c.conf, alertq_publish_cb, c.alertq);
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)util_now_ms() ^ (unsigned)getpid());
	if (pthread_create(&wt, NULL, writer, &c) != 0) {
		cause = xstrdup("cannot start the writer thread");
		goto fail;
	}
	started = 1;
	if (c.shared)
		log_info("ingest started: database %s, %d stations in the fleet, a worker of the "
		         "share group \"%s\"",
		         c.conf->database, fleet->n_stations, c.conf->ingest_share);
	else
		log_info("ingest started: database %s, %d stations in the fleet", c.conf->database,
		         fleet->n_stations);

	run(&c);

	/* SIGTERM: let the writer finish, store what is queued, send the acks, leave */
	pthread_mutex_lock(&c.lock);
	c.quit = 1;
	pthread_cond_broadcast(&c.cond);
	pthread_mutex_unlock(&c.lock);
	pthread_join(wt, NULL);
	started = 0;
	log_info("stopping: storing %zu queued messages",
	         ingest_pending(c.in) + ingest_taken(c.in));
	if (ingest_flush(c.in, &cause) < 0)
		log_error("%s; %zu messages not stored: the collectors still hold them (unacked)",
		          cause, ingest_pending(c.in) + ingest_taken(c.in));
	write_stats(&c);
	publish_committed(&c);
	if (c.alertq)
		alertq_drain(c.alertq, publish_alert, &c);
	if (c.connected) {
		int64_t until = util_mono_ms() + 2000;
		while (mosquitto_want_write(c.mosq) && util_mono_ms() < until &&
		       mosquitto_loop(c.mosq, 50, 1) == MOSQ_ERR_SUCCESS)
			;
		mosquitto_disconnect(c.mosq);
		mosquitto_loop(c.mosq, 50, 1);
	}
	{
		struct ingest_stats st;
		ingest_stats(c.in, &st);
		log_info("stopped: %" PRId64 " readings stored, %" PRId64 " duplicates, %" PRId64
		         " rejected, %" PRId64 " batches, %" PRId64 " recomputations",
		         st.stored, st.duplicates, st.rejected, st.batches, st.recomputes);
	}
	rc = 0;
	goto done;
fail:
	fprintf(stderr, "pvmon-allocator ingest: %s\n", cause ? cause : "failed");
done:
	if (started) {
		pthread_mutex_lock(&c.lock);
		c.quit = 1;
		pthread_cond_broadcast(&c.cond);
		pthread_mutex_unlock(&c.lock);
		pthread_join(wt, NULL);
	}
	log_close();
	free(cause);
	if (c.mosq)
		mosquitto_destroy(c.mosq);
	mosquitto_lib_cleanup();
	alerts_free(c.alerts);
	alertq_free(c.alertq);
	istats_free(c.istats);
	ingest_free(c.in);
	cmd_central_release(&ct);
	free(c.sent.v);
	free(c.todo.v);
	free(c.client_id);
	pthread_mutex_destroy(&c.lock);
	pthread_cond_destroy(&c.cond);
	return rc;
}
