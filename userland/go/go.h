/* SPDX-License-Identifier: GPL-2.0 */
/*
 * go.h - the Go layer of gocoredump's userland: the Go runtime model of a
 * core, built on core/ (core.h).  What a reader of a core needs to know
 * about the Go runtime, per release, lives here and nowhere else.
 *
 *   govers.c         the Go releases gocap knows (the one list) and what
 *                    differs between them (traits)
 *   gowaitreasons.c  waitReason strings per release (generated)
 *   golayout.c       where runtime struct fields sit: from DWARF
 *     golayout_dwarf.c (libdw) or the per-release table
 *     golayout_table.c (generated)
 *   pclntab.c        the pc/line table: functions, file:line, frame sizes,
 *                    pcdata/funcdata, the inline tree
 *   goproc.c         the Go process in a core: version, layout, pclntab,
 *                    moduledata, scheduler roots, Ms and their threads
 *     goroots.c        the roots found from machine code (stripped binaries)
 *   goroutines.c     the goroutine walker: each g of allgs, its stack
 *                    unwound as the runtime's traceback unwinds it
 *     gocrash.c        what crashed, and the text the runtime printed
 *       gobacklog.c      what it printed before the crash began
 *                        (runtime.printBacklog): the context of throws
 *   gonow.c          the crash's time on the runtime's clock, for the
 *                    ", N minutes" of goroutine headers
 *   gowait.c         what a blocked goroutine waits on: its sudogs, the
 *                    channel, the semaphore table, a Cond, a sleep, a
 *                    poller wait (gowait.h)
 *   gostackmap.c     the live pointer words of a stack, from the
 *                    runtime's stack maps (gostackmap.h)
 *   goheap.c         the heap's statistics as ReadMemStats, its spans
 *   gomark.c         the heap's objects marked from the roots (gomark.h)
 *   goprof.c         the program's own heap profile (goprof.h)
 *
 * Printing is not here: gocap's printers (userland/gocap/print_*.c) read
 * the structures this layer fills.
 */
#ifndef GOCD_GO_H
#define GOCD_GO_H

#include "go/goproc.h"
#include "go/goroutines.h"

#endif /* GOCD_GO_H */
