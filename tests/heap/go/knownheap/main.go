// knownheap: a Go program whose heap is known, the oracle of gocap heap
// (tests/heap/host.sh).
//
// It builds (issue 14's test heap):
//   - 100,000 objects of one struct type (Item) held in a global map;
//   - a 10,000-node linked list (Node) reachable only from one
//     goroutine's stack;
//   - 5,000 byte slices of 64 KiB, held in a global slice (SCALE divides
//     the count: KNOWNHEAP_SCALE=10 keeps 500);
//   - an object with a finalizer (runtime.SetFinalizer), held by a
//     global;
//   - 1,000 objects of a type over 512 bytes (Big) and 4 of a large one
//     (Huge), whose types the heap records from Go 1.22;
//   - for the types carried along pointers: 100 Outer, held by a global
//     array, each also pointed at by an *Inner (its first field) from a
//     global declared before it, which must not type it Inner; 100
//     SameOut likewise, each pointed at by a *SameIn, the two types of
//     one size class (only the heap's pointer bits tell them apart), and
//     100 ClassOut by a *ClassIn (the same pointer bits: only the size
//     class tells); 5 Five through a global slice of 5 in an array of 6
//     slots; 50 AnyVal held through a global [50]any and 50 ErrVal
//     through a [50]error; 5 Small in a global map of 5 (one bucket, or
//     one swiss group: too small for an allocation header); 200 Boxed in
//     a chain of sync/atomic.Pointer[Boxed] from a global one (an
//     unsafe.Pointer word, typed only by the Pointer's type argument);
//     300 Synced, the values of a sync.Map in a SyncHolder a global
//     points to (to Go 1.23 a map of *entry, from 1.24 a trie whose
//     children are atomic.Pointer[node], a one-byte type in front of an
//     entry or an inner node);
//   - garbage it drops: 50,000 objects unreachable at the crash.
//
// Then it calls runtime.GC(), runtime.ReadMemStats until the runtime's
// background work has settled (settle), and prints the
// MemStats fields as "memstats NAME VALUE" lines, without allocating (a
// buffer made before, strconv.Append*, one write(2)), and crashes at once
// with SIGABRT (run it with GOTRACEBACK=crash): nothing allocates between
// ReadMemStats and the core, so gocap heap must give the same numbers.
// With KNOWNHEAP_AFTER=N it then allocates N objects of 48 bytes (printed
// as "memstats after N"): Mallocs, HeapObjects, HeapAlloc and TotalAlloc
// must have grown by exactly that.  With KNOWNHEAP_WAIT=1 it does not
// crash but waits, for gocap heap --pid.
//
// With KNOWNHEAP_PROFILE=FILE it writes its heap profile
// (pprof.WriteHeapProfile, what /debug/pprof/heap serves) to FILE last,
// just before the SIGABRT, after a collection with the collector then
// left off, so that the profile cannot move between the write and the
// core: gocap heap allocs must recover the same profile from the core.  KNOWNHEAP_PROFRATE=N sets
// runtime.MemProfileRate first (1: every allocation).
//
// With KNOWNHEAP_GARBAGE=G it then turns the collector off and drops G
// more objects (Junk, ten lists whose heads only a goroutine that has
// exited held; Ghosts more a dead stack object points to, haunted;
// SysGhosts more a uintptr in a goroutine blocked in read(2) points to,
// blocked): garbage at the crash, which gocap heap's mark must leave
// unreachable while it reaches the rest.
package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"example.com/gocoredump/heap/maps"
)

type Item struct {
	ID    int64
	Name  string
	Score float64
	Next  *Item
}

type Node struct {
	Val  int64
	Next *Node
	Pad  [4]int64
}

// P48 is 48 bytes, a size class of its own: KNOWNHEAP_AFTER of them are
// allocated after ReadMemStats, into the P's cached span.
type P48 struct {
	A, B, C, D, E *int
	F             int64
}

// Junk is garbage: KNOWNHEAP_GARBAGE of them, in a list nothing holds,
// and Ghosts more (haunted).
const Ghosts = 50

// SysGhosts more Junk only a uintptr in a system call's frame points to
// (blocked).
const SysGhosts = 30

type Junk struct {
	P *Junk
	B [40]byte
}

// dropJunk builds ten lists of n/10 and forgets them; its goroutine then
// exits.  Ten, not one: a stale word in a frame scanned whole (the
// crashing one's) that happens to point into a list keeps the rest of
// that list alive, and only of that one.
//
//go:noinline
func dropJunk(n int, done chan<- struct{}) {
	for l := 0; l < 10; l++ {
		var h *Junk
		for i := 0; i < n/10; i++ {
			h = &Junk{P: h}
		}
		runtime.KeepAlive(h)
	}
	done <- struct{}{}
}

// haunted builds a list of n Junk and then parks with a pointer to its
// head only in a dead stack object: stain's array, whose stack haunt's
// frame reuses for an array its never-taken branch declares (a local
// whose address is taken: a stack object, not zeroed until declared).
// The runtime scans a stack object only once a live pointer reaches it,
// so the list is garbage; gocap heap must leave it unreachable.  It
// prints the head ("addr ghost N") itself: the crashing goroutine's
// frames, scanned whole, must not hold it.
//
//go:noinline
func haunted(n int, ready chan<- struct{}, never <-chan struct{}) {
	var h *Junk
	for i := 0; i < n; i++ {
		h = &Junk{P: h}
	}
	stain(h)
	a := uintptr(unsafe.Pointer(h))
	h = nil
	buf := make([]byte, 0, 64)
	buf = append(buf, "addr ghost "...)
	buf = strconv.AppendUint(buf, uint64(a), 10)
	buf = append(buf, '\n')
	syscall.Write(1, buf)
	haunt(ready, never)
}

// blocked builds a list of n Junk and then blocks in a read(2) on a
// pipe nothing writes to, its head's address only in a uintptr live
// across the system call (spilled to its frame, which the stack map
// calls no pointer).  The runtime reads a goroutine in a system call
// from g.syscallsp through its stack maps, so the list is garbage;
// gocap heap must leave it unreachable.  It prints the head ("addr
// sysghost N") itself, and signals ready before it blocks.  held, a
// SysHeld live across the call, is reachable from that frame alone: a
// small object with no type in the heap, typed by the frame's DWARF.
//
//go:noinline
func blocked(n int, ready chan<- struct{}) {
	var h *Junk
	for i := 0; i < n; i++ {
		h = &Junk{P: h}
	}
	a := uintptr(unsafe.Pointer(h))
	h = nil
	held := &SysHeld{V: int64(n)}
	escaped = held // to the heap, not blocked's stack
	escaped = nil
	var p [2]int
	if syscall.Pipe(p[:]) != nil {
		os.Exit(3)
	}
	buf := make([]byte, 0, 64)
	buf = append(buf, "addr sysghost "...)
	buf = strconv.AppendUint(buf, uint64(a), 10)
	buf = append(buf, '\n')
	syscall.Write(1, buf)
	ready <- struct{}{}
	syscall.Read(p[0], buf[:1])
	buf = strconv.AppendUint(buf[:0], uint64(a), 10)
	buf = strconv.AppendInt(buf, held.V, 10)
	syscall.Write(1, buf)
}

// SysHeld: what blocked's frame holds (a pointer, so that it is scanned).
type SysHeld struct {
	P *int
	V int64
}

var escaped *SysHeld

//go:noinline
func stain(h *Junk) int {
	var a [128]*Junk
	for i := range a {
		a[i] = h
	}
	return count(&a)
}

//go:noinline
func count(a *[128]*Junk) int {
	n := 0
	for _, p := range a {
		if p != nil {
			n++
		}
	}
	return n
}

//go:noinline
func haunt(ready chan<- struct{}, never <-chan struct{}) {
	if never == nil {
		var b [128]*Junk
		count(&b)
	}
	ready <- struct{}{}
	<-never
}

// Big is over 512 bytes and holds a pointer: from Go 1.22 each one
// carries an allocation header naming its type.  Huge is a large object
// (over 32 KiB) with a pointer: its span names its type.  gocap heap
// types must count knownheap's 1,000 Big and 4 Huge exactly.
type Big struct {
	P   *int
	Buf [1000]byte
}

type Huge struct {
	P   *int
	Buf [40000]byte
}

// Outer's first field is an Inner: a pointer to it points at the Outer.
// Both hold pointers, so only the size class (and, from Go 1.22, the heap
// bits) tell that the object is no Inner.
type Inner struct {
	A *int
	B int64
}

type Outer struct {
	In  Inner
	P   *int
	Pad [10]int64
}

// ClassOut's first field is a ClassIn, and after it only scalars: the
// two hold the same pointer bits, only the size class tells them apart.
type ClassIn struct {
	A *int
	B int64
}

type ClassOut struct {
	In  ClassIn
	Pad [10]int64
}

// Five is held only through a slice of 5 pointers, whose array (40
// bytes) is in the 48-byte class: the heap's bits say 5 pointers, not 6.
type Five struct {
	V int64
	P *int
}

// SameIn and SameOut are of one size class (112 bytes), both with
// pointers: only the heap's pointer bits (SameOut's last word) tell that
// an object a *SameIn points at is a SameOut.
type SameIn struct {
	A *int
	B [12]int64
}

type SameOut struct {
	In SameIn
	P  *int
}

type AnyVal struct {
	X int64
	P *int
}

type ErrVal struct {
	Msg [3]int64
	P   *int
}

func (e *ErrVal) Error() string { return "errval" }

type Small struct {
	V int64
	P *int
}

// Boxed points at the next through an atomic.Pointer, whose word is an
// unsafe.Pointer.
type Boxed struct {
	Next atomic.Pointer[Boxed]
	V    int64
	P    *int
}

// Synced is held only as a sync.Map's value.
type Synced struct {
	V int64
	P *int
}

// SyncHolder holds a sync.Map (whose type alone has no descriptor a
// global could be typed by); over 512 bytes, from Go 1.22 its allocation
// header says its type.
type SyncHolder struct {
	M   sync.Map
	Pad [64]*int
}

type Finalized struct {
	Buf [256]byte
}

var (
	items   = map[int64]*Item{}
	slices  [][]byte
	odds    [3][]byte // large, pointer-free, each its own size
	holder  *Finalized
	bigs    [1000]*Big
	huges   [4]*Huge
	inners  [100]*Inner // declared before outers: met first
	outers  [100]*Outer
	sameins [100]*SameIn // declared before sameout: met first
	sameout [100]*SameOut
	clasins [100]*ClassIn // declared before clasout: met first
	clasout [100]*ClassOut
	anys    [50]any
	errs    [50]error
	smalls  = map[int64]*Small{}
	fives   = make([]*Five, 5)
	mids    = map[int64]int64{} // from Go 1.24 a few tables: a small directory
	mine    [100]*maps.Map      // named as the runtime's map header
	boxed   atomic.Pointer[Boxed]
	synced  *SyncHolder
	stats   runtime.MemStats
	out     = make([]byte, 0, 1<<16)
	garbage []*Item
	after   [100000]*P48
	tiny    [100000]*int64
	sample  = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
)

// initOne and initTwo (init2.go): allocated by main.init, from two files.
var initOne = keepInit(1000)

//go:noinline
func keepInit(n int) []*int {
	return make([]*int, n)
}

func list(n int) *Node {
	var head *Node
	for i := 0; i < n; i++ {
		head = &Node{Val: int64(i), Next: head}
	}
	return head
}

// holdList keeps the list on its stack only, until the process dies.
// headAddr: the list's head, as a number (no pointer: it holds nothing).
var headAddr uintptr

func holdList(ready chan<- struct{}, never <-chan struct{}) {
	head := list(10000)
	headAddr = uintptr(unsafe.Pointer(head))
	ready <- struct{}{}
	<-never
	runtime.KeepAlive(head)
}

// holdOne keeps outers[i] in a local of its frame too, until the process
// dies: two of them make one object that two goroutines' stacks and two
// globals point at (heap why --all must name all four).
//
//go:noinline
func holdOne(i int, ready chan<- struct{}, never <-chan struct{}) {
	o := outers[i]
	ready <- struct{}{}
	<-never
	runtime.KeepAlive(o)
}

func put(name string, v uint64) {
	out = append(out, "memstats "...)
	out = append(out, name...)
	out = append(out, ' ')
	out = strconv.AppendUint(out, v, 10)
	out = append(out, '\n')
}

// settle reads the statistics until two reads 20 ms apart agree: after
// runtime.GC() the background sweeper still hands the collector's work
// buffers back to the heap (32 KiB of GCSys became HeapSys between the
// print and the core, once), and the scavenger releases idle pages.  The
// first time.Sleep allocates the goroutine's timer, so the reads compare
// from the second on.
func putAddr(name string, v uintptr) {
	out = append(out, "addr "...)
	out = append(out, name...)
	out = append(out, ' ')
	out = strconv.AppendUint(out, uint64(v), 10)
	out = append(out, '\n')
}

func settle() {
	var prev runtime.MemStats
	for i := 0; i < 500; i++ {
		time.Sleep(20 * time.Millisecond)
		runtime.ReadMemStats(&stats)
		if i > 0 && stats.Sys == prev.Sys && stats.HeapSys == prev.HeapSys &&
			stats.HeapIdle == prev.HeapIdle && stats.HeapReleased == prev.HeapReleased &&
			stats.GCSys == prev.GCSys && stats.Mallocs == prev.Mallocs &&
			stats.StackInuse == prev.StackInuse && stats.OtherSys == prev.OtherSys {
			return
		}
		prev = stats
	}
}

// envInt is the number in $name, 0 when unset or not a number.  Read
// before the statistics: a failed strconv.Atoi allocates its error.
func envInt(name string) int {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil {
		return 0
	}
	return n
}

// grow allocates through a few frames of its own, so that the profile
// has stacks deeper than main's: n Items in chains of length depth.
//
//go:noinline
func grow(n, depth int) []*Item {
	if depth > 1 {
		return grow(n, depth-1)
	}
	out := make([]*Item, n)
	for i := range out {
		out[i] = &Item{ID: int64(i)}
	}
	return out
}

var grown []*Item

// main waits for the SIGABRT it sends (or, live, for gocap heap --pid):
// pause(2) blocks the thread without a timer or an allocation, and,
// unlike select {}, without the runtime's deadlock check, which raced
// the SIGABRT to a fatal error of its own.  The heap is built in run,
// whose frame is gone by then: main waits in a system call, and when
// gocap read such a stack whole, a dead slot of the frame that built the
// heap held a stale pointer into items' map (a root of item7's path
// before the global); a frame scanned whole still could.
func main() {
	if !run() {
		syscall.Kill(syscall.Getpid(), syscall.SIGABRT)
	}
	for {
		syscall.Pause()
	}
}

// run builds the heap and prints the statistics; whether to wait.
//
//go:noinline
func run() bool {
	if r := envInt("KNOWNHEAP_PROFRATE"); r > 0 {
		runtime.MemProfileRate = r
	}
	scale := envInt("KNOWNHEAP_SCALE")
	if scale < 1 {
		scale = 1
	}
	afterN, tinyN := envInt("KNOWNHEAP_AFTER"), envInt("KNOWNHEAP_TINY")
	garbageN := envInt("KNOWNHEAP_GARBAGE")
	wait := os.Getenv("KNOWNHEAP_WAIT") == "1"
	for i := int64(0); i < 100000; i++ {
		items[i] = &Item{ID: i, Name: "item", Score: float64(i)}
	}
	ready, never := make(chan struct{}), make(chan struct{})
	go holdList(ready, never)
	<-ready
	for i := 0; i < 5000/scale; i++ {
		slices = append(slices, make([]byte, 64<<10))
	}
	for i, k := range []int{40, 48, 80} {
		odds[i] = make([]byte, k<<10)
	}
	// runtime/metrics rotates the heap statistics' generations
	// (consistentHeapStats.read): what follows is counted in another one.
	metrics.Read(sample)
	grown = grow(2000, 5)
	for i := range outers {
		outers[i] = &Outer{}
		inners[i] = &outers[i].In
	}
	for i := range sameout {
		sameout[i] = &SameOut{}
		sameins[i] = &sameout[i].In
	}
	for i := range clasout {
		clasout[i] = &ClassOut{}
		clasins[i] = &clasout[i].In
	}
	for i := 0; i < 2; i++ {
		go holdOne(6, ready, never)
		<-ready
	}
	for i := int64(0); i < 5; i++ {
		smalls[i] = &Small{V: i}
	}
	for i := range fives {
		fives[i] = &Five{V: int64(i)}
	}
	for i := int64(0); i < 3000; i++ {
		mids[i] = i
	}
	for i := range mine {
		x := i
		mine[i] = maps.New(&x)
	}
	for i := range anys {
		anys[i] = &AnyVal{X: int64(i)}
		errs[i] = &ErrVal{}
	}
	for i := 0; i < 200; i++ {
		b := &Boxed{V: int64(i)}
		b.Next.Store(boxed.Load())
		boxed.Store(b)
	}
	synced = &SyncHolder{}
	for i := 0; i < 300; i++ {
		synced.M.Store(int64(1000+i), &Synced{V: int64(i)})
	}
	holder = &Finalized{}
	runtime.SetFinalizer(holder, func(*Finalized) {})
	for i := range bigs {
		bigs[i] = &Big{}
	}
	for i := range huges {
		huges[i] = &Huge{}
	}
	for i := 0; i < 50000; i++ {
		garbage = append(garbage, &Item{ID: int64(i)})
	}
	garbage = nil

	runtime.GC()
	settle()
	put("Alloc", stats.Alloc)
	put("TotalAlloc", stats.TotalAlloc)
	put("Sys", stats.Sys)
	put("Mallocs", stats.Mallocs)
	put("Frees", stats.Frees)
	put("HeapAlloc", stats.HeapAlloc)
	put("HeapSys", stats.HeapSys)
	put("HeapIdle", stats.HeapIdle)
	put("HeapInuse", stats.HeapInuse)
	put("HeapReleased", stats.HeapReleased)
	put("HeapObjects", stats.HeapObjects)
	put("StackInuse", stats.StackInuse)
	put("StackSys", stats.StackSys)
	put("MSpanInuse", stats.MSpanInuse)
	put("MSpanSys", stats.MSpanSys)
	put("MCacheInuse", stats.MCacheInuse)
	put("MCacheSys", stats.MCacheSys)
	put("BuckHashSys", stats.BuckHashSys)
	put("GCSys", stats.GCSys)
	put("OtherSys", stats.OtherSys)
	put("LastGC", stats.LastGC)
	put("PauseTotalNs", stats.PauseTotalNs)
	put("NumGC", uint64(stats.NumGC))
	put("NumForcedGC", uint64(stats.NumForcedGC))
	// KNOWNHEAP_AFTER=N: N more 48-byte objects, kept, after the
	// statistics: most of them sit in the P's cached spans, which only
	// ReadMemStats's flush would have counted.
	n := afterN
	if n > len(after) {
		n = len(after)
	}
	put("after", uint64(n))
	// KNOWNHEAP_TINY=T: then T 8-byte pointer-free objects, which the
	// tiny allocator packs two to a 16-byte block (readmemstats_m counts
	// a block as one object, and each object put into a block already
	// there as a malloc and a free).
	t := tinyN
	if t > len(tiny) {
		t = len(tiny)
	}
	put("tiny", uint64(t))
	// objects whose path from a root gocap heap why must find: "addr NAME
	// ADDRESS" (the global or goroutine that holds each is in host.sh)
	putAddr("item7", uintptr(unsafe.Pointer(items[7])))
	putAddr("big3", uintptr(unsafe.Pointer(bigs[3])))
	putAddr("holder", uintptr(unsafe.Pointer(holder)))
	putAddr("outer5", uintptr(unsafe.Pointer(outers[5])))
	putAddr("outer6", uintptr(unsafe.Pointer(outers[6])))
	putAddr("head", headAddr)
	syscall.Write(1, out)
	for i := 0; i < n; i++ {
		after[i] = &P48{F: int64(i)}
	}
	for i := 0; i < t; i++ {
		v := new(int64)
		*v = int64(i)
		tiny[i] = v
	}
	if garbageN > 0 {
		debug.SetGCPercent(-1)
		done := make(chan struct{})
		go dropJunk(garbageN, done)
		<-done
		go haunted(Ghosts, ready, never)
		<-ready
		go blocked(SysGhosts, ready)
		<-ready
		// the goroutine is gone, its stack no longer scanned
		time.Sleep(100 * time.Millisecond)
	}
	if name := os.Getenv("KNOWNHEAP_PROFILE"); name != "" {
		// The profile in the core must be the one written: no
		// collection may end between the write and the crash, nor
		// the sweep of one that ended before publish its cycle
		// after the write (what MemProfile reads changes then).
		// So: the collector off, one full cycle, swept, published.
		if garbageN == 0 {
			debug.SetGCPercent(-1)
			runtime.GC()
		}
		f, err := os.Create(name)
		if err == nil {
			err = pprof.WriteHeapProfile(f)
			f.Close()
		}
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(2)
		}
	}
	return wait
}
