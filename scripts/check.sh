#!/bin/sh
# check.sh: everything `make check` runs, in order, each stage writing TAP to
# build/tap/<suite>.tap, then one closing line "N passed, N failed".
#
#   1. build the userland, its unit tests and fuzz targets
#   2. host unit tests (build/tests/*, kselftest harness)
#   3. host suites (tests/*/host.sh: integration tests that need no VM, and
#      the lint tier, tests/lint/host.sh)
#   4. the VM lab (scripts/lab.sh): Debian's 6.1, 6.12 and 7.x kernels in
#      QEMU with the module's tests, gocapd's guest tests on 6.1 and 7.x, then
#      host checks of the cores the guests exported (tests/*/after-vm.sh)
#   5. fuzzing: each target for GOCD_FUZZ_SECONDS (default 30) seconds,
#      one per CPU at a time, seeded with real binaries and cores, the
#      lab's among them
#
#   6. the full-system lab (tests/fullsys/run.sh): the .debs of `make deb`
#      installed with apt on a Debian 12 guest with systemd, a reboot, two
#      crashes, the 6.1 -> 6.12 kernel upgrade, systemd-coredump, removal.
#      About 14 minutes with its image cached, mostly a QEMU guest: it runs
#      in the background from the start, beside the host stages (which
#      mostly wait for their crashers' clocks), and is collected at the end.
#
# GOCD_CHECK_ONLY="unit host lab fuzz fullsys" chooses the stages (for
# iterating; `make check-fullsys` is the full-system lab alone).
set -u
. "$(dirname "$0")/lib.sh"

TAPDIR="$GOCD_BUILD/tap"
stages=${GOCD_CHECK_ONLY:-"unit host lab fuzz fullsys"}
GOCD_FUZZ_SECONDS=${GOCD_FUZZ_SECONDS:-30}
export GOCD_FUZZ_SECONDS TAPDIR

rm -rf "$TAPDIR"
mkdir -p "$TAPDIR"

# run_suite NAME CMD...: run a TAP-printing command, keep its output.
run_suite() {
	n=$1; shift
	echo "=== $n" >&2
	t0=$(date +%s)
	"$@" > "$TAPDIR/$n.tap" 2> "$TAPDIR/$n.err"
	echo $? > "$TAPDIR/$n.rc"
	grep -E '^(not )?ok ' "$TAPDIR/$n.tap" | sed 's/^/    /' >&2
	echo "=== $n: $(($(date +%s) - t0)) s" >&2
}

# A build failure is a failed test, not a silent skip.
build_step() {
	n=$1; shift
	if ! "$@" > "$TAPDIR/build-$n.log" 2>&1; then
		tail -30 "$TAPDIR/build-$n.log" >&2
		printf '1..1\nnot ok 1 build %s (see build-%s.log)\n' "$n" "$n" \
			> "$TAPDIR/build-$n.tap"
		echo 1 > "$TAPDIR/build-$n.rc"
		return 1
	fi
	return 0
}

"$GOCD_TOP/scripts/install-deps.sh" || msg "install-deps failed; going on"
GOCD_KSELFTEST=$("$GOCD_TOP/scripts/fetch-kselftest.sh") ||
	die "cannot fetch the kselftest harness"
export GOCD_KSELFTEST

built=0
if build_step userland make -C "$GOCD_TOP/userland" B="$GOCD_BUILD" \
	GOCD_KSELFTEST="$GOCD_KSELFTEST" all; then
	built=1
fi

# The full-system lab first, in the background (see above); its progress
# goes to fullsys.progress, its TAP to fullsys.tap like any suite's.
fullsys_pid=
case " $stages " in
*" fullsys "*)
	echo "=== fullsys: started in the background" >&2
	run_suite fullsys "$GOCD_TOP/tests/fullsys/run.sh" \
		2> "$TAPDIR/fullsys.progress" &
	fullsys_pid=$!
	;;
esac

for s in $stages; do
	case $s in
	unit)
		[ $built = 1 ] || continue
		for t in "$GOCD_BUILD"/tests/*; do
			[ -x "$t" ] || continue
			run_suite "unit-${t##*/}" "$t"
		done
		;;
	host)
		[ $built = 1 ] || continue
		for t in "$GOCD_TOP"/tests/*/host.sh; do
			[ -x "$t" ] || continue
			d=${t%/host.sh}
			run_suite "host-${d##*/}" "$t"
		done
		;;
	fuzz)
		if build_step fuzz make -C "$GOCD_TOP/userland" \
			B="$GOCD_BUILD" fuzz; then
			run_suite fuzz "$GOCD_TOP/scripts/fuzz.sh"
		fi
		;;
	lab)
		run_suite lab-build "$GOCD_TOP/scripts/lab.sh" build
		# The module's tests on every kernel; gocapd's on 6.1 with the
		# module and on 7.x for the coredump socket.
		run_suite vm-6.1 env GOCD_GOCAP_CORES=1 "$GOCD_TOP/scripts/lab.sh" test 6.1
		run_suite vm-6.12 "$GOCD_TOP/scripts/lab.sh" test 6.12
		run_suite vm-7 "$GOCD_TOP/scripts/lab.sh" test 7
		for k in 6.1 7; do
			run_suite "vm-$k-gocapd" "$GOCD_TOP/scripts/lab.sh" test "$k" gocapd
		done
		for t in "$GOCD_TOP"/tests/*/after-vm.sh; do
			[ -x "$t" ] || continue
			d=${t%/after-vm.sh}
			run_suite "after-vm-${d##*/}" "$t"
		done
		;;
	fullsys)
		;;	# started before the other stages
	*)
		die "unknown stage $s"
		;;
	esac
done

if [ -n "$fullsys_pid" ]; then
	echo "=== fullsys: waiting for it to finish" >&2
	wait "$fullsys_pid"
	cat "$TAPDIR/fullsys.progress" >&2
fi

echo "=== summary (TAP in $TAPDIR)"
exec "$GOCD_TOP/scripts/tap-summary.sh" "$TAPDIR"
