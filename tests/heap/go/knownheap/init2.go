package main

// A package-level variable of a second file: main.init runs the
// initialisers of both files, so its lines are in two files.  Go's
// runtime/pprof gives a function one file, the first one it meets:
// gocap heap allocs must write the same (run under
// GODEBUG=memprofilerate=1, these allocations are in the profile).
var initTwo = keepInit(2000)
