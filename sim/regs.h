/*
 * regs: one simulated device's register image: a sparse 64K-register space
 * where only laid-out registers exist, the SunSpec model chain, and the
 * profile encoder writing canonical values into it. Never does I/O.
 */
#ifndef PVMON_SIM_REGS_H
#define PVMON_SIM_REGS_H

#include <stdint.h>

#include "profile.h"
#include "reading.h"

struct regs; /* opaque */

/*
 * Lays out a device for profile p (borrowed): for SunSpec the "SunS" marker at
 * base, model 1 (manufacturer "pvmon-sim", model, serial), the inverter or
 * meter model (model_id; 0 picks 103 or 203, or the first the profile maps)
 * and the end marker; for a fixed map every register of its reads. serial
 * names the device in model 1. On error NULL and *cause.
 */
struct regs *regs_layout(const struct profile *p, enum reading_kind kind, int base, int model_id,
                         const char *serial, char **cause);
void regs_free(struct regs *r);

/* The function code the device answers (3 holding, 4 input). */
int regs_fc(const struct regs *r);
/* The resolved map (borrowed). */
const struct regmap *regs_map(const struct regs *r);

/* Encodes r's values into the image; returns 0, or -1 if a value cannot be represented. */
int regs_encode(struct regs *img, const struct reading *r);

/* Copies count registers from addr into out; -1 if any of them does not exist. */
int regs_read(const struct regs *r, uint16_t addr, int count, uint16_t *out);
/* Writes one register, creating it. */
void regs_set(struct regs *r, uint16_t addr, uint16_t value);

#endif
