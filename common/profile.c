/*
 * profile: loads register-map profiles (config/profiles/NAME.json) and resolves
 * one into a regmap of absolute addresses and merged read requests.
 * It never touches the wire: reading is the caller's job (decode.c, sunspec.c).
 */
#include "profile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jx.h"
#include "msg.h"
#include "util.h"

#define MAX_MODEL_IDS 8
#define MAX_BASES 8
#define DEFAULT_MAX_GAP 16

/* One field as written in the file: offsets are relative for SunSpec models. */
struct pfield {
	int present;
	enum profile_type type;
	uint32_t addr; /* absolute (fixed map) or offset from the model's ID register */
	int count;     /* bitfield words */
	int64_t mul, div;
	int has_sf;
	uint32_t sf;
	int low_word_first;
	int has_sentinel;
	uint32_t sentinel;
	int n_enum;
	struct profile_enum enums[PROFILE_MAX_ENUM];
	enum reading_state enum_default;
	struct palarm *names; /* alarms only: named bits, ascending; owned */
	int n_names;
};

/* One named alarm bit of an alarms field ("names" in the JSON). */
struct palarm {
	int bit; /* in the reading's 64 alarm bits */
	char *text[MSG_LANG_COUNT];
};

/* A SunSpec model (or the one block of a fixed map, id 0). */
struct pmodel {
	int ids[MAX_MODEL_IDS];
	int n_ids;
	int length; /* SunSpec L, or 0 */
	enum reading_kind kind;
	int n_fields;
	struct pfield f[PF_COUNT];
};

struct profile {
	char *name;
	int version;
	int fc;
	int sunspec;
	int max_gap;
	uint16_t bases[MAX_BASES];
	int n_bases;
	int n_models;
	struct pmodel *models;
};

struct profile_set {
	size_t n;
	struct profile **p;
};

static const char *const fid_names[PF_COUNT + 1] = {
    "ac_power_w", "energy_wh", "import_wh", "today_wh",       "temp_c",
    "grid_hz",    "state",     "alarms",    "irradiance_wm2", NULL,
};

static const char *const type_names[] = {
    "u16", "s16", "u32", "s32", "acc32", "f32", "bitfield16", "bitfield32", NULL,
};
#define N_TYPES 8

static const char *const order_names[] = {"high-first", "low-first", NULL};
static const char *const kind_names[] = {"inverter", "meter", "sensor", NULL};

/* Registers one value of type t occupies. */
static int type_width(enum profile_type t)
{
	return (t == PT_U16 || t == PT_S16 || t == PT_BITFIELD16) ? 1 : 2;
}

/* Largest raw value of type t (sentinels must fit). */
static uint32_t type_max(enum profile_type t)
{
	return type_width(t) == 1 ? 0xFFFFu : 0xFFFFFFFFu;
}

/*
 * Reads an unsigned integer that may be written as a number or as a "0x..."
 * string (register maps are often published in hex).
 */
static int get_uint(struct jx *jx, const cJSON *v, const char *path, uint32_t max, const char *what,
                    uint32_t *out)
{
	char got[128];
	if (jx->err)
		return -1;
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= (double)max &&
	    v->valuedouble == (double)(int64_t)v->valuedouble) {
		*out = (uint32_t)v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		char *end = NULL;
		unsigned long long x;
		int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
		errno = 0;
		x = strtoull(hex ? s + 2 : s, &end, hex ? 16 : 10);
		if (isxdigit((unsigned char)(hex ? s[2] : s[0])) && end && !*end && !errno &&
		    x <= max && (s[0] >= '0' && s[0] <= '9')) {
			*out = (uint32_t)x;
			return 0;
		}
	}
	jx_describe(v, got, sizeof got);
	return jx_fail(jx, path, "expected %s, got %s", what, got);
}

/* Reads the member key of obj (if present) as an unsigned integer. */
static int get_member_uint(struct jx *jx, const cJSON *obj, const char *path, const char *key,
                           int required, uint32_t max, const char *what, uint32_t *out, int *found)
{
	char p[512];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (found)
		*found = v != NULL;
	if (!v) {
		if (required) {
			char got[64];
			jx_describe(v, got, sizeof got);
			return jx_fail(jx, jx_join(p, sizeof p, path, key), "expected %s, got %s",
			               what, got);
		}
		return 0;
	}
	return get_uint(jx, v, jx_join(p, sizeof p, path, key), max, what, out);
}

/* Reads a sentinel: a number, a "0x..." string, or "none" (no sentinel). */
static int get_sentinel(struct jx *jx, const cJSON *v, const char *path, enum profile_type t,
                        int *has, uint32_t *out)
{
	char what[96];
	if (cJSON_IsString(v) && strcmp(v->valuestring, "none") == 0) {
		*has = 0;
		return 0;
	}
	snprintf(what, sizeof what,
	         "a raw value from 0 to 0x%X (a number or \"0x...\") or \"none\"",
	         (unsigned)type_max(t));
	if (get_uint(jx, v, path, type_max(t), what, out) < 0)
		return -1;
	*has = 1;
	return 0;
}

/* Reads the "sentinels" object: per-type defaults for the whole profile. */
static int load_sentinels(struct jx *jx, const cJSON *root, int *has, uint32_t *val)
{
	const cJSON *s = jx_child(jx, root, "", "sentinels", 0, type_names);
	int i;
	char p[128];
	if (!s)
		return jx->err ? -1 : 0;
	for (i = 0; i < N_TYPES; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, type_names[i]);
		if (v && get_sentinel(jx, v, jx_join(p, sizeof p, "sentinels", type_names[i]),
		                      (enum profile_type)i, &has[i], &val[i]) < 0)
			return -1;
	}
	return 0;
}

/* Reads a field's "enum" table (raw -> state name) and its "default". */
static int load_enum(struct jx *jx, const cJSON *fo, const char *path, struct pfield *f)
{
	const cJSON *e, *c;
	const char *def = "unknown";
	char p[512], p2[600];
	int st;

	f->enum_default = STATE_UNKNOWN;
	if (jx_str(jx, fo, path, "default", 0, &def) < 0)
		return -1;
	st = reading_state_parse(def);
	if (st < 0)
		return jx_fail(jx, jx_join(p, sizeof p, path, "default"),
		               "expected a state name (producing, sleeping, starting, throttled, "
		               "standby, fault, off, unknown), got \"%s\"",
		               def);
	f->enum_default = (enum reading_state)st;
	e = jx_child(jx, fo, path, "enum", 1, NULL);
	if (!e)
		return -1;
	jx_join(p, sizeof p, path, "enum");
	for (c = e->child; c; c = c->next) {
		uint32_t raw;
		cJSON key = {0};
		snprintf(p2, sizeof p2, "%s.%s", p, c->string);
		if (f->n_enum >= PROFILE_MAX_ENUM)
			return jx_fail(jx, p, "expected at most %d entries", PROFILE_MAX_ENUM);
		key.type = cJSON_String;
		key.valuestring = c->string;
		if (get_uint(jx, &key, p2, type_max(f->type),
		             "a raw value as the key (\"512\" or \"0x0200\")", &raw) < 0)
			return -1;
		if (!cJSON_IsString(c) || (st = reading_state_parse(c->valuestring)) < 0 ||
		    st == STATE_OFFLINE) {
			char got[128];
			jx_describe(c, got, sizeof got);
			return jx_fail(jx, p2,
			               "expected a state name (producing, sleeping, starting, "
			               "throttled, standby, fault, off, unknown), got %s",
			               got);
		}
		f->enums[f->n_enum].raw = raw;
		f->enums[f->n_enum].state = (enum reading_state)st;
		f->n_enum++;
	}
	if (f->n_enum == 0)
		return jx_fail(jx, p, "expected at least one raw value");
	return 0;
}

/* The keys a field object may hold. */
static const char *const field_keys_fixed[] = {"address",    "type",     "mul",   "div",  "sf",
                                               "word_order", "sentinel", "count", "enum", "default",
                                               "note",       "names",    NULL};
static const char *const field_keys_sunspec[] = {
    "offset", "type", "mul",     "div",  "sf",    "word_order", "sentinel",
    "count",  "enum", "default", "note", "names", NULL};
static const char *const alarm_name_keys[] = {"zh", "en", NULL};

/* Orders named alarms by bit. */
static int cmp_alarm(const void *a, const void *b)
{
	const struct palarm *x = a, *y = b;
	return (x->bit > y->bit) - (x->bit < y->bit);
}

/*
 * Loads an alarms field's "names": {"BIT": {"zh": "...", "en": "..."}}, BIT
 * counted as the reading's alarm bits (word i of width w holds bits i*w..).
 */
static int load_alarm_names(struct jx *jx, const cJSON *fo, const char *path, struct pfield *f)
{
	const cJSON *names = jx_child(jx, fo, path, "names", 0, NULL), *c;
	int nbits = 16 * type_width(f->type) * f->count, i, n = 0;
	char p[512], p2[600];

	if (!names)
		return jx->err ? -1 : 0;
	jx_join(p, sizeof p, path, "names");
	for (c = names->child; c; c = c->next)
		n++;
	if (!n)
		return jx_fail(jx, p, "expected at least one named bit");
	f->names = xcalloc((size_t)n, sizeof *f->names);
	for (c = names->child; c; c = c->next) {
		struct palarm *a = &f->names[f->n_names];
		const char *k = c->string;
		char *end = NULL;
		long bit;
		snprintf(p2, sizeof p2, "%s.%s", p, k);
		errno = 0;
		bit = strtol(k, &end, 10);
		if (!(k[0] >= '0' && k[0] <= '9') || !end || *end || errno || bit >= nbits ||
		    (k[0] == '0' && k[1]))
			return jx_fail(
			    jx, p2,
			    "expected a bit number from 0 to %d as the key (the field has "
			    "%d alarm bits)",
			    nbits - 1, nbits);
		for (i = 0; i < f->n_names; i++)
			if (f->names[i].bit == (int)bit)
				return jx_fail(jx, p2, "bit %ld is named twice", bit);
		if (jx_object(jx, c, p2, alarm_name_keys) < 0)
			return -1;
		a->bit = (int)bit;
		f->n_names++;
		for (i = 0; i < MSG_LANG_COUNT; i++) {
			const char *lang = msg_lang_code((enum msg_lang)i), *t = NULL;
			char p3[700];
			if (jx_str(jx, c, p2, lang, 1, &t) < 0)
				return -1;
			if (!t[0] || strlen(t) > PROFILE_ALARM_NAME_MAX)
				return jx_fail(jx, jx_join(p3, sizeof p3, p2, lang),
				               "expected a name of 1 to %d bytes, got %zu",
				               PROFILE_ALARM_NAME_MAX, strlen(t));
			a->text[i] = xstrdup(t);
		}
	}
	qsort(f->names, (size_t)f->n_names, sizeof *f->names, cmp_alarm);
	return 0;
}

/* Loads one field of a fields object. */
static int load_field(struct jx *jx, const struct profile *pr, const cJSON *fo, const char *path,
                      enum profile_fid fid, int low_first, const int *def_has,
                      const uint32_t *def_val, int limit, struct pfield *f)
{
	const char *akey = pr->sunspec ? "offset" : "address";
	char what[128], p[512];
	int t = 0, order = low_first;
	int64_t v;
	uint32_t amax = (uint32_t)limit;

	if (jx_object(jx, fo, path, pr->sunspec ? field_keys_sunspec : field_keys_fixed) < 0)
		return -1;
	f->present = 1;
	if (jx_enum(jx, fo, path, "type", 1, type_names, &t) < 0)
		return -1;
	f->type = (enum profile_type)t;
	if (pr->sunspec)
		snprintf(what, sizeof what, "an offset from 0 to %u within the model", amax);
	else
		snprintf(what, sizeof what,
		         "a register address from 0 to 65535 (a number or \"0x...\")");
	if (get_member_uint(jx, fo, path, akey, 1, amax, what, &f->addr, NULL) < 0)
		return -1;
	/* Which types make sense for which value. */
	if (fid == PF_ALARMS && f->type != PT_BITFIELD16 && f->type != PT_BITFIELD32)
		return jx_fail(jx, jx_join(p, sizeof p, path, "type"),
		               "expected \"bitfield16\" or \"bitfield32\" for alarms, got \"%s\"",
		               type_names[t]);
	if (fid != PF_ALARMS && (f->type == PT_BITFIELD16 || f->type == PT_BITFIELD32))
		return jx_fail(jx, jx_join(p, sizeof p, path, "type"),
		               "expected a number type, got \"%s\" (bitfields are for alarms)",
		               type_names[t]);
	if (fid == PF_STATE && f->type != PT_U16 && f->type != PT_U32)
		return jx_fail(jx, jx_join(p, sizeof p, path, "type"),
		               "expected \"u16\" or \"u32\" for state, got \"%s\"", type_names[t]);
	f->count = 1;
	if (fid == PF_ALARMS) {
		v = 1;
		if (jx_int(jx, fo, path, "count", 0, 1, f->type == PT_BITFIELD16 ? 4 : 2, &v) < 0)
			return -1;
		f->count = (int)v;
		if (load_alarm_names(jx, fo, path, f) < 0)
			return -1;
	} else if (cJSON_GetObjectItemCaseSensitive(fo, "count")) {
		return jx_fail(jx, jx_join(p, sizeof p, path, "count"), "only alarms take a count");
	} else if (cJSON_GetObjectItemCaseSensitive(fo, "names")) {
		return jx_fail(jx, jx_join(p, sizeof p, path, "names"), "only alarms take names");
	}
	if (fid == PF_STATE) {
		if (load_enum(jx, fo, path, f) < 0)
			return -1;
	} else if (cJSON_GetObjectItemCaseSensitive(fo, "enum") ||
	           cJSON_GetObjectItemCaseSensitive(fo, "default")) {
		return jx_fail(jx, jx_join(p, sizeof p, path, "enum"), "only state takes an enum");
	}
	f->mul = 1;
	f->div = 1;
	if (jx_int(jx, fo, path, "mul", 0, 1, 1000000, &f->mul) < 0 ||
	    jx_int(jx, fo, path, "div", 0, 1, 1000000, &f->div) < 0)
		return -1;
	if (get_member_uint(jx, fo, path, "sf", 0, amax, what, &f->sf, &f->has_sf) < 0)
		return -1;
	if (f->has_sf && (fid == PF_STATE || fid == PF_ALARMS || f->type == PT_F32))
		return jx_fail(jx, jx_join(p, sizeof p, path, "sf"),
		               "a scale factor applies to integer values only");
	if (jx_enum(jx, fo, path, "word_order", 0, order_names, &order) < 0)
		return -1;
	f->low_word_first = order;
	f->has_sentinel = def_has[t];
	f->sentinel = def_val[t];
	{
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(fo, "sentinel");
		if (s && get_sentinel(jx, s, jx_join(p, sizeof p, path, "sentinel"), f->type,
		                      &f->has_sentinel, &f->sentinel) < 0)
			return -1;
	}
	if (f->type == PT_F32)
		f->has_sentinel = 0; /* NaN and infinities are the f32 "no value" */
	/* Field and scale factor must fit in one read, and in the model or address space. */
	{
		uint32_t lo = f->addr, hi = f->addr + (uint32_t)(type_width(f->type) * f->count);
		if (f->has_sf) {
			if (f->sf < lo)
				lo = f->sf;
			if (f->sf + 1 > hi)
				hi = f->sf + 1;
		}
		if (hi - lo > PROFILE_MAX_REGS)
			return jx_fail(jx, jx_join(p, sizeof p, path, "sf"),
			               "the value and its scale factor are %u registers apart "
			               "(one read holds at most %d)",
			               hi - lo, PROFILE_MAX_REGS);
		if (hi > (uint32_t)limit + 1)
			return jx_fail(jx, jx_join(p, sizeof p, path, akey),
			               "the value ends at %u, past %s %d", hi - 1,
			               pr->sunspec ? "the model's last register" : "register",
			               limit);
	}
	return 0;
}

/* Loads a "fields" object into f[]; limit is the last valid address/offset. */
static int load_fields(struct jx *jx, const struct profile *pr, const cJSON *parent,
                       const char *path, int low_first, const int *def_has, const uint32_t *def_val,
                       int limit, struct pmodel *m)
{
	const cJSON *fields = jx_child(jx, parent, path, "fields", 0, fid_names);
	char p[512], fp[600];
	int i;
	if (!fields)
		return jx->err ? -1 : 0;
	jx_join(p, sizeof p, path, "fields");
	for (i = 0; i < PF_COUNT; i++) {
		const cJSON *fo = cJSON_GetObjectItemCaseSensitive(fields, fid_names[i]);
		if (!fo)
			continue;
		snprintf(fp, sizeof fp, "%s.%s", p, fid_names[i]);
		if (load_field(jx, pr, fo, fp, (enum profile_fid)i, low_first, def_has, def_val,
		               limit, &m->f[i]) < 0)
			return -1;
		m->n_fields++;
	}
	return 0;
}

/*
 * A sensor maps irradiance and no power or energy (the centre would add its
 * W/m² to a station's watts); an inverter or meter maps no irradiance.
 */
static int check_kind_fields(struct jx *jx, const char *path, const struct pmodel *m)
{
	static const int energy[] = {PF_POWER, PF_ENERGY, PF_IMPORT, PF_TODAY};
	char p[512], fp[600];
	size_t i;
	if (!m->n_fields)
		return 0;
	jx_join(p, sizeof p, path, "fields");
	if (m->kind != READING_SENSOR) {
		if (!m->f[PF_IRRADIANCE].present)
			return 0;
		snprintf(fp, sizeof fp, "%s.%s", p, fid_names[PF_IRRADIANCE]);
		return jx_fail(jx, fp, "only a \"sensor\" maps irradiance, this is a \"%s\"",
		               kind_names[m->kind]);
	}
	if (!m->f[PF_IRRADIANCE].present)
		return jx_fail(jx, p, "a \"sensor\" needs an irradiance_wm2 field");
	for (i = 0; i < sizeof energy / sizeof energy[0]; i++)
		if (m->f[energy[i]].present) {
			snprintf(fp, sizeof fp, "%s.%s", p, fid_names[energy[i]]);
			return jx_fail(jx, fp,
			               "a \"sensor\" maps irradiance and temperature, not power or "
			               "energy");
		}
	return 0;
}

static const char *const top_keys_fixed[] = {"name",     "version",        "note",    "kind",
                                             "function", "word_order",     "max_gap", "sentinels",
                                             "fields",   "address_offset", NULL};
static const char *const top_keys_sunspec[] = {"name",       "version", "note",      "function",
                                               "word_order", "max_gap", "sentinels", "sunspec",
                                               "models",     NULL};
static const char *const sunspec_keys[] = {"bases", NULL};
static const char *const model_keys[] = {"ids", "name", "note", "kind", "length", "fields", NULL};

/* Applies "address_offset" (document numbers to wire addresses) to a fixed map. */
static int apply_offset(struct jx *jx, int64_t off, struct pmodel *m)
{
	int i;
	for (i = 0; i < PF_COUNT; i++) {
		struct pfield *f = &m->f[i];
		int64_t a = (int64_t)f->addr + off, s = (int64_t)f->sf + off;
		int64_t end = a + type_width(f->type) * f->count;
		if (!f->present)
			continue;
		if (a < 0 || end > 65536 || (f->has_sf && (s < 0 || s > 65535)))
			return jx_fail(jx, "address_offset", "moves fields.%s outside 0 to 65535",
			               fid_names[i]);
		f->addr = (uint32_t)a;
		if (f->has_sf)
			f->sf = (uint32_t)s;
	}
	return 0;
}

/* Loads the SunSpec part: discovery bases and the models. */
static int load_sunspec(struct jx *jx, const cJSON *root, struct profile *pr, int low_first,
                        const int *def_has, const uint32_t *def_val)
{
	const cJSON *ss = jx_child(jx, root, "", "sunspec", 1, sunspec_keys);
	const cJSON *bases, *models, *c;
	char p[256], mp[256];
	int64_t v;
	int i = 0;

	if (!ss)
		return -1;
	pr->n_bases = 3;
	pr->bases[0] = 40000;
	pr->bases[1] = 0;
	pr->bases[2] = 50000;
	bases = jx_array(jx, ss, "sunspec", "bases", 0);
	if (jx->err)
		return -1;
	if (bases) {
		pr->n_bases = 0;
		for (c = bases->child; c; c = c->next, i++) {
			uint32_t b;
			if (i >= MAX_BASES)
				return jx_fail(jx, "sunspec.bases", "expected at most %d bases",
				               MAX_BASES);
			if (get_uint(jx, c, jx_index(p, sizeof p, "sunspec.bases", i), 65533,
			             "a register address from 0 to 65533", &b) < 0)
				return -1;
			pr->bases[pr->n_bases++] = (uint16_t)b;
		}
		if (!pr->n_bases)
			return jx_fail(jx, "sunspec.bases", "expected at least one base");
	}
	models = jx_array(jx, root, "", "models", 1);
	if (!models)
		return -1;
	pr->n_models = cJSON_GetArraySize(models);
	if (!pr->n_models)
		return jx_fail(jx, "models", "expected at least one model");
	pr->models = xcalloc((size_t)pr->n_models, sizeof *pr->models);
	for (c = models->child, i = 0; c; c = c->next, i++) {
		struct pmodel *m = &pr->models[i];
		const cJSON *ids, *id;
		int k = 0, kind = 0;
		jx_index(mp, sizeof mp, "models", i);
		if (jx_object(jx, c, mp, model_keys) < 0)
			return -1;
		ids = jx_array(jx, c, mp, "ids", 1);
		if (!ids)
			return -1;
		for (id = ids->child; id; id = id->next, k++) {
			char ip[300];
			jx_index(ip, sizeof ip, jx_join(p, sizeof p, mp, "ids"), k);
			if (k >= MAX_MODEL_IDS)
				return jx_fail(jx, p, "expected at most %d ids", MAX_MODEL_IDS);
			if (!cJSON_IsNumber(id) || id->valuedouble < 1 || id->valuedouble > 65534 ||
			    id->valuedouble != (double)(int)id->valuedouble) {
				char got[64];
				jx_describe(id, got, sizeof got);
				return jx_fail(jx, ip,
				               "expected a model id from 1 to 65534, got %s", got);
			}
			m->ids[m->n_ids++] = (int)id->valuedouble;
		}
		if (!m->n_ids)
			return jx_fail(jx, jx_join(p, sizeof p, mp, "ids"),
			               "expected at least one model id");
		v = 0;
		if (jx_int(jx, c, mp, "length", 1, 1, 65000, &v) < 0)
			return -1;
		m->length = (int)v;
		if (jx_enum(jx, c, mp, "kind", 0, kind_names, &kind) < 0)
			return -1;
		m->kind = (enum reading_kind)kind;
		{
			const char *nm = NULL;
			if (jx_str(jx, c, mp, "name", 0, &nm) < 0 ||
			    jx_str(jx, c, mp, "note", 0, &nm) < 0)
				return -1;
		}
		/* Offsets count from the ID register: ID and L, then L registers. */
		if (load_fields(jx, pr, c, mp, low_first, def_has, def_val, m->length + 1, m) < 0)
			return -1;
		if (m->n_fields && !cJSON_GetObjectItemCaseSensitive(c, "kind"))
			return jx_fail(jx, jx_join(p, sizeof p, mp, "kind"),
			               "a model with fields needs a kind (\"inverter\", \"meter\" "
			               "or \"sensor\")");
		if (check_kind_fields(jx, mp, m) < 0)
			return -1;
	}
	return 0;
}

/* Loads everything below the parsed root into pr. */
static int load_root(struct jx *jx, const cJSON *root, struct profile *pr)
{
	const char *name = NULL, *note = NULL;
	int64_t v = 0;
	int order = 0, kind = 0;
	int def_has[N_TYPES] = {0};
	uint32_t def_val[N_TYPES] = {0};

	pr->sunspec = cJSON_GetObjectItemCaseSensitive(root, "sunspec") != NULL;
	if (jx_object(jx, root, "", pr->sunspec ? top_keys_sunspec : top_keys_fixed) < 0)
		return -1;
	if (jx_id(jx, root, "", "name", 1, &name) < 0)
		return -1;
	pr->name = xstrdup(name);
	if (jx_int(jx, root, "", "version", 1, 1, 999999, &v) < 0)
		return -1;
	pr->version = (int)v;
	if (strlen(pr->name) + 8 > READING_MAP_MAX)
		return jx_fail(jx, "name", "expected at most %d characters", READING_MAP_MAX - 8);
	if (jx_str(jx, root, "", "note", 0, &note) < 0)
		return -1;
	v = 3;
	if (jx_int(jx, root, "", "function", 0, 3, 4, &v) < 0)
		return -1;
	pr->fc = (int)v;
	if (pr->sunspec && pr->fc != 3)
		return jx_fail(jx, "function", "SunSpec maps are holding registers: expected 3");
	if (jx_enum(jx, root, "", "word_order", 0, order_names, &order) < 0)
		return -1;
	v = DEFAULT_MAX_GAP;
	if (jx_int(jx, root, "", "max_gap", 0, 0, PROFILE_MAX_REGS, &v) < 0)
		return -1;
	pr->max_gap = (int)v;
	if (load_sentinels(jx, root, def_has, def_val) < 0)
		return -1;
	if (pr->sunspec)
		return load_sunspec(jx, root, pr, order, def_has, def_val);

	pr->n_models = 1;
	pr->models = xcalloc(1, sizeof *pr->models);
	if (jx_enum(jx, root, "", "kind", 1, kind_names, &kind) < 0)
		return -1;
	pr->models[0].kind = (enum reading_kind)kind;
	if (!cJSON_GetObjectItemCaseSensitive(root, "fields"))
		return jx_fail(jx, "fields",
		               "expected an object, got nothing (the key is missing)");
	if (load_fields(jx, pr, root, "", order, def_has, def_val, 65535, &pr->models[0]) < 0)
		return -1;
	if (!pr->models[0].n_fields)
		return jx_fail(jx, "fields", "expected at least one field");
	if (check_kind_fields(jx, "", &pr->models[0]) < 0)
		return -1;
	v = 0;
	if (jx_int(jx, root, "", "address_offset", 0, -65535, 65535, &v) < 0)
		return -1;
	return apply_offset(jx, v, &pr->models[0]);
}

/*
 * Reads and parses a profile file. cJSON's strict mode wants the terminating
 * NUL inside the given length, so the whole buffer (NUL included) is passed.
 */
static cJSON *parse_file(struct jx *jx, const char *path)
{
	char *text = NULL, *cause = NULL;
	const char *end = NULL, *c;
	size_t len = 0;
	int line = 1, col = 1;
	cJSON *root;

	if (util_read_file(path, &text, &len, &cause) < 0) {
		jx->err = cause; /* already names the file */
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
	if (!root) {
		if (!end || end < text || end > text + len)
			end = text;
		for (c = text; c < end; c++) {
			if (*c == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		jx_fail(jx, NULL, "invalid JSON at line %d, column %d", line, col);
	}
	free(text);
	return root;
}

struct profile *profile_load(const char *path, char **cause)
{
	struct jx jx = {path, NULL};
	struct profile *pr = xcalloc(1, sizeof *pr);
	cJSON *root = parse_file(&jx, path);

	if (!root || load_root(&jx, root, pr) < 0) {
		*cause = jx.err ? jx.err : xasprintf("%s: cannot load", path);
		cJSON_Delete(root);
		profile_free(pr);
		return NULL;
	}
	cJSON_Delete(root);
	return pr;
}

void profile_free(struct profile *p)
{
	int i, k, l;
	if (!p)
		return;
	free(p->name);
	for (i = 0; p->models && i < p->n_models; i++) {
		struct pfield *f = &p->models[i].f[PF_ALARMS];
		for (k = 0; k < f->n_names; k++)
			for (l = 0; l < MSG_LANG_COUNT; l++)
				free(f->names[k].text[l]);
		free(f->names);
	}
	free(p->models);
	free(p);
}

/* Orders file names so a set loads in the same order everywhere. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct profile_set *profile_set_load(const char *dir, char **cause)
{
	struct profile_set *s = xcalloc(1, sizeof *s);
	char **names = NULL, **paths = NULL;
	size_t n = 0, cap = 0, i, j;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		*cause = xasprintf("%s: cannot open profile directory: %s", dir, strerror(errno));
		free(s);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 6 || de->d_name[0] == '.' || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	paths = xcalloc(n ? n : 1, sizeof *paths);
	s->p = xcalloc(n ? n : 1, sizeof *s->p);
	for (i = 0; i < n; i++) {
		struct profile *p;
		paths[i] = xasprintf("%s/%s", dir, names[i]);
		p = profile_load(paths[i], cause);
		if (!p)
			goto fail;
		for (j = 0; j < s->n; j++)
			if (strcmp(s->p[j]->name, p->name) == 0) {
				*cause = xasprintf(
				    "%s: name: duplicate profile name \"%s\" (also in %s)",
				    paths[i], p->name, paths[j]);
				profile_free(p);
				goto fail;
			}
		s->p[s->n++] = p;
	}
	if (!s->n) {
		*cause = xasprintf("%s: no profiles (*.json) in the directory", dir);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		free(names[i]);
		free(paths[i]);
	}
	free(names);
	free(paths);
	return s;
fail:
	for (i = 0; i < n; i++) {
		free(names[i]);
		free(paths[i]);
	}
	free(names);
	free(paths);
	profile_set_free(s);
	return NULL;
}

void profile_set_free(struct profile_set *s)
{
	size_t i;
	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		profile_free(s->p[i]);
	free(s->p);
	free(s);
}

const struct profile *profile_set_find(const struct profile_set *s, const char *name)
{
	size_t i;
	for (i = 0; s && name && i < s->n; i++)
		if (strcmp(s->p[i]->name, name) == 0)
			return s->p[i];
	return NULL;
}

size_t profile_set_count(const struct profile_set *s)
{
	return s ? s->n : 0;
}

const struct profile *profile_set_at(const struct profile_set *s, size_t i)
{
	return s && i < s->n ? s->p[i] : NULL;
}

const char *profile_name(const struct profile *p)
{
	return p->name;
}

int profile_version(const struct profile *p)
{
	return p->version;
}

int profile_is_sunspec(const struct profile *p)
{
	return p->sunspec;
}

int profile_sunspec_bases(const struct profile *p, uint16_t *bases, int max)
{
	int i;
	for (i = 0; i < p->n_bases && i < max; i++)
		bases[i] = p->bases[i];
	return i;
}

/* The model block of p for model_id (fixed maps: id 0), or NULL. */
static const struct pmodel *find_model(const struct profile *p, int model_id)
{
	int i, k;
	if (!p->sunspec)
		return model_id == 0 ? &p->models[0] : NULL;
	for (i = 0; i < p->n_models; i++)
		for (k = 0; k < p->models[i].n_ids; k++)
			if (p->models[i].ids[k] == model_id)
				return &p->models[i];
	return NULL;
}

int profile_has_model(const struct profile *p, int model_id)
{
	const struct pmodel *m = p->sunspec ? find_model(p, model_id) : NULL;
	return m && m->n_fields > 0;
}

const char *profile_alarm_name(const struct profile *p, int bit, enum msg_lang lang)
{
	int i, k;
	if (!p || bit < 0 || bit > 63 || (int)lang < 0 || lang >= MSG_LANG_COUNT)
		return NULL;
	for (i = 0; i < p->n_models; i++) {
		const struct pfield *f = &p->models[i].f[PF_ALARMS];
		for (k = 0; k < f->n_names; k++)
			if (f->names[k].bit == bit)
				return f->names[k].text[lang];
	}
	return NULL;
}

int profile_kind(const struct profile *p)
{
	return p->sunspec ? -1 : (int)p->models[0].kind;
}

int profile_model_length(const struct profile *p, int model_id)
{
	const struct pmodel *m = p->sunspec ? find_model(p, model_id) : NULL;
	return m ? m->length : -1;
}

/* A span of registers that must be read in one request: a value and its scale factor. */
struct span {
	uint32_t lo, hi; /* [lo, hi) */
};

/* Sorts spans by start, then by end. */
static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

/* Finds the index of addr in the concatenated read buffer, or -1. */
static int reg_index(const struct regmap *m, uint32_t addr, uint32_t words)
{
	int i, base = 0;
	for (i = 0; i < m->n_reads; i++) {
		uint32_t a = m->reads[i].addr, c = m->reads[i].count;
		if (addr >= a && addr + words <= a + c)
			return base + (int)(addr - a);
		base += (int)c;
	}
	return -1;
}

int profile_resolve(const struct profile *p, int model_id, uint16_t model_addr, struct regmap *m,
                    char **cause)
{
	const struct pmodel *pm = find_model(p, model_id);
	struct span sp[PF_COUNT];
	int n = 0, i;
	uint32_t base = p->sunspec ? model_addr : 0;

	memset(m, 0, sizeof *m);
	if (!pm || !pm->n_fields) {
		if (p->sunspec)
			*cause = xasprintf("profile %s: SunSpec model %d is not mapped", p->name,
			                   model_id);
		else
			*cause = xasprintf("profile %s: a fixed map takes model 0, got %d", p->name,
			                   model_id);
		return -1;
	}
	snprintf(m->map, sizeof m->map, "%s@%d", p->name, p->version);
	m->kind = pm->kind;
	m->fc = p->fc;
	for (i = 0; i < PF_COUNT; i++) {
		const struct pfield *f = &pm->f[i];
		struct regfield *r = &m->f[i];
		uint32_t a = base + f->addr, s = base + f->sf;
		uint32_t words = (uint32_t)(type_width(f->type) * f->count);
		int k;
		if (!f->present)
			continue;
		if (a + words > 65536 || (f->has_sf && s > 65535)) {
			*cause = xasprintf("profile %s: %s at %u runs past register 65535", p->name,
			                   fid_names[i], a);
			return -1;
		}
		r->present = 1;
		r->addr = (uint16_t)a;
		r->type = f->type;
		r->words = (int)words;
		r->mul = f->mul;
		r->div = f->div;
		r->has_sf = f->has_sf;
		r->sf_addr = (uint16_t)(f->has_sf ? s : 0);
		r->low_word_first = f->low_word_first;
		r->n_enum = f->n_enum;
		for (k = 0; k < f->n_enum; k++)
			r->enums[k] = f->enums[k];
		r->enum_default = f->enum_default;
		r->has_sentinel = f->has_sentinel;
		r->sentinel = f->sentinel;
		sp[n].lo = a;
		sp[n].hi = a + words;
		if (f->has_sf) {
			if (s < sp[n].lo)
				sp[n].lo = s;
			if (s + 1 > sp[n].hi)
				sp[n].hi = s + 1;
		}
		n++;
	}
	/*
	 * Greedy merge, left to right: a span joins the current read when the
	 * hole before it is at most max_gap registers and the read stays within
	 * PROFILE_MAX_REGS. A span (value + scale factor) is never split.
	 */
	qsort(sp, (size_t)n, sizeof *sp, cmp_span);
	for (i = 0; i < n; i++) {
		struct regread *cur = m->n_reads ? &m->reads[m->n_reads - 1] : NULL;
		if (cur) {
			uint32_t end = (uint32_t)cur->addr + cur->count;
			uint32_t hi = sp[i].hi > end ? sp[i].hi : end;
			if (sp[i].lo <= end + (uint32_t)p->max_gap &&
			    hi - cur->addr <= PROFILE_MAX_REGS) {
				cur->count = (uint16_t)(hi - cur->addr);
				continue;
			}
		}
		if (m->n_reads == PROFILE_MAX_READS) {
			*cause = xasprintf("profile %s: needs more than %d read requests", p->name,
			                   PROFILE_MAX_READS);
			return -1;
		}
		m->reads[m->n_reads].addr = (uint16_t)sp[i].lo;
		m->reads[m->n_reads].count = (uint16_t)(sp[i].hi - sp[i].lo);
		m->n_reads++;
	}
	for (i = 0; i < m->n_reads; i++)
		m->n_regs += m->reads[i].count;
	for (i = 0; i < PF_COUNT; i++) {
		struct regfield *r = &m->f[i];
		if (!r->present)
			continue;
		r->idx = reg_index(m, r->addr, (uint32_t)r->words);
		r->sf_idx = r->has_sf ? reg_index(m, r->sf_addr, 1) : 0;
	}
	return 0;
}
