/*
 * rollcheck: recomputes the daily and hourly roll-ups of every device of the
 * fleet from its raw readings, one device after the other, and commits them.
 * usage: rollcheck central.json
 * The fault scenarios dump the roll-ups ingest wrote (several workers, kills,
 * restarts), run this, dump them again and compare: equal dumps say the
 * concurrent, incremental roll-ups are those of one sequential pass over the
 * readings. Works on SQLite and PostgreSQL (central.json's database). Prints
 * "devices N recomputed M" (M: devices with readings); exit 1 on an error.
 */
#include <stdint.h>
#include <stdio.h>

#include "cmd.h"
#include "config.h"
#include "fleet.h"
#include "ingest.h"
#include "rollup.h"
#include "store.h"

/* The bound ingest gives the roll-up: the device's nameplate, or its station's. */
static int64_t capacity(void *ctx, const char *station, const char *device)
{
	enum reading_kind kind;
	int64_t cap = 0;
	if (ingest_fleet_device(ctx, station, device, &kind, &cap) < 0)
		return 0;
	return cap;
}

int main(int argc, char **argv)
{
	struct central ct;
	struct rollup_conf rc = {0};
	struct rollup *ru;
	char *cause = NULL;
	int devices = 0, rebuilt = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: rollcheck central.json\n");
		return 2;
	}
	if (cmd_load_central(argv[1], 1, NULL, &ct, &cause) < 0) {
		fprintf(stderr, "rollcheck: %s\n", cause ? cause : "cannot load");
		cmd_central_release(&ct);
		return 1;
	}
	rc.expected_interval_s =
	    ct.conf->expected_interval_s > 0 ? ct.conf->expected_interval_s : 60;
	rc.capacity = capacity;
	rc.capacity_ctx = ct.fleet;
	ru = rollup_new(ct.store, &rc);
	if (store_begin(ct.store) < 0)
		goto fail;
	for (int i = 0; i < ct.fleet->n_stations; i++) {
		const struct fleet_station *st = &ct.fleet->stations[i];
		for (int k = 0; k < st->n_devices; k++) {
			if (rollup_rebuild(ru, st->id, st->devices[k].id) < 0)
				goto fail;
			devices++;
		}
	}
	if (rollup_flush(ru) < 0 || store_commit(ct.store) < 0)
		goto fail;
	{
		struct rollup_stats rs;
		rollup_stats(ru, &rs);
		rebuilt = (int)rs.recomputes;
	}
	printf("devices %d recomputed %d\n", devices, rebuilt);
	rollup_free(ru);
	cmd_central_release(&ct);
	return 0;
fail:
	fprintf(stderr, "rollcheck: %s\n", store_error(ct.store));
	store_rollback(ct.store);
	rollup_free(ru);
	cmd_central_release(&ct);
	return 1;
}
