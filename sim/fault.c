/*
 * fault: parsing of fault objects and the per-request decision. The effects
 * themselves are applied by the model (counters) and the server (replies).
 */
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "util.h"

static const char *const type_names[FAULT_TYPE_COUNT + 1] = {
    "slow",  "exception", "drop", "zero_counter", "counter_reset", "garbage", "dead", "wrong_unit",
    "short", "alarm",     NULL};

const char *fault_type_name(enum fault_type t)
{
	return (unsigned)t < FAULT_TYPE_COUNT ? type_names[t] : "?";
}

static const char *const fault_keys[] = {"type",     "start_s", "end_s",    "duration_s",
                                         "polls",    "every",   "delay_ms", "code",
                                         "value_wh", "bits",    NULL};

/* Checks obj's keys against the fault keys plus extra. */
static int check_keys(struct jx *jx, const cJSON *obj, const char *path, const char *const *extra)
{
	const char *allowed[32];
	size_t n = 0, i;

	for (i = 0; fault_keys[i]; i++)
		allowed[n++] = fault_keys[i];
	for (i = 0; extra && extra[i] && n < UTIL_ARRAY_LEN(allowed) - 1; i++)
		allowed[n++] = extra[i];
	allowed[n] = NULL;
	return jx_object(jx, obj, path, allowed);
}

int fault_parse(struct jx *jx, const cJSON *obj, const char *path, int64_t sim_start_ms,
                int64_t now_ms, const char *const *extra, struct fault *out)
{
	int type = 0;
	int64_t start_s = -1, end_s = -1, duration_s = -1;
	struct fault f;

	memset(&f, 0, sizeof f);
	f.every = 1;
	f.code = 4; /* server device failure */
	f.delay_ms = 2000;
	if (check_keys(jx, obj, path, extra))
		return -1;
	jx_enum(jx, obj, path, "type", 1, type_names, &type);
	jx_int(jx, obj, path, "start_s", 0, 0, INT64_C(1) << 40, &start_s);
	jx_int(jx, obj, path, "end_s", 0, 0, INT64_C(1) << 40, &end_s);
	jx_int(jx, obj, path, "duration_s", 0, 0, INT64_C(1) << 40, &duration_s);
	jx_int(jx, obj, path, "polls", 0, 0, INT64_MAX, &f.polls);
	jx_int(jx, obj, path, "every", 0, 1, INT64_MAX, &f.every);
	jx_int(jx, obj, path, "delay_ms", 0, 0, 600000, &f.delay_ms);
	jx_int(jx, obj, path, "code", 0, 1, 255, &f.code);
	jx_int(jx, obj, path, "value_wh", 0, 0, INT64_C(1) << 50, &f.value_wh);
	jx_int(jx, obj, path, "bits", 0, 0, INT64_MAX, &f.bits);
	if (jx->err)
		return -1;
	if (end_s >= 0 && duration_s >= 0)
		return jx_fail(jx, path, "expected end_s or duration_s, not both");
	f.type = (enum fault_type)type;
	f.start_ms = start_s >= 0 ? sim_start_ms + start_s * 1000 : now_ms;
	f.start_now = start_s < 0;
	f.end_ms = INT64_MAX;
	if (end_s >= 0)
		f.end_ms = sim_start_ms + end_s * 1000;
	if (duration_s >= 0)
		f.end_ms = f.start_ms + duration_s * 1000;
	if (f.end_ms <= f.start_ms) {
		char p[256];
		return jx_fail(jx, jx_join(p, sizeof p, path, "end_s"),
		               "expected a time after start_s");
	}
	*out = f;
	return 0;
}

int fault_list_parse(struct jx *jx, const cJSON *arr, const char *path, int64_t sim_start_ms,
                     int64_t now_ms, struct fault_list *list)
{
	const cJSON *it;
	char p[256];
	int i = 0;

	if (!cJSON_IsArray(arr)) {
		char got[64];
		jx_describe(arr, got, sizeof got);
		return jx_fail(jx, path, "expected an array of faults, got %s", got);
	}
	cJSON_ArrayForEach(it, arr)
	{
		struct fault f;
		if (fault_parse(jx, it, jx_index(p, sizeof p, path, i++), sim_start_ms, now_ms,
		                NULL, &f))
			return -1;
		fault_list_add(list, &f);
	}
	return 0;
}

void fault_list_add(struct fault_list *list, const struct fault *f)
{
	list->v = xrealloc(list->v, (size_t)(list->n + 1) * sizeof *list->v);
	list->v[list->n++] = *f;
}

void fault_list_release(struct fault_list *list)
{
	if (!list)
		return;
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

int fault_active(const struct fault *f, int64_t now_ms)
{
	if (now_ms < f->start_ms || now_ms >= f->end_ms)
		return 0;
	return f->polls == 0 || f->hits < f->polls;
}

int fault_hit(struct fault *f, int64_t now_ms)
{
	if (!fault_active(f, now_ms))
		return 0;
	if (f->seen++ % f->every != 0)
		return 0;
	f->hits++;
	return 1;
}
