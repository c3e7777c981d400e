//go:build !cgo

package main

func startCgo() int64 { return 0 }
