# gocap: the CLI, and the Go runtime readers it is built on (libgocore).
GOCAP_LIB := userland/lib/pclntab.c userland/lib/x86dec.c userland/lib/gomem.c \
	userland/lib/golayout.c userland/lib/golayout_table.c \
	userland/lib/golayout_dwarf.c userland/lib/govers.c \
	userland/lib/gowaitreasons.c userland/lib/goproc.c \
	userland/lib/goroots.c userland/lib/goroutines.c \
	userland/lib/gocrash.c userland/lib/gotrace.c
LIBGOCORE_SRCS += $(GOCAP_LIB)
PROGS += gocap:userland/gocap/main.c,userland/gocap/cmd_core.c,userland/gocap/cmd_store.c
LDLIBS_gocap := -ldw -lelf -lsqlite3 -lzstd -lm
