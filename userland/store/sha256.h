/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sha256.h - SHA-256 (FIPS 180-4), for naming saved executables by their
 * content: a build ID is a claim any user can forge, a hash of the bytes
 * is not.  Plain C, no I/O.
 */
#ifndef GOCD_STORE_SHA256_H
#define GOCD_STORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t buf[64];
	size_t fill;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *p, size_t n);
void sha256_final(struct sha256 *c, uint8_t out[32]);

/* out gets 64 hex digits and a NUL. */
void sha256_hex(const uint8_t d[32], char out[65]);

#endif /* GOCD_STORE_SHA256_H */
