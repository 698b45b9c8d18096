/*
 * profile: register-map profiles loaded from config/profiles/NAME.json, resolved
 * into a regmap (absolute addresses, merged read requests) for one device. The
 * decoder/encoder is decode.h; SunSpec discovery is sunspec.h.
 * Adding an inverter family needs a JSON file, never C code (docs/profiles.md).
 * Ownership: a profile_set owns its profiles; a regmap is a plain value the
 * caller owns (resolve once per device, then decode with no allocation).
 */
#ifndef PVMON_PROFILE_H
#define PVMON_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "reading.h"

/* The canonical values a profile can map; names as in the JSON files and the contract. */
enum profile_fid {
	PF_POWER,      /* ac_power_w */
	PF_ENERGY,     /* energy_wh: lifetime yield (inverter) or export (meter) */
	PF_IMPORT,     /* import_wh */
	PF_TODAY,      /* today_wh */
	PF_TEMP,       /* temp_c */
	PF_HZ,         /* grid_hz */
	PF_STATE,      /* state, through the field's enum table */
	PF_ALARMS,     /* alarms: one or more bitfield words, or'd into 64 bits */
	PF_IRRADIANCE, /* irradiance_wm2: sensors only */
	PF_COUNT
};

enum profile_type {
	PT_U16,
	PT_S16,
	PT_U32,
	PT_S32,
	PT_ACC32,
	PT_F32,
	PT_BITFIELD16,
	PT_BITFIELD32
};

#define PROFILE_MAX_ENUM 32
#define PROFILE_MAX_READS 16
#define PROFILE_MAX_REGS 125      /* registers in one Modbus read request */
#define PROFILE_ALARM_NAME_MAX 64 /* bytes of one alarm name in one language */

struct profile_enum {
	uint32_t raw;
	enum reading_state state;
};

/* One resolved field: where it lives on the wire and how to scale it. */
struct regfield {
	int present;
	uint16_t addr; /* wire address */
	enum profile_type type;
	int words;        /* registers it spans (count x width for alarms) */
	int64_t mul, div; /* canonical = raw * mul / div * 10^sf */
	int has_sf;       /* a scale-factor register (int16 power of ten) */
	uint16_t sf_addr;
	int low_word_first; /* 32-bit values: low word at addr, high at addr+1 */
	int n_enum;
	struct profile_enum enums[PROFILE_MAX_ENUM];
	enum reading_state enum_default; /* for raw values not in the table */
	int has_sentinel;  /* raw value meaning "not implemented" (f32: NaN/inf always) */
	uint32_t sentinel; /* for bitfields: per word */
	int idx;           /* index of addr in the concatenated regs of the reads */
	int sf_idx;        /* index of sf_addr in the same buffer */
};

/* One read request: function code 3 or 4 only (the collector never writes). */
struct regread {
	uint16_t addr;
	uint16_t count; /* <= PROFILE_MAX_REGS */
};

/* A profile resolved for one device: everything the poller and decoder need. */
struct regmap {
	char map[READING_MAP_MAX]; /* "name@version", published as the reading's "map" */
	enum reading_kind kind;
	int fc; /* 3 (holding) or 4 (input) */
	struct regfield f[PF_COUNT];
	int n_reads;
	struct regread reads[PROFILE_MAX_READS];
	int n_regs; /* sum of reads[].count: the size of the regs buffer for decoding */
};

struct profile;     /* one loaded profile file; opaque */
struct profile_set; /* all profiles of a directory; opaque */

/* Loads one profile; on error NULL and *cause (new string, names the file and JSON path). */
struct profile *profile_load(const char *path, char **cause);
void profile_free(struct profile *p);
/* Loads every *.json in dir. Duplicate names are an error. */
struct profile_set *profile_set_load(const char *dir, char **cause);
void profile_set_free(struct profile_set *s);
/* Finds a profile by name (borrowed from the set), or NULL. */
const struct profile *profile_set_find(const struct profile_set *s, const char *name);
size_t profile_set_count(const struct profile_set *s);
const struct profile *profile_set_at(const struct profile_set *s, size_t i);

const char *profile_name(const struct profile *p);
int profile_version(const struct profile *p);
/* 1 when the profile is a SunSpec family whose map is found by discovery. */
int profile_is_sunspec(const struct profile *p);
/* SunSpec bases to try in order (40000, 0, 50000 by default); returns how many. */
int profile_sunspec_bases(const struct profile *p, uint16_t *bases, int max);
/* SunSpec: 1 if the profile maps model id (a model with values, not model 1), else 0. */
int profile_has_model(const struct profile *p, int model_id);
/* The kind (READING_INVERTER, _METER, _SENSOR) of a fixed map; -1 for SunSpec (the model decides).
 */
int profile_kind(const struct profile *p);
/*
 * The name of alarm bit (0-63 of a reading's "alarms") in lang, from the alarms
 * field's "names" (borrowed from p), or NULL when the profile does not name it.
 * SunSpec: the first model that names the bit (Evt1 means the same in 101-113).
 */
const char *profile_alarm_name(const struct profile *p, int bit, enum msg_lang lang);
/* SunSpec: the model length L the profile expects for model_id, or -1 if unknown. */
int profile_model_length(const struct profile *p, int model_id);

/*
 * Resolves p into m. For a fixed map pass model_id 0; for SunSpec pass the
 * model id found by discovery and the address of its ID register.
 * Fields and their scale factors are merged into as few reads as
 * PROFILE_MAX_REGS allows, a value and its scale factor always in the same read.
 */
int profile_resolve(const struct profile *p, int model_id, uint16_t model_addr, struct regmap *m,
                    char **cause);

#endif
