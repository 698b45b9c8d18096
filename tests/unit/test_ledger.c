/*
 * Tests for the ledger (allocator/ledger/): SHA-256 against FIPS 180-4's
 * vectors, the parsers, and property tests on a real SQLite store: for random
 * sequences of receipts, received + outstanding = accrued for every station
 * and part, no village is ever owed a negative amount, villages' ledgers sum
 * to their station's, and disbursements add up to the fen.
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "../../allocator/ledger/ledger.h"
#include "../../allocator/ledger/sha256.h"
#include "store.h"
#include "store_testing.h"
#include "caltime.h"
#include "config.h"
#include "fleet.h"
#include "harness.h"
#include "jsonedit.h"
#include "util.h"

static void sha256_matches_the_standard_vectors(void)
{
	char h[SHA256_HEX_LEN];
	struct sha256 c;
	sha256_hex_of("", 0, h);
	CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex_of("abc", 3, h);
	CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
	CHECK_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* a million 'a', fed in uneven pieces across block boundaries */
	sha256_init(&c);
	char a[997];
	memset(a, 'a', sizeof a);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof a ? left : sizeof a;
		sha256_update(&c, a, n);
		left -= n;
	}
	sha256_hex(&c, h);
	CHECK_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void periods_and_yuan_parse_strictly(void)
{
	int first = 0, n = 0;
	int64_t fen = 0;
	CHECK_INT(ledger_period_parse("2019-03", &first, &n), 0);
	CHECK_INT(first, 2019 * 12 + 2);
	CHECK_INT(n, 1);
	CHECK_INT(ledger_period_parse("2019-Q3", &first, &n), 0);
	CHECK_INT(first, 2019 * 12 + 6);
	CHECK_INT(n, 3);
	CHECK_INT(ledger_period_parse("2020", &first, &n), 0);
	CHECK_INT(first, 2020 * 12);
	CHECK_INT(n, 12);
	CHECK_INT(ledger_period_parse("2019-13", &first, &n), -1);
	CHECK_INT(ledger_period_parse("2019-Q5", &first, &n), -1);
	CHECK_INT(ledger_period_parse("19-01", &first, &n), -1);
	CHECK_INT(ledger_yuan_parse("1234.5", &fen), 0);
	CHECK_INT(fen, 123450);
	CHECK_INT(ledger_yuan_parse("0.07", &fen), 0);
	CHECK_INT(fen, 7);
	CHECK_INT(ledger_yuan_parse("-3", &fen), 0);
	CHECK_INT(fen, -300);
	CHECK_INT(ledger_yuan_parse("1.234", &fen), -1);
	CHECK_INT(ledger_yuan_parse("12.", &fen), -1);
	CHECK_INT(ledger_yuan_parse("1e3", &fen), -1);
	CHECK_INT(ledger_yuan_parse("", &fen), -1);
	CHECK_INT(ledger_yuan_parse("99999999999999999999", &fen), -1);
	CHECK_INT(ledger_decimal_parse("91364.5", 3, &fen), 0);
	CHECK_INT(fen, 91364500);
}

static const char fleet_json[] =
    "{\"county\": \"临县\", \"townships\": [{\"id\": \"t\", \"name\": \"镇\"}],"
    " \"villages\": [{\"id\": \"v1\", \"name\": \"一村\", \"township\": \"t\"},"
    "  {\"id\": \"v2\", \"name\": \"二村\", \"township\": \"t\"},"
    "  {\"id\": \"v3\", \"name\": \"三村\", \"township\": \"t\"}],"
    " \"tariffs\": [{\"id\": \"t\", \"periods\": [{\"from\": \"2018-01-01\","
    "  \"coal_yuan_per_kwh\": \"0.3320\", \"subsidy_yuan_per_kwh\": \"0.4680\"}]}],"
    " \"stations\": ["
    "  {\"id\": \"sa\", \"name\": \"A\", \"capacity_kw\": 300, \"commissioned\": \"2018-06-01\","
    "   \"latitude\": 38, \"longitude\": 111, \"meter\": {\"id\": \"m\"}, \"inverters\": [],"
    "   \"shares\": [{\"village\": \"v1\", \"weight\": 7}, {\"village\": \"v2\", \"weight\": 5},"
    "    {\"village\": \"v3\", \"weight\": 3}], \"tariff\": \"t\","
    "   \"settlement\": {\"coal\": {\"cycle\": \"monthly\"}}},"
    "  {\"id\": \"sb\", \"name\": \"B\", \"capacity_kw\": 100, \"commissioned\": \"2018-06-01\","
    "   \"latitude\": 38, \"longitude\": 111, \"meter\": {\"id\": \"m\"}, \"inverters\": [],"
    "   \"shares\": [{\"village\": \"v2\", \"weight\": 1}, {\"village\": \"v3\", \"weight\": 1}],"
    "   \"tariff\": \"t\", \"settlement\": {\"catalogue\": [{\"from\": \"2019-05-01\"}]}}]}";

/* A store with a year of random daily meter energy for both stations. */
static struct store *random_store(unsigned *seed, struct fleet **f)
{
	char *fp = write_tmp("fleet.json", fleet_json), *dbp = tmp_path("ledger.db"), *cause = NULL;
	struct store *s;
	sqlite3_stmt *q;
	remove(dbp);
	if (fleet_load(fp, f, &cause) < 0 || !(s = store_open(dbp, &cause))) {
		printf("  %s\n", cause);
		exit(2);
	}
	free(fp);
	free(dbp);
	sqlite3_prepare_v2(
	    store_testing_db(s),
	    "INSERT INTO daily (station, device, day, kind, n_readings, first_ts, "
	    "first_wh, last_ts, last_wh, delta_wh) VALUES (?, 'm', ?, 1, 1440, ?, ?, "
	    "?, ?, ?)",
	    -1, &q, NULL);
	for (int st = 0; st < 2; st++) {
		int64_t wh = 1000000;
		for (int32_t d = caltime_days(2018, 12, 25); d <= caltime_days(2020, 1, 5); d++) {
			int64_t e = (int64_t)(rand_r(seed) % 1500000);
			sqlite3_bind_text(q, 1, st ? "sb" : "sa", -1, SQLITE_STATIC);
			sqlite3_bind_int(q, 2, d);
			sqlite3_bind_int64(q, 3, caltime_local_midnight_ms(d) + 6 * 3600000);
			sqlite3_bind_int64(q, 4, wh);
			sqlite3_bind_int64(q, 5, caltime_local_midnight_ms(d) + 19 * 3600000);
			sqlite3_bind_int64(q, 6, wh + e);
			sqlite3_bind_int64(q, 7, e);
			sqlite3_step(q);
			sqlite3_reset(q);
			wh += e;
		}
	}
	sqlite3_finalize(q);
	return s;
}

static int64_t q1(struct store *s, const char *sql)
{
	sqlite3_stmt *q = NULL;
	int64_t v = -999;
	if (sqlite3_prepare_v2(store_testing_db(s), sql, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* Checks every invariant the ledger promises; returns the number broken. */
static int invariants(struct ledger *l, struct store *s, const struct fleet *f, int64_t paid)
{
	int bad = 0;
	for (int i = 0; i < f->n_stations; i++) {
		struct ledger_balance b;
		char *cause = NULL;
		if (ledger_balance(l, f->stations[i].id, NULL, 2019, caltime_days(2030, 1, 1), &b,
		                   &cause) < 0) {
			printf("  %s\n", cause);
			free(cause);
			return 1;
		}
		for (int k = 0; k < b.n_owed; k++) {
			if (b.owed[k].received + b.owed[k].outstanding != b.owed[k].accrued)
				bad++;
			if (b.owed[k].outstanding < 0)
				bad++;
		}
		ledger_balance_release(&b);
	}
	/* no village key ever owed less than nothing */
	if (q1(s, "SELECT count(*) FROM (SELECT sum(CASE kind WHEN 'accrual' THEN fen ELSE -fen "
	          "END) AS o FROM ledger_entry WHERE village <> '' AND kind IN ('accrual', "
	          "'receipt') GROUP BY station, village, period, part HAVING o < 0)") != 0)
		bad++;
	/* villages' entries sum to their station's, per kind, station, period and part */
	if (q1(s, "SELECT count(*) FROM (SELECT kind, station, period, part, sum(CASE village WHEN "
	          "'' THEN fen ELSE -fen END) AS d FROM ledger_entry WHERE kind IN ('accrual', "
	          "'receipt') GROUP BY kind, station, period, part HAVING d <> 0)") != 0)
		bad++;
	if (q1(s, "SELECT coalesce(sum(fen), 0) FROM ledger_entry WHERE kind = 'receipt' AND "
	          "village = ''") != paid)
		bad++;
	return bad;
}

static void received_plus_outstanding_is_accrued_for_random_receipts(void)
{
	unsigned seed = 20191231;
	struct fleet *f = NULL;
	struct store *s = random_store(&seed, &f);
	struct ledger_opts o = {10, 0, 60, 50};
	struct ledger *l = ledger_open(s, f, &o);
	char *cause = NULL;
	int n, m, bad = 0, accepted = 0, refused = 0;
	int64_t paid = 0;

	for (m = 2019 * 12; m < 2020 * 12; m++)
		if (ledger_accrue(l, m, caltime_days(2020, 1, 10), &n, &cause) < 0) {
			printf("  %s\n", cause);
			free(cause);
			cause = NULL;
			bad++;
		}
	CHECK(q1(s, "SELECT count(*) FROM ledger_entry WHERE part = 'pending'") > 0);
	for (int i = 0; i < 300; i++) {
		struct ledger_receipt r = {0};
		char ref[32];
		int st = (int)(rand_r(&seed) % 3); /* 2: any station */
		r.part = rand_r(&seed) % 2 ? LEDGER_SUBSIDY : LEDGER_COAL;
		r.payer = r.part == LEDGER_COAL ? "grid" : "fund";
		r.station = st == 2 ? NULL : f->stations[st].id;
		if (rand_r(&seed) % 2) {
			r.first_month = 2019 * 12 + (int)(rand_r(&seed) % 12);
			r.n_months = 1;
		}
		r.fen = 1 + (int64_t)(rand_r(&seed) % 600000);
		r.day = caltime_days(2020, 3, 1) + i;
		snprintf(ref, sizeof ref, "R%d", i);
		r.ref = ref;
		if (ledger_receive(l, &r, NULL, &cause) == 0) {
			accepted++;
			paid += r.fen;
		} else {
			refused++; /* more than is owed in its scope: nothing recorded */
			free(cause);
			cause = NULL;
		}
		bad += invariants(l, s, f, paid);
	}
	printf("  %d receipts accepted, %d refused as more than owed\n", accepted, refused);
	CHECK(accepted > 50);
	CHECK(refused > 0);
	CHECK_INT(bad, 0);
	/* disbursements by share add up to the fen and never pass what came in */
	int64_t before = q1(s, "SELECT coalesce(sum(fen), 0) FROM ledger_entry WHERE kind = "
	                       "'disbursement'");
	CHECK_INT(
	    ledger_disburse(l, "sa", NULL, 100001, caltime_days(2021, 1, 1), "D1", NULL, &cause),
	    0);
	free(cause);
	cause = NULL;
	CHECK_INT(q1(s, "SELECT coalesce(sum(fen), 0) FROM ledger_entry WHERE kind = "
	                "'disbursement'") -
	              before,
	          100001);
	/* 100,001 by 7:5:3 is 46,667.13 / 33,333.67 / 20,000.2: floors leave one fen for v2 */
	CHECK_INT(q1(s, "SELECT fen FROM ledger_entry WHERE ref = 'D1' AND village = 'v2'"), 33334);
	CHECK_INT(ledger_disburse(l, NULL, "v1", INT64_C(1000000000000), caltime_days(2021, 1, 1),
	                          "D2", NULL, &cause),
	          -1);
	CHECK(cause && strstr(cause, "nothing recorded"));
	free(cause);
	ledger_close(l);
	store_close(s);
	fleet_free(f);
}

static void accruals_follow_a_quarterly_statement_to_the_fen(void)
{
	unsigned seed = 7;
	struct fleet *f = NULL;
	struct store *s = random_store(&seed, &f);
	struct ledger_opts o = {10, 0, 60, 50};
	struct ledger *l = ledger_open(s, f, &o);
	char *cause = NULL, *csv;
	int n, changed = 0;
	FILE *devnull = fopen("/dev/null", "w");
	for (int m = 2019 * 12; m < 2019 * 12 + 6; m++)
		CHECK_INT(ledger_accrue(l, m, caltime_days(2019, 7, 1), &n, &cause), 0);
	csv = write_tmp("q.csv", "station,period,settled_kwh,coal_yuan,subsidy_yuan,"
	                         "deductions_yuan\nsa,2019-Q2,100000,33200.01,46800.02,100.00\n");
	CHECK_INT(
	    ledger_import_statement(l, csv, caltime_days(2019, 7, 20), devnull, &changed, &cause),
	    0);
	CHECK_INT(changed, 1);
	/* coal less deductions and subsidy, spread over April to June, add up exactly */
	CHECK_INT(q1(s, "SELECT sum(fen) FROM ledger_entry WHERE station = 'sa' AND village = '' "
	                "AND part = 'coal' AND period BETWEEN 24231 AND 24233"),
	          3310001);
	CHECK_INT(q1(s, "SELECT sum(fen) FROM ledger_entry WHERE station = 'sa' AND village = '' "
	                "AND part = 'subsidy' AND period BETWEEN 24231 AND 24233"),
	          4680002);
	/* and the villages hold 7:5:3 of each month, to the fen */
	CHECK_INT(q1(s, "SELECT sum(fen) FROM ledger_entry WHERE station = 'sa' AND village <> '' "
	                "AND part = 'coal' AND period BETWEEN 24231 AND 24233"),
	          3310001);
	CHECK_INT(invariants(l, s, f, 0), 0);
	free(csv);
	free(cause);
	fclose(devnull);
	ledger_close(l);
	store_close(s);
	fleet_free(f);
}

/* Quoted fields, CRLF line ends, a byte order mark and comments are read as a spreadsheet writes
 * them; one bad row anywhere rejects the whole file. */
static void statements_read_quotes_crlf_and_a_byte_order_mark(void)
{
	unsigned seed = 3;
	struct fleet *f = NULL;
	struct store *s = random_store(&seed, &f);
	struct ledger_opts o = {10, 0, 60, 50};
	struct ledger *l = ledger_open(s, f, &o);
	char *cause = NULL, *csv;
	int changed = 0;
	FILE *devnull = fopen("/dev/null", "w");
	csv =
	    write_tmp("crlf.csv", "\xef\xbb\xbf# exported by the grid's system\r\n"
	                          "reference,station,period,settled_kwh,coal_yuan,subsidy_yuan,"
	                          "deductions_yuan\r\n"
	                          "\"GS \"\"7\"\", 2019\", sa ,2019-07, 1000.5 ,332.17,468.23,0\r\n"
	                          "\r\n"
	                          "GS-8,\"sb\",2019,2000,664.00,936.00,12.5\r\n");
	CHECK_INT(
	    ledger_import_statement(l, csv, caltime_days(2020, 1, 2), devnull, &changed, &cause),
	    0);
	if (cause)
		printf("  %s\n", cause);
	CHECK_INT(changed, 2);
	CHECK_INT(q1(s, "SELECT settled_wh FROM ledger_statement WHERE station = 'sa'"), 1000500);
	CHECK_INT(q1(s, "SELECT count(*) FROM ledger_statement WHERE reference = 'GS \"7\", 2019'"),
	          1);
	CHECK_INT(q1(s, "SELECT n_months FROM ledger_statement WHERE station = 'sb'"), 12);
	CHECK_INT(q1(s, "SELECT deduction_fen FROM ledger_statement WHERE station = 'sb'"), 1250);
	free(csv);
	free(cause);
	cause = NULL;
	/* text after a closing quote, and an empty amount */
	csv = write_tmp("bad.csv",
	                "station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan\n"
	                "sa,2019-08,1,1,1,0\n"
	                "sa,2019-09,1,,1,0\n");
	CHECK_INT(
	    ledger_import_statement(l, csv, caltime_days(2020, 1, 2), devnull, &changed, &cause),
	    -1);
	CHECK(cause &&
	      strstr(cause, "row 3, column 4 (coal_yuan): expected yuan >= 0 with at most 2 "
	                    "decimal places, got \"\""));
	CHECK_INT(q1(s, "SELECT count(*) FROM ledger_statement"), 2);
	free(csv);
	free(cause);
	cause = NULL;
	csv = write_tmp("bad2.csv",
	                "station,period,settled_kwh,coal_yuan,subsidy_yuan,deductions_yuan\n"
	                "\"sa\"x,2019-08,1,1,1,0\n");
	CHECK_INT(
	    ledger_import_statement(l, csv, caltime_days(2020, 1, 2), devnull, &changed, &cause),
	    -1);
	CHECK(cause && strstr(cause, "row 2: expected comma-separated fields"));
	free(csv);
	free(cause);
	fclose(devnull);
	ledger_close(l);
	store_close(s);
	fleet_free(f);
}

/* Reversals in a random sequence of receipts: each reversed receipt nets to zero, the
 * invariants (received + outstanding = accrued, villages add up to stations) hold after every
 * step, a second reversal and an unknown id are refused, and verify still passes. */
static void reversing_random_receipts_keeps_the_ledger_whole(void)
{
	unsigned seed = 20200401;
	struct fleet *f = NULL;
	struct store *s = random_store(&seed, &f);
	struct ledger_opts o = {10, 0, 60, 50};
	struct ledger *l = ledger_open(s, f, &o);
	char *cause = NULL;
	int n, bad = 0, reversed = 0, problems = -1;
	int64_t paid = 0, ids[120] = {0}, fens[120] = {0};
	FILE *devnull = fopen("/dev/null", "w");

	for (int m = 2019 * 12; m < 2020 * 12; m++)
		CHECK_INT(ledger_accrue(l, m, caltime_days(2020, 1, 10), &n, &cause), 0);
	for (int i = 0; i < 120; i++) {
		struct ledger_receipt r = {0};
		char ref[32];
		r.part = rand_r(&seed) % 2 ? LEDGER_SUBSIDY : LEDGER_COAL;
		r.payer = r.part == LEDGER_COAL ? "grid" : "fund";
		r.fen = 1 + (int64_t)(rand_r(&seed) % 400000);
		r.day = caltime_days(2020, 3, 1) + i;
		snprintf(ref, sizeof ref, "R%d", i);
		r.ref = ref;
		if (ledger_receive(l, &r, &ids[i], &cause) == 0) {
			paid += r.fen;
			fens[i] = r.fen;
		} else {
			free(cause);
			cause = NULL;
		}
		/* now and then take back an earlier receipt */
		if (i > 3 && rand_r(&seed) % 4 == 0) {
			int j = (int)(rand_r(&seed) % (unsigned)i);
			if (ids[j] && ledger_reverse(l, ids[j], r.day, "test", &n, &cause) == 0) {
				char sql[128];
				paid -= fens[j];
				reversed++;
				snprintf(sql, sizeof sql,
				         "SELECT coalesce(sum(fen), 0) FROM ledger_entry WHERE grp "
				         "= %lld",
				         (long long)ids[j]);
				if (q1(s, sql) != 0)
					bad++;
				/* the second time it is refused, naming the receipt */
				if (ledger_reverse(l, ids[j], r.day, NULL, &n, &cause) == 0 ||
				    !strstr(cause, "was reversed before"))
					bad++;
				free(cause);
				cause = NULL;
				ids[j] = 0;
			} else if (ids[j]) {
				printf("  %s\n", cause);
				bad++;
				free(cause);
				cause = NULL;
			}
		}
		bad += invariants(l, s, f, paid);
	}
	printf("  %d receipts reversed\n", reversed);
	CHECK(reversed > 5);
	CHECK_INT(bad, 0);
	CHECK_INT(ledger_reverse(l, 9999, caltime_days(2020, 12, 1), NULL, &n, &cause), -1);
	CHECK(cause && strstr(cause, "no receipt 9999 was recorded"));
	free(cause);
	cause = NULL;
	CHECK_INT(ledger_seal(l, 2020 * 12 + 11, caltime_days(2021, 1, 2), &n, &cause), 0);
	CHECK_INT(ledger_verify(l, devnull, &problems, &cause), 0);
	CHECK_INT(problems, 0);
	free(cause);
	fclose(devnull);
	ledger_close(l);
	store_close(s);
	fleet_free(f);
}

int main(void)
{
	caltime_set_zone("Asia/Shanghai");
	RUN(sha256_matches_the_standard_vectors);
	RUN(periods_and_yuan_parse_strictly);
	RUN(received_plus_outstanding_is_accrued_for_random_receipts);
	RUN(accruals_follow_a_quarterly_statement_to_the_fen);
	RUN(statements_read_quotes_crlf_and_a_byte_order_mark);
	RUN(reversing_random_receipts_keeps_the_ledger_whole);
	return harness_end();
}
