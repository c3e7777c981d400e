// Command service is the Go service of the full-system lab
// (tests/fullsys/guest.sh), of gocap doctor's host test and of the
// crash-to-exit benchmark (bench/fullsys).  It starts a few goroutines in
// known states, prints "service: ready", and waits.  On SIGUSR1 it panics
// in a new goroutine with a known value; under GOTRACEBACK=crash the
// runtime then prints every goroutine and dies of SIGABRT, dumping core.
//
//	-heap-mib N   hold N MiB of heap, every page written (the benchmark's
//	              2 GiB service)
//
// Only the standard library of Go 1.19, so every toolchain builds it.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

var (
	heap  [][]byte
	never = make(chan int)
	mu    sync.Mutex
)

//go:noinline
func receiver() { <-never }

//go:noinline
func locker() { mu.Lock() }

//go:noinline
func sleeper() { time.Sleep(time.Hour) }

//go:noinline
func crash(n int) {
	panic(fmt.Sprintf("gocd-service: crash %d requested by SIGUSR1", n))
}

func main() {
	heapMiB := flag.Int("heap-mib", 0, "MiB of heap to hold")
	flag.Parse()
	for i := 0; i < *heapMiB; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = byte(i + j/4096 + 1)
		}
		heap = append(heap, b)
	}
	mu.Lock()
	for i := 0; i < 3; i++ {
		go receiver()
		go locker()
		go sleeper()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	fmt.Println("service: ready")
	for n := 1; ; n++ {
		<-sig
		go crash(n)
	}
}
