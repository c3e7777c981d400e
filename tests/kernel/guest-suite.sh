#!/bin/sh
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
echo "1..2"
step "insmod gocoredump.ko ($(uname -r))" insmod /gcd/gocoredump.ko
step "sysfs knobs present" test -r /sys/kernel/gocoredump/enabled
# test_unload last: it reloads the module.
for t in $(ls /gcd/tests/test_* | grep -v test_unload) /gcd/tests/test_unload; do
	name=${t##*/}
	case " ${GCD_TESTS:-} " in
	"  ") ;;
	*" $name "*) ;;
	*) continue ;;
	esac
	echo "# running $name" >&2
	"$t" > "/out/tap/$name.tap" 2> "/out/tap/$name.err"
	echo $? > "/out/tap/$name.rc"
done
exit $bad
