# store: gocapd's dump store, which gocap reads too (store.h).
LIBS += store
SRCS_store := userland/store/store.c
LIBLDLIBS_store := -lsqlite3 -lzstd
