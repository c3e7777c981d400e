// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_gocapd_proto.c - libFuzzer target for what gocapd reads off its
 * sockets: the helper/daemon message (proto.c), the context record carried
 * in the handoff's memfd (context.c), and the kernel's coredump request
 * (kcore.c).  The first input byte picks the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gocapd/context.h"
#include "gocapd/kcore.h"
#include "gocapd/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], cg[4096], id[72];
	struct proto_msg m;
	struct kcore_req req;
	struct crash_ctx c;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (proto_parse(data + 1, size - 1, data[0] >> 4, &m, err,
				sizeof(err)) == 0 && strlen(m.text) >= PROTO_TEXT_LEN)
			abort();
		break;
	case 1:
		ctx_init(&c);
		if (ctx_decode(&c, data + 1, size - 1, err, sizeof(err)) == 0) {
			ctx_cgroup_path(&c, cg, sizeof(cg));
			ctx_container_id(cg, strlen(cg), id, sizeof(id));
			ctx_sanitise(c.blob[CTX_COMM].data ? c.blob[CTX_COMM].data : "",
				     c.blob[CTX_COMM].len, id, 33);
		}
		ctx_free(&c);
		break;
	case 2:
		kcore_parse_req(data + 1, size - 1, &req, err, sizeof(err));
		break;
	}
	return 0;
}
