/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM_GET_STATS_FD: binary statistics of a VM and of a vcpu (stats.c). The counters live
 * in struct okvm_vm (vm_stat) and struct okvm_vcpu (stat); their owners increment them
 * with plain adds (one writer each: the vcpu thread, or any thread for the VM's, where a
 * lost increment under a race is acceptable for a statistic). Readers take a snapshot.
 * Names and meanings are those of KVM's x86 statistics of the same name.
 */
#ifndef OKVM_STATS_H
#define OKVM_STATS_H

#include <linux/types.h>

struct okvm_vm;
struct okvm_vcpu;

struct okvm_vm_stat {
	u64 remote_tlb_flush;		/* okvm_vm_flush_tlbs() calls */
};

struct okvm_vcpu_stat {
	u64 exits;			/* every exit from the guest */
	u64 halt_exits;			/* HLT exits */
	u64 io_exits;			/* port I/O exits (in-kernel or to userspace) */
	u64 mmio_exits;			/* MMIO accesses that went to userspace */
	u64 signal_exits;		/* KVM_RUN returned -EINTR for a signal */
	u64 irq_window_exits;		/* interrupt-window exits */
	u64 nmi_window_exits;		/* NMI-window exits */
	u64 irq_injections;		/* external interrupts injected */
	u64 nmi_injections;		/* NMIs injected */
	u64 insn_emulation;		/* instructions emulated */
	u64 halt_wakeup;		/* in-kernel HLT sleeps that ended */
};

/* Both return a new fd (O_RDONLY, O_CLOEXEC) that holds the VM, or -errno. */
int okvm_vm_stats_fd(struct okvm_vm *vm);
int okvm_vcpu_stats_fd(struct okvm_vcpu *v);

#endif
