/* SPDX-License-Identifier: GPL-2.0-only */
/* Generic okvm objects and the functions the generic files share. */
#ifndef OKVM_OKVM_H
#define OKVM_OKVM_H

#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/refcount.h>
#include <linux/mmu_notifier.h>
#include <linux/signal.h>
#include <linux/wait.h>
#include <linux/smp.h>
#include <okvm/kvm.h>
#include "compat/compat.h"
#include "hv.h"
#include "stats.h"

#define OKVM_MAX_VCPUS		64
#define OKVM_MAX_VCPU_ID	1024
#define OKVM_MAX_SLOTS		32
#define OKVM_MAX_CPUID		256
#define OKVM_MAX_MSR_ENTRIES	256
/* Guest-physical addresses the 4-level nested tables can map. */
#define OKVM_GPA_BITS		48
#define OKVM_MMU_CACHE		4
/* As KVM: GSIs are below this, and a routing table has at most this many entries. */
#define OKVM_MAX_IRQ_ROUTES	4096
/* Machine-check banks a guest sees (CPUID offers MCE and MCA). */
#define OKVM_MCE_BANKS		32
/* MCG_CAP bits a VMM may set with KVM_X86_SETUP_MCE: MCG_CTL_P, MCG_SER_P. */
#define OKVM_MCG_CAP_BITS	(BIT_ULL(8) | BIT_ULL(24))

/* General-purpose registers in x86 encoding order, as ModRM uses them. */
enum {
	OKVM_RAX, OKVM_RCX, OKVM_RDX, OKVM_RBX, OKVM_RSP, OKVM_RBP, OKVM_RSI, OKVM_RDI,
	OKVM_R8, OKVM_R9, OKVM_R10, OKVM_R11, OKVM_R12, OKVM_R13, OKVM_R14, OKVM_R15,
	OKVM_NR_GPRS
};

/* Segment numbers in x86 encoding order (as the IOIO SEG field and prefixes use them). */
enum { OKVM_ES, OKVM_CS, OKVM_SS, OKVM_DS, OKVM_FS, OKVM_GS, OKVM_LDTR, OKVM_TR, OKVM_GDTR, OKVM_IDTR };

struct okvm_memslot {
	bool used;
	u32 id;
	u32 flags;
	u64 gpa;
	u64 size;
	u64 hva;
	unsigned long *dirty;		/* one bit per page when logging */
};

struct okvm_vcpu;
struct okvm_emul;

struct okvm_vm {
	refcount_t users;		/* the VM fd and every vcpu fd */
	struct mm_struct *mm;		/* owner; mmgrab()ed */
	struct mutex lock;		/* slots and vcpu creation */

	/* Nested page tables; mmu_lock also guards readers of slots[]. */
	spinlock_t mmu_lock;
	u64 *root;
	unsigned long mmu_seq;
	long mmu_in_progress;
	struct mmu_notifier mn;
	bool mn_registered;

	struct okvm_memslot slots[OKVM_MAX_SLOTS];
	struct okvm_vcpu *vcpus[OKVM_MAX_VCPUS];
	int nr_vcpus;
	u64 identity_map_addr;
	u32 tss_addr;

	/* KVM_GET/SET_CLOCK: the guest's clock is host CLOCK_MONOTONIC_RAW plus this. */
	s64 clock_offset;

	/* In-kernel interrupt controllers (x86/irqchip.h); NULL/NONE until created. */
	int irqchip_mode;		/* OKVM_IRQCHIP_* */
	u32 split_pins;			/* KVM_CAP_SPLIT_IRQCHIP: IOAPIC pins userspace keeps */
	u32 bsp_id;			/* KVM_SET_BOOT_CPU_ID: the vcpu that starts running */
	u32 max_vcpu_id;		/* KVM_CAP_MAX_VCPU_ID set by the VMM, 0: the default */
	struct okvm_pic *pic;
	struct okvm_ioapic *ioapic;
	struct okvm_pit *pit;
	/* KVM_SET_GSI_ROUTING table, read under RCU by injections from any context. */
	struct okvm_irq_routes __rcu *routes;
	/* irqfds, ioeventfds and coalesced MMIO zones (x86/eventfd.c). */
	struct okvm_eventfds *evfd;
	struct page *coalesced_page;	/* the ring userspace maps at page 2 of a vcpu fd */

	struct okvm_vm_stat stat;	/* KVM_GET_STATS_FD (stats.c) */
};

struct okvm_irq_routes {
	struct rcu_head rcu;
	u32 nr;
	struct okvm_irq_routing_entry e[];
};

/* A normalised exit handed from a backend to the generic run loop. */
enum okvm_exit_kind {
	OKVM_X_NONE,		/* handled or spurious: enter again */
	OKVM_X_IO,
	OKVM_X_HLT,
	OKVM_X_NPF,
	OKVM_X_CPUID,
	OKVM_X_RDMSR,
	OKVM_X_WRMSR,
	OKVM_X_XSETBV,
	OKVM_X_DR,		/* MOV to or from DR0-7: hw_reason 0x20 + n (read), 0x30 + n (write) */
	OKVM_X_SHUTDOWN,
	OKVM_X_FAIL_ENTRY,
	OKVM_X_INTR,		/* a host event wants us out: signal, resched, request */
	OKVM_X_IRQ_WINDOW,	/* the guest can take an interrupt now (set_windows) */
	OKVM_X_NMI_WINDOW,	/* the guest can take an NMI now (set_windows) */
	OKVM_X_CR_WRITE,	/* MOV to CR0/CR4, LMSW, CLTS: cr says which */
	OKVM_X_DEBUG,		/* #DB or #BP for the VMM's debugger (KVM_SET_GUEST_DEBUG) */
	OKVM_X_UNEXPECTED,
};

struct okvm_exit {
	int kind;
	u64 next_rip;		/* 0 when the hardware did not say */
	u64 hw_reason;
	u64 info1, info2;
	struct {
		u16 port;
		u8 size;
		u8 asize;	/* address size of string I/O: 2, 4 or 8 */
		bool in, string, rep;
		int seg;	/* -1 when the hardware did not say */
	} io;
	struct {
		u64 gpa;
		bool write, fetch;
	} npf;
	u8 cr;			/* OKVM_X_CR_WRITE */
	struct {
		u8 vector;	/* 1 or 3 */
		u64 dr6;
	} dbg;			/* OKVM_X_DEBUG */
	/* An event whose delivery the exit interrupted (see okvm_hv_ops.inject_event). */
	bool intinfo_valid;
	struct okvm_event intinfo;
};

/* An I/O or MMIO access that waits for userspace. */
struct okvm_pending {
	int kind;		/* 0, OKVM_EXIT_IO or OKVM_EXIT_MMIO */
	u64 rip;		/* instruction the access belongs to */
	u64 next_rip;
	/* I/O */
	bool in, string, rep;
	u8 size, asize;
	u16 count;		/* elements in this exit (REP INS: several) */
	int seg;
	/* MMIO read */
	int reg;		/* destination GPR, -1 for none */
	u8 len;
	u8 dst_size;		/* bytes written to reg */
	bool high8, sign;
};

struct okvm_msr_val {
	u32 index;
	u64 value;
};

enum { OKVM_OUTSIDE_GUEST, OKVM_IN_GUEST };
#define OKVM_REQ_TLB_FLUSH	0
#define OKVM_REQ_EVENT		1	/* an interrupt source changed: re-evaluate before entry */

struct okvm_vcpu {
	struct okvm_vm *vm;
	u32 id;
	struct mutex lock;		/* serialises the vcpu ioctls */
	struct okvm_run *run;
	struct page *run_page, *pio_page;
	void *pio_data;

	/* Set and read with interrupts off around guest entry. */
	int mode;
	int cpu;
	unsigned long requests;

	u64 regs[OKVM_NR_GPRS];
	u64 rip, rflags;
	u64 xcr0;
	u64 apic_base;
	u64 tsc_aux, spec_ctrl, debugctl, misc_enable;
	u64 tsc_adjust;			/* IA32_TSC_ADJUST: follows the guest's TSC writes */
	u64 mtrr[32];			/* MTRR_DEF_TYPE, fixed and variable ranges */
	u64 dr[4], dr6, dr7;
	u64 mcg_cap, mcg_status, mcg_ctl;
	u64 ucode_rev;			/* IA32_BIOS_SIGN_ID as the guest reads it */
	u64 mce_banks[OKVM_MCE_BANKS * 4];	/* CTL, STATUS, ADDR, MISC per bank */
	u32 mp_state;
	bool has_run;			/* entered the guest once: CPUID is fixed from now on */
	struct okvm_pending pend;
	struct okvm_emul *emul;		/* the instruction in emulation (MMIO) */

	/* Events for the guest, as KVM_GET/SET_VCPU_EVENTS describe them. */
	struct {
		bool pending, injected, has_error, has_payload;
		u8 vector;
		u32 error;
		u64 payload;
	} exc;
	struct {
		bool injected, soft;
		u8 vector, insn_len;
	} irq;
	bool nmi_pending, nmi_injected;
	int ev_inflight;		/* OKVM_EV_* handed to the backend, or -1 */
	bool shutdown_pending;		/* an event the guest cannot take: triple fault */
	bool sti_hlt_hold;		/* an interrupt window opened between STI and HLT */

	/* KVM_SET_GUEST_DEBUG: OKVM_GUESTDBG_* and the debugger's DR0-3 and DR7. */
	u32 guest_debug;
	u64 guest_debug_dr[4], guest_debug_dr7;
	bool guest_debug_tf;		/* RFLAGS.TF set by us for single-stepping */
	bool singlestep_exit;		/* an instruction done outside the guest: report the step */

	bool sigmask_set;
	sigset_t sigmask;

	int ncpuid;
	struct okvm_cpuid_entry2 *cpuid;

	void *fpu;			/* XSAVE (or FXSAVE) image of the guest's FPU */

	struct page *mmu_cache[OKVM_MMU_CACHE];
	int nmmu_cache;

	/* In-kernel local APIC (x86/lapic.c) or NULL; HLT sleeps on wq until okvm_vcpu_kick(). */
	struct okvm_lapic *apic;
	u64 vapic_addr;			/* KVM_SET_VAPIC_ADDR, 0: off */
	struct okvm_lapic_state *vapic_regs;	/* scratch for the vAPIC page's summary */
	bool eoi_exit_pending;		/* split irqchip: KVM_EXIT_IOAPIC_EOI for eoi_exit_vector */
	u8 eoi_exit_vector;
	wait_queue_head_t wq;
	spinlock_t kick_lock;		/* serialises users of kick_csd */
	call_single_data_t kick_csd;	/* the IPI that takes the vcpu out of the guest */

	struct okvm_vcpu_stat stat;	/* KVM_GET_STATS_FD (stats.c) */

	void *hv;			/* backend state */
};

/* dev.c */
extern const struct file_operations okvm_dev_fops;
long okvm_check_extension(struct okvm_vm *vm, long ext);

/* vm.c */
int okvm_vm_create(unsigned long type);
void okvm_vm_put(struct okvm_vm *vm);
void okvm_vm_flush_tlbs(struct okvm_vm *vm);
struct okvm_memslot *okvm_slot_find(struct okvm_vm *vm, u64 gpa);
int okvm_read_guest(struct okvm_vm *vm, u64 gpa, void *buf, unsigned int len);
int okvm_write_guest(struct okvm_vm *vm, u64 gpa, const void *buf, unsigned int len);

/* vcpu.c */
void okvm_vcpus_kick_flush(void);
int okvm_vcpu_create(struct okvm_vm *vm, u32 id);
void okvm_vcpu_free(struct okvm_vcpu *vcpu);
/* Any context: make @vcpu look at its interrupt sources (wake it from HLT, or IPI it out). */
void okvm_vcpu_kick(struct okvm_vcpu *vcpu);
bool okvm_vcpu_enter_prepare(struct okvm_vcpu *vcpu);
void okvm_vcpu_exit_done(struct okvm_vcpu *vcpu);
void okvm_queue_exception(struct okvm_vcpu *vcpu, u8 vector, bool has_error, u32 error);
void okvm_queue_exception_payload(struct okvm_vcpu *vcpu, u8 vector, bool has_error, u32 error,
				  u64 payload);
void okvm_inject_ud(struct okvm_vcpu *vcpu);
void okvm_inject_gp(struct okvm_vcpu *vcpu);
void okvm_vcpu_skip(struct okvm_vcpu *vcpu, u64 next_rip);
void okvm_vcpu_insn_done(struct okvm_vcpu *vcpu);
void okvm_fpu_caps_init(void);
void okvm_fpu_load(struct okvm_vcpu *vcpu);
void okvm_fpu_put(struct okvm_vcpu *vcpu);
void okvm_xcr0_load(struct okvm_vcpu *vcpu);
void okvm_xcr0_put(struct okvm_vcpu *vcpu);
void okvm_debugregs_load(struct okvm_vcpu *vcpu, unsigned long *host);
void okvm_debugregs_put(struct okvm_vcpu *vcpu, const unsigned long *host);

/* mmu.c */
int okvm_mmu_init(struct okvm_vm *vm);
void okvm_mmu_destroy(struct okvm_vm *vm);
bool okvm_mmu_zap(struct okvm_vm *vm, u64 start, u64 end, bool wrprot);
int okvm_mmu_fault(struct okvm_vcpu *vcpu, u64 gpa, bool write, bool *mmio);
void okvm_mmu_cache_free(struct okvm_vcpu *vcpu);
phys_addr_t okvm_mmu_root(struct okvm_vm *vm);

/* x86/mmio.c (the vcpu's side of the instruction emulator) */
int okvm_emul_vcpu_init(struct okvm_vcpu *vcpu);
void okvm_emul_vcpu_free(struct okvm_vcpu *vcpu);
int okvm_emulate(struct okvm_vcpu *vcpu);
int okvm_emulate_complete(struct okvm_vcpu *vcpu);
void okvm_emulate_cancel(struct okvm_vcpu *vcpu);
int okvm_guest_access(struct okvm_vcpu *vcpu, int seg, u64 off, void *buf, unsigned int len,
		      bool write);
int okvm_translate(struct okvm_vcpu *vcpu, u64 la, u64 *gpa);
int okvm_fetch_insn(struct okvm_vcpu *vcpu, u8 *buf, int *len);

/* x86/cpuid.c */
int okvm_supported_cpuid(struct okvm_cpuid_entry2 *ent, int max);
void okvm_emulate_cpuid(struct okvm_vcpu *vcpu);

u64 okvm_guest_xcr0_mask(void);

/* x86/msr.c */
extern const u32 okvm_msr_list[];
extern const unsigned int okvm_msr_count;
int okvm_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *value, bool host);
int okvm_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 value, bool host);
int okvm_mce_setup(struct okvm_vcpu *vcpu, u64 mcg_cap);
int okvm_mce_inject(struct okvm_vcpu *vcpu, const struct okvm_x86_mce *m);

#endif
