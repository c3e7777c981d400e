// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_x86dec.c - libFuzzer target for the x86-64 length decoder that
 * finds RIP-relative operands in Go code: decode the input as a run of
 * instructions, checking that no length exceeds what was given.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/x86dec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;

	while (pos < size) {
		struct x86_insn in;
		int n = x86_decode(data + pos, size - pos, &in);

		if (n <= 0) {
			pos++;
			continue;
		}
		if ((size_t)n > size - pos || n > 15 ||
		    (in.disp_off >= 0 && in.disp_off + 4 > n))
			abort();
		(void)x86_rip_target(&in, 0x401000 + pos);
		pos += (size_t)n;
	}
	return 0;
}
