// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vcpu's side of the instruction emulator (emulate.c): the guest's state goes in,
 * guest-physical memory is reached through the slots, and an access outside every slot
 * becomes KVM_EXIT_MMIO, finished in a second call once userspace has done it.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <asm/processor.h>

#include "../okvm.h"
#include "../hv.h"
#include "emulate.h"
#include "irqchip.h"

static int okvm_emul_read_phys(void *opaque, u64 gpa, void *buf, u32 len)
{
	struct okvm_vcpu *v = opaque;
	int r = okvm_read_guest(v->vm, gpa, buf, len);

	if (!r)
		return OKVM_EMUL_IO_OK;
	return r == -ENOENT ? OKVM_EMUL_IO_NOT_RAM : OKVM_EMUL_IO_ERROR;
}

/* A write to a read-only slot is MMIO for userspace, as in KVM. */
static int okvm_emul_write_phys(void *opaque, u64 gpa, const void *buf, u32 len)
{
	struct okvm_vcpu *v = opaque;
	int r = okvm_write_guest(v->vm, gpa, buf, len);

	if (!r)
		return OKVM_EMUL_IO_OK;
	return (r == -ENOENT || r == -EPERM) ? OKVM_EMUL_IO_NOT_RAM : OKVM_EMUL_IO_ERROR;
}

/* The in-kernel devices (APIC, IOAPIC, ioeventfds) first, then userspace. */
static int okvm_emul_mmio(void *opaque, u64 gpa, u32 len, bool write, void *data)
{
	struct okvm_vcpu *v = opaque;

	if (len <= 8 && okvm_mmio_kernel(v, gpa, data, len, write))
		return OKVM_EMUL_IO_OK;
	return OKVM_EMUL_IO_USER;
}

static const struct okvm_emul_ops okvm_emul_vcpu_ops = {
	.read_phys = okvm_emul_read_phys,
	.write_phys = okvm_emul_write_phys,
	.mmio = okvm_emul_mmio,
};

int okvm_emul_vcpu_init(struct okvm_vcpu *v)
{
	v->emul = kzalloc(sizeof(*v->emul), GFP_KERNEL_ACCOUNT);
	if (!v->emul)
		return -ENOMEM;
	okvm_emul_init(v->emul, &okvm_emul_vcpu_ops, v);
	return 0;
}

void okvm_emul_vcpu_free(struct okvm_vcpu *v)
{
	kfree(v->emul);
	v->emul = NULL;
}

/* The guest state the emulator reads, fresh from the vcpu and the backend. */
static struct okvm_emul *okvm_emul_load(struct okvm_vcpu *v)
{
	struct okvm_emul *e = v->emul;
	struct okvm_segment s;
	int i;

	memcpy(e->regs.gpr, v->regs, sizeof(e->regs.gpr));
	e->regs.rip = v->rip;
	e->regs.rflags = v->rflags;
	for (i = 0; i < OKVM_EMUL_NR_SEGS; i++) {
		struct okvm_emul_seg *d = &e->seg[i];

		okvm_hv->get_seg(v, i, &s);
		d->base = s.base;
		d->limit = s.limit;
		d->selector = s.selector;
		d->type = s.type;
		d->s = s.s;
		d->dpl = s.dpl;
		d->present = s.present && !s.unusable;
		d->db = s.db;
		d->l = s.l;
		d->g = s.g;
	}
	e->cr0 = okvm_hv->get_cr(v, 0);
	e->cr3 = okvm_hv->get_cr(v, 3);
	e->cr4 = okvm_hv->get_cr(v, 4);
	e->efer = okvm_hv->get_efer(v);
	e->cpl = okvm_hv->get_cpl(v);
	e->maxphyaddr = boot_cpu_data.x86_phys_bits;
	return e;
}

static void okvm_emul_store(struct okvm_vcpu *v, struct okvm_emul *e)
{
	bool moved = e->regs.rip != v->rip;

	memcpy(v->regs, e->regs.gpr, sizeof(v->regs));
	v->rflags = e->regs.rflags;
	if (moved)
		okvm_vcpu_skip(v, e->regs.rip);
}

static void okvm_emul_queue_exc(struct okvm_vcpu *v, struct okvm_emul *e)
{
	if (e->exc.vector == OKVM_EMUL_VEC_PF)
		okvm_queue_exception_payload(v, e->exc.vector, true, e->exc.error, e->exc.cr2);
	else
		okvm_queue_exception(v, e->exc.vector, e->exc.has_error, e->exc.error);
}

/* KVM_EXIT_INTERNAL_ERROR with the instruction bytes, never a guessed result. */
static void okvm_emul_failure(struct okvm_vcpu *v, struct okvm_emul *e)
{
	struct okvm_run *run = v->run;

	memset(&run->emulation_failure, 0, sizeof(run->emulation_failure));
	run->exit_reason = OKVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = OKVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = 3;	/* flags and the 16 bytes of instruction */
	run->emulation_failure.flags = OKVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = e->insn_len;
	memcpy(run->emulation_failure.insn_bytes, e->insn, min_t(u8, e->insn_len, 15));
}

/* 1: enter the guest again; 0: return to userspace with kvm_run filled. */
static int okvm_emul_result(struct okvm_vcpu *v, struct okvm_emul *e, int r)
{
	struct okvm_run *run = v->run;

	switch (r) {
	case OKVM_EMUL_DONE:
		okvm_emul_store(v, e);
		/* The step trap: the VMM's debugger's, or the guest's (TF as the insn began). */
		if (v->guest_debug & OKVM_GUESTDBG_SINGLESTEP)
			v->singlestep_exit = true;
		else if (e->singlestep)
			okvm_queue_exception_payload(v, 1, false, 0, BIT(14));	/* DR6.BS */
		return 1;
	case OKVM_EMUL_MMIO:
		/* A REP instruction's finished iterations are committed in e->regs. */
		okvm_emul_store(v, e);
		v->stat.mmio_exits++;
		run->exit_reason = OKVM_EXIT_MMIO;
		run->mmio.phys_addr = e->mmio.gpa;
		run->mmio.len = e->mmio.len;
		run->mmio.is_write = e->mmio.is_write;
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		if (e->mmio.is_write)
			memcpy(run->mmio.data, e->mmio.data, e->mmio.len);
		v->pend.kind = OKVM_EXIT_MMIO;
		v->pend.rip = v->rip;
		return 0;
	case OKVM_EMUL_EXCEPTION:
		okvm_emul_store(v, e);
		okvm_emul_queue_exc(v, e);
		return 1;
	default:
		okvm_emul_cancel(e);
		okvm_emul_failure(v, e);
		return 0;
	}
}

/* Emulate the instruction at RIP (it touched memory outside every slot). */
int okvm_emulate(struct okvm_vcpu *v)
{
	struct okvm_emul *e = okvm_emul_load(v);

	v->stat.insn_emulation++;
	okvm_emul_cancel(e);
	return okvm_emul_result(v, e, okvm_emul_insn(e, NULL, 0));
}

/* Userspace did the MMIO access: finish the instruction (or start its next access). */
int okvm_emulate_complete(struct okvm_vcpu *v)
{
	struct okvm_emul *e = v->emul;

	okvm_emul_mmio_complete(e, v->run->mmio.data);
	okvm_emul_load(v);
	return okvm_emul_result(v, e, okvm_emul_insn(e, NULL, 0));
}

/* Userspace changed the state under a waiting instruction: forget it. */
void okvm_emulate_cancel(struct okvm_vcpu *v)
{
	okvm_emul_cancel(v->emul);
}

/*
 * One data access at seg:off as an instruction makes it (string I/O): 0, 1 with an
 * exception queued for the guest, or -EFAULT when it cannot be done in the kernel.
 */
int okvm_guest_access(struct okvm_vcpu *v, int seg, u64 off, void *buf, unsigned int len,
		      bool write)
{
	struct okvm_emul *e = okvm_emul_load(v);
	int r;

	okvm_emul_cancel(e);
	r = okvm_emul_access(e, seg, off, buf, len, write);
	if (r == OKVM_EMUL_DONE)
		return 0;
	if (r == OKVM_EMUL_EXCEPTION) {
		okvm_emul_queue_exc(v, e);
		return 1;
	}
	return -EFAULT;
}

/* Linear to guest-physical as a supervisor data read would see it (KVM_TRANSLATE). */
int okvm_translate(struct okvm_vcpu *v, u64 la, u64 *gpa)
{
	struct okvm_emul *e = okvm_emul_load(v);

	okvm_emul_cancel(e);
	e->cpl = 0;
	return okvm_emul_translate(e, la, false, gpa) == OKVM_EMUL_DONE ? 0 : -EFAULT;
}

/* Up to 15 instruction bytes at CS:RIP; *len says how many could be read. */
int okvm_fetch_insn(struct okvm_vcpu *v, u8 *buf, int *len)
{
	struct okvm_emul *e = okvm_emul_load(v);
	bool lm = okvm_emul_mode(e) == OKVM_EMUL_MODE_LONG64;
	u64 la = (lm ? 0 : e->seg[OKVM_EMUL_CS].base) + v->rip, gpa;
	int n = 0;

	okvm_emul_cancel(e);
	if (!lm)
		la &= 0xffffffffULL;
	while (n < 15) {
		unsigned int chunk = min_t(unsigned int, 15 - n, PAGE_SIZE - offset_in_page(la + n));

		if (okvm_emul_translate(e, la + n, false, &gpa) != OKVM_EMUL_DONE ||
		    okvm_read_guest(v->vm, gpa, buf + n, chunk))
			break;
		n += chunk;
	}
	*len = n;
	return n ? 0 : -EFAULT;
}
