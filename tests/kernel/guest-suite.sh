#!/bin/sh
# shellcheck shell=dash # runs under the guest's busybox sh
# The "kernel" suite, run by the lab's /init inside the guest.  Prepares the
# guest (core directory and pattern, the module), then runs every test
# program in /gcd/tests in turn; each writes its TAP to /out/tap/NAME.tap.
# This script's own stdout is TAP for the preparation steps.
mkdir -p /tmp/cores /out/tap
echo /tmp/cores/core.%p > /proc/sys/kernel/core_pattern
sysctl -qw vm.max_map_count=262144 2>/dev/null || true
n=0 bad=0
step() {	# step DESCRIPTION COMMAND...
	n=$((n + 1)); d=$1; shift
	if "$@"; then echo "ok $n $d"; else echo "not ok $n $d"; bad=1; fi
}
# The compat (32-bit) writer is found from the first 32-bit program that
# starts after the load: run one (it exits at once, usage) and wait for it.
compat_hooked() {
	/gcd/go/1.22-386/crasher >/dev/null 2>&1
	i=0
	while [ "$(cat /sys/kernel/gocoredump/compat_hook)" != hooked ]; do
		i=$((i + 1)); [ "$i" -gt 100 ] && return 1
		sleep 0.1
	done
}
echo "1..3"
step "insmod gocoredump.ko ($(uname -r))" insmod /gcd/gocoredump.ko
step "sysfs knobs present" test -r /sys/kernel/gocoredump/enabled
step "compat writer hooked after a 32-bit program ran" compat_hooked
# test_unload last: it reloads the module.
set --
for t in /gcd/tests/test_*; do
	[ "$t" = /gcd/tests/test_unload ] || set -- "$@" "$t"
done
for t in "$@" /gcd/tests/test_unload; do
	name=${t##*/}
	case " ${GCD_TESTS:-} " in
	"  ") ;;
	*" $name "*) ;;
	*) continue ;;
	esac
	t0=$(date +%s)
	"$t" > "/out/tap/$name.tap" 2> "/out/tap/$name.err"
	echo $? > "/out/tap/$name.rc"
	echo "# $name took $(( $(date +%s) - t0 )) s"
done
# Cores for the host's end-to-end gocap check (tests/kernel/after-vm.sh):
# gocap's crasher under the default coredump_filter with the module loaded,
# the runtime's own traceback beside each core.
if grep -qw gcd.gocap /proc/cmdline; then
	# The crashers talk to themselves over loopback.
	ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
	# The runtime writes its traceback in many small writes: into tmpfs
	# (W), copied to /out after (straight to 9p they took minutes each).
	W=/tmp/gocap-run
	mkdir -p "$W"
	modes="panic-string throw nilptr"
	i=0
	t0=$(date +%s)
	ulimit -c unlimited
	for c in /gcd/gocap/*/crasher; do
		name=$(basename "$(dirname "$c")")
		# shellcheck disable=SC2086 # a list of modes
		set -- $modes; shift $((i % 3)); mode=$1; i=$((i + 1))
		d=/out/gocap/$(uname -r)/$name-$mode
		mkdir -p "$d"
		(cd "$d" && echo "$d/core" > /proc/sys/kernel/core_pattern &&
		 GOTRACEBACK=crash GODEBUG=tracebacklabels=1 "$c" "$mode" \
			> "$W/stdout" 2> "$W/stderr")
		cp "$W/stdout" "$W/stderr" "$d/"
	done
	echo /tmp/cores/core.%p > /proc/sys/kernel/core_pattern
	echo "# gocap crashes took $(( $(date +%s) - t0 )) s"

	# The same crashers with no GOTRACEBACK at all, upgraded by the
	# module's gotraceback knob (module parameter here): the runtime's
	# stderr, exit status and core under /out/gocap-upgraded for
	# after-vm.sh.  A fresh module, so that each crasher's first exec
	# places its probe (probes_placed grows by one each).  One goroutine
	# of each kind (GOCAP_CRASHER_FEW), so that the pass stays short.
	t0=$(date +%s)
	S=/sys/kernel/gocoredump
	U=/out/gocap-upgraded/$(uname -r)
	mkdir -p "$U"
	if rmmod gocoredump && insmod /gcd/gocoredump.ko gotraceback=crash &&
	   [ "$(cat $S/gotraceback)" = crash ]; then
		set -- /gcd/gocap/*/crasher
		placed=$(cat $S/probes_placed)
		for c in "$@"; do "$c" > /dev/null 2>&1; done	# usage, exit 2
		want=$((placed + $#)) i=0
		while [ "$(cat $S/probes_placed)" -lt "$want" ] && [ $i -lt 600 ]; do
			i=$((i + 1)); sleep 0.1
		done
		echo "# gocap upgraded: probes_placed $(cat $S/probes_placed) of $want after $((i / 10)) s"
		modes="panic-error nilptr throw signal"
		i=0
		for c in "$@"; do
			name=$(basename "$(dirname "$c")")
			# shellcheck disable=SC2086 # a list of modes
			set -- $modes; shift $((i % 4)); mode=$1; i=$((i + 1))
			d=$U/$name-$mode
			mkdir -p "$d"
			# In the background, waited for: a foreground job's
			# "Aborted (core dumped)" would land in its stderr.
			# asyncpreemptoff for signal, as tests/gocap/host.sh:
			# the spinners stay on their Ms for the SIGQUIT relay.
			dbg=tracebacklabels=1
			[ "$mode" = signal ] && dbg=$dbg,asyncpreemptoff=1
			(
				cd "$d" || exit
				echo "$d/core" > /proc/sys/kernel/core_pattern
				unset GOTRACEBACK
				GOCAP_CRASHER_FEW=1 GODEBUG=$dbg "$c" "$mode" \
					> "$W/stdout" 2> "$W/stderr" &
				pid=$! k=0
				if [ "$mode" = signal ]; then
					while ! grep -q '^ready' "$W/stdout" &&
					      [ "$k" -lt 1200 ] &&
					      kill -0 "$pid" 2> /dev/null; do
						k=$((k + 1)); sleep 0.1
					done
					kill -ABRT "$pid"
				fi
				wait "$pid"
				echo $? > status
				cp "$W/stdout" "$W/stderr" "$d/"
			)
		done
		echo "crashes_upgraded=$(cat $S/crashes_upgraded) upgrade_errors=$(cat $S/upgrade_errors) probes_placed=$(cat $S/probes_placed)" > "$U/counters"
	else
		echo "cannot load gocoredump.ko gotraceback=crash" > "$U/counters"
	fi
	echo /tmp/cores/core.%p > /proc/sys/kernel/core_pattern
	rmmod gocoredump; insmod /gcd/gocoredump.ko
	echo "# gocap upgraded crashes took $(( $(date +%s) - t0 )) s"
fi
exit $bad
