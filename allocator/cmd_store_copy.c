/*
 * cmd_store_copy: `pvmon-allocator store-copy --from FILE.db --to URL`
 * copies a SQLite store into an empty PostgreSQL database (or another file)
 * and prints, per table, the row count and sums it checked on both sides
 * (docs/storage.md, "PostgreSQL"). It never writes to the source.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "store.h"
#include "store_copy.h"

static const char usage[] =
    "usage: pvmon-allocator store-copy --from FILE.db --to postgresql://USER@HOST:PORT/DB\n"
    "                                  [--password-file FILE]\n";

/* One line per table: both sides' figures and whether they match. */
static void print_check(void *ctx, const struct store_copy_check *c)
{
	(void)ctx;
	printf("%-22s rows %" PRId64 " %s %" PRId64 " %s %" PRId64 " %s %" PRId64 " %s\n", c->table,
	       c->to[0], c->sums[0], c->to[1], c->sums[1], c->to[2], c->sums[2], c->to[3],
	       !c->equal   ? "DIFFERS"
	       : c->absent ? "ok (not in the source)"
	                   : "ok");
	if (!c->equal)
		printf("%-22s source: rows %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", "",
		       c->from[0], c->from[1], c->from[2], c->from[3]);
}

int cmd_store_copy(int argc, char **argv)
{
	static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
	                                     {"to", required_argument, NULL, 't'},
	                                     {"password-file", required_argument, NULL, 'p'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *from = NULL, *to = NULL, *pw = NULL;
	struct store *src = NULL, *dst = NULL;
	char *cause = NULL;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'p':
			pw = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!from || !to || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (!(src = store_open_readonly(from, &cause)) ||
	    !(dst = store_open_conf(to, pw, 0, &cause)))
		goto done;
	if (store_copy(src, dst, print_check, NULL, &cause) < 0)
		goto done;
	rc = 0;
done:
	if (cause)
		fprintf(stderr, "pvmon-allocator store-copy: %s\n", cause);
	free(cause);
	store_close(src);
	store_close(dst);
	return rc;
}
