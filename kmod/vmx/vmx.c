// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel VMX backend.
 *
 * VMX operation around each run, not once per CPU. Every entry does, with interrupts off:
 * set CR4.VMXE, VMXON, VMCLEAR (first time) / VMPTRLD, write the VMCS, VMLAUNCH, and
 * after the exit read the VMCS back, VMCLEAR, VMXOFF, clear CR4.VMXE. Why:
 *  - CR4: from about 6.19 the kernel's CR4 helpers (cr4_set_bits, the CR4 shadow) are for
 *    the kvm modules only. The kernel rewrites CR4 from its shadow in IPIs (TLB flushes
 *    toggle PGE), and a CR4 write that clears VMXE in VMX operation is a #GP. So VMXE may
 *    only differ from the shadow while interrupts are off, i.e. during one entry.
 *  - Sharing: outside an entry okvm holds nothing, so kvm_intel (or another hypervisor)
 *    can take VMX on any CPU at any time. When it holds VMX (CR4.VMXE set or VMXON
 *    failing), okvm refuses CREATE_VM, or fails the entry, and says what to do.
 *  - A VMCS is never active outside an entry, so a vcpu may move between CPUs freely:
 *    no VMCLEAR IPIs, nothing to tear down at CPU offline or module unload but memory.
 * The cost is VMXON/VMXOFF, VMCLEAR/VMPTRLD and writing and reading the guest state at
 * each entry (VMREAD needs VMX operation, so the guest state lives in struct vmx_vcpu and
 * the VMCS is its transport); fixed controls and per-CPU host state stay in the VMCS
 * region, which keeps its fields across VMCLEAR and VMPTRLD.
 * Measured in Bochs (skylake_x, okvm-bench with vmx_measure=1): entering and leaving VMX
 * operation took 57 of the 1165 TSC cycles from VMXON to VMXOFF per entry (5%); a CPUID
 * exit handled in the kernel took 15.7 us against kvm_intel's 9.6 us there, an OUT exit
 * to userspace 26.3 us against 30.5 us. An emulator prices VMXON, VMCLEAR and VMPTRLD
 * like any instruction; on a real CPU they cost more: measure there (vmx_cost).
 *
 * The guest runs with EPT and unrestricted guest (both required), VPID when present.
 * Deny by default: I/O and MSR bitmaps all ones except the MSRs that the VMCS or this
 * file switches, VMX instructions, GETSEC, MONITOR/MWAIT, RDPMC, ENCLS give #UD or #GP,
 * MOV DR and CR8 exit. Host state is written at every entry from the running CPU.
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/processor.h>
#include <asm/msr.h>
#include <asm/io.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/special_insns.h>
#include <asm/segment.h>

#include "../okvm.h"
#include "../hv.h"
#include "vmcs.h"

/* CPUID.1:ECX.VMX (Intel SDM vol. 3C, 23.6). */
#define CPUID_VMX		BIT(5)

int vmx_vmrun(u64 *regs);
void vmx_vmexit(void);

static int trace_exits;
module_param_named(vmx_trace_exits, trace_exits, int, 0644);
MODULE_PARM_DESC(vmx_trace_exits, "debugging: log this many VMX exits");

/*
 * What VMX operation around each run costs: TSC cycles spent entering and leaving VMX
 * operation (CR4, VMXON, VMCLEAR, VMPTRLD, VMXOFF) against the whole entry-to-exit
 * section, summed over entries while vmx_measure is set (tests/vmx reads them).
 */
static bool measure;
module_param_named(vmx_measure, measure, bool, 0644);
MODULE_PARM_DESC(vmx_measure, "measure the cost of VMX operation per run (see vmx_cost)");
static atomic64_t cost_entries, cost_root, cost_total;
/* Host NMIs that ended a guest and were raised again (always counted: tests/vmx/nmi.c). */
static atomic64_t nmi_exits;

static int vmx_cost_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "entries %lld root-cycles %lld total-cycles %lld nmi-exits %lld\n",
			  (long long)atomic64_read(&cost_entries), (long long)atomic64_read(&cost_root),
			  (long long)atomic64_read(&cost_total), (long long)atomic64_read(&nmi_exits));
}

static const struct kernel_param_ops vmx_cost_ops = { .get = vmx_cost_get };
module_param_cb(vmx_cost, &vmx_cost_ops, NULL, 0444);
MODULE_PARM_DESC(vmx_cost, "entries, cycles in VMXON..VMPTRLD + VMCLEAR..VMXOFF, cycles entry to exit, NMI exits");

/* What the probe found; fixed after load. */
static struct {
	u64 basic, ept_vpid;
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool vpid, rdtscp, invpcid;
} vmx;

static void *vmx_io_bitmap, *vmx_msr_bitmap;	/* two pages, one page */
static enum cpuhp_state vmx_hp_state;
static DEFINE_IDA(vmx_vpids);

struct vmx_cpu {
	bool ready;
	void *vmxon;		/* this CPU's VMXON region */
};
static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpus);

struct vmx_seg {
	u64 base;
	u32 limit;
	u32 ar;			/* VMCS access rights, bit 16 = unusable */
	u16 sel;
};

struct vmx_vcpu {
	void *vmcs;
	bool cleared;		/* VMCLEARed once (launch state "clear") */
	bool configured;	/* the fields that never change are in the VMCS region */
	int host_cpu;		/* the CPU whose per-CPU host state is in the VMCS region */
	int last_cpu;
	u16 vpid;
	bool flush;		/* flush this vcpu's TLB entries at the next entry */

	/* Guest state; the VMCS gets it at each entry and gives it back at each exit. */
	struct vmx_seg seg[10];	/* OKVM_ES .. OKVM_TR, OKVM_GDTR, OKVM_IDTR */
	u64 cr0, cr4;		/* as the guest sees them */
	u64 cr2, cr3, cr8;
	u64 efer, pat;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 pending_dbg;
	u32 intr_state, activity;
	u64 pdpte[4];
	u64 tsc_offset;

	u32 entry_intr, entry_error, entry_len;	/* the event for the next entry */
	bool irq_window, nmi_window;
};

static inline struct vmx_vcpu *to_vmx(struct okvm_vcpu *v)
{
	return v->hv;
}

/* ---- VMX instructions (CF or ZF set means VMfail) ---- */

static __always_inline u64 vmcs_read(u32 field)
{
	u64 val;

	asm volatile("vmread %1, %0" : "=r"(val) : "r"((u64)field) : "cc");
	return val;
}

static __always_inline void vmcs_write(u32 field, u64 val)
{
	asm volatile("vmwrite %1, %0" : : "r"((u64)field), "r"(val) : "cc");
}

static int vmx_on(u64 pa)
{
	asm goto("1: vmxon %0\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : "m"(pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EBUSY;
fault:
	return -EFAULT;
}

static void vmx_off(void)
{
	asm volatile("vmxoff" : : : "cc", "memory");
}

static bool vmx_clear(u64 pa)
{
	bool fail;

	asm volatile("vmclear %1; setbe %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static bool vmx_ptrld(u64 pa)
{
	bool fail;

	asm volatile("vmptrld %1; setbe %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

/* The 128-bit INVEPT and INVVPID descriptors (SDM vol. 3C, 30.3). */
struct vmx_invept_desc {
	u64 eptp;
	u64 reserved;
};
static_assert(sizeof(struct vmx_invept_desc) == 16);

struct vmx_invvpid_desc {
	u64 vpid;		/* bits 15:0; the rest must be 0 */
	u64 linear;
};
static_assert(sizeof(struct vmx_invvpid_desc) == 16);

static void vmx_invept(u64 type, u64 eptp)
{
	struct vmx_invept_desc d = { .eptp = eptp };

	asm volatile("invept %0, %1" : : "m"(d), "r"(type) : "cc", "memory");
}

static void vmx_invvpid(u64 type, u16 vpid)
{
	struct vmx_invvpid_desc d = { .vpid = vpid };

	asm volatile("invvpid %0, %1" : : "m"(d), "r"(type) : "cc", "memory");
}

/*
 * CR4 written directly: native_write_cr4() is not exported on these kernels (6.1 exports
 * it only for LKDTM), and only VMXE changes here, never a pinned bit.
 */
static inline void vmx_write_cr4(unsigned long val)
{
	asm volatile("mov %0, %%cr4" : : "r"(val) : "memory");
}

/*
 * Enter VMX operation on this CPU (interrupts off). -EBUSY: another hypervisor holds
 * VMX here. The CR4 shadow is not touched: it is right again before interrupts are on.
 */
static int vmx_enter_root(struct vmx_cpu *c, unsigned long *cr4)
{
	int r;

	*cr4 = native_read_cr4();
	if (*cr4 & X86_CR4_VMXE)
		return -EBUSY;
	vmx_write_cr4(*cr4 | X86_CR4_VMXE);
	r = vmx_on(virt_to_phys(c->vmxon));
	if (r)
		vmx_write_cr4(*cr4);
	return r;
}

static void vmx_leave_root(unsigned long cr4)
{
	vmx_off();
	vmx_write_cr4(cr4);
}

static void vmx_say_busy(int cpu, int err)
{
	if (err == -EFAULT) {
		pr_err_ratelimited("okvm: VMXON faulted on cpu %d (VMX disabled there by the firmware?)\n", cpu);
		return;
	}
	pr_err_ratelimited("okvm: VMX is in use by another hypervisor on cpu %d (kvm_intel holds it while it has VMs, and from load with kvm.enable_virt_at_load=1): stop its VMs and unload kvm_intel (rmmod kvm_intel), or boot with kvm.enable_virt_at_load=0, then try again\n",
			   cpu);
}

/* ---- probe, per-CPU set-up ---- */

/* The control value @want adjusted to a capability MSR; false if a wanted bit is not allowed. */
static bool vmx_ctl(u32 msr, u32 true_msr, u32 want, u32 optional, u32 *out)
{
	u64 cap;

	if (rdmsrq_safe((vmx.basic & BASIC_TRUE_CTLS) && true_msr ? true_msr : msr, &cap))
		return false;
	/* Low half: bits that must be 1; high half: bits that may be 1. */
	*out = ((want | optional) & (u32)(cap >> 32)) | (u32)cap;
	return (*out & want) == want;
}

static int vmx_probe(char *feat, size_t len)
{
	u64 fc, cap2 = 0;
	const char *missing = NULL;

	if (!(cpuid_ecx(1) & CPUID_VMX)) {
		pr_err("okvm: this CPU has no VMX (VT-x); okvm needs hardware virtualization\n");
		return -ENODEV;
	}
	if (rdmsrq_safe(MSR_IA32_FEAT_CTL, &fc) || !(fc & FEAT_CTL_LOCKED) ||
	    !(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("okvm: VMX is disabled by the BIOS (IA32_FEATURE_CONTROL); enable VT-x in the firmware setup\n");
		return -ENODEV;
	}
	if (rdmsrq_safe(MSR_IA32_VMX_BASIC, &vmx.basic) ||
	    rdmsrq_safe(MSR_IA32_VMX_CR0_FIXED0, &vmx.cr0_fixed0) ||
	    rdmsrq_safe(MSR_IA32_VMX_CR0_FIXED1, &vmx.cr0_fixed1) ||
	    rdmsrq_safe(MSR_IA32_VMX_CR4_FIXED0, &vmx.cr4_fixed0) ||
	    rdmsrq_safe(MSR_IA32_VMX_CR4_FIXED1, &vmx.cr4_fixed1)) {
		pr_err("okvm: the VMX capability MSRs cannot be read\n");
		return -ENODEV;
	}
	if (BASIC_SIZE(vmx.basic) > PAGE_SIZE || BASIC_MEMTYPE(vmx.basic) != 6 ||
	    (vmx.basic & BASIC_32BIT_ADDR)) {
		pr_err("okvm: unsupported VMX basic capabilities %#llx\n", vmx.basic);
		return -ENODEV;
	}

	if (!vmx_ctl(MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
		     PROC_SECONDARY, 0, &vmx.proc) ||
	    rdmsrq_safe(MSR_IA32_VMX_PROCBASED_CTLS2, &cap2)) {
		missing = "EPT and unrestricted guest (no secondary controls)";
	} else {
		u32 allowed2 = cap2 >> 32;

		if (!(allowed2 & PROC2_EPT) && !(allowed2 & PROC2_UG))
			missing = "EPT and unrestricted guest";
		else if (!(allowed2 & PROC2_EPT))
			missing = "EPT";
		else if (!(allowed2 & PROC2_UG))
			missing = "unrestricted guest";
	}
	if (missing) {
		pr_err("okvm: this CPU's VMX lacks %s; okvm needs EPT and unrestricted guest (Intel Westmere or newer)\n",
		       missing);
		return -ENODEV;
	}
	if (rdmsrq_safe(MSR_IA32_VMX_EPT_VPID_CAP, &vmx.ept_vpid) ||
	    !(vmx.ept_vpid & EPTCAP_WALK4) || !(vmx.ept_vpid & EPTCAP_WB) ||
	    !(vmx.ept_vpid & EPTCAP_INVEPT) ||
	    !(vmx.ept_vpid & (EPTCAP_INVEPT_SINGLE | EPTCAP_INVEPT_ALL))) {
		pr_err("okvm: this CPU's EPT lacks 4-level write-back tables or INVEPT (%#llx)\n", vmx.ept_vpid);
		return -ENODEV;
	}

	/* Everything below exits: interrupts, NMIs (virtual NMIs for the NMI window). */
	if (!vmx_ctl(MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS,
		     PIN_EXT_INTR | PIN_NMI | PIN_VIRTUAL_NMI, 0, &vmx.pin))
		missing = "NMI exiting with virtual NMIs";
	else if (!vmx_ctl(MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
			  PROC_TSC_OFFSET | PROC_HLT | PROC_MWAIT | PROC_RDPMC | PROC_CR8_LOAD |
			  PROC_CR8_STORE | PROC_MOV_DR | PROC_IO_BITMAPS | PROC_MSR_BITMAPS |
			  PROC_MONITOR | PROC_SECONDARY, 0, &vmx.proc))
		missing = "the I/O/MSR bitmaps or the exiting controls";
	else if (!vmx_ctl(MSR_IA32_VMX_PROCBASED_CTLS2, 0, PROC2_EPT | PROC2_UG,
			  PROC2_VPID | PROC2_RDTSCP | PROC2_WBINVD | PROC2_INVPCID | PROC2_ENCLS,
			  &vmx.proc2))
		missing = "EPT with unrestricted guest";
	else if (!vmx_ctl(MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS,
			  EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
			  EXIT_SAVE_DEBUG, 0, &vmx.exit))
		missing = "the EFER/PAT exit controls";
	else if (!vmx_ctl(MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS,
			  ENTRY_LOAD_EFER | ENTRY_LOAD_PAT | ENTRY_LOAD_DEBUG | ENTRY_IA32E, 0, &vmx.entry))
		missing = "the EFER/PAT entry controls";
	if (missing) {
		pr_err("okvm: this CPU's VMX lacks %s\n", missing);
		return -ENODEV;
	}
	/* The NMI window needs the control; checked here so that set_windows can rely on it. */
	{
		u32 p;

		if (!vmx_ctl(MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
			     PROC_NMI_WINDOW | PROC_INTR_WINDOW, 0, &p)) {
			pr_err("okvm: this CPU's VMX lacks interrupt- and NMI-window exiting\n");
			return -ENODEV;
		}
	}
	/* CR3 accesses stay in the guest (EPT); the TPR shadow is not used (CR8 exits). */
	vmx.proc &= ~(PROC_CR3_LOAD | PROC_CR3_STORE | PROC_TPR_SHADOW | PROC_INTR_WINDOW |
		      PROC_NMI_WINDOW | PROC_RDTSC | PROC_INVLPG | PROC_UNCOND_IO | PROC_PAUSE);
	vmx.entry &= ~ENTRY_IA32E;
	vmx.exit &= ~EXIT_ACK_INTR;
	vmx.vpid = (vmx.proc2 & PROC2_VPID) && (vmx.ept_vpid & VPIDCAP_INVVPID) &&
		   (vmx.ept_vpid & (VPIDCAP_SINGLE | VPIDCAP_ALL));
	if (!vmx.vpid)
		vmx.proc2 &= ~PROC2_VPID;
	/* RDTSCP and INVPCID run in the guest only when the host has them too. */
	vmx.rdtscp = (vmx.proc2 & PROC2_RDTSCP) && boot_cpu_has(X86_FEATURE_RDTSCP);
	if (!vmx.rdtscp)
		vmx.proc2 &= ~PROC2_RDTSCP;
	vmx.invpcid = (vmx.proc2 & PROC2_INVPCID) && boot_cpu_has(X86_FEATURE_INVPCID);
	if (!vmx.invpcid)
		vmx.proc2 &= ~PROC2_INVPCID;

	snprintf(feat, len, "vmx ept unrestricted-guest%s vmx-per-run",
		 vmx.vpid ? " vpid" : "");
	return 0;
}

static int vmx_cpu_online(unsigned int cpu)
{
	struct vmx_cpu *c = per_cpu_ptr(&vmx_cpus, cpu);
	u64 fc;

	if (rdmsrq_safe(MSR_IA32_FEAT_CTL, &fc) || !(fc & FEAT_CTL_LOCKED) ||
	    !(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_warn("okvm: VMX is disabled on cpu %u; guests will not run there\n", cpu);
		return 0;
	}
	if (!c->vmxon) {
		c->vmxon = (void *)get_zeroed_page(GFP_KERNEL);
		if (!c->vmxon)
			return -ENOMEM;
		*(u32 *)c->vmxon = BASIC_REVISION(vmx.basic);
	}
	WRITE_ONCE(c->ready, true);
	return 0;
}

static int vmx_cpu_offline(unsigned int cpu)
{
	/* VMX is never left on outside an entry: nothing to undo on the CPU itself. */
	WRITE_ONCE(per_cpu_ptr(&vmx_cpus, cpu)->ready, false);
	return 0;
}

static void vmx_msr_allow(u32 msr)
{
	u8 *bm = vmx_msr_bitmap;
	u32 base;

	/* Read bitmaps at 0 (low MSRs) and 1024 (high), write bitmaps 2048 bytes later. */
	if (msr < 0x2000) {
		base = 0;
	} else if (msr >= 0xc0000000 && msr < 0xc0002000) {
		base = 1024;
		msr -= 0xc0000000;
	} else {
		return;
	}
	bm[base + msr / 8] &= ~BIT(msr % 8);
	bm[base + 2048 + msr / 8] &= ~BIT(msr % 8);
}

static void vmx_free_global(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *c = per_cpu_ptr(&vmx_cpus, cpu);

		free_page((unsigned long)c->vmxon);
		c->vmxon = NULL;
	}
	if (vmx_io_bitmap)
		free_pages((unsigned long)vmx_io_bitmap, 1);
	free_page((unsigned long)vmx_msr_bitmap);
	vmx_io_bitmap = vmx_msr_bitmap = NULL;
}

static int vmx_init(void)
{
	int r;

	vmx_io_bitmap = (void *)__get_free_pages(GFP_KERNEL, 1);
	vmx_msr_bitmap = (void *)__get_free_page(GFP_KERNEL);
	if (!vmx_io_bitmap || !vmx_msr_bitmap) {
		vmx_free_global();
		return -ENOMEM;
	}
	/* Deny by default: every port and every MSR exits... */
	memset(vmx_io_bitmap, 0xff, 2 * PAGE_SIZE);
	memset(vmx_msr_bitmap, 0xff, PAGE_SIZE);
	/* ...except the MSRs that the VMCS or vmx_vcpu_run switch with the guest's values. */
	vmx_msr_allow(MSR_FS_BASE);
	vmx_msr_allow(MSR_GS_BASE);
	vmx_msr_allow(MSR_KERNEL_GS_BASE);
	vmx_msr_allow(MSR_STAR);
	vmx_msr_allow(MSR_LSTAR);
	vmx_msr_allow(MSR_CSTAR);
	vmx_msr_allow(MSR_SYSCALL_MASK);
	vmx_msr_allow(MSR_IA32_SYSENTER_CS);
	vmx_msr_allow(MSR_IA32_SYSENTER_ESP);
	vmx_msr_allow(MSR_IA32_SYSENTER_EIP);

	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "okvm/vmx:online", vmx_cpu_online, vmx_cpu_offline);
	if (r < 0) {
		vmx_free_global();
		return r;
	}
	vmx_hp_state = r;
	return 0;
}

static void vmx_exit(void)
{
	cpuhp_remove_state(vmx_hp_state);
	vmx_free_global();
	ida_destroy(&vmx_vpids);
}

/* Can this CPU enter VMX operation now? Runs on each CPU with interrupts off. */
static void vmx_check_cpu(void *busy)
{
	struct vmx_cpu *c = this_cpu_ptr(&vmx_cpus);
	unsigned long cr4;
	int r;

	if (!READ_ONCE(c->ready))
		return;
	r = vmx_enter_root(c, &cr4);
	if (r) {
		/* The CPU number, and what went wrong in bit 16 (VMXON faulted). */
		atomic_cmpxchg(busy, -1, smp_processor_id() | (r == -EFAULT ? 0x10000 : 0));
		return;
	}
	vmx_leave_root(cr4);
}

static int vmx_vm_check(void)
{
	atomic_t busy = ATOMIC_INIT(-1);
	int b;

	on_each_cpu(vmx_check_cpu, &busy, 1);
	b = atomic_read(&busy);
	if (b >= 0) {
		vmx_say_busy(b & 0xffff, (b & 0x10000) ? -EFAULT : -EBUSY);
		return -EBUSY;
	}
	return 0;
}

/* ---- segments and state ---- */

static void vmx_get_seg(struct okvm_vcpu *v, int seg, struct okvm_segment *o)
{
	struct vmx_seg *s = &to_vmx(v)->seg[seg];
	u32 a = s->ar;

	memset(o, 0, sizeof(*o));
	o->base = s->base;
	o->limit = s->limit;
	o->selector = s->sel;
	if (seg >= OKVM_GDTR)
		return;
	o->type = a & 0xf;
	o->s = (a >> 4) & 1;
	o->dpl = (a >> 5) & 3;
	o->present = (a >> 7) & 1;
	o->avl = (a >> 12) & 1;
	o->l = (a >> 13) & 1;
	o->db = (a >> 14) & 1;
	o->g = (a >> 15) & 1;
	o->unusable = (a >> 16) & 1;
	if (o->unusable)
		o->present = 0;
}

/*
 * VM entry checks what SVM lets pass: accessed code/data, a busy TR, G matching the
 * limit. Userspace gives what KVM takes; fix it up the way the hardware would see it.
 */
static void vmx_set_seg(struct okvm_vcpu *v, int seg, const struct okvm_segment *i)
{
	struct vmx_seg *s = &to_vmx(v)->seg[seg];
	u32 type = i->type, g = i->g;
	bool unusable = i->unusable || !i->present;

	s->base = i->base;
	s->limit = i->limit;
	s->sel = i->selector;
	if (seg >= OKVM_GDTR)
		return;
	if (seg == OKVM_TR) {
		/* TR must be usable and busy. */
		unusable = false;
		type = (type & 8) ? 11 : 3;
	} else if (seg != OKVM_LDTR && !unusable) {
		type |= 1;
	}
	if ((i->limit & 0xfff) != 0xfff)
		g = 0;
	else if (i->limit > 0xfffff)
		g = 1;
	if (unusable) {
		s->ar = BIT(16);
		return;
	}
	s->ar = (type & 0xf) | (i->s & 1) << 4 | (i->dpl & 3) << 5 | 1 << 7 |
		(i->avl & 1) << 12 | (i->l & 1) << 13 | (i->db & 1) << 14 | (g & 1) << 15;
	if (seg == OKVM_TR)
		s->ar &= ~BIT(4);
}

/* PAE paging without long mode: VM entry loads the PDPTEs from the VMCS. */
static bool vmx_pae_paging(struct vmx_vcpu *vx)
{
	return (vx->cr0 & X86_CR0_PG) && (vx->cr4 & X86_CR4_PAE) && !(vx->efer & EFER_LMA);
}

static void vmx_load_pdptes(struct okvm_vcpu *v)
{
	struct vmx_vcpu *vx = to_vmx(v);

	if (!vmx_pae_paging(vx))
		return;
	if (okvm_read_guest(v->vm, vx->cr3 & ~0x1fULL, vx->pdpte, sizeof(vx->pdpte)))
		memset(vx->pdpte, 0, sizeof(vx->pdpte));
}

static void vmx_get_sregs(struct okvm_vcpu *v, struct okvm_sregs *o)
{
	struct vmx_vcpu *vx = to_vmx(v);

	vmx_get_seg(v, OKVM_CS, &o->cs);
	vmx_get_seg(v, OKVM_DS, &o->ds);
	vmx_get_seg(v, OKVM_ES, &o->es);
	vmx_get_seg(v, OKVM_FS, &o->fs);
	vmx_get_seg(v, OKVM_GS, &o->gs);
	vmx_get_seg(v, OKVM_SS, &o->ss);
	vmx_get_seg(v, OKVM_TR, &o->tr);
	vmx_get_seg(v, OKVM_LDTR, &o->ldt);
	o->gdt.base = vx->seg[OKVM_GDTR].base;
	o->gdt.limit = vx->seg[OKVM_GDTR].limit;
	o->idt.base = vx->seg[OKVM_IDTR].base;
	o->idt.limit = vx->seg[OKVM_IDTR].limit;
	o->cr0 = vx->cr0;
	o->cr2 = vx->cr2;
	o->cr3 = vx->cr3;
	o->cr4 = vx->cr4;
	o->cr8 = vx->cr8;
	o->efer = vx->efer;
}

static void vmx_set_sregs(struct okvm_vcpu *v, const struct okvm_sregs *i)
{
	struct vmx_vcpu *vx = to_vmx(v);

	vmx_set_seg(v, OKVM_CS, &i->cs);
	vmx_set_seg(v, OKVM_DS, &i->ds);
	vmx_set_seg(v, OKVM_ES, &i->es);
	vmx_set_seg(v, OKVM_FS, &i->fs);
	vmx_set_seg(v, OKVM_GS, &i->gs);
	vmx_set_seg(v, OKVM_SS, &i->ss);
	vmx_set_seg(v, OKVM_TR, &i->tr);
	vmx_set_seg(v, OKVM_LDTR, &i->ldt);
	vx->seg[OKVM_GDTR].base = i->gdt.base;
	vx->seg[OKVM_GDTR].limit = i->gdt.limit;
	vx->seg[OKVM_IDTR].base = i->idt.base;
	vx->seg[OKVM_IDTR].limit = i->idt.limit;
	vx->cr0 = i->cr0;
	vx->cr2 = i->cr2;
	vx->cr3 = i->cr3;
	vx->cr4 = i->cr4;
	vx->cr8 = i->cr8 & 0xf;
	/* SVME is AMD's; the guest never sees it on Intel. */
	vx->efer = i->efer & ~(u64)EFER_SVME;
	vmx_load_pdptes(v);
	vx->flush = true;
}

static u64 vmx_get_cr(struct okvm_vcpu *v, int cr)
{
	struct vmx_vcpu *vx = to_vmx(v);

	switch (cr) {
	case 0: return vx->cr0;
	case 2: return vx->cr2;
	case 3: return vx->cr3;
	case 8: return vx->cr8;
	default: return vx->cr4;
	}
}

static void vmx_set_cr(struct okvm_vcpu *v, int cr, u64 val)
{
	struct vmx_vcpu *vx = to_vmx(v);

	if (cr == 2)
		vx->cr2 = val;
	else if (cr == 8)
		vx->cr8 = val & 0xf;
}

static u64 vmx_get_efer(struct okvm_vcpu *v)
{
	return to_vmx(v)->efer;
}

static int vmx_get_cpl(struct okvm_vcpu *v)
{
	struct vmx_vcpu *vx = to_vmx(v);

	if (!(vx->cr0 & X86_CR0_PE))
		return 0;
	if (v->rflags & X86_EFLAGS_VM)
		return 3;
	return (vx->seg[OKVM_SS].ar >> 5) & 3;
}

static bool vmx_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (8 * i);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

static int vmx_get_msr(struct okvm_vcpu *v, u32 index, u64 *val)
{
	struct vmx_vcpu *vx = to_vmx(v);

	switch (index) {
	case MSR_IA32_SYSENTER_CS: *val = vx->sysenter_cs; return 0;
	case MSR_IA32_SYSENTER_ESP: *val = vx->sysenter_esp; return 0;
	case MSR_IA32_SYSENTER_EIP: *val = vx->sysenter_eip; return 0;
	case MSR_STAR: *val = vx->star; return 0;
	case MSR_LSTAR: *val = vx->lstar; return 0;
	case MSR_CSTAR: *val = vx->cstar; return 0;
	case MSR_SYSCALL_MASK: *val = vx->sfmask; return 0;
	case MSR_KERNEL_GS_BASE: *val = vx->kernel_gs_base; return 0;
	case MSR_FS_BASE: *val = vx->seg[OKVM_FS].base; return 0;
	case MSR_GS_BASE: *val = vx->seg[OKVM_GS].base; return 0;
	case MSR_IA32_CR_PAT: *val = vx->pat; return 0;
	case MSR_EFER: *val = vx->efer; return 0;
	case MSR_IA32_TSC: *val = rdtsc() + vx->tsc_offset; return 0;
	default: return -ENOENT;
	}
}

static int vmx_set_msr(struct okvm_vcpu *v, u32 index, u64 val)
{
	struct vmx_vcpu *vx = to_vmx(v);

	switch (index) {
	case MSR_IA32_SYSENTER_CS: vx->sysenter_cs = val; return 0;
	case MSR_IA32_SYSENTER_ESP: vx->sysenter_esp = val; return 0;
	case MSR_IA32_SYSENTER_EIP: vx->sysenter_eip = val; return 0;
	case MSR_STAR: vx->star = val; return 0;
	case MSR_LSTAR: vx->lstar = val; return 0;
	case MSR_CSTAR: vx->cstar = val; return 0;
	case MSR_SYSCALL_MASK: vx->sfmask = val; return 0;
	case MSR_KERNEL_GS_BASE: vx->kernel_gs_base = val; return 0;
	case MSR_FS_BASE: vx->seg[OKVM_FS].base = val; return 0;
	case MSR_GS_BASE: vx->seg[OKVM_GS].base = val; return 0;
	case MSR_IA32_CR_PAT:
		if (!vmx_pat_valid(val))
			return -EINVAL;
		vx->pat = val;
		return 0;
	case MSR_EFER:
		/* SCE, LME, LMA, NXE; LMA is the hardware's to change. */
		if (val & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
			return -EINVAL;
		vx->efer = (val & ~(u64)EFER_LMA) | (vx->efer & EFER_LMA);
		return 0;
	case MSR_IA32_TSC:
		vx->tsc_offset = val - rdtsc();
		return 0;
	default:
		return -ENOENT;
	}
}

/* ---- events ---- */

static void vmx_inject_event(struct okvm_vcpu *v, const struct okvm_event *ev)
{
	struct vmx_vcpu *vx = to_vmx(v);
	u32 type, len = 0;

	switch (ev->type) {
	case OKVM_EV_INTR:
		type = INTR_TYPE_EXT;
		break;
	case OKVM_EV_NMI:
		type = INTR_TYPE_NMI;
		break;
	case OKVM_EV_SOFT_INTR:
		type = INTR_TYPE_SOFT_INTR;
		len = ev->insn_len ? ev->insn_len : 2;
		break;
	case OKVM_EV_SOFT_EXC:
		/* ICEBP (INT1) is a privileged software exception; INT3 and INTO are not. */
		type = ev->vector == 1 ? INTR_TYPE_PRIV_SOFT_EXC : INTR_TYPE_SOFT_EXC;
		len = ev->insn_len ? ev->insn_len : 1;
		break;
	default:
		type = INTR_TYPE_HW_EXC;
		break;
	}
	vx->entry_intr = ev->vector | type << 8 | INTR_VALID;
	/* Only hardware exceptions push an error code; real mode never does. */
	if (ev->has_error && type == INTR_TYPE_HW_EXC && (vx->cr0 & X86_CR0_PE))
		vx->entry_intr |= INTR_HAS_ERROR;
	vx->entry_error = ev->error;
	vx->entry_len = len;
}

static void vmx_set_windows(struct okvm_vcpu *v, bool irq, bool nmi)
{
	struct vmx_vcpu *vx = to_vmx(v);

	vx->irq_window = irq;
	vx->nmi_window = nmi;
}

static u32 vmx_get_interrupt_shadow(struct okvm_vcpu *v)
{
	u32 s = to_vmx(v)->intr_state, r = 0;

	if (s & INTR_STATE_STI)
		r |= OKVM_X86_SHADOW_INT_STI;
	if (s & INTR_STATE_MOV_SS)
		r |= OKVM_X86_SHADOW_INT_MOV_SS;
	return r;
}

static void vmx_set_interrupt_shadow(struct okvm_vcpu *v, u32 shadow)
{
	struct vmx_vcpu *vx = to_vmx(v);

	vx->intr_state &= ~(INTR_STATE_STI | INTR_STATE_MOV_SS);
	if (shadow & OKVM_X86_SHADOW_INT_STI)
		vx->intr_state |= INTR_STATE_STI;
	if (shadow & OKVM_X86_SHADOW_INT_MOV_SS)
		vx->intr_state |= INTR_STATE_MOV_SS;
}

/* Virtual NMIs: the processor tracks the guest's NMI blocking and IRET unblocks it. */
static bool vmx_get_nmi_mask(struct okvm_vcpu *v)
{
	return to_vmx(v)->intr_state & INTR_STATE_NMI;
}

static void vmx_set_nmi_mask(struct okvm_vcpu *v, bool masked)
{
	struct vmx_vcpu *vx = to_vmx(v);

	if (masked)
		vx->intr_state |= INTR_STATE_NMI;
	else
		vx->intr_state &= ~INTR_STATE_NMI;
}

/* The event in an interruption-information field, for generic code to deliver again. */
static void vmx_intinfo(struct okvm_exit *x, u32 info, u32 error, u32 len)
{
	u32 type = INTR_TYPE(info);

	if (!(info & INTR_VALID))
		return;
	/* Software interrupts and INT3/INTO: RIP is still at the instruction, it runs again. */
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXC)
		return;
	x->intinfo_valid = true;
	x->intinfo.vector = INTR_VECTOR(info);
	x->intinfo.has_error = info & INTR_HAS_ERROR;
	x->intinfo.error = error;
	switch (type) {
	case INTR_TYPE_NMI:
		x->intinfo.type = OKVM_EV_NMI;
		break;
	case INTR_TYPE_HW_EXC:
		x->intinfo.type = OKVM_EV_EXC;
		break;
	case INTR_TYPE_PRIV_SOFT_EXC:
		x->intinfo.type = OKVM_EV_SOFT_EXC;
		x->intinfo.insn_len = len;
		break;
	default:
		x->intinfo.type = OKVM_EV_INTR;
		break;
	}
}

/* ---- vcpu ---- */

static void vmx_init_seg(struct vmx_seg *s, u32 ar)
{
	s->sel = 0;
	s->base = 0;
	s->limit = 0xffff;
	s->ar = ar;
}

static int vmx_vcpu_init(struct okvm_vcpu *v)
{
	struct vmx_vcpu *vx;
	int i;

	vx = kzalloc(sizeof(*vx), GFP_KERNEL_ACCOUNT);
	if (!vx)
		return -ENOMEM;
	vx->vmcs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vx->vmcs) {
		kfree(vx);
		return -ENOMEM;
	}
	*(u32 *)vx->vmcs = BASIC_REVISION(vmx.basic);
	if (vmx.vpid) {
		i = ida_alloc_range(&vmx_vpids, 1, 0xffff, GFP_KERNEL);
		if (i < 0) {
			free_page((unsigned long)vx->vmcs);
			kfree(vx);
			return i;
		}
		vx->vpid = i;
	}
	vx->last_cpu = -1;
	vx->host_cpu = -1;
	v->hv = vx;

	/* The architectural reset state (SDM vol. 3A, 10.1.1). */
	for (i = OKVM_ES; i <= OKVM_GS; i++)
		vmx_init_seg(&vx->seg[i], 0x93);
	vmx_init_seg(&vx->seg[OKVM_CS], 0x9b);
	vx->seg[OKVM_CS].sel = 0xf000;
	vx->seg[OKVM_CS].base = 0xffff0000;
	vmx_init_seg(&vx->seg[OKVM_LDTR], 0x82);
	vmx_init_seg(&vx->seg[OKVM_TR], 0x8b);
	vx->seg[OKVM_GDTR].limit = 0xffff;
	vx->seg[OKVM_IDTR].limit = 0xffff;
	vx->cr0 = X86_CR0_NW | X86_CR0_CD | X86_CR0_ET;
	vx->pat = 0x0007040600070406ULL;
	vx->tsc_offset = -rdtsc();
	return 0;
}

static void vmx_vcpu_fini(struct okvm_vcpu *v)
{
	struct vmx_vcpu *vx = to_vmx(v);

	if (!vx)
		return;
	/* Never active outside an entry: no VMCLEAR needed before freeing. */
	if (vx->vpid)
		ida_free(&vmx_vpids, vx->vpid);
	free_page((unsigned long)vx->vmcs);
	kfree(vx);
	v->hv = NULL;
}

/* ---- the VMCS at entry and exit ---- */

/* CR0/CR4 bits VMX forces (fixed to 1): host-owned, the guest reads its own value. */
static u64 vmx_cr0_forced(void)
{
	/* Unrestricted guest: PE and PG are the guest's. */
	return vmx.cr0_fixed0 & ~(u64)(X86_CR0_PE | X86_CR0_PG);
}

/*
 * The controls. A VMCS region keeps its fields across VMCLEAR and VMPTRLD (also on
 * another CPU), so what never changes is written once.
 */
static void vmx_write_controls(struct okvm_vcpu *v, struct vmx_vcpu *vx)
{
	u32 proc = vmx.proc, entry = vmx.entry;

	if (vx->irq_window)
		proc |= PROC_INTR_WINDOW;
	if (vx->nmi_window)
		proc |= PROC_NMI_WINDOW;
	if (vx->efer & EFER_LMA)
		entry |= ENTRY_IA32E;
	vmcs_write(VMCS_PROC_CTLS, proc);
	vmcs_write(VMCS_ENTRY_CTLS, entry);
	vmcs_write(VMCS_TSC_OFFSET, vx->tsc_offset);
	vmcs_write(VMCS_CR0_SHADOW, vx->cr0);
	vmcs_write(VMCS_CR4_SHADOW, vx->cr4);
	vmcs_write(VMCS_ENTRY_INTR_INFO, vx->entry_intr);
	vmcs_write(VMCS_ENTRY_EXC_ERROR, vx->entry_error);
	vmcs_write(VMCS_ENTRY_INSN_LEN, vx->entry_len);
	if (vx->configured)
		return;
	vx->configured = true;
	vmcs_write(VMCS_PIN_CTLS, vmx.pin);
	vmcs_write(VMCS_PROC_CTLS2, vmx.proc2);
	vmcs_write(VMCS_EXIT_CTLS, vmx.exit);
	/* #DB and #AC (no microcode loops on benign exceptions), #MC (the host's). */
	vmcs_write(VMCS_EXC_BITMAP, BIT(1) | BIT(17) | BIT(18));
	vmcs_write(VMCS_PF_ERR_MASK, 0);
	vmcs_write(VMCS_PF_ERR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_IO_BITMAP_A, virt_to_phys(vmx_io_bitmap));
	vmcs_write(VMCS_IO_BITMAP_B, virt_to_phys(vmx_io_bitmap) + PAGE_SIZE);
	vmcs_write(VMCS_MSR_BITMAP, virt_to_phys(vmx_msr_bitmap));
	if (vmx.proc2 & PROC2_ENCLS)
		vmcs_write(VMCS_ENCLS_BITMAP, ~0ULL);
	/* The VM's EPT root lives as long as the VM. */
	vmcs_write(VMCS_EPTP, okvm_mmu_root(v->vm) | EPTP_WB | EPTP_WALK4);
	if (vmx.vpid)
		vmcs_write(VMCS_VPID, vx->vpid);
	vmcs_write(VMCS_LINK_PTR, ~0ULL);
	vmcs_write(VMCS_CR0_MASK, vmx_cr0_forced());
	vmcs_write(VMCS_CR4_MASK, vmx.cr4_fixed0);
}

static void vmx_write_guest(struct okvm_vcpu *v, struct vmx_vcpu *vx)
{
	u32 intr = vx->intr_state;
	int i;

	for (i = OKVM_ES; i <= OKVM_TR; i++) {
		vmcs_write(VMCS_GUEST_SEL(i), vx->seg[i].sel);
		vmcs_write(VMCS_GUEST_AR(i), vx->seg[i].ar);
	}
	for (i = OKVM_ES; i <= OKVM_IDTR; i++) {
		vmcs_write(VMCS_GUEST_LIMIT(i), vx->seg[i].limit);
		vmcs_write(VMCS_GUEST_BASE(i), vx->seg[i].base);
	}
	vmcs_write(VMCS_GUEST_CR0, (vx->cr0 | vmx_cr0_forced()) & vmx.cr0_fixed1);
	vmcs_write(VMCS_GUEST_CR3, vx->cr3);
	vmcs_write(VMCS_GUEST_CR4, (vx->cr4 | vmx.cr4_fixed0) & vmx.cr4_fixed1);
	/*
	 * The guest's own breakpoints are not armed in hardware; the VMM's debugger's are
	 * (KVM_SET_GUEST_DEBUG), and its INT3s exit with USE_SW_BP.
	 */
	vmcs_write(VMCS_GUEST_DR7, (v->guest_debug & OKVM_GUESTDBG_USE_HW_BP) ? v->guest_debug_dr7 : 0x400);
	vmcs_write(VMCS_EXC_BITMAP, BIT(1) | BIT(17) | BIT(18) |
		   ((v->guest_debug & OKVM_GUESTDBG_USE_SW_BP) ? BIT(3) : 0));
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_RSP, v->regs[OKVM_RSP]);
	vmcs_write(VMCS_GUEST_RIP, v->rip);
	vmcs_write(VMCS_GUEST_RFLAGS, v->rflags);
	vmcs_write(VMCS_GUEST_EFER, vx->efer);
	vmcs_write(VMCS_GUEST_PAT, vx->pat);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, vx->sysenter_cs);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, vx->sysenter_esp);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, vx->sysenter_eip);
	/* The STI shadow needs IF; an NMI being injected needs NMIs unblocked (SDM 26.3.1.5). */
	if (!(v->rflags & X86_EFLAGS_IF))
		intr &= ~INTR_STATE_STI;
	if ((vx->entry_intr & INTR_VALID) && INTR_TYPE(vx->entry_intr) == INTR_TYPE_NMI)
		intr &= ~INTR_STATE_NMI;
	vmcs_write(VMCS_GUEST_INTR_STATE, intr);
	vmcs_write(VMCS_GUEST_ACTIVITY, vx->activity);
	vmcs_write(VMCS_GUEST_PENDING_DBG, vx->pending_dbg);
	if (vmx_pae_paging(vx))
		for (i = 0; i < 4; i++)
			vmcs_write(VMCS_GUEST_PDPTE(i), vx->pdpte[i]);
}

static void vmx_read_guest(struct okvm_vcpu *v, struct vmx_vcpu *vx)
{
	u64 mask;
	int i;

	for (i = OKVM_ES; i <= OKVM_TR; i++) {
		vx->seg[i].sel = vmcs_read(VMCS_GUEST_SEL(i));
		vx->seg[i].ar = vmcs_read(VMCS_GUEST_AR(i));
	}
	for (i = OKVM_ES; i <= OKVM_IDTR; i++) {
		vx->seg[i].limit = vmcs_read(VMCS_GUEST_LIMIT(i));
		vx->seg[i].base = vmcs_read(VMCS_GUEST_BASE(i));
	}
	/* Host-owned bits keep the guest's own value (a write to them exits). */
	mask = vmx_cr0_forced();
	vx->cr0 = (vmcs_read(VMCS_GUEST_CR0) & ~mask) | (vx->cr0 & mask);
	mask = vmx.cr4_fixed0;
	vx->cr4 = (vmcs_read(VMCS_GUEST_CR4) & ~mask) | (vx->cr4 & mask);
	vx->cr3 = vmcs_read(VMCS_GUEST_CR3);
	v->regs[OKVM_RSP] = vmcs_read(VMCS_GUEST_RSP);
	v->rip = vmcs_read(VMCS_GUEST_RIP);
	v->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	vx->efer = vmcs_read(VMCS_GUEST_EFER);
	vx->pat = vmcs_read(VMCS_GUEST_PAT);
	vx->sysenter_cs = vmcs_read(VMCS_GUEST_SYSENTER_CS);
	vx->sysenter_esp = vmcs_read(VMCS_GUEST_SYSENTER_ESP);
	vx->sysenter_eip = vmcs_read(VMCS_GUEST_SYSENTER_EIP);
	vx->intr_state = vmcs_read(VMCS_GUEST_INTR_STATE);
	vx->activity = vmcs_read(VMCS_GUEST_ACTIVITY);
	vx->pending_dbg = vmcs_read(VMCS_GUEST_PENDING_DBG);
	if (vmx_pae_paging(vx))
		for (i = 0; i < 4; i++)
			vx->pdpte[i] = vmcs_read(VMCS_GUEST_PDPTE(i));
}

/*
 * Host state (interrupts off). What a task or the kernel may change (CR0, CR3, CR4, the
 * FS base) at every entry; what belongs to the CPU (descriptor tables, TSS, GS base,
 * SYSENTER, EFER, PAT) when the VMCS last held another CPU's.
 */
static void vmx_write_host(struct vmx_vcpu *vx, unsigned long cr4, int cpu)
{
	struct desc_ptr gdt, idt;
	struct desc_struct *d;
	u16 tr;
	u64 base, val;

	vmcs_write(VMCS_HOST_CR0, native_read_cr0());
	vmcs_write(VMCS_HOST_CR3, __native_read_cr3());
	vmcs_write(VMCS_HOST_CR4, cr4 | X86_CR4_VMXE);
	rdmsrq(MSR_FS_BASE, val);
	vmcs_write(VMCS_HOST_FS_BASE, val);
	if (vx->host_cpu == cpu)
		return;
	vx->host_cpu = cpu;
	vmcs_write(VMCS_HOST_CS_SEL, __KERNEL_CS);
	vmcs_write(VMCS_HOST_SS_SEL, __KERNEL_DS);
	vmcs_write(VMCS_HOST_DS_SEL, 0);
	vmcs_write(VMCS_HOST_ES_SEL, 0);
	vmcs_write(VMCS_HOST_FS_SEL, 0);
	vmcs_write(VMCS_HOST_GS_SEL, 0);
	asm volatile("str %0" : "=r"(tr));
	vmcs_write(VMCS_HOST_TR_SEL, tr);
	native_store_gdt(&gdt);
	store_idt(&idt);
	vmcs_write(VMCS_HOST_GDTR_BASE, gdt.address);
	vmcs_write(VMCS_HOST_IDTR_BASE, idt.address);
	/* The TSS base from its 16-byte GDT descriptor. */
	d = (struct desc_struct *)(gdt.address + (tr & ~7));
	base = get_desc_base(d) | ((u64)*(u32 *)(d + 1) << 32);
	vmcs_write(VMCS_HOST_TR_BASE, base);
	rdmsrq(MSR_GS_BASE, val);
	vmcs_write(VMCS_HOST_GS_BASE, val);
	rdmsrq(MSR_IA32_SYSENTER_CS, val);
	vmcs_write(VMCS_HOST_SYSENTER_CS, val);
	rdmsrq(MSR_IA32_SYSENTER_ESP, val);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, val);
	rdmsrq(MSR_IA32_SYSENTER_EIP, val);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, val);
	rdmsrq(MSR_EFER, val);
	vmcs_write(VMCS_HOST_EFER, val);
	rdmsrq(MSR_IA32_CR_PAT, val);
	vmcs_write(VMCS_HOST_PAT, val);
	vmcs_write(VMCS_HOST_RIP, (unsigned long)vmx_vmexit);
}

/* MSRs that VMX does not switch but that the guest uses natively (SYSCALL, SWAPGS, RDTSCP). */
enum { SW_STAR, SW_LSTAR, SW_CSTAR, SW_SFMASK, SW_KGS, SW_TSC_AUX, SW_NR };
static const u32 vmx_sw_msrs[SW_NR] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
};

static void vmx_sw_guest_values(struct okvm_vcpu *v, struct vmx_vcpu *vx, u64 *g)
{
	g[SW_STAR] = vx->star;
	g[SW_LSTAR] = vx->lstar;
	g[SW_CSTAR] = vx->cstar;
	g[SW_SFMASK] = vx->sfmask;
	g[SW_KGS] = vx->kernel_gs_base;
	g[SW_TSC_AUX] = v->tsc_aux;
}

/* ---- exits ---- */

static void vmx_skip(struct okvm_vcpu *v, struct okvm_exit *x)
{
	okvm_vcpu_skip(v, x->next_rip);
	x->kind = OKVM_X_NONE;
}

/* MOV to/from CR0, CR4 (host-owned bits changed) and CR8 (always exits). */
static void vmx_handle_cr(struct okvm_vcpu *v, struct okvm_exit *x)
{
	struct vmx_vcpu *vx = to_vmx(v);
	u64 q = x->info1, val, old;
	int cr = q & 0xf, type = (q >> 4) & 3, gpr = (q >> 8) & 0xf;

	x->kind = OKVM_X_NONE;
	if (type == 1 && (cr == 8 || cr == 3)) {
		v->regs[gpr] = cr == 8 ? vx->cr8 : vx->cr3;
		vmx_skip(v, x);
		return;
	}
	if (type != 0) {
		x->kind = OKVM_X_UNEXPECTED;
		return;
	}
	val = v->regs[gpr];
	switch (cr) {
	case 0:
		old = vx->cr0;
		if ((val >> 32) || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
		    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)) ||
		    ((val & X86_CR0_PG) && !(old & X86_CR0_PG) && (vx->efer & EFER_LME) &&
		     !(vx->cr4 & X86_CR4_PAE))) {
			okvm_inject_gp(v);
			return;
		}
		val |= X86_CR0_ET;
		vx->cr0 = val;
		/* The write did not happen in hardware: do what it would have done to EFER.LMA. */
		if ((val ^ old) & X86_CR0_PG) {
			if ((val & X86_CR0_PG) && (vx->efer & EFER_LME))
				vx->efer |= EFER_LMA;
			else if (!(val & X86_CR0_PG))
				vx->efer &= ~(u64)EFER_LMA;
		}
		break;
	case 4:
		if ((val & X86_CR4_VMXE) || (val & ~vmx.cr4_fixed1) ||
		    ((vx->efer & EFER_LMA) && !(val & X86_CR4_PAE))) {
			okvm_inject_gp(v);
			return;
		}
		vx->cr4 = val;
		break;
	case 3:
		vx->cr3 = val;
		break;
	case 8:
		if (val >> 4) {
			okvm_inject_gp(v);
			return;
		}
		vx->cr8 = val;
		break;
	default:
		x->kind = OKVM_X_UNEXPECTED;
		return;
	}
	vmx_load_pdptes(v);
	vx->flush = true;
	vmx_skip(v, x);
}

static void vmx_exit_decode(struct okvm_vcpu *v, struct okvm_exit *x, u32 reason, u32 exit_intr,
			    u32 exit_error, u32 insn_len, u32 insn_info)
{
	struct vmx_vcpu *vx = to_vmx(v);
	u64 q = x->info1;

	x->hw_reason = reason;
	x->next_rip = v->rip + insn_len;
	if (reason & EXIT_REASON_ENTRY_FAIL) {
		x->kind = OKVM_X_FAIL_ENTRY;
		return;
	}
	switch (reason & 0xffff) {
	case EXIT_REASON_EXC_NMI: {
		u32 vec = INTR_VECTOR(exit_intr);

		x->info2 = exit_intr;
		x->kind = OKVM_X_NONE;
		/* An IRET that unblocked NMIs faulted: it runs again, blocked (SDM 28.2.3). */
		if ((exit_intr & INTR_NMI_UNBLOCK) && !x->intinfo_valid && vec != 8)
			vx->intr_state |= INTR_STATE_NMI;
		if (INTR_TYPE(exit_intr) == INTR_TYPE_NMI)
			break;		/* raised again for the host by vmx_vcpu_run */
		if (vec == 18)
			asm volatile("int $0x12");	/* a machine check belongs to the host */
		else if (vec == 1 && INTR_TYPE(exit_intr) == INTR_TYPE_PRIV_SOFT_EXC)
			/* ICEBP: delivered past the instruction, as the guest executed it. */
			vmx_inject_event(v, &(struct okvm_event){ .type = OKVM_EV_SOFT_EXC, .vector = 1,
								  .insn_len = insn_len });
		else if (vec == 1 && (v->guest_debug & (OKVM_GUESTDBG_SINGLESTEP | OKVM_GUESTDBG_USE_HW_BP))) {
			/* The VMM's single-step or breakpoint: DR6's bits are in the qualification. */
			x->kind = OKVM_X_DEBUG;
			x->dbg.vector = 1;
			x->dbg.dr6 = 0xffff0ff0 | (q & 0x600f);
		} else if (vec == 1)
			okvm_queue_exception_payload(v, 1, false, 0, q & 0x600f);
		else if (vec == 3) {
			/* Intercepted only for KVM_GUESTDBG_USE_SW_BP; RIP is the INT3's. */
			x->kind = OKVM_X_DEBUG;
			x->dbg.vector = 3;
		}
		else if (vec == 17)
			okvm_queue_exception(v, 17, true, exit_error);
		else
			x->kind = OKVM_X_UNEXPECTED;
		break;
	}
	case EXIT_REASON_EXT_INTR:
	case EXIT_REASON_INIT:
	case EXIT_REASON_SIPI:
	case EXIT_REASON_IO_SMI:
	case EXIT_REASON_OTHER_SMI:
		/* The host takes it once interrupts are on again. */
		x->kind = OKVM_X_NONE;
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		x->kind = OKVM_X_SHUTDOWN;
		break;
	case EXIT_REASON_INTR_WINDOW:
		vx->irq_window = false;
		x->kind = OKVM_X_IRQ_WINDOW;
		break;
	case EXIT_REASON_NMI_WINDOW:
		vx->nmi_window = false;
		x->kind = OKVM_X_NMI_WINDOW;
		break;
	case EXIT_REASON_CPUID:
		x->kind = OKVM_X_CPUID;
		break;
	case EXIT_REASON_HLT:
		x->kind = OKVM_X_HLT;
		break;
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		/* Caches are the host's. */
		vmx_skip(v, x);
		break;
	case EXIT_REASON_RDPMC:
		okvm_inject_gp(v);
		x->kind = OKVM_X_NONE;
		break;
	case EXIT_REASON_GETSEC:
	case EXIT_REASON_VMCALL ... EXIT_REASON_VMXOFF_LAST:
	case EXIT_REASON_MWAIT:
	case EXIT_REASON_MONITOR:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
	case EXIT_REASON_ENCLS:
		/* Not offered in CPUID: the guest gets #UD. */
		okvm_inject_ud(v);
		x->kind = OKVM_X_NONE;
		break;
	case EXIT_REASON_CR:
		vmx_handle_cr(v, x);
		break;
	case EXIT_REASON_DR:
		/* Bit 4: MOV from DR. Generic code decodes the instruction. */
		x->kind = OKVM_X_DR;
		x->hw_reason = ((q & BIT(4)) ? 0x20 : 0x30) + (q & 7);
		break;
	case EXIT_REASON_IO:
		x->kind = OKVM_X_IO;
		x->io.size = (q & 7) + 1;
		x->io.in = q & BIT(3);
		x->io.string = q & BIT(4);
		x->io.rep = q & BIT(5);
		x->io.port = q >> 16;
		x->io.asize = 2 << ((insn_info >> 7) & 3);
		x->io.seg = (vmx.basic & BASIC_INOUT_INFO) ? (int)((insn_info >> 15) & 7) : -1;
		if (!(vmx.basic & BASIC_INOUT_INFO))
			x->io.asize = 0;
		break;
	case EXIT_REASON_RDMSR:
		x->kind = OKVM_X_RDMSR;
		break;
	case EXIT_REASON_WRMSR:
		x->kind = OKVM_X_WRMSR;
		break;
	case EXIT_REASON_XSETBV:
		x->kind = OKVM_X_XSETBV;
		break;
	case EXIT_REASON_EPT_VIOLATION:
		x->kind = OKVM_X_NPF;
		x->npf.gpa = x->info2;
		x->npf.write = q & EPTV_WRITE;
		x->npf.fetch = q & EPTV_FETCH;
		if ((q & EPTV_NMI_UNBLOCK) && !x->intinfo_valid)
			vx->intr_state |= INTR_STATE_NMI;
		break;
	default:
		/* EPT misconfiguration, task switches and the rest: okvm has no answer. */
		x->kind = OKVM_X_UNEXPECTED;
		break;
	}
}

static void vmx_vcpu_run(struct okvm_vcpu *v, struct okvm_exit *x)
{
	struct vmx_vcpu *vx = to_vmx(v);
	struct vmx_cpu *c;
	unsigned long cr4;
	u64 vmcs_pa = virt_to_phys(vx->vmcs), host_sw[SW_NR], guest_sw[SW_NR], dr6, dr7, debugctl;
	u64 fs_base, kgs_base, t0 = 0, t1 = 0, t2 = 0, t3;
	unsigned long host_dr[4];
	u32 reason = 0, exit_intr = 0, exit_error = 0, idt_info = 0, idt_error = 0, insn_len = 0;
	u32 insn_info = 0, insn_error = 0, pkru = 0;
	u16 ds, es, fs, gs, ldt;
	bool pkeys = boot_cpu_has(X86_FEATURE_OSPKE), nmi = false;
	int cpu, r, i, nsw = vmx.rdtscp ? SW_NR : SW_TSC_AUX;

	memset(x, 0, sizeof(*x));
	vmx_sw_guest_values(v, vx, guest_sw);

	kernel_fpu_begin();
	if (pkeys)
		pkru = rdpkru();
	okvm_fpu_load(v);
	local_irq_disable();
	cpu = smp_processor_id();
	c = this_cpu_ptr(&vmx_cpus);
	r = -EAGAIN;
	if (!READ_ONCE(c->ready) || !okvm_vcpu_enter_prepare(v))
		goto not_entered;

	if (measure)
		t0 = rdtsc_ordered();
	r = vmx_enter_root(c, &cr4);
	if (r) {
		okvm_vcpu_exit_done(v);
		goto not_entered;
	}
	if (!vx->cleared) {
		vmx_clear(vmcs_pa);
		vx->cleared = true;
	}
	vmx_ptrld(vmcs_pa);
	if (measure)
		t1 = rdtsc_ordered();
	vmx_write_controls(v, vx);
	vmx_write_guest(v, vx);
	vmx_write_host(vx, cr4, cpu);

	/* Stale translations: a new CPU may hold some from an earlier stint; zaps; CR writes. */
	if (test_and_clear_bit(OKVM_REQ_TLB_FLUSH, &v->requests) || vx->last_cpu != cpu) {
		vmx_invept((vmx.ept_vpid & EPTCAP_INVEPT_SINGLE) ? 1 : 2,
			   okvm_mmu_root(v->vm) | EPTP_WB | EPTP_WALK4);
		vx->flush = false;
	}
	if (vx->flush) {
		if (vmx.vpid)
			vmx_invvpid((vmx.ept_vpid & VPIDCAP_SINGLE) ? 1 : 2, vx->vpid);
		vx->flush = false;
	}
	vx->last_cpu = cpu;
	v->cpu = cpu;

	/* Host state VM exit does not restore. */
	savesegment(ds, ds);
	savesegment(es, es);
	savesegment(fs, fs);
	savesegment(gs, gs);
	asm volatile("sldt %0" : "=r"(ldt));
	rdmsrq(MSR_FS_BASE, fs_base);
	rdmsrq(MSR_KERNEL_GS_BASE, kgs_base);
	rdmsrq(MSR_IA32_DEBUGCTLMSR, debugctl);
	for (i = 0; i < nsw; i++) {
		rdmsrq(vmx_sw_msrs[i], host_sw[i]);
		if (host_sw[i] != guest_sw[i])
			wrmsrq(vmx_sw_msrs[i], guest_sw[i]);
	}
	dr7 = native_get_debugreg(7);
	dr6 = native_get_debugreg(6);
	okvm_debugregs_load(v, host_dr);
	okvm_xcr0_load(v);
	native_write_cr2(vx->cr2);

	r = vmx_vmrun(v->regs);

	vx->cr2 = native_read_cr2();
	okvm_xcr0_put(v);
	okvm_debugregs_put(v, host_dr);
	native_set_debugreg(6, dr6);
	if (dr7 != 0x400)
		native_set_debugreg(7, dr7);
	if (debugctl)
		wrmsrq(MSR_IA32_DEBUGCTLMSR, debugctl);
	for (i = 0; i < nsw; i++) {
		rdmsrq(vmx_sw_msrs[i], guest_sw[i]);
		if (host_sw[i] != guest_sw[i])
			wrmsrq(vmx_sw_msrs[i], host_sw[i]);
	}
	/*
	 * VM exit loaded null selectors, a null LDT, a TSS limit of 0x67 and a GDT limit of
	 * 0xffff (user space could then load selectors from past the end of the GDT page).
	 */
	load_fixmap_gdt(cpu);
	if (ldt)
		asm volatile("lldt %0" : : "r"(ldt));
	if (ds)
		loadsegment(ds, ds);
	if (es)
		loadsegment(es, es);
	if (fs) {
		loadsegment(fs, fs);
		wrmsrq(MSR_FS_BASE, fs_base);
	}
	if (gs) {
		load_gs_index(gs);
		wrmsrq(MSR_KERNEL_GS_BASE, kgs_base);
	}
	invalidate_tss_limit();

	if (r) {
		insn_error = vmcs_read(VMCS_INSN_ERROR);
	} else {
		vmx_read_guest(v, vx);
		reason = vmcs_read(VMCS_EXIT_REASON);
		x->info1 = vmcs_read(VMCS_EXIT_QUAL);
		x->info2 = vmcs_read(VMCS_GUEST_PHYS_ADDR);
		exit_intr = vmcs_read(VMCS_EXIT_INTR_INFO);
		exit_error = vmcs_read(VMCS_EXIT_INTR_ERROR);
		idt_info = vmcs_read(VMCS_IDT_VEC_INFO);
		idt_error = vmcs_read(VMCS_IDT_VEC_ERROR);
		insn_len = vmcs_read(VMCS_EXIT_INSN_LEN);
		insn_info = vmcs_read(VMCS_EXIT_INSN_INFO);
	}
	if (measure)
		t2 = rdtsc_ordered();
	vmx_clear(vmcs_pa);
	vmx_leave_root(cr4);
	if (measure) {
		t3 = rdtsc_ordered();
		atomic64_inc(&cost_entries);
		atomic64_add((t1 - t0) + (t3 - t2), &cost_root);
		atomic64_add(t3 - t0, &cost_total);
	}

	/* An NMI that ended the guest was not delivered: raise it again for the host. */
	nmi = !r && (reason & 0xffff) == EXIT_REASON_EXC_NMI && (exit_intr & INTR_VALID) &&
	      INTR_TYPE(exit_intr) == INTR_TYPE_NMI;
	if (nmi) {
		apic->send_IPI_mask(cpumask_of(cpu), NMI_VECTOR);
		atomic64_inc(&nmi_exits);
	}

	/* No guest register state is left when interrupts come back. */
	okvm_fpu_put(v);
	if (pkeys && rdpkru() != pkru)
		wrpkru(pkru);
	okvm_vcpu_exit_done(v);
	local_irq_enable();
	kernel_fpu_end();

	vx->star = guest_sw[SW_STAR];
	vx->lstar = guest_sw[SW_LSTAR];
	vx->cstar = guest_sw[SW_CSTAR];
	vx->sfmask = guest_sw[SW_SFMASK];
	vx->kernel_gs_base = guest_sw[SW_KGS];
	vx->entry_intr = 0;

	if (r) {
		pr_warn_ratelimited("okvm: VMLAUNCH failed, VM-instruction error %u\n", insn_error);
		x->kind = OKVM_X_FAIL_ENTRY;
		x->hw_reason = 0x80000000ULL | ((u64)insn_error << 32);
		return;
	}
	vmx_intinfo(x, idt_info, idt_error, insn_len);
	if (trace_exits > 0) {
		trace_exits--;
		pr_info("okvm: exit %#x qual %#llx gpa %#llx intr %#x idt %#x rip %#llx len %u\n",
			reason, x->info1, x->info2, exit_intr, idt_info, v->rip, insn_len);
	}
	vmx_exit_decode(v, x, reason, exit_intr, exit_error, insn_len, insn_info);
	return;

not_entered:
	okvm_fpu_put(v);
	if (pkeys)
		wrpkru(pkru);
	local_irq_enable();
	kernel_fpu_end();
	/* The programmed event is still to come. */
	vmx_intinfo(x, vx->entry_intr, vx->entry_error, vx->entry_len);
	vx->entry_intr = 0;
	x->kind = OKVM_X_INTR;
	if (r == -EBUSY || r == -EFAULT) {
		vmx_say_busy(cpu, r);
		x->kind = OKVM_X_FAIL_ENTRY;
		x->hw_reason = (u64)-EBUSY;
	}
}

const struct okvm_hv_ops vmx_hv_ops = {
	.name = "vmx",
	.guest_debug = true,
	.probe = vmx_probe,
	.init = vmx_init,
	.exit = vmx_exit,
	.vm_check = vmx_vm_check,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_fini = vmx_vcpu_fini,
	.vcpu_run = vmx_vcpu_run,
	.get_sregs = vmx_get_sregs,
	.set_sregs = vmx_set_sregs,
	.get_seg = vmx_get_seg,
	.get_cr = vmx_get_cr,
	.get_efer = vmx_get_efer,
	.get_cpl = vmx_get_cpl,
	.get_msr = vmx_get_msr,
	.set_msr = vmx_set_msr,
	.set_cr = vmx_set_cr,
	.inject_event = vmx_inject_event,
	.set_windows = vmx_set_windows,
	.get_interrupt_shadow = vmx_get_interrupt_shadow,
	.set_interrupt_shadow = vmx_set_interrupt_shadow,
	.get_nmi_mask = vmx_get_nmi_mask,
	.set_nmi_mask = vmx_set_nmi_mask,
};
