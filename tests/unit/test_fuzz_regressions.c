/*
 * Regression tests for what fuzzing found (tests/fuzz/, docs/reliability.md):
 * each test pins one finding with a hand-made input, so the fix holds in the
 * ordinary gcc and asan builds too. The crashing inputs themselves stay in
 * the seed corpora, where `make fuzz` and test_fuzz_smoke replay them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "decode.h"
#include "profile.h"
#include "reading.h"
#include "util.h"

#define NOW_MS INT64_C(1561091400000)

static struct profile_set *set;

/* Resolves a shipped profile (model 0 for fixed maps) into m. */
static int resolve(const char *name, int model, struct regmap *m)
{
	const struct profile *p = set ? profile_set_find(set, name) : NULL;
	char *cause = NULL;
	if (!p || profile_resolve(p, model, 40070, m, &cause) < 0) {
		printf("  %s model %d: %s\n", name, model, cause ? cause : "not found");
		free(cause);
		return -1;
	}
	return 0;
}

/* Decodes regs through m and reports whether ingest's validator takes the result. */
static int publishable(const struct regmap *m, const uint16_t *regs, struct reading *r)
{
	char json[2048], cause[256];
	struct reading back;
	int n;

	memset(r, 0, sizeof *r);
	decode_registers(m, regs, r);
	util_strlcpy(r->gw, "gw-1", sizeof r->gw);
	util_strlcpy(r->station, "st-1", sizeof r->station);
	util_strlcpy(r->device, "dev", sizeof r->device);
	r->seq = 1;
	r->ts_ms = NOW_MS;
	n = reading_to_json(r, json, sizeof json);
	if (n < 0)
		return 0;
	if (reading_from_json(json, (size_t)n, NOW_MS, &back, cause, sizeof cause) < 0) {
		printf("  rejected (%s): %s\n", cause, json);
		return 0;
	}
	return 1;
}

/* Found by fuzz_decode: a SunSpec meter's Hz of -10 x 10^-2 made the reading unpublishable. */
static void a_negative_grid_frequency_is_flagged_and_the_reading_still_validates(void)
{
	uint16_t regs[PROFILE_MAX_REGS * PROFILE_MAX_READS] = {0};
	struct regmap m;
	struct reading r;
	if (resolve("sunspec", 203, &m) < 0) {
		CHECK(0);
		return;
	}
	regs[m.f[PF_HZ].idx] = 0xFFF6;    /* -10 */
	regs[m.f[PF_HZ].sf_idx] = 0xFFFE; /* 10^-2 */
	regs[m.f[PF_ENERGY].idx + 1] = 5000;
	CHECK(publishable(&m, regs, &r));
	CHECK(!(r.has & READING_HAS_HZ));
	CHECK(r.quality & QUALITY_RANGE);
	CHECK(r.has & READING_HAS_ENERGY); /* the counter still gets through */
}

/* Same class: an I32 power of 2^31 - 2 W is beyond any device and beyond the contract. */
static void an_impossible_power_is_flagged_and_the_reading_still_validates(void)
{
	uint16_t regs[PROFILE_MAX_REGS * PROFILE_MAX_READS] = {0};
	struct regmap m;
	struct reading r;
	if (resolve("huawei-sun2000", 0, &m) < 0) {
		CHECK(0);
		return;
	}
	regs[m.f[PF_POWER].idx] = 0x7FFF;
	regs[m.f[PF_POWER].idx + 1] = 0xFFFE;
	CHECK(publishable(&m, regs, &r));
	CHECK(!(r.has & READING_HAS_POWER));
	CHECK(r.quality & QUALITY_RANGE);
}

/* Same class: a float temperature of 1e30 C. */
static void a_float_temperature_beyond_the_contract_is_left_absent(void)
{
	uint16_t regs[PROFILE_MAX_REGS * PROFILE_MAX_READS] = {0};
	struct regmap m;
	struct reading r;
	float big = 1e30f;
	uint32_t bits;
	if (resolve("sunspec", 113, &m) < 0) {
		CHECK(0);
		return;
	}
	memcpy(&bits, &big, sizeof bits);
	regs[m.f[PF_TEMP].idx] = (uint16_t)(bits >> 16); /* SunSpec: high word first */
	regs[m.f[PF_TEMP].idx + 1] = (uint16_t)bits;
	CHECK(publishable(&m, regs, &r));
	CHECK(!(r.has & READING_HAS_TEMP));
	CHECK(r.quality & QUALITY_RANGE);
}

/* A profile may map 64 alarm bits; JSON numbers hold 53 exactly, so more is flagged. */
static void alarms_wider_than_a_json_number_are_flagged_not_rounded(void)
{
	static const char json[] =
	    "{\"name\":\"wide-alarms\",\"version\":1,\"kind\":\"inverter\",\"function\":3,"
	    "\"word_order\":\"high-first\",\"fields\":{"
	    "\"ac_power_w\":{\"address\":0,\"type\":\"s16\"},"
	    "\"alarms\":{\"address\":10,\"type\":\"bitfield16\",\"count\":4}}}";
	char path[] = "/tmp/pvmon-fuzzreg.XXXXXX";
	uint16_t regs[PROFILE_MAX_REGS * PROFILE_MAX_READS] = {0};
	struct profile *p;
	struct regmap m;
	struct reading r;
	char *cause = NULL;
	FILE *f;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	fputs(json, f);
	fclose(f);
	p = profile_load(path, &cause);
	unlink(path);
	if (!p || profile_resolve(p, 0, 0, &m, &cause) < 0) {
		printf("  %s\n", cause ? cause : "?");
		free(cause);
		profile_free(p);
		CHECK(0);
		return;
	}
	regs[m.f[PF_ALARMS].idx + 3] = 0x0001; /* bit 48: still exact */
	CHECK(publishable(&m, regs, &r));
	CHECK(r.has & READING_HAS_ALARMS);
	CHECK(r.alarms == UINT64_C(1) << 48);
	regs[m.f[PF_ALARMS].idx + 3] = 0x8000; /* bit 63 */
	CHECK(publishable(&m, regs, &r));
	CHECK(!(r.has & READING_HAS_ALARMS));
	CHECK(r.quality & QUALITY_RANGE);
	profile_free(p);
}

/* The contract bounds the decoder uses are the validator's: one past each is rejected. */
static void the_validator_rejects_one_past_each_contract_bound(void)
{
	char json[512], cause[256];
	struct reading r;
	static const char *const fields[] = {
	    "\"ac_power_w\":100000001",
	    "\"ac_power_w\":-100000001",
	    "\"energy_wh\":1125899906842625",
	    "\"temp_c\":200.1",
	    "\"temp_c\":-60.1",
	    "\"grid_hz\":100.01",
	    "\"grid_hz\":-0.01",
	    "\"alarms\":9007199254740992",
	};
	size_t i;
	for (i = 0; i < UTIL_ARRAY_LEN(fields); i++) {
		int n = snprintf(
		    json, sizeof json,
		    "{\"v\":1,\"gw\":\"g\",\"seq\":1,\"station\":\"s\",\"device\":\"d\","
		    "\"kind\":\"inverter\",\"ts\":1561091400000,\"state\":\"producing\",%s}",
		    fields[i]);
		if (reading_from_json(json, (size_t)n, NOW_MS, &r, cause, sizeof cause) == 0) {
			printf("  accepted: %s\n", fields[i]);
			CHECK(0);
		}
	}
	snprintf(json, sizeof json,
	         "{\"v\":1,\"gw\":\"g\",\"seq\":1,\"station\":\"s\",\"device\":\"d\",\"kind\":"
	         "\"meter\",\"ts\":1561091400000,\"state\":\"unknown\",\"ac_power_w\":%lld,"
	         "\"energy_wh\":%lld,\"temp_c\":%.1f,\"grid_hz\":%.1f,\"alarms\":%lld}",
	         (long long)-READING_POWER_MAX_W, (long long)READING_WH_MAX, READING_TEMP_MIN_C,
	         READING_HZ_MAX, (long long)READING_ALARMS_MAX);
	CHECK_INT(reading_from_json(json, strlen(json), NOW_MS, &r, cause, sizeof cause), 0);
}

int main(void)
{
	char *cause = NULL;
	const char *root = getenv("PVMON_ROOT");
	char dir[512];
	snprintf(dir, sizeof dir, "%s/config/profiles", root ? root : ".");
	set = profile_set_load(dir, &cause);
	if (!set) {
		printf("  %s\n", cause);
		free(cause);
	}
	RUN(a_negative_grid_frequency_is_flagged_and_the_reading_still_validates);
	RUN(an_impossible_power_is_flagged_and_the_reading_still_validates);
	RUN(a_float_temperature_beyond_the_contract_is_left_absent);
	RUN(alarms_wider_than_a_json_number_are_flagged_not_rounded);
	RUN(the_validator_rejects_one_past_each_contract_bound);
	profile_set_free(set);
	return harness_end();
}
