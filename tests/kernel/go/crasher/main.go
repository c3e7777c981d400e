// Command crasher is the Go program the kernel tests crash.  It runs in the
// lab's guest under GOTRACEBACK=crash and dies in the way its first argument
// names:
//
//	panic                 print "ready", panic
//	abort                 print "ready", wait to be sent a signal
//	dontdump              MADV_DONTDUMP an anonymous region and one page of
//	                      its own rodata, print their addresses, panic
//	threads FILE          set known scheduler state on locked threads, write
//	                      what /proc says about every thread to FILE, panic
//	heap MiB              keep MiB of live heap, print "ready", wait
//	nthreads N            start N OS threads, print "ready", wait
//	mapfile FILE          map FILE twice (read+exec and read-only,
//	                      private), read its first page through each,
//	                      print "ready", wait
//	recover N             panic and recover N times, print "recovered=N",
//	                      exit 0 (nothing on stdout but that line)
//	gopanic               park a few goroutines (channel receive, mutex,
//	                      select), print "ready", panic with an error value
//	                      in a goroutine other than main
//	deadlock              park a few goroutines on channels, print
//	                      "ready", block main: "fatal error: all
//	                      goroutines are asleep - deadlock!"
//	panicerr              print "ready", panic(errors.New(...)) in main
//	nilptr                print "ready", dereference a nil pointer
//	                      (SIGSEGV turned panic)
//	cgosegv               (cgo variant only) print "ready", write through
//	                      a NULL pointer in C: a fatal SIGSEGV in cgo
//
// Everything it prints goes to stdout as "key=value" lines for the test.
// It uses only the standard library of Go 1.19 so every toolchain of the
// lab builds it.
package main

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

var variant = "go"

// A constant big enough to hold whole pages of rodata.
const rodataBlob = "gocoredump-rodata-" +
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

var blob = strings.Repeat(rodataBlob, 1) // keep a reference

func gettid() int { return syscall.Gettid() }

func ready() {
	fmt.Printf("ready pid=%d tid=%d variant=%s go=%s\n", os.Getpid(), gettid(), variant, runtime.Version())
}

func die(msg string) {
	runtime.LockOSThread()
	fmt.Printf("crash_tid=%d\n", gettid())
	os.Stdout.Sync()
	panic(msg)
}

const madvDontdump = 16

func madvise(addr, length uintptr) error {
	_, _, e := syscall.Syscall(syscall.SYS_MADVISE, addr, length, madvDontdump)
	if e != 0 {
		return e
	}
	return nil
}

func dontdump() {
	pg := uintptr(os.Getpagesize())
	anon, err := syscall.Mmap(-1, 0, int(4*pg), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		panic(err)
	}
	for i := range anon {
		anon[i] = 0xa5
	}
	a := uintptr(unsafe.Pointer(&anon[0]))
	if err := madvise(a, 4*pg); err != nil {
		panic(err)
	}
	// A whole page inside the executable's read-only data.
	big := strings.Repeat("x", 1) + rodataBlob
	_ = big
	hdr := (*reflect.StringHeader)(unsafe.Pointer(&rodataConst))
	start := (hdr.Data + pg - 1) &^ (pg - 1)
	if start+pg > hdr.Data+uintptr(hdr.Len) {
		panic("rodata blob smaller than a page")
	}
	if err := madvise(start, pg); err != nil {
		panic(err)
	}
	fmt.Printf("dontdump_anon=%#x len=%#x\n", a, 4*pg)
	fmt.Printf("dontdump_rodata=%#x len=%#x\n", start, pg)
	ready()
	die("gocoredump test: dontdump")
}

// rodataConst is 16 KiB of constant data, placed in rodata by the linker.
var rodataConst = rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob +
	rodataBlob + rodataBlob + rodataBlob + rodataBlob

func boottimeNs() int64 {
	var ts syscall.Timespec
	const clockBoottime = 7
	_, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockBoottime, uintptr(unsafe.Pointer(&ts)), 0)
	if e != 0 {
		panic(e)
	}
	return int64(ts.Sec)*1e9 + int64(ts.Nsec)
}

// schedField reads "name : value" from /proc/.../sched; ms values with a
// fraction become nanoseconds.
func schedFields(path string) map[string]int64 {
	out := map[string]int64{}
	b, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		i := strings.Index(line, ":")
		if i < 0 {
			continue
		}
		k := strings.TrimSpace(line[:i])
		v := strings.TrimSpace(line[i+1:])
		if j := strings.Index(v, "."); j >= 0 {
			ms, err1 := strconv.ParseInt(v[:j], 10, 64)
			frac := (v[j+1:] + "000000")[:6]
			ns, err2 := strconv.ParseInt(frac, 10, 64)
			if err1 == nil && err2 == nil {
				out[k] = ms*1000000 + ns
			}
			continue
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out[k] = n
		}
	}
	return out
}

func statFields(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	s := string(b)
	// comm may hold spaces: fields start after the last ')'.
	i := strings.LastIndex(s, ")")
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:]) // [0] is field 3 (state)
}

func recordThreads(path string, roles map[int]string) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	fmt.Fprintf(f, "boottime_ns=%d\n", boottimeNs())
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		panic(err)
	}
	for _, e := range ents {
		tid, _ := strconv.Atoi(e.Name())
		d := "/proc/self/task/" + e.Name()
		s := schedFields(d + "/sched")
		st := statFields(d + "/stat")
		var run, delay, pcount int64
		if b, err := os.ReadFile(d + "/schedstat"); err == nil {
			fmt.Sscan(string(b), &run, &delay, &pcount)
		}
		if len(st) < 13 {
			continue
		}
		// stat fields (1-based): 10 minflt, 12 majflt, 14 utime, 15 stime
		fmt.Fprintf(f, "tid=%d role=%s sum_exec_runtime_ns=%d nvcsw=%d nivcsw=%d nr_migrations=%d run_delay_ns=%d pcount=%d minflt=%s majflt=%s utime_ticks=%s stime_ticks=%s\n",
			tid, roles[tid], s["se.sum_exec_runtime"], s["nr_voluntary_switches"],
			s["nr_involuntary_switches"], s["se.nr_migrations"], delay, pcount,
			st[7], st[9], st[11], st[12])
	}
	fmt.Fprintf(f, "boottime_after_ns=%d\n", boottimeNs())
	f.Close()
}

func setAffinity(cpu int) error {
	var mask [16]uint64
	mask[cpu/64] = 1 << (uint(cpu) % 64)
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask[0])))
	if e != 0 {
		return e
	}
	return nil
}

func setBatchNice7() error {
	const schedBatch = 3
	var param [1]int32
	if _, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, 0, schedBatch, uintptr(unsafe.Pointer(&param[0]))); e != 0 {
		return e
	}
	return syscall.Setpriority(syscall.PRIO_PROCESS, gettid(), 7)
}

func setName(name string) error {
	b := append([]byte(name), 0)
	_, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_NAME, uintptr(unsafe.Pointer(&b[0])), 0)
	if e != 0 {
		return e
	}
	return nil
}

func threads(path string) {
	roles := map[int]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	hold := make(chan struct{})
	start := func(role string, setup func() error) {
		wg.Add(1)
		go func() {
			runtime.LockOSThread()
			if err := setup(); err != nil {
				panic(fmt.Sprintf("%s: %v", role, err))
			}
			mu.Lock()
			roles[gettid()] = role
			mu.Unlock()
			fmt.Printf("role=%s tid=%d\n", role, gettid())
			wg.Done()
			<-hold // keep the thread (locked, never reused) alive
		}()
	}
	start("pinned", func() error { return setAffinity(1) })
	start("batch", setBatchNice7)
	start("named", func() error { return setName("gcd-named") })
	wg.Wait()
	// Some work, so that the counters are not all zero.
	x := 0
	for i := 0; i < 2000000; i++ {
		x += i
	}
	time.Sleep(10 * time.Millisecond)
	fmt.Printf("work=%d\n", x)
	// Crash from a thread that is not the group leader, so that "which
	// thread took the signal" is a real question.
	go func() {
		runtime.LockOSThread()
		mu.Lock()
		roles[gettid()] = "crasher"
		mu.Unlock()
		recordThreads(path, roles)
		die("gocoredump test: threads")
	}()
	select {}
}

// The main goroutine keeps the main thread, so that the threads the test
// configures are never the thread group leader (renaming the leader would
// rename the process).
func init() {
	runtime.LockOSThread()
}

// mapfile maps path with an executable and a read-only private mapping and
// touches the first page of each, so that the kernel's own look at it at
// dump time (the ELF-header page) finds the page in memory.
func mapfile(path string) {
	f, err := os.Open(path)
	if err != nil {
		panic(err)
	}
	st, err := f.Stat()
	if err != nil {
		panic(err)
	}
	for _, prot := range []int{syscall.PROT_READ | syscall.PROT_EXEC, syscall.PROT_READ} {
		b, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), prot, syscall.MAP_PRIVATE)
		if err != nil {
			panic(err)
		}
		fmt.Printf("mapped=%#x prot=%d first=%d\n", uintptr(unsafe.Pointer(&b[0])), prot, b[0])
	}
	// Not held open: closing it at exit would wait for the file system
	// (FUSE sends FLUSH), after the dump, which is not what is measured.
	f.Close()
}

// sleepForever waits to be killed.  Not select{}: with nothing else to
// run, the runtime would call that a deadlock and crash on its own.
func sleepForever() {
	for {
		time.Sleep(time.Hour)
	}
}

// recoverLoop panics and recovers n times.
func recoverLoop(n int) int {
	done := 0
	for i := 0; i < n; i++ {
		func() {
			defer func() {
				if recover() != nil {
					done++
				}
			}()
			panic(fmt.Sprintf("gocoredump test: recovered panic %d", i))
		}()
	}
	return done
}

//go:noinline
func parkedRecv(ch chan int) { <-ch }

//go:noinline
func parkedMutex(mu *sync.Mutex) { mu.Lock() }

//go:noinline
func parkedSelect(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}

// parkSome starts goroutines that block for good (no timers, so that a
// deadlock is still one) and waits until they are parked.
func parkSome() {
	var started sync.WaitGroup
	mu := new(sync.Mutex)
	mu.Lock()
	for i := 0; i < 2; i++ {
		started.Add(3)
		go func() { started.Done(); parkedRecv(make(chan int)) }()
		go func() { started.Done(); parkedMutex(mu) }()
		go func() { started.Done(); parkedSelect(make(chan int), make(chan int)) }()
	}
	started.Wait()
	for i := 0; i < 100; i++ {
		runtime.Gosched() // let them reach their blocking call
	}
}

var cgoSegv func() // set by the cgo variant

// errTest is the error value the error panics carry.
var errTest = errors.New("gocoredump test: an error value")

//go:noinline
func nilDeref(p *struct{ x, y int }) int { return p.y }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: crasher panic|abort|dontdump|threads FILE|heap MiB|nthreads N|mapfile FILE|recover N|gopanic|deadlock|panicerr|nilptr|cgosegv")
		os.Exit(2)
	}
	_ = blob
	switch os.Args[1] {
	case "panic":
		ready()
		die("gocoredump test: panic")
	case "abort":
		ready()
		sleepForever()
	case "dontdump":
		dontdump()
	case "threads":
		threads(os.Args[2])
	case "heap":
		mb, _ := strconv.Atoi(os.Args[2])
		keep := make([][]byte, mb)
		for i := range keep {
			keep[i] = make([]byte, 1<<20)
			for j := 0; j < len(keep[i]); j += 4096 {
				keep[i][j] = byte(i + j)
			}
		}
		ready()
		sleepForever()
	case "mapfile":
		mapfile(os.Args[2])
		ready()
		sleepForever()
	case "nthreads":
		n, _ := strconv.Atoi(os.Args[2])
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				runtime.LockOSThread()
				wg.Done()
				select {}
			}()
		}
		wg.Wait()
		ready()
		sleepForever()
	case "recover":
		n, _ := strconv.Atoi(os.Args[2])
		fmt.Printf("recovered=%d\n", recoverLoop(n))
	case "gopanic":
		parkSome()
		ready()
		go func() {
			runtime.LockOSThread()
			fmt.Printf("crash_tid=%d\n", gettid())
			os.Stdout.Sync()
			panic(errTest)
		}()
		parkedRecv(make(chan int))
	case "deadlock":
		parkSome()
		ready()
		os.Stdout.Sync()
		parkedRecv(make(chan int))
	case "panicerr":
		ready()
		os.Stdout.Sync()
		panic(errTest)
	case "nilptr":
		ready()
		os.Stdout.Sync()
		fmt.Println(nilDeref(nil))
	case "cgosegv":
		if cgoSegv == nil {
			fmt.Fprintln(os.Stderr, "crasher: cgosegv needs the cgo variant")
			os.Exit(2)
		}
		ready()
		os.Stdout.Sync()
		cgoSegv()
	default:
		fmt.Fprintln(os.Stderr, "crasher: unknown mode", os.Args[1])
		os.Exit(2)
	}
}
