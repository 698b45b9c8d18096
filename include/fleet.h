/*
 * fleet: the fleet file (fleet.json): townships, villages, stations and their
 * devices, shares, tariffs and costs, loaded strictly (docs/config.md) with
 * lookups by id. The structs are plain data owned by the struct fleet;
 * fleet_free releases everything. Every error names the file, the JSON path
 * and what was expected.
 */
#ifndef PVMON_FLEET_H
#define PVMON_FLEET_H

#include <stdint.h>

#include "reading.h"

struct collector_conf;

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
	char *sensor;                 /* device id of the irradiance sensor, or NULL */
	struct fleet_device *devices; /* meter, inverters, then the sensor */
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

/* Returns 0, or -1 with *cause set (a new string the caller frees). */
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
 * Checks a gateway file against the fleet: every device must be a device of
 * that station in the fleet, of the same kind. Returns 0, or -1 with *cause
 * (new string) naming the gateway file and the JSON path of the first misfit.
 */
int fleet_check_collector(const struct fleet *f, const struct collector_conf *c, char **cause);

#endif
