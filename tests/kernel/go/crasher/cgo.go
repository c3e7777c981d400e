//go:build gcdcgo

package main

// #include <unistd.h>
// static long gcd_pagesize(void) { return sysconf(_SC_PAGESIZE); }
// /* Volatile: the compiler may not assume it is NULL (and trap instead). */
// static int *volatile gcd_nullp;
// static void gcd_segv(void) { *gcd_nullp = 1; }
import "C"

// The cgo variant is dynamically linked against the C library, so its core
// has shared-object mappings beside the Go executable.
func init() {
	if C.gcd_pagesize() <= 0 {
		panic("sysconf")
	}
	variant = "cgo"
	cgoSegv = func() { C.gcd_segv() }
}
