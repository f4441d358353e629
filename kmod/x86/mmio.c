// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest page walks and a minimal instruction decoder: the MOV forms that access memory
 * outside every slot become KVM_EXIT_MMIO. The full emulator comes with its own issue.
 */
#include <linux/kernel.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>

#include "../okvm.h"
#include "../hv.h"

#define GPTE_P		BIT_ULL(0)
#define GPTE_PS		BIT_ULL(7)
#define GPTE_ADDR	0x000ffffffffff000ULL

/* Translate a linear address with the guest's paging mode. No permission checks. */
int okvm_gva_to_gpa(struct okvm_vcpu *v, u64 gva, bool write, u64 *gpa)
{
	u64 cr0 = okvm_hv->get_cr(v, 0), cr4, efer, table, e;
	int level, shift;

	if (!(cr0 & X86_CR0_PG)) {
		*gpa = gva & 0xffffffffULL;
		return 0;
	}
	cr4 = okvm_hv->get_cr(v, 4);
	efer = okvm_hv->get_efer(v);
	table = okvm_hv->get_cr(v, 3);

	if (efer & EFER_LMA) {
		level = (cr4 & X86_CR4_LA57) ? 5 : 4;
		table &= GPTE_ADDR;
	} else if (cr4 & X86_CR4_PAE) {
		u64 pdpte;

		gva &= 0xffffffffULL;
		if (okvm_read_guest(v->vm, (table & 0xffffffe0ULL) + ((gva >> 30) & 3) * 8, &pdpte, 8))
			return -EFAULT;
		if (!(pdpte & GPTE_P))
			return -EFAULT;
		table = pdpte & GPTE_ADDR;
		level = 2;
	} else {
		u32 e32;

		gva &= 0xffffffffULL;
		table &= 0xfffff000ULL;
		if (okvm_read_guest(v->vm, table + ((gva >> 22) & 0x3ff) * 4, &e32, 4) || !(e32 & GPTE_P))
			return -EFAULT;
		if ((e32 & GPTE_PS) && (cr4 & X86_CR4_PSE)) {
			/* 4 MiB page; PSE-36 puts address bits 39:32 in bits 20:13. */
			*gpa = (e32 & 0xffc00000ULL) | ((u64)((e32 >> 13) & 0xff) << 32) | (gva & 0x3fffff);
			return 0;
		}
		if (okvm_read_guest(v->vm, (e32 & 0xfffff000ULL) + ((gva >> 12) & 0x3ff) * 4, &e32, 4) ||
		    !(e32 & GPTE_P))
			return -EFAULT;
		*gpa = (e32 & 0xfffff000ULL) | (gva & 0xfff);
		return 0;
	}

	for (; level >= 1; level--) {
		shift = 12 + 9 * (level - 1);
		if (okvm_read_guest(v->vm, table + ((gva >> shift) & 511) * 8, &e, 8))
			return -EFAULT;
		if (!(e & GPTE_P))
			return -EFAULT;
		if (level == 1 || ((level == 2 || level == 3) && (e & GPTE_PS))) {
			u64 mask = (1ULL << shift) - 1;

			*gpa = ((e & GPTE_ADDR) & ~mask) | (gva & mask);
			return 0;
		}
		table = e & GPTE_ADDR;
	}
	return -EFAULT;
}

static int okvm_copy_gva(struct okvm_vcpu *v, u64 gva, void *buf, unsigned int len, bool write)
{
	while (len) {
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
		u64 gpa;
		int r;

		r = okvm_gva_to_gpa(v, gva, write, &gpa);
		if (r)
			return r;
		r = write ? okvm_write_guest(v->vm, gpa, buf, n) : okvm_read_guest(v->vm, gpa, buf, n);
		if (r)
			return r;
		gva += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int okvm_read_gva(struct okvm_vcpu *v, u64 gva, void *buf, unsigned int len)
{
	return okvm_copy_gva(v, gva, buf, len, false);
}

int okvm_write_gva(struct okvm_vcpu *v, u64 gva, const void *buf, unsigned int len)
{
	return okvm_copy_gva(v, gva, (void *)buf, len, true);
}

/* 16, 32 or 64: the default operand size of the code segment. */
static int okvm_code_mode(struct okvm_vcpu *v)
{
	struct okvm_segment cs;

	okvm_hv->get_seg(v, OKVM_CS, &cs);
	if ((okvm_hv->get_efer(v) & EFER_LMA) && cs.l)
		return 64;
	if (!(okvm_hv->get_cr(v, 0) & X86_CR0_PE) || (v->rflags & X86_EFLAGS_VM))
		return 16;
	return cs.db ? 32 : 16;
}

u64 okvm_seg_base(struct okvm_vcpu *v, int seg)
{
	struct okvm_segment s;

	if (okvm_code_mode(v) == 64 && seg != OKVM_FS && seg != OKVM_GS)
		return 0;
	okvm_hv->get_seg(v, seg, &s);
	return s.base;
}

/* Read up to 15 instruction bytes at CS:RIP; *len says how many could be read. */
int okvm_fetch_insn(struct okvm_vcpu *v, u8 *buf, int *len)
{
	u64 lin = okvm_seg_base(v, OKVM_CS) + v->rip;
	unsigned int first;

	if (okvm_code_mode(v) != 64)
		lin &= 0xffffffffULL;
	first = min_t(unsigned int, 15, PAGE_SIZE - (lin & (PAGE_SIZE - 1)));
	*len = 0;
	if (okvm_read_gva(v, lin, buf, first))
		return -EFAULT;
	*len = first;
	if (first < 15 && !okvm_read_gva(v, lin + first, buf + first, 15 - first))
		*len = 15;
	return 0;
}

struct okvm_insn {
	const u8 *b;
	int n, pos;
	int mode, opsize, asize;
	bool rex, rex_w, rex_r, rex_b;
	bool opsz, adsz;
	int seg;
};

static int insn_byte(struct okvm_insn *i)
{
	if (i->pos >= i->n)
		return -1;
	return i->b[i->pos++];
}

/* Skip ModRM, SIB and displacement; returns the ModRM byte, or -1 for a register operand. */
static int insn_modrm(struct okvm_insn *i)
{
	int m = insn_byte(i), mod, rm, skip = 0;

	if (m < 0)
		return -1;
	mod = m >> 6;
	rm = m & 7;
	if (mod == 3)
		return -1;
	if (i->asize == 2) {
		if (mod == 1)
			skip = 1;
		else if (mod == 2 || (mod == 0 && rm == 6))
			skip = 2;
	} else {
		if (rm == 4) {
			int sib = insn_byte(i);

			if (sib < 0)
				return -1;
			if (mod == 0 && (sib & 7) == 5)
				skip = 4;
		}
		if (mod == 1)
			skip = 1;
		else if (mod == 2 || (mod == 0 && rm == 5))
			skip = 4;
	}
	i->pos += skip;
	if (i->pos > i->n)
		return -1;
	return m;
}

static u64 insn_imm(struct okvm_insn *i, int size)
{
	u64 v = 0;
	int k;

	for (k = 0; k < size; k++) {
		int c = insn_byte(i);

		if (c < 0)
			return 0;
		v |= (u64)c << (8 * k);
	}
	return v;
}

/* Read GPR @reg with @size bytes; without REX, byte registers 4-7 are AH, CH, DH, BH. */
static u64 okvm_reg_read(struct okvm_vcpu *v, struct okvm_insn *i, int reg, int size, bool *high8)
{
	*high8 = size == 1 && !i->rex && reg >= 4 && reg < 8;
	if (*high8)
		return (v->regs[reg - 4] >> 8) & 0xff;
	return v->regs[reg];
}

static void okvm_emulation_failure(struct okvm_vcpu *v, const u8 *b, int n)
{
	struct okvm_run *run = v->run;

	run->exit_reason = OKVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = OKVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = 0;
	run->emulation_failure.flags = 0;
	if (n > 0) {
		run->emulation_failure.ndata = 3;
		run->emulation_failure.flags = OKVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
		run->emulation_failure.insn_size = n;
		memcpy(run->emulation_failure.insn_bytes, b, n);
	}
}

/*
 * The guest accessed @gpa, which no slot backs for this access. Decode the MOV at RIP and
 * describe the access in kvm_run. A write completes now (RIP moves past it, as in KVM);
 * a read completes on the next KVM_RUN with the data userspace put in kvm_run.
 */
int okvm_emulate_mmio(struct okvm_vcpu *v, u64 gpa, bool *user_exit)
{
	struct okvm_run *run = v->run;
	struct okvm_insn i = { .seg = -1 };
	u8 buf[15];
	int n, op, m = -1, reg = -1, size, dsize;
	bool write = false, sign = false, high8 = false;
	u64 val = 0;

	*user_exit = true;
	if (okvm_fetch_insn(v, buf, &n) || n == 0) {
		okvm_emulation_failure(v, buf, 0);
		return 0;
	}
	i.b = buf;
	i.n = n;
	i.mode = okvm_code_mode(v);
	for (;;) {
		op = insn_byte(&i);
		if (op == 0x66)
			i.opsz = true;
		else if (op == 0x67)
			i.adsz = true;
		else if (op == 0x26 || op == 0x2e || op == 0x36 || op == 0x3e || op == 0x64 || op == 0x65)
			i.seg = op;
		else if (op == 0xf0 || op == 0xf2 || op == 0xf3)
			continue;
		else
			break;
	}
	if (i.mode == 64 && op >= 0x40 && op <= 0x4f) {
		i.rex = true;
		i.rex_w = op & 8;
		i.rex_r = op & 4;
		i.rex_b = op & 1;
		op = insn_byte(&i);
	}
	if (i.mode == 64)
		i.opsize = i.rex_w ? 8 : i.opsz ? 2 : 4;
	else
		i.opsize = ((i.mode == 32) ^ i.opsz) ? 4 : 2;
	if (i.mode == 64)
		i.asize = i.adsz ? 4 : 8;
	else
		i.asize = ((i.mode == 32) ^ i.adsz) ? 4 : 2;

	size = dsize = i.opsize;
	switch (op) {
	case 0x88:	/* MOV r/m8, r8 */
	case 0x89:	/* MOV r/m, r */
		if (op == 0x88)
			size = 1;
		m = insn_modrm(&i);
		if (m < 0)
			goto fail;
		reg = ((m >> 3) & 7) | (i.rex_r ? 8 : 0);
		val = okvm_reg_read(v, &i, reg, size, &high8);
		write = true;
		break;
	case 0x8a:	/* MOV r8, r/m8 */
	case 0x8b:	/* MOV r, r/m */
		if (op == 0x8a)
			size = dsize = 1;
		m = insn_modrm(&i);
		if (m < 0)
			goto fail;
		reg = ((m >> 3) & 7) | (i.rex_r ? 8 : 0);
		high8 = size == 1 && !i.rex && reg >= 4 && reg < 8;
		break;
	case 0xc6:	/* MOV r/m8, imm8 */
	case 0xc7:	/* MOV r/m, imm16/32 (sign-extended to 64) */
		if (op == 0xc6)
			size = 1;
		m = insn_modrm(&i);
		if (m < 0 || ((m >> 3) & 7) != 0)
			goto fail;
		val = insn_imm(&i, size == 8 ? 4 : size);
		if (size == 8)
			val = (u64)(s64)(s32)val;
		write = true;
		break;
	case 0xa0:	/* MOV AL, moffs */
	case 0xa1:	/* MOV rAX, moffs */
	case 0xa2:	/* MOV moffs, AL */
	case 0xa3:	/* MOV moffs, rAX */
		if (op == 0xa0 || op == 0xa2)
			size = dsize = 1;
		insn_imm(&i, i.asize);
		reg = OKVM_RAX;
		write = op >= 0xa2;
		if (write)
			val = v->regs[OKVM_RAX];
		break;
	case 0x0f:
		op = insn_byte(&i);
		if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
			goto fail;
		/* MOVZX / MOVSX r, r/m8 or r/m16 */
		size = (op & 1) ? 2 : 1;
		sign = op >= 0xbe;
		m = insn_modrm(&i);
		if (m < 0)
			goto fail;
		reg = ((m >> 3) & 7) | (i.rex_r ? 8 : 0);
		break;
	default:
		goto fail;
	}
	if (i.pos > i.n)
		goto fail;

	run->exit_reason = OKVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = size;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write) {
		memcpy(run->mmio.data, &val, size);
		v->rip += i.pos;
		v->pend.kind = 0;
	} else {
		v->pend.kind = OKVM_EXIT_MMIO;
		v->pend.rip = v->rip;
		v->pend.next_rip = v->rip + i.pos;
		v->pend.reg = reg;
		v->pend.len = size;
		v->pend.dst_size = dsize;
		v->pend.high8 = high8;
		v->pend.sign = sign;
	}
	return 0;
fail:
	okvm_emulation_failure(v, buf, n);
	return 0;
}

/* Put the data userspace supplied for an MMIO read into the destination register. */
void okvm_complete_mmio(struct okvm_vcpu *v)
{
	struct okvm_pending *p = &v->pend;
	u64 val = 0, *r;

	memcpy(&val, v->run->mmio.data, p->len);
	if (p->sign)
		val = p->len == 1 ? (u64)(s64)(s8)val : (u64)(s64)(s16)val;
	if (p->high8) {
		r = &v->regs[p->reg - 4];
		*r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
	} else {
		r = &v->regs[p->reg];
		switch (p->dst_size) {
		case 1:
			*r = (*r & ~0xffULL) | (val & 0xff);
			break;
		case 2:
			*r = (*r & ~0xffffULL) | (val & 0xffff);
			break;
		case 4:
			*r = (u32)val;
			break;
		default:
			*r = val;
			break;
		}
	}
	v->rip = p->next_rip;
}
