/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto.h - messages on gocapd's unix socket (SOCK_SEQPACKET, root only):
 * how `gocapd --pipe` hands a core to the daemon, and what the daemon
 * answers.
 *
 *   helper -> daemon  HELLO, with SCM_RIGHTS [core stream, context memfd,
 *                     exe fd (when PROTO_F_EXE)]; the context memfd holds
 *                     a context record (context.h) of a bytes; b = the
 *                     messages the helper knows beyond version 3's first
 *                     (PROTO_KNOWS_*: 0 from an older helper, ignored by
 *                     an older daemon)
 *   daemon -> helper  QUEUED  a = dumps ahead of this one: sent every
 *                             PROTO_HEARTBEAT_MS while the dump waits for
 *                             a slot
 *                     ACCEPT  a = dumps suppressed before, b = storage,
 *                             text = the partial file's name in .tmp/,
 *                             with SCM_RIGHTS [that file] (PROTO_F_FILE;
 *                             none for Storage=none)
 *   helper -> daemon  GO      the daemon may read the core stream now
 *                     WITHDRAW the helper stores the core itself (it gave
 *                             up on the daemon before GO): read nothing
 *   daemon -> helper  PROGRESS a = core bytes safely in the file,
 *                              b = file bytes that hold them (the file cut
 *                              at b is a valid core/zstd of the first a)
 *                     WRITTEN a = core bytes the daemon read: the whole
 *                             stream, now closed on its side; b = core
 *                             bytes the file holds (the PROGRESS just
 *                             before it is the point that holds them).
 *                             Only to a helper that said PROTO_KNOWS_WRITTEN
 *                     DONE    a = dump id, b = status (enum store_status)
 *                     REFUSE  text = why (the helper then stores the core
 *                             itself)
 *
 * The daemon reads nothing from the core stream before it has the
 * helper's GO.  So a helper that hears nothing from the daemon for
 * HandoffTimeout before ACCEPT (a daemon that hangs: stopped, deadlocked,
 * its disk stuck) closes the connection without GO and stores the core
 * itself; the daemon, should it wake up, finds EOF instead of GO and drops
 * the dump without reading a byte.
 *
 * A helper that dies (killed) before GO says nothing: the daemon sees its
 * socket close without WITHDRAW, and takes the core itself (it holds the
 * stream, and read nothing yet).
 *
 * The helper keeps the partial file until DONE, and its copy of the core
 * stream until WRITTEN (or DONE): if the daemon goes away before DONE, the
 * helper finishes the dump itself from the last PROGRESS point (gocapd.rst,
 * "When the daemon dies"), reading the rest of the stream unless WRITTEN
 * said the daemon read all of it.  WRITTEN comes once every core byte is
 * read and written, before the daemon's fsync: both copies of the stream
 * are closed then, and the kernel lets the crashed process go.  A PROGRESS
 * may go back (the space policy cut the dump): the last one is the one
 * that holds.
 *
 * An older helper takes a message type it does not know for a broken
 * daemon (proto_parse() fails, and it takes the dump over): so WRITTEN
 * goes only to a helper whose HELLO says it knows it.
 *
 * The daemon never blocks on a helper: its socket is non-blocking with a
 * small send buffer; QUEUED that do not fit are dropped, PROGRESS is sent
 * later (only the last one matters), DONE waits for the helper to read.
 * The helper checks the daemon's SO_PEERCRED (root) before sending
 * anything.
 *
 * Both parsers are bounded and are fuzzed (fuzz_gocapd_proto).
 */
#ifndef GOCAPD_PROTO_H
#define GOCAPD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define GOCAPD_SOCKET_PATH	"/run/gocapd/gocapd.sock"
#define PROTO_MAGIC		0x44504347u	/* "GCPD" */
#define PROTO_VERSION		3
#define PROTO_HEARTBEAT_MS	500	/* QUEUED while a HELLO waits */
#define PROTO_MAX_FDS		3
#define PROTO_TEXT_LEN		240

enum proto_type {
	PROTO_HELLO = 1,
	PROTO_ACCEPT,
	PROTO_PROGRESS,
	PROTO_DONE,
	PROTO_REFUSE,
	PROTO_QUEUED,
	PROTO_GO,
	PROTO_WITHDRAW,
	PROTO_WRITTEN,
};

/* HELLO b: what the helper knows beyond the first version 3 messages. */
#define PROTO_KNOWS_WRITTEN	(1u << 0)

#define PROTO_F_EXE		(1u << 0)	/* HELLO: third fd, /proc/PID/exe */
#define PROTO_F_FILE		(1u << 1)	/* ACCEPT: the partial file */

/* Fixed-size wire message, little-endian (x86-64 and the like only talk
 * to themselves here: both ends are the same binary on the same host). */
struct proto_msg {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t flags;
	uint32_t nfds;
	uint64_t a, b;
	char text[PROTO_TEXT_LEN];	/* NUL-terminated */
};

/* Both ends build the message from this one definition; its wire size and
 * layout are fixed all the same. */
_Static_assert(sizeof(struct proto_msg) == 272, "proto_msg is 272 bytes");
_Static_assert(offsetof(struct proto_msg, type) == 6, "proto_msg.type at 6");
_Static_assert(offsetof(struct proto_msg, nfds) == 12, "proto_msg.nfds at 12");
_Static_assert(offsetof(struct proto_msg, a) == 16, "proto_msg.a at 16");
_Static_assert(offsetof(struct proto_msg, b) == 24, "proto_msg.b at 24");
_Static_assert(offsetof(struct proto_msg, text) == 32, "proto_msg.text at 32");

/*
 * Validate a received message of len bytes that came with nfds fds.
 * Returns 0 (and *out is a copy with text NUL-terminated) or -EBADMSG with
 * err saying what is wrong.
 */
int proto_parse(const void *buf, size_t len, unsigned int nfds,
		struct proto_msg *out, char *err, size_t errlen);

void proto_init(struct proto_msg *m, enum proto_type type);

/* sendmsg with fds (may be NULL/0); returns 0 or -errno. */
int proto_send(int sock, const struct proto_msg *m, const int *fds,
	       unsigned int nfds);
/* The same, never blocking: -EAGAIN when the peer's queue is full. */
int proto_try_send(int sock, const struct proto_msg *m, const int *fds,
		   unsigned int nfds);

/*
 * recvmsg one message; fds received are stored in fds[] (up to
 * PROTO_MAX_FDS, close-on-exec) and their count in *nfds; extra fds are
 * closed.  Returns 1, 0 on EOF, or -errno (-EBADMSG with err set).
 */
int proto_recv(int sock, struct proto_msg *m, int *fds, unsigned int *nfds,
	       char *err, size_t errlen);

#endif /* GOCAPD_PROTO_H */
