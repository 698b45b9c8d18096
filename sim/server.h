/*
 * server: serves the simulated stations as Modbus servers, TCP (one listening
 * socket per station, many clients each) and RTU (a pseudo-terminal per
 * station, several slaves on it), from one poll() loop. Replies are built from
 * the station model on every request and bent by the device's faults.
 * Never writes registers on request: the simulated devices are read-only.
 */
#ifndef PVMON_SIM_SERVER_H
#define PVMON_SIM_SERVER_H

#include <signal.h>

#include "profile.h"
#include "simclock.h"
#include "simconf.h"

struct server; /* opaque */

/*
 * Builds the models and register images of every device of c and opens the
 * sockets and ptys. c and ps are borrowed and must outlive the server (c's
 * fault lists are updated on reload). On error NULL and *cause.
 */
struct server *server_new(struct sim_conf *c, const struct profile_set *ps,
                          const struct simclock *clock, char **cause);
/* Closes every socket and pty and frees everything; removes pty links. */
void server_free(struct server *s);

/* Writes one line per station: "<id> tcp <host> <port>" or "<id> rtu <pty path>". */
int server_write_ports(struct server *s, const char *path, char **cause);
/*
 * Writes one line per device with its canonical values now ("st001 inv01
 * unit=1 kind=inverter profile=... state=producing power_w=... energy_wh=...").
 */
int server_write_dump(struct server *s, const char *path, char **cause);
/* Writes one line per device with what was served ("requests=... answered=..."). */
int server_write_served(struct server *s, const char *path, char **cause);

/*
 * Serves until *stop is set. When *reload is set the faults are reloaded
 * (simconf_reload_faults) and it is cleared; when *dump is set the dump and
 * served files given here (NULL: none) are written and it is cleared.
 */
int server_run(struct server *s, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload,
               volatile sig_atomic_t *dump, const char *dump_path, const char *served_path);

#endif
