/* SPDX-License-Identifier: MIT */
/* Real mode: the classic "out 0x10, al; inc al" loop, five times, then HLT. */
#include "guest.h"
	.code16
	.text
	.globl _start
_start:
	mov	$0x30, %al
	mov	$5, %cx
	.globl	rm_pio_out
rm_pio_out:
	out	%al, $PORT_LOOP
	.globl	rm_pio_after_out
rm_pio_after_out:
	inc	%al
	dec	%cx
	jnz	rm_pio_out
	.globl	rm_pio_hlt
rm_pio_hlt:
	hlt
	.globl	rm_pio_end
rm_pio_end:
	jmp	rm_pio_end
