/*
 * fuzz: what every libFuzzer target in tests/fuzz/ shares: the entry points
 * libFuzzer calls, and helpers that turn the fuzzer's bytes into a file or
 * into register words. Targets must never write outside their own temp dir.
 */
#ifndef PVMON_FUZZ_H
#define PVMON_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry points (defined by each target). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * Writes data into NAME inside the target's private temp dir (made on first
 * use, removed at exit) and returns the file's path (borrowed, valid until
 * the next call with the same name). Exits on an I/O error: that is the
 * harness failing, not the code under test.
 */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

/* The repo root: $PVMON_ROOT, or "." (make fuzz runs from the root). */
const char *fuzz_root(void);

/* Aborts with a message: an invariant of the code under test was broken. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
