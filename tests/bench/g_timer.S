/* SPDX-License-Identifier: MIT */
/*
 * The hlt-irq row of okvm-bench (tests/bench/bench.c): a timer interrupt round trip
 * through the in-kernel local APIC. Real mode; the host points FS at the xAPIC page
 * (0xfee00000) and gives the IDTR the whole real-mode vector table. Per batch: N times
 * arm the one-shot APIC timer, STI+HLT until its interrupt, whose handler counts it and
 * writes the EOI; then an OUT to BENCH_PORT so the host can take the time. A spurious
 * wake-up (HLT ended, no interrupt counted) halts again. An interrupt taken between STI and
 * HLT (inside STI's shadow: QEMU's TCG SVM delivers one there) would return to the HLT and
 * sleep through the wake-up it was for; the handler then returns past the HLT and counts it.
 */
#define BENCH_PORT	0x60
#define DATA		0x8000
#define TIMER_N		(DATA + 0x100)	/* round trips per batch (host) */
#define TIMER_COUNT	(DATA + 0x104)	/* initial count of the timer (host) */
#define TIMER_SEEN	(DATA + 0x108)	/* interrupts taken (guest) */
#define TIMER_SHADOW	(DATA + 0x10c)	/* of those, taken inside STI's shadow (guest) */
#define TIMER_VEC	0x40
#define STACK		0x8000

/* xAPIC registers (offsets in the APIC page). */
#define APIC_TPR	0x80
#define APIC_EOI	0xb0
#define APIC_SVR	0xf0
#define APIC_LVTT	0x320
#define APIC_TICR	0x380
#define APIC_TDCR	0x3e0

	.code16
	.text
	.globl _start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	$STACK, %sp
	movw	$timer_irq, TIMER_VEC * 4
	movw	$0, TIMER_VEC * 4 + 2
	movw	$spurious, 0xff * 4
	movw	$0, 0xff * 4 + 2
	movl	$0, %fs:APIC_TPR
	movl	$0x1ff, %fs:APIC_SVR		/* software enable, spurious vector 0xff */
	movl	$0xb, %fs:APIC_TDCR		/* divide by 1 */
	movl	$TIMER_VEC, %fs:APIC_LVTT	/* one-shot, not masked */
batch:
	mov	TIMER_N, %esi
	mov	TIMER_COUNT, %ebx
1:	mov	TIMER_SEEN, %edi
	mov	%ebx, %fs:APIC_TICR		/* arm */
2:	sti
sleep:
	hlt
	cli
	cmp	TIMER_SEEN, %edi
	je	2b
	dec	%esi
	jnz	1b
	out	%al, $BENCH_PORT
	jmp	batch

timer_irq:
	incl	%cs:TIMER_SEEN
	movl	$0, %fs:APIC_EOI
	push	%bp
	mov	%sp, %bp
	cmpw	$sleep, 2(%bp)		/* the interrupted IP */
	jne	1f
	incw	2(%bp)			/* HLT is one byte */
	incl	%cs:TIMER_SHADOW
1:	pop	%bp
spurious:				/* takes no EOI */
	iret
