/* SPDX-License-Identifier: MIT */
/* Two HLTs with work in between, then a PIO exit: HLT must not lose state. */
#include "guest.h"
	.code16
	.text
	.globl _start
_start:
	mov	$0x1234, %ax
	hlt
	.globl	hlt_after1
hlt_after1:
	mov	$0x5678, %bx
	hlt
	.globl	hlt_after2
hlt_after2:
	add	%bx, %ax
	out	%ax, $PORT_LOOP
1:	jmp	1b
