# gocapd: the core_pattern handler and capture daemon, and the dump store
# (userland/lib/store.c) that gocap reads too.
LIBGOCORE_SRCS += userland/lib/store.c
TESTS += test_store:tests/gocapd/test_store.c
LDLIBS_test_store := -lsqlite3 -lzstd
GOCAPD_SRCS := userland/gocapd/main.c,userland/gocapd/daemon.c,userland/gocapd/dump.c,userland/gocapd/persist.c,userland/gocapd/annotate.c,userland/gocapd/exeinfo.c,userland/gocapd/context.c,userland/gocapd/config.c,userland/gocapd/proto.c,userland/gocapd/kcore.c,userland/gocapd/security.c
PROGS += gocapd:$(GOCAPD_SRCS)
LDLIBS_gocapd := -luring -lzstd -lsqlite3 -lcap
TESTS += test_gocapd:tests/gocapd/test_gocapd.c,userland/gocapd/config.c,userland/gocapd/context.c,userland/gocapd/persist.c,userland/gocapd/proto.c,userland/gocapd/kcore.c
LDLIBS_test_gocapd := -luring -lzstd -lsqlite3 -lpthread
FUZZERS += fuzz_gocapd_config:tests/gocapd/fuzz_gocapd_config.c,userland/gocapd/config.c,userland/lib/store.c
LDLIBS_fuzz_gocapd_config := -lsqlite3 -lzstd
FUZZERS += fuzz_gocapd_proto:tests/gocapd/fuzz_gocapd_proto.c,userland/gocapd/proto.c,userland/gocapd/context.c,userland/gocapd/kcore.c
FUZZERS += fuzz_gocapd_exe:tests/gocapd/fuzz_gocapd_exe.c,userland/gocapd/exeinfo.c,userland/gocapd/annotate.c,userland/gocapd/context.c,lib/goelf.c,userland/lib/elfcore.c,userland/lib/gcdnote.c,userland/lib/store.c
LDLIBS_fuzz_gocapd_exe := -lsqlite3 -lzstd
# A static gocapd for the VM lab's initramfs (no shared libraries there).
PROGS += gocapd-static:$(GOCAPD_SRCS)
LDLIBS_gocapd-static := -static -luring -lzstd -lsqlite3 -lcap -lm
