#!/bin/sh
# make-deb.sh (make deb): build the Debian packages gocoredump-dkms, gocapd
# and gocap into build/deb/, and run lintian over them.
#
# dpkg-buildpackage writes its results next to the source tree, so the
# tree (the files git knows, committed or not, plus new ones it does not
# ignore) is copied to build/deb/src/gocoredump-VERSION first and built
# there, and the results are moved up: nothing lands outside build/.  Exit status 1 when the build fails
# or lintian reports an error or a warning (its output: build/deb/lintian.txt).
set -eu
. "$(dirname "$0")/lib.sh"

out="$GOCD_BUILD/deb"
ver=$(dpkg-parsechangelog -l "$GOCD_TOP/debian/changelog" -S Version)
src="$out/src/gocoredump-$ver"
rm -rf "$out"
mkdir -p "$src"
# (deleted files that git still lists are left out)
(cd "$GOCD_TOP" && git ls-files -co --exclude-standard |
	while IFS= read -r f; do [ -f "$f" ] && echo "$f"; done |
	cpio -pdm --quiet "$src")
msg "dpkg-buildpackage -us -uc -b in $src"
(cd "$src" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
	tail -40 "$out/build.log" >&2
	die "dpkg-buildpackage failed: see $out/build.log"
}
for f in "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo; do
	mv "$f" "$out/"
done
rm -rf "$out/src"
changes=$(ls "$out"/gocoredump_*.changes)
lintian --fail-on error,warning --info "$changes" > "$out/lintian.txt" 2>&1 || {
	cat "$out/lintian.txt" >&2
	die "lintian: errors or warnings (above; $out/lintian.txt)"
}
for d in "$out"/*.deb; do
	msg "built ${d##*/}"
done
