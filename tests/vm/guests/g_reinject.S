/* SPDX-License-Identifier: MIT */
/*
 * Real mode: UD2 as the very first instruction. The IVT (page 0) and the stack (below
 * STACK_TOP) were written by the host only, so delivering the #UD touches guest pages
 * that the nested page tables do not map yet: the exit interrupts the delivery and the
 * exception must be delivered again, exactly once. The handler reports on PORT_IRQ.
 */
#include "guest.h"
	.code16
	.text
	.globl _start
_start:
	.globl	reinject_ud
reinject_ud:
	ud2
	hlt

	.globl	reinject_handler
reinject_handler:
	inc	%cl
	mov	%cl, %al
	out	%al, $PORT_IRQ
	hlt
