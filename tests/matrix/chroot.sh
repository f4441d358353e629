# SPDX-License-Identifier: MIT
# Debian chroots for the matrix and pkg tiers. Sourced after tests/lib.sh.
#
# $OKVM_CACHE/chroots/SUITE   mmdebstrap (or debootstrap) --variant=minbase plus the packages
#                             the matrix needs (make, linux-headers-amd64)
# $OKVM_CACHE/debs/SUITE      every .deb downloaded for SUITE (debootstrap's
#                             cache and the chroots' apt archive)
# Created once and reused; apt lists older than a day are refreshed.

OKVM_MIRROR=${OKVM_MIRROR:-http://deb.debian.org/debian}
OKVM_CHROOTS=$OKVM_CACHE/chroots
okvm_mounts=()

# Unmount whatever chroot_exec left mounted (an interrupted run).
chroot_cleanup() {
	local i
	for (( i = ${#okvm_mounts[@]} - 1; i >= 0; i-- )); do
		umount -l "${okvm_mounts[i]}" 2>/dev/null
	done
	okvm_mounts=()
}
trap chroot_cleanup EXIT

chroot_suite() { basename "$1" | sed 's/-.*//'; }

# chroot_exec DIR COMMAND...: run COMMAND in the chroot with /proc (objtool
# wants it) and the suite's shared apt archive mounted.
chroot_exec() {
	local dir=$1 suite rc
	shift
	suite=$(chroot_suite "$dir")
	mkdir -p "$OKVM_CACHE/debs/$suite"
	mount -t proc proc "$dir/proc" && okvm_mounts+=("$dir/proc") || return 1
	mount --bind "$OKVM_CACHE/debs/$suite" "$dir/var/cache/apt/archives" &&
		okvm_mounts+=("$dir/var/cache/apt/archives") || { chroot_cleanup; return 1; }
	chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	rc=$?
	chroot_cleanup
	return $rc
}

# apt-get in the chroot; when the lists are too old for the mirror (a package
# was superseded), update them and try once more.
chroot_apt() {
	local dir=$1
	shift
	chroot_exec "$dir" apt-get -q -y "$@" && return 0
	chroot_exec "$dir" apt-get -q update >/dev/null || return 1
	chroot_exec "$dir" apt-get -q -y "$@"
}

# chroot_get SUITE PACKAGE...: print the path of SUITE's cached chroot
# (--variant=minbase plus PACKAGEs), created once; after a day
# its lists are refreshed and PACKAGEs upgraded (new kernel ABI, new gcc).
chroot_get() {
	local suite=$1 dir=$OKVM_CHROOTS/$1 log=$OKVM_CHROOTS/$1.log
	shift
	mkdir -p "$OKVM_CHROOTS" "$OKVM_CACHE/debs/$suite"
	(
		flock 9
		if [ ! -f "$dir/.okvm-ready" ]; then
			chroot_umount_all "$dir.tmp"
			rm -rf "$dir.tmp"
			# mmdebstrap fetches with apt (pipelined downloads): about
			# twice as fast as debootstrap on a cold cache here.
			if command -v mmdebstrap >/dev/null; then
				note "mmdebstrap $suite with $* (log: $log)"
				mmdebstrap --variant=minbase --include="$(echo "$@" | tr ' ' ,)" \
					--skip=cleanup/apt/lists \
					--aptopt='Acquire::Check-Valid-Until "false"' \
					--aptopt='APT::Install-Recommends "false"' \
					--dpkgopt='path-exclude=/usr/share/doc/*' \
					--dpkgopt='path-include=/usr/share/doc/*/copyright' \
					--dpkgopt='path-exclude=/usr/share/locale/*' \
					--dpkgopt='path-exclude=/usr/share/man/*' \
					"$suite" "$dir.tmp" "$OKVM_MIRROR" >"$log" 2>&1 ||
					{ tail -n 5 "$log" >&2; exit 1; }
			else
				note "debootstrap $suite with $* (log: $log)"
				debootstrap --variant=minbase --cache-dir="$OKVM_CACHE/debs/$suite" \
					--include="$(echo "$@" | tr ' ' ,)" \
					"$suite" "$dir.tmp" "$OKVM_MIRROR" >"$log" 2>&1 ||
					{ tail -n 5 "$log" >&2; exit 1; }
				cat >"$dir.tmp/etc/dpkg/dpkg.cfg.d/90okvm" <<-EOF
					path-exclude /usr/share/doc/*
					path-include /usr/share/doc/*/copyright
					path-exclude /usr/share/locale/*
					path-exclude /usr/share/man/*
				EOF
				echo "deb $OKVM_MIRROR $suite main" >"$dir.tmp/etc/apt/sources.list"
			fi
			# sid's Release file may be past its Valid-Until when the
			# mirror is a snapshot; recommends and translations only
			# cost time here.
			cat >"$dir.tmp/etc/apt/apt.conf.d/90okvm" <<-EOF
				Acquire::Check-Valid-Until "false";
				Acquire::Languages "none";
				APT::Install-Recommends "false";
				APT::Sandbox::User "root";
				Dpkg::Use-Pty "false";
			EOF
			chroot_exec "$dir.tmp" apt-get -q update >>"$log" 2>&1 ||
				{ tail -n 5 "$log" >&2; exit 1; }
			touch "$dir.tmp/.okvm-updated" "$dir.tmp/.okvm-ready"
			mv "$dir.tmp" "$dir"
		elif [ -z "$(find "$dir/.okvm-updated" -mmin -1440 2>/dev/null)" ]; then
			note "updating the $suite chroot (log: $log)"
			# Only PACKAGEs (and what they need) move: a new kernel ABI
			# brings its headers and, if it wants one, its compiler.
			{ chroot_exec "$dir" apt-get -q update && chroot_apt "$dir" install "$@"; } >"$log" 2>&1 ||
				{ tail -n 5 "$log" >&2; exit 1; }
			touch "$dir/.okvm-updated"
		fi
	) 9>"$OKVM_CHROOTS/.$suite.lock" || return 1
	echo "$dir"
}

# Unmount whatever an interrupted run left mounted below DIR, so that
# rm -rf does not reach into /proc or the shared apt archive.
chroot_umount_all() {
	local m
	awk -v d="$(realpath -m "$1")/" 'index($2 "/", d) == 1 { print $2 }' /proc/mounts |
		sort -r | while read -r m; do umount -l "$m"; done
}

# chroot_copy SRC DST: a private copy of a cached chroot, without the
# matrix tier's build directories. SRC may be in use by another run (its
# /proc and apt archive mounted): those are left out.
chroot_copy() {
	chroot_umount_all "$2"
	rm -rf "$2" && mkdir -p "$(dirname "$2")" &&
		rsync -a --exclude /build --exclude /.okvm-ready --exclude '/proc/*' \
			--exclude '/var/cache/apt/archives/*' "$1/" "$2/"
}

# The newest kernel headers in a root: "RELEASE" like 6.12.107+deb13-amd64.
newest_headers() {
	ls -d "$1"/usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|.*/linux-headers-||' |
		sort -V | tail -n 1
}

# "6.12" from "6.12.107+deb13-amd64".
kernel_series() { echo "$1" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/'; }
