/* SPDX-License-Identifier: MIT */
/*
 * Guest-physical layout and port numbers shared by the tiny guests (.S)
 * and the host side of the tests (.c).  Plain #defines only: this file is
 * also run through the assembler's preprocessor.
 */
#ifndef OKVM_TEST_GUEST_H
#define OKVM_TEST_GUEST_H

/* Slot 0 of every test VM: RAM at guest-physical 0. */
#define RAM_SIZE	0x200000

/* Every guest binary is linked to run at this address. */
#define CODE_GPA	0x1000
#define CODE_MAX	0x6000
#define STACK_TOP	0x8000

/* Scratch data the host and the guest exchange (tables, results, flags). */
#define DATA_GPA	0x8000
#define GDT_GPA		0x9000
#define TSS_GPA		0x9800

/* Long mode page tables built by the host: PML4, PDPT, PD (2 MiB pages). */
#define PML4_GPA	0x10000
#define PDPT_GPA	0x11000
#define PD_GPA		0x12000
/* A second, 4 KiB-granular branch used for the alias mapping. */
#define PDPT2_GPA	0x13000
#define PD2_GPA		0x14000
#define PT2_GPA		0x15000

/* 32-bit paging tables the protected mode guest builds itself. */
#define PM32_PD		0x20000
#define PM32_PT0	0x21000
#define PM32_PT1	0x22000
#define PM32_ALIAS_VA	0x400000

/* The page both paging guests reach through a non-identity mapping. */
#define ALIAS_GPA	0x30000
/* Long mode: PML4 entry 1 (VA 512 GiB) maps this page to ALIAS_GPA. */
#define LM_ALIAS_VA	0x8000000000

/* Outside every slot: accesses here are MMIO. */
#define MMIO_GPA	0x10000000
/* Where the tests put their second slot. */
#define SLOT1_GPA	0x400000
#define SLOT1_MOVED_GPA	0x800000

/* Data area offsets used by particular guests. */
#define CPUID_TABLE	(DATA_GPA + 0x000)	/* (leaf, subleaf) pairs */
#define CPUID_OUT	(DATA_GPA + 0x400)	/* eax, ebx, ecx, edx per pair */
#define MSR_OUT		(DATA_GPA + 0x000)
#define STR_SRC		(DATA_GPA + 0x000)
#define STR_DST		(DATA_GPA + 0x100)
#define STR_SRC2	(DATA_GPA + 0x200)
#define STR_DST2	(DATA_GPA + 0x300)
#define SPIN_COUNTER	(DATA_GPA + 0x000)
#define SPIN_STOP	(DATA_GPA + 0x008)

/* Ports. */
#define PORT_LOOP	0x10
#define PORT_DATA	0x11
#define PORT_IMM	0x20
#define PORT_IMM_IN	0x21
#define PORT_DX		0x1234
#define PORT_STR	0x30
#define PORT_COUNT	0x40
#define PORT_SPIN	0x50
#define PORT_READY	0x60
#define PORT_NMI	0x61
#define PORT_NMI_DONE	0x62
#define PORT_IRQ	0x63
#define PORT_APIC_DONE	0x64
#define PORT_AP		0x65
#define PORT_APIC_EXC	0x66
/*
 * g_apic.S: a script of APIC_OP_* entries at APIC_SCRIPT (16 bytes each: op, arg,
 * value low, value high); results at APIC_RESULT + 8 * index; per-vector interrupt
 * counts (bytes) at APIC_COUNTS, the total at APIC_TOTAL, the last vector at APIC_LAST;
 * APIC_EOI_MODE says how the handler ends an interrupt.
 */
#define APIC_SCRIPT	(DATA_GPA + 0x400)
#define APIC_RESULT	(DATA_GPA + 0xc00)
#define APIC_COUNTS	(DATA_GPA + 0x100)
#define APIC_TOTAL	(DATA_GPA + 0x000)
#define APIC_LAST	(DATA_GPA + 0x004)
#define APIC_EOI_MODE	(DATA_GPA + 0x008)
#define APIC_EOI_NONE	0
#define APIC_EOI_X2APIC	1	/* WRMSR 0x80b */
#define APIC_EOI_XAPIC	2	/* write FS:0xb0 (the host sets FS's base to the APIC page) */
#define APIC_EOI_PIC	3	/* non-specific EOI to both 8259s */
#define APIC_OP_END	0	/* OUT PORT_APIC_DONE, then HLT with IF=0 forever */
#define APIC_OP_WRMSR	1	/* arg: MSR, value */
#define APIC_OP_RDMSR	2	/* arg: MSR -> result */
#define APIC_OP_FSW32	3	/* arg: offset in FS, value low */
#define APIC_OP_FSR32	4	/* arg: offset in FS -> result */
#define APIC_OP_OUTB	5	/* arg: port, value low */
#define APIC_OP_INB	6	/* arg: port -> result */
#define APIC_OP_WAIT	7	/* STI; HLT until APIC_TOTAL >= value low; CLI */
#define APIC_OP_STI	8
#define APIC_OP_CLI	9
#define APIC_OP_READY	10	/* OUT PORT_READY (the host acts, then runs again) */
#define APIC_OP_GSW32	11	/* arg: offset in GS, value low */
#define APIC_OP_GSR32	12	/* arg: offset in GS -> result */
#define APIC_OP_DEADLINE 13	/* WRMSR IA32_TSC_DEADLINE with RDTSC + value low */
#define APIC_OP_HLT	14	/* one HLT with the current IF */
#define APIC_OP_INT3	15	/* INT3 at SYM_apic_int3 */
#define APIC_OP_CPUID	16	/* CPUID leaf 0 at SYM_apic_cpuid */
#define APIC_OP_ARM_HLT	17	/* xAPIC TMICT = value low, then STI;HLT until an interrupt */
/* Every vector has a handler, APIC_STUB_SIZE bytes each from SYM_apic_stubs. */
#define APIC_STUB_SIZE	6
/* g_ap.S is copied here; a SIPI with vector AP_GPA >> 12 starts it. */
#define AP_GPA		0x20000
#define AP_MAGIC	0x5a

/* The vector the interrupt tests inject. */
#define IRQ_VECTOR	0x20

/* Values the guests write, checked by the host. */
#define PM32_MAGIC	0xcafebabe
#define COUNTER_ITER	200

#endif
