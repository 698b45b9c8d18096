/*
 * sunspec: SunSpec model discovery for clients (the collector) and the model
 * chain for servers (the simulator), for a SunSpec profile (profile.h).
 */
#ifndef PVMON_SUNSPEC_H
#define PVMON_SUNSPEC_H

#include <stdint.h>

#include "profile.h"

/*
 * SunSpec discovery. read(ctx, addr, count, dest) reads holding registers and
 * returns 0 or -1 (timeout, exception). Tries each base of p in order; a failed
 * read at one base tries the next. Walks the model chain to the first model p
 * maps. On success sets *model_id and *model_addr (its ID register).
 */
int sunspec_discover(const struct profile *p,
                     int (*read)(void *ctx, uint16_t addr, int count, uint16_t *dest), void *ctx,
                     int *model_id, uint16_t *model_addr, char **cause);

/*
 * SunSpec, for servers (the simulator): writes the chain at base: "SunS",
 * model 1 (common, L 66, manufacturer "pvmon"), the header (ID, L) of
 * model_id, and the end marker after it. *model_addr gets the model's ID
 * register, to pass to profile_resolve. Returns -1 (and *cause) if p does
 * not map model_id or the chain would not fit below 65536.
 */
int sunspec_write_chain(const struct profile *p, uint16_t base, int model_id,
                        void (*set)(void *ctx, uint16_t addr, uint16_t value), void *ctx,
                        uint16_t *model_addr, char **cause);

#endif
