// Command echo is the server of tests/triage/host.sh's live test: it
// answers every line a client sends with the same line, on 127.0.0.1 at
// the port it prints ("listening PORT"), with a goroutine per connection,
// while gocap snapshots it again and again; the client counts what comes
// back.
//
// Only the standard library of Go 1.19, so every toolchain builds it.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
)

func serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		if _, err := c.Write(line); err != nil {
			return
		}
	}
}

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening %d\n", l.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	for {
		c, err := l.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		go serve(c)
	}
}
