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
#
# Three lanes share the machine after the build, so that neither CPU waits
# while work is left: the host stages (2, 3) in the foreground, and two in
# the background from the start, each mostly one QEMU guest under TCG: the
# VM lab's build and its kernel suites, then the host checks of their
# cores (4), and the full-system lab (6).  The host stages mostly wait for
# their crashers' clocks, and the guests run one after the other, so one
# lane alone leaves a CPU idle.  After the host stages the foreground runs
# gocapd's guest suites (they need the lab's build, not its other guests),
# then fuzzing (5), which waits for the lab lane (its cores are seeds); the
# full-system lab is collected at the end.  A background lane's progress
# goes to TAPDIR/NAME.progress and is printed when it is collected; its
# suites' TAP is in TAPDIR like any other.
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

# The lab lane: its programs, modules and initramfs, the module's tests on
# every kernel, then the host checks of the cores the guests exported.
run_lab() {
	run_suite lab-build "$GOCD_TOP/scripts/lab.sh" build
	run_suite vm-6.1 env GOCD_GOCAP_CORES=1 "$GOCD_TOP/scripts/lab.sh" test 6.1
	run_suite vm-6.12 "$GOCD_TOP/scripts/lab.sh" test 6.12
	run_suite vm-7 "$GOCD_TOP/scripts/lab.sh" test 7
	for t in "$GOCD_TOP"/tests/*/after-vm.sh; do
		[ -x "$t" ] || continue
		d=${t%/after-vm.sh}
		run_suite "after-vm-${d##*/}" "$t"
	done
}

# collect NAME PID: wait for a background lane, then print its progress.
collect() {
	[ -n "$2" ] || return 0
	echo "=== $1: waiting for it to finish" >&2
	wait "$2"
	cat "$TAPDIR/$1.progress" >&2
}

# The two background lanes (see above), the full-system lab first.
fullsys_pid="" lab_pid=""
case " $stages " in
*" fullsys "*)
	echo "=== fullsys: started in the background" >&2
	run_suite fullsys "$GOCD_TOP/tests/fullsys/run.sh" \
		2> "$TAPDIR/fullsys.progress" &
	fullsys_pid=$!
	;;
esac
case " $stages " in
*" lab "*)
	echo "=== lab: started in the background" >&2
	run_lab 2> "$TAPDIR/lab.progress" &
	lab_pid=$!
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
		collect lab "$lab_pid"; lab_pid=
		if build_step fuzz make -C "$GOCD_TOP/userland" \
			B="$GOCD_BUILD" fuzz; then
			run_suite fuzz "$GOCD_TOP/scripts/fuzz.sh"
		fi
		;;
	lab)
		# gocapd's guest suites: on 6.1 with the module, on 7.x for
		# the coredump socket; once the lab lane's build is done
		while [ ! -f "$TAPDIR/lab-build.rc" ] &&
			kill -0 "$lab_pid" 2>/dev/null; do
			sleep 5
		done
		for k in 6.1 7; do
			run_suite "vm-$k-gocapd" "$GOCD_TOP/scripts/lab.sh" test "$k" gocapd
		done
		;;
	fullsys)
		;;	# started before the other stages
	*)
		die "unknown stage $s"
		;;
	esac
done

collect lab "$lab_pid"
collect fullsys "$fullsys_pid"

echo "=== summary (TAP in $TAPDIR)"
exec "$GOCD_TOP/scripts/tap-summary.sh" "$TAPDIR"
