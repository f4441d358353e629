/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The backend contract: one const table of operations per vendor (NVMM style).
 * Generic code validates input and owns object lifetime; a backend only touches hardware.
 */
#ifndef OKVM_HV_H
#define OKVM_HV_H

#include <linux/types.h>

struct okvm_vcpu;
struct okvm_exit;
struct okvm_segment;
struct okvm_sregs;

/* One event for the backend to deliver at the next guest entry. */
enum { OKVM_EV_INTR, OKVM_EV_NMI, OKVM_EV_EXC, OKVM_EV_SOFT_INTR, OKVM_EV_SOFT_EXC };

struct okvm_event {
	u8 type;		/* OKVM_EV_* */
	u8 vector;
	u8 insn_len;		/* soft events: length of the INTn/INT3/INTO (VMX needs it) */
	bool has_error;
	u32 error;
};

struct okvm_hv_ops {
	const char *name;
	/*
	 * KVM_SET_GUEST_DEBUG support: the backend arms vcpu->guest_debug_dr/dr7 when
	 * OKVM_GUESTDBG_USE_HW_BP is set, intercepts #BP with USE_SW_BP, and reports #DB
	 * (single-step or breakpoint, with DR6) and #BP as OKVM_X_DEBUG.
	 */
	bool guest_debug;
	/* Check the CPU; fill @feat with a short feature list. -ENODEV (with a message) if unusable. */
	int (*probe)(char *feat, size_t len);
	/* Module-wide set-up after a successful probe, and its undo. */
	int (*init)(void);
	void (*exit)(void);
	/* 0 if VMs can be created now, else an errno (with a message). */
	int (*vm_check)(void);

	int (*vcpu_init)(struct okvm_vcpu *vcpu);
	void (*vcpu_fini)(struct okvm_vcpu *vcpu);
	/* Enter the guest once; fill @exit. Called preemptible, with the vcpu lock held. */
	void (*vcpu_run)(struct okvm_vcpu *vcpu, struct okvm_exit *exit);

	/* Architectural state kept in hardware structures. Input is already validated. */
	void (*get_sregs)(struct okvm_vcpu *vcpu, struct okvm_sregs *s);
	void (*set_sregs)(struct okvm_vcpu *vcpu, const struct okvm_sregs *s);
	void (*get_seg)(struct okvm_vcpu *vcpu, int seg, struct okvm_segment *s);
	u64 (*get_cr)(struct okvm_vcpu *vcpu, int cr);
	u64 (*get_efer)(struct okvm_vcpu *vcpu);
	int (*get_cpl)(struct okvm_vcpu *vcpu);
	/* MSRs whose home is the hardware structure; -ENOENT if not one of them. */
	int (*get_msr)(struct okvm_vcpu *vcpu, u32 index, u64 *value);
	int (*set_msr)(struct okvm_vcpu *vcpu, u32 index, u64 value);
	/*
	 * Control register writes: 0 and 4 (already checked, as the CPU would), 2 (a #PF's
	 * address) and 8 (the TPR from kvm_run).
	 */
	void (*set_cr)(struct okvm_vcpu *vcpu, int cr, u64 value);

	/*
	 * Events. Generic code decides what to deliver and when; the backend programs one
	 * event for the next entry, and reports in okvm_exit.intinfo an event whose delivery
	 * an exit interrupted (generic code queues it again).
	 */
	void (*inject_event)(struct okvm_vcpu *vcpu, const struct okvm_event *ev);
	/* Exit (OKVM_X_IRQ_WINDOW / OKVM_X_NMI_WINDOW) once the guest can take one. */
	void (*set_windows)(struct okvm_vcpu *vcpu, bool irq, bool nmi);
	/* The STI / MOV SS shadow as OKVM_X86_SHADOW_INT_* bits. */
	u32 (*get_interrupt_shadow)(struct okvm_vcpu *vcpu);
	void (*set_interrupt_shadow)(struct okvm_vcpu *vcpu, u32 shadow);
	/* NMIs blocked (between NMI delivery and IRET). */
	bool (*get_nmi_mask)(struct okvm_vcpu *vcpu);
	void (*set_nmi_mask)(struct okvm_vcpu *vcpu, bool masked);
};

extern const struct okvm_hv_ops svm_hv_ops;
extern const struct okvm_hv_ops vmx_hv_ops;

/* The backend chosen at load time. */
extern const struct okvm_hv_ops *okvm_hv;

#endif
