/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zero.h - is a block of bytes all zero?  The test behind every hole the
 * project leaves in a file: gocapd's stored cores (persist.c) and gocap's
 * snapshots (snapshot.c).
 */
#ifndef GOCD_ZERO_H
#define GOCD_ZERO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline int block_is_zero(const uint8_t *p, size_t len)
{
	static const uint8_t zero[16];

	if (len <= 16)
		return !memcmp(p, zero, len);
	/* The first 16 bytes are zero and the block equals itself shifted
	 * by 16: the whole block is zero.  memcmp is vectorised. */
	return !memcmp(p, zero, 16) && !memcmp(p, p + 16, len - 16);
}

#endif /* GOCD_ZERO_H */
