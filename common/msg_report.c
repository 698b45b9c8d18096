/* msg_report: the report area's part of the message catalogue (msg.h). */
#include "msg.h"

#include <stddef.h>

/* Keys are "report." followed by a dotted name; both languages always given. */
/* clang-format off */
const struct msg_entry msg_table_report[] = {
	{"lang.name", "中文", "English"},
	{NULL, NULL, NULL},
};
/* clang-format on */
