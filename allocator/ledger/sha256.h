/*
 * sha256: a compact SHA-256 (FIPS 180-4) for the ledger's entry hashes and
 * monthly seals. No allocation, no I/O; the context is plain data.
 */
#ifndef PVMON_LEDGER_SHA256_H
#define PVMON_LEDGER_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 65 /* 64 hex digits and a NUL */

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;      /* message length so far */
	unsigned char b[64]; /* the block being filled */
	size_t n;            /* bytes in b */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Finishes the digest and writes it as 64 lower-case hex digits and a NUL. */
void sha256_hex(struct sha256 *c, char out[SHA256_HEX_LEN]);
/* One call: the hex digest of len bytes. */
void sha256_hex_of(const void *data, size_t len, char out[SHA256_HEX_LEN]);

#endif
