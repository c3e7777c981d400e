#!/bin/sh
# tap-summary.sh DIR: count the TAP results of every DIR/*.tap and print the
# closing line "N passed, N failed".  A suite whose DIR/NAME.rc is nonzero
# without any "not ok" line counts as one failure (it died or could not run).
# Exit status: 0 when nothing failed.
set -u
dir=$1
pass=0 fail=0 skip=0
for t in "$dir"/*.tap; do
	[ -e "$t" ] || continue
	n=${t##*/}; n=${n%.tap}
	p=$(grep -cE '^ok [0-9]+' "$t" | tr -d ' ')
	s=$(grep -cE '^ok [0-9]+.*# *SKIP' "$t" | tr -d ' ')
	f=$(grep -cE '^not ok [0-9]+' "$t" | tr -d ' ')
	rc=$(cat "$dir/$n.rc" 2>/dev/null || echo 0)
	if [ "$rc" != 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - suite $n exited with status $rc and reported no failure: see $t"
	fi
	grep -E '^not ok [0-9]+' "$t" | sed "s/^/[$n] /"
	pass=$((pass + p - s)); skip=$((skip + s)); fail=$((fail + f))
done
[ "$skip" -gt 0 ] && echo "$skip skipped (counted neither as passed nor failed)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
