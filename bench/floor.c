/*
 * floor: the benchmark's reference point, the least a collector could do: per device the same
 * Modbus read as pvmon-collector's huawei-sun2000 map, then one QoS 1 publish of a tiny payload.
 * It never decodes, builds a reading, spools or retries cleverly: it is a measure, not a product.
 * usage: floor -p BROKER_PORT -s PORTS_FILE [-u UNITS] [-i INTERVAL_MS] [-g GATEWAY]
 *   one thread per station line of PORTS_FILE (pvmon-sim --ports-file), units 1..UNITS each;
 *   -i 0 polls flat out (no pause between rounds); prints "N published" at exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <modbus.h>
#include <mosquitto.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* the request pvmon-collector's regmap makes for huawei-sun2000 (profile_resolve): FC 3 */
#define FLOOR_READ_ADDR 32008
#define FLOOR_READ_COUNT 108
/* the same bounds pvmon-collector puts on QoS 1 messages (PUB_WINDOW, MOSQ_OPT_SEND_MAXIMUM) */
#define FLOOR_WINDOW 500
#define FLOOR_SEND_MAXIMUM 100
#define FLOOR_MAX_UNITS 247 /* Modbus unit ids */

struct station {
	char id[64], host[64];
	int port;
	pthread_t thread;
	char (*topic)[160]; /* per unit: pvmon/v1/GW/STATION/DEVICE/reading */
	char (*device)[16]; /* per unit: "invNN", as in the collector's benchmark config */
};

static volatile sig_atomic_t stop;
static struct mosquitto *mq;
static const char *gateway = "gw-floor";
static int units = 10, interval_ms = 1000;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t room = PTHREAD_COND_INITIALIZER;
static long inflight;
static uint64_t next_seq = 1, published, read_errors;

/* Asks every loop to finish. */
static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

/* The broker acknowledged one QoS 1 message: room for another. */
static void on_publish(struct mosquitto *m, void *ctx, int mid)
{
	(void)m;
	(void)ctx;
	(void)mid;
	pthread_mutex_lock(&lock);
	if (inflight > 0)
		inflight--;
	pthread_cond_signal(&room);
	pthread_mutex_unlock(&lock);
}

/* Monotonic nanoseconds. */
static int64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Publishes one reading-sized message for a device, waiting while the window is full. */
static void publish(const char *topic, const char *device)
{
	char payload[128];
	uint64_t seq;
	int len;

	pthread_mutex_lock(&lock);
	while (inflight >= FLOOR_WINDOW && !stop) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 100000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&room, &lock, &t);
	}
	seq = next_seq++;
	inflight++;
	pthread_mutex_unlock(&lock);
	/* seq, device and ts only so the benchmark's subscriber handles it like a real reading */
	len = snprintf(payload, sizeof payload,
	               "{\"v\":1,\"seq\":%llu,\"device\":\"%s\",\"ts\":%lld}",
	               (unsigned long long)seq, device, (long long)time(NULL) * 1000);
	if (mosquitto_publish(mq, NULL, topic, len, payload, 1, false) == MOSQ_ERR_SUCCESS) {
		pthread_mutex_lock(&lock);
		published++;
		pthread_mutex_unlock(&lock);
	} else {
		pthread_mutex_lock(&lock);
		inflight--;
		pthread_mutex_unlock(&lock);
	}
}

/* One station's bus: read every unit, publish, then wait for the next round (if paced). */
static void *run(void *arg)
{
	struct station *s = arg;
	uint16_t regs[FLOOR_READ_COUNT];
	char port[16];
	struct in_addr v4;
	modbus_t *ctx;
	int connected = 0;
	int64_t next = mono_ns();

	snprintf(port, sizeof port, "%d", s->port);
	/* as pvmon-collector's bus.c: a dotted IPv4 address connects without the resolver */
	if (inet_pton(AF_INET, s->host, &v4) == 1)
		ctx = modbus_new_tcp(s->host, s->port);
	else
		ctx = modbus_new_tcp_pi(s->host, port);
	if (!ctx)
		return NULL;
	modbus_set_response_timeout(ctx, 1, 0);
	while (!stop) {
		int u;
		for (u = 1; u <= units && !stop; u++) {
			if (!connected && modbus_connect(ctx) == 0)
				connected = 1;
			if (!connected || modbus_set_slave(ctx, u) < 0 ||
			    modbus_read_registers(ctx, FLOOR_READ_ADDR, FLOOR_READ_COUNT, regs) !=
			        FLOOR_READ_COUNT) {
				/* start afresh, as any client must after a lost reply */
				pthread_mutex_lock(&lock);
				read_errors++;
				pthread_mutex_unlock(&lock);
				if (connected)
					modbus_close(ctx);
				connected = 0;
				continue;
			}
			publish(s->topic[u - 1], s->device[u - 1]);
		}
		if (interval_ms > 0) {
			struct timespec t;
			next += (int64_t)interval_ms * 1000000;
			if (next < mono_ns())
				next = mono_ns(); /* a slow round: keep the rate, skip the missed
				                     ticks */
			t.tv_sec = (time_t)(next / 1000000000);
			t.tv_nsec = (long)(next % 1000000000);
			while (!stop &&
			       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
				;
		}
	}
	if (connected)
		modbus_close(ctx);
	modbus_free(ctx);
	return NULL;
}

/* Reads "<station> tcp <host> <port>" lines; returns the station count or -1. */
static int load_ports(const char *path, struct station **out)
{
	FILE *f = fopen(path, "r");
	char line[512];
	struct station *s = NULL;
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		char id[64], type[16], host[64];
		int port, u;
		if (sscanf(line, "%63s %15s %63s %d", id, type, host, &port) != 4 ||
		    strcmp(type, "tcp") != 0)
			continue;
		s = realloc(s, (size_t)(n + 1) * sizeof *s);
		if (!s)
			exit(70);
		memset(&s[n], 0, sizeof s[n]);
		snprintf(s[n].id, sizeof s[n].id, "%s", id);
		snprintf(s[n].host, sizeof s[n].host, "%s", host);
		s[n].port = port;
		s[n].topic = calloc((size_t)units, sizeof *s[n].topic);
		s[n].device = calloc((size_t)units, sizeof *s[n].device);
		if (!s[n].topic || !s[n].device)
			exit(70);
		for (u = 1; u <= units; u++) {
			snprintf(s[n].device[u - 1], sizeof s[n].device[u - 1], "inv%02d", u);
			snprintf(s[n].topic[u - 1], sizeof s[n].topic[u - 1],
			         "pvmon/v1/%s/%s/%s/reading", gateway, id, s[n].device[u - 1]);
		}
		n++;
	}
	fclose(f);
	*out = s;
	return n;
}

int main(int argc, char **argv)
{
	const char *ports = NULL;
	struct station *st = NULL;
	struct sigaction sa;
	int bport = 1883, c, n, i;

	while ((c = getopt(argc, argv, "p:s:u:i:g:")) != -1) {
		switch (c) {
		case 'p':
			bport = atoi(optarg);
			break;
		case 's':
			ports = optarg;
			break;
		case 'u':
			units = atoi(optarg);
			break;
		case 'i':
			interval_ms = atoi(optarg);
			break;
		case 'g':
			gateway = optarg;
			break;
		default:
			fprintf(stderr, "usage: floor -p BROKER_PORT -s PORTS_FILE [-u UNITS] [-i "
			                "INTERVAL_MS] [-g GATEWAY]\n");
			return 2;
		}
	}
	if (!ports || units < 1 || units > FLOOR_MAX_UNITS || interval_ms < 0) {
		fprintf(stderr, "floor: -s PORTS_FILE is required; -u 1-%d, -i >= 0\n",
		        FLOOR_MAX_UNITS);
		return 2;
	}
	n = load_ports(ports, &st);
	if (n <= 0) {
		fprintf(stderr, "floor: %s: no \"<station> tcp <host> <port>\" line\n", ports);
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: sleeping bus threads wake up to stop */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	mosquitto_lib_init();
	mq = mosquitto_new(gateway, true, NULL);
	if (!mq)
		return 1;
	mosquitto_int_option(mq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_int_option(mq, MOSQ_OPT_SEND_MAXIMUM, FLOOR_SEND_MAXIMUM);
	mosquitto_publish_callback_set(mq, on_publish);
	if (mosquitto_connect(mq, "127.0.0.1", bport, 30) != MOSQ_ERR_SUCCESS ||
	    mosquitto_loop_start(mq) != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "floor: cannot connect to the broker on 127.0.0.1:%d\n", bport);
		return 1;
	}
	for (i = 0; i < n; i++)
		pthread_create(&st[i].thread, NULL, run, &st[i]);
	while (!stop) {
		/* the signal may land on any thread: look at the flag, do not wait for it */
		struct timespec t = {0, 100000000};
		nanosleep(&t, NULL);
	}
	for (i = 0; i < n; i++)
		pthread_kill(st[i].thread, SIGTERM);
	for (i = 0; i < n; i++)
		pthread_join(st[i].thread, NULL);
	mosquitto_disconnect(mq);
	mosquitto_loop_stop(mq, false);
	mosquitto_destroy(mq);
	mosquitto_lib_cleanup();
	printf("%llu published, %llu failed reads\n", (unsigned long long)published,
	       (unsigned long long)read_errors);
	for (i = 0; i < n; i++) {
		free(st[i].topic);
		free(st[i].device);
	}
	free(st);
	return 0;
}
