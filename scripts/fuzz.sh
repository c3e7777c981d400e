#!/bin/sh
# fuzz.sh: run every libFuzzer target in build/fuzz/ for GOCD_FUZZ_SECONDS
# (default 30) seconds each, one per CPU at a time (GOCD_FUZZ_JOBS), and
# print TAP: one test per target.
#
# Seeds for target NAME come from tests/fuzz/corpus/NAME/ (small, committed)
# and build/fuzz-seeds/NAME/ (generated during the run, e.g. real cores made
# by the tests; see tests/*/host.sh).  New inputs go to a scratch corpus under
# build/, so the committed seeds never change.  A crash leaves its reproducer
# in build/fuzz-crashes/NAME/.
set -u
. "$(dirname "$0")/lib.sh"

secs=${GOCD_FUZZ_SECONDS:-30}
"$GOCD_TOP/tests/fuzz/make-seeds.sh"
set -- "$GOCD_BUILD"/fuzz/*
[ -x "$1" ] || { echo "1..0 # SKIP no fuzz targets built"; exit 0; }
echo "1..$#"
# GOCD_FUZZ_JOBS targets at a time (default: one per CPU), each for its
# full time; their TAP lines come out in order once all are done.
jobs=${GOCD_FUZZ_JOBS:-$(nproc)}
# run_target I TARGET: run one target, its TAP line into its .tap file
run_target() {
	i=$1 f=$2
	n=${f##*/}
	work="$GOCD_BUILD/fuzz-work/$n"
	crashes="$GOCD_BUILD/fuzz-crashes/$n"
	rm -rf "$work" "$crashes"
	mkdir -p "$work" "$crashes"
	seeds=""
	for d in "$GOCD_TOP/tests/fuzz/corpus/$n" "$GOCD_BUILD/fuzz-seeds/$n"; do
		[ -d "$d" ] && seeds="$seeds $d"
	done
	# shellcheck disable=SC2086
	if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$GOCD_FUZZ_MAX_LEN" -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$work" $seeds \
		> "$work.log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
		echo "ok $i fuzz $n ($secs s, ${execs:-?} runs)"
	else
		echo "not ok $i fuzz $n: crash or error, reproducer in $crashes"
		grep -m5 -E 'ERROR|SUMMARY|runtime error' "$work.log" | sed 's/^/# /'
	fi > "$work.tap"
}
mkdir -p "$GOCD_BUILD/fuzz-work"
i=0 running=0
for f in "$@"; do
	i=$((i + 1))
	run_target "$i" "$f" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
i=0 bad=0
for f in "$@"; do
	i=$((i + 1))
	t="$GOCD_BUILD/fuzz-work/${f##*/}.tap"
	if [ -s "$t" ]; then
		cat "$t"
		grep -q '^not ok' "$t" && bad=1
	else
		echo "not ok $i fuzz ${f##*/}: no result"
		bad=1
	fi
done
exit $bad
