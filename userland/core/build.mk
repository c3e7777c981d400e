# core: a core file and the process in it, with no Go knowledge (core.h).
LIBS += core
SRCS_core := lib/goelf.c userland/core/elfcore.c userland/core/procmem.c \
	userland/core/gcdnote.c userland/core/gcdnote_json.c \
	userland/core/json.c userland/core/arch_x86.c userland/core/x86dec.c \
	userland/core/snapshot.c userland/core/procparse.c \
	userland/core/pprofenc.c
LIBLDLIBS_core := -ljansson
