/*
 * Tests for opening one new SQLite store from several processes at once, as ingest
 * workers started together do: each must open it, the schema must be made once.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "store.h"
#include "store_testing.h"
#include "util.h"

#define ROUNDS 12
#define OPENERS 4

static char dir[] = "/tmp/pvmon-test-store-open.XXXXXX";

/* In a child: opens path, exits 0 when the store opened, 1 with the cause on stderr. */
static void open_child(const char *path)
{
	char *cause = NULL;
	struct store *s = store_open(path, &cause);
	if (!s) {
		fprintf(stderr, "open %s: %s\n", path, cause);
		_exit(1);
	}
	store_close(s);
	_exit(0);
}

static void several_processes_open_a_new_file_together(void)
{
	int round, i, failed = 0;

	for (round = 0; round < ROUNDS; round++) {
		char path[256], *cause = NULL;
		pid_t pids[OPENERS];
		struct store *s;

		snprintf(path, sizeof path, "%s/new%d.db", dir, round);
		for (i = 0; i < OPENERS; i++) {
			pids[i] = fork();
			if (pids[i] == 0)
				open_child(path);
		}
		for (i = 0; i < OPENERS; i++) {
			int st = 0;
			if (pids[i] < 0 || waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) ||
			    WEXITSTATUS(st) != 0)
				failed++;
		}
		s = store_open_readonly(path, &cause);
		CHECK(s != NULL);
		if (s) {
			CHECK_INT(store_testing_int(s, "PRAGMA user_version"),
			          STORE_SCHEMA_VERSION);
			CHECK_INT(store_testing_int(s, "SELECT count(*) FROM sqlite_master WHERE "
			                               "type = 'table' AND name = 'readings'"),
			          1);
			store_close(s);
		}
		free(cause);
	}
	CHECK_INT(failed, 0);
}

/* In a child: holds the write lock of path for hold_ms, writes a byte to ready when it has it. */
static void hold_child(const char *path, int ready, int64_t hold_ms)
{
	char *cause = NULL;
	struct store *s = store_open(path, &cause);
	if (!s || store_testing_exec(s, "BEGIN IMMEDIATE") != 0 || write(ready, "x", 1) != 1)
		_exit(1);
	util_sleep_ms(hold_ms);
	_exit(store_testing_exec(s, "COMMIT") == 0 ? 0 : 1);
}

/*
 * One process holds the write lock longer than SQLite's busy timeout (5 s), as a
 * worker loading a province's fleet does: the others wait and open, not fail.
 * Every connection is in a child: SQLite's locks must not cross a fork.
 */
static void an_open_waits_out_a_long_write_lock(void)
{
	char path[256], *cause = NULL, c;
	struct store *s;
	pid_t holder, pids[2];
	int i, st, ready[2];

	snprintf(path, sizeof path, "%s/held.db", dir);
	if (pipe(ready) != 0)
		return;
	holder = fork();
	if (holder == 0)
		hold_child(path, ready[1], 6000);
	CHECK_INT(read(ready[0], &c, 1), 1);
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			open_child(path);
	}
	st = -1;
	CHECK(holder > 0 && waitpid(holder, &st, 0) == holder && st == 0);
	for (i = 0; i < 2; i++) {
		st = -1;
		CHECK(pids[i] > 0 && waitpid(pids[i], &st, 0) == pids[i]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	close(ready[0]);
	close(ready[1]);
	s = store_open_readonly(path, &cause);
	CHECK(s != NULL);
	if (s)
		CHECK_INT(store_testing_int(s, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	store_close(s);
	free(cause);
}

int main(void)
{
	char cmd[300];
	if (!mkdtemp(dir))
		return 1;
	RUN(an_open_waits_out_a_long_write_lock);
	RUN(several_processes_open_a_new_file_together);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return harness_end();
}
