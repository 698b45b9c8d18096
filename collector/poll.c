/*
 * poll: the bus owner. One thread per bus polls its devices in turn, so a
 * slow or dead slave costs the others at most its own single timeout. It
 * never writes to a device (bus_read only reads) and never allocates per poll.
 */
#include "decode.h"
#include "poll.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "bus.h"
#include "log.h"
#include "sanity.h"
#include "sunspec.h"
#include "util.h"

#define POLL_STACK_BYTES (512 * 1024)

struct dev {
	const struct device_conf *c;
	const struct profile *profile;
	int resolved;             /* map points to a usable regmap */
	const struct regmap *map; /* a fixed map shared by its profile's devices, or own */
	struct regmap *own;       /* SunSpec: this device's map, found by discovery */
	struct backoff bo;
	struct sanity energy, import;
	/* what the last good reading said, to tell asleep from offline */
	int had_good;
	enum reading_state last_state;
	int64_t last_power_w;
	int64_t down_since_ms; /* mono ms of the first failure of the current outage */
	int link_fail;         /* the last failure was the line, not the device */
	struct log_rate rate;
	struct poll_health h; /* guarded by poller.lock */
};

struct poller {
	const struct bus_conf *c;
	struct poll_opts o;
	struct bus *bus;
	struct dev *devs;
	int n;
	struct reading *round; /* one reading per device, reused every round */
	uint16_t *regs;        /* the largest map's n_regs (PROFILE_MAX_READS x PROFILE_MAX_REGS
	                          when a SunSpec map is found only by discovery) */
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop, done;
	_Atomic unsigned avail_version; /* read without the lock: main asks every turn */
	int any_link_fail;              /* some device last failed because the line was down */
	int link_errno; /* why the line was down, for the devices skipped because of it */
};

/*
 * Fixed maps resolved once per profile and shared by all its devices on all
 * buses: a regmap is about 2.7 KB, and a gateway may poll hundreds of devices
 * of one family. Counted references; the profile set outlives every poller.
 */
struct shared_map {
	const struct profile *profile;
	struct regmap m;
	int refs;
	struct shared_map *next;
};
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shared_map *shared_maps;

/* The resolved fixed map of profile pr (a new reference), or NULL and *why. */
static const struct regmap *shared_map_get(const struct profile *pr, char **why)
{
	struct shared_map *m;
	pthread_mutex_lock(&shared_lock);
	for (m = shared_maps; m; m = m->next)
		if (m->profile == pr) {
			m->refs++;
			goto done;
		}
	m = xcalloc(1, sizeof *m);
	if (profile_resolve(pr, 0, 0, &m->m, why) < 0) {
		free(m);
		m = NULL;
		goto done;
	}
	m->profile = pr;
	m->refs = 1;
	m->next = shared_maps;
	shared_maps = m;
done:
	pthread_mutex_unlock(&shared_lock);
	return m ? &m->m : NULL;
}

/* Drops a reference taken by shared_map_get; accepts NULL. */
static void shared_map_put(const struct regmap *map)
{
	struct shared_map **pp, *m;
	if (!map)
		return;
	pthread_mutex_lock(&shared_lock);
	for (pp = &shared_maps; (m = *pp); pp = &m->next)
		if (&m->m == map) {
			if (--m->refs == 0) {
				*pp = m->next;
				free(m);
			}
			break;
		}
	pthread_mutex_unlock(&shared_lock);
}

const char *poll_avail_name(enum poll_avail a)
{
	switch (a) {
	case AVAIL_ONLINE:
		return "online";
	case AVAIL_ASLEEP:
		return "asleep";
	case AVAIL_OFFLINE:
		return "offline";
	default:
		return "unknown";
	}
}

/* Writes the names of every profile of s, comma-separated, into buf. */
static void profile_names(const struct profile_set *s, char *buf, size_t size)
{
	size_t i, n = 0;
	buf[0] = '\0';
	for (i = 0; i < profile_set_count(s); i++)
		util_bufprintf(buf, size, &n, "%s%s", i ? ", " : "",
		               profile_name(profile_set_at(s, i)));
	if (n >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

struct poller *poll_new(const struct bus_conf *c, const struct poll_opts *o, char **cause)
{
	struct poller *p = xcalloc(1, sizeof *p);
	int i, n_regs = 0;

	p->c = c;
	p->o = *o;
	p->n = c->n_devices;
	p->devs = xcalloc((size_t)(p->n ? p->n : 1), sizeof *p->devs);
	p->round = xcalloc((size_t)(p->n ? p->n : 1), sizeof *p->round);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (i = 0; i < p->n; i++) {
		struct dev *d = &p->devs[i];
		char *why = NULL;
		d->c = &c->devices[i];
		d->profile = profile_set_find(o->profiles, d->c->profile);
		if (!d->profile) {
			char known[512];
			profile_names(o->profiles, known, sizeof known);
			*cause = xasprintf("bus \"%s\": device \"%s/%s\": unknown profile \"%s\" "
			                   "(known: %s)",
			                   c->id, d->c->station, d->c->id, d->c->profile, known);
			goto fail;
		}
		if (profile_kind(d->profile) >= 0 && profile_kind(d->profile) != (int)d->c->kind) {
			/* it would publish readings of the other kind, which ingest refuses */
			*cause = xasprintf(
			    "bus \"%s\": device \"%s/%s\": profile \"%s\" describes a %s, but the "
			    "device's kind is %s: check the profile",
			    c->id, d->c->station, d->c->id, d->c->profile,
			    reading_kind_name((enum reading_kind)profile_kind(d->profile)),
			    reading_kind_name(d->c->kind));
			goto fail;
		}
		if (!profile_is_sunspec(d->profile)) {
			d->map = shared_map_get(d->profile, &why);
			if (!d->map) {
				*cause = xasprintf("bus \"%s\": device \"%s/%s\": %s", c->id,
				                   d->c->station, d->c->id, why ? why : "?");
				free(why);
				goto fail;
			}
			d->resolved = 1;
			util_strlcpy(d->h.map, d->map->map, sizeof d->h.map);
		}
		/* first retry after one interval, doubling to the bus's cap, 20% jitter */
		backoff_init(&d->bo, o->interval_ms,
		             c->backoff_max_ms > 0 ? c->backoff_max_ms : 300000, 20,
		             (uint32_t)(i * 2654435761u + 1));
		util_strlcpy(d->h.station, d->c->station, sizeof d->h.station);
		util_strlcpy(d->h.device, d->c->id, sizeof d->h.device);
		d->h.unit = d->c->unit;
	}
	/* a bus thread per endpoint adds up: size the buffer for the maps it will decode */
	for (i = 0; i < p->n; i++) {
		int need = p->devs[i].resolved ? p->devs[i].map->n_regs
		                               : PROFILE_MAX_READS * PROFILE_MAX_REGS;
		if (need > n_regs)
			n_regs = need;
	}
	p->regs = xcalloc((size_t)(n_regs > 0 ? n_regs : 1), sizeof *p->regs);
	p->bus = bus_new(c, cause);
	if (!p->bus)
		goto fail;
	return p;
fail:
	poll_free(p);
	return NULL;
}

/*
 * 1 when an inverter that stopped answering is most likely asleep: it was
 * sleeping or idle, or its power was fading (sunset). The gateway's clock is
 * not trusted for this (its time zone is often UTC); an inverter never heard
 * since start is offline until it first answers.
 */
static int looks_asleep(const struct dev *d)
{
	if (d->c->kind != READING_INVERTER)
		return 0;
	if (d->h.avail == AVAIL_ASLEEP)
		return 1;
	if (d->had_good) {
		int64_t low = d->c->capacity_w > 0 ? d->c->capacity_w / 20 : 100;
		switch (d->last_state) {
		case STATE_SLEEPING:
		case STATE_STANDBY:
		case STATE_OFF:
		case STATE_STARTING:
			return 1;
		default:
			break;
		}
		if (d->last_power_w <= low)
			return 1;
	}
	return 0;
}

struct discover_ctx {
	struct bus *bus;
	int unit;
	int err;
};

/* The read callback SunSpec discovery uses: holding registers through bus_read. */
static int discover_read(void *ctx, uint16_t addr, int count, uint16_t *dest)
{
	struct discover_ctx *dc = ctx;
	if (bus_read(dc->bus, dc->unit, 3, addr, count, dest) < 0) {
		dc->err = errno;
		return -1;
	}
	return 0;
}

/* Finds a SunSpec device's model and resolves its map; -1 with errno or *cause. */
static int discover(struct poller *p, struct dev *d, char **cause)
{
	struct discover_ctx dc = {p->bus, d->c->unit, 0};
	int model = 0;
	uint16_t addr = 0;
	if (sunspec_discover(d->profile, discover_read, &dc, &model, &addr, cause) < 0) {
		errno = dc.err ? dc.err : EPROTO;
		return -1;
	}
	if (!d->own)
		d->own = xcalloc(1, sizeof *d->own);
	if (profile_resolve(d->profile, model, addr, d->own, cause) < 0) {
		errno = EINVAL;
		return -1;
	}
	d->map = d->own;
	if (d->map->kind != d->c->kind) {
		*cause = xasprintf("SunSpec model %d at %u is a %s, but the device's kind is %s: "
		                   "check the profile and the unit id",
		                   model, addr, reading_kind_name(d->map->kind),
		                   reading_kind_name(d->c->kind));
		errno = EINVAL;
		return -1;
	}
	d->resolved = 1;
	log_info("device %s/%s (bus %s unit %d): SunSpec model %d at %u: %s", d->c->station,
	         d->c->id, p->c->id, d->c->unit, model, addr, d->map->map);
	return 0;
}

/*
 * Reads every request of the device's map into p->regs; -1 with errno. A
 * request refused with "illegal data address" does not stop the others:
 * *refused counts them, so a profile that fits nothing on the device (every
 * request refused) can be told from one register block a model lacks.
 */
static int read_all(struct poller *p, struct dev *d, int *refused)
{
	int i, off = 0, bad = 0;
	*refused = 0;
	for (i = 0; i < d->map->n_reads; i++) {
		const struct regread *rr = &d->map->reads[i];
		if (bus_read(p->bus, d->c->unit, d->map->fc, rr->addr, rr->count, p->regs + off) <
		    0) {
			if (!bus_err_is_bad_address(errno))
				return -1;
			bad = errno;
			(*refused)++;
		}
		off += rr->count;
	}
	if (*refused) {
		errno = bad;
		return -1;
	}
	return 0;
}

/* Sets the device's availability, logging transitions once (never per poll). */
static void set_avail(struct poller *p, struct dev *d, enum poll_avail a, int64_t mono,
                      const char *why)
{
	enum poll_avail was = d->h.avail;
	if (a == was)
		return;
	if (a == AVAIL_ONLINE) {
		if (was == AVAIL_ASLEEP)
			log_info("device %s/%s (bus %s unit %d): awake", d->c->station, d->c->id,
			         p->c->id, d->c->unit);
		else if (was == AVAIL_OFFLINE)
			log_info("device %s/%s (bus %s unit %d): answering again after %" PRId64
			         " s",
			         d->c->station, d->c->id, p->c->id, d->c->unit,
			         (mono - d->down_since_ms) / 1000);
	} else if (a == AVAIL_ASLEEP) {
		log_info("device %s/%s (bus %s unit %d): not answering (%s): asleep", d->c->station,
		         d->c->id, p->c->id, d->c->unit, why);
	} else if (p->o.once) {
		/* one round only: nothing will be retried */
		log_warn("device %s/%s (bus %s unit %d): not answering (%s): offline",
		         d->c->station, d->c->id, p->c->id, d->c->unit, why);
	} else {
		log_warn("device %s/%s (bus %s unit %d): not answering (%s): offline, retrying up "
		         "to every %d s",
		         d->c->station, d->c->id, p->c->id, d->c->unit, why,
		         (int)(d->bo.max_ms / 1000));
	}
	pthread_mutex_lock(&p->lock);
	d->h.avail = a;
	d->h.avail_version++;
	p->avail_version++;
	pthread_mutex_unlock(&p->lock);
}

/* Fills the parts of a reading every outcome shares. */
static void reading_base(struct poller *p, const struct dev *d, struct reading *r, int64_t ts)
{
	memset(r, 0, sizeof *r);
	util_strlcpy(r->gw, p->o.gateway, sizeof r->gw);
	util_strlcpy(r->station, d->c->station, sizeof r->station);
	util_strlcpy(r->device, d->c->id, sizeof r->device);
	r->kind = d->c->kind;
	r->ts_ms = ts;
	if (d->resolved)
		util_strlcpy(r->map, d->map->map, sizeof r->map);
}

/* A reading for a device that did not answer (or was not asked): no values. */
static void reading_silent(const struct dev *d, struct reading *r)
{
	r->state = d->h.avail == AVAIL_ASLEEP ? STATE_SLEEPING : STATE_OFFLINE;
	r->has = 0;
}

/* Polls one device into r. Never takes longer than the device's own timeouts. */
static void poll_device(struct poller *p, struct dev *d, struct reading *r, int *link_down)
{
	int64_t ts = util_now_ms(), mono = util_mono_ms(), t0, t1;
	char *why = NULL;
	int err, ok, refused = 0;

	reading_base(p, d, r, ts);
	if (*link_down) {
		/* the line is down this round: do not pay its timeout once per device */
		d->link_fail = 1;
		p->any_link_fail = 1;
		if (d->h.avail == AVAIL_ONLINE || d->h.avail == AVAIL_UNKNOWN)
			d->down_since_ms = mono;
		set_avail(p, d, looks_asleep(d) ? AVAIL_ASLEEP : AVAIL_OFFLINE, mono, "line down");
	}
	if (!backoff_due(&d->bo, mono) || *link_down) {
		reading_silent(d, r);
		pthread_mutex_lock(&p->lock);
		d->h.skipped++;
		if (*link_down) {
			d->h.last_errno = p->link_errno;
			d->h.refused_reads = d->h.n_reads = 0;
			snprintf(d->h.last_error, sizeof d->h.last_error, "line down: %s",
			         bus_strerror(p->link_errno));
		}
		pthread_mutex_unlock(&p->lock);
		return;
	}
	t0 = util_mono_ms();
	ok = (d->resolved || discover(p, d, &why) == 0) && read_all(p, d, &refused) == 0;
	err = errno;
	t1 = util_mono_ms();
	if (ok) {
		decode_registers(d->map, p->regs, r);
		util_strlcpy(r->map, d->map->map, sizeof r->map);
		if (r->has & READING_HAS_ENERGY)
			r->quality |= sanity_check(&d->energy, r->energy_wh, ts, d->c->capacity_w);
		if (r->has & READING_HAS_IMPORT)
			r->quality |= sanity_check(&d->import, r->import_wh, ts, d->c->capacity_w);
		if (p->any_link_fail) {
			/* the line is back: devices that failed only because of it may try now */
			int i;
			for (i = 0; i < p->n; i++)
				if (p->devs[i].link_fail) {
					p->devs[i].link_fail = 0;
					backoff_ok(&p->devs[i].bo);
				}
			p->any_link_fail = 0;
		}
		d->had_good = 1;
		d->last_state = r->state;
		d->last_power_w = (r->has & READING_HAS_POWER) ? r->ac_power_w : 0;
		backoff_ok(&d->bo);
		set_avail(p, d, AVAIL_ONLINE, mono, NULL);
		pthread_mutex_lock(&p->lock);
		d->h.polls++;
		d->h.ok++;
		d->h.last_good_ts = ts;
		d->h.backoff_ms = 0;
		d->h.rtt_ms_x10 = (t1 - t0) * 10 / (d->map->n_reads > 0 ? d->map->n_reads : 1);
		util_strlcpy(d->h.map, d->map->map, sizeof d->h.map);
		d->h.last_errno = 0;
		d->h.refused_reads = 0;
		d->h.n_reads = d->map->n_reads;
		d->h.last = *r;
		pthread_mutex_unlock(&p->lock);
		return;
	}
	/* no usable answer */
	{
		int timeout = bus_err_is_timeout(err), link = bus_err_is_link(err);
		const char *msg = why ? why : bus_strerror(err);
		int suppressed = 0;
		char refusals[96];

		if (!why && refused > 0 && bus_err_is_bad_address(err)) {
			if (refused == d->map->n_reads)
				snprintf(
				    refusals, sizeof refusals,
				    "illegal data address on every request (%d of %d): check the "
				    "profile",
				    refused, d->map->n_reads);
			else
				snprintf(refusals, sizeof refusals,
				         "illegal data address on %d of %d requests", refused,
				         d->map->n_reads);
			msg = refusals;
		}

		if (d->h.avail == AVAIL_ONLINE || d->h.avail == AVAIL_UNKNOWN)
			d->down_since_ms = mono;
		d->link_fail = link;
		p->any_link_fail |= link;
		if (link && p->c->type == BUS_TCP) {
			*link_down = 1; /* the others on this line would fail the same way */
			p->link_errno = err;
		}
		backoff_fail(&d->bo, mono);
		if (timeout || link) {
			set_avail(p, d, looks_asleep(d) ? AVAIL_ASLEEP : AVAIL_OFFLINE, mono, msg);
		} else if (log_rate_allow(&d->rate, mono, 600000, 1, &suppressed)) {
			/* it answered, but not with what the map expects: say so, rarely */
			log_warn("device %s/%s (bus %s unit %d): %s%s", d->c->station, d->c->id,
			         p->c->id, d->c->unit, msg,
			         suppressed ? " (repeated failures not logged)" : "");
		}
		reading_silent(d, r);
		if (!timeout && !link)
			r->state = STATE_UNKNOWN; /* it is there, its values are not */
		pthread_mutex_lock(&p->lock);
		d->h.polls++;
		if (timeout)
			d->h.timeouts++;
		else
			d->h.errors++;
		d->h.backoff_ms = d->bo.delay_ms;
		util_strlcpy(d->h.last_error, msg, sizeof d->h.last_error);
		d->h.last_errno = err;
		d->h.refused_reads = refused;
		d->h.n_reads = d->resolved && !why ? d->map->n_reads : 0;
		pthread_mutex_unlock(&p->lock);
		free(why);
	}
}

/* Waits until the monotonic time due or a stop request; returns 1 when stopping. */
static int wait_until(struct poller *p, int64_t due_mono)
{
	int stop;
	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		int64_t now = util_mono_ms();
		struct timespec ts;
		int64_t wall;
		if (now >= due_mono)
			break;
		/* the condition uses CLOCK_REALTIME: convert the remaining time */
		clock_gettime(CLOCK_REALTIME, &ts);
		wall = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + (due_mono - now);
		ts.tv_sec = (time_t)(wall / 1000);
		ts.tv_nsec = (long)(wall % 1000) * 1000000;
		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	}
	stop = p->stop;
	pthread_mutex_unlock(&p->lock);
	return stop;
}

/* 1 when a stop was requested. */
static int stopping(struct poller *p)
{
	int s;
	pthread_mutex_lock(&p->lock);
	s = p->stop;
	pthread_mutex_unlock(&p->lock);
	return s;
}

/* The bus thread: rounds at a fixed rate, one spool transaction per round. */
static void *run(void *arg)
{
	struct poller *p = arg;
	int64_t next = util_mono_ms();

	for (;;) {
		int i, n = 0, link_down = 0;
		if (wait_until(p, next))
			break;
		for (i = 0; i < p->n; i++) {
			if (stopping(p))
				break;
			poll_device(p, &p->devs[i], &p->round[n++], &link_down);
		}
		if (n > 0 && spool_put(p->o.spool, p->round, n, util_now_ms(), NULL) == 0 &&
		    p->o.wake)
			p->o.wake(p->o.wake_ctx);
		if (p->o.once || i < p->n)
			break;
		next += p->o.interval_ms;
		if (next < util_mono_ms()) /* a slow round: skip the missed ticks, keep the rate */
			next = util_mono_ms();
	}
	pthread_mutex_lock(&p->lock);
	p->done = 1;
	pthread_mutex_unlock(&p->lock);
	if (p->o.wake)
		p->o.wake(p->o.wake_ctx);
	return NULL;
}

void poll_set_once(struct poller *p)
{
	p->o.once = 1;
}

void poll_attach_spool(struct poller *p, struct spool *s)
{
	p->o.spool = s;
}

int poll_start(struct poller *p, char **cause)
{
	pthread_attr_t a;
	int rc;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, POLL_STACK_BYTES);
	rc = pthread_create(&p->thread, &a, run, p);
	pthread_attr_destroy(&a);
	if (rc != 0) {
		*cause =
		    xasprintf("bus \"%s\": cannot start its thread: %s", p->c->id, strerror(rc));
		return -1;
	}
	p->started = 1;
	return 0;
}

void poll_stop(struct poller *p)
{
	if (!p || !p->started)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	p->started = 0;
}

void poll_free(struct poller *p)
{
	int i;
	if (!p)
		return;
	poll_stop(p);
	for (i = 0; i < p->n; i++) {
		if (p->devs[i].own)
			free(p->devs[i].own);
		else
			shared_map_put(p->devs[i].map);
	}
	bus_free(p->bus);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p->devs);
	free(p->round);
	free(p->regs);
	free(p);
}

int poll_done(struct poller *p)
{
	int d;
	pthread_mutex_lock(&p->lock);
	d = p->done;
	pthread_mutex_unlock(&p->lock);
	return d;
}

int poll_device_count(const struct poller *p)
{
	return p->n;
}

void poll_health(struct poller *p, int i, struct poll_health *h)
{
	pthread_mutex_lock(&p->lock);
	*h = p->devs[i].h;
	pthread_mutex_unlock(&p->lock);
}

unsigned poll_avail_version(struct poller *p)
{
	return atomic_load(&p->avail_version);
}
