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

#include "live_conf.h"
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
	char *client_id;    /* default "pvmon-ingest" */
	char *ingest_share; /* shared-subscription group of several ingest workers; NULL: one */
	char *database;     /* SQLite path, or a postgresql:// URL */
	char *database_password_file; /* PostgreSQL password (first line), NULL: libpq's own ways */
	char *fleet_path;             /* fleet.json */
	char *timezone;               /* default "Asia/Shanghai" */
	int64_t target_fen_per_year;  /* default 20,000,000 (200,000 yuan) */
	int target_basis_received;    /* 1: judge targets on money received (the ledger) */
	int retention_days;           /* raw readings, default 400 */
	int batch_rows;               /* default 1000 */
	int batch_ms;                 /* default 200 */
	int expected_interval_s; /* readings expected this often, for completeness; default 60 */
	int meter_tolerance_permille; /* meter vs inverter sum, default 50 (5%) */
	int lang;                     /* enum msg_lang of reports by default, MSG_ZH */
	/* The ledger (docs/ledger.md): the "ledger" object. */
	int ledger_tolerance_permille; /* grid statement vs meter, default 10 (1%) */
	int ledger_basis_meter;        /* 1: accrue on the meter even where a statement exists */
	char *log_target;
	int log_level;
	struct live_conf live; /* "serve" and "alerts" (live_conf.h) */
};

/* Each loader returns 0, or -1 with *cause set (a new string the caller frees). */
int config_collector_load(const char *path, struct collector_conf **out, char **cause);
void config_collector_free(struct collector_conf *c);
int config_central_load(const char *path, struct central_conf **out, char **cause);
void config_central_free(struct central_conf *c);

/*
 * A path from a config file taken relative to dir (the file's directory):
 * absolute paths are kept. Returns a new string.
 */
char *config_resolve(const char *dir, const char *path);
/* The RTU inter-frame silence for a baud rate: 3.5 characters of 11 bits, at least 1750 us. */
int config_rtu_silence_us(int baud);

#endif
