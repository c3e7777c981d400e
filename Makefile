# gocoredump: top-level build.
#
#   make                 userland tools, and gocoredump.ko when kernel
#                        headers are found (KDIR=..., default: the running
#                        kernel's /lib/modules/$(uname -r)/build)
#   make check           the tests CI runs: host unit tests and suites (lint among
#                        them), the VM lab on Debian's 6.1, 6.12 and 7.x
#                        kernels, fuzzing, the full-system lab
#                        (scripts/check.sh)
#   make check-fullsys   the full-system lab alone: the packages on a Debian
#                        12 guest with systemd (tests/fullsys/run.sh)
#   make demo            boot 6.1 in QEMU, crash a Go program without and with
#                        the module, show the cores' program headers
#   make bench           the benchmarks under bench/ (not part of check)
#   make man             the man pages (Documentation/man/*.rst, which
#                        include Documentation/*.rst) into $(B)/man
#   make deb             the Debian packages into $(B)/deb (dpkg-buildpackage
#                        on a copy of the tree; Documentation/packaging.rst)
#
# The Kbuild file at the top also builds the module the DKMS way:
#   make -C <kernel headers> M=$PWD modules

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
B ?= $(TOP)/build
KDIR ?= $(wildcard /lib/modules/$(shell uname -r)/build)
export TOP B

.PHONY: all module userland check check-fullsys demo bench clean fuzz man deb

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

check-fullsys:
	GOCD_CHECK_ONLY=fullsys $(TOP)/scripts/check.sh

demo:
	$(TOP)/scripts/demo.sh

bench:
	$(TOP)/bench/run.sh

# rst2man (python3-docutils); a warning is an error, so a page whose
# included document stops rendering fails here and in the lint tier.
MAN_SRC := $(wildcard $(TOP)/Documentation/man/*.rst)
MAN_OUT := $(patsubst $(TOP)/Documentation/man/%.rst,$(B)/man/%,$(MAN_SRC))
man: $(MAN_OUT)
$(B)/man/%: $(TOP)/Documentation/man/%.rst $(wildcard $(TOP)/Documentation/*.rst)
	@mkdir -p $(dir $@)
	rst2man --halt=warning --exit-status=warning $< > $@.tmp
	mv $@.tmp $@

deb:
	$(TOP)/scripts/make-deb.sh

clean:
	rm -rf $(B)
	$(if $(strip $(KDIR)),-$(MAKE) -C $(KDIR) M=$(TOP) clean)
