/* SPDX-License-Identifier: MIT */
/*
 * Benchmark loops for tests/bench (okvm-bench).  Each entry point runs
 * forever; the host stops it.  Ports and data addresses are mirrored in
 * tests/bench/bench.c.
 *   bench_pio     real mode: OUT to port 0x60 in a tight loop
 *   bench_cpuid   real mode: N (dword at 0x8100) CPUIDs of leaf 0, then an OUT
 *   bench_rdmsr   real mode: N RDMSRs of the MSR at 0x8104, then an OUT
 *   bench_hlt     real mode: HLT
 *   bench_mmio    64-bit: 4-byte writes to MMIO_GPA in a tight loop
 *   bench_touch   64-bit: a byte write every RDX bytes from R8 up to RDI, an OUT, again
 */
#include "guest.h"

#define BENCH_PORT	0x60
#define BENCH_N		(DATA_GPA + 0x100)
#define BENCH_MSR	(DATA_GPA + 0x104)

	.text
	.code16
	.globl _start
_start:
	.globl	bench_pio
bench_pio:
	out	%al, $BENCH_PORT
	jmp	bench_pio

	.globl	bench_cpuid
bench_cpuid:
	mov	BENCH_N, %esi
1:	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	dec	%esi
	jnz	1b
	out	%al, $BENCH_PORT
	jmp	bench_cpuid

	.globl	bench_rdmsr
bench_rdmsr:
	mov	BENCH_N, %esi
	mov	BENCH_MSR, %edi
1:	mov	%edi, %ecx
	rdmsr
	dec	%esi
	jnz	1b
	out	%al, $BENCH_PORT
	jmp	bench_rdmsr

	.globl	bench_hlt
bench_hlt:
	hlt
	jmp	bench_hlt

	.code64
	.globl	bench_mmio
bench_mmio:
	mov	$MMIO_GPA, %edi
1:	movl	$0, (%rdi)
	jmp	1b

	.globl	bench_touch
bench_touch:
	mov	%r8, %rsi
1:	movb	$1, (%rsi)
	add	%rdx, %rsi
	cmp	%rdi, %rsi
	jb	1b
	out	%al, $BENCH_PORT
	jmp	bench_touch
