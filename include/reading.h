/*
 * reading: the canonical reading of the MQTT contract v1 (docs/mqtt.md), its
 * JSON form, its topic, and strict parsing of a payload back into a reading.
 * Optional values are present only when their READING_HAS_* bit is set:
 * an absent value is absent, never 0.
 */
#ifndef PVMON_READING_H
#define PVMON_READING_H

#include <stddef.h>
#include <stdint.h>

#define READING_VERSION 1
#define READING_ID_MAX 48
#define READING_MAP_MAX 48

/*
 * The contract's bounds on values (docs/mqtt.md): reading_from_json rejects a
 * payload with a value outside them, so a producer must leave such a value
 * absent (the decoder flags it QUALITY_RANGE) rather than publish it.
 */
#define READING_POWER_MAX_W INT64_C(100000000)       /* |ac_power_w| */
#define READING_WH_MAX (INT64_C(1) << 50)            /* energy_wh, import_wh, today_wh */
#define READING_ALARMS_MAX INT64_C(9007199254740991) /* 2^53 - 1: exact in a JSON number */
#define READING_TEMP_MIN_C (-60.0)
#define READING_TEMP_MAX_C 200.0
#define READING_HZ_MAX 100.0 /* grid_hz from 0 */
/* irradiance_wm2: a thermopile reads a few W/m² below 0 at night; 2000 is above any sky */
#define READING_IRRADIANCE_MIN (-50)
#define READING_IRRADIANCE_MAX 2000

/* What a device is: the contract's "kind" (reading_kind_name); the store keeps these numbers. */
enum reading_kind {
	READING_INVERTER, /* yield counter, power, state */
	READING_METER,    /* the export meter: export and import counters */
	READING_SENSOR,   /* an irradiance sensor or weather station: W/m², module temperature */
	READING_KIND_COUNT
};

/* Device state; the names are the contract's strings (reading_state_name). */
enum reading_state {
	STATE_UNKNOWN,
	STATE_PRODUCING,
	STATE_SLEEPING,
	STATE_STARTING,
	STATE_THROTTLED,
	STATE_STANDBY,
	STATE_FAULT,
	STATE_OFF,
	STATE_OFFLINE,
	STATE_COUNT
};

/* Which optional values are present. */
#define READING_HAS_POWER (1u << 0)
#define READING_HAS_ENERGY (1u << 1)
#define READING_HAS_IMPORT (1u << 2)
#define READING_HAS_TODAY (1u << 3)
#define READING_HAS_TEMP (1u << 4)
#define READING_HAS_HZ (1u << 5)
#define READING_HAS_ALARMS (1u << 6)
/*
 * Not a value but its absence: the device has no state register (most meters),
 * so the payload carries no "state" at all. Without it, state is always there.
 */
#define READING_NO_STATE (1u << 7)
#define READING_HAS_IRRADIANCE (1u << 8)

/* Why a value is doubtful (the contract's "quality" array). */
#define QUALITY_COUNTER_ZERO (1u << 0)      /* lifetime counter read 0 after a non-zero one */
#define QUALITY_COUNTER_BACKWARDS (1u << 1) /* lifetime counter went down */
#define QUALITY_COUNTER_JUMP (1u << 2)      /* more than capacity x elapsed time */
#define QUALITY_SENTINEL (1u << 3)          /* a register held "not implemented" */
#define QUALITY_RANGE (1u << 4)             /* a value outside what the device can do */
#define QUALITY_COUNT 5

struct reading {
	uint64_t seq;  /* per gateway, strictly increasing */
	int64_t ts_ms; /* poll time, ms since the epoch, UTC */
	char gw[READING_ID_MAX];
	char station[READING_ID_MAX];
	char device[READING_ID_MAX];
	enum reading_kind kind;
	enum reading_state state;
	uint32_t has;     /* READING_HAS_* */
	uint32_t quality; /* QUALITY_* */
	int64_t ac_power_w;
	int64_t energy_wh; /* lifetime: yield (inverter) or export (meter) */
	int64_t import_wh; /* meters */
	int64_t today_wh;
	double temp_c; /* inverter: cabinet; sensor: the module (back of panel) */
	double grid_hz;
	int64_t irradiance_wm2; /* sensor: in the plane of the modules, W/m² */
	uint64_t alarms;
	char map[READING_MAP_MAX]; /* "profile@version" */
};

const char *reading_state_name(enum reading_state s);
/* Returns the state for a contract name, or -1. */
int reading_state_parse(const char *name);
const char *reading_kind_name(enum reading_kind k);
/* Returns the kind for a contract name ("inverter", "meter", "sensor"), or -1. */
int reading_kind_parse(const char *name);
const char *reading_quality_name(unsigned bit_index);

/* Writes the JSON payload into buf; returns its length, or -1 if buf is too small. */
int reading_to_json(const struct reading *r, char *buf, size_t size);
/* Writes "pvmon/v1/<gw>/<station>/<device>/reading"; returns length or -1. */
int reading_topic(const struct reading *r, char *buf, size_t size);

/*
 * Parses and validates a payload against the contract. On failure returns -1
 * and writes a reason ("field": what was expected) into cause.
 * now_ms bounds the timestamp (at most a day ahead, not before 2010).
 */
int reading_from_json(const char *payload, size_t len, int64_t now_ms, struct reading *out,
                      char *cause, size_t cause_size);

/*
 * Splits a reading topic into its ids (each at most READING_ID_MAX-1 bytes).
 * Returns -1 when the topic is not pvmon/v1/<gw>/<station>/<device>/reading.
 */
int reading_topic_parse(const char *topic, char *gw, char *station, char *device);

#endif
