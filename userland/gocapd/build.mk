# gocapd: the core_pattern handler and capture daemon, and the dump store
# (userland/lib/store.c) that gocap reads too.
LIBGOCORE_SRCS += userland/lib/store.c
TESTS += test_store:tests/gocapd/test_store.c
LDLIBS_test_store := -lsqlite3 -lzstd
