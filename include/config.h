/*
 * config: the gateway file (collector.json), the central file (central.json)
 * and the fleet file (fleet.json), loaded strictly (docs/config.md). Every
 * error names the file, the JSON path and what was expected. The structs are
 * plain data owned by the top-level object; *_free releases everything.
 * Relative paths inside a file are taken relative to that file's directory.
 */
#ifndef PVMON_CONFIG_H
#define PVMON_CONFIG_H

#include <stdint.h>

#include "reading.h"

struct broker_conf {
	char *host;          /* default 127.0.0.1 */
	int port;            /* default 1883, 8883 with TLS */
	int keepalive_s;     /* default 30 */
	char *ca_file;       /* TLS on when set */
	char *cert_file;     /* optional client certificate */
	char *key_file;      /* its key */
	char *username;      /* optional */
	char *password_file; /* optional: the password is read from this file, never inline */
};

struct device_conf {
	char *id;      /* device id in topics */
	char *station; /* station id */
	int unit;      /* Modbus unit id 1-247 */
	char *profile; /* profile name, e.g. "huawei-sun2000" or "sunspec" */
	enum reading_kind kind;
	int64_t capacity_w; /* nameplate; bounds counter jumps (0: unknown) */
};

enum bus_type { BUS_TCP, BUS_RTU };

struct bus_conf {
	char *id;
	enum bus_type type;
	char *host;   /* TCP */
	int port;     /* TCP, default 502 */
	char *device; /* RTU serial device */
	int baud;     /* RTU, default 9600 */
	char parity;  /* 'N', 'E' or 'O' */
	int data_bits, stop_bits;
	int timeout_ms;       /* response timeout, default 1000 */
	int connect_delay_ms; /* wait after connecting before the first request, default 0 */
	int silence_us;     /* RTU gap between frames; default 3.5 characters at baud (min 1750) */
	int backoff_max_ms; /* cap of the retry delay for a slave that times out, default 300000 */
	struct device_conf *devices;
	int n_devices;
};

struct collector_conf {
	char *path; /* the file it came from */
	char *gateway;
	struct broker_conf broker;
	char *spool_path;
	int64_t spool_max_rows;  /* default 2,000,000 */
	int64_t spool_max_bytes; /* default 512 MiB */
	int64_t spool_max_age_s; /* default 60 days */
	int replay_per_s;        /* backlog replay rate, default 500 readings/s */
	int poll_interval_ms;    /* default 10000 */
	int health_interval_s;   /* default 60 */
	char *profiles_dir;      /* default "profiles" beside the file */
	char *log_target;        /* "stderr" (default), "syslog" or a file */
	int log_level;           /* enum log_level, default info */
	struct bus_conf *buses;
	int n_buses;
};

struct central_conf {
	char *path;
	struct broker_conf broker;
	char *client_id;             /* default "pvmon-ingest" */
	char *database;              /* SQLite path */
	char *fleet_path;            /* fleet.json */
	char *timezone;              /* default "Asia/Shanghai" */
	int64_t target_fen_per_year; /* default 20,000,000 (200,000 yuan) */
	int retention_days;          /* raw readings, default 400 */
	int batch_rows;              /* default 1000 */
	int batch_ms;                /* default 200 */
	int expected_interval_s; /* readings expected this often, for completeness; default 60 */
	int meter_tolerance_permille; /* meter vs inverter sum, default 50 (5%) */
	/* The ledger (docs/ledger.md): the "ledger" object. */
	int ledger_tolerance_permille; /* grid statement vs meter, default 10 (1%) */
	int ledger_basis_meter;        /* 1: accrue on the meter even where a statement exists */
	char *log_target;
	int log_level;
};

struct fleet_township {
	char *id, *name;
};

struct fleet_village {
	char *id, *name;             /* name is UTF-8, e.g. Chinese */
	int township;                /* index into fleet.townships */
	int64_t target_fen_per_year; /* 0: the central default */
};

#define FLEET_WEIGHT_MAX 1000000 /* weight x a year's fen of a station stays inside int64 */

struct fleet_share {
	int village;    /* index into fleet.villages */
	int64_t weight; /* 1 to FLEET_WEIGHT_MAX; a village's part is weight / sum of weights */
};

struct fleet_device {
	char *id;
	enum reading_kind kind;
	int64_t capacity_w; /* inverters: AC nameplate */
};

struct fleet_costs {
	int64_t land_rent_fen_per_year;
	int64_t insurance_fen_per_year;
	int64_t om_fen_per_month;
	int64_t om_fen_per_mwh;
	int64_t om_cap_fen_per_kw_year; /* 0: no cap */
	int64_t tax_basis_points;       /* of revenue, 0-10000 */
};

/* How one part of a station's revenue is paid (docs/ledger.md); see fleet_settle.c. */
enum fleet_cycle { FLEET_MONTHLY, FLEET_QUARTERLY, FLEET_YEARLY };

struct fleet_payment {
	char *payer;            /* payer id, default "grid" (coal) or "fund" (subsidy) */
	enum fleet_cycle cycle; /* default quarterly (coal), yearly (subsidy) */
	char *account;          /* the account that receives it, or NULL when not given */
};

/* A stretch of local days the station is listed in the subsidy catalogue. */
struct fleet_listing {
	int32_t from_day, to_day; /* inclusive; to_day INT32_MAX: open-ended */
};

/* Station facts the ledger needs; all optional ("settlement" in the fleet file). */
struct fleet_settlement {
	char *metering_point;           /* id on the grid company's statement, or NULL */
	int catalogue_given;            /* 0: listed throughout (no "catalogue" key) */
	struct fleet_listing *listings; /* sorted, disjoint */
	int n_listings;
	struct fleet_payment coal, subsidy;
};

struct fleet_station {
	char *id, *name;
	char *gateway; /* optional: the gateway that reports it */
	int64_t capacity_w;
	int32_t commissioned_day; /* days since 1970-01-01 (local date) */
	double latitude, longitude;
	char *meter;                  /* device id of the export meter, or NULL */
	struct fleet_device *devices; /* meter and inverters */
	int n_devices;
	struct fleet_share *shares;
	int n_shares;
	int tariff; /* index into fleet.tariffs */
	struct fleet_costs costs;
	struct fleet_settlement settle;
};

/* Money rates are integer fen per MWh: 0.3320 yuan/kWh is 33,200 fen/MWh. */
struct fleet_tariff_period {
	int32_t from_day;            /* first local day it applies, days since 1970-01-01 */
	int32_t to_day;              /* last local day it applies (INT32_MAX: open-ended) */
	int64_t coal_fen_per_mwh;    /* paid by the grid company */
	int64_t subsidy_fen_per_mwh; /* paid from the renewable energy fund */
};

struct fleet_tariff {
	char *id;
	struct fleet_tariff_period *periods; /* sorted, contiguous, no overlap */
	int n_periods;
};

struct fleet {
	char *path;
	char *county;
	struct fleet_township *townships;
	int n_townships;
	struct fleet_village *villages;
	int n_villages;
	struct fleet_station *stations;
	int n_stations;
	struct fleet_tariff *tariffs;
	int n_tariffs;
	void *index; /* private lookup tables */
};

/* Each loader returns 0, or -1 with *cause set (a new string the caller frees). */
int collector_conf_load(const char *path, struct collector_conf **out, char **cause);
void collector_conf_free(struct collector_conf *c);
int central_conf_load(const char *path, struct central_conf **out, char **cause);
void central_conf_free(struct central_conf *c);
int fleet_load(const char *path, struct fleet **out, char **cause);
void fleet_free(struct fleet *f);

/* 1 when the station is in the subsidy catalogue on local day `day`. */
int fleet_listed(const struct fleet_station *st, int32_t day);
/* "monthly", "quarterly", "yearly". */
const char *fleet_cycle_name(enum fleet_cycle c);

/* Lookups by id (fast: used per reading by ingest); -1 or NULL when unknown. */
int fleet_station_index(const struct fleet *f, const char *id);
int fleet_village_index(const struct fleet *f, const char *id);
const struct fleet_device *fleet_device_find(const struct fleet *f, const char *station,
                                             const char *device);

/*
 * A path from a config file taken relative to dir (the file's directory):
 * absolute paths are kept. Returns a new string.
 */
char *config_resolve(const char *dir, const char *path);
/* The RTU inter-frame silence for a baud rate: 3.5 characters of 11 bits, at least 1750 us. */
int config_rtu_silence_us(int baud);

/*
 * Checks a gateway file against the fleet: every device must be a device of
 * that station in the fleet, of the same kind. Returns 0, or -1 with *cause
 * (new string) naming the gateway file and the JSON path of the first misfit.
 */
int fleet_check_collector(const struct fleet *f, const struct collector_conf *c, char **cause);

/*
 * Reads a password file: the first line, newline stripped, into *out (new
 * string, caller frees). Warns through log_warn, naming the file but never the
 * password, if group or others may read it. An empty first line is an error.
 */
int broker_password_read(const char *path, char **out, char **cause);

#endif
