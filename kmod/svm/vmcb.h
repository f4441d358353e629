/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMCB and the SVM constants okvm uses, from the AMD64 Architecture Programmer's
 * Manual vol. 2, appendix B (layout, tables B-1 and B-2) and appendix C (exit codes).
 * The static_asserts pin every offset we rely on.
 */
#ifndef OKVM_SVM_VMCB_H
#define OKVM_SVM_VMCB_H

#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>

struct vmcb_seg {
	u16 selector;
	u16 attrib;		/* type:4 S:1 DPL:2 P:1 AVL:1 L:1 DB:1 G:1 */
	u32 limit;
	u64 base;
};

struct vmcb_control {
	u32 intercept_cr;	/* 000h: reads 15:0, writes 31:16 */
	u32 intercept_dr;	/* 004h */
	u32 intercept_exc;	/* 008h */
	u32 intercept_misc1;	/* 00Ch */
	u32 intercept_misc2;	/* 010h */
	u32 intercept_misc3;	/* 014h */
	u8 rsvd1[0x03c - 0x018];
	u16 pause_filter_thresh;	/* 03Ch */
	u16 pause_filter_count;		/* 03Eh */
	u64 iopm_base_pa;	/* 040h */
	u64 msrpm_base_pa;	/* 048h */
	u64 tsc_offset;		/* 050h */
	u32 asid;		/* 058h */
	u8 tlb_control;		/* 05Ch */
	u8 rsvd2[3];
	u64 int_ctl;		/* 060h: V_TPR 7:0, V_IRQ 8, V_INTR_MASKING 24 */
	u64 int_state;		/* 068h: interrupt shadow bit 0 */
	u64 exit_code;		/* 070h */
	u64 exit_info1;		/* 078h */
	u64 exit_info2;		/* 080h */
	u64 exit_int_info;	/* 088h */
	u64 np_control;		/* 090h: NP_ENABLE bit 0 */
	u64 avic_apic_bar;	/* 098h */
	u64 ghcb_pa;		/* 0A0h */
	u64 event_inj;		/* 0A8h */
	u64 n_cr3;		/* 0B0h */
	u64 virt_ext;		/* 0B8h: LBR virtualization, VMSAVE/VMLOAD virtualization */
	u32 clean;		/* 0C0h */
	u32 rsvd3;
	u64 next_rip;		/* 0C8h */
	u8 insn_len;		/* 0D0h */
	u8 insn_bytes[15];	/* 0D1h */
	u8 rsvd4[0x400 - 0x0e0];
} __packed;

struct vmcb_save {
	struct vmcb_seg es;	/* 000h */
	struct vmcb_seg cs;
	struct vmcb_seg ss;
	struct vmcb_seg ds;
	struct vmcb_seg fs;
	struct vmcb_seg gs;
	struct vmcb_seg gdtr;
	struct vmcb_seg ldtr;
	struct vmcb_seg idtr;
	struct vmcb_seg tr;	/* 090h */
	u8 rsvd1[0x0cb - 0x0a0];
	u8 cpl;			/* 0CBh */
	u32 rsvd2;
	u64 efer;		/* 0D0h */
	u8 rsvd3[0x148 - 0x0d8];
	u64 cr4;		/* 148h */
	u64 cr3;		/* 150h */
	u64 cr0;		/* 158h */
	u64 dr7;		/* 160h */
	u64 dr6;		/* 168h */
	u64 rflags;		/* 170h */
	u64 rip;		/* 178h */
	u8 rsvd4[0x1d8 - 0x180];
	u64 rsp;		/* 1D8h */
	u8 rsvd5[0x1f8 - 0x1e0];
	u64 rax;		/* 1F8h */
	u64 star;		/* 200h */
	u64 lstar;
	u64 cstar;
	u64 sfmask;
	u64 kernel_gs_base;	/* 220h */
	u64 sysenter_cs;
	u64 sysenter_esp;
	u64 sysenter_eip;
	u64 cr2;		/* 240h */
	u8 rsvd6[0x268 - 0x248];
	u64 g_pat;		/* 268h */
	u64 dbgctl;		/* 270h */
	u64 br_from;
	u64 br_to;
	u64 last_excp_from;
	u64 last_excp_to;	/* 290h */
} __packed;

struct vmcb {
	struct vmcb_control control;	/* 000h */
	struct vmcb_save save;		/* 400h */
	u8 rsvd[4096 - 0x400 - sizeof(struct vmcb_save)];
} __packed;

static_assert(sizeof(struct vmcb_seg) == 16);
static_assert(sizeof(struct vmcb_control) == 0x400);
static_assert(sizeof(struct vmcb) == 4096);
static_assert(offsetof(struct vmcb_control, pause_filter_thresh) == 0x03c);
static_assert(offsetof(struct vmcb_control, iopm_base_pa) == 0x040);
static_assert(offsetof(struct vmcb_control, msrpm_base_pa) == 0x048);
static_assert(offsetof(struct vmcb_control, tsc_offset) == 0x050);
static_assert(offsetof(struct vmcb_control, asid) == 0x058);
static_assert(offsetof(struct vmcb_control, tlb_control) == 0x05c);
static_assert(offsetof(struct vmcb_control, int_ctl) == 0x060);
static_assert(offsetof(struct vmcb_control, int_state) == 0x068);
static_assert(offsetof(struct vmcb_control, exit_code) == 0x070);
static_assert(offsetof(struct vmcb_control, exit_info1) == 0x078);
static_assert(offsetof(struct vmcb_control, exit_info2) == 0x080);
static_assert(offsetof(struct vmcb_control, exit_int_info) == 0x088);
static_assert(offsetof(struct vmcb_control, np_control) == 0x090);
static_assert(offsetof(struct vmcb_control, event_inj) == 0x0a8);
static_assert(offsetof(struct vmcb_control, n_cr3) == 0x0b0);
static_assert(offsetof(struct vmcb_control, clean) == 0x0c0);
static_assert(offsetof(struct vmcb_control, next_rip) == 0x0c8);
static_assert(offsetof(struct vmcb_control, insn_len) == 0x0d0);
static_assert(offsetof(struct vmcb_save, cs) == 0x010);
static_assert(offsetof(struct vmcb_save, gdtr) == 0x060);
static_assert(offsetof(struct vmcb_save, tr) == 0x090);
static_assert(offsetof(struct vmcb_save, cpl) == 0x0cb);
static_assert(offsetof(struct vmcb_save, efer) == 0x0d0);
static_assert(offsetof(struct vmcb_save, cr4) == 0x148);
static_assert(offsetof(struct vmcb_save, dr7) == 0x160);
static_assert(offsetof(struct vmcb_save, rflags) == 0x170);
static_assert(offsetof(struct vmcb_save, rip) == 0x178);
static_assert(offsetof(struct vmcb_save, rsp) == 0x1d8);
static_assert(offsetof(struct vmcb_save, rax) == 0x1f8);
static_assert(offsetof(struct vmcb_save, star) == 0x200);
static_assert(offsetof(struct vmcb_save, kernel_gs_base) == 0x220);
static_assert(offsetof(struct vmcb_save, cr2) == 0x240);
static_assert(offsetof(struct vmcb_save, g_pat) == 0x268);
static_assert(offsetof(struct vmcb_save, last_excp_to) == 0x290);

/* Intercept vector at 00Ch */
/* intercept_cr: reads of CRn are bit n, writes bit 16 + n. */
#define CR_WRITE(n)	BIT(16 + (n))

#define INT1_INTR	BIT(0)
#define INT1_NMI	BIT(1)
#define INT1_SMI	BIT(2)
#define INT1_INIT	BIT(3)
#define INT1_VINTR	BIT(4)
#define INT1_RDPMC	BIT(15)
#define INT1_CPUID	BIT(18)
#define INT1_RSM	BIT(19)
#define INT1_IRET	BIT(20)
#define INT1_INVD	BIT(22)
#define INT1_HLT	BIT(24)
#define INT1_INVLPGA	BIT(26)
#define INT1_IOIO	BIT(27)
#define INT1_MSR	BIT(28)
#define INT1_TASKSW	BIT(29)
#define INT1_FERR	BIT(30)
#define INT1_SHUTDOWN	BIT(31)
/* Intercept vector at 010h */
#define INT2_VMRUN	BIT(0)
#define INT2_VMMCALL	BIT(1)
#define INT2_VMLOAD	BIT(2)
#define INT2_VMSAVE	BIT(3)
#define INT2_STGI	BIT(4)
#define INT2_CLGI	BIT(5)
#define INT2_SKINIT	BIT(6)
#define INT2_RDTSCP	BIT(7)
#define INT2_WBINVD	BIT(9)
#define INT2_MONITOR	BIT(10)
#define INT2_MWAIT	BIT(11)
#define INT2_MWAIT_C	BIT(12)
#define INT2_XSETBV	BIT(13)
#define INT2_RDPRU	BIT(14)
/* Intercept vector at 014h */
#define INT3_INVLPGB	BIT(0)
#define INT3_INVLPGB_BAD BIT(1)
#define INT3_MCOMMIT	BIT(3)
#define INT3_TLBSYNC	BIT(4)

#define V_TPR_MASK		0xffULL
#define V_IRQ			BIT_ULL(8)
#define V_INTR_PRIO_SHIFT	16
#define V_IGN_TPR		BIT_ULL(20)
#define V_INTR_MASKING		BIT_ULL(24)
#define INT_STATE_SHADOW	BIT_ULL(0)
#define NP_ENABLE		BIT_ULL(0)
#define VMCB_TLB_FLUSH_NONE	0
#define VMCB_TLB_FLUSH_ALL	1

/* EVENTINJ / EXITINTINFO */
#define EV_VECTOR_MASK		0xffULL
#define EV_TYPE_SHIFT		8
#define EV_TYPE_MASK		(7ULL << EV_TYPE_SHIFT)
#define EV_TYPE_INTR		0
#define EV_TYPE_NMI		2
#define EV_TYPE_EXC		3
#define EV_TYPE_SOFT		4
#define EV_ERR_VALID		BIT_ULL(11)
#define EV_VALID		BIT_ULL(31)

/* IOIO EXITINFO1 */
#define IOIO_IN			BIT(0)
#define IOIO_STR		BIT(2)
#define IOIO_REP		BIT(3)
#define IOIO_SZ_SHIFT		4
#define IOIO_A_SHIFT		7
#define IOIO_SEG_SHIFT		10
#define IOIO_PORT_SHIFT		16

/* NPF EXITINFO1 */
#define NPF_WRITE		BIT_ULL(1)
#define NPF_FETCH		BIT_ULL(4)

/* Exit codes (appendix C) */
#define EXIT_WRITE_CR0		0x010
#define EXIT_WRITE_CR4		0x014
#define EXIT_READ_DR0		0x020
#define EXIT_WRITE_DR0		0x030
#define EXIT_EXC_BASE		0x040
#define EXIT_INTR		0x060
#define EXIT_NMI		0x061
#define EXIT_SMI		0x062
#define EXIT_INIT		0x063
#define EXIT_VINTR		0x064
#define EXIT_RDPMC		0x06f
#define EXIT_CPUID		0x072
#define EXIT_RSM		0x073
#define EXIT_IRET		0x074
#define EXIT_INVD		0x076
#define EXIT_HLT		0x078
#define EXIT_INVLPGA		0x07a
#define EXIT_IOIO		0x07b
#define EXIT_MSR		0x07c
#define EXIT_TASK_SWITCH	0x07d
#define EXIT_FERR_FREEZE	0x07e
#define EXIT_SHUTDOWN		0x07f
#define EXIT_VMRUN		0x080
#define EXIT_VMMCALL		0x081
#define EXIT_VMLOAD		0x082
#define EXIT_VMSAVE		0x083
#define EXIT_STGI		0x084
#define EXIT_CLGI		0x085
#define EXIT_SKINIT		0x086
#define EXIT_RDTSCP		0x087
#define EXIT_WBINVD		0x089
#define EXIT_MONITOR		0x08a
#define EXIT_MWAIT		0x08b
#define EXIT_MWAIT_C		0x08c
#define EXIT_XSETBV		0x08d
#define EXIT_RDPRU		0x08e
#define EXIT_INVLPGB		0x0a0
#define EXIT_INVLPGB_BAD	0x0a1
#define EXIT_MCOMMIT		0x0a3
#define EXIT_TLBSYNC		0x0a4
#define EXIT_NPF		0x400
#define EXIT_INVALID		((u64)-1)

#endif
