/*
 * alloc: splits an amount of fen among shareholders by weight with the
 * largest-remainder method, so the parts add up to the total to the fen.
 * Pure arithmetic: no allocation, no I/O, never a floating-point value.
 */
#ifndef PVMON_ALLOC_H
#define PVMON_ALLOC_H

#include <stdint.h>

/*
 * Splits total (>= 0 fen) among n parts by weights (each > 0): every part
 * first gets floor(total * weight / sum), then the fen left over go one each
 * to the largest remainders, ties broken by keys (strcmp order, borrowed;
 * keys may be NULL: ties then go by index). Writes n values to out.
 * Returns 0, or -1 when an argument is out of range (n < 1, total < 0,
 * a weight <= 0, or the weights' sum overflows int64).
 */
int alloc_split(int64_t total, int n, const int64_t *weights, const char *const *keys,
                int64_t *out);

#endif
