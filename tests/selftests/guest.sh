#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs inside the vm tier's guest (busybox sh), started by tests/selftests/run:
#   sh /tests/guest.sh IMPL LIMIT 'TEST...'
# IMPL kvm: the in-tree kvm_amd, the tests open /dev/kvm as they are.
# IMPL okvm: each test runs in a private mount namespace (ns.sh) where /dev/kvm is
# /dev/okvm and /sys/module holds only the parameter files the harness gives (sysfs-params).
# Each test ends after LIMIT seconds. Per test one line
#   SELFTEST IMPL NAME STATUS SECONDS
# (STATUS: the exit status; 4 is the selftests' skip, 143 a timeout) and its output
# as "st| NAME: " lines (the last 60).
impl=$1 limit=$2 tests=$3

# The guest's uptime in centiseconds.
cs() {
	local up rest
	read up rest </proc/uptime
	echo "${up%.*}${up#*.}"
}

echo "selftests-guest: $impl, $(echo $tests | wc -w) tests, ${limit}s each, $(grep -c ^processor /proc/cpuinfo) cpus"
for t in $tests; do
	if [ ! -x /tests/bin/$t ]; then
		echo "SELFTEST $impl $t missing -"
		continue
	fi
	t0=$(cs)
	if [ "$impl" = okvm ]; then
		busybox unshare -m sh /tests/ns.sh /dev/okvm "$limit" /tests/bin/$t >/tmp/out 2>&1 </dev/null
	else
		(cd /tmp && timeout "$limit" /tests/bin/$t) >/tmp/out 2>&1 </dev/null
	fi
	rc=$?
	n=$(($(cs) - t0))
	tail -n 60 /tmp/out | tr -d '\r' | sed "s/^/st| $t: /"
	echo "SELFTEST $impl $t $rc $((n / 100)).$(printf %02d $((n % 100)))"
done
echo "selftests-guest: done"
