/* SPDX-License-Identifier: MIT */
/*
 * Starts in real mode and does what a boot loader does: loads a GDT, sets
 * CR0.PE, far-jumps to 32-bit code, builds a two-level page table with an
 * identity map of 4 MiB and one page aliased at PM32_ALIAS_VA -> ALIAS_GPA,
 * loads CR3 and sets CR0.PG.  Then it proves paging is on by writing through
 * the alias and reporting what it reads (4-byte OUTs to PORT_DATA).
 */
#include "guest.h"
	.code16
	.text
	.globl _start
_start:
	cli
	lgdtl	pm32_gdtr
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$0x08, $pm32_entry

	.code32
pm32_entry:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$STACK_TOP, %esp

	/* Clear the directory and both tables (3 contiguous pages). */
	cld
	mov	$PM32_PD, %edi
	xor	%eax, %eax
	mov	$(3 * 1024), %ecx
	rep stosl

	/* Table 0: identity map of 0..4 MiB. */
	mov	$PM32_PT0, %edi
	mov	$0x3, %eax
	mov	$1024, %ecx
1:	stosl
	add	$0x1000, %eax
	loop	1b

	/* Table 1: its first page is ALIAS_GPA. */
	movl	$(ALIAS_GPA | 3), PM32_PT1
	movl	$(PM32_PT0 | 3), PM32_PD
	movl	$(PM32_PT1 | 3), PM32_PD + 4

	mov	$PM32_PD, %eax
	mov	%eax, %cr3
	mov	%cr0, %eax
	or	$0x80000000, %eax
	mov	%eax, %cr0
	.globl	pm32_paging_on
pm32_paging_on:
	/* Write through the alias, read back through the identity map. */
	movl	$PM32_MAGIC, PM32_ALIAS_VA + 0x10
	mov	ALIAS_GPA + 0x10, %eax
	mov	$PORT_DATA, %dx
	out	%eax, %dx
	mov	%cr0, %eax
	out	%eax, %dx
	/* And read what the host put at ALIAS_GPA + 0x20 through the alias. */
	mov	PM32_ALIAS_VA + 0x20, %eax
	out	%eax, %dx
	.globl	pm32_hlt
pm32_hlt:
	hlt
2:	jmp	2b

	.p2align 3
	.globl	pm32_gdt
pm32_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: flat 32-bit code */
	.quad	0x00cf93000000ffff	/* 0x10: flat data */
pm32_gdtr:
	.word	3 * 8 - 1
	.long	pm32_gdt
