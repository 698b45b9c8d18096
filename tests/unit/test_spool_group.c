/*
 * Tests for the spool's group commit: bus threads storing rounds at once share transactions,
 * yet every round keeps consecutive seqs, no seq is given twice and every row is stored.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "spool.h"
#include "util.h"

#define THREADS 8
#define ROUNDS 60
#define PER_ROUND 5

static char dir[] = "/tmp/pvmon-spoolg-XXXXXX";
static char path[256];
static struct spool *sp;
static int bad_rounds, failed_puts;
static unsigned char given[THREADS * ROUNDS * PER_ROUND + 2];
static pthread_mutex_t given_lock = PTHREAD_MUTEX_INITIALIZER;

/* One bus thread: ROUNDS rounds of PER_ROUND readings, recording the seqs it got. */
static void *bus(void *arg)
{
	int t = (int)(intptr_t)arg, k, i;
	for (k = 0; k < ROUNDS; k++) {
		struct reading r[PER_ROUND];
		memset(r, 0, sizeof r);
		for (i = 0; i < PER_ROUND; i++) {
			util_strlcpy(r[i].gw, "gw1", sizeof r[i].gw);
			snprintf(r[i].station, sizeof r[i].station, "st%d", t);
			snprintf(r[i].device, sizeof r[i].device, "inv%d", i);
			r[i].ts_ms = INT64_C(1561939200000) + k * 1000;
			r[i].state = STATE_PRODUCING;
		}
		if (spool_put(sp, r, PER_ROUND, r[0].ts_ms, NULL) < 0) {
			__atomic_add_fetch(&failed_puts, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		pthread_mutex_lock(&given_lock);
		for (i = 0; i < PER_ROUND; i++) {
			if (r[i].seq != r[0].seq + (uint64_t)i)
				bad_rounds++;
			if (r[i].seq >= 1 && r[i].seq < sizeof given)
				given[r[i].seq]++;
		}
		pthread_mutex_unlock(&given_lock);
	}
	return NULL;
}

static void rounds_stored_at_once_keep_consecutive_seqs_and_none_is_given_twice(void)
{
	struct spool_opts o = {0, 0, 0, 1, SPOOL_GROUP_MS}; /* as the collector opens it */
	struct spool_stats st;
	pthread_t th[THREADS];
	char *cause = NULL;
	int t, once = 0, total = THREADS * ROUNDS * PER_ROUND;
	uint64_t seq;

	sp = spool_open(path, &o, &cause);
	CHECK(sp != NULL);
	if (!sp) {
		free(cause);
		return;
	}
	for (t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, bus, (void *)(intptr_t)t);
	for (t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	CHECK_INT(failed_puts, 0);
	CHECK_INT(bad_rounds, 0);
	for (seq = 1; seq <= (uint64_t)total; seq++)
		once += given[seq] == 1;
	CHECK_INT(once, total);
	spool_stats(sp, &st);
	CHECK_INT(st.rows, total);
	CHECK_INT(st.next_seq, total + 1);
	CHECK_INT(st.min_seq, 1);
	spool_close(sp);
}

int main(void)
{
	char p[300];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/spool.db", dir);
	RUN(rounds_stored_at_once_keep_consecutive_seqs_and_none_is_given_twice);
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
	rmdir(dir);
	return harness_end();
}
