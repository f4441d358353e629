// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MSRs okvm virtualises. Those whose home is the VMCB go to the backend; the rest
 * are kept in the vcpu and never reach the hardware, so the host's values (TSC_AUX,
 * SPEC_CTRL, DEBUGCTL, MTRRs) are never changed by a guest.
 */
#include <linux/kernel.h>
#include <asm/msr-index.h>

#include "../okvm.h"
#include "../hv.h"

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
};
const unsigned int okvm_msr_count = ARRAY_SIZE(okvm_msr_list);

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

int okvm_get_msr(struct okvm_vcpu *v, u32 index, u64 *value, bool host)
{
	int r = okvm_hv->get_msr(v, index, value);

	if (r != -ENOENT)
		return r;
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
	default:
		r = okvm_mtrr_slot(index);
		if (r < 0)
			return -ENOENT;
		*value = v->mtrr[r];
		return 0;
	}
}

int okvm_set_msr(struct okvm_vcpu *v, u32 index, u64 value, bool host)
{
	int r = okvm_hv->set_msr(v, index, value);

	if (r != -ENOENT)
		return r;
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
	default:
		r = okvm_mtrr_slot(index);
		if (r < 0)
			return -ENOENT;
		v->mtrr[r] = value;
		return 0;
	}
}
