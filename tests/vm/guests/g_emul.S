/* SPDX-License-Identifier: MIT */
/*
 * 64-bit: the instruction forms (beyond MOV) that real guests use on MMIO, each on
 * MMIO_GPA + a distinct offset; results land in R8..R15 for the host to check.
 * Then an x87 load from MMIO, which no emulator here implements.
 */
#include "guest.h"
	.code64
	.text
	.globl _start
_start:
	mov	$MMIO_GPA, %edi
	addl	$5, 0x00(%rdi)			/* read 4, write 4 */
	movzbl	0x10(%rdi), %r8d		/* read 1 */
	movsbq	0x18(%rdi), %r9			/* read 1 */
	mov	$0x12345678, %eax
	xchg	%eax, 0x20(%rdi)		/* read 4, write 4 */
	mov	%rax, %r10
	cmpl	$7, 0x28(%rdi)			/* read 4 */
	setz	%r11b
	testb	$0x80, 0x30(%rdi)		/* read 1 */
	setnz	%r12b
	btl	$3, 0x38(%rdi)			/* read 4 */
	setc	%r13b
	orw	$0x0101, 0x60(%rdi)		/* read 2, write 2 */
	mov	$0x5a, %al
	mov	$3, %ecx
	lea	0x40(%rdi), %rdi
	cld
	rep stosb				/* write 1, three times */
	mov	%rdi, %r14
	mov	$MMIO_GPA + 0x50, %edi
	mov	$STR_SRC, %esi
	mov	$2, %ecx
	rep movsb				/* RAM -> MMIO: write 1, twice */
	mov	%rdi, %r15
	.globl	emul_x87
emul_x87:
	fldl	0x70(%rdi)
	hlt
