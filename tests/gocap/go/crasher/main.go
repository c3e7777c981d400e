// Command crasher is the Go program whose cores tests/gocap/host.sh checks
// gocap against.  It starts over a thousand goroutines in varied states,
// waits until they have settled, and then dies, under GOTRACEBACK=crash,
// in the way its first argument names:
//
//	panic-string   panic with a two-line string
//	panic-error    panic(errors.New(...))
//	panic-fmt      panic(fmt.Errorf("...: %w", ...))
//	panic-custom   panic(main.Celsius(-40.5)), a named float type
//	panic-nested   a panic in a deferred call during another panic
//	index          index out of range (runtime.boundsError)
//	nilmap         assignment to entry in nil map
//	nilptr         nil pointer dereference (SIGSEGV turned panic)
//	throw          fatal error: sync: unlock of unlocked mutex
//	signal         print "ready" and wait for the test's SIGABRT
//	syscall        a goroutine locked to its thread blocks in read(2);
//	               print "ready tid=T" and wait for the test's SIGABRT
//	               sent to that thread (tgkill)
//
// States: chan send, chan receive, select, select with no cases,
// sync.Mutex, sync.RWMutex, sync.Cond, sync.WaitGroup, time.Sleep, a
// blocking read(2) on a pipe, network waits (accept and read on loopback),
// pprof-labelled goroutines, deep recursion through an inlined helper,
// spinning goroutines on several Ms, goroutines created just before the
// crash (runnable), and, in the cgo variant, goroutines blocked in C.
//
// Only the standard library of Go 1.19, so every toolchain builds it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Celsius is a named basic type: the runtime prints it as main.Celsius(v).
type Celsius float64

var (
	settled int64 // goroutines that reached their blocking call
	sink    int64
	forever = make(chan int)
	conns   []net.Conn
)

func arrive() { atomic.AddInt64(&settled, 1) }

//go:noinline
func chanSend(ch chan int) { arrive(); ch <- 1 }

//go:noinline
func chanRecv(ch chan int) { arrive(); <-ch }

//go:noinline
func selectTwo(a, b chan int) {
	arrive()
	select {
	case <-a:
	case <-b:
	}
}

//go:noinline
func selectNone() { arrive(); select {} }

//go:noinline
func mutexWait(mu *sync.Mutex) { arrive(); mu.Lock() }

//go:noinline
func rwWait(mu *sync.RWMutex) { arrive(); mu.RLock() }

//go:noinline
func condWait(c *sync.Cond) {
	c.L.Lock()
	arrive()
	c.Wait()
}

//go:noinline
func wgWait(wg *sync.WaitGroup) { arrive(); wg.Wait() }

//go:noinline
func sleeper() { arrive(); time.Sleep(time.Hour) }

//go:noinline
func pipeRead(fd int) {
	var b [1]byte
	arrive()
	syscall.Read(fd, b[:]) // blocks in read(2): [syscall]
}

//go:noinline
func acceptor(l net.Listener) { arrive(); l.Accept() }

//go:noinline
func reader(c net.Conn) {
	var b [1]byte
	arrive()
	c.Read(b[:])
}

// Label values the runtime prints plain, and ones it must quote (Go 1.26
// quotes everything, 1.27 what needs it; an invalid byte differs).
var notes = [3]string{"plain", "two words", "tab\t\"q\" \u00e9 \xff"}

// inSyscall starts a goroutine that blocks in read(2) on a thread of its
// own and returns that thread's id.
func inSyscall() int {
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
	tid := <-tids
	time.Sleep(100 * time.Millisecond) // into read(2)
	return tid
}

//go:noinline
func labelled(i int) {
	pprof.Do(context.Background(), pprof.Labels("job", "labelled", "n", fmt.Sprint(i%3), "note", notes[i%3]),
		func(context.Context) { chanRecv(forever) })
}

// Deep recursion: depth frames of recurse, each with descend inlined.
//
//go:noinline
func recurse(depth int, ch chan int) int {
	if depth == 0 {
		arrive()
		return <-ch
	}
	return descend(depth, ch) + 1
}

func descend(depth int, ch chan int) int { return recurse(depth-1, ch) }

//go:noinline
func spin() {
	arrive()
	for {
		atomic.AddInt64(&sink, 1)
	}
}

//go:noinline
func late(ch chan int) { <-ch }

func start(n int, f func()) {
	for i := 0; i < n; i++ {
		go f()
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: crasher MODE")
		os.Exit(2)
	}
	mode := os.Args[1]
	runtime.GOMAXPROCS(4)
	want := int64(0)
	// GOCAP_CRASHER_FEW=1: one goroutine of each kind (small cores for
	// the fuzz corpus).
	few := os.Getenv("GOCAP_CRASHER_FEW") == "1"
	add := func(n int, f func()) {
		if few {
			n = 1
		}
		start(n, f)
		want += int64(n)
	}

	ch := make(chan int)
	add(200, func() { chanSend(ch) })
	add(150, func() { chanRecv(make(chan int)) })
	add(150, func() { selectTwo(make(chan int), make(chan int)) })
	add(20, selectNone)
	var mu sync.Mutex
	mu.Lock()
	add(120, func() { mutexWait(&mu) })
	var rw sync.RWMutex
	rw.Lock()
	add(60, func() { rwWait(&rw) })
	cond := sync.NewCond(&sync.Mutex{})
	add(100, func() { condWait(cond) })
	var wg sync.WaitGroup
	wg.Add(1)
	add(50, func() { wgWait(&wg) })
	add(200, sleeper)
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		panic(err)
	}
	add(3, func() { pipeRead(fds[0]) })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	add(20, func() { acceptor(l) })
	for i := 0; i < 20 && (!few || i < 1); i++ {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			panic(err)
		}
		conns = append(conns, c) // never closed: panics run defers
		go reader(c)
		want++
	}
	for i := 0; i < 9 && (!few || i < 1); i++ {
		i := i
		go labelled(i)
		want++
	}
	add(5, func() { recurse(30, make(chan int)) })
	add(3, func() { recurse(130, make(chan int)) })
	add(3, spin) // with main, every P busy: late goroutines stay runnable
	want += startCgo()

	for atomic.LoadInt64(&settled) < want {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // let them park

	// Goroutines that will not have run when the crash comes.
	for i := 0; i < 10 && (!few || i < 1); i++ {
		go late(forever)
	}
	tid := 0
	if mode == "syscall" {
		tid = inSyscall()
	}
	fmt.Printf("ready goroutines=%d tid=%d\n", runtime.NumGoroutine(), tid)
	os.Stdout.Sync()

	switch mode {
	case "panic-string":
		panic("boom: a string\nwith a second line")
	case "panic-error":
		panic(errors.New("boom: an errors.New error"))
	case "panic-fmt":
		panic(fmt.Errorf("boom: wrapped: %w", io.ErrUnexpectedEOF))
	case "panic-custom":
		panic(Celsius(-40.5))
	case "panic-nested":
		defer func() { panic("second panic, in a deferred call") }()
		panic("first panic")
	case "index":
		s := []int{1, 2, 3}
		i := 5
		fmt.Println(s[i])
	case "nilmap":
		var m map[string]int
		m["x"] = 1
	case "nilptr":
		var p *struct{ x int }
		fmt.Println(p.x)
	case "throw":
		var m sync.Mutex
		m.Unlock()
	case "signal":
		select {}
	case "syscall":
		select {}
	default:
		fmt.Fprintln(os.Stderr, "crasher: unknown mode", mode)
		os.Exit(2)
	}
}
