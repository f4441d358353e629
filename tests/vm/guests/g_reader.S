/* SPDX-License-Identifier: MIT */
/* 64-bit: reads 8 bytes at [RBX] and reports the low 32 bits on PORT_DATA, forever. */
#include "guest.h"
	.code64
	.text
	.globl _start
_start:
1:	mov	(%rbx), %rax
	out	%eax, $PORT_DATA
	jmp	1b
