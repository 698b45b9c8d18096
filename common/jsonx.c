/*
 * jsonx: strict, path-aware getters over cJSON for configuration files.
 * It never guesses: a wrong type, a value out of range or an unknown key is an
 * error that names the file, the JSON path and what was expected.
 */
#include "jsonx.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void jx_describe(const cJSON *v, char *buf, size_t size)
{
	if (!v)
		snprintf(buf, size, "nothing (the key is missing)");
	else if (cJSON_IsString(v))
		snprintf(buf, size, "\"%.60s%s\"", v->valuestring,
			 strlen(v->valuestring) > 60 ? "..." : "");
	else if (cJSON_IsNumber(v))
		snprintf(buf, size, "%.17g", v->valuedouble);
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
	return jx_fail(jx, key ? jx_join(p, sizeof p, path, key) : path, "expected %s, got %s", what,
		       got);
}

/* Finds key in obj case-sensitively; duplicates are not possible after cJSON parse. */
static const cJSON *member(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

cJSON *jx_parse(struct jx *jx, const char *text, size_t len)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 1);

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
		return expected(jx, path, key, v, "an id of 1-47 characters from A-Z a-z 0-9 _ . -");
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
