/*
 * fuzz_decode: what a device answers, through every shipped profile. Input
 * bytes become register words decoded by each resolved regmap, or a register
 * image that SunSpec discovery walks before decoding. Whatever a device says,
 * the reading the collector makes of it must be a valid contract payload.
 *
 * Input: byte 0 picks a case (a regmap, or discovery with a SunSpec profile);
 * for a regmap the rest are big-endian words, repeated to fill the reads; for
 * discovery byte 1 picks the base (bits 0-1) and makes reads at the first base
 * fail (bit 2), and the rest are the words of the image from that base on.
 * FUZZ_WRITE_SEEDS=DIR writes one valid input per case into DIR and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode.h"
#include "fuzz.h"
#include "log.h"
#include "profile.h"
#include "sunspec.h"
#include "util.h"

#define MAX_MAPS 64
#define MODEL_ADDR 40070 /* where a chain at 40000 puts the first model after model 1 */
#define NOW_MS INT64_C(1561091400000)

static struct profile_set *set;
static struct regmap maps[MAX_MAPS]; /* every fixed map, every SunSpec model at MODEL_ADDR */
static int n_maps;
static const struct profile *sunspec[8]; /* profiles whose map discovery finds */
static int n_sunspec;

/* The register image discovery reads, and which registers answer. */
static uint16_t image[65536];
static uint8_t readable[65536];

struct dev {
	uint16_t dead_base; /* reads at this base fail, as a timeout would */
	int dead;
};

/* Reads like a Modbus client: any register outside the image is an exception. */
static int image_read(void *ctx, uint16_t addr, int count, uint16_t *dest)
{
	const struct dev *d = ctx;
	int i;
	if (count < 1 || count > PROFILE_MAX_REGS || (uint32_t)addr + (uint32_t)count > 65536)
		fuzz_fail("discovery asked for %d registers at %u", count, (unsigned)addr);
	if (d->dead && addr == d->dead_base)
		return -1;
	for (i = 0; i < count; i++) {
		if (!readable[addr + i])
			return -1;
		dest[i] = image[addr + i];
	}
	return 0;
}

/* The decoded reading, given ids, must pass the same validation ingest applies. */
static void check_reading(const struct regmap *m, struct reading *r)
{
	char json[2048], cause[256];
	struct reading back;
	int n;

	util_strlcpy(r->gw, "gw-fuzz", sizeof r->gw);
	util_strlcpy(r->station, "st-fuzz", sizeof r->station);
	util_strlcpy(r->device, "inv01", sizeof r->device);
	r->seq = 1;
	r->ts_ms = NOW_MS;
	if (r->kind != m->kind || strcmp(r->map, m->map) != 0)
		fuzz_fail("decode of %s set kind %d, map \"%s\"", m->map, r->kind, r->map);
	n = reading_to_json(r, json, sizeof json);
	if (n < 0)
		fuzz_fail("a reading of %s does not fit in %zu bytes", m->map, sizeof json);
	if (reading_from_json(json, (size_t)n, NOW_MS, &back, cause, sizeof cause) < 0)
		fuzz_fail("the collector would publish a reading ingest rejects (%s): %s", cause,
		          json);
}

/* Decodes regs through m from an exactly-sized heap copy, so ASan sees any overread. */
static void decode_words(const struct regmap *m, const uint16_t *words, size_t n_words)
{
	uint16_t *regs = xmalloc((size_t)(m->n_regs > 0 ? m->n_regs : 1) * sizeof *regs);
	struct reading r;
	int i;

	for (i = 0; i < m->n_regs; i++)
		regs[i] = n_words ? words[(size_t)i % n_words] : 0;
	memset(&r, 0, sizeof r);
	decode_registers(m, regs, &r);
	check_reading(m, &r);
	free(regs);
}

/* Discovery over an image at base, then a decode of what the found map reads. */
static void discover(const struct profile *p, uint8_t flags, const uint16_t *words, size_t n)
{
	uint16_t bases[8], base, model_addr = 0, *regs = NULL;
	int nb = profile_sunspec_bases(p, bases, 8), model = 0, i, k = 0, ok = 1;
	struct dev d = {0, 0};
	struct regmap m;
	char *cause = NULL;
	size_t j;

	if (nb < 1)
		fuzz_fail("SunSpec profile %s has no bases", profile_name(p));
	base = bases[(flags & 3) % nb];
	d.dead = (flags & 4) != 0;
	d.dead_base = bases[0];
	for (j = 0; j < n && base + j < 65536; j++) {
		image[base + j] = words[j];
		readable[base + j] = 1;
	}
	if (sunspec_discover(p, image_read, &d, &model, &model_addr, &cause) < 0) {
		if (!cause || !*cause)
			fuzz_fail("failed discovery gave no cause");
		goto done;
	}
	if (!profile_has_model(p, model))
		fuzz_fail("discovery found model %d that %s does not map", model, profile_name(p));
	if (profile_resolve(p, model, model_addr, &m, &cause) < 0)
		goto done;
	regs = xmalloc((size_t)(m.n_regs > 0 ? m.n_regs : 1) * sizeof *regs);
	for (i = 0; i < m.n_reads && ok; i++) {
		if (m.reads[i].count < 1 || m.reads[i].count > PROFILE_MAX_REGS)
			fuzz_fail("%s: read %d has %u registers", m.map, i, m.reads[i].count);
		ok = image_read(&d, m.reads[i].addr, m.reads[i].count, regs + k) == 0;
		k += m.reads[i].count;
	}
	if (ok) {
		struct reading r;
		if (k != m.n_regs)
			fuzz_fail("%s: reads hold %d registers, n_regs says %d", m.map, k,
			          m.n_regs);
		memset(&r, 0, sizeof r);
		decode_registers(&m, regs, &r);
		check_reading(&m, &r);
	}
done:
	free(cause);
	free(regs);
	for (j = 0; j < n && base + j < 65536; j++) {
		image[base + j] = 0;
		readable[base + j] = 0;
	}
}

/* Collects a map into the table. */
static void add_map(const struct profile *p, int model, uint16_t addr)
{
	char *cause = NULL;
	if (n_maps == MAX_MAPS)
		return;
	if (profile_resolve(p, model, addr, &maps[n_maps], &cause) < 0) {
		fprintf(stderr, "fuzz_decode: %s model %d: %s\n", profile_name(p), model, cause);
		exit(2);
	}
	n_maps++;
}

/* A typical reading at noon, for the seeds. */
static void typical(struct reading *r, enum reading_kind kind)
{
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->state = STATE_PRODUCING;
	r->has = READING_HAS_POWER | READING_HAS_ENERGY | READING_HAS_TODAY | READING_HAS_TEMP |
	         READING_HAS_HZ | READING_HAS_ALARMS | READING_HAS_IMPORT;
	r->ac_power_w = 41230;
	r->energy_wh = 123456000;
	r->import_wh = 1500000;
	r->today_wh = 210000;
	r->temp_c = 41.5;
	r->grid_hz = 50.02;
	r->alarms = 0;
}

struct img {
	uint32_t lo, hi; /* registers written: [lo, hi) */
};

static void img_set(void *ctx, uint16_t addr, uint16_t value)
{
	struct img *g = ctx;
	image[addr] = value;
	if (addr < g->lo)
		g->lo = addr;
	if ((uint32_t)addr + 1 > g->hi)
		g->hi = (uint32_t)addr + 1;
}

/* Writes bytes into dir/name, or exits. */
static void seed_out(const char *dir, const char *name, const uint8_t *b, size_t n)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "fuzz_decode: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	free(path);
}

/* Writes one valid input per case: encoded typical readings and whole SunSpec chains. */
static void write_seeds(const char *dir)
{
	uint8_t buf[2 + 2 * 65536];
	int i, r, k;
	mkdir(dir, 0755);
	for (i = 0; i < n_maps; i++) {
		const struct regmap *m = &maps[i];
		struct img g = {65536, 0};
		struct reading rd;
		char name[96];
		size_t n = 1;
		typical(&rd, m->kind);
		decode_encode(m, &rd, img_set, &g);
		buf[0] = (uint8_t)i;
		for (r = 0; r < m->n_reads; r++)
			for (k = 0; k < m->reads[r].count; k++) {
				uint16_t w = image[m->reads[r].addr + k];
				buf[n++] = (uint8_t)(w >> 8);
				buf[n++] = (uint8_t)w;
			}
		snprintf(name, sizeof name, "map-%02d-%s", i, m->map);
		for (k = 0; name[k]; k++)
			if (name[k] == '@')
				name[k] = '-';
		seed_out(dir, name, buf, n);
		memset(image, 0, sizeof image);
	}
	for (i = 0; i < n_sunspec; i++) {
		const struct profile *p = sunspec[i];
		uint16_t bases[8];
		int nb = profile_sunspec_bases(p, bases, 8), b, model;
		for (model = 1; model < 65535; model++) {
			if (!profile_has_model(p, model))
				continue;
			for (b = 0; b < nb; b++) {
				struct img g = {65536, 0};
				struct regmap m;
				struct reading rd;
				uint16_t addr;
				char *cause = NULL, name[96];
				size_t n = 2;
				uint32_t a;
				if (sunspec_write_chain(p, bases[b], model, img_set, &g, &addr,
				                        &cause) < 0 ||
				    profile_resolve(p, model, addr, &m, &cause) < 0) {
					fprintf(stderr, "fuzz_decode: %s\n", cause);
					exit(2);
				}
				typical(&rd, m.kind);
				decode_encode(&m, &rd, img_set, &g);
				buf[0] = (uint8_t)(n_maps + i);
				buf[1] = (uint8_t)b;
				for (a = bases[b]; a < g.hi; a++) {
					buf[n++] = (uint8_t)(image[a] >> 8);
					buf[n++] = (uint8_t)image[a];
				}
				snprintf(name, sizeof name, "discover-%s-%d-at-%u", profile_name(p),
				         model, (unsigned)bases[b]);
				seed_out(dir, name, buf, n);
				memset(image, 0, sizeof image);
			}
		}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *dir = xasprintf("%s/config/profiles", fuzz_root()), *cause = NULL;
	const char *seeds = getenv("FUZZ_WRITE_SEEDS");
	size_t i;
	int model;
	(void)argc;
	(void)argv;
	log_set_level(LOGL_ERROR);
	set = profile_set_load(dir, &cause);
	if (!set) {
		fprintf(stderr, "fuzz_decode: %s\n", cause);
		exit(2);
	}
	free(dir);
	for (i = 0; i < profile_set_count(set); i++) {
		const struct profile *p = profile_set_at(set, i);
		if (!profile_is_sunspec(p)) {
			add_map(p, 0, 0);
			continue;
		}
		if (n_sunspec < 8)
			sunspec[n_sunspec++] = p;
		for (model = 1; model < 65535; model++)
			if (profile_has_model(p, model))
				add_map(p, model, MODEL_ADDR);
	}
	if (seeds && *seeds) {
		write_seeds(seeds);
		exit(0);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t *words;
	size_t n, hdr, i;
	int pick;

	if (size < 1)
		return 0;
	pick = data[0] % (n_maps + n_sunspec);
	hdr = pick < n_maps ? 1 : 2;
	if (size < hdr)
		return 0;
	n = (size - hdr) / 2;
	words = xmalloc((n ? n : 1) * sizeof *words);
	for (i = 0; i < n; i++)
		words[i] = (uint16_t)(data[hdr + 2 * i] << 8 | data[hdr + 2 * i + 1]);
	if (pick < n_maps)
		decode_words(&maps[pick], words, n);
	else
		discover(sunspec[pick - n_maps], data[1], words, n);
	free(words);
	return 0;
}
