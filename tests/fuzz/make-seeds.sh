#!/bin/sh
# make-seeds.sh: seed corpora made from real things, into build/fuzz-seeds/
# (scripts/fuzz.sh runs this first; it is quiet and never fails the run):
#  - fuzz_goelf: the lab's Go test programs, every release and variant,
#    with code, rodata and DWARF removed (objcopy) so that what goelf
#    reads (headers, .go.buildinfo, the build-ID note, .symtab, .strtab)
#    fits libFuzzer's input size; and small Go-like files that hold what
#    GOELF_WANT_FATAL reads (a pclntab, setTraceback's store, the
#    variable), which real executables are too big to keep
#    (goelf_seeds.py);
#  - fuzz_note: the headers and notes of the cores the lab's guests wrote
#    with the module (so with the gocoredump note), cut before the segment
#    data.
. "$(dirname "$0")/../../scripts/lib.sh"

S="$GOCD_BUILD/fuzz-seeds"
mkdir -p "$S/fuzz_goelf" "$S/fuzz_note"
for b in "$GOCD_BUILD"/lab/payload/go/*/crasher; do
	[ -x "$b" ] || continue
	n=$(basename "$(dirname "$b")")
	objcopy --strip-debug -R .text -R .rodata -R .gopclntab -R .typelink \
		-R .itablink -R .gosymtab "$b" "$S/fuzz_goelf/$n.elf" 2>/dev/null ||
		rm -f "$S/fuzz_goelf/$n.elf"
done
python3 "$(dirname "$0")/goelf_seeds.py" "$S/fuzz_goelf" 2>/dev/null
for c in "$GOCD_BUILD"/lab/*/out/cores/*/*.core; do
	[ -f "$c" ] || continue
	off=$(readelf -lW "$c" 2>/dev/null | awk '$1 == "LOAD" { print $2; exit }')
	[ -n "$off" ] || continue
	k=$(basename "$(dirname "$c")")
	head -c "$((off))" "$c" > "$S/fuzz_note/$k-$(basename "$c" .core).head"
done
exit 0
