// SPDX-License-Identifier: GPL-2.0
/*
 * kcore.c - the kernel side of "@@" core_pattern sockets (see kcore.h).
 * The request comes from the kernel, but it is still bytes off a socket:
 * sizes are checked before use (fuzz_gocapd_proto).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gocapd/kcore.h"

int kcore_parse_req(const void *buf, size_t len, struct kcore_req *out,
		    char *err, size_t errlen)
{
	if (len < KCORE_REQ_SIZE_VER0) {
		snprintf(err, errlen, "coredump request of %zu bytes, need at least %u",
			 len, KCORE_REQ_SIZE_VER0);
		return -EBADMSG;
	}
	memcpy(out, buf, sizeof(*out));
	if (out->size < KCORE_REQ_SIZE_VER0 || out->size > KCORE_REQ_SIZE_MAX) {
		snprintf(err, errlen, "coredump request says it is %u bytes",
			 out->size);
		return -EBADMSG;
	}
	if (out->size_ack < KCORE_ACK_SIZE_VER0) {
		snprintf(err, errlen, "kernel accepts acks of %u bytes, ours is %u",
			 out->size_ack, KCORE_ACK_SIZE_VER0);
		return -EBADMSG;
	}
	if (!(out->mask & KCORE_KERNEL) || !(out->mask & KCORE_REJECT)) {
		snprintf(err, errlen, "kernel offers mask %#llx without KERNEL and REJECT",
			 (unsigned long long)out->mask);
		return -EBADMSG;
	}
	return 0;
}

void kcore_make_ack(const struct kcore_req *req, int reject,
		    struct kcore_ack *ack)
{
	memset(ack, 0, sizeof(*ack));
	ack->size = KCORE_ACK_SIZE_VER0;
	ack->mask = reject ? KCORE_REJECT : KCORE_KERNEL;
	/* Keep the crashed process until we are done with its /proc. */
	ack->mask |= req->mask & KCORE_WAIT;
}

static int recv_all(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, MSG_WAITALL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		got += (size_t)n;
	}
	return 0;
}

int kcore_handshake(int fd, int reject, char *err, size_t errlen)
{
	uint8_t buf[KCORE_REQ_SIZE_MAX];
	struct kcore_req req;
	struct kcore_ack ack;
	uint32_t size, mark;
	int ret;

	/* The size comes first: peek it, then take the whole request. */
	ret = (int)recv(fd, &size, sizeof(size), MSG_PEEK | MSG_WAITALL);
	if (ret != sizeof(size)) {
		snprintf(err, errlen, "no coredump request on the socket");
		return -EBADMSG;
	}
	if (size < KCORE_REQ_SIZE_VER0 || size > KCORE_REQ_SIZE_MAX) {
		snprintf(err, errlen, "coredump request says it is %u bytes", size);
		return -EBADMSG;
	}
	ret = recv_all(fd, buf, size);
	if (ret) {
		snprintf(err, errlen, "reading the coredump request: %s",
			 strerror(-ret));
		return ret;
	}
	ret = kcore_parse_req(buf, size, &req, err, errlen);
	if (ret)
		return ret;
	kcore_make_ack(&req, reject, &ack);
	if (send(fd, &ack, sizeof(ack), MSG_NOSIGNAL) != sizeof(ack)) {
		snprintf(err, errlen, "sending the coredump ack: %s",
			 strerror(errno));
		return -EIO;
	}
	ret = recv_all(fd, &mark, sizeof(mark));
	if (ret) {
		snprintf(err, errlen, "reading the kernel's mark: %s",
			 strerror(-ret));
		return ret;
	}
	if (mark != KCORE_MARK_REQACK) {
		snprintf(err, errlen, "kernel refused our ack with mark %u", mark);
		return -EPROTO;
	}
	return reject ? -ECANCELED : 0;
}
