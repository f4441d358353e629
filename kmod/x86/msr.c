// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MSRs okvm virtualises. Those whose home is the VMCB go to the backend; the rest
 * are kept in the vcpu and never reach the hardware, so the host's values (TSC_AUX,
 * SPEC_CTRL, DEBUGCTL, MTRRs) are never changed by a guest.
 */
#include <linux/kernel.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "../okvm.h"
#include "../hv.h"
#include "irqchip.h"

const u32 okvm_msr_list[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE,
	MSR_FS_BASE, MSR_GS_BASE, MSR_EFER, MSR_IA32_CR_PAT, MSR_IA32_TSC,
	MSR_IA32_APICBASE, MSR_TSC_AUX, MSR_IA32_MISC_ENABLE, MSR_IA32_DEBUGCTLMSR,
	MSR_MTRRcap, MSR_MTRRdefType,
	MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000, MSR_MTRRfix16K_A0000,
	MSR_MTRRfix4K_C0000, MSR_MTRRfix4K_C8000, MSR_MTRRfix4K_D0000, MSR_MTRRfix4K_D8000,
	MSR_MTRRfix4K_E0000, MSR_MTRRfix4K_E8000, MSR_MTRRfix4K_F0000, MSR_MTRRfix4K_F8000,
	0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207,
	0x208, 0x209, 0x20a, 0x20b, 0x20c, 0x20d, 0x20e, 0x20f,
	MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL,
	MSR_IA32_TSC_DEADLINE, MSR_IA32_TSC_ADJUST,
};

/*
 * AMD MSRs Linux reads on AMD CPUs without a fault handler: SYSCFG (TOM2, memory
 * encryption), HWCR, and the interrupt-pending message register (C1E). None of their
 * features exists for a guest here: they read as 0, and only 0 may be written.
 */
#define MSR_SYSCFG_AMD		0xc0010010
/*
 * IA32_BIOS_SIGN_ID: Linux writes 0 and reads back the microcode revision (bits 63:32)
 * on every Intel CPU. The guest's write is the "load the revision" request and changes
 * nothing; the VMM may set the revision.
 */
#define MSR_BIOS_SIGN_ID	0x8b
#define MSR_HWCR_AMD		0xc0010015
#define MSR_INT_PENDING_AMD	0xc0010055
const unsigned int okvm_msr_count = ARRAY_SIZE(okvm_msr_list);

/*
 * kvmclock's MSRs (old and new numbers). okvm offers no KVM paravirtual CPUID leaves, so a
 * guest never enables the clock; VMMs still write the disabled value at reset (QEMU 7.2
 * asserts that the write succeeds). Host writes of 0 are accepted, the guest gets #GP.
 */
static bool okvm_msr_kvmclock(u32 index)
{
	return index == 0x11 || index == 0x12 || index == 0x4b564d00 || index == 0x4b564d01;
}

/* MTRR storage slot: 0 def type, 1..11 fixed ranges, 12..27 variable ranges (8 pairs). */
static int okvm_mtrr_slot(u32 index)
{
	switch (index) {
	case MSR_MTRRdefType:
		return 0;
	case MSR_MTRRfix64K_00000:
		return 1;
	case MSR_MTRRfix16K_80000:
		return 2;
	case MSR_MTRRfix16K_A0000:
		return 3;
	case MSR_MTRRfix4K_C0000 ... MSR_MTRRfix4K_F8000:
		return 4 + index - MSR_MTRRfix4K_C0000;
	case 0x200 ... 0x20f:
		return 12 + index - 0x200;
	default:
		return -1;
	}
}

/*
 * Machine-check registers: the guest sees banks that never report an error (nothing is
 * forwarded from the host); VMMs save and restore them. MCG_CTL exists only with
 * MCG_CAP.MCG_CTL_P, MCi_CTL takes 0 or all ones, a guest may only clear MCi_STATUS.
 */
#define MCG_CTL_P	BIT_ULL(8)

static u64 *okvm_mce_reg(struct okvm_vcpu *v, u32 index)
{
	u32 n = index - MSR_IA32_MC0_CTL;

	if (index < MSR_IA32_MC0_CTL || n >= (v->mcg_cap & 0xff) * 4)
		return NULL;
	return &v->mce_banks[n];
}

static int okvm_get_mce(struct okvm_vcpu *v, u32 index, u64 *value, bool host)
{
	u64 *reg;

	switch (index) {
	case MSR_IA32_MCG_CAP:
		*value = v->mcg_cap;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*value = v->mcg_status;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(v->mcg_cap & MCG_CTL_P) && !host)
			return -EINVAL;
		*value = v->mcg_ctl;
		return 0;
	}
	reg = okvm_mce_reg(v, index);
	if (!reg)
		return -ENOENT;
	*value = *reg;
	return 0;
}

static int okvm_set_mce(struct okvm_vcpu *v, u32 index, u64 value, bool host)
{
	u64 *reg;

	switch (index) {
	case MSR_IA32_MCG_CAP:
		/* The bank count and MCG_CTL_P, set by the VMM only. */
		if (!host || (value & ~(0xffULL | MCG_CTL_P)) || (value & 0xff) > OKVM_MCE_BANKS)
			return -EINVAL;
		v->mcg_cap = value;
		return 0;
	case MSR_IA32_MCG_STATUS:
		v->mcg_status = value;
		return 0;
	case MSR_IA32_MCG_CTL:
		if ((!(v->mcg_cap & MCG_CTL_P) && (value || !host)) || (value && value != ~0ULL))
			return -EINVAL;
		v->mcg_ctl = value;
		return 0;
	}
	reg = okvm_mce_reg(v, index);
	if (!reg)
		return -ENOENT;
	switch ((index - MSR_IA32_MC0_CTL) & 3) {
	case 0:
		/*
		 * 0 or all ones; Linux clears bit 10 of MC4_CTL on AMD (the K8 GART table
		 * walk erratum), and bit 0 may read back clear on some CPUs: allow both.
		 */
		if (value && (value | BIT_ULL(10) | BIT_ULL(0)) != ~0ULL)
			return -EINVAL;
		break;
	case 1:
		if (value && !host)
			return -EINVAL;
		break;
	}
	*reg = value;
	return 0;
}

/* KVM_X86_SETUP_MCE: the bank count and capability bits; every bank enabled. */
int okvm_mce_setup(struct okvm_vcpu *v, u64 mcg_cap)
{
	u32 banks = mcg_cap & 0xff, i;

	if (!banks || banks > OKVM_MCE_BANKS || (mcg_cap & ~(0xffULL | OKVM_MCG_CAP_BITS)))
		return -EINVAL;
	v->mcg_cap = mcg_cap;
	v->mcg_status = 0;
	v->mcg_ctl = (mcg_cap & MCG_CTL_P) ? ~0ULL : 0;
	memset(v->mce_banks, 0, sizeof(v->mce_banks));
	for (i = 0; i < banks; i++)
		v->mce_banks[i * 4] = ~0ULL;
	return 0;
}

#define MCI_STATUS_VAL	BIT_ULL(63)
#define MCI_STATUS_UC	BIT_ULL(61)
#define MCG_STATUS_MCIP	BIT_ULL(2)

/*
 * KVM_X86_SET_MCE: record an error in a bank; an uncorrected one is raised as #MC, or
 * shuts the guest down when it cannot take one (CR4.MCE clear, or already in #MC).
 */
int okvm_mce_inject(struct okvm_vcpu *v, const struct okvm_x86_mce *m)
{
	u32 banks = v->mcg_cap & 0xff;
	u64 *b;

	if (m->bank >= banks || !(m->status & MCI_STATUS_VAL))
		return -EINVAL;
	b = &v->mce_banks[m->bank * 4];
	/* A bank that is switched off drops the report (the CPU's rule). */
	if ((m->status & MCI_STATUS_UC) && (v->mcg_cap & MCG_CTL_P) && v->mcg_ctl != ~0ULL)
		return 0;
	if (b[0] != ~0ULL)
		return 0;
	if (m->status & MCI_STATUS_UC) {
		if ((v->mcg_status & MCG_STATUS_MCIP) || !(okvm_hv->get_cr(v, 4) & X86_CR4_MCE))
			return 1;	/* shutdown */
		if (b[1] & MCI_STATUS_VAL)
			b[1] |= BIT_ULL(62);	/* OVER */
		v->mcg_status = m->mcg_status;
		b[1] = m->status;
		b[2] = m->addr;
		b[3] = m->misc;
		okvm_queue_exception(v, 18, false, 0);
		return 0;
	}
	if (!(b[1] & MCI_STATUS_VAL) || !(b[1] & MCI_STATUS_UC)) {
		b[1] = m->status;
		b[2] = m->addr;
		b[3] = m->misc;
	}
	return 0;
}

int okvm_get_msr(struct okvm_vcpu *v, u32 index, u64 *value, bool host)
{
	int r;

	if (index == MSR_IA32_TSC_ADJUST) {
		*value = v->tsc_adjust;
		return 0;
	}
	r = okvm_hv->get_msr(v, index, value);

	if (r != -ENOENT)
		return r;
	/* x2APIC registers and the TSC deadline belong to the in-kernel APIC. */
	if (v->apic) {
		r = okvm_lapic_rdmsr(v, index, value);
		if (r != -ENOENT)
			return r;
	} else if (index == MSR_IA32_TSC_DEADLINE) {
		/* As KVM without an in-kernel APIC: there is no timer, the MSR reads 0. */
		*value = 0;
		return 0;
	}
	switch (index) {
	case MSR_IA32_APICBASE:
		*value = v->apic_base;
		return 0;
	case MSR_TSC_AUX:
		*value = v->tsc_aux;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*value = v->misc_enable;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		*value = v->debugctl;
		return 0;
	case MSR_MTRRcap:
		/* 8 variable ranges, fixed ranges, write-combining. */
		*value = 0x500 | 8;
		return 0;
	case MSR_SYSCFG_AMD:
	case MSR_HWCR_AMD:
	case MSR_INT_PENDING_AMD:
		*value = 0;
		return 0;
	case MSR_BIOS_SIGN_ID:
		*value = v->ucode_rev;
		return 0;
	default:
		if (host && okvm_msr_kvmclock(index)) {
			*value = 0;
			return 0;
		}
		r = okvm_get_mce(v, index, value, host);
		if (r != -ENOENT)
			return r;
		r = okvm_mtrr_slot(index);
		if (r < 0)
			return -ENOENT;
		*value = v->mtrr[r];
		return 0;
	}
}

int okvm_set_msr(struct okvm_vcpu *v, u32 index, u64 value, bool host)
{
	int r;

	/*
	 * The guest may not switch EFER.LME while paging is on (#GP, as on the CPU): not every
	 * SVM implementation checks the state this leaves at the next VMRUN.
	 */
	if (!host && index == MSR_EFER && (okvm_hv->get_cr(v, 0) & X86_CR0_PG) &&
	    ((value ^ okvm_hv->get_efer(v)) & EFER_LME))
		return -EINVAL;
	/*
	 * SDM "Time-stamp counter adjustment": a guest's write of the TSC moves TSC_ADJUST by
	 * the same amount, and one of TSC_ADJUST moves the TSC. A VMM's writes of either only
	 * set that one (restoring state must not count twice).
	 */
	if (index == MSR_IA32_TSC_ADJUST) {
		if (!host) {
			u64 tsc;

			okvm_hv->get_msr(v, MSR_IA32_TSC, &tsc);
			okvm_hv->set_msr(v, MSR_IA32_TSC, tsc + (value - v->tsc_adjust));
		}
		v->tsc_adjust = value;
		return 0;
	}
	if (index == MSR_IA32_TSC && !host) {
		u64 tsc;

		okvm_hv->get_msr(v, MSR_IA32_TSC, &tsc);
		v->tsc_adjust += value - tsc;
	}
	r = okvm_hv->set_msr(v, index, value);

	if (r != -ENOENT)
		return r;
	if (v->apic) {
		if (index == MSR_IA32_APICBASE)
			return okvm_lapic_set_base(v, value, host);
		r = okvm_lapic_wrmsr(v, index, value);
		if (r != -ENOENT)
			return r;
	} else if (index == MSR_IA32_TSC_DEADLINE) {
		/* As KVM without an in-kernel APIC: the write is dropped (QEMU restores it). */
		return 0;
	}
	switch (index) {
	case MSR_IA32_APICBASE:
		/* Enable (11), x2APIC (10, not offered) and BSP (8, host only) and the base. */
		if (value & ~(0xfffff000ULL | BIT(11) | BIT(8)))
			return -EINVAL;
		if (!host && ((value ^ v->apic_base) & BIT(8)))
			return -EINVAL;
		v->apic_base = value;
		return 0;
	case MSR_TSC_AUX:
		if (value >> 32)
			return -EINVAL;
		v->tsc_aux = value;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		v->misc_enable = value;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		/* No LBR or BTF virtualization: only 0 is kept. */
		if (value && !host)
			return -EINVAL;
		v->debugctl = 0;
		return 0;
	case MSR_MTRRcap:
		return host ? 0 : -EINVAL;
	case MSR_SYSCFG_AMD:
	case MSR_HWCR_AMD:
	case MSR_INT_PENDING_AMD:
		return value ? -EINVAL : 0;
	case MSR_BIOS_SIGN_ID:
		if (host)
			v->ucode_rev = value;
		return 0;
	default:
		if (host && okvm_msr_kvmclock(index))
			return value ? -EINVAL : 0;
		r = okvm_set_mce(v, index, value, host);
		if (r != -ENOENT)
			return r;
		r = okvm_mtrr_slot(index);
		if (r < 0)
			return -ENOENT;
		v->mtrr[r] = value;
		return 0;
	}
}
