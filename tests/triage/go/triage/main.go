// Command triage is the Go program whose cores tests/triage/host.sh checks
// gocap's grouped views against.  It starts populations of known size, each
// parked on one object, prints each population's size ("pop NAME N") and
// the addresses of the channels and sync objects populations wait on ("obj
// NAME 0x..." ...)
// on stdout and panics in main: run under GOTRACEBACK=crash, its traceback
// on stderr is the test's oracle.
//
// It also prints the file descriptors of the connections the net population
// reads ("fd net N ..."), for the test of gocap's network poller waits.
//
// Populations:
//
//	leak     receivers on a channel nothing else refers to
//	held     senders on a channel a sleeping goroutine still holds
//	localheld senders on a channel that a sleeping goroutine keeps in a
//	         local variable (localholder: not an argument, so the
//	         stack maps' locals bitmap is what says it holds it)
//	deadrecv receivers on a channel that only a dead slot of another
//	         goroutine's stack still holds: deadref, sleeping, which
//	         used it before it went to sleep (the stack maps say the slot
//	         is dead: nothing can ever send on it)
//	caserecv receivers on a channel that only casesend names on its
//	         stack, in a dead select case array: casesend, parked in its
//	         loop's outer select, offered the channel in its inner select
//	         on the last pass (prometheus's discovery sender in small)
//	mutex    sync.Mutex.Lock on one mutex held by main
//	mutexes  sync.Mutex.Lock, each on a mutex of its own (300 of them: more
//	         than the runtime's 251 semaphore roots, so some roots hold
//	         a tree of several addresses)
//	rwmutex  RLock on one RWMutex write-locked by main
//	wg       WaitGroup.Wait on one WaitGroup
//	cond     Cond.Wait on one Cond
//	select   select on the same two channels, started under the pprof
//	         label pop=select
//	sleep    time.Sleep, 30 started by main's start under the pprof label
//	         pop=sleep, 7 by startSleepers (the same frames, another
//	         creator: two buckets)
//	locked   receivers, 3 locked to their thread and 5 not (the same
//	         frames, another state: two buckets)
//	twoways  receivers in one function, 6 at one line and 4 at another
//	         (the same functions, other lines: two buckets)
//	deep     receivers at the bottom of a 150-frame recursion
//	ticker   receivers on the channel of one time.Ticker of an hour
//	net      reads on loopback TCP connections
//
// TRIAGE_FEW=1: two goroutines per population (small cores for the fuzz
// corpus).  "triage park": the same, but once ready main waits for SIGUSR1
// before it panics (a live process for gocap snapshot, whose goroutines the
// traceback right after must equal).  Any other argument is refused.
//
// Only the standard library of Go 1.19, so every toolchain builds it.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	settled int64
	conns   []net.Conn
)

func arrive() { atomic.AddInt64(&settled, 1) }

//go:noinline
func leakRecv(ch chan int) { arrive(); <-ch }

//go:noinline
func heldSend(ch chan int) { arrive(); ch <- 1 }

//go:noinline
func holder(ch chan int) {
	arrive()
	time.Sleep(time.Hour)
	<-ch // keeps ch live on this stack while it sleeps
}

//go:noinline
func localSend(ch chan int) { arrive(); ch <- 1 }

// localHold gets its channel as a result, not an argument, keeps it in a
// local across its sleep and receives on it after.
//
//go:noinline
func localHold(get func() chan int) {
	ch := get()
	arriveCall()
	time.Sleep(time.Hour)
	<-ch
}

//go:noinline
func deadRecv(ch chan int) { arrive(); <-ch }

var sink int

//go:noinline
func chanCap(ch chan int) int { return cap(ch) }

//go:noinline
func arriveCall() { arrive() }

// deadRef keeps ch on its stack across a call (so it is spilled there),
// uses it for the last time, and sleeps: the slot still holds ch, dead.
//
//go:noinline
func deadRef(ch chan int) {
	arriveCall()
	sink = chanCap(ch)
	time.Sleep(time.Hour)
}

// startDead starts deadref and n receivers on a channel only they see.
//
//go:noinline
func startDead(n int) {
	ch := make(chan int)
	obj("deadrecv", ch)
	go deadRef(ch)
	for i := 0; i < n; i++ {
		go deadRecv(ch)
	}
}

// caseBox holds casesend's channels: its loop reads them from the heap,
// so its stack names one only where a select copied it.
type caseBox struct{ tick, ready, stop, out, skip chan int }

// caseSend: on each tick, an inner select offers m.out, or skips it when
// m.skip (closed) is ready first: two cases, so a case array (one case
// and a default would be a selectnbsend call).  Parked in the outer
// select after one pass, its frame still has m.out in the inner select's
// case array, a stack object dead at that call.
//
//go:noinline
func caseSend(m *caseBox) {
	for {
		select {
		case <-m.tick:
			select {
			case m.out <- 1:
			case <-m.skip:
			}
			m.ready <- 1
		case <-m.stop:
			return
		}
	}
}

//go:noinline
func caseRecv(ch chan int) { arrive(); <-ch }

// startCase starts casesend, lets it make one pass (no receiver yet: the
// inner select takes m.skip), then n receivers.
//
//go:noinline
func startCase(n int) {
	m := &caseBox{make(chan int), make(chan int), make(chan int), make(chan int), make(chan int)}
	close(m.skip)
	obj("caseout", m.out)
	obj("casesel", m.tick, m.stop)
	go caseSend(m)
	m.tick <- 1
	<-m.ready
	for i := 0; i < n; i++ {
		go caseRecv(m.out)
	}
}

//go:noinline
func mutexWait(mu *sync.Mutex) { arrive(); mu.Lock() }

//go:noinline
func ownMutexWait(mu *sync.Mutex) { arrive(); mu.Lock() }

//go:noinline
func rwWait(rw *sync.RWMutex) { arrive(); rw.RLock() }

//go:noinline
func wgWait(wg *sync.WaitGroup) { arrive(); wg.Wait() }

//go:noinline
func condWait(c *sync.Cond) {
	c.L.Lock()
	arrive()
	c.Wait()
	c.L.Unlock()
}

//go:noinline
func selectTwo(a, b chan int) {
	arrive()
	select {
	case <-a:
	case <-b:
	}
}

//go:noinline
func sleeper() { arrive(); time.Sleep(time.Hour) }

//go:noinline
func recurse(depth int, ch chan int) int {
	if depth == 0 {
		arrive()
		return <-ch
	}
	return recurse(depth-1, ch) + 1
}

//go:noinline
func netRead(c net.Conn) {
	var b [1]byte
	arrive()
	c.Read(b[:])
}

//go:noinline
func tickerWait(c <-chan time.Time) { arrive(); <-c }

//go:noinline
func twoWays(first bool, ch chan int) int {
	arrive()
	if first {
		return <-ch + 1 // unlike the other branch, so not merged with it
	}
	return <-ch * 2
}

//go:noinline
func lockedRecv(lock bool, ch chan int) int {
	if lock {
		runtime.LockOSThread()
	}
	arrive()
	return <-ch
}

// bind gives the two halves of a population one closure (not inlined, so
// not copied): only what f does with b tells them apart.
//
//go:noinline
func bind(f func(bool, chan int) int, b bool, ch chan int) func() {
	return func() { f(b, ch) }
}

// startSleepers starts n sleepers from another creator than main's start.
//
//go:noinline
func startSleepers(n int) {
	for i := 0; i < n; i++ {
		go sleeper()
	}
}

// startLeak starts n receivers on a channel that only they refer to.
//
//go:noinline
func startLeak(n int) {
	ch := make(chan int)
	obj("leak", ch)
	for i := 0; i < n; i++ {
		go leakRecv(ch)
	}
}

func pop(name string, n int) { fmt.Printf("pop %s %d\n", name, n) }

// obj prints the address of what a population waits on (%p of a channel
// is its hchan), for the test of gocap goroutines --waits.
func obj(name string, ch ...chan int) {
	fmt.Printf("obj %s", name)
	for _, c := range ch {
		fmt.Printf(" %p", c)
	}
	fmt.Println()
}

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "crash" && os.Args[1] != "park") {
		fmt.Fprintln(os.Stderr, "usage: triage crash|park")
		os.Exit(2)
	}
	park := make(chan os.Signal, 1)
	if os.Args[1] == "park" {
		signal.Notify(park, syscall.SIGUSR1)
		fmt.Printf("obj park %p\n", park)
	}
	runtime.GOMAXPROCS(2)
	few := os.Getenv("TRIAGE_FEW") == "1"
	size := func(n int) int {
		if few && n > 2 {
			return 2
		}
		return n
	}
	want := int64(0)
	start := func(name string, n int, f func()) {
		n = size(n)
		pop(name, n)
		for i := 0; i < n; i++ {
			go f()
		}
		want += int64(n)
	}

	startLeak(size(40))
	pop("leak", size(40))
	want += int64(size(40))

	startDead(size(6))
	pop("deadrecv", size(6))
	pop("deadref", 1)
	want += int64(size(6)) + 1

	startCase(size(5))
	pop("caserecv", size(5))
	pop("casesend", 1)
	want += int64(size(5))

	held := make(chan int)
	obj("held", held)
	start("held", 30, func() { heldSend(held) })
	start("holder", 1, func() { holder(held) })

	lh := make(chan int)
	obj("localheld", lh)
	start("localheld", 7, func() { localSend(lh) })
	start("localholder", 1, func() { localHold(func() chan int { return lh }) })

	var mu sync.Mutex
	mu.Lock()
	fmt.Printf("obj mutex %p\n", &mu)
	start("mutex", 25, func() { mutexWait(&mu) })

	nm := size(300)
	pop("mutexes", nm)
	for i := 0; i < nm; i++ {
		own := new(sync.Mutex)
		own.Lock()
		go ownMutexWait(own)
	}
	want += int64(nm)

	var rw sync.RWMutex
	rw.Lock()
	fmt.Printf("obj rwmutex %p\n", &rw)
	start("rwmutex", 10, func() { rwWait(&rw) })

	var wg sync.WaitGroup
	wg.Add(1)
	fmt.Printf("obj wg %p\n", &wg)
	start("wg", 15, func() { wgWait(&wg) })

	cond := sync.NewCond(&sync.Mutex{})
	fmt.Printf("obj cond %p\n", cond)
	start("cond", 12, func() { condWait(cond) })

	sa, sb := make(chan int), make(chan int)
	obj("select", sa, sb)
	pprof.Do(context.Background(), pprof.Labels("pop", "select"),
		func(context.Context) {
			start("select", 20, func() { selectTwo(sa, sb) })
		})

	pprof.Do(context.Background(), pprof.Labels("pop", "sleep"),
		func(context.Context) { start("sleep", 30, sleeper) })
	pop("sleep2", size(7))
	startSleepers(size(7))
	want += int64(size(7))

	tw := make(chan int)
	lk := make(chan int)
	obj("twoways", tw)
	obj("locked", lk)
	start("locked1", 3, bind(lockedRecv, true, lk))
	start("locked2", 5, bind(lockedRecv, false, lk))
	start("twoways1", 6, bind(twoWays, true, tw))
	start("twoways2", 4, bind(twoWays, false, tw))

	deep := make(chan int)
	obj("deep", deep)
	start("deep", 3, func() { recurse(size(150), deep) })

	tick := time.NewTicker(time.Hour)
	fmt.Printf("obj ticker %p\n", tick.C)
	// 0 where the runtime feeds it synchronously (Go 1.23 on, unless
	// GODEBUG asynctimerchan=1, the default of this go.mod's go 1.19
	// before Go 1.27): its hchan then names its timer.
	fmt.Printf("tickcap %d\n", cap(tick.C))
	start("ticker", 5, func() { tickerWait(tick.C) })

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	pop("net", size(4))
	for i := 0; i < size(4); i++ {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			panic(err)
		}
		conns = append(conns, c)
		go netRead(c)
		want++
	}
	fmt.Printf("fd net")
	for _, c := range conns {
		rc, err := c.(*net.TCPConn).SyscallConn()
		if err != nil {
			panic(err)
		}
		rc.Control(func(fd uintptr) { fmt.Printf(" %d", fd) })
	}
	fmt.Println()

	for atomic.LoadInt64(&settled) < want {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // let them park
	fmt.Printf("ready goroutines=%d\n", runtime.NumGoroutine())
	os.Stdout.Sync()
	runtime.KeepAlive(l)
	if os.Args[1] == "park" {
		<-park
	}
	panic("triage: crash with known populations")
}
