/*
 * cmd: what the subcommands share: the start every one of them makes (the
 * central file, the county's zone, the fleet, the database). It prints
 * nothing; each command reports the cause in its own name.
 */
#include "cmd.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "caltime.h"
#include "config.h"
#include "fleet.h"
#include "log.h"
#include "store.h"
#include "util.h"

int cmd_load_central(const char *path, int writable, const char *log_ident, struct central *out,
                     char **cause)
{
	memset(out, 0, sizeof *out);
	if (config_central_load(path, &out->conf, cause) < 0)
		goto fail;
	if (log_ident)
		log_open(log_ident, out->conf->log_target, (enum log_level)out->conf->log_level);
	if (caltime_set_zone(out->conf->timezone) < 0) {
		*cause = xasprintf("%s: timezone: unknown zone \"%s\"", path, out->conf->timezone);
		goto fail;
	}
	if (fleet_load(out->conf->fleet_path, &out->fleet, cause) < 0)
		goto fail;
	/* read only for status and report: only a schema version this pvmon was built for */
	out->store = store_open_conf(out->conf->database, out->conf->database_password_file,
	                             !writable, cause);
	if (!out->store)
		goto fail;
	return 0;
fail:
	return -1;
}

void cmd_central_release(struct central *c)
{
	if (!c)
		return;
	store_close(c->store);
	fleet_free(c->fleet);
	config_central_free(c->conf);
	memset(c, 0, sizeof *c);
}

int cmd_args_config(int argc, char **argv, const char *usage, const char **conf_path)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	*conf_path = NULL;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			*conf_path = optarg;
			break;
		case 'h':
			printf("%s\n", usage);
			return 0;
		default:
			fprintf(stderr, "%s\n", usage);
			return 2;
		}
	}
	if (!*conf_path || optind < argc) {
		fprintf(stderr, "%s\n", usage);
		return 2;
	}
	return -1;
}
