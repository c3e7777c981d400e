# Fuzz targets of the parsers shared with the kernel module.
FUZZERS += fuzz_goelf:tests/fuzz/fuzz_goelf.c,lib/goelf.c,userland/core/procmem.c
FUZZERS += fuzz_note:tests/fuzz/fuzz_note.c,userland/gocap/print_note.c
USES_fuzz_note := core
FUZZERS += fuzz_procparse:tests/fuzz/fuzz_procparse.c,userland/core/procparse.c
