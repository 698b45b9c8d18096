/*
 * cmd_ingest: `pvmon-allocator ingest`, the MQTT side: a persistent session
 * subscribed to readings and gateway status, one thread driving libmosquitto
 * and the batches, acks published only after the batch's commit, reconnects
 * with capped backoff. It must never ack what is not durably stored.
 */
#include <getopt.h>
#include <inttypes.h>
#include <mosquitto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acks.h"
#include "caltime.h"
#include "cmd.h"
#include "config.h"
#include "ingest.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define TOPIC_READINGS "pvmon/v1/+/+/+/reading"
#define TOPIC_STATUS "pvmon/v1/+/status"
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000
#define PRUNE_EVERY_MS 3600000

static volatile sig_atomic_t stop_requested, reopen_requested;

struct ctx {
	struct central_conf *conf;
	struct mosquitto *mosq;
	struct ingest *in;
	int connected;    /* CONNACK accepted and subscribed */
	int want_connect; /* 0 while the database is failing: the broker keeps our queue */
	int64_t first_pending_ms;
	struct log_rate db_rate;
};

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reopen_requested = 1;
	else
		stop_requested = 1;
}

/* Capped exponential backoff with jitter: a random delay in [d/2, d]. */
static int64_t backoff_next(int64_t *d)
{
	int64_t cur = *d, wait = cur / 2 + (int64_t)(random() % (cur / 2 + 1));
	*d = cur * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : cur * 2;
	return wait;
}

/* Publishes pvmon/v1/<gw>/ack: retained, so a collector that reconnects sees it at once. */
static void publish_ack(void *arg, const char *gw, int64_t seq)
{
	struct ctx *c = arg;
	char topic[128], payload[64];
	int n, rc;
	snprintf(topic, sizeof topic, "pvmon/v1/%s/ack", gw);
	n = snprintf(payload, sizeof payload, "{\"v\":1,\"seq\":%" PRId64 "}", seq);
	rc = mosquitto_publish(c->mosq, NULL, topic, n, payload, 1, true);
	if (rc != MOSQ_ERR_SUCCESS)
		log_debug("ack for %s not sent now (%s): sent again on reconnect", gw,
		          mosquitto_strerror(rc));
}

static void on_connect(struct mosquitto *m, void *arg, int rc)
{
	struct ctx *c = arg;
	int mids[2];
	if (rc != 0) {
		log_error("broker %s:%d refused the connection: %s", c->conf->broker.host,
		          c->conf->broker.port, mosquitto_connack_string(rc));
		return;
	}
	if (mosquitto_subscribe(m, &mids[0], TOPIC_READINGS, 1) != MOSQ_ERR_SUCCESS ||
	    mosquitto_subscribe(m, &mids[1], TOPIC_STATUS, 1) != MOSQ_ERR_SUCCESS) {
		log_error("cannot subscribe: disconnecting to retry");
		mosquitto_disconnect(m);
		return;
	}
	c->connected = 1;
	log_info("connected to %s:%d as \"%s\"", c->conf->broker.host, c->conf->broker.port,
	         c->conf->client_id);
}

static void on_disconnect(struct mosquitto *m, void *arg, int rc)
{
	struct ctx *c = arg;
	(void)m;
	if (c->connected && rc != 0)
		log_warn("lost the broker connection: %s", mosquitto_strerror(rc));
	c->connected = 0;
}

static void on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct ctx *c = arg;
	(void)m;
	if (ingest_pending(c->in) == 0)
		c->first_pending_ms = util_mono_ms();
	ingest_message(c->in, msg->topic, msg->payload, (size_t)msg->payloadlen, util_now_ms());
}

/* Sets up the client: persistent session, credentials, TLS. */
static int client_setup(struct ctx *c, char **cause)
{
	struct broker_conf *b = &c->conf->broker;
	char *password = NULL;
	int rc;

	c->mosq = mosquitto_new(c->conf->client_id, false, c);
	if (!c->mosq) {
		*cause = xasprintf("cannot create the MQTT client \"%s\"", c->conf->client_id);
		return -1;
	}
	mosquitto_connect_callback_set(c->mosq, on_connect);
	mosquitto_disconnect_callback_set(c->mosq, on_disconnect);
	mosquitto_message_callback_set(c->mosq, on_message);
	if (b->password_file && broker_password_read(b->password_file, &password, cause) < 0)
		return -1;
	if (b->username || password) {
		rc = mosquitto_username_pw_set(c->mosq, b->username, password);
		free(password);
		if (rc != MOSQ_ERR_SUCCESS) {
			*cause = xasprintf("%s: broker credentials: %s", c->conf->path,
			                   mosquitto_strerror(rc));
			return -1;
		}
	}
	if (b->ca_file) {
		rc = mosquitto_tls_set(c->mosq, b->ca_file, NULL, b->cert_file, b->key_file, NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			*cause = xasprintf("%s: broker TLS (ca \"%s\"): %s", c->conf->path,
			                   b->ca_file, mosquitto_strerror(rc));
			return -1;
		}
	}
	return 0;
}

/* Republishes every gateway's ack, after a (re)connect: any sent while away may be lost. */
static int republish(void *arg, const struct store_gateway *g)
{
	publish_ack(arg, g->gw, g->acked_seq);
	return 0;
}

/* Stores the queue; on failure stops consuming so the broker and the collectors hold the rest. */
static int flush(struct ctx *c, struct store *s)
{
	const char *cause;
	int suppressed = 0;
	if (ingest_flush(c->in, &cause) == 0) {
		if (!c->want_connect)
			log_info("database writable again: resuming");
		c->want_connect = 1;
		return 0;
	}
	if (log_rate_allow(&c->db_rate, util_mono_ms(), 60000, 3, &suppressed))
		log_error("%s; %s; %zu messages kept in memory, not acknowledged%s", cause,
		          store_error_transient(s) ? "will retry" : "retrying anyway",
		          ingest_pending(c->in), suppressed ? " (repeated)" : "");
	if (c->want_connect && c->connected)
		mosquitto_disconnect(c->mosq);
	c->want_connect = 0;
	return -1;
}

static const char usage[] = "usage: pvmon-allocator ingest -c central.json";

int ingest_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct ctx c = {0};
	struct fleet *fleet = NULL;
	struct store *s = NULL;
	struct ingest_conf ic = {0};
	struct sigaction sa;
	char *cause = NULL;
	const char *conf_path = NULL, *err;
	int64_t backoff = BACKOFF_MIN_MS, next_connect = 0, next_prune = 0, db_backoff = 1000,
	        next_flush_try = 0;
	int opt, rc = 1, ever_connected = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 'h':
			printf("%s\n", usage);
			return 0;
		default:
			fprintf(stderr, "%s\n", usage);
			return 2;
		}
	}
	if (!conf_path || optind < argc) {
		fprintf(stderr, "%s\n", usage);
		return 2;
	}
	if (central_conf_load(conf_path, &c.conf, &cause) < 0)
		goto fail;
	log_open("pvmon-ingest", c.conf->log_target, (enum log_level)c.conf->log_level);
	if (caltime_set_zone(c.conf->timezone) < 0) {
		cause = xasprintf("%s: timezone: unknown zone \"%s\"", conf_path, c.conf->timezone);
		goto fail;
	}
	if (fleet_load(c.conf->fleet_path, &fleet, &cause) < 0)
		goto fail;
	if (!(s = store_open(c.conf->database, &cause)))
		goto fail;
	ic.store = s;
	ic.device = ingest_fleet_device;
	ic.device_ctx = fleet;
	ic.ack = publish_ack;
	ic.ack_ctx = &c;
	ic.batch_rows = c.conf->batch_rows;
	ic.expected_interval_s = c.conf->expected_interval_s;
	ic.retention_days = c.conf->retention_days;
	if (!(c.in = ingest_new(&ic, &cause)))
		goto fail;
	mosquitto_lib_init();
	if (client_setup(&c, &cause) < 0)
		goto fail;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)util_now_ms() ^ (unsigned)getpid());
	c.want_connect = 1;
	log_info("ingest started: database %s, %d stations in the fleet", c.conf->database,
	         fleet->n_stations);

	while (!stop_requested) {
		int64_t now = util_mono_ms(), wait_ms = 100;
		int sock = mosquitto_socket(c.mosq), r;
		if (reopen_requested) {
			reopen_requested = 0;
			log_reopen();
		}
		if (now >= next_prune) {
			int64_t n = ingest_prune(c.in, util_now_ms(), &err);
			if (n < 0)
				log_warn("pruning old readings failed: %s", err);
			else if (n > 0)
				log_info("pruned %" PRId64 " readings older than %d days", n,
				         c.conf->retention_days);
			next_prune = now + PRUNE_EVERY_MS;
		}
		/* the batch: full, old enough, or waiting to be retried after a database error */
		if (ingest_pending(c.in) > 0 && now >= next_flush_try &&
		    (ingest_full(c.in) || !c.want_connect ||
		     now - c.first_pending_ms >= c.conf->batch_ms)) {
			if (flush(&c, s) == 0) {
				db_backoff = 1000;
			} else {
				next_flush_try = now + db_backoff;
				db_backoff = db_backoff * 2 > 30000 ? 30000 : db_backoff * 2;
			}
			continue;
		}
		if (!c.want_connect) {
			/* the database is failing: off the broker until the queue is stored */
			if (sock >= 0)
				mosquitto_loop(c.mosq, 10, 1);
			else
				util_sleep_ms(
				    next_flush_try - now < 200
				        ? (next_flush_try > now ? next_flush_try - now : 1)
				        : 200);
			continue;
		}
		if (sock < 0) {
			if (now < next_connect) {
				util_sleep_ms(next_connect - now < wait_ms ? next_connect - now
				                                           : wait_ms);
				continue;
			}
			r = ever_connected ? mosquitto_reconnect(c.mosq)
			                   : mosquitto_connect(c.mosq, c.conf->broker.host,
			                                       c.conf->broker.port,
			                                       c.conf->broker.keepalive_s);
			next_connect = now + backoff_next(&backoff);
			if (r != MOSQ_ERR_SUCCESS) {
				log_warn("cannot reach the broker %s:%d: %s; retrying in %" PRId64
				         " ms",
				         c.conf->broker.host, c.conf->broker.port,
				         mosquitto_strerror(r), next_connect - now);
				continue;
			}
			ever_connected = 1;
		}
		if (ingest_pending(c.in) > 0) {
			int64_t left = c.first_pending_ms + c.conf->batch_ms - now;
			wait_ms = left < 1 ? 1 : left < wait_ms ? left : wait_ms;
		}
		{
			int was = c.connected;
			r = mosquitto_loop(c.mosq, (int)wait_ms, 1);
			if (!was && c.connected) {
				backoff = BACKOFF_MIN_MS;
				store_gateway_each(s, republish, &c);
			}
			if (r != MOSQ_ERR_SUCCESS) {
				c.connected = 0;
				if (mosquitto_socket(c.mosq) >= 0)
					mosquitto_disconnect(c.mosq);
			}
		}
	}

	/* SIGTERM: store what was received, send the acks, leave */
	log_info("stopping: storing %zu queued messages", ingest_pending(c.in));
	if (ingest_pending(c.in) > 0 && ingest_flush(c.in, &err) < 0)
		log_error("%s; %zu messages not stored: the collectors still hold them (unacked)",
		          err, ingest_pending(c.in));
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
		         " rejected",
		         st.stored, st.duplicates, st.rejected);
	}
	rc = 0;
	goto done;
fail:
	fprintf(stderr, "pvmon-allocator ingest: %s\n", cause ? cause : "failed");
	log_close();
done:
	free(cause);
	if (c.mosq)
		mosquitto_destroy(c.mosq);
	mosquitto_lib_cleanup();
	ingest_free(c.in);
	store_close(s);
	fleet_free(fleet);
	central_conf_free(c.conf);
	return rc;
}
