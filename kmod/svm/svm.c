// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD SVM backend.
 *
 * Sharing SVM with kvm_amd (or any other owner): okvm never leaves EFER.SVME set and
 * never leaves VM_HSAVE_PA changed while interrupts are on. Right before each VMRUN,
 * with interrupts off, it reads both: if SVME is clear it sets it and clears it again
 * after #VMEXIT; if another owner's host save area is installed it installs its own and
 * puts the other back after #VMEXIT. Other owners (which act on a CPU only from that
 * CPU, with interrupts on) therefore never see okvm's state, and kvm_amd's "SVME already
 * set" check never locks it out. When another owner may have run guests on this CPU
 * since okvm's last entry, okvm flushes all ASIDs on entry.
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/processor.h>
#include <asm/msr.h>
#include <asm/io.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/special_insns.h>

#include "../okvm.h"
#include "../hv.h"
#include "vmcb.h"

/* CPUID Fn8000_0001 ECX and Fn8000_000A EDX bits (AMD APM vol. 3, appendix E). */
#define CPUID_SVM		BIT(2)
#define SVM_FEAT_NP		BIT(0)
#define SVM_FEAT_NRIPS		BIT(3)
#define SVM_FEAT_FLUSHBYASID	BIT(6)
#define SVM_FEAT_DECODEASSISTS	BIT(7)
#define SVM_FEAT_VGIF		BIT(16)
/* VM_CR MSR: SVMDIS, set by firmware to forbid EFER.SVME. */
#define VM_CR_SVMDIS		BIT_ULL(4)

#define IOPM_ORDER		2	/* 12 KiB used */
#define MSRPM_ORDER		1	/* 8 KiB */

void svm_vmrun(u64 vmcb_pa, u64 *regs, u64 host_save_pa);

static int trace_exits;
module_param(trace_exits, int, 0644);
MODULE_PARM_DESC(trace_exits, "debugging: log this many SVM exits");

static u32 svm_features;
static u32 svm_nasid;
static void *svm_iopm, *svm_msrpm;
static enum cpuhp_state svm_hp_state;

struct svm_cpu {
	bool ready;
	void *hsave;		/* our VM_HSAVE_PA page */
	void *host_save;	/* VMSAVE area for host state */
	u64 asid_gen;
	u32 next_asid;
};
static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);

struct svm_vcpu {
	struct vmcb *vmcb;
	u64 efer;		/* as the guest sees it (no forced SVME) */
	u64 asid_gen;
	int asid_cpu;
	u32 asid;
	int last_cpu;
	/*
	 * NMI blocking is ours to track (no vNMI): set when an NMI is injected, cleared once
	 * the guest's IRET has executed, i.e. at the first exit with RIP past iret_rip.
	 */
	bool nmi_masked, iret_seen;
	u64 iret_rip;
};

static inline struct svm_vcpu *to_svm(struct okvm_vcpu *v)
{
	return v->hv;
}

static bool svm_has(u32 bit)
{
	return svm_features & bit;
}

/* ---- probe, per-CPU set-up ---- */

static void svm_count_busy(void *busy)
{
	u64 efer;

	if (!rdmsrq_safe(MSR_EFER, &efer) && (efer & EFER_SVME))
		atomic_inc(busy);
}

static int svm_probe(char *feat, size_t len)
{
	atomic_t busy = ATOMIC_INIT(0);
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
	if (!svm_has(SVM_FEAT_NP)) {
		pr_err("okvm: SVM without nested paging (NPT) is not supported\n");
		return -ENODEV;
	}
	if (svm_nasid < 2) {
		pr_err("okvm: SVM reports %u ASIDs; need at least one for guests\n", svm_nasid);
		return -ENODEV;
	}
	/* Another hypervisor holding SVM right now (e.g. kvm_amd with VMs, or enable_virt_at_load). */
	on_each_cpu(svm_count_busy, &busy, 1);
	snprintf(feat, len, "svm npt nrips=%s decode-assists=%s flush-by-asid=%s%s asids=%u svm-in-use-by-other=%s",
		 svm_has(SVM_FEAT_NRIPS) ? "yes" : "no",
		 svm_has(SVM_FEAT_DECODEASSISTS) ? "yes" : "no",
		 svm_has(SVM_FEAT_FLUSHBYASID) ? "yes" : "no",
		 svm_has(SVM_FEAT_VGIF) ? " vgif" : "",
		 svm_nasid, atomic_read(&busy) ? "yes(sharing)" : "no");
	return 0;
}

static int svm_cpu_online(unsigned int cpu)
{
	struct svm_cpu *c = per_cpu_ptr(&svm_cpus, cpu);
	u64 vmcr;

	if (rdmsrq_safe(MSR_VM_CR, &vmcr) || (vmcr & VM_CR_SVMDIS)) {
		pr_warn("okvm: SVM is disabled on cpu %u; guests will not run there\n", cpu);
		return 0;
	}
	if (!c->hsave)
		c->hsave = (void *)get_zeroed_page(GFP_KERNEL);
	if (!c->host_save)
		c->host_save = (void *)get_zeroed_page(GFP_KERNEL);
	if (!c->hsave || !c->host_save)
		return -ENOMEM;
	/* The first entry on this CPU starts a new ASID generation and flushes. */
	c->asid_gen++;
	c->next_asid = svm_nasid;
	WRITE_ONCE(c->ready, true);
	return 0;
}

static int svm_cpu_offline(unsigned int cpu)
{
	struct svm_cpu *c = per_cpu_ptr(&svm_cpus, cpu);
	u64 pa;

	WRITE_ONCE(c->ready, false);
	/* Leave no pointer to our page in the MSR, unless another owner replaced it. */
	if (c->hsave && !rdmsrq_safe(MSR_VM_HSAVE_PA, &pa) && pa == virt_to_phys(c->hsave))
		wrmsrq(MSR_VM_HSAVE_PA, 0);
	return 0;
}

static void svm_msrpm_allow(u32 msr)
{
	u32 base, off;
	u8 *pm = svm_msrpm;

	if (msr < 0x2000)
		base = 0, off = msr;
	else if (msr >= 0xc0000000 && msr < 0xc0002000)
		base = 0x800, off = msr - 0xc0000000;
	else
		base = 0x1000, off = msr - 0xc0010000;
	/* Two bits per MSR: read, then write. */
	pm[base + off / 4] &= ~(3 << ((off % 4) * 2));
}

static void svm_free_global(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *c = per_cpu_ptr(&svm_cpus, cpu);

		free_page((unsigned long)c->hsave);
		free_page((unsigned long)c->host_save);
		c->hsave = c->host_save = NULL;
	}
	if (svm_iopm)
		free_pages((unsigned long)svm_iopm, IOPM_ORDER);
	if (svm_msrpm)
		free_pages((unsigned long)svm_msrpm, MSRPM_ORDER);
	svm_iopm = svm_msrpm = NULL;
}

static int svm_init(void)
{
	int r;

	svm_iopm = (void *)__get_free_pages(GFP_KERNEL, IOPM_ORDER);
	svm_msrpm = (void *)__get_free_pages(GFP_KERNEL, MSRPM_ORDER);
	if (!svm_iopm || !svm_msrpm) {
		svm_free_global();
		return -ENOMEM;
	}
	/* Deny by default: every port and every MSR is intercepted... */
	memset(svm_iopm, 0xff, PAGE_SIZE << IOPM_ORDER);
	memset(svm_msrpm, 0xff, PAGE_SIZE << MSRPM_ORDER);
	/* ...except the MSRs VMLOAD/VMSAVE switch with the guest's values. */
	svm_msrpm_allow(MSR_FS_BASE);
	svm_msrpm_allow(MSR_GS_BASE);
	svm_msrpm_allow(MSR_KERNEL_GS_BASE);
	svm_msrpm_allow(MSR_STAR);
	svm_msrpm_allow(MSR_LSTAR);
	svm_msrpm_allow(MSR_CSTAR);
	svm_msrpm_allow(MSR_SYSCALL_MASK);
	svm_msrpm_allow(MSR_IA32_SYSENTER_CS);
	svm_msrpm_allow(MSR_IA32_SYSENTER_ESP);
	svm_msrpm_allow(MSR_IA32_SYSENTER_EIP);


	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "okvm/svm:online", svm_cpu_online, svm_cpu_offline);
	if (r < 0) {
		svm_free_global();
		return r;
	}
	svm_hp_state = r;
	return 0;
}

static void svm_exit(void)
{
	cpuhp_remove_state(svm_hp_state);
	svm_free_global();
}

static int svm_vm_check(void)
{
	return 0;
}

/* ---- segments and state ---- */

static struct vmcb_seg *svm_seg(struct vmcb *vmcb, int seg)
{
	struct vmcb_save *s = &vmcb->save;

	switch (seg) {
	case OKVM_ES: return &s->es;
	case OKVM_CS: return &s->cs;
	case OKVM_SS: return &s->ss;
	case OKVM_DS: return &s->ds;
	case OKVM_FS: return &s->fs;
	case OKVM_GS: return &s->gs;
	case OKVM_LDTR: return &s->ldtr;
	case OKVM_TR: return &s->tr;
	case OKVM_GDTR: return &s->gdtr;
	default: return &s->idtr;
	}
}

static void svm_get_seg(struct okvm_vcpu *v, int seg, struct okvm_segment *o)
{
	struct vmcb_seg *s = svm_seg(to_svm(v)->vmcb, seg);
	u16 a = s->attrib;

	memset(o, 0, sizeof(*o));
	o->base = s->base;
	o->limit = s->limit;
	o->selector = s->selector;
	o->type = a & 0xf;
	o->s = (a >> 4) & 1;
	o->dpl = (a >> 5) & 3;
	o->present = (a >> 7) & 1;
	o->avl = (a >> 8) & 1;
	o->l = (a >> 9) & 1;
	o->db = (a >> 10) & 1;
	o->g = (a >> 11) & 1;
	o->unusable = !o->present;
	/* What SVM does not keep, reported as the architecture defines it. */
	switch (seg) {
	case OKVM_CS:
		o->g = s->limit > 0xfffff;
		break;
	case OKVM_TR:
		o->type |= 2;	/* busy */
		break;
	case OKVM_SS:
		if (o->unusable)
			o->db = 0;
		o->dpl = to_svm(v)->vmcb->save.cpl;
		break;
	case OKVM_ES:
	case OKVM_DS:
	case OKVM_FS:
	case OKVM_GS:
		if (!o->unusable)
			o->type |= 1;	/* accessed */
		break;
	}
}

static void svm_set_seg(struct okvm_vcpu *v, int seg, const struct okvm_segment *i)
{
	struct vmcb_seg *s = svm_seg(to_svm(v)->vmcb, seg);

	s->base = i->base;
	s->limit = i->limit;
	s->selector = i->selector;
	if (i->unusable)
		s->attrib = 0;
	else
		s->attrib = (i->type & 0xf) | (i->s & 1) << 4 | (i->dpl & 3) << 5 | (i->present & 1) << 7 |
			    (i->avl & 1) << 8 | (i->l & 1) << 9 | (i->db & 1) << 10 | (i->g & 1) << 11;
}

static void svm_get_sregs(struct okvm_vcpu *v, struct okvm_sregs *o)
{
	struct svm_vcpu *sv = to_svm(v);
	struct vmcb_save *s = &sv->vmcb->save;

	svm_get_seg(v, OKVM_CS, &o->cs);
	svm_get_seg(v, OKVM_DS, &o->ds);
	svm_get_seg(v, OKVM_ES, &o->es);
	svm_get_seg(v, OKVM_FS, &o->fs);
	svm_get_seg(v, OKVM_GS, &o->gs);
	svm_get_seg(v, OKVM_SS, &o->ss);
	svm_get_seg(v, OKVM_TR, &o->tr);
	svm_get_seg(v, OKVM_LDTR, &o->ldt);
	o->gdt.base = s->gdtr.base;
	o->gdt.limit = s->gdtr.limit;
	o->idt.base = s->idtr.base;
	o->idt.limit = s->idtr.limit;
	o->cr0 = s->cr0;
	o->cr2 = s->cr2;
	o->cr3 = s->cr3;
	o->cr4 = s->cr4;
	o->cr8 = sv->vmcb->control.int_ctl & V_TPR_MASK;
	o->efer = sv->efer;
}

/*
 * EFER as the VMCB holds it: SVME always (the hardware needs it), LME only while long
 * mode is active. Until CR0.PG is set LME has no effect, and okvm intercepts that CR0
 * write and activates long mode itself (svm_set_cr); but QEMU's TCG SVM (7.2) stops
 * taking #VMEXITs, interrupts and NMIs included, after a VMRUN with LME set and paging
 * off: a host CPU lost to a guest that sets EFER.LME before CR0.PG, or to KVM_SET_SREGS.
 */
static u64 svm_vmcb_efer(const struct svm_vcpu *sv)
{
	u64 efer = sv->efer & ~(u64)(EFER_LME | EFER_LMA);

	if (sv->efer & EFER_LMA)
		efer |= EFER_LME | EFER_LMA;
	return efer | EFER_SVME;
}

static void svm_set_sregs(struct okvm_vcpu *v, const struct okvm_sregs *i)
{
	struct svm_vcpu *sv = to_svm(v);
	struct vmcb_save *s = &sv->vmcb->save;

	svm_set_seg(v, OKVM_CS, &i->cs);
	svm_set_seg(v, OKVM_DS, &i->ds);
	svm_set_seg(v, OKVM_ES, &i->es);
	svm_set_seg(v, OKVM_FS, &i->fs);
	svm_set_seg(v, OKVM_GS, &i->gs);
	svm_set_seg(v, OKVM_SS, &i->ss);
	svm_set_seg(v, OKVM_TR, &i->tr);
	svm_set_seg(v, OKVM_LDTR, &i->ldt);
	s->gdtr.base = i->gdt.base;
	s->gdtr.limit = i->gdt.limit;
	s->idtr.base = i->idt.base;
	s->idtr.limit = i->idt.limit;
	s->cr0 = i->cr0;
	s->cr2 = i->cr2;
	s->cr3 = i->cr3;
	s->cr4 = i->cr4;
	sv->vmcb->control.int_ctl = (sv->vmcb->control.int_ctl & ~V_TPR_MASK) | (i->cr8 & 0xf);
	sv->efer = i->efer;
	s->efer = svm_vmcb_efer(sv);
	/* CPL follows SS.DPL in protected mode and is 0 in real mode. */
	s->cpl = (i->cr0 & X86_CR0_PE) ? i->ss.dpl : 0;
}

static u64 svm_get_cr(struct okvm_vcpu *v, int cr)
{
	struct vmcb_save *s = &to_svm(v)->vmcb->save;

	switch (cr) {
	case 0: return s->cr0;
	case 2: return s->cr2;
	case 3: return s->cr3;
	case 8: return to_svm(v)->vmcb->control.int_ctl & 0xf;
	default: return s->cr4;
	}
}

static u64 svm_get_efer(struct okvm_vcpu *v)
{
	return to_svm(v)->efer;
}

static int svm_get_cpl(struct okvm_vcpu *v)
{
	return to_svm(v)->vmcb->save.cpl;
}

static int svm_get_msr(struct okvm_vcpu *v, u32 index, u64 *val)
{
	struct svm_vcpu *sv = to_svm(v);
	struct vmcb_save *s = &sv->vmcb->save;

	switch (index) {
	case MSR_IA32_SYSENTER_CS: *val = s->sysenter_cs; return 0;
	case MSR_IA32_SYSENTER_ESP: *val = s->sysenter_esp; return 0;
	case MSR_IA32_SYSENTER_EIP: *val = s->sysenter_eip; return 0;
	case MSR_STAR: *val = s->star; return 0;
	case MSR_LSTAR: *val = s->lstar; return 0;
	case MSR_CSTAR: *val = s->cstar; return 0;
	case MSR_SYSCALL_MASK: *val = s->sfmask; return 0;
	case MSR_KERNEL_GS_BASE: *val = s->kernel_gs_base; return 0;
	case MSR_FS_BASE: *val = s->fs.base; return 0;
	case MSR_GS_BASE: *val = s->gs.base; return 0;
	case MSR_IA32_CR_PAT: *val = s->g_pat; return 0;
	case MSR_EFER: *val = sv->efer; return 0;
	case MSR_IA32_TSC: *val = rdtsc() + sv->vmcb->control.tsc_offset; return 0;
	default: return -ENOENT;
	}
}

static bool svm_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (8 * i);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

static int svm_set_msr(struct okvm_vcpu *v, u32 index, u64 val)
{
	struct svm_vcpu *sv = to_svm(v);
	struct vmcb_save *s = &sv->vmcb->save;

	switch (index) {
	case MSR_IA32_SYSENTER_CS: s->sysenter_cs = val; return 0;
	case MSR_IA32_SYSENTER_ESP: s->sysenter_esp = val; return 0;
	case MSR_IA32_SYSENTER_EIP: s->sysenter_eip = val; return 0;
	case MSR_STAR: s->star = val; return 0;
	case MSR_LSTAR: s->lstar = val; return 0;
	case MSR_CSTAR: s->cstar = val; return 0;
	case MSR_SYSCALL_MASK: s->sfmask = val; return 0;
	case MSR_KERNEL_GS_BASE: s->kernel_gs_base = val; return 0;
	case MSR_FS_BASE: s->fs.base = val; return 0;
	case MSR_GS_BASE: s->gs.base = val; return 0;
	case MSR_IA32_CR_PAT:
		if (!svm_pat_valid(val))
			return -EINVAL;
		s->g_pat = val;
		return 0;
	case MSR_EFER:
		/* SCE, LME, LMA, NXE; LMA is the hardware's to change. */
		if (val & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
			return -EINVAL;
		sv->efer = (val & ~(u64)EFER_LMA) | (sv->efer & EFER_LMA);
		s->efer = svm_vmcb_efer(sv);
		return 0;
	case MSR_IA32_TSC:
		sv->vmcb->control.tsc_offset = val - rdtsc();
		return 0;
	default:
		return -ENOENT;
	}
}

static void svm_set_cr(struct okvm_vcpu *v, int cr, u64 val)
{
	struct svm_vcpu *sv = to_svm(v);
	struct vmcb *vmcb = sv->vmcb;

	switch (cr) {
	case 0:
		/* With the write intercepted, long mode activation (EFER.LMA) is ours to do. */
		vmcb->save.cr0 = val;
		if ((val & X86_CR0_PG) && (sv->efer & EFER_LME))
			sv->efer |= EFER_LMA;
		else if (!(val & X86_CR0_PG))
			sv->efer &= ~EFER_LMA;
		vmcb->save.efer = svm_vmcb_efer(sv);
		break;
	case 2:
		vmcb->save.cr2 = val;
		break;
	case 4:
		vmcb->save.cr4 = val;
		break;
	case 8:
		vmcb->control.int_ctl = (vmcb->control.int_ctl & ~V_TPR_MASK) | (val & 0xf);
		break;
	}
}

static void svm_inject_event(struct okvm_vcpu *v, const struct okvm_event *ev)
{
	static const u8 type[] = {
		[OKVM_EV_INTR] = EV_TYPE_INTR, [OKVM_EV_NMI] = EV_TYPE_NMI,
		[OKVM_EV_EXC] = EV_TYPE_EXC, [OKVM_EV_SOFT_INTR] = EV_TYPE_SOFT,
		[OKVM_EV_SOFT_EXC] = EV_TYPE_EXC,
	};
	struct vmcb *vmcb = to_svm(v)->vmcb;

	vmcb->control.event_inj = ev->vector | ((u64)type[ev->type] << EV_TYPE_SHIFT) | EV_VALID |
				  (ev->has_error ? EV_ERR_VALID | ((u64)ev->error << 32) : 0);
}

/* VINTR: a virtual interrupt that the guest "takes" as soon as it is interruptible. */
static void svm_set_windows(struct okvm_vcpu *v, bool irq, bool nmi)
{
	struct svm_vcpu *sv = to_svm(v);
	struct vmcb_control *c = &sv->vmcb->control;

	if (irq) {
		c->int_ctl |= V_IRQ | (0xfULL << V_INTR_PRIO_SHIFT) | V_IGN_TPR;
		c->intercept_misc1 |= INT1_VINTR;
	} else {
		c->int_ctl &= ~(V_IRQ | (0xfULL << V_INTR_PRIO_SHIFT) | V_IGN_TPR);
		c->intercept_misc1 &= ~INT1_VINTR;
	}
	/* The NMI window opens at IRET: the intercept is on while NMIs are masked. */
	(void)nmi;
}

static u32 svm_get_interrupt_shadow(struct okvm_vcpu *v)
{
	return (to_svm(v)->vmcb->control.int_state & INT_STATE_SHADOW) ? OKVM_X86_SHADOW_INT_MOV_SS : 0;
}

static void svm_set_interrupt_shadow(struct okvm_vcpu *v, u32 shadow)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->control;

	if (shadow)
		c->int_state |= INT_STATE_SHADOW;
	else
		c->int_state &= ~INT_STATE_SHADOW;
}

static bool svm_get_nmi_mask(struct okvm_vcpu *v)
{
	return to_svm(v)->nmi_masked;
}

static void svm_set_nmi_mask(struct okvm_vcpu *v, bool masked)
{
	struct svm_vcpu *sv = to_svm(v);

	sv->nmi_masked = masked;
	sv->iret_seen = false;
	if (masked)
		sv->vmcb->control.intercept_misc1 |= INT1_IRET;
	else
		sv->vmcb->control.intercept_misc1 &= ~INT1_IRET;
}

/* ---- vcpu ---- */

static void svm_init_seg(struct vmcb_seg *s, u16 attrib)
{
	s->selector = 0;
	s->base = 0;
	s->limit = 0xffff;
	s->attrib = attrib;
}

static int svm_vcpu_init(struct okvm_vcpu *v)
{
	struct svm_vcpu *sv;
	struct vmcb *vmcb;
	struct vmcb_control *c;
	struct vmcb_save *s;

	sv = kzalloc(sizeof(*sv), GFP_KERNEL_ACCOUNT);
	if (!sv)
		return -ENOMEM;
	vmcb = (struct vmcb *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vmcb) {
		kfree(sv);
		return -ENOMEM;
	}
	sv->vmcb = vmcb;
	sv->asid_cpu = -1;
	sv->last_cpu = -1;
	v->hv = sv;
	c = &vmcb->control;
	s = &vmcb->save;

	/* Deny by default: everything a guest could do to the host or to other guests exits. */
	/*
	 * CR0 and CR4 writes are checked by okvm (as by the CPU): not every implementation of
	 * SVM faults on an illegal one (QEMU's TCG lets 64-bit code clear CR0.PG, and the
	 * emulated CPU then never takes another #VMEXIT).
	 */
	c->intercept_cr = CR_WRITE(0) | CR_WRITE(4);
	c->intercept_dr = 0x00ff00ff;	/* DR0-7 reads and writes */
	c->intercept_exc = BIT(1) | BIT(17) | BIT(18);	/* #DB, #AC (no microcode loops), #MC */
	c->intercept_misc1 = INT1_INTR | INT1_NMI | INT1_SMI | INT1_INIT | INT1_RDPMC | INT1_CPUID |
			     INT1_RSM | INT1_INVD | INT1_HLT | INT1_INVLPGA | INT1_IOIO | INT1_MSR |
			     INT1_TASKSW | INT1_SHUTDOWN;
	c->intercept_misc2 = INT2_VMRUN | INT2_VMMCALL | INT2_VMLOAD | INT2_VMSAVE | INT2_STGI |
			     INT2_CLGI | INT2_SKINIT | INT2_RDTSCP | INT2_WBINVD | INT2_MONITOR |
			     INT2_MWAIT | INT2_MWAIT_C | INT2_XSETBV | INT2_RDPRU;
	/* INVLPGB broadcasts to other CPUs: never let a guest issue it. */
	if (cpuid_eax(0x80000000) >= 0x80000008 && (cpuid_ebx(0x80000008) & BIT(3)))
		c->intercept_misc3 = INT3_INVLPGB | INT3_INVLPGB_BAD | INT3_TLBSYNC;
	c->iopm_base_pa = virt_to_phys(svm_iopm);
	c->msrpm_base_pa = virt_to_phys(svm_msrpm);
	c->tsc_offset = -rdtsc();
	c->int_ctl = V_INTR_MASKING;
	c->np_control = NP_ENABLE;
	c->n_cr3 = okvm_mmu_root(v->vm);

	/* The architectural reset state (APM vol. 2, 14.1.3). */
	svm_init_seg(&s->es, 0x93);
	svm_init_seg(&s->ss, 0x93);
	svm_init_seg(&s->ds, 0x93);
	svm_init_seg(&s->fs, 0x93);
	svm_init_seg(&s->gs, 0x93);
	svm_init_seg(&s->cs, 0x9b);
	s->cs.selector = 0xf000;
	s->cs.base = 0xffff0000;
	svm_init_seg(&s->ldtr, 0x82);
	svm_init_seg(&s->tr, 0x8b);
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;
	s->cr0 = X86_CR0_NW | X86_CR0_CD | X86_CR0_ET;
	s->efer = EFER_SVME;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ULL;
	return 0;
}

static void svm_vcpu_fini(struct okvm_vcpu *v)
{
	struct svm_vcpu *sv = to_svm(v);

	if (!sv)
		return;
	free_page((unsigned long)sv->vmcb);
	kfree(sv);
	v->hv = NULL;
}

/* ---- run ---- */

static void svm_exit_decode(struct okvm_vcpu *v, struct okvm_exit *x)
{
	struct svm_vcpu *sv = to_svm(v);
	struct vmcb_control *c = &sv->vmcb->control;
	u64 code = c->exit_code, i1 = c->exit_info1;

	x->hw_reason = code;
	x->info1 = i1;
	x->info2 = c->exit_info2;
	x->next_rip = svm_has(SVM_FEAT_NRIPS) ? c->next_rip : 0;

	switch (code) {
	case EXIT_INTR:
	case EXIT_NMI:
	case EXIT_SMI:
	case EXIT_INIT:
		/* The host took (or takes right now) what it wanted. */
		x->kind = OKVM_X_NONE;
		break;
	case EXIT_EXC_BASE + 18:
		/* A machine check in the guest belongs to the host's handler. */
		asm volatile("int $0x12");
		x->kind = OKVM_X_NONE;
		break;
	case EXIT_EXC_BASE + 1:
		/* The VMM's single-step or breakpoints first; else the guest's own #DB. */
		if (v->guest_debug & (OKVM_GUESTDBG_SINGLESTEP | OKVM_GUESTDBG_USE_HW_BP)) {
			x->kind = OKVM_X_DEBUG;
			x->dbg.vector = 1;
			x->dbg.dr6 = sv->vmcb->save.dr6;
			sv->vmcb->save.dr6 = 0xffff0ff0;
			break;
		}
		okvm_queue_exception(v, 1, false, 0);
		x->kind = OKVM_X_NONE;
		break;
	case EXIT_EXC_BASE + 3:
		/* Intercepted only for KVM_GUESTDBG_USE_SW_BP; RIP is the INT3's. */
		x->kind = OKVM_X_DEBUG;
		x->dbg.vector = 3;
		x->dbg.dr6 = 0;
		break;
	case EXIT_EXC_BASE + 17:
		okvm_queue_exception(v, 17, true, 0);
		x->kind = OKVM_X_NONE;
		break;
	case EXIT_WRITE_CR0:
	case EXIT_WRITE_CR4:
		x->kind = OKVM_X_CR_WRITE;
		x->cr = code - EXIT_WRITE_CR0;
		break;
	case EXIT_VINTR:
		svm_set_windows(v, false, false);
		x->kind = OKVM_X_IRQ_WINDOW;
		break;
	case EXIT_IRET:
		/* Let the IRET run; NMIs unmask at the next exit past it. */
		sv->iret_seen = true;
		sv->iret_rip = v->rip;
		c->intercept_misc1 &= ~INT1_IRET;
		x->kind = OKVM_X_NONE;
		break;
	case EXIT_IOIO:
		x->kind = OKVM_X_IO;
		x->io.in = i1 & IOIO_IN;
		x->io.string = i1 & IOIO_STR;
		x->io.rep = i1 & IOIO_REP;
		x->io.size = (i1 >> IOIO_SZ_SHIFT) & 7;		/* 1, 2 or 4 */
		x->io.asize = ((i1 >> IOIO_A_SHIFT) & 7) << 1;	/* 2, 4 or 8 */
		x->io.port = i1 >> IOIO_PORT_SHIFT;
		x->io.seg = svm_has(SVM_FEAT_DECODEASSISTS) ? (int)((i1 >> IOIO_SEG_SHIFT) & 7) : -1;
		/* EXITINFO2 holds the next RIP with or without NRIPS. */
		x->next_rip = c->exit_info2;
		break;
	case EXIT_HLT:
		x->kind = OKVM_X_HLT;
		break;
	case EXIT_NPF:
		x->kind = OKVM_X_NPF;
		x->npf.gpa = c->exit_info2;
		x->npf.write = i1 & NPF_WRITE;
		x->npf.fetch = i1 & NPF_FETCH;
		break;
	case EXIT_CPUID:
		x->kind = OKVM_X_CPUID;
		break;
	case EXIT_MSR:
		x->kind = i1 ? OKVM_X_WRMSR : OKVM_X_RDMSR;
		break;
	case EXIT_XSETBV:
		x->kind = OKVM_X_XSETBV;
		break;
	case EXIT_SHUTDOWN:
		x->kind = OKVM_X_SHUTDOWN;
		break;
	case EXIT_INVALID:
		x->kind = OKVM_X_FAIL_ENTRY;
		break;
	case EXIT_WBINVD:
	case EXIT_INVD:
		/* Caches are the host's; skip the instruction (both are 0F xx). */
		okvm_vcpu_skip(v, x->next_rip ? x->next_rip : v->rip + 2);
		x->kind = OKVM_X_NONE;
		break;
	case EXIT_RDTSCP: {
		u64 tsc = rdtsc() + c->tsc_offset;

		v->regs[OKVM_RAX] = (u32)tsc;
		v->regs[OKVM_RDX] = tsc >> 32;
		v->regs[OKVM_RCX] = (u32)v->tsc_aux;
		okvm_vcpu_skip(v, x->next_rip ? x->next_rip : v->rip + 3);
		x->kind = OKVM_X_NONE;
		break;
	}
	case EXIT_RDPMC:
		okvm_queue_exception(v, 13, true, 0);
		x->kind = OKVM_X_NONE;
		break;
	case EXIT_VMRUN:
	case EXIT_VMMCALL:
	case EXIT_VMLOAD:
	case EXIT_VMSAVE:
	case EXIT_STGI:
	case EXIT_CLGI:
	case EXIT_SKINIT:
	case EXIT_INVLPGA:
	case EXIT_RSM:
	case EXIT_MONITOR:
	case EXIT_MWAIT:
	case EXIT_MWAIT_C:
	case EXIT_RDPRU:
	case EXIT_INVLPGB:
	case EXIT_INVLPGB_BAD:
	case EXIT_TLBSYNC:
		/* Not offered in CPUID: the guest gets #UD. */
		okvm_queue_exception(v, 6, false, 0);
		x->kind = OKVM_X_NONE;
		break;
	default:
		if (code >= EXIT_READ_DR0 && code < EXIT_WRITE_DR0 + 8) {
			x->kind = OKVM_X_DR;
			break;
		}
		x->kind = OKVM_X_UNEXPECTED;
		break;
	}
}

/* Pick this vcpu's ASID on this CPU; returns the TLB_CONTROL value for the entry. */
static u8 svm_asid(struct svm_vcpu *sv, struct svm_cpu *c, int cpu, bool flush)
{
	u8 tlb = VMCB_TLB_FLUSH_NONE;

	if (!flush && sv->asid_cpu == cpu && sv->asid_gen == c->asid_gen)
		return tlb;
	if (c->next_asid >= svm_nasid) {
		/* A new generation: every ASID of the old one may hold stale entries. */
		c->asid_gen++;
		c->next_asid = 1;
		tlb = VMCB_TLB_FLUSH_ALL;
	}
	sv->asid = c->next_asid++;
	sv->asid_gen = c->asid_gen;
	sv->asid_cpu = cpu;
	return tlb;
}

/* An event whose delivery did not happen (or the exit interrupted) goes back to generic code. */
static void svm_intinfo(struct okvm_exit *x, u64 ii)
{
	u32 type = (ii & EV_TYPE_MASK) >> EV_TYPE_SHIFT;
	u32 vec = ii & EV_VECTOR_MASK;

	if (!(ii & EV_VALID))
		return;
	/* Software interrupts and INT3/INTO are re-executed instead (RIP is at them). */
	if (type == EV_TYPE_SOFT || (type == EV_TYPE_EXC && (vec == 3 || vec == 4)))
		return;
	x->intinfo_valid = true;
	x->intinfo.vector = vec;
	x->intinfo.type = type == EV_TYPE_NMI ? OKVM_EV_NMI :
			  type == EV_TYPE_EXC ? OKVM_EV_EXC : OKVM_EV_INTR;
	x->intinfo.has_error = ii & EV_ERR_VALID;
	x->intinfo.error = ii >> 32;
}

static void svm_vcpu_run(struct okvm_vcpu *v, struct okvm_exit *x)
{
	struct svm_vcpu *sv = to_svm(v);
	struct vmcb *vmcb = sv->vmcb;
	struct svm_cpu *c;
	u64 efer, hsave_pa, my_hsave, dr6, dr7;
	unsigned long host_dr[4];
	u32 pkru = 0;
	bool own_svme, foreign, pkeys = boot_cpu_has(X86_FEATURE_OSPKE);
	int cpu;

	memset(x, 0, sizeof(*x));
	vmcb->save.rax = v->regs[OKVM_RAX];
	vmcb->save.rsp = v->regs[OKVM_RSP];
	vmcb->save.rip = v->rip;
	vmcb->save.rflags = v->rflags;
	/* The VMM's debugger: INT3 exits with USE_SW_BP, its breakpoints armed with USE_HW_BP. */
	if (v->guest_debug & OKVM_GUESTDBG_USE_SW_BP)
		vmcb->control.intercept_exc |= BIT(3);
	else
		vmcb->control.intercept_exc &= ~BIT(3);
	vmcb->save.dr7 = (v->guest_debug & OKVM_GUESTDBG_USE_HW_BP) ? v->guest_debug_dr7 : 0x400;

	kernel_fpu_begin();
	if (pkeys)
		pkru = rdpkru();
	okvm_fpu_load(v);
	local_irq_disable();
	cpu = smp_processor_id();
	c = this_cpu_ptr(&svm_cpus);
	if (!READ_ONCE(c->ready) || !okvm_vcpu_enter_prepare(v)) {
		okvm_fpu_put(v);
		if (pkeys)
			wrpkru(pkru);
		local_irq_enable();
		kernel_fpu_end();
		/* Not entered: the programmed event is still to come. */
		svm_intinfo(x, vmcb->control.event_inj);
		vmcb->control.event_inj = 0;
		x->kind = OKVM_X_INTR;
		return;
	}

	/* Take SVM for this entry only (see the top of this file). */
	rdmsrq(MSR_EFER, efer);
	own_svme = !(efer & EFER_SVME);
	if (own_svme)
		wrmsrq(MSR_EFER, efer | EFER_SVME);
	my_hsave = virt_to_phys(c->hsave);
	rdmsrq(MSR_VM_HSAVE_PA, hsave_pa);
	/* Someone else enabled SVM here since our last entry: their guests' ASIDs may linger. */
	foreign = !own_svme || hsave_pa != my_hsave;
	if (hsave_pa != my_hsave)
		wrmsrq(MSR_VM_HSAVE_PA, my_hsave);
	if (!own_svme)
		pr_info_once("okvm: SVM is in use by another hypervisor; sharing it (its EFER.SVME and host save area are kept, all ASIDs flushed on entry)\n");

	vmcb->control.tlb_control = svm_asid(sv, c, cpu,
					     test_and_clear_bit(OKVM_REQ_TLB_FLUSH, &v->requests) ||
					     sv->last_cpu != cpu);
	if (foreign)
		vmcb->control.tlb_control = VMCB_TLB_FLUSH_ALL;
	vmcb->control.asid = sv->asid;
	vmcb->control.clean = 0;
	sv->last_cpu = cpu;
	v->cpu = cpu;

	dr7 = native_get_debugreg(7);
	dr6 = native_get_debugreg(6);
	okvm_debugregs_load(v, host_dr);
	okvm_xcr0_load(v);

	svm_vmrun(virt_to_phys(vmcb), v->regs, virt_to_phys(c->host_save));

	okvm_xcr0_put(v);
	okvm_debugregs_put(v, host_dr);
	native_set_debugreg(6, dr6);
	if (native_get_debugreg(7) != dr7)
		native_set_debugreg(7, dr7);

	/*
	 * Put back another owner's host save area and SVME as they were. When SVM was off,
	 * our page stays in VM_HSAVE_PA (harmless while SVME is clear): finding it there at
	 * the next entry tells us nobody else used SVM meanwhile, so no ASID flush. The CPU
	 * offline callback (module unload) clears it before the page is freed.
	 */
	if (hsave_pa != my_hsave && !own_svme)
		wrmsrq(MSR_VM_HSAVE_PA, hsave_pa);
	if (own_svme)
		wrmsrq(MSR_EFER, efer);

	/* No guest register state is left when interrupts come back. */
	okvm_fpu_put(v);
	if (pkeys && rdpkru() != pkru)
		wrpkru(pkru);
	okvm_vcpu_exit_done(v);
	local_irq_enable();
	kernel_fpu_end();

	v->regs[OKVM_RAX] = vmcb->save.rax;
	v->regs[OKVM_RSP] = vmcb->save.rsp;
	v->rip = vmcb->save.rip;
	v->rflags = vmcb->save.rflags;
	vmcb->control.event_inj = 0;
	if (sv->iret_seen && v->rip != sv->iret_rip)
		svm_set_nmi_mask(v, false);

	svm_intinfo(x, vmcb->control.exit_int_info);
	if (trace_exits > 0) {
		trace_exits--;
		pr_info("okvm: exit %#llx info1 %#llx info2 %#llx intinfo %#llx rip %#llx rsp %#llx rflags %#llx cr0 %#llx cr3 %#llx shadow %#llx\n",
			vmcb->control.exit_code, vmcb->control.exit_info1, vmcb->control.exit_info2,
			vmcb->control.exit_int_info, vmcb->save.rip, vmcb->save.rsp,
			vmcb->save.rflags, vmcb->save.cr0, vmcb->save.cr3,
			(u64)vmcb->control.int_state);
	}
	svm_exit_decode(v, x);
}

const struct okvm_hv_ops svm_hv_ops = {
	.name = "svm",
	.guest_debug = true,
	.probe = svm_probe,
	.init = svm_init,
	.exit = svm_exit,
	.vm_check = svm_vm_check,
	.vcpu_init = svm_vcpu_init,
	.vcpu_fini = svm_vcpu_fini,
	.vcpu_run = svm_vcpu_run,
	.get_sregs = svm_get_sregs,
	.set_sregs = svm_set_sregs,
	.get_seg = svm_get_seg,
	.get_cr = svm_get_cr,
	.get_efer = svm_get_efer,
	.get_cpl = svm_get_cpl,
	.get_msr = svm_get_msr,
	.set_msr = svm_set_msr,
	.set_cr = svm_set_cr,
	.inject_event = svm_inject_event,
	.set_windows = svm_set_windows,
	.get_interrupt_shadow = svm_get_interrupt_shadow,
	.set_interrupt_shadow = svm_set_interrupt_shadow,
	.get_nmi_mask = svm_get_nmi_mask,
	.set_nmi_mask = svm_set_nmi_mask,
};
