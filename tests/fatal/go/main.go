// A tiny program for tests/fatal/host.sh: the suite only reads the
// executable (goelf-info), it never runs it.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 {
		panic(os.Args[1])
	}
	fmt.Println("fatal test program")
}
