// tinyheap: a Go program with a small typed heap, for a fuzz seed of
// fuzz_goroutines whose heap mark and types complete (tests/heap/host.sh
// minimises its core to the pages gocap heap types reads, under the
// fuzzer's 1 MiB).  It calls runtime.ReadMemStats, so that gocap finds
// the heap's globals from the code in the core, and crashes with SIGABRT
// (run it with GOTRACEBACK=crash).
package main

import (
	"runtime"
	"syscall"
)

type Rec struct {
	ID   int64
	Next *Rec
	Tags []string
	Val  any
}

var (
	recs  = map[int64]*Rec{}
	table *[100]*Rec // over 512 bytes with pointers: an allocation header
	stats runtime.MemStats
)

func main() {
	table = new([100]*Rec)
	var prev *Rec
	for i := int64(0); i < 64; i++ {
		r := &Rec{ID: i, Next: prev, Tags: []string{"a", "b"}, Val: &[2]int64{i, i}}
		recs[i] = r
		table[i] = r
		prev = r
	}
	runtime.GC()
	runtime.ReadMemStats(&stats)
	syscall.Kill(syscall.Getpid(), syscall.SIGABRT)
	for {
		syscall.Pause()
	}
}
