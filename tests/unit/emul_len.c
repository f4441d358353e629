// SPDX-License-Identifier: GPL-2.0-only
/*
 * Instruction lengths against an independent decoder: random encodings of every opcode the
 * emulator handles (random prefixes, REX, ModRM, SIB, displacements, immediates), run in
 * real mode, 32-bit and 64-bit mode with every address valid. Each instruction that
 * completes is written to DIR/<mode>.bin and its offset to DIR/<mode>.off; tests/unit/run
 * disassembles the .bin with objdump and compares the instruction boundaries.
 */
#include <stdio.h>
#include <string.h>
#include "emul_test.h"

#define NINSN	4000

static u64 lseed = 0x853c49e6748fea9bULL;

static u32 lrand(void)
{
	lseed ^= lseed << 13;
	lseed ^= lseed >> 7;
	lseed ^= lseed << 17;
	return lseed >> 16;
}

/* Opcodes (0x0XX, 0x1XX = 0F XX, 0x2XX = 0F 38 XX) the emulator handles. */
static int pick_opcode(int mode)
{
	static const u16 misc[] = {
		0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b,
		0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
		0xac, 0xad, 0xae, 0xaf, 0xc6, 0xc7, 0xf6, 0xf7, 0xfe, 0xff, 0x63,
		0x1a3, 0x1ab, 0x1b3, 0x1bb, 0x1ba, 0x1b0, 0x1b1, 0x1c0, 0x1c1,
		0x1b6, 0x1b7, 0x1be, 0x1bf, 0x2f0, 0x2f1,
	};
	u32 r = lrand() % 4;
	int op;

	if (r == 0) {
		op = (lrand() % 8) * 8 + lrand() % 6;		/* ALU 00-3D */
	} else if (r == 1) {
		op = 0x100 | ((lrand() & 1) ? 0x40 : 0x90) | (lrand() & 15);	/* CMOVcc, SETcc */
	} else {
		op = misc[lrand() % (sizeof(misc) / sizeof(misc[0]))];
	}
	if (op == 0x63 && mode != M_L64)
		op = 0x89;
	return op;
}

/* Every linear address valid: flat segments without limits, 1 GiB identity pages. */
static void len_env(struct env *v, int mode)
{
	int i;
	u64 a;

	env_init(v, mode);
	for (i = 0; i < OKVM_EMUL_NR_GPRS; i++)
		v->e.regs.gpr[i] = 0;
	for (i = 0; i < OKVM_EMUL_NR_SEGS; i++) {
		v->e.seg[i].base = 0;
		v->e.seg[i].limit = 0xffffffff;
	}
	if (mode == M_L64) {
		for (a = 0; a < 4; a++)
			env_map_large(v, a << 30, (a << 30) | 0x83, 3);
		env_map_large(v, 0xffffffff80000000ULL, 0x83, 3);
		env_map_large(v, 0xffffffffc0000000ULL, 0x40000083ULL, 3);
	}
}

static int gen_mode(int mode, const char *dir, const char *name)
{
	static const u8 legacy[] = { 0x66, 0x67, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65 };
	static struct env v;
	char path[512];
	FILE *bin, *off;
	u8 b[32];
	int i, n, k, op, r, done = 0;
	long pos = 0;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	bin = fopen(path, "wb");
	snprintf(path, sizeof(path), "%s/%s.off", dir, name);
	off = fopen(path, "w");
	if (!bin || !off) {
		perror(path);
		return -1;
	}
	for (i = 0; i < NINSN; i++) {
		n = 0;
		for (k = lrand() % 3; k > 0; k--)
			b[n++] = legacy[lrand() % sizeof(legacy)];
		if (mode == M_L64 && (lrand() & 1))
			b[n++] = 0x40 | (lrand() & 15);		/* REX last: it counts only there */
		op = pick_opcode(mode);
		if (op >= 0x100)
			b[n++] = 0x0f;
		if (op >= 0x200)
			b[n++] = 0x38;
		b[n++] = op & 0xff;
		for (k = n; k < (int)sizeof(b); k++)
			b[k] = lrand();
		len_env(&v, mode);
		memcpy(v.ram + CODE, b, sizeof(b));
		r = okvm_emul_insn(&v.e, NULL, 0);
		if (r != OKVM_EMUL_DONE || v.e.regs.rip == CODE)
			continue;	/* #UD, unhandled form, a REP cut short */
		n = v.e.regs.rip - CODE;
		fwrite(b, 1, n, bin);
		fprintf(off, "%lx\n", pos);
		pos += n;
		done++;
	}
	fclose(bin);
	fclose(off);
	fprintf(stderr, "emul_test: %s: %d random instructions completed\n", name, done);
	return done;
}

int len_suite(const char *dir)
{
	if (gen_mode(M_R16, dir, "16") < 100 || gen_mode(M_P32, dir, "32") < 100 ||
	    gen_mode(M_L64, dir, "64") < 100)
		return 1;
	return 0;
}
