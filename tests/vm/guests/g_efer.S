/* SPDX-License-Identifier: MIT */
/*
 * 64-bit, paging on: clear EFER.LME with WRMSR. The CPU's answer is #GP; with no IDT
 * that ends in a shutdown. Reaching the HLT means the write was taken.
 */
#include "guest.h"
	.code64
	.text
	.globl _start
_start:
	mov	$0xc0000080, %ecx
	rdmsr
	btr	$8, %eax
	wrmsr
	.globl	efer_hlt
efer_hlt:
	hlt
