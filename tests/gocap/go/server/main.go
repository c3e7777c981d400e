// Command server is the long-running process of tests/gocap/host.sh: an
// HTTP server that runs for minutes, under load from its own clients,
// until the test kills it with SIGABRT (GOTRACEBACK=crash) on a kernel
// without gocoredump.ko.  Its goroutines have then waited two minutes,
// one minute and less, so that the ", N minutes" gocap rebuilds from the
// core (gonow.c) can be checked against what the runtime printed, an
// error of a minute included.
//
//	server [-idle] FIRST SECOND
//
// At start a group of goroutines blocks for good; at FIRST (a duration) a
// second group does; at SECOND the server prints "ready tid=T mono=NS" and
// SIGABRT comes to thread T, blocked in read(2): from the server itself,
// right after that clock read (from the test, it came seconds later on a
// loaded machine, past the whole minute offMinutes had kept clear), or,
// with -idle, from the test.  Only the GC stamps a waiting goroutine's
// waitsince, with the start of the previous collection, so the GC runs
// only when the server says (GOGC off), and each group starts between two
// collections: every waitsince is one of two times, and the server keeps
// clear of whole minutes of them before it says "ready".  The clients stop
// a second before SECOND; then, with GOCAP_CRASHER_GATE set (a FIFO), the
// server says "at the gate" and waits until the test opens it.  Without
// -idle a batch job runs from then on, so that the signal finds the
// process working; with -idle nothing runs when it comes (the server still
// listens, so the runtime sees no deadlock).  The test runs it with
// GODEBUG=asyncpreemptoff=1: a batch job preempted while the runtime
// prints is printed running and held runnable in the core.
//
// Only the standard library of Go 1.19, so every toolchain builds it.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

var (
	stop int32
	sink int64
)

// monotonic is CLOCK_MONOTONIC, the clock of runtime.nanotime, in ns.
func monotonic() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

//go:noinline
func block(ch chan int) { <-ch }

// group starts n goroutines that block for good, between two
// collections, and returns when the first began: the waitsince of every
// goroutine blocked at the second.
func group(n int) int64 {
	t := monotonic()
	runtime.GC()
	for i := 0; i < n; i++ {
		go block(make(chan int))
	}
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	return t
}

// offMinutes waits, if need be, until no wait that began at one of the
// times ts (or at most 1 s after) is within 3 s of a whole minute: the
// runtime reads its clock for each goroutine header while it prints them,
// so a crash there may print either number, and no one time of the crash
// can match both.
func offMinutes(ts ...int64) {
	const margin = 3 * int64(time.Second)
	for again := true; again; {
		again = false
		for _, t := range ts {
			now := monotonic()
			short, long := now-t-int64(time.Second)-margin, now-t+margin
			k := long / int64(time.Minute) * int64(time.Minute)
			if k != 0 && k >= short {
				time.Sleep(time.Duration(k - short + int64(time.Millisecond)))
				again = true
			}
		}
	}
}

func client(url string) {
	for atomic.LoadInt32(&stop) == 0 {
		if r, err := http.Get(url); err == nil {
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
		time.Sleep(50 * time.Millisecond)
	}
}

//go:noinline
func batch() {
	for {
		atomic.AddInt64(&sink, 1)
	}
}

// inRead starts a goroutine that blocks in read(2) on a thread of its
// own and returns that thread's id.
func inRead() int {
	tids := make(chan int)
	go func() {
		runtime.LockOSThread()
		var p [2]int
		var b [1]byte
		if err := syscall.Pipe(p[:]); err != nil {
			panic(err)
		}
		tids <- syscall.Gettid()
		syscall.Read(p[0], b[:])
	}()
	return <-tids
}

func main() {
	idle := len(os.Args) > 1 && os.Args[1] == "-idle"
	if idle {
		os.Args = os.Args[1:]
	}
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: server [-idle] FIRST SECOND")
		os.Exit(2)
	}
	first, err1 := time.ParseDuration(os.Args[1])
	second, err2 := time.ParseDuration(os.Args[2])
	if err1 != nil || err2 != nil || first < time.Second || second < first+2*time.Second {
		fmt.Fprintln(os.Stderr, "server: FIRST and SECOND are durations, 1s <= FIRST < SECOND-2s")
		os.Exit(2)
	}
	debug.SetGCPercent(-1)
	start := time.Now()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "served at", time.Since(start))
	})
	go http.Serve(l, nil)
	for i := 0; i < 2; i++ {
		go client("http://" + l.Addr().String() + "/")
	}
	t1 := group(20)
	time.Sleep(first - time.Since(start))
	t2 := group(20)
	time.Sleep(second - time.Since(start) - time.Second)
	atomic.StoreInt32(&stop, 1)
	tid := inRead()
	time.Sleep(time.Second)
	if gate := os.Getenv("GOCAP_CRASHER_GATE"); gate != "" {
		fmt.Println("at the gate")
		f, err := os.Open(gate) // until a writer opens it
		if err != nil {
			panic(err)
		}
		f.Close()
	}
	offMinutes(t1, t2)
	if !idle {
		go batch()
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("ready tid=%d mono=%d\n", tid, monotonic())
	if idle {
		select {} // the test sends the signal
	}
	// Working, the server sends it itself, right after its last clock
	// read (see the top), and main goes on working.
	syscall.Tgkill(os.Getpid(), tid, syscall.SIGABRT)
	batch()
}
