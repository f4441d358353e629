/* SPDX-License-Identifier: MIT */
/*
 * Real mode string I/O: rep outsb / rep insb of 16 bytes, rep outsw /
 * rep insw of 8 words, and rep outsb of 4 bytes backwards (DF=1).
 */
#include "guest.h"
	.code16
	.text
	.globl _start
_start:
	cld
	mov	$PORT_STR, %dx
	mov	$STR_SRC, %si
	mov	$16, %cx
	rep outsb
	mov	$STR_DST, %di
	mov	$16, %cx
	rep insb
	mov	$STR_SRC2, %si
	mov	$8, %cx
	rep outsw
	mov	$STR_DST2, %di
	mov	$8, %cx
	rep insw
	.globl	string_mark
string_mark:
	mov	%si, %bp		/* keep SI/DI/CX of the forward part */
	mov	%di, %bx
	mov	%cx, %ax
	std
	mov	$(STR_SRC + 15), %si
	mov	$4, %cx
	rep outsb
	cld
	.globl	string_hlt
string_hlt:
	hlt
1:	jmp	1b
