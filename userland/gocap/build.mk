# gocap: the command line, and its printers.
PROGS += gocap:userland/gocap/main.c,userland/gocap/cmd_core.c,userland/gocap/cmd_heap.c,userland/gocap/heap_mark.c,userland/gocap/cmd_store.c,userland/gocap/print_goroutines.c,userland/gocap/print_note.c,userland/gocap/cmd_doctor.c,userland/gocap/cmd_triage.c,userland/gocap/group.c,userland/gocap/print_group.c,userland/gocap/print_waits.c,userland/gocap/cmd_snapshot.c,userland/gocapd/config.c
USES_gocap := go core store
