#!/bin/sh
# tap-summary.sh DIR: count the TAP results of every DIR/*.tap and print the
# closing line "N passed, N failed".  A suite whose DIR/NAME.rc is nonzero
# without any "not ok" line counts as one failure (it died or could not run).
# Under each failure, up to 12 lines of its diagnostics: the "# " lines the
# TAP has before it (kselftest's order) and after it up to the next result
# (our host suites' order); with none before it, the kselftest harness's
# lines for it in DIR/NAME.err ("# file:line:test:message", TH_LOG and
# failed expectations).
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
	[ "$f" -eq 0 ] || awk -v n="$n" -v err="$dir/$n.err" '
		# The lines of one failure: its "# " lines, before the "not ok"
		# (kselftest) or after it (our host suites), up to 12.
		function flush(i) {
			if (!open) return
			for (i = 0; i < k; i++) print "    " d[i]
			open = 0; k = 0
		}
		/^(not )?ok [0-9]+/ && !/^not ok/ { flush(); k = 0; next }
		/^# +(RUN|OK|FAIL|SKIP|XFAIL) / { next }	# harness markers
		/^#/ { if (k < 12) d[k++] = $0; next }
		/^not ok [0-9]+/ {
			flush()
			print "[" n "] " $0
			if (k == 0) {
				# kselftest: "not ok 14 fixture.test_name"
				t = $0; sub(/^not ok [0-9]+ +([^ .]+\.)?/, "", t)
				sub(/ .*/, "", t)
				while (t != "" && k < 12 &&
				       (getline l < err) > 0)
					if (index(l, ":" t ":")) d[k++] = l
				close(err)
			}
			# what it had before it, then what follows it
			open = 1
		}
		END { flush() }' "$t"
	pass=$((pass + p - s)); skip=$((skip + s)); fail=$((fail + f))
done
[ "$skip" -gt 0 ] && echo "$skip skipped (counted neither as passed nor failed)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
