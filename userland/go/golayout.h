/* SPDX-License-Identifier: GPL-2.0 */
/*
 * golayout.h - where the fields of the Go runtime's structures sit, for the
 * Go version that wrote a core (amd64 only).
 *
 * Two sources, one result (struct golayout):
 *  - the executable's DWARF, read with libdw (golayout_dwarf.c), when an
 *    executable with DWARF is at hand;
 *  - a table per Go release (golayout_table.c), keyed by the "go1.N"
 *    version from .go.buildinfo, for binaries without DWARF (-ldflags=-w,
 *    -s -w) and for cores analysed without their executable.  The table was
 *    generated from each release's DWARF with `gocap layout --c-table` and
 *    is checked against DWARF by tests/gocap/host.sh.  A version not in the
 *    table is refused: guessing offsets would print wrong stacks.
 *
 * GOLAYOUT_FIELDS lists every field once; the DWARF reader, the table, the
 * table generator and the comparison all expand it.
 */
#ifndef GOCD_GOLAYOUT_H
#define GOCD_GOLAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GOLAYOUT_NONE	0xffffffffu	/* the field does not exist */

/*
 * X(name, struct, members): the offset of `members` (alternative names
 * separated by '|', as the field was renamed between releases) in the
 * runtime struct `struct` (alternative DWARF names separated by '|').
 */
#define GOLAYOUT_FIELDS(X)						\
	X(g_stack,	"runtime.g", "stack")				\
	X(g_sched,	"runtime.g", "sched")				\
	X(g_syscallsp,	"runtime.g", "syscallsp")			\
	X(g_syscallpc,	"runtime.g", "syscallpc")			\
	X(g_stktopsp,	"runtime.g", "stktopsp")			\
	X(g_panic,	"runtime.g", "_panic")				\
	X(g_m,		"runtime.g", "m")				\
	X(g_atomicstatus, "runtime.g", "atomicstatus")			\
	X(g_goid,	"runtime.g", "goid")				\
	X(g_waitsince,	"runtime.g", "waitsince")			\
	X(g_waitreason,	"runtime.g", "waitreason")			\
	X(g_lockedm,	"runtime.g", "lockedm")				\
	X(g_sig,	"runtime.g", "sig")				\
	X(g_sigcode0,	"runtime.g", "sigcode0")			\
	X(g_sigcode1,	"runtime.g", "sigcode1")			\
	X(g_sigpc,	"runtime.g", "sigpc")				\
	X(g_parentgoid,	"runtime.g", "parentGoid")			\
	X(g_gopc,	"runtime.g", "gopc")				\
	X(g_startpc,	"runtime.g", "startpc")				\
	X(g_labels,	"runtime.g", "labels")				\
	X(g_waiting,	"runtime.g", "waiting")				\
	X(g_timer,	"runtime.g", "timer")				\
	X(g_sleepwhen,	"runtime.g", "sleepWhen")			\
	X(gobuf_sp,	"runtime.gobuf", "sp")				\
	X(gobuf_pc,	"runtime.gobuf", "pc")				\
	X(gobuf_bp,	"runtime.gobuf", "bp")				\
	X(m_g0,		"runtime.m", "g0")				\
	X(m_gsignal,	"runtime.m", "gsignal")				\
	X(m_curg,	"runtime.m", "curg")				\
	X(m_caughtsig,	"runtime.m", "caughtsig")			\
	X(m_id,		"runtime.m", "id")				\
	X(m_throwing,	"runtime.m", "throwing")			\
	X(m_dying,	"runtime.m", "dying")				\
	X(m_incgo,	"runtime.m", "incgo")				\
	X(m_procid,	"runtime.m", "procid")				\
	X(m_alllink,	"runtime.m", "alllink")				\
	X(m_libcallpc,	"runtime.m", "libcallpc")			\
	X(m_libcallsp,	"runtime.m", "libcallsp")			\
	X(m_libcallg,	"runtime.m", "libcallg")			\
	X(m_vdsosp,	"runtime.m", "vdsoSP")				\
	X(m_vdsopc,	"runtime.m", "vdsoPC")				\
	X(p_id,		"runtime.p", "id")				\
	X(p_status,	"runtime.p", "status")				\
	X(p_m,		"runtime.p", "m")				\
	X(p_sysmontick,	"runtime.p", "sysmontick")			\
	X(sysmontick_schedwhen, "runtime.sysmontick", "schedwhen")	\
	X(sysmontick_syscallwhen, "runtime.sysmontick", "syscallwhen")	\
	X(sched_lock,	"runtime.schedt", "lock")			\
	X(sched_mnext,	"runtime.schedt", "mnext")			\
	X(sched_maxmcount, "runtime.schedt", "maxmcount")		\
	X(sched_nmfreed, "runtime.schedt", "nmfreed")			\
	X(sched_lastpoll, "runtime.schedt", "lastpoll")			\
	X(panic_arg,	"runtime._panic", "arg")			\
	X(panic_link,	"runtime._panic", "link")			\
	X(panic_recovered, "runtime._panic", "recovered")		\
	X(panic_repanicked, "runtime._panic", "repanicked")		\
	X(panic_goexit,	"runtime._panic", "goexit")			\
	X(md_pcheader,	"runtime.moduledata", "pcHeader")		\
	X(md_funcnametab, "runtime.moduledata", "funcnametab")		\
	X(md_pclntable,	"runtime.moduledata", "pclntable")		\
	X(md_ftab,	"runtime.moduledata", "ftab")			\
	X(md_minpc,	"runtime.moduledata", "minpc")			\
	X(md_maxpc,	"runtime.moduledata", "maxpc")			\
	X(md_text,	"runtime.moduledata", "text")			\
	X(md_etext,	"runtime.moduledata", "etext")			\
	X(md_noptrdata,	"runtime.moduledata", "noptrdata")		\
	X(md_enoptrbss,	"runtime.moduledata", "enoptrbss")		\
	X(md_types,	"runtime.moduledata", "types")			\
	X(md_etypes,	"runtime.moduledata", "etypes")			\
	X(md_rodata,	"runtime.moduledata", "rodata")			\
	X(md_gofunc,	"runtime.moduledata", "gofunc")			\
	X(md_next,	"runtime.moduledata", "next")			\
	X(sudog_g,	"runtime.sudog", "g")				\
	X(sudog_c,	"runtime.sudog", "c")				\
	X(sudog_next,	"runtime.sudog", "next")			\
	X(sudog_prev,	"runtime.sudog", "prev")			\
	X(sudog_elem,	"runtime.sudog", "elem")			\
	X(sudog_waitlink, "runtime.sudog", "waitlink")			\
	X(sudog_isselect, "runtime.sudog", "isSelect")			\
	X(mtptr_vu,	"runtime.maybeTraceablePtr", "vu")		\
	X(hchan_qcount,	"runtime.hchan", "qcount")			\
	X(hchan_dataqsiz, "runtime.hchan", "dataqsiz")			\
	X(hchan_closed,	"runtime.hchan", "closed")			\
	X(hchan_recvq,	"runtime.hchan", "recvq")			\
	X(hchan_sendq,	"runtime.hchan", "sendq")			\
	X(hchan_timer,	"runtime.hchan", "timer")			\
	X(waitq_first,	"runtime.waitq", "first")			\
	X(semaroot_treap, "runtime.semaRoot", "treap")			\
	X(semaroot_nwait, "runtime.semaRoot", "nwait")			\
	X(timer_when,	"runtime.timer", "when")			\
	X(timer_nextwhen, "runtime.timer", "nextwhen")			\
	X(polldesc_fd,	"runtime.pollDesc", "fd")			\
	X(polldesc_rg,	"runtime.pollDesc", "rg")			\
	X(polldesc_wg,	"runtime.pollDesc", "wg")			\
	X(type_size,	"internal/abi.Type|runtime._type", "Size_|size") \
	X(type_tflag,	"internal/abi.Type|runtime._type", "TFlag|tflag") \
	X(type_kind,	"internal/abi.Type|runtime._type", "Kind_|kind") \
	X(type_str,	"internal/abi.Type|runtime._type", "Str|str")	\
	X(uncommon_mcount, "internal/abi.UncommonType|runtime.uncommontype", \
	  "Mcount|mcount")						\
	X(uncommon_moff, "internal/abi.UncommonType|runtime.uncommontype", \
	  "Moff|moff")							\
	GOLAYOUT_HEAP_FIELDS(X)						\
	GOLAYOUT_SPAN_FIELDS(X)						\
	GOLAYOUT_MARK_FIELDS(X)

/*
 * The runtime's memory accounting, for gocap heap (goheap.c): what
 * readmemstats_m reads.  Optional: a layout without them still walks
 * goroutines.  "#size" is the size of the struct itself.
 */
#define GOLAYOUT_HEAP_FIELDS(X)						\
	X(ms_heapstats,	"runtime.mstats", "heapStats")			\
	X(ms_stacks_sys, "runtime.mstats", "stacks_sys")		\
	X(ms_mspan_sys,	"runtime.mstats", "mspan_sys")			\
	X(ms_mcache_sys, "runtime.mstats", "mcache_sys")		\
	X(ms_buckhash_sys, "runtime.mstats", "buckhash_sys")		\
	X(ms_gcmisc_sys, "runtime.mstats", "gcMiscSys")			\
	X(ms_other_sys,	"runtime.mstats", "other_sys")			\
	X(ms_last_gc_unix, "runtime.mstats", "last_gc_unix")		\
	X(ms_pause_total_ns, "runtime.mstats", "pause_total_ns")	\
	X(ms_numgc,	"runtime.mstats", "numgc")			\
	X(ms_numforcedgc, "runtime.mstats", "numforcedgc")		\
	X(ms_gc_cpu_fraction, "runtime.mstats", "gc_cpu_fraction")	\
	X(chs_stats,	"runtime.consistentHeapStats", "stats")		\
	X(hsd_size,	"runtime.heapStatsDelta", "#size")		\
	X(hsd_committed, "runtime.heapStatsDelta", "committed")		\
	X(hsd_released,	"runtime.heapStatsDelta", "released")		\
	X(hsd_inheap,	"runtime.heapStatsDelta", "inHeap")		\
	X(hsd_instacks,	"runtime.heapStatsDelta", "inStacks")		\
	X(hsd_inworkbufs, "runtime.heapStatsDelta", "inWorkBufs")	\
	X(hsd_inptrscalarbits, "runtime.heapStatsDelta", "inPtrScalarBits") \
	X(hsd_tinyalloccount, "runtime.heapStatsDelta", "tinyAllocCount") \
	X(hsd_largealloc, "runtime.heapStatsDelta", "largeAlloc")	\
	X(hsd_largealloccount, "runtime.heapStatsDelta", "largeAllocCount") \
	X(hsd_smallalloccount, "runtime.heapStatsDelta", "smallAllocCount") \
	X(hsd_largefree, "runtime.heapStatsDelta", "largeFree")		\
	X(hsd_largefreecount, "runtime.heapStatsDelta", "largeFreeCount") \
	X(hsd_smallfreecount, "runtime.heapStatsDelta", "smallFreeCount") \
	X(gcc_heapinuse, "runtime.gcControllerState", "heapInUse")	\
	X(gcc_heapreleased, "runtime.gcControllerState", "heapReleased") \
	X(gcc_heapfree,	"runtime.gcControllerState", "heapFree")	\
	X(gcc_totalalloc, "runtime.gcControllerState", "totalAlloc")	\
	X(gcc_totalfree, "runtime.gcControllerState", "totalFree")	\
	X(mheap_spanalloc, "runtime.mheap", "spanalloc")		\
	X(mheap_cachealloc, "runtime.mheap", "cachealloc")		\
	X(fixalloc_inuse, "runtime.fixalloc", "inuse")			\
	X(p_mcache,	"runtime.p", "mcache")				\
	X(mcache_alloc,	"runtime.mcache", "alloc")			\
	X(mcache_tinyallocs, "runtime.mcache", "tinyAllocs")		\
	X(mspan_alloccount, "runtime.mspan", "allocCount")		\
	X(mspan_alloccountbeforecache, "runtime.mspan",			\
	  "allocCountBeforeCache")					\
	X(mspan_elemsize, "runtime.mspan", "elemsize")

/*
 * The heap's spans, for gocap heap's count of the objects in them
 * (goheap.c): mheap_.allspans and what says which of a span's objects are
 * allocated, and for its mark (gomark.c) each span's specials and each
 * P's tiny block.  Optional like the heap fields.  nelems, freeindex and
 * freeIndexForScan are uintptr before Go 1.22, uint16 from it.
 */
#define GOLAYOUT_SPAN_FIELDS(X)						\
	X(mheap_allspans, "runtime.mheap", "allspans")			\
	X(mspan_startaddr, "runtime.mspan", "startAddr")		\
	X(mspan_npages,	"runtime.mspan", "npages")			\
	X(mspan_nelems,	"runtime.mspan", "nelems")			\
	X(mspan_freeindexforscan, "runtime.mspan", "freeIndexForScan")	\
	X(mspan_allocbits, "runtime.mspan", "allocBits")		\
	X(mspan_spanclass, "runtime.mspan", "spanclass")		\
	X(mspan_state,	"runtime.mspan", "state")			\
	X(mspan_specials, "runtime.mspan", "specials")			\
	X(mcache_tiny,	"runtime.mcache", "tiny")

/*
 * What gocap heap's mark reads the pointers' places with (gomark.c), each
 * optional: without one, what it describes is scanned whole.  The
 * globals' pointer masks (moduledata.gcdatamask and gcbssmask, a
 * bitvector {n int32, bytedata *uint8} the runtime decodes at start), a
 * large object's type (mspan.largeType, from Go 1.22), a type's pointer
 * prefix and its mask, and up to Go 1.21 the heap arenas' bitmaps
 * (mheap_.arenas[0], the arenas' index; heapArena.bitmap, and in 1.20
 * and 1.21 noMorePtrs).
 */
#define GOLAYOUT_MARK_FIELDS(X)						\
	X(md_gcdatamask, "runtime.moduledata", "gcdatamask")		\
	X(md_gcbssmask,	"runtime.moduledata", "gcbssmask")		\
	X(mspan_largetype, "runtime.mspan", "largeType")		\
	X(type_ptrdata,	"internal/abi.Type|runtime._type", "PtrBytes|ptrdata") \
	X(type_gcdata,	"internal/abi.Type|runtime._type", "GCData|gcdata") \
	X(mheap_arenas,	"runtime.mheap", "arenas")			\
	X(heaparena_bitmap, "runtime.heapArena", "bitmap")		\
	X(heaparena_nomoreptrs, "runtime.heapArena", "noMorePtrs")

struct golayout {
#define GOLAYOUT_MEMBER(name, st, mem) uint32_t name;
	GOLAYOUT_FIELDS(GOLAYOUT_MEMBER)
#undef GOLAYOUT_MEMBER
	char source[64];	/* "DWARF" or "table go1.22" */
};

/* Number of fields and their names, for generic loops. */
size_t golayout_nfields(void);
const char *golayout_field_name(size_t i);
uint32_t *golayout_field(struct golayout *l, size_t i);
const uint32_t *golayout_field_c(const struct golayout *l, size_t i);
void golayout_field_spec(size_t i, const char **structs,
			 const char **members);

/*
 * The table entry for a Go version string ("go1.22.12", "go1.27.4",
 * "devel go1.27-..." is refused).  Returns 0 and fills *l, or -1 with a
 * message naming the version and the supported ones in err.
 */
int golayout_from_table(const char *go_version, struct golayout *l,
			char *err, size_t errlen);

/*
 * Fields a walker cannot do without; returns the name of the first one
 * missing, or NULL when the layout is usable.
 */
const char *golayout_missing(const struct golayout *l);

/* The same for gocap heap's fields (GOLAYOUT_HEAP_FIELDS). */
const char *golayout_heap_missing(const struct golayout *l);
/* And for its span walk's (GOLAYOUT_SPAN_FIELDS). */
const char *golayout_span_missing(const struct golayout *l);

/* Print as a C initializer (what golayout_table.c holds). */
void golayout_print_c(FILE *f, const struct golayout *l, int minor);
/* Print "field offset" lines, one per field. */
void golayout_print(FILE *f, const struct golayout *l);

/*
 * DWARF (golayout_dwarf.c, libdw): read the offsets from the executable
 * at path.  Returns 1 when the executable has DWARF and every struct was
 * found, 0 when it has no DWARF, -1 on error (err says which).
 */
int golayout_from_dwarf(const char *path, struct golayout *l, char *err,
			size_t errlen);

/*
 * The file that holds the DWARF of the executable at exe: exe itself, or
 * its separate debug file, as Debian's -dbgsym packages install them
 * (objcopy --only-keep-debug): DIR/.build-id/NN/REST.debug for its GNU
 * build ID, then its .gnu_debuglink name beside it, in its directory's
 * .debug/, and under DIR followed by its directory (gdb's order), and
 * the same for the directory of ran, the path the program ran from (NULL
 * or "" for none), when exe is a copy elsewhere (a store's saved
 * executable).  DIR is dir, or GOLAYOUT_DEBUG_DIR when NULL.  A
 * candidate is taken only with DWARF and the executable's Go build ID
 * (or, when either lacks one, its GNU build ID).  Returns 1 with its path
 * in out, 0 when there is none (why says what was looked for, "" when exe
 * has nothing to look for), -1 when exe cannot be read; warn (may be
 * NULL) is called for a candidate that is not the executable's.
 */
#define GOLAYOUT_DEBUG_DIR "/usr/lib/debug"
int golayout_dwarf_file(const char *exe, const char *ran, const char *dir,
			char *out, size_t outlen, char *why, size_t whylen,
			void (*warn)(void *arg, const char *msg), void *arg);

/*
 * The same without the executable, from the build IDs a core holds in
 * the executable's notes (go_id may be "" or NULL, gnu_hex the GNU build
 * ID in lower-case hex): DIR/.build-id/NN/REST.debug, taken only with
 * DWARF and the Go build ID (or, when it or the core has none, the GNU
 * build ID).  Returns 1 with its path in out, else 0 (why says what was
 * looked for when gnu_hex is a build ID).
 */
int golayout_dwarf_by_id(const char *go_id, const char *gnu_hex,
			 const char *dir, char *out, size_t outlen, char *why,
			 size_t whylen,
			 void (*warn)(void *arg, const char *msg), void *arg);

/*
 * A global variable the executable's DWARF types (golayout_dwarf_roots):
 * at addr (as linked), count values of the type whose descriptor lies at
 * moduledata.types + rtoff, or (a type of its own no code needed a
 * descriptor for) a slice of them, or a pointer to one.
 */
enum godwarf_how { GODWARF_VALUE, GODWARF_SLICE, GODWARF_POINTER };
struct godwarf_global {
	const char *name;
	const char *type_name;	/* DWARF's name of the type at rtoff, or NULL */
	uint64_t addr, rtoff, count;
	enum godwarf_how how;
};

/*
 * gfn(arg, global) for each global variable of the executable at path
 * whose DWARF names its type's runtime descriptor (DW_AT_go_runtime_type),
 * and lfn(arg, i, local) for each local variable or parameter DWARF gives
 * the function at pcs[i] (as linked; n of them, ascending, each once: a
 * call's return address less one) whose type it names as for a global and
 * whose location there is one place in the frame: local->addr is then its offset from the
 * frame's CFA (the caller's stack pointer before the call), two's
 * complement.  Only DW_OP_call_frame_cfa, DW_OP_fbreg (the frame base
 * being the CFA), DW_OP_consts/plus and DW_OP_plus_uconst are read; a
 * variable in registers or in pieces is left out.  Variables of inlined
 * calls and lexical blocks count when their ranges hold the pc.  One pass
 * over the units for both; either fn may be NULL.  Returns how many, 0
 * without DWARF, a fn's first nonzero value, or -1 with err.
 */
int golayout_dwarf_roots(const char *path,
			 int (*gfn)(void *arg, const struct godwarf_global *g),
			 const uint64_t *pcs, size_t n,
			 int (*lfn)(void *arg, size_t i,
				    const struct godwarf_global *local),
			 void *arg, char *err, size_t errlen);

/*
 * fn(arg, name, addr, size) for each data object (STT_OBJECT, sized) of
 * the executable's .symtab, addresses as linked.  Returns how many, fn's
 * first nonzero value, or -1 when the file cannot be read.
 */
int golayout_elf_objects(const char *path,
			 int (*fn)(void *arg, const char *name, uint64_t addr,
				   uint64_t size),
			 void *arg);

#endif /* GOCD_GOLAYOUT_H */
