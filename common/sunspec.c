/*
 * sunspec: finds a device's SunSpec model by walking the model chain through
 * a read callback, and writes such a chain for servers (the simulator).
 * The walk is bounded: a device's broken chain must never loop or overflow.
 */
#include "sunspec.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

#define MARK_HI 0x5375 /* "Su" */
#define MARK_LO 0x6E53 /* "nS" */
#define END_ID 0xFFFF
#define COMMON_LEN 66
#define MAX_BASES 8
#define DEFAULT_MAX_MODELS 64

/* Writes the bases as "40000, 0 or 50000". */
static void list_bases(const uint16_t *b, int n, char *buf, size_t size)
{
	size_t k = 0;
	int i;
	buf[0] = 0;
	for (i = 0; i < n && k < size; i++)
		k += (size_t)snprintf(buf + k, size - k, "%s%u",
		                      i == 0 ? "" : (i == n - 1 ? " or " : ", "), (unsigned)b[i]);
}

/*
 * Walks the chain after the marker at base. Returns 1 and sets the model on a
 * hit, 0 when the chain ends with no mapped model, -1 on a broken chain or a
 * failed read (why in msg).
 */
static int walk(const struct profile *p,
                int (*read)(void *ctx, uint16_t addr, int count, uint16_t *dest), void *ctx,
                uint16_t base, int *model_id, uint16_t *model_addr, char *seen, size_t seen_size,
                char *msg, size_t msg_size)
{
	uint32_t addr = (uint32_t)base + 2;
	size_t k = 0;
	int i;

	seen[0] = 0;
	for (i = 0; i < DEFAULT_MAX_MODELS; i++) {
		uint16_t hdr[2];
		int want;
		if (addr + 2 > 65536) {
			snprintf(msg, msg_size, "the model chain at %u runs past register 65535",
			         (unsigned)base);
			return -1;
		}
		if (read(ctx, (uint16_t)addr, 2, hdr) < 0) {
			snprintf(msg, msg_size, "reading the model header at %u failed",
			         (unsigned)addr);
			return -1;
		}
		if (hdr[0] == END_ID)
			return 0;
		if (k < seen_size)
			k += (size_t)snprintf(seen + k, seen_size - k, "%s%u", k ? ", " : "",
			                      (unsigned)hdr[0]);
		if (profile_has_model(p, hdr[0])) {
			want = profile_model_length(p, hdr[0]);
			if (hdr[1] < want) {
				snprintf(msg, msg_size,
				         "model %u at %u has length %u, expected at least %d",
				         (unsigned)hdr[0], (unsigned)addr, (unsigned)hdr[1], want);
				return -1;
			}
			*model_id = hdr[0];
			*model_addr = (uint16_t)addr;
			return 1;
		}
		addr += 2 + (uint32_t)hdr[1];
	}
	snprintf(msg, msg_size, "more than %d models in the chain at %u", DEFAULT_MAX_MODELS,
	         (unsigned)base);
	return -1;
}

int sunspec_discover(const struct profile *p,
                     int (*read)(void *ctx, uint16_t addr, int count, uint16_t *dest), void *ctx,
                     int *model_id, uint16_t *model_addr, char **cause)
{
	uint16_t bases[MAX_BASES];
	char blist[128], failed[256] = "", msg[256] = "", seen[256];
	size_t fk = 0;
	int n, i, rc;

	if (!profile_is_sunspec(p)) {
		*cause = xasprintf("profile %s is not a SunSpec profile", profile_name(p));
		return -1;
	}
	n = profile_sunspec_bases(p, bases, MAX_BASES);
	list_bases(bases, n, blist, sizeof blist);
	for (i = 0; i < n; i++) {
		uint16_t mark[2];
		if (read(ctx, bases[i], 2, mark) < 0) {
			if (fk < sizeof failed)
				fk += (size_t)snprintf(failed + fk, sizeof failed - fk, "%s%u",
				                       fk ? ", " : "", (unsigned)bases[i]);
			continue;
		}
		if (mark[0] != MARK_HI || mark[1] != MARK_LO)
			continue;
		rc = walk(p, read, ctx, bases[i], model_id, model_addr, seen, sizeof seen, msg,
		          sizeof msg);
		if (rc == 1)
			return 0;
		if (rc == 0) {
			*cause =
			    xasprintf("SunSpec chain at %u holds no model profile %s maps "
			              "(models: %s)",
			              (unsigned)bases[i], profile_name(p), seen[0] ? seen : "none");
			return -1;
		}
		*cause = xasprintf("SunSpec: %s", msg);
		return -1;
	}
	if (fk)
		*cause = xasprintf("no SunSpec marker at %s (read failed at %s)", blist, failed);
	else
		*cause = xasprintf("no SunSpec marker at %s", blist);
	return -1;
}

/* Writes an ASCII string into n registers, two characters each, NUL padded. */
static void put_string(uint16_t addr, int n, const char *s,
                       void (*set)(void *ctx, uint16_t addr, uint16_t value), void *ctx)
{
	size_t len = strlen(s);
	int i;
	for (i = 0; i < n; i++) {
		size_t a = (size_t)i * 2;
		uint16_t hi = a < len ? (uint8_t)s[a] : 0, lo = a + 1 < len ? (uint8_t)s[a + 1] : 0;
		set(ctx, (uint16_t)(addr + i), (uint16_t)(hi << 8 | lo));
	}
}

int sunspec_write_chain(const struct profile *p, uint16_t base, int model_id,
                        void (*set)(void *ctx, uint16_t addr, uint16_t value), void *ctx,
                        uint16_t *model_addr, char **cause)
{
	int len = profile_model_length(p, model_id);
	uint32_t m = (uint32_t)base + 2 + 2 + COMMON_LEN;
	uint32_t end = m + 2 + (uint32_t)(len > 0 ? len : 0);

	if (!profile_is_sunspec(p) || !profile_has_model(p, model_id)) {
		*cause = xasprintf("profile %s does not map SunSpec model %d", profile_name(p),
		                   model_id);
		return -1;
	}
	if (end + 2 > 65536) {
		*cause = xasprintf("a SunSpec chain at %u for model %d runs past register 65535",
		                   (unsigned)base, model_id);
		return -1;
	}
	set(ctx, base, MARK_HI);
	set(ctx, (uint16_t)(base + 1), MARK_LO);
	set(ctx, (uint16_t)(base + 2), 1);
	set(ctx, (uint16_t)(base + 3), COMMON_LEN);
	put_string((uint16_t)(base + 4), 16, "pvmon", set, ctx);      /* Mn */
	put_string((uint16_t)(base + 20), 16, "pvmon-sim", set, ctx); /* Md */
	put_string((uint16_t)(base + 36), 8, "", set, ctx);           /* Opt */
	put_string((uint16_t)(base + 44), 8, "1", set, ctx);          /* Vr */
	put_string((uint16_t)(base + 52), 16, "0", set, ctx);         /* SN */
	set(ctx, (uint16_t)(base + 68), 1);                           /* DA */
	set(ctx, (uint16_t)(base + 69), 0x8000);                      /* Pad */
	set(ctx, (uint16_t)m, (uint16_t)model_id);
	set(ctx, (uint16_t)(m + 1), (uint16_t)len);
	set(ctx, (uint16_t)end, END_ID);
	set(ctx, (uint16_t)(end + 1), 0);
	*model_addr = (uint16_t)m;
	return 0;
}
