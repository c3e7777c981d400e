#!/bin/bash
# mutants.sh SUITE [NAME...]: show that each of tests/SUITE/host.sh's tests
# fails without the feature it tests.  For each mutant of
# tests/SUITE/mutants.table (format: scripts/mutate.py; "name ~ file ~
# python expression over the file's text s ~ a piece of the TAP line of
# the test that must fail", "-": any): break one thing in a scratch copy of
# the tree, build, run tests/SUITE/host.sh there and check that the test
# it names failed.  TAP on stdout; a mutant no test notices is a hole in
# the tests ("not ok").  Not part of `make check`; run by hand after
# changing a feature or its tests.  The suite's own variables (its Go
# releases, say) pass through the environment.
#
# One scratch tree serves every mutant, built once; each mutant changes
# one file, is built incrementally and tested, and the file is put back.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
KS=${GOCD_KSELFTEST:-${XDG_CACHE_HOME:-$HOME/.cache}/gocoredump/kselftest}
suite=${1:?usage: mutants.sh SUITE [NAME...]}
shift
TABLE=$TOP/tests/$suite/mutants.table
[ -f "$TABLE" ] || { echo "mutants.sh: no $TABLE" >&2; exit 2; }

M=$(mktemp -d "/tmp/$suite-mutant.XXXXXX")
trap 'rm -rf "$M"' EXIT
(cd "$TOP" && tar cf - include lib userland scripts tests) | tar xf - -C "$M"
build() { make -C "$M/userland" TOP="$M" B="$M/build" GOCD_KSELFTEST="$KS" all -j1; }
if ! build > "$M/build.log" 2>&1; then
	echo "1..1"; echo "not ok 1 the unmutated tree does not build"
	tail -5 "$M/build.log" | sed 's/^/# /'; exit 1
fi

want=" $* "
n=0
while IFS='~' read -r name file expr must; do
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
	GOCD_TOP="$M" GOCD_BUILD="$M/build" "$M/tests/$suite/host.sh" > "$M/tap" 2> /dev/null
	# put the file back (with a new mtime: the next build compiles it)
	cp "$M/.orig" "$M/$file"
	fails=$(grep -E '^not ok' "$M/tap" | sed -E 's/^not ok [0-9]+ //; s/:.*//' | sort -u | tr '\n' ';')
	if [ -z "$fails" ]; then
		echo "not ok $n $name: SURVIVED (all pass)"
	elif [ "$must" != - ] && ! grep -qE "^not ok [0-9]+ .*$must" "$M/tap"; then
		echo "not ok $n $name: caught, but not by $must: $fails"
	else
		echo "ok $n $name: caught by $fails"
	fi
done < "$TABLE"
echo "1..$n"
