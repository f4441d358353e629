/* SPDX-License-Identifier: MIT */
/*
 * 64-bit code with an IDT limit of 0 (set by the host): the #UD cannot be
 * delivered (#GP), nor can that (#DF), which is a triple fault: shutdown.
 */
#include "guest.h"
	.code64
	.text
	.globl _start
_start:
	mov	$0x1234, %eax
	ud2
	.globl	triple_after
triple_after:
	out	%al, $PORT_LOOP
1:	jmp	1b
