#!/bin/sh
# vm.sh KERNEL_ENV INITRAMFS SUITE OUTDIR [TIMEOUT_S] [MEM_MB]: boot the
# kernel in QEMU under TCG (KVM does not work on the lab machines) with the
# initramfs, run SUITE, and leave OUTDIR/SUITE.{tap,err,rc,dmesg,console}.
# OUTDIR is shared with the guest over 9p (the guest sees it as /out).
# Exit status: the suite's, or 124 when the guest hung past TIMEOUT_S.
set -u
. "$(dirname "$0")/lib.sh"

envf=$1 initrd=$2 suite=$3 out=$4 tmo=${5:-600} mem=${6:-2048}
# shellcheck source=/dev/null # a kernel.env written by fetch-kernel.sh
. "$envf"
mkdir -p "$out"
# softlockup_panic=1: a CPU stuck in the kernel (a soft lockup fails the
# suite's log check anyway) ends the guest at once, not at TIMEOUT_S.
# A kernel that dies before /init started (no "init: suite" line on the
# console) never ran our code: the module is loaded by the suites.  Under
# TCG that happens now and then (seen on 7.3: an int3 oops 1 s into boot,
# in code the kernel's own text patching had already rewritten, a vCPU
# running the stale translation): boot again, at most
# twice, keep each dead boot's console as SUITE.console.bootN and say so.
boot=1
while :; do
	rm -f "$out/$suite.rc" "$out/$suite.tap"
	timeout --kill-after=10 "$tmo" qemu-system-x86_64 \
		-accel tcg,thread=multi -cpu max -machine q35 -smp 2 -m "$mem" \
		-display none -monitor none -no-reboot \
		-serial "file:$out/$suite.console" \
		-kernel "$VMLINUZ" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 softlockup_panic=1 quiet loglevel=4 gcd.suite=$suite ${GCD_VM_APPEND:-}" \
		-virtfs "local,path=$out,mount_tag=out,security_model=none,id=out" \
		</dev/null >"$out/$suite.qemu.log" 2>&1
	q=$?
	case $q in 124|137) break ;; esac
	if [ -f "$out/$suite.rc" ] || [ "$boot" -ge 3 ] ||
		grep -q '^init: suite' "$out/$suite.console"; then
		break
	fi
	mv "$out/$suite.console" "$out/$suite.console.boot$boot"
	msg "$KVER: the kernel died during boot, before /init (console in $out/$suite.console.boot$boot); booting again"
	echo "$boot" > "$out/$suite.boot-retries"
	boot=$((boot + 1))
done
if [ "$q" -eq 124 ] || [ "$q" -eq 137 ]; then
	msg "$KVER: guest hung (no poweroff within $tmo s); console in $out/$suite.console"
	exit 124
fi
if [ ! -f "$out/$suite.rc" ]; then
	msg "$KVER: the guest stopped before suite $suite finished (qemu status $q); console in $out/$suite.console"
	exit 125
fi
exit "$(cat "$out/$suite.rc")"
