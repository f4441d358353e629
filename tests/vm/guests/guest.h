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
/* The vector the interrupt tests inject. */
#define IRQ_VECTOR	0x20

/* Values the guests write, checked by the host. */
#define PM32_MAGIC	0xcafebabe
#define COUNTER_ITER	200

#endif
