/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VMCS field encodings, control bits, exit reasons and EPT bits used by the VMX backend.
 * Source: Intel SDM vol. 3C, appendix A (capability MSRs), appendix B (field encodings),
 * appendix C (exit reasons), chapters 25-29.
 */
#ifndef OKVM_VMX_VMCS_H
#define OKVM_VMX_VMCS_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/types.h>

/* 16-bit fields */
#define VMCS_VPID			0x0000
#define VMCS_GUEST_SEL(n)		(0x0800 + 2 * (n))	/* ES CS SS DS FS GS LDTR TR */
#define VMCS_HOST_ES_SEL		0x0c00
#define VMCS_HOST_CS_SEL		0x0c02
#define VMCS_HOST_SS_SEL		0x0c04
#define VMCS_HOST_DS_SEL		0x0c06
#define VMCS_HOST_FS_SEL		0x0c08
#define VMCS_HOST_GS_SEL		0x0c0a
#define VMCS_HOST_TR_SEL		0x0c0c

/* 64-bit fields */
#define VMCS_IO_BITMAP_A		0x2000
#define VMCS_IO_BITMAP_B		0x2002
#define VMCS_MSR_BITMAP			0x2004
#define VMCS_TSC_OFFSET			0x2010
#define VMCS_EPTP			0x201a
#define VMCS_ENCLS_BITMAP		0x202e
#define VMCS_GUEST_PHYS_ADDR		0x2400
#define VMCS_LINK_PTR			0x2800
#define VMCS_GUEST_DEBUGCTL		0x2802
#define VMCS_GUEST_PAT			0x2804
#define VMCS_GUEST_EFER			0x2806
#define VMCS_GUEST_PDPTE(n)		(0x280a + 2 * (n))
#define VMCS_HOST_PAT			0x2c00
#define VMCS_HOST_EFER			0x2c02

/* 32-bit fields */
#define VMCS_PIN_CTLS			0x4000
#define VMCS_PROC_CTLS			0x4002
#define VMCS_EXC_BITMAP			0x4004
#define VMCS_PF_ERR_MASK		0x4006
#define VMCS_PF_ERR_MATCH		0x4008
#define VMCS_CR3_TARGET_COUNT		0x400a
#define VMCS_EXIT_CTLS			0x400c
#define VMCS_EXIT_MSR_STORE_COUNT	0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT	0x4010
#define VMCS_ENTRY_CTLS			0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT	0x4014
#define VMCS_ENTRY_INTR_INFO		0x4016
#define VMCS_ENTRY_EXC_ERROR		0x4018
#define VMCS_ENTRY_INSN_LEN		0x401a
#define VMCS_TPR_THRESHOLD		0x401c
#define VMCS_PROC_CTLS2			0x401e
#define VMCS_INSN_ERROR			0x4400
#define VMCS_EXIT_REASON		0x4402
#define VMCS_EXIT_INTR_INFO		0x4404
#define VMCS_EXIT_INTR_ERROR		0x4406
#define VMCS_IDT_VEC_INFO		0x4408
#define VMCS_IDT_VEC_ERROR		0x440a
#define VMCS_EXIT_INSN_LEN		0x440c
#define VMCS_EXIT_INSN_INFO		0x440e
#define VMCS_GUEST_LIMIT(n)		(0x4800 + 2 * (n))	/* ES .. TR, then GDTR, IDTR */
#define VMCS_GUEST_AR(n)		(0x4814 + 2 * (n))	/* ES .. TR */
#define VMCS_GUEST_INTR_STATE		0x4824
#define VMCS_GUEST_ACTIVITY		0x4826
#define VMCS_GUEST_SYSENTER_CS		0x482a
#define VMCS_HOST_SYSENTER_CS		0x4c00

/* Natural-width fields */
#define VMCS_CR0_MASK			0x6000
#define VMCS_CR4_MASK			0x6002
#define VMCS_CR0_SHADOW			0x6004
#define VMCS_CR4_SHADOW			0x6006
#define VMCS_EXIT_QUAL			0x6400
#define VMCS_GUEST_CR0			0x6800
#define VMCS_GUEST_CR3			0x6802
#define VMCS_GUEST_CR4			0x6804
#define VMCS_GUEST_BASE(n)		(0x6806 + 2 * (n))	/* ES .. TR, then GDTR, IDTR */
#define VMCS_GUEST_DR7			0x681a
#define VMCS_GUEST_RSP			0x681c
#define VMCS_GUEST_RIP			0x681e
#define VMCS_GUEST_RFLAGS		0x6820
#define VMCS_GUEST_PENDING_DBG		0x6822
#define VMCS_GUEST_SYSENTER_ESP		0x6824
#define VMCS_GUEST_SYSENTER_EIP		0x6826
#define VMCS_HOST_CR0			0x6c00
#define VMCS_HOST_CR3			0x6c02
#define VMCS_HOST_CR4			0x6c04
#define VMCS_HOST_FS_BASE		0x6c06
#define VMCS_HOST_GS_BASE		0x6c08
#define VMCS_HOST_TR_BASE		0x6c0a
#define VMCS_HOST_GDTR_BASE		0x6c0c
#define VMCS_HOST_IDTR_BASE		0x6c0e
#define VMCS_HOST_SYSENTER_ESP		0x6c10
#define VMCS_HOST_SYSENTER_EIP		0x6c12
#define VMCS_HOST_RSP			0x6c14
#define VMCS_HOST_RIP			0x6c16

/* The segment fields come in the x86 encoding order okvm uses (OKVM_ES .. OKVM_TR). */
static_assert(VMCS_GUEST_SEL(7) == 0x080e && VMCS_GUEST_LIMIT(7) == 0x480e);
static_assert(VMCS_GUEST_AR(7) == 0x4822 && VMCS_GUEST_BASE(7) == 0x6814);
static_assert(VMCS_GUEST_LIMIT(8) == 0x4810 && VMCS_GUEST_BASE(9) == 0x6818);

/* Pin-based controls */
#define PIN_EXT_INTR			BIT(0)
#define PIN_NMI				BIT(3)
#define PIN_VIRTUAL_NMI			BIT(5)

/* Primary processor-based controls */
#define PROC_INTR_WINDOW		BIT(2)
#define PROC_TSC_OFFSET			BIT(3)
#define PROC_HLT			BIT(7)
#define PROC_INVLPG			BIT(9)
#define PROC_MWAIT			BIT(10)
#define PROC_RDPMC			BIT(11)
#define PROC_RDTSC			BIT(12)
#define PROC_CR3_LOAD			BIT(15)
#define PROC_CR3_STORE			BIT(16)
#define PROC_CR8_LOAD			BIT(19)
#define PROC_CR8_STORE			BIT(20)
#define PROC_TPR_SHADOW			BIT(21)
#define PROC_NMI_WINDOW			BIT(22)
#define PROC_MOV_DR			BIT(23)
#define PROC_UNCOND_IO			BIT(24)
#define PROC_IO_BITMAPS			BIT(25)
#define PROC_MSR_BITMAPS		BIT(28)
#define PROC_MONITOR			BIT(29)
#define PROC_PAUSE			BIT(30)
#define PROC_SECONDARY			BIT(31)

/* Secondary processor-based controls */
#define PROC2_EPT			BIT(1)
#define PROC2_RDTSCP			BIT(3)
#define PROC2_VPID			BIT(5)
#define PROC2_WBINVD			BIT(6)
#define PROC2_UG			BIT(7)
#define PROC2_INVPCID			BIT(12)
#define PROC2_ENCLS			BIT(15)

/* VM-exit controls */
#define EXIT_SAVE_DEBUG			BIT(2)
#define EXIT_HOST_64			BIT(9)
#define EXIT_ACK_INTR			BIT(15)
#define EXIT_SAVE_PAT			BIT(18)
#define EXIT_LOAD_PAT			BIT(19)
#define EXIT_SAVE_EFER			BIT(20)
#define EXIT_LOAD_EFER			BIT(21)

/* VM-entry controls */
#define ENTRY_LOAD_DEBUG		BIT(2)
#define ENTRY_IA32E			BIT(9)
#define ENTRY_LOAD_PAT			BIT(14)
#define ENTRY_LOAD_EFER			BIT(15)

/* IA32_VMX_BASIC */
#define BASIC_REVISION(b)		((u32)(b) & 0x7fffffff)
#define BASIC_SIZE(b)			(((b) >> 32) & 0x1fff)
#define BASIC_32BIT_ADDR		BIT_ULL(48)
#define BASIC_MEMTYPE(b)		(((b) >> 50) & 0xf)
#define BASIC_INOUT_INFO		BIT_ULL(54)
#define BASIC_TRUE_CTLS			BIT_ULL(55)

/* IA32_VMX_EPT_VPID_CAP */
#define EPTCAP_WALK4			BIT_ULL(6)
#define EPTCAP_WB			BIT_ULL(14)
#define EPTCAP_INVEPT			BIT_ULL(20)
#define EPTCAP_INVEPT_SINGLE		BIT_ULL(25)
#define EPTCAP_INVEPT_ALL		BIT_ULL(26)
#define VPIDCAP_INVVPID			BIT_ULL(32)
#define VPIDCAP_SINGLE			BIT_ULL(41)
#define VPIDCAP_ALL			BIT_ULL(42)

/* EPTP: write-back tables, 4-level walk. */
#define EPTP_WB				6
#define EPTP_WALK4			(3 << 3)

/* Interruption information (entry, exit and IDT-vectoring) */
#define INTR_VECTOR(i)			((i) & 0xff)
#define INTR_TYPE(i)			(((i) >> 8) & 7)
#define INTR_TYPE_EXT			0
#define INTR_TYPE_NMI			2
#define INTR_TYPE_HW_EXC		3
#define INTR_TYPE_SOFT_INTR		4
#define INTR_TYPE_PRIV_SOFT_EXC		5
#define INTR_TYPE_SOFT_EXC		6
#define INTR_HAS_ERROR			BIT(11)
#define INTR_NMI_UNBLOCK		BIT(12)
#define INTR_VALID			BIT(31)

/* Guest interruptibility state */
#define INTR_STATE_STI			BIT(0)
#define INTR_STATE_MOV_SS		BIT(1)
#define INTR_STATE_NMI			BIT(3)

/* Exit reasons (basic reason, bits 15:0) */
#define EXIT_REASON_EXC_NMI		0
#define EXIT_REASON_EXT_INTR		1
#define EXIT_REASON_TRIPLE_FAULT	2
#define EXIT_REASON_INIT		3
#define EXIT_REASON_SIPI		4
#define EXIT_REASON_IO_SMI		5
#define EXIT_REASON_OTHER_SMI		6
#define EXIT_REASON_INTR_WINDOW		7
#define EXIT_REASON_NMI_WINDOW		8
#define EXIT_REASON_TASK_SWITCH		9
#define EXIT_REASON_CPUID		10
#define EXIT_REASON_GETSEC		11
#define EXIT_REASON_HLT			12
#define EXIT_REASON_INVD		13
#define EXIT_REASON_RDPMC		15
#define EXIT_REASON_VMCALL		18
#define EXIT_REASON_VMXOFF_LAST		27	/* 18..27: VMCALL .. VMXON */
#define EXIT_REASON_CR			28
#define EXIT_REASON_DR			29
#define EXIT_REASON_IO			30
#define EXIT_REASON_RDMSR		31
#define EXIT_REASON_WRMSR		32
#define EXIT_REASON_BAD_GUEST		33
#define EXIT_REASON_BAD_MSR_LOAD	34
#define EXIT_REASON_MWAIT		36
#define EXIT_REASON_MONITOR		39
#define EXIT_REASON_ENTRY_MC		41
#define EXIT_REASON_EPT_VIOLATION	48
#define EXIT_REASON_EPT_MISCONFIG	49
#define EXIT_REASON_INVEPT		50
#define EXIT_REASON_INVVPID		53
#define EXIT_REASON_WBINVD		54
#define EXIT_REASON_XSETBV		55
#define EXIT_REASON_VMFUNC		59
#define EXIT_REASON_ENCLS		60
#define EXIT_REASON_ENTRY_FAIL		BIT(31)

/* EPT violation qualification */
#define EPTV_READ			BIT(0)
#define EPTV_WRITE			BIT(1)
#define EPTV_FETCH			BIT(2)
#define EPTV_NMI_UNBLOCK		BIT(12)

#endif
