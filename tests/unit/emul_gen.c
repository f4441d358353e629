// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generated cases: every ALU, TEST, NOT/NEG/INC/DEC, BT-family and XCHG form with a memory
 * operand on MMIO, at every operand size, in real mode (16-bit), 32-bit protected mode and
 * 64-bit mode. The expected results and flags come from the host CPU running the same
 * operation (emul_flags.c), the expected MMIO trace from the form. One result line per
 * form and mode (unit/emulate/gen_<op>_<form>_<mode>), each covering several values.
 */
#include <stdio.h>
#include <string.h>
#include "emul_test.h"

#define ARITH	0x8d5ULL
#define PAIRS	4

enum { F_EG, F_GE, F_EI8, F_EIZ, F_EI8S, F_E, F_BT_EG, F_BT_EI, F_XCHG };

struct form {
	const char *name;
	int kind;
	int byte;		/* byte-sized form */
};

static const struct { int mode; const char *name; } gen_modes[] = {
	{ M_R16, "16" }, { M_P32, "32" }, { M_L64, "64" },
};

static u64 gseed = 0x2545f4914f6cdd1dULL;
static unsigned int ncases;

static u64 grand(void)
{
	gseed ^= gseed << 13;
	gseed ^= gseed >> 7;
	gseed ^= gseed << 17;
	return gseed;
}

static const u64 gvals[] = {
	0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
	0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL,
};

static u64 pick(void)
{
	u64 r = grand();

	return (r & 1) ? gvals[(r >> 8) % (sizeof(gvals) / sizeof(gvals[0]))] : grand();
}

/* Operand sizes of the v-forms per mode, and the prefix each needs. */
static int vsizes(int mode, unsigned int *sz)
{
	if (mode == M_R16) {
		sz[0] = 2, sz[1] = 4;
		return 2;
	}
	if (mode == M_P32) {
		sz[0] = 4, sz[1] = 2;
		return 2;
	}
	sz[0] = 4, sz[1] = 2, sz[2] = 8;
	return 3;
}

static int prefix(int mode, unsigned int size, u8 *c)
{
	if (size == 8) {
		c[0] = 0x48;
		return 1;
	}
	if ((mode == M_R16 && size == 4) || (mode != M_R16 && size == 2)) {
		c[0] = 0x66;
		return 1;
	}
	return 0;
}

static void to_hex(const u8 *b, int n, char *out)
{
	int i;

	for (i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02x ", b[i]);
	out[n ? 3 * n - 1 : 0] = 0;
}

/* Build and run one case; NULL or the failure. */
static const char *gen_one(int mode, int op, int kind, unsigned int size, int pair, int selftest,
			   char *why, unsigned int wlen)
{
	static char hex[64];
	u64 mask = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1, addr, x, y, imm = 0, fl_in, fl, r;
	unsigned int immsz = 0, bits = size * 8, nm = 0;
	u8 c[16];
	int n, reg = 1, rm = mode == M_R16 ? 7 : 3;
	struct tcase t;
	bool writes;

	memset(&t, 0, sizeof(t));
	t.mode = mode;
	addr = (mode == M_R16 ? MMIO16 : MMIO) + 0x10;
	t.in[0].r = 1 + OKVM_EMUL_RBX;
	t.in[0].v = mode == M_R16 ? 0x10 : addr;
	x = pick() & mask;
	y = pick() & mask;
	fl_in = 2 | (grand() & ARITH);

	n = size == 1 ? 0 : prefix(mode, size, c);
	switch (kind) {
	case F_EG:
	case F_GE:
		c[n++] = op * 8 + (kind == F_GE ? 2 : 0) + (size != 1);
		c[n++] = (reg << 3) | rm;
		break;
	case F_EI8:
	case F_EIZ:
	case F_EI8S:
		c[n++] = kind == F_EI8 ? 0x80 : kind == F_EIZ ? 0x81 : 0x83;
		c[n++] = (op << 3) | rm;
		immsz = kind == F_EIZ ? (size == 2 ? 2 : size == 1 ? 1 : 4) : 1;
		imm = y & ((1ULL << (immsz * 8)) - 1);
		/* The CPU sign-extends the immediate to the operand size. */
		y = (immsz < size ? (u64)((s64)(imm << (64 - immsz * 8)) >> (64 - immsz * 8)) : imm) & mask;
		break;
	case F_E:
		if (op == OP_TEST) {
			c[n++] = size == 1 ? 0xf6 : 0xf7;
			c[n++] = rm;
			immsz = size == 1 ? 1 : size == 2 ? 2 : 4;
			imm = y & ((1ULL << (immsz * 8)) - 1);
			y = (immsz < size ? (u64)((s64)(imm << (64 - immsz * 8)) >> (64 - immsz * 8)) : imm) & mask;
		} else if (op == OP_INC || op == OP_DEC) {
			c[n++] = size == 1 ? 0xfe : 0xff;
			c[n++] = ((op == OP_DEC) << 3) | rm;
		} else {
			c[n++] = size == 1 ? 0xf6 : 0xf7;
			c[n++] = ((op == OP_NEG ? 3 : 2) << 3) | rm;
		}
		break;
	case F_BT_EG:
		y &= bits - 1;	/* an in-range offset keeps the operand address */
		c[n++] = 0x0f;
		c[n++] = 0xa3 + 8 * (op - OP_BT);
		c[n++] = (reg << 3) | rm;
		break;
	case F_BT_EI:
		y &= bits - 1;
		imm = y;
		immsz = 1;
		c[n++] = 0x0f;
		c[n++] = 0xba;
		c[n++] = ((4 + op - OP_BT) << 3) | rm;
		break;
	default:	/* XCHG */
		c[n++] = size == 1 ? 0x86 : 0x87;
		c[n++] = (reg << 3) | rm;
		break;
	}
	if (kind == F_EG && op == OP_TEST)
		c[n - 2] = size == 1 ? 0x84 : 0x85;
	while (immsz--) {
		c[n++] = imm & 0xff;
		imm >>= 8;
	}
	to_hex(c, n, hex);
	t.code = hex;
	t.name = "generated";

	/* The register operand: value in the low bits, something recognisable above. */
	t.in[1].r = 1 + OKVM_EMUL_RCX;
	t.in[1].v = (0x5a5a5a5a5a5a5a5aULL & ~mask) | (kind == F_GE ? x : y);
	t.fl_in = fl_in;
	t.fl_undef = undefined_flags(op);

	if (kind == F_XCHG) {
		t.mmio[0] = (struct mmio_ev){ addr, size, 0, x };
		t.mmio[1] = (struct mmio_ev){ addr, size, 1, y };
		t.out[0].r = 1 + OKVM_EMUL_RCX;
		t.out[0].v = size == 4 ? x : (t.in[1].v & ~mask) | x;
	} else {
		fl = fl_in;
		r = native_op(op, x, y, size, &fl) & mask;
		t.fl_out = (fl_in & ~ARITH) | (fl & ARITH) | 2;
		writes = op != OP_CMP && op != OP_TEST && op != OP_BT;
		if (kind == F_GE) {
			/* op reg, mem: the memory operand is the source. */
			t.mmio[nm++] = (struct mmio_ev){ addr, size, 0, y };
			if (writes) {
				t.out[0].r = 1 + OKVM_EMUL_RCX;
				t.out[0].v = size == 4 ? r : (t.in[1].v & ~mask) | r;
			}
		} else {
			t.mmio[nm++] = (struct mmio_ev){ addr, size, 0, x };
			if (writes)
				t.mmio[nm++] = (struct mmio_ev){ addr, size, 1, r };
		}
	}
	if (selftest)
		t.fl_out ^= 1, t.mmio[0].gpa ^= 8;
	ncases++;
	if (!run_case(&t, why, wlen))
		return NULL;
	snprintf(why + strlen(why), wlen - strlen(why), " [bytes %s, size %u, pair %d, x %#llx y %#llx]",
		 hex, size, pair, (unsigned long long)x, (unsigned long long)y);
	return why;
}

static int gen_form(int mi, const char *opname, int op, const char *fname, int kind, int byte_only,
		    int vform, int selftest)
{
	unsigned int sz[4], ns = 0, i;
	int p, fails = 0;
	char why[600];
	const char *w = NULL;

	if (byte_only)
		sz[ns++] = 1;
	if (vform)
		ns += vsizes(gen_modes[mi].mode, sz + ns);
	for (i = 0; i < ns && !w; i++)
		for (p = 0; p < PAIRS && !w; p++)
			w = gen_one(gen_modes[mi].mode, op, kind, sz[i], p, selftest, why, sizeof(why));
	if (selftest) {
		/* Every case was given a wrong expectation: all must have failed. */
		if (!w) {
			printf("FAIL unit/selftest/gen_%s_%s_%s: a wrong expectation passed\n", opname, fname,
			       gen_modes[mi].name);
			return 1;
		}
		return 0;
	}
	if (w) {
		printf("FAIL unit/emulate/gen_%s_%s_%s: %s\n", opname, fname, gen_modes[mi].name, w);
		fails++;
	} else {
		printf("PASS unit/emulate/gen_%s_%s_%s\n", opname, fname, gen_modes[mi].name);
	}
	return fails;
}

int gen_suite(int selftest)
{
	unsigned int mi;
	int op, fails = 0;

	for (mi = 0; mi < sizeof(gen_modes) / sizeof(gen_modes[0]); mi++) {
		for (op = OP_ADD; op <= OP_CMP; op++) {
			fails += gen_form(mi, op_names[op], op, "Eb_Gb", F_EG, 1, 0, selftest);
			fails += gen_form(mi, op_names[op], op, "Ev_Gv", F_EG, 0, 1, selftest);
			fails += gen_form(mi, op_names[op], op, "Gb_Eb", F_GE, 1, 0, selftest);
			fails += gen_form(mi, op_names[op], op, "Gv_Ev", F_GE, 0, 1, selftest);
			fails += gen_form(mi, op_names[op], op, "Eb_Ib", F_EI8, 1, 0, selftest);
			fails += gen_form(mi, op_names[op], op, "Ev_Iz", F_EIZ, 0, 1, selftest);
			fails += gen_form(mi, op_names[op], op, "Ev_Ib", F_EI8S, 0, 1, selftest);
		}
		fails += gen_form(mi, "test", OP_TEST, "Eb_Gb", F_EG, 1, 0, selftest);
		fails += gen_form(mi, "test", OP_TEST, "Ev_Gv", F_EG, 0, 1, selftest);
		fails += gen_form(mi, "test", OP_TEST, "E_imm", F_E, 1, 1, selftest);
		for (op = OP_INC; op <= OP_NOT; op++)
			fails += gen_form(mi, op_names[op], op, "E", F_E, 1, 1, selftest);
		for (op = OP_BT; op <= OP_BTC; op++) {
			fails += gen_form(mi, op_names[op], op, "Ev_Gv", F_BT_EG, 0, 1, selftest);
			fails += gen_form(mi, op_names[op], op, "Ev_Ib", F_BT_EI, 0, 1, selftest);
		}
		fails += gen_form(mi, "xchg", OP_ADD, "E_G", F_XCHG, 1, 1, selftest);
	}
	if (selftest && !fails)
		printf("PASS unit/selftest/generated-wrong-expectations\n");
	fflush(stdout);
	fprintf(stderr, "emul_test: %u generated cases run\n", ncases);
	return fails;
}
