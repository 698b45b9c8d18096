/*
 * publish: moves readings from the spool to the broker, in seq order, and
 * deletes them only when ingest's ack covers them. It never holds readings
 * in memory beyond PUB_WINDOW in-flight messages: the spool is the queue.
 */
#include "publish.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <mosquitto.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoff.h"
#include "broker.h"
#include "log.h"
#include "util.h"

struct pub {
	struct publish_opts o;
	const struct collector_conf *c;
	struct mosquitto *m;
	int wake[2];
	char status_topic[128], ack_topic[128];
	int connected, lost;
	unsigned connections;
	struct backoff reconnect;
	struct log_rate conn_rate, ack_rate;
	/* forwarding */
	uint64_t cursor;     /* highest seq handed to the broker on this connection */
	int caught_up;       /* 0 while a backlog is being replayed (rate-limited) */
	int64_t inflight;    /* QoS 1 messages not yet acknowledged by the broker */
	double tokens;       /* replay budget: replay_per_s, at most a second's worth */
	int64_t tokens_ms;   /* when tokens were last refilled */
	int64_t live_tokens; /* replay budget: one per reading spooled during the replay */
	uint64_t live_hi;    /* the newest seq counted into live_tokens */
	int64_t replay_started_ms, replay_count;
	/* acks */
	uint64_t acked;
	uint64_t ack_applied;   /* the highest ack whose rows were deleted from the spool */
	int64_t ack_applied_ms; /* when the spool last deleted acknowledged rows */
	int64_t ack_moved_ms;   /* mono ms the ack last advanced (or we connected) */
	int64_t replay_wait_ms; /* how long a stalled ack is tolerated before replaying */
	int64_t last_replay_ms;
	char ingest_session[64]; /* the last session id ingest announced; "" until one */
	int64_t sent;
	char last_err[200]; /* libmosquitto's last error line: why a TLS handshake failed */
	char last_why[256]; /* why the last connection attempt failed ("" before any did) */
};

/* Stops forwarding and schedules the next connection attempt. */
static void schedule_reconnect(struct pub *p, const char *why)
{
	int64_t now = util_mono_ms(), d;
	int suppressed = 0;
	d = backoff_fail(&p->reconnect, now);
	util_strlcpy(p->last_why, why, sizeof p->last_why);
	if (log_rate_allow(&p->conn_rate, now, 300000, 3, &suppressed))
		log_warn("broker %s:%d: %s; retrying in %.1f s%s", p->c->broker.host,
		         p->c->broker.port, why, (double)d / 1000.0,
		         suppressed ? " (earlier attempts not logged)" : "");
}

/* Keeps libmosquitto's error lines: OpenSSL's reason ("certificate verify failed") is there. */
static void on_log(struct mosquitto *m, void *ctx, int level, const char *str)
{
	struct pub *p = ctx;
	(void)m;
	if (level == MOSQ_LOG_ERR)
		util_strlcpy(p->last_err, str, sizeof p->last_err);
}

/*
 * A loop call failed: libmosquitto closed the socket without calling
 * on_disconnect (a refused TLS handshake does this), so the connection is
 * marked lost here, with the reason, or it would never be retried.
 */
static void loop_failed(struct pub *p, int rc)
{
	char why[256];
	if (rc == MOSQ_ERR_SUCCESS || p->lost)
		return;
	p->lost = 1;
	if (p->last_err[0])
		snprintf(why, sizeof why, "%s: %s", mosquitto_strerror(rc), p->last_err);
	else
		snprintf(why, sizeof why, "%s",
		         rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
	schedule_reconnect(p, why);
}

/* Frees the client of a lost connection; everything unacked is resent from the spool. */
static void drop_client(struct pub *p)
{
	if (p->m) {
		mosquitto_destroy(p->m);
		p->m = NULL;
	}
	p->connected = 0;
	p->lost = 0;
	p->inflight = 0;
}

static void on_connect(struct mosquitto *m, void *ctx, int rc, int flags)
{
	struct pub *p = ctx;
	struct spool_stats st;
	(void)flags;
	if (rc != 0) {
		p->lost = 1;
		schedule_reconnect(p, mosquitto_connack_string(rc));
		return;
	}
	p->connected = 1;
	p->connections++;
	backoff_ok(&p->reconnect);
	/*
	 * With a log callback set, libmosquitto formats a debug line for every
	 * packet (a third of the publisher's instructions); the callback is only
	 * there to say why a connection (a TLS handshake) failed, and the next
	 * attempt gets a fresh client with it set again.
	 */
	mosquitto_log_callback_set(m, NULL);
	mosquitto_subscribe(m, NULL, p->ack_topic, 1);
	/* before any replay below leaves: an ingest session announced later is a live message */
	mosquitto_subscribe(m, NULL, PUB_INGEST_TOPIC, 1);
	spool_stats(p->o.spool, &st);
	/* resend everything not acknowledged by ingest: the broker may have lost it */
	p->cursor = st.min_seq - 1;
	p->caught_up = st.rows == 0;
	p->replay_started_ms = util_mono_ms();
	p->replay_count = st.rows;
	p->ack_moved_ms = util_mono_ms();
	p->tokens = 0;
	p->tokens_ms = util_mono_ms();
	p->live_tokens = 0;
	p->live_hi = st.next_seq - 1;
	log_info("connected to broker %s:%d as \"%s\"; %" PRId64 " readings to replay",
	         p->c->broker.host, p->c->broker.port, p->c->gateway, st.rows);
}

static void on_disconnect(struct mosquitto *m, void *ctx, int rc)
{
	struct pub *p = ctx;
	(void)m;
	if (!p->lost && p->m) {
		p->lost = 1;
		if (p->connected || rc != 0)
			schedule_reconnect(p, rc == 0        ? "disconnected"
			                      : p->connected ? "connection lost"
			                                     : "the broker did not answer the MQTT "
			                                       "handshake (no CONNACK)");
	}
	p->connected = 0;
}

static void on_publish(struct mosquitto *m, void *ctx, int mid)
{
	struct pub *p = ctx;
	(void)m;
	(void)mid;
	if (p->inflight > 0)
		p->inflight--;
}

/* Sends every unacknowledged reading again, from the oldest, at replay_per_s above the live rate.
 */
static void start_replay(struct pub *p, const struct spool_stats *st, int64_t now)
{
	p->cursor = st->min_seq - 1;
	p->caught_up = 0;
	p->replay_started_ms = now;
	p->replay_count = (int64_t)(st->next_seq - st->min_seq);
	p->last_replay_ms = now;
	p->tokens = 0;
	p->tokens_ms = now;
	p->live_tokens = 0;
	p->live_hi = st->next_seq - 1;
}

/*
 * Takes ingest's {"v":1,"session":"..."}. A new session while we are connected
 * means ingest subscribed afresh: what we sent before may never have reached
 * it (a broker restarted without persistence), so replay at once instead of
 * waiting for the stall timer. The retained copy that arrives with our own
 * subscription needs nothing: our connect replay follows that subscription.
 */
static void on_ingest_online(struct pub *p, const struct mosquitto_message *msg)
{
	cJSON *o = cJSON_ParseWithLength(msg->payload, (size_t)msg->payloadlen);
	const cJSON *sess = o ? cJSON_GetObjectItemCaseSensitive(o, "session") : NULL;
	struct spool_stats st;
	int64_t now = util_mono_ms();
	int suppressed, changed;

	if (!cJSON_IsString(sess) || !sess->valuestring[0] ||
	    strlen(sess->valuestring) >= sizeof p->ingest_session) {
		if (log_rate_allow(&p->ack_rate, now, 600000, 1, &suppressed))
			log_warn("%s: expected {\"v\":1,\"session\":\"...\"}, got \"%.60s\"",
			         PUB_INGEST_TOPIC, (const char *)msg->payload);
		cJSON_Delete(o);
		return;
	}
	changed = strcmp(p->ingest_session, sess->valuestring) != 0;
	util_strlcpy(p->ingest_session, sess->valuestring, sizeof p->ingest_session);
	cJSON_Delete(o);
	if (!changed || msg->retain)
		return;
	spool_stats(p->o.spool, &st);
	if (st.rows == 0)
		return;
	log_info("ingest subscribed afresh (session %s): replaying %" PRId64
	         " unacked readings from seq %" PRIu64,
	         p->ingest_session, st.rows, st.min_seq);
	start_replay(p, &st, now);
	p->ack_moved_ms = now; /* the stall timer starts over too */
	p->replay_wait_ms = PUB_REPLAY_AFTER_MS;
}

/*
 * Deletes what ingest has acknowledged. Each delete is a transaction that
 * waits for the disk, and ingest acks every 50 ms: batching them to one a
 * second costs nothing in safety (an acknowledged row still in the spool is
 * at worst sent again, and ingest drops it by seq) and saves most of the
 * spool's fsyncs.
 */
static void apply_ack(struct pub *p, int64_t now)
{
	if (p->acked <= p->ack_applied)
		return;
	if (spool_ack(p->o.spool, p->acked) >= 0)
		p->ack_applied = p->acked;
	p->ack_applied_ms = now;
}

/* Applies ingest's ack: {"v":1,"seq":N}. */
static void on_message(struct mosquitto *m, void *ctx, const struct mosquitto_message *msg)
{
	struct pub *p = ctx;
	cJSON *o = NULL;
	const cJSON *seq;
	struct spool_stats st;
	uint64_t ack;
	int suppressed;
	(void)m;

	if (strcmp(msg->topic, PUB_INGEST_TOPIC) == 0) {
		on_ingest_online(p, msg);
		return;
	}
	if (strcmp(msg->topic, p->ack_topic) != 0)
		return;
	o = cJSON_ParseWithLength(msg->payload, (size_t)msg->payloadlen);
	seq = o ? cJSON_GetObjectItemCaseSensitive(o, "seq") : NULL;
	if (!cJSON_IsNumber(seq) || seq->valuedouble < 0 || seq->valuedouble > 9007199254740991.0 ||
	    seq->valuedouble != (double)(uint64_t)seq->valuedouble) {
		if (log_rate_allow(&p->ack_rate, util_mono_ms(), 600000, 1, &suppressed))
			log_warn("%s: expected {\"v\":1,\"seq\":N}, got \"%.60s\"", p->ack_topic,
			         (const char *)msg->payload);
		cJSON_Delete(o);
		return;
	}
	ack = (uint64_t)seq->valuedouble;
	cJSON_Delete(o);
	spool_stats(p->o.spool, &st);
	if (ack >= st.next_seq) {
		/* ingest holds seqs we never gave out: this spool is not the one it knew */
		log_error("%s: ack %" PRIu64 " is beyond the last seq this gateway gave (%" PRIu64
		          "): was the spool replaced? numbering continues after it",
		          p->ack_topic, ack, st.next_seq - 1);
		spool_advance(p->o.spool, ack);
		return;
	}
	if (ack > p->acked || p->acked == 0) {
		p->ack_moved_ms = util_mono_ms();
		p->replay_wait_ms = PUB_REPLAY_AFTER_MS;
	}
	if (ack > p->acked)
		p->acked = ack;
	/* the rows it covers leave the spool within PUB_ACK_APPLY_MS (pub_step) */
	spool_note_ack(p->o.spool, ack);
}

struct pub *publish_new(const struct publish_opts *o, char **cause)
{
	struct pub *p = xcalloc(1, sizeof *p);
	p->o = *o;
	p->c = o->conf;
	p->wake[0] = p->wake[1] = -1;
	if (pipe2(p->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		*cause = xasprintf("cannot create a pipe: %s", strerror(errno));
		free(p);
		return NULL;
	}
	snprintf(p->status_topic, sizeof p->status_topic, "pvmon/v1/%s/status", p->c->gateway);
	snprintf(p->ack_topic, sizeof p->ack_topic, "pvmon/v1/%s/ack", p->c->gateway);
	backoff_init(&p->reconnect, 1000, PUB_RECONNECT_MAX_MS, 50,
	             (uint32_t)getpid() ^ (uint32_t)util_now_ms());
	p->replay_wait_ms = PUB_REPLAY_AFTER_MS;
	p->caught_up = 1;
	return p;
}

void publish_free(struct pub *p)
{
	if (!p)
		return;
	apply_ack(p, util_mono_ms());
	drop_client(p);
	if (p->wake[0] >= 0)
		close(p->wake[0]);
	if (p->wake[1] >= 0)
		close(p->wake[1]);
	free(p);
}

void publish_wake(struct pub *p)
{
	char c = 1;
	ssize_t rc = write(p->wake[1], &c, 1); /* a full pipe already means "wake up" */
	(void)rc;
}

/* Creates a fresh client and starts connecting. */
static void try_connect(struct pub *p)
{
	static const struct broker_callbacks callbacks = {
	    .on_connect = on_connect,
	    .on_disconnect = on_disconnect,
	    .on_publish = on_publish,
	    .on_message = on_message,
	    .on_log = on_log,
	};
	const struct broker_conf *b = &p->c->broker;
	const char *failed = NULL;
	int rc;

	p->m = mosquitto_new(p->c->gateway, true, p);
	if (!p->m) {
		schedule_reconnect(p, "cannot create an MQTT client");
		return;
	}
	mosquitto_int_option(p->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_int_option(p->m, MOSQ_OPT_SEND_MAXIMUM, 100);
	p->last_err[0] = '\0';
	if (p->o.will)
		mosquitto_will_set(p->m, p->status_topic, (int)strlen(p->o.will), p->o.will, 1,
		                   true);
	rc = broker_client_setup(p->m, b, p->o.password, &callbacks, &failed);
	if (rc != MOSQ_ERR_SUCCESS) {
		drop_client(p);
		schedule_reconnect(p, mosquitto_strerror(rc));
		return;
	}
	rc = mosquitto_connect(p->m, b->host, b->port, b->keepalive_s > 0 ? b->keepalive_s : 30);
	if (rc != MOSQ_ERR_SUCCESS) {
		loop_failed(p, rc);
		drop_client(p);
	}
}

/* Publishes one spooled reading; stops spool_each when the client refuses. */
static int send_row(void *ctx, uint64_t seq, const char *topic, const char *payload, size_t len)
{
	struct pub *p = ctx;
	int rc = mosquitto_publish(p->m, NULL, topic, (int)len, payload, 1, false);
	if (rc != MOSQ_ERR_SUCCESS) {
		if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST)
			p->lost = 1;
		return 1;
	}
	p->cursor = seq;
	p->inflight++;
	p->sent++;
	return 0;
}

/* Starts a replay from the oldest unacked reading when ingest seems to have missed some. */
static void maybe_replay(struct pub *p, const struct spool_stats *st, int64_t now)
{
	if (!p->caught_up || st->rows == 0 || st->min_seq > p->cursor)
		return;
	if (now - p->ack_moved_ms < p->replay_wait_ms ||
	    now - p->last_replay_ms < p->replay_wait_ms)
		return;
	log_info("no ack for %" PRId64 " s with %" PRId64
	         " readings unacked: replaying from seq %" PRIu64,
	         (now - p->ack_moved_ms) / 1000, st->rows, st->min_seq);
	start_replay(p, st, now);
	if (p->replay_wait_ms < 3600000)
		p->replay_wait_ms *=
		    2; /* if ingest is down, do not resend its backlog every minute */
}

/*
 * Hands spooled readings to the broker: all new ones at once, a backlog in
 * seq order at replay_per_s on top of the live rate. Every reading spooled
 * during a replay adds one to the budget, so the backlog shrinks by
 * replay_per_s a second however many devices there are; a budget of
 * replay_per_s alone would never catch up once the devices produce that much.
 */
static void forward(struct pub *p)
{
	struct spool_stats st;
	int64_t now = util_mono_ms();
	uint64_t hi;

	if (!p->connected || p->lost)
		return;
	spool_stats(p->o.spool, &st);
	hi = st.next_seq - 1;
	maybe_replay(p, &st, now);
	if (!p->caught_up) {
		double rate = p->c->replay_per_s > 0 ? p->c->replay_per_s : 500;
		p->tokens += rate * (double)(now - p->tokens_ms) / 1000.0;
		if (p->tokens > rate)
			p->tokens = rate;
		p->tokens_ms = now;
		if (hi > p->live_hi)
			p->live_tokens += (int64_t)(hi - p->live_hi);
	}
	p->live_hi = hi;
	while (p->cursor < hi && p->inflight < PUB_WINDOW && !p->lost) {
		int64_t budget = PUB_WINDOW - p->inflight;
		int n;
		if (!p->caught_up) {
			int64_t have = p->live_tokens + (int64_t)p->tokens;
			if (have < 1)
				break;
			if (budget > have)
				budget = have;
		}
		if (budget > 256)
			budget = 256;
		n = spool_each(p->o.spool, p->cursor, (int)budget, send_row, p);
		if (n < 0)
			break;
		if (n == 0) {
			p->cursor = hi; /* acked or dropped meanwhile */
			break;
		}
		if (!p->caught_up) {
			int64_t live = n < p->live_tokens ? n : p->live_tokens;
			p->live_tokens -= live;
			p->tokens -= (double)(n - live);
		}
	}
	if (!p->caught_up && p->cursor >= hi) {
		p->caught_up = 1;
		if (p->replay_count > 0)
			log_info("replay done: %" PRId64 " readings in %.1f s", p->replay_count,
			         (double)(now - p->replay_started_ms) / 1000.0);
	}
}

void publish_step(struct pub *p, int timeout_ms)
{
	struct pollfd fds[2];
	int nfds = 1, sock = -1;
	int64_t now = util_mono_ms();

	if (!p->m && backoff_due(&p->reconnect, now))
		try_connect(p);
	fds[0].fd = p->wake[0];
	fds[0].events = POLLIN;
	fds[0].revents = 0;
	if (p->m && (sock = mosquitto_socket(p->m)) >= 0) {
		fds[1].fd = sock;
		fds[1].events = POLLIN | (mosquitto_want_write(p->m) ? POLLOUT : 0);
		fds[1].revents = 0;
		nfds = 2;
	}
	if (!p->m) {
		int64_t wait = p->reconnect.next_ms - now;
		if (wait < timeout_ms)
			timeout_ms = wait < 0 ? 0 : (int)wait;
	}
	if (!p->caught_up && p->connected && timeout_ms > 10)
		timeout_ms = 10; /* replaying: come back for the next tokens */
	if (poll(fds, (nfds_t)nfds, timeout_ms) > 0 && (fds[0].revents & POLLIN)) {
		char buf[64];
		while (read(p->wake[0], buf, sizeof buf) > 0)
			;
	}
	if (p->m && nfds == 2) {
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
			loop_failed(p, mosquitto_loop_read(p->m, 1000));
		if (p->m && !p->lost && mosquitto_want_write(p->m))
			loop_failed(p, mosquitto_loop_write(p->m, 1000));
	}
	if (p->m && !p->lost)
		loop_failed(p, mosquitto_loop_misc(p->m));
	if (p->acked > p->ack_applied && util_mono_ms() - p->ack_applied_ms >= PUB_ACK_APPLY_MS)
		apply_ack(p, util_mono_ms());
	if (p->m && !p->lost)
		forward(p);
	if (p->m && !p->lost && mosquitto_want_write(p->m))
		loop_failed(p, mosquitto_loop_write(p->m, 1000));
	if (p->m && p->lost)
		drop_client(p);
}

int publish_connected(const struct pub *p)
{
	return p->connected && !p->lost;
}

int publish_connecting(const struct pub *p)
{
	return p->m && !p->connected && !p->lost;
}

const char *publish_last_error(const struct pub *p)
{
	return p->last_why;
}

unsigned publish_connections(const struct pub *p)
{
	return p->connections;
}

int publish_idle(const struct pub *p)
{
	struct spool_stats st;
	if (!publish_connected(p) || !p->caught_up || p->inflight > 0)
		return 0;
	spool_stats(p->o.spool, &st);
	return p->cursor >= st.next_seq - 1;
}

uint64_t publish_acked(const struct pub *p)
{
	return p->acked;
}

int64_t publish_sent(const struct pub *p)
{
	return p->sent;
}

int publish_send(struct pub *p, const char *topic, const char *payload, int qos, int retain)
{
	int rc;
	if (!publish_connected(p))
		return -1;
	/* on_publish fires for QoS 0 too, once it is written, and libmosquitto may write (and
	 * call it) before mosquitto_publish returns: count the message before handing it over */
	p->inflight++;
	rc = mosquitto_publish(p->m, NULL, topic, (int)strlen(payload), payload, qos, retain);
	if (rc != MOSQ_ERR_SUCCESS) {
		p->inflight--;
		return -1;
	}
	return 0;
}

void publish_disconnect(struct pub *p)
{
	apply_ack(p, util_mono_ms());
	if (p->m && p->connected) {
		p->lost = 1; /* on_disconnect: expected, nothing to log */
		mosquitto_disconnect(p->m);
		mosquitto_loop_write(p->m, 10);
	}
	drop_client(p);
}
