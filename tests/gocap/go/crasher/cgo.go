//go:build cgo

package main

/*
#include <unistd.h>
static void block_in_c(void) { for (;;) pause(); }
*/
import "C"

//go:noinline
func inC() { arrive(); C.block_in_c() }

// startCgo starts goroutines that block inside C code ([syscall] with
// runtime.cgocall frames).
func startCgo() int64 {
	for i := 0; i < 2; i++ {
		go inC()
	}
	return 2
}
