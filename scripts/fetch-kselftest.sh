#!/bin/sh
# fetch-kselftest.sh: put the kernel's kselftest harness (kselftest.h and
# kselftest_harness.h, as shipped in Debian's linux-source-6.1 package) into
# $GOCD_CACHE/kselftest.  Prints that directory.
set -eu
. "$(dirname "$0")/lib.sh"

dir="$GOCD_CACHE/kselftest"
if [ ! -f "$dir/kselftest_harness.h" ] || [ ! -f "$dir/kselftest.h" ]; then
	apt_priv_update
	tmp="$GOCD_CACHE/kselftest.tmp"
	rm -rf "$tmp"
	apt_priv_fetch "$tmp" linux-source-6.1
	dpkg -x "$tmp"/linux-source-6.1_*.deb "$tmp/x"
	tar -xJf "$tmp"/x/usr/src/linux-source-6.1.tar.xz -C "$tmp" \
		--wildcards '*/tools/testing/selftests/kselftest.h' \
		'*/tools/testing/selftests/kselftest_harness.h'
	mkdir -p "$dir"
	cp "$tmp"/linux-source-6.1/tools/testing/selftests/kselftest.h \
	   "$tmp"/linux-source-6.1/tools/testing/selftests/kselftest_harness.h "$dir/"
	rm -rf "$tmp"
fi
echo "$dir"
