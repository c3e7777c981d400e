# gocap's fuzz targets (the readers of pclntab, machine code and cores)
# and its host tools for the tests.
GOCAP_FUZZ_LIB := userland/lib/gomem.c,userland/lib/pclntab.c,userland/lib/x86dec.c,userland/lib/golayout.c,userland/lib/golayout_table.c,userland/lib/golayout_dwarf.c,userland/lib/govers.c,userland/lib/gowaitreasons.c,userland/lib/goproc.c,userland/lib/goroots.c,userland/lib/goroutines.c,userland/lib/gocrash.c,userland/lib/gotrace.c,userland/lib/elfcore.c,userland/lib/gcdnote.c,lib/goelf.c
FUZZERS += fuzz_pclntab:tests/gocap/fuzz_pclntab.c,userland/lib/pclntab.c
FUZZERS += fuzz_x86dec:tests/gocap/fuzz_x86dec.c,userland/lib/x86dec.c
FUZZERS += fuzz_goroutines:tests/gocap/fuzz_goroutines.c,$(GOCAP_FUZZ_LIB)
LDLIBS_fuzz_goroutines := -ldw -lelf -lm
TESTS += test_gocap:tests/gocap/test_gocap.c
LDLIBS_test_gocap := -ldw -lelf -lm
