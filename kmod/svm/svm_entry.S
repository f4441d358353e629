/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * svm_vmrun(vmcb_pa, regs, host_save_pa): enter the guest once.
 *
 * Called with interrupts off and EFER.SVME and VM_HSAVE_PA set. Everything between
 * CLGI and STGI runs with host GS/FS/TR possibly holding guest values, so no C code,
 * no NMI and no interrupt may run there. regs[] holds the guest GPRs in x86 encoding
 * order; RAX and RSP live in the VMCB.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#define R(n)	(8 * (n))(%rax)

	.section .text, "ax"

SYM_FUNC_START(svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdx		/* 16(%rsp): host save area */
	push	%rsi		/*  8(%rsp): regs */
	push	%rdi		/*  0(%rsp): vmcb */

	clgi
	/* Host FS/GS/TR/LDTR and syscall MSRs; VMRUN/#VMEXIT do not switch them. */
	mov	%rdx, %rax
	vmsave	%rax
	mov	0(%rsp), %rax
	vmload	%rax

	mov	8(%rsp), %rax
	mov	R(1), %rcx
	mov	R(2), %rdx
	mov	R(3), %rbx
	mov	R(5), %rbp
	mov	R(6), %rsi
	mov	R(7), %rdi
	mov	R(8), %r8
	mov	R(9), %r9
	mov	R(10), %r10
	mov	R(11), %r11
	mov	R(12), %r12
	mov	R(13), %r13
	mov	R(14), %r14
	mov	R(15), %r15
	mov	0(%rsp), %rax

	/* GIF=0 still holds interrupts; IF=1 lets a physical interrupt end the guest. */
	sti
	vmrun	%rax
	/* #VMEXIT: host RSP, RAX (the VMCB address) and RFLAGS are back, GIF=0. */

	mov	8(%rsp), %rax
	mov	%rcx, R(1)
	mov	%rdx, R(2)
	mov	%rbx, R(3)
	mov	%rbp, R(5)
	mov	%rsi, R(6)
	mov	%rdi, R(7)
	mov	%r8, R(8)
	mov	%r9, R(9)
	mov	%r10, R(10)
	mov	%r11, R(11)
	mov	%r12, R(12)
	mov	%r13, R(13)
	mov	%r14, R(14)
	mov	%r15, R(15)

	mov	0(%rsp), %rax
	vmsave	%rax
	mov	16(%rsp), %rax
	vmload	%rax

	/* Leave no guest values in registers for speculation to use. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	cli
	stgi

	/* The guest may have filled the return stack buffer. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	add	$24, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(svm_vmrun)
