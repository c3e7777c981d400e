#!/bin/bash
# mutants.sh: show that each gocapd test fails without the feature it
# tests.  For each mutant: copy the tree to a scratch dir, break one thing
# with a one-line edit, build, run the unit tests and tests/gocapd/host.sh
# there, and print which tests failed.  A mutant that no test catches is
# reported as "SURVIVED".  Not part of `make check` (minutes); run by hand:
#   tests/gocapd/mutants.sh [NAME...]
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
KS=${GOCD_KSELFTEST:-${XDG_CACHE_HOME:-$HOME/.cache}/gocoredump/kselftest}

# name|file|perl substitution (applied once, must match)
MUTANTS='
fallback|userland/gocapd/main.c|s/ret = dump_begin\(env, d\);\n\tif \(ret == 1\)/ret = 1;\n\tif (ret == 1)/
holes|userland/gocapd/persist.c|s/return !memcmp\(p, zero, 16\) && /return 0 \&\& /
handoff|userland/gocapd/main.c|s/if \(o->no_daemon \|\| handoff/if (1 || handoff/
zstd-end|userland/gocapd/persist.c|s/j->zend = 1;\t\/\* EOF: end the last frame \*\//j->zdone = 1;/
buildinfo|userland/gocapd/annotate.c|s/fputs\(first \? "" : ", ", f\);\n\t\t\t\tjson_str\(f, k/fputs(first ? "" : ", ", f);\n\t\t\t\tjson_str(f, k + 1/
env-filter|userland/gocapd/context.c|s/if \(!strncmp\(p, keep\[k\], kl\) && p\[kl\] == .=.\)/if ((void)kl, 1)/
exe-fd|userland/gocapd/main.c|s/d.exe_fd = openat\(procfd, "exe", O_RDONLY \| O_CLOEXEC\);/d.exe_fd = -1;/
umask|userland/gocapd/main.c|s/umask\(077\);//
caps|userland/gocapd/daemon.c|s/ret = sec_drop_caps\(o->kcore_path != NULL\);/ret = 0;/
dumpable|userland/gocapd/main.c|s/if \(sec_nondumpable\(\)\)/if (0)/
concurrency|userland/gocapd/persist.c|s/if \(r->active >= r->max_jobs\)/if (r->active >= 1)/
truncated|userland/gocapd/dump.c|s/\} else if \(cf.expected_size > r->received\) \{/} else if (0) {/
names|userland/gocapd/dump.c|s/ctx_sanitise\(d->ctx.blob\[CTX_COMM\].data \? d->ctx.blob\[CTX_COMM\].data : "",\n\t\t     d->ctx.blob\[CTX_COMM\].len, comm, sizeof\(comm\)\);/snprintf(comm, sizeof(comm), "%s", d->ctx.blob[CTX_COMM].data);/
config-keys|userland/gocapd/config.c|s/return bad\(pp, "unknown key/return 0; (void)bad(pp, "unknown key/
ratelimit|userland/store/store.c|s/allowed = count < \(int64_t\)burst;/allowed = 1;/
vacuum|userland/gocapd/dump.c|s/if \(!\(\(max_use && total > max_use\) \|\|/if (1 || !((max_use \&\& total > max_use) ||/
diskfull|userland/gocapd/persist.c|s/j->res.write_error = -res;\n\t\tstop_storing\(j\);/(void)0;/
sizemax|userland/gocapd/persist.c|s/if \(!j->draining && j->p.size_max &&/if (0 \&\&/
takeover|userland/gocapd/main.c|s/dump_takeover\(env, d, 0, core, file_bytes\);/(void)core; (void)file_bytes;/
kcore-reject|userland/gocapd/daemon.c|s/kcore_handshake\(c->core_fd, ret == 1,/kcore_handshake(c->core_fd, 0,/
takeover-nothing|userland/gocapd/dump.c|s/\tif \(core == 0\) \{\n\t\t\/\* Nothing/\tif (0) {\n\t\t\/* Nothing/ && s/\tif \(core == 0\)\n\t\treturn dump_finish\(env, d, &r\);\n//
stale-none|userland/gocapd/daemon.c|s/\tremove_stale_partials\(env\);\n/\t(void)remove_stale_partials;\n/
stale-all|userland/gocapd/daemon.c|s/ \|\| now - sb.st_mtime < STALE_PARTIAL_S\)/)/
store-insert-names|userland/store/store.c|s/if \(names\[k\]\[0\] && !store_name_ok\(names\[k\]\)\)/if (0)/
store-openat-names|userland/store/store.c|s/\tif \(!store_name_ok\(name\)\)\n\t\treturn fail\(s, -EINVAL,/\tif (0)\n\t\treturn fail(s, -EINVAL,/
store-nofollow|userland/store/store.c|s/flags \| O_NOFOLLOW \| O_CLOEXEC, 0600/flags | O_CLOEXEC, 0600/
store-zstd-eof|userland/store/store.c|s/\t\tif \(zret != 0\) \{\n\t\t\terr = fail\(s, -EBADMSG/\t\tif (0) {\n\t\t\terr = fail(s, -EBADMSG/
handoff-timeout|userland/gocapd/main.c|s/recv_within\(s, &m, accepted \? -1 : timeout_ms,/recv_within(s, \&m, -1,/
no-go|userland/gocapd/daemon.c|s/\tc->p = p;\n\tdm->starting\+\+;/\tc->p = p;\n\tdm->starting++;\n\tif (1) {\n\t\tdm->starting--;\n\t\treply(c, PROTO_ACCEPT, c->d.suppressed_before, p.storage, c->d.base);\n\t\tconn_persist(c, \&p);\n\t\treturn;\n\t}/
no-heartbeat|userland/gocapd/daemon.c|s/\t\treply\(c, PROTO_QUEUED, ahead\+\+, 0, NULL\);/\t\t(void)ahead;/
slot-after-done|userland/gocapd/persist.c|s/\tj->ring->active--;\n\tj->p.done\(j->p.arg, &j->res\);/\tj->p.done(j->p.arg, \&j->res);\n\tj->ring->active--;/
store-basename|userland/store/store.c|s/substr\(exe, -length\(\?1\) - 1\) = .\/. \|\| \?1/instr(exe, ?1) > 0/
'
want=" $* "
echo "$MUTANTS" | while IFS='|' read -r name file subst; do
	[ -n "$name" ] || continue
	[ "$want" = "  " ] || case $want in *" $name "*) ;; *) continue ;; esac
	M=$(mktemp -d /tmp/gocapd-mutant.XXXXXX)
	(cd "$TOP" && tar cf - include lib userland scripts tests/gocapd tests/fuzz) | tar xf - -C "$M"
	if ! perl -0pi -e "\$n = ($subst); END { exit(\$n ? 0 : 3) }" "$M/$file"; then
		echo "$name: BAD MUTANT (pattern not found in $file)"
		rm -rf "$M"; continue
	fi
	if ! make -C "$M/userland" TOP="$M" B="$M/build" GOCD_KSELFTEST="$KS" all -j2 > "$M/build.log" 2>&1; then
		echo "$name: does not build"; tail -3 "$M/build.log"; rm -rf "$M"; continue
	fi
	fails=$( { "$M/build/tests/test_gocapd"; "$M/build/tests/test_store"; \
		   GOCD_TOP="$M" GOCD_BUILD="$M/build" "$M/tests/gocapd/host.sh"; } 2>/dev/null |
		 grep -E '^not ok' | sed -E 's/^not ok [0-9]+ //; s/:.*//' | tr '\n' ';')
	if [ -n "$fails" ]; then echo "$name: caught by: $fails"; else echo "$name: SURVIVED"; fi
	rm -rf "$M"
done
