/*
 * Names and ids from config or MQTT can never make a topic or a path escape
 * its place: ids with '/', '+', '#', '..', NUL-cut or overlong are refused by
 * every loader and by the payload validator (docs/reliability.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "fleet.h"
#include "reading.h"
#include "util.h"

static const char *const bad_ids[] = {
    "a/b",  "+",  "#",        "gw+",
    "st#1", "..", ".",        "../etc",
    "a b",  "",   "\\u0000x", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 48 bytes */,
};

/* Copies tmpl into out with its @ID@ replaced by id. */
static void subst(char *out, size_t size, const char *tmpl, const char *id)
{
	const char *at = strstr(tmpl, "@ID@");
	snprintf(out, size, "%.*s%s%s", (int)(at - tmpl), tmpl, id, at + 4);
}

/* Writes text to a temp file; returns its path (static buffer). */
static const char *temp_json(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;
	snprintf(path, sizeof path, "/tmp/pvmon-ids.XXXXXX");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void gateway_station_and_device_ids_with_separators_are_refused_in_collector_json(void)
{
	static const char *const fmt[] = {
	    "{\"gateway\":\"@ID@\",\"broker\":{},\"spool\":{\"path\":\"s\"},\"buses\":[{\"id\":"
	    "\"b\","
	    "\"type\":\"tcp\",\"host\":\"h\",\"devices\":[{\"id\":\"d\",\"station\":\"s\",\"unit\":"
	    "1,"
	    "\"profile\":\"p\",\"kind\":\"meter\"}]}]}",
	    "{\"gateway\":\"g\",\"broker\":{},\"spool\":{\"path\":\"s\"},\"buses\":[{\"id\":\"b\","
	    "\"type\":\"tcp\",\"host\":\"h\",\"devices\":[{\"id\":\"@ID@\",\"station\":\"s\","
	    "\"unit\":1,"
	    "\"profile\":\"p\",\"kind\":\"meter\"}]}]}",
	    "{\"gateway\":\"g\",\"broker\":{},\"spool\":{\"path\":\"s\"},\"buses\":[{\"id\":\"b\","
	    "\"type\":\"tcp\",\"host\":\"h\",\"devices\":[{\"id\":\"d\",\"station\":\"@ID@\","
	    "\"unit\":1,"
	    "\"profile\":\"p\",\"kind\":\"meter\"}]}]}",
	};
	char text[1024];
	size_t i, j;
	for (j = 0; j < UTIL_ARRAY_LEN(fmt); j++) {
		struct collector_conf *c = NULL;
		char *cause = NULL;
		const char *path;
		subst(text, sizeof text, fmt[j], "good-id");
		path = temp_json(text);
		CHECK_INT(config_collector_load(path, &c, &cause), 0); /* the template is valid */
		unlink(path);
		config_collector_free(c);
		free(cause);
		for (i = 0; i < UTIL_ARRAY_LEN(bad_ids); i++) {
			c = NULL;
			cause = NULL;
			subst(text, sizeof text, fmt[j], bad_ids[i]);
			path = temp_json(text);
			if (config_collector_load(path, &c, &cause) == 0) {
				printf("  accepted id \"%s\" in template %zu\n", bad_ids[i], j);
				CHECK(0);
			}
			unlink(path);
			config_collector_free(c);
			free(cause);
		}
	}
}

static void village_and_station_ids_with_separators_are_refused_in_fleet_json(void)
{
	char text[1024];
	size_t i;
	for (i = 0; i < UTIL_ARRAY_LEN(bad_ids); i++) {
		struct fleet *f = NULL;
		char *cause = NULL;
		const char *path;
		snprintf(text, sizeof text,
		         "{\"county\":\"x\",\"townships\":[{\"id\":\"%s\",\"name\":\"T\"}],"
		         "\"villages\":[],\"tariffs\":[],\"stations\":[]}",
		         bad_ids[i]);
		path = temp_json(text);
		if (fleet_load(path, &f, &cause) == 0) {
			printf("  accepted township id \"%s\"\n", bad_ids[i]);
			CHECK(0);
		}
		unlink(path);
		fleet_free(f);
		free(cause);
	}
}

static void payloads_and_topics_with_such_ids_are_rejected(void)
{
	char json[512], cause[256], topic[256], gw[READING_ID_MAX], st[READING_ID_MAX],
	    dev[READING_ID_MAX];
	struct reading r;
	size_t i;
	int n;
	for (i = 0; i < UTIL_ARRAY_LEN(bad_ids); i++) {
		n = snprintf(json, sizeof json,
		             "{\"v\":1,\"gw\":\"g\",\"seq\":1,\"station\":\"%s\",\"device\":\"d\","
		             "\"kind\":\"meter\",\"ts\":1561091400000,\"state\":\"unknown\"}",
		             bad_ids[i]);
		if (reading_from_json(json, (size_t)n, INT64_C(1561091400000), &r, cause,
		                      sizeof cause) == 0) {
			printf("  payload accepted station \"%s\"\n", bad_ids[i]);
			CHECK(0);
		}
		snprintf(topic, sizeof topic, "pvmon/v1/g/%s/d/reading", bad_ids[i]);
		if (reading_topic_parse(topic, gw, st, dev) == 0) {
			printf("  topic accepted: %s\n", topic);
			CHECK(0);
		}
	}
	CHECK(reading_topic_parse("pvmon/v1/g/../d/reading", gw, st, dev) < 0);
	CHECK(reading_topic_parse("pvmon/v1/g/s/d/x/reading", gw, st, dev) < 0);
	CHECK(reading_topic_parse("pvmon/v1/g/s/d/reading/", gw, st, dev) < 0);
	CHECK_INT(reading_topic_parse("pvmon/v1/g/s/d/reading", gw, st, dev), 0);
}

int main(void)
{
	RUN(gateway_station_and_device_ids_with_separators_are_refused_in_collector_json);
	RUN(village_and_station_ids_with_separators_are_refused_in_fleet_json);
	RUN(payloads_and_topics_with_such_ids_are_rejected);
	return harness_end();
}
