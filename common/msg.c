/*
 * msg: looks keys up in the catalogue's tables. Each area of the product keeps
 * its own table file (msg_report.c, msg_live.c, msg_ledger.c) so that areas do
 * not edit one another's text; keys are unique across all of them.
 */
#include "msg.h"

#include <string.h>

extern const struct msg_entry msg_table_report[];
extern const struct msg_entry msg_table_live[];
extern const struct msg_entry msg_table_ledger[];

const struct msg_entry *const msg_tables[] = {msg_table_report, msg_table_live, msg_table_ledger,
                                              NULL};

int msg_lang_parse(const char *s, enum msg_lang *out)
{
	if (!s)
		return -1;
	if (strcmp(s, "zh") == 0 || strncmp(s, "zh-", 3) == 0 || strncmp(s, "zh_", 3) == 0) {
		*out = MSG_ZH;
		return 0;
	}
	if (strcmp(s, "en") == 0 || strncmp(s, "en-", 3) == 0 || strncmp(s, "en_", 3) == 0) {
		*out = MSG_EN;
		return 0;
	}
	return -1;
}

const char *msg_lang_code(enum msg_lang lang)
{
	return lang == MSG_EN ? "en" : "zh";
}

/* Linear search: the catalogue is a few hundred keys, looked up while rendering. */
const char *msg_get(enum msg_lang lang, const char *key)
{
	for (int t = 0; msg_tables[t]; t++)
		for (const struct msg_entry *e = msg_tables[t]; e->key; e++)
			if (strcmp(e->key, key) == 0) {
				const char *s = lang == MSG_EN ? e->en : e->zh;
				return s ? s : key;
			}
	return key;
}
