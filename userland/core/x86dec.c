// SPDX-License-Identifier: GPL-2.0
/*
 * x86dec.c - x86-64 instruction length decoding (see x86dec.h).
 *
 * Tables give, per opcode of each map, whether a ModRM byte follows and
 * what immediate follows it; the Intel SDM opcode maps (Vol. 2, App. A)
 * are the source.  Invalid-in-64-bit opcodes decode as failures so that a
 * walk that lost its way stops instead of inventing operands.
 */
#include <string.h>

#include "core/x86dec.h"

/* Immediate kinds. */
enum {
	I0 = 0,		/* none */
	IB,		/* 1 byte */
	IW,		/* 2 bytes */
	IZ,		/* 2 with 0x66, else 4 */
	IV,		/* 8 with REX.W, 2 with 0x66, else 4 (B8-BF) */
	IWB,		/* ENTER: 2 + 1 */
	IRM,		/* F6/F7: depends on ModRM.reg */
	IMOFF,		/* A0-A3: 8-byte address (4 with 0x67) */
	BAD,		/* invalid in 64-bit mode */
};

#define M 0x10		/* ModRM follows */

/* One-byte map: (M | immediate kind) per opcode; 0 means no ModRM, I0. */
static const uint8_t map0[256] = {
	/* 00 */ M, M, M, M, IB, IZ, BAD, BAD, M, M, M, M, IB, IZ, BAD, 0,
	/* 10 */ M, M, M, M, IB, IZ, BAD, BAD, M, M, M, M, IB, IZ, BAD, BAD,
	/* 20 */ M, M, M, M, IB, IZ, 0, BAD, M, M, M, M, IB, IZ, 0, BAD,
	/* 30 */ M, M, M, M, IB, IZ, 0, BAD, M, M, M, M, IB, IZ, 0, BAD,
	/* 40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 60 */ BAD, BAD, BAD, M, 0, 0, 0, 0, IZ, M | IZ, IB, M | IB,
		 0, 0, 0, 0,
	/* 70 */ IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB,
	/* 80 */ M | IB, M | IZ, BAD, M | IB, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, BAD, 0, 0, 0, 0, 0,
	/* A0 */ IMOFF, IMOFF, IMOFF, IMOFF, 0, 0, 0, 0, IB, IZ, 0, 0, 0, 0, 0, 0,
	/* B0 */ IB, IB, IB, IB, IB, IB, IB, IB, IV, IV, IV, IV, IV, IV, IV, IV,
	/* C0 */ M | IB, M | IB, IW, 0, BAD, BAD, M | IB, M | IZ, IWB, 0, IW, 0,
		 0, IB, BAD, 0,
	/* D0 */ M, M, M, M, BAD, BAD, BAD, 0, M, M, M, M, M, M, M, M,
	/* E0 */ IB, IB, IB, IB, IB, IB, IB, IB, IZ, IZ, BAD, IB, 0, 0, 0, 0,
	/* F0 */ 0, 0, 0, 0, 0, 0, M | IRM, M | IRM, 0, 0, 0, 0, 0, 0, M, M,
};

/* Two-byte map (0F xx). */
static const uint8_t map1[256] = {
	/* 00 */ M, M, M, M, BAD, 0, 0, 0, 0, 0, BAD, 0, BAD, M, 0, M | IB,
	/* 10 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 20 */ M, M, M, M, BAD, BAD, BAD, BAD, M, M, M, M, M, M, M, M,
	/* 30 */ 0, 0, 0, 0, 0, 0, BAD, 0, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
	/* 40 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 50 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 60 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 70 */ M | IB, M | IB, M | IB, M | IB, M, M, M, 0,
		 M, M, BAD, BAD, M, M, M, M,
	/* 80 */ IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ,
	/* 90 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* A0 */ 0, 0, 0, M, M | IB, M, BAD, BAD, 0, 0, 0, M, M | IB, M, M, M,
	/* B0 */ M, M, M, M, M, M, M, M, M, BAD, M | IB, M, M, M, M, M,
	/* C0 */ M, M, M | IB, M, M | IB, M | IB, M | IB, M, 0, 0, 0, 0, 0, 0, 0, 0,
	/* D0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* E0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* F0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, BAD,
};

/* Immediate after ModRM for VEX/EVEX map-1 opcodes. */
static int vex_map1_imm(uint8_t op)
{
	return (op >= 0x70 && op <= 0x73) || op == 0xc2 ||
	       (op >= 0xc4 && op <= 0xc6);
}

/* ModRM, SIB and displacement from q on; returns bytes used or -1. */
static int modrm_len(const uint8_t *q, size_t n, struct x86_insn *out,
		     size_t at)
{
	uint8_t mod, rm;
	size_t k = 1;

	if (n < 1)
		return -1;
	out->has_modrm = 1;
	out->modrm = q[0];
	mod = q[0] >> 6;
	rm = q[0] & 7;
	if (mod == 3)
		return 1;
	if (rm == 4) {
		if (n < 2)
			return -1;
		k = 2;
		if (mod == 0 && (q[1] & 7) == 5)
			return n < 6 ? -1 : 6;	/* SIB with disp32, no base */
	}
	if (mod == 0 && rm == 5) {
		if (n < 5)
			return -1;
		out->disp_off = (int8_t)(at + 1);
		memcpy(&out->disp, q + 1, 4);
		return 5;
	}
	if (mod == 1)
		k += 1;
	else if (mod == 2)
		k += 4;
	return k > n ? -1 : (int)k;
}

int x86_decode(const uint8_t *p, size_t n, struct x86_insn *out)
{
	size_t i = 0, max = n;
	int opsize16 = 0, addr32 = 0, imm = 0, kind;
	uint8_t op;

	if (max > 15)
		max = 15;	/* the longest instruction */
	memset(out, 0, sizeof(*out));
	out->disp_off = -1;
	/* Legacy prefixes, any order. */
	for (; i < max; i++) {
		uint8_t b = p[i];

		if (b == 0x66)
			opsize16 = 1;
		else if (b == 0x67)
			addr32 = 1;
		else if (b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e ||
			 b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 ||
			 b == 0x65)
			;
		else
			break;
	}
	if (i >= max)
		return 0;
	if ((p[i] & 0xf0) == 0x40) {
		out->rex = p[i++];
		if (i >= max)
			return 0;
	}
	op = p[i];

	/* VEX (C4, C5) and EVEX (62): always so in 64-bit mode. */
	if (op == 0xc4 || op == 0xc5 || op == 0x62) {
		size_t plen = op == 0xc5 ? 1 : op == 0xc4 ? 2 : 3;
		int r;

		if (out->rex || i + 1 + plen + 1 > max)
			return 0;
		if (op == 0xc5)
			out->map = 1;
		else
			out->map = p[i + 1] & (op == 0x62 ? 7 : 0x1f);
		if (out->map < 1 || out->map > 3)
			return 0;
		i += 1 + plen;
		out->opcode = p[i++];
		if (out->map == 1 && out->opcode == 0x77)	/* vzeroupper */
			goto done;
		r = modrm_len(p + i, max - i, out, i);
		if (r < 0)
			return 0;
		i += (size_t)r;
		if (out->map == 3 || (out->map == 1 && vex_map1_imm(out->opcode)))
			imm = 1;
		goto imm;
	}

	i++;
	if (op == 0x0f) {
		if (i >= max)
			return 0;
		op = p[i++];
		if (op == 0x38 || op == 0x3a) {
			out->map = op == 0x38 ? 2 : 3;
			if (i >= max)
				return 0;
			out->opcode = p[i++];
			kind = M | (out->map == 3 ? IB : I0);
		} else {
			out->map = 1;
			out->opcode = op;
			kind = map1[op];
		}
	} else {
		out->map = 0;
		out->opcode = op;
		kind = map0[op];
	}
	if ((kind & 0xf) == BAD)
		return 0;
	if (kind & M) {
		int r = modrm_len(p + i, max - i, out, i);

		if (r < 0)
			return 0;
		i += (size_t)r;
	}
	switch (kind & 0xf) {
	case I0:
		imm = 0;
		break;
	case IB:
		imm = 1;
		break;
	case IW:
		imm = 2;
		break;
	case IZ:
		imm = opsize16 && !(out->rex & 8) ? 2 : 4;
		break;
	case IV:
		imm = (out->rex & 8) ? 8 : opsize16 ? 2 : 4;
		break;
	case IWB:
		imm = 3;
		break;
	case IRM:
		if (((out->modrm >> 3) & 7) < 2)
			imm = op == 0xf6 ? 1 :
			      (opsize16 && !(out->rex & 8) ? 2 : 4);
		break;
	case IMOFF:
		imm = addr32 ? 4 : 8;
		break;
	}
imm:
	if (i + (size_t)imm > max)
		return 0;
	i += (size_t)imm;
done:
	out->len = (uint8_t)i;
	return (int)i;
}
