#!/bin/bash
# deps.sh: install (or check for) the Debian 12 packages that rumpsh's build, tests and benchmarks need.
set -euo pipefail

# One package a line, grouped by what needs it.
PACKAGES=(
	# build
	gcc libc6-dev make pkg-config libreadline-dev libarchive-dev libfuse3-dev zlib1g-dev
	# test runners and helpers
	bats bats-assert bats-support coreutils util-linux mount fdisk procps
	bsdextrautils tmux jq time python3 strace tzdata acl
	# completion and manual tests
	zsh man-db groff-base
	# image builders and independent readers
	e2fsprogs dosfstools mtools makefs xorriso sleuthkit fuse3
	libarchive-tools p7zip-full attr fuse2fs
	# fuzzing and benchmarks
	clang hyperfine
)

usage() {
	echo "usage: tests/deps.sh install|ensure|list" >&2
	exit 2
}

# missing: print the packages that are not installed, one a line (one dpkg-query call).
missing() {
	local installed
	installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${PACKAGES[@]}" 2>/dev/null |
		awk '$1 == "ii" { sub(/:.*/, "", $2); print $2 }' || true)
	local pkg
	for pkg in "${PACKAGES[@]}"; do
		grep -qxF -- "$pkg" <<<"$installed" || echo "$pkg"
	done
}

install() {
	local cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${PACKAGES[*]}"
	if [[ $(id -u) -ne 0 ]]; then
		echo "deps.sh: installing packages needs root; run as root:" >&2
		echo "  $cmd" >&2
		exit 1
	fi
	echo "deps.sh: installing build and test packages" >&2
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"
}

ensure() {
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "deps.sh: dpkg-query not found: this script knows only Debian 12 packages" >&2
		exit 1
	fi
	local absent
	absent=$(missing)
	[[ -z $absent ]] && return 0
	echo "deps.sh: missing packages:" "${absent//$'\n'/ }" >&2
	install
}

[[ $# -eq 1 ]] || usage
case $1 in
install) install ;;
ensure) ensure ;;
list) printf '%s\n' "${PACKAGES[@]}" ;;
*) usage ;;
esac
