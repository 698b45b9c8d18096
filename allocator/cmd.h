/*
 * cmd: the subcommands of pvmon-allocator, and the start they share. Each
 * command takes the arguments after its name and returns the exit status.
 */
#ifndef PVMON_ALLOCATOR_CMD_H
#define PVMON_ALLOCATOR_CMD_H

struct central_conf;
struct fleet;
struct store;

int cmd_ingest(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_ledger(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_store_copy(int argc, char **argv);

/* What every command starts from; all owned (cmd_central_release). */
struct central {
	struct central_conf *conf;
	struct fleet *fleet;
	struct store *store;
};

/*
 * Loads central.json at path, opens the log as log_ident when that is not
 * NULL (ingest), selects the county's zone, loads the fleet and opens the
 * database (read-write when writable, else read only). Returns 0, or -1 with
 * *cause (a new string the caller frees); out is then partly filled, and
 * cmd_central_release frees it either way.
 */
int cmd_load_central(const char *path, int writable, const char *log_ident, struct central *out,
                     char **cause);
void cmd_central_release(struct central *c);

/*
 * Reads the arguments of a command that takes only -c FILE (and -h): returns
 * -1 with *conf_path set (borrowed from argv) to go on, or the exit status to
 * return at once (0 after -h, 2 on a usage error; usage printed either way).
 */
int cmd_args_config(int argc, char **argv, const char *usage, const char **conf_path);

#endif
