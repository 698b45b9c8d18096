/*
 * jx: strict, path-aware getters over cJSON for configuration files.
 * It never guesses: a wrong type, a value out of range or an unknown key is an
 * error that names the file, the JSON path and what was expected.
 */
#include "jx.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "util.h"

void jx_release(struct jx *jx)
{
	if (!jx)
		return;
	free(jx->err);
	jx->err = NULL;
}

int jx_fail(struct jx *jx, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (jx->err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (path && *path)
		jx->err = xasprintf("%s: %s: %s", jx->file ? jx->file : "(json)", path, msg);
	else
		jx->err = xasprintf("%s: %s", jx->file ? jx->file : "(json)", msg);
	return -1;
}

const char *jx_join(char *buf, size_t size, const char *path, const char *key)
{
	if (path && *path)
		snprintf(buf, size, "%s.%s", path, key);
	else
		snprintf(buf, size, "%s", key);
	return buf;
}

const char *jx_index(char *buf, size_t size, const char *path, int i)
{
	snprintf(buf, size, "%s[%d]", path ? path : "", i);
	return buf;
}

/* Writes the shortest form of d that reads back as d: 0.1, not 0.10000000000000001. */
static void describe_number(double d, char *buf, size_t size)
{
	int prec;
	if (d == floor(d) && fabs(d) < 1e17) {
		snprintf(buf, size, "%.0f", d);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
	snprintf(buf, size, "%.17g", d);
}

void jx_describe(const cJSON *v, char *buf, size_t size)
{
	if (!v)
		snprintf(buf, size, "nothing (the key is missing)");
	else if (cJSON_IsString(v))
		snprintf(buf, size, "\"%.60s%s\"", v->valuestring,
		         strlen(v->valuestring) > 60 ? "..." : "");
	else if (cJSON_IsNumber(v))
		describe_number(v->valuedouble, buf, size);
	else if (cJSON_IsBool(v))
		snprintf(buf, size, "%s", cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNull(v))
		snprintf(buf, size, "null");
	else if (cJSON_IsArray(v))
		snprintf(buf, size, "an array");
	else if (cJSON_IsObject(v))
		snprintf(buf, size, "an object");
	else
		snprintf(buf, size, "an invalid value");
}

/* Records "expected WHAT, got VALUE" at path.key. */
static int expected(struct jx *jx, const char *path, const char *key, const cJSON *v,
                    const char *what)
{
	char p[512], got[128];
	jx_describe(v, got, sizeof got);
	return jx_fail(jx, key ? jx_join(p, sizeof p, path, key) : path, "expected %s, got %s",
	               what, got);
}

/* Finds key in obj case-sensitively; duplicates are not possible after cJSON parse. */
static const cJSON *member(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

cJSON *jx_parse(struct jx *jx, const char *text, size_t len)
{
	const char *end = NULL;
	/* cJSON's own end check reads text[len]: check for trailing text here instead */
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);

	if (root && end) {
		const char *p = end;
		while (p < text + len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			p++;
		if (p < text + len) {
			cJSON_Delete(root);
			root = NULL;
			end = p;
		}
	}
	if (!root) {
		int line = 1, col = 1;
		const char *p;
		if (!end || end < text || end > text + len)
			end = text;
		for (p = text; p < end; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		jx_fail(jx, NULL, "invalid JSON at line %d, column %d", line, col);
	}
	return root;
}

cJSON *jx_parse_file(struct jx *jx, const char *path)
{
	char *text = NULL, *cause = NULL;
	size_t len = 0;
	cJSON *root;

	if (util_read_file(path, &text, &len, &cause) < 0) {
		if (!jx->err)
			jx->err = cause;
		else
			free(cause);
		return NULL;
	}
	root = jx_parse(jx, text, len);
	free(text);
	return root;
}

int jx_object(struct jx *jx, const cJSON *obj, const char *path, const char *const *allowed)
{
	const cJSON *c;

	if (jx->err)
		return -1;
	if (!cJSON_IsObject(obj))
		return expected(jx, path && *path ? path : "(top level)", NULL, obj, "an object");
	if (!allowed)
		return 0;
	for (c = obj->child; c; c = c->next) {
		const char *const *a;
		int found = 0;
		for (a = allowed; *a; a++)
			if (strcmp(*a, c->string) == 0)
				found = 1;
		if (!found) {
			char p[512], list[512] = "";
			size_t n = 0;
			for (a = allowed; *a && n < sizeof list - 64; a++)
				n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
				                      a == allowed ? "" : ", ", *a);
			return jx_fail(jx, jx_join(p, sizeof p, path, c->string),
			               "unknown key (expected one of: %s)", list);
		}
	}
	return 0;
}

int jx_str(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
           const char **out)
{
	const cJSON *v;
	if (jx->err)
		return -1;
	v = member(obj, key);
	if (!v) {
		if (required)
			return expected(jx, path, key, v, "a string");
		return 0;
	}
	if (!cJSON_IsString(v) || !v->valuestring[0])
		return expected(jx, path, key, v, "a non-empty string");
	*out = v->valuestring;
	return 0;
}

int jx_id(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
          const char **out)
{
	const cJSON *v;
	if (jx->err)
		return -1;
	v = member(obj, key);
	if (!v) {
		if (required)
			return expected(jx, path, key, v, "an id");
		return 0;
	}
	if (!cJSON_IsString(v) || !util_id_valid(v->valuestring))
		return expected(jx, path, key, v,
		                "an id of 1-47 characters from A-Z a-z 0-9 _ . -");
	*out = v->valuestring;
	return 0;
}

int jx_int(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
           int64_t min, int64_t max, int64_t *out)
{
	const cJSON *v;
	char what[128];
	double d;

	if (jx->err)
		return -1;
	v = member(obj, key);
	if (min == INT64_MIN && max == INT64_MAX)
		snprintf(what, sizeof what, "an integer");
	else if (min == 1 && max == INT64_MAX)
		snprintf(what, sizeof what, "an integer > 0");
	else if (max == INT64_MAX)
		snprintf(what, sizeof what, "an integer >= %lld", (long long)min);
	else
		snprintf(what, sizeof what, "an integer from %lld to %lld", (long long)min,
		         (long long)max);
	if (!v) {
		if (required)
			return expected(jx, path, key, v, what);
		return 0;
	}
	if (!cJSON_IsNumber(v))
		return expected(jx, path, key, v, what);
	d = v->valuedouble;
	if (d != floor(d) || d < -9007199254740992.0 || d > 9007199254740992.0 || d < (double)min ||
	    d > (double)max)
		return expected(jx, path, key, v, what);
	*out = (int64_t)d;
	return 0;
}

int jx_num(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
           double min, double max, double *out)
{
	const cJSON *v;
	char what[128];

	if (jx->err)
		return -1;
	v = member(obj, key);
	snprintf(what, sizeof what, "a number from %g to %g", min, max);
	if (!v) {
		if (required)
			return expected(jx, path, key, v, what);
		return 0;
	}
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < min ||
	    v->valuedouble > max)
		return expected(jx, path, key, v, what);
	*out = v->valuedouble;
	return 0;
}

int jx_bool(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
            int *out)
{
	const cJSON *v;
	if (jx->err)
		return -1;
	v = member(obj, key);
	if (!v) {
		if (required)
			return expected(jx, path, key, v, "true or false");
		return 0;
	}
	if (!cJSON_IsBool(v))
		return expected(jx, path, key, v, "true or false");
	*out = cJSON_IsTrue(v);
	return 0;
}

int jx_date(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
            int32_t *out)
{
	const cJSON *v;
	if (jx->err)
		return -1;
	v = member(obj, key);
	if (!v && !required)
		return 0;
	if (v && cJSON_IsString(v) && caltime_parse_date(v->valuestring, out) == 0)
		return 0;
	return expected(jx, path, key, v, "a date YYYY-MM-DD from 1900 to 2200");
}

const cJSON *jx_array(struct jx *jx, const cJSON *obj, const char *path, const char *key,
                      int required)
{
	const cJSON *v;
	if (jx->err)
		return NULL;
	v = member(obj, key);
	if (!v) {
		if (required)
			expected(jx, path, key, v, "an array");
		return NULL;
	}
	if (!cJSON_IsArray(v)) {
		expected(jx, path, key, v, "an array");
		return NULL;
	}
	return v;
}

const cJSON *jx_child(struct jx *jx, const cJSON *obj, const char *path, const char *key,
                      int required, const char *const *allowed)
{
	const cJSON *v;
	char p[512];
	if (jx->err)
		return NULL;
	v = member(obj, key);
	if (!v) {
		if (required)
			expected(jx, path, key, v, "an object");
		return NULL;
	}
	if (jx_object(jx, v, jx_join(p, sizeof p, path, key), allowed) < 0)
		return NULL;
	return v;
}

int jx_enum(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
            const char *const *choices, int *out)
{
	const cJSON *v;
	const char *const *c;
	char what[256];
	size_t n;

	if (jx->err)
		return -1;
	v = member(obj, key);
	n = (size_t)snprintf(what, sizeof what, "one of");
	for (c = choices; *c && n < sizeof what - 40; c++)
		n += (size_t)snprintf(what + n, sizeof what - n, "%s \"%s\"",
		                      c == choices ? "" : ",", *c);
	if (!v) {
		if (required)
			return expected(jx, path, key, v, what);
		return 0;
	}
	if (cJSON_IsString(v))
		for (c = choices; *c; c++)
			if (strcmp(*c, v->valuestring) == 0) {
				*out = (int)(c - choices);
				return 0;
			}
	return expected(jx, path, key, v, what);
}

/* Writes a scaled integer as decimal text: 33200 at 5 places is "0.332". */
static void decimal_text(int64_t v, int places, char *buf, size_t size)
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, p = 1;
	int i, n;
	for (i = 0; i < places; i++)
		p *= 10;
	n = snprintf(buf, size, "%s%llu", v < 0 ? "-" : "", (unsigned long long)(a / p));
	if (places > 0 && a % p != 0 && n > 0 && (size_t)n < size) {
		char frac[32];
		uint64_t f = a % p;
		int len;
		if (places > 18)
			places = 18;
		for (i = places - 1; i >= 0; i--) {
			frac[i] = (char)('0' + f % 10);
			f /= 10;
		}
		frac[places] = '\0';
		for (len = places; len > 0 && frac[len - 1] == '0'; len--)
			frac[len - 1] = '\0';
		snprintf(buf + n, size - (size_t)n, ".%s", frac);
	}
}

/* Parses strict decimal text ("-12.345", no exponent) into v * 10^places; -1 if inexact. */
static int decimal_parse(const char *s, int places, int64_t *out)
{
	int neg = 0, ndig = 0, fdig = 0;
	uint64_t acc = 0;
	const uint64_t lim = UINT64_C(1) << 62;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++, ndig++) {
		acc = acc * 10 + (uint64_t)(*s - '0');
		if (acc > lim)
			return -1;
	}
	if (ndig == 0)
		return -1;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return -1;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (fdig >= places) {
				if (*s != '0') /* more precision than the unit holds */
					return -1;
				continue;
			}
			acc = acc * 10 + (uint64_t)(*s - '0');
			fdig++;
			if (acc > lim)
				return -1;
		}
	}
	if (*s)
		return -1;
	for (; fdig < places; fdig++) {
		acc *= 10;
		if (acc > lim)
			return -1;
	}
	*out = neg ? -(int64_t)acc : (int64_t)acc;
	return 0;
}

/*
 * A JSON number is scaled and rounded, then accepted only if the decimal text
 * of the result reads back as the very same double: the number as written had
 * no more decimal places than the unit holds, so no rounding happened.
 */
static int decimal_from_double(double d, int places, int64_t *out)
{
	double x = d;
	char text[64];
	int64_t r;
	int i;
	for (i = 0; i < places; i++)
		x *= 10;
	if (!isfinite(x) || fabs(x) > 9007199254740992.0)
		return -1;
	r = llround(x);
	decimal_text(r, places, text, sizeof text);
	if (strtod(text, NULL) != d)
		return -1;
	*out = r;
	return 0;
}

int jx_decimal(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
               int places, int64_t min, int64_t max, int64_t *out)
{
	const cJSON *v;
	char what[200], lo[40], hi[40];
	int64_t r = 0;
	int rc;

	if (jx->err)
		return -1;
	v = member(obj, key);
	decimal_text(min, places, lo, sizeof lo);
	decimal_text(max, places, hi, sizeof hi);
	if (max == INT64_MAX && min == 1)
		snprintf(what, sizeof what, "a number > 0");
	else if (max == INT64_MAX)
		snprintf(what, sizeof what, "a number >= %s", lo);
	else
		snprintf(what, sizeof what, "a number from %s to %s", lo, hi);
	if (places > 0)
		snprintf(what + strlen(what), sizeof what - strlen(what),
		         " with at most %d decimal place%s", places, places == 1 ? "" : "s");
	if (!v) {
		if (required)
			return expected(jx, path, key, v, what);
		return 0;
	}
	if (cJSON_IsNumber(v))
		rc = decimal_from_double(v->valuedouble, places, &r);
	else if (cJSON_IsString(v))
		rc = decimal_parse(v->valuestring, places, &r);
	else
		rc = -1;
	if (rc < 0 || r < min || r > max)
		return expected(jx, path, key, v, what);
	*out = r;
	return 0;
}
