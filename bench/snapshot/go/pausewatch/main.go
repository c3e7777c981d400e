// Command pausewatch is the target of the snapshot benchmark
// (bench/snapshot/run.sh): it holds -heap-mib MiB of heap, every page
// written, parks -goroutines goroutines, and measures the stops it
// suffers from the outside.  A goroutine wakes every 100 µs and notes
// the longest gap between two wakings; on SIGUSR1 it prints that gap
// ("maxgap_us N") and starts again.  A process stopped by a debugger or
// a snapshot sees the stop as one long gap.
//
// Only the standard library of Go 1.19, so every toolchain builds it.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	heap   [][]byte
	never  = make(chan int)
	maxgap int64
)

//go:noinline
func parked() { <-never }

func watch() {
	last := time.Now()
	for {
		time.Sleep(100 * time.Microsecond)
		now := time.Now()
		gap := int64(now.Sub(last) / time.Microsecond)
		for {
			old := atomic.LoadInt64(&maxgap)
			if gap <= old || atomic.CompareAndSwapInt64(&maxgap, old, gap) {
				break
			}
		}
		last = now
	}
}

func main() {
	heapMiB := flag.Int("heap-mib", 0, "MiB of heap to hold")
	nparked := flag.Int("goroutines", 1000, "goroutines to park")
	flag.Parse()
	for i := 0; i < *heapMiB; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = byte(i + j/4096 + 1)
		}
		heap = append(heap, b)
	}
	for i := 0; i < *nparked; i++ {
		go parked()
	}
	go watch()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	fmt.Println("pausewatch: ready")
	os.Stdout.Sync()
	for range sig {
		fmt.Printf("maxgap_us %d\n", atomic.SwapInt64(&maxgap, 0))
		os.Stdout.Sync()
	}
}
