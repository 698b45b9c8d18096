/*
 * pvmon-collector: the station gateway daemon. Loads collector.json, starts
 * one poller per bus and runs the publisher; --check validates and exits,
 * --once polls every device once, publishes and waits for the broker.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>

#include "broker.h"
#include "config.h"
#include "health.h"
#include "log.h"
#include "once.h"
#include "poll.h"
#include "profile.h"
#include "publish.h"
#include "spool.h"
#include "util.h"
#include "version.h"

static volatile sig_atomic_t got_stop, got_hup;
static struct pub *signal_pub; /* woken by signal handlers */

/* Records a stop request and wakes the loop. */
static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
	if (signal_pub)
		publish_wake(signal_pub);
}

static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
	if (signal_pub)
		publish_wake(signal_pub);
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pvmon-collector -c collector.json [--check] [--once] [--ack-wait SECONDS] "
	        "[--timeout SECONDS] [-v]\n"
	        "  --check      validate the configuration and the profiles, then exit\n"
	        "  --once       poll every device once, print one line per device, publish,\n"
	        "               wait for the broker, exit: 0 all answered and confirmed,\n"
	        "               3 a device did not answer, 4 the broker did not confirm\n"
	        "  --ack-wait S with --once: also wait up to S s for ingest's ack\n"
	        "  --timeout S  with --once: give up on the broker after S s (default 30)\n"
	        "  -v           debug logging\n");
}

struct app {
	struct collector_conf *conf;
	struct profile_set *profiles;
	struct poller **pollers;
	int n_pollers;
	struct spool *spool;
	struct pub *pub;
	char *password;
	int64_t started_ms;
	unsigned avail_seen; /* sum of pollers' availability versions last published */
	unsigned connections_seen;
	struct poll_health *prev; /* counters at the last health message, per device */
	unsigned *avail_sent;     /* availability version last published, per device */
	int n_devices;
	int64_t last_dropped;
};

/* Wakes the publisher when a poller stored a round. */
static void wake_pub(void *ctx)
{
	struct app *a = ctx;
	if (a->pub)
		publish_wake(a->pub);
}

/* Publishes the retained status message. */
static void send_status(struct app *a, const char *state)
{
	struct health_status s = {0};
	char buf[1024];
	int i, j;

	s.gw = a->conf->gateway;
	s.state = state;
	s.version = PVMON_VERSION;
	s.ts_ms = util_now_ms();
	s.started_ms = a->started_ms;
	spool_stats(a->spool, &s.spool);
	s.acked = publish_acked(a->pub);
	for (i = 0; i < a->n_pollers; i++)
		for (j = 0; j < poll_device_count(a->pollers[i]); j++) {
			struct poll_health h;
			poll_health(a->pollers[i], j, &h);
			s.devices++;
			s.online += h.avail == AVAIL_ONLINE;
			s.asleep += h.avail == AVAIL_ASLEEP;
			s.offline += h.avail == AVAIL_OFFLINE;
		}
	a->last_dropped = s.spool.dropped;
	if (health_status_json(buf, sizeof buf, &s) > 0) {
		char topic[128];
		snprintf(topic, sizeof topic, "pvmon/v1/%s/status", a->conf->gateway);
		publish_send(a->pub, topic, buf, 1, 1);
	}
}

/* Publishes availability (retained) for devices that changed, or all of them. */
static void send_availability(struct app *a, int all)
{
	unsigned *seen = a->avail_sent;
	int i, j, k = 0;
	for (i = 0; i < a->n_pollers; i++)
		for (j = 0; j < poll_device_count(a->pollers[i]); j++, k++) {
			struct poll_health h;
			char topic[256];
			poll_health(a->pollers[i], j, &h);
			if (h.avail == AVAIL_UNKNOWN || (!all && seen[k] == h.avail_version))
				continue;
			if (health_topic(topic, sizeof topic, a->conf->gateway, h.station, h.device,
			                 "availability") < 0)
				continue;
			if (publish_send(a->pub, topic, poll_avail_name(h.avail), 1, 1) == 0)
				seen[k] = h.avail_version;
		}
}

/* Publishes one health message per device (QoS 0: a lost one is replaced by the next). */
static void send_health(struct app *a)
{
	int i, j, k = 0;
	int64_t now = util_now_ms();
	for (i = 0; i < a->n_pollers; i++)
		for (j = 0; j < poll_device_count(a->pollers[i]); j++, k++) {
			struct poll_health h;
			char topic[256], buf[1024];
			poll_health(a->pollers[i], j, &h);
			if (health_topic(topic, sizeof topic, a->conf->gateway, h.station, h.device,
			                 "health") < 0 ||
			    health_device_json(buf, sizeof buf, a->conf->gateway, &h, &a->prev[k],
			                       now) < 0)
				continue;
			if (publish_send(a->pub, topic, buf, 0, 0) == 0)
				a->prev[k] = h;
		}
}

/* Sum of availability versions: changes whenever any device's availability does. */
static unsigned avail_version(struct app *a)
{
	unsigned v = 0;
	int i;
	for (i = 0; i < a->n_pollers; i++)
		v += poll_avail_version(a->pollers[i]);
	return v;
}

/* Loads and checks everything --check covers; 0, or -1 with *cause. */
static int load(struct app *a, const char *path, char **cause)
{
	struct poll_opts po = {0};
	int i;

	if (config_collector_load(path, &a->conf, cause) < 0)
		return -1;
	a->profiles = profile_set_load(a->conf->profiles_dir, cause);
	if (!a->profiles)
		return -1;
	if (a->conf->broker.password_file &&
	    broker_password_read(a->conf->broker.password_file, &a->password, cause) < 0)
		return -1;
	if (a->conf->broker.ca_file && access(a->conf->broker.ca_file, R_OK) < 0) {
		*cause = xasprintf("%s: broker.ca_file: cannot read \"%s\": %s", path,
		                   a->conf->broker.ca_file, strerror(errno));
		return -1;
	}
	if (a->conf->broker.cert_file && access(a->conf->broker.cert_file, R_OK) < 0) {
		*cause = xasprintf("%s: broker.cert_file: cannot read \"%s\": %s", path,
		                   a->conf->broker.cert_file, strerror(errno));
		return -1;
	}
	if (a->conf->broker.key_file && access(a->conf->broker.key_file, R_OK) < 0) {
		*cause = xasprintf("%s: broker.key_file: cannot read \"%s\": %s", path,
		                   a->conf->broker.key_file, strerror(errno));
		return -1;
	}
	po.gateway = a->conf->gateway;
	po.interval_ms = a->conf->poll_interval_ms > 0 ? a->conf->poll_interval_ms : 10000;
	po.profiles = a->profiles;
	po.wake = wake_pub;
	po.wake_ctx = a;
	a->pollers = xcalloc((size_t)(a->conf->n_buses ? a->conf->n_buses : 1), sizeof *a->pollers);
	for (i = 0; i < a->conf->n_buses; i++) {
		char *why = NULL;
		a->pollers[i] = poll_new(&a->conf->buses[i], &po, &why);
		if (!a->pollers[i]) {
			*cause = xasprintf("%s: %s", path, why);
			free(why);
			return -1;
		}
		a->n_pollers++;
		a->n_devices += poll_device_count(a->pollers[i]);
	}
	return 0;
}

/* Frees everything load and run created. */
static void release(struct app *a)
{
	int i;
	for (i = 0; i < a->n_pollers; i++)
		poll_free(a->pollers[i]);
	free(a->pollers);
	publish_free(a->pub);
	spool_close(a->spool);
	profile_set_free(a->profiles);
	config_collector_free(a->conf);
	if (a->password) {
		memset(a->password, 0, strlen(a->password));
		free(a->password);
	}
	free(a->prev);
	free(a->avail_sent);
}

/* Waits (serving the broker connection) until cond(a) holds or deadline passes. */
static int serve_until(struct app *a, int (*cond)(struct app *), int64_t deadline_mono)
{
	while (!cond(a)) {
		if (got_stop || util_mono_ms() >= deadline_mono)
			return -1;
		publish_step(a->pub, 50);
	}
	return 0;
}

static int all_published(struct app *a)
{
	return publish_idle(a->pub);
}

static int all_acked(struct app *a)
{
	struct spool_stats st;
	spool_stats(a->spool, &st);
	return st.rows == 0;
}

static int pollers_done(struct app *a)
{
	int i;
	for (i = 0; i < a->n_pollers; i++)
		if (!poll_done(a->pollers[i]))
			return 0;
	return 1;
}

/* Prints the --once line of every device; returns how many answered. */
static int once_report(struct app *a)
{
	int i, j, answered = 0;
	for (i = 0; i < a->n_pollers; i++)
		for (j = 0; j < poll_device_count(a->pollers[i]); j++) {
			struct poll_health h;
			char line[640];
			poll_health(a->pollers[i], j, &h);
			answered += once_device_line(line, sizeof line, &a->conf->buses[i],
			                             &a->conf->buses[i].devices[j], &h);
			printf("%s\n", line);
		}
	fflush(stdout);
	return answered;
}

/*
 * Like serve_until, for --once: says once what it is waiting for when the
 * broker has not confirmed after a few seconds, so the wait is never silent.
 */
static int once_wait(struct app *a, int (*cond)(struct app *), int64_t deadline_mono,
                     const char *what)
{
	int64_t say_at = util_mono_ms() + 3000;
	while (!cond(a)) {
		int64_t now = util_mono_ms();
		if (got_stop || now >= deadline_mono)
			return -1;
		if (say_at && now >= say_at) {
			printf("--once: waiting up to %" PRId64
			       " s more for %s (broker %s:%d, %s)\n",
			       (deadline_mono - now + 999) / 1000, what, a->conf->broker.host,
			       a->conf->broker.port,
			       publish_connected(a->pub)    ? "connected"
			       : publish_connecting(a->pub) ? "no answer to the MQTT handshake yet"
			       : publish_last_error(a->pub)[0] ? publish_last_error(a->pub)
			                                       : "connecting");
			fflush(stdout);
			say_at = 0;
		}
		publish_step(a->pub, 50);
	}
	return 0;
}

/* Says why the broker did not confirm in time (stdout and the log). */
static void once_broker_failed(struct app *a, int64_t timeout_s)
{
	char line[512];
	once_broker_line(line, sizeof line, a->conf->broker.host, a->conf->broker.port,
	                 publish_connected(a->pub), publish_connecting(a->pub),
	                 publish_last_error(a->pub), (long)timeout_s);
	printf("--once: %s\n", line);
	fflush(stdout);
	log_error("--once: %s", line);
}

/* --once after the pollers started: waits for the round, reports, publishes. */
static int run_once(struct app *a, int64_t timeout_s, int64_t ack_wait_s)
{
	int64_t deadline = util_mono_ms() + timeout_s * 1000;
	int answered;

	printf("--once: gateway %s: polling %d device%s on %d bus%s; broker %s:%d\n",
	       a->conf->gateway, a->n_devices, a->n_devices == 1 ? "" : "s", a->n_pollers,
	       a->n_pollers == 1 ? "" : "es", a->conf->broker.host, a->conf->broker.port);
	fflush(stdout);
	/* every device is polled once before anything is published (no deadline: each
	 * device costs at most its bus's timeouts, and its line says what happened) */
	while (!pollers_done(a) && !got_stop)
		publish_step(a->pub, 50);
	if (got_stop) {
		printf("--once: interrupted while polling; what was read stays in the spool\n");
		return 1;
	}
	answered = once_report(a);
	if (once_wait(a, all_published, deadline, "the broker to confirm the readings") < 0) {
		if (got_stop) {
			printf("--once: interrupted; the readings stay in the spool\n");
			return 1;
		}
		once_broker_failed(a, timeout_s);
		printf("--once: %d of %d devices answered\n", answered, a->n_devices);
		return ONCE_EXIT_BROKER;
	}
	send_availability(a, 1);
	send_health(a);
	send_status(a, "offline");
	if (once_wait(a, all_published, deadline, "the broker to confirm the status") < 0) {
		if (got_stop) {
			printf("--once: interrupted; the readings were confirmed\n");
			return 1;
		}
		once_broker_failed(a, timeout_s);
		printf("--once: %d of %d devices answered\n", answered, a->n_devices);
		return ONCE_EXIT_BROKER;
	}
	if (ack_wait_s > 0 &&
	    once_wait(a, all_acked, util_mono_ms() + ack_wait_s * 1000, "ingest's ack") < 0) {
		printf("--once: %d of %d devices answered; the broker confirmed every reading, but "
		       "no ack from ingest covered them within %" PRId64 " s\n",
		       answered, a->n_devices, ack_wait_s);
		log_error("--once: no ack from ingest covered every reading within %" PRId64 " s",
		          ack_wait_s);
		return ONCE_EXIT_BROKER;
	}
	publish_disconnect(a->pub);
	printf("--once: %d of %d devices answered; the broker %s:%d confirmed every reading%s\n",
	       answered, a->n_devices, a->conf->broker.host, a->conf->broker.port,
	       ack_wait_s > 0 ? " and ingest acknowledged them" : "");
	return answered == a->n_devices ? 0 : ONCE_EXIT_DEVICE;
}

int main(int argc, char **argv)
{
	struct app a = {0};
	const char *path = NULL;
	int check = 0, once = 0, verbose = 0, i, rc = 1;
	int64_t ack_wait_s = 0, timeout_s = 30, next_health, next_status;
	char *cause = NULL, will[256];
	struct spool_opts so = {0};
	struct publish_opts popt = {0};
	struct sigaction sa;

	/*
	 * One malloc arena: glibc gives each thread that allocates its own (up to 8
	 * per core), each with tens of KB touched, and a gateway with a bus thread
	 * per endpoint would pay that for allocations it hardly makes.
	 */
	mallopt(M_ARENA_MAX, 1);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--check") == 0)
			check = 1;
		else if (strcmp(argv[i], "--once") == 0)
			once = 1;
		else if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else if ((strcmp(argv[i], "--ack-wait") == 0 ||
		          strcmp(argv[i], "--timeout") == 0) &&
		         i + 1 < argc) {
			char *end;
			long v = strtol(argv[i + 1], &end, 10);
			if (*end || v < 0 || v > 86400) {
				fprintf(
				    stderr,
				    "pvmon-collector: %s: expected seconds from 0 to 86400, got "
				    "\"%s\"\n",
				    argv[i], argv[i + 1]);
				return 2;
			}
			if (argv[i][2] == 'a')
				ack_wait_s = v;
			else
				timeout_s = v;
			i++;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("pvmon-collector %s\n", PVMON_VERSION);
			return 0;
		} else {
			fprintf(stderr, "pvmon-collector: unknown argument \"%s\"\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "pvmon-collector: -c collector.json is required\n");
		usage(stderr);
		return 2;
	}
	if (load(&a, path, &cause) < 0) {
		fprintf(stderr, "pvmon-collector: %s\n", cause);
		free(cause);
		release(&a);
		return 1;
	}
	if (check) {
		printf("pvmon-collector: %s: ok (%d buses, %d devices, %zu profiles)\n", path,
		       a.n_pollers, a.n_devices, profile_set_count(a.profiles));
		release(&a);
		return 0;
	}
	/* --once is run by a technician at a terminal: its messages go there */
	log_open("pvmon-collector", once ? "stderr" : a.conf->log_target,
	         verbose ? LOGL_DEBUG : (enum log_level)a.conf->log_level);
	a.started_ms = util_now_ms();
	a.prev = xcalloc((size_t)(a.n_devices ? a.n_devices : 1), sizeof *a.prev);
	a.avail_sent = xcalloc((size_t)(a.n_devices ? a.n_devices : 1), sizeof *a.avail_sent);

	so.max_rows = a.conf->spool_max_rows;
	so.max_bytes = a.conf->spool_max_bytes;
	so.max_age_s = a.conf->spool_max_age_s;
	so.sync_full = 1; /* a gateway loses power: a committed seq must survive it */
	so.group_ms = SPOOL_GROUP_MS;
	a.spool = spool_open(a.conf->spool_path, &so, &cause);
	if (!a.spool) {
		log_error("%s", cause);
		goto done;
	}
	health_will_json(will, sizeof will, a.conf->gateway);
	popt.conf = a.conf;
	popt.spool = a.spool;
	popt.password = a.password;
	popt.will = will;
	mosquitto_lib_init();
	a.pub = publish_new(&popt, &cause);
	if (!a.pub) {
		log_error("%s", cause);
		goto done;
	}

	/* signals go to this thread only: the pollers never see them */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal_pub = a.pub;
	{
		sigset_t block, old;
		sigemptyset(&block);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &block, &old);
		for (i = 0; i < a.n_pollers; i++) {
			if (once)
				poll_set_once(a.pollers[i]);
			poll_attach_spool(a.pollers[i], a.spool);
			if (poll_start(a.pollers[i], &cause) < 0) {
				pthread_sigmask(SIG_SETMASK, &old, NULL);
				log_error("%s", cause);
				goto done;
			}
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	log_info("started: gateway %s, %d buses, %d devices, every %d ms; spool %s",
	         a.conf->gateway, a.n_pollers, a.n_devices, a.conf->poll_interval_ms,
	         a.conf->spool_path);

	if (once) {
		rc = run_once(&a, timeout_s, ack_wait_s);
		goto done;
	}

	next_health = util_mono_ms() + (int64_t)a.conf->health_interval_s * 1000;
	next_status = util_mono_ms() + 60000;
	while (!got_stop) {
		int64_t now;
		struct spool_stats st;
		publish_step(a.pub, 200);
		if (got_hup) {
			got_hup = 0;
			log_reopen();
			log_info("log reopened");
		}
		now = util_mono_ms();
		if (!publish_connected(a.pub))
			continue;
		if (publish_connections(a.pub) != a.connections_seen) {
			/* a new session: retained messages may have been lost with the broker */
			a.connections_seen = publish_connections(a.pub);
			send_status(&a, "online");
			send_availability(&a, 1);
			a.avail_seen = avail_version(&a);
			next_status = now + 60000;
		}
		if (avail_version(&a) != a.avail_seen) {
			a.avail_seen = avail_version(&a);
			send_availability(&a, 0);
		}
		spool_stats(a.spool, &st);
		if (now >= next_status || st.dropped != a.last_dropped) {
			send_status(&a, "online");
			next_status = now + 60000;
		}
		if (now >= next_health) {
			send_health(&a);
			spool_expire(a.spool, util_now_ms());
			next_health = now + (int64_t)a.conf->health_interval_s * 1000;
		}
	}
	log_info("stopping");
	for (i = 0; i < a.n_pollers; i++)
		poll_stop(a.pollers[i]);
	/* hand over what the last rounds stored, briefly; the spool keeps the rest */
	got_stop = 0; /* a second signal cuts this short */
	serve_until(&a, all_published, util_mono_ms() + 2000);
	if (publish_connected(a.pub)) {
		send_status(&a, "offline");
		serve_until(&a, all_published, util_mono_ms() + 1000);
	}
	publish_disconnect(a.pub);
	rc = 0;
done:
	signal_pub = NULL;
	free(cause);
	release(&a);
	mosquitto_lib_cleanup();
	log_close();
	return rc;
}
