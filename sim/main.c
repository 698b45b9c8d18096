/*
 * pvmon-sim: simulated PV stations (inverters and an export meter each) served
 * as real Modbus TCP / RTU servers for tests, benchmarks and the demo.
 * Only serves what it simulates: it never connects anywhere itself.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caltime.h"
#include "log.h"
#include "profile.h"
#include "server.h"
#include "simclock.h"
#include "simconf.h"
#include "util.h"
#include "version.h"

static volatile sig_atomic_t stop_flag, reload_flag, dump_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_reload(int sig)
{
	(void)sig;
	reload_flag = 1;
}

static void on_dump(int sig)
{
	(void)sig;
	dump_flag = 1;
}

static void usage(FILE *f)
{
	fputs(
	    "usage: pvmon-sim [-c FILE | quick flags] [options]\n"
	    "  -c, --config FILE            stations, devices and faults (docs/sim.md)\n"
	    "quick flags (instead of -c):\n"
	    "  --stations N                 stations st001..stN (default 1)\n"
	    "  --inverters-per-station K    inverters inv01..invK at units 1..K (default 1)\n"
	    "  --profile NAME[,NAME...]     inverter profiles, used in turn (default "
	    "huawei-sun2000)\n"
	    "  --meter-profile NAME[,...]   meter at unit K+1, or none (default chint-dtsu666)\n"
	    "  --capacity-w W               per inverter (default 50000)\n"
	    "  --port-base P                station i serves on P+i-1 (default: free ports)\n"
	    "  --rtu                        serve every station on a pseudo-terminal\n"
	    "  --pty-dir DIR                link DIR/<station> to each station's pty\n"
	    "  --lat DEG --lon DEG          where the first station stands (default Lin County)\n"
	    "options:\n"
	    "  --profiles DIR               profile directory (default config/profiles)\n"
	    "  --listen ADDR                TCP address (default 127.0.0.1)\n"
	    "  --speed X                    simulated seconds per real second; 0 freezes\n"
	    "  --start ISO8601              simulated start (default now)\n"
	    "  --seed N                     clouds and garbage (default 1)\n"
	    "  --timezone TZ                for today counters (default Asia/Shanghai)\n"
	    "  --faults FILE                extra faults; SIGUSR1 reloads them\n"
	    "  --unknown-unit ignore|exception\n"
	    "  --ports-file FILE            where each station serves, once ready\n"
	    "  --dump FILE                  canonical values per device, at start and on SIGUSR2\n"
	    "  --served FILE                requests served per device, at exit and on SIGUSR2\n"
	    "  --check                      load and lay out everything, then exit\n"
	    "  --log-level L                error, warn, info (default), debug\n"
	    "  --version                    print the version and exit\n",
	    f);
}

/* Parses a number option strictly. */
static int num_arg(const char *opt, const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "pvmon-sim: %s: expected a number from %g to %g, got \"%s\"\n", opt,
		        min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* The default profile directory: ./config/profiles, else next to the binary. */
static char *default_profiles(void)
{
	struct stat sb;
	char exe[4096];
	ssize_t n;

	if (stat("config/profiles", &sb) == 0 && S_ISDIR(sb.st_mode))
		return xstrdup("config/profiles");
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		char *slash;
		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			return xasprintf("%s/../config/profiles", exe);
		}
	}
	return xstrdup("config/profiles");
}

enum {
	OPT_STATIONS = 256,
	OPT_INVERTERS,
	OPT_PROFILE,
	OPT_METER,
	OPT_CAPACITY,
	OPT_PORT_BASE,
	OPT_RTU,
	OPT_PTY_DIR,
	OPT_LAT,
	OPT_LON,
	OPT_PROFILES,
	OPT_LISTEN,
	OPT_SPEED,
	OPT_START,
	OPT_SEED,
	OPT_TZ,
	OPT_FAULTS,
	OPT_UNKNOWN,
	OPT_PORTS,
	OPT_DUMP,
	OPT_SERVED,
	OPT_CHECK,
	OPT_LOG,
	OPT_VERSION
};

static const struct option long_opts[] = {
    {"config", required_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {"stations", required_argument, NULL, OPT_STATIONS},
    {"inverters-per-station", required_argument, NULL, OPT_INVERTERS},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"meter-profile", required_argument, NULL, OPT_METER},
    {"capacity-w", required_argument, NULL, OPT_CAPACITY},
    {"port-base", required_argument, NULL, OPT_PORT_BASE},
    {"rtu", no_argument, NULL, OPT_RTU},
    {"pty-dir", required_argument, NULL, OPT_PTY_DIR},
    {"lat", required_argument, NULL, OPT_LAT},
    {"lon", required_argument, NULL, OPT_LON},
    {"profiles", required_argument, NULL, OPT_PROFILES},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"speed", required_argument, NULL, OPT_SPEED},
    {"start", required_argument, NULL, OPT_START},
    {"seed", required_argument, NULL, OPT_SEED},
    {"timezone", required_argument, NULL, OPT_TZ},
    {"faults", required_argument, NULL, OPT_FAULTS},
    {"unknown-unit", required_argument, NULL, OPT_UNKNOWN},
    {"ports-file", required_argument, NULL, OPT_PORTS},
    {"dump", required_argument, NULL, OPT_DUMP},
    {"served", required_argument, NULL, OPT_SERVED},
    {"check", no_argument, NULL, OPT_CHECK},
    {"log-level", required_argument, NULL, OPT_LOG},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0}};

int main(int argc, char **argv)
{
	struct simconf_gen gen = {
	    1, 1, "huawei-sun2000", "chint-dtsu666", 50000, 0, 0, NULL, 37.95, 110.99};
	const char *config = NULL, *profiles = NULL, *listen = NULL, *start = NULL, *tz = NULL;
	const char *faults = NULL, *unknown = NULL, *ports = NULL, *dump = NULL, *served = NULL;
	double speed = -1, seed = -1, v;
	int check = 0, quick = 0, level = LOGL_INFO, opt, rc = 1;
	struct sim_conf *c = NULL;
	struct profile_set *ps = NULL;
	struct server *srv = NULL;
	struct simclock clock;
	char *cause = NULL, *pdir = NULL;
	struct sigaction sa;

	while ((opt = getopt_long(argc, argv, "c:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("pvmon-sim %s\n", PVMON_VERSION);
			return 0;
		case OPT_STATIONS:
			if (num_arg("--stations", optarg, 1, 10000, &v))
				return 2;
			gen.stations = (int)v;
			quick = 1;
			break;
		case OPT_INVERTERS:
			if (num_arg("--inverters-per-station", optarg, 0, 200, &v))
				return 2;
			gen.inverters = (int)v;
			quick = 1;
			break;
		case OPT_PROFILE:
			gen.profiles = optarg;
			quick = 1;
			break;
		case OPT_METER:
			gen.meter_profiles = optarg;
			quick = 1;
			break;
		case OPT_CAPACITY:
			if (num_arg("--capacity-w", optarg, 1, 10000000, &v))
				return 2;
			gen.capacity_w = (int64_t)v;
			quick = 1;
			break;
		case OPT_PORT_BASE:
			if (num_arg("--port-base", optarg, 1, 65535, &v))
				return 2;
			gen.port_base = (int)v;
			quick = 1;
			break;
		case OPT_RTU:
			gen.rtu = 1;
			quick = 1;
			break;
		case OPT_PTY_DIR:
			gen.pty_dir = optarg;
			quick = 1;
			break;
		case OPT_LAT:
			if (num_arg("--lat", optarg, -66, 66, &gen.lat))
				return 2;
			quick = 1;
			break;
		case OPT_LON:
			if (num_arg("--lon", optarg, -180, 180, &gen.lon))
				return 2;
			quick = 1;
			break;
		case OPT_PROFILES:
			profiles = optarg;
			break;
		case OPT_LISTEN:
			listen = optarg;
			break;
		case OPT_SPEED:
			if (num_arg("--speed", optarg, 0, 1e7, &speed))
				return 2;
			break;
		case OPT_START:
			start = optarg;
			break;
		case OPT_SEED:
			if (num_arg("--seed", optarg, 0, 9007199254740991.0, &seed))
				return 2;
			break;
		case OPT_TZ:
			tz = optarg;
			break;
		case OPT_FAULTS:
			faults = optarg;
			break;
		case OPT_UNKNOWN:
			if (strcmp(optarg, "ignore") != 0 && strcmp(optarg, "exception") != 0) {
				fprintf(
				    stderr,
				    "pvmon-sim: --unknown-unit: expected ignore or exception, got "
				    "\"%s\"\n",
				    optarg);
				return 2;
			}
			unknown = optarg;
			break;
		case OPT_PORTS:
			ports = optarg;
			break;
		case OPT_DUMP:
			dump = optarg;
			break;
		case OPT_SERVED:
			served = optarg;
			break;
		case OPT_CHECK:
			check = 1;
			break;
		case OPT_LOG:
			level = log_level_parse(optarg);
			if (level < 0) {
				fprintf(
				    stderr,
				    "pvmon-sim: --log-level: expected error, warn, info or debug, "
				    "got \"%s\"\n",
				    optarg);
				return 2;
			}
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pvmon-sim: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (config && quick) {
		fprintf(stderr, "pvmon-sim: -c and the quick fleet flags exclude each other\n");
		return 2;
	}
	log_open("pvmon-sim", NULL, (enum log_level)level);
	if (tz && caltime_set_zone(tz)) {
		fprintf(stderr, "pvmon-sim: --timezone: unknown time zone \"%s\"\n", tz);
		goto done;
	}
	if (!tz && !config)
		caltime_set_zone("Asia/Shanghai");
	c = config ? simconf_load(config, &cause) : simconf_generate(&gen, &cause);
	if (!c)
		goto fail;
	if (tz) {
		free(c->timezone);
		c->timezone = xstrdup(tz);
		caltime_set_zone(tz);
	}
	if (start) {
		int64_t ms;
		if (simclock_parse_iso(start, &ms)) {
			fprintf(stderr,
			        "pvmon-sim: --start: expected an ISO 8601 time like "
			        "2019-06-21T12:00:00+08:00, got \"%s\"\n",
			        start);
			goto done;
		}
		simconf_set_start(c, ms);
	}
	if (speed >= 0)
		c->speed = speed;
	if (seed >= 0)
		c->seed = (uint64_t)seed;
	if (listen) {
		free(c->listen);
		c->listen = xstrdup(listen);
	}
	if (unknown)
		c->unknown_unit_exception = strcmp(unknown, "exception") == 0;
	if (faults) {
		free(c->faults_file);
		c->faults_file = xstrdup(faults);
	}
	if (c->faults_file && simconf_reload_faults(c, c->start_ms, &cause))
		goto fail;
	pdir = profiles      ? xstrdup(profiles)
	       : c->profiles ? xstrdup(c->profiles)
	                     : default_profiles();
	ps = profile_set_load(pdir, &cause);
	if (!ps)
		goto fail;
	simclock_init(&clock, c->start_ms, c->speed);
	srv = server_new(c, ps, &clock, &cause);
	if (!srv)
		goto fail;
	if (check) {
		printf("pvmon-sim: %d stations ok\n", c->n_stations);
		rc = 0;
		goto done;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_reload;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_dump;
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (dump && server_write_dump(srv, dump, &cause))
		goto fail;
	if (ports && server_write_ports(srv, ports, &cause))
		goto fail;
	log_info("serving %d stations (speed %g)", c->n_stations, c->speed);
	server_run(srv, &stop_flag, &reload_flag, &dump_flag, dump, served);
	if (served && server_write_served(srv, served, &cause))
		goto fail;
	rc = 0;
	goto done;
fail:
	fprintf(stderr, "pvmon-sim: %s\n", cause);
done:
	free(cause);
	server_free(srv);
	profile_set_free(ps);
	simconf_free(c);
	free(pdir);
	log_close();
	return rc;
}
