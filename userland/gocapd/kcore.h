/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcore.h - the kernel's coredump socket protocol (Linux 6.16+: core_pattern
 * "@/path" and, with request/ack, "@@/path"), as fs/coredump.c and
 * include/uapi/linux/coredump.h of Linux 6.17..7.3 define it.  Declared
 * here because this machine's headers predate it.
 *
 * "@/path":  the kernel connects (SOCK_STREAM) and writes the core, then
 *            shuts its side down; with core_pipe_limit != 0 it waits until
 *            we close the connection.
 * "@@/path": the kernel first sends struct coredump_req; we answer with a
 *            coredump_ack (mask: exactly one of KERNEL, USERSPACE, REJECT;
 *            WAIT optional); the kernel answers a 4-byte mark (0 = ok),
 *            then writes the core as above (for KERNEL).
 */
#ifndef GOCAPD_KCORE_H
#define GOCAPD_KCORE_H

#include <stddef.h>
#include <stdint.h>

#define KCORE_KERNEL		(1ull << 0)
#define KCORE_USERSPACE		(1ull << 1)
#define KCORE_REJECT		(1ull << 2)
#define KCORE_WAIT		(1ull << 3)
#define KCORE_REQ_SIZE_VER0	16u
#define KCORE_ACK_SIZE_VER0	16u
#define KCORE_REQ_SIZE_MAX	4096u	/* we read no more than this */
#define KCORE_MARK_REQACK	0u

struct kcore_req {
	uint32_t size;
	uint32_t size_ack;
	uint64_t mask;
};

struct kcore_ack {
	uint32_t size;
	uint32_t spare;
	uint64_t mask;
};

/* The kernel's struct coredump_req/coredump_ack, version 0 (16 bytes). */
_Static_assert(sizeof(struct kcore_req) == KCORE_REQ_SIZE_VER0,
	       "coredump_req version 0 is 16 bytes");
_Static_assert(offsetof(struct kcore_req, mask) == 8, "coredump_req.mask at 8");
_Static_assert(sizeof(struct kcore_ack) == KCORE_ACK_SIZE_VER0,
	       "coredump_ack version 0 is 16 bytes");
_Static_assert(offsetof(struct kcore_ack, mask) == 8, "coredump_ack.mask at 8");

/*
 * Validate a coredump_req of len bytes (the first req->size bytes the
 * kernel sent, len >= 16).  Returns 0, or -EBADMSG with err set.
 */
int kcore_parse_req(const void *buf, size_t len, struct kcore_req *out,
		    char *err, size_t errlen);

/* The ack for a request: reject, or let the kernel write (and wait). */
void kcore_make_ack(const struct kcore_req *req, int reject,
		    struct kcore_ack *ack);

/*
 * Do the request/ack exchange on a connected coredump socket (blocking).
 * *rejected is set when reject was asked for.  Returns 0 when the core
 * follows, -errno otherwise (err says what went wrong).
 */
int kcore_handshake(int fd, int reject, char *err, size_t errlen);

#endif /* GOCAPD_KCORE_H */
