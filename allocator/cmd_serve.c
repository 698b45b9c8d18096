/*
 * cmd_serve: `pvmon-allocator serve`, the dashboard, API and metrics over
 * HTTP (docs/serve.md) until SIGTERM. It never writes the database.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caltime.h"
#include "cmd.h"
#include "config.h"
#include "fleet.h"
#include "log.h"
#include "serve.h"
#include "util.h"

static volatile sig_atomic_t stop_requested, reopen_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reopen_requested = 1;
	else
		stop_requested = 1;
}

static const char usage[] = "usage: pvmon-allocator serve -c central.json";

int cmd_serve(int argc, char **argv)
{
	struct central_conf *conf = NULL;
	struct fleet *fleet = NULL;
	struct serve *sv = NULL;
	struct sigaction sa;
	const char *conf_path = NULL;
	char *cause = NULL;
	int opt, rc = 1;

	if ((opt = cmd_args_config(argc, argv, usage, &conf_path)) >= 0)
		return opt;
	if (config_central_load(conf_path, &conf, &cause) < 0)
		goto done;
	log_open("pvmon-serve", conf->log_target, (enum log_level)conf->log_level);
	if (caltime_set_zone(conf->timezone) < 0) {
		cause = xasprintf("%s: timezone: unknown zone \"%s\"", conf_path, conf->timezone);
		goto done;
	}
	if (fleet_load(conf->fleet_path, &fleet, &cause) < 0)
		goto done;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!(sv = serve_start(conf, fleet, &cause)))
		goto done;
	log_info("serving %s on http%s://%s:%d/", conf->database,
	         conf->live.tls_cert_file ? "s" : "", conf->live.listen_host, serve_port(sv));
	while (!stop_requested) {
		pause();
		if (reopen_requested) {
			reopen_requested = 0;
			log_reopen();
		}
	}
	log_info("stopping");
	rc = 0;
done:
	if (cause)
		fprintf(stderr, "pvmon-allocator serve: %s\n", cause);
	free(cause);
	serve_stop(sv);
	log_close();
	fleet_free(fleet);
	config_central_free(conf);
	return rc;
}
