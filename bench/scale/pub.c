/*
 * pub: the province bench's synthetic collectors (docs/scale.md, "The province bench"). It
 * publishes valid readings (docs/mqtt.md) for every device of a devices file, one round of a
 * gateway's devices at a time with per-gateway increasing seqs at QoS 1, over several broker
 * connections, and measures poll-to-commit latency from ingest's acks: the ack of a gateway is
 * published after the batch holding its readings is committed, so for each seq it covers, ack
 * time minus publish time is how long the reading took to be stored.
 *
 *   pub -p PORT -f DEVICES [-c CONNECTIONS] [-F] [-i INTERVAL_S] [-d DURATION_S] [-w WAIT_S]
 *       [-n] [-W WINDOW]
 * DEVICES: lines "<gateway> <station> <device> inverter|meter", a gateway's lines together.
 * Nominal (default): each device every INTERVAL_S (60), gateways spread evenly over it; -F
 * (flood): rounds as fast as the broker takes them, at most WINDOW (500) unacknowledged QoS 1
 * messages per connection. Publishes for DURATION_S (60), then waits until every gateway's ack
 * covers its last seq or WAIT_S (120) pass without an ack; -n publishes without waiting (a bare
 * subscriber counts instead). Prints one line of key=value figures; exits 1 when a reading
 * published was not acknowledged.
 */
#include <errno.h>
#include <inttypes.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ID_MAX 48
#define TOPIC_MAX 200
#define SUBSCRIBE_CHUNK 100 /* ack topics per SUBSCRIBE packet */
#define SEND_MAXIMUM 100    /* as pvmon-collector: QoS 1 messages on the wire at a time */

struct dev {
	char station[ID_MAX], device[ID_MAX];
	int meter;
	char topic[TOPIC_MAX];
};

struct gw {
	char id[ID_MAX];
	int first, n; /* its devices: devs[first .. first + n - 1] */
	int conn;
	int64_t next_seq; /* the next seq to give; seqs start at 1 */
	int64_t acked;
	int64_t *pub_ns; /* publish time of seq s at pub_ns[s - 1] */
	size_t cap;
};

struct conn {
	int index;
	struct mosquitto *m;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int *gws, n_gws;
	int inflight, connected, subacks, subs_sent;
	int64_t published, acked, first_pub_ns, last_pub_ns, last_ack_ns;
	uint32_t *lat_us;
	size_t n_lat, cap_lat;
};

static struct dev *devs;
static int n_devs;
static struct gw *gws;
static int n_gws;
static struct conn *conns;
static int n_conns = 4, flood, no_ack, window = 500;
static int64_t interval_ns = INT64_C(60) * 1000000000, duration_ns = INT64_C(60) * 1000000000;
static int64_t t0_ns, t_start_ms;

/* gateway id -> index, open addressing */
static int *gw_hash;
static size_t gw_hash_n;

static int64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t wall_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_until(int64_t ns)
{
	struct timespec t = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fprintf(stderr, "pub: out of memory\n");
		exit(70);
	}
	return q;
}

static uint32_t hash_id(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void hash_build(void)
{
	int g;
	gw_hash_n = 1;
	while (gw_hash_n < (size_t)n_gws * 2)
		gw_hash_n <<= 1;
	gw_hash = xrealloc(NULL, gw_hash_n * sizeof *gw_hash);
	memset(gw_hash, 0xff, gw_hash_n * sizeof *gw_hash);
	for (g = 0; g < n_gws; g++) {
		size_t i = hash_id(gws[g].id, strlen(gws[g].id)) & (gw_hash_n - 1);
		while (gw_hash[i] >= 0)
			i = (i + 1) & (gw_hash_n - 1);
		gw_hash[i] = g;
	}
}

/* The gateway named by len bytes at s, or -1. */
static int hash_find(const char *s, size_t len)
{
	size_t i = hash_id(s, len) & (gw_hash_n - 1);
	while (gw_hash[i] >= 0) {
		const char *id = gws[gw_hash[i]].id;
		if (strlen(id) == len && memcmp(id, s, len) == 0)
			return gw_hash[i];
		i = (i + 1) & (gw_hash_n - 1);
	}
	return -1;
}

/* Reads the devices file; returns 0 or -1 with a message. */
static int load_devices(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int lineno = 0;

	if (!f) {
		fprintf(stderr, "pub: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		char g[ID_MAX], st[ID_MAX], dv[ID_MAX], kind[16];
		struct dev *d;
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%47s %47s %47s %15s", g, st, dv, kind) != 4 ||
		    (strcmp(kind, "inverter") != 0 && strcmp(kind, "meter") != 0)) {
			fprintf(stderr,
			        "pub: %s:%d: expected \"<gateway> <station> <device> "
			        "inverter|meter\"\n",
			        path, lineno);
			fclose(f);
			return -1;
		}
		if (n_gws == 0 || strcmp(gws[n_gws - 1].id, g) != 0) {
			gws = xrealloc(gws, (size_t)(n_gws + 1) * sizeof *gws);
			memset(&gws[n_gws], 0, sizeof gws[n_gws]);
			snprintf(gws[n_gws].id, sizeof gws[n_gws].id, "%s", g);
			gws[n_gws].first = n_devs;
			gws[n_gws].next_seq = 1;
			n_gws++;
		}
		devs = xrealloc(devs, (size_t)(n_devs + 1) * sizeof *devs);
		d = &devs[n_devs++];
		snprintf(d->station, sizeof d->station, "%s", st);
		snprintf(d->device, sizeof d->device, "%s", dv);
		d->meter = kind[0] == 'm';
		snprintf(d->topic, sizeof d->topic, "pvmon/v1/%s/%s/%s/reading", g, st, dv);
		gws[n_gws - 1].n++;
	}
	fclose(f);
	if (n_devs == 0) {
		fprintf(stderr, "pub: %s: no devices\n", path);
		return -1;
	}
	return 0;
}

static void on_connect(struct mosquitto *m, void *arg, int rc)
{
	struct conn *c = arg;
	char topics[SUBSCRIBE_CHUNK][TOPIC_MAX];
	char *tp[SUBSCRIBE_CHUNK];
	int i, k = 0;

	if (rc != 0) {
		fprintf(stderr, "pub: connection %d refused: %s\n", c->index,
		        mosquitto_connack_string(rc));
		return;
	}
	pthread_mutex_lock(&c->lock);
	c->connected = 1;
	c->subacks = 0;
	c->subs_sent = 0;
	pthread_mutex_unlock(&c->lock);
	if (no_ack)
		return;
	for (i = 0; i < c->n_gws; i++) {
		snprintf(topics[k], sizeof topics[k], "pvmon/v1/%s/ack", gws[c->gws[i]].id);
		tp[k] = topics[k];
		if (++k == SUBSCRIBE_CHUNK || i == c->n_gws - 1) {
			if (mosquitto_subscribe_multiple(m, NULL, k, tp, 1, 0, NULL) !=
			    MOSQ_ERR_SUCCESS)
				fprintf(stderr, "pub: connection %d: subscribing failed\n",
				        c->index);
			pthread_mutex_lock(&c->lock);
			c->subs_sent++;
			pthread_mutex_unlock(&c->lock);
			k = 0;
		}
	}
}

static void on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *granted)
{
	struct conn *c = arg;
	(void)m;
	(void)mid;
	(void)n;
	(void)granted;
	pthread_mutex_lock(&c->lock);
	c->subacks++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void on_publish(struct mosquitto *m, void *arg, int mid)
{
	struct conn *c = arg;
	(void)m;
	(void)mid;
	pthread_mutex_lock(&c->lock);
	if (c->inflight > 0)
		c->inflight--;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* pvmon/v1/<gw>/ack {"v":1,"seq":N}: every seq up to N is stored. */
static void on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct conn *c = arg;
	const char *t = msg->topic, *end, *p;
	char buf[128];
	int64_t now = mono_ns(), seq, s;
	struct gw *g;
	int gi;
	(void)m;

	if (strncmp(t, "pvmon/v1/", 9) != 0 || !(end = strchr(t + 9, '/')) ||
	    strcmp(end, "/ack") != 0 || msg->payloadlen <= 0 || msg->payloadlen >= (int)sizeof buf)
		return;
	if ((gi = hash_find(t + 9, (size_t)(end - (t + 9)))) < 0)
		return;
	memcpy(buf, msg->payload, (size_t)msg->payloadlen);
	buf[msg->payloadlen] = '\0';
	if (!(p = strstr(buf, "\"seq\":")))
		return;
	seq = strtoll(p + 6, NULL, 10);
	g = &gws[gi];
	pthread_mutex_lock(&c->lock);
	if (seq > g->next_seq - 1)
		seq = g->next_seq - 1; /* not ours (a retained ack of another run) */
	for (s = g->acked + 1; s <= seq; s++) {
		int64_t lat = (now - g->pub_ns[s - 1]) / 1000;
		if (c->n_lat == c->cap_lat) {
			c->cap_lat = c->cap_lat ? c->cap_lat * 2 : 4096;
			c->lat_us = xrealloc(c->lat_us, c->cap_lat * sizeof *c->lat_us);
		}
		c->lat_us[c->n_lat++] = lat > UINT32_MAX ? UINT32_MAX : (uint32_t)lat;
	}
	if (seq > g->acked) {
		c->acked += seq - g->acked;
		g->acked = seq;
		c->last_ack_ns = now;
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
}

/* The payload of one reading of device d at seq, taken now. */
static int payload(char *buf, size_t size, const struct gw *g, const struct dev *d, int64_t seq,
                   int64_t ts)
{
	/* a 40 kW inverter: about 1 Wh per 90 ms; a meter exports what its station's do */
	int64_t wh = 1000000 + (ts - t_start_ms) / 90;
	if (d->meter)
		return snprintf(
		    buf, size,
		    "{\"v\":1,\"gw\":\"%s\",\"seq\":%" PRId64 ",\"station\":\"%s\","
		    "\"device\":\"%s\",\"kind\":\"meter\",\"ts\":%" PRId64
		    ",\"ac_power_w\":%d,\"energy_wh\":%" PRId64
		    ",\"import_wh\":1200,\"grid_hz\":50.01,\"map\":\"chint-dtsu666@1\"}",
		    g->id, seq, d->station, d->device, ts, 40000 * (g->n - 1), wh * (g->n - 1));
	return snprintf(buf, size,
	                "{\"v\":1,\"gw\":\"%s\",\"seq\":%" PRId64 ",\"station\":\"%s\",\"device\":"
	                "\"%s\",\"kind\":\"inverter\",\"ts\":%" PRId64
	                ",\"state\":\"producing\",\"ac_power_w\":40000,\"energy_wh\":%" PRId64
	                ",\"today_wh\":%" PRId64 ",\"temp_c\":41.5,\"grid_hz\":50.01,\"alarms\":0,"
	                "\"map\":\"huawei-sun2000@1\"}",
	                g->id, seq, d->station, d->device, ts, wh, wh - 1000000);
}

/* Publishes one round: a reading of each of the gateway's devices, seqs in order. */
static void publish_round(struct conn *c, struct gw *g)
{
	char buf[1024];
	int i;
	for (i = 0; i < g->n; i++) {
		const struct dev *d = &devs[g->first + i];
		int64_t seq, now;
		int len, rc;
		pthread_mutex_lock(&c->lock);
		while (c->inflight >= window)
			pthread_cond_wait(&c->cond, &c->lock);
		c->inflight++;
		seq = g->next_seq++;
		if ((size_t)seq > g->cap) {
			g->cap = g->cap ? g->cap * 2 : 64;
			g->pub_ns = xrealloc(g->pub_ns, g->cap * sizeof *g->pub_ns);
		}
		now = mono_ns();
		g->pub_ns[seq - 1] = now; /* before the publish: its ack may come back first */
		if (!c->first_pub_ns)
			c->first_pub_ns = now;
		c->last_pub_ns = now;
		c->published++;
		pthread_mutex_unlock(&c->lock);
		len = payload(buf, sizeof buf, g, d, seq, wall_ms());
		rc = mosquitto_publish(c->m, NULL, d->topic, len, buf, 1, false);
		if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
			/* (NO_CONN: queued by libmosquitto and sent on reconnect) */
			fprintf(stderr, "pub: publish failed: %s\n", mosquitto_strerror(rc));
			pthread_mutex_lock(&c->lock);
			c->inflight--;
			pthread_mutex_unlock(&c->lock);
		}
	}
}

static void *run(void *arg)
{
	struct conn *c = arg;
	int64_t end = t0_ns + duration_ns, k;
	int i;

	for (k = 0;; k++) {
		for (i = 0; i < c->n_gws; i++) {
			int gi = c->gws[i];
			if (flood) {
				if (mono_ns() >= end)
					return NULL;
			} else {
				int64_t due = t0_ns + k * interval_ns +
				              (int64_t)((double)interval_ns * gi / n_gws);
				if (due >= end)
					return NULL;
				sleep_until(due);
			}
			publish_round(c, &gws[gi]);
		}
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double pct_ms(const uint32_t *v, size_t n, double p)
{
	size_t i;
	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i] / 1000.0;
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	int port = 1883, opt, i;
	double wait_s = 120;
	int64_t published = 0, acked = 0, first = 0, last_pub = 0, last_ack = 0, expected = 0;
	uint32_t *lat = NULL;
	size_t n_lat = 0;

	while ((opt = getopt(argc, argv, "p:f:c:Fi:d:w:nW:")) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'f':
			file = optarg;
			break;
		case 'c':
			n_conns = atoi(optarg);
			break;
		case 'F':
			flood = 1;
			break;
		case 'i':
			interval_ns = (int64_t)(atof(optarg) * 1e9);
			break;
		case 'd':
			duration_ns = (int64_t)(atof(optarg) * 1e9);
			break;
		case 'w':
			wait_s = atof(optarg);
			break;
		case 'n':
			no_ack = 1;
			break;
		case 'W':
			window = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: pub -p PORT -f DEVICES [-c CONNECTIONS] [-F] "
			                "[-i INTERVAL_S] [-d DURATION_S] [-w WAIT_S] [-n] "
			                "[-W WINDOW]\n");
			return 2;
		}
	}
	if (!file || n_conns < 1 || n_conns > 256 || interval_ns <= 0 || duration_ns <= 0 ||
	    window < 1) {
		fprintf(stderr, "pub: -f DEVICES is required; -c 1-256, -i and -d > 0, -W >= 1\n");
		return 2;
	}
	if (load_devices(file) < 0)
		return 1;
	if (n_conns > n_gws)
		n_conns = n_gws;
	hash_build();
	conns = xrealloc(NULL, (size_t)n_conns * sizeof *conns);
	memset(conns, 0, (size_t)n_conns * sizeof *conns);
	for (i = 0; i < n_gws; i++) {
		struct conn *c = &conns[i % n_conns];
		gws[i].conn = i % n_conns;
		c->gws = xrealloc(c->gws, (size_t)(c->n_gws + 1) * sizeof *c->gws);
		c->gws[c->n_gws++] = i;
	}
	mosquitto_lib_init();
	for (i = 0; i < n_conns; i++) {
		struct conn *c = &conns[i];
		char id[64];
		c->index = i;
		pthread_mutex_init(&c->lock, NULL);
		pthread_cond_init(&c->cond, NULL);
		snprintf(id, sizeof id, "pvmon-bench-pub-%ld-%d", (long)getpid(), i);
		if (!(c->m = mosquitto_new(id, true, c)))
			return 1;
		mosquitto_int_option(c->m, MOSQ_OPT_SEND_MAXIMUM, SEND_MAXIMUM);
		mosquitto_int_option(c->m, MOSQ_OPT_TCP_NODELAY, 1);
		mosquitto_connect_callback_set(c->m, on_connect);
		mosquitto_subscribe_callback_set(c->m, on_subscribe);
		mosquitto_publish_callback_set(c->m, on_publish);
		mosquitto_message_callback_set(c->m, on_message);
		if (mosquitto_connect(c->m, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS ||
		    mosquitto_loop_start(c->m) != MOSQ_ERR_SUCCESS) {
			fprintf(stderr, "pub: cannot connect to the broker on 127.0.0.1:%d\n",
			        port);
			return 1;
		}
	}
	/* every ack subscription in place before the first reading */
	for (i = 0; i < n_conns; i++) {
		struct conn *c = &conns[i];
		int64_t until = mono_ns() + INT64_C(30) * 1000000000;
		pthread_mutex_lock(&c->lock);
		while ((!c->connected || (!no_ack && c->subacks < c->subs_sent) ||
		        (!no_ack && c->subs_sent == 0)) &&
		       mono_ns() < until) {
			pthread_mutex_unlock(&c->lock);
			usleep(10000);
			pthread_mutex_lock(&c->lock);
		}
		if (!c->connected) {
			pthread_mutex_unlock(&c->lock);
			fprintf(stderr, "pub: connection %d: not connected after 30 s\n", i);
			return 1;
		}
		pthread_mutex_unlock(&c->lock);
	}
	t0_ns = mono_ns();
	t_start_ms = wall_ms();
	for (i = 0; i < n_conns; i++)
		pthread_create(&conns[i].thread, NULL, run, &conns[i]);
	for (i = 0; i < n_conns; i++)
		pthread_join(conns[i].thread, NULL);
	for (i = 0; i < n_gws; i++)
		expected += gws[i].next_seq - 1;
	/* every message out of libmosquitto's queue and acknowledged by the broker */
	for (i = 0; i < n_conns; i++) {
		struct conn *c = &conns[i];
		pthread_mutex_lock(&c->lock);
		while (c->inflight > 0)
			pthread_cond_wait(&c->cond, &c->lock);
		pthread_mutex_unlock(&c->lock);
	}
	if (!no_ack) {
		/* until every gateway is acknowledged, or no ack for wait_s */
		int64_t quiet = (int64_t)(wait_s * 1e9), last_seen = mono_ns();
		for (;;) {
			int64_t total = 0, newest = 0;
			for (i = 0; i < n_conns; i++) {
				pthread_mutex_lock(&conns[i].lock);
				total += conns[i].acked;
				if (conns[i].last_ack_ns > newest)
					newest = conns[i].last_ack_ns;
				pthread_mutex_unlock(&conns[i].lock);
			}
			if (newest > last_seen)
				last_seen = newest;
			if (total >= expected || mono_ns() - last_seen > quiet)
				break;
			usleep(20000);
		}
	}
	for (i = 0; i < n_conns; i++) {
		struct conn *c = &conns[i];
		mosquitto_disconnect(c->m);
		mosquitto_loop_stop(c->m, false);
		pthread_mutex_lock(&c->lock);
		published += c->published;
		acked += c->acked;
		if (c->first_pub_ns && (!first || c->first_pub_ns < first))
			first = c->first_pub_ns;
		if (c->last_pub_ns > last_pub)
			last_pub = c->last_pub_ns;
		if (c->last_ack_ns > last_ack)
			last_ack = c->last_ack_ns;
		lat = xrealloc(lat, (n_lat + c->n_lat) * sizeof *lat);
		if (c->n_lat)
			memcpy(lat + n_lat, c->lat_us, c->n_lat * sizeof *lat);
		n_lat += c->n_lat;
		pthread_mutex_unlock(&c->lock);
		mosquitto_destroy(c->m);
	}
	mosquitto_lib_cleanup();
	qsort(lat, n_lat, sizeof *lat, cmp_u32);
	{
		double pub_s = (double)(last_pub - first) / 1e9,
		       stored_s = last_ack > first ? (double)(last_ack - first) / 1e9 : 0;
		printf("devices=%d gateways=%d connections=%d mode=%s published=%" PRId64
		       " acked=%" PRId64 " pub_s=%.3f pub_rate=%.0f stored_s=%.3f stored_rate=%.0f"
		       " p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
		       n_devs, n_gws, n_conns, flood ? "flood" : "nominal", published, acked, pub_s,
		       pub_s > 0 ? (double)published / pub_s : 0, stored_s,
		       stored_s > 0 ? (double)acked / stored_s : 0, pct_ms(lat, n_lat, 0.5),
		       pct_ms(lat, n_lat, 0.99), n_lat ? lat[n_lat - 1] / 1000.0 : 0);
	}
	for (i = 0; i < n_gws; i++)
		free(gws[i].pub_ns);
	for (i = 0; i < n_conns; i++) {
		free(conns[i].gws);
		free(conns[i].lat_us);
	}
	free(conns);
	free(lat);
	free(gw_hash);
	free(gws);
	free(devs);
	return !no_ack && acked < published ? 1 : 0;
}
