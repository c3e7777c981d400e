// Command many parks N goroutines (default 100,000) in a mix of states
// (channel receive, select, mutex, sleep, deep stacks) and then panics
// under GOTRACEBACK=crash: the core that bench/analyse/run.sh feeds to
// gocap and to dlv.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var arrived int64

//go:noinline
func deep(n int, ch chan int) int {
	if n == 0 {
		atomic.AddInt64(&arrived, 1)
		return <-ch
	}
	return deep(n-1, ch) + 1
}

func main() {
	n := 100000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	var mu sync.Mutex
	mu.Lock()
	block := make(chan int)
	for i := 0; i < n; i++ {
		switch i % 5 {
		case 0:
			go func() { atomic.AddInt64(&arrived, 1); <-block }()
		case 1:
			go func() {
				atomic.AddInt64(&arrived, 1)
				select {
				case <-block:
				case <-time.After(time.Hour):
				}
			}()
		case 2:
			go func() { atomic.AddInt64(&arrived, 1); mu.Lock() }()
		case 3:
			go func() { atomic.AddInt64(&arrived, 1); time.Sleep(time.Hour) }()
		case 4:
			go deep(8+i%16, block)
		}
	}
	for atomic.LoadInt64(&arrived) < int64(n) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	fmt.Println("goroutines:", runtime.NumGoroutine())
	panic("bench: 100,000 goroutines")
}
