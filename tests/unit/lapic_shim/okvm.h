/* SPDX-License-Identifier: GPL-2.0-only */
/* The parts of kmod/okvm.h and kmod/hv.h that lapic.c uses, for the userspace build. */
#ifndef OKVM_OKVM_H
#define OKVM_OKVM_H

#include "lapic_shim.h"
#include <okvm/kvm.h>

#define OKVM_MAX_VCPUS	64

struct okvm_vcpu;
struct okvm_lapic;
struct okvm_pic;

struct okvm_vm {
	struct okvm_vcpu *vcpus[OKVM_MAX_VCPUS];
	int nr_vcpus;
	struct okvm_pic *pic;
	u32 bsp_id;		/* KVM_SET_BOOT_CPU_ID */
};

struct okvm_vcpu {
	struct okvm_vm *vm;
	u32 id;
	u64 apic_base;
	bool nmi_pending;
	int ncpuid;
	struct okvm_cpuid_entry2 *cpuid;
	struct okvm_lapic *apic;
};

struct okvm_hv_ops {
	int (*get_msr)(struct okvm_vcpu *vcpu, u32 index, u64 *value);
};
extern const struct okvm_hv_ops *okvm_hv;

void okvm_vcpu_kick(struct okvm_vcpu *vcpu);

#endif
