/*
 * simconf: what pvmon-sim simulates (stations, their transport, inverters and
 * meter, faults), loaded strictly from JSON (docs/sim.md) or generated from
 * the quick command-line flags. Plain data owned by struct sim_conf.
 */
#ifndef PVMON_SIM_SIMCONF_H
#define PVMON_SIM_SIMCONF_H

#include <stdint.h>

#include "fault.h"
#include "reading.h"

struct simdev_conf {
	char *id;
	int unit; /* 1-247 */
	enum reading_kind kind;
	char *profile;
	int64_t capacity_w; /* inverters: AC nameplate */
	int64_t energy_wh;  /* lifetime counter at the simulated start (yield or export) */
	int64_t import_wh;  /* meters: import counter at the start */
	int sunspec_base;   /* SunSpec: 40000 (default), 0 or 50000 */
	int sunspec_model;  /* SunSpec: model to serve; 0 picks 103 / 203 */
	struct fault_list faults;
};

struct simstation_conf {
	char *id;
	int rtu;        /* 1: a pseudo-terminal (RTU), 0: TCP */
	int port;       /* TCP port; 0: any free port (see --ports-file) */
	char *pty_link; /* RTU: a symlink to create to the pty slave, or NULL */
	double lat, lon;
	double loss;   /* fraction lost between inverters and the export meter */
	int64_t aux_w; /* station's own consumption at night, imported through the meter */
	struct simdev_conf *devs; /* inverters, then the meter and the sensor if any */
	int n_devs;
};

struct sim_conf {
	char *path;     /* the config file, NULL when generated from flags */
	char *profiles; /* profile directory */
	char *listen;   /* TCP address, default 127.0.0.1 */
	char *timezone; /* for "today" counters and local --start; default Asia/Shanghai */
	uint64_t seed;
	double speed;
	int64_t start_ms;           /* simulated start, UTC ms */
	int unknown_unit_exception; /* 1: exception 0x0B for units nobody has; 0: silence */
	char *faults_file;          /* optional extra faults, reloaded on SIGUSR1 */
	struct simstation_conf *stations;
	int n_stations;
};

/* Options for a generated fleet (the quick flags). */
struct simconf_gen {
	int stations;
	int inverters;              /* per station */
	const char *profiles;       /* comma-separated inverter profiles, used in turn */
	const char *meter_profiles; /* comma-separated, used in turn; "none": no meter */
	int64_t capacity_w;
	int port_base; /* station i (0-based) on port_base + i; 0: free ports */
	int rtu;
	const char *pty_dir; /* RTU: symlinks DIR/<station> to the ptys, or NULL */
	double lat, lon;
};

/*
 * Loads a config file. Relative paths in it are relative to its directory.
 * Faults' start_s count from the simulated start; without start_s a fault
 * starts with the simulation. On error NULL and *cause (new string naming the
 * file, the JSON path and what was expected).
 */
struct sim_conf *simconf_load(const char *path, char **cause);
/* Builds a fleet from the quick flags; on error NULL and *cause. */
struct sim_conf *simconf_generate(const struct simconf_gen *g, char **cause);
void simconf_free(struct sim_conf *c);

/* Moves the simulated start (a --start flag over the file's), shifting fault times with it. */
void simconf_set_start(struct sim_conf *c, int64_t start_ms);

/* Finds a device by station and device id, or NULL. */
struct simdev_conf *simconf_find(struct sim_conf *c, const char *station, const char *device);

/*
 * Replaces every device's faults by those of the config file (c->path, if
 * any) and of the faults file (c->faults_file, if any): {"faults": [{"station":
 * ..., "device": ..., "type": ...}]}. A fault without start_s starts at
 * now_ms. On error returns -1, sets *cause and leaves the faults unchanged.
 */
int simconf_reload_faults(struct sim_conf *c, int64_t now_ms, char **cause);

#endif
