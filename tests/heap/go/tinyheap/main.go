// tinyheap: a Go program with a small typed heap, for a fuzz seed of
// fuzz_goroutines whose heap mark and types complete (tests/heap/host.sh
// minimises its core to the pages gocap heap types reads, under the
// fuzzer's 1 MiB).  It calls runtime.ReadMemStats, so that gocap finds
// the heap's globals from the code in the core, and crashes with SIGABRT
// (run it with GOTRACEBACK=crash).
//
// It also holds a random graph (GNode, a fixed seed) under a few
// globals, for the brute-force check of gocap heap top --retained's
// dominator tree: short forward edges, long ones and back edges, so that
// objects are reached along several paths of different lengths.
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

// Box is what half the Recs' Val holds: a value with a pointer, typed
// from Go 1.19 without DWARF by its interface word alone, its fit tested
// by the heap's pointer bits.
type Box struct {
	P *int64
	N int64
}

type GNode struct {
	Out [3]*GNode
	ID  int64
}

var (
	groots [6]*GNode
	recs   = map[int64]*Rec{}
	table  *[100]*Rec // over 512 bytes with pointers: an allocation header
	stats  runtime.MemStats
)

// graph links 800 nodes at random (xorshift, a fixed seed) and keeps
// only the globals' six: the slice that made them is garbage.
//
//go:noinline
func graph() {
	nodes := make([]*GNode, 800)
	for i := range nodes {
		nodes[i] = &GNode{ID: int64(i)}
	}
	x := uint32(2463534242)
	next := func(n int) int {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		return int(x % uint32(n))
	}
	for i, n := range nodes {
		if j := i + 1 + next(8); j < len(nodes) {
			n.Out[0] = nodes[j]
		}
		if next(4) == 0 {
			n.Out[1] = nodes[next(len(nodes))]
		}
		if j := i - 1 - next(30); j >= 0 && next(8) == 0 {
			n.Out[2] = nodes[j]
		}
	}
	for k := range groots {
		groots[k] = nodes[next(len(nodes))]
	}
}

func main() {
	table = new([100]*Rec)
	var prev *Rec
	for i := int64(0); i < 64; i++ {
		r := &Rec{ID: i, Next: prev, Tags: []string{"a", "b"}, Val: &[2]int64{i, i}}
		if i%2 == 1 {
			r.Val = &Box{P: &r.ID, N: i}
		}
		recs[i] = r
		table[i] = r
		prev = r
	}
	graph()
	runtime.GC()
	runtime.ReadMemStats(&stats)
	syscall.Kill(syscall.Getpid(), syscall.SIGABRT)
	for {
		syscall.Pause()
	}
}
