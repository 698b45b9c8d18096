/*
 * msg: the one message catalogue for user-facing text (reports, dashboard,
 * alerts, ledger statements). Chinese is the default language, English on
 * request. Logs, docs and code stay English and never go through here.
 */
#ifndef PVMON_MSG_H
#define PVMON_MSG_H

enum msg_lang { MSG_ZH, MSG_EN, MSG_LANG_COUNT };

/* One catalogue entry: a stable key and its text in each language. */
struct msg_entry {
	const char *key;
	const char *zh;
	const char *en;
};

/*
 * Parses "zh" or "en" (also "zh-CN", "en-US") into *out; returns 0, or -1 for
 * anything else.
 */
int msg_lang_parse(const char *s, enum msg_lang *out);

/* The language's code as written in config and on the command line ("zh", "en"). */
const char *msg_lang_code(enum msg_lang lang);

/*
 * The text of key in lang: static storage, never NULL. A key missing from
 * the catalogue returns the key itself, so a gap shows instead of crashing
 * (and test_msg checks that every key has both languages).
 */
const char *msg_get(enum msg_lang lang, const char *key);

/* Every table of the catalogue, each ended by an entry with key NULL, ended by NULL. */
extern const struct msg_entry *const msg_tables[];

#endif
