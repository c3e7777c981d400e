#!/bin/bash
# mutants.sh [NAME...]: show that each gocapd test fails without the
# feature it tests.  For each mutant of tests/gocapd/mutants.table (format:
# scripts/mutate.py): break one thing in a scratch copy of the tree, build,
# run the tests the table names there, and check that the test it names
# failed ("-": any).  TAP on stdout; a mutant no test notices is a hole in
# the tests ("not ok").  Not part of `make check`; run by hand after
# changing gocapd or its tests.
#
# In the tests column, "host" runs all of tests/gocapd/host.sh, and
# "host:t_a,t_b" only those of its tests (GOCD_ONLY; the tests a test
# builds on must be listed too); "doctor" runs tests/doctor/host.sh.
#
# One scratch tree serves every mutant: it is built once, then each mutant
# changes one file, is built incrementally (the file is newer than
# its objects) and tested, and the file is put back (newer again, so the
# next build compiles the original).  A mutant costs seconds of build, not
# a full one.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
KS=${GOCD_KSELFTEST:-${XDG_CACHE_HOME:-$HOME/.cache}/gocoredump/kselftest}
TABLE=$TOP/tests/gocapd/mutants.table

M=$(mktemp -d /tmp/gocapd-mutant.XXXXXX)
trap 'rm -rf "$M"' EXIT
(cd "$TOP" && tar cf - include lib userland scripts tests/gocapd tests/gocap tests/fuzz \
	tests/doctor tests/fullsys/go) |
	tar xf - -C "$M"
build() { make -C "$M/userland" TOP="$M" B="$M/build" GOCD_KSELFTEST="$KS" all -j2; }
if ! build > "$M/build.log" 2>&1; then
	echo "1..1"; echo "not ok 1 the unmutated tree does not build"
	tail -5 "$M/build.log" | sed 's/^/# /'; exit 1
fi

want=" $* "
n=0
while IFS='~' read -r name file expr tests must; do
	case $name in ''|'#'*) continue ;; esac
	[ "$want" = "  " ] || case $want in *" $name "*) ;; *) continue ;; esac
	n=$((n + 1))
	cp "$M/$file" "$M/.orig"
	if ! "$TOP/scripts/mutate.py" "$M/$file" "$expr"; then
		echo "not ok $n $name: the mutation does not apply to $file"
		continue
	fi
	if ! build > "$M/build.log" 2>&1; then
		echo "not ok $n $name: the mutant does not build"
		grep -m3 -E 'error:|Error [0-9]' "$M/build.log" | sed 's/^/# /'
		cp "$M/.orig" "$M/$file"
		continue
	fi
	for t in $tests; do
		case $t in
		host) GOCD_TOP="$M" GOCD_BUILD="$M/build" "$M/tests/gocapd/host.sh" ;;
		host:*) GOCD_ONLY=$(echo "${t#host:}" | tr ',' ' ') GOCD_TOP="$M" \
			GOCD_BUILD="$M/build" "$M/tests/gocapd/host.sh" ;;
		doctor) GOCD_TOP="$M" GOCD_BUILD="$M/build" "$M/tests/doctor/host.sh" ;;
		*) "$M/build/tests/$t" ;;
		esac
	done > "$M/tap" 2>/dev/null
	# put the file back (with a new mtime: the next build compiles it)
	cp "$M/.orig" "$M/$file"
	fails=$(grep -E '^not ok' "$M/tap" | sed -E 's/^not ok [0-9]+ //; s/:.*//' | tr '\n' ';')
	if [ -z "$fails" ]; then
		echo "not ok $n $name: SURVIVED ($tests all pass)"
	elif [ "$must" != - ] && ! grep -qE "^not ok [0-9]+ .*$must" "$M/tap"; then
		echo "not ok $n $name: caught, but not by $must: $fails"
	else
		echo "ok $n $name: caught by $fails"
	fi
done < "$TABLE"
echo "1..$n"
