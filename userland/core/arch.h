/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch.h - what a reader of cores needs to know that differs between CPU
 * architectures, behind one small table of functions: the registers in a
 * thread's NT_PRSTATUS, the kernel's signal frame on a user stack, how a
 * call leaves its return address, which data addresses machine code
 * refers to, and where it calls through a register.
 *
 * arch_x86.c implements x86-64 (what gocap walks) and i386 (whose cores
 * the kernel tests read).  A second architecture is a new arch_<name>.c
 * and one line in arch_for(); nothing above this layer spells a register
 * offset or decodes an instruction.
 */
#ifndef GOCD_ARCH_H
#define GOCD_ARCH_H

#include <stddef.h>
#include <stdint.h>

struct procmem;

/* A thread's state from its NT_PRSTATUS note. */
struct core_regs {
	int32_t signo;		/* pr_info.si_signo */
	int32_t cursig;		/* pr_cursig */
	uint32_t pid;		/* pr_pid: the thread id */
	uint32_t ppid, pgrp, sid;
	uint64_t pc, sp;	/* program counter, stack pointer */
	uint64_t fp;		/* frame pointer register (rbp, ebp) */
	uint64_t tls;		/* thread pointer (fs_base), 0 if none */
	uint64_t regs[32];	/* the general registers, zero-extended, in
				 * the kernel's user_regs_struct order */
	unsigned int nregs;
};

/* The interrupted context saved in the kernel's signal frame. */
struct sigframe {
	uint64_t uc;		/* address of the ucontext */
	uint64_t pc, sp, fp;	/* interrupted pc, sp, frame pointer */
	int signo;
	int32_t code;		/* si_code */
	uint64_t addr;		/* si_addr */
};

/* Kinds of data reference (arch.code_refs). */
#define ARCH_REF_ACCESS		0x1	/* a load or store of the address */
#define ARCH_REF_ADDR		0x2	/* the address itself is taken (lea),
					 * or swapped atomically (xchg) */

struct arch {
	const char *name;	/* "x86-64" */
	uint16_t e_machine;	/* EM_* */
	uint8_t elf_class;	/* ELFCLASS32/64 */
	uint8_t ptrsize;
	/*
	 * Calls leave the return address in a link register (arm64, ...)
	 * rather than push it (x86): Go's unwinder then finds a frame's
	 * return address at its sp, not in the word below its fp
	 * (runtime/traceback.go, usesLR).
	 */
	uint8_t uses_lr;
	/*
	 * Where a thread keeps its current g, for finding goroutines
	 * without runtime.allgs (go/gofind.c): the index in core_regs.regs
	 * of the g register of Go's register ABI (r14 on x86-64), -1 for
	 * none; and the offset from the thread pointer of the runtime's TLS
	 * slot for g (m.tls[0] at fs_base - 8 on linux/amd64 without cgo),
	 * 0 for none.
	 */
	int g_regno;
	int32_t tls_g;
	/* R_*_RELATIVE, the relocation type a reader can apply itself
	 * (procmem_exe_relocs), 0 for none. */
	uint32_t rel_relative;

	/* Decode an NT_PRSTATUS descriptor: 0, or -1 when too short. */
	int (*prstatus)(const uint8_t *desc, size_t len,
			struct core_regs *out);
	/*
	 * Read the signal frame whose ucontext is at uc (where the signal
	 * trampoline's frame ends): 0, or -1 when its bytes are not in m.
	 */
	int (*sigframe)(const struct procmem *m, uint64_t uc,
			struct sigframe *out);
	/*
	 * Decode the machine code in [pc, end) and call fn(arg, target,
	 * ARCH_REF_*) for each absolute data address an instruction refers
	 * to.  Stops at the first byte sequence it cannot decode (rather than
	 * guess at what follows) and at bytes not in m.
	 */
	void (*code_refs)(const struct procmem *m, uint64_t pc, uint64_t end,
			  void (*fn)(void *arg, uint64_t target,
				     unsigned int kind),
			  void *arg);
	/*
	 * Decode the machine code in [pc, end) like code_refs and call
	 * fn(arg, ret) with the return address of each call through a
	 * register (how Go's assembly calls into the vDSO), in code order.
	 */
	void (*reg_calls)(const struct procmem *m, uint64_t pc, uint64_t end,
			  void (*fn)(void *arg, uint64_t ret), void *arg);
};

/* The architecture of a core or executable, or NULL when unknown. */
const struct arch *arch_for(uint16_t e_machine, uint8_t elf_class);

#endif /* GOCD_ARCH_H */
