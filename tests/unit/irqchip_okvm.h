/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The unit tier's stand-in for kmod/okvm.h (copied as okvm.h next to the device sources
 * by tests/unit/irqchip_run): the fields of struct okvm_vm the PIC, IOAPIC and PIT use.
 */
#ifndef OKVM_OKVM_H
#define OKVM_OKVM_H

#include "irqchip_shim.h"
#include <okvm/kvm.h>

#define OKVM_MAX_VCPUS 64

struct okvm_vcpu {
	int id;
	int kicks;
};

struct okvm_vm {
	struct okvm_vcpu *vcpus[OKVM_MAX_VCPUS];
	struct okvm_pic *pic;
	struct okvm_ioapic *ioapic;
	struct okvm_pit *pit;
};

void okvm_vcpu_kick(struct okvm_vcpu *vcpu);

#endif
