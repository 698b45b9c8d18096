/*
 * fuzzutil: helpers shared by the fuzz targets: a private temp dir for the
 * loaders that take a path, the repo root, and an abort that names the bug.
 */
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];

/* Removes the temp dir and what the targets wrote into it. */
static void cleanup(void)
{
	DIR *d;
	struct dirent *de;
	char path[512];

	if (!tmpdir[0] || !(d = opendir(tmpdir)))
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[512];
	const char *base = getenv("FUZZ_TMPDIR");
	int fd;

	if (!tmpdir[0]) {
		/* tmpfs: on ext4, truncating and rewriting a file forces a writeback per run */
		if (!base || !*base)
			base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/pvmon-fuzz.XXXXXX",
		         base && *base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("fuzz: mkdtemp");
			exit(2);
		}
		atexit(cleanup);
	}
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd) < 0) {
		perror("fuzz: writing the input file");
		exit(2);
	}
	return path;
}

const char *fuzz_root(void)
{
	const char *r = getenv("PVMON_ROOT");
	return r && *r ? r : ".";
}

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("fuzz: invariant broken: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
