#!/bin/sh
# shellcheck shell=dash # runs under the guest's busybox sh
# The "kernel" suite, run by the lab's /init inside the guest.  Prepares the
# guest (core directory and pattern, the module), then runs every test
# program in /gcd/tests in turn; each writes its TAP to /out/tap/NAME.tap.
# This script's own stdout is TAP for the preparation steps.
mkdir -p /tmp/cores /out/tap
echo /tmp/cores/core.%p > /proc/sys/kernel/core_pattern
sysctl -qw vm.max_map_count=262144 2>/dev/null || true
n=0 bad=0
step() {	# step DESCRIPTION COMMAND...
	n=$((n + 1)); d=$1; shift
	if "$@"; then echo "ok $n $d"; else echo "not ok $n $d"; bad=1; fi
}
# The compat (32-bit) writer is found from the first 32-bit program that
# starts after the load: run one (it exits at once, usage) and wait for it.
compat_hooked() {
	/gcd/go/1.22-386/crasher >/dev/null 2>&1
	i=0
	while [ "$(cat /sys/kernel/gocoredump/compat_hook)" != hooked ]; do
		i=$((i + 1)); [ "$i" -gt 100 ] && return 1
		sleep 0.1
	done
}
echo "1..3"
step "insmod gocoredump.ko ($(uname -r))" insmod /gcd/gocoredump.ko
step "sysfs knobs present" test -r /sys/kernel/gocoredump/enabled
step "compat writer hooked after a 32-bit program ran" compat_hooked
# test_unload last: it reloads the module.
set --
for t in /gcd/tests/test_*; do
	[ "$t" = /gcd/tests/test_unload ] || set -- "$@" "$t"
done
for t in "$@" /gcd/tests/test_unload; do
	name=${t##*/}
	case " ${GCD_TESTS:-} " in
	"  ") ;;
	*" $name "*) ;;
	*) continue ;;
	esac
	t0=$(date +%s)
	"$t" > "/out/tap/$name.tap" 2> "/out/tap/$name.err"
	echo $? > "/out/tap/$name.rc"
	echo "# $name took $(( $(date +%s) - t0 )) s"
done
# Cores for the host's end-to-end gocap check (tests/kernel/after-vm.sh):
# gocap's crasher under the default coredump_filter with the module loaded,
# the runtime's own traceback beside each core.
if grep -qw gcd.gocap /proc/cmdline; then
	modes="panic-string throw nilptr"
	i=0
	t0=$(date +%s)
	ulimit -c unlimited
	for c in /gcd/gocap/*/crasher; do
		name=$(basename "$(dirname "$c")")
		# shellcheck disable=SC2086 # a list of modes
		set -- $modes; shift $((i % 3)); mode=$1; i=$((i + 1))
		d=/out/gocap/$(uname -r)/$name-$mode
		mkdir -p "$d"
		(cd "$d" && echo "$d/core" > /proc/sys/kernel/core_pattern &&
		 GOTRACEBACK=crash GODEBUG=tracebacklabels=1 "$c" "$mode" > stdout 2> stderr)
	done
	echo /tmp/cores/core.%p > /proc/sys/kernel/core_pattern
	echo "# gocap crashes took $(( $(date +%s) - t0 )) s"
fi
exit $bad
