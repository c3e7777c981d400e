#!/bin/bash
# host.sh: the fatal-path facts of lib/goelf.c (GOELF_WANT_FATAL), on real
# Go executables, TAP on stdout (a host suite of make check).
#
# gocoredump.ko makes a fatal Go error crash as under GOTRACEBACK=crash
# (module/fatal.c) from what goelf_probe() finds in the executable: the
# entry and file offset of runtime.startpanic_m (from the pclntab) and the
# address of runtime.traceback_cache (from runtime.setTraceback's code, and
# from .symtab when there is one).  A tiny program (tests/fatal/go) is
# built by every Go release the lab knows (1.19, 1.21 to 1.27) as static,
# -s -w, PIE, PIE -s -w, cgo, cgo PIE (linked by ld, which hides the
# pclntab's section, as in Debian's packages), the same -s -w, and
# GOARCH=386, and tools/goelf-info's answers are checked against the toolchain's own: `go tool nm` of the
# unstripped builds, readelf's program headers for the file offset.  -s -w
# moves the data (the build info records the flags) but not the text, so a
# stripped build is compared with its unstripped twin section by section:
# the same offset into the same section, the same first bytes of the
# function.  Then the refusals: a corrupt pclntab, a changed
# traceback_cache, a setTraceback without its store (with and without
# .symtab), code and .symtab that disagree, a non-Go ELF file, a Go file for
# another architecture.
#
# The programs are built once and cached under build/fatal-bins/.
# GOCD_FATAL_VERSIONS selects the releases.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

T=$GOCD_TOP/tests/fatal
INFO=$GOCD_BUILD/tools/goelf-info
W=$(mktemp -d /tmp/gocd-fatal.XXXXXX)
trap 'rm -rf "$W"' EXIT
N=0 BAD=0
ok() { N=$((N + 1)); echo "ok $N $*"; }
notok() { N=$((N + 1)) BAD=1; echo "not ok $N $*"; }
skip() { N=$((N + 1)); echo "ok $N $1 # SKIP $2"; }
diag() { echo "# $*"; }
# check DESC CMD...: one test whose verdict is CMD's exit status; CMD's
# output is shown when it fails
check() {
	local d=$1

	shift
	if "$@" > "$W/check.log" 2>&1; then
		ok "$d"
	else
		notok "$d"
		sed 's/^/#   /' "$W/check.log" | head -20
	fi
}

[ -x "$INFO" ] || { echo "1..1"; echo "not ok 1 $INFO not built"; exit 1; }

VERSIONS=${GOCD_FATAL_VERSIONS:-"1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27"}
VARIANTS="static sw pie piesw cgo cgopie cgopiesw 386"
LAST=${VERSIONS##* }
# The variant a stripped one is compared with.
twin() { case $1 in sw) echo static ;; piesw) echo pie ;; cgopiesw) echo cgopie ;; esac; }

# cgo when the host's C compiler links a program.
HAVE_CGO=0
printf 'int main(void) { return 0; }\n' > "$W/cc.c"
command -v gcc > /dev/null && gcc -o "$W/cc" "$W/cc.c" 2> /dev/null &&
	HAVE_CGO=1

# --- the programs, built once per source/toolchain/variant ---------------
SRC_HASH=$(cat "$T/go/go.mod" "$T"/go/*.go | sha256sum | cut -c1-16)
CACHE=$GOCD_BUILD/fatal-bins/$SRC_HASH
# bin V VARIANT: the path of the program (built when missing), or failure
bin() {
	local v=$1 var=$2 out="$CACHE/$1-$2" cgo=0 arch=amd64
	if [ ! -x "$out" ]; then
		mkdir -p "$CACHE"
		case $var in
		static) set -- ;;
		sw) set -- "-ldflags=-s -w" ;;
		pie) set -- -buildmode=pie ;;
		piesw) set -- -buildmode=pie "-ldflags=-s -w" ;;
		cgo) cgo=1; set -- ;;
		# What Debian ships: cgo, PIE, the system linker (which merges
		# the pclntab's section into .data.rel.ro), stripped.
		cgopie) cgo=1; set -- -buildmode=pie ;;
		cgopiesw) cgo=1; set -- -buildmode=pie "-ldflags=-s -w" ;;
		386|arm64) arch=$var; set -- ;;
		esac
		(cd "$T/go" && GOARCH=$arch CGO_ENABLED=$cgo \
			"$GOCD_TOP/scripts/go.sh" "$v" build "$@" -o "$out.tmp" .) \
			> "$W/build-$v-$var.log" 2>&1 && mv "$out.tmp" "$out" ||
			return 1
	fi
	echo "$out"
}

# Build what is missing, two at a time.
t0=$(date +%s)
running=0
for v in $VERSIONS; do
	for var in $VARIANTS; do
		case $var in cgo*) [ $HAVE_CGO = 0 ] && continue ;; esac
		bin "$v" "$var" > /dev/null &
		running=$((running + 1))
		if [ $running -ge 2 ]; then wait -n; running=$((running - 1)); fi
	done
done
wait
diag "programs ready in $(($(date +%s) - t0)) s (cache $CACHE)"

# --- helpers -------------------------------------------------------------
# info FILE: goelf-info's answer, kept in W; key KEY FILE: one of its values
info() {
	local f

	f="$W/info-$(echo "$1" | tr / _)"
	[ -f "$f" ] || "$INFO" "$1" > "$f" 2>&1
	echo "$f"
}
key() { sed -n "s/^$1=//p" "$(info "$2")"; }
has_flag() { [ $(($(key flags "$2") & $1)) != 0 ]; }
F_GO=0x6
F_SYMTAB=0x8
F_FATAL_SCANNED=0x100
F_FATAL=0x200
# hex N: N (any base the shell reads) as 0x...
hex() { printf '0x%x\n' $(($1)); }
# nm V FILE SYM: the symbol's address from `go tool nm`, or nothing
nm() {
	local a f

	f="$W/nm-$(echo "$2" | tr / _)"
	[ -f "$f" ] || "$GOCD_TOP/scripts/go.sh" "$1" tool nm "$2" > "$f" 2>&1
	a=$(awk -v s="$3" '$3 == s { print $1; exit }' "$f")
	[ -n "$a" ] && hex "0x$a"
}
# file_off FILE ADDR: ADDR's file offset by readelf's PT_LOADs
file_off() {
	readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $3, $5 }' |
	while read -r o va fs; do
		if [ $(($2)) -ge $((va)) ] && [ $(($2)) -lt $((va + fs)) ]; then
			hex $(($2 - va + o))
			return 0
		fi
	done
}
# sections FILE: "name addr size" of each section with an address
sections() {
	readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] //p' |
		awk '$3 ~ /^[0-9a-f]+$/ && $3 !~ /^0+$/ { print $1, $3, $5 }'
}
# sec_rel FILE ADDR: "section offset" of ADDR
sec_rel() {
	sections "$1" | while read -r s a z; do
		if [ $(($2)) -ge $((0x$a)) ] && [ $(($2)) -lt $((0x$a + 0x$z)) ]; then
			echo "$s $(hex $(($2 - 0x$a)))"
			return 0
		fi
	done
}
sec_addr() { sections "$1" | awk -v s="$2" '$1 == s { print "0x" $2; exit }'; }
# bytes FILE OFF N: N bytes at OFF, in hex
bytes() { od -An -tx1 -j $(($2)) -N "$3" "$1" | tr -d ' \n'; }
# poke FILE OFF HEX...: write bytes (two hex digits each) at OFF
poke() {
	local f=$1 o=$2 s="" b

	shift 2
	for b in "$@"; do s="$s\\x$b"; done
	# shellcheck disable=SC2059 # the bytes are the format
	printf "$s" | dd of="$f" bs=1 seek=$((o)) conv=notrunc status=none
}
# store_insn FILE V: objdump's lines of the two instructions in
# runtime.setTraceback that store traceback_cache (both found by nm): the
# LEA of its address and the XCHG on amd64, the LEA and the MOV that
# passes it to atomic.Store on 386
store_insn() {
	local a tc

	a=$(nm "$2" "$1" runtime/debug.SetTraceback) || return 1
	tc=$(nm "$2" "$1" runtime.traceback_cache) || return 1
	objdump -d --start-address="$a" --stop-address=$((a + 4096)) "$1" |
		awk -F'\t' -v tc="${tc#0x}" '$3 ~ /^lea/ && index($3, tc) { lea = $0 }
			lea && $3 ~ /^xchg/ { print lea; print; exit }
			lea && $3 ~ /^mov +%e.x,\(%esp\)/ { print lea; print; exit }'
}
# insn_addr N, insn_len N: address and length of line N of store_insn's
insn_addr() { awk -F'\t' -v n="$1" 'NR == n { sub(/:$/, "", $1); sub(/^ +/, "", $1); print "0x" $1 }' "$W/store"; }
insn_len() { awk -F'\t' -v n="$1" 'NR == n { print split($2, a, " ") }' "$W/store"; }
# objdump_pattern FILE V: the two instructions, one line
objdump_pattern() {
	store_insn "$1" "$2" | awk -F'\t' '{ gsub(/ +$/, "", $2); gsub(/ +#.*/, "", $3)
		printf "%s%s [%s]", (NR > 1 ? "; " : ""), $3, $2 }'
}

# --- unstripped: against go tool nm ---------------------------------------
check_unstripped() {
	local v=$1 var=$2 b=$3 why sp fe fo tc code sym

	why=$(key fatal_why "$b")
	check "go$v $var: GOELF_F_FATAL set${why:+ (why: $why)}" \
		has_flag $F_FATAL "$b"
	sp=$(nm "$v" "$b" runtime.startpanic_m)
	fe=$(key fatal_entry "$b") fo=$(key fatal_off "$b")
	check "go$v $var: fatal_entry $fe, fatal_off $fo are runtime.startpanic_m's (nm $sp, readelf $(file_off "$b" "$sp"))" \
		test -n "$sp" -a "$fe" = "$sp" -a "$fo" = "$(file_off "$b" "$sp")"
	tc=$(nm "$v" "$b" runtime.traceback_cache)
	code=$(key tbcache_code "$b") sym=$(key tbcache_sym "$b")
	check "go$v $var: tbcache_code $code = tbcache_sym $sym = nm's runtime.traceback_cache $tc" \
		test -n "$tc" -a "$code" = "$tc" -a "$sym" = "$tc" -a \
		"$(key tbcache "$b")" = "$tc"
}

# --- stripped: against the unstripped twin, section by section ------------
# same_place FILE VALUE TWIN TWINADDR: VALUE is at the offset into the
# section of FILE where TWINADDR is in the same section of TWIN
same_place() {
	local want

	# shellcheck disable=SC2046 # "section offset": two words
	set -- "$1" "$2" "$3" "$4" $(sec_rel "$3" "$4")
	[ $# = 6 ] || { echo "no section of $3 holds $4"; return 1; }
	want=$(hex $(($(sec_addr "$1" "$5") + $6)))
	echo "$5+$6 is $want"
	[ "$2" = "$want" ]
}
stripped_flags() {	# FILE: GOELF_F_FATAL, no .symtab
	local f

	f=$(key flags "$1")
	[ $((f & F_FATAL)) != 0 ] && [ $((f & F_SYMTAB)) = 0 ] &&
		[ "$(key tbcache_sym "$1")" = 0x0 ]
}
same_entry() {	# FILE TWIN ADDR: fatal_entry and its bytes are ADDR's in TWIN
	local x y

	[ -n "$3" ] || return 1
	same_place "$1" "$(key fatal_entry "$1")" "$2" "$3" || return 1
	x=$(bytes "$1" "$(key fatal_off "$1")" 16)
	y=$(bytes "$2" "$(file_off "$2" "$3")" 16)
	echo "$x vs $y"
	[ ${#x} = 32 ] && [ "$x" = "$y" ]
}
check_stripped() {
	local v=$1 var=$2 b=$3 t=$4 why sp tc

	why=$(key fatal_why "$b")
	check "go$v $var: GOELF_F_FATAL set, no .symtab${why:+ (why: $why)}" \
		stripped_flags "$b"
	sp=$(nm "$v" "$t" runtime.startpanic_m)
	check "go$v $var: fatal_entry $(key fatal_entry "$b") is where $(twin "$var")'s runtime.startpanic_m is, its first 16 bytes at fatal_off $(key fatal_off "$b")" \
		same_entry "$b" "$t" "$sp"
	tc=$(nm "$v" "$t" runtime.traceback_cache)
	check "go$v $var: tbcache $(key tbcache "$b") is where $(twin "$var")'s runtime.traceback_cache ($tc) is" \
		same_place "$b" "$(key tbcache "$b")" "$t" "$tc"
}

for v in $VERSIONS; do
	for var in $VARIANTS; do
		case $var in cgo*) if [ $HAVE_CGO = 0 ]; then
			skip "go$v $var" "no working gcc"
			continue
		fi ;; esac
		if ! b=$(bin "$v" "$var"); then
			notok "go$v $var: build"
			sed 's/^/#   /' "$W/build-$v-$var.log" | tail -10
			continue
		fi
		case $var in
		sw|piesw|cgopiesw)
			if t=$(bin "$v" "$(twin "$var")"); then
				check_stripped "$v" "$var" "$b" "$t"
			else
				notok "go$v $var: its twin $(twin "$var") was not built"
			fi
			;;
		*)
			check_unstripped "$v" "$var" "$b"
			diag "go$v $var store: $(objdump_pattern "$b" "$v")"
			;;
		esac
	done
done

# --- refusals -------------------------------------------------------------
# refused FILE WORDS: scanned, no GOELF_F_FATAL, fatal_why has WORDS
refused() {
	local f why

	f=$(key flags "$1") why=$(key fatal_why "$1")
	echo "flags $f, why: $why"
	[ $((f & F_FATAL_SCANNED)) != 0 ] && [ $((f & F_FATAL)) = 0 ] &&
		case $why in *"$2"*) true ;; *) false ;; esac
}
# from_symtab FILE ADDR: GOELF_F_FATAL, nothing from code, ADDR from .symtab
from_symtab() {
	local f

	f=$(key flags "$1")
	[ $((f & F_FATAL)) != 0 ] && [ "$(key tbcache_code "$1")" = 0x0 ] &&
		[ "$(key tbcache "$1")" = "$2" ]
}
# not_scanned FILE [go]: an ELF file (a Go one) whose fatal path was not
# looked at
not_scanned() {
	local f

	f=$(key flags "$1")
	echo "flags $f"
	[ $((f & 1)) != 0 ] && [ $((f & F_FATAL_SCANNED)) = 0 ] &&
		{ [ -z "${2:-}" ] || [ $((f & F_GO)) != 0 ]; }
}

if b=$(bin "$LAST" static) && s=$(bin "$LAST" sw); then
	c="$W/magic"
	cp "$b" "$c"
	off=$(readelf -SW "$c" | sed -n 's/^ *\[ *[0-9]*\] //p' |
		awk '$1 == ".gopclntab" { print "0x" $4 }')
	poke "$c" "$off" f0 ff ff fe
	check "go$LAST static, .gopclntab magic corrupted: no GOELF_F_FATAL (why: $(key fatal_why "$c"))" \
		refused "$c" "pclntab"

	c="$W/initial"
	cp "$b" "$c"
	tc=$(nm "$LAST" "$b" runtime.traceback_cache)
	poke "$c" "$(file_off "$c" "$tc")" 09
	check "go$LAST static, traceback_cache's initial value changed: no GOELF_F_FATAL (why: $(key fatal_why "$c"))" \
		refused "$c" "initial value"

	# The XCHG in setTraceback made NOPs: .symtab still knows.
	store_insn "$b" "$LAST" > "$W/store"
	xa=$(insn_addr 2) xl=$(insn_len 2)
	nops=$(yes 90 | head -n "${xl:-0}" | tr '\n' ' ')
	c="$W/nostore"
	cp "$b" "$c"
	# shellcheck disable=SC2086 # a list of bytes
	poke "$c" "$(file_off "$c" "$xa")" $nops
	check "go$LAST static, setTraceback's XCHG ($xl bytes at $xa) made NOPs: GOELF_F_FATAL from .symtab alone" \
		from_symtab "$c" "$tc"
	c="$W/nostore-sw"
	cp "$s" "$c"
	# shellcheck disable=SC2086 # a list of bytes
	poke "$c" "$(file_off "$c" "$xa")" $nops
	check "go$LAST sw, the same NOPs (there: $(bytes "$s" "$(file_off "$s" "$xa")" "${xl:-0}")): no GOELF_F_FATAL (why: $(key fatal_why "$c"))" \
		refused "$c" "no single 32-bit store"

	# The LEA made to point 4 bytes further: code and .symtab disagree.
	la=$(insn_addr 1)
	c="$W/differ"
	cp "$b" "$c"
	doff=$(($(file_off "$c" "$la") + 3))
	d=$(bytes "$c" $doff 4)
	d=$(( (0x${d:6:2}${d:4:2}${d:2:2}${d:0:2} + 4) & 0xffffffff ))
	poke "$c" $doff "$(printf %02x $((d & 255)))" \
		"$(printf %02x $((d >> 8 & 255)))" \
		"$(printf %02x $((d >> 16 & 255)))" \
		"$(printf %02x $((d >> 24 & 255)))"
	check "go$LAST static, the LEA before the XCHG moved by 4 (tbcache_code $(key tbcache_code "$c")): no GOELF_F_FATAL (why: $(key fatal_why "$c"))" \
		refused "$c" "differ"
else
	notok "go$LAST static and sw: build (the refusals need them)"
fi

check "/bin/true (ELF, not Go): not scanned" not_scanned /bin/true
if a=$(bin "$LAST" arm64); then
	check "go$LAST GOARCH=arm64 (Go, not x86): not scanned (why: $(key fatal_why "$a"))" \
		not_scanned "$a" go
else
	notok "go$LAST arm64: build"
fi

diag "$(($(date +%s) - t0)) s in all"
echo "1..$N"
exit $BAD
