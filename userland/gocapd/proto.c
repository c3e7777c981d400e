// SPDX-License-Identifier: GPL-2.0
/*
 * proto.c - the helper/daemon socket messages (see proto.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gocapd/proto.h"

void proto_init(struct proto_msg *m, enum proto_type type)
{
	memset(m, 0, sizeof(*m));
	m->magic = PROTO_MAGIC;
	m->version = PROTO_VERSION;
	m->type = (uint16_t)type;
}

int proto_parse(const void *buf, size_t len, unsigned int nfds,
		struct proto_msg *out, char *err, size_t errlen)
{
	unsigned int want;

	if (len != sizeof(*out)) {
		snprintf(err, errlen, "message of %zu bytes, expected %zu",
			 len, sizeof(*out));
		return -EBADMSG;
	}
	memcpy(out, buf, sizeof(*out));
	out->text[PROTO_TEXT_LEN - 1] = 0;
	if (out->magic != PROTO_MAGIC || out->version != PROTO_VERSION) {
		snprintf(err, errlen, "bad magic %#x or version %u (peer is another gocapd version?)",
			 out->magic, out->version);
		return -EBADMSG;
	}
	switch (out->type) {
	case PROTO_HELLO:
		if (out->flags & ~PROTO_F_EXE) {
			snprintf(err, errlen, "HELLO with unknown flags %#x",
				 out->flags);
			return -EBADMSG;
		}
		want = 2 + ((out->flags & PROTO_F_EXE) ? 1 : 0);
		if (out->nfds != want || nfds != want) {
			snprintf(err, errlen, "HELLO says %u fds, came with %u, needs %u",
				 out->nfds, nfds, want);
			return -EBADMSG;
		}
		if (out->a == 0 || out->a > (16u << 20)) {
			snprintf(err, errlen, "HELLO context length %llu is out of range",
				 (unsigned long long)out->a);
			return -EBADMSG;
		}
		/* b, what the helper knows (PROTO_KNOWS_*): a bit a later
		 * helper sets is not ours to refuse, only to ignore */
		return 0;
	case PROTO_ACCEPT:
		if ((out->flags & ~PROTO_F_FILE) ||
		    out->nfds != ((out->flags & PROTO_F_FILE) ? 1u : 0u) ||
		    nfds != out->nfds) {
			snprintf(err, errlen, "ACCEPT with flags %#x and %u fds (says %u)",
				 out->flags, nfds, out->nfds);
			return -EBADMSG;
		}
		return 0;
	case PROTO_PROGRESS:
	case PROTO_DONE:
	case PROTO_REFUSE:
	case PROTO_QUEUED:
	case PROTO_GO:
	case PROTO_WITHDRAW:
	case PROTO_WRITTEN:
		if (nfds || out->nfds || out->flags) {
			snprintf(err, errlen, "message type %u with fds or flags",
				 out->type);
			return -EBADMSG;
		}
		if (out->type == PROTO_PROGRESS && out->b > out->a + (out->a >> 3) + (1u << 20)) {
			/* zstd never needs much more than the input */
			snprintf(err, errlen, "PROGRESS: %llu file bytes for %llu core bytes",
				 (unsigned long long)out->b,
				 (unsigned long long)out->a);
			return -EBADMSG;
		}
		if (out->type == PROTO_WRITTEN && out->b > out->a) {
			snprintf(err, errlen, "WRITTEN: %llu core bytes stored of %llu read",
				 (unsigned long long)out->b,
				 (unsigned long long)out->a);
			return -EBADMSG;
		}
		if (out->type == PROTO_DONE && out->b > 2) {
			snprintf(err, errlen, "DONE with status %llu",
				 (unsigned long long)out->b);
			return -EBADMSG;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown message type %u", out->type);
	return -EBADMSG;
}

static int send_with(int sock, const struct proto_msg *m, const int *fds,
		     unsigned int nfds, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * PROTO_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (nfds > PROTO_MAX_FDS)
		return -EINVAL;
	if (nfds) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | flags);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n == sizeof(*m) ? 0 : -EIO;
}

int proto_send(int sock, const struct proto_msg *m, const int *fds,
	       unsigned int nfds)
{
	return send_with(sock, m, fds, nfds, 0);
}

int proto_try_send(int sock, const struct proto_msg *m, const int *fds,
		   unsigned int nfds)
{
	return send_with(sock, m, fds, nfds, MSG_DONTWAIT);
}

int proto_recv(int sock, struct proto_msg *m, int *fds, unsigned int *nfds,
	       char *err, size_t errlen)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * (PROTO_MAX_FDS + 8))];
		struct cmsghdr align;
	} u;
	char buf[sizeof(*m) + 1];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int ret;

	*nfds = 0;
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*nfds < PROTO_MAX_FDS)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
	if (n == 0 && *nfds == 0)
		return 0;
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		snprintf(err, errlen, "message or its fds were truncated");
		ret = -EBADMSG;
	} else {
		ret = proto_parse(buf, (size_t)n, *nfds, m, err, errlen);
	}
	if (ret) {
		for (unsigned int i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		return ret;
	}
	return 1;
}
