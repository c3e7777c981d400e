//go:build gcdcgo

package main

// #include <unistd.h>
// static long gcd_pagesize(void) { return sysconf(_SC_PAGESIZE); }
import "C"

// The cgo variant is dynamically linked against the C library, so its core
// has shared-object mappings beside the Go executable.
func init() {
	if C.gcd_pagesize() <= 0 {
		panic("sysconf")
	}
	variant = "cgo"
}
