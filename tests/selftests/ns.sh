#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs as the first process of a private mount namespace (busybox unshare -m), from
# guest.sh: sets up what a KVM selftest expects to find and executes it.
#   sh ns.sh DEVICE LIMIT PROGRAM
# /dev: a tmpfs with the few nodes the tests open, and kvm bound to DEVICE (/dev/okvm) (the tests
# open /dev/kvm by path). /sys/module: a tmpfs with only the files listed in
# /tests/sysfs-params, values that describe okvm (there is no kvm module to read them from).
dev=$1 limit=$2 prog=$3
set -e
# Built aside and moved over /dev, so that the real nodes are still there to bind.
d=/tmp/.ns-dev.$$
mkdir -p $d
mount -t tmpfs -o mode=755 nsdev $d
for n in null zero full random urandom; do
	: >$d/$n
	mount --bind /dev/$n $d/$n
done
: >$d/kvm
mount --bind "$dev" $d/kvm
mount --move $d /dev
rmdir $d
mount -t tmpfs -o mode=755 modparams /sys/module
sed 's/#.*//' /tests/sysfs-params | while read -r path value; do
	[ -n "$path" ] || continue
	mkdir -p "/sys/module/${path%/*}"
	echo "$value" >"/sys/module/$path"
done
set +e
cd /tmp
exec timeout "$limit" "$prog"
