#!/bin/sh
# lab.sh: the VM test lab.
#
#   lab.sh build           fetch the kernels and Go toolchains, build the Go
#                          test programs, the guest test programs, the module
#                          for each kernel, and one initramfs per kernel
#   lab.sh test SERIES [SUITE]
#                          boot that kernel (6.1, 6.12, 7) under QEMU/TCG and
#                          run SUITE (default "kernel": the module's tests,
#                          each test program's TAP copied to
#                          $TAPDIR/vm-SERIES-NAME.tap; "gocapd": gocapd's
#                          guest tests, tests/gocapd/guest.sh); print TAP
#                          for the boot
#
# GOCD_KERNELS (default "6.1 6.12 7") selects kernels for build (7.x's
# module is built in a trixie chroot, scripts/trixie-chroot.sh);
# GCD_TESTS="test_force test_note" runs only those guest programs.
# Everything lands in build/lab/.  Prints TAP on stdout, progress on stderr.
set -u
. "$(dirname "$0")/lib.sh"

LAB="$GOCD_BUILD/lab"
KERNELS=${GOCD_KERNELS:-"6.1 6.12 7"}
GO_VARIANTS="static pie cgo 386"

CFLAGS_GUEST="-std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -static"

# Build the crasher with Go $1 in variant $2 into $3 (from inside its
# directory: go build -C is newer than Go 1.19).
build_go() {
	v=$1 var=$2 out=$3
	(cd "$GOCD_TOP/tests/kernel/go/crasher" &&
	 case $var in
	 static) env CGO_ENABLED=0 "$GOCD_TOP/scripts/go.sh" "$v" build -o "$out" . ;;
	 pie)    env CGO_ENABLED=0 "$GOCD_TOP/scripts/go.sh" "$v" build -buildmode=pie -o "$out" . ;;
	 cgo)    env CGO_ENABLED=1 "$GOCD_TOP/scripts/go.sh" "$v" build -tags gcdcgo -o "$out" . ;;
	 386)    env CGO_ENABLED=0 GOARCH=386 "$GOCD_TOP/scripts/go.sh" "$v" build -o "$out" . ;;
	 esac)
}

tap_n=0
tap_ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n $*"; }
tap_fail() { tap_n=$((tap_n + 1)); echo "not ok $tap_n $*"; failed=1; }

# make_kmod K DIR LOG: the out-of-tree module in DIR built against $KDIR;
# 7.x headers need trixie's toolchain, so that one builds in a chroot of it.
make_kmod() {
	if [ "$1" = 7 ]; then
		"$GOCD_TOP/scripts/trixie-chroot.sh" run "$KDIR" "$2"
	else
		make -C "$KDIR" M="$2" modules
	fi >"$3" 2>&1
}

# build_kmod K DIR LOG [KBUILD-LINE]: a fresh copy of the module's sources
# in DIR (KBUILD-LINE appended to its Kbuild), built by make_kmod.
build_kmod() {
	rm -rf "$2"; mkdir -p "$2"
	cp -r "$GOCD_TOP/Kbuild" "$GOCD_TOP/module" "$GOCD_TOP/lib" \
		"$GOCD_TOP/include" "$2/"
	[ -z "${4:-}" ] || echo "$4" >> "$2/Kbuild"
	make_kmod "$1" "$2" "$3" && [ -f "$2/gocoredump.ko" ]
}

do_build() {
	failed=0
	mkdir -p "$LAB"
	KS=$("$GOCD_TOP/scripts/fetch-kselftest.sh") || { tap_fail "fetch kselftest harness"; return 1; }

	# Go test programs, and the scheduler-root addresses `nm` sees in them.
	# shellcheck disable=SC2086 # a list of versions
	"$GOCD_TOP/scripts/fetch-go.sh" $GOCD_GO_VERSIONS >/dev/null ||
		{ tap_fail "fetch Go toolchains"; return 1; }
	for v in $GOCD_GO_VERSIONS; do
		for var in $GO_VARIANTS; do
			d="$LAB/payload/go/$v-$var"
			msg "building Go $v $var"
			if build_go "$v" "$var" "$d/crasher" >"$LAB/go-$v-$var.log" 2>&1; then
				nm "$d/crasher" | awk '$3 ~ /^runtime\.(allgs|allglen|allm|allp|sched|firstmoduledata|buildVersion)$/ { print $3, $1 }' > "$d/nm.txt"
				tap_ok "build Go $v $var test program"
			else
				tap_fail "build Go $v $var test program (see $LAB/go-$v-$var.log)"
			fi
		done
	done

	# Programs Debian packages, as shipped (cgo, PIE linked by ld, which
	# hides the pclntab's section, stripped): age of bookworm (Go 1.19)
	# and of trixie (Go 1.24), for test_fatal.
	mkdir -p "$LAB/payload/debian"
	for suite in bookworm trixie; do
		if f=$("$GOCD_TOP/scripts/fetch-debian-prog.sh" age "$suite" usr/bin/age) &&
		   cp "$f" "$LAB/payload/debian/age-$suite"; then
			tap_ok "Debian's age ($suite) for the guest"
		else
			tap_fail "Debian's age ($suite) for the guest"
		fi
	done

	# gocap's crasher (~1,100 goroutines), for the end-to-end check of
	# "gocap from the core alone" on cores the module wrote: each release
	# once, in turn plain, stripped (-s -w) and PIE (a crash takes ~25 s
	# under TCG).
	for vv in ${GOCD_GOCAP_CRASHERS:-1.19-default 1.22-sw 1.23-pie 1.24-default 1.27-sw 1.27-pie}; do
		v=${vv%-*} var=${vv#*-}
		case " $GOCD_GO_VERSIONS " in *" $v "*) ;; *) continue ;; esac
		{
			d="$LAB/payload/gocap/$v-$var"
			case $var in
			default) set -- ;;
			sw) set -- "-ldflags=-s -w" ;;
			pie) set -- -buildmode=pie ;;
			esac
			mkdir -p "$d"
			if (cd "$GOCD_TOP/tests/gocap/go" && CGO_ENABLED=0 \
			    "$GOCD_TOP/scripts/go.sh" "$v" build "$@" -o "$d/crasher" ./crasher) \
			    >"$LAB/gocap-$v-$var.log" 2>&1; then
				tap_ok "build gocap's crasher with Go $v ($var)"
			else
				tap_fail "build gocap's crasher with Go $v ($var) (see $LAB/gocap-$v-$var.log)"
			fi
		}
	done

	# Guest test programs, static.
	mkdir -p "$LAB/payload/tests" "$LAB/payload/bin" "$LAB/payload/suites"
	libsrc="$GOCD_TOP/tests/kernel/lab.c $GOCD_TOP/userland/core/elfcore.c $GOCD_TOP/userland/core/gcdnote.c $GOCD_TOP/userland/core/arch_x86.c $GOCD_TOP/userland/core/procmem.c $GOCD_TOP/userland/core/x86dec.c $GOCD_TOP/lib/goelf.c"
	for t in "$GOCD_TOP"/tests/kernel/test_*.c; do
		n=$(basename "$t" .c)
		# shellcheck disable=SC2086
		if gcc $CFLAGS_GUEST -isystem "$KS" -I"$GOCD_TOP/include" \
			-I"$GOCD_TOP/userland" -I"$GOCD_TOP/tests/kernel" \
			-o "$LAB/payload/tests/$n" "$t" $libsrc >"$LAB/$n.log" 2>&1; then
			tap_ok "build guest test $n"
		else
			tap_fail "build guest test $n (see $LAB/$n.log)"
			sed 's/^/# /' "$LAB/$n.log" | head -20
		fi
	done
	for h in "$GOCD_TOP"/tests/kernel/helpers/*.c; do
		[ -e "$h" ] || continue
		n=$(basename "$h" .c)
		case $n in
		ccrash) flags="-std=gnu11 -O0 -g -Wall -Wextra -Werror -pthread" ;;	# dynamic
		*) flags="$CFLAGS_GUEST" ;;
		esac
		# shellcheck disable=SC2086
		if gcc $flags -o "$LAB/payload/bin/$n" "$h" >"$LAB/$n.log" 2>&1; then
			tap_ok "build guest helper $n"
		else
			tap_fail "build guest helper $n (see $LAB/$n.log)"
		fi
	done
	# Benchmarks that run in the guest (bench/kernel), static like the tests.
	for t in "$GOCD_TOP"/bench/*/bench_*.c; do
		[ -e "$t" ] || continue
		n=$(basename "$t" .c)
		# shellcheck disable=SC2086
		if gcc $CFLAGS_GUEST -I"$GOCD_TOP/include" -I"$GOCD_TOP/userland" \
			-I"$GOCD_TOP/tests/kernel" -o "$LAB/payload/bin/$n" "$t" \
			$libsrc >"$LAB/$n.log" 2>&1; then
			tap_ok "build guest benchmark $n"
		else
			tap_fail "build guest benchmark $n (see $LAB/$n.log)"
		fi
	done
	# gocapd's guest suite and what it needs (tests/gocapd/guest.sh).
	if [ ! -x "$GOCD_BUILD/bin/gocapd-static" ]; then
		make -C "$GOCD_TOP/userland" B="$GOCD_BUILD" GOCD_KSELFTEST="$KS" \
			"$GOCD_BUILD/bin/gocapd-static" >"$LAB/gocapd.log" 2>&1
	fi
	if [ ! -x "$GOCD_BUILD/bin/gocap" ]; then
		make -C "$GOCD_TOP/userland" B="$GOCD_BUILD" GOCD_KSELFTEST="$KS" \
			"$GOCD_BUILD/bin/gocap" >>"$LAB/gocapd.log" 2>&1
	fi
	# shellcheck disable=SC2086 # CFLAGS_GUEST is a list of flags
	if cp "$GOCD_BUILD/bin/gocapd-static" "$LAB/payload/bin/gocapd" 2>/dev/null &&
	   cp "$GOCD_BUILD/bin/gocap" "$LAB/payload/bin/gocap" &&
	   cp "$GOCD_TOP/tests/gocapd/guest-tee.sh" "$LAB/payload/bin/gocapd-tee" &&
	   gcc $CFLAGS_GUEST -o "$LAB/payload/bin/memsnap" "$GOCD_TOP/tests/gocapd/memsnap.c" &&
	   (cd "$GOCD_TOP/tests/gocapd/go" && CGO_ENABLED=0 \
	    "$GOCD_TOP/scripts/go.sh" 1.22 build -o "$LAB/payload/bin/crasher" ./crasher) \
	    >>"$LAB/gocapd.log" 2>&1 &&
	   gcc $CFLAGS_GUEST -o "$LAB/payload/bin/snapcheck" "$GOCD_TOP/tests/triage/snapcheck.c" \
	    >>"$LAB/gocapd.log" 2>&1 &&
	   (cd "$GOCD_TOP/tests/triage/go" && CGO_ENABLED=0 \
	    "$GOCD_TOP/scripts/go.sh" 1.22 build -o "$LAB/payload/bin/mutator" ./mutator) \
	    >>"$LAB/gocapd.log" 2>&1; then
		cp "$GOCD_TOP/tests/gocapd/guest.sh" "$LAB/payload/suites/gocapd"
		tap_ok "gocapd, gocap, the pipe tee, the crasher and the snapshot mutator for the guest"
	else
		tap_fail "gocapd, gocap, the pipe tee, the crasher and the snapshot mutator for the guest (see $LAB/gocapd.log)"
	fi
	chmod +x "$LAB/payload/bin/"*
	cp "$GOCD_TOP/tests/kernel/guest-suite.sh" "$LAB/payload/suites/kernel"
	for s in "$GOCD_TOP"/tests/*/guest-suite-*.sh "$GOCD_TOP"/bench/*/guest-suite-*.sh; do
		[ -e "$s" ] || continue
		n=$(basename "$s" .sh); n=${n#guest-suite-}
		cp "$s" "$LAB/payload/suites/$n"
	done
	chmod +x "$LAB/payload/suites/"*

	# The module and an initramfs per kernel.
	for k in $KERNELS; do
		envf=$("$GOCD_TOP/scripts/fetch-kernel.sh" "$k") ||
			{ tap_fail "fetch Debian kernel $k"; continue; }
		# shellcheck source=/dev/null # a kernel.env written by fetch-kernel.sh
		. "$envf"
		kb="$LAB/$k/kmod"
		rm -rf "$LAB/$k/payload"; mkdir -p "$LAB/$k"
		cp -al "$LAB/payload" "$LAB/$k/payload"
		if build_kmod "$k" "$kb" "$LAB/$k/kmod.log"; then
			tap_ok "build gocoredump.ko for $KVER"
			if grep -E 'warning:' "$LAB/$k/kmod.log" | grep -v 'Skipping BTF' >/dev/null; then
				tap_fail "gocoredump.ko for $KVER builds without warnings"
				grep -E 'warning:' "$LAB/$k/kmod.log" | sed 's/^/# /' | head
			fi
			cp "$kb/gocoredump.ko" "$LAB/$k/payload/gocoredump.ko"
		else
			tap_fail "build gocoredump.ko for $KVER (see $LAB/$k/kmod.log)"
			sed 's/^/# /' "$LAB/$k/kmod.log" | tail -20
			continue
		fi
		# Its twin for test_unload: the same sources expecting a
		# native writer name no kernel has, so that loading must be
		# refused.
		if build_kmod "$k" "$kb-missing" "$LAB/$k/kmod-missing.log" \
			"ccflags-y += -DGCD_NATIVE_WRITER='\"gcd_no_such_writer\"'"; then
			cp "$kb-missing/gocoredump.ko" "$LAB/$k/payload/gocoredump-missing-target.ko"
			tap_ok "build gocoredump.ko's missing-target twin for $KVER"
		else
			tap_fail "build gocoredump.ko's missing-target twin for $KVER (see $LAB/$k/kmod-missing.log)"
		fi
		# A second IPMODIFY ftrace user, for test_unload's load-failure
		# test (tests/kernel/kmod).
		rm -rf "$kb-blocker"; mkdir -p "$kb-blocker"
		cp "$GOCD_TOP"/tests/kernel/kmod/* "$kb-blocker/"
		if make_kmod "$k" "$kb-blocker" "$LAB/$k/kmod-blocker.log" &&
		   cp "$kb-blocker/gcd_blocker.ko" "$LAB/$k/payload/gcd_blocker.ko"; then
			tap_ok "build the test module gcd_blocker.ko for $KVER"
		else
			tap_fail "build the test module gcd_blocker.ko for $KVER (see $LAB/$k/kmod-blocker.log)"
		fi
		cp "$envf" "$LAB/$k/kernel.env"
		if "$GOCD_TOP/scripts/mkinitramfs.sh" "$envf" "$LAB/$k/payload" \
			"$LAB/$k/initramfs" >"$LAB/$k/initramfs.log" 2>&1; then
			tap_ok "initramfs for $KVER"
		else
			tap_fail "initramfs for $KVER (see $LAB/$k/initramfs.log)"
		fi
	done
	echo "1..$tap_n"
	return $failed
}

do_test() {
	k=$1 suite=${2:-kernel}
	failed=0
	[ -f "$LAB/$k/initramfs" ] || { echo "1..1"; tap_fail "no initramfs for $k: lab.sh build failed"; return 1; }
	out="$LAB/$k/out"
	[ "$suite" = kernel ] || out="$LAB/$k/out-$suite"
	rm -rf "$out"; mkdir -p "$out"
	tests=""
	[ -n "${GCD_TESTS:-}" ] && tests="gcd.tests=$(echo "$GCD_TESTS" | tr ' ' ,)"
	# GOCD_GOCAP_CORES=1: also crash gocap's crashers for after-vm.sh.
	[ "${GOCD_GOCAP_CORES:-0}" = 1 ] && tests="$tests gcd.gocap"
	start=$(date +%s)
	GCD_VM_APPEND="$tests" "$GOCD_TOP/scripts/vm.sh" "$LAB/$k/kernel.env" \
		"$LAB/$k/initramfs" "$suite" "$out" "${GOCD_VM_TIMEOUT:-1800}" 3072
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	124) tap_fail "$k: guest hung (timeout); console: $out/$suite.console" ;;
	125) tap_fail "$k: guest died before the $suite suite finished; console: $out/$suite.console" ;;
	0) tap_ok "$k: guest ran the $suite suite ($secs s)"
	   grep '^# ' "$out/$suite.tap" 2>/dev/null ;;
	*) if [ "$suite" = kernel ]; then
		tap_fail "$k: guest suite preparation failed (status $rc)"; sed 's/^/# /' "$out/kernel.tap"
	   else
		tap_fail "$k: the $suite suite failed (status $rc)"
	   fi ;;
	esac
	if [ -f "$out/$suite.boot-retries" ]; then
		echo "# $k: the kernel died during boot, before /init, $(cat "$out/$suite.boot-retries") time(s) and was booted again: $out/$suite.console.boot*"
	fi
	if [ "$suite" != kernel ] && [ -f "$out/$suite.tap" ]; then
		cp "$out/$suite.tap" "${TAPDIR:-$out}/vm-$k-$suite-suite.tap"
		echo 0 > "${TAPDIR:-$out}/vm-$k-$suite-suite.rc"
	fi
	for t in "$out"/tap/*.tap; do
		[ -e "$t" ] || continue
		n=$(basename "$t" .tap)
		cp "$t" "${TAPDIR:-$out}/vm-$k-$n.tap"
		cp "$out/tap/$n.rc" "${TAPDIR:-$out}/vm-$k-$n.rc" 2>/dev/null
		cp "$out/tap/$n.err" "${TAPDIR:-$out}/vm-$k-$n.err" 2>/dev/null
	done
	if [ -f "$out/$suite.dmesg" ]; then
		if grep -nE 'Oops|WARNING:|BUG:|general protection fault|Call Trace:' "$out/$suite.dmesg" >/dev/null; then
			tap_fail "$k: kernel log has no oops, WARN or BUG"
			grep -nE -A5 'Oops|WARNING:|BUG:|general protection fault|Call Trace:' "$out/$suite.dmesg" | head -30 | sed 's/^/# /'
		else
			tap_ok "$k: kernel log has no oops, WARN or BUG"
		fi
	fi
	echo "1..$tap_n"
	return $failed
}

case ${1:-} in
build) do_build ;;
test) do_test "${2:?series}" "${3:-kernel}" ;;
*) echo "usage: lab.sh build | test SERIES" >&2; exit 2 ;;
esac
