//go:build cgo

package main

// static int fatal_add(int a, int b) { return a + b; }
import "C"

// In the cgo variant the program is linked by the host linker with libc.
var cgoSum = int(C.fatal_add(1, 2))
