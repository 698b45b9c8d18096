/*
 * regs: a sparse register space of 256-register pages with a bitmap of the
 * registers that exist, so a read outside the layout gets exception 2 like a
 * real device. Never decides what to serve: values come from the model.
 */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "regs.h"
#include "util.h"

#define PAGE 256
#define NPAGES (65536 / PAGE)

struct page {
	uint16_t v[PAGE];
	uint8_t exists[PAGE / 8];
};

struct regs {
	struct regmap m;
	struct page *pages[NPAGES];
};

void regs_set(struct regs *r, uint16_t addr, uint16_t value)
{
	struct page *pg = r->pages[addr / PAGE];

	if (!pg)
		pg = r->pages[addr / PAGE] = xcalloc(1, sizeof *pg);
	pg->v[addr % PAGE] = value;
	pg->exists[addr % PAGE / 8] |= (uint8_t)(1u << (addr % 8));
}

int regs_read(const struct regs *r, uint16_t addr, int count, uint16_t *out)
{
	int i;

	if (count < 0 || (int)addr + count > 65536)
		return -1;
	for (i = 0; i < count; i++) {
		unsigned a = (unsigned)addr + (unsigned)i;
		const struct page *pg = r->pages[a / PAGE];
		if (!pg || !(pg->exists[a % PAGE / 8] & (1u << (a % 8))))
			return -1;
		out[i] = pg->v[a % PAGE];
	}
	return 0;
}

/* The encoder's callback: ctx is the image. */
static void set_cb(void *ctx, uint16_t addr, uint16_t value)
{
	regs_set(ctx, addr, value);
}

/* Writes a string into n registers, two characters each, NUL-padded. */
static void set_string(struct regs *r, uint16_t addr, int n, const char *s)
{
	size_t len = strlen(s);
	int i;

	for (i = 0; i < n; i++) {
		size_t k = (size_t)i * 2;
		unsigned hi = k < len ? (unsigned char)s[k] : 0;
		unsigned lo = k + 1 < len ? (unsigned char)s[k + 1] : 0;
		regs_set(r, (uint16_t)(addr + i), (uint16_t)(hi << 8 | lo));
	}
}

/* The SunSpec length L of the models the simulator serves, or -1. */
static int model_length(int id)
{
	if (id >= 101 && id <= 103)
		return 50;
	if (id >= 111 && id <= 113)
		return 60;
	if (id >= 201 && id <= 204)
		return 105;
	return -1;
}

/* Picks the model to serve: the configured one, or the usual one the profile maps. */
static int pick_model(const struct profile *p, enum reading_kind kind, int want)
{
	static const int inverters[] = {103, 101, 102, 113, 111, 112};
	static const int meters[] = {203, 201, 202, 204};
	const int *list = kind == READING_METER ? meters : inverters;
	int n = kind == READING_METER ? 4 : 6, i;

	if (want)
		return want;
	for (i = 0; i < n; i++)
		if (profile_has_model(p, list[i]))
			return list[i];
	return 0;
}

/* Lays out the SunSpec chain at base and resolves the profile at the device model. */
static int layout_sunspec(struct regs *r, const struct profile *p, enum reading_kind kind, int base,
                          int want, const char *serial, char **cause)
{
	int id = pick_model(p, kind, want), len = model_length(id), i;
	uint16_t a = (uint16_t)base, maddr;

	if (len < 0 || !profile_has_model(p, id)) {
		*cause = xasprintf("profile \"%s\" cannot serve SunSpec model %d for %s",
		                   profile_name(p), id, reading_kind_name(kind));
		return -1;
	}
	if (base + 2 + 68 + 2 + len + 2 > 65536) {
		*cause = xasprintf("SunSpec base %d leaves no room for the model chain", base);
		return -1;
	}
	regs_set(r, a, 0x5375); /* "SunS" */
	regs_set(r, (uint16_t)(a + 1), 0x6E53);
	a = (uint16_t)(a + 2);
	regs_set(r, a, 1);
	regs_set(r, (uint16_t)(a + 1), 66);
	for (i = 2; i < 68; i++)
		regs_set(r, (uint16_t)(a + i), 0);
	set_string(r, (uint16_t)(a + 2), 16, "pvmon-sim");
	set_string(r, (uint16_t)(a + 18), 16, kind == READING_METER ? "SIM-METER" : "SIM-INVERTER");
	set_string(r, (uint16_t)(a + 42), 8, "1.0");
	set_string(r, (uint16_t)(a + 50), 16, serial);
	regs_set(r, (uint16_t)(a + 66), 1);
	regs_set(r, (uint16_t)(a + 67), 0x8000);
	maddr = (uint16_t)(a + 68);
	regs_set(r, maddr, (uint16_t)id);
	regs_set(r, (uint16_t)(maddr + 1), (uint16_t)len);
	/* unmapped points read "not implemented" for int16 and scale factors */
	for (i = 2; i < len + 2; i++)
		regs_set(r, (uint16_t)(maddr + i), 0x8000);
	regs_set(r, (uint16_t)(maddr + len + 2), 0xFFFF);
	regs_set(r, (uint16_t)(maddr + len + 3), 0);
	return profile_resolve(p, id, maddr, &r->m, cause);
}

struct regs *regs_layout(const struct profile *p, enum reading_kind kind, int base, int model_id,
                         const char *serial, char **cause)
{
	struct regs *r = xcalloc(1, sizeof *r);
	int i, k;

	*cause = NULL;
	if (profile_is_sunspec(p)) {
		if (layout_sunspec(r, p, kind, base, model_id, serial, cause))
			goto fail;
	} else if (profile_resolve(p, 0, 0, &r->m, cause)) {
		goto fail;
	}
	if (r->m.kind != kind) {
		*cause = xasprintf("profile \"%s\" is of kind %s, expected %s", profile_name(p),
		                   reading_kind_name(r->m.kind), reading_kind_name(kind));
		goto fail;
	}
	/* every register the collector will ask for exists, gaps between fields read 0 */
	for (i = 0; i < r->m.n_reads; i++)
		for (k = 0; k < r->m.reads[i].count; k++) {
			uint16_t a = (uint16_t)(r->m.reads[i].addr + k);
			uint16_t v;
			if (regs_read(r, a, 1, &v))
				regs_set(r, a, 0);
		}
	return r;
fail:
	if (!*cause)
		*cause = xasprintf("profile \"%s\": cannot lay out", profile_name(p));
	regs_free(r);
	return NULL;
}

void regs_free(struct regs *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < NPAGES; i++)
		free(r->pages[i]);
	free(r);
}

int regs_fc(const struct regs *r)
{
	return r->m.fc;
}

const struct regmap *regs_map(const struct regs *r)
{
	return &r->m;
}

/* 1 if the map's state field can say st. */
static int can_say(const struct regfield *f, enum reading_state st)
{
	int i;

	for (i = 0; i < f->n_enum; i++)
		if (f->enums[i].state == st)
			return 1;
	return 0;
}

/*
 * Vendors name the idle states differently (Huawei's 0xA000 "standby: no
 * irradiation" is our sleeping, SunSpec has both): say the nearest state the
 * profile knows rather than fail.
 */
static enum reading_state nearest_state(const struct regfield *f, enum reading_state st)
{
	static const enum reading_state alt[][3] = {
	    {STATE_STANDBY, STATE_SLEEPING, STATE_OFF},
	    {STATE_SLEEPING, STATE_STANDBY, STATE_OFF},
	    {STATE_THROTTLED, STATE_PRODUCING, STATE_PRODUCING},
	    {STATE_STARTING, STATE_STANDBY, STATE_SLEEPING},
	};
	size_t i;
	int k;

	if (!f->present || can_say(f, st))
		return st;
	for (i = 0; i < UTIL_ARRAY_LEN(alt); i++)
		if (alt[i][0] == st)
			for (k = 1; k < 3; k++)
				if (can_say(f, alt[i][k]))
					return alt[i][k];
	return st;
}

int regs_encode(struct regs *img, const struct reading *r)
{
	struct reading say = *r;

	say.state = nearest_state(&img->m.f[PF_STATE], r->state);
	return decode_encode(&img->m, &say, set_cb, img);
}
