/*
 * reading: encodes a reading as the contract's JSON by hand (the collector's
 * hot path; no tree is built) and parses payloads strictly with cJSON (the
 * ingest side, where anything malformed must be rejected with a reason).
 */
#include "reading.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static const char *const state_names[STATE_COUNT] = {
    "unknown", "producing", "sleeping", "starting", "throttled",
    "standby", "fault",     "off",      "offline",
};

static const char *const quality_names[QUALITY_COUNT] = {
    "counter_zero", "counter_backwards", "counter_jump", "sentinel", "range",
};

const char *reading_state_name(enum reading_state s)
{
	return (unsigned)s < STATE_COUNT ? state_names[s] : "unknown";
}

int reading_state_parse(const char *name)
{
	int i;
	for (i = 0; i < STATE_COUNT; i++)
		if (strcmp(state_names[i], name) == 0)
			return i;
	return -1;
}

static const char *const kind_names[READING_KIND_COUNT] = {"inverter", "meter", "sensor"};

const char *reading_kind_name(enum reading_kind k)
{
	return (unsigned)k < READING_KIND_COUNT ? kind_names[k] : "inverter";
}

int reading_kind_parse(const char *name)
{
	int i;
	for (i = 0; i < READING_KIND_COUNT; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return i;
	return -1;
}

const char *reading_quality_name(unsigned bit_index)
{
	return bit_index < QUALITY_COUNT ? quality_names[bit_index] : "unknown";
}

/*
 * The encoder's appenders: each adds to buf at *n and advances *n by the full
 * length, so *n >= size afterwards means the output did not fit. No printf:
 * a reading is built for every poll of every device, and vsnprintf with its
 * locale and format parsing was most of the encoder's cost.
 */
static void put_mem(char *buf, size_t size, size_t *n, const char *s, size_t len)
{
	if (*n < size && len < size - *n) {
		memcpy(buf + *n, s, len);
		buf[*n + len] = '\0';
	} else if (*n < size) {
		buf[*n] = '\0';
	}
	*n += len;
}

/* Appends a NUL-terminated string. */
static void put_str(char *buf, size_t size, size_t *n, const char *s)
{
	put_mem(buf, size, n, s, strlen(s));
}

/* Appends an unsigned integer in decimal. */
static void put_u64(char *buf, size_t size, size_t *n, uint64_t v)
{
	char d[24];
	size_t k = sizeof d;
	do {
		d[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_mem(buf, size, n, d + k, sizeof d - k);
}

/* Appends a signed integer in decimal. */
static void put_i64(char *buf, size_t size, size_t *n, int64_t v)
{
	if (v < 0) {
		put_mem(buf, size, n, "-", 1);
		put_u64(buf, size, n, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(buf, size, n, (uint64_t)v);
	}
}

/*
 * Appends x with 1 or 2 decimals, exactly as printf's "%.1f"/"%.2f" would:
 * as a scaled integer when x is far from a rounding tie and small, else
 * through snprintf (ties round on x's exact binary value there, and "-0.0").
 */
static void put_fixed(char *buf, size_t size, size_t *n, double x, int decimals)
{
	double scale = decimals == 1 ? 10.0 : 100.0, y = x * scale, f;
	int64_t k;
	int w;

	if (fabs(y) < 1e12) { /* the product is within 1e-3 of x * 10^decimals there */
		k = (int64_t)llround(y);
		f = fabs(y - (double)(int64_t)y); /* fractional part of the scaled value */
		if ((f < 0.49 || f > 0.51) && !(signbit(x) && k == 0)) {
			uint64_t a = k < 0 ? (uint64_t)0 - (uint64_t)k : (uint64_t)k;
			uint64_t div = decimals == 1 ? 10 : 100, frac = a % div;
			if (k < 0)
				put_mem(buf, size, n, "-", 1);
			put_u64(buf, size, n, a / div);
			put_mem(buf, size, n, ".", 1);
			if (decimals == 2 && frac < 10)
				put_mem(buf, size, n, "0", 1);
			put_u64(buf, size, n, frac);
			return;
		}
	}
	if (*n >= size) {
		*n += 1; /* already too long: stays too long */
		return;
	}
	w = snprintf(buf + *n, size - *n, decimals == 1 ? "%.1f" : "%.2f", x);
	*n += w < 0 ? size : (size_t)w;
}

int reading_to_json(const struct reading *r, char *buf, size_t size)
{
	size_t n = 0;
	unsigned i;

	if (size)
		buf[0] = '\0';
	/* ids and map are checked to be [A-Za-z0-9_.@-] so they need no escaping */
	put_str(buf, size, &n, "{\"v\":");
	put_i64(buf, size, &n, READING_VERSION);
	put_str(buf, size, &n, ",\"gw\":\"");
	put_str(buf, size, &n, r->gw);
	put_str(buf, size, &n, "\",\"seq\":");
	put_u64(buf, size, &n, r->seq);
	put_str(buf, size, &n, ",\"station\":\"");
	put_str(buf, size, &n, r->station);
	put_str(buf, size, &n, "\",\"device\":\"");
	put_str(buf, size, &n, r->device);
	put_str(buf, size, &n, "\",\"kind\":\"");
	put_str(buf, size, &n, reading_kind_name(r->kind));
	put_str(buf, size, &n, "\",\"ts\":");
	put_i64(buf, size, &n, r->ts_ms);
	if (!(r->has & READING_NO_STATE)) {
		put_str(buf, size, &n, ",\"state\":\"");
		put_str(buf, size, &n, reading_state_name(r->state));
		put_str(buf, size, &n, "\"");
	}
	if (r->has & READING_HAS_POWER) {
		put_str(buf, size, &n, ",\"ac_power_w\":");
		put_i64(buf, size, &n, r->ac_power_w);
	}
	if (r->has & READING_HAS_IRRADIANCE) {
		put_str(buf, size, &n, ",\"irradiance_wm2\":");
		put_i64(buf, size, &n, r->irradiance_wm2);
	}
	if (r->has & READING_HAS_ENERGY) {
		put_str(buf, size, &n, ",\"energy_wh\":");
		put_i64(buf, size, &n, r->energy_wh);
	}
	if (r->has & READING_HAS_IMPORT) {
		put_str(buf, size, &n, ",\"import_wh\":");
		put_i64(buf, size, &n, r->import_wh);
	}
	if (r->has & READING_HAS_TODAY) {
		put_str(buf, size, &n, ",\"today_wh\":");
		put_i64(buf, size, &n, r->today_wh);
	}
	if ((r->has & READING_HAS_TEMP) && isfinite(r->temp_c)) {
		put_str(buf, size, &n, ",\"temp_c\":");
		put_fixed(buf, size, &n, r->temp_c, 1);
	}
	if ((r->has & READING_HAS_HZ) && isfinite(r->grid_hz)) {
		put_str(buf, size, &n, ",\"grid_hz\":");
		put_fixed(buf, size, &n, r->grid_hz, 2);
	}
	if (r->has & READING_HAS_ALARMS) {
		put_str(buf, size, &n, ",\"alarms\":");
		put_u64(buf, size, &n, r->alarms);
	}
	if (r->quality) {
		int first = 1;
		put_str(buf, size, &n, ",\"quality\":[");
		for (i = 0; i < QUALITY_COUNT; i++)
			if (r->quality & (1u << i)) {
				put_str(buf, size, &n, first ? "\"" : ",\"");
				put_str(buf, size, &n, quality_names[i]);
				put_str(buf, size, &n, "\"");
				first = 0;
			}
		put_str(buf, size, &n, "]");
	}
	if (r->map[0]) {
		put_str(buf, size, &n, ",\"map\":\"");
		put_str(buf, size, &n, r->map);
		put_str(buf, size, &n, "\"");
	}
	put_str(buf, size, &n, "}");
	if (n >= size)
		return -1;
	return (int)n;
}

int reading_topic(const struct reading *r, char *buf, size_t size)
{
	size_t n = 0;
	if (size)
		buf[0] = '\0';
	put_str(buf, size, &n, "pvmon/v1/");
	put_str(buf, size, &n, r->gw);
	put_str(buf, size, &n, "/");
	put_str(buf, size, &n, r->station);
	put_str(buf, size, &n, "/");
	put_str(buf, size, &n, r->device);
	put_str(buf, size, &n, "/reading");
	return n >= size ? -1 : (int)n;
}

/* Copies the next topic level into out; returns a pointer past it or NULL. */
static const char *level(const char *p, char *out)
{
	size_t n = 0;
	while (*p && *p != '/') {
		if (n >= READING_ID_MAX - 1)
			return NULL;
		out[n++] = *p++;
	}
	out[n] = '\0';
	if (!util_id_valid(out))
		return NULL;
	return *p == '/' ? p + 1 : p;
}

int reading_topic_parse(const char *topic, char *gw, char *station, char *device)
{
	const char *p;
	if (strncmp(topic, "pvmon/v1/", 9) != 0)
		return -1;
	p = topic + 9;
	if (!(p = level(p, gw)) || !(p = level(p, station)) || !(p = level(p, device)))
		return -1;
	return strcmp(p, "reading") == 0 ? 0 : -1;
}

/* Records the first validation failure. */
static int bad(char *cause, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(char *cause, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cause, size, fmt, ap);
	va_end(ap);
	return -1;
}

/* An integer field in [min, max]; *present tells if it was there. */
static int get_int(const cJSON *o, const char *key, int64_t min, int64_t max, int64_t *out,
                   int *present, char *cause, size_t cs)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	*present = 0;
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    fabs(v->valuedouble) > 9007199254740992.0)
		return bad(cause, cs, "\"%s\": expected an integer", key);
	if (v->valuedouble < (double)min || v->valuedouble > (double)max)
		return bad(cause, cs, "\"%s\": %.17g is outside %" PRId64 "..%" PRId64, key,
		           v->valuedouble, min, max);
	*out = (int64_t)v->valuedouble;
	*present = 1;
	return 0;
}

/* A string id field that must be present and valid. */
static int get_id(const cJSON *o, const char *key, char *out, size_t size, char *cause, size_t cs)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return bad(cause, cs, "\"%s\": missing", key);
	if (!cJSON_IsString(v) || !util_id_valid(v->valuestring))
		return bad(cause, cs, "\"%s\": expected an id of [A-Za-z0-9_.-], 1-47 characters",
		           key);
	util_strlcpy(out, v->valuestring, size);
	return 0;
}

static const char *const known_keys[] = {
    "v",      "gw",         "seq",       "station",   "device",         "kind",   "ts",
    "state",  "ac_power_w", "energy_wh", "import_wh", "today_wh",       "temp_c", "grid_hz",
    "alarms", "quality",    "map",       "health",    "irradiance_wm2", NULL,
};

int reading_from_json(const char *payload, size_t len, int64_t now_ms, struct reading *out,
                      char *cause, size_t cs)
{
	cJSON *o = NULL;
	const cJSON *v, *c;
	int64_t x;
	int present, rc = -1;

	memset(out, 0, sizeof *out);
	cause[0] = '\0';
	o = cJSON_ParseWithLength(payload, len);
	if (!o) {
		bad(cause, cs, "not valid JSON");
		goto done;
	}
	if (!cJSON_IsObject(o)) {
		bad(cause, cs, "expected a JSON object");
		goto done;
	}
	for (c = o->child; c; c = c->next) {
		const char *const *k;
		for (k = known_keys; *k && strcmp(*k, c->string) != 0; k++)
			;
		if (!*k) {
			bad(cause, cs, "\"%.40s\": unknown field", c->string);
			goto done;
		}
	}
	if (get_int(o, "v", 1, 1, &x, &present, cause, cs) < 0)
		goto done;
	if (!present) {
		bad(cause, cs, "\"v\": missing");
		goto done;
	}
	if (get_id(o, "gw", out->gw, sizeof out->gw, cause, cs) < 0 ||
	    get_id(o, "station", out->station, sizeof out->station, cause, cs) < 0 ||
	    get_id(o, "device", out->device, sizeof out->device, cause, cs) < 0)
		goto done;
	if (get_int(o, "seq", 1, INT64_C(9007199254740991), &x, &present, cause, cs) < 0)
		goto done;
	if (!present) {
		bad(cause, cs, "\"seq\": missing");
		goto done;
	}
	out->seq = (uint64_t)x;
	if (get_int(o, "ts", INT64_C(1262304000000), now_ms + 86400000, &out->ts_ms, &present,
	            cause, cs) < 0)
		goto done;
	if (!present) {
		bad(cause, cs, "\"ts\": missing");
		goto done;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "kind");
	if (!cJSON_IsString(v) || reading_kind_parse(v->valuestring) < 0) {
		bad(cause, cs, "\"kind\": expected \"inverter\", \"meter\" or \"sensor\"");
		goto done;
	}
	out->kind = (enum reading_kind)reading_kind_parse(v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(o, "state");
	if (!v) {
		/* a device without a state register (most meters) */
		out->state = STATE_UNKNOWN;
		out->has |= READING_NO_STATE;
	} else if (!cJSON_IsString(v) || reading_state_parse(v->valuestring) < 0) {
		bad(cause, cs, "\"state\": expected a known state name");
		goto done;
	} else {
		out->state = (enum reading_state)reading_state_parse(v->valuestring);
	}
	if (get_int(o, "ac_power_w", -READING_POWER_MAX_W, READING_POWER_MAX_W, &out->ac_power_w,
	            &present, cause, cs) < 0)
		goto done;
	out->has |= present ? READING_HAS_POWER : 0;
	if (get_int(o, "irradiance_wm2", READING_IRRADIANCE_MIN, READING_IRRADIANCE_MAX,
	            &out->irradiance_wm2, &present, cause, cs) < 0)
		goto done;
	if (present && out->kind != READING_SENSOR) {
		bad(cause, cs, "\"irradiance_wm2\": only a sensor reports irradiance");
		goto done;
	}
	out->has |= present ? READING_HAS_IRRADIANCE : 0;
	if (get_int(o, "energy_wh", 0, READING_WH_MAX, &out->energy_wh, &present, cause, cs) < 0)
		goto done;
	out->has |= present ? READING_HAS_ENERGY : 0;
	if (get_int(o, "import_wh", 0, READING_WH_MAX, &out->import_wh, &present, cause, cs) < 0)
		goto done;
	out->has |= present ? READING_HAS_IMPORT : 0;
	if (get_int(o, "today_wh", 0, READING_WH_MAX, &out->today_wh, &present, cause, cs) < 0)
		goto done;
	out->has |= present ? READING_HAS_TODAY : 0;
	if (get_int(o, "alarms", 0, READING_ALARMS_MAX, &x, &present, cause, cs) < 0)
		goto done;
	if (present) {
		out->alarms = (uint64_t)x;
		out->has |= READING_HAS_ALARMS;
	}
	if (out->kind == READING_SENSOR && (out->has & (READING_HAS_POWER | READING_HAS_ENERGY |
	                                                READING_HAS_IMPORT | READING_HAS_TODAY))) {
		bad(cause, cs, "\"kind\": a sensor reports irradiance_wm2, not power or energy");
		goto done;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "temp_c");
	if (v) {
		if (!cJSON_IsNumber(v) || v->valuedouble < READING_TEMP_MIN_C ||
		    v->valuedouble > READING_TEMP_MAX_C) {
			bad(cause, cs, "\"temp_c\": expected a number from -60 to 200");
			goto done;
		}
		out->temp_c = v->valuedouble;
		out->has |= READING_HAS_TEMP;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "grid_hz");
	if (v) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > READING_HZ_MAX) {
			bad(cause, cs, "\"grid_hz\": expected a number from 0 to 100");
			goto done;
		}
		out->grid_hz = v->valuedouble;
		out->has |= READING_HAS_HZ;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "quality");
	if (v) {
		if (!cJSON_IsArray(v)) {
			bad(cause, cs, "\"quality\": expected an array of names");
			goto done;
		}
		cJSON_ArrayForEach(c, v)
		{
			unsigned i;
			for (i = 0; i < QUALITY_COUNT; i++)
				if (cJSON_IsString(c) &&
				    strcmp(c->valuestring, quality_names[i]) == 0)
					break;
			if (i == QUALITY_COUNT) {
				bad(cause, cs, "\"quality\": unknown flag");
				goto done;
			}
			out->quality |= 1u << i;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "map");
	if (v) {
		size_t i, n;
		if (!cJSON_IsString(v) || (n = strlen(v->valuestring)) == 0 ||
		    n >= READING_MAP_MAX) {
			bad(cause, cs, "\"map\": expected a profile name");
			goto done;
		}
		for (i = 0; i < n; i++) {
			char ch = v->valuestring[i];
			if (!(ch == '@' || ch == '-' || ch == '_' || ch == '.' ||
			      (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
			      (ch >= 'A' && ch <= 'Z'))) {
				bad(cause, cs, "\"map\": expected a profile name");
				goto done;
			}
		}
		util_strlcpy(out->map, v->valuestring, sizeof out->map);
	}
	rc = 0;
done:
	cJSON_Delete(o);
	return rc;
}
