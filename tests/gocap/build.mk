# gocap's unit tests and fuzz targets (the readers of pclntab, machine code
# and cores; fuzz_goroutines also runs the triage views, group.c,
# print_group.c and print_waits.c).
FUZZERS += fuzz_pclntab:tests/gocap/fuzz_pclntab.c,userland/go/pclntab.c
FUZZERS += fuzz_x86dec:tests/gocap/fuzz_x86dec.c,userland/core/x86dec.c
FUZZERS += fuzz_backlog:tests/gocap/fuzz_backlog.c
USES_fuzz_backlog := go core
FUZZERS += fuzz_goroutines:tests/gocap/fuzz_goroutines.c,userland/gocap/heap_mark.c,userland/gocap/print_goroutines.c,userland/gocap/group.c,userland/gocap/print_group.c,userland/gocap/print_waits.c
USES_fuzz_goroutines := go core
TESTS += test_gocap:tests/gocap/test_gocap.c
USES_test_gocap := go core
# The core minimiser that makes fuzz seeds of real cores (host.sh).
TOOLS += mincore:tests/gocap/mincore.c,userland/gocap/print_goroutines.c,userland/gocap/group.c,userland/gocap/print_group.c,userland/gocap/print_waits.c,userland/gocap/heap_mark.c
USES_mincore := go core
