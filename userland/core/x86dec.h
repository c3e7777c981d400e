/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86dec.h - an x86-64 instruction length decoder, just enough to walk the
 * machine code of Go functions and find their RIP-relative memory operands
 * (how compiled Go code reaches every global variable, static or PIE).
 *
 * It decodes legacy prefixes, REX, VEX and EVEX, the one-, two- and
 * three-byte opcode maps, ModRM/SIB and displacements, and immediates.  It
 * does not name instructions.  Plain C, no I/O; reads never go past the
 * buffer given.  Fuzzed by fuzz_x86dec.
 */
#ifndef GOCD_X86DEC_H
#define GOCD_X86DEC_H

#include <stddef.h>
#include <stdint.h>

struct x86_insn {
	uint8_t len;		/* total length in bytes */
	uint8_t map;		/* 0: one-byte, 1: 0F, 2: 0F38, 3: 0F3A */
	uint8_t opcode;		/* the opcode byte within its map */
	uint8_t rex;		/* REX prefix, 0 if none */
	uint8_t has_modrm, modrm;
	int8_t disp_off;	/* offset of a RIP-relative disp32, or -1 */
	int32_t disp;		/* that displacement */
};

/*
 * Decode the instruction at p (n bytes available).  Returns its length
 * (1..15), or 0 when the bytes are not a valid instruction or run past n.
 */
int x86_decode(const uint8_t *p, size_t n, struct x86_insn *out);

/* Target of a RIP-relative operand of an instruction at address pc. */
static inline uint64_t x86_rip_target(const struct x86_insn *in, uint64_t pc)
{
	return pc + in->len + (int64_t)in->disp;
}

#endif /* GOCD_X86DEC_H */
