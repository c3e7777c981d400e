#!/bin/sh
# tests/kernel/mutants.sh [NAME...]: show that the kernel tests fail without
# the feature they test.  Each mutant breaks one thing in a copy of the
# module, the lab boots Debian's 6.1 with it, and the tests that should
# notice must fail.  A mutant that no test notices is a hole in the tests.
# Not part of `make check` (about a minute per mutant); run after changing
# the module or its tests.  Needs `scripts/lab.sh build` done.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

LAB="$GOCD_BUILD/lab"
K=${GOCD_MUTANT_KERNEL:-6.1}
[ -f "$LAB/$K/initramfs" ] || die "run scripts/lab.sh build first"
. "$LAB/$K/kernel.env"

# name~file~python expression applied to the file's text~tests to run~what must fail
MUTANTS='
no_forcing~module/dump.c~s.replace("m->dump_size = m->end - m->start;", "")~test_force~forced_filter_0x33
dontdump_ignored~module/dump.c~s.replace("if (m->flags & (VM_DONTDUMP | VM_IO", "if (m->flags & (VM_IO")~test_force~madv_dontdump_wins
no_data_size_update~module/dump.c~s.replace("cprm->vma_data_size += m->end - m->start - m->dump_size;", "")~test_note~pn_xnum_core_is_written_without_the_note
no_rlimit_check~module/dump.c~s.replace("cprm->limit != RLIM_INFINITY &&", "0 &&")~test_knobs~rlimit_core_is_respected
cap_ignored~module/dump.c~s.replace("if (extra > cap) {", "if (0) {")~test_knobs~max_forced_mb_leaves_stock_core
cache_never_stale~module/filecache.c~s.replace("return e->generation == id->generation", "return 1 || e->generation == id->generation")~test_knobs~cache_notices_rewritten_file
offsets_not_moved~module/note.c~s.replace("gcd_hdr_put(d, o, l->w, gcd_hdr_get(d, o, l->w) + delta);", "")~test_note~segments_are_memory_file_mode_with_note
threads_in_list_order~module/note.c~s.replace("t[--i] = ct->task;", "t[n - (--i)] = ct->task;")~test_note~known_values
no_signalled_flag~module/note.c~s.replace("flags |= GCD_THR_F_SIGNALLED;", "")~test_note~known_values
no_pie_bias~module/note.c~s.replace("in->roots[i] +\n\t\t\t\t\t\t\t  d->load_bias", "in->roots[i]")~test_note~roots_match_nm
pn_xnum_not_refused~module/note.c~s.replace("if (phnum == PN_XNUM)", "if (0)")~test_note~pn_xnum_core_is_written_without_the_note
tail_call_to_original~module/hook.c~s.replace("dump_skip_to(cprm, to);\n\tbarrier();", "dump_skip_to(cprm, to);")~test_knobs~function_graph_on_the_module
ref_dropped_early~module/hook.c~s.replace("regs->ip = h->replacement;", "module_put(THIS_MODULE);\n\tregs->ip = h->replacement;")~test_unload~rmmod_refused_while_a_dump_is_in_flight
'

want=" $* "
n=0 holes=0
printf '%s\n' "$MUTANTS" | while IFS='~' read -r name file expr tests must; do
	[ -n "$name" ] || continue
	case $want in "  ") ;; *" $name "*) ;; *) continue ;; esac
	n=$((n + 1))
	m="$GOCD_BUILD/mutants/$name"
	rm -rf "$m"; mkdir -p "$m/src"
	cp -r "$GOCD_TOP/Kbuild" "$GOCD_TOP/module" "$GOCD_TOP/lib" "$GOCD_TOP/include" "$m/src/"
	python3 - "$m/src/$file" "$expr" <<'PY' || { echo "not ok $n $name: the mutation does not apply"; continue; }
import sys
p, expr = sys.argv[1], sys.argv[2]
s = open(p).read()
t = eval(expr, {"s": s})
if t == s:
    sys.exit(1)
open(p, "w").write(t)
PY
	if ! make -C "$KDIR" M="$m/src" modules >"$m/build.log" 2>&1; then
		echo "not ok $n $name: the mutant does not build (see $m/build.log)"
		continue
	fi
	rm -rf "$m/payload"; cp -al "$LAB/$K/payload" "$m/payload"
	rm -f "$m/payload/gocoredump.ko"; cp "$m/src/gocoredump.ko" "$m/payload/"
	"$GOCD_TOP/scripts/mkinitramfs.sh" "$LAB/$K/kernel.env" "$m/payload" \
		"$m/initramfs" >/dev/null 2>&1
	GCD_VM_APPEND="gcd.tests=$tests" "$GOCD_TOP/scripts/vm.sh" \
		"$LAB/$K/kernel.env" "$m/initramfs" kernel "$m/out" 1800 3072 >/dev/null 2>&1
	if grep -qE "^not ok [0-9]+ .*$must" "$m/out/tap/$tests.tap" 2>/dev/null; then
		echo "ok $n $name: $tests notices ($(grep -cE '^not ok' "$m/out/tap/$tests.tap") failures, $must among them)"
	else
		echo "not ok $n $name: $must did not fail under this mutant"
		holes=$((holes + 1))
	fi
done
