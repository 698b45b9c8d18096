/*
 * jx: strict reading of JSON configuration with cJSON. Every getter knows
 * the file and the JSON path, so an error reads
 *   config/fleet.json: stations[3].shares[1].weight: expected an integer > 0, got "abc"
 * Only the first error is kept; later calls keep returning -1 so a loader can
 * check once at the end. Unknown keys are errors: a typo must not be ignored.
 */
#ifndef PVMON_JX_H
#define PVMON_JX_H

#include <cjson/cJSON.h>
#include <stdint.h>

struct jx {
	const char *file; /* borrowed: names the file in messages */
	char *err;        /* first error, owned; NULL while all is well */
};

/* Parses a JSON file; on failure returns NULL and sets jx->err (with line and column). */
cJSON *jx_parse_file(struct jx *jx, const char *path);
/* Parses len bytes (never reads past them) that came from the file jx->file; trailing text is an
 * error. */
cJSON *jx_parse(struct jx *jx, const char *text, size_t len);
/* Frees the error message. */
void jx_release(struct jx *jx);

/* Records an error "file: path: message" unless one is already recorded; returns -1. */
int jx_fail(struct jx *jx, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Writes "path.key" or "key" (path empty) into buf, for messages and nesting. */
const char *jx_join(char *buf, size_t size, const char *path, const char *key);
/* Writes "path[i]" into buf. */
const char *jx_index(char *buf, size_t size, const char *path, int i);

/* Describes a JSON value for messages: "abc" in quotes, 12, an object, missing... */
void jx_describe(const cJSON *v, char *buf, size_t size);

/* Fails if obj is not an object or has a key outside allowed (NULL-terminated). */
int jx_object(struct jx *jx, const cJSON *obj, const char *path, const char *const *allowed);

/*
 * Getters: key in obj at path. When the key is absent, required makes it an
 * error; otherwise *out keeps its value (the caller's default) and 0 is returned.
 */
int jx_str(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
           const char **out);
/* A string that is a valid id (see util_id_valid). */
int jx_id(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
          const char **out);
int jx_int(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
           int64_t min, int64_t max, int64_t *out);
int jx_num(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
           double min, double max, double *out);
int jx_bool(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
            int *out);
/* A strict "YYYY-MM-DD" civil date, as a day number (caltime_days). */
int jx_date(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
            int32_t *out);
/* An array member (NULL when absent and not required, or on error). */
const cJSON *jx_array(struct jx *jx, const cJSON *obj, const char *path, const char *key,
                      int required);
/* An object member, checked against allowed keys (allowed may be NULL: any keys). */
const cJSON *jx_child(struct jx *jx, const cJSON *obj, const char *path, const char *key,
                      int required, const char *const *allowed);
/*
 * An exact decimal as an integer count of 10^-places units: with places 2,
 * yuan 12.34 (a JSON number or the string "12.34") gives 1234 fen. A number
 * with more decimal places than the unit holds is an error, never rounded.
 * min and max are in those units (INT64_MAX: no upper bound).
 */
int jx_decimal(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
               int places, int64_t min, int64_t max, int64_t *out);
/* One of the strings in choices (NULL-terminated); *out gets its index. */
int jx_enum(struct jx *jx, const cJSON *obj, const char *path, const char *key, int required,
            const char *const *choices, int *out);

#endif
