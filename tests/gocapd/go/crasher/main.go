// crasher: a Go program that dies with a core dump, for gocapd's tests and
// benchmark.  Its heap holds -mib MiB: every other 64 KiB chunk is filled
// with a pattern, the rest is touched only on its first byte (so the core
// has realistic runs of zero pages next to data).
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"runtime/debug"
	"time"
)

var keep [][]byte

func main() {
	mib := flag.Int("mib", 8, "MiB of heap to hold")
	sleep := flag.Duration("sleep", 0, "sleep this long before crashing")
	how := flag.String("how", "panic", "panic | segv | abort")
	random := flag.Int("random", 0, "percent of the filled chunks that get random bytes")
	flag.Parse()
	debug.SetGCPercent(-1)
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < *mib*16; i++ {
		b := make([]byte, 64<<10)
		if i%2 == 0 && rng.Intn(100) < *random {
			rng.Read(b)
		} else if i%2 == 0 {
			for j := range b {
				b[j] = byte(i*7 + j*13 + 1)
			}
		} else {
			b[0] = 1
		}
		keep = append(keep, b)
	}
	if *sleep > 0 {
		time.Sleep(*sleep)
	}
	fmt.Fprintf(os.Stderr, "crasher: %d MiB held, crashing by %s\n", *mib, *how)
	switch *how {
	case "segv":
		var p *int
		*p = 1
	case "abort":
		debug.SetTraceback("crash")
		panic("crasher: abort")
	default:
		panic("crasher: deliberate panic")
	}
}
