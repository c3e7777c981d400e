#!/bin/sh
# fullsys-boot.sh DIR PHASE [MEM_MB]: one boot of a full-system guest
# (scripts/fullsys-image.sh's image; tests/fullsys/run.sh and
# bench/fullsys/run.sh use it).
#
# DIR holds disk.img (the guest's root file system, raw ext4) and share/
# (the 9p share "gcd" with guest.sh; the guest mounts it on /mnt/gcd, runs
# `guest.sh PHASE` from gocd-lab.service, writes share/out/phasePHASE.{tap,
# err,rc} and powers off).  The kernel and initramfs are share/boot/'s
# when the previous boot left them there (what the guest's /vmlinuz and
# /initrd.img name: a boot loader's choice), else the image's own.  QEMU
# under TCG (no KVM here), the console in DIR/console-PHASE.log.  The
# emulated CPUs stall whenever the host is busy, so the kernel's lockup
# and RCU stall detectors are off (nowatchdog, rcu_cpu_stall_suppress):
# their reports would be about the emulator, and would hide real WARNs
# and BUGs among false ones in the journal the test greps.  The disk is a
# throw-away copy, so QEMU ignores the guest's flushes (cache=unsafe):
# dpkg syncs every file it unpacks, and a kernel package has thousands.
#
# GOCD_FULLSYS_QEMU_EXTRA: more QEMU arguments, split at spaces (e.g. a
# second 9p share: bench/snapshot/run.sh --guest).
#
# Exit status: 0 when the phase ran to its end (its own verdicts are in
# its TAP), 124 when the guest hung past GOCD_FULLSYS_TIMEOUT (default
# 3600 s), 125 when it stopped without finishing.
set -u
. "$(dirname "$0")/lib.sh"

dir=$1 phase=$2 mem=${3:-3072}
envf=$(fullsys_image) || die "no full-system image"
# shellcheck source=/dev/null # an image.env written by fullsys-image.sh
. "$envf"
k=$VMLINUZ i=$INITRD
if [ -f "$dir/share/boot/vmlinuz" ]; then
	k="$dir/share/boot/vmlinuz" i="$dir/share/boot/initrd.img"
fi
mkdir -p "$dir/share/out"
rm -f "$dir/share/out/phase$phase.rc"
# shellcheck disable=SC2086 # GOCD_FULLSYS_QEMU_EXTRA is split on purpose
timeout --kill-after=10 "${GOCD_FULLSYS_TIMEOUT:-3600}" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -machine q35 -smp 2 -m "$mem" \
	-display none -monitor none -no-reboot \
	-serial "file:$dir/console-$phase.log" \
	-kernel "$k" -initrd "$i" \
	-append "root=/dev/vda rw console=ttyS0 quiet nowatchdog rcupdate.rcu_cpu_stall_suppress=1 gcd.phase=$phase" \
	-drive "file=$dir/disk.img,format=raw,if=virtio,cache=unsafe" \
	-virtfs "local,path=$dir/share,mount_tag=gcd,security_model=none,id=gcd" \
	${GOCD_FULLSYS_QEMU_EXTRA:-} \
	< /dev/null > "$dir/qemu-$phase.log" 2>&1
q=$?
[ $q -eq 124 ] || [ $q -eq 137 ] && exit 124
[ -f "$dir/share/out/phase$phase.rc" ] || exit 125
exit 0
