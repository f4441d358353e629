// SPDX-License-Identifier: MIT
/* Putting a vcpu into real, flat protected or long mode. */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define CR0_PE		(1ull << 0)
#define CR0_MP		(1ull << 1)
#define CR0_ET		(1ull << 4)
#define CR0_NE		(1ull << 5)
#define CR0_WP		(1ull << 16)
#define CR0_PG		(1ull << 31)
#define CR4_PAE		(1ull << 5)
#define CR4_OSFXSR	(1ull << 9)
#define CR4_OSXMMEXCPT	(1ull << 10)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)

#define PTE_P		(1ull << 0)
#define PTE_RW		(1ull << 1)
#define PTE_PS		(1ull << 7)

/* Layout of the tables area. */
#define T_GDT		0x0000
#define T_TSS		0x0100
#define T_PML4		0x1000
#define T_PDPT		0x2000
#define T_PD		0x3000		/* 4 PDs: 4 GiB of 2 MiB pages */
#define GDT_LIMIT	(LIBKVM_SEL_TSS + 16 - 1)
#define TSS_LIMIT	0x67
#define MAX_MAP		(4ull << 30)

/* An 8-byte segment descriptor; flags is the high nibble (G, D/B, L, AVL). */
uint64_t libkvm__gdt_entry(uint32_t base, uint32_t limit, uint8_t access,
			   uint8_t flags)
{
	return (uint64_t)(limit & 0xffff) |
	       (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(flags & 0xf) << 52 |
	       (uint64_t)(base >> 24) << 56;
}

static void seg(struct libkvm_segment *s, uint16_t sel, uint64_t base,
		uint32_t limit, uint8_t type, int code_s, int db, int l, int g)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->type = type;
	s->present = 1;
	s->s = (uint8_t)code_s;
	s->db = (uint8_t)db;
	s->l = (uint8_t)l;
	s->g = (uint8_t)g;
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);	/* x86 is little-endian, like the guest */
}

/*
 * Compute the register state for setup and fill tables (an image of the
 * LIBKVM_SETUP_TABLES_SIZE bytes at setup->tables).  Pure: the caller
 * writes tables into the guest and the registers into the vcpu.
 */
int libkvm__setup_state(const struct libkvm_setup *setup,
			struct libkvm_regs *regs, struct libkvm_sregs *sregs,
			uint8_t *tables, char *err)
{
	struct libkvm_setup s;
	uint64_t t, map, pa;
	uint32_t i, npd;

	memset(&s, 0, sizeof(s));
	if (!setup || setup->size < 8 || setup->size > sizeof(s) + 4096)
		return libkvm__fail(err, EINVAL,
				    "libkvm_vcpu_setup: size must be sizeof(struct libkvm_setup)");
	/* Accept older (shorter) and newer (longer, zero-tailed) callers. */
	memcpy(&s, setup, setup->size < sizeof(s) ? setup->size : sizeof(s));
	if (setup->size > sizeof(s)) {
		const uint8_t *tail = (const uint8_t *)setup + sizeof(s);

		for (i = 0; i < setup->size - sizeof(s); i++)
			if (tail[i])
				return libkvm__fail(err, EINVAL,
						    "libkvm_vcpu_setup: unknown fields set");
	}
	for (i = 0; i < 4; i++)
		if (s.reserved[i])
			return libkvm__fail(err, EINVAL,
					    "libkvm_vcpu_setup: reserved fields must be 0");

	memset(regs, 0, sizeof(*regs));
	memset(sregs, 0, sizeof(*sregs));
	regs->rflags = 0x2;
	regs->rip = s.entry;
	regs->rsp = s.stack;
	/* The reset LDT: present, empty. */
	seg(&sregs->ldt, 0, 0, 0xffff, 2, 0, 0, 0, 0);

	switch (s.mode) {
	case LIBKVM_MODE_REAL:
		if (s.entry >= 0x100000 || s.stack > 0x100000)
			return libkvm__fail(err, EINVAL,
					    "libkvm_vcpu_setup: real mode entry 0x%llx and stack "
					    "0x%llx must be below 1 MiB",
					    (unsigned long long)s.entry,
					    (unsigned long long)s.stack);
		/* Selector = base / 16, as real mode (and VMX's vm86) requires. */
		seg(&sregs->cs, (uint16_t)((s.entry & 0xf0000) >> 4), s.entry & 0xf0000,
		    0xffff, 0xb, 1, 0, 0, 0);
		regs->rip = s.entry & 0xffff;
		/* SS holds the 64 KiB below stack; SP 0 means the top of it. */
		pa = s.stack ? (s.stack - 1) & 0xf0000 : 0;
		seg(&sregs->ss, (uint16_t)(pa >> 4), pa, 0xffff, 0x3, 1, 0, 0, 0);
		regs->rsp = (s.stack - pa) & 0xffff;
		seg(&sregs->ds, 0, 0, 0xffff, 0x3, 1, 0, 0, 0);
		sregs->es = sregs->fs = sregs->gs = sregs->ds;
		seg(&sregs->tr, 0, 0, 0xffff, 0xb, 0, 0, 0, 0);
		sregs->idt.limit = 0x3ff;
		sregs->gdt.limit = 0xffff;
		sregs->cr0 = CR0_ET;
		return 0;
	case LIBKVM_MODE_PROT32:
	case LIBKVM_MODE_LONG64:
		break;
	default:
		return libkvm__fail(err, EINVAL, "libkvm_vcpu_setup: unknown mode %u",
				    s.mode);
	}

	t = s.tables;
	if (t & (LIBKVM_PAGE - 1) || t + LIBKVM_SETUP_TABLES_SIZE > 0x100000000ull)
		return libkvm__fail(err, EINVAL,
				    "libkvm_vcpu_setup: tables 0x%llx must be 4 KiB aligned and "
				    "below 4 GiB", (unsigned long long)t);
	if (s.mode == LIBKVM_MODE_PROT32 &&
	    (s.entry > 0xffffffffull || s.stack > 0x100000000ull))
		return libkvm__fail(err, EINVAL,
				    "libkvm_vcpu_setup: 32-bit entry and stack must be below 4 GiB");
	memset(tables, 0, LIBKVM_SETUP_TABLES_SIZE);
	put64(tables + T_GDT + LIBKVM_SEL_CODE64, libkvm__gdt_entry(0, 0xfffff, 0x9b, 0xa));
	put64(tables + T_GDT + LIBKVM_SEL_DATA, libkvm__gdt_entry(0, 0xfffff, 0x93, 0xc));
	put64(tables + T_GDT + LIBKVM_SEL_CODE32, libkvm__gdt_entry(0, 0xfffff, 0x9b, 0xc));
	/* A busy TSS; in long mode its descriptor takes 16 bytes (high half 0). */
	put64(tables + T_GDT + LIBKVM_SEL_TSS,
	      libkvm__gdt_entry((uint32_t)(t + T_TSS), TSS_LIMIT, 0x8b, 0));
	sregs->gdt.base = t + T_GDT;
	sregs->gdt.limit = GDT_LIMIT;
	/* No IDT: an exception becomes a triple fault, a SHUTDOWN exit. */
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	seg(&sregs->tr, LIBKVM_SEL_TSS, t + T_TSS, TSS_LIMIT, 0xb, 0, 0, 0, 0);
	seg(&sregs->ds, LIBKVM_SEL_DATA, 0, 0xffffffff, 0x3, 1, 1, 0, 1);
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;

	if (s.mode == LIBKVM_MODE_PROT32) {
		seg(&sregs->cs, LIBKVM_SEL_CODE32, 0, 0xffffffff, 0xb, 1, 1, 0, 1);
		sregs->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE;
		sregs->cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
		return 0;
	}

	map = s.map_size ? s.map_size : MAX_MAP;
	if (map > MAX_MAP)
		return libkvm__fail(err, EINVAL,
				    "libkvm_vcpu_setup: map_size 0x%llx above 4 GiB",
				    (unsigned long long)map);
	map = (map + (2ull << 20) - 1) & ~((2ull << 20) - 1);
	npd = (uint32_t)((map + (1ull << 30) - 1) >> 30);
	put64(tables + T_PML4, (t + T_PDPT) | PTE_P | PTE_RW);
	for (i = 0; i < npd; i++)
		put64(tables + T_PDPT + i * 8, (t + T_PD + i * 0x1000ull) | PTE_P | PTE_RW);
	for (pa = 0; pa < map; pa += 2ull << 20)
		put64(tables + T_PD + (pa >> 21) * 8, pa | PTE_P | PTE_RW | PTE_PS);
	seg(&sregs->cs, LIBKVM_SEL_CODE64, 0, 0xffffffff, 0xb, 1, 0, 1, 1);
	sregs->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs->cr3 = t + T_PML4;
	sregs->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sregs->efer = EFER_LME | EFER_LMA;
	return 0;
}

LIBKVM_API int libkvm_vcpu_setup(struct libkvm_vcpu *vcpu,
				 const struct libkvm_setup *setup)
{
	struct libkvm_sregs cur, sregs;
	struct libkvm_regs regs;
	uint8_t tables[LIBKVM_SETUP_TABLES_SIZE];
	int r;

	if (!vcpu)
		return -EINVAL;
	r = libkvm__setup_state(setup, &regs, &sregs, tables, vcpu->err);
	if (r)
		return r;
	if (setup->mode != LIBKVM_MODE_REAL) {
		r = libkvm_vm_write(vcpu->vm, setup->tables, tables, sizeof(tables));
		if (r)
			return libkvm__fail(vcpu->err, -r,
					    "libkvm_vcpu_setup: tables at 0x%llx: %s",
					    (unsigned long long)setup->tables,
					    libkvm_vm_error(vcpu->vm));
	}
	/* Keep what the mode does not define (CR8, APIC base). */
	r = libkvm_vcpu_get_sregs(vcpu, &cur);
	if (r)
		return r;
	sregs.cr8 = cur.cr8;
	sregs.apic_base = cur.apic_base;
	r = libkvm_vcpu_set_sregs(vcpu, &sregs);
	if (r)
		return r;
	return libkvm_vcpu_set_regs(vcpu, &regs);
}
