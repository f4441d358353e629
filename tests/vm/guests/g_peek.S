/* SPDX-License-Identifier: MIT */
/*
 * 64-bit one-shot probes for the memory tests:
 * peek_read: RAX = 8 bytes at [RBX]; peek_write: [RBX] = RCX.  Then HLT.
 */
#include "guest.h"
	.code64
	.text
	.globl _start
_start:
	.globl	peek_read
peek_read:
	mov	(%rbx), %rax
	hlt
	.globl	peek_write
peek_write:
	mov	%rcx, (%rbx)
	hlt
	.globl	peek_ro
peek_ro:
	/* Read-only slot test: read, write, read again at RBX. */
	mov	(%rbx), %rax
	mov	8(%rbx), %rsi
	mov	%rcx, 0x100(%rbx)
	.globl	peek_ro_after_write
peek_ro_after_write:
	mov	0x100(%rbx), %rdx
	hlt
1:	jmp	1b
