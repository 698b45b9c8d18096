/* cmd_report: `pvmon-allocator report` (being built). */
#include <stdio.h>

#include "cmd.h"

int report_cmd(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "pvmon-allocator report: not built yet\n");
	return 1;
}
