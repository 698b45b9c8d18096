/*
 * Tests for the profile module: every shipped profile decodes hand-written
 * register vectors (the vendor's numbers, not taken from the profile files),
 * encodes back, merges reads, discovers SunSpec models and rejects bad files.
 */
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "decode.h"
#include "profile.h"
#include "sunspec.h"
#include "util.h"

static uint16_t img[65536]; /* one device's register image */
static struct profile_set *set;

/* Clears the register image. */
static void img_clear(void)
{
	memset(img, 0, sizeof img);
}

/* profile_encode callback: writes into the image. */
static void img_set(void *ctx, uint16_t addr, uint16_t value)
{
	(void)ctx;
	img[addr] = value;
}

/* Reads the regmap's requests from the image, as the collector does, and decodes. */
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

/* Writes a float32 at addr, high word first or low word first. */
static void put_f32(uint16_t addr, float f, int low_first)
{
	uint32_t b;
	memcpy(&b, &f, sizeof b);
	img[addr] = (uint16_t)(low_first ? b & 0xFFFF : b >> 16);
	img[addr + 1] = (uint16_t)(low_first ? b >> 16 : b & 0xFFFF);
}

/* Resolves a shipped profile (model 0 for fixed maps). */
static int resolve(const char *name, int model, uint16_t maddr, struct regmap *m)
{
	char *cause = NULL;
	const struct profile *p = profile_set_find(set, name);
	int rc;
	if (!p) {
		printf("  profile %s not found\n", name);
		return -1;
	}
	rc = profile_resolve(p, model, maddr, m, &cause);
	if (rc < 0) {
		printf("  %s\n", cause);
		free(cause);
	}
	return rc;
}

static void every_shipped_profile_loads(void)
{
	static const char *const names[] = {"sunspec",      "huawei-sun2000",
	                                    "sungrow-sg",   "chint-dtsu666",
	                                    "acrel-adw300", "pyranometer-generic"};
	size_t i;
	CHECK(set != NULL);
	if (!set)
		return;
	CHECK_INT(profile_set_count(set), 6);
	for (i = 0; i < UTIL_ARRAY_LEN(names); i++) {
		const struct profile *p = profile_set_find(set, names[i]);
		CHECK(p != NULL);
		if (p)
			CHECK_INT(profile_version(p), 1);
	}
	CHECK(profile_is_sunspec(profile_set_find(set, "sunspec")));
	CHECK(!profile_is_sunspec(profile_set_find(set, "huawei-sun2000")));
	CHECK(profile_set_find(set, "nope") == NULL);
	CHECK_INT(profile_kind(profile_set_find(set, "huawei-sun2000")), READING_INVERTER);
	CHECK_INT(profile_kind(profile_set_find(set, "acrel-adw300")), READING_METER);
	CHECK_INT(profile_kind(profile_set_find(set, "sunspec")), -1);
	CHECK_INT(profile_kind(profile_set_find(set, "pyranometer-generic")), READING_SENSOR);
	CHECK(profile_has_model(profile_set_find(set, "sunspec"), 203));
	CHECK(!profile_has_model(profile_set_find(set, "sunspec"), 1));
	CHECK_INT(profile_model_length(profile_set_find(set, "sunspec"), 113), 60);
}

static void huawei_decodes_the_documented_registers(void)
{
	struct regmap m;
	struct reading r;
	if (resolve("huawei-sun2000", 0, 0, &m) < 0)
		return;
	CHECK_STR(m.map, "huawei-sun2000@1");
	CHECK_INT(m.fc, 3);
	CHECK_INT(m.kind, READING_INVERTER);
	img_clear();
	img[32080] = 0xFFFF; /* I32 -43 W, high word first */
	img[32081] = 0xFFD5;
	img[32106] = 0x0001; /* U32 65538 x 0.01 kWh = 655380 Wh */
	img[32107] = 0x0002;
	img[32114] = 0x0000; /* daily 1234 x 0.01 kWh */
	img[32115] = 1234;
	img[32089] = 0xA000; /* standby: no irradiation */
	img[32087] = 415;    /* 41.5 C, gain 10 */
	img[32085] = 5001;   /* 50.01 Hz, gain 100 */
	img[32008] = 0x0001;
	img[32009] = 0x0002;
	img[32010] = 0x8000;
	decode_image(&m, &r);
	CHECK_INT(r.ac_power_w, -43);
	CHECK_INT(r.energy_wh, 655380);
	CHECK_INT(r.today_wh, 12340);
	CHECK_INT(r.state, STATE_SLEEPING);
	CHECK(fabs(r.temp_c - 41.5) < 1e-9);
	CHECK(fabs(r.grid_hz - 50.01) < 1e-9);
	CHECK_INT(r.alarms, UINT64_C(0x800000020001));
	CHECK_INT(r.has, READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_TODAY |
	                     READING_HAS_TEMP | READING_HAS_HZ | READING_HAS_ALARMS);
	CHECK_INT(r.quality, 0);
	CHECK_STR(r.map, "huawei-sun2000@1");
	img[32089] = 0x0200;
	decode_image(&m, &r);
	CHECK_INT(r.state, STATE_PRODUCING);
	CHECK(!(r.has & READING_NO_STATE)); /* it has a state register */
	img[32089] = 0x0201;
	decode_image(&m, &r);
	CHECK_INT(r.state, STATE_THROTTLED);
	img[32089] = 0x0300;
	decode_image(&m, &r);
	CHECK_INT(r.state, STATE_FAULT);
	img[32089] = 0x0BAD; /* not in the table: the default */
	decode_image(&m, &r);
	CHECK_INT(r.state, STATE_UNKNOWN);
	CHECK_INT(r.quality, 0);
}

static void huawei_sentinels_leave_values_absent(void)
{
	struct regmap m;
	struct reading r;
	if (resolve("huawei-sun2000", 0, 0, &m) < 0)
		return;
	img_clear();
	img[32080] = 0x7FFF; /* I32 0x7FFFFFFF */
	img[32081] = 0xFFFF;
	img[32106] = 0xFFFF; /* U32 0xFFFFFFFF */
	img[32107] = 0xFFFF;
	img[32087] = 0x7FFF; /* I16 */
	img[32085] = 0xFFFF; /* U16 */
	img[32089] = 0xFFFF;
	decode_image(&m, &r);
	CHECK(!(r.has & READING_HAS_POWER));
	CHECK(!(r.has & READING_HAS_ENERGY));
	CHECK(!(r.has & READING_HAS_TEMP));
	CHECK(!(r.has & READING_HAS_HZ));
	CHECK(r.has & READING_HAS_TODAY); /* 0 is a real daily yield */
	CHECK_INT(r.state, STATE_UNKNOWN);
	CHECK_INT(r.ac_power_w, 0);
	CHECK(r.quality & QUALITY_SENTINEL);
	/* The high word alone is not a sentinel: 0x7FFF0000 is a number, though one
	 * beyond the contract's bound on power, so it is flagged range, not sentinel. */
	img[32081] = 0x0000;
	img[32106] = img[32107] = img[32087] = img[32085] = img[32089] = 0;
	decode_image(&m, &r);
	CHECK(!(r.has & READING_HAS_POWER));
	CHECK(r.quality & QUALITY_RANGE);
	CHECK(!(r.quality & QUALITY_SENTINEL));
	img[32080] = 0x0000;
	img[32081] = 0xFFFF;
	decode_image(&m, &r);
	CHECK(r.has & READING_HAS_POWER);
	CHECK_INT(r.ac_power_w, 0xFFFF);
}

static void sungrow_reads_document_numbers_minus_one_low_word_first(void)
{
	struct regmap m;
	struct reading r;
	if (resolve("sungrow-sg", 0, 0, &m) < 0)
		return;
	CHECK_INT(m.fc, 4);
	img_clear();
	img[5002] = 123;    /* doc 5003: daily 12.3 kWh */
	img[5003] = 0x86A0; /* doc 5004-5005: U32 100000 kWh, low word first */
	img[5004] = 0x0001;
	img[5007] = 0xFF9C; /* doc 5008: -10.0 C */
	img[5030] = 0x3039; /* doc 5031-5032: U32 12345 W, low word first */
	img[5031] = 0x0000;
	img[5037] = 0x8100; /* doc 5038: derating */
	decode_image(&m, &r);
	CHECK_INT(r.today_wh, 12300);
	CHECK_INT(r.energy_wh, INT64_C(100000000));
	CHECK_INT(r.ac_power_w, 12345);
	CHECK(fabs(r.temp_c + 10.0) < 1e-9);
	CHECK_INT(r.state, STATE_THROTTLED);
	CHECK_INT(r.quality, 0);
	img[5037] = 0x0000;
	decode_image(&m, &r);
	CHECK_INT(r.state, STATE_PRODUCING);
	img[5037] = 0x5500;
	decode_image(&m, &r);
	CHECK_INT(r.state, STATE_FAULT);
	img[5037] = 0x1400;
	decode_image(&m, &r);
	CHECK_INT(r.state, STATE_STANDBY);
	img[5037] = 0x4242;
	decode_image(&m, &r);
	CHECK_INT(r.state, STATE_UNKNOWN);
	/* A high-word-first reader would see 0x30390000: the order matters. */
	img[5030] = 0x0000;
	img[5031] = 0x0001;
	decode_image(&m, &r);
	CHECK_INT(r.ac_power_w, 65536);
	img[5030] = 0xFFFF;
	img[5031] = 0xFFFF;
	decode_image(&m, &r);
	CHECK(!(r.has & READING_HAS_POWER));
	CHECK(r.quality & QUALITY_SENTINEL);
}

static void chint_float_kwh_counters_round_to_integer_wh(void)
{
	struct regmap m;
	struct reading r;
	if (resolve("chint-dtsu666", 0, 0, &m) < 0)
		return;
	CHECK_INT(m.kind, READING_METER);
	img_clear();
	put_f32(0x101E, 1234.5f, 0);   /* import 1234.5 kWh */
	put_f32(0x1028, 1.0006f, 0);   /* export 1000.6 Wh -> 1001 */
	put_f32(0x2012, -12345.0f, 0); /* -1234.5 W -> -1235 (half away from zero) */
	decode_image(&m, &r);
	CHECK_INT(r.import_wh, 1234500);
	CHECK_INT(r.energy_wh, 1001);
	CHECK_INT(r.ac_power_w, -1235);
	CHECK(r.has & READING_NO_STATE); /* no state register: no state, not "unknown" */
	CHECK_INT(r.quality, 0);
	/* The vendor's word order, spelled out: 1234.5f is 0x449A5000. */
	CHECK_INT(img[0x101E], 0x449A);
	CHECK_INT(img[0x101F], 0x5000);
	put_f32(0x101E, NAN, 0);
	put_f32(0x1028, INFINITY, 0);
	decode_image(&m, &r);
	CHECK(!(r.has & READING_HAS_IMPORT));
	CHECK(!(r.has & READING_HAS_ENERGY));
	CHECK(r.has & READING_HAS_POWER);
	CHECK(r.quality & QUALITY_SENTINEL);
	put_f32(0x1028, -5.0f, 0); /* a negative counter is broken, not a value */
	decode_image(&m, &r);
	CHECK(!(r.has & READING_HAS_ENERGY));
	CHECK(r.quality & QUALITY_RANGE);
}

static void acrel_counts_hundredths_of_kwh(void)
{
	struct regmap m;
	struct reading r;
	if (resolve("acrel-adw300", 0, 0, &m) < 0)
		return;
	img_clear();
	img[62] = 0x0001; /* forward 65536 x 0.01 kWh */
	img[63] = 0x0000;
	img[64] = 0x0000; /* reverse 1234 x 0.01 kWh */
	img[65] = 1234;
	img[36] = 0xFFFF; /* -43 W */
	img[37] = 0xFFD5;
	decode_image(&m, &r);
	CHECK_INT(r.import_wh, 655360);
	CHECK_INT(r.energy_wh, 12340);
	CHECK_INT(r.ac_power_w, -43);
	CHECK_INT(r.kind, READING_METER);
	CHECK(r.has & READING_NO_STATE);
	CHECK_STR(r.map, "acrel-adw300@1");
}

static void a_pyranometer_gives_irradiance_and_module_temperature(void)
{
	struct regmap m;
	struct reading r;
	if (resolve("pyranometer-generic", 0, 0, &m) < 0)
		return;
	CHECK_INT(m.kind, READING_SENSOR);
	CHECK_INT(m.n_reads, 1);
	img_clear();
	img[0] = 873;    /* W/m² */
	img[1] = 0xFFB5; /* -7.5 degC */
	decode_image(&m, &r);
	CHECK_INT(r.kind, READING_SENSOR);
	CHECK(r.has & READING_HAS_IRRADIANCE);
	CHECK_INT(r.irradiance_wm2, 873);
	CHECK(r.has & READING_HAS_TEMP);
	CHECK(r.temp_c > -7.51 && r.temp_c < -7.49);
	CHECK(!(r.has & (READING_HAS_POWER | READING_HAS_ENERGY)));
	CHECK(r.has & READING_NO_STATE);
	img[0] = 0xFFFD; /* -3 W/m² at night: inside the contract */
	decode_image(&m, &r);
	CHECK_INT(r.irradiance_wm2, -3);
	CHECK_INT(r.quality, 0);
	img[0] = 2500; /* no sky gives that: absent and flagged */
	decode_image(&m, &r);
	CHECK(!(r.has & READING_HAS_IRRADIANCE));
	CHECK(r.quality & QUALITY_RANGE);
	img[0] = 0x7FFF; /* the sensor's "no value" */
	decode_image(&m, &r);
	CHECK(!(r.has & READING_HAS_IRRADIANCE));
	CHECK(r.quality & QUALITY_SENTINEL);
}

/* Writes a SunSpec chain with model_id at 40000 and resolves it. */
static int sunspec_at(int model_id, struct regmap *m, uint16_t *maddr)
{
	char *cause = NULL;
	const struct profile *p = profile_set_find(set, "sunspec");
	img_clear();
	if (!p || sunspec_write_chain(p, 40000, model_id, img_set, NULL, maddr, &cause) < 0) {
		printf("  %s\n", cause ? cause : "no sunspec profile");
		free(cause);
		return -1;
	}
	return resolve("sunspec", model_id, *maddr, m);
}

static void sunspec_integer_models_apply_scale_factors_exactly(void)
{
	struct regmap m;
	struct reading r;
	uint16_t a;
	if (sunspec_at(103, &m, &a) < 0)
		return;
	CHECK_INT(a, 40070);
	CHECK_STR(m.map, "sunspec@1");
	img[a + 14] = 1235; /* W with W_SF -1: 123.5 -> 124 */
	img[a + 15] = 0xFFFF;
	img[a + 16] = 5000; /* Hz with Hz_SF -2 */
	img[a + 17] = 0xFFFE;
	img[a + 24] = 0x075B; /* WH 123456789 with WH_SF -2 -> 1234567.89 -> 1234568 */
	img[a + 25] = 0xCD15;
	img[a + 26] = 0xFFFE;
	img[a + 33] = 415; /* TmpCab with Tmp_SF -1 */
	img[a + 37] = 0xFFFF;
	img[a + 38] = 4; /* MPPT */
	img[a + 40] = 0x0000;
	img[a + 41] = 0x0005;
	decode_image(&m, &r);
	CHECK_INT(r.ac_power_w, 124);
	CHECK(fabs(r.grid_hz - 50.0) < 1e-9);
	CHECK_INT(r.energy_wh, 1234568);
	CHECK(fabs(r.temp_c - 41.5) < 1e-9);
	CHECK_INT(r.state, STATE_PRODUCING);
	CHECK_INT(r.alarms, 5);
	CHECK_INT(r.quality, 0);
	img[a + 14] = (uint16_t)-1235; /* -123.5 -> -124 */
	decode_image(&m, &r);
	CHECK_INT(r.ac_power_w, -124);
	img[a + 14] = (uint16_t)-1234; /* -123.4 -> -123 */
	decode_image(&m, &r);
	CHECK_INT(r.ac_power_w, -123);
	img[a + 14] = 1234; /* W_SF 2 */
	img[a + 15] = 2;
	decode_image(&m, &r);
	CHECK_INT(r.ac_power_w, 123400);
	img[a + 14] = 7; /* W_SF -3: 0.007 -> 0 */
	img[a + 15] = (uint16_t)-3;
	decode_image(&m, &r);
	CHECK_INT(r.ac_power_w, 0);
	CHECK(r.has & READING_HAS_POWER);
	img[a + 38] = 2;
	decode_image(&m, &r);
	CHECK_INT(r.state, STATE_SLEEPING);
	img[a + 38] = 7;
	decode_image(&m, &r);
	CHECK_INT(r.state, STATE_FAULT);
	img[a + 38] = 99;
	decode_image(&m, &r);
	CHECK_INT(r.state, STATE_UNKNOWN);
	CHECK_INT(r.quality, 0);
}

static void sunspec_sentinels_and_bad_scale_factors_leave_values_absent(void)
{
	struct regmap m;
	struct reading r;
	uint16_t a;
	if (sunspec_at(101, &m, &a) < 0)
		return;
	img[a + 14] = 0x8000; /* int16 not implemented */
	img[a + 16] = 0xFFFF; /* uint16 */
	img[a + 24] = 0;      /* acc32 0 */
	img[a + 25] = 0;
	img[a + 33] = 300;
	img[a + 37] = 0x8000; /* the scale factor itself not implemented */
	img[a + 38] = 0xFFFF; /* enum16 */
	img[a + 40] = 0xFFFF; /* bitfield32 */
	img[a + 41] = 0xFFFF;
	decode_image(&m, &r);
	CHECK_INT(r.has, 0);
	CHECK_INT(r.state, STATE_UNKNOWN);
	CHECK_INT(r.quality, QUALITY_SENTINEL);
	img[a + 14] = 100; /* a scale factor of 10^20 is not a device's */
	img[a + 15] = 20;
	decode_image(&m, &r);
	CHECK(!(r.has & READING_HAS_POWER));
	CHECK(r.quality & QUALITY_RANGE);
}

static void sunspec_float_and_meter_models_decode(void)
{
	struct regmap m;
	struct reading r;
	uint16_t a;
	if (sunspec_at(113, &m, &a) < 0)
		return;
	put_f32((uint16_t)(a + 22), 1500.4f, 0);
	put_f32((uint16_t)(a + 24), 49.98f, 0);
	put_f32((uint16_t)(a + 32), 1234567.5f, 0); /* -> 1234568 */
	put_f32((uint16_t)(a + 40), NAN, 0);
	img[a + 48] = 5;
	decode_image(&m, &r);
	CHECK_INT(r.ac_power_w, 1500);
	CHECK(fabs(r.grid_hz - 49.98) < 1e-4);
	CHECK_INT(r.energy_wh, 1234568);
	CHECK(!(r.has & READING_HAS_TEMP));
	CHECK_INT(r.state, STATE_THROTTLED);
	CHECK(r.quality & QUALITY_SENTINEL);

	if (sunspec_at(203, &m, &a) < 0)
		return;
	CHECK_INT(m.kind, READING_METER);
	img[a + 18] = (uint16_t)-500; /* W */
	img[a + 22] = 0;
	img[a + 38] = 0; /* TotWhExp 1000 */
	img[a + 39] = 1000;
	img[a + 46] = 0; /* TotWhImp 5 */
	img[a + 47] = 5;
	img[a + 54] = 3; /* TotWh_SF: kWh */
	img[a + 16] = 0x8000;
	decode_image(&m, &r);
	CHECK_INT(r.ac_power_w, -500);
	CHECK_INT(r.energy_wh, 1000000);
	CHECK_INT(r.import_wh, 5000);
	CHECK(!(r.has & READING_HAS_HZ));
	CHECK(r.has & READING_NO_STATE);
}

/* Checks that every value and its scale factor sit inside one read of at most 125. */
static void check_reads(const struct regmap *m)
{
	int i, j, total = 0;
	for (i = 0; i < m->n_reads; i++) {
		CHECK(m->reads[i].count >= 1 && m->reads[i].count <= PROFILE_MAX_REGS);
		total += m->reads[i].count;
	}
	CHECK_INT(total, m->n_regs);
	for (j = 0; j < PF_COUNT; j++) {
		const struct regfield *f = &m->f[j];
		int in = -1, sf_in = -1;
		if (!f->present)
			continue;
		for (i = 0; i < m->n_reads; i++) {
			unsigned a = m->reads[i].addr, e = a + m->reads[i].count;
			if (f->addr >= a && f->addr + (unsigned)f->words <= e)
				in = i;
			if (f->has_sf && f->sf_addr >= a && f->sf_addr < e)
				sf_in = i;
		}
		CHECK(in >= 0);
		if (f->has_sf)
			CHECK_INT(sf_in, in);
	}
}

static void reads_are_merged_into_few_requests(void)
{
	struct regmap m;
	uint16_t a;
	if (resolve("huawei-sun2000", 0, 0, &m) == 0) {
		check_reads(&m);
		/* alarms 32008-32010 and 32080-32115 joined through the profile's max_gap 70 */
		CHECK_INT(m.n_reads, 1);
		CHECK_INT(m.reads[0].addr, 32008);
		CHECK_INT(m.reads[0].count, 108);
		CHECK_INT(m.n_regs, 108);
		CHECK_INT(m.f[PF_ALARMS].idx, 0);
		CHECK_INT(m.f[PF_POWER].idx, 32080 - 32008);
		CHECK_INT(m.f[PF_TODAY].idx, 32114 - 32008);
	}
	if (resolve("sungrow-sg", 0, 0, &m) == 0) {
		check_reads(&m);
		CHECK_INT(m.n_reads, 2);
		CHECK_INT(m.reads[0].addr, 5002);
	}
	if (resolve("chint-dtsu666", 0, 0, &m) == 0) {
		check_reads(&m);
		CHECK_INT(m.n_reads, 2);
		CHECK_INT(m.reads[0].addr, 0x101E);
		CHECK_INT(m.reads[0].count, 12);
	}
	if (resolve("acrel-adw300", 0, 0, &m) == 0)
		check_reads(&m);
	if (sunspec_at(103, &m, &a) == 0) {
		check_reads(&m);
		CHECK_INT(m.n_reads, 1);
		CHECK_INT(m.reads[0].addr, a + 14);
		CHECK_INT(m.reads[0].count, 28);
	}
	if (sunspec_at(203, &m, &a) == 0) {
		check_reads(&m);
		CHECK_INT(m.n_reads, 1);
		CHECK_INT(m.reads[0].count, 39); /* Hz 16 .. TotWh_SF 54 */
	}
}

/* Writes text to a fresh temporary file; returns its path (static buffer). */
static const char *tmp_file(const char *text)
{
	static char path[64];
	FILE *f;
	snprintf(path, sizeof path, "/tmp/pvmon-test-profile-%d.json", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

/* Loads text as a profile file; returns the error with the file name cut off. */
static char *load_error(const char *text)
{
	static char msg[512];
	const char *path = tmp_file(text);
	char *cause = NULL;
	struct profile *p = profile_load(path, &cause);
	size_t n = strlen(path);
	unlink(path);
	if (p) {
		profile_free(p);
		return (char *)"(loaded)";
	}
	if (strncmp(cause, path, n) == 0 && cause[n] == ':')
		snprintf(msg, sizeof msg, "%s", cause + n + 2);
	else
		snprintf(msg, sizeof msg, "%s", cause);
	free(cause);
	return msg;
}

#define FIXED(fields)                                                                              \
	"{\"name\":\"t\",\"version\":1,\"kind\":\"inverter\",\"max_gap\":125,\"fields\":{" fields  \
	"}}"

static void load_errors_name_the_file_and_path(void)
{
	CHECK_STR(
	    load_error(FIXED("\"ac_power_w\":{\"adress\":1,\"type\":\"u16\"}")),
	    "fields.ac_power_w.adress: unknown key (expected one of: address, type, mul, div, "
	    "sf, word_order, sentinel, count, enum, default, note, names)");
	CHECK_STR(load_error(FIXED("\"ac_power_w\":{\"address\":1,\"type\":\"int16\"}")),
	          "fields.ac_power_w.type: expected one of \"u16\", \"s16\", \"u32\", \"s32\", "
	          "\"acc32\", \"f32\", \"bitfield16\", \"bitfield32\", got \"int16\"");
	CHECK_STR(load_error(FIXED("\"ac_power_w\":{\"address\":70000,\"type\":\"u16\"}")),
	          "fields.ac_power_w.address: expected a register address from 0 to 65535 (a "
	          "number or \"0x...\"), got 70000");
	CHECK_STR(load_error(FIXED("\"ac_power_w\":{\"address\":\"0x1G\",\"type\":\"u16\"}")),
	          "fields.ac_power_w.address: expected a register address from 0 to 65535 (a "
	          "number or \"0x...\"), got \"0x1G\"");
	CHECK_STR(load_error(FIXED("\"ac_power_w\":{\"address\":65535,\"type\":\"u32\"}")),
	          "fields.ac_power_w.address: the value ends at 65536, past register 65535");
	CHECK_STR(load_error(FIXED("\"watts\":{\"address\":1,\"type\":\"u16\"}")),
	          "fields.watts: unknown key (expected one of: ac_power_w, energy_wh, import_wh, "
	          "today_wh, temp_c, grid_hz, state, alarms, irradiance_wm2)");
	CHECK_STR(load_error(FIXED("\"irradiance_wm2\":{\"address\":1,\"type\":\"u16\"}")),
	          "fields.irradiance_wm2: only a \"sensor\" maps irradiance, this is a "
	          "\"inverter\"");
	CHECK_STR(load_error("{\"name\":\"t\",\"version\":1,\"kind\":\"sensor\",\"fields\":{"
	                     "\"temp_c\":{\"address\":1,\"type\":\"s16\"}}}"),
	          "fields: a \"sensor\" needs an irradiance_wm2 field");
	CHECK_STR(load_error("{\"name\":\"t\",\"version\":1,\"kind\":\"sensor\",\"fields\":{"
	                     "\"irradiance_wm2\":{\"address\":0,\"type\":\"u16\"},"
	                     "\"energy_wh\":{\"address\":2,\"type\":\"u32\"}}}"),
	          "fields.energy_wh: a \"sensor\" maps irradiance and temperature, not power or "
	          "energy");
	CHECK_STR(
	    load_error(FIXED("\"ac_power_w\":{\"address\":0,\"type\":\"s16\",\"sf\":200}")),
	    "fields.ac_power_w.sf: the value and its scale factor are 201 registers apart (one "
	    "read holds at most 125)");
	CHECK_STR(load_error(FIXED("\"state\":{\"address\":0,\"type\":\"u16\",\"enum\":{\"0x0200\":"
	                           "\"prod\"}}")),
	          "fields.state.enum.0x0200: expected a state name (producing, sleeping, starting, "
	          "throttled, standby, fault, off, unknown), got \"prod\"");
	CHECK_STR(load_error(FIXED("\"alarms\":{\"address\":0,\"type\":\"u16\"}")),
	          "fields.alarms.type: expected \"bitfield16\" or \"bitfield32\" for alarms, got "
	          "\"u16\"");
	CHECK_STR(load_error("{\"name\":\"t\",\"version\":1,\"kind\":\"inverter\",\"fields\":{},"
	                     "\"colour\":1}"),
	          "colour: unknown key (expected one of: name, version, note, kind, function, "
	          "word_order, max_gap, sentinels, fields, address_offset)");
	CHECK_STR(
	    load_error("{\"name\":\"t\",\"version\":1,\"sunspec\":{},\"models\":[{\"ids\":[101],"
	               "\"kind\":\"inverter\",\"length\":50,\"fields\":{\"ac_power_w\":"
	               "{\"offset\":51,\"type\":\"s32\"}}}]}"),
	    "models[0].fields.ac_power_w.offset: the value ends at 52, past the model's last "
	    "register 51");
	CHECK_STR(
	    load_error("{\"name\":\"t\",\"version\":1,\"sunspec\":{},\"models\":[{\"ids\":[101],"
	               "\"length\":50,\"fields\":{\"ac_power_w\":{\"offset\":14,\"type\":"
	               "\"s16\",\"sf\":15}}}]}"),
	    "models[0].kind: a model with fields needs a kind (\"inverter\", \"meter\" or "
	    "\"sensor\")");
	CHECK_STR(
	    load_error(FIXED("\"temp_c\":{\"address\":0,\"type\":\"s16\",\"sentinel\":70000}")),
	    "fields.temp_c.sentinel: expected a raw value from 0 to 0xFFFF (a number or "
	    "\"0x...\") or \"none\", got 70000");
	CHECK_STR(load_error("{\"name\":\"t\",\"version\":0}"),
	          "version: expected an integer from 1 to 999999, got 0");
	CHECK_STR(load_error("{\"name\":\"t\",\"version\":1,"),
	          "invalid JSON at line 1, column 25");
	CHECK_STR(load_error(FIXED("\"ac_power_w\":{\"address\":0,\"type\":\"u16\"}")), "(loaded)");
}

static void a_value_and_its_scale_factor_are_never_split(void)
{
	const char *path =
	    tmp_file(FIXED("\"ac_power_w\":{\"address\":0,\"type\":\"u16\"},"
	                   "\"energy_wh\":{\"address\":100,\"type\":\"u32\",\"sf\":124},"
	                   "\"temp_c\":{\"address\":200,\"type\":\"s16\",\"sf\":126}"));
	char *cause = NULL;
	struct profile *p = profile_load(path, &cause);
	struct regmap m;
	unlink(path);
	CHECK(p != NULL);
	if (!p) {
		printf("  %s\n", cause);
		free(cause);
		return;
	}
	CHECK_INT(profile_resolve(p, 0, 0, &m, &cause), 0);
	check_reads(&m);
	/* [0..125) holds power, energy and its SF; temp's SF at 126 pulls it together. */
	CHECK_INT(m.n_reads, 2);
	CHECK_INT(m.reads[0].addr, 0);
	CHECK_INT(m.reads[0].count, 125);
	CHECK_INT(m.reads[1].addr, 126);
	CHECK_INT(m.reads[1].count, 75);
	CHECK_INT(m.f[PF_TEMP].sf_idx, 125);
	CHECK_INT(m.f[PF_TEMP].idx, 125 + 74);
	profile_free(p);
}

/* Resolves a fixed map of fields with "max_gap" gap (or none when gap < 0) into m; 0 or -1. */
static int resolve_text(int gap, const char *fields, struct regmap *m)
{
	char text[1024];
	const char *path;
	char *cause = NULL;
	struct profile *p;
	int rc;

	if (gap >= 0)
		snprintf(text, sizeof text,
		         "{\"name\":\"t\",\"version\":1,\"kind\":\"inverter\",\"max_gap\":%d,"
		         "\"fields\":{%s}}",
		         gap, fields);
	else
		snprintf(text, sizeof text,
		         "{\"name\":\"t\",\"version\":1,\"kind\":\"inverter\",\"fields\":{%s}}",
		         fields);
	path = tmp_file(text);
	p = profile_load(path, &cause);
	unlink(path);
	if (!p) {
		printf("  %s\n", cause);
		free(cause);
		return -1;
	}
	rc = profile_resolve(p, 0, 0, m, &cause);
	if (rc) {
		printf("  %s\n", cause);
		free(cause);
	}
	profile_free(p);
	if (rc == 0)
		check_reads(m);
	return rc;
}

static void a_hole_of_max_gap_registers_is_read_through_and_a_wider_one_is_not(void)
{
	struct regmap m;
	if (resolve_text(16,
	                 "\"ac_power_w\":{\"address\":0,\"type\":\"u16\"},"
	                 "\"energy_wh\":{\"address\":17,\"type\":\"u32\"}",
	                 &m) == 0) {
		CHECK_INT(m.n_reads, 1); /* hole 1..16: 16 registers */
		CHECK_INT(m.reads[0].count, 19);
		CHECK_INT(m.f[PF_ENERGY].idx, 17);
	}
	if (resolve_text(16,
	                 "\"ac_power_w\":{\"address\":0,\"type\":\"u16\"},"
	                 "\"energy_wh\":{\"address\":18,\"type\":\"u32\"}",
	                 &m) == 0) {
		CHECK_INT(m.n_reads, 2); /* hole 1..17: 17 registers */
		CHECK_INT(m.reads[0].count, 1);
		CHECK_INT(m.reads[1].addr, 18);
		CHECK_INT(m.reads[1].count, 2);
		CHECK_INT(m.f[PF_ENERGY].idx, 1);
	}
}

static void without_max_gap_a_profile_reads_through_holes_of_16(void)
{
	struct regmap m;
	if (resolve_text(-1,
	                 "\"ac_power_w\":{\"address\":0,\"type\":\"u16\"},"
	                 "\"energy_wh\":{\"address\":17,\"type\":\"u32\"}",
	                 &m) == 0)
		CHECK_INT(m.n_reads, 1);
	if (resolve_text(-1,
	                 "\"ac_power_w\":{\"address\":0,\"type\":\"u16\"},"
	                 "\"energy_wh\":{\"address\":18,\"type\":\"u32\"}",
	                 &m) == 0)
		CHECK_INT(m.n_reads, 2);
}

static void max_gap_zero_joins_only_adjacent_fields(void)
{
	struct regmap m;
	if (resolve_text(0,
	                 "\"ac_power_w\":{\"address\":10,\"type\":\"u16\"},"
	                 "\"energy_wh\":{\"address\":11,\"type\":\"u32\"},"
	                 "\"temp_c\":{\"address\":14,\"type\":\"s16\"}",
	                 &m) == 0) {
		CHECK_INT(m.n_reads, 2);
		CHECK_INT(m.reads[0].addr, 10);
		CHECK_INT(m.reads[0].count, 3);
		CHECK_INT(m.reads[1].addr, 14);
		CHECK_INT(m.reads[1].count, 1);
		CHECK_INT(m.f[PF_TEMP].idx, 3);
	}
}

static void a_join_never_makes_a_request_longer_than_125_registers(void)
{
	struct regmap m;
	/* with any gap allowed, 0..124 is one request, 125..126 must start the next */
	if (resolve_text(125,
	                 "\"ac_power_w\":{\"address\":0,\"type\":\"u16\"},"
	                 "\"today_wh\":{\"address\":123,\"type\":\"u32\"},"
	                 "\"energy_wh\":{\"address\":125,\"type\":\"u32\"}",
	                 &m) == 0) {
		CHECK_INT(m.n_reads, 2);
		CHECK_INT(m.reads[0].count, 125);
		CHECK_INT(m.reads[1].addr, 125);
		CHECK_INT(m.f[PF_ENERGY].idx, 125);
	}
	/* a 32-bit value straddling register 125 moves whole into the next request */
	if (resolve_text(125,
	                 "\"ac_power_w\":{\"address\":0,\"type\":\"u16\"},"
	                 "\"energy_wh\":{\"address\":124,\"type\":\"u32\"}",
	                 &m) == 0) {
		CHECK_INT(m.n_reads, 2);
		CHECK_INT(m.reads[0].count, 1);
		CHECK_INT(m.reads[1].addr, 124);
		CHECK_INT(m.reads[1].count, 2);
	}
}

static void a_join_keeps_a_value_and_its_scale_factor_together(void)
{
	struct regmap m;
	/* power's SF sits far behind it: the span 0..100 joins energy at 110 through a hole of 9 */
	if (resolve_text(16,
	                 "\"ac_power_w\":{\"address\":0,\"type\":\"s16\",\"sf\":100},"
	                 "\"energy_wh\":{\"address\":110,\"type\":\"u32\"}",
	                 &m) == 0) {
		CHECK_INT(m.n_reads, 1);
		CHECK_INT(m.reads[0].count, 112);
		CHECK_INT(m.f[PF_POWER].sf_idx, 100);
	}
	/* with energy at 124 the request would end at 126: past 125, energy starts the next */
	if (resolve_text(125,
	                 "\"ac_power_w\":{\"address\":0,\"type\":\"s16\",\"sf\":100},"
	                 "\"energy_wh\":{\"address\":124,\"type\":\"u32\"}",
	                 &m) == 0) {
		CHECK_INT(m.n_reads, 2);
		CHECK_INT(m.reads[0].count, 101);
		CHECK_INT(m.f[PF_POWER].idx, 0);
		CHECK_INT(m.f[PF_POWER].sf_idx, 100);
	}
}

/* The worked example of docs/profiles.md, checked so the document stays true. */
static void the_documented_worked_example_decodes_as_written(void)
{
	const char *path =
	    tmp_file("{\"name\":\"acme-x\",\"version\":1,\"kind\":\"inverter\",\"function\":4,"
	             "\"word_order\":\"high-first\","
	             "\"sentinels\":{\"u16\":\"0xFFFF\",\"u32\":\"0xFFFFFFFF\"},\"fields\":{"
	             "\"state\":{\"address\":100,\"type\":\"u16\",\"enum\":{\"1\":\"producing\","
	             "\"2\":\"standby\",\"3\":\"fault\"},\"default\":\"unknown\"},"
	             "\"ac_power_w\":{\"address\":101,\"type\":\"s32\",\"div\":10},"
	             "\"energy_wh\":{\"address\":110,\"type\":\"u32\",\"mul\":100},"
	             "\"temp_c\":{\"address\":120,\"type\":\"s16\",\"div\":10},"
	             "\"alarms\":{\"address\":200,\"type\":\"bitfield16\"}}}");
	char *cause = NULL;
	struct profile *p = profile_load(path, &cause);
	struct regmap m;
	struct reading r;
	unlink(path);
	CHECK(p != NULL);
	if (!p) {
		printf("  %s\n", cause);
		free(cause);
		return;
	}
	CHECK_INT(profile_resolve(p, 0, 0, &m, &cause), 0);
	CHECK_INT(m.fc, 4);
	CHECK_INT(m.n_reads, 2);
	CHECK_INT(m.reads[0].addr, 100);
	CHECK_INT(m.reads[0].count, 21);
	CHECK_INT(m.reads[1].addr, 200);
	img_clear();
	img[100] = 1;
	img[101] = 0x0000;
	img[102] = 0x3039;
	img[110] = 0x0001;
	img[111] = 0x0000;
	img[120] = 0xFF9C;
	decode_image(&m, &r);
	CHECK_INT(r.state, STATE_PRODUCING);
	CHECK_INT(r.ac_power_w, 1235);
	CHECK_INT(r.energy_wh, 6553600);
	CHECK(fabs(r.temp_c + 10.0) < 1e-9);
	CHECK_INT(r.alarms, 0);
	CHECK(r.has & READING_HAS_ALARMS);
	CHECK_STR(r.map, "acme-x@1");
	profile_free(p);
}

static void duplicate_profile_names_are_an_error(void)
{
	char dir[64], p1[96], p2[96], *cause = NULL;
	FILE *f;
	struct profile_set *s;
	snprintf(dir, sizeof dir, "/tmp/pvmon-test-profiles-%d", (int)getpid());
	snprintf(p1, sizeof p1, "%s/a.json", dir);
	snprintf(p2, sizeof p2, "%s/b.json", dir);
	CHECK_INT(mkdir(dir, 0700), 0);
	f = fopen(p1, "w");
	fputs(FIXED("\"ac_power_w\":{\"address\":0,\"type\":\"u16\"}"), f);
	fclose(f);
	f = fopen(p2, "w");
	fputs(FIXED("\"ac_power_w\":{\"address\":0,\"type\":\"u16\"}"), f);
	fclose(f);
	s = profile_set_load(dir, &cause);
	CHECK(s == NULL);
	if (cause) {
		char want[300];
		snprintf(want, sizeof want, "%s: name: duplicate profile name \"t\" (also in %s)",
		         p2, p1);
		CHECK_STR(cause, want);
	}
	free(cause);
	profile_set_free(s);
	unlink(p1);
	unlink(p2);
	rmdir(dir);
}

/* Alarm names: the shipped maps name real bits in both languages. */
static void shipped_profiles_name_their_alarm_bits_in_both_languages(void)
{
	const struct profile *hw = profile_set_find(set, "huawei-sun2000");
	const struct profile *ss = profile_set_find(set, "sunspec");
	CHECK(hw != NULL && ss != NULL);
	if (!hw || !ss)
		return;
	/* 32008 bit 9 is grid overvoltage; 32009 bit 2 (bit 18 of the reading) low insulation */
	CHECK_STR(profile_alarm_name(hw, 9, MSG_ZH), "电网过压");
	CHECK_STR(profile_alarm_name(hw, 9, MSG_EN), "grid overvoltage");
	CHECK_STR(profile_alarm_name(hw, 18, MSG_EN), "low insulation resistance");
	CHECK(profile_alarm_name(hw, 47, MSG_ZH) == NULL); /* unnamed */
	CHECK(profile_alarm_name(hw, 64, MSG_ZH) == NULL);
	CHECK(profile_alarm_name(hw, -1, MSG_EN) == NULL);
	/* SunSpec Evt1 bit 0 ground fault, bit 10 AC overvoltage, in every inverter model */
	CHECK_STR(profile_alarm_name(ss, 0, MSG_EN), "ground fault");
	CHECK_STR(profile_alarm_name(ss, 10, MSG_ZH), "交流过压");
	CHECK(profile_alarm_name(profile_set_find(set, "chint-dtsu666"), 0, MSG_ZH) == NULL);
}

#define ALARMS(names)                                                                              \
	FIXED("\"alarms\":{\"address\":0,\"type\":\"bitfield16\",\"count\":2,\"names\":{" names    \
	      "}}")

static void bad_alarm_names_are_errors_with_their_json_path(void)
{
	CHECK_STR(load_error(ALARMS("\"3\":{\"zh\":\"过压\",\"en\":\"overvoltage\"}")), "(loaded)");
	CHECK_STR(
	    load_error(ALARMS("\"32\":{\"zh\":\"a\",\"en\":\"b\"}")),
	    "fields.alarms.names.32: expected a bit number from 0 to 31 as the key (the field "
	    "has 32 alarm bits)");
	CHECK_STR(
	    load_error(ALARMS("\"x1\":{\"zh\":\"a\",\"en\":\"b\"}")),
	    "fields.alarms.names.x1: expected a bit number from 0 to 31 as the key (the field "
	    "has 32 alarm bits)");
	CHECK_STR(
	    load_error(ALARMS("\"01\":{\"zh\":\"a\",\"en\":\"b\"}")),
	    "fields.alarms.names.01: expected a bit number from 0 to 31 as the key (the field "
	    "has 32 alarm bits)");
	CHECK_STR(load_error(ALARMS("\"1\":{\"zh\":\"a\"}")),
	          "fields.alarms.names.1.en: expected a string, got nothing (the key is missing)");
	CHECK_STR(load_error(ALARMS("\"1\":{\"zh\":\"a\",\"en\":\"\"}")),
	          "fields.alarms.names.1.en: expected a non-empty string, got \"\"");
	CHECK_STR(load_error(ALARMS("\"1\":{\"zh\":\"a\",\"en\":\"b\",\"fr\":\"c\"}")),
	          "fields.alarms.names.1.fr: unknown key (expected one of: zh, en)");
	CHECK_STR(load_error(ALARMS("\"1\":\"overvoltage\"")),
	          "fields.alarms.names.1: expected an object, got \"overvoltage\"");
	CHECK_STR(load_error(ALARMS(
	              "\"1\":{\"zh\":\"a\",\"en\":\"b\"},\"1\":{\"zh\":\"c\",\"en\":\"d\"}")),
	          "fields.alarms.names.1: bit 1 is named twice");
	CHECK_STR(load_error(ALARMS("")), "fields.alarms.names: expected at least one named bit");
	CHECK_STR(load_error(FIXED("\"temp_c\":{\"address\":0,\"type\":\"s16\",\"names\":{}}")),
	          "fields.temp_c.names: only alarms take names");
}

int main(void)
{
	char *cause = NULL;
	const char *root = getenv("PVMON_ROOT");
	char dir[512];
	snprintf(dir, sizeof dir, "%s/config/profiles", root ? root : ".");
	set = profile_set_load(dir, &cause);
	if (!set)
		printf("  %s\n", cause);
	free(cause);
	RUN(every_shipped_profile_loads);
	if (set) {
		RUN(huawei_decodes_the_documented_registers);
		RUN(a_pyranometer_gives_irradiance_and_module_temperature);
		RUN(huawei_sentinels_leave_values_absent);
		RUN(sungrow_reads_document_numbers_minus_one_low_word_first);
		RUN(chint_float_kwh_counters_round_to_integer_wh);
		RUN(acrel_counts_hundredths_of_kwh);
		RUN(sunspec_integer_models_apply_scale_factors_exactly);
		RUN(sunspec_sentinels_and_bad_scale_factors_leave_values_absent);
		RUN(sunspec_float_and_meter_models_decode);
		RUN(reads_are_merged_into_few_requests);
		RUN(shipped_profiles_name_their_alarm_bits_in_both_languages);
	}
	RUN(bad_alarm_names_are_errors_with_their_json_path);
	RUN(load_errors_name_the_file_and_path);
	RUN(a_value_and_its_scale_factor_are_never_split);
	RUN(a_hole_of_max_gap_registers_is_read_through_and_a_wider_one_is_not);
	RUN(without_max_gap_a_profile_reads_through_holes_of_16);
	RUN(max_gap_zero_joins_only_adjacent_fields);
	RUN(a_join_never_makes_a_request_longer_than_125_registers);
	RUN(a_join_keeps_a_value_and_its_scale_factor_together);
	RUN(the_documented_worked_example_decodes_as_written);
	RUN(duplicate_profile_names_are_an_error);
	profile_set_free(set);
	return harness_end();
}
