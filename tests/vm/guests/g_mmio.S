/* SPDX-License-Identifier: MIT */
/*
 * 64-bit MOVs of 1, 2, 4 and 8 bytes to and from MMIO_GPA (outside every
 * slot).  Reads land in registers with known upper bits: R8..R11.
 */
#include "guest.h"
	.code64
	.text
	.globl _start
_start:
	mov	$MMIO_GPA, %edi
	movb	$0x11, 0x00(%rdi)
	.globl	mmio_w2
mmio_w2:
	movw	$0x2233, 0x10(%rdi)
	.globl	mmio_w4
mmio_w4:
	movl	$0x44556677, 0x20(%rdi)
	.globl	mmio_w8
mmio_w8:
	movabs	$0x8899aabbccddeeff, %rax
	mov	%rax, 0x30(%rdi)
	.globl	mmio_r1
mmio_r1:
	movabs	$0x1111111111111111, %rax
	mov	0x40(%rdi), %al
	mov	%rax, %r8
	.globl	mmio_r2
mmio_r2:
	movabs	$0x2222222222222222, %rax
	mov	0x50(%rdi), %ax
	mov	%rax, %r9
	.globl	mmio_r4
mmio_r4:
	movabs	$0x3333333333333333, %rax
	mov	0x60(%rdi), %eax
	mov	%rax, %r10
	.globl	mmio_r8
mmio_r8:
	mov	0x70(%rdi), %r11
	.globl	mmio_hlt
mmio_hlt:
	hlt
1:	jmp	1b
