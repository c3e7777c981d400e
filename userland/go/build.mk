# go: the Go runtime model over a core (go.h).
LIBS += go
SRCS_go := userland/go/govers.c userland/go/gowaitreasons.c \
	userland/go/golayout.c userland/go/golayout_table.c \
	userland/go/golayout_dwarf.c userland/go/pclntab.c userland/go/goproc.c \
	userland/go/goroots.c userland/go/gofind.c userland/go/goroutines.c \
	userland/go/gocrash.c userland/go/gonow.c userland/go/gobacklog.c \
	userland/go/gowait.c userland/go/gostackmap.c userland/go/goheap.c \
	userland/go/goprof.c userland/go/gomark.c \
	userland/go/gomark_types.c userland/go/gomark_dom.c \
	userland/go/gomark_par.c
LIBLDLIBS_go := -ldw -lelf -lm -lpthread
