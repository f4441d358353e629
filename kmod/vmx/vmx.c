// SPDX-License-Identifier: GPL-2.0-only
/* Intel VMX backend: probe and report only for now (the backend is issue 7). */
#include <linux/kernel.h>
#include <asm/processor.h>
#include <asm/msr.h>

#include "../okvm.h"
#include "../hv.h"

/* CPUID.1:ECX.VMX, and control bits from the VMX capability MSRs (Intel SDM vol. 3, appendix A). */
#define CPUID_VMX		BIT(5)
#define PROCBASED_SECONDARY	BIT(31)
#define PROCBASED2_EPT		BIT(1)
#define PROCBASED2_UG		BIT(7)

static int vmx_probe(char *feat, size_t len)
{
	u64 fc, ctl = 0, ctl2 = 0;

	if (!(cpuid_ecx(1) & CPUID_VMX)) {
		pr_err("okvm: this CPU has no VMX (VT-x); okvm needs hardware virtualization\n");
		return -ENODEV;
	}
	if (rdmsrq_safe(MSR_IA32_FEAT_CTL, &fc) ||
	    ((fc & FEAT_CTL_LOCKED) && !(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))) {
		pr_err("okvm: VMX is disabled by the BIOS (IA32_FEATURE_CONTROL); enable VT-x in the firmware setup\n");
		return -ENODEV;
	}
	/* The allowed-1 settings are the high 32 bits. */
	if (!rdmsrq_safe(MSR_IA32_VMX_PROCBASED_CTLS, &ctl) && ((ctl >> 32) & PROCBASED_SECONDARY))
		rdmsrq_safe(MSR_IA32_VMX_PROCBASED_CTLS2, &ctl2);
	ctl2 >>= 32;
	snprintf(feat, len, "vmx%s%s (VMX backend not implemented yet: CREATE_VM will fail)",
		 (ctl2 & PROCBASED2_EPT) ? " ept" : "",
		 (ctl2 & PROCBASED2_UG) ? " unrestricted-guest" : "");
	return 0;
}

static int vmx_init(void)
{
	return 0;
}

static void vmx_exit(void)
{
}

static int vmx_vm_check(void)
{
	pr_info_once("okvm: the Intel VMX backend is not implemented yet\n");
	return -ENODEV;
}

const struct okvm_hv_ops vmx_hv_ops = {
	.name = "vmx",
	.probe = vmx_probe,
	.init = vmx_init,
	.exit = vmx_exit,
	.vm_check = vmx_vm_check,
};
