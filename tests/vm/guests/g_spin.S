/* SPDX-License-Identifier: MIT */
/*
 * Real mode: counts in SPIN_COUNTER until the host sets SPIN_STOP, then
 * reports the count with a 4-byte OUT to PORT_SPIN and HLTs.  No exits
 * while it spins: only a signal (or the stop flag) gets the vcpu out.
 */
#include "guest.h"
	.code16
	.text
	.globl _start
_start:
	.globl	spin_loop
spin_loop:
	incl	SPIN_COUNTER
	cmpb	$0, SPIN_STOP
	je	spin_loop
	.globl	spin_loop_end
spin_loop_end:
	mov	SPIN_COUNTER, %eax
	out	%eax, $PORT_SPIN
	hlt
1:	jmp	1b
