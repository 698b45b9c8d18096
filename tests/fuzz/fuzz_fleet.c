/*
 * fuzz_fleet: the fleet file loader (fleet.json) on arbitrary bytes; a loaded
 * fleet is then looked up by every id it holds and cross-checked against the
 * example gateway file. Ids that pass must be topic-safe.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "fleet.h"
#include "fuzz.h"
#include "log.h"
#include "util.h"

static struct collector_conf *gateway; /* config/collector.json */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *path = xasprintf("%s/config/collector.json", fuzz_root()), *cause = NULL;
	(void)argc;
	(void)argv;
	log_set_level(LOGL_ERROR);
	if (config_collector_load(path, &gateway, &cause) < 0) {
		fprintf(stderr, "fuzz_fleet: %s\n", cause);
		exit(2);
	}
	free(path);
	return 0;
}

/* Looks up everything the fleet holds; each lookup must find what was loaded. */
static void check_fleet(const struct fleet *f)
{
	int i, j;
	for (i = 0; i < f->n_villages; i++) {
		if (!util_id_valid(f->villages[i].id))
			fuzz_fail("village id \"%s\" was accepted", f->villages[i].id);
		if (fleet_village_index(f, f->villages[i].id) != i)
			fuzz_fail("village \"%s\" is not found at its index", f->villages[i].id);
		if (f->villages[i].township < 0 || f->villages[i].township >= f->n_townships)
			fuzz_fail("village \"%s\" names township %d of %d", f->villages[i].id,
			          f->villages[i].township, f->n_townships);
	}
	for (i = 0; i < f->n_stations; i++) {
		const struct fleet_station *s = &f->stations[i];
		if (!util_id_valid(s->id))
			fuzz_fail("station id \"%s\" was accepted", s->id);
		if (fleet_station_index(f, s->id) != i)
			fuzz_fail("station \"%s\" is not found at its index", s->id);
		if (s->tariff < 0 || s->tariff >= f->n_tariffs)
			fuzz_fail("station \"%s\" names tariff %d of %d", s->id, s->tariff,
			          f->n_tariffs);
		for (j = 0; j < s->n_devices; j++)
			if (fleet_device_find(f, s->id, s->devices[j].id) == NULL)
				fuzz_fail("device \"%s\" of \"%s\" is not found", s->devices[j].id,
				          s->id);
		for (j = 0; j < s->n_shares; j++) {
			const struct fleet_share *sh = &s->shares[j];
			if (sh->village < 0 || sh->village >= f->n_villages)
				fuzz_fail("a share of \"%s\" names village %d of %d", s->id,
				          sh->village, f->n_villages);
			if (sh->weight < 1 || sh->weight > FLEET_WEIGHT_MAX)
				fuzz_fail("a share of \"%s\" has weight %lld", s->id,
				          (long long)sh->weight);
		}
	}
	fleet_station_index(f, "no-such-station");
	fleet_device_find(f, "no-such-station", "meter");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("fleet.json", data, size);
	struct fleet *f = NULL;
	char *cause = NULL;

	if (fleet_load(path, &f, &cause) < 0) {
		if (!cause || !*cause)
			fuzz_fail("a failed load gave no cause");
		free(cause);
		return 0;
	}
	check_fleet(f);
	if (fleet_check_collector(f, gateway, &cause) < 0)
		free(cause);
	fleet_free(f);
	return 0;
}
