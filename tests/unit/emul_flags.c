// SPDX-License-Identifier: GPL-2.0-only
/*
 * ALU results and flags against this x86-64 host: every operation runs natively (inline
 * asm between POPF and PUSHF) and through the emulator, in register and memory form, for
 * edge values and pseudo-random values, with both carry inputs. Flags the manuals call
 * undefined for an operation are not compared.
 * Built with -mno-red-zone: the asm pushes below the stack pointer.
 */
#include <stdio.h>
#include <string.h>
#include "emul_test.h"

#define CF 0x001ULL
#define PF 0x004ULL
#define AF 0x010ULL
#define ZF 0x040ULL
#define SF 0x080ULL
#define OF 0x800ULL
#define ARITH (CF | PF | AF | ZF | SF | OF)

const char *const op_names[OP_NR] = {
	"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test",
	"inc", "dec", "neg", "not", "bt", "bts", "btr", "btc",
};

/* Run "insn y, x" (AT&T order: x = x op y) natively at @size bytes. */
#define NATIVE_BIN(insn)								\
	switch (size) {									\
	case 1: { u8 x = a, y = b;							\
		asm volatile("push %[f]\n\tpopfq\n\t" insn " %[y], %[x]\n\tpushfq\n\tpop %[f]"	\
			     : [x] "+q"(x), [f] "+r"(f) : [y] "q"(y) : "cc"); a = x; break; } \
	case 2: { u16 x = a, y = b;							\
		asm volatile("push %[f]\n\tpopfq\n\t" insn " %[y], %[x]\n\tpushfq\n\tpop %[f]"	\
			     : [x] "+r"(x), [f] "+r"(f) : [y] "r"(y) : "cc"); a = x; break; } \
	case 4: { u32 x = a, y = b;							\
		asm volatile("push %[f]\n\tpopfq\n\t" insn " %[y], %[x]\n\tpushfq\n\tpop %[f]"	\
			     : [x] "+r"(x), [f] "+r"(f) : [y] "r"(y) : "cc"); a = x; break; } \
	default: { u64 x = a, y = b;							\
		asm volatile("push %[f]\n\tpopfq\n\t" insn " %[y], %[x]\n\tpushfq\n\tpop %[f]"	\
			     : [x] "+r"(x), [f] "+r"(f) : [y] "r"(y) : "cc"); a = x; break; } \
	}

/* BT has no byte form. */
#define NATIVE_BT(insn)									\
	switch (size) {									\
	case 2: { u16 x = a, y = b;							\
		asm volatile("push %[f]\n\tpopfq\n\t" insn " %[y], %[x]\n\tpushfq\n\tpop %[f]"	\
			     : [x] "+r"(x), [f] "+r"(f) : [y] "r"(y) : "cc"); a = x; break; } \
	case 4: { u32 x = a, y = b;							\
		asm volatile("push %[f]\n\tpopfq\n\t" insn " %[y], %[x]\n\tpushfq\n\tpop %[f]"	\
			     : [x] "+r"(x), [f] "+r"(f) : [y] "r"(y) : "cc"); a = x; break; } \
	default: { u64 x = a, y = b;							\
		asm volatile("push %[f]\n\tpopfq\n\t" insn " %[y], %[x]\n\tpushfq\n\tpop %[f]"	\
			     : [x] "+r"(x), [f] "+r"(f) : [y] "r"(y) : "cc"); a = x; break; } \
	}

#define NATIVE_UN(insn)									\
	switch (size) {									\
	case 1: { u8 x = a;								\
		asm volatile("push %[f]\n\tpopfq\n\t" insn " %[x]\n\tpushfq\n\tpop %[f]"	\
			     : [x] "+q"(x), [f] "+r"(f) : : "cc"); a = x; break; }		\
	case 2: { u16 x = a;								\
		asm volatile("push %[f]\n\tpopfq\n\t" insn " %[x]\n\tpushfq\n\tpop %[f]"	\
			     : [x] "+r"(x), [f] "+r"(f) : : "cc"); a = x; break; }		\
	case 4: { u32 x = a;								\
		asm volatile("push %[f]\n\tpopfq\n\t" insn " %[x]\n\tpushfq\n\tpop %[f]"	\
			     : [x] "+r"(x), [f] "+r"(f) : : "cc"); a = x; break; }		\
	default: { u64 x = a;								\
		asm volatile("push %[f]\n\tpopfq\n\t" insn " %[x]\n\tpushfq\n\tpop %[f]"	\
			     : [x] "+r"(x), [f] "+r"(f) : : "cc"); a = x; break; }		\
	}

u64 native_op(int op, u64 a, u64 b, unsigned int size, u64 *fl)
{
	u64 f = *fl;

	switch (op) {
	case OP_ADD: NATIVE_BIN("add"); break;
	case OP_OR: NATIVE_BIN("or"); break;
	case OP_ADC: NATIVE_BIN("adc"); break;
	case OP_SBB: NATIVE_BIN("sbb"); break;
	case OP_AND: NATIVE_BIN("and"); break;
	case OP_SUB: NATIVE_BIN("sub"); break;
	case OP_XOR: NATIVE_BIN("xor"); break;
	case OP_CMP: NATIVE_BIN("cmp"); break;
	case OP_TEST: NATIVE_BIN("test"); break;
	case OP_INC: NATIVE_UN("inc"); break;
	case OP_DEC: NATIVE_UN("dec"); break;
	case OP_NEG: NATIVE_UN("neg"); break;
	case OP_NOT: NATIVE_UN("not"); break;
	case OP_BT: NATIVE_BT("bt"); break;
	case OP_BTS: NATIVE_BT("bts"); break;
	case OP_BTR: NATIVE_BT("btr"); break;
	default: NATIVE_BT("btc"); break;
	}
	*fl = f;
	return a;
}

/* The same operation as bytes for 64-bit mode: x in RAX (or [RDI]), y in RBX. */
static int encode(int op, unsigned int size, int mem, u8 *c)
{
	int n = 0;
	u8 modrm;

	if (size == 2)
		c[n++] = 0x66;
	else if (size == 8)
		c[n++] = 0x48;
	if (op <= OP_CMP) {
		c[n++] = op * 8 + (size == 1 ? 0 : 1);
		modrm = 0xd8;			/* reg = rbx, rm = rax */
	} else if (op == OP_TEST) {
		c[n++] = size == 1 ? 0x84 : 0x85;
		modrm = 0xd8;
	} else if (op <= OP_DEC) {
		c[n++] = size == 1 ? 0xfe : 0xff;
		modrm = op == OP_INC ? 0xc0 : 0xc8;
	} else if (op <= OP_NOT) {
		c[n++] = size == 1 ? 0xf6 : 0xf7;
		modrm = op == OP_NEG ? 0xd8 : 0xd0;
	} else {
		static const u8 bt_ops[4] = { 0xa3, 0xab, 0xb3, 0xbb };

		c[n++] = 0x0f;
		c[n++] = bt_ops[op - OP_BT];
		modrm = 0xd8;
	}
	c[n++] = mem ? (modrm & 0x38) | 7 : modrm;	/* memory: [rdi] */
	return n;
}

u64 undefined_flags(int op)
{
	switch (op) {
	case OP_OR: case OP_AND: case OP_XOR: case OP_TEST:
		return AF;
	case OP_BT: case OP_BTS: case OP_BTR: case OP_BTC:
		return OF | SF | AF | PF;
	default:
		return 0;
	}
}

static u64 seed = 0x9e3779b97f4a7c15ULL;
static unsigned long comparisons;

static u64 next_rand(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static const u64 edges[] = {
	0, 1, 2, 0x0f, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
	0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
	0xffffffffffffffffULL, 0x5555555555555555ULL, 0xaaaaaaaaaaaaaaaaULL,
};
#define NEDGES (sizeof(edges) / sizeof(edges[0]))
#define NRAND 300

/* Compare one operation at one size over all inputs: 0 or 1 (a FAIL line printed). */
static int check_op(struct env *v, int op, unsigned int size)
{
	u64 mask = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1, undef = undefined_flags(op);
	u64 a, b, fl_in, fl_nat, r_nat, r_emu, fl_emu;
	unsigned int i, n = 0, total = NEDGES * NEDGES + NRAND;
	int mem, len, r;
	u8 code[8];

	for (i = 0; i < total; i++) {
		if (i < NEDGES * NEDGES) {
			a = edges[i / NEDGES];
			b = edges[i % NEDGES];
		} else {
			a = next_rand();
			b = next_rand();
		}
		a &= mask;
		b &= mask;
		if (op >= OP_BT)
			b &= size * 8 - 1;	/* register-form bit offsets wrap; keep both forms alike */
		fl_in = 2 | (next_rand() & ARITH);
		fl_nat = fl_in;
		r_nat = native_op(op, a, b, size, &fl_nat) & mask;
		for (mem = 0; mem < 2; mem++) {
			len = encode(op, size, mem, code);
			memcpy(v->ram + CODE, code, len);
			v->e.regs.rip = CODE;
			v->e.regs.rflags = fl_in;
			v->e.regs.gpr[OKVM_EMUL_RAX] = mem ? 0x3000 : a;
			v->e.regs.gpr[OKVM_EMUL_RDI] = 0x3000;
			v->e.regs.gpr[OKVM_EMUL_RBX] = b;
			memcpy(v->ram + 0x3000, &a, 8);
			r = okvm_emul_insn(&v->e, NULL, 0);
			if (mem)
				memcpy(&r_emu, v->ram + 0x3000, 8);
			else
				r_emu = v->e.regs.gpr[OKVM_EMUL_RAX];
			r_emu &= mask;
			fl_emu = v->e.regs.rflags;
			n++;
			if (r != OKVM_EMUL_DONE || r_emu != r_nat ||
			    ((fl_emu ^ fl_nat) & ARITH & ~undef) || v->e.regs.rip != CODE + (u64)len) {
				printf("FAIL unit/flags/%s%u: %s form, a=%#llx b=%#llx flags in %#llx: "
				       "emulator result %d value %#llx flags %#llx, host value %#llx flags %#llx\n",
				       op_names[op], size * 8, mem ? "memory" : "register",
				       (unsigned long long)a, (unsigned long long)b,
				       (unsigned long long)fl_in, r, (unsigned long long)r_emu,
				       (unsigned long long)fl_emu, (unsigned long long)r_nat,
				       (unsigned long long)fl_nat);
				return 1;
			}
		}
	}
	printf("PASS unit/flags/%s%u\n", op_names[op], size * 8);
	comparisons += n;
	return 0;
}

int flags_suite(void)
{
	static struct env v;
	unsigned int size;
	int op, fail = 0;

	env_init(&v, M_L64);
	for (op = 0; op < OP_NR; op++)
		for (size = 1; size <= 8; size *= 2)
			if (op < OP_BT || size > 1)
				fail += check_op(&v, op, size);
	fprintf(stderr, "emul_test: %lu emulator results compared with the host CPU\n", comparisons);
	return fail;
}
