/*
 * pubreadings: publishes valid readings at QoS 1 like a collector would, for
 * ingest tests and benchmarks. With --ack it also behaves like the collector's
 * spool: it waits for pvmon/v1/<gw>/ack and re-sends every unacked reading
 * after --replay-ms, until all are acknowledged. Loopback brokers only.
 *
 *   pubreadings -p PORT -g GW -n N [-s FIRST_SEQ] [-G GATEWAYS] [-d st:dev:kind,...]
 *               [--ts MS] [--step-ms MS] [--ack] [--replay-ms MS] [--timeout-s S]
 *               [--status MIN_SEQ] [--bad CORPUS_FILE] [--rate PER_S] [--duration-s S]
 * --duration-s publishes for S seconds instead of -n readings per gateway, then
 * prints the number published (benchmarks).
 * -G N publishes from N gateways GW0001..GWnnnn in turn, each for its own
 * stations STATION0001..STATIONnnnn (benchmarks).
 * --status sends a retained status with spool_min_seq before the readings.
 * The first reading's time is --ts, else $PVMON_TS0_MS, else an hour ago; a
 * reading's time follows from its seq, so a seq published again is the same
 * reading (a redelivery, which ingest ignores by its key).
 */
#include <getopt.h>
#include <inttypes.h>
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reading.h"
#include "util.h"

struct dev {
	char station[READING_ID_MAX], device[READING_ID_MAX];
	enum reading_kind kind;
};

struct gwst {
	char id[READING_ID_MAX];
	int64_t acked;
};

static struct dev devs[64];
static int n_devs;
static struct gwst *gws;
static int n_gws = 1;
static int64_t first_seq = 1, count = 10, ts0, step_ms = 10000;
#define WINDOW 1000

static volatile int connected;
static int64_t n_published, n_puback;

static void on_connect(struct mosquitto *m, void *arg, int rc)
{
	(void)m;
	(void)arg;
	connected = rc == 0 ? 1 : -1;
}

static void on_publish(struct mosquitto *m, void *arg, int mid)
{
	(void)m;
	(void)arg;
	(void)mid;
	n_puback++;
}

static void on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	int i;
	const char *p;
	(void)m;
	(void)arg;
	for (i = 0; i < n_gws; i++) {
		char topic[128];
		snprintf(topic, sizeof topic, "pvmon/v1/%s/ack", gws[i].id);
		if (strcmp(topic, msg->topic) != 0 || !msg->payloadlen)
			continue;
		p = strstr((const char *)msg->payload, "\"seq\":");
		if (p) {
			int64_t s = strtoll(p + 6, NULL, 10);
			if (s > gws[i].acked)
				gws[i].acked = s;
		}
	}
}

/* Builds the reading with seq for gateway g (devices in turn, counters rising). */
static void make(int g, int64_t seq, struct reading *r)
{
	const struct dev *d = &devs[(seq - 1) % n_devs];
	int64_t k = (seq - 1) / n_devs;
	memset(r, 0, sizeof *r);
	r->seq = (uint64_t)seq;
	r->ts_ms = ts0 + (seq - 1) * step_ms / n_devs;
	util_strlcpy(r->gw, gws[g].id, sizeof r->gw);
	if (n_gws > 1) /* one station per gateway, as in a county */
		snprintf(r->station, sizeof r->station, "%s%04d", d->station, g + 1);
	else
		util_strlcpy(r->station, d->station, sizeof r->station);
	util_strlcpy(r->device, d->device, sizeof r->device);
	r->kind = d->kind;
	r->state = STATE_PRODUCING;
	r->has = READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_TEMP;
	r->ac_power_w = 20000 + (seq % 1000);
	r->energy_wh = 1000000 + k * 50;
	r->temp_c = 41.5;
	util_strlcpy(r->map, "huawei-sun2000@1", sizeof r->map);
}

/* Publishes one reading; loops the client when its queue is full. */
static int publish(struct mosquitto *m, int g, int64_t seq)
{
	struct reading r;
	char topic[256], payload[1024];
	int n, rc;
	/* as fast as the broker takes them: at most WINDOW unacknowledged, so memory stays flat */
	while (n_published - n_puback >= WINDOW)
		if (mosquitto_loop(m, 10, 1) != MOSQ_ERR_SUCCESS) {
			/* connection lost: what was in flight is resent by the replay, if asked */
			util_sleep_ms(100);
			mosquitto_reconnect(m);
			n_puback = n_published;
		}
	make(g, seq, &r);
	reading_topic(&r, topic, sizeof topic);
	n = reading_to_json(&r, payload, sizeof payload);
	rc = mosquitto_publish(m, NULL, topic, n, payload, 1, false);
	if (rc != MOSQ_ERR_SUCCESS)
		return -1;
	n_published++;
	return 0;
}

static int parse_devs(const char *s)
{
	char buf[1024], *tok, *save = NULL;
	util_strlcpy(buf, s, sizeof buf);
	for (tok = strtok_r(buf, ",", &save); tok && n_devs < 64;
	     tok = strtok_r(NULL, ",", &save)) {
		char *a = strchr(tok, ':'), *b;
		if (!a || !(b = strchr(a + 1, ':')))
			return -1;
		*a = *b = '\0';
		util_strlcpy(devs[n_devs].station, tok, READING_ID_MAX);
		util_strlcpy(devs[n_devs].device, a + 1, READING_ID_MAX);
		devs[n_devs].kind = strcmp(b + 1, "meter") == 0 ? READING_METER : READING_INVERTER;
		n_devs++;
	}
	return n_devs ? 0 : -1;
}

/* Runs the network until the broker has acknowledged every publish (or ms pass). */
static void drain(struct mosquitto *m, int64_t ms)
{
	int64_t until = util_mono_ms() + ms;
	while (util_mono_ms() < until && (n_puback < n_published || mosquitto_want_write(m)))
		mosquitto_loop(m, 10, 1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ts", required_argument, NULL, 't'},
	    {"step-ms", required_argument, NULL, 'S'},
	    {"ack", no_argument, NULL, 'a'},
	    {"replay-ms", required_argument, NULL, 'r'},
	    {"timeout-s", required_argument, NULL, 'T'},
	    {"status", required_argument, NULL, 'm'},
	    {"bad", required_argument, NULL, 'b'},
	    {"rate", required_argument, NULL, 'R'},
	    {"duration-s", required_argument, NULL, 'D'},
	    {NULL, 0, NULL, 0},
	};
	struct mosquitto *m;
	const char *gw = "gw1", *bad = NULL;
	int port = 1883, opt, want_ack = 0, i, g;
	int64_t replay_ms = 2000, timeout_s = 60, status_min = -1, seq, start, last_sent, rate = 0,
	        duration_s = 0;

	/* the same seq is the same reading in every run of a script (tests/it/lib.sh sets it) */
	ts0 = getenv("PVMON_TS0_MS") ? strtoll(getenv("PVMON_TS0_MS"), NULL, 10) : 0;
	if (ts0 <= 0)
		ts0 = util_now_ms() - 3600000;
	parse_devs("st1:inv1:inverter");
	n_devs = 0;
	while ((opt = getopt_long(argc, argv, "p:g:n:s:G:d:", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'g':
			gw = optarg;
			break;
		case 'n':
			count = strtoll(optarg, NULL, 10);
			break;
		case 's':
			first_seq = strtoll(optarg, NULL, 10);
			break;
		case 'G':
			n_gws = atoi(optarg);
			break;
		case 'd':
			if (parse_devs(optarg) < 0) {
				fprintf(stderr, "pubreadings: -d st:dev:kind,...\n");
				return 2;
			}
			break;
		case 't':
			ts0 = strtoll(optarg, NULL, 10);
			break;
		case 'S':
			step_ms = strtoll(optarg, NULL, 10);
			break;
		case 'a':
			want_ack = 1;
			break;
		case 'r':
			replay_ms = strtoll(optarg, NULL, 10);
			break;
		case 'T':
			timeout_s = strtoll(optarg, NULL, 10);
			break;
		case 'm':
			status_min = strtoll(optarg, NULL, 10);
			break;
		case 'b':
			bad = optarg;
			break;
		case 'R':
			rate = strtoll(optarg, NULL, 10);
			break;
		case 'D':
			duration_s = strtoll(optarg, NULL, 10);
			count = INT64_MAX / 4;
			break;
		default:
			return 2;
		}
	}
	if (!n_devs)
		parse_devs("st1:inv1:inverter");
	gws = xcalloc((size_t)n_gws, sizeof *gws);
	for (g = 0; g < n_gws; g++) {
		if (n_gws == 1)
			util_strlcpy(gws[g].id, gw, READING_ID_MAX);
		else
			snprintf(gws[g].id, READING_ID_MAX, "%s%04d", gw, g + 1);
		gws[g].acked = first_seq - 1;
	}
	mosquitto_lib_init();
	m = mosquitto_new(NULL, true, NULL);
	mosquitto_connect_callback_set(m, on_connect);
	mosquitto_message_callback_set(m, on_message);
	mosquitto_publish_callback_set(m, on_publish);
	mosquitto_max_inflight_messages_set(m, 1000);
	if (mosquitto_connect(m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "pubreadings: cannot connect to 127.0.0.1:%d\n", port);
		return 1;
	}
	while (!connected)
		mosquitto_loop(m, 100, 1);
	if (connected < 0)
		return 1;
	if (want_ack) {
		for (g = 0; g < n_gws; g++) {
			char topic[128];
			snprintf(topic, sizeof topic, "pvmon/v1/%s/ack", gws[g].id);
			mosquitto_subscribe(m, NULL, topic, 1);
		}
	}
	if (status_min >= 0) {
		char topic[128], payload[256];
		int n;
		snprintf(topic, sizeof topic, "pvmon/v1/%s/status", gws[0].id);
		n = snprintf(payload, sizeof payload,
		             "{\"v\":1,\"state\":\"online\",\"version\":\"test\",\"backlog\":0,"
		             "\"dropped\":0,\"spool_min_seq\":%" PRId64 "}",
		             status_min);
		if (mosquitto_publish(m, NULL, topic, n, payload, 1, true) == MOSQ_ERR_SUCCESS)
			n_published++;
	}
	if (bad) {
		/* corpus lines: TOPIC<TAB>PAYLOAD, published as they are */
		FILE *f = fopen(bad, "r");
		char line[8192];
		if (!f) {
			fprintf(stderr, "pubreadings: cannot open %s\n", bad);
			return 1;
		}
		while (fgets(line, sizeof line, f)) {
			char *tab = strchr(line, '\t');
			size_t n;
			if (!tab || line[0] == '#')
				continue;
			*tab = '\0';
			n = strlen(tab + 1);
			if (n && tab[n] == '\n')
				tab[n--] = '\0';
			if (mosquitto_publish(m, NULL, line, (int)n, tab + 1, 1, false) ==
			    MOSQ_ERR_SUCCESS)
				n_published++;
			mosquitto_loop(m, 0, 1);
		}
		fclose(f);
	}
	start = util_mono_ms();
	for (seq = first_seq; seq < first_seq + count; seq++) {
		for (g = 0; g < n_gws; g++) {
			while (publish(m, g, seq) < 0)
				mosquitto_loop(m, 10, 1);
		}
		if (mosquitto_loop(m, 0, 1) != MOSQ_ERR_SUCCESS) {
			mosquitto_reconnect(m);
		}
		if (duration_s > 0 && util_mono_ms() - start >= duration_s * 1000) {
			count = seq - first_seq + 1;
			break;
		}
		/* paced: hold back until this reading's slot */
		while (rate > 0 &&
		       (seq - first_seq + 1) * n_gws * 1000 / rate > util_mono_ms() - start)
			mosquitto_loop(m, 5, 1);
	}
	drain(m, 60000);
	last_sent = util_mono_ms();
	if (!want_ack) {
		double secs = (double)(util_mono_ms() - start) / 1000.0;
		fprintf(stderr, "pubreadings: published %" PRId64 " readings in %.2f s\n",
		        count * n_gws, secs);
		if (duration_s > 0)
			printf("%" PRId64 "\n", count * n_gws);
		mosquitto_disconnect(m);
		mosquitto_destroy(m);
		mosquitto_lib_cleanup();
		free(gws);
		return 0;
	}
	/* the spool: re-send what is not acked, until everything is */
	for (;;) {
		int all = 1;
		for (g = 0; g < n_gws; g++)
			if (gws[g].acked < first_seq + count - 1)
				all = 0;
		if (all)
			break;
		if (util_mono_ms() - start > timeout_s * 1000) {
			fprintf(stderr, "pubreadings: timeout; acked");
			for (g = 0; g < n_gws; g++)
				fprintf(stderr, " %s=%" PRId64, gws[g].id, gws[g].acked);
			fprintf(stderr, "\n");
			mosquitto_destroy(m);
			mosquitto_lib_cleanup();
			free(gws);
			return 1;
		}
		if (mosquitto_loop(m, 50, 1) != MOSQ_ERR_SUCCESS) {
			util_sleep_ms(100);
			mosquitto_reconnect(m);
		}
		if (util_mono_ms() - last_sent >= replay_ms) {
			for (g = 0; g < n_gws; g++)
				for (seq = gws[g].acked + 1; seq < first_seq + count; seq++)
					while (publish(m, g, seq) < 0)
						mosquitto_loop(m, 10, 1);
			drain(m, 10000);
			last_sent = util_mono_ms();
		}
	}
	for (i = 0; i < n_gws; i++)
		printf("%s %" PRId64 "\n", gws[i].id, gws[i].acked);
	mosquitto_disconnect(m);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	free(gws);
	return 0;
}
