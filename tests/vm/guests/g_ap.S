/* SPDX-License-Identifier: MIT */
/* A secondary vcpu's start-up code (copied to AP_GPA, reached by SIPI): say so, then idle. */
#include "guest.h"
	.code16
	.text
	.globl _start
_start:
	mov	$AP_MAGIC, %al
	out	%al, $PORT_AP
1:	cli
	hlt
	jmp	1b
