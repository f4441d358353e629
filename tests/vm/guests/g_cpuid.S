/* SPDX-License-Identifier: MIT */
/*
 * Executes CPUID for each (leaf, subleaf) pair at CPUID_TABLE (leaf
 * 0xffffffff ends it) and stores EAX, EBX, ECX, EDX at CPUID_OUT.
 */
#include "guest.h"
	.code16
	.text
	.globl _start
_start:
	mov	$CPUID_TABLE, %si
	mov	$CPUID_OUT, %di
1:	mov	(%si), %eax
	cmp	$0xffffffff, %eax
	je	2f
	mov	4(%si), %ecx
	cpuid
	mov	%eax, (%di)
	mov	%ebx, 4(%di)
	mov	%ecx, 8(%di)
	mov	%edx, 12(%di)
	add	$8, %si
	add	$16, %di
	jmp	1b
2:	hlt
3:	jmp	3b
