/* SPDX-License-Identifier: MIT */
/*
 * Guest code for the host/vm tiers.  Each guest is a position-independent
 * byte range [guest_X, guest_X_end) that the tests copy into guest memory.
 * Ports: 0x10-0x1f real mode, 0x20-0x2f protected mode, 0x30-0x3f long
 * mode, 0x40-0x4f interrupts.
 */
	.section .rodata, "a"

#define GUEST(name) .globl guest_##name, guest_##name##_end; guest_##name:
#define END(name) guest_##name##_end:

	.code16
/* OUT 0x42 to 0x10, IN from 0x11 into BL, HLT. */
GUEST(real_pio)
	mov	$0x42, %al
	.globl guest_real_pio_out
guest_real_pio_out:
	out	%al, $0x10
	.globl guest_real_pio_in
guest_real_pio_in:
	in	$0x11, %al
	mov	%al, %bl
	hlt
END(real_pio)

/* rep outsb of "hello" to 0x3f8, then HLT. */
GUEST(real_outs)
	call	1f
1:	pop	%si
	add	$(2f - 1b), %si
	mov	$5, %cx
	mov	$0x3f8, %dx
	cld
	rep outsb
	hlt
2:	.ascii	"hello"
END(real_outs)

/*
 * Interrupt guest: announce on 0x42 with IF=0, then STI and spin.  The
 * handlers (at fixed offsets the test reads from the symbols) report on
 * 0x40 (external interrupt) and 0x41 (NMI).
 */
GUEST(real_irq)
	cli
	mov	$0x77, %al
	out	%al, $0x42
	sti
1:	nop
	jmp	1b
	.globl guest_real_irq_handler
guest_real_irq_handler:
	mov	$0x55, %al
	out	%al, $0x40
	iret
	.globl guest_real_nmi_handler
guest_real_nmi_handler:
	mov	$0x66, %al
	out	%al, $0x41
	iret
END(real_irq)

	.code32
/* Report CR0 on 0x20, store a word at 0x7000, HLT. */
GUEST(prot32)
	mov	%cr0, %eax
	out	%eax, $0x20
	mov	$0x12345678, %eax
	mov	%eax, 0x7000
	hlt
END(prot32)

	.code64
/* Report EFER and CR4, write RBX to 0x3ff000 (high identity-mapped). */
GUEST(long)
	mov	$0xc0000080, %ecx
	rdmsr
	out	%eax, $0x30
	mov	%cr4, %rax
	out	%eax, $0x31
	movabs	$0x1122334455667788, %rbx
	mov	$0x3ff000, %edi
	mov	%rbx, (%rdi)
	hlt
END(long)

/* MMIO write then read at 0xd0000000, report the read on 0x32. */
GUEST(mmio)
	mov	$0xd0000000, %edi
	movl	$0xdeadbeef, (%rdi)
	mov	8(%rdi), %eax
	out	%eax, $0x32
	hlt
END(mmio)

/* Write to a read-only page at 0x200000, then read it back on 0x33. */
GUEST(rom)
	mov	$0x200000, %edi
	movb	$0x5a, (%rdi)
	mov	(%rdi), %al
	out	%al, $0x33
	hlt
END(rom)

/* Spin forever (for kicks). */
GUEST(spin)
1:	pause
	jmp	1b
END(spin)

/* Dirty pages 0, 2 and 5 of the map at 0x400000. */
GUEST(dirty)
	mov	$0x400000, %edi
	movb	$1, (%rdi)
	movb	$2, 0x2000(%rdi)
	movb	$3, 0x5000(%rdi)
	hlt
END(dirty)

/* #UD with no IDT: a triple fault. */
GUEST(ud2)
	ud2
	hlt
END(ud2)

/* Three one-byte instructions for single-stepping. */
GUEST(step)
	nop
	nop
	hlt
END(step)

/* CPUID leaf 0: EBX, EDX, ECX on port 0x34. */
GUEST(cpuid)
	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	mov	%ebx, %eax
	out	%eax, $0x34
	mov	%edx, %eax
	out	%eax, $0x34
	mov	%ecx, %eax
	out	%eax, $0x34
	hlt
END(cpuid)

/* XMM0 into RAX; MSR 0x174 into RDX; HLT. */
GUEST(state)
	movq	%xmm0, %rax
	push	%rax
	mov	$0x174, %ecx
	rdmsr
	mov	%rax, %rdx
	pop	%rax
	hlt
END(state)

/* Read 0x300000 (unmapped by the test) and report it on 0x37. */
GUEST(hole)
	mov	$0x300000, %edi
	mov	(%rdi), %eax
	out	%eax, $0x37
	hlt
END(hole)

	.section .note.GNU-stack, "", @progbits
