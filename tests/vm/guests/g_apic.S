/* SPDX-License-Identifier: MIT */
/*
 * Real mode, a small interpreter for the APIC tests (guest.h: APIC_OP_*): the host writes
 * a script of MSR, MMIO (through FS and GS, whose bases it sets to the APIC and IOAPIC
 * pages) and port operations; every vector from 0x20 up has a handler that counts it,
 * ends it as APIC_EOI_MODE says and returns. An exception (vectors 0-0x1f) is reported
 * on PORT_APIC_EXC and stops the guest.
 */
#include "guest.h"
	.code16
	.text
	.globl _start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	$STACK_TOP, %sp
	mov	$APIC_SCRIPT, %si
next:
	mov	(%si), %di
	mov	4(%si), %ecx
	mov	8(%si), %eax
	mov	12(%si), %edx
	cmp	$APIC_OP_END, %di
	je	op_end
	cmp	$APIC_OP_WRMSR, %di
	je	op_wrmsr
	cmp	$APIC_OP_RDMSR, %di
	je	op_rdmsr
	cmp	$APIC_OP_FSW32, %di
	je	op_fsw32
	cmp	$APIC_OP_FSR32, %di
	je	op_fsr32
	cmp	$APIC_OP_OUTB, %di
	je	op_outb
	cmp	$APIC_OP_INB, %di
	je	op_inb
	cmp	$APIC_OP_WAIT, %di
	je	op_wait
	cmp	$APIC_OP_STI, %di
	je	op_sti
	cmp	$APIC_OP_CLI, %di
	je	op_cli
	cmp	$APIC_OP_READY, %di
	je	op_ready
	cmp	$APIC_OP_GSW32, %di
	je	op_gsw32
	cmp	$APIC_OP_GSR32, %di
	je	op_gsr32
	cmp	$APIC_OP_DEADLINE, %di
	je	op_deadline
	cmp	$APIC_OP_HLT, %di
	je	op_hlt
	cmp	$APIC_OP_INT3, %di
	je	op_int3
	cmp	$APIC_OP_CPUID, %di
	je	op_cpuid
	cmp	$APIC_OP_ARM_HLT, %di
	je	op_arm_hlt
	ud2

op_wrmsr:
	wrmsr
	jmp	done
op_rdmsr:
	rdmsr
	jmp	store
op_fsw32:
	mov	%eax, %fs:(%ecx)
	jmp	done
op_fsr32:
	mov	%fs:(%ecx), %eax
	xor	%edx, %edx
	jmp	store
op_gsw32:
	mov	%eax, %gs:(%ecx)
	jmp	done
op_gsr32:
	mov	%gs:(%ecx), %eax
	xor	%edx, %edx
	jmp	store
op_outb:
	mov	%cx, %dx
	out	%al, (%dx)
	jmp	done
op_inb:
	mov	%cx, %dx
	xor	%eax, %eax
	in	(%dx), %al
	xor	%edx, %edx
	jmp	store
op_wait:
	mov	%eax, %ebx
1:	sti
	hlt
	cli
	cmp	APIC_TOTAL, %ebx
	ja	1b
	jmp	done
op_sti:
	sti
	jmp	done
op_cli:
	cli
	jmp	done
op_hlt:
	hlt
	jmp	done
op_ready:
	out	%al, $PORT_READY
	jmp	done
/* As an OS idles: arm the timer, then STI;HLT right away until one more interrupt. */
op_arm_hlt:
	mov	APIC_TOTAL, %ebx
	mov	%eax, %fs:0x380
1:	sti
	hlt
	cli
	cmp	APIC_TOTAL, %ebx
	je	1b
	jmp	done
op_int3:
	.globl	apic_int3
apic_int3:
	int3
	jmp	done
op_cpuid:
	xor	%eax, %eax
	xor	%ecx, %ecx
	.globl	apic_cpuid
apic_cpuid:
	cpuid
	jmp	done
op_deadline:
	mov	%eax, %ebx
	rdtsc
	add	%ebx, %eax
	adc	$0, %edx
	mov	$0x6e0, %ecx
	wrmsr
	jmp	done
op_end:
	out	%al, $PORT_APIC_DONE
	.globl	apic_end_hlt
apic_end_hlt:
	cli
	hlt
	jmp	apic_end_hlt

/* Results go to APIC_RESULT + 8 * (index of the op). */
store:
	mov	%si, %bx
	sub	$APIC_SCRIPT, %bx
	shr	$1, %bx
	add	$APIC_RESULT, %bx
	mov	%eax, (%bx)
	mov	%edx, 4(%bx)
done:
	add	$16, %si
	jmp	next

/* One 6-byte stub per vector: push the vector, jump to the common handler. */
	.globl	apic_stubs
apic_stubs:
	vec = 0
	.rept	0x100
	.byte	0x68
	.word	vec
	.byte	0xe9
	.word	common - (. + 2)
	vec = vec + 1
	.endr

common:
	push	%bp
	mov	%sp, %bp
	pushal
	movzwl	2(%bp), %ebx
	cmp	$0x20, %bx
	jae	0f
	/* An exception: report it with the faulting IP and stop. */
	mov	4(%bp), %ax
	mov	%ax, APIC_LAST + 2
	mov	%bl, %al
	out	%al, $PORT_APIC_EXC
	cli
	hlt
	jmp	.
0:	mov	%ebx, APIC_LAST
	incb	APIC_COUNTS(%bx)
	incl	APIC_TOTAL
	mov	APIC_EOI_MODE, %ax
	cmp	$APIC_EOI_X2APIC, %ax
	jne	1f
	mov	$0x80b, %ecx
	xor	%eax, %eax
	xor	%edx, %edx
	wrmsr
	jmp	9f
1:	cmp	$APIC_EOI_XAPIC, %ax
	jne	2f
	movl	$0, %fs:0xb0
	jmp	9f
2:	cmp	$APIC_EOI_PIC, %ax
	jne	9f
	mov	$0x20, %al
	out	%al, $0xa0
	out	%al, $0x20
9:	popal
	pop	%bp
	add	$2, %sp
	iret
