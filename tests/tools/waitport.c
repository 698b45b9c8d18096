/*
 * waitport: waits until something accepts TCP connections on 127.0.0.1:PORT,
 * polling every 20 ms, for at most SECONDS (default 10). Exit 0 when it does.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int try_connect(int port)
{
	struct sockaddr_in a = {0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int ok;

	if (fd < 0)
		return 0;
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	int port, i, n;
	double secs = 10;

	if (argc < 2) {
		fprintf(stderr, "usage: waitport PORT [SECONDS]\n");
		return 2;
	}
	port = atoi(argv[1]);
	if (argc > 2)
		secs = atof(argv[2]);
	n = (int)(secs * 50);
	for (i = 0; i <= n; i++) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		if (try_connect(port))
			return 0;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "waitport: nothing listens on 127.0.0.1:%d after %.1f s\n", port, secs);
	return 1;
}
