#!/bin/sh
# host.sh: the lint tier, TAP on stdout (a host suite of make check).
#
#   - shellcheck over every shell script (settings in .shellcheckrc);
#   - cppcheck over userland/ and lib/ (warnings, style, performance,
#     portability; variableScope is off: kernel style declares variables
#     where the reader meets the block, not in the innermost scope);
#   - sparse (C=1) and W=1 over the module, against Debian's 6.1 and 6.12
#     headers (7.x needs the trixie chroot: its build in the lab is warning-
#     checked instead);
#   - the man pages render (rst2man, warnings are errors);
#   - the documents: every fuzz target, lab.sh verb and make target that a
#     document or a comment names exists, and note-format.rst's tables give
#     the offsets and sizes that include/uapi/gocoredump.h has
#     (check-docs.py).
# Zero findings is the bar: a finding is fixed, or suppressed where it is
# with the reason beside it.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

N=0
W=$(mktemp -d /tmp/gocd-lint.XXXXXX)
trap 'rm -rf "$W"' EXIT
ok() { N=$((N + 1)); echo "ok $N $*"; }
notok() { N=$((N + 1)); echo "not ok $N $*"; }
# check DESC CMD...: one test whose verdict is CMD's status; findings shown
check() {
	d=$1; shift
	if "$@" > "$W/out" 2>&1; then
		ok "$d"
	else
		notok "$d"
		sed 's/^/# /' "$W/out" | head -40
	fi
}

cd "$GOCD_TOP" || exit 1

scripts=$( { find scripts tests bench -name '*.sh'; echo scripts/guest/init; } | sort)
# shellcheck disable=SC2086 # a list of files
check "shellcheck: every shell script is clean" shellcheck $scripts

check "cppcheck: userland/ and lib/ are clean" \
	cppcheck -q --error-exitcode=1 --std=c11 -D_GNU_SOURCE -I include \
	-I userland --enable=warning,style,performance,portability \
	--suppress=variableScope --inline-suppr userland lib

# module_lint SERIES: the module with sparse and W=1, no finding allowed.
module_lint() {
	envf=$("$GOCD_TOP/scripts/fetch-kernel.sh" "$1") || return 1
	# shellcheck source=/dev/null # a kernel.env written by fetch-kernel.sh
	. "$envf"
	m="$W/kmod-$1"
	mkdir -p "$m"
	cp -r Kbuild module lib include "$m/"
	make -C "$KDIR" M="$m" C=1 W=1 modules > "$m/log" 2>&1 || {
		cat "$m/log"
		return 1
	}
	! grep -E 'warning:|error:' "$m/log" | grep -v 'Skipping BTF'
}
for k in 6.1 6.12; do
	check "module: sparse and W=1 find nothing ($k headers)" module_lint "$k"
done

# The man pages include the documents (Documentation/man/): a document
# that stops rendering as a man page fails here, not in `make deb`.
check "man pages render from Documentation/ without a warning (make man)" \
	make -s -C "$GOCD_TOP" man B="$W/man"

check "documents and comments name only fuzz targets, lab verbs, make targets and note offsets that exist" \
	python3 "$GOCD_TOP/tests/lint/check-docs.py" "$GOCD_TOP"

check "every mutant of every suite's mutants.table still applies to the code" \
	python3 "$GOCD_TOP/tests/lint/check-mutants.py" "$GOCD_TOP"

echo "1..$N"
