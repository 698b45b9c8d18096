/* msg_ledger: the ledger area's part of the message catalogue (msg.h). */
#include "msg.h"

#include <stddef.h>

/* Keys are "ledger." followed by a dotted name; both languages always given. */
/* clang-format off */
const struct msg_entry msg_table_ledger[] = {
	{NULL, NULL, NULL},
};
/* clang-format on */
