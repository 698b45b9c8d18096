/*
 * subcount: the benchmark's ceiling, a bare libmosquitto subscriber that only
 * counts the readings it receives at QoS 1 and reports the rate between the
 * first and the last one. It stores nothing and never validates anything.
 *
 *   subcount -p PORT -n COUNT [-T TIMEOUT_S] [-I IDLE_S]
 * It stops at COUNT messages, after TIMEOUT_S, or IDLE_S after the last one.
 */
#include <getopt.h>
#include <inttypes.h>
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

static int64_t received, first_ms, last_ms;
static int ready;

static void on_connect(struct mosquitto *m, void *arg, int rc)
{
	(void)arg;
	if (rc == 0)
		mosquitto_subscribe(m, NULL, "pvmon/v1/+/+/+/reading", 1);
}

static void on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *granted)
{
	(void)m;
	(void)arg;
	(void)mid;
	(void)n;
	(void)granted;
	ready = 1;
	printf("subscribed\n");
	fflush(stdout);
}

static void on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	(void)m;
	(void)arg;
	(void)msg;
	last_ms = util_mono_ms();
	if (received++ == 0)
		first_ms = last_ms;
}

int main(int argc, char **argv)
{
	struct mosquitto *m;
	int port = 1883, opt;
	int64_t want = 1000, timeout_s = 120, idle_s = 0, start;
	while ((opt = getopt(argc, argv, "p:n:T:I:")) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'n':
			want = strtoll(optarg, NULL, 10);
			break;
		case 'T':
			timeout_s = strtoll(optarg, NULL, 10);
			break;
		case 'I':
			idle_s = strtoll(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: subcount -p PORT -n COUNT [-T TIMEOUT_S]\n");
			return 2;
		}
	}
	mosquitto_lib_init();
	m = mosquitto_new("pvmon-subcount", true, NULL);
	mosquitto_connect_callback_set(m, on_connect);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_message_callback_set(m, on_message);
	mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1); /* as ingest does */
	if (mosquitto_connect(m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "subcount: cannot connect to 127.0.0.1:%d\n", port);
		return 1;
	}
	start = util_mono_ms();
	while (received < want && util_mono_ms() - start < timeout_s * 1000) {
		if (mosquitto_loop(m, 100, 1) != MOSQ_ERR_SUCCESS)
			break;
		if (idle_s > 0 && received > 0 && util_mono_ms() - last_ms > idle_s * 1000)
			break;
	}
	{
		double secs = (double)(last_ms - first_ms) / 1000.0;
		printf("received %" PRId64 " in %.2f s: %.0f/s\n", received, secs,
		       secs > 0 ? (double)received / secs : 0.0);
	}
	mosquitto_disconnect(m);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	return received >= want || (idle_s > 0 && received > 0) ? 0 : 1;
}
