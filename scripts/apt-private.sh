#!/bin/sh
# apt-private.sh: a private apt configuration for fetching .debs from extra
# Debian suites (bookworm-backports, trixie, trixie-backports) without
# touching the machine's own apt setup and without installing anything.
#
# Sourced by the other scripts.  Defines:
#   APT_PRIV   directory holding the private state (lists, cache, sources)
#   apt_priv   run apt-get/apt-cache with the private configuration
#   apt_priv_update  fetch the package lists (once per day)
#
# The mirror's address is read from the machine's own apt configuration:
# never written into the repository.

: "${GOCD_CACHE:?GOCD_CACHE must be set (source scripts/lib.sh)}"
APT_PRIV="$GOCD_CACHE/apt"

# (The $(...) in single quotes are apt's own format fields.)
# shellcheck disable=SC2016
apt_priv_mirror() {
	apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
		awk '$2 !~ /-security$/ && $2 !~ /-updates$/ { print $1; exit }'
}

# shellcheck disable=SC2016
apt_priv_security_mirror() {
	apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
		awk '$2 ~ /-security$/ { print $1; exit }'
}

apt_priv() {
	apt-get -q -o Dir::Etc::sourcelist="$APT_PRIV/sources.list" \
		-o Dir::Etc::sourceparts=/nonexistent \
		-o Dir::State::Lists="$APT_PRIV/lists" \
		-o Dir::State::status="$APT_PRIV/status" \
		-o Dir::Cache="$APT_PRIV/cache" \
		-o APT::Architecture=amd64 \
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}

apt_priv_cache() {
	apt-cache -o Dir::Etc::sourcelist="$APT_PRIV/sources.list" \
		-o Dir::Etc::sourceparts=/nonexistent \
		-o Dir::State::Lists="$APT_PRIV/lists" \
		-o Dir::State::status="$APT_PRIV/status" \
		-o Dir::Cache="$APT_PRIV/cache" "$@"
}

# One update at a time (apt's own locks are off): the suites fetch in
# parallel on a fresh machine (the full-system lab beside the host tests).
apt_priv_update() {
	mkdir -p "$APT_PRIV/lists/partial" "$APT_PRIV/cache/archives/partial"
	( flock 8 && apt_priv_update_locked ) 8> "$APT_PRIV/.update.lock"
}

apt_priv_update_locked() {
	[ -f "$APT_PRIV/status" ] || : > "$APT_PRIV/status"
	_apu_m=$(apt_priv_mirror)
	_apu_s=$(apt_priv_security_mirror)
	if [ -z "$_apu_m" ]; then
		echo "apt-private: no Debian mirror found in this machine's apt configuration" >&2
		return 1
	fi
	{
		echo "deb $_apu_m bookworm main"
		echo "deb $_apu_m bookworm-updates main"
		[ -n "$_apu_s" ] && echo "deb $_apu_s bookworm-security main"
		echo "deb $_apu_m bookworm-backports main"
		echo "deb $_apu_m trixie main"
		echo "deb $_apu_m trixie-backports main"
	} > "$APT_PRIV/sources.list.new"
	if ! cmp -s "$APT_PRIV/sources.list.new" "$APT_PRIV/sources.list" ||
	   [ -z "$(find "$APT_PRIV/lists/.stamp" -mmin -1440 2>/dev/null)" ]; then
		mv "$APT_PRIV/sources.list.new" "$APT_PRIV/sources.list"
		apt_priv update >/dev/null || return 1
		touch "$APT_PRIV/lists/.stamp"
	else
		rm -f "$APT_PRIV/sources.list.new"
	fi
}

# apt_priv_fetch DIR PKG[=VER]...: download the .debs into DIR (cached).
apt_priv_fetch() {
	_apf_dir=$1; shift
	mkdir -p "$_apf_dir"
	(cd "$_apf_dir" && apt_priv download "$@" >/dev/null) || {
		echo "apt-private: could not download: $*" >&2
		return 1
	}
}
