/*
 * cmd: the subcommands of pvmon-allocator. Each takes the arguments after
 * the subcommand name and returns the process exit status.
 */
#ifndef PVMON_ALLOCATOR_CMD_H
#define PVMON_ALLOCATOR_CMD_H

int ingest_cmd(int argc, char **argv);
int status_cmd(int argc, char **argv);
int report_cmd(int argc, char **argv);
int ledger_cmd(int argc, char **argv);

#endif
