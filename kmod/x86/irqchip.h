/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The in-kernel interrupt controllers and timers (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2) and
 * the glue between them, the run loop and userspace.
 *
 * Objects: one local APIC per vcpu (lapic.c), one 8259 pair, one IOAPIC and one 8254 per
 * VM (pic.c, ioapic.c, pit.c); routing, MSI and the in-kernel I/O dispatch (irq.c);
 * irqfd, ioeventfd and coalesced MMIO (eventfd.c).
 *
 * Context rules: every "deliver", "set_irq" and "kick" function below may be called from
 * any context (process, softirq, hardirq: hrtimer callbacks, eventfd wakeups) and never
 * sleeps. Each device guards its registers with its own spinlock taken with irqsave.
 * State ioctls (get/set) and create/free run in process context under vm->lock or the
 * vcpu's mutex. A device calls into another only after dropping its own lock, except
 * where noted, so the lock order is never an issue.
 */
#ifndef OKVM_X86_IRQCHIP_H
#define OKVM_X86_IRQCHIP_H

#include <linux/types.h>

struct okvm_vm;
struct okvm_vcpu;
struct okvm_lapic_state;
struct okvm_pic_state;
struct okvm_ioapic_state;
struct okvm_pit_state2;
struct okvm_msi;

/* vm->irqchip_mode */
enum { OKVM_IRQCHIP_NONE, OKVM_IRQCHIP_KERNEL, OKVM_IRQCHIP_SPLIT };

/* Delivery modes as the ICR, LVT, MSI data and IOAPIC entries encode them (bits 10:8). */
enum {
	OKVM_DM_FIXED = 0, OKVM_DM_LOWEST = 1, OKVM_DM_SMI = 2, OKVM_DM_NMI = 4,
	OKVM_DM_INIT = 5, OKVM_DM_SIPI = 6, OKVM_DM_EXTINT = 7,
};

/* Destination shorthands (ICR bits 19:18). */
enum { OKVM_SH_NONE, OKVM_SH_SELF, OKVM_SH_ALL, OKVM_SH_OTHERS };

/* One interrupt message on the APIC bus: an IPI, an MSI or an IOAPIC redirection. */
struct okvm_apic_irq {
	u32 dest;		/* APIC ID (physical) or MDA (logical); 0xff/0xffffffff: broadcast */
	u8 vector;
	u8 delivery_mode;	/* OKVM_DM_* */
	u8 shorthand;		/* OKVM_SH_* (IPIs only) */
	bool dest_logical;
	bool level;		/* level-triggered: the vector's TMR bit is set, EOI is reported */
	bool assert;		/* INIT level de-assert carries false */
};

/* ---- lapic.c: the local APIC, one per vcpu (vcpu->apic; NULL without an in-kernel irqchip) ---- */

/* Allocate and reset vcpu->apic (APIC ID = vcpu id, BSP flag for id 0). */
int okvm_lapic_create(struct okvm_vcpu *v);
void okvm_lapic_free(struct okvm_vcpu *v);
/* Power-on reset (init=false) or INIT (init=true: IA32_APIC_BASE and APIC ID kept). */
void okvm_lapic_reset(struct okvm_vcpu *v, bool init);

/*
 * Deliver @irq to the vcpus it addresses (@src: the sending vcpu for IPI shorthands, or
 * NULL). Returns the number of vcpus that accepted it (0: none, as for a masked or
 * unaddressed message); KVM_IRQ_LINE_STATUS reports it. Fixed/lowest-priority set IRR
 * (and TMR if level); NMI sets vcpu->nmi_pending; INIT/SIPI are latched for the run loop
 * (okvm_lapic_take_init_sipi); ExtINT marks the PIC as the source. Each target is kicked.
 */
int okvm_lapic_deliver(struct okvm_vm *vm, struct okvm_vcpu *src, const struct okvm_apic_irq *irq);

/* The xAPIC page at IA32_APIC_BASE: true if @gpa is in it (and the access was done). */
bool okvm_lapic_mmio(struct okvm_vcpu *v, u64 gpa, void *data, int len, bool write);
/*
 * x2APIC MSRs 0x800-0x8ff. 0 done; -ENOENT: not an x2APIC MSR; -EINVAL: #GP (x2APIC off,
 * reserved register, reserved bits, read of a write-only register).
 */
int okvm_lapic_rdmsr(struct okvm_vcpu *v, u32 msr, u64 *val);
int okvm_lapic_wrmsr(struct okvm_vcpu *v, u32 msr, u64 val);
/* IA32_APIC_BASE writes (xAPIC/x2APIC enable, relocation). -EINVAL: #GP for the guest. */
int okvm_lapic_set_base(struct okvm_vcpu *v, u64 base, bool host);

/*
 * The run loop's view. okvm_lapic_pending() returns the vector the APIC would present
 * now (highest IRR above PPR; ExtINT from the PIC when LINT0 is ExtINT or the APIC is
 * disabled and okvm_pic_output() is set), or -1. okvm_lapic_accept() is the INTA, called
 * with that value right before it is handed to the hardware for injection: IRR -> ISR, or
 * the PIC's INTA (okvm_pic_ack); returns the vector to inject (the PIC's answer may differ,
 * e.g. a spurious IRQ7). Both run in the vcpu's thread. okvm_pic_output() is false when
 * vm->pic is NULL (split irqchip).
 * v->apic_base is the IA32_APIC_BASE value (the run loop reads its BSP bit); lapic.c keeps it.
 */
int okvm_lapic_pending(struct okvm_vcpu *v);
int okvm_lapic_accept(struct okvm_vcpu *v, int vector);
/* TPR as CR8 (bits 7:4 of TPR) in both directions; the run loop syncs it around entry. */
u8 okvm_lapic_get_cr8(struct okvm_vcpu *v);
void okvm_lapic_set_cr8(struct okvm_vcpu *v, u8 cr8);
/* A latched INIT (returns 1) or SIPI (returns 2, *vector set) for the run loop, else 0. */
int okvm_lapic_take_init_sipi(struct okvm_vcpu *v, u8 *vector);

/* KVM_GET_LAPIC / KVM_SET_LAPIC (x2APIC ID format as KVM without X2APIC_API). */
void okvm_lapic_get_state(struct okvm_vcpu *v, struct okvm_lapic_state *s);
int okvm_lapic_set_state(struct okvm_vcpu *v, const struct okvm_lapic_state *s);

/* ---- pic.c: the two cascaded 8259s ---- */

int okvm_pic_create(struct okvm_vm *vm);
void okvm_pic_free(struct okvm_vm *vm);
/* IRQ line 0-15 to @level. Returns 1 delivered, 0 coalesced (already pending) or masked. */
int okvm_pic_set_irq(struct okvm_vm *vm, int irq, int level);
/* Ports 0x20/0x21, 0xa0/0xa1, ELCR 0x4d0/0x4d1: true if handled. */
bool okvm_pic_pio(struct okvm_vm *vm, u16 port, void *data, int len, bool in);
/* The master's INT output; okvm_pic_ack() is the INTA cycle and returns the vector. */
bool okvm_pic_output(struct okvm_vm *vm);
int okvm_pic_ack(struct okvm_vm *vm);
/* chip 0 master, 1 slave. */
void okvm_pic_get_state(struct okvm_vm *vm, int chip, struct okvm_pic_state *s);
int okvm_pic_set_state(struct okvm_vm *vm, int chip, const struct okvm_pic_state *s);

/* ---- ioapic.c: the IOAPIC at 0xfec00000, 24 pins ---- */

int okvm_ioapic_create(struct okvm_vm *vm);
void okvm_ioapic_stop(struct okvm_vm *vm);
void okvm_ioapic_free(struct okvm_vm *vm);
/* Pin to @level; returns as okvm_lapic_deliver (or 0 when masked/coalesced). */
int okvm_ioapic_set_irq(struct okvm_vm *vm, int pin, int level);
bool okvm_ioapic_mmio(struct okvm_vm *vm, u64 gpa, void *data, int len, bool write);
/*
 * A local APIC's EOI of a level-triggered @vector: clear Remote IRR of the pins with that
 * vector, call okvm_irq_acked(vm, OKVM_IRQCHIP_IOAPIC, pin) for each (without the IOAPIC
 * lock: resamplers lower lines), then re-deliver those whose line is still high.
 */
void okvm_ioapic_eoi(struct okvm_vm *vm, u8 vector);
void okvm_ioapic_get_state(struct okvm_vm *vm, struct okvm_ioapic_state *s);
int okvm_ioapic_set_state(struct okvm_vm *vm, const struct okvm_ioapic_state *s);

/* ---- pit.c: the 8254 (KVM_CREATE_PIT2), its channel 0 on GSI 0 ---- */

int okvm_pit_create(struct okvm_vm *vm, u32 flags);
void okvm_pit_free(struct okvm_vm *vm);
/* Ports 0x40-0x43 and 0x61 (speaker, unless KVM_PIT_SPEAKER_DUMMY was not set). */
bool okvm_pit_pio(struct okvm_vm *vm, u16 port, void *data, int len, bool in);
void okvm_pit_get_state(struct okvm_vm *vm, struct okvm_pit_state2 *s);
int okvm_pit_set_state(struct okvm_vm *vm, const struct okvm_pit_state2 *s);

/* ---- irq.c: routing, MSI, EOI, in-kernel I/O dispatch ---- */

/* A GSI to @level through the routing table (irqchip pins and MSI). As okvm_lapic_deliver. */
int okvm_irq_set(struct okvm_vm *vm, u32 gsi, int level);
/* An MSI (address/data) as an APIC bus message: the number of vcpus that took it. */
int okvm_msi_deliver(struct okvm_vm *vm, const struct okvm_msi *msi);
/* The IOAPIC (or a PIC) acknowledged @pin (its Remote IRR cleared): resamplers run. */
void okvm_irq_acked(struct okvm_vm *vm, int irqchip, int pin);
/* A level-triggered vector's EOI: the IOAPIC (full irqchip) or userspace (split), resamplers. */
void okvm_irq_eoi(struct okvm_vcpu *v, u8 vector);
/* In-kernel handlers tried before an exit to userspace. true: handled (data filled for reads). */
bool okvm_pio_kernel(struct okvm_vcpu *v, u16 port, void *data, int len, bool in);
bool okvm_mmio_kernel(struct okvm_vcpu *v, u64 gpa, void *data, int len, bool write);

/* VM ioctls (KVM_CREATE_IRQCHIP ... KVM_IOEVENTFD); -ENOTTY for others. */
long okvm_irqchip_vm_ioctl(struct okvm_vm *vm, unsigned int cmd, void __user *argp);
int okvm_irqchip_enable_split(struct okvm_vm *vm, u64 pins);
/* Teardown: stop (irqfds, PIT) before the vcpus are freed, destroy after. */
void okvm_irqchip_vm_stop(struct okvm_vm *vm);
void okvm_irqchip_vm_destroy(struct okvm_vm *vm);

/* ---- eventfd.c: irqfd, ioeventfd, coalesced MMIO ---- */

struct okvm_irqfd;
struct okvm_ioeventfd;
struct okvm_coalesced_mmio_zone;

int okvm_irqfd_init(struct okvm_vm *vm);
void okvm_irqfd_release(struct okvm_vm *vm);	/* VM teardown: detach and free all */
int okvm_irqfd(struct okvm_vm *vm, const struct okvm_irqfd *args);
int okvm_ioeventfd(struct okvm_vm *vm, const struct okvm_ioeventfd *args);
/* A write that matches an ioeventfd signals it: true (the access is complete). */
bool okvm_ioeventfd_write(struct okvm_vm *vm, bool pio, u64 addr, const void *data, int len);
/* Resamplers of @gsi: an EOI of its level-triggered interrupt lowers the line and signals. */
void okvm_irqfd_resample(struct okvm_vm *vm, u32 gsi);
int okvm_coalesced_mmio_register(struct okvm_vm *vm, const struct okvm_coalesced_mmio_zone *z);
int okvm_coalesced_mmio_unregister(struct okvm_vm *vm, const struct okvm_coalesced_mmio_zone *z);
/* A write into a registered zone goes to the ring page: true if it was queued. */
bool okvm_coalesced_mmio_write(struct okvm_vm *vm, bool pio, u64 addr, const void *data, int len);

#endif
