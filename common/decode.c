/*
 * decode: raw registers <-> canonical reading through a resolved regmap.
 * Hot path of the collector: it never allocates and never guesses a value
 * (a not-implemented sentinel or an impossible number is absent, never 0).
 */
#include "decode.h"

#include <math.h>
#include <string.h>

/* Powers of ten that fit in int64 with room: scale factors are limited to +-10. */
static const int64_t pow10_i[] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000,
};
#define SF_MAX 10

enum vstat { V_OK, V_SENTINEL, V_RANGE };

/* The 32-bit value at r in the field's word order. */
static uint32_t get32(const struct regfield *f, const uint16_t *r)
{
	return f->low_word_first ? ((uint32_t)r[1] << 16 | r[0]) : ((uint32_t)r[0] << 16 | r[1]);
}

/* Writes a 32-bit value at addr in the field's word order. */
static void put32(const struct regfield *f, uint16_t addr, uint32_t v,
                  void (*set)(void *ctx, uint16_t addr, uint16_t value), void *ctx)
{
	uint16_t hi = (uint16_t)(v >> 16), lo = (uint16_t)(v & 0xFFFF);
	set(ctx, addr, f->low_word_first ? lo : hi);
	set(ctx, (uint16_t)(addr + 1), f->low_word_first ? hi : lo);
}

/* Two's complement of a 16- or 32-bit pattern, without implementation-defined casts. */
static int64_t sign16(uint32_t b)
{
	return b >= 0x8000u ? (int64_t)b - 0x10000 : (int64_t)b;
}
static int64_t sign32(uint32_t b)
{
	return b >= 0x80000000u ? (int64_t)b - INT64_C(0x100000000) : (int64_t)b;
}

/* Divides num by den (> 0), rounding half away from zero. */
static int64_t div_round(int64_t num, int64_t den)
{
	int64_t q = num / den, r = num % den;
	if (r < 0)
		r = -r;
	if (r >= den - r)
		q += num < 0 ? -1 : 1;
	return q;
}

/*
 * raw * mul / div * 10^sf computed exactly in integers, rounded half away from
 * zero once at the end. Returns V_RANGE if it does not fit in int64.
 */
static enum vstat scale_int(int64_t raw, int64_t mul, int64_t div, int sf, int64_t *out)
{
	int64_t num = raw * mul, den = div; /* |raw| < 2^33, mul <= 10^6: no overflow */
	if (sf > 0 && __builtin_mul_overflow(num, pow10_i[sf], &num))
		return V_RANGE;
	if (sf < 0)
		den *= pow10_i[-sf]; /* <= 10^16 */
	*out = div_round(num, den);
	return V_OK;
}

/* raw * mul / div * 10^sf as a double (temperatures, frequencies). */
static double scale_dbl(double raw, int64_t mul, int64_t div, int sf)
{
	double d = raw * (double)mul / (double)div;
	if (sf < 0)
		return d / (double)pow10_i[-sf];
	return d * (double)pow10_i[sf];
}

/* Reads the raw bit pattern of a number field. */
static uint32_t raw_bits(const struct regfield *f, const uint16_t *regs)
{
	const uint16_t *r = regs + f->idx;
	return f->words == 1 ? r[0] : get32(f, r);
}

/* Decodes one number field into *iv (want_int) or *dv. */
static enum vstat read_value(const struct regfield *f, const uint16_t *regs, int want_int,
                             int64_t *iv, double *dv)
{
	uint32_t bits = raw_bits(f, regs);
	int64_t raw;
	int sf = 0;

	if (f->type == PT_F32) {
		float fl;
		double d;
		memcpy(&fl, &bits, sizeof fl);
		if (!isfinite(fl))
			return V_SENTINEL;
		d = (double)fl * (double)f->mul / (double)f->div;
		if (!want_int) {
			*dv = d;
			return V_OK;
		}
		if (fabs(d) > 9.0e15)
			return V_RANGE;
		*iv = llround(d);
		return V_OK;
	}
	if (f->has_sentinel && bits == f->sentinel)
		return V_SENTINEL;
	switch (f->type) {
	case PT_S16:
		raw = sign16(bits);
		break;
	case PT_S32:
		raw = sign32(bits);
		break;
	default:
		raw = (int64_t)bits;
		break;
	}
	if (f->has_sf) {
		uint16_t s = regs[f->sf_idx];
		if (s == 0x8000)
			return V_SENTINEL;
		sf = (int)sign16(s);
		if (sf < -SF_MAX || sf > SF_MAX)
			return V_RANGE;
	}
	if (want_int)
		return scale_int(raw, f->mul, f->div, sf, iv);
	*dv = scale_dbl((double)raw, f->mul, f->div, sf);
	return V_OK;
}

/* Which reading bit each number field sets; 0 for state and alarms. */
static const uint32_t has_bit[PF_COUNT] = {
    READING_HAS_POWER,
    READING_HAS_ENERGY,
    READING_HAS_IMPORT,
    READING_HAS_TODAY,
    READING_HAS_TEMP,
    READING_HAS_HZ,
    0,
    READING_HAS_ALARMS,
    READING_HAS_IRRADIANCE,
};

/* 1 for the values the contract carries as integers (W, Wh). */
static int is_int_field(int fid)
{
	return fid == PF_POWER || fid == PF_ENERGY || fid == PF_IMPORT || fid == PF_TODAY ||
	       fid == PF_IRRADIANCE;
}

/* Where a number field's value lives in a reading. */
static void *value_ptr(struct reading *r, int fid)
{
	switch (fid) {
	case PF_POWER:
		return &r->ac_power_w;
	case PF_ENERGY:
		return &r->energy_wh;
	case PF_IMPORT:
		return &r->import_wh;
	case PF_TODAY:
		return &r->today_wh;
	case PF_IRRADIANCE:
		return &r->irradiance_wm2;
	case PF_TEMP:
		return &r->temp_c;
	default:
		return &r->grid_hz;
	}
}

/* The integer value of a W or Wh field of r. */
static int64_t int_value(const struct reading *r, int fid)
{
	switch (fid) {
	case PF_POWER:
		return r->ac_power_w;
	case PF_ENERGY:
		return r->energy_wh;
	case PF_IMPORT:
		return r->import_wh;
	case PF_IRRADIANCE:
		return r->irradiance_wm2;
	default:
		return r->today_wh;
	}
}

/* The value of any number field of r as a double. */
static double dbl_value(const struct reading *r, int fid)
{
	if (is_int_field(fid))
		return (double)int_value(r, fid);
	return fid == PF_TEMP ? r->temp_c : r->grid_hz;
}

/*
 * 1 if a decoded value is inside the contract's bounds (reading.h). Outside
 * them ingest would reject the whole reading, counters included, so such a
 * value is not one the device can make: it is left absent and flagged.
 */
static int in_contract(int fid, int64_t iv, double dv)
{
	switch (fid) {
	case PF_POWER:
		return iv >= -READING_POWER_MAX_W && iv <= READING_POWER_MAX_W;
	case PF_ENERGY:
	case PF_IMPORT:
	case PF_TODAY:
		return iv >= 0 && iv <= READING_WH_MAX;
	case PF_IRRADIANCE:
		return iv >= READING_IRRADIANCE_MIN && iv <= READING_IRRADIANCE_MAX;
	case PF_TEMP:
		return dv >= READING_TEMP_MIN_C && dv <= READING_TEMP_MAX_C;
	default:
		return dv >= 0 && dv <= READING_HZ_MAX;
	}
}

/* Decodes the state field through its enum table. */
static void decode_state(const struct regfield *f, const uint16_t *regs, struct reading *out)
{
	uint32_t raw = raw_bits(f, regs);
	int i;
	if (f->has_sentinel && raw == f->sentinel) {
		out->quality |= QUALITY_SENTINEL;
		return;
	}
	for (i = 0; i < f->n_enum; i++)
		if (f->enums[i].raw == raw) {
			out->state = f->enums[i].state;
			return;
		}
	out->state = f->enum_default;
}

/* Decodes alarm words into 64 bits: word i fills bits [i*width, (i+1)*width). */
static void decode_alarms(const struct regfield *f, const uint16_t *regs, struct reading *out)
{
	int width = f->type == PT_BITFIELD16 ? 1 : 2, n = f->words / width, i, unset = 0;
	uint64_t bits = 0;
	for (i = 0; i < n; i++) {
		const uint16_t *r = regs + f->idx + i * width;
		uint32_t w = width == 1 ? r[0] : get32(f, r);
		if (f->has_sentinel && w == f->sentinel) {
			unset++;
			continue;
		}
		bits |= (uint64_t)w << (16 * width * i);
	}
	if (unset) {
		out->quality |= QUALITY_SENTINEL;
		if (unset == n)
			return;
	}
	if (bits > (uint64_t)READING_ALARMS_MAX) {
		/* a JSON number holds 53 bits exactly: more would be published wrong */
		out->quality |= QUALITY_RANGE;
		return;
	}
	out->alarms = bits;
	out->has |= READING_HAS_ALARMS;
}

void decode_registers(const struct regmap *m, const uint16_t *regs, struct reading *out)
{
	int fid;

	out->kind = m->kind;
	memcpy(out->map, m->map, sizeof out->map);
	out->state = STATE_UNKNOWN;
	/* no state register: the reading has no state, rather than "unknown" */
	out->has = m->f[PF_STATE].present ? 0 : READING_NO_STATE;
	out->quality = 0;
	out->ac_power_w = out->energy_wh = out->import_wh = out->today_wh = 0;
	out->irradiance_wm2 = 0;
	out->temp_c = out->grid_hz = 0;
	out->alarms = 0;
	for (fid = 0; fid < PF_COUNT; fid++) {
		const struct regfield *f = &m->f[fid];
		enum vstat st;
		int64_t iv = 0;
		double dv = 0;
		if (!f->present)
			continue;
		if (fid == PF_STATE) {
			decode_state(f, regs, out);
			continue;
		}
		if (fid == PF_ALARMS) {
			decode_alarms(f, regs, out);
			continue;
		}
		st = read_value(f, regs, is_int_field(fid), &iv, &dv);
		/* a negative counter or an impossible power is a broken value */
		if (st == V_OK && !in_contract(fid, iv, dv))
			st = V_RANGE;
		if (st == V_SENTINEL) {
			out->quality |= QUALITY_SENTINEL;
		} else if (st == V_RANGE) {
			out->quality |= QUALITY_RANGE;
		} else {
			if (is_int_field(fid))
				*(int64_t *)value_ptr(out, fid) = iv;
			else
				*(double *)value_ptr(out, fid) = dv;
			out->has |= has_bit[fid];
		}
	}
}

/* 1 if raw fits the field's type and is not its sentinel. */
static int raw_fits(const struct regfield *f, int64_t raw)
{
	uint32_t bits;
	switch (f->type) {
	case PT_U16:
		if (raw < 0 || raw > 0xFFFF)
			return 0;
		break;
	case PT_S16:
		if (raw < -32768 || raw > 32767)
			return 0;
		break;
	case PT_S32:
		if (raw < INT32_MIN || raw > INT32_MAX)
			return 0;
		break;
	default:
		if (raw < 0 || raw > INT64_C(0xFFFFFFFF))
			return 0;
		break;
	}
	bits = (uint32_t)(raw & (f->words == 1 ? 0xFFFF : 0xFFFFFFFF));
	return !(f->has_sentinel && bits == f->sentinel);
}

/* The raw integer that decodes to the field's value in r with scale factor sf. */
static int to_raw(const struct regfield *f, const struct reading *r, int fid, int sf, int64_t *raw)
{
	if (is_int_field(fid)) {
		int64_t v = int_value(r, fid), num, den;
		if (__builtin_mul_overflow(v, f->div, &num))
			return -1;
		den = f->mul;
		if (sf < 0 && __builtin_mul_overflow(num, pow10_i[-sf], &num))
			return -1;
		if (sf > 0)
			den *= pow10_i[sf];
		*raw = div_round(num, den);
	} else {
		double d = dbl_value(r, fid) * (double)f->div / (double)f->mul;
		d = sf < 0 ? d * (double)pow10_i[-sf] : d / (double)pow10_i[sf];
		if (!isfinite(d) || fabs(d) > 9.0e15)
			return -1;
		*raw = llround(d);
	}
	return 0;
}

/*
 * Chooses one scale factor for every present value sharing the register
 * sf_addr (SunSpec meters share TotWh_SF): the smallest that fits them all,
 * from -2 for temperatures and frequencies (two decimals) or 0 for W and Wh.
 */
static int choose_sf(const struct regmap *m, const struct reading *r, uint16_t sf_addr, int *out)
{
	int fid, sf, start = 0, any = 0;
	for (fid = 0; fid < PF_COUNT; fid++) {
		const struct regfield *f = &m->f[fid];
		if (!f->present || !f->has_sf || f->sf_addr != sf_addr || !(r->has & has_bit[fid]))
			continue;
		any = 1;
		if (!is_int_field(fid))
			start = -2;
	}
	if (!any) {
		*out = 0;
		return 0;
	}
	for (sf = start; sf <= SF_MAX; sf++) {
		int ok = 1;
		for (fid = 0; fid < PF_COUNT && ok; fid++) {
			const struct regfield *f = &m->f[fid];
			int64_t raw;
			if (!f->present || !f->has_sf || f->sf_addr != sf_addr ||
			    !(r->has & has_bit[fid]))
				continue;
			ok = to_raw(f, r, fid, sf, &raw) == 0 && raw_fits(f, raw);
		}
		if (ok) {
			*out = sf;
			return 0;
		}
	}
	return -1;
}

/* Writes a raw pattern into the field's registers. */
static void put_raw(const struct regfield *f, uint32_t bits,
                    void (*set)(void *ctx, uint16_t addr, uint16_t value), void *ctx)
{
	if (f->words == 1)
		set(ctx, f->addr, (uint16_t)bits);
	else
		put32(f, f->addr, bits, set, ctx);
}

/* Writes the "no value" pattern of a field, if it has one. */
static void put_absent(const struct regfield *f,
                       void (*set)(void *ctx, uint16_t addr, uint16_t value), void *ctx)
{
	if (f->type == PT_F32) {
		float nan = NAN;
		uint32_t bits;
		memcpy(&bits, &nan, sizeof bits);
		put_raw(f, bits, set, ctx);
	} else if (f->has_sentinel) {
		put_raw(f, f->sentinel, set, ctx);
	}
}

/* Encodes one number field (and its scale factor register). */
static int encode_number(const struct regmap *m, const struct reading *r, int fid,
                         void (*set)(void *ctx, uint16_t addr, uint16_t value), void *ctx)
{
	const struct regfield *f = &m->f[fid];
	int sf = 0;
	int64_t raw;

	if (f->has_sf) {
		if (choose_sf(m, r, f->sf_addr, &sf) < 0) {
			put_absent(f, set, ctx);
			return -1;
		}
		set(ctx, f->sf_addr, (uint16_t)(sf & 0xFFFF));
	}
	if (!(r->has & has_bit[fid])) {
		put_absent(f, set, ctx);
		return 0;
	}
	if (f->type == PT_F32) {
		float fl = (float)(dbl_value(r, fid) * (double)f->div / (double)f->mul);
		uint32_t bits;
		if (!isfinite(fl))
			return -1;
		memcpy(&bits, &fl, sizeof bits);
		put_raw(f, bits, set, ctx);
		return 0;
	}
	if (to_raw(f, r, fid, sf, &raw) < 0 || !raw_fits(f, raw))
		return -1;
	put_raw(f, (uint32_t)(raw & 0xFFFFFFFF), set, ctx);
	return 0;
}

/* Encodes the state through the first enum entry that maps to it. */
static int encode_state(const struct regfield *f, enum reading_state st,
                        void (*set)(void *ctx, uint16_t addr, uint16_t value), void *ctx)
{
	int i;
	for (i = 0; i < f->n_enum; i++)
		if (f->enums[i].state == st) {
			put_raw(f, f->enums[i].raw, set, ctx);
			return 0;
		}
	if (st == STATE_UNKNOWN && f->has_sentinel) {
		put_raw(f, f->sentinel, set, ctx);
		return 0;
	}
	return -1;
}

/* Encodes the alarm words; bits beyond the words cannot be represented. */
static int encode_alarms(const struct regfield *f, const struct reading *r,
                         void (*set)(void *ctx, uint16_t addr, uint16_t value), void *ctx)
{
	int width = f->type == PT_BITFIELD16 ? 1 : 2, n = f->words / width, i, rc = 0;
	int nbits = 16 * f->words;
	if (!(r->has & READING_HAS_ALARMS)) {
		if (!f->has_sentinel)
			return 0;
		for (i = 0; i < n; i++) {
			uint16_t a = (uint16_t)(f->addr + i * width);
			if (width == 1)
				set(ctx, a, (uint16_t)f->sentinel);
			else
				put32(f, a, f->sentinel, set, ctx);
		}
		return 0;
	}
	if (nbits < 64 && (r->alarms >> nbits) != 0)
		rc = -1;
	for (i = 0; i < n; i++) {
		uint16_t a = (uint16_t)(f->addr + i * width);
		uint32_t w = (uint32_t)((r->alarms >> (16 * width * i)) &
		                        (width == 1 ? 0xFFFFu : 0xFFFFFFFFu));
		if (f->has_sentinel && w == f->sentinel) {
			rc = -1;
			continue;
		}
		if (width == 1)
			set(ctx, a, (uint16_t)w);
		else
			put32(f, a, w, set, ctx);
	}
	return rc;
}

int decode_encode(const struct regmap *m, const struct reading *r,
                  void (*set)(void *ctx, uint16_t addr, uint16_t value), void *ctx)
{
	int fid, rc = 0;
	for (fid = 0; fid < PF_COUNT; fid++) {
		const struct regfield *f = &m->f[fid];
		if (!f->present)
			continue;
		if (fid == PF_STATE) {
			if (encode_state(f, r->state, set, ctx) < 0)
				rc = -1;
		} else if (fid == PF_ALARMS) {
			if (encode_alarms(f, r, set, ctx) < 0)
				rc = -1;
		} else if (encode_number(m, r, fid, set, ctx) < 0) {
			rc = -1;
		}
	}
	return rc;
}
