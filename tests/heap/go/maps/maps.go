// Package maps has a Map whose name and shape are those of the runtime's
// own map header from Go 1.24 (internal/runtime/maps.Map: 48 bytes, a
// pointer at its third word only): gocap must tell the two apart by their
// package paths, not type the runtime's headers as this one.
package maps

type Map struct {
	a, b uint64
	p    *int
	d, e uint64
	f    uint64
}

// New returns a Map that points at x.
func New(x *int) *Map { return &Map{a: 1, p: x} }
