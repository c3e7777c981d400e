# store: gocapd's dump store, which gocap reads too (store.h): the
# directory and index (store.c), the commit protocol and the rebuild from
# annotations (record.c), safe paths (paths.c), content hashes (sha256.c).
LIBS += store
SRCS_store := userland/store/store.c userland/store/record.c \
	userland/store/paths.c userland/store/sha256.c
LIBLDLIBS_store := -lsqlite3 -lzstd -ljansson
