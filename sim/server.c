/*
 * server: a poll() loop over listening sockets, client connections and pty
 * masters. Frames (MBAP, RTU with CRC) are parsed and built here so that
 * faults can bend them (delay, drop, wrong unit, short) without blocking the
 * other devices. libmodbus opens the listeners and configures the ptys.
 * Never sends anything to a device it does not simulate, never blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <modbus.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "regs.h"
#include "server.h"
#include "station.h"
#include "sun.h"
#include "util.h"

#define IN_MAX 1024
#define RTU_GAP_MS 20 /* silence that ends an RTU frame of unknown length */

enum action { ACT_REPLY, ACT_SILENT, ACT_DROP };

struct sdev {
	struct simdev_conf *dc; /* borrowed from the config */
	int idx;                /* in the station's devices */
	struct regs *img;
	uint64_t requests, answered, faulty, exceptions, silent, dropped;
};

struct conn;

struct sst {
	struct simstation_conf *sc;
	struct station *model;
	struct sdev *devs;
	int n_devs;
	struct sdev *by_unit[256];
	modbus_t *mb; /* TCP: made the listener; RTU: holds the pty slave open */
	int listen_fd;
	int port;
	char *pty_path;
	struct conn *pty;
};

struct conn {
	int fd;
	int rtu;
	struct sst *st;
	unsigned char in[IN_MAX];
	size_t in_len;
	int64_t last_rx; /* mono ms of the last byte (RTU framing) */
	unsigned char *out;
	size_t out_len, out_cap;
	int64_t hold_until; /* a delayed reply waits until this mono ms; 0: none */
	unsigned char held[300];
	size_t held_len;
	int dead;
};

struct server {
	struct sim_conf *c;
	const struct simclock *clock;
	struct sst *st;
	int n_st;
	struct conn **conns;
	int n_conns, cap_conns;
	uint64_t rng;
	struct log_rate rate;
};

/* A pseudo-random word for garbage replies. */
static uint16_t rnd(struct server *s)
{
	s->rng = sun_mix(s->rng);
	return (uint16_t)(s->rng >> 24);
}

/* Modbus CRC-16 (polynomial 0xA001, initial 0xFFFF), sent low byte first. */
static uint16_t crc16(const unsigned char *p, size_t n)
{
	uint16_t crc = 0xFFFF;
	size_t i;
	int b;

	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (b = 0; b < 8; b++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
	}
	return crc;
}

/* Writes an exception PDU. */
static int exception_pdu(unsigned char *rep, int fc, int code)
{
	rep[0] = (unsigned char)(fc | 0x80);
	rep[1] = (unsigned char)code;
	return 2;
}

/*
 * Handles one request PDU for unit on station st: decides the action and
 * writes the reply PDU into rep (*rep_len), the unit to answer with, and a
 * delay before the reply goes out.
 */
static enum action handle(struct server *s, struct sst *st, int unit, const unsigned char *pdu,
                          int len, unsigned char *rep, int *rep_len, int *reply_unit,
                          int64_t *delay_ms)
{
	struct sdev *d = st->by_unit[unit & 0xFF];
	int fc = len > 0 ? pdu[0] : 0, i, count, addr;
	int dead = 0, drop = 0, exc = 0, zero = 0, garbage = 0, wrong = 0, shrt = 0;
	uint64_t alarms = 0;
	uint16_t regs[PROFILE_MAX_REGS];
	struct reading r;
	int64_t now;

	*delay_ms = 0;
	*reply_unit = unit;
	if (!d) {
		if (s->c->unknown_unit_exception && !st->sc->rtu) {
			*rep_len = exception_pdu(rep, fc, 0x0B);
			return ACT_REPLY;
		}
		return ACT_SILENT;
	}
	d->requests++;
	now = simclock_now_ms(s->clock);
	station_advance(st->model, now);
	if (station_asleep(st->model, d->idx)) {
		d->silent++;
		return ACT_SILENT;
	}
	for (i = 0; i < d->dc->faults.n; i++) {
		struct fault *f = &d->dc->faults.v[i];
		if (f->type == FAULT_COUNTER_RESET || !fault_hit(f, now))
			continue;
		switch (f->type) {
		case FAULT_SLOW:
			*delay_ms += f->delay_ms;
			break;
		case FAULT_EXCEPTION:
			exc = (int)f->code;
			break;
		case FAULT_DROP:
			drop = 1;
			break;
		case FAULT_ZERO_COUNTER:
			zero = 1;
			break;
		case FAULT_GARBAGE:
			garbage = 1;
			break;
		case FAULT_DEAD:
			dead = 1;
			break;
		case FAULT_WRONG_UNIT:
			wrong = 1;
			break;
		case FAULT_SHORT:
			shrt = 1;
			break;
		case FAULT_ALARM:
			alarms |= (uint64_t)f->bits;
			break;
		default:
			break;
		}
	}
	if (dead) {
		d->silent++;
		return ACT_SILENT;
	}
	if (drop) {
		d->dropped++;
		return ACT_DROP;
	}
	if (wrong)
		*reply_unit = unit % 247 + 1;
	if (fc != 3 && fc != 4) {
		d->exceptions++;
		*rep_len = exception_pdu(rep, fc, MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
		return ACT_REPLY;
	}
	if (len != 5) {
		d->exceptions++;
		*rep_len = exception_pdu(rep, fc, MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
		return ACT_REPLY;
	}
	addr = pdu[1] << 8 | pdu[2];
	count = pdu[3] << 8 | pdu[4];
	if (count < 1 || count > PROFILE_MAX_REGS) {
		d->exceptions++;
		*rep_len = exception_pdu(rep, fc, MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
		return ACT_REPLY;
	}
	if (exc) {
		d->exceptions++;
		*rep_len = exception_pdu(rep, fc, exc);
		return ACT_REPLY;
	}
	station_reading(st->model, d->idx, &r);
	if (zero)
		r.energy_wh = 0;
	r.alarms |= alarms;
	if (regs_encode(d->img, &r)) {
		int suppressed;
		if (log_rate_allow(&s->rate, util_mono_ms(), 10000, 5, &suppressed))
			log_warn("%s/%s: a value cannot be represented in profile \"%s\"",
			         st->sc->id, d->dc->id, d->dc->profile);
	}
	if (fc != regs_fc(d->img) || regs_read(d->img, (uint16_t)addr, count, regs)) {
		d->exceptions++;
		*rep_len = exception_pdu(rep, fc, MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
		return ACT_REPLY;
	}
	if (garbage)
		for (i = 0; i < count; i++)
			regs[i] = rnd(s);
	if (shrt)
		count /= 2;
	rep[0] = (unsigned char)fc;
	rep[1] = (unsigned char)(count * 2);
	for (i = 0; i < count; i++) {
		rep[2 + 2 * i] = (unsigned char)(regs[i] >> 8);
		rep[3 + 2 * i] = (unsigned char)regs[i];
	}
	*rep_len = 2 + 2 * count;
	d->answered++;
	if (zero || garbage || wrong || shrt)
		d->faulty++;
	return ACT_REPLY;
}

/* Queues bytes for the connection (sent as the socket allows). */
static void out_append(struct conn *c, const unsigned char *p, size_t n)
{
	if (c->out_len + n > c->out_cap) {
		c->out_cap = (c->out_len + n) * 2;
		c->out = xrealloc(c->out, c->out_cap);
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
}

/* Sends what the socket takes; marks the connection dead on a hard error. */
static void out_flush(struct conn *c)
{
	size_t off = 0;

	while (off < c->out_len) {
		ssize_t n = c->rtu ? write(c->fd, c->out + off, c->out_len - off)
		                   : send(c->fd, c->out + off, c->out_len - off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK && !c->rtu)
				c->dead = 1;
			break;
		}
		off += (size_t)n;
	}
	memmove(c->out, c->out + off, c->out_len - off);
	c->out_len -= off;
}

/* Sends a framed reply now, or holds it back for a slow fault. */
static void emit(struct conn *c, const unsigned char *frame, size_t n, int64_t delay_ms)
{
	if (delay_ms > 0) {
		memcpy(c->held, frame, n);
		c->held_len = n;
		c->hold_until = util_mono_ms() + delay_ms;
		return;
	}
	out_append(c, frame, n);
}

/* Processes the complete MBAP frames in the input buffer. */
static void tcp_process(struct server *s, struct conn *c)
{
	while (!c->dead && !c->hold_until && c->in_len >= 7) {
		unsigned char rep[260], frame[300];
		int len = c->in[4] << 8 | c->in[5], rep_len = 0, unit;
		int64_t delay;
		enum action a;

		if ((c->in[2] | c->in[3]) != 0 || len < 2 || len > 254) {
			c->dead = 1; /* not Modbus: a real gateway hangs up too */
			return;
		}
		if (c->in_len < (size_t)(6 + len))
			return;
		a = handle(s, c->st, c->in[6], c->in + 7, len - 1, rep, &rep_len, &unit, &delay);
		if (a == ACT_DROP) {
			c->dead = 1;
			return;
		}
		if (a == ACT_REPLY) {
			memcpy(frame, c->in, 4);
			frame[4] = (unsigned char)((rep_len + 1) >> 8);
			frame[5] = (unsigned char)(rep_len + 1);
			frame[6] = (unsigned char)unit;
			memcpy(frame + 7, rep, (size_t)rep_len);
			emit(c, frame, (size_t)(7 + rep_len), delay);
		}
		memmove(c->in, c->in + 6 + len, c->in_len - (size_t)(6 + len));
		c->in_len -= (size_t)(6 + len);
	}
}

/* The length of the RTU request starting the buffer, 0 if unknown yet, -1 if unknowable. */
static int rtu_frame_len(const unsigned char *p, size_t n)
{
	if (n < 2)
		return 0;
	switch (p[1]) {
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
	case 6:
		return 8;
	case 15:
	case 16:
		return n < 7 ? 0 : 9 + p[6];
	default:
		return -1;
	}
}

/* Processes the complete RTU frames in the input buffer of a pty. */
static void rtu_process(struct server *s, struct conn *c, int idle)
{
	while (!c->hold_until && c->in_len > 0) {
		unsigned char rep[260], frame[300];
		int flen = rtu_frame_len(c->in, c->in_len), rep_len = 0, unit;
		int64_t delay;
		enum action a;

		if (flen < 0 || (flen > 0 && (size_t)flen > IN_MAX)) {
			if (idle)
				c->in_len =
				    0; /* a frame we cannot delimit: drop it after the gap */
			return;
		}
		if (flen == 0 || c->in_len < (size_t)flen) {
			if (idle)
				c->in_len = 0; /* a torn frame: the master will retry */
			return;
		}
		if (crc16(c->in, (size_t)flen) != 0) {
			c->in_len = 0; /* noise: the frame is ignored, as on a real bus */
			return;
		}
		a = handle(s, c->st, c->in[0], c->in + 1, flen - 3, rep, &rep_len, &unit, &delay);
		if (a == ACT_REPLY && c->in[0] != 0) {
			uint16_t crc;
			frame[0] = (unsigned char)unit;
			memcpy(frame + 1, rep, (size_t)rep_len);
			crc = crc16(frame, (size_t)(1 + rep_len));
			frame[1 + rep_len] = (unsigned char)(crc & 0xFF);
			frame[2 + rep_len] = (unsigned char)(crc >> 8);
			emit(c, frame, (size_t)(3 + rep_len), delay);
		}
		memmove(c->in, c->in + flen, c->in_len - (size_t)flen);
		c->in_len -= (size_t)flen;
	}
}

/* Reads what arrived on a connection and handles its frames. */
static void conn_read(struct server *s, struct conn *c)
{
	for (;;) {
		ssize_t n;
		if (c->in_len == IN_MAX) {
			if (c->rtu) {
				c->in_len = 0;
			} else {
				c->dead = 1;
				return;
			}
		}
		n = read(c->fd, c->in + c->in_len, IN_MAX - c->in_len);
		if (n > 0) {
			c->in_len += (size_t)n;
			c->last_rx = util_mono_ms();
			continue;
		}
		if (n == 0 && !c->rtu)
			c->dead = 1;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && !c->rtu)
			c->dead = 1;
		break;
	}
	if (c->rtu)
		rtu_process(s, c, 0);
	else
		tcp_process(s, c);
}

/* Sets O_NONBLOCK. */
static int nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static struct conn *conn_add(struct server *s, struct sst *st, int fd, int rtu)
{
	struct conn *c = xcalloc(1, sizeof *c);

	c->fd = fd;
	c->rtu = rtu;
	c->st = st;
	if (s->n_conns == s->cap_conns) {
		s->cap_conns = s->cap_conns ? s->cap_conns * 2 : 64;
		s->conns = xrealloc(s->conns, (size_t)s->cap_conns * sizeof *s->conns);
	}
	s->conns[s->n_conns++] = c;
	return c;
}

static void conn_free(struct conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	free(c);
}

/* Accepts every pending client of a station's listener. */
static void accept_all(struct server *s, struct sst *st)
{
	for (;;) {
		int one = 1, fd = accept(st->listen_fd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				log_warn("%s: cannot accept: %s", st->sc->id, strerror(errno));
			return;
		}
		nonblock(fd);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		conn_add(s, st, fd, 0);
	}
}

/* Opens a TCP listener for st through libmodbus and learns its port. */
static int open_tcp(struct server *s, struct sst *st, char **cause)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;

	st->mb = modbus_new_tcp(s->c->listen, st->sc->port);
	if (!st->mb) {
		*cause = xasprintf("station \"%s\": cannot serve on %s:%d: %s", st->sc->id,
		                   s->c->listen, st->sc->port, modbus_strerror(errno));
		return -1;
	}
	st->listen_fd = modbus_tcp_listen(st->mb, 512);
	if (st->listen_fd < 0) {
		*cause = xasprintf("station \"%s\": cannot listen on %s:%d: %s", st->sc->id,
		                   s->c->listen, st->sc->port, modbus_strerror(errno));
		return -1;
	}
	if (getsockname(st->listen_fd, (struct sockaddr *)&a, &alen) < 0) {
		*cause = xasprintf("station \"%s\": getsockname: %s", st->sc->id, strerror(errno));
		return -1;
	}
	st->port = ntohs(a.sin_port);
	nonblock(st->listen_fd);
	return 0;
}

/*
 * Creates a pty pair for st: the master is the station's RS-485 bus, the
 * slave path is what a client opens. libmodbus opens the slave once and sets
 * it raw, which also keeps the master from seeing a hang-up between clients.
 */
static int open_rtu(struct server *s, struct sst *st, char **cause)
{
	char name[128];
	int fd = posix_openpt(O_RDWR | O_NOCTTY);

	if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 || ptsname_r(fd, name, sizeof name)) {
		*cause = xasprintf("station \"%s\": cannot create a pty: %s", st->sc->id,
		                   strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	nonblock(fd);
	st->pty = conn_add(s, st, fd, 1);
	st->pty_path = xstrdup(name);
	st->mb = modbus_new_rtu(name, 19200, 'N', 8, 1);
	if (!st->mb || modbus_connect(st->mb) < 0) {
		*cause = xasprintf("station \"%s\": cannot configure %s: %s", st->sc->id, name,
		                   modbus_strerror(errno));
		return -1;
	}
	if (st->sc->pty_link) {
		unlink(st->sc->pty_link);
		if (symlink(name, st->sc->pty_link) < 0) {
			*cause = xasprintf("station \"%s\": cannot link %s to %s: %s", st->sc->id,
			                   st->sc->pty_link, name, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Raises the open-file limit as far as allowed: a big fleet needs many sockets. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Builds one station: model, register images, transport. */
static int station_open(struct server *s, const struct profile_set *ps, struct sst *st, int index,
                        char **cause)
{
	struct simstation_conf *sc = &s->c->stations[index];
	int i;

	st->sc = sc;
	st->listen_fd = -1;
	st->model = station_new(sc, s->c->seed, s->c->start_ms);
	st->devs = xcalloc((size_t)sc->n_devs, sizeof *st->devs);
	st->n_devs = sc->n_devs;
	for (i = 0; i < sc->n_devs; i++) {
		struct sdev *d = &st->devs[i];
		const struct profile *p = profile_set_find(ps, sc->devs[i].profile);
		char *serial, *why = NULL;
		struct reading r;

		d->dc = &sc->devs[i];
		d->idx = i;
		if (!p) {
			char where[96];
			if (d->dc->kind == READING_METER)
				snprintf(where, sizeof where, "stations[%d].meter.profile", index);
			else if (d->dc->kind == READING_SENSOR)
				snprintf(where, sizeof where, "stations[%d].sensor.profile", index);
			else
				snprintf(where, sizeof where, "stations[%d].inverters[%d].profile",
				         index, i);
			*cause =
			    xasprintf("%s: %s: no profile \"%s\" in the profile directory",
			              s->c->path ? s->c->path : "--profile", where, d->dc->profile);
			return -1;
		}
		serial = xasprintf("%s-%s", sc->id, d->dc->id);
		d->img = regs_layout(p, d->dc->kind, d->dc->sunspec_base, d->dc->sunspec_model,
		                     serial, &why);
		free(serial);
		if (!d->img) {
			*cause =
			    xasprintf("station \"%s\" device \"%s\": %s", sc->id, d->dc->id, why);
			free(why);
			return -1;
		}
		station_reading(st->model, i, &r);
		regs_encode(d->img, &r);
		st->by_unit[d->dc->unit] = d;
	}
	return sc->rtu ? open_rtu(s, st, cause) : open_tcp(s, st, cause);
}

struct server *server_new(struct sim_conf *c, const struct profile_set *ps,
                          const struct simclock *clock, char **cause)
{
	struct server *s = xcalloc(1, sizeof *s);
	int i;

	*cause = NULL;
	raise_nofile();
	s->c = c;
	s->clock = clock;
	s->rng = c->seed ^ 0x2545F4914F6CDD1DULL;
	s->st = xcalloc((size_t)c->n_stations, sizeof *s->st);
	for (i = 0; i < c->n_stations; i++) {
		s->n_st++;
		if (station_open(s, ps, &s->st[i], i, cause)) {
			server_free(s);
			return NULL;
		}
	}
	return s;
}

void server_free(struct server *s)
{
	int i, k;

	if (!s)
		return;
	for (i = 0; i < s->n_conns; i++)
		conn_free(s->conns[i]);
	free(s->conns);
	for (i = 0; i < s->n_st; i++) {
		struct sst *st = &s->st[i];
		if (st->listen_fd >= 0)
			close(st->listen_fd);
		if (st->mb) {
			modbus_close(st->mb);
			modbus_free(st->mb);
		}
		if (st->sc && st->sc->pty_link && st->pty_path)
			unlink(st->sc->pty_link);
		free(st->pty_path);
		for (k = 0; k < st->n_devs; k++)
			regs_free(st->devs[k].img);
		free(st->devs);
		station_free(st->model);
	}
	free(s->st);
	free(s);
}

/* Opens path.tmp for writing; the caller renames it so readers never see half a file. */
static FILE *open_tmp(const char *path, char **tmp, char **cause)
{
	FILE *f;

	*tmp = xasprintf("%s.tmp", path);
	f = fopen(*tmp, "w");
	if (!f) {
		*cause = xasprintf("%s: cannot write: %s", *tmp, strerror(errno));
		free(*tmp);
		*tmp = NULL;
	}
	return f;
}

/* Closes and renames a file opened with open_tmp. */
static int close_tmp(FILE *f, char *tmp, const char *path, char **cause)
{
	int rc = 0;

	if (ferror(f) | fclose(f) || rename(tmp, path) < 0) {
		*cause = xasprintf("%s: cannot write: %s", path, strerror(errno));
		rc = -1;
	}
	free(tmp);
	return rc;
}

int server_write_ports(struct server *s, const char *path, char **cause)
{
	char *tmp;
	FILE *f = open_tmp(path, &tmp, cause);
	int i;

	if (!f)
		return -1;
	for (i = 0; i < s->n_st; i++) {
		struct sst *st = &s->st[i];
		if (st->sc->rtu)
			fprintf(f, "%s rtu %s\n", st->sc->id, st->pty_path);
		else
			fprintf(f, "%s tcp %s %d\n", st->sc->id, s->c->listen, st->port);
	}
	return close_tmp(f, tmp, path, cause);
}

int server_write_dump(struct server *s, const char *path, char **cause)
{
	int64_t now = simclock_now_ms(s->clock);
	char *tmp;
	FILE *f = open_tmp(path, &tmp, cause);
	int i, k;

	if (!f)
		return -1;
	for (i = 0; i < s->n_st; i++) {
		struct sst *st = &s->st[i];
		station_advance(st->model, now);
		for (k = 0; k < st->n_devs; k++) {
			struct sdev *d = &st->devs[k];
			const struct regmap *m = regs_map(d->img);
			struct reading r;

			station_reading(st->model, k, &r);
			fprintf(f,
			        "%s %s unit=%d kind=%s profile=%s map=%s fc=%d state=%s asleep=%d "
			        "power_w=%lld energy_wh=%lld today_wh=%lld import_wh=%lld "
			        "temp_c=%.1f grid_hz=%.2f irradiance_wm2=%lld time_ms=%lld\n",
			        st->sc->id, d->dc->id, d->dc->unit, reading_kind_name(r.kind),
			        d->dc->profile, m->map, m->fc, reading_state_name(r.state),
			        station_asleep(st->model, k), (long long)r.ac_power_w,
			        (long long)r.energy_wh, (long long)r.today_wh,
			        (long long)r.import_wh, r.temp_c, r.grid_hz,
			        (long long)r.irradiance_wm2, (long long)now);
		}
	}
	return close_tmp(f, tmp, path, cause);
}

int server_write_served(struct server *s, const char *path, char **cause)
{
	char *tmp;
	FILE *f = open_tmp(path, &tmp, cause);
	int i, k;

	if (!f)
		return -1;
	for (i = 0; i < s->n_st; i++)
		for (k = 0; k < s->st[i].n_devs; k++) {
			struct sdev *d = &s->st[i].devs[k];
			fprintf(f,
			        "%s %s unit=%d requests=%llu answered=%llu faulty=%llu "
			        "exceptions=%llu silent=%llu dropped=%llu\n",
			        s->st[i].sc->id, d->dc->id, d->dc->unit,
			        (unsigned long long)d->requests, (unsigned long long)d->answered,
			        (unsigned long long)d->faulty, (unsigned long long)d->exceptions,
			        (unsigned long long)d->silent, (unsigned long long)d->dropped);
		}
	return close_tmp(f, tmp, path, cause);
}

/* Releases delayed replies that are due and handles what waited behind them. */
static void release_held(struct server *s, int64_t now)
{
	int i;

	for (i = 0; i < s->n_conns; i++) {
		struct conn *c = s->conns[i];
		if (!c->hold_until || c->hold_until > now)
			continue;
		c->hold_until = 0;
		out_append(c, c->held, c->held_len);
		c->held_len = 0;
		if (c->rtu)
			rtu_process(s, c, 0);
		else
			tcp_process(s, c);
	}
}

/* Drops closed connections (never a pty: it lives as long as its station). */
static void reap(struct server *s)
{
	int i = 0;

	while (i < s->n_conns) {
		struct conn *c = s->conns[i];
		if (c->dead && !c->rtu) {
			conn_free(c);
			s->conns[i] = s->conns[--s->n_conns];
			continue;
		}
		i++;
	}
}

int server_run(struct server *s, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload,
               volatile sig_atomic_t *dump, const char *dump_path, const char *served_path)
{
	struct pollfd *pfd = NULL;
	void **who = NULL;
	size_t cap = 0;

	while (!*stop) {
		size_t n = 0, n_listen, need = (size_t)(s->n_st + s->n_conns);
		int64_t now = util_mono_ms(), wait = 1000;
		int i, rc;

		if (*reload) {
			char *cause = NULL;
			*reload = 0;
			if (simconf_reload_faults(s->c, simclock_now_ms(s->clock), &cause)) {
				log_error("faults not reloaded: %s", cause);
				free(cause);
			} else {
				log_info("faults reloaded");
			}
		}
		if (*dump) {
			char *cause = NULL;
			*dump = 0;
			if ((dump_path && server_write_dump(s, dump_path, &cause)) ||
			    (served_path && server_write_served(s, served_path, &cause))) {
				log_error("%s", cause);
				free(cause);
			}
		}
		if (need > cap) {
			cap = need * 2;
			pfd = xrealloc(pfd, cap * sizeof *pfd);
			who = xrealloc(who, cap * sizeof *who);
		}
		for (i = 0; i < s->n_st; i++) {
			if (s->st[i].listen_fd < 0)
				continue;
			pfd[n].fd = s->st[i].listen_fd;
			pfd[n].events = POLLIN;
			who[n++] = &s->st[i];
		}
		n_listen = n;
		for (i = 0; i < s->n_conns; i++) {
			struct conn *c = s->conns[i];
			short ev = 0;
			if (c->hold_until) {
				int64_t w = c->hold_until - now;
				if (w < wait)
					wait = w < 0 ? 0 : w;
			} else {
				ev |= POLLIN;
			}
			if (c->rtu && c->in_len > 0 && wait > RTU_GAP_MS)
				wait = RTU_GAP_MS;
			if (c->out_len)
				ev |= POLLOUT;
			pfd[n].fd = c->fd;
			pfd[n].events = ev;
			who[n++] = c;
		}
		rc = poll(pfd, n, (int)wait);
		if (rc < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			break;
		}
		now = util_mono_ms();
		for (i = 0; rc > 0 && (size_t)i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if ((size_t)i < n_listen) {
				accept_all(s, who[i]);
				continue;
			}
			{
				struct conn *c = who[i];
				if (pfd[i].revents & POLLIN)
					conn_read(s, c);
				else if (pfd[i].revents & (POLLERR | POLLHUP) && !c->rtu)
					c->dead = 1;
				if (c->out_len && !c->dead)
					out_flush(c);
			}
		}
		release_held(s, now);
		for (i = 0; i < s->n_conns; i++) {
			struct conn *c = s->conns[i];
			if (c->rtu && c->in_len > 0 && !c->hold_until &&
			    now - c->last_rx >= RTU_GAP_MS)
				rtu_process(s, c, 1);
			if (c->out_len && !c->dead)
				out_flush(c);
		}
		reap(s);
	}
	free(pfd);
	free(who);
	return 0;
}
