/* msg_live: the live area's part of the message catalogue (msg.h). */
#include "msg.h"

#include <stddef.h>

/* Keys are "live." followed by a dotted name; both languages always given. */
/* clang-format off */
const struct msg_entry msg_table_live[] = {
	{NULL, NULL, NULL},
};
/* clang-format on */
