/*
 * status: the judgement behind `pvmon-allocator status` (docs/status.md):
 * the state of every gateway and device of the fleet now, and the problems
 * that need attention, most severe first, with a nagios-style severity. It
 * only reads the database, through the store's status queries (store.h); it
 * never writes. The model owns its arrays and borrows the fleet, which must
 * outlive it.
 */
#ifndef PVMON_ALLOCATOR_STATUS_H
#define PVMON_ALLOCATOR_STATUS_H

#include <stdint.h>

#include "fleet.h"
#include "store.h"

/* A device below this completeness this month is a warning (the report flags it too). */
#define STATUS_COMPLETE_PERMILLE 950
/* Payloads rejected within this window count as a warning. */
#define STATUS_REJECT_WINDOW_MS (24 * 3600 * 1000LL)

/* The exit status of the command, nagios-style; 3 (UNKNOWN) is for the command's own failure. */
enum status_severity { STATUS_OK, STATUS_WARNING, STATUS_CRITICAL };

enum status_problem_kind {
	SP_GATEWAY_NEVER,     /* critical: in the fleet, never connected */
	SP_GATEWAY_OFFLINE,   /* critical: its retained status says offline */
	SP_GATEWAY_SILENT,    /* critical: no reading for silent_ms although not offline */
	SP_DEVICE_NEVER,      /* critical: in service, nothing ever stored for it */
	SP_DEVICE_SILENT,     /* critical: no reading for silent_ms */
	SP_DEVICE_OFFLINE,    /* warning: its readings say it does not answer the collector */
	SP_DEVICE_FAULT,      /* warning: its readings say fault */
	SP_GATEWAY_LOST,      /* warning: seqs lost (dropped by its spool bound) */
	SP_GATEWAY_REJECTS,   /* warning: payloads rejected in the last 24 h */
	SP_GATEWAY_UNKNOWN,   /* warning: in the database, not in the fleet */
	SP_DEVICE_INCOMPLETE, /* warning: completeness this month below STATUS_COMPLETE_PERMILLE */
	SP_COUNT
};

struct status_params {
	int64_t now_ms;
	int expected_interval_s; /* readings expected this often (> 0) */
	int64_t silent_ms;       /* no reading for this long: silent (> 0) */
	/* Filters, NULL for all. township: id or name; a station belongs to the
	 * townships of the villages holding shares in it. */
	const char *township, *station, *gateway;
};

struct status_gateway {
	char id[READING_ID_MAX];
	int in_fleet, in_store;
	int n_stations, n_in_service; /* fleet stations it reports (after the filters) */
	struct store_gateway g;       /* zeroed when not in the store */
	int64_t rejects_recent;       /* rejects of the last STATUS_REJECT_WINDOW_MS */
	int problem; /* its state: SP_GATEWAY_NEVER/OFFLINE/SILENT/UNKNOWN, -1 online */
	enum status_severity severity;
};

struct status_device {
	const struct fleet_station *st; /* borrowed from the fleet */
	const struct fleet_device *dv;
	int gateway; /* index into status.gateways, -1 when its station names none */
	int in_service;
	int has_data;              /* any raw reading or roll-up row, ever */
	int has_raw;               /* raw readings kept */
	int64_t last_ms;           /* last reading (raw; from the roll-ups without raw); 0 none */
	int last_state;            /* enum reading_state of the last raw reading; -1 unknown */
	int64_t state_since_ms;    /* first reading of the run of last_state (offline or fault) */
	int64_t from_ms;           /* completeness period: from (0: no period) ... */
	int64_t readings;          /* readings stored this month */
	int64_t slots, covered;    /* completeness = covered / slots (docs/status.md) */
	int64_t complete_permille; /* -1 without a period */
	int problem; /* its state: SP_DEVICE_NEVER/SILENT/OFFLINE/FAULT/INCOMPLETE, -1 ok */
	enum status_severity severity;
};

struct status_problem {
	enum status_problem_kind kind;
	enum status_severity severity;
	int gateway, device; /* indexes, -1 when not about one */
	int64_t since_ms;    /* 0: not known */
	int64_t value, aux;  /* lost/dropped, rejects, completeness permille */
};

struct status_summary {
	int gateways, gw_online, gw_offline, gw_silent, gw_never, gw_unknown;
	int devices, dev_ok, dev_silent, dev_never, dev_offline, dev_fault, dev_incomplete,
	    dev_not_in_service;
	int64_t lost, dropped, rejects_recent, backlog;
	int64_t slots, covered; /* over every device in service with a period */
	int n_critical, n_warning;
};

struct status {
	struct status_params p;
	int year, month;
	int64_t month_ms; /* local midnight starting the month */
	struct status_gateway *gateways;
	int n_gateways;
	struct status_device *devices;
	int n_devices;
	struct status_problem *problems; /* most severe first, then gateways, then devices */
	int n_problems;
	struct status_summary sum;
	enum status_severity severity;
};

/*
 * Judges the fleet f against the store db (read only, borrowed) as of p->now_ms in the zone
 * selected by caltime_set_zone. Returns a new model (status_free) or NULL
 * with *cause set (a filter naming nothing, or a database error).
 */
struct status *status_build(struct store *db, const struct fleet *f, const struct status_params *p,
                            char **cause);
void status_free(struct status *st);

/* "ok", "warning", "critical". */
const char *status_severity_name(enum status_severity s);
/* A stable name for JSON ("gateway_offline", ...). */
const char *status_problem_name(enum status_problem_kind k);

/*
 * Local time of a UTC instant with its zone's offset: "2019-06-03 14:05:00+08:00"
 * (caltime_format_local), or with iso "2019-06-03T14:05:00+08:00". "-" for
 * ms <= 0. Returns buf.
 */
const char *status_time(int64_t ms, int iso, char *buf, size_t size);
/* A duration as "3 d 4 h", "2 h 5 min", "4 min", "12 s". Returns buf. */
const char *status_duration(int64_t ms, char *buf, size_t size);

#endif
