/* SPDX-License-Identifier: GPL-2.0 */
/*
 * le.h - little-endian loads from byte buffers, for every parser of bytes
 * from outside (ELF files, cores, notes, pclntab).  They never cast a byte
 * pointer to a wider type: the data may be unaligned, and the result must
 * not depend on the host's byte order.  Shared by the kernel module and
 * userland.
 */
#ifndef _GOCOREDUMP_LE_H
#define _GOCOREDUMP_LE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

static inline uint16_t gcd_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t gcd_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t gcd_le64(const uint8_t *p)
{
	return (uint64_t)gcd_le32(p) | (uint64_t)gcd_le32(p + 4) << 32;
}

#endif /* _GOCOREDUMP_LE_H */
