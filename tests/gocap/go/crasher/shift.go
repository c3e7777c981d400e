//go:build gocap_shift

package main

// A build of the crasher with one more function, for the test that a
// cut core refuses an executable of another build whose segments still
// fit its mappings (tests/gocap/host.sh).

//go:noinline
func shift(n int) int { return n*7 + len(notes[n%3]) }

var shifted = shift(2)
