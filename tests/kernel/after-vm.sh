#!/bin/sh
# after-vm.sh: the cores the guest exported (build/lab/SERIES/out/cores/KVER/
# NAME.core, crashed under coredump_filter 0x33 with the module) still open
# in the usual tools, on the host: readelf and eu-readelf without a warning,
# gdb (info files, thread apply all bt) without an unexpected warning, and
# `dlv core` listing goroutines (Debian's delve 1.20 for Go 1.19, trixie's
# 1.24 for later Go, --check-go-version=false).  Prints TAP.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

LAB="$GOCD_BUILD/lab"
DLV_NEW=$("$GOCD_TOP/scripts/fetch-delve.sh" 2>/dev/null) || DLV_NEW=""
DLV_OLD=$(command -v dlv || true)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'goroutines\nexit\n' > "$tmp/dlv.init"

n=0 bad=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
fail() { n=$((n + 1)); echo "not ok $n $*"; bad=1; }
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }

cores=$(ls "$LAB"/*/out/cores/*/*.core 2>/dev/null)
if [ -z "$cores" ]; then
	echo "1..1"
	fail "the VM runs exported no cores (expected under $LAB/*/out/cores)"
	exit 1
fi
for core in $cores; do
	name=$(basename "$core" .core)
	kver=$(basename "$(dirname "$core")")
	exe="$LAB/payload/go/$name/crasher"
	t="$kver $name"

	if readelf -lnW "$core" > "$tmp/out" 2> "$tmp/err" && [ ! -s "$tmp/err" ]; then
		ok "$t: readelf -lnW"
	else
		fail "$t: readelf -lnW"; sed 's/^/# /' "$tmp/err" | head -5
	fi
	if eu-readelf -l -n "$core" > "$tmp/out" 2> "$tmp/err" && [ ! -s "$tmp/err" ]; then
		ok "$t: eu-readelf -l -n"
	else
		fail "$t: eu-readelf -l -n"; sed 's/^/# /' "$tmp/err" | head -5
	fi

	timeout 120 gdb -q -batch -ex "info files" -ex "thread apply all bt" \
		"$exe" -c "$core" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	# The guest's paths do not exist here, and Go's gdb script is not
	# auto-loaded: those two warnings are expected; any other is not.
	grep -v -e "during file-backed mapping note processing" \
		-e "auto-loading has been declined" -e '^$' "$tmp/err" > "$tmp/err2"
	if [ $rc -eq 0 ] && [ ! -s "$tmp/err2" ] &&
	   grep -q "Local core dump file" "$tmp/out" && grep -q '^#0 ' "$tmp/out"; then
		ok "$t: gdb info files, thread apply all bt"
	else
		fail "$t: gdb info files, thread apply all bt (status $rc)"
		sed 's/^/# /' "$tmp/err2" | head -5
	fi

	case $name in
	*-386)
		skip "$t: dlv core" "delve does not read i386 core files (unsupported machine type)"
		continue ;;
	1.19-*) dlv=$DLV_OLD ;;
	*) dlv=$DLV_NEW ;;
	esac
	if [ -z "$dlv" ]; then
		fail "$t: dlv core (no delve found)"
		continue
	fi
	timeout 120 "$dlv" core "$exe" "$core" --check-go-version=false \
		--allow-non-terminal-interactive=true --init "$tmp/dlv.init" \
		< /dev/null > "$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -qE '^\[[0-9]+ goroutines\]' "$tmp/out" &&
	   grep -q 'Goroutine 1 ' "$tmp/out"; then
		ok "$t: dlv core lists goroutines ($(grep -oE '^\[[0-9]+ goroutines\]' "$tmp/out"))"
	else
		fail "$t: dlv core (status $rc)"; grep -i error "$tmp/out" | head -5 | sed 's/^/# /'
	fi
done
# gocap from the core alone: cores the module wrote under the default filter
# (text and rodata forced, the note present), no executable given; what
# gocap rebuilds must match the Go runtime's own traceback (oracle.py).
GOCAP="$GOCD_BUILD/bin/gocap"
for d in "$LAB"/*/out/gocap/*/*/; do
	[ -d "$d" ] || continue
	d=${d%/}
	t="$(basename "$(dirname "$d")") gocap $(basename "$d")"
	if [ ! -s "$d/core" ]; then
		fail "$t: the crasher left no core"
		continue
	fi
	"$GOCAP" goroutines --core "$d/core" > "$d/gocap.txt" 2> "$d/gocap.err"
	rc=$?
	if [ $rc -eq 0 ] && python3 "$GOCD_TOP/tests/gocap/oracle.py" \
		"$d/stderr" "$d/gocap.txt" > "$d/oracle.log" 2>&1; then
		ok "$t: gocap from the core alone matches the runtime ($(head -1 "$d/oracle.log"))"
	else
		fail "$t: gocap from the core alone (exit $rc)"
		sed 's/^/# /' "$d/gocap.err" "$d/oracle.log" | head -8
	fi
done
# The same crashers without GOTRACEBACK, upgraded by the module's
# gotraceback knob (guest-suite.sh): each died of SIGABRT (134 from the
# guest's shell) with a core, gocap's first line says the traceback was
# upgraded, and the rest matches the runtime's stderr 100%.
for kd in "$LAB"/*/out/gocap-upgraded/*/; do
	[ -d "$kd" ] || continue
	kd=${kd%/}
	kver=$(basename "$kd")
	crashes=0
	for d in "$kd"/*/; do
		[ -d "$d" ] || continue
		d=${d%/}
		crashes=$((crashes + 1))
		t="$kver gocap upgraded $(basename "$d")"
		st=$(cat "$d/status" 2>/dev/null)
		if [ "$st" = 134 ] && [ -s "$d/core" ]; then
			ok "$t: died of SIGABRT with a core"
		else
			fail "$t: died of SIGABRT with a core (exit status ${st:-none}, core $( [ -s "$d/core" ] && echo present || echo missing))"
			sed 's/^/# /' "$d/stderr" 2>/dev/null | head -5
			continue
		fi
		"$GOCAP" goroutines --core "$d/core" > "$d/gocap.txt" 2> "$d/gocap.err"
		rc=$?
		if [ $rc -eq 0 ] && python3 "$GOCD_TOP/tests/gocap/oracle.py" --want-upgraded \
			"$d/stderr" "$d/gocap.txt" > "$d/oracle.log" 2>&1; then
			ok "$t: gocap says upgraded and matches the runtime ($(head -1 "$d/oracle.log"))"
		else
			fail "$t: gocap says upgraded and matches the runtime (exit $rc; first line: $(head -1 "$d/gocap.txt"))"
			sed 's/^/# /' "$d/gocap.err" "$d/oracle.log" | head -8
		fi
	done
	# Every one counted by the module, none failed.
	c=$(cat "$kd/counters" 2>/dev/null)
	case " $c " in
	*" crashes_upgraded=$crashes upgrade_errors=0 "*)
		ok "$kver gocap upgraded: the module counted $crashes upgrades, no error ($c)" ;;
	*)	fail "$kver gocap upgraded: the module counted $crashes upgrades, no error (${c:-no counters})" ;;
	esac
done
echo "1..$n"
exit $bad
