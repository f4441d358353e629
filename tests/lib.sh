# SPDX-License-Identifier: MIT
# Shared helpers for the test tier scripts. Sourced, not run.

OKVM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Downloads, extracted kernels and chroots live outside the repository so that
# a clean clone starts fast on a machine that ran the tests before.
OKVM_CACHE=${OKVM_CACHE:-/var/cache/okvm-test}
OKVM_BUILD=${OKVM_BUILD:-$OKVM_TOP/build}

die() { echo "$(basename "$0"): $*" >&2; exit 2; }
note() { echo "$(basename "$0"): $*" >&2; }

# apt lists older than a day (or absent, as on a fresh machine) are refreshed once.
apt_lists_fresh() {
	local stamp=/var/lib/apt/periodic/okvm-update-stamp
	if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' 2>/dev/null | head -1)" ] ||
	   [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		[ "$(id -u)" -eq 0 ] || return 0
		DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || return 1
		mkdir -p "$(dirname "$stamp")" && touch "$stamp"
	fi
}

# Resolve Debian's linux-image-amd64 meta package to the versioned image package,
# e.g. linux-image-6.1.0-56-amd64. Falls back to the newest cached image.
resolve_kernel_package() {
	local pkg
	apt_lists_fresh || true
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$pkg" ]; then
		pkg=$(ls "$OKVM_CACHE"/linux-image-[0-9]*_amd64.deb 2>/dev/null | sort -V | tail -1)
		pkg=$(basename "${pkg%%_*}")
	fi
	[ -n "$pkg" ] || die "cannot resolve linux-image-amd64 (no apt lists, nothing cached)"
	echo "$pkg"
}

# Download a package's .deb into the cache (once) and print its path.
cache_deb() {
	local pkg=$1 deb
	deb=$(ls "$OKVM_CACHE/${pkg}"_*_amd64.deb 2>/dev/null | sort -V | tail -1)
	if [ -z "$deb" ]; then
		mkdir -p "$OKVM_CACHE"
		(cd "$OKVM_CACHE" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) ||
			die "apt-get download $pkg failed"
		deb=$(ls "$OKVM_CACHE/${pkg}"_*_amd64.deb | sort -V | tail -1)
	fi
	echo "$deb"
}
