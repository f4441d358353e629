/* SPDX-License-Identifier: MIT */
/*
 * Real mode, one per vcpu: COUNTER_ITER 2-byte OUTs of BX + i to
 * PORT_COUNT, counting in the word at [SI] (each vcpu its own SI), then HLT.
 */
#include "guest.h"
	.code16
	.text
	.globl _start
_start:
	xor	%cx, %cx
1:	mov	%bx, %ax
	add	%cx, %ax
	out	%ax, $PORT_COUNT
	incw	(%si)
	inc	%cx
	cmp	$COUNTER_ITER, %cx
	jne	1b
	hlt
2:	jmp	2b
