/*
 * health: formats the status and health messages by hand (no allocation);
 * free text (a device's last error) is escaped, ids are safe by construction.
 */
#include "health.h"

#include <inttypes.h>
#include <stdio.h>

#include "util.h"

/* Appends s as a JSON string. */
static void put_str(char *buf, size_t size, size_t *n, const char *s)
{
	util_bufprintf(buf, size, n, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			util_bufprintf(buf, size, n, "\\%c", c);
		else if (c < 0x20)
			util_bufprintf(buf, size, n, "\\u%04x", c);
		else
			util_bufprintf(buf, size, n, "%c", c);
	}
	util_bufprintf(buf, size, n, "\"");
}

int health_status_json(char *buf, size_t size, const struct health_status *s)
{
	size_t n = 0;
	util_bufprintf(buf, size, &n,
	               "{\"v\":1,\"gw\":\"%s\",\"state\":\"%s\",\"version\":\"%s\",\"ts\":%" PRId64
	               ",\"started\":%" PRId64 ",\"backlog\":%" PRId64 ",\"spool_bytes\":%" PRId64
	               ",\"dropped\":%" PRId64 ",\"spool_min_seq\":%" PRIu64
	               ",\"next_seq\":%" PRIu64 ",\"acked\":%" PRIu64
	               ",\"devices\":%d,\"online\":%d,\"asleep\":%d,\"offline\":%d}",
	               s->gw, s->state, s->version, s->ts_ms, s->started_ms, s->spool.rows,
	               s->spool.bytes, s->spool.dropped, s->spool.min_seq, s->spool.next_seq,
	               s->acked, s->devices, s->online, s->asleep, s->offline);
	return n < size ? (int)n : -1;
}

int health_will_json(char *buf, size_t size, const char *gw)
{
	int n = snprintf(buf, size, "{\"v\":1,\"gw\":\"%s\",\"state\":\"offline\"}", gw);
	return n >= 0 && (size_t)n < size ? n : -1;
}

int health_device_json(char *buf, size_t size, const char *gw, const struct poll_health *h,
                       const struct poll_health *prev, int64_t ts_ms)
{
	size_t n = 0;
	int64_t polls = h->polls - prev->polls, ok = h->ok - prev->ok;
	util_bufprintf(buf, size, &n,
	               "{\"v\":1,\"gw\":\"%s\",\"station\":\"%s\",\"device\":\"%s\",\"ts\":%" PRId64
	               ",\"availability\":\"%s\",\"unit\":%d",
	               gw, h->station, h->device, ts_ms, poll_avail_name(h->avail), h->unit);
	if (h->map[0])
		util_bufprintf(buf, size, &n, ",\"map\":\"%s\"", h->map);
	util_bufprintf(buf, size, &n,
	               ",\"polls\":%" PRId64 ",\"ok\":%" PRId64 ",\"errors\":%" PRId64
	               ",\"timeouts\":%" PRId64 ",\"skipped\":%" PRId64
	               ",\"window_polls\":%" PRId64,
	               h->polls, h->ok, h->errors, h->timeouts, h->skipped, polls);
	if (polls > 0)
		util_bufprintf(buf, size, &n, ",\"success_ratio\":%.3f",
		               (double)ok / (double)polls);
	if (h->last_good_ts > 0)
		util_bufprintf(buf, size, &n, ",\"rtt_ms\":%.1f,\"last_good_ts\":%" PRId64,
		               (double)h->rtt_ms_x10 / 10.0, h->last_good_ts);
	util_bufprintf(buf, size, &n, ",\"backoff_ms\":%" PRId64, h->backoff_ms);
	if (h->last_error[0] && h->avail != AVAIL_ONLINE) {
		util_bufprintf(buf, size, &n, ",\"last_error\":");
		put_str(buf, size, &n, h->last_error);
	}
	util_bufprintf(buf, size, &n, "}");
	return n < size ? (int)n : -1;
}

int health_topic(char *buf, size_t size, const char *gw, const char *station, const char *device,
                 const char *leaf)
{
	int n = snprintf(buf, size, "pvmon/v1/%s/%s/%s/%s", gw, station, device, leaf);
	return n >= 0 && (size_t)n < size ? n : -1;
}
