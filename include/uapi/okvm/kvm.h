/* SPDX-License-Identifier: MIT */
/*
 * okvm userspace ABI: the x86-64 KVM ioctl interface, API version 12.
 *
 * Numbers and layouts are those of Linux KVM; every identifier carries an
 * OKVM_ or okvm_ prefix so that this header can share a translation unit
 * with the system <linux/kvm.h>. tests/abi/ static-asserts that both agree.
 *
 * Rules that keep tests/abi/gen-checks simple (please keep them):
 *  - one struct member per line, no "a, b, c" declarator lists;
 *  - nested aggregates open with "struct {" / "union {" (optionally after
 *    __extension__) and close with "} name;" or "};" (anonymous);
 *  - no #define inside a struct body;
 *  - "abi: NAME" in a comment on a #define line names the KVM macro it
 *    mirrors when that is not KVM_<rest>;
 *  - "abi: newer [KVM_MACRO]" on a struct line or a member line marks a
 *    definition the 6.1 system header lacks: it is checked only where the
 *    system header defines KVM_MACRO (which came with it), else listed as
 *    unchecked.
 *
 * Only <linux/types.h> and <linux/ioctl.h>: usable from a kernel module and
 * from userspace alike. Anonymous unions are C11; __extension__ keeps
 * -std=c99 -pedantic quiet.
 */
#ifndef OKVM_UAPI_KVM_H
#define OKVM_UAPI_KVM_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define OKVM_API_VERSION		12

/* ioctl type byte of every KVM ioctl */
#define OKVM_IOCTL_TYPE			0xAE	/* abi: KVMIO */

/* mmap(vcpu_fd) page offsets */
#define OKVM_PIO_PAGE_OFFSET		1
#define OKVM_COALESCED_MMIO_PAGE_OFFSET	2
#define OKVM_DIRTY_LOG_PAGE_OFFSET	64

/* x86 exception vectors, as used by vcpu events and debug exits */
#define OKVM_DE_VECTOR			0	/* abi: DE_VECTOR */
#define OKVM_DB_VECTOR			1	/* abi: DB_VECTOR */
#define OKVM_BP_VECTOR			3	/* abi: BP_VECTOR */
#define OKVM_OF_VECTOR			4	/* abi: OF_VECTOR */
#define OKVM_BR_VECTOR			5	/* abi: BR_VECTOR */
#define OKVM_UD_VECTOR			6	/* abi: UD_VECTOR */
#define OKVM_NM_VECTOR			7	/* abi: NM_VECTOR */
#define OKVM_DF_VECTOR			8	/* abi: DF_VECTOR */
#define OKVM_TS_VECTOR			10	/* abi: TS_VECTOR */
#define OKVM_NP_VECTOR			11	/* abi: NP_VECTOR */
#define OKVM_SS_VECTOR			12	/* abi: SS_VECTOR */
#define OKVM_GP_VECTOR			13	/* abi: GP_VECTOR */
#define OKVM_PF_VECTOR			14	/* abi: PF_VECTOR */
#define OKVM_MF_VECTOR			16	/* abi: MF_VECTOR */
#define OKVM_AC_VECTOR			17	/* abi: AC_VECTOR */
#define OKVM_MC_VECTOR			18	/* abi: MC_VECTOR */
#define OKVM_XM_VECTOR			19	/* abi: XM_VECTOR */
#define OKVM_VE_VECTOR			20	/* abi: VE_VECTOR */

#define OKVM_NR_INTERRUPTS		256

/* ------------------------------------------------------------------ */
/* x86 register state (asm/kvm.h)                                      */
/* ------------------------------------------------------------------ */

/* KVM_GET_REGS / KVM_SET_REGS */
struct okvm_regs {
	__u64 rax;
	__u64 rbx;
	__u64 rcx;
	__u64 rdx;
	__u64 rsi;
	__u64 rdi;
	__u64 rsp;
	__u64 rbp;
	__u64 r8;
	__u64 r9;
	__u64 r10;
	__u64 r11;
	__u64 r12;
	__u64 r13;
	__u64 r14;
	__u64 r15;
	__u64 rip;
	__u64 rflags;
};

/* A segment register with its hidden part, attributes unpacked. */
struct okvm_segment {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u8 type;
	__u8 present;
	__u8 dpl;
	__u8 db;
	__u8 s;
	__u8 l;
	__u8 g;
	__u8 avl;
	__u8 unusable;
	__u8 padding;
};

/* GDTR / IDTR */
struct okvm_dtable {
	__u64 base;
	__u16 limit;
	__u16 padding[3];
};

/* KVM_GET_SREGS / KVM_SET_SREGS */
struct okvm_sregs {
	struct okvm_segment cs;
	struct okvm_segment ds;
	struct okvm_segment es;
	struct okvm_segment fs;
	struct okvm_segment gs;
	struct okvm_segment ss;
	struct okvm_segment tr;
	struct okvm_segment ldt;
	struct okvm_dtable gdt;
	struct okvm_dtable idt;
	__u64 cr0;
	__u64 cr2;
	__u64 cr3;
	__u64 cr4;
	__u64 cr8;
	__u64 efer;
	__u64 apic_base;
	/* pending external interrupt, one bit per vector */
	__u64 interrupt_bitmap[(OKVM_NR_INTERRUPTS + 63) / 64];
};

/* KVM_GET_SREGS2 / KVM_SET_SREGS2: PDPTRs instead of the interrupt bitmap */
#define OKVM_SREGS2_FLAGS_PDPTRS_VALID	1

struct okvm_sregs2 {
	struct okvm_segment cs;
	struct okvm_segment ds;
	struct okvm_segment es;
	struct okvm_segment fs;
	struct okvm_segment gs;
	struct okvm_segment ss;
	struct okvm_segment tr;
	struct okvm_segment ldt;
	struct okvm_dtable gdt;
	struct okvm_dtable idt;
	__u64 cr0;
	__u64 cr2;
	__u64 cr3;
	__u64 cr4;
	__u64 cr8;
	__u64 efer;
	__u64 apic_base;
	__u64 flags;
	__u64 pdptrs[4];
};

/* KVM_GET_FPU / KVM_SET_FPU: legacy x87/SSE state, FXSAVE-like */
struct okvm_fpu {
	__u8 fpr[8][16];
	__u16 fcw;
	__u16 fsw;
	__u8 ftwx;		/* abridged tag word, as FXSAVE stores it */
	__u8 pad1;
	__u16 last_opcode;
	__u64 last_ip;
	__u64 last_dp;
	__u8 xmm[16][16];
	__u32 mxcsr;
	__u32 pad2;
};

/* KVM_GET_XSAVE / KVM_SET_XSAVE / KVM_GET_XSAVE2: XSAVE image, host format */
struct okvm_xsave {
	__u32 region[1024];
	__u32 extra[];		/* only with KVM_CAP_XSAVE2's larger size */
};

/* KVM_GET_XCRS / KVM_SET_XCRS */
#define OKVM_MAX_XCRS			16

struct okvm_xcr {
	__u32 xcr;
	__u32 reserved;
	__u64 value;
};

struct okvm_xcrs {
	__u32 nr_xcrs;
	__u32 flags;
	struct okvm_xcr xcrs[OKVM_MAX_XCRS];
	__u64 padding[16];
};

/* KVM_GET_DEBUGREGS / KVM_SET_DEBUGREGS */
struct okvm_debugregs {
	__u64 db[4];
	__u64 dr6;
	__u64 dr7;
	__u64 flags;
	__u64 reserved[9];
};

/* KVM_GET_MSRS / KVM_SET_MSRS (vcpu), KVM_GET_MSRS (system: features) */
struct okvm_msr_entry {
	__u32 index;
	__u32 reserved;
	__u64 data;
};

struct okvm_msrs {
	__u32 nmsrs;
	__u32 pad;
	struct okvm_msr_entry entries[];
};

/* KVM_GET_MSR_INDEX_LIST / KVM_GET_MSR_FEATURE_INDEX_LIST */
struct okvm_msr_list {
	__u32 nmsrs;
	__u32 indices[];
};

/* KVM_SET_CPUID2 / KVM_GET_CPUID2 / KVM_GET_SUPPORTED_CPUID */
#define OKVM_CPUID_FLAG_SIGNIFCANT_INDEX	(1 << 0)
/* the same, spelled correctly */
#define OKVM_CPUID_FLAG_SIGNIFICANT_INDEX	(1 << 0)	/* abi: KVM_CPUID_FLAG_SIGNIFCANT_INDEX */
#define OKVM_CPUID_FLAG_STATEFUL_FUNC		(1 << 1)
#define OKVM_CPUID_FLAG_STATE_READ_NEXT		(1 << 2)

struct okvm_cpuid_entry2 {
	__u32 function;
	__u32 index;
	__u32 flags;
	__u32 eax;
	__u32 ebx;
	__u32 ecx;
	__u32 edx;
	__u32 padding[3];
};

struct okvm_cpuid2 {
	__u32 nent;
	__u32 padding;
	struct okvm_cpuid_entry2 entries[];
};

/* KVM_GET_LAPIC / KVM_SET_LAPIC: the 1 KiB APIC register page */
#define OKVM_APIC_REG_SIZE		0x400

struct okvm_lapic_state {
	__u8 regs[OKVM_APIC_REG_SIZE];
};

/* KVM_SET_VAPIC_ADDR: the guest page the TPR, highest ISR and IRR are mirrored in */
struct okvm_vapic_addr {
	__u64 vapic_addr;
};

/* ------------------------------------------------------------------ */
/* x86 events, debug, MCE                                              */
/* ------------------------------------------------------------------ */

/* KVM_GET_VCPU_EVENTS / KVM_SET_VCPU_EVENTS: which optional parts are valid */
#define OKVM_VCPUEVENT_VALID_NMI_PENDING	0x00000001
#define OKVM_VCPUEVENT_VALID_SIPI_VECTOR	0x00000002
#define OKVM_VCPUEVENT_VALID_SHADOW		0x00000004
#define OKVM_VCPUEVENT_VALID_SMM		0x00000008
#define OKVM_VCPUEVENT_VALID_PAYLOAD		0x00000010
#define OKVM_VCPUEVENT_VALID_TRIPLE_FAULT	0x00000020

/* interrupt shadow kinds in interrupt.shadow */
#define OKVM_X86_SHADOW_INT_MOV_SS	0x01
#define OKVM_X86_SHADOW_INT_STI		0x02

struct okvm_vcpu_events {
	struct {
		__u8 injected;
		__u8 nr;
		__u8 has_error_code;
		__u8 pending;
		__u32 error_code;
	} exception;
	struct {
		__u8 injected;
		__u8 nr;
		__u8 soft;
		__u8 shadow;
	} interrupt;
	struct {
		__u8 injected;
		__u8 pending;
		__u8 masked;
		__u8 pad;
	} nmi;
	__u32 sipi_vector;
	__u32 flags;
	struct {
		__u8 smm;
		__u8 pending;
		__u8 smm_inside_nmi;
		__u8 latched_init;
	} smi;
	struct {
		__u8 pending;
	} triple_fault;
	__u8 reserved[26];
	__u8 exception_has_payload;
	__u64 exception_payload;
};

/* KVM_SET_GUEST_DEBUG: control bits (generic low half, x86 high half) */
#define OKVM_GUESTDBG_ENABLE		0x00000001
#define OKVM_GUESTDBG_SINGLESTEP	0x00000002
#define OKVM_GUESTDBG_USE_SW_BP		0x00010000
#define OKVM_GUESTDBG_USE_HW_BP		0x00020000
#define OKVM_GUESTDBG_INJECT_DB		0x00040000
#define OKVM_GUESTDBG_INJECT_BP		0x00080000
#define OKVM_GUESTDBG_BLOCKIRQ		0x00100000

struct okvm_guest_debug_arch {
	__u64 debugreg[8];
};

struct okvm_guest_debug {
	__u32 control;
	__u32 pad;
	struct okvm_guest_debug_arch arch;
};

/* KVM_EXIT_DEBUG details */
struct okvm_debug_exit_arch {
	__u32 exception;
	__u32 pad;
	__u64 pc;
	__u64 dr6;
	__u64 dr7;
};

/* KVM_X86_SET_MCE */
struct okvm_x86_mce {
	__u64 status;
	__u64 addr;
	__u64 misc;
	__u64 mcg_status;
	__u8 bank;
	__u8 pad1[7];
	__u64 pad2[3];
};

/* KVM_ENABLE_CAP(KVM_CAP_DISABLE_QUIRKS) bits */
#define OKVM_X86_QUIRK_LINT0_REENABLED		(1 << 0)
#define OKVM_X86_QUIRK_CD_NW_CLEARED		(1 << 1)
#define OKVM_X86_QUIRK_LAPIC_MMIO_HOLE		(1 << 2)
#define OKVM_X86_QUIRK_OUT_7E_INC_RIP		(1 << 3)
#define OKVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT	(1 << 4)
#define OKVM_X86_QUIRK_FIX_HYPERCALL_INSN	(1 << 5)
#define OKVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS	(1 << 6)

/* KVM_ENABLE_CAP(KVM_CAP_X86_DISABLE_EXITS) bits */
#define OKVM_X86_DISABLE_EXITS_MWAIT	(1 << 0)
#define OKVM_X86_DISABLE_EXITS_HLT	(1 << 1)
#define OKVM_X86_DISABLE_EXITS_PAUSE	(1 << 2)
#define OKVM_X86_DISABLE_EXITS_CSTATE	(1 << 3)

/* KVM_ENABLE_CAP(KVM_CAP_X2APIC_API) bits */
#define OKVM_X2APIC_API_USE_32BIT_IDS		(1ULL << 0)
#define OKVM_X2APIC_API_DISABLE_BROADCAST_QUIRK	(1ULL << 1)

/* KVM_ENABLE_CAP(KVM_CAP_X86_BUS_LOCK_EXIT) modes */
#define OKVM_BUS_LOCK_DETECTION_OFF	(1 << 0)
#define OKVM_BUS_LOCK_DETECTION_EXIT	(1 << 1)

/* KVM_ENABLE_CAP(KVM_CAP_X86_NOTIFY_VMEXIT) bits */
#define OKVM_X86_NOTIFY_VMEXIT_ENABLED	(1ULL << 0)
#define OKVM_X86_NOTIFY_VMEXIT_USER	(1ULL << 1)

/* KVM_ENABLE_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) bits */
#define OKVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE	(1 << 0)
#define OKVM_DIRTY_LOG_INITIALLY_SET		(1 << 1)

/* ------------------------------------------------------------------ */
/* In-kernel irqchip, PIT, clock                                       */
/* ------------------------------------------------------------------ */

/* KVM_GET_IRQCHIP / KVM_SET_IRQCHIP chip_id values */
#define OKVM_IRQCHIP_PIC_MASTER		0
#define OKVM_IRQCHIP_PIC_SLAVE		1
#define OKVM_IRQCHIP_IOAPIC		2
#define OKVM_NR_IRQCHIPS		3

/* one 8259 */
struct okvm_pic_state {
	__u8 last_irr;
	__u8 irr;
	__u8 imr;
	__u8 isr;
	__u8 priority_add;
	__u8 irq_base;
	__u8 read_reg_select;
	__u8 poll;
	__u8 special_mask;
	__u8 init_state;
	__u8 auto_eoi;
	__u8 rotate_on_auto_eoi;
	__u8 special_fully_nested_mode;
	__u8 init4;
	__u8 elcr;
	__u8 elcr_mask;
};

#define OKVM_IOAPIC_NUM_PINS		24

/* the IOAPIC; bit-fields mirror the redirection entry's hardware layout */
struct okvm_ioapic_state {
	__u64 base_address;
	__u32 ioregsel;
	__u32 id;
	__u32 irr;
	__u32 pad;
	__extension__ union {
		__u64 bits;
		__extension__ struct {
			__u8 vector;
			__u8 delivery_mode:3;
			__u8 dest_mode:1;
			__u8 delivery_status:1;
			__u8 polarity:1;
			__u8 remote_irr:1;
			__u8 trig_mode:1;
			__u8 mask:1;
			__u8 reserve:7;
			__u8 reserved[4];
			__u8 dest_id;
		} fields;
	} redirtbl[OKVM_IOAPIC_NUM_PINS];
};

struct okvm_irqchip {
	__u32 chip_id;
	__u32 pad;
	union {
		__u8 dummy[512];	/* fixes the size */
		struct okvm_pic_state pic;
		struct okvm_ioapic_state ioapic;
	} chip;
};

/* KVM_IRQ_LINE / KVM_IRQ_LINE_STATUS: irq in, status out */
struct okvm_irq_level {
	__extension__ union {
		__u32 irq;
		__s32 status;
	};
	__u32 level;
};

/* KVM_CREATE_PIT2 */
#define OKVM_PIT_SPEAKER_DUMMY		1

struct okvm_pit_config {
	__u32 flags;
	__u32 pad[15];
};

/* KVM_GET_PIT2 / KVM_SET_PIT2 */
#define OKVM_PIT_FLAGS_HPET_LEGACY	0x00000001
#define OKVM_PIT_FLAGS_SPEAKER_DATA_ON	0x00000002

struct okvm_pit_channel_state {
	__u32 count;		/* 65536 is possible */
	__u16 latched_count;
	__u8 count_latched;
	__u8 status_latched;
	__u8 status;
	__u8 read_state;
	__u8 write_state;
	__u8 write_latch;
	__u8 rw_mode;
	__u8 mode;
	__u8 bcd;
	__u8 gate;
	__s64 count_load_time;
};

struct okvm_pit_state2 {
	struct okvm_pit_channel_state channels[3];
	__u32 flags;
	__u32 reserved[9];
};

/* KVM_REINJECT_CONTROL */
struct okvm_reinject_control {
	__u8 pit_reinject;
	__u8 reserved[31];
};

/* KVM_GET_CLOCK / KVM_SET_CLOCK; flag value 1 is never used */
#define OKVM_CLOCK_TSC_STABLE		2
#define OKVM_CLOCK_REALTIME		(1 << 2)
#define OKVM_CLOCK_HOST_TSC		(1 << 3)

struct okvm_clock_data {
	__u64 clock;
	__u32 flags;
	__u32 pad0;
	__u64 realtime;
	__u64 host_tsc;
	__u32 pad[4];
};

/* KVM_SET_GSI_ROUTING */
#define OKVM_IRQ_ROUTING_IRQCHIP		1
#define OKVM_IRQ_ROUTING_MSI			2
#define OKVM_IRQ_ROUTING_S390_ADAPTER		3
#define OKVM_IRQ_ROUTING_HV_SINT		4
#define OKVM_IRQ_ROUTING_XEN_EVTCHN		5
#define OKVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL	((__u32)(-1))

struct okvm_irq_routing_irqchip {
	__u32 irqchip;
	__u32 pin;
};

struct okvm_irq_routing_msi {
	__u32 address_lo;
	__u32 address_hi;
	__u32 data;
	__extension__ union {
		__u32 pad;
		__u32 devid;
	};
};

struct okvm_irq_routing_s390_adapter {
	__u64 ind_addr;
	__u64 summary_addr;
	__u64 ind_offset;
	__u32 summary_offset;
	__u32 adapter_id;
};

struct okvm_irq_routing_hv_sint {
	__u32 vcpu;
	__u32 sint;
};

struct okvm_irq_routing_xen_evtchn {
	__u32 port;
	__u32 vcpu;
	__u32 priority;
};

struct okvm_irq_routing_entry {
	__u32 gsi;
	__u32 type;
	__u32 flags;
	__u32 pad;
	union {
		struct okvm_irq_routing_irqchip irqchip;
		struct okvm_irq_routing_msi msi;
		struct okvm_irq_routing_s390_adapter adapter;
		struct okvm_irq_routing_hv_sint hv_sint;
		struct okvm_irq_routing_xen_evtchn xen_evtchn;
		__u32 pad[8];
	} u;
};

struct okvm_irq_routing {
	__u32 nr;
	__u32 flags;
	struct okvm_irq_routing_entry entries[];
};

/* KVM_IRQFD */
#define OKVM_IRQFD_FLAG_DEASSIGN	(1 << 0)
#define OKVM_IRQFD_FLAG_RESAMPLE	(1 << 1)

struct okvm_irqfd {
	__u32 fd;
	__u32 gsi;
	__u32 flags;
	__u32 resamplefd;
	__u8 pad[16];
};

/* KVM_IOEVENTFD */
#define OKVM_IOEVENTFD_FLAG_DATAMATCH		(1 << 0)
#define OKVM_IOEVENTFD_FLAG_PIO			(1 << 1)
#define OKVM_IOEVENTFD_FLAG_DEASSIGN		(1 << 2)
#define OKVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY	(1 << 3)
/* bit 4 (fast MMIO) is internal to the kernel but counts as valid */
#define OKVM_IOEVENTFD_VALID_FLAG_MASK		((1 << 5) - 1)

struct okvm_ioeventfd {
	__u64 datamatch;
	__u64 addr;		/* PIO port or MMIO address */
	__u32 len;		/* 1, 2, 4, 8, or 0 for any length */
	__s32 fd;
	__u32 flags;
	__u8 pad[36];
};

/* KVM_SIGNAL_MSI */
#define OKVM_MSI_VALID_DEVID		(1U << 0)

struct okvm_msi {
	__u32 address_lo;
	__u32 address_hi;
	__u32 data;
	__u32 flags;
	__u32 devid;
	__u8 pad[12];
};

/* ------------------------------------------------------------------ */
/* Memory                                                              */
/* ------------------------------------------------------------------ */

/* KVM_SET_USER_MEMORY_REGION; bits 0-15 of flags are the userspace ABI */
#define OKVM_MEM_LOG_DIRTY_PAGES	(1UL << 0)
#define OKVM_MEM_READONLY		(1UL << 1)

struct okvm_userspace_memory_region {
	__u32 slot;		/* address space id in bits 16-31 */
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;	/* bytes */
	__u64 userspace_addr;	/* start of the backing host mapping */
};

/*
 * Not in the 6.1 system header; layout from Documentation/virt/kvm/api.rst
 * (KVM_SET_USER_MEMORY_REGION2, Linux 6.8): the first five fields are those
 * of struct okvm_userspace_memory_region, then guest_memfd binding and
 * reserved space. sizeof is 160, so the ioctl number is 0x40a0ae49.
 */
#define OKVM_MEM_GUEST_MEMFD		(1UL << 2)

struct okvm_userspace_memory_region2 {	/* abi: newer KVM_SET_USER_MEMORY_REGION2 */
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};

/* KVM_GET_DIRTY_LOG: the bitmap pointer is 64-bit on every ABI */
struct okvm_dirty_log {
	__u32 slot;
	__u32 padding1;
	__extension__ union {
		void *dirty_bitmap;	/* one bit per page */
		__u64 padding2;
	};
};

/* KVM_CLEAR_DIRTY_LOG */
struct okvm_clear_dirty_log {
	__u32 slot;
	__u32 num_pages;
	__u64 first_page;
	__extension__ union {
		void *dirty_bitmap;
		__u64 padding2;
	};
};

/* KVM_REGISTER_COALESCED_MMIO / KVM_UNREGISTER_COALESCED_MMIO */
struct okvm_coalesced_mmio_zone {
	__u64 addr;
	__u32 size;
	__extension__ union {
		__u32 pad;
		__u32 pio;
	};
};

/* one entry of the ring at page OKVM_COALESCED_MMIO_PAGE_OFFSET */
struct okvm_coalesced_mmio {
	__u64 phys_addr;
	__u32 len;
	__extension__ union {
		__u32 pad;
		__u32 pio;
	};
	__u8 data[8];
};

struct okvm_coalesced_mmio_ring {
	__u32 first;
	__u32 last;
	struct okvm_coalesced_mmio coalesced_mmio[];
};

/* KVM_TRANSLATE */
struct okvm_translation {
	__u64 linear_address;	/* in */
	__u64 physical_address;	/* out */
	__u8 valid;
	__u8 writeable;
	__u8 usermode;
	__u8 pad[5];
};

/* ------------------------------------------------------------------ */
/* Small vcpu ioctl arguments                                          */
/* ------------------------------------------------------------------ */

/* KVM_INTERRUPT: vector to inject (userspace irqchip only) */
struct okvm_interrupt {
	__u32 irq;
};

/* KVM_SET_SIGNAL_MASK: len is 8 for x86-64 sigset */
struct okvm_signal_mask {
	__u32 len;
	__u8 sigset[];
};

/* KVM_GET_MP_STATE / KVM_SET_MP_STATE */
#define OKVM_MP_STATE_RUNNABLE		0
#define OKVM_MP_STATE_UNINITIALIZED	1
#define OKVM_MP_STATE_INIT_RECEIVED	2
#define OKVM_MP_STATE_HALTED		3
#define OKVM_MP_STATE_SIPI_RECEIVED	4
#define OKVM_MP_STATE_STOPPED		5
#define OKVM_MP_STATE_CHECK_STOP	6
#define OKVM_MP_STATE_OPERATING		7
#define OKVM_MP_STATE_LOAD		8
#define OKVM_MP_STATE_AP_RESET_HOLD	9
#define OKVM_MP_STATE_SUSPENDED		10

struct okvm_mp_state {
	__u32 mp_state;
};

/* KVM_ENABLE_CAP (vm and vcpu) */
struct okvm_enable_cap {
	__u32 cap;
	__u32 flags;
	__u64 args[4];
	__u8 pad[64];
};

/* KVM_CREATE_DEVICE and the device attribute ioctls */
#define OKVM_CREATE_DEVICE_TEST		1

struct okvm_create_device {
	__u32 type;		/* in */
	__u32 fd;		/* out */
	__u32 flags;		/* in */
};

struct okvm_device_attr {
	__u32 flags;
	__u32 group;
	__u64 attr;
	__u64 addr;		/* userspace address of the value */
};

/* vcpu device attribute group for the TSC, and its one attribute */
#define OKVM_VCPU_TSC_CTRL		0
#define OKVM_VCPU_TSC_OFFSET		0
/* system fd attribute (group 0) */
#define OKVM_X86_XCOMP_GUEST_SUPP	0

/* KVM_GET_STATS_FD: the fd starts with this header */
struct okvm_stats_header {
	__u32 flags;
	__u32 name_size;
	__u32 num_desc;
	__u32 id_offset;
	__u32 desc_offset;
	__u32 data_offset;
};

#define OKVM_STATS_TYPE_SHIFT		0
#define OKVM_STATS_TYPE_MASK		(0xF << OKVM_STATS_TYPE_SHIFT)
#define OKVM_STATS_TYPE_CUMULATIVE	(0x0 << OKVM_STATS_TYPE_SHIFT)
#define OKVM_STATS_TYPE_INSTANT		(0x1 << OKVM_STATS_TYPE_SHIFT)
#define OKVM_STATS_TYPE_PEAK		(0x2 << OKVM_STATS_TYPE_SHIFT)
#define OKVM_STATS_TYPE_LINEAR_HIST	(0x3 << OKVM_STATS_TYPE_SHIFT)
#define OKVM_STATS_TYPE_LOG_HIST	(0x4 << OKVM_STATS_TYPE_SHIFT)
#define OKVM_STATS_TYPE_MAX		OKVM_STATS_TYPE_LOG_HIST

#define OKVM_STATS_UNIT_SHIFT		4
#define OKVM_STATS_UNIT_MASK		(0xF << OKVM_STATS_UNIT_SHIFT)
#define OKVM_STATS_UNIT_NONE		(0x0 << OKVM_STATS_UNIT_SHIFT)
#define OKVM_STATS_UNIT_BYTES		(0x1 << OKVM_STATS_UNIT_SHIFT)
#define OKVM_STATS_UNIT_SECONDS		(0x2 << OKVM_STATS_UNIT_SHIFT)
#define OKVM_STATS_UNIT_CYCLES		(0x3 << OKVM_STATS_UNIT_SHIFT)
#define OKVM_STATS_UNIT_BOOLEAN		(0x4 << OKVM_STATS_UNIT_SHIFT)
#define OKVM_STATS_UNIT_MAX		OKVM_STATS_UNIT_BOOLEAN

#define OKVM_STATS_BASE_SHIFT		8
#define OKVM_STATS_BASE_MASK		(0xF << OKVM_STATS_BASE_SHIFT)
#define OKVM_STATS_BASE_POW10		(0x0 << OKVM_STATS_BASE_SHIFT)
#define OKVM_STATS_BASE_POW2		(0x1 << OKVM_STATS_BASE_SHIFT)
#define OKVM_STATS_BASE_MAX		OKVM_STATS_BASE_POW2

/* one descriptor; name_size bytes of name follow each */
struct okvm_stats_desc {
	__u32 flags;
	__s16 exponent;
	__u16 size;
	__u32 offset;
	__u32 bucket_size;
	__u8 name[];
};

/* ------------------------------------------------------------------ */
/* The kvm_run page                                                    */
/* ------------------------------------------------------------------ */

/* exit_reason values */
#define OKVM_EXIT_UNKNOWN		0
#define OKVM_EXIT_EXCEPTION		1
#define OKVM_EXIT_IO			2
#define OKVM_EXIT_HYPERCALL		3
#define OKVM_EXIT_DEBUG			4
#define OKVM_EXIT_HLT			5
#define OKVM_EXIT_MMIO			6
#define OKVM_EXIT_IRQ_WINDOW_OPEN	7
#define OKVM_EXIT_SHUTDOWN		8
#define OKVM_EXIT_FAIL_ENTRY		9
#define OKVM_EXIT_INTR			10
#define OKVM_EXIT_SET_TPR		11
#define OKVM_EXIT_TPR_ACCESS		12
#define OKVM_EXIT_S390_SIEIC		13
#define OKVM_EXIT_S390_RESET		14
#define OKVM_EXIT_DCR			15	/* deprecated */
#define OKVM_EXIT_NMI			16
#define OKVM_EXIT_INTERNAL_ERROR	17
#define OKVM_EXIT_OSI			18
#define OKVM_EXIT_PAPR_HCALL		19
#define OKVM_EXIT_S390_UCONTROL		20
#define OKVM_EXIT_WATCHDOG		21
#define OKVM_EXIT_S390_TSCH		22
#define OKVM_EXIT_EPR			23
#define OKVM_EXIT_SYSTEM_EVENT		24
#define OKVM_EXIT_S390_STSI		25
#define OKVM_EXIT_IOAPIC_EOI		26
#define OKVM_EXIT_HYPERV		27
#define OKVM_EXIT_ARM_NISV		28
#define OKVM_EXIT_X86_RDMSR		29
#define OKVM_EXIT_X86_WRMSR		30
#define OKVM_EXIT_DIRTY_RING_FULL	31
#define OKVM_EXIT_AP_RESET_HOLD		32
#define OKVM_EXIT_X86_BUS_LOCK		33
#define OKVM_EXIT_XEN			34
#define OKVM_EXIT_RISCV_SBI		35
#define OKVM_EXIT_RISCV_CSR		36
#define OKVM_EXIT_NOTIFY		37
/* Not in the 6.1 system header: Linux 6.7 (LoongArch) and 6.8 (memory fault). */
#define OKVM_EXIT_LOONGARCH_IOCSR	38
#define OKVM_EXIT_MEMORY_FAULT		39

/* io.direction */
#define OKVM_EXIT_IO_IN			0
#define OKVM_EXIT_IO_OUT		1

/* internal.suberror for KVM_EXIT_INTERNAL_ERROR */
#define OKVM_INTERNAL_ERROR_EMULATION			1
#define OKVM_INTERNAL_ERROR_SIMUL_EX			2
#define OKVM_INTERNAL_ERROR_DELIVERY_EV			3
#define OKVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON	4
/* emulation_failure.flags: insn_size/insn_bytes are valid */
#define OKVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES	(1ULL << 0)

/* system_event.type */
#define OKVM_SYSTEM_EVENT_SHUTDOWN	1
#define OKVM_SYSTEM_EVENT_RESET		2
#define OKVM_SYSTEM_EVENT_CRASH		3
#define OKVM_SYSTEM_EVENT_WAKEUP	4
#define OKVM_SYSTEM_EVENT_SUSPEND	5
#define OKVM_SYSTEM_EVENT_SEV_TERM	6

/* msr.reason for KVM_EXIT_X86_RDMSR / KVM_EXIT_X86_WRMSR */
#define OKVM_MSR_EXIT_REASON_INVAL	(1 << 0)
#define OKVM_MSR_EXIT_REASON_UNKNOWN	(1 << 1)
#define OKVM_MSR_EXIT_REASON_FILTER	(1 << 2)

/* hypercall.flags (not in the 6.1 system header; Linux 6.8) */
#define OKVM_EXIT_HYPERCALL_LONG_MODE	(1ULL << 0)

/* notify.flags */
#define OKVM_NOTIFY_CONTEXT_INVALID	(1 << 0)

/* memory_fault.flags (not in the 6.1 system header; Linux 6.8) */
#define OKVM_MEMORY_EXIT_FLAG_PRIVATE	(1ULL << 3)

/* run->flags (x86) */
#define OKVM_RUN_X86_SMM		(1 << 0)
#define OKVM_RUN_X86_BUS_LOCK		(1 << 1)

/* run->kvm_valid_regs / kvm_dirty_regs (KVM_CAP_SYNC_REGS) */
#define OKVM_SYNC_X86_REGS		(1UL << 0)
#define OKVM_SYNC_X86_SREGS		(1UL << 1)
#define OKVM_SYNC_X86_EVENTS		(1UL << 2)
#define OKVM_SYNC_X86_VALID_FIELDS	(OKVM_SYNC_X86_REGS | OKVM_SYNC_X86_SREGS | OKVM_SYNC_X86_EVENTS)

#define OKVM_SYNC_REGS_SIZE_BYTES	2048	/* abi: SYNC_REGS_SIZE_BYTES */

struct okvm_sync_regs {
	struct okvm_regs regs;
	struct okvm_sregs sregs;
	struct okvm_vcpu_events events;
};

/* hyperv member of the exit union */
#define OKVM_EXIT_HYPERV_SYNIC		1
#define OKVM_EXIT_HYPERV_HCALL		2
#define OKVM_EXIT_HYPERV_SYNDBG		3

struct okvm_hyperv_exit {
	__u32 type;
	__u32 pad1;
	union {
		struct {
			__u32 msr;
			__u32 pad2;
			__u64 control;
			__u64 evt_page;
			__u64 msg_page;
		} synic;
		struct {
			__u64 input;
			__u64 result;
			__u64 params[2];
		} hcall;
		struct {
			__u32 msr;
			__u32 pad2;
			__u64 control;
			__u64 status;
			__u64 send_page;
			__u64 recv_page;
			__u64 pending_page;
		} syndbg;
	} u;
};

/* xen member of the exit union */
#define OKVM_EXIT_XEN_HCALL		1

struct okvm_xen_exit {
	__u32 type;
	union {
		struct {
			__u32 longmode;
			__u32 cpl;
			__u64 input;
			__u64 result;
			__u64 params[6];
		} hcall;
	} u;
};

/*
 * Shared with userspace by mmap(vcpu_fd, 0). Every member of the exit
 * union is here, including other architectures', so that the size and the
 * offsets match; the riscv "unsigned long" members are __u64 on x86-64.
 */
struct okvm_run {
	/* in */
	__u8 request_interrupt_window;
	__u8 immediate_exit;
	__u8 padding1[6];

	/* out */
	__u32 exit_reason;
	__u8 ready_for_interrupt_injection;
	__u8 if_flag;
	__u16 flags;

	/* in before KVM_RUN, out after it */
	__u64 cr8;
	__u64 apic_base;

	__extension__ union {
		/* KVM_EXIT_UNKNOWN */
		struct {
			__u64 hardware_exit_reason;
		} hw;
		/* KVM_EXIT_FAIL_ENTRY */
		struct {
			__u64 hardware_entry_failure_reason;
			__u32 cpu;
		} fail_entry;
		/* KVM_EXIT_EXCEPTION */
		struct {
			__u32 exception;
			__u32 error_code;
		} ex;
		/* KVM_EXIT_IO: data at data_offset from the start of the page */
		struct {
			__u8 direction;
			__u8 size;	/* bytes per access */
			__u16 port;
			__u32 count;
			__u64 data_offset;
		} io;
		/* KVM_EXIT_DEBUG */
		struct {
			struct okvm_debug_exit_arch arch;
		} debug;
		/* KVM_EXIT_MMIO */
		struct {
			__u64 phys_addr;
			__u8 data[8];
			__u32 len;
			__u8 is_write;
		} mmio;
		/* KVM_EXIT_HYPERCALL */
		struct {
			__u64 nr;
			__u64 args[6];
			__u64 ret;
			/* 6.1 has "__u32 longmode; __u32 pad;" here: same bytes */
			__extension__ union {
				__u32 longmode;
				__u64 flags;	/* abi: newer KVM_EXIT_HYPERCALL_LONG_MODE */
			};
		} hypercall;
		/* KVM_EXIT_TPR_ACCESS */
		struct {
			__u64 rip;
			__u32 is_write;
			__u32 pad;
		} tpr_access;
		/* KVM_EXIT_S390_SIEIC */
		struct {
			__u8 icptcode;
			__u16 ipa;
			__u32 ipb;
		} s390_sieic;
		/* KVM_EXIT_S390_RESET */
		__u64 s390_reset_flags;
		/* KVM_EXIT_S390_UCONTROL */
		struct {
			__u64 trans_exc_code;
			__u32 pgm_code;
		} s390_ucontrol;
		/* KVM_EXIT_DCR (deprecated) */
		struct {
			__u32 dcrn;
			__u32 data;
			__u8 is_write;
		} dcr;
		/* KVM_EXIT_INTERNAL_ERROR */
		struct {
			__u32 suberror;
			__u32 ndata;	/* valid words in data[] */
			__u64 data[16];
		} internal;
		/* KVM_EXIT_INTERNAL_ERROR, suberror EMULATION: overlays internal */
		struct {
			__u32 suberror;
			__u32 ndata;
			__u64 flags;
			__extension__ union {
				__extension__ struct {
					__u8 insn_size;
					__u8 insn_bytes[15];
				};
			};
		} emulation_failure;
		/* KVM_EXIT_OSI */
		struct {
			__u64 gprs[32];
		} osi;
		/* KVM_EXIT_PAPR_HCALL */
		struct {
			__u64 nr;
			__u64 ret;
			__u64 args[9];
		} papr_hcall;
		/* KVM_EXIT_S390_TSCH */
		struct {
			__u16 subchannel_id;
			__u16 subchannel_nr;
			__u32 io_int_parm;
			__u32 io_int_word;
			__u32 ipb;
			__u8 dequeued;
		} s390_tsch;
		/* KVM_EXIT_EPR */
		struct {
			__u32 epr;
		} epr;
		/* KVM_EXIT_SYSTEM_EVENT */
		struct {
			__u32 type;
			__u32 ndata;
			__extension__ union {
				__u64 flags;
				__u64 data[16];
			};
		} system_event;
		/* KVM_EXIT_S390_STSI */
		struct {
			__u64 addr;
			__u8 ar;
			__u8 reserved;
			__u8 fc;
			__u8 sel1;
			__u16 sel2;
		} s390_stsi;
		/* KVM_EXIT_IOAPIC_EOI */
		struct {
			__u8 vector;
		} eoi;
		/* KVM_EXIT_HYPERV */
		struct okvm_hyperv_exit hyperv;
		/* KVM_EXIT_ARM_NISV */
		struct {
			__u64 esr_iss;
			__u64 fault_ipa;
		} arm_nisv;
		/* KVM_EXIT_X86_RDMSR / KVM_EXIT_X86_WRMSR */
		struct {
			__u8 error;	/* in: inject #GP */
			__u8 pad[7];
			__u32 reason;	/* out */
			__u32 index;	/* out */
			__u64 data;	/* in (RDMSR) / out (WRMSR) */
		} msr;
		/* KVM_EXIT_XEN */
		struct okvm_xen_exit xen;
		/* KVM_EXIT_RISCV_SBI */
		struct {
			__u64 extension_id;
			__u64 function_id;
			__u64 args[6];
			__u64 ret[2];
		} riscv_sbi;
		/* KVM_EXIT_RISCV_CSR */
		struct {
			__u64 csr_num;
			__u64 new_value;
			__u64 write_mask;
			__u64 ret_value;
		} riscv_csr;
		/* KVM_EXIT_NOTIFY */
		struct {
			__u32 flags;
		} notify;
		/* KVM_EXIT_MEMORY_FAULT (not in the 6.1 system header; Linux 6.8) */
		struct {	/* abi: newer KVM_EXIT_MEMORY_FAULT */
			__u64 flags;
			__u64 gpa;
			__u64 size;
		} memory_fault;
		/* fixes the size of the union */
		__u8 padding[256];
	};

	/* KVM_CAP_SYNC_REGS */
	__u64 kvm_valid_regs;
	__u64 kvm_dirty_regs;
	union {
		struct okvm_sync_regs regs;
		__u8 padding[OKVM_SYNC_REGS_SIZE_BYTES];
	} s;
};

/* ------------------------------------------------------------------ */
/* Capabilities (KVM_CHECK_EXTENSION)                                  */
/* ------------------------------------------------------------------ */

/* All numbers of the 6.1 system header, every architecture's, so none is reused. */
#define OKVM_CAP_IRQCHIP			0
#define OKVM_CAP_HLT				1
#define OKVM_CAP_MMU_SHADOW_CACHE_CONTROL	2
#define OKVM_CAP_USER_MEMORY			3
#define OKVM_CAP_SET_TSS_ADDR			4
#define OKVM_CAP_VAPIC				6
#define OKVM_CAP_EXT_CPUID			7
#define OKVM_CAP_CLOCKSOURCE			8
#define OKVM_CAP_NR_VCPUS			9
#define OKVM_CAP_NR_MEMSLOTS			10
#define OKVM_CAP_PIT				11
#define OKVM_CAP_NOP_IO_DELAY			12
#define OKVM_CAP_PV_MMU				13
#define OKVM_CAP_MP_STATE			14
#define OKVM_CAP_COALESCED_MMIO			15
#define OKVM_CAP_SYNC_MMU			16
#define OKVM_CAP_IOMMU				18
#define OKVM_CAP_DESTROY_MEMORY_REGION_WORKS	21
#define OKVM_CAP_USER_NMI			22
#define OKVM_CAP_SET_GUEST_DEBUG		23
#define OKVM_CAP_REINJECT_CONTROL		24
#define OKVM_CAP_IRQ_ROUTING			25
#define OKVM_CAP_IRQ_INJECT_STATUS		26
#define OKVM_CAP_ASSIGN_DEV_IRQ			29
#define OKVM_CAP_JOIN_MEMORY_REGIONS_WORKS	30
#define OKVM_CAP_MCE				31
#define OKVM_CAP_IRQFD				32
#define OKVM_CAP_PIT2				33
#define OKVM_CAP_SET_BOOT_CPU_ID		34
#define OKVM_CAP_PIT_STATE2			35
#define OKVM_CAP_IOEVENTFD			36
#define OKVM_CAP_SET_IDENTITY_MAP_ADDR		37
#define OKVM_CAP_XEN_HVM			38
#define OKVM_CAP_ADJUST_CLOCK			39
#define OKVM_CAP_INTERNAL_ERROR_DATA		40
#define OKVM_CAP_VCPU_EVENTS			41
#define OKVM_CAP_S390_PSW			42
#define OKVM_CAP_PPC_SEGSTATE			43
#define OKVM_CAP_HYPERV				44
#define OKVM_CAP_HYPERV_VAPIC			45
#define OKVM_CAP_HYPERV_SPIN			46
#define OKVM_CAP_PCI_SEGMENT			47
#define OKVM_CAP_PPC_PAIRED_SINGLES		48
#define OKVM_CAP_INTR_SHADOW			49
#define OKVM_CAP_DEBUGREGS			50
#define OKVM_CAP_X86_ROBUST_SINGLESTEP		51
#define OKVM_CAP_PPC_OSI			52
#define OKVM_CAP_PPC_UNSET_IRQ			53
#define OKVM_CAP_ENABLE_CAP			54
#define OKVM_CAP_XSAVE				55
#define OKVM_CAP_XCRS				56
#define OKVM_CAP_PPC_GET_PVINFO			57
#define OKVM_CAP_PPC_IRQ_LEVEL			58
#define OKVM_CAP_ASYNC_PF			59
#define OKVM_CAP_TSC_CONTROL			60
#define OKVM_CAP_GET_TSC_KHZ			61
#define OKVM_CAP_PPC_BOOKE_SREGS		62
#define OKVM_CAP_SPAPR_TCE			63
#define OKVM_CAP_PPC_SMT			64
#define OKVM_CAP_PPC_RMA			65
#define OKVM_CAP_MAX_VCPUS			66
#define OKVM_CAP_PPC_HIOR			67
#define OKVM_CAP_PPC_PAPR			68
#define OKVM_CAP_SW_TLB				69
#define OKVM_CAP_ONE_REG			70
#define OKVM_CAP_S390_GMAP			71
#define OKVM_CAP_TSC_DEADLINE_TIMER		72
#define OKVM_CAP_S390_UCONTROL			73
#define OKVM_CAP_SYNC_REGS			74
#define OKVM_CAP_PCI_2_3			75
#define OKVM_CAP_KVMCLOCK_CTRL			76
#define OKVM_CAP_SIGNAL_MSI			77
#define OKVM_CAP_PPC_GET_SMMU_INFO		78
#define OKVM_CAP_S390_COW			79
#define OKVM_CAP_PPC_ALLOC_HTAB			80
#define OKVM_CAP_READONLY_MEM			81
#define OKVM_CAP_IRQFD_RESAMPLE			82
#define OKVM_CAP_PPC_BOOKE_WATCHDOG		83
#define OKVM_CAP_PPC_HTAB_FD			84
#define OKVM_CAP_S390_CSS_SUPPORT		85
#define OKVM_CAP_PPC_EPR			86
#define OKVM_CAP_ARM_PSCI			87
#define OKVM_CAP_ARM_SET_DEVICE_ADDR		88
#define OKVM_CAP_DEVICE_CTRL			89
#define OKVM_CAP_IRQ_MPIC			90
#define OKVM_CAP_PPC_RTAS			91
#define OKVM_CAP_IRQ_XICS			92
#define OKVM_CAP_ARM_EL1_32BIT			93
#define OKVM_CAP_SPAPR_MULTITCE			94
#define OKVM_CAP_EXT_EMUL_CPUID			95
#define OKVM_CAP_HYPERV_TIME			96
#define OKVM_CAP_IOAPIC_POLARITY_IGNORED	97
#define OKVM_CAP_ENABLE_CAP_VM			98
#define OKVM_CAP_S390_IRQCHIP			99
#define OKVM_CAP_IOEVENTFD_NO_LENGTH		100
#define OKVM_CAP_VM_ATTRIBUTES			101
#define OKVM_CAP_ARM_PSCI_0_2			102
#define OKVM_CAP_PPC_FIXUP_HCALL		103
#define OKVM_CAP_PPC_ENABLE_HCALL		104
#define OKVM_CAP_CHECK_EXTENSION_VM		105
#define OKVM_CAP_S390_USER_SIGP			106
#define OKVM_CAP_S390_VECTOR_REGISTERS		107
#define OKVM_CAP_S390_MEM_OP			108
#define OKVM_CAP_S390_USER_STSI			109
#define OKVM_CAP_S390_SKEYS			110
#define OKVM_CAP_MIPS_FPU			111
#define OKVM_CAP_MIPS_MSA			112
#define OKVM_CAP_S390_INJECT_IRQ		113
#define OKVM_CAP_S390_IRQ_STATE			114
#define OKVM_CAP_PPC_HWRNG			115
#define OKVM_CAP_DISABLE_QUIRKS			116
#define OKVM_CAP_X86_SMM			117
#define OKVM_CAP_MULTI_ADDRESS_SPACE		118
#define OKVM_CAP_GUEST_DEBUG_HW_BPS		119
#define OKVM_CAP_GUEST_DEBUG_HW_WPS		120
#define OKVM_CAP_SPLIT_IRQCHIP			121
#define OKVM_CAP_IOEVENTFD_ANY_LENGTH		122
#define OKVM_CAP_HYPERV_SYNIC			123
#define OKVM_CAP_S390_RI			124
#define OKVM_CAP_SPAPR_TCE_64			125
#define OKVM_CAP_ARM_PMU_V3			126
#define OKVM_CAP_VCPU_ATTRIBUTES		127
#define OKVM_CAP_MAX_VCPU_ID			128
#define OKVM_CAP_X2APIC_API			129
#define OKVM_CAP_S390_USER_INSTR0		130
#define OKVM_CAP_MSI_DEVID			131
#define OKVM_CAP_PPC_HTM			132
#define OKVM_CAP_SPAPR_RESIZE_HPT		133
#define OKVM_CAP_PPC_MMU_RADIX			134
#define OKVM_CAP_PPC_MMU_HASH_V3		135
#define OKVM_CAP_IMMEDIATE_EXIT			136
#define OKVM_CAP_MIPS_VZ			137
#define OKVM_CAP_MIPS_TE			138
#define OKVM_CAP_MIPS_64BIT			139
#define OKVM_CAP_S390_GS			140
#define OKVM_CAP_S390_AIS			141
#define OKVM_CAP_SPAPR_TCE_VFIO			142
#define OKVM_CAP_X86_DISABLE_EXITS		143
#define OKVM_CAP_ARM_USER_IRQ			144
#define OKVM_CAP_S390_CMMA_MIGRATION		145
#define OKVM_CAP_PPC_FWNMI			146
#define OKVM_CAP_PPC_SMT_POSSIBLE		147
#define OKVM_CAP_HYPERV_SYNIC2			148
#define OKVM_CAP_HYPERV_VP_INDEX		149
#define OKVM_CAP_S390_AIS_MIGRATION		150
#define OKVM_CAP_PPC_GET_CPU_CHAR		151
#define OKVM_CAP_S390_BPB			152
#define OKVM_CAP_GET_MSR_FEATURES		153
#define OKVM_CAP_HYPERV_EVENTFD			154
#define OKVM_CAP_HYPERV_TLBFLUSH		155
#define OKVM_CAP_S390_HPAGE_1M			156
#define OKVM_CAP_NESTED_STATE			157
#define OKVM_CAP_ARM_INJECT_SERROR_ESR		158
#define OKVM_CAP_MSR_PLATFORM_INFO		159
#define OKVM_CAP_PPC_NESTED_HV			160
#define OKVM_CAP_HYPERV_SEND_IPI		161
#define OKVM_CAP_COALESCED_PIO			162
#define OKVM_CAP_HYPERV_ENLIGHTENED_VMCS	163
#define OKVM_CAP_EXCEPTION_PAYLOAD		164
#define OKVM_CAP_ARM_VM_IPA_SIZE		165
#define OKVM_CAP_MANUAL_DIRTY_LOG_PROTECT	166	/* obsolete */
#define OKVM_CAP_HYPERV_CPUID			167
#define OKVM_CAP_MANUAL_DIRTY_LOG_PROTECT2	168
#define OKVM_CAP_PPC_IRQ_XIVE			169
#define OKVM_CAP_ARM_SVE			170
#define OKVM_CAP_ARM_PTRAUTH_ADDRESS		171
#define OKVM_CAP_ARM_PTRAUTH_GENERIC		172
#define OKVM_CAP_PMU_EVENT_FILTER		173
#define OKVM_CAP_ARM_IRQ_LINE_LAYOUT_2		174
#define OKVM_CAP_HYPERV_DIRECT_TLBFLUSH		175
#define OKVM_CAP_PPC_GUEST_DEBUG_SSTEP		176
#define OKVM_CAP_ARM_NISV_TO_USER		177
#define OKVM_CAP_ARM_INJECT_EXT_DABT		178
#define OKVM_CAP_S390_VCPU_RESETS		179
#define OKVM_CAP_S390_PROTECTED			180
#define OKVM_CAP_PPC_SECURE_GUEST		181
#define OKVM_CAP_HALT_POLL			182
#define OKVM_CAP_ASYNC_PF_INT			183
#define OKVM_CAP_LAST_CPU			184
#define OKVM_CAP_SMALLER_MAXPHYADDR		185
#define OKVM_CAP_S390_DIAG318			186
#define OKVM_CAP_STEAL_TIME			187
#define OKVM_CAP_X86_USER_SPACE_MSR		188
#define OKVM_CAP_X86_MSR_FILTER			189
#define OKVM_CAP_ENFORCE_PV_FEATURE_CPUID	190
#define OKVM_CAP_SYS_HYPERV_CPUID		191
#define OKVM_CAP_DIRTY_LOG_RING			192
#define OKVM_CAP_X86_BUS_LOCK_EXIT		193
#define OKVM_CAP_PPC_DAWR1			194
#define OKVM_CAP_SET_GUEST_DEBUG2		195
#define OKVM_CAP_SGX_ATTRIBUTE			196
#define OKVM_CAP_VM_COPY_ENC_CONTEXT_FROM	197
#define OKVM_CAP_PTP_KVM			198
#define OKVM_CAP_HYPERV_ENFORCE_CPUID		199
#define OKVM_CAP_SREGS2				200
#define OKVM_CAP_EXIT_HYPERCALL			201
#define OKVM_CAP_PPC_RPT_INVALIDATE		202
#define OKVM_CAP_BINARY_STATS_FD		203
#define OKVM_CAP_EXIT_ON_EMULATION_FAILURE	204
#define OKVM_CAP_ARM_MTE			205
#define OKVM_CAP_VM_MOVE_ENC_CONTEXT_FROM	206
#define OKVM_CAP_VM_GPA_BITS			207
#define OKVM_CAP_XSAVE2				208
#define OKVM_CAP_SYS_ATTRIBUTES			209
#define OKVM_CAP_PPC_AIL_MODE_3			210
#define OKVM_CAP_S390_MEM_OP_EXTENSION		211
#define OKVM_CAP_PMU_CAPABILITY			212
#define OKVM_CAP_DISABLE_QUIRKS2		213
#define OKVM_CAP_VM_TSC_CONTROL			214
#define OKVM_CAP_SYSTEM_EVENT_DATA		215
#define OKVM_CAP_ARM_SYSTEM_SUSPEND		216
#define OKVM_CAP_S390_PROTECTED_DUMP		217
#define OKVM_CAP_X86_TRIPLE_FAULT_EVENT		218
#define OKVM_CAP_X86_NOTIFY_VMEXIT		219
#define OKVM_CAP_VM_DISABLE_NX_HUGE_PAGES	220
#define OKVM_CAP_S390_ZPCI_OP			221
#define OKVM_CAP_S390_CPU_TOPOLOGY		222
#define OKVM_CAP_DIRTY_LOG_RING_ACQ_REL		223

/*
 * Not in the 6.1 system header. Numbers from upstream
 * include/uapi/linux/kvm.h (added between 6.2 and 6.11; 231-235 came with
 * guest_memfd in 6.8), and confirmed equal to Debian's 6.12 and 7.2 kernel
 * headers with tests/abi/run --system. Numbers from 239 on differed between
 * patch series when looked up and are left out until needed.
 */
#define OKVM_CAP_S390_PROTECTED_ASYNC_DISABLE	224
#define OKVM_CAP_DIRTY_LOG_RING_WITH_BITMAP	225
#define OKVM_CAP_PMU_EVENT_MASKED_EVENTS	226
#define OKVM_CAP_COUNTER_OFFSET			227
#define OKVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE	228
#define OKVM_CAP_ARM_SUPPORTED_BLOCK_SIZES	229
#define OKVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES	230
#define OKVM_CAP_USER_MEMORY2			231
#define OKVM_CAP_MEMORY_FAULT_INFO		232
#define OKVM_CAP_MEMORY_ATTRIBUTES		233
#define OKVM_CAP_GUEST_MEMFD			234
#define OKVM_CAP_VM_TYPES			235
#define OKVM_CAP_PRE_FAULT_MEMORY		236
#define OKVM_CAP_X86_APIC_BUS_CYCLES_NS		237
#define OKVM_CAP_X86_GUEST_MODE			238

/* ------------------------------------------------------------------ */
/* ioctls on /dev/kvm (system)                                         */
/* ------------------------------------------------------------------ */

#define OKVM_GET_API_VERSION		_IO(OKVM_IOCTL_TYPE, 0x00)
#define OKVM_CREATE_VM			_IO(OKVM_IOCTL_TYPE, 0x01)	/* arg: machine type, 0 on x86 */
#define OKVM_GET_MSR_INDEX_LIST		_IOWR(OKVM_IOCTL_TYPE, 0x02, struct okvm_msr_list)
#define OKVM_CHECK_EXTENSION		_IO(OKVM_IOCTL_TYPE, 0x03)	/* also on a VM fd */
#define OKVM_GET_VCPU_MMAP_SIZE		_IO(OKVM_IOCTL_TYPE, 0x04)
#define OKVM_GET_SUPPORTED_CPUID	_IOWR(OKVM_IOCTL_TYPE, 0x05, struct okvm_cpuid2)
#define OKVM_GET_EMULATED_CPUID		_IOWR(OKVM_IOCTL_TYPE, 0x09, struct okvm_cpuid2)
#define OKVM_GET_MSR_FEATURE_INDEX_LIST	_IOWR(OKVM_IOCTL_TYPE, 0x0a, struct okvm_msr_list)
/* OKVM_GET_MSRS (below) on the system fd reads feature MSRs */

/* ------------------------------------------------------------------ */
/* ioctls on a VM fd                                                   */
/* ------------------------------------------------------------------ */

#define OKVM_CREATE_VCPU		_IO(OKVM_IOCTL_TYPE, 0x41)	/* arg: vcpu id */
#define OKVM_GET_DIRTY_LOG		_IOW(OKVM_IOCTL_TYPE, 0x42, struct okvm_dirty_log)
#define OKVM_SET_USER_MEMORY_REGION	_IOW(OKVM_IOCTL_TYPE, 0x46, struct okvm_userspace_memory_region)
#define OKVM_SET_TSS_ADDR		_IO(OKVM_IOCTL_TYPE, 0x47)
#define OKVM_SET_IDENTITY_MAP_ADDR	_IOW(OKVM_IOCTL_TYPE, 0x48, __u64)
/* not in the 6.1 system header (Linux 6.8) */
#define OKVM_SET_USER_MEMORY_REGION2	_IOW(OKVM_IOCTL_TYPE, 0x49, struct okvm_userspace_memory_region2)

#define OKVM_CREATE_IRQCHIP		_IO(OKVM_IOCTL_TYPE, 0x60)
#define OKVM_IRQ_LINE			_IOW(OKVM_IOCTL_TYPE, 0x61, struct okvm_irq_level)
#define OKVM_GET_IRQCHIP		_IOWR(OKVM_IOCTL_TYPE, 0x62, struct okvm_irqchip)
/* SET_IRQCHIP really is _IOR upstream; the number is what counts */
#define OKVM_SET_IRQCHIP		_IOR(OKVM_IOCTL_TYPE, 0x63, struct okvm_irqchip)
#define OKVM_IRQ_LINE_STATUS		_IOWR(OKVM_IOCTL_TYPE, 0x67, struct okvm_irq_level)
#define OKVM_REGISTER_COALESCED_MMIO	_IOW(OKVM_IOCTL_TYPE, 0x67, struct okvm_coalesced_mmio_zone)
#define OKVM_UNREGISTER_COALESCED_MMIO	_IOW(OKVM_IOCTL_TYPE, 0x68, struct okvm_coalesced_mmio_zone)
#define OKVM_SET_GSI_ROUTING		_IOW(OKVM_IOCTL_TYPE, 0x6a, struct okvm_irq_routing)
#define OKVM_REINJECT_CONTROL		_IO(OKVM_IOCTL_TYPE, 0x71)
#define OKVM_IRQFD			_IOW(OKVM_IOCTL_TYPE, 0x76, struct okvm_irqfd)
#define OKVM_CREATE_PIT2		_IOW(OKVM_IOCTL_TYPE, 0x77, struct okvm_pit_config)
#define OKVM_SET_BOOT_CPU_ID		_IO(OKVM_IOCTL_TYPE, 0x78)
#define OKVM_IOEVENTFD			_IOW(OKVM_IOCTL_TYPE, 0x79, struct okvm_ioeventfd)
#define OKVM_SET_CLOCK			_IOW(OKVM_IOCTL_TYPE, 0x7b, struct okvm_clock_data)
#define OKVM_GET_CLOCK			_IOR(OKVM_IOCTL_TYPE, 0x7c, struct okvm_clock_data)
#define OKVM_GET_PIT2			_IOR(OKVM_IOCTL_TYPE, 0x9f, struct okvm_pit_state2)
#define OKVM_SET_PIT2			_IOW(OKVM_IOCTL_TYPE, 0xa0, struct okvm_pit_state2)
/* SET/GET_TSC_KHZ: vcpu ioctls, and VM ioctls with KVM_CAP_VM_TSC_CONTROL */
#define OKVM_SET_TSC_KHZ		_IO(OKVM_IOCTL_TYPE, 0xa2)
#define OKVM_GET_TSC_KHZ		_IO(OKVM_IOCTL_TYPE, 0xa3)
#define OKVM_SIGNAL_MSI			_IOW(OKVM_IOCTL_TYPE, 0xa5, struct okvm_msi)
#define OKVM_CLEAR_DIRTY_LOG		_IOWR(OKVM_IOCTL_TYPE, 0xc0, struct okvm_clear_dirty_log)
/* GET_STATS_FD: VM and vcpu */
#define OKVM_GET_STATS_FD		_IO(OKVM_IOCTL_TYPE, 0xce)
#define OKVM_CREATE_DEVICE		_IOWR(OKVM_IOCTL_TYPE, 0xe0, struct okvm_create_device)
/* device attributes: device fds, and also system, VM and vcpu fds */
#define OKVM_SET_DEVICE_ATTR		_IOW(OKVM_IOCTL_TYPE, 0xe1, struct okvm_device_attr)
#define OKVM_GET_DEVICE_ATTR		_IOW(OKVM_IOCTL_TYPE, 0xe2, struct okvm_device_attr)
#define OKVM_HAS_DEVICE_ATTR		_IOW(OKVM_IOCTL_TYPE, 0xe3, struct okvm_device_attr)

/* ------------------------------------------------------------------ */
/* ioctls on a vcpu fd                                                 */
/* ------------------------------------------------------------------ */

#define OKVM_RUN			_IO(OKVM_IOCTL_TYPE, 0x80)
#define OKVM_GET_REGS			_IOR(OKVM_IOCTL_TYPE, 0x81, struct okvm_regs)
#define OKVM_SET_REGS			_IOW(OKVM_IOCTL_TYPE, 0x82, struct okvm_regs)
#define OKVM_GET_SREGS			_IOR(OKVM_IOCTL_TYPE, 0x83, struct okvm_sregs)
#define OKVM_SET_SREGS			_IOW(OKVM_IOCTL_TYPE, 0x84, struct okvm_sregs)
#define OKVM_TRANSLATE			_IOWR(OKVM_IOCTL_TYPE, 0x85, struct okvm_translation)
#define OKVM_INTERRUPT			_IOW(OKVM_IOCTL_TYPE, 0x86, struct okvm_interrupt)
#define OKVM_GET_MSRS			_IOWR(OKVM_IOCTL_TYPE, 0x88, struct okvm_msrs)
#define OKVM_SET_MSRS			_IOW(OKVM_IOCTL_TYPE, 0x89, struct okvm_msrs)
#define OKVM_SET_SIGNAL_MASK		_IOW(OKVM_IOCTL_TYPE, 0x8b, struct okvm_signal_mask)
#define OKVM_GET_FPU			_IOR(OKVM_IOCTL_TYPE, 0x8c, struct okvm_fpu)
#define OKVM_SET_FPU			_IOW(OKVM_IOCTL_TYPE, 0x8d, struct okvm_fpu)
#define OKVM_GET_LAPIC			_IOR(OKVM_IOCTL_TYPE, 0x8e, struct okvm_lapic_state)
#define OKVM_SET_LAPIC			_IOW(OKVM_IOCTL_TYPE, 0x8f, struct okvm_lapic_state)
#define OKVM_SET_VAPIC_ADDR		_IOW(OKVM_IOCTL_TYPE, 0x93, struct okvm_vapic_addr)
#define OKVM_SET_CPUID2			_IOW(OKVM_IOCTL_TYPE, 0x90, struct okvm_cpuid2)
#define OKVM_GET_CPUID2			_IOWR(OKVM_IOCTL_TYPE, 0x91, struct okvm_cpuid2)
#define OKVM_GET_MP_STATE		_IOR(OKVM_IOCTL_TYPE, 0x98, struct okvm_mp_state)
#define OKVM_SET_MP_STATE		_IOW(OKVM_IOCTL_TYPE, 0x99, struct okvm_mp_state)
#define OKVM_NMI			_IO(OKVM_IOCTL_TYPE, 0x9a)
#define OKVM_SET_GUEST_DEBUG		_IOW(OKVM_IOCTL_TYPE, 0x9b, struct okvm_guest_debug)
#define OKVM_X86_SETUP_MCE		_IOW(OKVM_IOCTL_TYPE, 0x9c, __u64)
#define OKVM_X86_GET_MCE_CAP_SUPPORTED	_IOR(OKVM_IOCTL_TYPE, 0x9d, __u64)
#define OKVM_X86_SET_MCE		_IOW(OKVM_IOCTL_TYPE, 0x9e, struct okvm_x86_mce)
#define OKVM_GET_VCPU_EVENTS		_IOR(OKVM_IOCTL_TYPE, 0x9f, struct okvm_vcpu_events)
#define OKVM_SET_VCPU_EVENTS		_IOW(OKVM_IOCTL_TYPE, 0xa0, struct okvm_vcpu_events)
#define OKVM_GET_DEBUGREGS		_IOR(OKVM_IOCTL_TYPE, 0xa1, struct okvm_debugregs)
#define OKVM_SET_DEBUGREGS		_IOW(OKVM_IOCTL_TYPE, 0xa2, struct okvm_debugregs)
/* ENABLE_CAP: vcpu, and VM with KVM_CAP_ENABLE_CAP_VM */
#define OKVM_ENABLE_CAP			_IOW(OKVM_IOCTL_TYPE, 0xa3, struct okvm_enable_cap)
#define OKVM_GET_XSAVE			_IOR(OKVM_IOCTL_TYPE, 0xa4, struct okvm_xsave)
#define OKVM_SET_XSAVE			_IOW(OKVM_IOCTL_TYPE, 0xa5, struct okvm_xsave)
#define OKVM_GET_XCRS			_IOR(OKVM_IOCTL_TYPE, 0xa6, struct okvm_xcrs)
#define OKVM_SET_XCRS			_IOW(OKVM_IOCTL_TYPE, 0xa7, struct okvm_xcrs)
#define OKVM_KVMCLOCK_CTRL		_IO(OKVM_IOCTL_TYPE, 0xad)
#define OKVM_SMI			_IO(OKVM_IOCTL_TYPE, 0xb7)
#define OKVM_GET_SREGS2			_IOR(OKVM_IOCTL_TYPE, 0xcc, struct okvm_sregs2)
#define OKVM_SET_SREGS2			_IOW(OKVM_IOCTL_TYPE, 0xcd, struct okvm_sregs2)
#define OKVM_GET_XSAVE2			_IOR(OKVM_IOCTL_TYPE, 0xcf, struct okvm_xsave)

#endif /* OKVM_UAPI_KVM_H */
