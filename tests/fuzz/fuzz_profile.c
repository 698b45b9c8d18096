/*
 * fuzz_profile: the register-map profile loader on arbitrary JSON, then what
 * the collector and the simulator do with a profile that loaded: resolve it,
 * decode registers through it and encode a reading into it. A resolved map
 * must stay inside its own reads: every field, scale factor and encoded
 * register. Input: the profile JSON; its last two bytes also name a SunSpec
 * model to try besides the usual ones.
 */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fuzz.h"
#include "log.h"
#include "profile.h"
#include "util.h"

static const int models[] = {1, 101, 102, 103, 111, 112, 113, 201, 202, 203, 204, 211, 213};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOGL_ERROR);
	return 0;
}

/* 1 if [addr, addr + n) lies inside one of m's reads. */
static int in_reads(const struct regmap *m, uint32_t addr, uint32_t n)
{
	int i;
	for (i = 0; i < m->n_reads; i++)
		if (addr >= m->reads[i].addr &&
		    addr + n <= (uint32_t)m->reads[i].addr + m->reads[i].count)
			return 1;
	return 0;
}

/* Every register the encoder writes must be one the collector reads. */
static void enc_set(void *ctx, uint16_t addr, uint16_t value)
{
	const struct regmap *m = ctx;
	(void)value;
	if (!in_reads(m, addr, 1))
		fuzz_fail("%s: the encoder writes register %u, outside every read", m->map,
		          (unsigned)addr);
}

/* The resolved map's own bookkeeping must be consistent: decode trusts it. */
static void check_map(const struct regmap *m)
{
	int i, sum = 0;
	if (m->n_reads < 0 || m->n_reads > PROFILE_MAX_READS)
		fuzz_fail("%s: %d reads", m->map, m->n_reads);
	if (m->fc != 3 && m->fc != 4)
		fuzz_fail("%s: function code %d", m->map, m->fc);
	for (i = 0; i < m->n_reads; i++) {
		if (m->reads[i].count < 1 || m->reads[i].count > PROFILE_MAX_REGS ||
		    (uint32_t)m->reads[i].addr + m->reads[i].count > 65536)
			fuzz_fail("%s: read %d: %u registers at %u", m->map, i, m->reads[i].count,
			          m->reads[i].addr);
		sum += m->reads[i].count;
	}
	if (sum != m->n_regs)
		fuzz_fail("%s: reads hold %d registers, n_regs says %d", m->map, sum, m->n_regs);
	for (i = 0; i < PF_COUNT; i++) {
		const struct regfield *f = &m->f[i];
		if (!f->present)
			continue;
		if (f->words < 1 || f->idx < 0 || f->idx + f->words > m->n_regs ||
		    !in_reads(m, f->addr, (uint32_t)f->words))
			fuzz_fail("%s: field %d (%d words at %u, index %d) is outside the reads",
			          m->map, i, f->words, f->addr, f->idx);
		if (f->has_sf &&
		    (f->sf_idx < 0 || f->sf_idx >= m->n_regs || !in_reads(m, f->sf_addr, 1)))
			fuzz_fail("%s: field %d's scale factor is outside the reads", m->map, i);
		if (f->div <= 0 || f->mul == 0)
			fuzz_fail("%s: field %d scales by %lld/%lld", m->map, i, (long long)f->mul,
			          (long long)f->div);
	}
}

/* Decodes three register patterns, then encodes a typical reading. */
static void exercise(const struct regmap *m, const uint8_t *data, size_t size)
{
	uint16_t *regs = xmalloc((size_t)(m->n_regs > 0 ? m->n_regs : 1) * sizeof *regs);
	struct reading r;
	int i, pass;

	check_map(m);
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < m->n_regs; i++)
			regs[i] = pass == 0 ? 0
			          : pass == 1
			              ? 0xFFFF
			              : (uint16_t)(size ? data[(size_t)i % size] * 257u : 0);
		memset(&r, 0, sizeof r);
		decode_registers(m, regs, &r);
	}
	memset(&r, 0, sizeof r);
	r.kind = m->kind;
	r.state = STATE_PRODUCING;
	r.has = READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_IMPORT | READING_HAS_TODAY |
	        READING_HAS_TEMP | READING_HAS_HZ | READING_HAS_ALARMS;
	r.ac_power_w = 41230;
	r.energy_wh = 123456000;
	r.import_wh = 1500000;
	r.today_wh = 210000;
	r.temp_c = 41.5;
	r.grid_hz = 50.02;
	r.alarms = UINT64_C(0x8000000000000001);
	decode_encode(m, &r, enc_set, (void *)m);
	free(regs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("profile.json", data, size);
	struct profile *p;
	struct regmap m;
	char *cause = NULL;
	size_t i;

	p = profile_load(path, &cause);
	if (!p) {
		if (!cause || !*cause)
			fuzz_fail("a failed load gave no cause");
		free(cause);
		return 0;
	}
	if (!profile_is_sunspec(p)) {
		if (profile_resolve(p, 0, 0, &m, &cause) == 0)
			exercise(&m, data, size);
		free(cause);
	} else {
		uint16_t bases[8];
		int extra = size >= 2 ? data[size - 2] << 8 | data[size - 1] : 0;
		profile_sunspec_bases(p, bases, 8);
		for (i = 0; i <= UTIL_ARRAY_LEN(models); i++) {
			int id = i < UTIL_ARRAY_LEN(models) ? models[i] : extra;
			cause = NULL;
			if (!profile_has_model(p, id))
				continue;
			if (profile_resolve(p, id, 40070, &m, &cause) == 0)
				exercise(&m, data, size);
			free(cause);
			cause = NULL;
			if (profile_resolve(p, id, 65500, &m, &cause) == 0)
				exercise(&m, data, size);
			free(cause);
		}
	}
	profile_free(p);
	return 0;
}
