/* SPDX-License-Identifier: MIT */
/*
 * Boot sector of the vmx tier: start a Linux kernel that Bochs has already placed in RAM
 * (optramimage) at its PVH entry point, without a bootloader.
 *
 * The runner writes the boot information block (tests/vmx/pvh info) at BOOTINFO and
 * assembles this file with --defsym BOOTINFO=<address>. Here we only add what the BIOS
 * knows: the E820 memory map. Then 32-bit flat protected mode, paging off, %ebx pointing
 * at the hvm_start_info, as the PVH boot protocol asks, and a jump to the entry point
 * stored at BOOTINFO+0x40.
 *
 * A second pass here means the guest rebooted (a panic with panic=-1, a triple fault):
 * Bochs resets and the BIOS boots us again. Then stop Bochs through its shutdown port
 * instead of booting the kernel in a loop.
 */
	.set	MAP, 0x1000		/* E820 entries, 24 bytes each, inside the block */
	.set	MAXENT, 128
	.set	SMAP, 0x534d4150	/* 'SMAP' */
	.set	ENTRY, 0x40
	.set	PASSES, 0x44

	.code16
	.text
	.globl	_start
_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7c00, %sp
	ljmp	$0, $1f			/* %cs = 0 whatever the BIOS used */
1:
	/* Fast A20 gate: the kernel lives above 1 MiB. */
	inb	$0x92, %al
	orb	$2, %al
	andb	$0xfe, %al
	outb	%al, $0x92

	/* The memory map, into a low buffer first (real mode cannot reach BOOTINFO). */
	movw	$0x800, %ax		/* buffer at 0x8000 */
	movw	%ax, %es
	xorw	%di, %di
	xorl	%ebx, %ebx
	xorw	%bp, %bp
e820:
	movl	$0, %es:20(%di)		/* hvm_memmap_table_entry.reserved */
	movl	$0xe820, %eax
	movl	$20, %ecx
	movl	$SMAP, %edx
	int	$0x15
	jc	2f
	cmpl	$SMAP, %eax
	jne	2f
	incw	%bp
	addw	$24, %di
	testl	%ebx, %ebx
	jz	2f
	cmpw	$MAXENT, %bp
	jb	e820
2:
	lgdt	gdtdesc
	movl	%cr0, %eax
	orb	$1, %al
	movl	%eax, %cr0
	ljmpl	$0x08, $pm32

	.code32
pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	$BOOTINFO, %ebx
	incl	PASSES(%ebx)
	cmpl	$1, PASSES(%ebx)
	jne	reboot
	testw	%bp, %bp
	jz	nomap

	/* Copy the map into the block and point hvm_start_info.memmap_paddr at it. */
	movl	$0x8000, %esi
	leal	MAP(%ebx), %edi
	movzwl	%bp, %ecx
	imull	$24, %ecx
	rep movsb
	leal	MAP(%ebx), %eax
	movl	%eax, 40(%ebx)		/* memmap_paddr */
	movl	$0, 44(%ebx)
	movzwl	%bp, %eax
	movl	%eax, 48(%ebx)		/* memmap_entries */
	xorl	%eax, %eax
	jmp	*ENTRY(%ebx)

nomap:
	movl	$msg_nomap, %esi
	jmp	say
reboot:
	movl	$msg_reboot, %esi
say:
	/* The message on COM1, then Bochs's shutdown port (the string "Shutdown" at 0x8900). */
	movw	$0x3f8, %dx
3:	lodsb
	testb	%al, %al
	jz	4f
	outb	%al, %dx
	jmp	3b
4:	movl	$msg_shutdown, %esi
	movw	$0x8900, %dx
5:	lodsb
	testb	%al, %al
	jz	6f
	outb	%al, %dx
	jmp	5b
6:	hlt
	jmp	6b

msg_nomap:
	.asciz	"\r\nOKVM-VMX-BOOT-FAILED: the BIOS gave no E820 memory map\r\n"
msg_reboot:
	.asciz	"\r\nOKVM-VMX-REBOOT: the guest reset; stopping Bochs\r\n"
msg_shutdown:
	.asciz	"Shutdown"

	.p2align 3
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: 32-bit code, base 0, limit 4 GiB */
	.quad	0x00cf92000000ffff	/* 0x10: data, base 0, limit 4 GiB */
gdtdesc:
	.word	gdtdesc - gdt - 1
	.long	gdt

	.org	510
	.byte	0x55, 0xaa
