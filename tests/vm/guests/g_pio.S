/* SPDX-License-Identifier: MIT */
/*
 * 64-bit PIO of every size, immediate and DX ports.  The IN results keep
 * their known upper bits to show that only the accessed width changed
 * (a 32-bit IN zero-extends into RAX, as any 32-bit write does).
 */
#include "guest.h"
	.code64
	.text
	.globl _start
_start:
	mov	$0x11, %al
	out	%al, $PORT_IMM
	mov	$PORT_DX, %dx
	mov	$0x2233, %ax
	out	%ax, %dx
	mov	$0x44556677, %eax
	out	%eax, %dx

	movabs	$0xaaaaaaaaaaaaaaaa, %rax
	in	$PORT_IMM_IN, %al
	.globl	pio_after_inb
pio_after_inb:
	mov	%rax, %rbx
	movabs	$0xbbbbbbbbbbbbbbbb, %rax
	in	%dx, %ax
	mov	%rax, %rcx
	movabs	$0xcccccccccccccccc, %rax
	in	%dx, %eax
	.globl	pio_hlt
pio_hlt:
	hlt
1:	jmp	1b
