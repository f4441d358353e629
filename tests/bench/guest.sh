# SPDX-License-Identifier: MIT
# Runs inside the vm tier's guest (busybox sh), started by tests/bench/run:
#   sh /tests/bench-guest.sh ROUNDS [-q]
# Each round loads one implementation alone, measures every row on its device,
# unloads it, and does the same with the other (the order alternates by round).
# Prints "BENCH <round> <row> <device> <value> <unit>" lines and BENCH-ERROR lines.
rounds=$1 q=${2:-}
kvm_mods="irqbypass ccp kvm kvm-amd"

unload_all() {
	for m in okvm kvm_amd kvm ccp irqbypass; do
		grep -q "^$m " /proc/modules && rmmod $m
	done
	! grep -qE '^(okvm|kvm_amd|kvm) ' /proc/modules
}
load() {
	for m in $*; do
		insmod /modules/$m.ko || return 1
	done
}
measure() {	# measure ROUND DEVICE MODULES...
	local round=$1 dev=$2
	shift 2
	unload_all || { echo "BENCH-ERROR $round $dev: cannot unload the modules"; return; }
	load "$@" || { echo "BENCH-ERROR $round $dev: cannot load $*"; unload_all; return; }
	/tests/okvm-bench $q $dev all 2>/tmp/err | sed "s/^BENCH /BENCH $round /"
	sed "s|^|BENCH-ERROR $round $dev: |" /tmp/err
	unload_all || echo "BENCH-ERROR $round $dev: cannot unload $*"
}

# What the numbers ran on, kept in the console log beside the table.
cat /proc/cpuinfo /proc/meminfo /sys/kernel/mm/transparent_hugepage/enabled | sed 's/^/bench-env: /'

r=1
while [ $r -le $rounds ]; do
	if [ $((r % 2)) = 1 ]; then
		measure $r /dev/okvm okvm
		measure $r /dev/kvm $kvm_mods
	else
		measure $r /dev/kvm $kvm_mods
		measure $r /dev/okvm okvm
	fi
	r=$((r + 1))
done
# The runner unloads what it loaded: the in-tree KVM first, then okvm.
unload_all
load $kvm_mods okvm
