# gocapd: the core_pattern handler and capture daemon.  Its parts are a
# library so that its tests link the very same objects.
LIBS += gocapd
SRCS_gocapd := userland/gocapd/daemon.c userland/gocapd/dump.c \
	userland/gocapd/space.c userland/gocapd/persist.c \
	userland/gocapd/sandbox.c userland/gocapd/annotate.c \
	userland/gocapd/exeinfo.c userland/gocapd/context.c \
	userland/gocapd/config.c userland/gocapd/proto.c \
	userland/gocapd/kcore.c userland/gocapd/security.c \
	userland/gocapd/failpoint.c userland/gocapd/log.c \
	userland/gocapd/helper.c
LIBLDLIBS_gocapd := -luring -lcap -lpthread
PROGS += gocapd:userland/gocapd/main.c
USES_gocapd := gocapd store core
# A static gocapd for the VM lab's initramfs (no shared libraries there).
PROGS += gocapd-static:userland/gocapd/main.c
USES_gocapd-static := gocapd store core
LDLIBS_gocapd-static := -static -lm
