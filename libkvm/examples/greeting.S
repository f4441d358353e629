/* SPDX-License-Identifier: MIT */
/*
 * The greeting guest for `make demo`: a flat 64-bit binary that kvm-run
 * starts in long mode.  It prints one line through the 16550 UART at
 * 0x3f8, waiting for the transmitter before each byte as on real
 * hardware, then writes 0 to kvm-run's exit port 0x501.
 *
 *   kvm-run --mode long --load 0x100000 greeting.bin
 */
	.code64
	.text
	.globl	_start
_start:
	lea	msg(%rip), %rsi
	cld
next:
	lodsb
	test	%al, %al
	jz	done
	mov	%al, %bl
	mov	$0x3fd, %dx		/* line status register */
wait:
	in	%dx, %al
	test	$0x20, %al		/* transmit holding register empty */
	jz	wait
	mov	$0x3f8, %dx
	mov	%bl, %al
	out	%al, %dx
	jmp	next
done:
	mov	$0x501, %dx
	xor	%eax, %eax
	out	%al, %dx
	hlt
	jmp	done

msg:
	.asciz	"Hello from a long-mode guest on okvm!\n"

	.section .note.GNU-stack, "", @progbits
