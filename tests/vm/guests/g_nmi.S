/* SPDX-License-Identifier: MIT */
/*
 * Real mode, IF=0: announce readiness, then HLT in a loop. The NMI handler (IVT vector 2)
 * counts in BL, reports the count on PORT_NMI, says PORT_NMI_DONE and returns with IRET:
 * a second NMI must wait for that IRET. Vector IRQ_VECTOR's handler reports on PORT_IRQ.
 */
#include "guest.h"
	.code16
	.text
	.globl _start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	movw	$nmi_handler, 2 * 4
	movw	$0, 2 * 4 + 2
	movw	$irq_handler, IRQ_VECTOR * 4
	movw	$0, IRQ_VECTOR * 4 + 2
	xor	%bl, %bl
	xor	%cl, %cl
1:	mov	%bl, %al
	out	%al, $PORT_READY
	.globl	nmi_hlt
nmi_hlt:
	hlt
	jmp	1b

	.globl	nmi_handler
nmi_handler:
	inc	%bl
	mov	%bl, %al
	out	%al, $PORT_NMI
	out	%al, $PORT_NMI_DONE
	iret

irq_handler:
	inc	%cl
	mov	%cl, %al
	out	%al, $PORT_IRQ
	iret
