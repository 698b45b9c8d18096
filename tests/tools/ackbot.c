/*
 * ackbot: a stand-in for ingest in collector tests. Subscribes to one
 * gateway's readings, appends each seq received to a file (one per line, in
 * arrival order) and, with -a, publishes the contiguous ack {"v":1,"seq":N}
 * as ingest would, logging each ack it sends. Resubscribes after reconnects.
 * usage: ackbot -p PORT -g GW -o SEQFILE [-a ACKFILE] [-f FIRST] [-n]
 *   -n: count only (no files); prints "N readings" at exit
 */
#include <mosquitto.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static FILE *seqf, *ackf;
static char topic[256], ack_topic[256];
static unsigned char *seen;
static uint64_t seen_size, contiguous, first = 1, sent_ack, count;
static int do_ack, count_only;

static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

static void on_connect(struct mosquitto *m, void *ctx, int rc)
{
	(void)ctx;
	if (rc == 0)
		mosquitto_subscribe(m, NULL, topic, 1);
}

/* Appends a line to SEQFILE.ready per subscription, so a test knows we listen. */
static void on_subscribe(struct mosquitto *m, void *ctx, int mid, int n, const int *qos)
{
	char path[4096];
	FILE *f;
	(void)m;
	(void)mid;
	(void)n;
	(void)qos;
	if (!ctx)
		return;
	snprintf(path, sizeof path, "%s.ready", (const char *)ctx);
	f = fopen(path, "a");
	if (f) {
		fputs("subscribed\n", f);
		fclose(f);
	}
}

/* Marks seq as received and moves the contiguous ack. */
static void mark(uint64_t seq)
{
	if (seq >= seen_size) {
		uint64_t n = seen_size ? seen_size : 4096;
		while (n <= seq)
			n *= 2;
		seen = realloc(seen, n);
		if (!seen)
			exit(70);
		memset(seen + seen_size, 0, n - seen_size);
		seen_size = n;
	}
	seen[seq] = 1;
	if (contiguous < first - 1)
		contiguous = first - 1;
	while (contiguous + 1 < seen_size && seen[contiguous + 1])
		contiguous++;
}

static void on_message(struct mosquitto *m, void *ctx, const struct mosquitto_message *msg)
{
	const char *p;
	uint64_t seq;
	(void)m;
	(void)ctx;
	count++;
	if (count_only || !msg->payload)
		return;
	p = strstr(msg->payload, "\"seq\":");
	if (!p)
		return;
	seq = strtoull(p + 6, NULL, 10);
	{
		/* seq, device and poll time: a reused seq shows as one seq with two readings */
		const char *d = strstr(msg->payload, "\"device\":\""),
		           *t = strstr(msg->payload, "\"ts\":");
		int dl = 0;
		if (d) {
			d += 10;
			while (d[dl] && d[dl] != '"')
				dl++;
		}
		fprintf(seqf, "%llu %.*s %lld\n", (unsigned long long)seq, dl, d ? d : "",
		        t ? strtoll(t + 5, NULL, 10) : 0LL);
	}
	fflush(seqf);
	mark(seq);
}

int main(int argc, char **argv)
{
	struct mosquitto *m;
	const char *gw = NULL, *out = NULL, *ackpath = NULL;
	int port = 1883, c;
	struct timespec t0, t1;

	while ((c = getopt(argc, argv, "p:g:o:a:f:n")) != -1) {
		switch (c) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'g':
			gw = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'a':
			ackpath = optarg;
			do_ack = 1;
			break;
		case 'f':
			first = strtoull(optarg, NULL, 10);
			break;
		case 'n':
			count_only = 1;
			break;
		default:
			fprintf(stderr, "usage: ackbot -p PORT -g GW -o SEQFILE [-a ACKFILE] [-f "
			                "FIRST] [-n]\n");
			return 2;
		}
	}
	if (!gw || (!out && !count_only)) {
		fprintf(stderr, "ackbot: -g and -o are required\n");
		return 2;
	}
	snprintf(topic, sizeof topic, "pvmon/v1/%s/+/+/reading", gw);
	snprintf(ack_topic, sizeof ack_topic, "pvmon/v1/%s/ack", gw);
	if (!count_only) {
		seqf = fopen(out, "a");
		if (!seqf)
			return 1;
	}
	if (ackpath) {
		ackf = fopen(ackpath, "a");
		if (!ackf)
			return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	mosquitto_lib_init();
	m = mosquitto_new(NULL, true, (void *)out);
	mosquitto_connect_callback_set(m, on_connect);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_message_callback_set(m, on_message);
	mosquitto_reconnect_delay_set(m, 1, 1, false);
	if (mosquitto_connect(m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "ackbot: cannot connect to 127.0.0.1:%d\n", port);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		int rc = mosquitto_loop(m, 50, 1000);
		if (rc != MOSQ_ERR_SUCCESS) {
			usleep(20000);
			mosquitto_reconnect(m);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* ack at most every 50 ms, as ingest does after a commit */
		if (do_ack && contiguous > sent_ack &&
		    (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 50) {
			char payload[64];
			snprintf(payload, sizeof payload, "{\"v\":1,\"seq\":%llu}",
			         (unsigned long long)contiguous);
			if (mosquitto_publish(m, NULL, ack_topic, (int)strlen(payload), payload, 1,
			                      false) == MOSQ_ERR_SUCCESS) {
				sent_ack = contiguous;
				fprintf(ackf, "%llu\n", (unsigned long long)sent_ack);
				fflush(ackf);
			}
			t0 = t1;
		}
	}
	if (count_only)
		printf("%llu readings\n", (unsigned long long)count);
	mosquitto_disconnect(m);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	free(seen);
	return 0;
}
