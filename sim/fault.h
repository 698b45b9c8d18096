/*
 * fault: the faults a simulated device can be told to show (slow replies,
 * exceptions, dropped connections, zero or reset counters, garbage, silence,
 * wrong unit ids, short replies, alarms), parsed from JSON, and the decision
 * whether one applies to a request. Never touches sockets or registers itself.
 */
#ifndef PVMON_SIM_FAULT_H
#define PVMON_SIM_FAULT_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "jx.h"

enum fault_type {
	FAULT_SLOW,          /* reply after delay_ms */
	FAULT_EXCEPTION,     /* Modbus exception code */
	FAULT_DROP,          /* close the connection instead of replying */
	FAULT_ZERO_COUNTER,  /* the lifetime counter reads 0 */
	FAULT_COUNTER_RESET, /* inverter replaced: counter starts again from value_wh */
	FAULT_GARBAGE,       /* random register values in the reply */
	FAULT_DEAD,          /* never answers */
	FAULT_WRONG_UNIT,    /* the reply carries another unit id */
	FAULT_SHORT,         /* the reply carries fewer registers than asked */
	FAULT_ALARM,         /* alarm bits set */
	FAULT_TYPE_COUNT
};

/* One fault of one device. Times are simulated UTC ms. */
struct fault {
	enum fault_type type;
	int64_t start_ms; /* applies from here */
	int64_t end_ms;   /* up to here (exclusive); INT64_MAX: no end */
	int64_t polls;    /* affects at most this many requests; 0: no limit */
	int64_t every;    /* affects every Nth request while active (1: each) */
	int64_t delay_ms; /* slow */
	int64_t code;     /* exception */
	int64_t value_wh; /* counter_reset */
	int64_t bits;     /* alarm */
	/* run time */
	int64_t seen;  /* requests seen while active */
	int64_t hits;  /* requests affected */
	int applied;   /* counter_reset has been applied to the model */
	int start_now; /* no start_s: started when loaded */
};

/* A device's faults; owns v. */
struct fault_list {
	struct fault *v;
	int n;
};

/* The type's name in JSON ("slow", "exception"...). */
const char *fault_type_name(enum fault_type t);

/*
 * Parses one fault object at path. start_s / end_s count simulated seconds
 * from sim_start_ms; without start_s the fault starts at now_ms (the moment
 * the file is loaded). extra names keys the caller allows besides the fault's
 * own (e.g. "station", "device"), NULL-terminated or NULL.
 */
int fault_parse(struct jx *jx, const cJSON *obj, const char *path, int64_t sim_start_ms,
                int64_t now_ms, const char *const *extra, struct fault *out);
/* Parses an array of faults into list (appending). */
int fault_list_parse(struct jx *jx, const cJSON *arr, const char *path, int64_t sim_start_ms,
                     int64_t now_ms, struct fault_list *list);
void fault_list_add(struct fault_list *list, const struct fault *f);
void fault_list_release(struct fault_list *list);

/* 1 if f is within its time window and has polls left (does not count). */
int fault_active(const struct fault *f, int64_t now_ms);
/*
 * Decides whether f affects the current request at now_ms and counts it:
 * call once per request for each fault of the addressed device.
 */
int fault_hit(struct fault *f, int64_t now_ms);

#endif
