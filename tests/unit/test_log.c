/* Tests for the log module: where lines go, and that their time says its zone. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"

static void a_log_line_starts_with_utc_time_that_says_so(void)
{
	char path[] = "/tmp/pvmon-test-log.XXXXXX", line[512];
	int fd = mkstemp(path);
	time_t before = time(NULL), after;
	struct tm tm;
	FILE *f;
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	CHECK_INT(log_open("pvmon-test", path, LOGL_INFO), 0);
	log_info("hello %d", 42);
	log_close();
	after = time(NULL);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (f && fgets(line, sizeof line, f)) {
		/* "2019-06-30T15:59:59Z pvmon-test[info]: hello 42": ISO 8601, Z for UTC */
		memset(&tm, 0, sizeof tm);
		CHECK(strptime(line, "%Y-%m-%dT%H:%M:%SZ ", &tm) == line + 21);
		CHECK(timegm(&tm) >= before && timegm(&tm) <= after);
		CHECK(strstr(line, " pvmon-test[info]: hello 42\n") == line + 20);
	} else {
		CHECK(0);
	}
	if (f)
		fclose(f);
	unlink(path);
}

int main(void)
{
	RUN(a_log_line_starts_with_utc_time_that_says_so);
	return harness_end();
}
