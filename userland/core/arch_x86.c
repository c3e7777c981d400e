// SPDX-License-Identifier: GPL-2.0
/*
 * arch_x86.c - x86-64 and i386 behind arch.h: their NT_PRSTATUS layouts,
 * the x86-64 signal frame, and data references and register calls in
 * x86-64 code (through x86dec.c).  The layouts are the kernel's (struct elf_prstatus, struct
 * user_regs_struct, struct rt_sigframe and struct sigcontext of
 * arch/x86/include), written down here because the host's headers describe
 * only the host.
 */
#include <string.h>

#include "core/arch.h"
#include "core/procmem.h"
#include "core/x86dec.h"
#include "gocoredump/elf.h"
#include "gocoredump/le.h"

/*
 * struct elf_prstatus: pr_info (3 ints), pr_cursig (short), then
 * pr_sigpend/pr_sighold (longs), pr_pid, pr_ppid, pr_pgrp, pr_sid, four
 * timevals, and pr_reg (user_regs_struct).
 */
#define PRS_SIGNO		0
#define PRS_CURSIG		12
#define PRS64_PID		32
#define PRS64_REG		112
#define PRS32_PID		24
#define PRS32_REG		72

/* struct user_regs_struct, x86-64 (the order of pr_reg's words). */
enum {
	X64_R15, X64_R14, X64_R13, X64_R12, X64_RBP, X64_RBX, X64_R11,
	X64_R10, X64_R9, X64_R8, X64_RAX, X64_RCX, X64_RDX, X64_RSI, X64_RDI,
	X64_ORIG_RAX, X64_RIP, X64_CS, X64_EFLAGS, X64_RSP, X64_SS,
	X64_FS_BASE, X64_GS_BASE, X64_DS, X64_ES, X64_FS, X64_GS, X64_NREGS
};

/* struct user_regs_struct, i386. */
enum {
	X32_EBX, X32_ECX, X32_EDX, X32_ESI, X32_EDI, X32_EBP, X32_EAX, X32_DS,
	X32_ES, X32_FS, X32_GS, X32_ORIG_EAX, X32_EIP, X32_CS, X32_EFLAGS,
	X32_ESP, X32_SS, X32_NREGS
};

/*
 * x86-64 rt_sigframe after the return address: struct ucontext (uc_flags,
 * uc_link, uc_stack (24 bytes), uc_mcontext (struct sigcontext), the mask)
 * then the siginfo.  struct sigcontext starts r8..r15, rdi, rsi, rbp,
 * rbx, rdx, rax, rcx, rsp, rip.
 */
#define UC64_MCONTEXT		40
#define UC64_SIZE		304	/* where the siginfo follows */
#define SC64_RBP		10
#define SC64_RSP		15
#define SC64_RIP		16
#define SI_ERRNO_CODE		8	/* si_code after si_signo, si_errno */
#define SI_ADDR			16	/* si_addr, x86-64 */

/* Where an elf_prstatus keeps what struct core_regs names. */
struct prs_layout {
	size_t pid_off, reg_off;	/* pr_pid, pr_reg */
	unsigned int nregs, width;	/* words of pr_reg, and their size */
	int fp, pc, sp, tls;		/* their indices (-1: none) */
};

static const struct prs_layout prs64 = {
	PRS64_PID, PRS64_REG, X64_NREGS, 8,
	X64_RBP, X64_RIP, X64_RSP, X64_FS_BASE,
};

static const struct prs_layout prs32 = {
	PRS32_PID, PRS32_REG, X32_NREGS, 4,
	X32_EBP, X32_EIP, X32_ESP, -1,
};

static int prstatus(const struct prs_layout *l, const uint8_t *d, size_t len,
		    struct core_regs *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	if (len < l->reg_off + (size_t)l->nregs * l->width)
		return -1;
	out->signo = (int32_t)gcd_le32(d + PRS_SIGNO);
	out->cursig = (int16_t)gcd_le16(d + PRS_CURSIG);
	out->pid = gcd_le32(d + l->pid_off);
	out->ppid = gcd_le32(d + l->pid_off + 4);
	out->pgrp = gcd_le32(d + l->pid_off + 8);
	out->sid = gcd_le32(d + l->pid_off + 12);
	out->nregs = l->nregs;
	for (i = 0; i < l->nregs; i++) {
		const uint8_t *w = d + l->reg_off + i * l->width;

		out->regs[i] = l->width == 8 ? gcd_le64(w) : gcd_le32(w);
	}
	out->fp = out->regs[l->fp];
	out->pc = out->regs[l->pc];
	out->sp = out->regs[l->sp];
	out->tls = l->tls >= 0 ? out->regs[l->tls] : 0;
	return 0;
}

static int prstatus64(const uint8_t *d, size_t len, struct core_regs *out)
{
	return prstatus(&prs64, d, len, out);
}

static int prstatus32(const uint8_t *d, size_t len, struct core_regs *out)
{
	return prstatus(&prs32, d, len, out);
}

static int sigframe64(const struct procmem *m, uint64_t uc,
		      struct sigframe *out)
{
	uint64_t mc = uc + UC64_MCONTEXT, info = uc + UC64_SIZE, v;
	uint32_t u;

	memset(out, 0, sizeof(*out));
	if (procmem_u64(m, mc + SC64_RIP * 8, &out->pc) ||
	    procmem_u64(m, mc + SC64_RSP * 8, &out->sp) ||
	    procmem_u64(m, mc + SC64_RBP * 8, &out->fp))
		return -1;
	if (!procmem_u32(m, info, &u))
		out->signo = (int)u;
	if (!procmem_u32(m, info + SI_ERRNO_CODE, &u))
		out->code = (int32_t)u;
	if (!procmem_u64(m, info + SI_ADDR, &v))
		out->addr = v;
	out->uc = uc;
	return 0;
}

/*
 * Decode [pc, end) instruction by instruction and hand each to fn with its
 * address; stop at the first that does not decode (lost: stop rather
 * than guess) or whose bytes are not in the core.
 */
static void walk64(const struct procmem *m, uint64_t pc, uint64_t end,
		   void (*fn)(void *ctx, const struct x86_insn *in,
			      uint64_t pc),
		   void *ctx)
{
	while (pc < end) {
		size_t avail;
		const uint8_t *code = procmem_span(m, pc, &avail);
		struct x86_insn in;

		if (!code)
			return;
		if (avail > end - pc)
			avail = (size_t)(end - pc);
		if (!x86_decode(code, avail, &in))
			return;
		fn(ctx, &in, pc);
		pc += in.len;
	}
}

/* What the callers of walk64() want called, and with what. */
struct walk_cb {
	void (*ref)(void *arg, uint64_t target, unsigned int kind);
	void (*ret)(void *arg, uint64_t ret);
	void *arg;
};

/* One-byte opcodes whose memory operand is an address taken, not read. */
#define OP_XCHG			0x87
#define OP_LEA			0x8d

static void ref_of(void *ctx, const struct x86_insn *in, uint64_t pc)
{
	const struct walk_cb *cb = ctx;

	if (in->disp_off >= 0)
		cb->ref(cb->arg, x86_rip_target(in, pc),
			in->map == 0 && (in->opcode == OP_XCHG ||
					 in->opcode == OP_LEA) ?
			ARCH_REF_ADDR : ARCH_REF_ACCESS);
}

static void code_refs64(const struct procmem *m, uint64_t pc, uint64_t end,
			void (*fn)(void *arg, uint64_t target,
				   unsigned int kind),
			void *arg)
{
	struct walk_cb cb = { .ref = fn, .arg = arg };

	walk64(m, pc, end, ref_of, &cb);
}

/* FF /2 with a register operand: call *%reg. */
#define OP_GRP5			0xff
#define GRP5_CALL		2

static void reg_call_of(void *ctx, const struct x86_insn *in, uint64_t pc)
{
	const struct walk_cb *cb = ctx;

	if (in->map == 0 && in->opcode == OP_GRP5 && in->has_modrm &&
	    (in->modrm >> 6) == 3 && ((in->modrm >> 3) & 7) == GRP5_CALL)
		cb->ret(cb->arg, pc + in->len);
}

static void reg_calls64(const struct procmem *m, uint64_t pc, uint64_t end,
			void (*fn)(void *arg, uint64_t ret), void *arg)
{
	struct walk_cb cb = { .ret = fn, .arg = arg };

	walk64(m, pc, end, reg_call_of, &cb);
}

static const struct arch arch_x86_64 = {
	.name = "x86-64",
	.e_machine = EM_X86_64,
	.elf_class = ELFCLASS64,
	.ptrsize = 8,
	.g_regno = 1,		/* r14, after r15 in user_regs_struct */
	.tls_g = -8,
	.rel_relative = 8,	/* R_X86_64_RELATIVE */
	.prstatus = prstatus64,
	.sigframe = sigframe64,
	.code_refs = code_refs64,
	.reg_calls = reg_calls64,
};

/* i386: registers only (the kernel tests read 32-bit cores; gocap does
 * not walk them).  A table like x86-64's, as every architecture's is. */
static const struct arch arch_i386 = {
	.name = "i386",
	.e_machine = EM_386,
	.elf_class = ELFCLASS32,
	.ptrsize = 4,
	.g_regno = -1,
	.prstatus = prstatus32,
};

static const struct arch *const all[] = { &arch_x86_64, &arch_i386 };

const struct arch *arch_for(uint16_t e_machine, uint8_t elf_class)
{
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i]->e_machine == e_machine &&
		    all[i]->elf_class == elf_class)
			return all[i];
	return NULL;
}
