/* SPDX-License-Identifier: MIT */
/*
 * 64-bit code, entered by the host through SREGS (EFER.LMA, CS.L, 4-level
 * tables built by the host).  Uses full-width registers, REX registers,
 * RIP-relative data and the LM_ALIAS_VA mapping, then HLTs.
 */
#include "guest.h"
	.code64
	.text
	.globl _start
_start:
	movabs	$0x0123456789abcdef, %rax
	mov	%rax, %rbx
	rol	$8, %rbx			/* 0x23456789abcdef01 */
	movabs	$LM_ALIAS_VA, %rdi
	mov	%rbx, (%rdi)			/* lands at ALIAS_GPA */
	mov	8(%rdi), %rdx			/* host value at ALIAS_GPA + 8 */
	mov	lm64_data(%rip), %r8
	mov	%r8, %r15
	not	%r15
	.globl	lm64_hlt
lm64_hlt:
	hlt
	.globl	lm64_after_hlt
lm64_after_hlt:
	jmp	lm64_after_hlt
	.p2align 3
lm64_data:
	.quad	0x1122334455667788
