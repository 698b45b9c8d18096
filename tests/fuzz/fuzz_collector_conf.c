/*
 * fuzz_collector_conf: the gateway file loader (collector.json) on arbitrary
 * bytes, and a loaded file cross-checked against the example fleet. A load
 * must succeed or fail with a cause; ids that pass must be topic-safe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fleet.h"
#include "fuzz.h"
#include "log.h"
#include "util.h"

static struct fleet *fleet; /* config/fleet.json, for fleet_check_collector */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *path = xasprintf("%s/config/fleet.json", fuzz_root()), *cause = NULL;
	(void)argc;
	(void)argv;
	log_set_level(LOGL_ERROR);
	if (fleet_load(path, &fleet, &cause) < 0) {
		fprintf(stderr, "fuzz_collector_conf: %s\n", cause);
		exit(2);
	}
	free(path);
	return 0;
}

/* Every id a loaded gateway file holds must be a valid topic level. */
static void check_ids(const struct collector_conf *c)
{
	int i, j;
	if (!util_id_valid(c->gateway))
		fuzz_fail("gateway id \"%s\" was accepted", c->gateway);
	for (i = 0; i < c->n_buses; i++)
		for (j = 0; j < c->buses[i].n_devices; j++) {
			const struct device_conf *d = &c->buses[i].devices[j];
			if (!util_id_valid(d->id) || !util_id_valid(d->station))
				fuzz_fail("device \"%s\" of station \"%s\" was accepted", d->id,
				          d->station);
			if (d->unit < 1 || d->unit > 247)
				fuzz_fail("unit %d was accepted", d->unit);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("collector.json", data, size);
	struct collector_conf *c = NULL;
	char *cause = NULL;

	if (config_collector_load(path, &c, &cause) < 0) {
		if (!cause || !*cause)
			fuzz_fail("a failed load gave no cause");
		free(cause);
		return 0;
	}
	check_ids(c);
	if (fleet_check_collector(fleet, c, &cause) < 0)
		free(cause);
	config_collector_free(c);
	return 0;
}
