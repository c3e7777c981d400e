// bigheap: a Go process with a large heap of small typed objects, for
// bench/analyse/heap.sh (gocap heap types against one read of its core).
//
// BIGHEAP_MIB (default 4096) MiB of live heap: 80-byte Obj values (a
// size class of their own), each held by a pointer in chunks of a
// million (global roots), every eighth (every BIGHEAP_LINK-th) also
// linked from the one before: with BIGHEAP_LINK=1 all of them are one
// list, no object is a leaf (the dominators' worst case).
// The collector is off while it builds (nothing is garbage), then it
// prints the runtime's count of objects and crashes with SIGABRT (run it
// with GOTRACEBACK=crash).
package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
)

type Obj struct {
	A, B int64
	Next *Obj
	Name string
	Tags []byte
	Pad  [2]int64
}

const chunk = 1 << 20

var (
	roots [][]*Obj
	stats runtime.MemStats
)

func main() {
	mib, err := strconv.Atoi(os.Getenv("BIGHEAP_MIB"))
	if err != nil || mib <= 0 {
		mib = 4096
	}
	every := 8
	if v, err := strconv.Atoi(os.Getenv("BIGHEAP_LINK")); err == nil && v > 0 {
		every = v
	}
	debug.SetGCPercent(-1)
	n := (mib << 20) / (80 + 8)
	var prev *Obj
	for i := 0; i < n; i += chunk {
		c := make([]*Obj, 0, chunk)
		for j := 0; j < chunk && i+j < n; j++ {
			o := &Obj{A: int64(i + j), Name: "obj"}
			if (i+j)%every == 0 {
				if prev != nil {
					prev.Next = o
				}
				prev = o
			}
			c = append(c, o)
		}
		roots = append(roots, c)
	}
	runtime.ReadMemStats(&stats)
	os.Stdout.WriteString("objects " + strconv.Itoa(n) + " HeapObjects " +
		strconv.FormatUint(stats.HeapObjects, 10) + " HeapAlloc " +
		strconv.FormatUint(stats.HeapAlloc, 10) + "\n")
	syscall.Kill(syscall.Getpid(), syscall.SIGABRT)
	for {
		syscall.Pause()
	}
}
