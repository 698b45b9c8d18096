/*
 * util: allocation that never returns NULL, bounded string copies, clocks and
 * whole-file reads. Out of memory exits the program with one message.
 */
#ifndef PVMON_UTIL_H
#define PVMON_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define UTIL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocators that exit with a message when memory runs out. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* printf into a new string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Appends printf output to buf (size bytes) at offset *n and advances *n.
 * Once the buffer is full *n moves past size, so the caller checks overflow
 * once at the end (*n >= size) instead of after every piece.
 */
void util_bufprintf(char *buf, size_t size, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copies src into dst (size bytes), always terminated; returns strlen(src). */
size_t util_strlcpy(char *dst, const char *src, size_t size);

/* Wall clock in ms since the epoch (UTC), and a monotonic clock in ms. */
int64_t util_now_ms(void);
int64_t util_mono_ms(void);
/* Sleeps ms milliseconds, resuming after signals until the time has passed. */
void util_sleep_ms(int64_t ms);

/*
 * Reads a whole file into a new NUL-terminated buffer (*out, caller frees).
 * On failure returns -1 and sets *cause to a new message naming the file.
 */
int util_read_file(const char *path, char **out, size_t *len, char **cause);

/* An id as used in topics and config: 1-47 bytes of [A-Za-z0-9_.-], not "." or "..". */
int util_id_valid(const char *id);

#endif
