/*
 * log: one place that decides where messages go. Writes are whole lines so
 * that threads sharing stderr do not interleave within a line.
 */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "util.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum log_level log_max = LOGL_INFO;
static char log_ident[32] = "pvmon";
static char log_path[4096];
static FILE *log_file;
static int log_syslog;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int log_open(const char *ident, const char *target, enum log_level level)
{
	int rc = 0;
	pthread_mutex_lock(&log_lock);
	util_strlcpy(log_ident, ident ? ident : "pvmon", sizeof log_ident);
	log_max = level;
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	log_path[0] = '\0';
	log_syslog = 0;
	if (target && strcmp(target, "syslog") == 0) {
		openlog(log_ident, LOG_PID, LOG_DAEMON);
		log_syslog = 1;
	} else if (target && *target && strcmp(target, "stderr") != 0) {
		util_strlcpy(log_path, target, sizeof log_path);
		log_file = fopen(log_path, "a");
		if (!log_file) {
			fprintf(stderr, "%s: cannot open log file \"%s\": %s\n", log_ident, target,
			        strerror(errno));
			rc = -1;
		}
	}
	pthread_mutex_unlock(&log_lock);
	return rc;
}

void log_reopen(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_path[0]) {
		if (log_file)
			fclose(log_file);
		log_file = fopen(log_path, "a");
	}
	pthread_mutex_unlock(&log_lock);
}

void log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	if (log_syslog)
		closelog();
	log_syslog = 0;
	pthread_mutex_unlock(&log_lock);
}

void log_set_level(enum log_level level)
{
	log_max = level;
}

int log_level_parse(const char *s)
{
	size_t i;
	for (i = 0; i < UTIL_ARRAY_LEN(level_names); i++)
		if (s && strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	char msg[1024];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	if (log_syslog) {
		syslog(prio[level], "%s", msg);
	} else {
		FILE *out = log_file ? log_file : stderr;
		char stamp[32];
		struct tm tm;
		time_t t = time(NULL);
		gmtime_r(&t, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(out, "%s %s[%s]: %s\n", stamp, log_ident, level_names[level], msg);
		fflush(out);
	}
	pthread_mutex_unlock(&log_lock);
}

int log_rate_allow(struct log_rate *r, int64_t now_ms, int64_t window_ms, int max, int *suppressed)
{
	*suppressed = 0;
	if (now_ms - r->window_start >= window_ms) {
		*suppressed = r->suppressed;
		r->window_start = now_ms;
		r->count = 0;
		r->suppressed = 0;
	}
	if (r->count < max) {
		r->count++;
		return 1;
	}
	r->suppressed++;
	return 0;
}
