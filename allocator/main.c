/*
 * pvmon-allocator: the central program. Dispatches to a subcommand (ingest,
 * status, report, ledger, serve, store-copy), each of which parses its own options; nothing else
 * here.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "version.h"

static const char usage[] =
    "usage: pvmon-allocator <command> -c central.json [options]\n"
    "commands:\n"
    "  ingest   subscribe to the gateways, store every reading once, acknowledge\n"
    "  status   per gateway and device: last reading, acks, backlog, completeness\n"
    "  report   the monthly allocation report (--month YYYY-MM)\n"
    "  ledger   money received and owed, grid statements, the village ledger\n"
    "  serve    the dashboard, its JSON API and /metrics over HTTP (read only)\n"
    "  store-copy  copy a SQLite store into PostgreSQL and check every table\n"
    "pvmon-allocator --version prints the version.\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
	    {"ingest", cmd_ingest}, {"status", cmd_status}, {"report", cmd_report},
	    {"ledger", cmd_ledger}, {"serve", cmd_serve},   {"store-copy", cmd_store_copy},
	};
	size_t i;

	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("pvmon-allocator %s\n", PVMON_VERSION);
		return 0;
	}
	/* each command sees its own name as argv[0], as getopt expects */
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "pvmon-allocator: unknown command \"%s\"\n%s", argv[1], usage);
	return 2;
}
