#!/bin/sh
# tests/kernel/host.sh: the kernel code's style and safety, on the host.
#  - module/ is checkpatch --strict clean;
#  - the files the module shares with userland (lib/, include/) are
#    checkpatch clean at the default level (--strict would ask for kernel
#    types and BIT(), which userspace and uapi headers cannot use);
#  - IBT safety, statically (no QEMU from Debian emulates CET/IBT under
#    TCG, so the lab cannot run an IBT guest: see design.rst): the module's
#    sources name no kallsyms lookup or kprobe API, and the built module
#    imports none, so no pointer it calls can come from them.
# (Sparse and W=1 over the module are the lint tier's, tests/lint.)
# checkpatch.pl is the one from Debian's linux-source-6.1.  Prints TAP.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

"$GOCD_TOP/scripts/fetch-kselftest.sh" >/dev/null || {
	echo "1..1"; echo "not ok 1 fetch checkpatch.pl from linux-source"; exit 1; }
cp="$GOCD_CACHE/checkpatch/scripts/checkpatch.pl"
echo "1..4"
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

# The APIs that hand out addresses of functions nobody exported: calling
# through one is what IBT faults on (a kprobe's address may be past the
# ENDBR; a function whose address the kernel never takes has its ENDBR
# sealed).
FORBIDDEN='kallsyms_lookup_name kallsyms_on_each_symbol kallsyms_on_each_match_symbol register_kprobe register_kprobes register_kretprobe'
hits=$(grep -nE "$(echo "$FORBIDDEN" | tr ' ' '|')|struct kprobe" \
	"$GOCD_TOP"/module/*.c "$GOCD_TOP"/module/*.h "$GOCD_TOP"/lib/*.c 2>&1)
if [ -z "$hits" ]; then
	echo "ok 3 the module's sources use no kallsyms lookup or kprobe API"
else
	echo "not ok 3 the module's sources use no kallsyms lookup or kprobe API"
	echo "$hits" | sed 's/^/# /'; bad=1
fi

# Build a copy against 6.1, and look at what the .ko imports.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if envf=$("$GOCD_TOP/scripts/fetch-kernel.sh" 6.1 2>"$tmp/fetch.log"); then
	# shellcheck source=/dev/null # a kernel.env written by fetch-kernel.sh
	. "$envf"
	cp -r "$GOCD_TOP/Kbuild" "$GOCD_TOP/module" "$GOCD_TOP/lib" \
		"$GOCD_TOP/include" "$tmp/"
	make -C "$KDIR" M="$tmp" modules >"$tmp/build.log" 2>&1
	imports=$(nm -u "$tmp/gocoredump.ko" 2>/dev/null |
		awk '{ print $2 }' | grep -xE "$(echo "$FORBIDDEN" | tr ' ' '|')")
	if [ -f "$tmp/gocoredump.ko" ] && [ -z "$imports" ]; then
		echo "ok 4 gocoredump.ko ($KVER) imports no kallsyms lookup or kprobe symbol"
	else
		echo "not ok 4 gocoredump.ko ($KVER) imports no kallsyms lookup or kprobe symbol"
		{ echo "$imports"; [ -f "$tmp/gocoredump.ko" ] ||
			tail -5 "$tmp/build.log"; } | sed 's/^/# /'
		bad=1
	fi
else
	echo "not ok 4 gocoredump.ko imports no kallsyms lookup or kprobe symbol (cannot fetch Debian's 6.1 headers)"
	sed 's/^/# /' "$tmp/fetch.log" | tail -5
	bad=1
fi
exit $bad
