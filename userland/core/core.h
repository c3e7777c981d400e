/* SPDX-License-Identifier: GPL-2.0 */
/*
 * core.h - the bottom layer of gocoredump's userland: a core file and the
 * process it holds, with no Go knowledge (golang/debug's internal/core
 * plays the same part below internal/gocore).  Memory, mappings, threads
 * and notes here; runtime structures, goroutines and the heap in go/.
 *
 *   elfcore.c   the ELF core file: segments, notes, NT_FILE, auxv, and each
 *               thread's registers; validated, truncation-tolerant
 *   procmem.c   the process's memory: the core's bytes and, behind them,
 *               the read-only segments of the executable
 *   gcdnote.c   gocoredump.ko's scheduler note, decoded (and as JSON)
 *   arch.h      what differs by CPU: register sets, the kernel's signal
 *               frame, how calls leave return addresses, data references
 *               in machine code
 *     arch_x86.c  x86-64 and i386
 *     x86dec.c    the x86 instruction-length decoder behind it
 *   sort.h      cmp_u64, the one comparison of 64-bit values for qsort
 *               and bsearch
 *   grow.h      grow_array, the one doubling of a growing array's
 *               capacity
 *   ../../lib/goelf.c   the ELF layer under all of it, shared with the
 *               kernel module
 *
 * Everything read from a core is untrusted: every parser here is bounded,
 * never reads outside its buffer, and is fuzzed (fuzz_note, fuzz_x86dec,
 * fuzz_goroutines).  Nothing in this layer includes go/ or store/.
 */
#ifndef GOCD_CORE_H
#define GOCD_CORE_H

#include "core/arch.h"
#include "core/elfcore.h"
#include "core/gcdnote.h"
#include "core/procmem.h"

#endif /* GOCD_CORE_H */
