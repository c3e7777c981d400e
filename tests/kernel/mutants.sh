#!/bin/sh
# tests/kernel/mutants.sh [NAME...]: show that the kernel tests fail without
# the feature they test.  Each mutant breaks one thing in a copy of the
# module, the lab boots Debian's 6.1 with it, and the tests that should
# notice must fail.  A mutant that no test notices is a hole in the tests.
# Not part of `make check` (about a minute per mutant); run after changing
# the module or its tests.  Needs `scripts/lab.sh build` done.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

LAB="$GOCD_BUILD/lab"
K=${GOCD_MUTANT_KERNEL:-6.1}
[ -f "$LAB/$K/initramfs" ] || die "run scripts/lab.sh build first"
# shellcheck source=/dev/null # a kernel.env written by fetch-kernel.sh
. "$LAB/$K/kernel.env"

TABLE=$GOCD_TOP/tests/kernel/mutants.table

want=" $* "
n=0 holes=0
grep -v '^#' "$TABLE" | while IFS='~' read -r name file expr tests must; do
	[ -n "$name" ] || continue
	case $want in "  ") ;; *" $name "*) ;; *) continue ;; esac
	n=$((n + 1))
	m="$GOCD_BUILD/mutants/$name"
	rm -rf "$m"; mkdir -p "$m/src"
	cp -r "$GOCD_TOP/Kbuild" "$GOCD_TOP/module" "$GOCD_TOP/lib" "$GOCD_TOP/include" "$m/src/"
	"$GOCD_TOP/scripts/mutate.py" "$m/src/$file" "$expr" ||
		{ echo "not ok $n $name: the mutation does not apply"; continue; }
	if ! make -C "$KDIR" M="$m/src" modules >"$m/build.log" 2>&1; then
		echo "not ok $n $name: the mutant does not build (see $m/build.log)"
		continue
	fi
	rm -rf "$m/payload"; cp -al "$LAB/$K/payload" "$m/payload"
	rm -f "$m/payload/gocoredump.ko"; cp "$m/src/gocoredump.ko" "$m/payload/"
	"$GOCD_TOP/scripts/mkinitramfs.sh" "$LAB/$K/kernel.env" "$m/payload" \
		"$m/initramfs" >/dev/null 2>&1
	GCD_VM_APPEND="gcd.tests=$tests" "$GOCD_TOP/scripts/vm.sh" \
		"$LAB/$K/kernel.env" "$m/initramfs" kernel "$m/out" 1800 3072 >/dev/null 2>&1
	if grep -qE "^not ok [0-9]+ .*$must" "$m/out/tap/$tests.tap" 2>/dev/null; then
		echo "ok $n $name: $tests notices ($(grep -cE '^not ok' "$m/out/tap/$tests.tap") failures, $must among them)"
	elif grep -qE 'Oops|BUG:|Kernel panic' "$m/out/kernel.console" 2>/dev/null; then
		# The lab's "kernel log has no oops" check fails as well.
		echo "ok $n $name: the guest's kernel crashed during $tests ($(grep -m1 -oE 'Oops[^\[]*|BUG:[^\[]*|Kernel panic[^\[]*' "$m/out/kernel.console"))"
	else
		echo "not ok $n $name: $must did not fail under this mutant"
		holes=$((holes + 1))
	fi
done
