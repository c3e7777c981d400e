#!/bin/sh
# demo.sh (make demo): boot Debian 12's 6.1 kernel in QEMU, crash a Go
# program without and then with gocoredump.ko, and print the two cores'
# program headers side by side, marking the text and rodata segments the
# module restored.  Then what a user gets: gocap goroutines on the stock
# core (the refusal: no pclntab without the executable) and on the
# module's core (the crashing goroutine and its panic value, from the core
# alone), gocap note, and gocapd capturing a third crash as the
# core_pattern handler, with gocap list and gocap info on its store.
# Takes a few minutes the first time (it fetches the kernel and the Go
# toolchains as Debian packages), about a minute after that.
set -eu
. "$(dirname "$0")/lib.sh"

"$GOCD_TOP/scripts/install-deps.sh"
make -s -C "$GOCD_TOP/userland" B="$GOCD_BUILD" \
	GOCD_KSELFTEST="$("$GOCD_TOP/scripts/fetch-kselftest.sh")" \
	"$GOCD_BUILD/bin/gcd-corediff" "$GOCD_BUILD/bin/gocap" >/dev/null
msg "building the lab for Debian's 6.1 kernel (module, Go 1.19 test program, initramfs)"
GOCD_KERNELS=6.1 GOCD_GO_VERSIONS=1.19 "$GOCD_TOP/scripts/lab.sh" build \
	> "$GOCD_BUILD/demo-build.tap" ||
	die "lab build failed: see $GOCD_BUILD/demo-build.tap"
# shellcheck source=/dev/null # a kernel.env written by fetch-kernel.sh
. "$GOCD_BUILD/lab/6.1/kernel.env"
out="$GOCD_BUILD/demo"
rm -rf "$out"
msg "booting $KVER under QEMU (TCG) and crashing a Go program three times"
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

gocap="$GOCD_BUILD/bin/gocap"
# show CMD...: print the command as typed, then what it prints (indented)
show() {
	printf '\n  $ %s\n' "$*" | sed "s|$out/demo/||g; s|$GOCD_BUILD/bin/||g"
	"$@" 2>&1 | sed 's/^/    /'
}
cat <<EOT

=== What a user gets from each core, without the executable

The stock core: gocap needs the executable's text and rodata (the pclntab)
and says so, instead of guessing.
EOT
show "$gocap" goroutines --core "$out/demo/stock.core"
cat <<EOT

The module's core, alone: the crash, the crashing goroutine with its panic
value, then every other goroutine (the first lines of it).
EOT
show "$gocap" goroutines --core "$out/demo/module.core" > "$out/goroutines.txt"
head -24 "$out/goroutines.txt"
printf '    ... (%s lines in all: %s)\n' "$(wc -l < "$out/goroutines.txt")" "$out/goroutines.txt"
cat <<EOT

The scheduler note the module added: what the kernel knew of each thread
(the first threads of it).
EOT
show "$gocap" note --core "$out/demo/module.core" > "$out/note.txt"
head -16 "$out/note.txt"
cat <<EOT

=== gocapd: the same crash on a server

gocapd was the core_pattern handler for a third crash; its store, copied
out of the guest, as gocap lists it and shows the dump:
EOT
show "$gocap" --store "$out/demo/store" list
show "$gocap" --store "$out/demo/store" info 1
printf '\nCores: %s/demo/{stock,module}.core; the store: %s/demo/store\n' "$out" "$out"
