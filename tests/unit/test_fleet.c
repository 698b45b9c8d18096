/* Tests for the fleet file: the example loads, money is exact, every error class is exact. */
#include <stdlib.h>

#include "caltime.h"
#include "config.h"
#include "harness.h"
#include "fleet.h"
#include "jsonedit.h"
#include "util.h"

/* Loads an edited fleet; returns the error with the temporary path cut off, or NULL. */
static char *fleet_error(cJSON *root)
{
	char *path = jwrite(root, "fleet.json"), *cause = NULL, *rest;
	struct fleet *f = NULL;
	size_t n = strlen(path);
	if (fleet_load(path, &f, &cause) == 0) {
		fleet_free(f);
		free(path);
		return NULL;
	}
	CHECK(f == NULL);
	/* every message starts with the file's own path */
	CHECK(strncmp(cause, path, n) == 0 && strncmp(cause + n, ": ", 2) == 0);
	rest = xstrdup(strncmp(cause, path, n) == 0 ? cause + n + 2 : cause);
	free(cause);
	free(path);
	return rest;
}

/* Checks that the example with one edit fails with exactly want. */
#define EXPECT_ERROR(root, want)                                                                   \
	do {                                                                                       \
		char *got_ = fleet_error(root);                                                    \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

static void the_example_fleet_loads_with_every_field(void)
{
	char *path = example_path("fleet.json"), *cause = NULL;
	struct fleet *f = NULL;
	const struct fleet_station *s;
	const struct fleet_tariff *t;
	CHECK_INT(fleet_load(path, &f, &cause), 0);
	if (!f) {
		printf("  %s\n", cause);
		free(cause);
		free(path);
		return;
	}
	CHECK_STR(f->county, "临县");
	CHECK_INT(f->n_townships, 3);
	CHECK_STR(f->townships[1].name, "城庄镇");
	CHECK_INT(f->n_villages, 8);
	CHECK_STR(f->villages[3].name, "城庄村");
	CHECK_INT(f->villages[3].township, 1);
	CHECK_INT(f->villages[2].target_fen_per_year, 25000000);
	CHECK_INT(f->villages[0].target_fen_per_year, 0);
	CHECK_INT(f->n_stations, 4);
	s = &f->stations[2];
	CHECK_STR(s->id, "st-chengzhuang");
	CHECK_STR(s->gateway, "gw-chengzhuang");
	CHECK_INT(s->capacity_w, 500000);
	CHECK_INT(s->commissioned_day, caltime_days(2018, 7, 15));
	CHECK(s->latitude > 37.88 && s->latitude < 37.89);
	CHECK_STR(s->meter, "meter");
	CHECK_INT(s->n_devices, 6);
	CHECK_STR(s->sensor, "irr");
	CHECK_STR(s->devices[5].id, "irr");
	CHECK_INT(s->devices[5].kind, READING_SENSOR);
	CHECK_STR(s->devices[0].id, "meter");
	CHECK_INT(s->devices[0].kind, READING_METER);
	CHECK_STR(s->devices[4].id, "inv04");
	CHECK_INT(s->devices[4].kind, READING_INVERTER);
	CHECK_INT(s->devices[4].capacity_w, 110000);
	CHECK_INT(s->n_shares, 3);
	CHECK_INT(s->shares[1].village, 4);
	CHECK_INT(s->shares[1].weight, 35);
	CHECK_INT(s->costs.land_rent_fen_per_year, 1000000);
	CHECK_INT(s->costs.om_fen_per_month, 120000);
	CHECK_INT(s->costs.om_cap_fen_per_kw_year, 3000);
	CHECK_INT(s->costs.om_fen_per_mwh, 0);
	CHECK(f->stations[1].gateway == NULL);
	CHECK_INT(f->stations[1].costs.om_fen_per_mwh, 1250);
	CHECK_INT(f->stations[1].costs.land_rent_fen_per_year, 800000);
	t = &f->tariffs[s->tariff];
	CHECK_STR(t->id, "poverty-2018");
	CHECK_INT(t->n_periods, 2);
	CHECK_INT(t->periods[0].from_day, caltime_days(2018, 1, 1));
	CHECK_INT(t->periods[0].to_day, caltime_days(2019, 6, 30));
	CHECK_INT(t->periods[0].coal_fen_per_mwh, 33200);
	CHECK_INT(t->periods[0].subsidy_fen_per_mwh, 55800);
	CHECK_INT(t->periods[1].from_day, caltime_days(2019, 7, 1));
	CHECK_INT(t->periods[1].to_day, INT32_MAX);
	CHECK_INT(t->periods[1].subsidy_fen_per_mwh, 46800);
	CHECK_INT(f->tariffs[1].periods[0].subsidy_fen_per_mwh, 64800);
	fleet_free(f);
	free(path);
}

static void a_station_may_have_an_irradiance_sensor(void)
{
	cJSON *j = example("fleet.json");
	char *path, *cause = NULL;
	struct fleet *f = NULL;
	const struct fleet_device *d;
	jset(j, "stations[2].sensor", "{\"id\":\"irr\"}");
	path = jwrite(j, "fleet.json");
	CHECK_INT(fleet_load(path, &f, &cause), 0);
	free(path);
	if (!f) {
		printf("  %s\n", cause);
		free(cause);
		return;
	}
	CHECK_STR(f->stations[2].sensor, "irr");
	CHECK(f->stations[1].sensor == NULL);
	d = fleet_device_find(f, "st-chengzhuang", "irr");
	CHECK(d != NULL && d->kind == READING_SENSOR && d->capacity_w == 0);
	fleet_free(f);

	j = example("fleet.json");
	jset(j, "stations[2].sensor", "{\"id\":\"inv02\"}");
	EXPECT_ERROR(j, "stations[2].sensor.id: expected a device id unique in station "
	                "\"st-chengzhuang\", got \"inv02\" again (also inverters[1].id)");
	j = example("fleet.json");
	jset(j, "stations[2].sensor", "{\"id\":\"irr\",\"tilt\":30}");
	EXPECT_ERROR(j, "stations[2].sensor.tilt: unknown key (expected one of: id)");
	j = example("fleet.json");
	jset(j, "stations[2].sensor", "{\"id\":\"irr\"}");
	jset(j, "stations[2].inverters", "[]");
	jdel(j, "stations[2].meter");
	EXPECT_ERROR(j,
	             "stations[2].inverters: expected at least one inverter (or a meter), got an "
	             "empty array");
}

static void lookups_find_stations_villages_and_devices(void)
{
	char *path = example_path("fleet.json"), *cause = NULL;
	struct fleet *f = NULL;
	const struct fleet_device *d;
	CHECK_INT(fleet_load(path, &f, &cause), 0);
	if (!f)
		return;
	CHECK_INT(fleet_station_index(f, "st-tuban"), 3);
	CHECK_INT(fleet_station_index(f, "st-xipo"), 0);
	CHECK_INT(fleet_station_index(f, "st-nowhere"), -1);
	CHECK_INT(fleet_village_index(f, "lijiashan"), 7);
	CHECK_INT(fleet_village_index(f, "st-xipo"), -1);
	d = fleet_device_find(f, "st-tuban", "inv05");
	CHECK(d != NULL && d->capacity_w == 60000 && d->kind == READING_INVERTER);
	d = fleet_device_find(f, "st-nangou", "meter");
	CHECK(d == &f->stations[1].devices[0]);
	CHECK(fleet_device_find(f, "st-tuban", "inv06") == NULL);
	CHECK(fleet_device_find(f, "st-nowhere", "meter") == NULL);
	CHECK(fleet_device_find(f, "st-tubaninv0", "1") == NULL);
	fleet_free(f);
	free(path);
}

static void money_is_parsed_exactly_from_numbers_and_strings(void)
{
	cJSON *j = example("fleet.json");
	char *path, *cause = NULL;
	struct fleet *f = NULL;
	jset(j, "tariffs[0].periods[0].coal_yuan_per_kwh", "0.39149");
	jset(j, "tariffs[0].periods[0].subsidy_yuan_per_kwh", "\"0.49851\"");
	jset(j, "stations[0].costs.land_rent_yuan_per_year", "1234567.89");
	jset(j, "stations[0].costs.insurance_yuan_per_year", "\"0.07\"");
	jset(j, "stations[0].costs.tax_percent", "3.25");
	jset(j, "stations[0].inverters[0].capacity_kw", "49.999");
	path = jwrite(j, "fleet.json");
	CHECK_INT(fleet_load(path, &f, &cause), 0);
	if (f) {
		CHECK_INT(f->tariffs[0].periods[0].coal_fen_per_mwh, 39149);
		CHECK_INT(f->tariffs[0].periods[0].subsidy_fen_per_mwh, 49851);
		CHECK_INT(f->stations[0].costs.land_rent_fen_per_year, 123456789);
		CHECK_INT(f->stations[0].costs.insurance_fen_per_year, 7);
		CHECK_INT(f->stations[0].costs.tax_basis_points, 325);
		CHECK_INT(f->stations[0].devices[1].capacity_w, 49999);
	}
	fleet_free(f);
	free(path);
}

static void money_with_more_decimals_than_the_unit_is_refused(void)
{
	cJSON *j = example("fleet.json");
	jset(j, "tariffs[0].periods[1].coal_yuan_per_kwh", "0.332001");
	EXPECT_ERROR(j, "tariffs[0].periods[1].coal_yuan_per_kwh: expected a number from 0 to 100 "
	                "with at most 5 decimal places, got 0.332001");
	j = example("fleet.json");
	jset(j, "stations[1].costs.land_rent_yuan_per_year", "\"8000.001\"");
	EXPECT_ERROR(j, "stations[1].costs.land_rent_yuan_per_year: expected a number >= 0 with at "
	                "most 2 decimal places, got \"8000.001\"");
	j = example("fleet.json");
	jset(j, "stations[1].costs.insurance_yuan_per_year", "\"1e3\"");
	EXPECT_ERROR(j, "stations[1].costs.insurance_yuan_per_year: expected a number >= 0 with at "
	                "most 2 decimal places, got \"1e3\"");
	j = example("fleet.json");
	jset(j, "stations[1].costs.tax_percent", "101");
	EXPECT_ERROR(j, "stations[1].costs.tax_percent: expected a number from 0 to 100 with at "
	                "most 2 decimal places, got 101");
	j = example("fleet.json");
	jset(j, "stations[1].costs.om_yuan_per_month", "-5");
	EXPECT_ERROR(j, "stations[1].costs.om_yuan_per_month: expected a number >= 0 with at "
	                "most 2 decimal places, got -5");
}

static void a_bad_share_weight_names_file_path_and_expectation(void)
{
	cJSON *j = example("fleet.json");
	jset(j, "stations[3].shares[1].weight", "\"abc\"");
	EXPECT_ERROR(j, "stations[3].shares[1].weight: expected an integer > 0, got \"abc\"");
	j = example("fleet.json");
	jset(j, "stations[2].shares[0].weight", "0");
	EXPECT_ERROR(j, "stations[2].shares[0].weight: expected an integer > 0, got 0");
	j = example("fleet.json");
	jset(j, "stations[2].shares[0].weight", "1.5");
	EXPECT_ERROR(j, "stations[2].shares[0].weight: expected an integer > 0, got 1.5");
	j = example("fleet.json");
	jset(j, "stations[2].shares[0].weight", "1000001");
	EXPECT_ERROR(j, "stations[2].shares[0].weight: expected an integer from 1 to 1000000, got "
	                "1000001");
}

static void duplicate_ids_are_refused(void)
{
	cJSON *j = example("fleet.json");
	jset(j, "townships[2].id", "\"linquan\"");
	EXPECT_ERROR(j, "townships[2].id: expected a unique township id, got \"linquan\" again "
	                "(also townships[0].id)");
	j = example("fleet.json");
	jset(j, "villages[5].id", "\"xipo\"");
	EXPECT_ERROR(j, "villages[5].id: expected a unique village id, got \"xipo\" again (also "
	                "villages[0].id)");
	j = example("fleet.json");
	jset(j, "stations[3].id", "\"st-nangou\"");
	EXPECT_ERROR(j, "stations[3].id: expected a unique station id, got \"st-nangou\" again "
	                "(also stations[1].id)");
	j = example("fleet.json");
	jset(j, "tariffs[1].id", "\"poverty-2018\"");
	EXPECT_ERROR(j, "tariffs[1].id: expected a unique tariff id, got \"poverty-2018\" again "
	                "(also tariffs[0].id)");
	j = example("fleet.json");
	jset(j, "stations[0].inverters[3].id", "\"inv01\"");
	EXPECT_ERROR(j, "stations[0].inverters[3].id: expected a device id unique in station "
	                "\"st-xipo\", got \"inv01\" again (also inverters[0].id)");
	j = example("fleet.json");
	jset(j, "stations[2].inverters[1].id", "\"meter\"");
	EXPECT_ERROR(j, "stations[2].inverters[1].id: expected a device id unique in station "
	                "\"st-chengzhuang\", got \"meter\" again (also meter.id)");
}

static void shares_must_name_known_villages_once(void)
{
	cJSON *j = example("fleet.json");
	jset(j, "stations[1].shares[0].village", "\"nowhere\"");
	EXPECT_ERROR(j, "stations[1].shares[0].village: expected a village id listed in villages, "
	                "got \"nowhere\"");
	j = example("fleet.json");
	jset(j, "stations[2].shares[2].village", "\"chengzhuang\"");
	EXPECT_ERROR(j, "stations[2].shares[2].village: expected each village once per station, "
	                "got \"chengzhuang\" again (also shares[0].village)");
	j = example("fleet.json");
	jset(j, "stations[1].shares", "[]");
	EXPECT_ERROR(j, "stations[1].shares: expected at least one share, got an empty array");
	j = example("fleet.json");
	jdel(j, "stations[1].shares");
	EXPECT_ERROR(j, "stations[1].shares: expected an array, got nothing (the key is missing)");
}

static void villages_need_a_known_township(void)
{
	cJSON *j = example("fleet.json");
	jdel(j, "villages[3].township");
	EXPECT_ERROR(j, "villages[3].township: expected a township id listed in townships, got "
	                "nothing (the key is missing)");
	j = example("fleet.json");
	jset(j, "villages[3].township", "\"城庄镇\"");
	EXPECT_ERROR(j, "villages[3].township: expected a township id listed in townships, got "
	                "\"城庄镇\"");
}

static void stations_need_a_known_tariff(void)
{
	cJSON *j = example("fleet.json");
	jset(j, "stations[0].tariff", "\"poverty-2019\"");
	EXPECT_ERROR(j, "stations[0].tariff: expected a tariff id listed in tariffs, got "
	                "\"poverty-2019\"");
}

static void tariff_periods_with_a_gap_are_refused(void)
{
	cJSON *j = example("fleet.json");
	jset(j, "tariffs[0].periods[1].from", "\"2019-07-05\"");
	EXPECT_ERROR(j, "tariffs[0].periods[1].from: expected \"2019-07-01\" (the day after "
	                "periods[0].to), got \"2019-07-05\" (a gap of 4 days)");
	j = example("fleet.json");
	jset(j, "tariffs[0].periods[0].to", "\"2019-06-29\"");
	EXPECT_ERROR(j, "tariffs[0].periods[1].from: expected \"2019-06-30\" (the day after "
	                "periods[0].to), got \"2019-07-01\" (a gap of 1 day)");
}

static void tariff_periods_that_overlap_are_refused(void)
{
	cJSON *j = example("fleet.json");
	jset(j, "tariffs[0].periods[1].from", "\"2019-06-20\"");
	EXPECT_ERROR(j,
	             "tariffs[0].periods[1].from: expected \"2019-07-01\" (the day after "
	             "periods[0].to), got \"2019-06-20\" (an overlap of 11 days with periods[0])");
	/* listed in reverse: sorting by "from" still finds the overlap */
	j = example("fleet.json");
	jset(
	    j, "tariffs[0].periods[0]",
	    "{\"from\":\"2019-07-01\",\"coal_yuan_per_kwh\":0.332,\"subsidy_yuan_per_kwh\":0.468}");
	jset(j, "tariffs[0].periods[1]",
	     "{\"from\":\"2018-01-01\",\"to\":\"2019-07-01\",\"coal_yuan_per_kwh\":0.332,"
	     "\"subsidy_yuan_per_kwh\":0.558}");
	EXPECT_ERROR(j, "tariffs[0].periods[0].from: expected \"2019-07-02\" (the day after "
	                "periods[1].to), got \"2019-07-01\" (an overlap of 1 day with periods[1])");
	j = example("fleet.json");
	jdel(j, "tariffs[0].periods[0].to");
	EXPECT_ERROR(j,
	             "tariffs[0].periods[0].to: expected a date YYYY-MM-DD (only the last period "
	             "may be open-ended), got nothing (the key is missing)");
	j = example("fleet.json");
	jset(j, "tariffs[0].periods[0].to", "\"2017-12-31\"");
	EXPECT_ERROR(j, "tariffs[0].periods[0].to: expected a date on or after from "
	                "(\"2018-01-01\"), got \"2017-12-31\"");
}

static void tariff_periods_listed_out_of_order_are_sorted(void)
{
	cJSON *j = example("fleet.json");
	char *path, *cause = NULL;
	struct fleet *f = NULL;
	jset(
	    j, "tariffs[0].periods[0]",
	    "{\"from\":\"2019-07-01\",\"coal_yuan_per_kwh\":0.332,\"subsidy_yuan_per_kwh\":0.468}");
	jset(j, "tariffs[0].periods[1]",
	     "{\"from\":\"2018-01-01\",\"to\":\"2019-06-30\",\"coal_yuan_per_kwh\":0.332,"
	     "\"subsidy_yuan_per_kwh\":0.558}");
	path = jwrite(j, "fleet.json");
	CHECK_INT(fleet_load(path, &f, &cause), 0);
	if (f) {
		CHECK_INT(f->tariffs[0].periods[0].from_day, caltime_days(2018, 1, 1));
		CHECK_INT(f->tariffs[0].periods[0].subsidy_fen_per_mwh, 55800);
		CHECK_INT(f->tariffs[0].periods[1].to_day, INT32_MAX);
	}
	fleet_free(f);
	free(cause);
	free(path);
}

static void coordinates_dates_and_keys_are_checked(void)
{
	cJSON *j = example("fleet.json");
	jset(j, "stations[0].latitude", "137.962");
	EXPECT_ERROR(j, "stations[0].latitude: expected a number from -90 to 90, got 137.962");
	j = example("fleet.json");
	jset(j, "stations[0].longitude", "\"110.99\"");
	EXPECT_ERROR(j,
	             "stations[0].longitude: expected a number from -180 to 180, got \"110.99\"");
	j = example("fleet.json");
	jset(j, "stations[0].commissioned", "\"2018-02-30\"");
	EXPECT_ERROR(j, "stations[0].commissioned: expected a date YYYY-MM-DD from 1900 to 2200, "
	                "got \"2018-02-30\"");
	j = example("fleet.json");
	jset(j, "stations[0].capacity", "300");
	EXPECT_ERROR(j, "stations[0].capacity: unknown key (expected one of: id, name, gateway, "
	                "capacity_kw, commissioned, latitude, longitude, meter, inverters, shares, "
	                "tariff, costs, settlement, sensor)");
	j = example("fleet.json");
	jset(j, "stations[0].costs.om_per_month", "1");
	EXPECT_ERROR(j, "stations[0].costs.om_per_month: unknown key (expected one of: "
	                "land_rent_yuan_per_year, insurance_yuan_per_year, om_yuan_per_month, "
	                "om_yuan_per_mwh, om_cap_yuan_per_kw_year, tax_percent)");
	j = example("fleet.json");
	jset(j, "stations[0].capacity_kw", "0");
	EXPECT_ERROR(j, "stations[0].capacity_kw: expected a number > 0 with at most 3 decimal "
	                "places, got 0");
	j = example("fleet.json");
	jset(j, "stations[0].inverters", "[]");
	jdel(j, "stations[0].meter");
	EXPECT_ERROR(j,
	             "stations[0].inverters: expected at least one inverter (or a meter), got an "
	             "empty array");
}

static void unreadable_and_malformed_files_are_reported(void)
{
	char *path =
	    write_tmp("fleet.json", "{\n  \"county\": \"临县\",\n  \"townships\": [,]\n}\n");
	char *cause = NULL, *want;
	struct fleet *f = NULL;
	CHECK_INT(fleet_load(path, &f, &cause), -1);
	want = xasprintf("%s: invalid JSON at line 3, column 17", path);
	CHECK_STR(cause, want);
	free(want);
	free(cause);
	free(path);
	path = tmp_path("absent.json");
	cause = NULL;
	CHECK_INT(fleet_load(path, &f, &cause), -1);
	want = xasprintf("%s: cannot open: No such file or directory", path);
	CHECK_STR(cause, want);
	free(want);
	free(cause);
	free(path);
}

/* The ledger's station facts: catalogue listings, payer, cycle and account per part. */
static void settlement_facts_load_with_their_defaults(void)
{
	cJSON *j = example("fleet.json");
	char *path, *cause = NULL;
	struct fleet *f = NULL;
	int32_t d;
	jset(j, "stations[0].settlement",
	     "{\"metering_point\": \"1410230001\", \"catalogue\": [{\"from\": \"2018-07-15\", "
	     "\"to\": \"2018-12-31\"}, {\"from\": \"2019-04-01\"}], \"coal\": {\"payer\": "
	     "\"sgcc-lin\", \"cycle\": \"monthly\", \"account\": \"6217 0000 1111\"}}");
	path = jwrite(j, "fleet.json");
	CHECK_INT(fleet_load(path, &f, &cause), 0);
	if (!f) {
		printf("  %s\n", cause);
		free(cause);
		free(path);
		return;
	}
	const struct fleet_station *s = &f->stations[0], *t = &f->stations[1];
	CHECK_STR(s->settle.metering_point, "1410230001");
	CHECK_STR(s->settle.coal.payer, "sgcc-lin");
	CHECK_INT(s->settle.coal.cycle, FLEET_MONTHLY);
	CHECK_STR(s->settle.coal.account, "6217 0000 1111");
	CHECK_STR(s->settle.subsidy.payer, "fund");
	CHECK_INT(s->settle.subsidy.cycle, FLEET_YEARLY);
	CHECK(s->settle.subsidy.account == NULL);
	caltime_parse_date("2018-12-31", &d);
	CHECK_INT(fleet_listed(s, d), 1);
	CHECK_INT(fleet_listed(s, d + 1), 0);  /* out of the catalogue January to March */
	CHECK_INT(fleet_listed(s, d + 90), 0); /* 2019-03-31 */
	CHECK_INT(fleet_listed(s, d + 91), 1); /* 2019-04-01, open-ended */
	/* a station without the key: listed throughout, grid quarterly, fund yearly */
	CHECK_INT(fleet_listed(t, d), 1);
	CHECK_STR(t->settle.coal.payer, "grid");
	CHECK_INT(t->settle.coal.cycle, FLEET_QUARTERLY);
	CHECK(t->settle.metering_point == NULL);
	fleet_free(f);
	free(path);
}

static void bad_settlement_facts_name_their_json_path(void)
{
	cJSON *j = example("fleet.json");
	jset(j, "stations[1].settlement", "{\"coal\": {\"cycle\": \"weekly\"}}");
	EXPECT_ERROR(j, "stations[1].settlement.coal.cycle: expected one of \"monthly\", "
	                "\"quarterly\", \"yearly\", got \"weekly\"");
	j = example("fleet.json");
	jset(j, "stations[1].settlement", "{\"catalog\": []}");
	EXPECT_ERROR(j, "stations[1].settlement.catalog: unknown key (expected one of: "
	                "metering_point, catalogue, coal, subsidy)");
	j = example("fleet.json");
	jset(j, "stations[1].settlement",
	     "{\"catalogue\": [{\"from\": \"2019-01-01\", \"to\": \"2019-06-30\"}, "
	     "{\"from\": \"2019-06-01\"}]}");
	EXPECT_ERROR(j, "stations[1].settlement.catalogue[1].from: expected a date after "
	                "stations[1].settlement.catalogue[0].to (stretches in order, not "
	                "overlapping)");
	j = example("fleet.json");
	jset(j, "stations[1].settlement", "{\"catalogue\": [{\"from\": \"2019-02-30\"}]}");
	EXPECT_ERROR(j, "stations[1].settlement.catalogue[0].from: expected a date YYYY-MM-DD "
	                "from 1900 to 2200, got \"2019-02-30\"");
	j = example("fleet.json");
	jset(j, "stations[1].settlement", "{\"subsidy\": {\"payer\": \"bad id!\"}}");
	char *got = fleet_error(j);
	CHECK(got && strncmp(got, "stations[1].settlement.subsidy.payer: expected", 46) == 0);
	free(got);
}

static void the_example_gateway_file_matches_the_fleet(void)
{
	char *fp = example_path("fleet.json"), *cp = example_path("collector.json"), *cause = NULL;
	struct fleet *f = NULL;
	struct collector_conf *c = NULL;
	CHECK_INT(fleet_load(fp, &f, &cause), 0);
	CHECK_INT(config_collector_load(cp, &c, &cause), 0);
	if (f && c) {
		CHECK_INT(fleet_check_collector(f, c, &cause), 0);
		free(c->buses[1].devices[5].id);
		c->buses[1].devices[5].id = xstrdup("inv06");
		CHECK_INT(fleet_check_collector(f, c, &cause), -1);
		if (cause) {
			char *want = xasprintf("%s: buses[1].devices[5].id: expected a device of "
			                       "station \"st-tuban\" in %s, got \"inv06\"",
			                       cp, fp);
			CHECK_STR(cause, want);
			free(want);
			free(cause);
		}
		c->buses[0].devices[0].kind = READING_INVERTER;
		cause = NULL;
		CHECK_INT(fleet_check_collector(f, c, &cause), -1);
		CHECK(cause && strstr(cause, "buses[0].devices[0].kind: expected \"meter\""));
		free(cause);
	}
	config_collector_free(c);
	fleet_free(f);
	free(fp);
	free(cp);
}

/* A county-sized fleet: 500 stations of one meter and 9 inverters = 5,000 devices. */
static char *big_fleet_json(int n)
{
	size_t cap = (size_t)n * 1024 + 4096, len = 0;
	char *b = xmalloc(cap);
	int i, k;
	len += (size_t)snprintf(b + len, cap - len,
	                        "{\"county\":\"c\",\"townships\":[{\"id\":\"t\",\"name\":\"t\"}],"
	                        "\"villages\":[");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(b + len, cap - len,
		                        "%s{\"id\":\"v%d\",\"name\":\"村%d\","
		                        "\"township\":\"t\"}",
		                        i ? "," : "", i, i);
	len +=
	    (size_t)snprintf(b + len, cap - len,
	                     "],\"tariffs\":[{\"id\":\"x\",\"periods\":[{\"from\":\"2018-01-01\","
	                     "\"coal_yuan_per_kwh\":0.332,\"subsidy_yuan_per_kwh\":0.558}]}],"
	                     "\"stations\":[");
	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(b + len, cap - len,
		                        "%s{\"id\":\"st%04d\",\"name\":\"s\",\"capacity_kw\":300,"
		                        "\"commissioned\":\"2018-06-30\",\"latitude\":37.9,"
		                        "\"longitude\":111,\"meter\":{\"id\":\"meter\"},"
		                        "\"inverters\":[",
		                        i ? "," : "", i);
		for (k = 1; k <= 9; k++)
			len += (size_t)snprintf(b + len, cap - len,
			                        "%s{\"id\":\"inv%02d\",\"capacity_kw\":33.333}",
			                        k > 1 ? "," : "", k);
		len += (size_t)snprintf(b + len, cap - len,
		                        "],\"shares\":[{\"village\":\"v%d\",\"weight\":1}],"
		                        "\"tariff\":\"x\"}",
		                        i);
	}
	snprintf(b + len, cap - len, "]}");
	return b;
}

static void device_lookups_are_fast_for_a_county(void)
{
	char *text = big_fleet_json(500), *path = write_tmp("big.json", text), *cause = NULL;
	struct fleet *f = NULL;
	char st[16][16], dev[16][16];
	int64_t t0, t1, found = 0;
	long i, n = 2000000;
	CHECK_INT(fleet_load(path, &f, &cause), 0);
	if (!f) {
		printf("  %s\n", cause);
		free(cause);
		goto out;
	}
	for (i = 0; i < 16; i++) {
		snprintf(st[i], sizeof st[i], "st%04ld", (i * 37) % 500);
		snprintf(dev[i], sizeof dev[i], i % 10 ? "inv%02ld" : "meter", i % 10);
	}
	t0 = util_mono_ms();
	for (i = 0; i < n; i++)
		found += fleet_device_find(f, st[i & 15], dev[i & 15]) != NULL;
	t1 = util_mono_ms();
	CHECK_INT(found, n);
	printf("  %ld lookups among 5,000 devices in %lld ms\n", n, (long long)(t1 - t0));
	/* ingest needs 10,000/s; even a sanitizer build on a busy machine does far more */
	CHECK(t1 - t0 < 10000);
	CHECK_INT(fleet_station_index(f, "st0499"), 499);
	CHECK_INT(fleet_village_index(f, "v250"), 250);
	CHECK(fleet_device_find(f, "st0499", "inv10") == NULL);
out:
	fleet_free(f);
	free(path);
	free(text);
}

int main(void)
{
	static const char *const files[] = {"fleet.json", "big.json", NULL};
	RUN(the_example_fleet_loads_with_every_field);
	RUN(lookups_find_stations_villages_and_devices);
	RUN(a_station_may_have_an_irradiance_sensor);
	RUN(money_is_parsed_exactly_from_numbers_and_strings);
	RUN(money_with_more_decimals_than_the_unit_is_refused);
	RUN(a_bad_share_weight_names_file_path_and_expectation);
	RUN(duplicate_ids_are_refused);
	RUN(shares_must_name_known_villages_once);
	RUN(villages_need_a_known_township);
	RUN(stations_need_a_known_tariff);
	RUN(tariff_periods_with_a_gap_are_refused);
	RUN(tariff_periods_that_overlap_are_refused);
	RUN(tariff_periods_listed_out_of_order_are_sorted);
	RUN(coordinates_dates_and_keys_are_checked);
	RUN(settlement_facts_load_with_their_defaults);
	RUN(bad_settlement_facts_name_their_json_path);
	RUN(unreadable_and_malformed_files_are_reported);
	RUN(the_example_gateway_file_matches_the_fleet);
	RUN(device_lookups_are_fast_for_a_county);
	tmpdir_remove(files);
	return harness_end();
}
