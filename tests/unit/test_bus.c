/*
 * Tests for bus_read against a scripted Modbus TCP server on loopback: it sends only FC 3/4,
 * and refuses replies from another unit, with another function code or a wrong byte count.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bus.h"
#include "harness.h"

/* How the fake server bends its next reply. */
enum bend { GOOD, WRONG_UNIT, WRONG_FC, SHORT, EXCEPTION, WRONG_TID };

static struct {
	int lfd, port;
	enum bend next;
	int requests;           /* requests received */
	unsigned char last[12]; /* the last request */
	pthread_mutex_t lock;
} srv = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Reads exactly n bytes; 0 or -1 at the end. */
static int read_full(int fd, unsigned char *p, int n)
{
	int got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, (size_t)(n - got));
		if (r <= 0)
			return -1;
		got += (int)r;
	}
	return n;
}

/* Answers each read request with registers 100, 101, ... bent as srv.next says. */
static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(srv.lfd, NULL, NULL);
		unsigned char q[12], r[300];
		if (fd < 0)
			return NULL;
		while (read_full(fd, q, 12) == 12) {
			int count = q[10] << 8 | q[11], n, i;
			enum bend b;
			pthread_mutex_lock(&srv.lock);
			srv.requests++;
			memcpy(srv.last, q, 12);
			b = srv.next;
			srv.next = GOOD;
			pthread_mutex_unlock(&srv.lock);
			memcpy(r, q, 4); /* transaction and protocol ids */
			r[6] = b == WRONG_UNIT ? (unsigned char)(q[6] % 247 + 1) : q[6];
			if (b == WRONG_TID)
				r[1] ^= 0x5a;
			if (b == EXCEPTION) {
				r[7] = (unsigned char)(0x80 | q[7]);
				r[8] = 2;
				n = 9;
			} else {
				if (b == SHORT)
					count /= 2;
				r[7] = b == WRONG_FC ? (unsigned char)(q[7] ^ 7) : q[7];
				r[8] = (unsigned char)(2 * count);
				for (i = 0; i < count; i++) {
					r[9 + 2 * i] = 0;
					r[10 + 2 * i] = (unsigned char)(100 + i);
				}
				n = 9 + 2 * count;
			}
			r[4] = (unsigned char)((n - 6) >> 8);
			r[5] = (unsigned char)(n - 6);
			if (write(fd, r, (size_t)n) != n)
				break;
		}
		close(fd);
	}
}

static char conf_id[] = "t", conf_host[] = "127.0.0.1";
static struct bus_conf conf = {
    .id = conf_id, .type = BUS_TCP, .host = conf_host, .timeout_ms = 500};
static struct bus *bus;

/* Sets the next reply's bend. */
static void bend(enum bend b)
{
	pthread_mutex_lock(&srv.lock);
	srv.next = b;
	pthread_mutex_unlock(&srv.lock);
}

static int requests(void)
{
	int n;
	pthread_mutex_lock(&srv.lock);
	n = srv.requests;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

static void write_function_codes_are_refused_before_anything_is_sent(void)
{
	static const int fcs[] = {1, 2, 5, 6, 15, 16, 22, 23, 0, 0x83};
	uint16_t v[4];
	size_t i;
	struct pollfd pf = {.fd = srv.lfd, .events = POLLIN};
	for (i = 0; i < sizeof fcs / sizeof fcs[0]; i++) {
		errno = 0;
		CHECK_INT(bus_read(bus, 1, fcs[i], 0, 2, v), -1);
		CHECK_INT(errno, EINVAL);
	}
	/* not even a connection was opened */
	CHECK_INT(poll(&pf, 1, 100), 0);
	CHECK_INT(requests(), 0);
}

static void a_good_reply_is_decoded_and_the_request_is_a_read(void)
{
	uint16_t v[3] = {0};
	CHECK_INT(bus_read(bus, 7, 4, 0x1234, 3, v), 0);
	CHECK_INT(v[0], 100);
	CHECK_INT(v[2], 102);
	CHECK_INT(srv.last[6], 7);    /* unit */
	CHECK_INT(srv.last[7], 4);    /* function code */
	CHECK_INT(srv.last[8], 0x12); /* address */
	CHECK_INT(srv.last[9], 0x34);
	CHECK_INT(srv.last[11], 3); /* count */
}

static void a_reply_from_another_unit_is_refused(void)
{
	uint16_t v[2] = {0};
	bend(WRONG_UNIT);
	errno = 0;
	CHECK_INT(bus_read(bus, 3, 3, 0, 2, v), -1);
	CHECK_INT(errno, EMBBADSLAVE);
	CHECK_INT(v[0], 0);
	CHECK(!bus_err_is_timeout(EMBBADSLAVE) && !bus_err_is_link(EMBBADSLAVE));
	/* the line stays usable for the next poll */
	CHECK_INT(bus_read(bus, 3, 3, 0, 2, v), 0);
	CHECK_INT(v[1], 101);
}

static void another_function_code_or_a_short_reply_is_refused(void)
{
	uint16_t v[4];
	bend(WRONG_FC);
	CHECK_INT(bus_read(bus, 1, 3, 0, 4, v), -1);
	CHECK_INT(errno, EMBBADDATA);
	bend(SHORT);
	CHECK_INT(bus_read(bus, 1, 3, 0, 4, v), -1);
	CHECK_INT(errno, EMBBADDATA);
	bend(WRONG_TID);
	CHECK_INT(bus_read(bus, 1, 3, 0, 4, v), -1);
	CHECK_INT(errno, EMBBADDATA);
	CHECK_INT(bus_read(bus, 1, 3, 0, 4, v), 0);
}

static void an_exception_reply_gives_its_code(void)
{
	uint16_t v[2];
	bend(EXCEPTION);
	CHECK_INT(bus_read(bus, 1, 3, 0, 2, v), -1);
	CHECK_INT(errno, EMBXILADD);
	CHECK_INT(bus_read(bus, 1, 3, 0, 2, v), 0);
}

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	pthread_t t;
	char *cause = NULL;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv.lfd < 0 || bind(srv.lfd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    listen(srv.lfd, 4) < 0 || getsockname(srv.lfd, (struct sockaddr *)&a, &len) < 0) {
		perror("listen");
		return 1;
	}
	conf.port = ntohs(a.sin_port);
	bus = bus_new(&conf, &cause);
	if (!bus) {
		printf("%s\n", cause);
		return 1;
	}
	RUN(write_function_codes_are_refused_before_anything_is_sent);
	pthread_create(&t, NULL, serve, NULL);
	pthread_detach(t);
	RUN(a_good_reply_is_decoded_and_the_request_is_a_read);
	RUN(a_reply_from_another_unit_is_refused);
	RUN(another_function_code_or_a_short_reply_is_refused);
	RUN(an_exception_reply_gives_its_code);
	bus_free(bus);
	return harness_end();
}
