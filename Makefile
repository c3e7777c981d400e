# gocoredump: top-level build.
#
#   make                 userland tools, and gocoredump.ko when kernel
#                        headers are found (KDIR=..., default: the running
#                        kernel's /lib/modules/$(uname -r)/build)
#   make check           every test: host unit tests and suites (lint among
#                        them), the VM lab on Debian's 6.1, 6.12 and 7.x
#                        kernels, fuzzing (scripts/check.sh)
#   make demo            boot 6.1 in QEMU, crash a Go program without and with
#                        the module, show the cores' program headers
#   make bench           the benchmarks under bench/ (not part of check)
#
# The Kbuild file at the top also builds the module the DKMS way:
#   make -C <kernel headers> M=$PWD modules

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
B ?= $(TOP)/build
KDIR ?= $(wildcard /lib/modules/$(shell uname -r)/build)
export TOP B

.PHONY: all module userland check demo bench clean fuzz

all: userland module

userland:
	$(MAKE) -C $(TOP)/userland B=$(B)

module:
ifeq ($(strip $(KDIR)),)
	@echo "module: no kernel headers for $$(uname -r); skipped." \
	      "Build with KDIR=<kernel headers dir>, or use scripts/lab.sh" \
	      "which fetches Debian's headers."
else
	$(MAKE) -C $(KDIR) M=$(TOP) modules
endif

fuzz:
	$(MAKE) -C $(TOP)/userland B=$(B) fuzz

check:
	$(TOP)/scripts/check.sh

demo:
	$(TOP)/scripts/demo.sh

bench:
	$(TOP)/bench/run.sh

clean:
	rm -rf $(B)
	$(if $(strip $(KDIR)),-$(MAKE) -C $(KDIR) M=$(TOP) clean)
