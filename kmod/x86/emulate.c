// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm x86 instruction emulator (see emulate.h for the contract).
 *
 * One instruction per call: decode the prefixes and opcode from bytes fetched through the
 * guest's own segmentation and paging, execute on a copy of the registers, and copy the
 * registers back only when the instruction completed. Facts: Intel SDM vol. 2 (encodings,
 * flags), vol. 3 ch. 3-5 (segmentation, paging, protection); AMD APM vol. 2 and 3.
 */
#include "emulate.h"

#define RFL_CF		(1ULL << 0)
#define RFL_TF		(1ULL << 8)
#define RFL_RF		(1ULL << 16)
#define RFL_PF		(1ULL << 2)
#define RFL_AF		(1ULL << 4)
#define RFL_ZF		(1ULL << 6)
#define RFL_SF		(1ULL << 7)
#define RFL_DF		(1ULL << 10)
#define RFL_OF		(1ULL << 11)
#define RFL_VM		(1ULL << 17)
#define RFL_AC		(1ULL << 18)
#define RFL_ARITH	(RFL_CF | RFL_PF | RFL_AF | RFL_ZF | RFL_SF | RFL_OF)

#define CR0_PE		(1ULL << 0)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define CR4_SMEP	(1ULL << 20)
#define CR4_SMAP	(1ULL << 21)
#define EFER_LMA	(1ULL << 10)
#define EFER_NXE	(1ULL << 11)

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define PTE_A		(1ULL << 5)
#define PTE_D		(1ULL << 6)
#define PTE_PS		(1ULL << 7)
#define PTE_NX		(1ULL << 63)

#define PFEC_P		(1U << 0)
#define PFEC_W		(1U << 1)
#define PFEC_U		(1U << 2)
#define PFEC_RSVD	(1U << 3)
#define PFEC_ID		(1U << 4)

#define PAGE_SZ		4096ULL

/* How a linear address is used: decides the segment and page permission checks. */
enum { ACC_READ, ACC_WRITE, ACC_RMW, ACC_FETCH };

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP, ALU_TEST };

/* REP iterations per call: then the guest resumes the instruction itself, as after an interrupt. */
#define REP_MAX_ITER	1024

/* The decoded instruction. */
struct insn {
	u8 pos;			/* bytes consumed */
	u8 opsz, adsz;		/* operand and address size in bytes */
	u8 rex;			/* the REX byte, 0 when absent */
	u8 lock;
	u8 rep;			/* 0, 0xf2 or 0xf3 */
	u8 opsz_prefix;
	s8 seg_override;	/* -1 when absent */
	u8 long64;
	u8 def32;		/* 32-bit default operand size outside 64-bit mode */
	u16 op;			/* 0x0XX, 0x1XX for 0F XX, 0x2XX for 0F 38 XX */
	u8 mod, reg, rm;	/* reg and rm include the REX extension */
	u8 mem;			/* ModRM names memory */
	u8 seg;			/* segment of the memory operand */
	u8 riprel;
	u64 ea;
};

/* An operand: a register (possibly AH..BH) or memory. */
struct opnd {
	u8 mem;
	u8 size;
	u8 reg;
	u8 hi8;
	u8 seg;
	u64 ea;
	u64 val;
};

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static u64 sign_extend(u64 v, unsigned int size)
{
	unsigned int sh = 64 - size * 8;

	return size >= 8 ? v : (u64)((s64)(v << sh) >> sh);
}

static u64 get_le(const u8 *b, unsigned int n)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (u64)b[i] << (8 * i);
	return v;
}

static void put_le(u8 *b, u64 v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		b[i] = v >> (8 * i);
}

static int raise_exc(struct okvm_emul *e, u8 vector, bool has_error, u32 error, u64 cr2)
{
	e->exc.vector = vector;
	e->exc.has_error = has_error;
	e->exc.error = error;
	e->exc.cr2 = cr2;
	return OKVM_EMUL_EXCEPTION;
}

static int raise_gp0(struct okvm_emul *e)
{
	return raise_exc(e, OKVM_EMUL_VEC_GP, true, 0, 0);
}

static int raise_ud(struct okvm_emul *e)
{
	return raise_exc(e, OKVM_EMUL_VEC_UD, false, 0, 0);
}

/* Segment faults are #SS for SS and #GP for the others. */
static int raise_seg(struct okvm_emul *e, int seg)
{
	return raise_exc(e, seg == OKVM_EMUL_SS ? OKVM_EMUL_VEC_SS : OKVM_EMUL_VEC_GP, true, 0, 0);
}

enum okvm_emul_mode okvm_emul_mode(const struct okvm_emul *e)
{
	const struct okvm_emul_seg *cs = &e->seg[OKVM_EMUL_CS];

	if (!(e->cr0 & CR0_PE))
		return OKVM_EMUL_MODE_REAL;
	if (e->efer & EFER_LMA) {
		if (cs->l)
			return OKVM_EMUL_MODE_LONG64;
		return cs->db ? OKVM_EMUL_MODE_COMPAT32 : OKVM_EMUL_MODE_COMPAT16;
	}
	if (e->regs.rflags & RFL_VM)
		return OKVM_EMUL_MODE_VM86;
	return cs->db ? OKVM_EMUL_MODE_PROT32 : OKVM_EMUL_MODE_PROT16;
}

static bool is_canonical(u64 la)
{
	return (u64)((s64)(la << 16) >> 16) == la;
}

/* ---- Paging ---- */

static unsigned int maxphy(const struct okvm_emul *e)
{
	return e->maxphyaddr ? e->maxphyaddr : 52;
}

static int read_pte(struct okvm_emul *e, u64 gpa, unsigned int size, u64 *val)
{
	u8 b[8];

	if (e->ops->read_phys(e->opaque, gpa, b, size) != OKVM_EMUL_IO_OK)
		return OKVM_EMUL_UNHANDLED;
	*val = get_le(b, size);
	return 0;
}

/* Set Accessed (and Dirty) bits: 0, 1 when the entry changed under us, or a result code. */
static int update_pte(struct okvm_emul *e, u64 gpa, u64 old, u64 new, unsigned int size)
{
	u8 b[8];
	int r;

	if (e->ops->cmpxchg_phys) {
		r = e->ops->cmpxchg_phys(e->opaque, gpa, old, new, size);
		if (r == OKVM_EMUL_IO_RETRY)
			return 1;
	} else {
		put_le(b, new, size);
		r = e->ops->write_phys(e->opaque, gpa, b, size);
	}
	return r == OKVM_EMUL_IO_OK ? 0 : OKVM_EMUL_UNHANDLED;
}

/*
 * Walk the guest page tables: 2-level (32-bit), 3-level (PAE) or 4-level (long mode).
 * Returns 0 with *gpa, 1 to walk again (an entry changed), or a result code.
 */
static int walk_once(struct okvm_emul *e, u64 la, int acc, u64 *gpa)
{
	bool write = acc == ACC_WRITE || acc == ACC_RMW, fetch = acc == ACC_FETCH;
	bool user = e->cpl == 3, nxe = e->efer & EFER_NXE;
	bool lm = e->efer & EFER_LMA, pae = lm || (e->cr4 & CR4_PAE);
	bool rw = true, us = true, nx = false, leaf = false;
	unsigned int esz = pae ? 8 : 4, mp = maxphy(e), lvl, n, i, shift = 12;
	u64 phys_rsvd = pae ? (((1ULL << 52) - 1) & ~((1ULL << mp) - 1)) : 0;
	u64 pte_gpa[4], pte[4], table, ent = 0, rsvd, pagemask;
	u32 pfec;
	int r;

	pfec = (write ? PFEC_W : 0) | (user ? PFEC_U : 0);
	if (fetch && ((e->cr4 & CR4_SMEP) || (pae && nxe)))
		pfec |= PFEC_ID;

	if (lm) {
		if (e->cr4 & CR4_LA57)
			return OKVM_EMUL_UNHANDLED;
		lvl = 4;
		table = e->cr3 & 0x000ffffffffff000ULL;
	} else if (pae) {
		lvl = 3;
		table = e->cr3 & 0xffffffe0ULL;
	} else {
		lvl = 2;
		table = e->cr3 & 0xfffff000ULL;
	}

	for (n = 0; ; lvl--, n++) {
		u64 idx;

		if (pae) {
			shift = 12 + 9 * (lvl - 1);
			idx = (la >> shift) & (lm || lvl < 3 ? 0x1ff : 0x3);
		} else {
			shift = 12 + 10 * (lvl - 1);
			idx = (la >> shift) & 0x3ff;
		}
		pte_gpa[n] = table + idx * esz;
		r = read_pte(e, pte_gpa[n], esz, &ent);
		if (r)
			return r;
		pte[n] = ent;
		if (!(ent & PTE_P))
			return raise_exc(e, OKVM_EMUL_VEC_PF, true, pfec, la);

		rsvd = phys_rsvd;
		if (pae && !nxe)
			rsvd |= PTE_NX;
		if (pae && !lm && lvl == 3)
			rsvd |= PTE_NX | 0x1e6;	/* PAE PDPTE: bits 2:1 and 8:5 are reserved */
		if (lm && lvl == 4)
			rsvd |= PTE_PS;
		leaf = lvl == 1 ||
		       (lvl == 2 && (ent & PTE_PS) && (pae || (e->cr4 & CR4_PSE))) ||
		       (lvl == 3 && lm && (ent & PTE_PS));
		if (leaf && lvl == 2 && pae)
			rsvd |= 0x1fe000ULL;			/* 2 MiB page: bits 20:13 */
		if (leaf && lvl == 3)
			rsvd |= 0x3fffe000ULL;			/* 1 GiB page: bits 29:13 */
		if (leaf && lvl == 2 && !pae) {
			/* 4 MiB page: bits 20:13 are address bits 39:32 (PSE-36), then reserved. */
			unsigned int m = mp < 40 ? mp : 40;

			rsvd |= ((1ULL << 22) - 1) & ~((1ULL << (13 + m - 32)) - 1);
		}
		if (ent & rsvd)
			return raise_exc(e, OKVM_EMUL_VEC_PF, true, pfec | PFEC_P | PFEC_RSVD, la);

		if (!(pae && !lm && lvl == 3)) {
			rw = rw && (ent & PTE_RW);
			us = us && (ent & PTE_US);
			if (nxe && (ent & PTE_NX))
				nx = true;
		}
		if (leaf)
			break;
		table = pae ? ent & 0x000ffffffffff000ULL : ent & 0xfffff000ULL;
	}

	pagemask = (1ULL << shift) - 1;
	if (!pae && lvl == 2)
		*gpa = (ent & 0xffc00000ULL) | (((ent >> 13) & 0xff) << 32) | (la & pagemask);
	else if (pae)
		*gpa = (ent & 0x000ffffffffff000ULL & ~pagemask) | (la & pagemask);
	else
		*gpa = (ent & 0xfffff000ULL) | (la & pagemask);

	/* Permissions (SDM vol. 3 4.6). */
	if (fetch) {
		if (nx || (user && !us) || (!user && us && (e->cr4 & CR4_SMEP)))
			return raise_exc(e, OKVM_EMUL_VEC_PF, true, pfec | PFEC_P, la);
	} else {
		if (user && !us)
			return raise_exc(e, OKVM_EMUL_VEC_PF, true, pfec | PFEC_P, la);
		if (!user && us && (e->cr4 & CR4_SMAP) && !(e->regs.rflags & RFL_AC))
			return raise_exc(e, OKVM_EMUL_VEC_PF, true, pfec | PFEC_P, la);
		if (write && !rw && (user || (e->cr0 & CR0_WP)))
			return raise_exc(e, OKVM_EMUL_VEC_PF, true, pfec | PFEC_P, la);
	}

	/* Accessed on every level (PAE PDPTEs have none), Dirty on the leaf of a write. */
	for (i = 0; i <= n; i++) {
		u64 want = pte[i];

		if (!(pae && !lm && i == 0))
			want |= PTE_A;
		if (i == n && write)
			want |= PTE_D;
		if (want != pte[i]) {
			r = update_pte(e, pte_gpa[i], pte[i], want, esz);
			if (r)
				return r;
		}
	}
	return 0;
}

static int translate(struct okvm_emul *e, u64 la, int acc, u64 *gpa)
{
	int tries, r;

	if (!(e->cr0 & CR0_PG) || !(e->cr0 & CR0_PE)) {
		*gpa = la;
		return 0;
	}
	for (tries = 0; tries < 8; tries++) {
		r = walk_once(e, la, acc, gpa);
		if (r != 1)
			return r;
	}
	return OKVM_EMUL_UNHANDLED;
}

int okvm_emul_translate(struct okvm_emul *e, u64 la, bool write, u64 *gpa)
{
	return translate(e, la, write ? ACC_WRITE : ACC_READ, gpa);
}

/* ---- Segmentation ---- */

/* Effective address -> linear address, with the limit, type and canonical checks. */
static int seg_linear(struct okvm_emul *e, const struct insn *d, int seg, u64 off,
		      unsigned int size, int acc, u64 *la)
{
	const struct okvm_emul_seg *s = &e->seg[seg];
	enum okvm_emul_mode mode = okvm_emul_mode(e);
	u64 end = off + size - 1, upper;
	bool write = acc == ACC_WRITE || acc == ACC_RMW;

	if (d->long64) {
		*la = off;
		if (seg == OKVM_EMUL_FS || seg == OKVM_EMUL_GS)
			*la += s->base;
		if (!is_canonical(*la) || !is_canonical(*la + size - 1))
			return raise_seg(e, seg);
		return 0;
	}
	if (mode != OKVM_EMUL_MODE_REAL && mode != OKVM_EMUL_MODE_VM86) {
		if (!s->present)
			return raise_seg(e, seg);
		if (acc != ACC_FETCH) {
			if (s->type & 8) {
				/* Code: never writable, readable only with the R bit. */
				if (write || !(s->type & 2))
					return raise_seg(e, seg);
			} else if (write && !(s->type & 2)) {
				return raise_seg(e, seg);
			}
		}
		if (!(s->type & 8) && (s->type & 4)) {
			/* Expand-down data segment: valid offsets are above the limit. */
			upper = s->db ? 0xffffffffULL : 0xffffULL;
			if (off <= s->limit || end > upper)
				return raise_seg(e, seg);
			*la = (s->base + off) & 0xffffffffULL;
			return 0;
		}
	}
	if (end > s->limit)
		return raise_seg(e, seg);
	*la = (s->base + off) & 0xffffffffULL;
	return 0;
}

/* ---- Instruction fetch ---- */

static u64 ip_mask(const struct insn *d)
{
	if (d->long64)
		return ~0ULL;
	return d->def32 ? 0xffffffffULL : 0xffffULL;
}

/* Make sure e->insn holds at least @want bytes of the instruction. */
static int fetch_to(struct okvm_emul *e, const struct insn *d, unsigned int want)
{
	u64 off, la, gpa, room;
	unsigned int n;
	int r;

	if (want > sizeof(e->insn))
		return raise_gp0(e);
	while (e->insn_len < want) {
		off = (e->regs.rip + e->insn_len) & ip_mask(d);
		r = seg_linear(e, d, OKVM_EMUL_CS, off, 1, ACC_FETCH, &la);
		if (r)
			return r;
		n = sizeof(e->insn) - e->insn_len;
		room = PAGE_SZ - (la & (PAGE_SZ - 1));
		if (room < n)
			n = room;
		if (!d->long64) {
			/* Stay below the CS limit and the IP wrap point. */
			room = (e->seg[OKVM_EMUL_CS].limit < ip_mask(d) ?
				e->seg[OKVM_EMUL_CS].limit : ip_mask(d)) - off + 1;
			if (room < n)
				n = room;
		}
		r = translate(e, la, ACC_FETCH, &gpa);
		if (r)
			return r;
		if (e->ops->read_phys(e->opaque, gpa, e->insn + e->insn_len, n) != OKVM_EMUL_IO_OK)
			return OKVM_EMUL_UNHANDLED;	/* executing from MMIO */
		e->insn_len += n;
	}
	return 0;
}

static int fetch(struct okvm_emul *e, struct insn *d, unsigned int size, u64 *val)
{
	int r = fetch_to(e, d, d->pos + size);

	if (r)
		return r;
	*val = get_le(e->insn + d->pos, size);
	d->pos += size;
	return 0;
}

/* ---- Physical and linear data access ---- */

/*
 * One access within a page. The log makes a replay after an MMIO exit take the values the
 * first run saw and skip what it already did.
 */
static int phys_access(struct okvm_emul *e, u64 gpa, u8 *buf, unsigned int len, bool write)
{
	struct okvm_emul_logent *l;
	int r;

	if (e->log_pos < e->log_n) {
		l = &e->log[e->log_pos];
		if (l->gpa == gpa && l->len == len && l->write == write) {
			if (!l->done) {
				/* Still waiting for userspace: ask again. */
				e->mmio.gpa = gpa;
				e->mmio.len = len;
				e->mmio.is_write = write;
				memcpy(e->mmio.data, l->data, sizeof(l->data));
				return OKVM_EMUL_MMIO;
			}
			if (!write)
				memcpy(buf, l->data, len);
			e->log_pos++;
			return 0;
		}
		/* The replay went another way (the guest changed memory): forget the rest. */
		e->log_n = e->log_pos;
	}
	if (e->log_n >= OKVM_EMUL_LOG_MAX)
		return OKVM_EMUL_UNHANDLED;
	l = &e->log[e->log_n];
	memset(l, 0, sizeof(*l));
	l->gpa = gpa;
	l->len = len;
	l->write = write;
	if (write) {
		memcpy(l->data, buf, len);
		r = e->ops->write_phys(e->opaque, gpa, buf, len);
	} else {
		r = e->ops->read_phys(e->opaque, gpa, l->data, len);
	}
	if (r == OKVM_EMUL_IO_NOT_RAM) {
		r = e->ops->mmio(e->opaque, gpa, len, write, l->data);
		if (r == OKVM_EMUL_IO_USER) {
			e->log_n++;
			e->log_pos++;
			e->mmio.gpa = gpa;
			e->mmio.len = len;
			e->mmio.is_write = write;
			memcpy(e->mmio.data, l->data, sizeof(l->data));
			return OKVM_EMUL_MMIO;
		}
	}
	if (r != OKVM_EMUL_IO_OK)
		return OKVM_EMUL_UNHANDLED;
	l->done = 1;
	e->log_n++;
	e->log_pos++;
	if (!write)
		memcpy(buf, l->data, len);
	return 0;
}

/* Read or write @size bytes at seg:off. Translates every page first, then accesses. */
static int mem_access(struct okvm_emul *e, const struct insn *d, int seg, u64 off,
		      u64 *val, unsigned int size, int acc)
{
	bool write = acc == ACC_WRITE;
	u64 la, la2, gpa[2];
	unsigned int n0;
	u8 buf[8];
	int r;

	r = seg_linear(e, d, seg, off, size, acc, &la);
	if (r)
		return r;
	n0 = PAGE_SZ - (la & (PAGE_SZ - 1));
	if (n0 > size)
		n0 = size;
	r = translate(e, la, acc, &gpa[0]);
	if (r)
		return r;
	if (n0 < size) {
		la2 = la + n0;
		if (!d->long64)
			la2 &= 0xffffffffULL;
		r = translate(e, la2, acc, &gpa[1]);
		if (r)
			return r;
	}
	if (write)
		put_le(buf, *val, size);
	r = phys_access(e, gpa[0], buf, n0, write);
	if (!r && n0 < size)
		r = phys_access(e, gpa[1], buf + n0, size - n0, write);
	if (r)
		return r;
	if (!write)
		*val = get_le(buf, size);
	return 0;
}

/* ---- Registers and operands ---- */

static u64 reg_get(const struct okvm_emul_regs *w, unsigned int reg, unsigned int size, bool hi8)
{
	if (hi8)
		return (w->gpr[reg] >> 8) & 0xff;
	return w->gpr[reg] & size_mask(size);
}

/* 32-bit writes zero the upper half; 8- and 16-bit writes keep the rest. */
static void reg_set(struct okvm_emul_regs *w, unsigned int reg, unsigned int size, bool hi8,
		    u64 val)
{
	u64 *p = &w->gpr[reg];

	if (hi8)
		*p = (*p & ~0xff00ULL) | ((val & 0xff) << 8);
	else if (size == 1)
		*p = (*p & ~0xffULL) | (val & 0xff);
	else if (size == 2)
		*p = (*p & ~0xffffULL) | (val & 0xffff);
	else if (size == 4)
		*p = val & 0xffffffffULL;
	else
		*p = val;
}

/* A register operand: without REX, byte registers 4-7 are AH, CH, DH, BH. */
static void opnd_reg(const struct insn *d, struct opnd *o, unsigned int reg, unsigned int size)
{
	memset(o, 0, sizeof(*o));
	o->size = size;
	o->reg = reg;
	if (size == 1 && !d->rex && reg >= 4 && reg < 8) {
		o->reg = reg - 4;
		o->hi8 = 1;
	}
}

static void opnd_rm(const struct insn *d, struct opnd *o, unsigned int size)
{
	if (!d->mem) {
		opnd_reg(d, o, d->rm, size);
		return;
	}
	memset(o, 0, sizeof(*o));
	o->mem = 1;
	o->size = size;
	o->seg = d->seg;
	o->ea = d->ea;
}

static int opnd_read(struct okvm_emul *e, const struct insn *d, const struct okvm_emul_regs *w,
		     struct opnd *o, int acc)
{
	if (!o->mem) {
		o->val = reg_get(w, o->reg, o->size, o->hi8);
		return 0;
	}
	return mem_access(e, d, o->seg, o->ea, &o->val, o->size, acc);
}

static int opnd_write(struct okvm_emul *e, const struct insn *d, struct okvm_emul_regs *w,
		      struct opnd *o, u64 val)
{
	val &= size_mask(o->size);
	if (!o->mem) {
		reg_set(w, o->reg, o->size, o->hi8, val);
		return 0;
	}
	return mem_access(e, d, o->seg, o->ea, &val, o->size, ACC_WRITE);
}

/* ---- Decoding ---- */

static int decode_prefixes(struct okvm_emul *e, struct insn *d)
{
	u64 b;
	int r;

	for (;;) {
		r = fetch(e, d, 1, &b);
		if (r)
			return r;
		switch (b) {
		case 0xf0:
			d->lock = 1;
			break;
		case 0xf2:
		case 0xf3:
			d->rep = b;
			break;
		case 0x26:
			d->seg_override = OKVM_EMUL_ES;
			break;
		case 0x2e:
			d->seg_override = OKVM_EMUL_CS;
			break;
		case 0x36:
			d->seg_override = OKVM_EMUL_SS;
			break;
		case 0x3e:
			d->seg_override = OKVM_EMUL_DS;
			break;
		case 0x64:
			d->seg_override = OKVM_EMUL_FS;
			break;
		case 0x65:
			d->seg_override = OKVM_EMUL_GS;
			break;
		case 0x66:
			d->opsz_prefix = 1;
			d->opsz = d->long64 ? 2 : (d->def32 ? 2 : 4);
			break;
		case 0x67:
			d->adsz = d->long64 ? 4 : (d->def32 ? 2 : 4);
			break;
		default:
			if (d->long64 && (b & 0xf0) == 0x40) {
				d->rex = b;
				continue;
			}
			/* REX counts only right before the opcode. */
			if (d->rex & 8)
				d->opsz = 8;
			d->pos--;
			return 0;
		}
		d->rex = 0;
	}
}

static int decode_modrm(struct okvm_emul *e, struct insn *d, const struct okvm_emul_regs *w)
{
	static const u8 base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };		/* BX BX BP BP SI DI BP BX */
	static const s8 index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };	/* SI DI SI DI */
	u64 m, sib, disp = 0, ea = 0;
	unsigned int mod, rm, base, index, scale;
	int r;

	r = fetch(e, d, 1, &m);
	if (r)
		return r;
	mod = m >> 6;
	rm = m & 7;
	d->mod = mod;
	d->reg = ((m >> 3) & 7) | ((d->rex & 4) << 1);
	d->seg = OKVM_EMUL_DS;
	if (mod == 3) {
		d->rm = rm | ((d->rex & 1) << 3);
		d->mem = 0;
		return 0;
	}
	d->mem = 1;

	if (d->adsz == 2) {
		if (mod == 0 && rm == 6) {
			r = fetch(e, d, 2, &disp);
		} else {
			ea = w->gpr[base16[rm]];
			if (index16[rm] >= 0)
				ea += w->gpr[index16[rm]];
			if (base16[rm] == 5)
				d->seg = OKVM_EMUL_SS;
			if (mod == 1) {
				r = fetch(e, d, 1, &disp);
				disp = sign_extend(disp, 1);
			} else if (mod == 2) {
				r = fetch(e, d, 2, &disp);
			}
		}
		if (r)
			return r;
		d->ea = (ea + disp) & 0xffff;
		goto out;
	}

	if (rm == 4) {
		r = fetch(e, d, 1, &sib);
		if (r)
			return r;
		scale = sib >> 6;
		index = ((sib >> 3) & 7) | ((d->rex & 2) << 2);
		base = (sib & 7) | ((d->rex & 1) << 3);
		if (index != 4)
			ea = w->gpr[index] << scale;
		if ((sib & 7) == 5 && mod == 0) {
			r = fetch(e, d, 4, &disp);
			if (r)
				return r;
			disp = sign_extend(disp, 4);
		} else {
			ea += w->gpr[base];
			if (base == 4 || base == 5)
				d->seg = OKVM_EMUL_SS;
		}
	} else if (rm == 5 && mod == 0) {
		r = fetch(e, d, 4, &disp);
		if (r)
			return r;
		disp = sign_extend(disp, 4);
		/* In 64-bit mode this is RIP-relative: finished once the length is known. */
		d->riprel = d->long64;
	} else {
		base = rm | ((d->rex & 1) << 3);
		ea = w->gpr[base];
		if (base == 5)
			d->seg = OKVM_EMUL_SS;
	}
	if (mod == 1) {
		r = fetch(e, d, 1, &disp);
		disp = sign_extend(disp, 1);
	} else if (mod == 2) {
		r = fetch(e, d, 4, &disp);
		disp = sign_extend(disp, 4);
	}
	if (r)
		return r;
	d->ea = (ea + disp) & size_mask(d->adsz);
out:
	if (d->seg_override >= 0)
		d->seg = d->seg_override;
	return 0;
}

/* Called when every byte is decoded: RIP-relative addresses need the length. */
static void decode_done(const struct okvm_emul_regs *w, struct insn *d)
{
	if (d->riprel)
		d->ea = (d->ea + w->rip + d->pos) & size_mask(d->adsz);
}

static int fetch_imm(struct okvm_emul *e, struct insn *d, unsigned int size, unsigned int opsz,
		     u64 *val)
{
	int r = fetch(e, d, size, val);

	if (!r)
		*val = sign_extend(*val, size) & size_mask(opsz);
	return r;
}

/* Iz: 16 bits for 16-bit operands, else 32 bits (sign-extended for 64-bit operands). */
static int fetch_iz(struct okvm_emul *e, struct insn *d, unsigned int opsz, u64 *val)
{
	return fetch_imm(e, d, opsz == 2 ? 2 : 4, opsz, val);
}

/* ---- Arithmetic ---- */

static bool parity_even(u64 v)
{
	u8 b = v;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

/* SF, ZF, PF from a result. */
static u64 szp(u64 r, unsigned int size)
{
	u64 f = 0;

	r &= size_mask(size);
	if (!r)
		f |= RFL_ZF;
	if (r >> (size * 8 - 1))
		f |= RFL_SF;
	if (parity_even(r))
		f |= RFL_PF;
	return f;
}

static u64 alu(int op, u64 a, u64 b, unsigned int size, u64 *rflags)
{
	u64 mask = size_mask(size), sign = 1ULL << (size * 8 - 1), r, c, f = 0;

	a &= mask;
	b &= mask;
	switch (op) {
	case ALU_ADD:
	case ALU_ADC:
		c = op == ALU_ADC ? (*rflags & RFL_CF) : 0;
		r = (a + b + c) & mask;
		if (((a & b) | ((a | b) & ~r)) & sign)
			f |= RFL_CF;
		if ((a ^ r) & (b ^ r) & sign)
			f |= RFL_OF;
		f |= (a ^ b ^ r) & RFL_AF;
		break;
	case ALU_SUB:
	case ALU_SBB:
	case ALU_CMP:
		c = op == ALU_SBB ? (*rflags & RFL_CF) : 0;
		r = (a - b - c) & mask;
		if (((~a & b) | (~(a ^ b) & r)) & sign)
			f |= RFL_CF;
		if ((a ^ b) & (a ^ r) & sign)
			f |= RFL_OF;
		f |= (a ^ b ^ r) & RFL_AF;
		break;
	case ALU_OR:
		r = a | b;
		break;
	case ALU_XOR:
		r = a ^ b;
		break;
	default:	/* AND, TEST */
		r = a & b;
		break;
	}
	*rflags = (*rflags & ~RFL_ARITH) | f | szp(r, size);
	return r;
}

/* ---- Instructions ---- */

static u64 next_rip(const struct okvm_emul_regs *w, const struct insn *d)
{
	return (w->rip + d->pos) & ip_mask(d);
}

/* op dst, src for the eight group-1 operations (CMP writes nothing). */
static int exec_alu(struct okvm_emul *e, const struct insn *d, struct okvm_emul_regs *w, int op,
		    struct opnd *dst, struct opnd *src)
{
	bool writes = op != ALU_CMP && op != ALU_TEST;
	u64 r;
	int rc;

	rc = opnd_read(e, d, w, src, ACC_READ);
	if (!rc)
		rc = opnd_read(e, d, w, dst, writes ? ACC_RMW : ACC_READ);
	if (rc)
		return rc;
	r = alu(op, dst->val, src->val, dst->size, &w->rflags);
	return writes ? opnd_write(e, d, w, dst, r) : 0;
}

/* Address-size register update for the string instructions. */
static void reg_set_ad(struct okvm_emul_regs *w, const struct insn *d, unsigned int reg, u64 val)
{
	reg_set(w, reg, d->adsz, false, val);
}

static int exec_string(struct okvm_emul *e, struct insn *d, struct okvm_emul_regs *w)
{
	unsigned int size = (d->op & 1) ? d->opsz : 1, iter;
	u64 am = size_mask(d->adsz), step = (w->rflags & RFL_DF) ? -(u64)size : size;
	u8 op = d->op & 0xfe;
	int src_seg = d->seg_override >= 0 ? d->seg_override : OKVM_EMUL_DS;
	u64 a, b, si, di;
	int r;

	for (iter = 0; ; iter++) {
		if (d->rep) {
			if (!(w->gpr[OKVM_EMUL_RCX] & am))
				break;
			if (iter == REP_MAX_ITER)
				return 0;	/* RIP stays: the guest resumes the instruction */
		}
		si = w->gpr[OKVM_EMUL_RSI] & am;
		di = w->gpr[OKVM_EMUL_RDI] & am;
		switch (op) {
		case 0xa4:	/* MOVS */
			r = mem_access(e, d, src_seg, si, &a, size, ACC_READ);
			if (!r)
				r = mem_access(e, d, OKVM_EMUL_ES, di, &a, size, ACC_WRITE);
			break;
		case 0xa6:	/* CMPS: [rSI] - [rDI] */
			r = mem_access(e, d, src_seg, si, &a, size, ACC_READ);
			if (!r)
				r = mem_access(e, d, OKVM_EMUL_ES, di, &b, size, ACC_READ);
			if (!r)
				alu(ALU_CMP, a, b, size, &w->rflags);
			break;
		case 0xaa:	/* STOS */
			a = w->gpr[OKVM_EMUL_RAX];
			r = mem_access(e, d, OKVM_EMUL_ES, di, &a, size, ACC_WRITE);
			break;
		case 0xac:	/* LODS */
			r = mem_access(e, d, src_seg, si, &a, size, ACC_READ);
			if (!r)
				reg_set(w, OKVM_EMUL_RAX, size, false, a);
			break;
		default:	/* 0xae SCAS: rAX - [rDI] */
			r = mem_access(e, d, OKVM_EMUL_ES, di, &b, size, ACC_READ);
			if (!r)
				alu(ALU_CMP, w->gpr[OKVM_EMUL_RAX], b, size, &w->rflags);
			break;
		}
		if (r)
			return r;
		if (op == 0xa4 || op == 0xa6 || op == 0xac)
			reg_set_ad(w, d, OKVM_EMUL_RSI, si + step);
		if (op != 0xac)
			reg_set_ad(w, d, OKVM_EMUL_RDI, di + step);
		if (!d->rep)
			break;
		reg_set_ad(w, d, OKVM_EMUL_RCX, w->gpr[OKVM_EMUL_RCX] - 1);
		/* REPE/REPNE stop on ZF for the compare forms. */
		if ((op == 0xa6 || op == 0xae) &&
		    ((d->rep == 0xf3 && !(w->rflags & RFL_ZF)) ||
		     (d->rep == 0xf2 && (w->rflags & RFL_ZF))))
			break;
		if (!(w->gpr[OKVM_EMUL_RCX] & am))
			break;
		/* Commit the finished iteration: an exit in the next one resumes from here. */
		e->regs = *w;
		e->log_n = 0;
		e->log_pos = 0;
	}
	w->rip = next_rip(w, d);
	return 0;
}

/* BT, BTS, BTR, BTC (@kind 4..7 as in 0F BA /4../7). */
static int exec_bt(struct okvm_emul *e, struct insn *d, struct okvm_emul_regs *w, int kind,
		   bool imm_form, u64 imm)
{
	unsigned int size = d->opsz, bits = size * 8, shift = size == 2 ? 4 : size == 4 ? 5 : 6;
	struct opnd dst;
	u64 off, bit;
	s64 soff;
	int r;

	opnd_rm(d, &dst, size);
	if (imm_form) {
		off = imm & (bits - 1);
	} else {
		off = reg_get(w, d->reg, size, false);
		if (dst.mem) {
			/* A register offset addresses a bit string around the operand. */
			soff = (s64)sign_extend(off, size);
			dst.ea = (dst.ea + (u64)((soff >> shift) * (s64)size)) & size_mask(d->adsz);
		}
		off &= bits - 1;
	}
	r = opnd_read(e, d, w, &dst, kind == 4 ? ACC_READ : ACC_RMW);
	if (r)
		return r;
	bit = 1ULL << off;
	if (dst.val & bit)
		w->rflags |= RFL_CF;
	else
		w->rflags &= ~RFL_CF;
	if (kind == 4)
		return 0;
	if (kind == 5)
		dst.val |= bit;
	else if (kind == 6)
		dst.val &= ~bit;
	else
		dst.val ^= bit;
	return opnd_write(e, d, w, &dst, dst.val);
}

/* The condition codes of Jcc/SETcc/CMOVcc (low opcode nibble). */
static bool cond_true(u64 fl, unsigned int cc)
{
	bool sf_ne_of = !(fl & RFL_SF) != !(fl & RFL_OF), r;

	switch (cc >> 1) {
	case 0:
		r = fl & RFL_OF;
		break;
	case 1:
		r = fl & RFL_CF;
		break;
	case 2:
		r = fl & RFL_ZF;
		break;
	case 3:
		r = fl & (RFL_CF | RFL_ZF);
		break;
	case 4:
		r = fl & RFL_SF;
		break;
	case 5:
		r = fl & RFL_PF;
		break;
	case 6:
		r = sf_ne_of;
		break;
	default:
		r = (fl & RFL_ZF) || sf_ne_of;
		break;
	}
	return (cc & 1) ? !r : r;
}

static u64 bswap(u64 v, unsigned int size)
{
	u64 r = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		r |= ((v >> (8 * i)) & 0xff) << (8 * (size - 1 - i));
	return r;
}

/* Decode and execute one instruction on @w. */
static int execute(struct okvm_emul *e, struct insn *d, struct okvm_emul_regs *w)
{
	struct opnd dst, src;
	unsigned int size;
	bool lockable = false;
	u64 b, imm = 0, v;
	int r, op;

	r = decode_prefixes(e, d);
	if (r)
		return r;
	r = fetch(e, d, 1, &b);
	if (r)
		return r;
	d->op = b;
	if (b == 0x0f) {
		r = fetch(e, d, 1, &b);
		if (r)
			return r;
		d->op = 0x100 | b;
		if (b == 0x38) {
			r = fetch(e, d, 1, &b);
			if (r)
				return r;
			d->op = 0x200 | b;
		}
	}
	op = d->op;

	/* Group 1 register/memory forms: 00-3F with low three bits 0-5. */
	if (op < 0x40 && (op & 7) < 6) {
		int aop = op >> 3;

		size = (op & 1) ? d->opsz : 1;
		if ((op & 7) < 4) {
			r = decode_modrm(e, d, w);
			if (r)
				return r;
			decode_done(w, d);
			if (op & 2) {
				opnd_reg(d, &dst, d->reg, size);
				opnd_rm(d, &src, size);
			} else {
				opnd_rm(d, &dst, size);
				opnd_reg(d, &src, d->reg, size);
				lockable = aop != ALU_CMP;
			}
		} else {
			opnd_reg(d, &dst, OKVM_EMUL_RAX, size);
			memset(&src, 0, sizeof(src));
			src.size = size;
			r = size == 1 ? fetch(e, d, 1, &imm) : fetch_iz(e, d, size, &imm);
			if (r)
				return r;
			src.mem = 0;
		}
		if (d->lock && (!lockable || !dst.mem))
			return raise_ud(e);
		if ((op & 7) >= 4) {
			/* Immediate source: no register to read. */
			r = opnd_read(e, d, w, &dst, ACC_READ);
			if (r)
				return r;
			v = alu(aop, dst.val, imm, size, &w->rflags);
			if (aop != ALU_CMP)
				reg_set(w, OKVM_EMUL_RAX, size, false, v);
		} else {
			r = exec_alu(e, d, w, aop, &dst, &src);
			if (r)
				return r;
		}
		goto done;
	}

	switch (op) {
	case 0x80:
	case 0x81:
	case 0x82:
	case 0x83:
		if (op == 0x82 && d->long64)
			return raise_ud(e);
		size = (op & 1) ? d->opsz : 1;
		r = decode_modrm(e, d, w);
		if (!r)
			r = op == 0x81 ? fetch_iz(e, d, size, &imm) : fetch_imm(e, d, 1, size, &imm);
		if (r)
			return r;
		decode_done(w, d);
		if (d->lock && (!d->mem || (d->reg & 7) == ALU_CMP))
			return raise_ud(e);
		opnd_rm(d, &dst, size);
		r = opnd_read(e, d, w, &dst, (d->reg & 7) == ALU_CMP ? ACC_READ : ACC_RMW);
		if (r)
			return r;
		v = alu(d->reg & 7, dst.val, imm, size, &w->rflags);
		if ((d->reg & 7) != ALU_CMP) {
			r = opnd_write(e, d, w, &dst, v);
			if (r)
				return r;
		}
		goto done;

	case 0x84:	/* TEST r/m, r */
	case 0x85:
		size = (op & 1) ? d->opsz : 1;
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		decode_done(w, d);
		if (d->lock)
			return raise_ud(e);
		opnd_rm(d, &dst, size);
		opnd_reg(d, &src, d->reg, size);
		r = exec_alu(e, d, w, ALU_TEST, &dst, &src);
		if (r)
			return r;
		goto done;

	case 0x86:	/* XCHG r/m, r: locked by itself */
	case 0x87:
		size = (op & 1) ? d->opsz : 1;
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		decode_done(w, d);
		if (d->lock && !d->mem)
			return raise_ud(e);
		opnd_rm(d, &dst, size);
		opnd_reg(d, &src, d->reg, size);
		r = opnd_read(e, d, w, &src, ACC_READ);
		if (!r)
			r = opnd_read(e, d, w, &dst, ACC_RMW);
		if (!r)
			r = opnd_write(e, d, w, &dst, src.val);
		if (r)
			return r;
		reg_set(w, src.reg, size, src.hi8, dst.val);
		goto done;

	case 0x88:	/* MOV r/m, r */
	case 0x89:
	case 0x8a:	/* MOV r, r/m */
	case 0x8b:
		size = (op & 1) ? d->opsz : 1;
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		decode_done(w, d);
		if (d->lock)
			return raise_ud(e);
		if (op & 2) {
			opnd_reg(d, &dst, d->reg, size);
			opnd_rm(d, &src, size);
		} else {
			opnd_rm(d, &dst, size);
			opnd_reg(d, &src, d->reg, size);
		}
		r = opnd_read(e, d, w, &src, ACC_READ);
		if (!r)
			r = opnd_write(e, d, w, &dst, src.val);
		if (r)
			return r;
		goto done;

	case 0xc6:	/* MOV r/m, imm */
	case 0xc7:
		size = (op & 1) ? d->opsz : 1;
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		if ((d->reg & 7) != 0)
			return OKVM_EMUL_UNHANDLED;	/* XABORT, XBEGIN */
		r = size == 1 ? fetch(e, d, 1, &imm) : fetch_iz(e, d, size, &imm);
		if (r)
			return r;
		decode_done(w, d);
		if (d->lock)
			return raise_ud(e);
		opnd_rm(d, &dst, size);
		r = opnd_write(e, d, w, &dst, imm);
		if (r)
			return r;
		goto done;

	case 0xa0:	/* MOV AL/rAX, moffs and back */
	case 0xa1:
	case 0xa2:
	case 0xa3:
		size = (op & 1) ? d->opsz : 1;
		r = fetch(e, d, d->adsz, &imm);
		if (r)
			return r;
		if (d->lock)
			return raise_ud(e);
		memset(&dst, 0, sizeof(dst));
		dst.mem = 1;
		dst.size = size;
		dst.ea = imm;
		dst.seg = d->seg_override >= 0 ? d->seg_override : OKVM_EMUL_DS;
		if (op & 2) {
			r = opnd_write(e, d, w, &dst, w->gpr[OKVM_EMUL_RAX]);
		} else {
			r = opnd_read(e, d, w, &dst, ACC_READ);
			if (!r)
				reg_set(w, OKVM_EMUL_RAX, size, false, dst.val);
		}
		if (r)
			return r;
		goto done;

	case 0xa8:	/* TEST AL/rAX, imm */
	case 0xa9:
		size = (op & 1) ? d->opsz : 1;
		r = size == 1 ? fetch(e, d, 1, &imm) : fetch_iz(e, d, size, &imm);
		if (r)
			return r;
		if (d->lock)
			return raise_ud(e);
		alu(ALU_TEST, w->gpr[OKVM_EMUL_RAX], imm, size, &w->rflags);
		goto done;

	case 0xa4: case 0xa5:	/* MOVS */
	case 0xa6: case 0xa7:	/* CMPS */
	case 0xaa: case 0xab:	/* STOS */
	case 0xac: case 0xad:	/* LODS */
	case 0xae: case 0xaf:	/* SCAS */
		if (d->lock)
			return raise_ud(e);
		return exec_string(e, d, w);

	case 0xf6:
	case 0xf7:
		size = (op & 1) ? d->opsz : 1;
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		switch (d->reg & 7) {
		case 0:	/* TEST r/m, imm (/1 is the same on every CPU) */
		case 1:
			r = size == 1 ? fetch(e, d, 1, &imm) : fetch_iz(e, d, size, &imm);
			if (r)
				return r;
			decode_done(w, d);
			if (d->lock)
				return raise_ud(e);
			opnd_rm(d, &dst, size);
			r = opnd_read(e, d, w, &dst, ACC_READ);
			if (r)
				return r;
			alu(ALU_TEST, dst.val, imm, size, &w->rflags);
			goto done;
		case 2:	/* NOT */
		case 3:	/* NEG */
			decode_done(w, d);
			if (d->lock && !d->mem)
				return raise_ud(e);
			opnd_rm(d, &dst, size);
			r = opnd_read(e, d, w, &dst, ACC_RMW);
			if (r)
				return r;
			if ((d->reg & 7) == 2)
				v = ~dst.val;
			else
				v = alu(ALU_SUB, 0, dst.val, size, &w->rflags);
			r = opnd_write(e, d, w, &dst, v);
			if (r)
				return r;
			goto done;
		default:	/* MUL, IMUL, DIV, IDIV */
			return OKVM_EMUL_UNHANDLED;
		}

	case 0xfe:
	case 0xff:
		size = (op & 1) ? d->opsz : 1;
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		if ((d->reg & 7) > 1)
			return op == 0xfe ? raise_ud(e) : OKVM_EMUL_UNHANDLED;
		decode_done(w, d);
		if (d->lock && !d->mem)
			return raise_ud(e);
		opnd_rm(d, &dst, size);
		r = opnd_read(e, d, w, &dst, ACC_RMW);
		if (r)
			return r;
		{
			/* INC and DEC leave CF alone. */
			u64 cf = w->rflags & RFL_CF;

			v = alu((d->reg & 7) ? ALU_SUB : ALU_ADD, dst.val, 1, size, &w->rflags);
			w->rflags = (w->rflags & ~RFL_CF) | cf;
		}
		r = opnd_write(e, d, w, &dst, v);
		if (r)
			return r;
		goto done;

	case 0x63:	/* MOVSXD (64-bit mode; ARPL elsewhere) */
		if (!d->long64)
			return OKVM_EMUL_UNHANDLED;
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		decode_done(w, d);
		if (d->lock)
			return raise_ud(e);
		opnd_rm(d, &src, d->opsz == 8 ? 4 : d->opsz);
		r = opnd_read(e, d, w, &src, ACC_READ);
		if (r)
			return r;
		reg_set(w, d->reg, d->opsz, false, sign_extend(src.val, src.size));
		goto done;

	case 0x10b:	/* UD2 */
		return raise_ud(e);

	case 0x1b6:	/* MOVZX, MOVSX */
	case 0x1b7:
	case 0x1be:
	case 0x1bf:
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		decode_done(w, d);
		if (d->lock)
			return raise_ud(e);
		opnd_rm(d, &src, (op & 1) ? 2 : 1);
		r = opnd_read(e, d, w, &src, ACC_READ);
		if (r)
			return r;
		v = (op & 8) ? sign_extend(src.val, src.size) : src.val;
		reg_set(w, d->reg, d->opsz, false, v);
		goto done;

	case 0x1a3:	/* BT, BTS, BTR, BTC r/m, r */
	case 0x1ab:
	case 0x1b3:
	case 0x1bb:
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		decode_done(w, d);
		if (d->lock && (!d->mem || op == 0x1a3))
			return raise_ud(e);
		r = exec_bt(e, d, w, 4 + ((op >> 3) & 3), false, 0);
		if (r)
			return r;
		goto done;

	case 0x1ba:	/* BT, BTS, BTR, BTC r/m, imm8 */
		r = decode_modrm(e, d, w);
		if (!r)
			r = fetch(e, d, 1, &imm);
		if (r)
			return r;
		decode_done(w, d);
		if ((d->reg & 7) < 4)
			return raise_ud(e);
		if (d->lock && (!d->mem || (d->reg & 7) == 4))
			return raise_ud(e);
		r = exec_bt(e, d, w, d->reg & 7, true, imm);
		if (r)
			return r;
		goto done;

	case 0x140: case 0x141: case 0x142: case 0x143:	/* CMOVcc r, r/m */
	case 0x144: case 0x145: case 0x146: case 0x147:
	case 0x148: case 0x149: case 0x14a: case 0x14b:
	case 0x14c: case 0x14d: case 0x14e: case 0x14f:
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		decode_done(w, d);
		if (d->lock)
			return raise_ud(e);
		opnd_rm(d, &src, d->opsz);
		r = opnd_read(e, d, w, &src, ACC_READ);
		if (r)
			return r;
		/* The source is read either way; a 32-bit destination is zero-extended either way. */
		if (cond_true(w->rflags, op & 0xf))
			reg_set(w, d->reg, d->opsz, false, src.val);
		else
			reg_set(w, d->reg, d->opsz, false, reg_get(w, d->reg, d->opsz, false));
		goto done;

	case 0x190: case 0x191: case 0x192: case 0x193:	/* SETcc r/m8 */
	case 0x194: case 0x195: case 0x196: case 0x197:
	case 0x198: case 0x199: case 0x19a: case 0x19b:
	case 0x19c: case 0x19d: case 0x19e: case 0x19f:
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		decode_done(w, d);
		if (d->lock)
			return raise_ud(e);
		opnd_rm(d, &dst, 1);
		r = opnd_write(e, d, w, &dst, cond_true(w->rflags, op & 0xf));
		if (r)
			return r;
		goto done;

	case 0x1b0:	/* CMPXCHG r/m, r */
	case 0x1b1:
		size = (op & 1) ? d->opsz : 1;
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		decode_done(w, d);
		if (!d->mem)
			return OKVM_EMUL_UNHANDLED;	/* never an MMIO access */
		opnd_rm(d, &dst, size);
		opnd_reg(d, &src, d->reg, size);
		r = opnd_read(e, d, w, &src, ACC_READ);
		if (!r)
			r = opnd_read(e, d, w, &dst, ACC_RMW);
		if (r)
			return r;
		alu(ALU_CMP, w->gpr[OKVM_EMUL_RAX], dst.val, size, &w->rflags);
		/* The destination is written either way: the old value when they differ. */
		r = opnd_write(e, d, w, &dst, (w->rflags & RFL_ZF) ? src.val : dst.val);
		if (r)
			return r;
		if (!(w->rflags & RFL_ZF))
			reg_set(w, OKVM_EMUL_RAX, size, false, dst.val);
		goto done;

	case 0x1c0:	/* XADD r/m, r */
	case 0x1c1:
		size = (op & 1) ? d->opsz : 1;
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		decode_done(w, d);
		if (d->lock && !d->mem)
			return raise_ud(e);
		opnd_rm(d, &dst, size);
		opnd_reg(d, &src, d->reg, size);
		r = opnd_read(e, d, w, &src, ACC_READ);
		if (!r)
			r = opnd_read(e, d, w, &dst, ACC_RMW);
		if (r)
			return r;
		v = alu(ALU_ADD, dst.val, src.val, size, &w->rflags);
		/* SRC <- DEST, then DEST <- sum (the sum wins when both are one register). */
		reg_set(w, src.reg, size, src.hi8, dst.val);
		r = opnd_write(e, d, w, &dst, v);
		if (r)
			return r;
		goto done;

	case 0x2f0:	/* MOVBE r, m */
	case 0x2f1:	/* MOVBE m, r */
		if (d->rep)
			return OKVM_EMUL_UNHANDLED;	/* F2: CRC32 */
		r = decode_modrm(e, d, w);
		if (r)
			return r;
		decode_done(w, d);
		if (!d->mem || d->lock)
			return raise_ud(e);
		opnd_rm(d, &dst, d->opsz);
		if (op == 0x2f0) {
			r = opnd_read(e, d, w, &dst, ACC_READ);
			if (r)
				return r;
			reg_set(w, d->reg, d->opsz, false, bswap(dst.val, d->opsz));
		} else {
			v = reg_get(w, d->reg, d->opsz, false);
			r = opnd_write(e, d, w, &dst, bswap(v, d->opsz));
			if (r)
				return r;
		}
		goto done;

	default:
		return OKVM_EMUL_UNHANDLED;
	}

done:
	w->rip = next_rip(w, d);
	return 0;
}

/* ---- Entry points ---- */

void okvm_emul_init(struct okvm_emul *e, const struct okvm_emul_ops *ops, void *opaque)
{
	memset(e, 0, sizeof(*e));
	e->ops = ops;
	e->opaque = opaque;
}

void okvm_emul_cancel(struct okvm_emul *e)
{
	e->pending = false;
	e->log_n = 0;
	e->log_pos = 0;
}

void okvm_emul_mmio_complete(struct okvm_emul *e, const void *data)
{
	struct okvm_emul_logent *l;

	if (!e->pending || !e->log_n)
		return;
	l = &e->log[e->log_n - 1];
	if (!l->write && data)
		memcpy(l->data, data, l->len);
	l->done = 1;
}

int okvm_emul_access(struct okvm_emul *e, int seg, u64 off, void *buf, unsigned int len,
		     bool write)
{
	struct insn d;
	u64 val = 0;
	int r;

	if (len == 0 || len > 8 || seg < 0 || seg >= OKVM_EMUL_NR_SEGS || e->pending)
		return OKVM_EMUL_UNHANDLED;
	memset(&d, 0, sizeof(d));
	d.long64 = okvm_emul_mode(e) == OKVM_EMUL_MODE_LONG64;
	if (write)
		val = get_le(buf, len);
	e->log_n = 0;
	e->log_pos = 0;
	r = mem_access(e, &d, seg, off, &val, len, write ? ACC_WRITE : ACC_READ);
	e->log_n = 0;
	e->log_pos = 0;
	if (r == OKVM_EMUL_MMIO)
		return OKVM_EMUL_UNHANDLED;	/* no second phase here */
	if (!r && !write)
		put_le(buf, val, len);
	return r;
}

int okvm_emul_insn(struct okvm_emul *e, const u8 *bytes, unsigned int nbytes)
{
	enum okvm_emul_mode mode = okvm_emul_mode(e);
	struct okvm_emul_regs w;
	struct insn d;
	int r;

	if (!e->pending || e->pending_rip != e->regs.rip) {
		/* A new instruction (not the replay of one that waited for userspace). */
		e->log_n = 0;
		if (nbytes > sizeof(e->insn))
			nbytes = sizeof(e->insn);
		if (bytes && nbytes)
			memcpy(e->insn, bytes, nbytes);
		e->insn_len = bytes ? nbytes : 0;
	}
	e->pending = false;
	e->log_pos = 0;

	memset(&d, 0, sizeof(d));
	d.seg_override = -1;
	d.long64 = mode == OKVM_EMUL_MODE_LONG64;
	d.def32 = mode == OKVM_EMUL_MODE_PROT32 || mode == OKVM_EMUL_MODE_COMPAT32;
	d.opsz = d.long64 || d.def32 ? 4 : 2;
	d.adsz = d.long64 ? 8 : d.opsz;

	e->singlestep = false;
	w = e->regs;
	r = execute(e, &d, &w);
	switch (r) {
	case OKVM_EMUL_DONE:
		if (w.rip != e->regs.rip) {
			/* Completed: RF clears; TF asks for a single-step trap now. */
			w.rflags &= ~RFL_RF;
			e->singlestep = !!(e->regs.rflags & RFL_TF);
		}
		e->regs = w;
		e->log_n = 0;
		break;
	case OKVM_EMUL_MMIO:
		e->pending = true;
		e->pending_rip = e->regs.rip;
		break;
	case OKVM_EMUL_UNHANDLED:
		/* Report as many instruction bytes as can be fetched. */
		fetch_to(e, &d, sizeof(e->insn));
		e->log_n = 0;
		break;
	default:
		e->log_n = 0;
		break;
	}
	return r;
}
