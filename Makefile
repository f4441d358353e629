# SPDX-License-Identifier: MIT
# okvm top-level build. `make` builds libkvm and okvm.ko; `make check` installs what the
# tests need and runs every tier; `make demo` runs a guest on okvm in the QEMU test guest.

KDIR ?=
REF ?=
PREFIX ?= /usr/local
DESTDIR ?=

# Where the tree exists: an area arrives with its Makefile.
HAVE_LIBKVM := $(wildcard libkvm/Makefile)
HAVE_KMOD := $(wildcard kmod/Makefile)

.PHONY: all libkvm kmod deps check vm-test vmx-test vm-shell demo bench fuzz qemu-test qemu-smp qemu10-smp selftests-all install clean help

all: $(if $(HAVE_LIBKVM),libkvm) $(if $(HAVE_KMOD),kmod)

libkvm:
	$(MAKE) -C libkvm

kmod:
	$(MAKE) -C kmod $(if $(KDIR),KDIR=$(KDIR))

deps:
	@bash tests/deps.sh

# The test kernel's headers are installed by the vm tier itself (tests/vm/run).
check: deps
	$(MAKE) all
	@bash tests/check $(TIERS)

vm-test: deps
	@bash tests/check $(if $(REF),vm-$(REF),vm-okvm)

vmx-test: deps
	@bash tests/check vmx

vm-shell: deps
	@bash tests/vm/payload
	@bash tests/vm/run --shell $(if $(REF),--ref $(REF))

demo: deps
	@bash tests/vm/demo $(if $(REF),--ref $(REF))

bench: deps
	@bash tests/bench/run $(if $(ROUNDS),--rounds $(ROUNDS))

qemu-test: deps
	@bash tests/check qemu

# Two inner vcpus (not in make check: with kernel-irqchip=off they may not finish at all).
qemu-smp: deps
	@bash tests/qemu/run --smp 2 --machines pc --tier qemu-smp --timeout 1200 --silence 300

# QEMU 10 with four inner vcpus, a virtio-blk disk (irqfd, ioeventfd) and q35's split irqchip:
# not in make check (times in the README; the q35 boots last: they wedged the outer guest on
# kvm_amd at times).
qemu10-smp: deps
	@bash tests/qemu/run --qemu 10 --tier qemu10-smp --runs 'pc:4 pc:1:blk q35 q35:4' --timeout 300 --silence 120

# The kernel's KVM selftests, all of them (make check runs all but the slow ones).
selftests-all: deps
	@bash tests/selftests/run --set all --timeout 150

# The long fuzz session (tests/fuzz/run --long): SEED=N to repeat one, DEBUG=1 for the debug kernel.
fuzz: deps
	@bash tests/fuzz/run --long $(if $(SEED),--seed $(SEED)) $(if $(DEBUG),--debug-kernel)

install:
	$(if $(HAVE_LIBKVM),$(MAKE) -C libkvm install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR))

clean:
	$(if $(HAVE_LIBKVM),-$(MAKE) -C libkvm clean)
	$(if $(HAVE_KMOD),-$(MAKE) -C kmod clean)
	rm -rf build

help:
	@echo "make             build libkvm and okvm.ko (KDIR=<kernel build dir> to choose the kernel)"
	@echo "make check       install what is missing, build, run every test tier (TIERS='vm-okvm ...' for some)"
	@echo "make demo        boot the test kernel in QEMU, load okvm.ko, run the greeting guest"
	@echo "make vm-test     run the vm tier against okvm.ko (REF=kvm: against the in-tree kvm_amd)"
	@echo "make vmx-test    the vmx tier in Bochs (Intel VMX): okvm and kvm_intel"
	@echo "make vm-shell    a shell in the test guest with the module loaded (REF=kvm for kvm_amd)"
	@echo "make bench       okvm.ko against the in-tree kvm_amd in the test guest, 5 rounds (ROUNDS=N)"
	@echo "make qemu-test   QEMU 7.2 boots Linux in the test guest on okvm and on kvm_amd, with times"
	@echo "make qemu-smp    the same with two inner vcpus (slow; not part of make check)"
	@echo "make qemu10-smp  QEMU 10 (in-kernel irqchip): 4 inner vcpus, virtio-blk, q35 (split)"
	@echo "make selftests-all  the kernel's KVM selftests, all (slow ones too), okvm and kvm_amd"
	@echo "make fuzz        long fuzz: 10^6 ioctls, hostile guests, lifetimes (SEED=N, DEBUG=1)"
	@echo "make install     install libkvm (PREFIX, DESTDIR)"
