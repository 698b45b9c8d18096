/* Tests for msg: the catalogue is complete, its keys unique, and lookups fall back safely. */
#include <string.h>

#include "harness.h"
#include "msg.h"

static void every_key_has_text_in_both_languages(void)
{
	int entries = 0;
	for (int t = 0; msg_tables[t]; t++)
		for (const struct msg_entry *e = msg_tables[t]; e->key; e++) {
			entries++;
			if (!e->zh || !*e->zh || !e->en || !*e->en) {
				printf("  key \"%s\" lacks a language\n", e->key);
				CHECK(0);
			}
		}
	CHECK(entries > 0);
}

static void keys_are_unique_across_every_table(void)
{
	for (int t = 0; msg_tables[t]; t++)
		for (const struct msg_entry *e = msg_tables[t]; e->key; e++)
			for (int u = t; msg_tables[u]; u++)
				for (const struct msg_entry *f = u == t ? e + 1 : msg_tables[u];
				     f->key; f++)
					if (strcmp(e->key, f->key) == 0) {
						printf("  key \"%s\" appears twice\n", e->key);
						CHECK(0);
					}
}

static void a_lookup_returns_the_language_asked_for(void)
{
	CHECK_STR(msg_get(MSG_ZH, "lang.name"), "中文");
	CHECK_STR(msg_get(MSG_EN, "lang.name"), "English");
}

static void a_missing_key_returns_the_key_itself(void)
{
	CHECK_STR(msg_get(MSG_ZH, "no.such.key"), "no.such.key");
}

static void languages_parse_from_their_codes_and_nothing_else(void)
{
	enum msg_lang l = MSG_EN;
	CHECK_INT(msg_lang_parse("zh", &l), 0);
	CHECK_INT(l, MSG_ZH);
	CHECK_INT(msg_lang_parse("en-US", &l), 0);
	CHECK_INT(l, MSG_EN);
	CHECK_INT(msg_lang_parse("zh_CN", &l), 0);
	CHECK_INT(l, MSG_ZH);
	CHECK_INT(msg_lang_parse("fr", &l), -1);
	CHECK_INT(msg_lang_parse("", &l), -1);
	CHECK_INT(msg_lang_parse("english", &l), -1);
	CHECK_INT(msg_lang_parse(NULL, &l), -1);
	CHECK_STR(msg_lang_code(MSG_ZH), "zh");
	CHECK_STR(msg_lang_code(MSG_EN), "en");
}

int main(void)
{
	RUN(every_key_has_text_in_both_languages);
	RUN(keys_are_unique_across_every_table);
	RUN(a_lookup_returns_the_language_asked_for);
	RUN(a_missing_key_returns_the_key_itself);
	RUN(languages_parse_from_their_codes_and_nothing_else);
	return harness_end();
}
