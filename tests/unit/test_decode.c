/*
 * Tests for encoding and SunSpec discovery: every profile survives an
 * encode -> decode round trip for many values, and discovery walks an
 * in-memory register image through failing bases and broken chains.
 */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "harness.h"
#include "decode.h"
#include "profile.h"
#include "sunspec.h"
#include "util.h"

static uint16_t img[65536];
static struct profile_set *set;
static int fail_base = -1; /* reads starting here time out */
static int n_reads;

/* Writes into the image (profile_encode callback). */
static void img_set(void *ctx, uint16_t addr, uint16_t value)
{
	(void)ctx;
	img[addr] = value;
}

/* Reads from the image like a Modbus client; reads at fail_base fail. */
static int img_read(void *ctx, uint16_t addr, int count, uint16_t *dest)
{
	(void)ctx;
	n_reads++;
	if ((int)addr == fail_base || (uint32_t)addr + (uint32_t)count > 65536)
		return -1;
	memcpy(dest, img + addr, (size_t)count * sizeof *dest);
	return 0;
}

/* Gathers the regmap's reads from the image and decodes them. */
static void decode_image(const struct regmap *m, struct reading *r)
{
	uint16_t regs[PROFILE_MAX_READS * PROFILE_MAX_REGS];
	int i, n = 0;
	for (i = 0; i < m->n_reads; i++) {
		memcpy(regs + n, img + m->reads[i].addr, m->reads[i].count * sizeof *regs);
		n += m->reads[i].count;
	}
	memset(r, 0, sizeof *r);
	decode_registers(m, regs, r);
}

/* Resolves name (SunSpec: writes a chain at 40000 for model first). */
static int resolve(const char *name, int model, struct regmap *m)
{
	const struct profile *p = profile_set_find(set, name);
	char *cause = NULL;
	uint16_t a = 0;
	memset(img, 0, sizeof img);
	if (!p)
		return -1;
	if (model && sunspec_write_chain(p, 40000, model, img_set, NULL, &a, &cause) < 0)
		goto fail;
	if (profile_resolve(p, model, a, m, &cause) < 0)
		goto fail;
	return 0;
fail:
	printf("  %s\n", cause);
	free(cause);
	return -1;
}

/* What one profile can carry, and how finely. */
struct target {
	const char *name;
	int model;
	uint32_t has;
	int64_t power_step, energy_step, today_step; /* resolution in W / Wh */
	int64_t power_min, power_max;
	double temp_tol, hz_tol;
	int has_state, has_alarms;
};

static const struct target targets[] = {
    {"huawei-sun2000", 0, 0x7F & ~READING_HAS_IMPORT, 1, 10, 10, -100000, 200000, 0.05, 0.005, 1,
     1},
    {"sungrow-sg", 0, READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_TODAY | READING_HAS_TEMP,
     1, 1000, 100, 0, 200000, 0.05, 0, 1, 0},
    {"chint-dtsu666", 0, READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_IMPORT, 1, 1000, 0,
     -500000, 500000, 0, 0, 0, 0},
    {"acrel-adw300", 0, READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_IMPORT, 1, 10, 0,
     -500000, 500000, 0, 0, 0, 0},
    {"sunspec", 103,
     READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_TEMP | READING_HAS_HZ |
         READING_HAS_ALARMS,
     1, 1, 0, -32000, 32000, 0.005, 0.005, 1, 1},
    {"sunspec", 113,
     READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_TEMP | READING_HAS_HZ |
         READING_HAS_ALARMS,
     1, 1, 0, -100000, 200000, 0.001, 0.001, 1, 1},
    {"sunspec", 203, READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_IMPORT | READING_HAS_HZ,
     1, 1, 0, -32000, 32000, 0, 0.005, 0, 0},
};

/* A small deterministic generator, so failures repeat. */
static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A value in [lo, hi] that is a multiple of step. */
static int64_t pick(int64_t lo, int64_t hi, int64_t step)
{
	int64_t span = (hi - lo) / step + 1;
	return lo + (int64_t)(next() % (uint64_t)span) * step;
}

static void every_profile_survives_encode_then_decode(void)
{
	size_t t;
	int i;
	for (t = 0; t < UTIL_ARRAY_LEN(targets); t++) {
		const struct target *g = &targets[t];
		struct regmap m;
		int bad = 0;
		if (resolve(g->name, g->model, &m) < 0) {
			CHECK(0);
			continue;
		}
		for (i = 0; i < 500 && bad < 3; i++) {
			struct reading in = {0}, out;
			static const enum reading_state states[] = {STATE_PRODUCING, STATE_STARTING,
			                                            STATE_FAULT, STATE_THROTTLED};
			int64_t emax = g->energy_step == 1 ? 16000000 : INT64_C(4000000000);
			/* a map without a state register decodes to a reading without a state */
			in.has = g->has | (g->has_state ? 0 : READING_NO_STATE);
			in.ac_power_w = pick(g->power_min, g->power_max, g->power_step);
			in.energy_wh = pick(g->energy_step, emax, g->energy_step);
			in.import_wh = pick(g->energy_step, emax, g->energy_step);
			in.today_wh = g->today_step ? pick(0, 3000000, g->today_step) : 0;
			in.temp_c = (double)pick(-300, 800, 1) / 10.0;
			in.grid_hz = (double)pick(4900, 5100, 1) / 100.0;
			in.alarms = next() & 0xFFFFFFF;
			in.state = g->has_state ? states[i % 4] : STATE_UNKNOWN;
			if (decode_encode(&m, &in, img_set, NULL) < 0) {
				printf("  %s: encode failed for case %d\n", m.map, i);
				CHECK(0);
				bad++;
				continue;
			}
			decode_image(&m, &out);
			if (out.has != in.has || out.ac_power_w != in.ac_power_w ||
			    out.energy_wh != in.energy_wh ||
			    ((in.has & READING_HAS_IMPORT) && out.import_wh != in.import_wh) ||
			    ((in.has & READING_HAS_TODAY) && out.today_wh != in.today_wh) ||
			    ((in.has & READING_HAS_TEMP) &&
			     fabs(out.temp_c - in.temp_c) > g->temp_tol) ||
			    ((in.has & READING_HAS_HZ) &&
			     fabs(out.grid_hz - in.grid_hz) > g->hz_tol) ||
			    ((in.has & READING_HAS_ALARMS) && out.alarms != in.alarms) ||
			    out.state != in.state || out.quality != 0) {
				printf("  %s case %d: has %x/%x power %lld/%lld energy %lld/%lld "
				       "import %lld/%lld today %lld/%lld temp %g/%g hz %g/%g state "
				       "%d/%d "
				       "quality %x\n",
				       m.map, i, in.has, out.has, (long long)in.ac_power_w,
				       (long long)out.ac_power_w, (long long)in.energy_wh,
				       (long long)out.energy_wh, (long long)in.import_wh,
				       (long long)out.import_wh, (long long)in.today_wh,
				       (long long)out.today_wh, in.temp_c, out.temp_c, in.grid_hz,
				       out.grid_hz, in.state, out.state, out.quality);
				CHECK(0);
				bad++;
			}
		}
	}
}

static void absent_values_are_encoded_as_sentinels(void)
{
	struct regmap m;
	struct reading in = {0}, out;
	size_t t;
	for (t = 0; t < UTIL_ARRAY_LEN(targets); t++) {
		/* The Acrel map documents no "no value" pattern: nothing to write. */
		if (!strcmp(targets[t].name, "acrel-adw300"))
			continue;
		if (resolve(targets[t].name, targets[t].model, &m) < 0)
			continue;
		in.has = 0;
		in.state = targets[t].has_state ? STATE_PRODUCING : STATE_UNKNOWN;
		CHECK_INT(decode_encode(&m, &in, img_set, NULL), 0);
		decode_image(&m, &out);
		CHECK_INT(out.has & ~(uint32_t)(READING_HAS_ALARMS | READING_NO_STATE), 0);
		CHECK_INT(!!(out.has & READING_NO_STATE), !targets[t].has_state);
		if (targets[t].has_alarms && !strcmp(targets[t].name, "sunspec"))
			CHECK(!(out.has & READING_HAS_ALARMS));
	}
}

static void sunspec_encoding_picks_scale_factors_that_fit(void)
{
	struct regmap m;
	struct reading in = {0}, out;
	if (resolve("sunspec", 103, &m) < 0)
		return;
	in.has = READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_TEMP;
	in.state = STATE_PRODUCING;
	in.ac_power_w = 43210;              /* too big for int16 at W_SF 0 */
	in.energy_wh = INT64_C(5000000000); /* too big for acc32 at WH_SF 0 */
	in.temp_c = 41.5;
	CHECK_INT(decode_encode(&m, &in, img_set, NULL), 0);
	CHECK_INT(img[40070 + 14], 4321);
	CHECK_INT(img[40070 + 15], 1);
	CHECK_INT(img[40070 + 26], 1);
	CHECK_INT((int16_t)img[40070 + 37], -2);
	CHECK_INT(img[40070 + 33], 4150);
	decode_image(&m, &out);
	CHECK_INT(out.ac_power_w, 43210);
	CHECK_INT(out.energy_wh, INT64_C(5000000000));
	/* Energy 0 is the acc32 "not implemented": it cannot be served. */
	in.energy_wh = 0;
	CHECK_INT(decode_encode(&m, &in, img_set, NULL), -1);
	decode_image(&m, &out);
	CHECK(!(out.has & READING_HAS_ENERGY));
	/* A state with no raw value in the table cannot be served either. */
	in.energy_wh = 1;
	in.state = STATE_OFFLINE;
	CHECK_INT(decode_encode(&m, &in, img_set, NULL), -1);
}

static void meters_share_one_energy_scale_factor(void)
{
	struct regmap m;
	struct reading in = {0}, out;
	if (resolve("sunspec", 203, &m) < 0)
		return;
	in.has = READING_HAS_ENERGY | READING_HAS_IMPORT;
	in.energy_wh = INT64_C(9000000000); /* needs TotWh_SF 1 */
	in.import_wh = 12340;               /* representable at SF 1 */
	CHECK_INT(decode_encode(&m, &in, img_set, NULL), 0);
	CHECK_INT(img[40070 + 54], 1);
	decode_image(&m, &out);
	CHECK_INT(out.energy_wh, INT64_C(9000000000));
	CHECK_INT(out.import_wh, 12340);
}

static void float_profiles_write_ieee754_in_their_word_order(void)
{
	struct regmap m;
	struct reading in = {0};
	if (resolve("chint-dtsu666", 0, &m) < 0)
		return;
	in.has = READING_HAS_IMPORT;
	in.import_wh = 1234500; /* 1234.5 kWh = 0x449A5000 */
	CHECK_INT(decode_encode(&m, &in, img_set, NULL), 0);
	CHECK_INT(img[0x101E], 0x449A);
	CHECK_INT(img[0x101F], 0x5000);
	CHECK_INT(img[0x1028], 0x7FC0); /* absent export: NaN */
	if (resolve("sungrow-sg", 0, &m) < 0)
		return;
	in.has = READING_HAS_ENERGY | READING_HAS_POWER;
	in.state = STATE_PRODUCING;
	in.energy_wh = INT64_C(100000000); /* 100000 kWh = 0x000186A0, low word first */
	in.ac_power_w = 70000;
	CHECK_INT(decode_encode(&m, &in, img_set, NULL), 0);
	CHECK_INT(img[5003], 0x86A0);
	CHECK_INT(img[5004], 0x0001);
	CHECK_INT(img[5030], 70000 & 0xFFFF);
	CHECK_INT(img[5031], 1);
	CHECK_INT(img[5037], 0x0000);
}

/* Discovers on the image; returns the model id or -1 and prints/keeps the cause. */
static int discover(char *cause_out, size_t size, uint16_t *addr)
{
	const struct profile *p = profile_set_find(set, "sunspec");
	char *cause = NULL;
	int id = 0;
	n_reads = 0;
	if (sunspec_discover(p, img_read, NULL, &id, addr, &cause) < 0) {
		snprintf(cause_out, size, "%s", cause);
		free(cause);
		return -1;
	}
	cause_out[0] = 0;
	return id;
}

/* Writes a model header at a and returns the address after the model. */
static uint16_t model(uint16_t a, uint16_t id, uint16_t len)
{
	img[a] = id;
	img[a + 1] = len;
	return (uint16_t)(a + 2 + len);
}

static void discovery_finds_the_marker_at_any_base(void)
{
	const struct profile *p = profile_set_find(set, "sunspec");
	char cause[256], *c = NULL;
	uint16_t a = 0, want = 0;
	memset(img, 0, sizeof img);
	fail_base = -1;
	CHECK_INT(sunspec_write_chain(p, 0, 113, img_set, NULL, &want, &c), 0);
	CHECK_INT(discover(cause, sizeof cause, &a), 113);
	CHECK_INT(a, 70);
	CHECK_INT(a, want);
	/* 40000 times out, 0 holds nothing, 50000 holds the chain. */
	memset(img, 0, sizeof img);
	fail_base = 40000;
	CHECK_INT(sunspec_write_chain(p, 50000, 203, img_set, NULL, &want, &c), 0);
	CHECK_INT(discover(cause, sizeof cause, &a), 203);
	CHECK_INT(a, 50070);
	fail_base = -1;
	/* Unmapped models before the mapped one are walked past. */
	memset(img, 0, sizeof img);
	img[40000] = 0x5375;
	img[40001] = 0x6E53;
	a = model(40002, 1, 65);
	a = model(a, 160, 48);
	want = a;
	a = model(a, 101, 50);
	model(a, 0xFFFF, 0);
	CHECK_INT(discover(cause, sizeof cause, &a), 101);
	CHECK_INT(a, want);
	CHECK(n_reads <= 5);
}

static void discovery_failures_say_why(void)
{
	char cause[256];
	uint16_t a, x;
	int i;
	memset(img, 0, sizeof img);
	fail_base = -1;
	CHECK_INT(discover(cause, sizeof cause, &a), -1);
	CHECK_STR(cause, "no SunSpec marker at 40000, 0 or 50000");
	fail_base = 40000;
	CHECK_INT(discover(cause, sizeof cause, &a), -1);
	CHECK_STR(cause, "no SunSpec marker at 40000, 0 or 50000 (read failed at 40000)");
	fail_base = -1;
	/* A chain with no model the profile maps. */
	img[40000] = 0x5375;
	img[40001] = 0x6E53;
	x = model(40002, 1, 66);
	x = model(x, 160, 48);
	model(x, 0xFFFF, 0);
	CHECK_INT(discover(cause, sizeof cause, &a), -1);
	CHECK_STR(cause,
	          "SunSpec chain at 40000 holds no model profile sunspec maps (models: 1, 160)");
	/* A length that runs off the end of the address space. */
	model(40002, 1, 25000);
	model(65004, 7, 600);
	CHECK_INT(discover(cause, sizeof cause, &a), -1);
	CHECK_STR(cause, "SunSpec: the model chain at 40000 runs past register 65535");
	/* A chain that never ends within the bound. */
	x = 40002;
	for (i = 0; i < 70; i++)
		x = model(x, 999, 0);
	CHECK_INT(discover(cause, sizeof cause, &a), -1);
	CHECK_STR(cause, "SunSpec: more than 64 models in the chain at 40000");
	/* A mapped model too short for the fields the profile reads. */
	model(40002, 103, 40);
	CHECK_INT(discover(cause, sizeof cause, &a), -1);
	CHECK_STR(cause, "SunSpec: model 103 at 40002 has length 40, expected at least 50");
}

static void decoding_is_fast_enough_for_a_gateway(void)
{
	struct regmap m;
	struct reading in = {0}, out;
	uint16_t regs[PROFILE_MAX_READS * PROFILE_MAX_REGS];
	struct timespec t0, t1;
	int i, n = 0, iters = 200000;
	double ns;
	if (resolve("sunspec", 103, &m) < 0)
		return;
	in.has = READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_TEMP;
	in.ac_power_w = 12345;
	in.energy_wh = 987654321;
	in.temp_c = 40.5;
	in.state = STATE_PRODUCING;
	decode_encode(&m, &in, img_set, NULL);
	for (i = 0; i < m.n_reads; i++) {
		memcpy(regs + n, img + m.reads[i].addr, m.reads[i].count * sizeof *regs);
		n += m.reads[i].count;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < iters; i++) {
		regs[0] = (uint16_t)(i & 0x3FFF);
		decode_registers(&m, regs, &out);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / iters;
	printf("# decode: %.0f ns per reading\n", ns);
	CHECK_INT(out.energy_wh, 987654321);
	CHECK(ns < 100000.0); /* 1000 readings/s needs < 1 ms each; even asan stays far below */
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
		CHECK(0);
		RUN(every_profile_survives_encode_then_decode);
		return harness_end();
	}
	RUN(every_profile_survives_encode_then_decode);
	RUN(absent_values_are_encoded_as_sentinels);
	RUN(sunspec_encoding_picks_scale_factors_that_fit);
	RUN(meters_share_one_energy_scale_factor);
	RUN(float_profiles_write_ieee754_in_their_word_order);
	RUN(discovery_finds_the_marker_at_any_base);
	RUN(discovery_failures_say_why);
	RUN(decoding_is_fast_enough_for_a_gateway);
	profile_set_free(set);
	return harness_end();
}
