/*
 * mbproxy: a recording Modbus TCP proxy for tests. Relays every connection on
 * 127.0.0.1:LISTEN to 127.0.0.1:UPSTREAM and appends "unit fc" for each
 * request frame a client sends to LOGFILE, so a test can prove which function
 * codes a client ever sent. usage: mbproxy LISTEN UPSTREAM LOGFILE
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 64

struct conn {
	int client, server;
	unsigned char buf[4096]; /* client bytes not yet parsed into frames */
	size_t n;
};

static struct conn conns[MAXC];
static FILE *reqlog;

static int listen_on(int port)
{
	struct sockaddr_in a = {0};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0)
		return -1;
	return fd;
}

static int connect_to(int port)
{
	struct sockaddr_in a = {0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Logs every complete MBAP frame in the client's buffer. */
static void parse(struct conn *c)
{
	size_t off = 0;
	while (c->n - off >= 8) {
		size_t len = ((size_t)c->buf[off + 4] << 8) | c->buf[off + 5];
		if (c->n - off < 6 + len)
			break;
		fprintf(reqlog, "%u %u\n", c->buf[off + 6], c->buf[off + 7]);
		fflush(reqlog);
		off += 6 + len;
	}
	memmove(c->buf, c->buf + off, c->n - off);
	c->n -= off;
}

static void drop(struct conn *c)
{
	close(c->client);
	close(c->server);
	c->client = c->server = -1;
	c->n = 0;
}

int main(int argc, char **argv)
{
	int lfd, up, i;
	if (argc != 4) {
		fprintf(stderr, "usage: mbproxy LISTEN UPSTREAM LOGFILE\n");
		return 2;
	}
	up = atoi(argv[2]);
	reqlog = fopen(argv[3], "a");
	lfd = listen_on(atoi(argv[1]));
	if (!reqlog || lfd < 0) {
		fprintf(stderr, "mbproxy: cannot listen or open the log\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < MAXC; i++)
		conns[i].client = conns[i].server = -1;
	for (;;) {
		struct pollfd fds[1 + 2 * MAXC];
		int map[1 + 2 * MAXC], n = 1;
		fds[0].fd = lfd;
		fds[0].events = POLLIN;
		for (i = 0; i < MAXC; i++)
			if (conns[i].client >= 0) {
				fds[n].fd = conns[i].client;
				fds[n].events = POLLIN;
				map[n++] = i;
				fds[n].fd = conns[i].server;
				fds[n].events = POLLIN;
				map[n++] = i;
			}
		if (poll(fds, (nfds_t)n, -1) < 0)
			continue;
		if (fds[0].revents & POLLIN) {
			int c = accept(lfd, NULL, NULL), s;
			if (c >= 0) {
				s = connect_to(up);
				for (i = 0; i < MAXC && conns[i].client >= 0; i++)
					;
				if (s < 0 || i == MAXC) {
					close(c);
					if (s >= 0)
						close(s);
				} else {
					conns[i].client = c;
					conns[i].server = s;
					conns[i].n = 0;
				}
			}
		}
		for (i = 1; i < n; i++) {
			struct conn *c = &conns[map[i]];
			unsigned char tmp[4096];
			ssize_t r;
			if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)) || c->client < 0)
				continue;
			r = read(fds[i].fd, tmp, sizeof tmp);
			if (r <= 0) {
				drop(c);
				continue;
			}
			if (fds[i].fd == c->client) {
				if (c->n + (size_t)r > sizeof c->buf) {
					drop(c);
					continue;
				}
				memcpy(c->buf + c->n, tmp, (size_t)r);
				c->n += (size_t)r;
				parse(c);
				if (write(c->server, tmp, (size_t)r) != r)
					drop(c);
			} else if (write(c->client, tmp, (size_t)r) != r) {
				drop(c);
			}
		}
	}
}
