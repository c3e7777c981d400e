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
//	oom            fatal error: out of memory, after the runtime's
//	               "runtime: out of memory: cannot allocate ..." line: one
//	               allocation larger than the address space allowed
//	               (refused unless ulimit -v is at most 16 GiB)
//	signal         print "ready" and spin until SIGABRT comes
//	syscall        a goroutine locked to its thread blocks in read(2);
//	               print "ready tid=T" and spin until SIGABRT comes to
//	               that thread (tgkill)
//
// In those two modes, GOCAP_CRASHER_RAISE=1 makes the crasher send the
// SIGABRT itself (kill(2), tgkill(2)) right after "ready"; else the test
// sends it.
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
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Celsius is a named basic type: the runtime prints it as main.Celsius(v).
type Celsius float64

var (
	settled int64 // goroutines that reached their blocking call
	sink    int64
	forever = make(chan int)
	conns   []net.Conn
	huge    []byte
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

// settle waits until want goroutines have reached their blocking call.
// It yields instead of sleeping: a sleep needs a timer, and once the
// spinners run, a P that runs one never runs its own timers (only
// another P can, by stealing them).
func settle(want int64) {
	for atomic.LoadInt64(&settled) < want {
		runtime.Gosched()
	}
}

// waitMinutes makes the goroutines blocked since began wait over d.  Only
// the GC stamps a waiting goroutine's waitsince, with the start of the
// previous collection: hence two collections, after which every waitsince
// lies between began and stamp.  With gate set (a FIFO), the crasher then
// says "at the gate" and waits until the test opens it: the test lets
// crashers crash a few at a time.  Last, it keeps clear of whole minutes
// of those waits (offMinutes).
func waitMinutes(began int64, d time.Duration, gate string) {
	runtime.GC()
	runtime.GC()
	stamp := monotonic()
	time.Sleep(d)
	if gate != "" {
		fmt.Println("at the gate")
		f, err := os.Open(gate) // until a writer opens it
		if err != nil {
			panic(err)
		}
		f.Close()
	}
	offMinutes(began, stamp)
}

// offMinutes waits, if need be, until no wait that began between lo and
// hi (monotonic ns) is within 8 s of a whole minute: the runtime reads its
// clock for each goroutine header while it prints them, so a crash there
// may print either number, and no one time of the crash can match both.
// And gocap's estimate of that time, from the core alone, is the latest
// clock the runtime wrote down, which on a loaded machine came more than
// the old 3 s margin after the header it had to match (an out-of-memory
// crash: "1 minutes" printed, 2 from the core): hence 8 s.
func offMinutes(lo, hi int64) {
	const margin = 8 * int64(time.Second)
	if hi-lo > 40*int64(time.Second) {
		return // never clear; take what comes
	}
	for {
		now := monotonic()
		short, long := now-hi-margin, now-lo+margin
		k := long / int64(time.Minute) * int64(time.Minute)
		if k == 0 || k < short {
			return
		}
		time.Sleep(time.Duration(k - short + int64(time.Millisecond)))
	}
}

// monotonic is CLOCK_MONOTONIC, the clock of runtime.nanotime, in ns.
func monotonic() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

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
	began := monotonic()
	if mode == "oom" {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_AS, &lim); err != nil ||
			lim.Cur > 16<<30 {
			fmt.Fprintln(os.Stderr, "crasher: oom needs ulimit -v of at most 16 GiB")
			os.Exit(2)
		}
	}
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
	want += startCgo()
	settle(want)
	time.Sleep(200 * time.Millisecond) // let them park

	// GOCAP_CRASHER_WAIT=D (a duration): the crasher waits D before it
	// crashes, so that the runtime prints ", N minutes" in the headers.
	if d := os.Getenv("GOCAP_CRASHER_WAIT"); d != "" {
		wait, err := time.ParseDuration(d)
		if err != nil {
			panic(err)
		}
		waitMinutes(began, wait, os.Getenv("GOCAP_CRASHER_GATE"))
	}
	// No collection from here on: the signal and syscall modes run
	// under GODEBUG=asyncpreemptoff=1, so a stop-the-world could never
	// preempt the spinners and would wait forever (the collection that
	// sysmon forces after two minutes without one came during a slow
	// run's wait at the gate and hung it).  GOGC=off also stops those,
	// but not one that was started before and has not yet stopped the
	// world (SetGCPercent waits only for a mark under way): the
	// collection here waits for it, and runs while nothing spins.
	debug.SetGCPercent(-1)
	runtime.GC()
	add(3, spin) // with main, every P busy: late goroutines stay runnable
	settle(want)

	// Goroutines that will not have run when the crash comes.
	for i := 0; i < 10 && (!few || i < 1); i++ {
		go late(forever)
	}
	tid := 0
	if mode == "syscall" {
		tid = inSyscall()
	}
	// mono: the clock just before the crash, for the test to check gocap's
	// estimate of the crash's time against.
	fmt.Printf("ready goroutines=%d tid=%d mono=%d\n", runtime.NumGoroutine(), tid, monotonic())
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
	case "oom":
		huge = make([]byte, 64<<30)
	case "signal", "syscall":
		// GOCAP_CRASHER_RAISE=1: the SIGABRT comes from the crasher
		// itself, right after its last clock read (sent by the test, it
		// came seconds later on a loaded machine, and the runtime's ", N
		// minutes" passed a whole minute that offMinutes had kept clear).
		// main then keeps its P: parked, it would hand the P to the late
		// goroutines, and the runtime could print one as runnable that
		// the core holds running.
		if os.Getenv("GOCAP_CRASHER_RAISE") == "1" {
			if mode == "signal" {
				syscall.Kill(os.Getpid(), syscall.SIGABRT)
			} else {
				syscall.Tgkill(os.Getpid(), tid, syscall.SIGABRT)
			}
		}
		for {
			atomic.AddInt64(&sink, 1)
		}
	default:
		fmt.Fprintln(os.Stderr, "crasher: unknown mode", mode)
		os.Exit(2)
	}
}
