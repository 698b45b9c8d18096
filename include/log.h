/*
 * log: levelled messages to stderr, a file or syslog, and a rate limiter so a
 * storm of identical failures costs one line per window, not one per event.
 */
#ifndef PVMON_LOG_H
#define PVMON_LOG_H

#include <stdint.h>

enum log_level { LOGL_ERROR, LOGL_WARN, LOGL_INFO, LOGL_DEBUG };

/*
 * Sets where messages go: target is NULL or "stderr", "syslog", or a file path
 * (opened for append; log_reopen reopens it after rotation). Returns -1 if the
 * file cannot be opened (messages then go to stderr).
 */
int log_open(const char *ident, const char *target, enum log_level level);
/* Reopens the log file (on SIGHUP). Safe to call when logging to stderr. */
void log_reopen(void);
void log_close(void);
void log_set_level(enum log_level level);
/* Parses "error|warn|info|debug"; returns -1 for anything else. */
int log_level_parse(const char *s);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOGL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOGL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOGL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOGL_DEBUG, __VA_ARGS__)

/* A rate limit: at most max events per window_ms; the rest are counted. */
struct log_rate {
	int64_t window_start;
	int count;
	int suppressed;
};
/*
 * Returns 1 if the event may be logged now. When a new window opens,
 * *suppressed receives how many events the last one swallowed.
 */
int log_rate_allow(struct log_rate *r, int64_t now_ms, int64_t window_ms, int max, int *suppressed);

#endif
