#!/bin/sh
# tests/kernel/host.sh: the kernel code's style, on the host.
#  - module/ is checkpatch --strict clean;
#  - the files the module shares with userland (lib/, include/) are
#    checkpatch clean at the default level (--strict would ask for kernel
#    types and BIT(), which userspace and uapi headers cannot use).
# checkpatch.pl is the one from Debian's linux-source-6.1.  Prints TAP.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

"$GOCD_TOP/scripts/fetch-kselftest.sh" >/dev/null || {
	echo "1..1"; echo "not ok 1 fetch checkpatch.pl from linux-source"; exit 1; }
cp="$GOCD_CACHE/checkpatch/scripts/checkpatch.pl"
echo "1..2"
bad=0
check() {	# check N DESC ARGS... FILES
	n=$1 d=$2; shift 2
	out=$(perl "$cp" --no-tree --terse --show-types "$@" 2>&1 | grep -v '^total:')
	if [ -z "$out" ]; then
		echo "ok $n $d"
	else
		echo "not ok $n $d"; echo "$out" | sed 's/^/# /'; bad=1
	fi
}
check 1 "module/ is checkpatch --strict clean" --strict -f \
	"$GOCD_TOP"/module/*.c "$GOCD_TOP"/module/*.h
check 2 "lib/ and include/ are checkpatch clean" -f \
	"$GOCD_TOP"/lib/*.c "$GOCD_TOP"/include/*/*.h
exit $bad
