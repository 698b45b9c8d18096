/*
 * decode: between the raw registers of a resolved regmap (profile.h) and the
 * canonical reading, both ways. No allocation: the collector's hot path.
 */
#ifndef PVMON_DECODE_H
#define PVMON_DECODE_H

#include <stdint.h>

#include "profile.h"
#include "reading.h"

/*
 * Decodes regs (the registers of m->reads, concatenated in order: m->n_regs
 * values) into the value fields of out (has, quality, state, ac_power_w...).
 * Not-implemented sentinels leave a value absent and set QUALITY_SENTINEL.
 * Sets out->kind and out->map; ids, seq and ts are the caller's.
 */
void decode_registers(const struct regmap *m, const uint16_t *regs, struct reading *out);

/*
 * Encodes the values of r present in r->has (and r->state) into registers,
 * calling set(ctx, addr, value) for every register written, scale factors
 * included. The simulator serves what this writes. Returns 0, or -1 if a value
 * cannot be represented (then nothing meaningful was written for it).
 * A value absent from r->has is written as the field's not-implemented
 * sentinel when it has one (f32: NaN), so the device says "no value".
 */
int decode_encode(const struct regmap *m, const struct reading *r,
                  void (*set)(void *ctx, uint16_t addr, uint16_t value), void *ctx);

#endif
