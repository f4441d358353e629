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

# ---- Test guests (tests/vm/run boots them in QEMU, tests/vmx/run in Bochs) ----
# These run in the calling script's shell and use its variables, named in each comment.

# Unpack the kernel image package $kernel_deb into the cache once.
# Sets kpkg, kver, kroot, vmlinuz (the bzImage) and moddir.
vm_kernel_unpack() {
	[ -f "$kernel_deb" ] || die "no such kernel package: $kernel_deb"
	kpkg=$(dpkg-deb -f "$kernel_deb" Package)
	kver=${kpkg#linux-image-}
	kroot=$OKVM_CACHE/root-$kpkg-$(dpkg-deb -f "$kernel_deb" Version)
	if [ ! -d "$kroot" ]; then	# extracted atomically (tmp + mv)
		rm -rf "$kroot.tmp" && mkdir -p "$kroot.tmp" && dpkg-deb -x "$kernel_deb" "$kroot.tmp" &&
			mv "$kroot.tmp" "$kroot" || die "cannot extract $kernel_deb"
	fi
	# Debian's 7.x packages (linux-binary-*) keep the image in /usr/lib/modules/<release>/.
	vmlinuz=$(ls "$kroot"/boot/vmlinuz-* "$kroot"/usr/lib/modules/*/vmlinuz 2>/dev/null | head -1)
	[ -n "$vmlinuz" ] || die "no kernel image (boot/vmlinuz-*) in $kernel_deb"
	moddir=$(ls -d "$kroot"/lib/modules/* "$kroot"/usr/lib/modules/* 2>/dev/null | head -1)
}

# Each run has its own directory under $runs, so that runs side by side do not clash;
# $runs/<tier> points to the latest one (vm_publish). Sets work and log.
vm_workdir() {
	mkdir -p "$runs"
	work=$(mktemp -d "$runs/.$tier.XXXXXX") || die "cannot make a work directory"
	mkdir -p "$work/root"
	log=$work/console.log
}
vm_publish() {
	local old
	old=$(readlink "$runs/$tier" 2>/dev/null)
	[ -d "$runs/$tier" ] && [ ! -L "$runs/$tier" ] && rm -rf "$runs/$tier"
	ln -sfn "$(basename "$work")" "$runs/$tier.new" && mv -T "$runs/$tier.new" "$runs/$tier"
	[ -n "$old" ] && [ "$old" != "$(basename "$work")" ] && rm -rf "$runs/$old"
	log=$runs/$tier/console.log
}

# okvm.ko, built against the test kernel's headers from a copy of the sources so that
# builds for several kernels do not share object files. Uses kver, kernel_deb, kdir (may
# be empty), work and tier; sets module. A failed build is a FAIL line and exit 1.
vm_build_okvm() {
	local hdeb hroot src
	if [ -z "$kdir" ]; then
		kdir=/usr/src/linux-headers-$kver
		hdeb=$(ls "$(dirname "$kernel_deb")/linux-headers-${kver}_"*.deb 2>/dev/null | head -1)
		if [ -n "$hdeb" ]; then
			# A kernel shipped with its headers package (the debug kernel): use those.
			hroot=$OKVM_CACHE/headers-$kver-$(dpkg-deb -f "$hdeb" Version)
			if [ ! -d "$hroot/usr" ]; then
				rm -rf "$hroot.tmp" && mkdir -p "$hroot.tmp" && dpkg-deb -x "$hdeb" "$hroot.tmp" &&
					mv "$hroot.tmp" "$hroot" || die "cannot extract $hdeb"
			fi
			kdir=$hroot/usr/src/linux-headers-$kver
		elif [ ! -d "$kdir" ]; then
			[ "$(id -u)" -eq 0 ] || die "$kdir missing: install linux-headers-$kver"
			apt_lists_fresh
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				"linux-headers-$kver" >/dev/null || die "cannot install linux-headers-$kver"
		fi
	fi
	src=$OKVM_BUILD/kmod-$kver
	mkdir -p "$src"
	# Unchanged files (by content) keep their time stamps; changed ones get the time of the
	# copy, so Kbuild rebuilds exactly what changed (-a kept the source's older mtimes).
	rsync -rlpD --checksum --delete "$OKVM_TOP/VERSION" "$OKVM_TOP/include" "$src/" &&
		rsync -rlpD --checksum --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' --exclude '*.mod*' \
			--exclude /compat/gen "$OKVM_TOP/kmod/" "$src/kmod/" || die "cannot copy the module sources to $src"
	note "building okvm.ko against $kdir"
	# One build at a time per kernel; the copy keeps Kbuild's incremental state.
	exec 9>"$src.lock"
	flock 9
	make -s -C "$kdir" M="$src/kmod" modules >"$work/build.log" 2>&1 || {
		cat "$work/build.log"
		echo "FAIL $tier/build: okvm.ko did not build against $kver"
		exit 1
	}
	cp "$src/kmod/okvm.ko" "$work/okvm.ko"
	flock -u 9
	module=$work/okvm.ko
}

# The initramfs root $r: busybox and its directories.
vm_root_base() {
	local a
	mkdir -p "$r"/{bin,dev,proc,sys,tmp,tests,modules,demo,run}
	cp /bin/busybox "$r/bin/busybox" || die "busybox-static is missing (tests/deps.sh installs it)"
	for a in sh mount umount insmod rmmod lsmod cat echo ls mkdir dmesg poweroff sleep grep sed \
		setsid cttyhack sync mknod uname timeout tr head tail wc env mdev; do
		ln -s busybox "$r/bin/$a"
	done
}

# vm_stage_kvm_modules CONFIG_BUILTIN MODULE...: the in-tree KVM modules of the test kernel
# (paths under kernel/, no suffix), in load order, into $r/modules and $loadlist; none
# where the kernel config has CONFIG_BUILTIN=y (KVM built in). Uses moddir, kroot, kpkg.
vm_stage_kvm_modules() {
	local builtin=$1 m f
	shift
	for m in "$@"; do
		f=$(ls "$moddir/kernel/$m.ko"* 2>/dev/null | head -1)
		if [ -z "$f" ] && grep -q "^$builtin=y" "$kroot"/boot/config-* 2>/dev/null; then
			continue
		fi
		[ -n "$f" ] || die "in-tree module $m missing from $kpkg"
		loadlist="$loadlist ${m##*/}"
		case $f in
		*.xz) xz -dc "$f" >"$r/modules/${m##*/}.ko" ;;
		*.zst) zstd -qdc "$f" >"$r/modules/${m##*/}.ko" ;;
		*) cp "$f" "$r/modules/" ;;
		esac
	done
}

# The rest of the initramfs: the payload and an init that loads $loadlist, checks $device,
# then gives a shell ($shell), runs a command ($cmd) or every payload program; written to
# $initrd, compressed with $compress (a command reading stdin). Optional shell code:
# $prelude runs (sourced: it may call drain) before the modules load; $gate runs before
# the payload, which is skipped (OKVM-VM-GATE-CLOSED) when the gate fails.
vm_initramfs() {
	local unloadlist
	[ -n "${prelude:-}" ] && printf '%s\n' "$prelude" >"$r/prelude"
	if [ -d "$payload" ]; then
		cp -a "$payload/." "$r/tests/"
		[ -d "$payload/../demo" ] && cp -a "$payload/../demo/." "$r/demo/"
	fi

	cat >"$r/init" <<EOF
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
echo 1 > /proc/sys/kernel/panic_on_oops
if [ -e /sys/kernel/debug ] && mount -t debugfs none /sys/kernel/debug 2>/dev/null &&
   [ -e /sys/kernel/debug/kmemleak ]; then
	# Forget what boot left behind: only leaks made from here on count.
	echo clear > /sys/kernel/debug/kmemleak
fi
export OKVM_DEVICE=$device LIBKVM_DEVICE=$device PATH=/bin:/tests:/demo
# Wait until the console has sent what user space wrote: a slow (emulated) UART would
# lose the last lines at power-off. stty applies the unchanged settings after a drain.
drain() { stty -F /dev/console "\$(stty -F /dev/console -g)" 2>/dev/null; }
${prelude:+. /prelude}
for m in $loadlist; do
	insmod /modules/\$m.ko || { echo "OKVM-VM-LOAD-FAILED \$m"; drain; poweroff -f; }
done
[ -c $device ] || { echo "OKVM-VM-LOAD-FAILED no $device"; drain; poweroff -f; }
# The in-tree KVM beside okvm (loaded with --also kvm, or built in): coexistence tests use it.
[ $device = /dev/okvm ] && [ -c /dev/kvm ] && export OKVM_REF_DEVICE=/dev/kvm
echo "OKVM-VM-READY \$(uname -r)"
EOF
	if [ -n "$shell" ]; then
		cat >>"$r/init" <<'EOF'
echo "vm-shell: device $OKVM_DEVICE is ready; tests are in /tests; 'poweroff -f' leaves"
setsid cttyhack sh
poweroff -f
EOF
	elif [ -n "$cmd" ]; then
		printf '%s\n' "$cmd" >"$r/cmd"
		cat >>"$r/init" <<'EOF'
echo "OKVM-VM-CMD-BEGIN"
sh /cmd
echo "OKVM-VM-RC cmd $?"
EOF
	else
		if [ -n "${gate:-}" ]; then
			printf '%s\n' "$gate" >"$r/gate"
			echo 'if sh /gate; then' >>"$r/init"
		fi
		cat >>"$r/init" <<'EOF'
for t in /tests/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	n=${t##*/}
	echo "OKVM-VM-RUN $n"
	"$t"
	echo "OKVM-VM-RC $n $?"
done
EOF
		[ -n "${gate:-}" ] && printf '%s\n' 'else' '	echo "OKVM-VM-GATE-CLOSED"' 'fi' >>"$r/init"
	fi
	cat >>"$r/init" <<'EOF'
sync
echo "OKVM-VM-TAINT $(cat /proc/sys/kernel/tainted)"
for m in $unloadlist; do
	rmmod $m || echo "OKVM-VM-UNLOAD-FAILED $m"
done
if [ -e /sys/kernel/debug/kmemleak ]; then
	# kmemleak reports objects once they are a few seconds old: scan, wait, scan.
	echo scan > /sys/kernel/debug/kmemleak; sleep 6; echo scan > /sys/kernel/debug/kmemleak
	n=$(grep -c 'unreferenced object' /sys/kernel/debug/kmemleak)
	echo "OKVM-VM-KMEMLEAK $n"
	[ "$n" = 0 ] || head -40 /sys/kernel/debug/kmemleak
fi
echo "OKVM-VM-DONE"
drain
poweroff -f
EOF
	unloadlist=$(echo $loadlist | tr ' ' '\n' | tac | tr '\n' ' ')
	sed -i "s/\$unloadlist/$unloadlist/" "$r/init"
	chmod +x "$r/init"
	(cd "$r" && find . | cpio -o -H newc --quiet | $compress) >"$initrd" || die "cpio failed"
}

# The guest console on stdin, filtered for the terminal: result lines with $tier
# prefixed, the runner's markers and okvm's messages (with $cmd: the command's output).
vm_console_filter() {
	if [ -n "$cmd" ]; then
		# The command's own output, without the kernel's console lines.
		sed -n -e '/\] okvm[:.]/p' -e '/^OKVM-VM-CMD-BEGIN/,/^OKVM-VM-RC cmd/{/^OKVM-VM-/d;/^\[ *[0-9]*\.[0-9]*\]/d;p}'
	else
		sed -n -e "s#^\(PASS\|FAIL\|SKIP\) #\1 $tier/#p" -e '/^OKVM-VM-/p' -e '/okvm[:.]/p' |
			vm_known_gaps
	fi
}

# Known gaps (tests/vm/known-gaps): a listed test's failure on the listed implementation
# becomes a SKIP naming the issue that will close it; a listed test that passes is a
# failure, so that the list shrinks as the gaps close. Filters result lines on stdin.
vm_known_gaps() {
	local impl=okvm
	[ "$device" = /dev/okvm ] || impl=kvm
	awk -v impl=$impl -v tier="$tier" -v gaps="$OKVM_TOP/tests/vm/known-gaps" '
	BEGIN {
		while ((getline l < gaps) > 0) {
			if (l ~ /^[ \t]*(#|$)/)
				continue
			split(l, f, /[ \t]+/)
			if (f[1] != impl)
				continue
			why = l
			sub(/^[^ \t]+[ \t]+[^ \t]+[ \t]+[^ \t]+[ \t]+/, "", why)
			gap[f[2]] = "known gap (issue " f[3] "): " why
		}
	}
	{
		name = $2
		sub("^" tier "/", "", name)
		sub(/:$/, "", name)
		if ($1 == "FAIL" && name in gap) {
			print "SKIP " tier "/" name ": " gap[name]
			next
		}
		if ($1 == "PASS" && name in gap) {
			print "FAIL " tier "/" name ": passes, but tests/vm/known-gaps lists it for " impl ": remove it there"
			next
		}
		print
	}'
}

# Verdict from the console log $log of a finished guest: FAIL lines, or
# PASS $tier/guest-kernel-clean. Uses tier, r, cmd and $ended (how the emulator
# ended, for the message when the guest did not finish); sets fail (0 or 1).
vm_verdict() {
	local n rc t
	fail=0
	grep -q '^OKVM-VM-READY' "$log" ||
		vm_bad "load: $(grep -m1 'OKVM-VM-LOAD-FAILED' "$log" || echo 'guest did not reach the tests')"
	if [ -n "$cmd" ]; then
		rc=$(sed -n 's/^OKVM-VM-RC cmd //p' "$log")
		[ "$rc" = 0 ] || vm_bad "cmd: exit status ${rc:-missing}"
	elif ! grep -q '^OKVM-VM-GATE-CLOSED' "$log"; then
		while read -r _ n rc; do
			[ "$rc" = 0 ] || vm_gaps_only "$n" "$rc" || vm_bad "$n: exit status $rc"
		done < <(grep '^OKVM-VM-RC ' "$log")
		for t in "$r"/tests/*; do
			[ -f "$t" ] && [ -x "$t" ] || continue
			grep -q "^OKVM-VM-RC ${t##*/} " "$log" || vm_bad "${t##*/}: did not finish"
		done
	fi
	grep -q '^OKVM-VM-UNLOAD-FAILED' "$log" && vm_bad "unload: $(grep -m1 OKVM-VM-UNLOAD-FAILED "$log")"
	grep -q '^OKVM-VM-DONE' "$log" || vm_bad "guest: did not finish ($ended)"
	vm_verdict_kernel
}

# The kernel's own reports in $log (also for a guest that stopped early on purpose):
# FAIL lines, or PASS $tier/guest-kernel-clean when $fail is still 0.
vm_verdict_kernel() {
	local leaks taint pat
	leaks=$(sed -n 's/^OKVM-VM-KMEMLEAK //p' "$log")
	[ -n "$leaks" ] && [ "$leaks" != 0 ] && vm_bad "kernel: kmemleak found $leaks unreferenced objects"
	# Kernel reports. Taint flags: B (bad page) 32, D (oops) 128, W (warning) 512, L (lockup) 16384.
	taint=$(sed -n 's/^OKVM-VM-TAINT //p' "$log")
	[ -n "$taint" ] && [ $(( taint & (32 | 128 | 512 | 16384) )) -ne 0 ] && vm_bad "kernel: tainted $taint"
	# Only the kernel's own lines (they carry a printk time stamp) count: a test's output
	# may well say "DEBUG" or "WARNING".
	pat='Oops|(^|[^A-Za-z])BUG[: ]|WARNING:|general protection|Call Trace:|KASAN|UBSAN|soft lockup|hard LOCKUP|rcu.*stall|possible circular locking|Kernel panic|Poison overwritten|Redzone|Object padding|kmemleak: [0-9]+ new'
	if grep -aE '\[ *[0-9]+\.[0-9]+\] ' "$log" | grep -aEq "$pat"; then
		grep -aE '\[ *[0-9]+\.[0-9]+\] ' "$log" | grep -aEm5 "$pat" | sed 's/^/  console: /'
		vm_bad "kernel: report in the guest console (see $log)"
	fi
	if [ $fail -eq 0 ]; then
		echo "PASS $tier/guest-kernel-clean"
	fi
}
vm_bad() { echo "FAIL $tier/$1"; fail=1; }

# True when program $1 ended with status 1 and every failure it reported is a known gap
# (a crash or a signal is never waived).
vm_gaps_only() {
	local out
	[ "$2" = 1 ] || return 1
	out=$(sed -n "/^OKVM-VM-RUN $1\$/,/^OKVM-VM-RC $1 /p" "$log" | grep -a '^FAIL ' |
		sed "s#^FAIL #FAIL $tier/#" | vm_known_gaps)
	[ -n "$out" ] && ! grep -q '^FAIL ' <<<"$out"
}
