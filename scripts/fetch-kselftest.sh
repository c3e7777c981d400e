#!/bin/sh
# fetch-kselftest.sh: the kernel's own test and style tools, as shipped in
# Debian's linux-source-6.1 package, unpacked into the cache:
#   $GOCD_CACHE/kselftest/   kselftest.h, kselftest_harness.h
#   $GOCD_CACHE/checkpatch/  scripts/checkpatch.pl and the files it reads
# Prints the kselftest directory.
set -eu
. "$(dirname "$0")/lib.sh"

dir="$GOCD_CACHE/kselftest"
cp_dir="$GOCD_CACHE/checkpatch"
if [ ! -f "$dir/kselftest_harness.h" ] || [ ! -f "$dir/kselftest.h" ] ||
   [ ! -f "$cp_dir/scripts/checkpatch.pl" ]; then
	apt_priv_update
	tmp="$GOCD_CACHE/kselftest.tmp"
	rm -rf "$tmp"
	apt_priv_fetch "$tmp" linux-source-6.1
	dpkg -x "$tmp"/linux-source-6.1_*.deb "$tmp/x"
	tar -xJf "$tmp"/x/usr/src/linux-source-6.1.tar.xz -C "$tmp" \
		--wildcards '*/tools/testing/selftests/kselftest.h' \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	mkdir -p "$dir" "$cp_dir/scripts"
	cp "$tmp"/linux-source-6.1/tools/testing/selftests/kselftest.h \
	   "$tmp"/linux-source-6.1/tools/testing/selftests/kselftest_harness.h "$dir/"
	cp "$tmp"/linux-source-6.1/scripts/checkpatch.pl \
	   "$tmp"/linux-source-6.1/scripts/spelling.txt \
	   "$tmp"/linux-source-6.1/scripts/const_structs.checkpatch "$cp_dir/scripts/"
	rm -rf "$tmp"
fi
echo "$dir"
