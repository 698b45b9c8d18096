/*
 * fuzz_payload: the MQTT side of ingest: a topic (the input's first line)
 * and a payload (the rest) through reading_topic_parse and reading_from_json.
 * What passes must be topic-safe and must survive a round trip unchanged.
 */
#include <string.h>

#include "fuzz.h"
#include "reading.h"
#include "util.h"

#define NOW_MS INT64_C(1561091400000) /* 2019-06-21 12:30 +08:00 */

/* The ids of an accepted topic or payload must be valid, non-empty topic levels. */
static void check_ids(const char *gw, const char *station, const char *device)
{
	if (!util_id_valid(gw) || !util_id_valid(station) || !util_id_valid(device))
		fuzz_fail("ids \"%s\" \"%s\" \"%s\" were accepted", gw, station, device);
	if (strpbrk(gw, "/+#") || strpbrk(station, "/+#") || strpbrk(device, "/+#"))
		fuzz_fail("an id with a topic separator or wildcard was accepted");
}

/* A topic that parsed is rebuilt exactly from its ids. */
static void check_topic(const char *topic)
{
	char gw[READING_ID_MAX], st[READING_ID_MAX], dev[READING_ID_MAX], again[256];
	struct reading r;

	if (reading_topic_parse(topic, gw, st, dev) < 0)
		return;
	check_ids(gw, st, dev);
	memset(&r, 0, sizeof r);
	util_strlcpy(r.gw, gw, sizeof r.gw);
	util_strlcpy(r.station, st, sizeof r.station);
	util_strlcpy(r.device, dev, sizeof r.device);
	if (reading_topic(&r, again, sizeof again) < 0 || strcmp(again, topic) != 0)
		fuzz_fail("topic \"%s\" came back as \"%s\"", topic, again);
}

/* An accepted payload, written out and parsed again, gives the same JSON. */
static void check_payload(const struct reading *r)
{
	char one[2048], two[2048], cause[256], topic[256];
	char gw[READING_ID_MAX], st[READING_ID_MAX], dev[READING_ID_MAX];
	struct reading back;
	int n1, n2;

	check_ids(r->gw, r->station, r->device);
	n1 = reading_to_json(r, one, sizeof one);
	if (n1 < 0)
		fuzz_fail("an accepted reading does not fit in %zu bytes", sizeof one);
	if (reading_from_json(one, (size_t)n1, NOW_MS, &back, cause, sizeof cause) < 0)
		fuzz_fail("our own JSON is rejected (%s): %s", cause, one);
	n2 = reading_to_json(&back, two, sizeof two);
	if (n2 != n1 || memcmp(one, two, (size_t)n1) != 0)
		fuzz_fail("round trip changed the reading:\n%s\n%s", one, two);
	if (reading_topic(r, topic, sizeof topic) < 0 ||
	    reading_topic_parse(topic, gw, st, dev) < 0 || strcmp(gw, r->gw) != 0 ||
	    strcmp(st, r->station) != 0 || strcmp(dev, r->device) != 0)
		fuzz_fail("the topic of an accepted reading does not parse back: %s", topic);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t tlen = nl ? (size_t)(nl - data) : 0;
	const char *payload = nl ? (const char *)nl + 1 : (const char *)data;
	size_t plen = nl ? size - tlen - 1 : size;
	char topic[512], cause[256];
	struct reading r;

	/* MQTT topics are NUL-free UTF-8 strings: the broker hands over a C string */
	if (tlen < sizeof topic && !memchr(data, '\0', tlen)) {
		memcpy(topic, data, tlen);
		topic[tlen] = '\0';
		check_topic(topic);
	}
	if (reading_from_json(payload, plen, NOW_MS, &r, cause, sizeof cause) == 0)
		check_payload(&r);
	else if (!cause[0])
		fuzz_fail("a rejected payload gave no reason");
	return 0;
}
