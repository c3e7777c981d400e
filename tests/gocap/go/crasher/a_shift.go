//go:build gocap_shift

package main

// A build of the crasher with one more function, for the test that a
// cut core refuses an executable of another build whose segments still
// fit its mappings (tests/gocap/host.sh).  The file's name sorts first:
// Go 1.19's linker lays a package's functions out in file order, so every
// function of main.go moves (a shift.go moved none of them).

//go:noinline
func shift(n int) int { return n*7 + len(notes[n%3]) }

var shifted = shift(2)
