/*
 * A small test harness: CHECK macros record failures, RUN runs one test
 * function and prints "ok"/"not ok"; harness_end prints "N passed, N failed".
 */
#ifndef PVMON_HARNESS_H
#define PVMON_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int harness_pass, harness_fail, harness_now;

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stdout, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #c);    \
			harness_now = 1;                                                           \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long ha_ = (long long)(a), hb_ = (long long)(b);                              \
		if (ha_ != hb_) {                                                                  \
			fprintf(stdout, "  %s:%d: %s == %s: got %lld, expected %lld\n", __FILE__,  \
			        __LINE__, #a, #b, ha_, hb_);                                       \
			harness_now = 1;                                                           \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *ha_ = (a), *hb_ = (b);                                                 \
		if (!ha_ || !hb_ || strcmp(ha_, hb_) != 0) {                                       \
			fprintf(stdout, "  %s:%d: %s == %s: got \"%s\", expected \"%s\"\n",        \
			        __FILE__, __LINE__, #a, #b, ha_ ? ha_ : "(null)",                  \
			        hb_ ? hb_ : "(null)");                                             \
			harness_now = 1;                                                           \
		}                                                                                  \
	} while (0)

/* Runs one test; its name is the function name read as a sentence. */
#define RUN(fn)                                                                                    \
	do {                                                                                       \
		char hn_[256];                                                                     \
		size_t hi_;                                                                        \
		harness_now = 0;                                                                   \
		fn();                                                                              \
		snprintf(hn_, sizeof hn_, "%s", #fn);                                              \
		for (hi_ = 0; hn_[hi_]; hi_++)                                                     \
			if (hn_[hi_] == '_')                                                       \
				hn_[hi_] = ' ';                                                    \
		if (harness_now) {                                                                 \
			harness_fail++;                                                            \
			printf("not ok - %s\n", hn_);                                              \
		} else {                                                                           \
			harness_pass++;                                                            \
			printf("ok - %s\n", hn_);                                                  \
		}                                                                                  \
		fflush(stdout);                                                                    \
	} while (0)

static inline int harness_end(void)
{
	printf("%d passed, %d failed\n", harness_pass, harness_fail);
	return harness_fail ? 1 : 0;
}

#endif
