//go:build cgo

package main

// With cgo (the triage suite's "cgo" variant) the program links libc and
// starts its threads through pthread_create; it calls into C once, so that
// the cgo runtime is in use, and starts no goroutine of its own.

/*
#include <unistd.h>
static int c_pid(void) { return (int)getpid(); }
*/
import "C"

func init() { _ = C.c_pid() }
