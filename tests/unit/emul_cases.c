// SPDX-License-Identifier: GPL-2.0-only
/*
 * The emulator case table. Each case: CPU mode, instruction bytes, initial registers and
 * memory, the MMIO accesses expected in order (reads return the value given), and the
 * expected registers, flags, memory, result and exception. Registers not named must not
 * change; RIP must advance by the length on success and stay on anything else.
 *
 * Environments (emul_test.c): 16-bit modes have DS = ES = 0xA0000 (MMIO), SS = FS = 0
 * (RAM), GS = 0xB0000 (MMIO); 32/64-bit modes are flat with FS = 0xA0000 (limit 0xFFFF),
 * GS = 0xFEC00000 (limit 0xFFF). Paging modes identity-map the low 1 MiB and the MMIO page.
 */
#include <stddef.h>
#include "emul_test.h"

#define M	MMIO
#define F_CF	0x001ULL
#define F_PF	0x004ULL
#define F_AF	0x010ULL
#define F_ZF	0x040ULL
#define F_SF	0x080ULL
#define F_DF	0x400ULL
#define F_OF	0x800ULL
#define F_TF	(1ULL << 8)
#define F_RF	(1ULL << 16)
#define F_AC	(1ULL << 18)
#define BT_UNDEF	(F_OF | F_SF | F_AF | F_PF)
#define A64	0x1122334455667788ULL
#define DONE	OKVM_EMUL_DONE
#define EXC	OKVM_EMUL_EXCEPTION
#define UNH	OKVM_EMUL_UNHANDLED
#define GP	OKVM_EMUL_VEC_GP
#define SS	OKVM_EMUL_VEC_SS
#define PF	OKVM_EMUL_VEC_PF
#define UD	OKVM_EMUL_VEC_UD

static struct env *env_of(const struct okvm_emul *e)
{
	return (struct env *)((char *)e - offsetof(struct env, e));
}

/* ---- set-up hooks ---- */

static void ds_base_1000(struct okvm_emul *e) { e->seg[OKVM_EMUL_DS].base = 0x1000; }
static void ds_limit_fff(struct okvm_emul *e) { e->seg[OKVM_EMUL_DS].limit = 0xfff; }
static void ss_limit_fff(struct okvm_emul *e) { e->seg[OKVM_EMUL_SS].limit = 0xfff; }
static void ds_readonly(struct okvm_emul *e) { e->seg[OKVM_EMUL_DS].type = 1; }
static void ds_null(struct okvm_emul *e) { e->seg[OKVM_EMUL_DS].present = 0; }
static void cs_exec_only(struct okvm_emul *e) { e->seg[OKVM_EMUL_CS].type = 9; }
static void ds_big(struct okvm_emul *e) { e->seg[OKVM_EMUL_DS].limit = 0xffffffff; }
static void fs_base_90002(struct okvm_emul *e) { e->seg[OKVM_EMUL_FS].base = 0x90002; }
static void wp_off(struct okvm_emul *e) { e->cr0 &= ~(1ULL << 16); }
static void smap_on(struct okvm_emul *e) { e->cr4 |= 1ULL << 21; }
static void user_code(struct okvm_emul *e)
{
	env_map(env_of(e), VA_USER, CODE, 7);
	e->regs.rip = VA_USER;
}

static void smep_user_code(struct okvm_emul *e)
{
	user_code(e);
	e->cr4 |= 1ULL << 20;
}
static void rip_nx(struct okvm_emul *e) { e->regs.rip = VA_NX; }
static void rip_np(struct okvm_emul *e) { e->regs.rip = VA_NP; }
static void rip_mmio(struct okvm_emul *e) { e->regs.rip = M; }
static void fs_base_edge(struct okvm_emul *e) { e->seg[OKVM_EMUL_FS].base = 0x00007ffffffff000ULL; }

static void ds_expand_down(struct okvm_emul *e)
{
	e->seg[OKVM_EMUL_DS].type = 7;
	e->seg[OKVM_EMUL_DS].limit = 0xfff;
}

/* Move the instruction so that it straddles a page boundary (0x1ffe). */
static void code_cross_page(struct okvm_emul *e)
{
	struct env *v = env_of(e);

	memmove(v->ram + 0x1ffe, v->ram + CODE, 16);
	memset(v->ram + CODE, 0, 16);
	e->regs.rip = 0x1ffe;
}

/* The first two bytes on an executable page, the third on the not-present VA_NP. */
static void code_cross_page_np(struct okvm_emul *e)
{
	struct env *v = env_of(e);

	env_map(v, VA_NP - 0x1000, CODE, 3);
	memmove(v->ram + CODE + 0xffe, v->ram + CODE, 16);
	e->regs.rip = VA_NP - 2;
}

/* Large pages: 2 MiB (PAE, long mode), 4 MiB (PSE, with PSE-36 address bits), 1 GiB. */
static void large_2m(struct okvm_emul *e) { env_map_large(env_of(e), 0x40000000, 0x83, 2); }
static void large_1g(struct okvm_emul *e) { env_map_large(env_of(e), 0x80000000ULL, 0x83, 3); }
static void large_4m(struct okvm_emul *e) { env_map_large(env_of(e), 0x40000000, 0x83, 2); }
static void large_4m_pse36(struct okvm_emul *e)
{
	env_map_large(env_of(e), 0x40000000, 0x83 | (1ULL << 13), 2);	/* bit 32 */
}
static void large_2m_rsvd(struct okvm_emul *e)
{
	env_map_large(env_of(e), 0x40000000, 0x83 | (1ULL << 13), 2);
}

/* Reserved bits above the leaf: a PAE PDPTE with R/W (reserved there), a PML4E with PS. */
static void pdpte_rw(struct okvm_emul *e)
{
	struct env *v = env_of(e);
	u64 ent;

	memcpy(&ent, v->ram + (e->cr3 & 0xffffffe0ULL), 8);
	ent |= 2;
	memcpy(v->ram + (e->cr3 & 0xffffffe0ULL), &ent, 8);
}

static void pml4e_ps(struct okvm_emul *e)
{
	struct env *v = env_of(e);
	u64 slot = (e->cr3 & 0xffffffffff000ULL) + 511 * 8, ent;

	memcpy(&ent, v->ram + slot, 8);
	ent |= 0x80;
	memcpy(v->ram + slot, &ent, 8);
}

/* An intermediate entry without U/S makes the whole range supervisor-only. */
static void user_pde_super(struct okvm_emul *e)
{
	struct env *v = env_of(e);
	u64 pte = env_pte(v, VA_USER), pt = pte & ~0xfffULL;
	unsigned int i;

	/* Find the entry pointing at this page table and clear its U/S bit. */
	for (i = PT_BASE; i < v->pt_next; i += 8) {
		u64 ent;

		memcpy(&ent, v->ram + i, 8);
		if ((ent & 1) && (ent & 0xffffffffff000ULL) == pt) {
			ent &= ~4ULL;
			memcpy(v->ram + i, &ent, 8);
			return;
		}
	}
}

/* ---- checks ---- */

static u64 pte_of(const struct okvm_emul *e, u64 va)
{
	struct env *v = env_of(e);
	u64 slot = env_pte(v, va), ent = 0;

	memcpy(&ent, v->ram + slot, (e->cr4 & (1ULL << 5)) ? 8 : 4);
	return ent;
}

static const char *check_singlestep(const struct okvm_emul *e, const u8 *ram)
{
	(void)ram;
	return e->singlestep ? NULL : "TF set but no single-step trap reported";
}

static const char *check_no_singlestep(const struct okvm_emul *e, const u8 *ram)
{
	(void)ram;
	return e->singlestep ? "single-step trap reported without TF" : NULL;
}

static const char *check_ad_write(const struct okvm_emul *e, const u8 *ram)
{
	(void)ram;
	return (pte_of(e, M) & 0x60) == 0x60 ? NULL : "write did not set Accessed and Dirty";
}

static const char *check_a_read(const struct okvm_emul *e, const u8 *ram)
{
	u64 p = pte_of(e, VA_RO);

	(void)ram;
	if (!(p & 0x20))
		return "read did not set Accessed";
	return (p & 0x40) ? "read set Dirty" : NULL;
}

static const char *check_no_ad(const struct okvm_emul *e, const u8 *ram)
{
	(void)ram;
	return (pte_of(e, VA_RO) & 0x60) ? "faulting write set Accessed/Dirty" : NULL;
}

const struct tcase emul_cases[] = {
/* ================= MOV, 64-bit mode ================= */
{ "mov_m8_r8_64", M_L64, "88 03", { R(RAX, A64), R(RBX, M) }, .mmio = { WR(M, 1, 0x88) } },
{ "mov_m8_ah_64", M_L64, "88 23", { R(RAX, A64), R(RBX, M) }, .mmio = { WR(M, 1, 0x77) } },
{ "mov_m8_spl_rex_64", M_L64, "40 88 23", { R(RSP, 0xa5), R(RBX, M) }, .mmio = { WR(M, 1, 0xa5) } },
{ "mov_m8_r12b_64", M_L64, "44 88 23", { R(R12, 0x3c), R(RBX, M) }, .mmio = { WR(M, 1, 0x3c) } },
{ "mov_m16_r16_64", M_L64, "66 89 03", { R(RAX, A64), R(RBX, M) }, .mmio = { WR(M, 2, 0x7788) } },
{ "mov_m32_r32_64", M_L64, "89 03", { R(RAX, A64), R(RBX, M) }, .mmio = { WR(M, 4, 0x55667788) } },
{ "mov_m64_r64_64", M_L64, "48 89 03", { R(RAX, A64), R(RBX, M) }, .mmio = { WR(M, 8, A64) } },
{ "mov_r8_m8_64", M_L64, "8a 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x112233445566775aULL) },
  .mmio = { RD(M, 1, 0x5a) } },
{ "mov_ah_m8_64", M_L64, "8a 23", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x1122334455665a88ULL) },
  .mmio = { RD(M, 1, 0x5a) } },
{ "mov_sil_m8_rex_64", M_L64, "40 8a 33", { R(RSI, A64), R(RBX, M) }, { R(RSI, 0x112233445566775aULL) },
  .mmio = { RD(M, 1, 0x5a) } },
{ "mov_r16_m16_64", M_L64, "66 8b 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x112233445566beefULL) },
  .mmio = { RD(M, 2, 0xbeef) } },
{ "mov_r32_m32_64", M_L64, "8b 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0xdeadbeef) },
  .mmio = { RD(M, 4, 0xdeadbeef) } },
{ "mov_r64_m64_64", M_L64, "48 8b 03", { R(RBX, M) }, { R(RAX, 0x0102030405060708ULL) },
  .mmio = { RD(M, 8, 0x0102030405060708ULL) } },
{ "mov_r15_m64_rexr_64", M_L64, "4c 8b 3b", { R(RBX, M) }, { R(R15, 0x0102030405060708ULL) },
  .mmio = { RD(M, 8, 0x0102030405060708ULL) } },
{ "mov_m8_imm8_64", M_L64, "c6 03 5a", { R(RBX, M) }, .mmio = { WR(M, 1, 0x5a) } },
{ "mov_m16_imm16_64", M_L64, "66 c7 03 34 12", { R(RBX, M) }, .mmio = { WR(M, 2, 0x1234) } },
{ "mov_m32_imm32_64", M_L64, "c7 03 78 56 34 12", { R(RBX, M) }, .mmio = { WR(M, 4, 0x12345678) } },
{ "mov_m64_imm32_sext_64", M_L64, "48 c7 03 f0 ff ff ff", { R(RBX, M) },
  .mmio = { WR(M, 8, 0xfffffffffffffff0ULL) } },
{ "mov_al_moffs64_64", M_L64, "a0 00 00 c0 fe 00 00 00 00", { R(RAX, A64) }, { R(RAX, 0x1122334455667742ULL) },
  .mmio = { RD(M, 1, 0x42) } },
{ "mov_eax_moffs64_64", M_L64, "a1 08 00 c0 fe 00 00 00 00", { R(RAX, A64) }, { R(RAX, 0xcafef00d) },
  .mmio = { RD(M + 8, 4, 0xcafef00d) } },
{ "mov_rax_moffs64_64", M_L64, "48 a1 08 00 c0 fe 00 00 00 00", { R(RAX, A64) },
  { R(RAX, 0x8877665544332211ULL) }, .mmio = { RD(M + 8, 8, 0x8877665544332211ULL) } },
{ "mov_moffs64_al_64", M_L64, "a2 10 00 c0 fe 00 00 00 00", { R(RAX, A64) }, .mmio = { WR(M + 0x10, 1, 0x88) } },
{ "mov_moffs64_ax_64", M_L64, "66 a3 10 00 c0 fe 00 00 00 00", { R(RAX, A64) },
  .mmio = { WR(M + 0x10, 2, 0x7788) } },
{ "mov_moffs64_rax_64", M_L64, "48 a3 10 00 c0 fe 00 00 00 00", { R(RAX, A64) },
  .mmio = { WR(M + 0x10, 8, A64) } },
{ "mov_eax_moffs32_addr32_64", M_L64, "67 a1 04 00 c0 fe", { R(RAX, A64) }, { R(RAX, 0x12345678) },
  .mmio = { RD(M + 4, 4, 0x12345678) } },
{ "mov_eax_moffs_fs_64", M_L64, "64 a1 10 00 00 00 00 00 00 00", { R(RAX, A64) }, { R(RAX, 0x99) },
  .mmio = { RD(MMIO16 + 0x10, 4, 0x99) } },
/* Addressing in 64-bit mode. */
{ "mov_sib_scale4_64", M_L64, "89 04 8b", { R(RAX, A64), R(RBX, M), R(RCX, 4) },
  .mmio = { WR(M + 16, 4, 0x55667788) } },
{ "mov_disp8_neg_64", M_L64, "89 43 f0", { R(RAX, A64), R(RBX, M + 0x20) }, .mmio = { WR(M + 0x10, 4, 0x55667788) } },
{ "mov_disp32_64", M_L64, "89 83 00 01 00 00", { R(RAX, A64), R(RBX, M) }, .mmio = { WR(M + 0x100, 4, 0x55667788) } },
{ "mov_rex_xb_r8_r9_64", M_L64, "43 89 04 08", { R(RAX, A64), R(R8, M), R(R9, 0x20) },
  .mmio = { WR(M + 0x20, 4, 0x55667788) } },
{ "mov_r13_base_disp8_64", M_L64, "41 89 45 00", { R(RAX, A64), R(R13, M + 4) }, .mmio = { WR(M + 4, 4, 0x55667788) } },
{ "mov_r12_base_sib_64", M_L64, "41 89 04 24", { R(RAX, A64), R(R12, M + 8) }, .mmio = { WR(M + 8, 4, 0x55667788) } },
{ "mov_rsp_base_64", M_L64, "89 04 24", { R(RAX, A64), R(RSP, M + 12) }, .mmio = { WR(M + 12, 4, 0x55667788) } },
{ "mov_sib_disp32_nobase_64", M_L64, "8b 04 25 00 30 00 00", { R(RAX, A64) }, { R(RAX, 0x0badcafe) },
  .mem_in = { MEM(0x3000, 4, 0x0badcafe) } },
{ "mov_riprel_64", M_L64, "8b 05 fa 1f 00 00", { R(RAX, A64) }, { R(RAX, 0x0badcafe) },
  .mem_in = { MEM(0x3000, 4, 0x0badcafe) } },
{ "mov_riprel_imm_64", M_L64, "c7 05 f6 1f 00 00 78 56 34 12", .mem_out = { MEM(0x3000, 4, 0x12345678) } },
{ "mov_riprel_addr32_64", M_L64, "67 8b 05 f9 1f 00 00", { R(RAX, A64) }, { R(RAX, 0x0badcafe) },
  .mem_in = { MEM(0x3000, 4, 0x0badcafe) } },
{ "mov_addr32_64", M_L64, "67 89 03", { R(RAX, A64), R(RBX, 0xabcdef00fec00000ULL) },
  .mmio = { WR(M, 4, 0x55667788) } },
{ "mov_fs_override_64", M_L64, "64 89 03", { R(RAX, A64), R(RBX, 0x20) }, .mmio = { WR(MMIO16 + 0x20, 4, 0x55667788) } },
{ "mov_gs_override_64", M_L64, "65 8b 03", { R(RBX, 8) }, { R(RAX, 0x77) }, .mmio = { RD(M + 8, 4, 0x77) } },
{ "mov_ds_base_ignored_64", M_L64, "3e 89 03", { R(RAX, A64), R(RBX, M) }, .mmio = { WR(M, 4, 0x55667788) },
  .setup = ds_base_1000 },
{ "mov_high_canonical_64", M_L64, "48 89 03", { R(RAX, A64), R(RBX, VA_HIGH + 8) }, .mem_out = { MEM(0x3008, 8, A64) } },
{ "mov_rex_then_66_64", M_L64, "48 66 89 03", { R(RAX, A64), R(RBX, M) }, .mmio = { WR(M, 2, 0x7788) } },
{ "mov_66_then_rexw_64", M_L64, "66 48 89 03", { R(RAX, A64), R(RBX, M) }, .mmio = { WR(M, 8, A64) } },
{ "mov_15_bytes_64", M_L64, "66 66 66 66 66 66 66 66 66 66 66 66 66 89 03", { R(RAX, A64), R(RBX, M) },
  .mmio = { WR(M, 2, 0x7788) } },
{ "mov_rep_prefix_ignored_64", M_L64, "f3 89 03", { R(RAX, A64), R(RBX, M) }, .mmio = { WR(M, 4, 0x55667788) } },
{ "mov_sets_dirty_64", M_L64, "89 03", { R(RAX, A64), R(RBX, M) }, .mmio = { WR(M, 4, 0x55667788) },
  .check = check_ad_write },
{ "mov_read_sets_accessed_64", M_L64, "8b 03", { R(RBX, VA_RO) }, { R(RAX, 0x42) },
  .mem_in = { MEM(0x5000, 4, 0x42) }, .check = check_a_read },
{ "mov_code_crosses_page_64", M_L64, "48 89 03", { R(RAX, A64), R(RBX, M) }, .mmio = { WR(M, 8, A64) },
  .setup = code_cross_page, .len = 3 },
{ "mov_split_mmio_pages_64", M_L64, "89 03", { R(RAX, A64), R(RBX, M + 0xffe) },
  .mmio = { WR(M + 0xffe, 2, 0x7788), WR(M + 0x1000, 2, 0x5566) } },
{ "mov_read_split_mmio_pages_64", M_L64, "48 8b 03", { R(RBX, M + 0xffd) }, { R(RAX, 0x8877665544332211ULL) },
  .mmio = { RD(M + 0xffd, 3, 0x332211), RD(M + 0x1000, 5, 0x8877665544ULL) } },
{ "mov_large_2m_64", M_L64, "8b 03", { R(RBX, 0x40003000) }, { R(RAX, 0x42) },
  .mem_in = { MEM(0x3000, 4, 0x42) }, .setup = large_2m },
{ "mov_large_1g_64", M_L64, "8b 03", { R(RBX, 0x80003000ULL) }, { R(RAX, 0x43) },
  .mem_in = { MEM(0x3000, 4, 0x43) }, .setup = large_1g },

/* ================= MOV, 32-bit modes ================= */
{ "mov_m32_r32_32", M_P32, "89 03", { R(RAX, 0x55667788), R(RBX, 0xfffffffffec00000ULL) },
  .mmio = { WR(M, 4, 0x55667788) } },
{ "mov_m16_r16_32", M_P32, "66 89 03", { R(RAX, 0x55667788), R(RBX, M) }, .mmio = { WR(M, 2, 0x7788) } },
{ "mov_m8_r8_32", M_P32, "88 03", { R(RAX, 0x55667788), R(RBX, M) }, .mmio = { WR(M, 1, 0x88) } },
{ "mov_m8_bh_32", M_P32, "88 3b", { R(RBX, M + 0x4200) }, .mmio = { WR(M + 0x4200, 1, 0x42) } },
{ "mov_r8_m8_32", M_P32, "8a 23", { R(RAX, 0x55667788), R(RBX, M) }, { R(RAX, 0x5566aa88) },
  .mmio = { RD(M, 1, 0xaa) } },
{ "mov_r32_m32_32", M_P32, "8b 03", { R(RAX, 0), R(RBX, M) }, { R(RAX, 0x87654321) }, .mmio = { RD(M, 4, 0x87654321) } },
{ "mov_r16_m16_32", M_P32, "66 8b 0b", { R(RCX, 0xaaaabbbb), R(RBX, M) }, { R(RCX, 0xaaaa4321) },
  .mmio = { RD(M, 2, 0x4321) } },
{ "mov_m8_imm8_32", M_P32, "c6 03 5a", { R(RBX, M) }, .mmio = { WR(M, 1, 0x5a) } },
{ "mov_m16_imm16_32", M_P32, "66 c7 03 34 12", { R(RBX, M) }, .mmio = { WR(M, 2, 0x1234) } },
{ "mov_m32_imm32_32", M_P32, "c7 03 78 56 34 12", { R(RBX, M) }, .mmio = { WR(M, 4, 0x12345678) } },
{ "mov_eax_moffs32_32", M_P32, "a1 00 00 c0 fe", { R(RAX, 0) }, { R(RAX, 0x11) }, .mmio = { RD(M, 4, 0x11) } },
{ "mov_al_moffs32_32", M_P32, "a0 01 00 c0 fe", { R(RAX, 0x1234) }, { R(RAX, 0x1211) }, .mmio = { RD(M + 1, 1, 0x11) } },
{ "mov_moffs32_eax_32", M_P32, "a3 00 00 c0 fe", { R(RAX, 0x1234) }, .mmio = { WR(M, 4, 0x1234) } },
{ "mov_moffs32_al_32", M_P32, "a2 00 00 c0 fe", { R(RAX, 0x1234) }, .mmio = { WR(M, 1, 0x34) } },
{ "mov_moffs16_addr16_32", M_P32, "67 a3 00 30", { R(RAX, 0x1234) }, .mem_out = { MEM(0x3000, 4, 0x1234) } },
{ "mov_disp32_abs_32", M_P32, "89 05 00 00 c0 fe", { R(RAX, 0x1234) }, .mmio = { WR(M, 4, 0x1234) } },
{ "mov_sib_index_disp32_32", M_P32, "89 04 8d 00 00 c0 fe", { R(RAX, 0x1234), R(RCX, 2) },
  .mmio = { WR(M + 8, 4, 0x1234) } },
{ "mov_sib_base_index_disp8_32", M_P32, "89 44 8b 10", { R(RAX, 0x1234), R(RBX, M), R(RCX, 1) },
  .mmio = { WR(M + 0x14, 4, 0x1234) } },
{ "mov_ebp_sib_index_32", M_P32, "89 44 f5 10", { R(RAX, 0x1234), R(RBP, M), R(RSI, 2) },
  .mmio = { WR(M + 0x20, 4, 0x1234) } },
{ "ss_esp_base_limit_32", M_P32, "89 04 24", { R(RSP, 0x2000) }, .result = EXC, .vector = SS, .setup = ss_limit_fff },
{ "ss_ebp_sib_limit_32", M_P32, "89 44 f5 10", { R(RBP, 0x2000), R(RSI, 0) }, .result = EXC, .vector = SS,
  .setup = ss_limit_fff },
{ "gp_ebx_ebp_index_not_ss_32", M_P32, "89 04 2b", { R(RBX, 0x2000), R(RBP, 0) }, .result = EXC, .vector = GP,
  .setup = ds_limit_fff },
{ "mov_ebp_disp8_ss_32", M_P32, "89 45 08", { R(RAX, 0x1234), R(RBP, M) }, .mmio = { WR(M + 8, 4, 0x1234) } },
{ "mov_addr16_bx_32", M_P32, "67 8b 07", { R(RAX, 0), R(RBX, 0xffff3010) }, { R(RAX, 0x99) },
  .mem_in = { MEM(0x3010, 4, 0x99) } },
{ "mov_fs_override_32", M_P32, "64 89 03", { R(RAX, 0x1234), R(RBX, 0x20) }, .mmio = { WR(MMIO16 + 0x20, 4, 0x1234) } },
{ "mov_gs_override_32", M_P32, "65 8b 03", { R(RAX, 0), R(RBX, 0x20) }, { R(RAX, 5) }, .mmio = { RD(M + 0x20, 4, 5) } },
{ "mov_cs_override_read_32", M_P32, "2e 8b 03", { R(RAX, 0), R(RBX, 0x3000) }, { R(RAX, 0x77) },
  .mem_in = { MEM(0x3000, 4, 0x77) } },
{ "mov_m32_r32_pg32", M_PG32, "89 03", { R(RAX, 0x1234), R(RBX, M) }, .mmio = { WR(M, 4, 0x1234) },
  .check = check_ad_write },
{ "mov_r32_m32_pg32", M_PG32, "8b 03", { R(RAX, 0), R(RBX, VA_RO) }, { R(RAX, 0x42) },
  .mem_in = { MEM(0x5000, 4, 0x42) }, .check = check_a_read },
{ "mov_large_4m_pg32", M_PG32, "8b 03", { R(RAX, 0), R(RBX, 0x40003000) }, { R(RAX, 0x42) },
  .mem_in = { MEM(0x3000, 4, 0x42) }, .setup = large_4m },
{ "mov_large_4m_pse36_pg32", M_PG32, "8b 03", { R(RAX, 0), R(RBX, 0x40003000) }, { R(RAX, 0x42) },
  .mmio = { RD(0x100003000ULL, 4, 0x42) }, .setup = large_4m_pse36 },
{ "mov_m32_r32_pae", M_PAE, "89 03", { R(RAX, 0x1234), R(RBX, M) }, .mmio = { WR(M, 4, 0x1234) },
  .check = check_ad_write },
{ "mov_r32_m32_pae", M_PAE, "8b 03", { R(RAX, 0), R(RBX, VA_RO) }, { R(RAX, 0x42) },
  .mem_in = { MEM(0x5000, 4, 0x42) }, .check = check_a_read },
{ "mov_large_2m_pae", M_PAE, "8b 03", { R(RAX, 0), R(RBX, 0x40003000) }, { R(RAX, 0x42) },
  .mem_in = { MEM(0x3000, 4, 0x42) }, .setup = large_2m },
{ "mov_m32_r32_compat", M_C32, "89 03", { R(RAX, 0x1234), R(RBX, M) }, .mmio = { WR(M, 4, 0x1234) } },
{ "mov_r8_m8_compat_no_rex", M_C32, "40 8a 03", { R(RAX, 0x1234), R(RBX, M) }, { R(RAX, 0x1234), R(RBX, M) },
  .result = UNH, .len = 1 },

/* ================= MOV, 16-bit modes ================= */
{ "mov_m16_r16_16", M_R16, "89 07", { R(RAX, 0x1234), R(RBX, 0xffffffffffff0010ULL) },
  .mmio = { WR(MMIO16 + 0x10, 2, 0x1234) } },
{ "mov_m32_r32_opsize_16", M_R16, "66 89 07", { R(RAX, 0x12345678), R(RBX, 0x10) },
  .mmio = { WR(MMIO16 + 0x10, 4, 0x12345678) } },
{ "mov_m8_r8_16", M_R16, "88 27", { R(RAX, 0x1234), R(RBX, 0x10) }, .mmio = { WR(MMIO16 + 0x10, 1, 0x12) } },
{ "mov_r16_m16_16", M_R16, "8b 07", { R(RAX, A64), R(RBX, 0x10) }, { R(RAX, 0x112233445566beefULL) },
  .mmio = { RD(MMIO16 + 0x10, 2, 0xbeef) } },
{ "mov_r8_m8_16", M_R16, "8a 27", { R(RAX, 0x1234), R(RBX, 0x10) }, { R(RAX, 0xab34) },
  .mmio = { RD(MMIO16 + 0x10, 1, 0xab) } },
{ "mov_m8_imm8_16", M_R16, "c6 07 5a", { R(RBX, 0x10) }, .mmio = { WR(MMIO16 + 0x10, 1, 0x5a) } },
{ "mov_m16_imm16_16", M_R16, "c7 07 34 12", { R(RBX, 0x10) }, .mmio = { WR(MMIO16 + 0x10, 2, 0x1234) } },
{ "mov_m32_imm32_16", M_R16, "66 c7 07 78 56 34 12", { R(RBX, 0x10) }, .mmio = { WR(MMIO16 + 0x10, 4, 0x12345678) } },
{ "mov_ax_moffs16_16", M_R16, "a1 34 12", { R(RAX, 0) }, { R(RAX, 0x5678) }, .mmio = { RD(MMIO16 + 0x1234, 2, 0x5678) } },
{ "mov_al_moffs16_16", M_R16, "a0 34 12", { R(RAX, 0) }, { R(RAX, 0x78) }, .mmio = { RD(MMIO16 + 0x1234, 1, 0x78) } },
{ "mov_moffs16_ax_16", M_R16, "a3 34 12", { R(RAX, 0x5678) }, .mmio = { WR(MMIO16 + 0x1234, 2, 0x5678) } },
{ "mov_moffs16_al_16", M_R16, "a2 34 12", { R(RAX, 0x5678) }, .mmio = { WR(MMIO16 + 0x1234, 1, 0x78) } },
{ "mov_eax_moffs16_16", M_R16, "66 a1 34 12", { R(RAX, 0) }, { R(RAX, 0x12345678) },
  .mmio = { RD(MMIO16 + 0x1234, 4, 0x12345678) } },
{ "mov_moffs_gs_16", M_R16, "65 a3 00 01", { R(RAX, 0x5678) }, .mmio = { WR(0xb0100, 2, 0x5678) } },
{ "mov_bx_si_16", M_R16, "8b 00", { R(RAX, 0), R(RBX, 0x10), R(RSI, 0x20) }, { R(RAX, 1) }, .mmio = { RD(MMIO16 + 0x30, 2, 1) } },
{ "mov_bx_di_16", M_R16, "8b 01", { R(RAX, 0), R(RBX, 0x10), R(RDI, 0x30) }, { R(RAX, 2) }, .mmio = { RD(MMIO16 + 0x40, 2, 2) } },
{ "mov_bp_si_ss_16", M_R16, "8b 02", { R(RAX, 0), R(RBP, 0x2000), R(RSI, 0x1000) }, { R(RAX, 3) },
  .mem_in = { MEM(0x3000, 2, 3) } },
{ "mov_bp_di_ss_16", M_R16, "8b 03", { R(RAX, 0), R(RBP, 0x2000), R(RDI, 0x1002) }, { R(RAX, 4) },
  .mem_in = { MEM(0x3002, 2, 4) } },
{ "mov_si_16", M_R16, "8b 04", { R(RAX, 0), R(RSI, 0x50) }, { R(RAX, 5) }, .mmio = { RD(MMIO16 + 0x50, 2, 5) } },
{ "mov_di_16", M_R16, "8b 05", { R(RAX, 0), R(RDI, 0x60) }, { R(RAX, 6) }, .mmio = { RD(MMIO16 + 0x60, 2, 6) } },
{ "mov_disp16_16", M_R16, "8b 06 34 12", { R(RAX, 0) }, { R(RAX, 7) }, .mmio = { RD(MMIO16 + 0x1234, 2, 7) } },
{ "mov_bx_16", M_R16, "8b 07", { R(RAX, 0), R(RBX, 0x70) }, { R(RAX, 8) }, .mmio = { RD(MMIO16 + 0x70, 2, 8) } },
{ "mov_bp_disp8_ss_16", M_R16, "8b 46 10", { R(RAX, 0), R(RBP, 0x3000) }, { R(RAX, 9) }, .mem_in = { MEM(0x3010, 2, 9) } },
{ "mov_bp_disp8_ds_override_16", M_R16, "3e 8b 46 10", { R(RAX, 0), R(RBP, 0x100) }, { R(RAX, 10) },
  .mmio = { RD(MMIO16 + 0x110, 2, 10) } },
{ "mov_bx_disp16_16", M_R16, "8b 87 00 01", { R(RAX, 0), R(RBX, 0x10) }, { R(RAX, 11) }, .mmio = { RD(MMIO16 + 0x110, 2, 11) } },
{ "mov_bx_si_disp8_neg_16", M_R16, "8b 40 ff", { R(RAX, 0), R(RBX, 0x10), R(RSI, 0x10) }, { R(RAX, 12) },
  .mmio = { RD(MMIO16 + 0x1f, 2, 12) } },
{ "mov_bx_si_wraps_16", M_R16, "8b 00", { R(RAX, 0), R(RBX, 0xffff), R(RSI, 2) }, { R(RAX, 13) },
  .mmio = { RD(MMIO16 + 1, 2, 13) } },
{ "mov_addr32_16", M_R16, "67 8b 03", { R(RAX, 0), R(RBX, 0xffffffff00000020ULL) }, { R(RAX, 14) },
  .mmio = { RD(MMIO16 + 0x20, 2, 14) } },
{ "mov_addr32_sib_16", M_R16, "67 8b 04 4b", { R(RAX, 0), R(RBX, 0x20), R(RCX, 0x8) }, { R(RAX, 15) },
  .mmio = { RD(MMIO16 + 0x30, 2, 15) } },
{ "mov_unreal_big_limit_16", M_R16, "67 8b 03", { R(RAX, 0), R(RBX, 0x100000) }, { R(RAX, 16) },
  .mmio = { RD(MMIO16 + 0x100000, 2, 16) }, .setup = ds_big },
{ "mov_m16_r16_prot16", M_P16, "89 07", { R(RAX, 0x1234), R(RBX, 0x10) }, .mmio = { WR(MMIO16 + 0x10, 2, 0x1234) } },
{ "mov_r16_m16_prot16", M_P16, "8b 46 04", { R(RAX, 0), R(RBP, 0x3000) }, { R(RAX, 0x55) }, .mem_in = { MEM(0x3004, 2, 0x55) } },
{ "mov_m16_r16_vm86", M_V86, "89 07", { R(RAX, 0x1234), R(RBX, 0x10) }, .mmio = { WR(MMIO16 + 0x10, 2, 0x1234) } },
{ "mov_split_ram_mmio_16", M_R16, "66 64 89 07", { R(RAX, 0x12345678), R(RBX, 0xfffc) },
  .mem_out = { MEM(0x9fffe, 2, 0x5678) }, .mmio = { WR(0xa0000, 2, 0x1234) }, .setup = fs_base_90002 },

/* ================= MOVZX / MOVSX / MOVSXD ================= */
{ "movzx_r32_m8_64", M_L64, "0f b6 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x80) }, .mmio = { RD(M, 1, 0x80) } },
{ "movsx_r32_m8_64", M_L64, "0f be 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0xffffff80) }, .mmio = { RD(M, 1, 0x80) } },
{ "movsx_r64_m8_64", M_L64, "48 0f be 03", { R(RBX, M) }, { R(RAX, 0xffffffffffffff80ULL) }, .mmio = { RD(M, 1, 0x80) } },
{ "movzx_r32_m16_64", M_L64, "0f b7 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x8001) }, .mmio = { RD(M, 2, 0x8001) } },
{ "movsx_r32_m16_64", M_L64, "0f bf 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0xffff8001) }, .mmio = { RD(M, 2, 0x8001) } },
{ "movsx_r64_m16_64", M_L64, "48 0f bf 03", { R(RBX, M) }, { R(RAX, 0xffffffffffff8001ULL) }, .mmio = { RD(M, 2, 0x8001) } },
{ "movzx_r16_m8_64", M_L64, "66 0f b6 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x1122334455660080ULL) },
  .mmio = { RD(M, 1, 0x80) } },
{ "movsx_r16_m8_64", M_L64, "66 0f be 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x112233445566ff80ULL) },
  .mmio = { RD(M, 1, 0x80) } },
{ "movzx_r8d_m8_64", M_L64, "44 0f b6 03", { R(R8, A64), R(RBX, M) }, { R(R8, 0x7f) }, .mmio = { RD(M, 1, 0x7f) } },
{ "movzx_r32_ah_64", M_L64, "0f b6 c4", { R(RAX, 0xabcd) }, { R(RAX, 0xab) } },
{ "movsxd_r64_m32_64", M_L64, "48 63 03", { R(RBX, M) }, { R(RAX, 0xffffffff80000000ULL) }, .mmio = { RD(M, 4, 0x80000000) } },
{ "movsxd_r32_m32_64", M_L64, "63 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x80000000) }, .mmio = { RD(M, 4, 0x80000000) } },
{ "movzx_r32_m8_32", M_P32, "0f b6 03", { R(RAX, 0x12345678), R(RBX, M) }, { R(RAX, 0xfe) }, .mmio = { RD(M, 1, 0xfe) } },
{ "movsx_r32_m16_32", M_P32, "0f bf 03", { R(RAX, 0x12345678), R(RBX, M) }, { R(RAX, 0xfffffffe) }, .mmio = { RD(M, 2, 0xfffe) } },
{ "movzx_r32_m16_32", M_P32, "0f b7 03", { R(RAX, 0x12345678), R(RBX, M) }, { R(RAX, 0xfffe) }, .mmio = { RD(M, 2, 0xfffe) } },
{ "movsx_r32_m8_32", M_P32, "0f be 03", { R(RAX, 0x12345678), R(RBX, M) }, { R(RAX, 0xfffffffe) }, .mmio = { RD(M, 1, 0xfe) } },
{ "movzx_r16_m16_16", M_R16, "0f b7 07", { R(RAX, 0x12345678), R(RBX, 0x10) }, { R(RAX, 0x1234fffe) },
  .mmio = { RD(MMIO16 + 0x10, 2, 0xfffe) } },
{ "movzx_r32_m16_16", M_R16, "66 0f b7 07", { R(RAX, 0x12345678), R(RBX, 0x10) }, { R(RAX, 0xfffe) },
  .mmio = { RD(MMIO16 + 0x10, 2, 0xfffe) } },
{ "movzx_r16_m8_16", M_R16, "0f b6 07", { R(RAX, 0x12345678), R(RBX, 0x10) }, { R(RAX, 0x123400fe) },
  .mmio = { RD(MMIO16 + 0x10, 1, 0xfe) } },
{ "movsx_r16_m8_16", M_R16, "0f be 07", { R(RAX, 0x12345678), R(RBX, 0x10) }, { R(RAX, 0x1234fffe) },
  .mmio = { RD(MMIO16 + 0x10, 1, 0xfe) } },
{ "movsx_r32_m16_16", M_R16, "66 0f bf 07", { R(RAX, 0x12345678), R(RBX, 0x10) }, { R(RAX, 0xfffffffe) },
  .mmio = { RD(MMIO16 + 0x10, 2, 0xfffe) } },

/* ================= MOVS / STOS / LODS / CMPS / SCAS ================= */
{ "movsb_mmio_to_ram_64", M_L64, "a4", { R(RSI, M), R(RDI, 0x3000) }, { R(RSI, M + 1), R(RDI, 0x3001) },
  .mmio = { RD(M, 1, 0x5a) }, .mem_out = { MEM(0x3000, 1, 0x5a) } },
{ "movsw_64", M_L64, "66 a5", { R(RSI, M), R(RDI, 0x3000) }, { R(RSI, M + 2), R(RDI, 0x3002) },
  .mmio = { RD(M, 2, 0x1234) }, .mem_out = { MEM(0x3000, 2, 0x1234) } },
{ "movsd_64", M_L64, "a5", { R(RSI, M), R(RDI, 0x3000) }, { R(RSI, M + 4), R(RDI, 0x3004) },
  .mmio = { RD(M, 4, 0x12345678) }, .mem_out = { MEM(0x3000, 4, 0x12345678) } },
{ "movsq_ram_to_mmio_64", M_L64, "48 a5", { R(RSI, 0x3000), R(RDI, M) }, { R(RSI, 0x3008), R(RDI, M + 8) },
  .mem_in = { MEM(0x3000, 8, A64) }, .mmio = { WR(M, 8, A64) } },
{ "movsb_mmio_to_mmio_64", M_L64, "a4", { R(RSI, M), R(RDI, M + 0x100) }, { R(RSI, M + 1), R(RDI, M + 0x101) },
  .mmio = { RD(M, 1, 0x5a), WR(M + 0x100, 1, 0x5a) } },
{ "rep_movsb_64", M_L64, "f3 a4", { R(RSI, M), R(RDI, 0x3000), R(RCX, 3) },
  { R(RSI, M + 3), R(RDI, 0x3003), R(RCX, 0) },
  .mmio = { RD(M, 1, 0x11), RD(M + 1, 1, 0x22), RD(M + 2, 1, 0x33) }, .mem_out = { MEM(0x3000, 3, 0x332211) } },
{ "rep_movsq_64", M_L64, "f3 48 a5", { R(RSI, 0x3000), R(RDI, M), R(RCX, 2) },
  { R(RSI, 0x3010), R(RDI, M + 0x10), R(RCX, 0) },
  .mem_in = { MEM(0x3000, 8, A64), MEM(0x3008, 8, 0x99) }, .mmio = { WR(M, 8, A64), WR(M + 8, 8, 0x99) } },
{ "rep_movsd_backwards_64", M_L64, "f3 a5", { R(RSI, M + 4), R(RDI, 0x3004), R(RCX, 2) },
  { R(RSI, M - 4), R(RDI, 0x2ffc), R(RCX, 0) }, .fl_in = F_DF,
  .mmio = { RD(M + 4, 4, 0x44444444), RD(M, 4, 0x33333333) },
  .mem_out = { MEM(0x3000, 8, 0x4444444433333333ULL) } },
{ "rep_movs_mmio_to_mmio_64", M_L64, "f3 66 a5", { R(RSI, M), R(RDI, M + 0x100), R(RCX, 2) },
  { R(RSI, M + 4), R(RDI, M + 0x104), R(RCX, 0) },
  .mmio = { RD(M, 2, 0x1111), WR(M + 0x100, 2, 0x1111), RD(M + 2, 2, 0x2222), WR(M + 0x102, 2, 0x2222) } },
{ "rep_movs_rcx0_64", M_L64, "f3 a4", { R(RSI, M), R(RDI, 0x3000), R(RCX, 0) } },
{ "rep_movs_addr32_64", M_L64, "67 f3 a4", { R(RSI, 0x12345678fec00000ULL), R(RDI, 0xffffffff00003000ULL),
  R(RCX, 0xffffffff00000002ULL) }, { R(RSI, 0xfec00002), R(RDI, 0x3002), R(RCX, 0) },
  .mmio = { RD(M, 1, 1), RD(M + 1, 1, 2) }, .mem_out = { MEM(0x3000, 2, 0x0201) } },
{ "movs_fs_source_64", M_L64, "64 a4", { R(RSI, 0x10), R(RDI, 0x3000) }, { R(RSI, 0x11), R(RDI, 0x3001) },
  .mmio = { RD(MMIO16 + 0x10, 1, 0x5a) }, .mem_out = { MEM(0x3000, 1, 0x5a) } },
{ "rep_movs_cut_short_64", M_L64, "f3 48 a5", { R(RSI, 0x10000), R(RDI, 0x30000), R(RCX, 1030) },
  { R(RSI, 0x12000), R(RDI, 0x32000), R(RCX, 6) }, .rip_same = 1 },
{ "stosb_64", M_L64, "aa", { R(RAX, A64), R(RDI, M) }, { R(RDI, M + 1) }, .mmio = { WR(M, 1, 0x88) } },
{ "stosw_64", M_L64, "66 ab", { R(RAX, A64), R(RDI, M) }, { R(RDI, M + 2) }, .mmio = { WR(M, 2, 0x7788) } },
{ "stosd_64", M_L64, "ab", { R(RAX, A64), R(RDI, M) }, { R(RDI, M + 4) }, .mmio = { WR(M, 4, 0x55667788) } },
{ "stosq_64", M_L64, "48 ab", { R(RAX, A64), R(RDI, M) }, { R(RDI, M + 8) }, .mmio = { WR(M, 8, A64) } },
{ "rep_stosd_64", M_L64, "f3 ab", { R(RAX, 0xab), R(RDI, M), R(RCX, 3) }, { R(RDI, M + 12), R(RCX, 0) },
  .mmio = { WR(M, 4, 0xab), WR(M + 4, 4, 0xab), WR(M + 8, 4, 0xab) } },
{ "rep_stosq_ram_64", M_L64, "f3 48 ab", { R(RAX, A64), R(RDI, 0x3000), R(RCX, 2) }, { R(RDI, 0x3010), R(RCX, 0) },
  .mem_out = { MEM(0x3000, 8, A64), MEM(0x3008, 8, A64) } },
{ "rep_stosb_backwards_64", M_L64, "f3 aa", { R(RAX, 0x7f), R(RDI, M + 1), R(RCX, 2) }, { R(RDI, M - 1), R(RCX, 0) },
  .fl_in = F_DF, .mmio = { WR(M + 1, 1, 0x7f), WR(M, 1, 0x7f) } },
{ "lodsb_64", M_L64, "ac", { R(RAX, A64), R(RSI, M) }, { R(RAX, 0x1122334455667701ULL), R(RSI, M + 1) },
  .mmio = { RD(M, 1, 1) } },
{ "lodsq_64", M_L64, "48 ad", { R(RSI, M) }, { R(RAX, A64), R(RSI, M + 8) }, .mmio = { RD(M, 8, A64) } },
{ "cmpsb_equal_64", M_L64, "a6", { R(RSI, M), R(RDI, 0x3000) }, { R(RSI, M + 1), R(RDI, 0x3001) },
  .fl_out = F_ZF | F_PF, .mmio = { RD(M, 1, 5) }, .mem_in = { MEM(0x3000, 1, 5) } },
{ "repe_cmpsb_64", M_L64, "f3 a6", { R(RSI, M), R(RDI, 0x3000), R(RCX, 4) },
  { R(RSI, M + 3), R(RDI, 0x3003), R(RCX, 1) }, .fl_out = F_CF | F_AF | F_SF | F_PF,
  .mmio = { RD(M, 1, 1), RD(M + 1, 1, 2), RD(M + 2, 1, 2) }, .mem_in = { MEM(0x3000, 3, 0x030201) } },
{ "scasb_64", M_L64, "ae", { R(RAX, 0x5a), R(RDI, M) }, { R(RDI, M + 1) }, .fl_out = F_ZF | F_PF,
  .mmio = { RD(M, 1, 0x5a) } },
{ "repne_scasb_64", M_L64, "f2 ae", { R(RAX, 0), R(RDI, M), R(RCX, 5) }, { R(RDI, M + 3), R(RCX, 2) },
  .fl_out = F_ZF | F_PF, .mmio = { RD(M, 1, 1), RD(M + 1, 1, 2), RD(M + 2, 1, 0) } },
{ "movsb_mmio_to_mmio_16", M_R16, "a4", { R(RSI, 0x10), R(RDI, 0x20) }, { R(RSI, 0x11), R(RDI, 0x21) },
  .mmio = { RD(MMIO16 + 0x10, 1, 0x5a), WR(MMIO16 + 0x20, 1, 0x5a) } },
{ "movsw_ss_source_16", M_R16, "36 a5", { R(RSI, 0x3000), R(RDI, 0x20) }, { R(RSI, 0x3002), R(RDI, 0x22) },
  .mem_in = { MEM(0x3000, 2, 0xbeef) }, .mmio = { WR(MMIO16 + 0x20, 2, 0xbeef) } },
{ "rep_movsw_cx_16", M_R16, "f3 64 a5", { R(RSI, 0xffffffffffff3000ULL), R(RDI, 0x20), R(RCX, 0xffffffffffff0002ULL) },
  { R(RSI, 0xffffffffffff3004ULL), R(RDI, 0x24), R(RCX, 0xffffffffffff0000ULL) },
  .mem_in = { MEM(0x3000, 4, 0x22221111) }, .mmio = { WR(MMIO16 + 0x20, 2, 0x1111), WR(MMIO16 + 0x22, 2, 0x2222) } },
{ "movsb_si_wraps_16", M_R16, "64 a4", { R(RSI, 0x1234ffff), R(RDI, 0x20) }, { R(RSI, 0x12340000), R(RDI, 0x21) },
  .mem_in = { MEM(0xffff, 1, 0x77) }, .mmio = { WR(MMIO16 + 0x20, 1, 0x77) } },
{ "rep_stosb_16", M_R16, "f3 aa", { R(RAX, 0x41), R(RDI, 0x20), R(RCX, 2) }, { R(RDI, 0x22), R(RCX, 0) },
  .mmio = { WR(MMIO16 + 0x20, 1, 0x41), WR(MMIO16 + 0x21, 1, 0x41) } },
{ "stosd_opsize_16", M_R16, "66 ab", { R(RAX, 0x12345678), R(RDI, 0x20) }, { R(RDI, 0x24) },
  .mmio = { WR(MMIO16 + 0x20, 4, 0x12345678) } },
{ "rep_movsb_addr32_16", M_R16, "67 f3 a4", { R(RSI, 0x10010), R(RDI, 0x20), R(RCX, 1) },
  { R(RSI, 0x10011), R(RDI, 0x21), R(RCX, 0) }, .setup = ds_big,
  .mmio = { RD(MMIO16 + 0x10010, 1, 1), WR(MMIO16 + 0x20, 1, 1) } },
{ "rep_movsd_32", M_P32, "f3 a5", { R(RSI, M), R(RDI, 0x3000), R(RCX, 2) }, { R(RSI, M + 8), R(RDI, 0x3008), R(RCX, 0) },
  .mmio = { RD(M, 4, 1), RD(M + 4, 4, 2) }, .mem_out = { MEM(0x3000, 8, 0x0000000200000001ULL) } },
{ "rep_stosd_32", M_P32, "f3 ab", { R(RAX, 7), R(RDI, M), R(RCX, 2) }, { R(RDI, M + 8), R(RCX, 0) },
  .mmio = { WR(M, 4, 7), WR(M + 4, 4, 7) } },
{ "stosb_32", M_P32, "aa", { R(RAX, 0x1234), R(RDI, M) }, { R(RDI, M + 1) }, .mmio = { WR(M, 1, 0x34) } },
{ "rep_stosw_backwards_32", M_P32, "66 f3 ab", { R(RAX, 0x1234), R(RDI, M + 2), R(RCX, 2) }, { R(RDI, M - 2), R(RCX, 0) },
  .fl_in = F_DF, .mmio = { WR(M + 2, 2, 0x1234), WR(M, 2, 0x1234) } },
{ "movsd_compat", M_C32, "a5", { R(RSI, M), R(RDI, 0x3000) }, { R(RSI, M + 4), R(RDI, 0x3004) },
  .mmio = { RD(M, 4, 0x01020304) }, .mem_out = { MEM(0x3000, 4, 0x01020304) } },
{ "rep_stosb_pg32", M_PG32, "f3 aa", { R(RAX, 0x55), R(RDI, M), R(RCX, 2) }, { R(RDI, M + 2), R(RCX, 0) },
  .mmio = { WR(M, 1, 0x55), WR(M + 1, 1, 0x55) } },
{ "movsb_es_dest_32", M_P32, "a4", { R(RSI, M), R(RDI, 0x3000) }, { R(RSI, M + 1), R(RDI, 0x3001) },
  .mmio = { RD(M, 1, 9) }, .mem_out = { MEM(0x3000, 1, 9) } },
{ "rep_movsd_pae", M_PAE, "f3 a5", { R(RSI, M), R(RDI, 0x3000), R(RCX, 1) }, { R(RSI, M + 4), R(RDI, 0x3004), R(RCX, 0) },
  .mmio = { RD(M, 4, 1) }, .mem_out = { MEM(0x3000, 4, 1) } },

/* ================= ALU with a memory operand ================= */
{ "add_m32_r32_64", M_L64, "01 03", { R(RAX, 1), R(RBX, M) }, .fl_out = F_CF | F_PF | F_AF | F_ZF,
  .mmio = { RD(M, 4, 0xffffffff), WR(M, 4, 0) } },
{ "or_m32_r32_64", M_L64, "09 03", { R(RAX, 0x0f), R(RBX, M) }, .fl_out = F_PF, .fl_undef = F_AF,
  .mmio = { RD(M, 4, 0xf0), WR(M, 4, 0xff) } },
{ "adc_m32_r32_64", M_L64, "11 03", { R(RAX, 1), R(RBX, M) }, .fl_in = F_CF, .fl_out = F_PF,
  .mmio = { RD(M, 4, 1), WR(M, 4, 3) } },
{ "sbb_m32_r32_64", M_L64, "19 03", { R(RAX, 3), R(RBX, M) }, .fl_in = F_CF, .fl_out = 0x2,
  .mmio = { RD(M, 4, 5), WR(M, 4, 1) } },
{ "and_m32_r32_64", M_L64, "21 03", { R(RAX, 0x0ff00ff0), R(RBX, M) }, .fl_out = F_PF, .fl_undef = F_AF,
  .mmio = { RD(M, 4, 0xff00ff00), WR(M, 4, 0x0f000f00) } },
{ "sub_m32_r32_64", M_L64, "29 03", { R(RAX, 1), R(RBX, M) }, .fl_out = F_CF | F_PF | F_AF | F_SF,
  .mmio = { RD(M, 4, 0), WR(M, 4, 0xffffffff) } },
{ "xor_m32_r32_64", M_L64, "31 03", { R(RAX, 0), R(RBX, M) }, .fl_out = F_SF | F_PF, .fl_undef = F_AF,
  .mmio = { RD(M, 4, 0x80000000), WR(M, 4, 0x80000000) } },
{ "cmp_m32_r32_64", M_L64, "39 03", { R(RAX, 0xffffffff), R(RBX, M) }, .fl_out = F_CF | F_PF | F_SF | F_OF,
  .mmio = { RD(M, 4, 0x7fffffff) } },
{ "add_m8_r8_64", M_L64, "00 03", { R(RAX, 0x7f), R(RBX, M) }, .fl_out = F_OF | F_SF | F_AF,
  .mmio = { RD(M, 1, 0x01), WR(M, 1, 0x80) } },
{ "add_m8_dh_64", M_L64, "00 33", { R(RDX, 0x0100), R(RBX, M) }, .fl_out = F_PF | F_CF | F_ZF | F_AF,
  .mmio = { RD(M, 1, 0xff), WR(M, 1, 0x00) } },
{ "add_m16_r16_64", M_L64, "66 01 03", { R(RAX, 0x8000), R(RBX, M) }, .fl_out = F_CF | F_ZF | F_PF | F_OF,
  .mmio = { RD(M, 2, 0x8000), WR(M, 2, 0) } },
{ "add_m64_r64_64", M_L64, "48 01 03", { R(RAX, 0x8000000000000000ULL), R(RBX, M) }, .fl_out = F_SF,
  .mmio = { RD(M, 8, 1), WR(M, 8, 0x8000000000000001ULL) } },
{ "add_r32_m32_64", M_L64, "03 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x55667789) }, .fl_out = 0x2,
  .mmio = { RD(M, 4, 1) } },
{ "add_r8_m8_64", M_L64, "02 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x1122334455667789ULL) }, .fl_out = F_SF,
  .mmio = { RD(M, 1, 1) } },
{ "sub_r64_m64_64", M_L64, "48 2b 03", { R(RAX, 5), R(RBX, M) }, { R(RAX, 0) }, .fl_out = F_ZF | F_PF,
  .mmio = { RD(M, 8, 5) } },
{ "cmp_r16_m16_64", M_L64, "66 3b 03", { R(RAX, 1), R(RBX, M) }, .fl_out = F_CF | F_SF | F_PF | F_AF,
  .mmio = { RD(M, 2, 2) } },
{ "add_m8_imm8_64", M_L64, "80 03 01", { R(RBX, M) }, .fl_out = F_PF, .mmio = { RD(M, 1, 2), WR(M, 1, 3) } },
{ "or_m8_imm8_64", M_L64, "80 0b 80", { R(RBX, M) }, .fl_out = F_SF | F_PF, .fl_undef = F_AF,
  .mmio = { RD(M, 1, 1), WR(M, 1, 0x81) } },
{ "add_m32_imm32_64", M_L64, "81 03 78 56 34 12", { R(RBX, M) }, .fl_out = F_PF,
  .mmio = { RD(M, 4, 0x10), WR(M, 4, 0x12345688) } },
{ "add_m16_imm16_64", M_L64, "66 81 03 34 12", { R(RBX, M) }, .fl_out = F_PF,
  .mmio = { RD(M, 2, 0x1), WR(M, 2, 0x1235) } },
{ "add_m64_imm32_sext_64", M_L64, "48 81 03 00 00 00 80", { R(RBX, M) }, .fl_out = F_SF | F_PF,
  .mmio = { RD(M, 8, 0), WR(M, 8, 0xffffffff80000000ULL) } },
{ "add_m32_imm8_sext_64", M_L64, "83 03 ff", { R(RBX, M) }, .fl_out = F_CF | F_ZF | F_PF | F_AF,
  .mmio = { RD(M, 4, 1), WR(M, 4, 0) } },
{ "add_m64_imm8_sext_64", M_L64, "48 83 03 ff", { R(RBX, M) }, .fl_out = F_SF | F_PF,
  .mmio = { RD(M, 8, 0), WR(M, 8, 0xffffffffffffffffULL) } },
{ "adc_m32_imm8_64", M_L64, "83 13 00", { R(RBX, M) }, .fl_in = F_CF, .fl_out = F_PF,
  .mmio = { RD(M, 4, 2), WR(M, 4, 3) } },
{ "sbb_m32_imm8_64", M_L64, "83 1b 00", { R(RBX, M) }, .fl_in = F_CF, .fl_out = F_PF,
  .mmio = { RD(M, 4, 4), WR(M, 4, 3) } },
{ "and_m32_imm8_64", M_L64, "83 23 f0", { R(RBX, M) }, .fl_out = F_PF | F_SF, .fl_undef = F_AF,
  .mmio = { RD(M, 4, 0x800000ff), WR(M, 4, 0x800000f0) } },
{ "sub_m32_imm8_64", M_L64, "83 2b 01", { R(RBX, M) }, .fl_out = F_ZF | F_PF, .mmio = { RD(M, 4, 1), WR(M, 4, 0) } },
{ "xor_m32_imm8_64", M_L64, "83 33 ff", { R(RBX, M) }, .fl_out = F_SF, .fl_undef = F_AF,
  .mmio = { RD(M, 4, 0x7ffffffe), WR(M, 4, 0x80000001) } },
{ "xor_m32_imm8_zf_64", M_L64, "83 33 ff", { R(RBX, M) }, .fl_out = F_PF | F_ZF, .fl_undef = F_AF,
  .mmio = { RD(M, 4, 0xffffffff), WR(M, 4, 0) } },
{ "cmp_m32_imm8_64", M_L64, "83 3b 05", { R(RBX, M) }, .fl_out = F_ZF | F_PF, .mmio = { RD(M, 4, 5) } },
{ "cmp_m8_imm8_64", M_L64, "80 3b 05", { R(RBX, M) }, .fl_out = F_CF | F_SF | F_AF | F_PF, .mmio = { RD(M, 1, 4) } },
{ "add_al_imm8_64", M_L64, "04 05", { R(RAX, 0x1ff) }, { R(RAX, 0x104) }, .fl_out = F_CF | F_AF },
{ "cmp_eax_imm32_64", M_L64, "3d 78 56 34 12", { R(RAX, 0x12345678) }, .fl_out = F_ZF | F_PF },
{ "lock_add_m32_r32_64", M_L64, "f0 01 03", { R(RAX, 1), R(RBX, M) }, .fl_out = F_PF,
  .mmio = { RD(M, 4, 2), WR(M, 4, 3) } },
{ "lock_or_m32_imm8_64", M_L64, "f0 83 0b 01", { R(RBX, M) }, .fl_out = F_PF, .fl_undef = F_AF,
  .mmio = { RD(M, 4, 2), WR(M, 4, 3) } },
{ "lock_add_reg_ud_64", M_L64, "f0 01 d8", .result = EXC, .vector = UD },
{ "lock_cmp_ud_64", M_L64, "f0 39 03", { R(RBX, M) }, .result = EXC, .vector = UD },
{ "lock_cmp_imm_ud_64", M_L64, "f0 83 3b 01", { R(RBX, M) }, .result = EXC, .vector = UD },
{ "add_m16_r16_16", M_R16, "01 07", { R(RAX, 0xffff), R(RBX, 0x10) }, .fl_out = F_CF | F_ZF | F_PF | F_AF,
  .mmio = { RD(MMIO16 + 0x10, 2, 1), WR(MMIO16 + 0x10, 2, 0) } },
{ "add_m32_r32_16", M_R16, "66 01 07", { R(RAX, 0xffff), R(RBX, 0x10) }, .fl_out = F_PF | F_AF,
  .mmio = { RD(MMIO16 + 0x10, 4, 1), WR(MMIO16 + 0x10, 4, 0x10000) } },
{ "add_m16_imm8_16", M_R16, "83 07 01", { R(RBX, 0x10) }, .fl_out = F_PF,
  .mmio = { RD(MMIO16 + 0x10, 2, 2), WR(MMIO16 + 0x10, 2, 3) } },
{ "xor_m8_imm8_16", M_R16, "80 37 ff", { R(RBX, 0x10) }, .fl_out = F_SF, .fl_undef = F_AF,
  .mmio = { RD(MMIO16 + 0x10, 1, 0x0e), WR(MMIO16 + 0x10, 1, 0xf1) } },
{ "add_m32_imm32_16", M_R16, "66 81 07 00 00 01 00", { R(RBX, 0x10) }, .fl_out = F_PF,
  .mmio = { RD(MMIO16 + 0x10, 4, 0), WR(MMIO16 + 0x10, 4, 0x10000) } },
{ "add_m8_imm8_alias82_16", M_R16, "82 07 01", { R(RBX, 0x10) }, .fl_out = F_PF,
  .mmio = { RD(MMIO16 + 0x10, 1, 2), WR(MMIO16 + 0x10, 1, 3) } },
{ "cmp_m16_r16_16", M_R16, "39 07", { R(RAX, 1), R(RBX, 0x10) }, .fl_out = F_ZF | F_PF,
  .mmio = { RD(MMIO16 + 0x10, 2, 1) } },
{ "and_r16_m16_16", M_R16, "23 07", { R(RAX, 0xff0f), R(RBX, 0x10) }, { R(RAX, 0x0f) }, .fl_out = F_PF,
  .fl_undef = F_AF, .mmio = { RD(MMIO16 + 0x10, 2, 0x00ff) } },
{ "add_m32_r32_32", M_P32, "01 03", { R(RAX, 1), R(RBX, M) }, .fl_out = F_PF, .mmio = { RD(M, 4, 2), WR(M, 4, 3) } },
{ "sub_m32_r32_32", M_P32, "29 03", { R(RAX, 1), R(RBX, M) }, .fl_out = F_ZF | F_PF, .mmio = { RD(M, 4, 1), WR(M, 4, 0) } },
{ "sub_m32_imm32_32", M_P32, "81 2b 00 00 00 80", { R(RBX, M) }, .fl_out = F_OF | F_SF | F_PF | F_CF,
  .mmio = { RD(M, 4, 0), WR(M, 4, 0x80000000) } },
{ "add_m8_imm8_alias82_32", M_P32, "82 03 01", { R(RBX, M) }, .fl_out = F_PF,
  .mmio = { RD(M, 1, 2), WR(M, 1, 3) } },
{ "alias82_ud_64", M_L64, "82 03 01", { R(RBX, M) }, .result = EXC, .vector = UD },
{ "or_m32_r32_pg32", M_PG32, "09 03", { R(RAX, 1), R(RBX, M) }, .fl_out = F_PF, .fl_undef = F_AF,
  .mmio = { RD(M, 4, 2), WR(M, 4, 3) } },
{ "and_m32_r32_compat", M_C32, "21 03", { R(RAX, 1), R(RBX, M) }, .fl_out = F_ZF | F_PF, .fl_undef = F_AF,
  .mmio = { RD(M, 4, 2), WR(M, 4, 0) } },

/* ================= TEST ================= */
{ "test_m32_r32_64", M_L64, "85 03", { R(RAX, 0x80000000), R(RBX, M) }, .fl_out = F_SF | F_PF, .fl_undef = F_AF,
  .mmio = { RD(M, 4, 0xffffffff) } },
{ "test_m8_r8_64", M_L64, "84 03", { R(RAX, 0x01), R(RBX, M) }, .fl_in = F_CF | F_OF, .fl_out = F_ZF | F_PF,
  .fl_undef = F_AF, .mmio = { RD(M, 1, 0xfe) } },
{ "test_m64_r64_64", M_L64, "48 85 03", { R(RAX, 0x8000000000000000ULL), R(RBX, M) }, .fl_out = F_SF | F_PF,
  .fl_undef = F_AF, .mmio = { RD(M, 8, 0x8000000000000000ULL) } },
{ "test_m8_imm8_64", M_L64, "f6 03 80", { R(RBX, M) }, .fl_out = F_SF, .fl_undef = F_AF, .mmio = { RD(M, 1, 0x81) } },
{ "test_m32_imm32_64", M_L64, "f7 03 00 00 00 80", { R(RBX, M) }, .fl_out = F_ZF | F_PF, .fl_undef = F_AF,
  .mmio = { RD(M, 4, 0x7fffffff) } },
{ "test_m32_imm32_alias_f7_1_64", M_L64, "f7 0b 01 00 00 00", { R(RBX, M) }, .fl_out = 0x2, .fl_undef = F_AF,
  .mmio = { RD(M, 4, 0x3) } },
{ "test_m64_imm32_sext_64", M_L64, "48 f7 03 ff ff ff ff", { R(RBX, M) }, .fl_out = F_SF | F_PF, .fl_undef = F_AF,
  .mmio = { RD(M, 8, 0x8000000000000000ULL) } },
{ "test_m16_imm16_64", M_L64, "66 f7 03 00 01", { R(RBX, M) }, .fl_out = F_PF, .fl_undef = F_AF,
  .mmio = { RD(M, 2, 0x0100) } },
{ "lock_test_ud_64", M_L64, "f0 85 03", { R(RBX, M) }, .result = EXC, .vector = UD },
{ "test_m16_r16_16", M_R16, "85 07", { R(RAX, 0x8000), R(RBX, 0x10) }, .fl_out = F_SF | F_PF, .fl_undef = F_AF,
  .mmio = { RD(MMIO16 + 0x10, 2, 0x8000) } },
{ "test_m8_imm8_16", M_R16, "f6 07 01", { R(RBX, 0x10) }, .fl_out = F_ZF | F_PF, .fl_undef = F_AF,
  .mmio = { RD(MMIO16 + 0x10, 1, 0x02) } },
{ "test_m32_r32_32", M_P32, "85 03", { R(RAX, 3), R(RBX, M) }, .fl_out = 0x2, .fl_undef = F_AF,
  .mmio = { RD(M, 4, 1) } },
{ "test_al_imm8_64", M_L64, "a8 0f", { R(RAX, 0xf0) }, .fl_out = F_ZF | F_PF, .fl_undef = F_AF },

/* ================= XCHG ================= */
{ "xchg_m32_r32_64", M_L64, "87 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0xcafe) },
  .mmio = { RD(M, 4, 0xcafe), WR(M, 4, 0x55667788) } },
{ "xchg_m8_r8_64", M_L64, "86 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x11223344556677feULL) },
  .mmio = { RD(M, 1, 0xfe), WR(M, 1, 0x88) } },
{ "xchg_m8_ah_64", M_L64, "86 23", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x112233445566fe88ULL) },
  .mmio = { RD(M, 1, 0xfe), WR(M, 1, 0x77) } },
{ "xchg_m16_r16_64", M_L64, "66 87 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x112233445566cafeULL) },
  .mmio = { RD(M, 2, 0xcafe), WR(M, 2, 0x7788) } },
{ "xchg_m64_r64_64", M_L64, "48 87 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0xcafe) },
  .mmio = { RD(M, 8, 0xcafe), WR(M, 8, A64) } },
{ "lock_xchg_m32_r32_64", M_L64, "f0 87 03", { R(RAX, 1), R(RBX, M) }, { R(RAX, 2) },
  .mmio = { RD(M, 4, 2), WR(M, 4, 1) } },
{ "xchg_r32_r32_64", M_L64, "87 d8", { R(RAX, A64), R(RBX, 0xffffffff00000001ULL) }, { R(RAX, 1), R(RBX, 0x55667788) } },
{ "xchg_m16_r16_16", M_R16, "87 07", { R(RAX, 0x1234), R(RBX, 0x10) }, { R(RAX, 0xbeef) },
  .mmio = { RD(MMIO16 + 0x10, 2, 0xbeef), WR(MMIO16 + 0x10, 2, 0x1234) } },
{ "xchg_m32_r32_32", M_P32, "87 03", { R(RAX, 0x1234), R(RBX, M) }, { R(RAX, 0xbeef) },
  .mmio = { RD(M, 4, 0xbeef), WR(M, 4, 0x1234) } },

/* ================= BT, BTS, BTR, BTC ================= */
{ "bt_m32_r32_64", M_L64, "0f a3 03", { R(RAX, 5), R(RBX, M) }, .fl_out = F_CF, .fl_undef = BT_UNDEF,
  .mmio = { RD(M, 4, 0x20) } },
{ "bt_m32_r32_clear_64", M_L64, "0f a3 03", { R(RAX, 4), R(RBX, M) }, .fl_in = F_CF | F_ZF, .fl_out = F_ZF,
  .fl_undef = BT_UNDEF, .mmio = { RD(M, 4, 0x20) } },
{ "bt_m32_r32_bitstring_64", M_L64, "0f a3 03", { R(RAX, 37), R(RBX, M) }, .fl_out = F_CF, .fl_undef = BT_UNDEF,
  .mmio = { RD(M + 4, 4, 0x20) } },
{ "bt_m32_r32_negative_64", M_L64, "0f a3 03", { R(RAX, 0xffffffff), R(RBX, M + 0x10) }, .fl_out = F_CF,
  .fl_undef = BT_UNDEF, .mmio = { RD(M + 0xc, 4, 0x80000000) } },
{ "bt_m64_r64_bitstring_64", M_L64, "48 0f a3 03", { R(RAX, 67), R(RBX, M) }, .fl_out = F_CF, .fl_undef = BT_UNDEF,
  .mmio = { RD(M + 8, 8, 0x8) } },
{ "bt_m16_r16_bitstring_64", M_L64, "66 0f a3 03", { R(RAX, 0x15), R(RBX, M) }, .fl_out = F_CF, .fl_undef = BT_UNDEF,
  .mmio = { RD(M + 2, 2, 0x20) } },
{ "bts_m32_r32_64", M_L64, "0f ab 03", { R(RAX, 4), R(RBX, M) }, .fl_out = 0x2, .fl_undef = BT_UNDEF,
  .mmio = { RD(M, 4, 0), WR(M, 4, 0x10) } },
{ "btr_m32_r32_64", M_L64, "0f b3 03", { R(RAX, 0), R(RBX, M) }, .fl_out = F_CF, .fl_undef = BT_UNDEF,
  .mmio = { RD(M, 4, 0xff), WR(M, 4, 0xfe) } },
{ "btc_m32_r32_64", M_L64, "0f bb 03", { R(RAX, 1), R(RBX, M) }, .fl_out = F_CF, .fl_undef = BT_UNDEF,
  .mmio = { RD(M, 4, 2), WR(M, 4, 0) } },
{ "bt_m32_imm8_64", M_L64, "0f ba 23 05", { R(RBX, M) }, .fl_out = F_CF, .fl_undef = BT_UNDEF,
  .mmio = { RD(M, 4, 0x20) } },
{ "bts_m32_imm8_masked_64", M_L64, "0f ba 2b 25", { R(RBX, M) }, .fl_out = 0x2, .fl_undef = BT_UNDEF,
  .mmio = { RD(M, 4, 0), WR(M, 4, 0x20) } },
{ "btr_m64_imm8_64", M_L64, "48 0f ba 33 3f", { R(RBX, M) }, .fl_out = F_CF, .fl_undef = BT_UNDEF,
  .mmio = { RD(M, 8, 0x8000000000000001ULL), WR(M, 8, 1) } },
{ "btc_m32_imm8_64", M_L64, "0f ba 3b 1f", { R(RBX, M) }, .fl_out = 0x2, .fl_undef = BT_UNDEF,
  .mmio = { RD(M, 4, 0), WR(M, 4, 0x80000000) } },
{ "bt_imm8_reg0_ud_64", M_L64, "0f ba 03 01", { R(RBX, M) }, .result = EXC, .vector = UD },
{ "lock_bts_m32_r32_64", M_L64, "f0 0f ab 03", { R(RAX, 0), R(RBX, M) }, .fl_out = 0x2, .fl_undef = BT_UNDEF,
  .mmio = { RD(M, 4, 0), WR(M, 4, 1) } },
{ "lock_bt_ud_64", M_L64, "f0 0f a3 03", { R(RAX, 0), R(RBX, M) }, .result = EXC, .vector = UD },
{ "bt_r32_r32_64", M_L64, "0f a3 c3", { R(RAX, 33), R(RBX, 2) }, .fl_out = F_CF, .fl_undef = BT_UNDEF },
{ "bt_m16_r16_16", M_R16, "0f a3 07", { R(RAX, 0x11), R(RBX, 0x10) }, .fl_out = F_CF, .fl_undef = BT_UNDEF,
  .mmio = { RD(MMIO16 + 0x12, 2, 0x2) } },
{ "bts_m16_r16_16", M_R16, "0f ab 07", { R(RAX, 0x3), R(RBX, 0x10) }, .fl_out = 0x2, .fl_undef = BT_UNDEF,
  .mmio = { RD(MMIO16 + 0x10, 2, 0), WR(MMIO16 + 0x10, 2, 8) } },
{ "bts_m32_r32_32", M_P32, "0f ab 03", { R(RAX, 0x3), R(RBX, M) }, .fl_out = 0x2, .fl_undef = BT_UNDEF,
  .mmio = { RD(M, 4, 0), WR(M, 4, 8) } },
{ "bts_m32_imm8_32", M_P32, "0f ba 2b 03", { R(RBX, M) }, .fl_out = F_CF, .fl_undef = BT_UNDEF,
  .mmio = { RD(M, 4, 8), WR(M, 4, 8) } },

/* ================= NOT / NEG / INC / DEC ================= */
{ "not_m32_64", M_L64, "f7 13", { R(RBX, M) }, .fl_in = F_CF | F_ZF, .mmio = { RD(M, 4, 0x0f0f0f0f), WR(M, 4, 0xf0f0f0f0) } },
{ "not_m8_64", M_L64, "f6 13", { R(RBX, M) }, .mmio = { RD(M, 1, 0x0f), WR(M, 1, 0xf0) } },
{ "not_m64_64", M_L64, "48 f7 13", { R(RBX, M) }, .mmio = { RD(M, 8, 0), WR(M, 8, ~0ULL) } },
{ "neg_m32_64", M_L64, "f7 1b", { R(RBX, M) }, .fl_out = F_CF | F_SF | F_PF | F_AF,
  .mmio = { RD(M, 4, 1), WR(M, 4, 0xffffffff) } },
{ "neg_m32_zero_64", M_L64, "f7 1b", { R(RBX, M) }, .fl_in = F_CF, .fl_out = F_ZF | F_PF,
  .mmio = { RD(M, 4, 0), WR(M, 4, 0) } },
{ "neg_m8_min_64", M_L64, "f6 1b", { R(RBX, M) }, .fl_out = F_CF | F_SF | F_OF,
  .mmio = { RD(M, 1, 0x80), WR(M, 1, 0x80) } },
{ "lock_neg_m32_64", M_L64, "f0 f7 1b", { R(RBX, M) }, .fl_out = F_CF | F_SF | F_PF | F_AF,
  .mmio = { RD(M, 4, 1), WR(M, 4, 0xffffffff) } },
{ "lock_not_reg_ud_64", M_L64, "f0 f7 d0", .result = EXC, .vector = UD },
{ "inc_m32_64", M_L64, "ff 03", { R(RBX, M) }, .fl_in = F_CF, .fl_out = F_CF | F_OF | F_SF | F_AF | F_PF,
  .mmio = { RD(M, 4, 0x7fffffff), WR(M, 4, 0x80000000) } },
{ "inc_m8_64", M_L64, "fe 03", { R(RBX, M) }, .fl_out = F_ZF | F_PF | F_AF, .mmio = { RD(M, 1, 0xff), WR(M, 1, 0) } },
{ "dec_m32_64", M_L64, "ff 0b", { R(RBX, M) }, .fl_out = F_SF | F_PF | F_AF,
  .mmio = { RD(M, 4, 0), WR(M, 4, 0xffffffff) } },
{ "inc_m64_64", M_L64, "48 ff 03", { R(RBX, M) }, .fl_out = F_PF | F_AF,
  .mmio = { RD(M, 8, 0xffffffff), WR(M, 8, 0x100000000ULL) } },
{ "dec_m16_64", M_L64, "66 ff 0b", { R(RBX, M) }, .fl_out = F_OF | F_PF | F_AF,
  .mmio = { RD(M, 2, 0x8000), WR(M, 2, 0x7fff) } },
{ "lock_inc_m32_64", M_L64, "f0 ff 03", { R(RBX, M) }, .fl_out = F_PF, .mmio = { RD(M, 4, 2), WR(M, 4, 3) } },
{ "fe_reg2_ud_64", M_L64, "fe 13", { R(RBX, M) }, .result = EXC, .vector = UD },
{ "call_indirect_unhandled_64", M_L64, "ff 13", { R(RBX, M) }, .result = UNH },
{ "not_m16_16", M_R16, "f7 17", { R(RBX, 0x10) }, .mmio = { RD(MMIO16 + 0x10, 2, 0x00ff), WR(MMIO16 + 0x10, 2, 0xff00) } },
{ "neg_m16_16", M_R16, "f7 1f", { R(RBX, 0x10) }, .fl_out = F_CF | F_SF | F_PF | F_AF,
  .mmio = { RD(MMIO16 + 0x10, 2, 1), WR(MMIO16 + 0x10, 2, 0xffff) } },
{ "inc_m16_16", M_R16, "ff 07", { R(RBX, 0x10) }, .fl_out = F_PF, .mmio = { RD(MMIO16 + 0x10, 2, 2), WR(MMIO16 + 0x10, 2, 3) } },
{ "dec_m8_16", M_R16, "fe 0f", { R(RBX, 0x10) }, .fl_out = F_ZF | F_PF, .mmio = { RD(MMIO16 + 0x10, 1, 1), WR(MMIO16 + 0x10, 1, 0) } },
{ "neg_m32_32", M_P32, "f7 1b", { R(RBX, M) }, .fl_out = F_CF | F_SF | F_PF | F_AF,
  .mmio = { RD(M, 4, 1), WR(M, 4, 0xffffffff) } },
{ "inc_m32_32", M_P32, "ff 03", { R(RBX, M) }, .fl_out = F_PF, .mmio = { RD(M, 4, 2), WR(M, 4, 3) } },
{ "not_m32_32", M_P32, "f7 13", { R(RBX, M) }, .mmio = { RD(M, 4, 0), WR(M, 4, 0xffffffff) } },
{ "dec_m32_pae", M_PAE, "ff 0b", { R(RBX, M) }, .fl_out = F_ZF | F_PF, .mmio = { RD(M, 4, 1), WR(M, 4, 0) } },

/* ================= MOVBE ================= */
{ "movbe_r32_m32_64", M_L64, "0f 38 f0 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x44332211) },
  .mmio = { RD(M, 4, 0x11223344) } },
{ "movbe_m32_r32_64", M_L64, "0f 38 f1 03", { R(RAX, 0x11223344), R(RBX, M) }, .mmio = { WR(M, 4, 0x44332211) } },
{ "movbe_r64_m64_64", M_L64, "48 0f 38 f0 03", { R(RBX, M) }, { R(RAX, 0x8877665544332211ULL) },
  .mmio = { RD(M, 8, A64) } },
{ "movbe_m16_r16_64", M_L64, "66 0f 38 f1 03", { R(RAX, 0x1234), R(RBX, M) }, .mmio = { WR(M, 2, 0x3412) } },
{ "movbe_r16_m16_64", M_L64, "66 0f 38 f0 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x1122334455663412ULL) },
  .mmio = { RD(M, 2, 0x1234) } },
{ "movbe_reg_ud_64", M_L64, "0f 38 f0 c3", .result = EXC, .vector = UD },
{ "crc32_unhandled_64", M_L64, "f2 0f 38 f0 03", { R(RBX, M) }, .result = UNH },
{ "movbe_r16_m16_16", M_R16, "0f 38 f0 07", { R(RAX, 0), R(RBX, 0x10) }, { R(RAX, 0x3412) },
  .mmio = { RD(MMIO16 + 0x10, 2, 0x1234) } },
{ "movbe_m32_r32_32", M_P32, "0f 38 f1 03", { R(RAX, 0x11223344), R(RBX, M) }, .mmio = { WR(M, 4, 0x44332211) } },

/* ================= Page faults ================= */
{ "pf_not_present_write_64", M_L64, "89 03", { R(RBX, VA_NP) }, .result = EXC, .vector = PF, .error = 0x2, .cr2 = VA_NP },
{ "pf_not_present_read_64", M_L64, "8b 03", { R(RBX, VA_NP + 4) }, .result = EXC, .vector = PF, .error = 0x0,
  .cr2 = VA_NP + 4 },
{ "pf_no_page_table_64", M_L64, "89 03", { R(RBX, VA_NOPDE + 0x10) }, .result = EXC, .vector = PF, .error = 0x2,
  .cr2 = VA_NOPDE + 0x10 },
{ "pf_readonly_write_64", M_L64, "89 03", { R(RBX, VA_RO) }, .result = EXC, .vector = PF, .error = 0x3, .cr2 = VA_RO,
  .check = check_no_ad },
{ "pf_readonly_rmw_64", M_L64, "01 03", { R(RBX, VA_RO) }, .result = EXC, .vector = PF, .error = 0x3, .cr2 = VA_RO },
{ "pf_readonly_mmio_write_64", M_L64, "89 03", { R(RBX, VA_MMIO_RO) }, .result = EXC, .vector = PF, .error = 0x3,
  .cr2 = VA_MMIO_RO },
{ "readonly_read_64", M_L64, "8b 03", { R(RBX, VA_MMIO_RO) }, { R(RAX, 0x42) }, .mmio = { RD(M + 0x1000, 4, 0x42) } },
{ "readonly_write_wp0_64", M_L64, "89 03", { R(RAX, 0x99), R(RBX, VA_RO) }, .mem_out = { MEM(0x5000, 4, 0x99) },
  .setup = wp_off },
{ "pf_user_reads_supervisor_64", M_L64, "8b 03", { R(RBX, 0x3000) }, .cpl = 3, .result = EXC, .vector = PF,
  .error = 0x5, .cr2 = 0x3000 },
{ "pf_user_writes_readonly_64", M_L64, "89 03", { R(RBX, VA_URO) }, .cpl = 3, .result = EXC, .vector = PF,
  .error = 0x7, .cr2 = VA_URO },
{ "pf_user_writes_readonly_wp0_64", M_L64, "89 03", { R(RBX, VA_URO) }, .cpl = 3, .result = EXC, .vector = PF,
  .error = 0x7, .cr2 = VA_URO, .setup = wp_off },
{ "user_writes_user_page_64", M_L64, "89 03", { R(RAX, 0x99), R(RBX, VA_USER) }, .cpl = 3,
  .mem_out = { MEM(0x6000, 4, 0x99) } },
{ "pf_user_pde_supervisor_64", M_L64, "89 03", { R(RBX, VA_USER) }, .cpl = 3, .result = EXC, .vector = PF,
  .error = 0x7, .cr2 = VA_USER, .setup = user_pde_super },
{ "supervisor_writes_user_page_64", M_L64, "89 03", { R(RAX, 0x99), R(RBX, VA_USER) },
  .mem_out = { MEM(0x6000, 4, 0x99) } },
{ "pf_smap_64", M_L64, "8b 03", { R(RBX, VA_USER) }, .result = EXC, .vector = PF, .error = 0x1, .cr2 = VA_USER,
  .setup = smap_on },
{ "smap_with_ac_64", M_L64, "8b 03", { R(RBX, VA_USER) }, { R(RAX, 0x42) }, .fl_in = F_AC,
  .mem_in = { MEM(0x6000, 4, 0x42) }, .setup = smap_on },
{ "pf_reserved_bit_64", M_L64, "8b 03", { R(RBX, VA_RSVD) }, .result = EXC, .vector = PF, .error = 0x9, .cr2 = VA_RSVD },
{ "pf_reserved_pml4e_ps_64", M_L64, "8b 03", { R(RBX, VA_HIGH) }, .result = EXC, .vector = PF, .error = 0x9,
  .cr2 = VA_HIGH, .setup = pml4e_ps },
{ "pf_reserved_pdpte_fetch_pae", M_PAE, "89 03", { R(RBX, VA_RO) }, .result = EXC, .vector = PF, .error = 0x19,
  .cr2 = CODE, .setup = pdpte_rw },
{ "pf_reserved_large_64", M_L64, "89 03", { R(RBX, 0x40000000) }, .result = EXC, .vector = PF, .error = 0xb,
  .cr2 = 0x40000000, .setup = large_2m_rsvd },
{ "pf_fetch_nx_64", M_L64, "89 03", .result = EXC, .vector = PF, .error = 0x11, .cr2 = VA_NX, .setup = rip_nx },
{ "pf_fetch_not_present_64", M_L64, "89 03", .result = EXC, .vector = PF, .error = 0x10, .cr2 = VA_NP, .setup = rip_np },
{ "pf_fetch_user_page_smep_64", M_L64, "89 03", .result = EXC, .vector = PF, .error = 0x11, .cr2 = VA_USER,
  .setup = smep_user_code },
{ "fetch_user_page_no_smep_64", M_L64, "89 03", { R(RAX, 0x99), R(RBX, 0x3000) }, .mem_out = { MEM(0x3000, 4, 0x99) },
  .setup = user_code },
{ "pf_fetch_second_page_64", M_L64, "48 89 03", .result = EXC, .vector = PF, .error = 0x10, .cr2 = VA_NP,
  .setup = code_cross_page_np },
{ "pf_second_page_before_any_access_64", M_L64, "8b 03", { R(RBX, VA_NP - 2) }, .result = EXC, .vector = PF,
  .error = 0x0, .cr2 = VA_NP },
{ "pf_not_present_write_pae", M_PAE, "89 03", { R(RBX, VA_NP) }, .result = EXC, .vector = PF, .error = 0x2, .cr2 = VA_NP },
{ "pf_readonly_write_pae", M_PAE, "89 03", { R(RBX, VA_RO) }, .result = EXC, .vector = PF, .error = 0x3, .cr2 = VA_RO },
{ "pf_user_supervisor_pae", M_PAE, "8b 03", { R(RBX, 0x3000) }, .cpl = 3, .result = EXC, .vector = PF, .error = 0x5,
  .cr2 = 0x3000 },
{ "pf_reserved_bit_pae", M_PAE, "8b 03", { R(RBX, VA_RSVD) }, .result = EXC, .vector = PF, .error = 0x9, .cr2 = VA_RSVD },
{ "pf_fetch_nx_pae", M_PAE, "89 03", .result = EXC, .vector = PF, .error = 0x11, .cr2 = VA_NX, .setup = rip_nx },
{ "pf_not_present_write_pg32", M_PG32, "89 03", { R(RBX, VA_NP) }, .result = EXC, .vector = PF, .error = 0x2, .cr2 = VA_NP },
{ "pf_no_page_table_pg32", M_PG32, "8b 03", { R(RBX, VA_NOPDE) }, .result = EXC, .vector = PF, .error = 0x0,
  .cr2 = VA_NOPDE },
{ "pf_readonly_write_pg32", M_PG32, "89 03", { R(RBX, VA_RO) }, .result = EXC, .vector = PF, .error = 0x3, .cr2 = VA_RO },
{ "readonly_write_wp0_pg32", M_PG32, "89 03", { R(RAX, 0x99), R(RBX, VA_RO) }, .mem_out = { MEM(0x5000, 4, 0x99) },
  .setup = wp_off },
{ "pf_user_supervisor_pg32", M_PG32, "8b 03", { R(RBX, 0x3000) }, .cpl = 3, .result = EXC, .vector = PF, .error = 0x5,
  .cr2 = 0x3000 },
{ "pf_user_readonly_pg32", M_PG32, "89 03", { R(RBX, VA_URO) }, .cpl = 3, .result = EXC, .vector = PF, .error = 0x7,
  .cr2 = VA_URO },
{ "pf_fetch_not_present_pg32", M_PG32, "89 03", .result = EXC, .vector = PF, .error = 0x0, .cr2 = VA_NP,
  .setup = rip_np },
{ "pf_not_present_compat", M_C32, "89 03", { R(RBX, VA_NP) }, .result = EXC, .vector = PF, .error = 0x2, .cr2 = VA_NP },
{ "pf_movs_dest_readonly_64", M_L64, "a4", { R(RSI, M), R(RDI, VA_RO) }, .result = EXC, .vector = PF, .error = 0x3,
  .cr2 = VA_RO, .mmio = { RD(M, 1, 1) } },
{ "pf_rep_stos_partial_64", M_L64, "f3 ab", { R(RAX, 5), R(RDI, M + 0xfffc), R(RCX, 3) },
  { R(RDI, M + 0x10000), R(RCX, 2) }, .result = EXC, .vector = PF, .error = 0x2, .cr2 = M + 0x10000,
  .mmio = { WR(M + 0xfffc, 4, 5) } },

/* ================= Segmentation and canonical checks ================= */
{ "gp_segment_limit_32", M_P32, "8b 03", { R(RBX, 0xffe) }, .result = EXC, .vector = GP, .setup = ds_limit_fff },
{ "segment_limit_ok_32", M_P32, "8b 03", { R(RAX, 0), R(RBX, 0xffc) }, { R(RAX, 0x12) }, .mem_in = { MEM(0xffc, 4, 0x12) },
  .setup = ds_limit_fff },
{ "ss_segment_limit_32", M_P32, "8b 45 00", { R(RBP, 0x1000) }, .result = EXC, .vector = SS, .setup = ss_limit_fff },
{ "gp_readonly_segment_32", M_P32, "89 03", { R(RBX, M) }, .result = EXC, .vector = GP, .setup = ds_readonly },
{ "readonly_segment_read_32", M_P32, "8b 03", { R(RAX, 0), R(RBX, M) }, { R(RAX, 1) }, .mmio = { RD(M, 4, 1) },
  .setup = ds_readonly },
{ "gp_readonly_segment_rmw_32", M_P32, "01 03", { R(RBX, M) }, .result = EXC, .vector = GP, .setup = ds_readonly },
{ "gp_exec_only_cs_read_32", M_P32, "2e 8b 03", { R(RBX, 0x3000) }, .result = EXC, .vector = GP, .setup = cs_exec_only },
{ "gp_cs_write_32", M_P32, "2e 89 03", { R(RBX, 0x3000) }, .result = EXC, .vector = GP },
{ "gp_null_segment_32", M_P32, "8b 03", { R(RBX, M) }, .result = EXC, .vector = GP, .setup = ds_null },
{ "gp_expand_down_below_32", M_P32, "8b 03", { R(RBX, 0x800) }, .result = EXC, .vector = GP, .setup = ds_expand_down },
{ "expand_down_above_32", M_P32, "8b 03", { R(RAX, 0), R(RBX, 0x3000) }, { R(RAX, 0x12) }, .mem_in = { MEM(0x3000, 4, 0x12) },
  .setup = ds_expand_down },
{ "gp_limit_16", M_R16, "8b 07", { R(RBX, 0xffff) }, .result = EXC, .vector = GP },
{ "ss_limit_16", M_R16, "8b 46 00", { R(RBP, 0xffff) }, .result = EXC, .vector = SS },
{ "gp_addr32_over_limit_16", M_R16, "67 8b 03", { R(RBX, 0x10000) }, .result = EXC, .vector = GP },
{ "gp_limit_vm86", M_V86, "8b 07", { R(RBX, 0xffff) }, .result = EXC, .vector = GP },
{ "gp_limit_prot16", M_P16, "89 07", { R(RBX, 0xffff) }, .result = EXC, .vector = GP },
{ "gp_null_segment_prot16", M_P16, "89 07", { R(RBX, 0x10) }, .result = EXC, .vector = GP, .setup = ds_null },
{ "gp_rep_movs_limit_16", M_R16, "f3 a5", { R(RSI, 0x10), R(RDI, 0xfffd), R(RCX, 2) },
  { R(RSI, 0x12), R(RDI, 0xffff), R(RCX, 1) }, .result = EXC, .vector = GP,
  .mmio = { RD(MMIO16 + 0x10, 2, 0x1111), WR(MMIO16 + 0xfffd, 2, 0x1111), RD(MMIO16 + 0x12, 2, 0x2222) } },
{ "gp_noncanonical_64", M_L64, "8b 03", { R(RBX, 0x0000800000000000ULL) }, .result = EXC, .vector = GP },
{ "gp_noncanonical_high_64", M_L64, "89 03", { R(RBX, 0xfff0000000000000ULL) }, .result = EXC, .vector = GP },
{ "ss_noncanonical_rsp_64", M_L64, "8b 04 24", { R(RSP, 0x8000000000000000ULL) }, .result = EXC, .vector = SS },
{ "ss_noncanonical_rbp_64", M_L64, "8b 45 00", { R(RBP, 0x0000900000000000ULL) }, .result = EXC, .vector = SS },
{ "gp_noncanonical_r13_not_ss_64", M_L64, "41 8b 45 00", { R(R13, 0x0000900000000000ULL) }, .result = EXC, .vector = GP },
{ "gp_noncanonical_fs_base_64", M_L64, "64 8b 03", { R(RBX, 0x1000) }, .result = EXC, .vector = GP, .setup = fs_base_edge },
{ "gp_noncanonical_straddle_64", M_L64, "8b 03", { R(RBX, 0x00007ffffffffffeULL) }, .result = EXC, .vector = GP },
{ "no_limit_check_64", M_L64, "8b 03", { R(RBX, M + 0x2000) }, { R(RAX, 1) }, .mmio = { RD(M + 0x2000, 4, 1) },
  .setup = ds_limit_fff },

/* ================= CMPXCHG / XADD / SETcc / CMOVcc ================= */
{ "cmpxchg_m32_equal_64", M_L64, "0f b1 0b", { R(RAX, 5), R(RCX, 0x77), R(RBX, M) }, .fl_out = F_ZF | F_PF,
  .mmio = { RD(M, 4, 5), WR(M, 4, 0x77) } },
{ "cmpxchg_m32_differ_64", M_L64, "0f b1 0b", { R(RAX, 0xffffffff00000005ULL), R(RCX, 0x77), R(RBX, M) },
  { R(RAX, 7) }, .fl_out = F_CF | F_SF | F_AF, .mmio = { RD(M, 4, 7), WR(M, 4, 7) } },
{ "cmpxchg_m8_64", M_L64, "0f b0 0b", { R(RAX, 0x105), R(RCX, 0x77), R(RBX, M) }, .fl_out = F_ZF | F_PF,
  .mmio = { RD(M, 1, 5), WR(M, 1, 0x77) } },
{ "lock_cmpxchg_m64_64", M_L64, "f0 48 0f b1 0b", { R(RAX, A64), R(RCX, 1), R(RBX, M) }, .fl_out = F_ZF | F_PF,
  .mmio = { RD(M, 8, A64), WR(M, 8, 1) } },
{ "cmpxchg_reg_unhandled_64", M_L64, "0f b1 c8", .result = UNH },
{ "xadd_m32_64", M_L64, "0f c1 0b", { R(RCX, 2), R(RBX, M) }, { R(RCX, 1) }, .fl_out = F_PF,
  .mmio = { RD(M, 4, 1), WR(M, 4, 3) } },
{ "lock_xadd_m8_64", M_L64, "f0 0f c0 0b", { R(RCX, 0x101), R(RBX, M) }, { R(RCX, 0x1ff) },
  .fl_out = F_CF | F_ZF | F_PF | F_AF, .mmio = { RD(M, 1, 0xff), WR(M, 1, 0) } },
{ "lock_xadd_reg_ud_64", M_L64, "f0 0f c1 c8", .result = EXC, .vector = UD },
{ "sete_m8_64", M_L64, "0f 94 03", { R(RBX, M) }, .fl_in = F_ZF, .mmio = { WR(M, 1, 1) } },
{ "setne_m8_64", M_L64, "0f 95 03", { R(RBX, M) }, .fl_in = F_ZF, .mmio = { WR(M, 1, 0) } },
{ "setl_m8_64", M_L64, "0f 9c 03", { R(RBX, M) }, .fl_in = F_SF, .mmio = { WR(M, 1, 1) } },
{ "setg_m8_64", M_L64, "0f 9f 03", { R(RBX, M) }, .fl_in = F_SF | F_OF, .mmio = { WR(M, 1, 1) } },
{ "setbe_m8_64", M_L64, "0f 96 03", { R(RBX, M) }, .fl_in = F_CF, .mmio = { WR(M, 1, 1) } },
{ "setnp_m8_64", M_L64, "0f 9b 03", { R(RBX, M) }, .fl_in = F_PF, .mmio = { WR(M, 1, 0) } },
{ "seto_m8_64", M_L64, "0f 90 03", { R(RBX, M) }, .fl_in = F_OF, .mmio = { WR(M, 1, 1) } },
{ "cmove_r32_m32_64", M_L64, "0f 44 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x99) }, .fl_in = F_ZF,
  .mmio = { RD(M, 4, 0x99) } },
{ "cmovne_not_taken_64", M_L64, "0f 45 03", { R(RAX, A64), R(RBX, M) }, { R(RAX, 0x55667788) }, .fl_in = F_ZF,
  .mmio = { RD(M, 4, 0x99) } },
{ "cmovg_r64_m64_64", M_L64, "48 0f 4f 03", { R(RBX, M) }, { R(RAX, A64) }, .mmio = { RD(M, 8, A64) } },
{ "cmpxchg_m16_16", M_R16, "0f b1 0f", { R(RAX, 3), R(RCX, 4), R(RBX, 0x10) }, .fl_out = F_ZF | F_PF,
  .mmio = { RD(MMIO16 + 0x10, 2, 3), WR(MMIO16 + 0x10, 2, 4) } },
{ "xadd_m16_16", M_R16, "0f c1 0f", { R(RCX, 4), R(RBX, 0x10) }, { R(RCX, 3) }, .fl_out = 0x2,
  .mmio = { RD(MMIO16 + 0x10, 2, 3), WR(MMIO16 + 0x10, 2, 7) } },
{ "sete_m8_16", M_R16, "0f 94 07", { R(RBX, 0x10) }, .mmio = { WR(MMIO16 + 0x10, 1, 0) } },
{ "cmpxchg_m32_32", M_P32, "0f b1 0b", { R(RAX, 3), R(RCX, 4), R(RBX, M) }, { R(RAX, 9) }, .fl_out = F_CF | F_SF | F_AF | F_PF,
  .mmio = { RD(M, 4, 9), WR(M, 4, 9) } },
{ "xadd_m32_32", M_P32, "0f c1 0b", { R(RCX, 4), R(RBX, M) }, { R(RCX, 3) }, .fl_out = 0x2,
  .mmio = { RD(M, 4, 3), WR(M, 4, 7) } },

/* ================= RFLAGS.RF and TF ================= */
{ "rf_cleared_on_completion_64", M_L64, "89 03", { R(RAX, 1), R(RBX, M) }, .fl_in = F_RF, .fl_out = 0x2,
  .mmio = { WR(M, 4, 1) }, .check = check_no_singlestep },
{ "tf_reports_singlestep_64", M_L64, "89 03", { R(RAX, 1), R(RBX, M) }, .fl_in = F_TF, .mmio = { WR(M, 4, 1) },
  .check = check_singlestep },
{ "tf_no_trap_when_rep_cut_short_64", M_L64, "f3 48 a5", { R(RSI, 0x10000), R(RDI, 0x30000), R(RCX, 1030) },
  { R(RSI, 0x12000), R(RDI, 0x32000), R(RCX, 6) }, .fl_in = F_TF | F_RF, .rip_same = 1, .check = check_no_singlestep },

/* ================= Undecodable and invalid ================= */
{ "unhandled_syscall_64", M_L64, "0f 05", .result = UNH },
{ "unhandled_x87_32", M_P32, "d9 03", { R(RBX, M) }, .result = UNH },
{ "unhandled_mul_m32_64", M_L64, "f7 23", { R(RBX, M) }, .result = UNH },
{ "unhandled_mov_sreg_16", M_R16, "8e 1f", { R(RBX, 0x10) }, .result = UNH },
{ "unhandled_fetch_from_mmio_64", M_L64, "", .result = UNH, .setup = rip_mmio },
{ "ud2_64", M_L64, "0f 0b", .result = EXC, .vector = UD },
{ "ud_lock_mov_64", M_L64, "f0 89 03", { R(RBX, M) }, .result = EXC, .vector = UD },
{ "ud_lock_movs_64", M_L64, "f0 a4", .result = EXC, .vector = UD },
{ "gp_16_byte_instruction_64", M_L64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 89 03", { R(RBX, M) },
  .result = EXC, .vector = GP },
};

const unsigned int emul_ncases = sizeof(emul_cases) / sizeof(emul_cases[0]);
