# gocapd's and the store's unit tests and fuzz targets.
TESTS += test_store:tests/gocapd/test_store.c
USES_test_store := store
TESTS += test_gocapd:tests/gocapd/test_gocapd.c
USES_test_gocapd := gocapd store core
LDLIBS_test_gocapd := -lpthread
FUZZERS += fuzz_gocapd_config:tests/gocapd/fuzz_gocapd_config.c,userland/gocapd/config.c
USES_fuzz_gocapd_config := store
FUZZERS += fuzz_gocapd_proto:tests/gocapd/fuzz_gocapd_proto.c,userland/gocapd/proto.c,userland/gocapd/context.c,userland/gocapd/kcore.c
FUZZERS += fuzz_gocapd_exe:tests/gocapd/fuzz_gocapd_exe.c,userland/gocapd/exeinfo.c,userland/gocapd/annotate.c,userland/gocapd/context.c
USES_fuzz_gocapd_exe := store core
FUZZERS += fuzz_gocapd_facts:tests/gocapd/fuzz_gocapd_facts.c,userland/gocapd/annotate.c,userland/gocapd/exeinfo.c,userland/gocapd/context.c
USES_fuzz_gocapd_facts := store core
FUZZERS += fuzz_store_annotation:tests/gocapd/fuzz_store_annotation.c
USES_fuzz_store_annotation := store
