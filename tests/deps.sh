#!/bin/bash
# SPDX-License-Identifier: MIT
# Install the Debian packages that the build and the test tiers need and that are missing,
# and the headers of the vm tier's test kernel. Every area lists its packages in
# tests/deps.d/*.list. Safe to run again: it installs nothing when everything is there.
# Non-interactive, so it runs unattended in CI.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

missing=()
for p in $(sed 's/#.*//' "$here"/deps.d/*.list | tr -s ' \t' '\n' | grep -v '^$' | sort -u); do
	installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages: ${missing[*]}" >&2
		echo "deps: run 'sudo $0' (or install them yourself) and try again" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	apt_lists_fresh
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# okvm.ko is built against the test kernel's headers for the vm tier.
hdr=linux-headers-$(resolve_kernel_package | sed 's/^linux-image-//')
if ! installed "$hdr"; then
	[ "$(id -u)" -eq 0 ] || { echo "deps: $hdr is missing; run 'sudo $0'" >&2; exit 1; }
	echo "deps: installing $hdr (the test kernel's headers)"
	apt-get install -y -q --no-install-recommends "$hdr" >/dev/null
fi
