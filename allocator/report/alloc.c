/*
 * alloc: the largest-remainder split of a station's distributable revenue.
 * It must never lose or invent a fen: the parts always sum to the total.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "util.h"

struct part {
	int index;
	int64_t rem; /* (total * weight) mod sum: below sum, so it fits int64 */
	const char *key;
};

/* Largest remainder first; equal remainders by key, then by index, so the order is total. */
static int part_cmp(const void *a, const void *b)
{
	const struct part *x = a, *y = b;
	if (x->rem != y->rem)
		return x->rem > y->rem ? -1 : 1;
	if (x->key && y->key) {
		int c = strcmp(x->key, y->key);
		if (c)
			return c;
	}
	return (x->index > y->index) - (x->index < y->index);
}

/* Splits total by weights; see alloc.h. */
int alloc_split(int64_t total, int n, const int64_t *weights, const char *const *keys, int64_t *out)
{
	struct part small[16], *parts = small;
	int64_t sum = 0, given = 0, left;
	int i;

	if (n < 1 || total < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (weights[i] <= 0 || __builtin_add_overflow(sum, weights[i], &sum))
			return -1;
	}
	if (n > (int)UTIL_ARRAY_LEN(small))
		parts = xmalloc(sizeof *parts * (size_t)n);
	for (i = 0; i < n; i++) {
		/* total * weight may exceed int64: 128-bit intermediate, exact. */
		__int128 p = (__int128)total * weights[i];
		out[i] = (int64_t)(p / sum);
		parts[i].index = i;
		parts[i].rem = (int64_t)(p % sum);
		parts[i].key = keys ? keys[i] : NULL;
		given += out[i];
	}
	left = total - given; /* < n: each floor loses less than one fen */
	if (left > 0) {
		qsort(parts, (size_t)n, sizeof *parts, part_cmp);
		for (i = 0; i < n && left > 0; i++, left--)
			out[parts[i].index]++;
	}
	if (parts != small)
		free(parts);
	return 0;
}
