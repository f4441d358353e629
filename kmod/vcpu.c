// SPDX-License-Identifier: GPL-2.0-only
/* vcpu fd: the kvm_run area, the run loop, signals, and the state ioctls. */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include <asm/fpu/types.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/tsc.h>
#include <asm/debugreg.h>

#include "okvm.h"
#include "hv.h"
#include "x86/irqchip.h"

static const struct file_operations okvm_vcpu_fops;

/*
 * With interrupts off, right before guest entry: announce that we are in the guest, then
 * look for reasons not to go (Dekker-style against okvm_vm_flush_tlbs(), which sets a
 * request first and then looks at mode).
 */
bool okvm_vcpu_enter_prepare(struct okvm_vcpu *v)
{
	WRITE_ONCE(v->mode, OKVM_IN_GUEST);
	smp_mb();
	if (signal_pending(current) || need_resched() || test_bit(OKVM_REQ_EVENT, &v->requests)) {
		WRITE_ONCE(v->mode, OKVM_OUTSIDE_GUEST);
		return false;
	}
	return true;
}

void okvm_vcpu_exit_done(struct okvm_vcpu *v)
{
	smp_store_release(&v->mode, OKVM_OUTSIDE_GUEST);
}

/* The IPI alone does the work: it causes a #VMEXIT (physical interrupts are intercepted). */
static void okvm_kick_noop(void *unused)
{
}

/*
 * An interrupt source changed for @v (any context, even hardirq): the request makes the
 * run loop look again; a sleeping vcpu wakes; one in the guest on another CPU gets an IPI.
 * The other half of the handshake is okvm_vcpu_enter_prepare().
 */
void okvm_vcpu_kick(struct okvm_vcpu *v)
{
	unsigned long flags;
	int cpu;

	set_bit(OKVM_REQ_EVENT, &v->requests);
	smp_mb__after_atomic();
	wake_up(&v->wq);
	if (READ_ONCE(v->mode) != OKVM_IN_GUEST)
		return;
	cpu = READ_ONCE(v->cpu);
	/* On its own CPU the vcpu is not in the guest while we run (or leaves it for our IRQ). */
	if (cpu < 0 || cpu == raw_smp_processor_id())
		return;
	spin_lock_irqsave(&v->kick_lock, flags);
	/* -EBUSY: the previous kick is still on its way, and it is enough. */
	smp_call_function_single_async(cpu, &v->kick_csd);
	spin_unlock_irqrestore(&v->kick_lock, flags);
}

/* Before vcpus are freed: every kick IPI sent so far has been handled. */
void okvm_vcpus_kick_flush(void)
{
	on_each_cpu(okvm_kick_noop, NULL, 1);
}

/*
 * Queue an exception for the next entry. A second contributory one (or #PF) while the
 * first still waits becomes #DF, as in the SDM's table; otherwise the later one wins.
 */
static void okvm_queue_exc(struct okvm_vcpu *v, u8 vector, bool has_error, u32 error,
			   bool has_payload, u64 payload)
{
	bool c1 = v->exc.vector == 14 || v->exc.vector == 0 || (v->exc.vector >= 10 && v->exc.vector <= 13);
	bool c2 = vector == 14 || vector == 0 || (vector >= 10 && vector <= 13);

	if (v->exc.pending && c1 && c2) {
		vector = 8;
		has_error = true;
		error = 0;
		has_payload = false;
	}
	v->exc.pending = true;
	v->exc.vector = vector;
	v->exc.has_error = has_error;
	v->exc.error = error;
	v->exc.has_payload = has_payload;
	v->exc.payload = payload;
}

void okvm_queue_exception(struct okvm_vcpu *v, u8 vector, bool has_error, u32 error)
{
	okvm_queue_exc(v, vector, has_error, error, false, 0);
}

/* #PF's CR2 (#DB's DR6 bits) take effect when the exception is delivered. */
void okvm_queue_exception_payload(struct okvm_vcpu *v, u8 vector, bool has_error, u32 error,
				  u64 payload)
{
	okvm_queue_exc(v, vector, has_error, error, true, payload);
}

void okvm_inject_ud(struct okvm_vcpu *v)
{
	okvm_queue_exception(v, 6, false, 0);
}

void okvm_inject_gp(struct okvm_vcpu *v)
{
	okvm_queue_exception(v, 13, true, 0);
}

/*
 * An instruction completed outside the guest (emulated or skipped): the single-step trap
 * the CPU would have raised goes to the VMM's debugger, or to the guest if its TF is set.
 */
void okvm_vcpu_insn_done(struct okvm_vcpu *v)
{
	if (v->guest_debug & OKVM_GUESTDBG_SINGLESTEP)
		v->singlestep_exit = true;
	else if (v->rflags & X86_EFLAGS_TF)
		okvm_queue_exception_payload(v, 1, false, 0, BIT(14));	/* DR6.BS */
}

/* An instruction completed outside the guest: move past it; its STI/MOV SS shadow ends. */
void okvm_vcpu_skip(struct okvm_vcpu *v, u64 next_rip)
{
	v->rip = next_rip;
	if (okvm_hv->get_interrupt_shadow(v))
		okvm_hv->set_interrupt_shadow(v, 0);
	okvm_vcpu_insn_done(v);
}

/* The linear address of RIP (KVM_EXIT_DEBUG's pc). */
static u64 okvm_linear_rip(struct okvm_vcpu *v)
{
	struct okvm_segment cs;

	okvm_hv->get_seg(v, OKVM_CS, &cs);
	return cs.base + v->rip;
}

static void okvm_debug_exit(struct okvm_vcpu *v, u8 vector, u64 dr6)
{
	struct okvm_run *run = v->run;

	run->exit_reason = OKVM_EXIT_DEBUG;
	memset(&run->debug, 0, sizeof(run->debug));
	run->debug.arch.exception = vector;
	run->debug.arch.pc = okvm_linear_rip(v);
	run->debug.arch.dr6 = dr6;
	run->debug.arch.dr7 = (v->guest_debug & OKVM_GUESTDBG_USE_HW_BP) ? v->guest_debug_dr7 : v->dr7;
}

#define OKVM_GUESTDBG_VALID	(OKVM_GUESTDBG_ENABLE | OKVM_GUESTDBG_SINGLESTEP | \
				 OKVM_GUESTDBG_USE_SW_BP | OKVM_GUESTDBG_USE_HW_BP | \
				 OKVM_GUESTDBG_INJECT_DB | OKVM_GUESTDBG_INJECT_BP)

/* KVM_SET_GUEST_DEBUG: as KVM, an inject request fails with EBUSY behind another exception. */
static noinline_for_stack long okvm_set_guest_debug(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_guest_debug d;
	int i;

	if (!okvm_hv->guest_debug)
		return -EINVAL;
	if (copy_from_user(&d, argp, sizeof(d)))
		return -EFAULT;
	if (d.control & ~OKVM_GUESTDBG_VALID)
		return -EINVAL;
	if (d.control & (OKVM_GUESTDBG_INJECT_DB | OKVM_GUESTDBG_INJECT_BP)) {
		if (v->exc.pending || v->exc.injected)
			return -EBUSY;
		if (d.control & OKVM_GUESTDBG_INJECT_DB)
			okvm_queue_exception(v, 1, false, 0);
		else
			okvm_queue_exception(v, 3, false, 0);
	}
	if (!(d.control & OKVM_GUESTDBG_ENABLE))
		d.control = 0;
	if (d.control & OKVM_GUESTDBG_USE_HW_BP) {
		/* DR7's upper half must be zero, as MOV DR7 would demand. */
		if (d.arch.debugreg[7] >> 32)
			return -EINVAL;
		for (i = 0; i < 4; i++)
			v->guest_debug_dr[i] = d.arch.debugreg[i];
		v->guest_debug_dr7 = d.arch.debugreg[7] | 0x400;
	}
	v->guest_debug = d.control & ~(OKVM_GUESTDBG_INJECT_DB | OKVM_GUESTDBG_INJECT_BP);
	v->singlestep_exit = false;
	return 0;
}

/*
 * A queued exception becomes the one being delivered. Its payload takes effect now, as
 * on the CPU: #PF's address in CR2, #DB's bits in DR6.
 */
static void okvm_exc_commit(struct okvm_vcpu *v)
{
	if (!v->exc.pending)
		return;
	if (v->exc.has_payload) {
		if (v->exc.vector == 14)
			okvm_hv->set_cr(v, 2, v->exc.payload);
		else if (v->exc.vector == 1)
			v->dr6 |= v->exc.payload;
		v->exc.has_payload = false;
	}
	v->exc.pending = false;
	v->exc.injected = true;
}

/* An external interrupt can be delivered now: IF set, no STI/MOV SS shadow. */
static bool okvm_interrupt_allowed(struct okvm_vcpu *v)
{
	return (v->rflags & X86_EFLAGS_IF) && !okvm_hv->get_interrupt_shadow(v);
}

/* Deliver at most one event at the next entry, re-deliveries first (the SDM's order). */
static void okvm_events_inject(struct okvm_vcpu *v)
{
	struct okvm_event ev = { 0 };
	bool irq_window;
	int pending;

	v->ev_inflight = -1;
	if (!v->exc.injected && !v->nmi_injected && !v->irq.injected)
		okvm_exc_commit(v);
	if (v->exc.injected) {
		ev.type = OKVM_EV_EXC;
		ev.vector = v->exc.vector;
		ev.has_error = v->exc.has_error;
		ev.error = v->exc.error;
	} else if (v->nmi_injected) {
		ev.type = OKVM_EV_NMI;
		ev.vector = 2;
	} else if (v->irq.injected) {
		ev.type = v->irq.soft ? OKVM_EV_SOFT_INTR : OKVM_EV_INTR;
		ev.vector = v->irq.vector;
		ev.insn_len = v->irq.insn_len;
	} else if (v->nmi_pending && !okvm_hv->get_nmi_mask(v)) {
		v->nmi_pending = false;
		v->nmi_injected = true;
		okvm_hv->set_nmi_mask(v, true);
		v->stat.nmi_injections++;
		ev.type = OKVM_EV_NMI;
		ev.vector = 2;
	} else if (v->apic && !v->sti_hlt_hold && okvm_interrupt_allowed(v) &&
		   (pending = okvm_lapic_pending(v)) >= 0) {
		/* The INTA cycle: the APIC (or the PIC behind it) names the vector now. */
		v->irq.injected = true;
		v->irq.soft = false;
		v->irq.vector = okvm_lapic_accept(v, pending);
		v->stat.irq_injections++;
		ev.type = OKVM_EV_INTR;
		ev.vector = v->irq.vector;
	} else {
		goto windows;
	}
	v->ev_inflight = ev.type;
	okvm_hv->inject_event(v, &ev);
windows:
	irq_window = (v->run->request_interrupt_window && v->vm->irqchip_mode != OKVM_IRQCHIP_KERNEL) ||
		     (v->apic && okvm_lapic_pending(v) >= 0);
	/* The HLT after the STI runs once without a window (okvm_check_sti_hlt). */
	if (v->sti_hlt_hold) {
		v->sti_hlt_hold = false;
		irq_window = false;
	}
	okvm_hv->set_windows(v, irq_window, v->nmi_pending);
}

/*
 * After an exit: the event handed to the backend has been delivered, unless the exit
 * interrupted its delivery (then the backend reports it back). Events that waited
 * behind it stay queued.
 */
static void okvm_events_exit(struct okvm_vcpu *v, const struct okvm_exit *x)
{
	const struct okvm_event *ev = &x->intinfo;

	switch (v->ev_inflight) {
	case OKVM_EV_EXC:
	case OKVM_EV_SOFT_EXC:
		v->exc.injected = false;
		break;
	case OKVM_EV_NMI:
		v->nmi_injected = false;
		break;
	case OKVM_EV_INTR:
	case OKVM_EV_SOFT_INTR:
		v->irq.injected = false;
		break;
	}
	v->ev_inflight = -1;
	if (!x->intinfo_valid)
		return;
	switch (ev->type) {
	case OKVM_EV_EXC:
	case OKVM_EV_SOFT_EXC:
		v->exc.injected = true;
		v->exc.vector = ev->vector;
		v->exc.has_error = ev->has_error;
		v->exc.error = ev->error;
		v->exc.has_payload = false;
		break;
	case OKVM_EV_NMI:
		v->nmi_injected = true;
		break;
	default:
		v->irq.injected = true;
		v->irq.soft = ev->type == OKVM_EV_SOFT_INTR;
		v->irq.vector = ev->vector;
		v->irq.insn_len = ev->insn_len;
		break;
	}
}

/*
 * KVM's rule for a userspace interrupt controller: interruptible and nothing in flight.
 * A pending exception counts: it belongs to the instruction at RIP (a RDMSR that faulted,
 * say) and must reach the guest before any interrupt the VMM would inject now.
 */
static bool okvm_ready_for_interrupt(struct okvm_vcpu *v)
{
	/* Split irqchip: the VMM's PIC waits while the in-kernel APIC has an interrupt. */
	if (v->apic && okvm_lapic_pending(v) >= 0)
		return false;
	return (v->rflags & X86_EFLAGS_IF) && !okvm_hv->get_interrupt_shadow(v) && !v->sti_hlt_hold &&
	       !v->exc.pending && !v->exc.injected && !v->nmi_injected && !v->irq.injected;
}

static void okvm_internal_error(struct okvm_vcpu *v, u32 suberror, u64 d0, u64 d1)
{
	struct okvm_run *run = v->run;

	run->exit_reason = OKVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 2;
	run->internal.data[0] = d0;
	run->internal.data[1] = d1;
}

/* Register update with the width of a string instruction's address size. */
static void okvm_reg_add(u64 *r, s64 delta, int asize)
{
	if (asize == 2)
		*r = (*r & ~0xffffULL) | ((*r + delta) & 0xffff);
	else if (asize == 4)
		*r = (u32)(*r + delta);
	else
		*r += delta;
}

static u64 okvm_reg_masked(u64 r, int asize)
{
	return asize == 8 ? r : r & ((1ULL << (asize * 8)) - 1);
}

/* OUTS reads DS:rSI unless a segment prefix says otherwise. */
static int okvm_outs_seg(struct okvm_vcpu *v)
{
	u8 b[15];
	int n, i;

	if (okvm_fetch_insn(v, b, &n))
		return OKVM_DS;
	for (i = 0; i < n; i++) {
		switch (b[i]) {
		case 0x26: return OKVM_ES;
		case 0x2e: return OKVM_CS;
		case 0x36: return OKVM_SS;
		case 0x3e: return OKVM_DS;
		case 0x64: return OKVM_FS;
		case 0x65: return OKVM_GS;
		case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
			continue;
		default:
			if ((b[i] & 0xf0) == 0x40)
				continue;
			return OKVM_DS;
		}
	}
	return OKVM_DS;
}

static int okvm_complete_pending(struct okvm_vcpu *v);

/* An I/O instruction exits to userspace. RIP stays on it until the access completes. */
static int okvm_handle_io(struct okvm_vcpu *v, struct okvm_exit *x)
{
	struct okvm_run *run = v->run;
	struct okvm_pending *p = &v->pend;

	if (x->io.size != 1 && x->io.size != 2 && x->io.size != 4) {
		okvm_internal_error(v, OKVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON, x->hw_reason, x->info1);
		return 0;
	}
	memset(p, 0, sizeof(*p));
	p->rip = v->rip;
	p->next_rip = x->next_rip;
	p->in = x->io.in;
	p->string = x->io.string;
	p->rep = x->io.rep;
	p->size = x->io.size;
	p->asize = x->io.asize ? x->io.asize : 8;
	p->seg = x->io.seg;

	if (p->string) {
		/* One element per exit; REP re-executes the instruction until rCX is 0. */
		if (p->rep && !okvm_reg_masked(v->regs[OKVM_RCX], p->asize)) {
			okvm_vcpu_skip(v, p->next_rip);
			return 1;
		}
		if (!p->in) {
			u64 off;
			int r;

			if (p->seg < 0)
				p->seg = okvm_outs_seg(v);
			off = okvm_reg_masked(v->regs[OKVM_RSI], p->asize);
			r = okvm_guest_access(v, p->seg, off, v->pio_data, p->size, false);
			if (r > 0)
				return 1;	/* the guest takes the fault */
			if (r) {
				okvm_internal_error(v, OKVM_INTERNAL_ERROR_EMULATION, off, x->info1);
				return 0;
			}
		}
	} else if (!p->in) {
		memcpy(v->pio_data, &v->regs[OKVM_RAX], p->size);
	}
	p->kind = OKVM_EXIT_IO;
	p->count = 1;
	/* A device in the kernel (PIC, PIT, an ioeventfd) completes it without an exit. */
	if (okvm_pio_kernel(v, x->io.port, v->pio_data, p->size, p->in))
		return okvm_complete_pending(v) ? 0 : 1;
	/*
	 * REP INS reads ahead for userspace as KVM does: up to the end of RDI's page (in
	 * bytes, in the direction of DF), at most 1 KiB of data and rCX elements.
	 */
	if (p->string && p->in && p->rep) {
		u64 di = okvm_reg_masked(v->regs[OKVM_RDI], p->asize);
		u64 n = (v->rflags & X86_EFLAGS_DF) ? offset_in_page(di) : PAGE_SIZE - offset_in_page(di);

		n = min3(n, (u64)1024 / p->size, okvm_reg_masked(v->regs[OKVM_RCX], p->asize));
		p->count = max_t(u64, n, 1);
	}
	run->exit_reason = OKVM_EXIT_IO;
	run->io.direction = p->in ? OKVM_EXIT_IO_IN : OKVM_EXIT_IO_OUT;
	run->io.size = p->size;
	run->io.port = x->io.port;
	run->io.count = p->count;
	run->io.data_offset = OKVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	return 0;
}

/* Finish the I/O or MMIO access userspace handled, unless userspace moved RIP meanwhile. */
static int okvm_complete_pending(struct okvm_vcpu *v)
{
	struct okvm_pending *p = &v->pend;
	int kind = p->kind;

	p->kind = 0;
	if (!kind || v->rip != p->rip)
		return 0;
	if (kind == OKVM_EXIT_MMIO)
		return okvm_emulate_complete(v) ? 0 : -EAGAIN;
	if (!p->string) {
		if (p->in) {
			u64 val = 0, *rax = &v->regs[OKVM_RAX];

			memcpy(&val, v->pio_data, p->size);
			if (p->size == 4)
				*rax = (u32)val;
			else if (p->size == 2)
				*rax = (*rax & ~0xffffULL) | val;
			else
				*rax = (*rax & ~0xffULL) | val;
		}
		okvm_vcpu_skip(v, p->next_rip);
		return 0;
	}
	{
		s64 step = (v->rflags & X86_EFLAGS_DF) ? -(s64)p->size : p->size;
		unsigned int i;

		/* Element by element: a fault stops it with the registers at that element. */
		for (i = 0; i < p->count; i++) {
			if (p->in) {
				u64 off = okvm_reg_masked(v->regs[OKVM_RDI], p->asize);
				int r = okvm_guest_access(v, OKVM_ES, off, (u8 *)v->pio_data + i * p->size,
							  p->size, true);

				if (r > 0)
					return 0;	/* the guest takes the fault */
				if (r) {
					okvm_internal_error(v, OKVM_INTERNAL_ERROR_EMULATION, off, 0);
					return -EAGAIN;
				}
				okvm_reg_add(&v->regs[OKVM_RDI], step, p->asize);
			} else {
				okvm_reg_add(&v->regs[OKVM_RSI], step, p->asize);
			}
			if (p->rep) {
				okvm_reg_add(&v->regs[OKVM_RCX], -1, p->asize);
				/* Userspace may have shrunk rCX meanwhile: never go past 0. */
				if (!okvm_reg_masked(v->regs[OKVM_RCX], p->asize))
					break;
			}
		}
		if (p->rep && okvm_reg_masked(v->regs[OKVM_RCX], p->asize))
			return 0;
		okvm_vcpu_skip(v, p->next_rip);
	}
	return 0;
}

/* MOV to/from DR0-7. Guest breakpoints are not armed in hardware; the values are kept. */
static int okvm_handle_dr(struct okvm_vcpu *v, struct okvm_exit *x)
{
	bool write = x->hw_reason >= 0x30;
	int dr = x->hw_reason & 0xf, gpr, n, i = 0;
	u8 b[15];
	bool rexb = false;
	u64 *val;

	if (okvm_fetch_insn(v, b, &n))
		goto fail;
	while (i < n && (b[i] & 0xf0) == 0x40) {
		rexb = b[i] & 1;
		i++;
	}
	if (i + 3 > n || b[i] != 0x0f || (b[i + 1] != 0x21 && b[i + 1] != 0x23))
		goto fail;
	gpr = (b[i + 2] & 7) | (rexb ? 8 : 0);
	if (dr == 4)
		dr = 6;
	if (dr == 5)
		dr = 7;
	val = dr < 4 ? &v->dr[dr] : dr == 6 ? &v->dr6 : &v->dr7;
	if (write) {
		if (dr >= 6 && (v->regs[gpr] >> 32)) {
			okvm_inject_gp(v);
			return 1;
		}
		*val = v->regs[gpr];
	} else {
		v->regs[gpr] = dr == 6 ? (*val | 0xffff0ff0) : dr == 7 ? (*val | 0x400) : *val;
	}
	okvm_vcpu_skip(v, v->rip + i + 3);
	return 1;
fail:
	okvm_internal_error(v, OKVM_INTERNAL_ERROR_EMULATION, x->hw_reason, 0);
	return 0;
}

static int okvm_handle_xsetbv(struct okvm_vcpu *v, u64 next_rip)
{
	u64 val = (v->regs[OKVM_RDX] << 32) | (u32)v->regs[OKVM_RAX];
	u64 allowed = okvm_guest_xcr0_mask();

	if (!(okvm_hv->get_cr(v, 4) & X86_CR4_OSXSAVE)) {
		okvm_inject_ud(v);
		return 1;
	}
	if (okvm_hv->get_cpl(v) != 0 || (u32)v->regs[OKVM_RCX] != 0 || (val & ~allowed) ||
	    !(val & XFEATURE_MASK_FP) || ((val & XFEATURE_MASK_YMM) && !(val & XFEATURE_MASK_SSE))) {
		okvm_inject_gp(v);
		return 1;
	}
	v->xcr0 = val;
	okvm_vcpu_skip(v, next_rip ? next_rip : v->rip + 3);
	return 1;
}

/* The CR4 bits a guest may set: the architectural ones the CPU has, never VMXE or SMXE. */
static u64 okvm_cr4_bits(void)
{
	u64 cr4_ok = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE |
		     X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (boot_cpu_has(X86_FEATURE_UMIP))
		cr4_ok |= X86_CR4_UMIP;
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		cr4_ok |= X86_CR4_FSGSBASE;
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		cr4_ok |= X86_CR4_OSXSAVE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		cr4_ok |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		cr4_ok |= X86_CR4_SMAP;
	/* PCIDE, PKE and LA57 stay out: KVM_GET_SUPPORTED_CPUID offers no PCID, PKU or LA57. */
	return cr4_ok;
}

/* A guest write to CR0 or CR4: false when the CPU would raise #GP for it (SDM, MOV CR). */
static bool okvm_cr_write_ok(struct okvm_vcpu *v, int cr, u64 val)
{
	u64 cr0 = okvm_hv->get_cr(v, 0), cr4 = okvm_hv->get_cr(v, 4);
	u64 efer = okvm_hv->get_efer(v);
	struct okvm_segment cs;

	okvm_hv->get_seg(v, OKVM_CS, &cs);
	if (cr == 4) {
		if (val & ~okvm_cr4_bits())
			return false;
		if ((efer & EFER_LMA) && (!(val & X86_CR4_PAE) || ((val ^ cr4) & X86_CR4_LA57)))
			return false;
		if ((val & X86_CR4_PCIDE) && !(cr4 & X86_CR4_PCIDE) &&
		    (!(efer & EFER_LMA) || (okvm_hv->get_cr(v, 3) & 0xfff)))
			return false;
		return true;
	}
	if ((val >> 32) || ((val & X86_CR0_NW) && !(val & X86_CR0_CD)) ||
	    ((val & X86_CR0_PG) && !(val & X86_CR0_PE)))
		return false;
	/* Turning paging on with EFER.LME enters long mode: PAE first, and not from CS.L code. */
	if ((val & X86_CR0_PG) && !(cr0 & X86_CR0_PG) && (efer & EFER_LME) &&
	    (!(cr4 & X86_CR4_PAE) || cs.l))
		return false;
	/* Paging cannot be turned off in 64-bit code, nor with PCIDE. */
	if (!(val & X86_CR0_PG) && (cr0 & X86_CR0_PG) &&
	    (((efer & EFER_LMA) && cs.l) || (cr4 & X86_CR4_PCIDE)))
		return false;
	return true;
}

/* MOV to CR0/CR4, LMSW and CLTS: decoded here (no decode assists needed), checked, applied. */
static int okvm_handle_cr_write(struct okvm_vcpu *v, struct okvm_exit *x)
{
	u64 cr0 = okvm_hv->get_cr(v, 0), old, val, src;
	u8 b[15], modrm;
	int n, i = 0, len, cr;
	bool lm = (okvm_hv->get_efer(v) & EFER_LMA), rexr = false, rexb = false;
	struct okvm_segment cs;

	okvm_hv->get_seg(v, OKVM_CS, &cs);
	lm = lm && cs.l;
	if (okvm_fetch_insn(v, b, &n))
		goto fail;
	/* Prefixes change nothing for these instructions; REX extends the register numbers. */
	while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 ||
			 b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e ||
			 b[i] == 0x64 || b[i] == 0x65))
		i++;
	if (lm && i < n && (b[i] & 0xf0) == 0x40) {
		rexr = b[i] & 4;
		rexb = b[i] & 1;
		i++;
	}
	if (i + 2 > n || b[i] != 0x0f)
		goto fail;
	switch (b[i + 1]) {
	case 0x22:	/* MOV CRn, reg: ModRM.reg is CRn, ModRM.rm the GPR, mod ignored */
		if (i + 3 > n)
			goto fail;
		modrm = b[i + 2];
		cr = ((modrm >> 3) & 7) | (rexr ? 8 : 0);
		val = v->regs[(modrm & 7) | (rexb ? 8 : 0)];
		if (!lm)
			val = (u32)val;
		len = i + 3;
		break;
	case 0x06:	/* CLTS */
		cr = 0;
		val = cr0 & ~(u64)X86_CR0_TS;
		len = i + 2;
		break;
	case 0x01:	/* LMSW reg (0F 01 /6, register form): PE can be set, not cleared */
		if (i + 3 > n || ((b[i + 2] >> 3) & 7) != 6 || (b[i + 2] >> 6) != 3)
			goto fail;
		src = v->regs[(b[i + 2] & 7) | (rexb ? 8 : 0)];
		cr = 0;
		val = (cr0 & ~0xeULL) | (src & 0xf) | (cr0 & X86_CR0_PE);
		len = i + 3;
		break;
	default:
		goto fail;
	}
	if (cr != x->cr)
		goto fail;
	if (okvm_hv->get_cpl(v) != 0 || !okvm_cr_write_ok(v, cr, val)) {
		okvm_inject_gp(v);
		return 1;
	}
	old = okvm_hv->get_cr(v, cr);
	okvm_hv->set_cr(v, cr, val);
	/* Paging changes: the guest's TLB is ours to flush (the CPU would at the MOV). */
	if (cr == 4 || ((old ^ val) & (X86_CR0_PG | X86_CR0_WP | X86_CR0_PE)))
		set_bit(OKVM_REQ_TLB_FLUSH, &v->requests);
	okvm_vcpu_skip(v, x->next_rip ? x->next_rip : v->rip + len);
	return 1;
fail:
	okvm_internal_error(v, OKVM_INTERNAL_ERROR_EMULATION, x->hw_reason, x->cr);
	return 0;
}

/*
 * An exit between an STI and the HLT right after it, with an interrupt to deliver: the
 * STI shadow should keep the interrupt until the HLT began, but some SVM implementations
 * (QEMU's TCG among them) take the virtual interrupt there or do not report the shadow
 * after another exit. Delivered now, it would return to the HLT and the guest would
 * sleep through the wake-up it was waiting for (the "sti; hlt" idle idiom). So the HLT
 * runs first: its exit takes the interrupt.
 */
static void okvm_check_sti_hlt(struct okvm_vcpu *v)
{
	u8 b[2];

	if (!v->rip || okvm_guest_access(v, OKVM_CS, v->rip - 1, b, 2, false))
		return;
	if (b[0] == 0xfb && b[1] == 0xf4)
		v->sti_hlt_hold = true;
}

/* >0: enter the guest again; 0: return to userspace with run filled in; <0: errno. */
static int okvm_handle_exit(struct okvm_vcpu *v, struct okvm_exit *x)
{
	struct okvm_run *run = v->run;
	bool mmio;
	u64 val;
	int r;

	v->stat.exits++;
	switch (x->kind) {
	case OKVM_X_IRQ_WINDOW:
		v->stat.irq_window_exits++;
		okvm_check_sti_hlt(v);
		return 1;
	case OKVM_X_NMI_WINDOW:
		v->stat.nmi_window_exits++;
		return 1;
	case OKVM_X_NONE:
	case OKVM_X_INTR:
		/* A host interrupt may have stopped the guest between STI and HLT too. */
		if ((v->apic && okvm_lapic_pending(v) >= 0) || v->run->request_interrupt_window)
			okvm_check_sti_hlt(v);
		return 1;
	case OKVM_X_IO:
		v->stat.io_exits++;
		return okvm_handle_io(v, x);
	case OKVM_X_HLT:
		v->stat.halt_exits++;
		okvm_vcpu_skip(v, x->next_rip ? x->next_rip : v->rip + 1);
		if (v->apic) {
			/* The in-kernel APIC wakes it: the vcpu sleeps in the run loop. */
			v->mp_state = OKVM_MP_STATE_HALTED;
			return 1;
		}
		run->exit_reason = OKVM_EXIT_HLT;
		return 0;
	case OKVM_X_NPF:
		r = okvm_mmu_fault(v, x->npf.gpa, x->npf.write, &mmio);
		if (r)
			return r;
		if (!mmio)
			return 1;
		if (x->npf.fetch) {
			okvm_internal_error(v, OKVM_INTERNAL_ERROR_EMULATION, x->npf.gpa, x->info1);
			return 0;
		}
		return okvm_emulate(v);
	case OKVM_X_CPUID:
		okvm_emulate_cpuid(v);
		okvm_vcpu_skip(v, x->next_rip ? x->next_rip : v->rip + 2);
		return 1;
	case OKVM_X_RDMSR:
		if (okvm_get_msr(v, v->regs[OKVM_RCX], &val, false)) {
			okvm_inject_gp(v);
			return 1;
		}
		v->regs[OKVM_RAX] = (u32)val;
		v->regs[OKVM_RDX] = val >> 32;
		okvm_vcpu_skip(v, x->next_rip ? x->next_rip : v->rip + 2);
		return 1;
	case OKVM_X_WRMSR:
		val = (v->regs[OKVM_RDX] << 32) | (u32)v->regs[OKVM_RAX];
		if (okvm_set_msr(v, v->regs[OKVM_RCX], val, false)) {
			okvm_inject_gp(v);
			return 1;
		}
		okvm_vcpu_skip(v, x->next_rip ? x->next_rip : v->rip + 2);
		return 1;
	case OKVM_X_XSETBV:
		return okvm_handle_xsetbv(v, x->next_rip);
	case OKVM_X_DR:
		return okvm_handle_dr(v, x);
	case OKVM_X_CR_WRITE:
		return okvm_handle_cr_write(v, x);
	case OKVM_X_DEBUG:
		okvm_debug_exit(v, x->dbg.vector, x->dbg.dr6);
		return 0;
	case OKVM_X_SHUTDOWN:
		run->exit_reason = OKVM_EXIT_SHUTDOWN;
		return 0;
	case OKVM_X_FAIL_ENTRY:
		run->exit_reason = OKVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = x->hw_reason;
		run->fail_entry.cpu = v->cpu;
		return 0;
	default:
		okvm_internal_error(v, OKVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON, x->hw_reason, v->cpu);
		return 0;
	}
}

static bool okvm_cr0_valid(u64 cr0)
{
	if (cr0 >> 32)
		return false;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return false;
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return false;
	return true;
}

/* In long mode CR3 bits 63:MAXPHYADDR are reserved: VMRUN fails on them, KVM refuses them. */
static bool okvm_cr3_valid(u64 efer, u64 cr3)
{
	return !(efer & EFER_LMA) || !(cr3 >> boot_cpu_data.x86_phys_bits);
}

/* Checks the VMRUN consistency rules that a userspace-set state could break. */
static bool okvm_state_entry_ok(struct okvm_vcpu *v)
{
	struct okvm_segment cs;
	u64 cr0 = okvm_hv->get_cr(v, 0), cr4 = okvm_hv->get_cr(v, 4);
	u64 efer = okvm_hv->get_efer(v);

	okvm_hv->get_seg(v, OKVM_CS, &cs);
	if (!okvm_cr0_valid(cr0))
		return false;
	if ((efer & EFER_LME) && (cr0 & X86_CR0_PG)) {
		if (!(cr4 & X86_CR4_PAE) || !(cr0 & X86_CR0_PE) || (cs.l && cs.db))
			return false;
	}
	if (!okvm_cr3_valid(efer, okvm_hv->get_cr(v, 3)))
		return false;
	return true;
}

/* The architectural state after INIT (SDM "Processor state after reset"); the APIC keeps its base. */
static void okvm_vcpu_init_reset(struct okvm_vcpu *v)
{
	struct okvm_sregs s;
	struct okvm_segment *seg[] = { &s.ds, &s.es, &s.fs, &s.gs, &s.ss };
	unsigned int i;

	okvm_hv->get_sregs(v, &s);
	memset(&s.cs, 0, sizeof(s.cs));
	s.cs.selector = 0xf000;
	s.cs.base = 0xffff0000;
	s.cs.limit = 0xffff;
	s.cs.type = 0xb;
	s.cs.present = 1;
	s.cs.s = 1;
	for (i = 0; i < ARRAY_SIZE(seg); i++) {
		memset(seg[i], 0, sizeof(*seg[i]));
		seg[i]->limit = 0xffff;
		seg[i]->type = 3;
		seg[i]->present = 1;
		seg[i]->s = 1;
	}
	memset(&s.ldt, 0, sizeof(s.ldt));
	s.ldt.limit = 0xffff;
	s.ldt.type = 2;
	s.ldt.present = 1;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.limit = 0xffff;
	s.tr.type = 0xb;
	s.tr.present = 1;
	s.gdt.base = s.idt.base = 0;
	s.gdt.limit = s.idt.limit = 0xffff;
	/* INIT keeps CD and NW. */
	s.cr0 = (s.cr0 & (X86_CR0_CD | X86_CR0_NW)) | X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	s.cr2 = s.cr3 = s.cr4 = 0;
	s.cr8 = 0;
	s.efer = 0;
	s.apic_base = v->apic_base;
	memset(s.interrupt_bitmap, 0, sizeof(s.interrupt_bitmap));
	okvm_hv->set_sregs(v, &s);
	memset(v->regs, 0, sizeof(v->regs));
	v->regs[OKVM_RDX] = 0x600;
	v->rip = 0xfff0;
	v->rflags = X86_EFLAGS_FIXED;
	v->dr6 = 0xffff0ff0;
	v->dr7 = 0x400;
	v->xcr0 = XFEATURE_MASK_FP;
	memset(&v->exc, 0, sizeof(v->exc));
	memset(&v->irq, 0, sizeof(v->irq));
	v->nmi_pending = v->nmi_injected = false;
	okvm_hv->set_interrupt_shadow(v, 0);
	okvm_hv->set_nmi_mask(v, false);
	okvm_emulate_cancel(v);
	v->pend.kind = 0;
	okvm_lapic_reset(v, true);
}

/*
 * INIT and SIPI the APIC latched: INIT resets the vcpu and makes it wait for a SIPI (the
 * BSP runs from the reset vector); a SIPI starts a waiting vcpu at vector:0000.
 */
static void okvm_vcpu_apic_events(struct okvm_vcpu *v)
{
	struct okvm_segment cs;
	struct okvm_sregs s;
	u8 vector;
	int e;

	while ((e = okvm_lapic_take_init_sipi(v, &vector))) {
		if (e == 1) {
			okvm_vcpu_init_reset(v);
			v->mp_state = (v->apic_base & BIT(8)) ? OKVM_MP_STATE_RUNNABLE :
								  OKVM_MP_STATE_INIT_RECEIVED;
		} else if (v->mp_state == OKVM_MP_STATE_INIT_RECEIVED) {
			okvm_hv->get_sregs(v, &s);
			cs = s.cs;
			cs.selector = vector << 8;
			cs.base = (u64)vector << 12;
			s.cs = cs;
			okvm_hv->set_sregs(v, &s);
			v->rip = 0;
			v->mp_state = OKVM_MP_STATE_RUNNABLE;
		}
	}
}

/* A halted vcpu wakes for an interrupt it can take, an NMI, or INIT/SIPI. */
static bool okvm_vcpu_runnable(struct okvm_vcpu *v)
{
	if (v->mp_state == OKVM_MP_STATE_RUNNABLE)
		return true;
	if (v->mp_state != OKVM_MP_STATE_HALTED)
		return false;
	if (v->nmi_pending || v->exc.pending || v->exc.injected || v->irq.injected)
		return true;
	return (v->rflags & X86_EFLAGS_IF) && okvm_lapic_pending(v) >= 0;
}

/* Sleep until the vcpu can run, or a signal comes. */
static void okvm_vcpu_block(struct okvm_vcpu *v)
{
	DEFINE_WAIT(wait);

	for (;;) {
		prepare_to_wait(&v->wq, &wait, TASK_INTERRUPTIBLE);
		clear_bit(OKVM_REQ_EVENT, &v->requests);
		okvm_vcpu_apic_events(v);
		if (okvm_vcpu_runnable(v) || signal_pending(current))
			break;
		schedule();
	}
	finish_wait(&v->wq, &wait);
	if (v->mp_state == OKVM_MP_STATE_HALTED && okvm_vcpu_runnable(v)) {
		v->mp_state = OKVM_MP_STATE_RUNNABLE;
		v->stat.halt_wakeup++;
	}
}

/* Highest set bit of a 256-bit APIC register (IRR, ISR), or 0. */
static u8 okvm_apic_reg_max(const u8 *regs, u32 off)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 w = *(const u32 *)(regs + off + 16 * i);

		if (w)
			return i * 32 + fls(w) - 1;
	}
	return 0;
}

/*
 * KVM_SET_VAPIC_ADDR's page, for firmware that patches the guest's TPR accesses into
 * plain memory (QEMU's kvmvapic option ROM): before an entry it holds the TPR, the
 * highest in-service vector's class and the highest requested vector, as KVM writes
 * them; after an exit a TPR the guest wrote there is taken back (at CR8 granularity).
 */
static void okvm_vapic_sync(struct okvm_vcpu *v, bool to_guest)
{
	u8 *r = v->vapic_regs->regs;
	u32 data;

	okvm_lapic_get_state(v, v->vapic_regs);
	if (to_guest) {
		data = r[0x80] | ((okvm_apic_reg_max(r, 0x100) & 0xf0) << 8) |
		       ((u32)okvm_apic_reg_max(r, 0x200) << 24);
		okvm_write_guest(v->vm, v->vapic_addr, &data, sizeof(data));
	} else if (!okvm_read_guest(v->vm, v->vapic_addr, &data, sizeof(data)) &&
		   (data & 0xf0) != (r[0x80] & 0xf0)) {
		okvm_lapic_set_cr8(v, (data & 0xff) >> 4);
	}
}

static int okvm_vcpu_run(struct okvm_vcpu *v)
{
	struct okvm_run *run = v->run;
	struct okvm_exit x;
	sigset_t saved;
	int r;

	/* Without an in-kernel LAPIC the VMM owns the TPR and passes it in kvm_run. */
	if (!v->apic) {
		if (run->cr8 > 15)
			return -EINVAL;
		okvm_hv->set_cr(v, 8, run->cr8);
	}
	if (v->sigmask_set)
		sigprocmask(SIG_SETMASK, &v->sigmask, &saved);
	run->flags = 0;
	r = okvm_complete_pending(v);
	if (r) {
		r = 0;
		goto out;
	}
	/* As KVM: exit_reason is left as it was (a completed I/O exit still reads as one). */
	if (READ_ONCE(run->immediate_exit)) {
		r = -EINTR;
		goto out;
	}
	/* As KVM: a vcpu waiting for its first INIT/SIPI sleeps, then asks to be run again. */
	if (v->apic && v->mp_state == OKVM_MP_STATE_UNINITIALIZED) {
		okvm_vcpu_block(v);
		r = -EAGAIN;
		if (signal_pending(current)) {
			run->exit_reason = OKVM_EXIT_INTR;
			v->stat.signal_exits++;
			r = -EINTR;
		}
		goto out;
	}
	if (!okvm_state_entry_ok(v)) {
		run->exit_reason = OKVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = (u64)-1;
		run->fail_entry.cpu = raw_smp_processor_id();
		r = 0;
		goto out;
	}
	for (;;) {
		/* Every interrupt source is looked at below; kicks from now on count. */
		clear_bit(OKVM_REQ_EVENT, &v->requests);
		if (signal_pending(current)) {
			run->exit_reason = OKVM_EXIT_INTR;
			v->stat.signal_exits++;
			r = -EINTR;
			break;
		}
		if (v->shutdown_pending) {
			v->shutdown_pending = false;
			run->exit_reason = OKVM_EXIT_SHUTDOWN;
			r = 0;
			break;
		}
		if (v->singlestep_exit) {
			v->singlestep_exit = false;
			okvm_debug_exit(v, 1, 0xffff4ff0);	/* DR6.BS */
			r = 0;
			break;
		}
		if (v->eoi_exit_pending) {
			v->eoi_exit_pending = false;
			run->exit_reason = OKVM_EXIT_IOAPIC_EOI;
			run->eoi.vector = v->eoi_exit_vector;
			r = 0;
			break;
		}
		if (v->apic) {
			okvm_vcpu_apic_events(v);
			if (v->mp_state != OKVM_MP_STATE_RUNNABLE) {
				okvm_vcpu_block(v);
				continue;
			}
		}
		/* With the PIC in the kernel the VMM has nothing to inject (as KVM). */
		if (run->request_interrupt_window && v->vm->irqchip_mode != OKVM_IRQCHIP_KERNEL &&
		    okvm_ready_for_interrupt(v)) {
			run->exit_reason = OKVM_EXIT_IRQ_WINDOW_OPEN;
			r = 0;
			break;
		}
		cond_resched();
		v->has_run = true;
		if (v->apic)
			okvm_hv->set_cr(v, 8, okvm_lapic_get_cr8(v));
		if (v->vapic_addr)
			okvm_vapic_sync(v, true);
		okvm_events_inject(v);
		/* Single-stepping for the VMM: TF is ours for this entry only. */
		if ((v->guest_debug & OKVM_GUESTDBG_SINGLESTEP) && !(v->rflags & X86_EFLAGS_TF)) {
			v->rflags |= X86_EFLAGS_TF;
			v->guest_debug_tf = true;
		}
		okvm_hv->vcpu_run(v, &x);
		if (v->guest_debug_tf) {
			v->rflags &= ~X86_EFLAGS_TF;
			v->guest_debug_tf = false;
		}
		okvm_events_exit(v, &x);
		if (v->apic)
			okvm_lapic_set_cr8(v, okvm_hv->get_cr(v, 8));
		if (v->vapic_addr)
			okvm_vapic_sync(v, false);
		r = okvm_handle_exit(v, &x);
		if (r <= 0)
			break;
	}
out:
	run->if_flag = !!(v->rflags & X86_EFLAGS_IF);
	run->apic_base = v->apic_base;
	run->cr8 = v->apic ? okvm_lapic_get_cr8(v) : okvm_hv->get_cr(v, 8);
	run->ready_for_interrupt_injection = v->vm->irqchip_mode == OKVM_IRQCHIP_KERNEL ||
					     okvm_ready_for_interrupt(v);
	if (v->sigmask_set)
		sigprocmask(SIG_SETMASK, &saved, NULL);
	return r;
}

/* ---- state ioctls ---- */

static void okvm_get_regs(struct okvm_vcpu *v, struct okvm_regs *r)
{
	r->rax = v->regs[OKVM_RAX];
	r->rbx = v->regs[OKVM_RBX];
	r->rcx = v->regs[OKVM_RCX];
	r->rdx = v->regs[OKVM_RDX];
	r->rsi = v->regs[OKVM_RSI];
	r->rdi = v->regs[OKVM_RDI];
	r->rsp = v->regs[OKVM_RSP];
	r->rbp = v->regs[OKVM_RBP];
	r->r8 = v->regs[OKVM_R8];
	r->r9 = v->regs[OKVM_R9];
	r->r10 = v->regs[OKVM_R10];
	r->r11 = v->regs[OKVM_R11];
	r->r12 = v->regs[OKVM_R12];
	r->r13 = v->regs[OKVM_R13];
	r->r14 = v->regs[OKVM_R14];
	r->r15 = v->regs[OKVM_R15];
	r->rip = v->rip;
	r->rflags = v->rflags;
}

static void okvm_set_regs(struct okvm_vcpu *v, const struct okvm_regs *r)
{
	v->regs[OKVM_RAX] = r->rax;
	v->regs[OKVM_RBX] = r->rbx;
	v->regs[OKVM_RCX] = r->rcx;
	v->regs[OKVM_RDX] = r->rdx;
	v->regs[OKVM_RSI] = r->rsi;
	v->regs[OKVM_RDI] = r->rdi;
	v->regs[OKVM_RSP] = r->rsp;
	v->regs[OKVM_RBP] = r->rbp;
	v->regs[OKVM_R8] = r->r8;
	v->regs[OKVM_R9] = r->r9;
	v->regs[OKVM_R10] = r->r10;
	v->regs[OKVM_R11] = r->r11;
	v->regs[OKVM_R12] = r->r12;
	v->regs[OKVM_R13] = r->r13;
	v->regs[OKVM_R14] = r->r14;
	v->regs[OKVM_R15] = r->r15;
	v->rip = r->rip;
	/* Bit 1 always reads as 1. */
	v->rflags = r->rflags | X86_EFLAGS_FIXED;
}

static int okvm_set_sregs(struct okvm_vcpu *v, struct okvm_sregs *s)
{
	u64 cr4_ok = okvm_cr4_bits();

	/* KVM's rules: long mode needs PAE and LMA; LMA and CS.L need long mode. */
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG)) {
		if (!(s->cr4 & X86_CR4_PAE) || !(s->efer & EFER_LMA) || !okvm_cr3_valid(s->efer, s->cr3))
			return -EINVAL;
	} else if ((s->efer & EFER_LMA) || s->cs.l) {
		return -EINVAL;
	}
	if (s->cr4 & ~cr4_ok)
		return -EINVAL;
	if (s->cr0 >> 32)
		return -EINVAL;
	/* Paging needs protected mode; NW needs CD (KVM refuses both, VMRUN would fail). */
	if (((s->cr0 & X86_CR0_PG) && !(s->cr0 & X86_CR0_PE)) ||
	    ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD)))
		return -EINVAL;
	if (s->efer & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | EFER_SVME | EFER_FFXSR))
		return -EINVAL;
	/* The in-kernel APIC checks and applies its base itself (x2APIC included). */
	if (v->apic) {
		if (okvm_lapic_set_base(v, s->apic_base, true))
			return -EINVAL;
	} else if (s->apic_base & ~(0xfffff000ULL | BIT(11) | BIT(8))) {
		return -EINVAL;
	}
	okvm_hv->set_sregs(v, s);
	if (!v->apic)
		v->apic_base = s->apic_base;
	return 0;
}

static long okvm_msrs_io(struct okvm_vcpu *v, struct okvm_msrs __user *um, bool set)
{
	struct okvm_msrs hdr;
	struct okvm_msr_entry *e;
	size_t bytes;
	long r;
	u32 i;

	if (copy_from_user(&hdr, um, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs >= OKVM_MAX_MSR_ENTRIES)
		return -E2BIG;
	bytes = hdr.nmsrs * sizeof(*e);
	e = memdup_user(um->entries, bytes);
	if (IS_ERR(e))
		return PTR_ERR(e);
	for (i = 0; i < hdr.nmsrs; i++) {
		if (set ? okvm_set_msr(v, e[i].index, e[i].data, true) :
			  okvm_get_msr(v, e[i].index, &e[i].data, true))
			break;
	}
	r = i;
	if (!set && copy_to_user(um->entries, e, bytes))
		r = -EFAULT;
	kfree(e);
	return r;
}

static long okvm_set_cpuid2(struct okvm_vcpu *v, struct okvm_cpuid2 __user *uc)
{
	struct okvm_cpuid2 c;
	struct okvm_cpuid_entry2 *e = NULL;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent > OKVM_MAX_CPUID)
		return -E2BIG;
	if (c.nent) {
		e = vmemdup_user(uc->entries, c.nent * sizeof(*e));
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	/*
	 * As KVM: once the vcpu has run, its CPUID may only be set again unchanged (the
	 * guest has seen it; MAXPHYADDR and features are baked into its state).
	 */
	if (v->has_run && (c.nent != v->ncpuid ||
			   (c.nent && memcmp(e, v->cpuid, c.nent * sizeof(*e))))) {
		kvfree(e);
		return -EINVAL;
	}
	kvfree(v->cpuid);
	v->cpuid = e;
	v->ncpuid = c.nent;
	return 0;
}

static long okvm_get_cpuid2(struct okvm_vcpu *v, struct okvm_cpuid2 __user *uc)
{
	struct okvm_cpuid2 c;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent < v->ncpuid)
		return -E2BIG;
	if (copy_to_user(uc->entries, v->cpuid, v->ncpuid * sizeof(*v->cpuid)))
		return -EFAULT;
	c.nent = v->ncpuid;
	if (copy_to_user(uc, &c, sizeof(c)))
		return -EFAULT;
	return 0;
}

static long okvm_set_sigmask(struct okvm_vcpu *v, struct okvm_signal_mask __user *um)
{
	struct okvm_signal_mask hdr;
	sigset_t set;

	if (!um) {
		v->sigmask_set = false;
		return 0;
	}
	if (copy_from_user(&hdr, um, sizeof(hdr)))
		return -EFAULT;
	if (hdr.len != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&set, um->sigset, sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	v->sigmask = set;
	v->sigmask_set = true;
	return 0;
}

/* ---- FPU state: the vcpu's XSAVE image in standard (non-compacted) format ---- */

#define FX_FCW		0
#define FX_FSW		2
#define FX_FTW		4
#define FX_FOP		6
#define FX_FIP		8
#define FX_FDP		16
#define FX_MXCSR	24
#define FX_ST0		32
#define FX_XMM0		160
#define XS_HDR		512

static u32 okvm_mxcsr_mask;

/* The MXCSR bits this CPU accepts (FXSAVE's MXCSR_MASK, 0 meaning 0xffbf). */
/* The host's XCR0 (0 without XSAVE): what guest XSAVE images are saved and restored with. */
static u64 okvm_host_xcr0;

void okvm_fpu_caps_init(void)
{
	u8 *buf = kzalloc(512 + 16, GFP_KERNEL);
	u8 *a;

	if (boot_cpu_has(X86_FEATURE_XSAVE))
		okvm_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	okvm_mxcsr_mask = 0xffbf;
	if (!buf)
		return;
	a = PTR_ALIGN(buf, 16);
	kernel_fpu_begin();
	asm volatile("fxsave64 (%0)" : : "r"(a) : "memory");
	kernel_fpu_end();
	if (*(u32 *)(a + 28))
		okvm_mxcsr_mask = *(u32 *)(a + 28);
	kfree(buf);
}

/*
 * The guest's FPU registers into the CPU and back (load/put), and its XCR0 around the
 * entry: for the backends, inside a kernel_fpu section with interrupts off.
 */
/*
 * The components to switch: the guest's (x87 and SSE always: SSE works without XCR0.SSE).
 * Only these are in the guest's image, so KVM_GET_XSAVE shows nothing of the host's
 * other registers and KVM_SET_XSAVE takes back any image it gave.
 */
static u64 okvm_fpu_rfbm(struct okvm_vcpu *v)
{
	return okvm_host_xcr0 & (v->xcr0 | XFEATURE_MASK_FP | XFEATURE_MASK_SSE);
}

void okvm_fpu_load(struct okvm_vcpu *v)
{
	u64 m = okvm_fpu_rfbm(v);

	if (m)
		asm volatile("xrstor64 (%0)" : : "r"(v->fpu), "a"((u32)m), "d"((u32)(m >> 32)) : "memory");
	else
		asm volatile("fxrstor64 (%0)" : : "r"(v->fpu) : "memory");
}

void okvm_fpu_put(struct okvm_vcpu *v)
{
	u64 m = okvm_fpu_rfbm(v);

	if (m)
		asm volatile("xsave64 (%0)" : : "r"(v->fpu), "a"((u32)m), "d"((u32)(m >> 32)) : "memory");
	else
		asm volatile("fxsave64 (%0)" : : "r"(v->fpu) : "memory");
}

void okvm_xcr0_load(struct okvm_vcpu *v)
{
	if (okvm_host_xcr0 && v->xcr0 != okvm_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, v->xcr0);
}

void okvm_xcr0_put(struct okvm_vcpu *v)
{
	if (okvm_host_xcr0 && v->xcr0 != okvm_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, okvm_host_xcr0);
}

/*
 * The VMM debugger's DR0-3 around an entry (KVM_GUESTDBG_USE_HW_BP): entry loads DR7 from
 * the VMCB/VMCS, DR0-3 are the hardware's own. The host's are kept in @host. Interrupts off.
 */
void okvm_debugregs_load(struct okvm_vcpu *v, unsigned long *host)
{
	int i;

	if (!(v->guest_debug & OKVM_GUESTDBG_USE_HW_BP))
		return;
	for (i = 0; i < 4; i++) {
		host[i] = native_get_debugreg(i);
		native_set_debugreg(i, v->guest_debug_dr[i]);
	}
}

void okvm_debugregs_put(struct okvm_vcpu *v, const unsigned long *host)
{
	int i;

	if (!(v->guest_debug & OKVM_GUESTDBG_USE_HW_BP))
		return;
	for (i = 0; i < 4; i++)
		native_set_debugreg(i, host[i]);
}

static void okvm_get_fpu(struct okvm_vcpu *v, struct okvm_fpu *f)
{
	u8 *a = v->fpu;
	int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < 8; i++)
		memcpy(f->fpr[i], a + FX_ST0 + 16 * i, 16);
	f->fcw = *(u16 *)(a + FX_FCW);
	f->fsw = *(u16 *)(a + FX_FSW);
	f->ftwx = a[FX_FTW];
	f->last_opcode = *(u16 *)(a + FX_FOP);
	f->last_ip = *(u64 *)(a + FX_FIP);
	f->last_dp = *(u64 *)(a + FX_FDP);
	memcpy(f->xmm, a + FX_XMM0, sizeof(f->xmm));
	f->mxcsr = *(u32 *)(a + FX_MXCSR);
}

static int okvm_set_fpu(struct okvm_vcpu *v, const struct okvm_fpu *f)
{
	u8 *a = v->fpu;
	int i;

	/* XRSTOR faults on reserved MXCSR bits: refuse them here. */
	if (f->mxcsr & ~okvm_mxcsr_mask)
		return -EINVAL;
	for (i = 0; i < 8; i++)
		memcpy(a + FX_ST0 + 16 * i, f->fpr[i], 16);
	*(u16 *)(a + FX_FCW) = f->fcw;
	*(u16 *)(a + FX_FSW) = f->fsw;
	a[FX_FTW] = f->ftwx;
	*(u16 *)(a + FX_FOP) = f->last_opcode;
	*(u64 *)(a + FX_FIP) = f->last_ip;
	*(u64 *)(a + FX_FDP) = f->last_dp;
	memcpy(a + FX_XMM0, f->xmm, sizeof(f->xmm));
	*(u32 *)(a + FX_MXCSR) = f->mxcsr;
	/* The x87 and SSE components now hold real values, not the init state. */
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		*(u64 *)(a + XS_HDR) |= XFEATURE_MASK_FP | XFEATURE_MASK_SSE;
	return 0;
}

static int okvm_set_xsave(struct okvm_vcpu *v, const u8 *img)
{
	u64 bv = *(const u64 *)(img + XS_HDR);
	u32 mxcsr = *(const u32 *)(img + FX_MXCSR);

	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return -EINVAL;
	/* Only what XRSTOR accepts: known components, standard format, zero reserved header. */
	if ((bv & ~okvm_guest_xcr0_mask()) || (mxcsr & ~okvm_mxcsr_mask) ||
	    memchr_inv(img + XS_HDR + 8, 0, 56))
		return -EINVAL;
	memcpy(v->fpu, img, 4096);
	return 0;
}

static noinline_for_stack long okvm_ioctl_get_regs(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_regs r;

	memset(&r, 0, sizeof(r));
	okvm_get_regs(v, &r);
	return copy_to_user(argp, &r, sizeof(r)) ? -EFAULT : 0;
}

static noinline_for_stack long okvm_ioctl_set_regs(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_regs r;

	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;
	okvm_set_regs(v, &r);
	return 0;
}

static noinline_for_stack long okvm_ioctl_get_sregs(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_sregs s;

	memset(&s, 0, sizeof(s));
	okvm_hv->get_sregs(v, &s);
	s.apic_base = v->apic_base;
	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

static noinline_for_stack long okvm_ioctl_set_sregs(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_sregs s;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	return okvm_set_sregs(v, &s);
}

static noinline_for_stack long okvm_ioctl_translate(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_translation t;
	u64 gpa;

	if (copy_from_user(&t, argp, sizeof(t)))
		return -EFAULT;
	if (okvm_translate(v, t.linear_address, &gpa)) {
		t.physical_address = (u64)-1;
		t.valid = 0;
	} else {
		t.physical_address = gpa;
		t.valid = 1;
	}
	t.writeable = 1;
	t.usermode = 0;
	return copy_to_user(argp, &t, sizeof(t)) ? -EFAULT : 0;
}

static noinline_for_stack long okvm_ioctl_get_fpu(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_fpu f;

	okvm_get_fpu(v, &f);
	return copy_to_user(argp, &f, sizeof(f)) ? -EFAULT : 0;
}

static noinline_for_stack long okvm_ioctl_set_fpu(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_fpu f;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	return okvm_set_fpu(v, &f);
}

static noinline_for_stack long okvm_ioctl_get_xcrs(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_xcrs x;

	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return -ENOTTY;
	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = v->xcr0;
	return copy_to_user(argp, &x, sizeof(x)) ? -EFAULT : 0;
}

static noinline_for_stack long okvm_ioctl_set_xcrs(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_xcrs x;
	u32 i;

	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return -ENOTTY;
	if (copy_from_user(&x, argp, sizeof(x)))
		return -EFAULT;
	if (x.nr_xcrs > OKVM_MAX_XCRS || x.flags)
		return -EINVAL;
	for (i = 0; i < x.nr_xcrs; i++) {
		u64 val = x.xcrs[i].value;

		if (x.xcrs[i].xcr != 0 || (val & ~okvm_guest_xcr0_mask()) ||
		    !(val & XFEATURE_MASK_FP) ||
		    ((val & XFEATURE_MASK_YMM) && !(val & XFEATURE_MASK_SSE)))
			return -EINVAL;
	}
	for (i = 0; i < x.nr_xcrs; i++)
		v->xcr0 = x.xcrs[i].value;
	return 0;
}

static noinline_for_stack long okvm_ioctl_get_events(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_vcpu_events e;

	/* Without KVM_CAP_EXCEPTION_PAYLOAD a queued exception shows as injected (as KVM). */
	okvm_exc_commit(v);
	memset(&e, 0, sizeof(e));
	e.exception.injected = v->exc.injected;
	e.exception.nr = v->exc.vector;
	e.exception.has_error_code = v->exc.has_error;
	e.exception.error_code = v->exc.error;
	e.interrupt.injected = v->irq.injected;
	e.interrupt.nr = v->irq.vector;
	e.interrupt.soft = v->irq.soft;
	e.interrupt.shadow = okvm_hv->get_interrupt_shadow(v);
	e.nmi.injected = v->nmi_injected;
	e.nmi.pending = v->nmi_pending;
	e.nmi.masked = okvm_hv->get_nmi_mask(v);
	e.flags = OKVM_VCPUEVENT_VALID_NMI_PENDING | OKVM_VCPUEVENT_VALID_SHADOW;
	return copy_to_user(argp, &e, sizeof(e)) ? -EFAULT : 0;
}

static noinline_for_stack long okvm_ioctl_set_events(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_vcpu_events e;
	const u32 known = OKVM_VCPUEVENT_VALID_NMI_PENDING | OKVM_VCPUEVENT_VALID_SIPI_VECTOR |
			  OKVM_VCPUEVENT_VALID_SHADOW | OKVM_VCPUEVENT_VALID_SMM;

	if (copy_from_user(&e, argp, sizeof(e)))
		return -EFAULT;
	/* Payloads and triple faults need capabilities okvm does not offer. */
	if (e.flags & ~known)
		return -EINVAL;
	/* No SMM: a state inside it cannot be restored. */
	if ((e.flags & OKVM_VCPUEVENT_VALID_SMM) && (e.smi.smm || e.smi.pending))
		return -EINVAL;
	if (e.exception.injected && (e.exception.nr > 31 || e.exception.nr == 2))
		return -EINVAL;
	if ((e.flags & OKVM_VCPUEVENT_VALID_SHADOW) &&
	    (e.interrupt.shadow & ~(OKVM_X86_SHADOW_INT_MOV_SS | OKVM_X86_SHADOW_INT_STI)))
		return -EINVAL;

	v->exc.pending = false;
	v->exc.has_payload = false;
	v->exc.injected = e.exception.injected;
	v->exc.vector = e.exception.nr;
	v->exc.has_error = e.exception.has_error_code;
	v->exc.error = e.exception.error_code;
	v->irq.injected = e.interrupt.injected;
	v->irq.vector = e.interrupt.nr;
	v->irq.soft = e.interrupt.soft;
	v->irq.insn_len = 0;
	if (e.flags & OKVM_VCPUEVENT_VALID_SHADOW)
		okvm_hv->set_interrupt_shadow(v, e.interrupt.shadow);
	v->nmi_injected = e.nmi.injected;
	if (e.flags & OKVM_VCPUEVENT_VALID_NMI_PENDING)
		v->nmi_pending = e.nmi.pending;
	okvm_hv->set_nmi_mask(v, e.nmi.masked);
	return 0;
}

static noinline_for_stack long okvm_ioctl_get_debugregs(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_debugregs d;

	memset(&d, 0, sizeof(d));
	memcpy(d.db, v->dr, sizeof(d.db));
	d.dr6 = v->dr6 | 0xffff0ff0;
	d.dr7 = v->dr7 | 0x400;
	return copy_to_user(argp, &d, sizeof(d)) ? -EFAULT : 0;
}

static noinline_for_stack long okvm_ioctl_set_debugregs(struct okvm_vcpu *v, void __user *argp)
{
	struct okvm_debugregs d;

	if (copy_from_user(&d, argp, sizeof(d)))
		return -EFAULT;
	if (d.flags || (d.dr6 >> 32) || (d.dr7 >> 32))
		return -EINVAL;
	memcpy(v->dr, d.db, sizeof(v->dr));
	v->dr6 = d.dr6;
	v->dr7 = d.dr7;
	return 0;
}

static long okvm_vcpu_ioctl_locked(struct okvm_vcpu *v, unsigned int cmd, void __user *argp,
				   unsigned long arg)
{
	switch (cmd) {
	case OKVM_RUN:
		if (arg)
			return -EINVAL;
		return okvm_vcpu_run(v);
	case OKVM_GET_REGS:
		return okvm_ioctl_get_regs(v, argp);
	case OKVM_SET_REGS:
		return okvm_ioctl_set_regs(v, argp);
	case OKVM_GET_SREGS:
		return okvm_ioctl_get_sregs(v, argp);
	case OKVM_SET_SREGS:
		return okvm_ioctl_set_sregs(v, argp);
	case OKVM_GET_MSRS:
		return okvm_msrs_io(v, argp, false);
	case OKVM_SET_MSRS:
		return okvm_msrs_io(v, argp, true);
	case OKVM_SET_CPUID2:
		return okvm_set_cpuid2(v, argp);
	case OKVM_GET_CPUID2:
		return okvm_get_cpuid2(v, argp);
	case OKVM_GET_MP_STATE: {
		struct okvm_mp_state mp;

		if (v->apic)
			okvm_vcpu_apic_events(v);
		mp.mp_state = v->mp_state;
		return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
	}
	case OKVM_SET_MP_STATE: {
		struct okvm_mp_state mp;

		if (copy_from_user(&mp, argp, sizeof(mp)))
			return -EFAULT;
		/* Without an in-kernel LAPIC only RUNNABLE makes sense (as in KVM). */
		switch (mp.mp_state) {
		case OKVM_MP_STATE_RUNNABLE:
			break;
		case OKVM_MP_STATE_UNINITIALIZED:
		case OKVM_MP_STATE_INIT_RECEIVED:
		case OKVM_MP_STATE_HALTED:
			if (v->apic)
				break;
			fallthrough;
		default:
			return -EINVAL;
		}
		v->mp_state = mp.mp_state;
		return 0;
	}
	case OKVM_GET_LAPIC: {
		struct okvm_lapic_state *st;
		long r = 0;

		/* No APIC in the kernel: EINVAL, as KVM. */
		if (!v->apic)
			return -EINVAL;
		st = kzalloc(sizeof(*st), GFP_KERNEL);
		if (!st)
			return -ENOMEM;
		okvm_lapic_get_state(v, st);
		if (copy_to_user(argp, st, sizeof(*st)))
			r = -EFAULT;
		kfree(st);
		return r;
	}
	case OKVM_SET_LAPIC: {
		struct okvm_lapic_state *st;
		long r;

		if (!v->apic)
			return -EINVAL;
		st = memdup_user(argp, sizeof(*st));
		if (IS_ERR(st))
			return PTR_ERR(st);
		r = okvm_lapic_set_state(v, st);
		kfree(st);
		return r;
	}
	case OKVM_TRANSLATE:
		return okvm_ioctl_translate(v, argp);
	case OKVM_SET_SIGNAL_MASK:
		return okvm_set_sigmask(v, argp);
	case OKVM_GET_FPU:
		return okvm_ioctl_get_fpu(v, argp);
	case OKVM_SET_FPU:
		return okvm_ioctl_set_fpu(v, argp);
	case OKVM_GET_XSAVE:
		if (!boot_cpu_has(X86_FEATURE_XSAVE))
			return -ENOTTY;
		return copy_to_user(argp, v->fpu, 4096) ? -EFAULT : 0;
	case OKVM_SET_XSAVE: {
		u8 *img;
		long r;

		if (!boot_cpu_has(X86_FEATURE_XSAVE))
			return -ENOTTY;
		img = memdup_user(argp, 4096);
		if (IS_ERR(img))
			return PTR_ERR(img);
		r = okvm_set_xsave(v, img);
		kfree(img);
		return r;
	}
	case OKVM_GET_XCRS:
		return okvm_ioctl_get_xcrs(v, argp);
	case OKVM_SET_XCRS:
		return okvm_ioctl_set_xcrs(v, argp);
	case OKVM_INTERRUPT: {
		struct okvm_interrupt irq;

		if (copy_from_user(&irq, argp, sizeof(irq)))
			return -EFAULT;
		if (irq.irq > 255)
			return -EINVAL;
		/* With the PIC in the kernel there is nothing for the VMM to inject (as KVM). */
		if (v->vm->irqchip_mode == OKVM_IRQCHIP_KERNEL)
			return -ENXIO;
		/* The VMM checked ready_for_interrupt_injection: deliver at the next entry. */
		v->stat.irq_injections++;
		v->irq.injected = true;
		v->irq.soft = false;
		v->irq.vector = irq.irq;
		return 0;
	}
	case OKVM_NMI:
		v->nmi_pending = true;
		return 0;
	case OKVM_X86_SETUP_MCE: {
		u64 cap;

		if (copy_from_user(&cap, argp, sizeof(cap)))
			return -EFAULT;
		return okvm_mce_setup(v, cap);
	}
	case OKVM_X86_SET_MCE: {
		struct okvm_x86_mce m;
		int r;

		if (copy_from_user(&m, argp, sizeof(m)))
			return -EFAULT;
		r = okvm_mce_inject(v, &m);
		if (r > 0) {
			/* The guest cannot take the #MC: it shuts down at its next entry. */
			v->shutdown_pending = true;
			r = 0;
		}
		return r;
	}
	case OKVM_GET_TSC_KHZ:
		/* The guest's TSC runs at the host's rate (no TSC scaling). */
		return tsc_khz ? tsc_khz : -EIO;
	case OKVM_GET_VCPU_EVENTS:
		return okvm_ioctl_get_events(v, argp);
	case OKVM_SET_VCPU_EVENTS:
		return okvm_ioctl_set_events(v, argp);
	case OKVM_GET_DEBUGREGS:
		return okvm_ioctl_get_debugregs(v, argp);
	case OKVM_GET_STATS_FD:
		return okvm_vcpu_stats_fd(v);
	case OKVM_SET_GUEST_DEBUG:
		return okvm_set_guest_debug(v, argp);
	case OKVM_SET_VAPIC_ADDR: {
		struct okvm_vapic_addr va;
		bool found;

		if (copy_from_user(&va, argp, sizeof(va)))
			return -EFAULT;
		/* As KVM: an in-kernel APIC, and a page inside guest memory (or 0: off). */
		if (!v->apic || (va.vapic_addr & 3))
			return -EINVAL;
		if (va.vapic_addr) {
			spin_lock(&v->vm->mmu_lock);
			found = okvm_slot_find(v->vm, va.vapic_addr) != NULL;
			spin_unlock(&v->vm->mmu_lock);
			if (!found)
				return -EINVAL;
			if (!v->vapic_regs) {
				v->vapic_regs = kzalloc(sizeof(*v->vapic_regs), GFP_KERNEL_ACCOUNT);
				if (!v->vapic_regs)
					return -ENOMEM;
			}
		}
		v->vapic_addr = va.vapic_addr;
		return 0;
	}
	case OKVM_SET_DEBUGREGS:
		return okvm_ioctl_set_debugregs(v, argp);
	default:
		return -ENOTTY;
	}
}

static long okvm_vcpu_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct okvm_vcpu *v = f->private_data;
	long r;

	if (current->mm != v->vm->mm)
		return -EIO;
	if (mutex_lock_killable(&v->lock))
		return -EINTR;
	r = okvm_vcpu_ioctl_locked(v, cmd, (void __user *)arg, arg);
	mutex_unlock(&v->lock);
	return r;
}

static vm_fault_t okvm_vcpu_fault(struct vm_fault *vmf)
{
	struct okvm_vcpu *v = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = v->run_page;
	else if (vmf->pgoff == OKVM_PIO_PAGE_OFFSET)
		page = v->pio_page;
	else if (vmf->pgoff == OKVM_COALESCED_MMIO_PAGE_OFFSET && v->vm->coalesced_page)
		page = v->vm->coalesced_page;
	else
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct okvm_vcpu_vm_ops = {
	.fault = okvm_vcpu_fault,
};

static int okvm_vcpu_mmap(struct file *f, struct vm_area_struct *vma)
{
	vma->vm_ops = &okvm_vcpu_vm_ops;
	return 0;
}

static int okvm_vcpu_release(struct inode *inode, struct file *f)
{
	struct okvm_vcpu *v = f->private_data;

	/* The vcpu lives until its VM goes; the fd only holds the VM. */
	okvm_vm_put(v->vm);
	return 0;
}

static const struct file_operations okvm_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = okvm_vcpu_release,
	.unlocked_ioctl = okvm_vcpu_ioctl,
	.mmap = okvm_vcpu_mmap,
	.llseek = noop_llseek,
};

void okvm_vcpu_free(struct okvm_vcpu *v)
{
	if (!v)
		return;
	if (v->apic)
		okvm_lapic_free(v);
	kfree(v->vapic_regs);
	if (v->hv)
		okvm_hv->vcpu_fini(v);
	okvm_mmu_cache_free(v);
	if (v->run_page)
		__free_page(v->run_page);
	if (v->pio_page)
		__free_page(v->pio_page);
	if (v->fpu)
		free_pages((unsigned long)v->fpu, 2);
	kvfree(v->cpuid);
	okvm_emul_vcpu_free(v);
	kfree(v);
}

static void okvm_fpu_init(struct okvm_vcpu *v)
{
	u8 *area = v->fpu;

	/* FCW 0x37f, MXCSR 0x1f80; XSTATE_BV 0 means every component starts in its init state. */
	*(u16 *)area = 0x37f;
	*(u32 *)(area + 24) = 0x1f80;
	*(u32 *)(area + 28) = 0xffff;
}

int okvm_vcpu_create(struct okvm_vm *vm, u32 id)
{
	struct okvm_vcpu *v;
	int r, i;

	if (id >= OKVM_MAX_VCPU_ID)
		return -EINVAL;
	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return -ENOMEM;
	v->vm = vm;
	v->id = id;
	mutex_init(&v->lock);
	init_waitqueue_head(&v->wq);
	spin_lock_init(&v->kick_lock);
	INIT_CSD(&v->kick_csd, okvm_kick_noop, NULL);
	v->cpu = -1;
	v->run_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	v->pio_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	/* 16 KiB holds every XSAVE layout okvm lets a guest enable. */
	v->fpu = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 2);
	if (!v->run_page || !v->pio_page || !v->fpu || okvm_emul_vcpu_init(v)) {
		r = -ENOMEM;
		goto fail;
	}
	v->run = page_address(v->run_page);
	v->pio_data = page_address(v->pio_page);
	okvm_fpu_init(v);
	v->xcr0 = XFEATURE_MASK_FP;
	v->rflags = X86_EFLAGS_FIXED;
	v->rip = 0xfff0;
	v->regs[OKVM_RDX] = 0x600;
	v->apic_base = 0xfee00000ULL | BIT(11) | (id == vm->bsp_id ? BIT(8) : 0);
	v->mp_state = OKVM_MP_STATE_RUNNABLE;
	v->dr6 = 0xffff0ff0;
	v->dr7 = 0x400;
	v->mcg_cap = OKVM_MCE_BANKS;
	v->ucode_rev = 0x100000000ULL;	/* revision 1 in bits 63:32 */
	v->ev_inflight = -1;

	mutex_lock(&vm->lock);
	r = -EINVAL;
	if (vm->nr_vcpus >= OKVM_MAX_VCPUS || (vm->max_vcpu_id && id >= vm->max_vcpu_id))
		goto unlock;
	r = -EEXIST;
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->id == id)
			goto unlock;
	r = okvm_hv->vcpu_init(v);
	if (r)
		goto unlock;
	if (vm->irqchip_mode != OKVM_IRQCHIP_NONE) {
		r = okvm_lapic_create(v);
		if (r)
			goto unlock;
		/* As KVM: only the BSP runs; the others wait for INIT and SIPI. */
		if (!(v->apic_base & BIT(8)))
			v->mp_state = OKVM_MP_STATE_UNINITIALIZED;
	}
	refcount_inc(&vm->users);
	r = anon_inode_getfd("okvm-vcpu", &okvm_vcpu_fops, v, O_RDWR | O_CLOEXEC);
	if (r < 0) {
		refcount_dec(&vm->users);
		goto unlock;
	}
	vm->vcpus[vm->nr_vcpus] = v;
	smp_wmb();
	WRITE_ONCE(vm->nr_vcpus, vm->nr_vcpus + 1);
	mutex_unlock(&vm->lock);
	return r;
unlock:
	mutex_unlock(&vm->lock);
fail:
	okvm_vcpu_free(v);
	return r;
}
