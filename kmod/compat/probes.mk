# SPDX-License-Identifier: GPL-2.0-only
# Kernel feature probes for okvm.ko, included from kmod/Kbuild.
# While kbuild reads this directory to build it, compat/probe.sh compiles each
# compat/probes/*.c with the target kernel's compiler and flags and checks
# symbol exports in its Module.symvers. The answers land in the build directory
# as compat/gen/okvm_probes.h, cached per kernel; compat/compat.h reads them.

# Another module may reuse this (tests/matrix/compat-test) by setting these first.
okvm-compat-src ?= $(src)/compat
okvm-compat-gen ?= $(obj)/compat/gen

ifneq ($(filter %/Makefile.build,$(MAKEFILE_LIST)),)
okvm-probe-cflags := $(NOSTDINC_FLAGS) $(LINUXINCLUDE) \
	-include $(srctree)/include/linux/compiler_types.h \
	$(KBUILD_CPPFLAGS) $(KBUILD_CFLAGS) $(KBUILD_CFLAGS_MODULE) $(CFLAGS_MODULE) \
	-DMODULE -DKBUILD_BASENAME='"okvm_probe"' -DKBUILD_MODNAME='"okvm_probe"' \
	-D__KBUILD_MODNAME=kmod_okvm_probe
okvm-probe-result := $(shell $(CONFIG_SHELL) $(okvm-compat-src)/probe.sh $(okvm-compat-gen) \
	'$(KERNELRELEASE)' '$(objtree)/Module.symvers' '$(CC)' $(okvm-probe-cflags) 2>&1)
ifneq ($(lastword $(okvm-probe-result)),okvm-probes-ok)
$(error okvm: kernel feature probes failed for Linux $(KERNELRELEASE): $(okvm-probe-result))
endif
endif

ccflags-y += -I$(okvm-compat-gen)
