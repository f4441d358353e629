// SPDX-License-Identifier: GPL-2.0-only
/* AMD SVM backend. */
#include <linux/kernel.h>
#include <asm/processor.h>
#include <asm/msr.h>

#include "../okvm.h"
#include "../hv.h"

/* CPUID Fn8000_0001 ECX and Fn8000_000A EDX bits (AMD APM vol. 3, appendix E). */
#define CPUID_SVM		BIT(2)
#define SVM_FEAT_NP		BIT(0)
#define SVM_FEAT_NRIPS		BIT(3)
#define SVM_FEAT_FLUSHBYASID	BIT(6)
#define SVM_FEAT_DECODEASSISTS	BIT(7)
#define SVM_FEAT_VGIF		BIT(16)
/* VM_CR MSR: SVMDIS, set by firmware to forbid EFER.SVME. */
#define VM_CR_SVMDIS		BIT_ULL(4)

static u32 svm_features;
static u32 svm_nasid;

static int svm_probe(char *feat, size_t len)
{
	u64 vmcr;

	if (cpuid_eax(0x80000000) < 0x8000000a || !(cpuid_ecx(0x80000001) & CPUID_SVM)) {
		pr_err("okvm: this AMD CPU has no SVM (AMD-V); okvm needs hardware virtualization\n");
		return -ENODEV;
	}
	if (rdmsrq_safe(MSR_VM_CR, &vmcr)) {
		pr_err("okvm: SVM is listed but the VM_CR MSR cannot be read\n");
		return -ENODEV;
	}
	if (vmcr & VM_CR_SVMDIS) {
		pr_err("okvm: SVM is disabled by the BIOS (VM_CR.SVMDIS is set); enable SVM/AMD-V in the firmware setup\n");
		return -ENODEV;
	}
	svm_features = cpuid_edx(0x8000000a);
	svm_nasid = cpuid_ebx(0x8000000a);
	if (!(svm_features & SVM_FEAT_NP)) {
		pr_err("okvm: SVM without nested paging (NPT) is not supported\n");
		return -ENODEV;
	}
	if (svm_nasid < 2) {
		pr_err("okvm: SVM reports %u ASIDs; need at least one for guests\n", svm_nasid);
		return -ENODEV;
	}
	snprintf(feat, len, "svm npt nrips=%s decode-assists=%s flush-by-asid=%s%s asids=%u",
		 (svm_features & SVM_FEAT_NRIPS) ? "yes" : "no",
		 (svm_features & SVM_FEAT_DECODEASSISTS) ? "yes" : "no",
		 (svm_features & SVM_FEAT_FLUSHBYASID) ? "yes" : "no",
		 (svm_features & SVM_FEAT_VGIF) ? " vgif" : "",
		 svm_nasid);
	return 0;
}

static int svm_init(void)
{
	return 0;
}

static void svm_exit(void)
{
}

const struct okvm_hv_ops svm_hv_ops = {
	.name = "svm",
	.probe = svm_probe,
	.init = svm_init,
	.exit = svm_exit,
};
