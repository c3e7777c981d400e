# libgocore: readers shared by gocap, gocapd and the tests.
LIBGOCORE_SRCS += lib/goelf.c userland/lib/elfcore.c userland/lib/gcdnote.c
