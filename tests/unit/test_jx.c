/* Tests for jx: exact decimals, value descriptions and parse errors with their place. */
#include <stdlib.h>

#include "harness.h"
#include "jx.h"

/* Parses {"v": text} and reads v as a decimal with the given places; returns the error or NULL. */
static char *decimal(const char *text, int places, int64_t min, int64_t *out)
{
	struct jx jx = {"t.json", NULL};
	char buf[256];
	cJSON *root;
	char *err;
	snprintf(buf, sizeof buf, "{\"v\": %s}", text);
	root = jx_parse(&jx, buf, strlen(buf));
	jx_decimal(&jx, root, "", "v", 1, places, min, INT64_MAX, out);
	cJSON_Delete(root);
	err = jx.err;
	jx.err = NULL;
	return err;
}

static void decimals_are_exact_from_numbers_and_strings(void)
{
	static const struct {
		const char *text;
		int places;
		int64_t want;
	} ok[] = {
	    {"0.332", 5, 33200},
	    {"\"0.3320\"", 5, 33200},
	    {"0.07", 2, 7},
	    {"\"0.07\"", 2, 7},
	    {"1e3", 2, 100000},
	    {"200000", 2, 20000000},
	    {"\"8000.00\"", 2, 800000},
	    {"0.1", 1, 1},
	    {"\"007.5\"", 1, 75},
	    {"1234567.89", 2, 123456789},
	    {"0.58", 2, 58},
	    {"\"0.332000\"", 5, 33200},
	    {"4.35", 2, 435},
	    {"1.005", 3, 1005},
	    {"0", 2, 0},
	};
	size_t i;
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t v = -1;
		char *err = decimal(ok[i].text, ok[i].places, 0, &v);
		if (err || v != ok[i].want)
			printf("  %s at %d places: got %lld (%s)\n", ok[i].text, ok[i].places,
			       (long long)v, err ? err : "no error");
		CHECK(err == NULL);
		CHECK_INT(v, ok[i].want);
		free(err);
	}
}

static void decimals_that_would_need_rounding_are_refused(void)
{
	static const char *const bad[] = {
	    "0.3320001", "\"0.333333\"", "\"1e3\"", "\".5\"", "\"5.\"", "\"+5\"", "\" 5\"",
	    "\"\"",      "\"0x10\"",     "true",    "null",   "1e300",  "\"-1\""};
	size_t i;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t v = 42;
		char *err = decimal(bad[i], 5, 0, &v);
		if (!err)
			printf("  %s was accepted as %lld\n", bad[i], (long long)v);
		CHECK(err != NULL);
		CHECK_INT(v, 42);
		free(err);
	}
}

static void a_refused_decimal_says_what_was_expected(void)
{
	int64_t v;
	char *err = decimal("0.3320001", 5, 0, &v);
	CHECK_STR(err, "t.json: v: expected a number >= 0 with at most 5 decimal places, got "
	               "0.3320001");
	free(err);
	err = decimal("0", 3, 1, &v);
	CHECK_STR(err, "t.json: v: expected a number > 0 with at most 3 decimal places, got 0");
	free(err);
}

static void parse_errors_give_line_and_column_and_trailing_text_is_an_error(void)
{
	struct jx jx = {"t.json", NULL};
	const char *text = "{\n  \"a\": 1,\n  \"b\": ]\n}";
	CHECK(jx_parse(&jx, text, strlen(text)) == NULL);
	CHECK_STR(jx.err, "t.json: invalid JSON at line 3, column 8");
	jx_release(&jx);
	text = "{\"a\": 1}\n  x";
	CHECK(jx_parse(&jx, text, strlen(text)) == NULL);
	CHECK_STR(jx.err, "t.json: invalid JSON at line 2, column 3");
	jx_release(&jx);
	/* the length is honoured: text after it is not read */
	text = "{\"a\": 1}garbage";
	{
		cJSON *j = jx_parse(&jx, text, 8);
		CHECK(j != NULL);
		CHECK(jx.err == NULL);
		cJSON_Delete(j);
	}
}

static void numbers_are_described_in_their_shortest_form(void)
{
	char buf[64];
	cJSON *n = cJSON_CreateNumber(0.1);
	jx_describe(n, buf, sizeof buf);
	CHECK_STR(buf, "0.1");
	cJSON_SetNumberValue(n, 9600);
	jx_describe(n, buf, sizeof buf);
	CHECK_STR(buf, "9600");
	cJSON_SetNumberValue(n, 137.962);
	jx_describe(n, buf, sizeof buf);
	CHECK_STR(buf, "137.962");
	cJSON_Delete(n);
}

/* Parses {"v": text} and reads v as a date; returns the error or NULL. */
static char *date(const char *text, int32_t *out)
{
	struct jx jx = {"t.json", NULL};
	char buf[256];
	cJSON *root;
	char *err;
	snprintf(buf, sizeof buf, "{\"v\": %s}", text);
	root = jx_parse(&jx, buf, strlen(buf));
	jx_date(&jx, root, "a", "v", 1, out);
	cJSON_Delete(root);
	err = jx.err;
	jx.err = NULL;
	return err;
}

static void dates_are_strict_civil_days_and_a_bad_one_says_what_was_expected(void)
{
	int32_t d = -1;
	char *err = date("\"2019-07-01\"", &d);
	CHECK(err == NULL);
	CHECK_INT(d, 18078);
	free(err);
	err = date("\"2019-02-30\"", &d);
	CHECK_STR(err, "t.json: a.v: expected a date YYYY-MM-DD from 1900 to 2200, got "
	               "\"2019-02-30\"");
	free(err);
	err = date("20190701", &d);
	CHECK(err != NULL);
	free(err);
	err = date("\"2019-7-1\"", &d);
	CHECK(err != NULL);
	free(err);
}

int main(void)
{
	RUN(decimals_are_exact_from_numbers_and_strings);
	RUN(decimals_that_would_need_rounding_are_refused);
	RUN(a_refused_decimal_says_what_was_expected);
	RUN(parse_errors_give_line_and_column_and_trailing_text_is_an_error);
	RUN(numbers_are_described_in_their_shortest_form);
	RUN(dates_are_strict_civil_days_and_a_bad_one_says_what_was_expected);
	return harness_end();
}
