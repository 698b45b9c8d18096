/* Tests for the renderers: BOM, alignment with Chinese names, JSON sums, HTML bars and escaping. */
#include <cjson/cJSON.h>

#include "fleet.h"
#include "render.h"
#include "report_table.h"
#include "harness.h"
#include "test_report_fixture.h"

/* Three villages (one with a hostile name) sharing two stations, June 2019 data. */
static struct fleet *render_fleet(void)
{
	struct fleet *f = fixture_fleet("临县");
	int tw = fixture_township(f, "t1", "临泉镇"), tw2 = fixture_township(f, "t2", "城庄镇");
	int t = fixture_tariff(f, "t", 33200, 51800);
	int a = fixture_village(f, "va", "西坡村", tw);
	int b = fixture_village(f, "vb", "<script>alert(1)</script>", tw);
	int c = fixture_village(f, "vc", "=cmd|' /C calc'!A0, \"x\"", tw2);
	int d = fixture_village(f, "vd", "高家塔村", tw2);
	int s1 = fixture_station(f, "s1", "联村电站", 300000, 1, 2, t);
	int s2 = fixture_station(f, "s2", "West <b>", 300000, 1, 2, t);
	fixture_share(f, s1, a, 1);
	fixture_share(f, s1, b, 1);
	fixture_share(f, s1, c, 1);
	fixture_share(f, s2, d, 2);
	fixture_share(f, s2, a, 1);
	return f;
}

static struct store *render_db(void)
{
	struct store *db = fixture_db(NULL);
	int32_t jun1 = caltime_days(2019, 6, 1), d;
	int64_t c1 = 0, c2 = 0;
	for (d = jun1 - 200; d < jun1 + 30; d++) {
		fixture_day(db, "s1", "m1", 1, d, &c1, 1500001, 1440);
		if (d < jun1 + 20)
			fixture_day(db, "s2", "m1", 1, d, &c2, 900000, 1440);
	}
	return db;
}

/* Renders into a new string (caller frees). */
static char *render(const struct report *r, enum format_kind fmt, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	CHECK_INT(render_report(r, fmt, m), 0);
	fclose(m);
	if (len)
		*len = n;
	return buf;
}

static struct report *build(struct store *db, const struct fleet *f, const char *generated_at)
{
	struct report_params p = {.year = 2019,
	                          .month = 6,
	                          .timezone = "Asia/Shanghai",
	                          .generated_at = generated_at,
	                          .target_fen_per_year = 20000000,
	                          .expected_interval_s = 60,
	                          .meter_tolerance_permille = 50,
	                          .lang = MSG_EN};
	char *cause = NULL;
	struct report *r = report_build(db, f, &p, &cause);
	if (!r)
		printf("  report_build: %s\n", cause);
	free(cause);
	return r;
}

static void display_width_counts_chinese_characters_as_two_columns(void)
{
	CHECK_INT(render_display_width("abc"), 3);
	CHECK_INT(render_display_width("西坡村"), 6);
	CHECK_INT(render_display_width("西a"), 3);
	CHECK_INT(render_display_width("e\xcc\x81"), 1); /* e + combining acute */
	CHECK_INT(render_display_width("ＡＢ"), 4);      /* fullwidth forms */
	CHECK_INT(render_display_width("¥1"), 2);
	CHECK_INT(render_display_width("\xff"
	                               "a"),
	          2); /* an invalid byte takes one column */
}

static void csv_starts_with_a_bom_and_defuses_formulas(void)
{
	struct store *db = render_db();
	struct fleet *f = render_fleet();
	struct report *r = build(db, f, NULL);
	char *csv = r ? render(r, FORMAT_CSV, NULL) : NULL;
	CHECK(csv != NULL);
	if (csv) {
		CHECK(memcmp(csv,
		             "\xEF\xBB\xBF"
		             "section,summary\r\n",
		             20) == 0);
		CHECK(strstr(csv, "\r\nsection,stations\r\nstation_id,") != NULL);
		CHECK(strstr(csv, "\r\nsection,villages\r\n") != NULL);
		CHECK(strstr(csv, "\r\nsection,townships\r\n") != NULL);
		/* Quoted for the comma and quotes, and a leading ' so Excel does not run it. */
		CHECK(strstr(csv, ",\"'=cmd|' /C calc'!A0, \"\"x\"\"\",") != NULL);
		CHECK(strstr(csv, "西坡村") != NULL);
	}
	free(csv);
	report_free(r);
	fleet_free(f);
	store_close(db);
}

/* Display column at which the first occurrence of needle starts in line, or -1. */
static long column_of(const char *line, const char *needle)
{
	const char *p = strstr(line, needle);
	char *pre;
	long w;
	if (!p)
		return -1;
	pre = xstrdup(line);
	pre[p - line] = 0;
	w = (long)render_display_width(pre);
	free(pre);
	return w;
}

static void text_tables_stay_aligned_with_chinese_names(void)
{
	struct store *db = render_db();
	struct fleet *f = render_fleet();
	struct report *r = build(db, f, NULL);
	char *text = r ? render(r, FORMAT_TEXT, NULL) : NULL, *line, *save = NULL;
	long want = -1;
	int rows = 0, bad = 0, in_villages = 0;
	CHECK(text != NULL);
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "Village  Name", 13) == 0) {
			in_villages = 1;
			want = column_of(line, "Status");
			continue;
		}
		if (in_villages && line[0] == 'v' && line[1] != 0) {
			long at = column_of(line, "  OK") >= 0        ? column_of(line, "  OK")
			          : column_of(line, "  AT RISK") >= 0 ? column_of(line, "  AT RISK")
			                                              : column_of(line, "  BELOW");
			rows++;
			if (at + 2 != want) {
				printf("  misaligned: \"%s\" (%ld, want %ld)\n", line, at + 2,
				       want);
				bad = 1;
			}
		}
		if (in_villages && strncmp(line, "Reasons", 7) == 0)
			in_villages = 0;
	}
	CHECK(want > 0);
	CHECK_INT(rows, 4);
	CHECK(!bad);
	free(text);
	report_free(r);
	fleet_free(f);
	store_close(db);
}

static void json_parses_and_its_sums_match(void)
{
	struct store *db = render_db();
	struct fleet *f = render_fleet();
	struct report *r = build(db, f, NULL);
	char *json = r ? render(r, FORMAT_JSON, NULL) : NULL;
	cJSON *doc = json ? cJSON_Parse(json) : NULL, *x;
	double villages = 0, stations = 0;
	CHECK(doc != NULL);
	if (doc) {
		CHECK_STR(cJSON_GetObjectItem(doc, "schema")->valuestring, "pvmon.report/1");
		CHECK(cJSON_IsNull(cJSON_GetObjectItem(doc, "generated_at")));
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(doc, "villages")) villages +=
		    cJSON_GetObjectItem(x, "month_fen")->valuedouble;
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(doc, "stations")) stations +=
		    cJSON_GetObjectItem(x, "distributable_fen")->valuedouble;
		x = cJSON_GetObjectItem(doc, "totals");
		CHECK(villages > 0);
		CHECK(villages == stations);
		CHECK(villages == cJSON_GetObjectItem(x, "allocated_fen")->valuedouble);
		CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "villages")), 4);
		CHECK_STR(cJSON_GetObjectItem(
		              cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "villages"), 1), "name")
		              ->valuestring,
		          "<script>alert(1)</script>");
	}
	cJSON_Delete(doc);
	free(json);
	report_free(r);
	fleet_free(f);
	store_close(db);
}

/* Occurrences of needle in hay. */
static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

static void html_has_one_bar_per_village_and_escapes_every_name(void)
{
	struct store *db = render_db();
	struct fleet *f = render_fleet();
	struct report *r = build(db, f, NULL);
	char *html = r ? render(r, FORMAT_HTML, NULL) : NULL;
	CHECK(html != NULL);
	if (html) {
		const char *county = strstr(html, "data-chart=\"county\"");
		char *end = county ? strstr(county, "</svg>") : NULL;
		CHECK(end != NULL);
		if (end) {
			char keep = *end;
			*end = 0;
			CHECK_INT(count(county, "<rect class=\"bar "), 4);
			*end = keep;
		}
		CHECK_INT(count(html, "<script>"), 1); /* only the page's own counter */
		CHECK(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
		CHECK(strstr(html, "West &lt;b&gt;") != NULL);
		CHECK(strstr(html, "<b>") == NULL);
		CHECK(strstr(html, "src=") == NULL);
		CHECK(strstr(html, "href=") == NULL);
		CHECK(strstr(html, "@media print") != NULL);
		CHECK(strstr(html, "西坡村") != NULL);
	}
	free(html);
	report_free(r);
	fleet_free(f);
	store_close(db);
}

static void the_same_data_gives_byte_identical_reports(void)
{
	struct store *db = render_db();
	struct fleet *f = render_fleet();
	int fmt;
	for (fmt = FORMAT_TEXT; fmt <= FORMAT_HTML; fmt++) {
		struct report *r1 = build(db, f, NULL), *r2 = build(db, f, NULL);
		size_t n1 = 0, n2 = 0;
		char *a = r1 ? render(r1, (enum format_kind)fmt, &n1) : NULL;
		char *b = r2 ? render(r2, (enum format_kind)fmt, &n2) : NULL;
		CHECK(a && b && n1 == n2 && n1 > 0 && memcmp(a, b, n1) == 0);
		free(a);
		free(b);
		report_free(r1);
		report_free(r2);
	}
	fleet_free(f);
	store_close(db);
}

static void a_generation_time_appears_only_when_given(void)
{
	struct store *db = render_db();
	struct fleet *f = render_fleet();
	struct report *r1 = build(db, f, NULL), *r2 = build(db, f, "2019-07-01 09:00");
	int fmt;
	for (fmt = FORMAT_TEXT; fmt <= FORMAT_HTML; fmt++) {
		char *a = r1 ? render(r1, (enum format_kind)fmt, NULL) : NULL;
		char *b = r2 ? render(r2, (enum format_kind)fmt, NULL) : NULL;
		CHECK(a && strstr(a, "2019-07-01 09:00") == NULL);
		CHECK(b && strstr(b, "2019-07-01 09:00") != NULL);
		free(a);
		free(b);
	}
	report_free(r1);
	report_free(r2);
	fleet_free(f);
	store_close(db);
}

static void every_section_is_one_csv_table_and_the_workbook_a_zip_in_both_languages(void)
{
	struct store *db = render_db();
	struct fleet *f = render_fleet();
	struct report *r = build(db, f, NULL);
	int s, l;
	CHECK(r != NULL);
	for (l = 0; r && l < MSG_LANG_COUNT; l++) {
		r->lang = (enum msg_lang)l;
		for (s = 0; s < RSEC_COUNT; s++) {
			char *buf = NULL;
			size_t n = 0;
			FILE *m = open_memstream(&buf, &n);
			struct report_table *t = report_table_build(r, (enum report_section)s);
			int lines = 0;
			size_t i;
			CHECK_INT(render_csv_section(r, (enum report_section)s, m), 0);
			fclose(m);
			for (i = 0; i < n; i++)
				lines += buf[i] == '\n';
			/* A BOM, a header row, then one line per row (a reason may hold a line
			 * break). */
			CHECK(n > 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0);
			CHECK(lines >= t->nrows + 1);
			CHECK(strncmp(buf + 3, msg_get(r->lang, t->heads[0]),
			              strlen(msg_get(r->lang, t->heads[0]))) == 0);
			report_table_free(t);
			free(buf);
		}
		{
			size_t n = 0;
			char *x = render(r, FORMAT_XLSX, &n);
			CHECK(x != NULL && n > 1000 && memcmp(x, "PK", 2) == 0);
			free(x);
		}
	}
	if (r) {
		r->lang = MSG_ZH;
		struct report_table *t = report_table_build(r, RSEC_VILLAGES);
		CHECK_STR(msg_get(r->lang, t->heads[3]), "状态");
		CHECK_INT(t->nrows, r->n_villages);
		CHECK_INT(report_table_cell(t, 0, 4)->kind, RT_YUAN);
		report_table_free(t);
	}
	report_free(r);
	fleet_free(f);
	store_close(db);
}

int main(void)
{
	caltime_set_zone("Asia/Shanghai");
	RUN(display_width_counts_chinese_characters_as_two_columns);
	RUN(csv_starts_with_a_bom_and_defuses_formulas);
	RUN(text_tables_stay_aligned_with_chinese_names);
	RUN(json_parses_and_its_sums_match);
	RUN(html_has_one_bar_per_village_and_escapes_every_name);
	RUN(the_same_data_gives_byte_identical_reports);
	RUN(a_generation_time_appears_only_when_given);
	RUN(every_section_is_one_csv_table_and_the_workbook_a_zip_in_both_languages);
	return harness_end();
}
