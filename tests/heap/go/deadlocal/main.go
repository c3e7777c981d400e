// deadlocal: a frame whose DWARF still names a local's stack slot at a
// call, after the local died and its object was freed and the memory
// given to an object of another type.
//
// DWARF's location lists say where a variable is, not whether it is
// live: s's slot in stale's frame still holds s's last value at the
// read(2) below, and the location list still names it there, but the
// frame's stack map calls the slot dead.  By then the collector has
// freed the Stale and the allocator has given its 24 bytes to an Other.
// gocap heap types must not type that Other as a main.Stale: a DWARF
// local is a typed root only when the stack map says its words are live.
//
// It prints "stale ADDR reused true|false N" (the address, whether an
// Other took it, after N allocations), and crashes with SIGSEGV once the
// goroutine is blocked (run it with GOTRACEBACK=crash).
package main

import (
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

// Stale: s's type, 24 bytes and no pointers (no heap bits, no header:
// nothing in the heap says what it was).
type Stale struct {
	A, B, C int64
}

// Other: what takes Stale's bytes, the same size class.
type Other [3]uint64

// others holds the Others as unsafe.Pointers: reachable, untyped.
var others []unsafe.Pointer

// escape sends s to the heap (and is nil again before s dies).
var escape unsafe.Pointer

var sunk int64

//go:noinline
func spill() { os.Getpid() }

//go:noinline
func sink(v int64) { sunk = v }

// stale: s is live across spill (so that it has a slot in the frame,
// which DWARF names), dead from sink on.  The collector frees its Stale,
// then Others are allocated until one lands where it was.
//
//go:noinline
func stale(ready chan<- struct{}) {
	s := &Stale{A: 7}
	escape = unsafe.Pointer(s)
	escape = nil
	old := uintptr(unsafe.Pointer(s))
	spill()
	sink(s.A)
	runtime.GC()
	reused := false
	n := 0
	for ; n < 1<<20 && !reused; n++ {
		o := &Other{1, 2, 3}
		others = append(others, unsafe.Pointer(o))
		reused = uintptr(unsafe.Pointer(o)) == old
	}
	var p [2]int
	if syscall.Pipe(p[:]) != nil {
		os.Exit(3)
	}
	buf := append(make([]byte, 0, 64), "stale "...)
	buf = strconv.AppendUint(buf, uint64(old), 10)
	buf = strconv.AppendBool(append(buf, " reused "...), reused)
	buf = strconv.AppendInt(append(buf, ' '), int64(n), 10)
	buf = append(buf, '\n')
	syscall.Write(1, buf)
	ready <- struct{}{}
	syscall.Read(p[0], buf[:1])
}

func main() {
	ready := make(chan struct{})
	go stale(ready)
	<-ready
	time.Sleep(100 * time.Millisecond) // until stale is in read(2)
	var nilp *int
	println(*nilp)
}
