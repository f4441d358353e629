/* SPDX-License-Identifier: GPL-2.0-only */
/* The emulator unit suite: a guest memory model, CPU mode set-ups and the case table format. */
#ifndef OKVM_UNIT_EMUL_TEST_H
#define OKVM_UNIT_EMUL_TEST_H

#include "emulate.h"

/* Guest-physical map: RAM below 0xA0000, everything else is MMIO. */
#define RAM_SIZE	0xa0000ULL
#define PT_BASE		0x80000ULL	/* page tables are built here */
#define CODE		0x1000ULL	/* instructions are placed here (linear = physical) */
#define MMIO16		0xa0000ULL	/* DS and ES base in the 16-bit modes */
#define MMIO		0xfec00000ULL	/* an MMIO page reachable in 32- and 64-bit modes */

/* Linear pages the paging modes map besides the identity maps. */
#define VA_RO		0x00401000ULL	/* -> 0x5000, supervisor read-only */
#define VA_USER		0x00402000ULL	/* -> 0x6000, user read/write */
#define VA_URO		0x00403000ULL	/* -> 0x7000, user read-only */
#define VA_MMIO_RO	0x00404000ULL	/* -> MMIO + 0x1000, supervisor read-only */
#define VA_NP		0x00405000ULL	/* PTE not present */
#define VA_NX		0x00406000ULL	/* -> CODE page, no-execute (PAE and long mode) */
#define VA_RSVD		0x00407000ULL	/* -> 0x8000 with a reserved address bit (PAE and long mode) */
#define VA_NOPDE	0x00800000ULL	/* no page table at all */
#define VA_HIGH		0xffffffff80000000ULL	/* long mode: -> 0x3000, four pages */

enum tmode { M_R16, M_V86, M_P16, M_P32, M_PG32, M_PAE, M_C32, M_L64, M_NR };

struct regval {
	u8 r;			/* 1 + register number; 0: unused */
	u64 v;
};

struct memval {
	u64 gpa;
	u8 len;			/* 0: unused */
	u64 v;
};

struct mmio_ev {
	u64 gpa;
	u8 len;			/* 0: unused */
	u8 write;
	u64 v;			/* read: the value returned; write: the value expected */
};

struct tcase {
	const char *name;
	u8 mode;
	const char *code;	/* instruction bytes in hex */
	struct regval in[6], out[6];
	u64 fl_in;		/* initial RFLAGS (bit 1 is added) */
	u64 fl_out;		/* expected RFLAGS; 0: unchanged */
	u64 fl_undef;		/* architecturally undefined flags, not compared */
	struct memval mem_in[3], mem_out[3];
	struct mmio_ev mmio[6];
	u8 result;		/* OKVM_EMUL_DONE unless said */
	u8 vector;
	u32 error;
	u64 cr2;
	u8 len;			/* expected length when it differs from the bytes given */
	u8 rip_same;		/* completed but RIP stays (REP instruction cut short) */
	u8 cpl;
	void (*setup)(struct okvm_emul *e);
	/* Extra check after the run: NULL or a failure reason. */
	const char *(*check)(const struct okvm_emul *e, const u8 *ram);
};

#define R(reg, val)		{ 1 + OKVM_EMUL_##reg, (val) }
#define MEM(a, l, val)		{ (a), (l), (val) }
#define RD(a, l, val)		{ (a), (l), 0, (val) }
#define WR(a, l, val)		{ (a), (l), 1, (val) }

/* Test environment. */
struct env {
	struct okvm_emul e;
	u8 ram[RAM_SIZE];
	u64 pt_next;
	int user_mode;			/* mmio answers OKVM_EMUL_IO_USER */
	const struct mmio_ev *expect;	/* expected MMIO events */
	int nexpect, nseen;
	char err[256];			/* first harness-detected error */
};

void env_init(struct env *v, int mode);
void env_map(struct env *v, u64 va, u64 pa, u64 flags);
/* A large page: level 2 (2 or 4 MiB) or 3 (1 GiB); @ent is the whole entry. */
void env_map_large(struct env *v, u64 va, u64 ent, int level);
u64 env_pte(struct env *v, u64 va);	/* gpa of the leaf PTE of @va, 0 if none */
extern const struct okvm_emul_ops env_ops;

extern const struct tcase emul_cases[];
extern const unsigned int emul_ncases;

/* Run a case in both MMIO completion styles: NULL or why it failed. */
const char *run_case(const struct tcase *t, char *buf, unsigned int len);

/* Operations the host CPU runs natively (emul_flags.c). */
enum { OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP, OP_TEST,
       OP_INC, OP_DEC, OP_NEG, OP_NOT, OP_BT, OP_BTS, OP_BTR, OP_BTC, OP_NR };
extern const char *const op_names[OP_NR];
/* x op y at @size bytes on this CPU: the result; *fl in: RFLAGS before, out: after. */
u64 native_op(int op, u64 x, u64 y, unsigned int size, u64 *fl);
/* Flags an operation leaves undefined. */
u64 undefined_flags(int op);

/* Generated cases: every form in 16-, 32- and 64-bit modes against the host (emul_gen.c). */
int gen_suite(int selftest);

/* The native-flags comparison (emul_flags.c): prints result lines, returns failures. */
int flags_suite(void);

/* Random encodings for the objdump length comparison (emul_len.c). */
int len_suite(const char *dir);

/* The calling protocol (emul_api.c). */
int api_suite(void);

int hex_bytes(const char *s, u8 *out, int max);

#endif
