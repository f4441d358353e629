// SPDX-License-Identifier: GPL-2.0-only
/* CPUID: the supported table (host values filtered to what okvm virtualises) and the guest's CPUID. */
#include <linux/kernel.h>
#include <asm/processor.h>
#include <asm/fpu/xcr.h>

#include "../okvm.h"
#include "../hv.h"

/*
 * Feature bits okvm passes through when the host has them (Intel SDM vol. 2 CPUID,
 * AMD APM vol. 3 appendix E). Everything else reads as 0: no nested virtualization,
 * no MONITOR/MWAIT, no PMU. x2APIC is the in-kernel APIC's (x86/lapic.c), offered
 * whatever the host has, as KVM does; a VMM without KVM_CREATE_IRQCHIP must not pass it
 * on. The TSC-deadline timer is announced by KVM_CAP_TSC_DEADLINE_TIMER instead (as KVM).
 */
#define F1_ECX_APIC	BIT(21)
#define F1_ECX	(BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | BIT(19) | BIT(20) | BIT(22) | \
		 BIT(23) | BIT(25) | BIT(26) | BIT(28) | BIT(29) | BIT(30))
#define F1_EDX	(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | \
		 BIT(9) | BIT(11) | BIT(12) | BIT(13) | BIT(14) | BIT(15) | BIT(16) | BIT(17) | \
		 BIT(19) | BIT(23) | BIT(24) | BIT(25) | BIT(26))
#define F7_EBX	(BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(8) | BIT(9) | BIT(18) | BIT(19) | BIT(20) | \
		 BIT(23) | BIT(24) | BIT(29))
#define F7_ECX	(BIT(2))
#define F7_EDX	0
#define FX1_ECX	(BIT(0) | BIT(5) | BIT(6) | BIT(8))
#define FX1_EDX	(BIT(11) | BIT(20) | BIT(26) | BIT(27) | BIT(29))
#define CPUID_HYPERVISOR BIT(31)
#define CPUID_OSXSAVE	BIT(27)
#define CPUID_XSAVE	BIT(26)
#define XCR0_OKVM	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM)

static u64 okvm_host_xcr0(void)
{
	return boot_cpu_has(X86_FEATURE_OSXSAVE) ? xgetbv(XCR_XFEATURE_ENABLED_MASK) : 0;
}

/* The XCR0 bits a guest may set. */
u64 okvm_guest_xcr0_mask(void)
{
	return okvm_host_xcr0() & XCR0_OKVM;
}

static void put(struct okvm_cpuid_entry2 *e, u32 fn, u32 idx, u32 flags)
{
	u32 a, b, c, d;

	cpuid_count(fn, idx, &a, &b, &c, &d);
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = flags;
	e->eax = a;
	e->ebx = b;
	e->ecx = c;
	e->edx = d;
}

int okvm_supported_cpuid(struct okvm_cpuid_entry2 *ent, int max)
{
	u32 maxb = min_t(u32, cpuid_eax(0), 0xd);
	u32 maxx = min_t(u32, cpuid_eax(0x80000000), 0x80000008);
	u64 xcr0 = okvm_guest_xcr0_mask();
	int n = 0;
	u32 fn, i;

	for (fn = 0; fn <= maxb && n < max - 2; fn++) {
		struct okvm_cpuid_entry2 *e = &ent[n];

		switch (fn) {
		case 0:
			put(e, 0, 0, 0);
			e->eax = maxb;
			n++;
			break;
		case 1:
			put(e, 1, 0, 0);
			e->ebx &= 0x0000ffff;	/* no host APIC id or logical count */
			e->ecx = (e->ecx & F1_ECX) | F1_ECX_APIC | CPUID_HYPERVISOR;
			if (!xcr0)
				e->ecx &= ~(CPUID_XSAVE | BIT(28));
			e->edx &= F1_EDX;
			n++;
			break;
		case 7:
			put(e, 7, 0, OKVM_CPUID_FLAG_SIGNIFICANT_INDEX);
			e->eax = 0;
			/* IA32_TSC_ADJUST is emulated (x86/msr.c), whatever the host has. */
			e->ebx = (e->ebx & F7_EBX) | BIT(1);
			e->ecx &= F7_ECX;
			e->edx &= F7_EDX;
			n++;
			break;
		case 0xd:
			if (!xcr0)
				break;
			put(e, 0xd, 0, OKVM_CPUID_FLAG_SIGNIFICANT_INDEX);
			e->eax = (u32)xcr0;
			e->edx = (u32)(xcr0 >> 32);
			/* Largest size for the features a guest may enable. */
			e->ecx = (xcr0 & XFEATURE_MASK_YMM) ? 832 : 576;
			e->ebx = e->ecx;
			n++;
			put(&ent[n], 0xd, 1, OKVM_CPUID_FLAG_SIGNIFICANT_INDEX);
			ent[n].eax &= BIT(0) | BIT(2);	/* XSAVEOPT, XGETBV with ECX=1 */
			ent[n].ebx = ent[n].ecx = ent[n].edx = 0;
			n++;
			for (i = 2; i < 3 && n < max; i++)
				if (xcr0 & BIT_ULL(i))
					put(&ent[n++], 0xd, i, OKVM_CPUID_FLAG_SIGNIFICANT_INDEX);
			break;
		default:
			break;
		}
	}
	/*
	 * The hypervisor leaves as KVM lays them out: the "KVMKVMKVM" signature, and
	 * 0x40000001 with no paravirtual feature at all (okvm offers none: no kvmclock,
	 * no PV EOI, ...), so that a guest knows its hypervisor and asks for nothing.
	 */
	if (n < max - 2) {
		memset(&ent[n], 0, sizeof(ent[n]));
		ent[n].function = 0x40000000;
		ent[n].eax = 0x40000001;
		ent[n].ebx = 0x4b4d564b;	/* "KVMK" */
		ent[n].ecx = 0x564b4d56;	/* "VMKV" */
		ent[n].edx = 0x4d;		/* "M\0\0\0" */
		n++;
		memset(&ent[n], 0, sizeof(ent[n]));
		ent[n].function = 0x40000001;
		n++;
	}
	for (fn = 0x80000000; fn <= maxx && n < max; fn++) {
		struct okvm_cpuid_entry2 *e = &ent[n];

		switch (fn) {
		case 0x80000000:
			put(e, fn, 0, 0);
			e->eax = maxx;
			n++;
			break;
		case 0x80000001:
			put(e, fn, 0, 0);
			e->ebx = 0;
			e->ecx &= FX1_ECX;
			e->edx &= FX1_EDX;
			n++;
			break;
		case 0x80000002 ... 0x80000006:
			put(e, fn, 0, 0);
			n++;
			break;
		case 0x80000008:
			put(e, fn, 0, 0);
			e->eax &= 0xffff;	/* physical and linear address sizes */
			e->ebx = e->ecx = e->edx = 0;
			n++;
			break;
		default:
			break;
		}
	}
	return n;
}

static struct okvm_cpuid_entry2 *okvm_cpuid_find(struct okvm_vcpu *v, u32 fn, u32 idx)
{
	int i;

	for (i = 0; i < v->ncpuid; i++) {
		struct okvm_cpuid_entry2 *e = &v->cpuid[i];

		if (e->function == fn &&
		    (!(e->flags & OKVM_CPUID_FLAG_SIGNIFICANT_INDEX) || e->index == idx))
			return e;
	}
	return NULL;
}

/* The guest executed CPUID: answer from the table userspace set; absent leaves read as 0. */
void okvm_emulate_cpuid(struct okvm_vcpu *v)
{
	u32 fn = v->regs[OKVM_RAX], idx = v->regs[OKVM_RCX];
	struct okvm_cpuid_entry2 *e = okvm_cpuid_find(v, fn, idx);
	u32 a = 0, b = 0, c = 0, d = 0;

	if (e) {
		a = e->eax;
		b = e->ebx;
		c = e->ecx;
		d = e->edx;
		/* OSXSAVE mirrors the guest's CR4. */
		if (fn == 1) {
			c &= ~CPUID_OSXSAVE;
			if (okvm_hv->get_cr(v, 4) & X86_CR4_OSXSAVE)
				c |= CPUID_OSXSAVE;
		}
	}
	v->regs[OKVM_RAX] = a;
	v->regs[OKVM_RBX] = b;
	v->regs[OKVM_RCX] = c;
	v->regs[OKVM_RDX] = d;
}
