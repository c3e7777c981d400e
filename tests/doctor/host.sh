#!/bin/sh
# host.sh: gocap doctor on this host (a host suite of make check), TAP.
#
# Starts the full-system lab's Go service (tests/fullsys/go/service) in
# the settings that lose a core, and one that loses none, and checks that
# `gocap doctor --json` names each of them with the right finding, that a
# program that is not Go is not looked at, and the exit status.  The host
# has no gocoredump.ko and its own core_pattern, so the verdict here is
# always "lost"; the exit status 0 of a host where everything is right is
# checked in the full-system lab (tests/fullsys/guest.sh).  Needs root
# (other processes' environments, setcap, PID namespaces).
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

GOCAP="$GOCD_BUILD/bin/gocap"
W=$(mktemp -d /tmp/gocd-doctor.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
N=0
ok() { N=$((N + 1)); echo "ok $N $*"; }
notok() { N=$((N + 1)); echo "not ok $N $*"; }

if ! (cd "$GOCD_TOP/tests/fullsys/go" && CGO_ENABLED=0 \
	"$GOCD_TOP/scripts/go.sh" 1.22 build -o "$W/svc" ./service) > "$W/build.log" 2>&1; then
	echo "1..1"; echo "not ok 1 build the Go service"; sed 's/^/# /' "$W/build.log"; exit 1
fi

# start NAME CMD...: run CMD in the background (stdout to W/NAME.out), wait
# for the service to say it is ready, remember the pid of the Go process.
start() {
	n=$1; shift
	"$@" > "$W/$n.out" 2>&1 &
	pids="$pids $!"
	i=0
	while ! grep -q 'service: ready' "$W/$n.out" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1
	done
}
# gopid EXE: the pid of the (only) process running EXE
gopid() {
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$1" ] && { echo "${p#/proc/}"; return; }
	done
}

cp "$W/svc" "$W/svc-plain"
cp "$W/svc" "$W/svc-good"
cp "$W/svc" "$W/svc-nolimit"
cp "$W/svc" "$W/svc-filter"
cp "$W/svc" "$W/svc-caps"
cp "$W/svc" "$W/svc-suid"
cp "$W/svc" "$W/svc-ns"
chmod u+s "$W/svc-suid"
setcap cap_net_bind_service+ep "$W/svc-caps" 2>/dev/null || rm -f "$W/svc-caps"

start plain env -u GOTRACEBACK sh -c "ulimit -c unlimited; exec $W/svc-plain"
start good env GOTRACEBACK=crash sh -c "ulimit -c unlimited; exec $W/svc-good"
start nolimit env GOTRACEBACK=crash sh -c "ulimit -c 0; exec $W/svc-nolimit"
start filter env GOTRACEBACK=crash sh -c "ulimit -c unlimited; echo 0x30 > /proc/self/coredump_filter; exec $W/svc-filter"
[ -e "$W/svc-caps" ] && start caps env GOTRACEBACK=crash sh -c "ulimit -c unlimited; exec $W/svc-caps"
start suid env GOTRACEBACK=crash sh -c "ulimit -c unlimited; exec setpriv --reuid=65534 --regid=65534 --clear-groups $W/svc-suid"
start ns env GOTRACEBACK=crash sh -c "ulimit -c unlimited; exec unshare -p -f --mount-proc $W/svc-ns"
sleep 3600 &
pids="$pids $!"
sleeper=$!

"$GOCAP" doctor --json > "$W/doctor.json" 2> "$W/doctor.err"
rc=$?
"$GOCAP" doctor > "$W/doctor.txt" 2>&1
rc_text=$?

# finds EXE LEVEL WORDS: a finding of LEVEL about the process running EXE
# whose text holds WORDS (python, over the JSON).
finds() {
	pid=$(gopid "$1")
	[ -n "$pid" ] || return 2
	python3 - "$W/doctor.json" "$pid" "$2" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
pid, level, words = int(sys.argv[2]), sys.argv[3], sys.argv[4]
hits = [f for f in d["findings"] if f.get("pid") == pid and f["level"] == level and words in f["what"] and (level == "ok" or f["fix"])]
sys.exit(0 if hits else 1)
PY
}
# verdict DESC CMD...
verdict() {
	d=$1; shift
	if "$@"; then ok "$d"; else notok "$d"; sed 's/^/# /' "$W/doctor.txt" | head -60; fi
}

verdict "doctor --json exits 1 when something would be lost" [ "$rc" -eq 1 ]
verdict "doctor (text) exits as --json does" [ "$rc_text" -eq "$rc" ]
verdict "the JSON says captured=false and counts what is lost" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["captured"] is False and d["lost"] == sum(f["level"] == "lost" for f in d["findings"])
assert all(f["fix"] for f in d["findings"] if f["level"] != "ok")' "$W/doctor.json"
verdict "every lost finding has a one-line fix" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert all(f["fix"] and "\n" not in f["fix"] for f in d["findings"] if f["level"] == "lost")' "$W/doctor.json"
verdict "the module not loaded is a loss, with its fix" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [f for f in d["findings"] if f["area"] == "module" and f["level"] == "lost" and "gocoredump" in f["fix"]]' "$W/doctor.json"
verdict "GOTRACEBACK not set: lost" finds "$W/svc-plain" lost "GOTRACEBACK is not set"
verdict "GOTRACEBACK=crash, unlimited, default filter: ok" finds "$W/svc-good" ok "will be captured"
verdict "the good one has no problem" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert not [f for f in d["findings"] if f.get("pid") == int(sys.argv[2]) and f["level"] != "ok"]' "$W/doctor.json" "$(gopid "$W/svc-good")"
case $(cat /proc/sys/kernel/core_pattern) in
"|"*"/gocapd "*) lim=warn ;;
*) lim=lost ;;
esac
verdict "RLIMIT_CORE 0: $lim with this host's core_pattern" finds "$W/svc-nolimit" "$lim" "RLIMIT_CORE is 0"
verdict "coredump_filter without anonymous memory: lost" finds "$W/svc-filter" lost "coredump_filter is 0x30"
sd=$(cat /proc/sys/fs/suid_dumpable)
if [ "$sd" = 0 ]; then
	if [ -e "$W/svc-caps" ]; then
		verdict "file capabilities and fs.suid_dumpable=0: lost" finds "$W/svc-caps" lost "file capabilities"
	else
		ok "# SKIP setcap failed here"
	fi
	verdict "set-id and fs.suid_dumpable=0: lost" finds "$W/svc-suid" lost "runs set-id"
else
	ok "# SKIP fs.suid_dumpable is $sd here, not 0"
	ok "# SKIP fs.suid_dumpable is $sd here, not 0"
fi
verdict "PID 1 of a PID namespace: lost" finds "$W/svc-ns" lost "PID 1 of its PID namespace"
verdict "a program that is not Go is not looked at" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert not [f for f in d["findings"] if f.get("pid") == int(sys.argv[2])]' "$W/doctor.json" "$sleeper"

printf 'Storage=none\n' > "$W/none.conf"
"$GOCAP" doctor --json --config "$W/none.conf" > "$W/none.json" 2>/dev/null
verdict "Storage=none in the configuration: lost" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [f for f in d["findings"] if f["area"] == "store" and f["level"] == "lost" and "Storage=none" in f["what"]]' "$W/none.json"
printf 'Storage=zstd\nNoSuchKey=1\n' > "$W/bad.conf"
"$GOCAP" doctor --json --config "$W/bad.conf" > "$W/bad.json" 2>/dev/null
verdict "a configuration gocapd refuses is a warning naming the line" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [f for f in d["findings"] if f["area"] == "store" and f["level"] == "warn" and "NoSuchKey" in f["what"]]' "$W/bad.json"
echo "1..$N"
