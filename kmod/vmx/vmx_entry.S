/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmx_vmrun(regs): enter the guest once with VMLAUNCH (okvm VMCLEARs after every exit).
 * Returns 0 after a VM exit, 1 when VMLAUNCH itself failed (VMfail).
 *
 * Called with interrupts off, in VMX root operation with the vcpu's VMCS current and
 * every other field written. regs[] holds the guest GPRs in x86 encoding order; RSP
 * lives in the VMCS.
 *
 * Three small functions, so that each has an ordinary call frame for objtool: vmx_vmrun
 * saves the callee-saved registers and calls vmx_launch, which records its own stack
 * pointer as HOST_RSP and launches. The VM exit starts vmx_vmexit (HOST_RIP) on that
 * stack, i.e. exactly as if vmx_launch had called it: it stores the guest GPRs and
 * returns to vmx_vmrun in vmx_launch's place.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#define VMCS_HOST_RSP	0x6c14
#define R(n)	(8 * (n))(%rax)

	.section .text, "ax"

SYM_FUNC_START(vmx_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi		/* regs, found by vmx_vmexit at 16(%rsp) after its push */
	call	vmx_launch
	add	$8, %rsp

	/* The guest may have filled the return stack buffer. */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(vmx_vmrun)

SYM_FUNC_START(vmx_launch)
	/* 0(%rsp): return into vmx_vmrun; 8(%rsp): regs. */
	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	1f

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
	mov	R(0), %rax

	vmlaunch
	/* Only a failed VMLAUNCH gets here (CF or ZF says why). */
1:	mov	$1, %eax
	RET
SYM_FUNC_END(vmx_launch)

SYM_FUNC_START(vmx_vmexit)
	/* RSP is HOST_RSP: 0(%rsp) returns into vmx_vmrun, 8(%rsp) is regs. */
	push	%rax
	mov	16(%rsp), %rax
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
	pop	%rcx
	mov	%rcx, R(0)

	/* Leave no guest values in registers for speculation to use. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%eax, %eax
	RET
SYM_FUNC_END(vmx_vmexit)
