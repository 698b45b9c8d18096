/*
 * fuzz_central_conf: the central file loader (central.json) on arbitrary
 * bytes. A load must succeed or fail with a cause, never crash or leak.
 */
#include <stdlib.h>

#include "config.h"
#include "fuzz.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOGL_ERROR);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("central.json", data, size);
	struct central_conf *c = NULL;
	char *cause = NULL;

	if (config_central_load(path, &c, &cause) < 0) {
		if (!cause || !*cause)
			fuzz_fail("a failed load gave no cause");
		free(cause);
		return 0;
	}
	if (!c->database || !c->fleet_path)
		fuzz_fail("a loaded central file has no database or fleet path");
	config_central_free(c);
	return 0;
}
