/* SPDX-License-Identifier: MIT */
/*
 * 64-bit SSE: loads XMM0-15 from DATA_GPA, exits with an OUT (the host
 * uses its own XMM registers meanwhile), then stores XMM0-15 at
 * DATA_GPA + 0x100 and HLTs.  Needs CR4.OSFXSR (set by the host).
 */
#include "guest.h"
	.code64
	.text
	.globl _start
_start:
	mov	$DATA_GPA, %esi
	movdqu	0x00(%rsi), %xmm0
	movdqu	0x10(%rsi), %xmm1
	movdqu	0x20(%rsi), %xmm2
	movdqu	0x30(%rsi), %xmm3
	movdqu	0x40(%rsi), %xmm4
	movdqu	0x50(%rsi), %xmm5
	movdqu	0x60(%rsi), %xmm6
	movdqu	0x70(%rsi), %xmm7
	movdqu	0x80(%rsi), %xmm8
	movdqu	0x90(%rsi), %xmm9
	movdqu	0xa0(%rsi), %xmm10
	movdqu	0xb0(%rsi), %xmm11
	movdqu	0xc0(%rsi), %xmm12
	movdqu	0xd0(%rsi), %xmm13
	movdqu	0xe0(%rsi), %xmm14
	movdqu	0xf0(%rsi), %xmm15
	out	%al, $PORT_LOOP
	out	%al, $PORT_LOOP
	mov	$(DATA_GPA + 0x100), %edi
	movdqu	%xmm0, 0x00(%rdi)
	movdqu	%xmm1, 0x10(%rdi)
	movdqu	%xmm2, 0x20(%rdi)
	movdqu	%xmm3, 0x30(%rdi)
	movdqu	%xmm4, 0x40(%rdi)
	movdqu	%xmm5, 0x50(%rdi)
	movdqu	%xmm6, 0x60(%rdi)
	movdqu	%xmm7, 0x70(%rdi)
	movdqu	%xmm8, 0x80(%rdi)
	movdqu	%xmm9, 0x90(%rdi)
	movdqu	%xmm10, 0xa0(%rdi)
	movdqu	%xmm11, 0xb0(%rdi)
	movdqu	%xmm12, 0xc0(%rdi)
	movdqu	%xmm13, 0xd0(%rdi)
	movdqu	%xmm14, 0xe0(%rdi)
	movdqu	%xmm15, 0xf0(%rdi)
	hlt
1:	jmp	1b
