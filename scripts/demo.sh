#!/bin/sh
# demo.sh (make demo): boot Debian 12's 6.1 kernel in QEMU, crash a Go
# program without and then with gocoredump.ko, and print the two cores'
# program headers side by side, marking the text and rodata segments the
# module restored.  Takes a few minutes the first time (it fetches the
# kernel and Go 1.19 as Debian packages), about a minute after that.
set -eu
. "$(dirname "$0")/lib.sh"

"$GOCD_TOP/scripts/install-deps.sh"
make -s -C "$GOCD_TOP/userland" B="$GOCD_BUILD" \
	GOCD_KSELFTEST="$("$GOCD_TOP/scripts/fetch-kselftest.sh")" \
	"$GOCD_BUILD/bin/gcd-corediff" >/dev/null
msg "building the lab for Debian's 6.1 kernel (module, Go 1.19 test program, initramfs)"
GOCD_KERNELS=6.1 GOCD_GO_VERSIONS=1.19 "$GOCD_TOP/scripts/lab.sh" build \
	> "$GOCD_BUILD/demo-build.tap" ||
	die "lab build failed: see $GOCD_BUILD/demo-build.tap"
# shellcheck source=/dev/null # a kernel.env written by fetch-kernel.sh
. "$GOCD_BUILD/lab/6.1/kernel.env"
out="$GOCD_BUILD/demo"
rm -rf "$out"
msg "booting $KVER under QEMU (TCG) and crashing a Go program twice"
"$GOCD_TOP/scripts/vm.sh" "$GOCD_BUILD/lab/6.1/kernel.env" \
	"$GOCD_BUILD/lab/6.1/initramfs" demo "$out" 600 ||
	die "the demo guest failed: see $out/demo.console and $out/demo.err"

exe=/gcd/go/1.19-static/crasher
cat <<EOT

=== gocoredump demo on $KVER ($(cat "$out/demo/info.txt"))
Program: $exe (Go 1.19, static), crashed with GOTRACEBACK=crash.
Left: the core the kernel writes on its own.  Right: the same crash with
gocoredump.ko loaded.  Sizes are p_filesz (bytes in the core) and p_memsz.

EOT
"$GOCD_BUILD/bin/gcd-corediff" --exe "$exe" "$out/demo/stock.core" \
	"$out/demo/module.core"
printf '\n/sys/kernel/gocoredump after the second crash:\n'
sed 's/^/  /' "$out/demo/sysfs.txt"
if [ -x "$GOCD_BUILD/bin/gocap" ]; then
	printf '\nThe scheduler note in the second core (gocap note):\n'
	"$GOCD_BUILD/bin/gocap" note --core "$out/demo/module.core" 2>&1 | sed 's/^/  /' || true
fi
printf '\nCores: %s/demo/{stock,module}.core\n' "$out"
