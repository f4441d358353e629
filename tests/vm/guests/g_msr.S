/* SPDX-License-Identifier: MIT */
/*
 * RDMSR of MSRs the host set with KVM_SET_MSRS (results at MSR_OUT as
 * EDX:EAX pairs), then WRMSR of others for the host to read back.
 */
#include "guest.h"
	.code16
	.text
	.globl _start
_start:
	mov	$MSR_OUT, %di
	mov	$0x174, %ecx		/* SYSENTER_CS */
	call	read_msr
	mov	$0xc0000081, %ecx	/* STAR */
	call	read_msr
	mov	$0xc0000102, %ecx	/* KERNEL_GS_BASE */
	call	read_msr

	mov	$0x175, %ecx		/* SYSENTER_ESP */
	mov	$0x00123450, %eax
	xor	%edx, %edx
	wrmsr
	mov	$0xc0000084, %ecx	/* SFMASK */
	mov	$0x00047700, %eax
	xor	%edx, %edx
	wrmsr
	mov	$0xc0000082, %ecx	/* LSTAR */
	mov	$0x89abc000, %eax
	mov	$0xffffffff, %edx
	wrmsr
	hlt
1:	jmp	1b

read_msr:
	rdmsr
	mov	%eax, (%di)
	mov	%edx, 4(%di)
	add	$8, %di
	ret
