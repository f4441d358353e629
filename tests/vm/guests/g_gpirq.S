/* SPDX-License-Identifier: MIT */
/*
 * Real mode, IF=1: a short busy loop, then RDMSR of an MSR nobody implements, again and again. Its #GP handler checks
 * that the fault points at the RDMSR (an interrupt delivered between the fault and its
 * delivery would put the #GP in the wrong place), skips it and counts in DX. The
 * interrupt handler counts in SI and reports on PORT_IRQ. A misplaced #GP reports on
 * PORT_DATA with the IP it saw.
 */
#include "guest.h"
	.code16
	.text
	.globl _start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	movw	$gp_handler, 13 * 4
	movw	$0, 13 * 4 + 2
	movw	$irq_handler, IRQ_VECTOR * 4
	movw	$0, IRQ_VECTOR * 4 + 2
	xor	%dx, %dx
	xor	%si, %si
	sti
	/* Some time with IF=1 outside the #GP path, so that interrupts find a window. */
1:	mov	$2000, %cx
3:	dec	%cx
	jnz	3b
	mov	$0x4b4b0000, %ecx
	.globl	gpirq_rdmsr
gpirq_rdmsr:
	rdmsr
	jmp	1b

gp_handler:
	mov	%sp, %bp
	cmpw	$gpirq_rdmsr, (%bp)
	jne	2f
	addw	$2, (%bp)
	inc	%dx
	iret
2:	mov	(%bp), %ax
	out	%ax, $PORT_DATA
	hlt

irq_handler:
	inc	%si
	mov	%si, %ax
	out	%al, $PORT_IRQ
	iret
