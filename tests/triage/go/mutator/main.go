// Command mutator is the moving target of tests/triage/host.sh's snapshot
// consistency test: one goroutine writes generation after generation into
// a 64 MiB buffer, page by page in order (the first word of each page), as
// fast as it can, while gocap snapshots it.  A snapshot that is a true
// picture of one moment shows every page at generation g+1 up to some
// page, and at g from there on; a page from an older generation means
// the snapshot kept bytes the process had overwritten before the stop.
// It prints "buf 0xADDR pages N" once the first generation is written.
//
// Only the standard library of Go 1.19, so every toolchain builds it.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"
	"unsafe"
)

const pages = 16384

func main() {
	buf := make([]uint64, pages*512)
	for i := 0; i < pages; i++ {
		buf[i*512] = 1
	}
	fmt.Printf("buf %p pages %d\n", unsafe.Pointer(&buf[0]), pages)
	os.Stdout.Sync()
	go func() {
		for gen := uint64(2); ; gen++ {
			for i := 0; i < pages; i++ {
				buf[i*512] = gen
			}
		}
	}()
	for {
		time.Sleep(time.Hour)
		runtime.KeepAlive(buf)
	}
}
