/*
 * serve: the dashboard's HTTP server (docs/serve.md) on libmicrohttpd: pages,
 * the JSON API under /api/v1/, /metrics and report downloads, read only on
 * the store. conf and fleet are borrowed and must outlive the server.
 */
#ifndef PVMON_ALLOCATOR_SERVE_H
#define PVMON_ALLOCATOR_SERVE_H

#include "config.h"
#include "fleet.h"

struct serve; /* opaque */

/* Checks the database and starts listening; NULL and *cause (new string) on error. */
struct serve *serve_start(const struct central_conf *conf, const struct fleet *fleet, char **cause);
/* The port actually bound (the configured one, or the kernel's pick for port 0). */
int serve_port(const struct serve *sv);
/* Stops listening, waits for requests in flight, frees everything. NULL is accepted. */
void serve_stop(struct serve *sv);

#endif
