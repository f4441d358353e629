// SPDX-License-Identifier: GPL-2.0-only
/*
 * The emulator unit suite runner: builds a guest (RAM, MMIO, page tables, segments) per CPU
 * mode, runs each table case through kmod/x86/emulate.c and compares the final state.
 *
 *   emul_test [--self-test] [--no-flags] [--length-blobs DIR] [SUBSTRING...]
 *
 * Prints PASS/FAIL lines (unit/emulate/<case>, unit/flags/<op>); exit status 1 on failure.
 * --self-test runs every case with a deliberately wrong expectation and reports PASS only
 * when the runner notices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emul_test.h"

/* ---- Guest memory ---- */

static int in_page(u64 gpa, u32 len, u32 max)
{
	return len && len <= max && (gpa & 0xfff) + len <= 0x1000;
}

static void env_error(struct env *v, const char *msg, u64 gpa, u32 len)
{
	if (!v->err[0])
		snprintf(v->err, sizeof(v->err), "%s (gpa %#llx len %u)", msg,
			 (unsigned long long)gpa, len);
}

static int t_read_phys(void *opaque, u64 gpa, void *buf, u32 len)
{
	struct env *v = opaque;

	if (!in_page(gpa, len, 15)) {
		env_error(v, "read_phys crosses a page or is too long", gpa, len);
		return OKVM_EMUL_IO_ERROR;
	}
	if (gpa + len > RAM_SIZE)
		return OKVM_EMUL_IO_NOT_RAM;
	memcpy(buf, v->ram + gpa, len);
	return OKVM_EMUL_IO_OK;
}

static int t_write_phys(void *opaque, u64 gpa, const void *buf, u32 len)
{
	struct env *v = opaque;

	if (!in_page(gpa, len, 8)) {
		env_error(v, "write_phys crosses a page or is too long", gpa, len);
		return OKVM_EMUL_IO_ERROR;
	}
	if (gpa + len > RAM_SIZE)
		return OKVM_EMUL_IO_NOT_RAM;
	memcpy(v->ram + gpa, buf, len);
	return OKVM_EMUL_IO_OK;
}

static int t_cmpxchg_phys(void *opaque, u64 gpa, u64 old, u64 new, u32 len)
{
	struct env *v = opaque;
	u64 cur = 0;

	if ((len != 4 && len != 8) || gpa + len > RAM_SIZE || (gpa & (len - 1))) {
		env_error(v, "bad cmpxchg_phys", gpa, len);
		return OKVM_EMUL_IO_ERROR;
	}
	memcpy(&cur, v->ram + gpa, len);
	if (cur != old)
		return OKVM_EMUL_IO_RETRY;
	memcpy(v->ram + gpa, &new, len);
	return OKVM_EMUL_IO_OK;
}

/* Check an access against the next expected event; fill read data. */
static void mmio_expect(struct env *v, u64 gpa, u32 len, bool write, void *data)
{
	const struct mmio_ev *x;
	u64 val = 0;
	char msg[160];

	if (v->nseen >= v->nexpect) {
		snprintf(msg, sizeof(msg), "unexpected MMIO %s", write ? "write" : "read");
		env_error(v, msg, gpa, len);
		memset(data, 0xee, len);
		v->nseen++;
		return;
	}
	x = &v->expect[v->nseen++];
	if (write)
		memcpy(&val, data, len);
	if (x->gpa != gpa || x->len != len || x->write != write || (write && x->v != val)) {
		snprintf(msg, sizeof(msg),
			 "MMIO event %d: got %s gpa %#llx len %u val %#llx, want %s gpa %#llx len %u val %#llx",
			 v->nseen - 1, write ? "write" : "read", (unsigned long long)gpa, len,
			 (unsigned long long)val, x->write ? "write" : "read",
			 (unsigned long long)x->gpa, x->len, (unsigned long long)x->v);
		if (!v->err[0])
			snprintf(v->err, sizeof(v->err), "%s", msg);
	}
	if (!write) {
		val = x->v;
		memcpy(data, &val, len);
	}
}

static int t_mmio(void *opaque, u64 gpa, u32 len, bool write, void *data)
{
	struct env *v = opaque;

	if (!in_page(gpa, len, 8)) {
		env_error(v, "mmio crosses a page or is too long", gpa, len);
		return OKVM_EMUL_IO_ERROR;
	}
	if (v->user_mode)
		return OKVM_EMUL_IO_USER;	/* checked when okvm_emul_insn returns */
	mmio_expect(v, gpa, len, write, data);
	return OKVM_EMUL_IO_OK;
}

const struct okvm_emul_ops env_ops = {
	.read_phys = t_read_phys,
	.write_phys = t_write_phys,
	.cmpxchg_phys = t_cmpxchg_phys,
	.mmio = t_mmio,
};

/* ---- Page tables ---- */

static int paging_levels(const struct okvm_emul *e)
{
	if (!(e->cr0 & (1ULL << 31)))
		return 0;
	if (e->efer & (1ULL << 10))
		return 4;
	return (e->cr4 & (1ULL << 5)) ? 3 : 2;
}

static u64 rd(struct env *v, u64 gpa, int size)
{
	u64 x = 0;

	memcpy(&x, v->ram + gpa, size);
	return x;
}

static void wr(struct env *v, u64 gpa, u64 x, int size)
{
	memcpy(v->ram + gpa, &x, size);
}

static u64 pt_alloc(struct env *v)
{
	u64 p = v->pt_next;

	if (p + 0x1000 > RAM_SIZE) {
		fprintf(stderr, "emul_test: out of page-table memory\n");
		exit(2);
	}
	v->pt_next += 0x1000;
	memset(v->ram + p, 0, 0x1000);
	return p;
}

/* Find or make the leaf PTE slot of @va; intermediate entries are P|RW|US. */
static u64 pte_slot(struct env *v, u64 va, int make)
{
	int levels = paging_levels(&v->e), lvl, esz = levels == 2 ? 4 : 8;
	u64 table, ent, slot;
	unsigned int idx;

	if (levels == 2)
		table = v->e.cr3 & 0xfffff000ULL;
	else if (levels == 3)
		table = v->e.cr3 & 0xffffffe0ULL;
	else
		table = v->e.cr3 & 0xffffffffff000ULL;
	for (lvl = levels; lvl > 1; lvl--) {
		if (levels == 2)
			idx = (va >> 22) & 0x3ff;
		else if (levels == 3 && lvl == 3)
			idx = (va >> 30) & 3;
		else
			idx = (va >> (12 + 9 * (lvl - 1))) & 0x1ff;
		slot = table + idx * esz;
		ent = rd(v, slot, esz);
		if (!(ent & 1)) {
			if (!make)
				return 0;
			/* PAE PDPTEs take P only: RW and US are reserved there. */
			ent = pt_alloc(v) | ((levels == 3 && lvl == 3) ? 1 : 7);
			wr(v, slot, ent, esz);
		}
		table = ent & 0xffffffffff000ULL;
	}
	idx = levels == 2 ? (va >> 12) & 0x3ff : (va >> 12) & 0x1ff;
	return table + idx * esz;
}

void env_map(struct env *v, u64 va, u64 pa, u64 flags)
{
	u64 slot = pte_slot(v, va, 1);

	wr(v, slot, pa | flags, paging_levels(&v->e) == 2 ? 4 : 8);
}

void env_map_large(struct env *v, u64 va, u64 ent, int level)
{
	int levels = paging_levels(&v->e), esz = levels == 2 ? 4 : 8;
	u64 slot = pte_slot(v, va, 1);	/* makes the tables down to the PT */
	u64 table, e1;
	unsigned int idx;

	/* Walk again to the entry of @level and overwrite it. */
	if (levels == 2)
		table = v->e.cr3 & 0xfffff000ULL;
	else if (levels == 3)
		table = v->e.cr3 & 0xffffffe0ULL;
	else
		table = v->e.cr3 & 0xffffffffff000ULL;
	(void)slot;
	for (int lvl = levels; ; lvl--) {
		if (levels == 2)
			idx = (va >> 22) & 0x3ff;
		else if (levels == 3 && lvl == 3)
			idx = (va >> 30) & 3;
		else
			idx = (va >> (12 + 9 * (lvl - 1))) & 0x1ff;
		if (lvl == level) {
			wr(v, table + idx * esz, ent, esz);
			return;
		}
		e1 = rd(v, table + idx * esz, esz);
		table = e1 & 0xffffffffff000ULL;
	}
}

u64 env_pte(struct env *v, u64 va)
{
	return pte_slot(v, va, 0);
}

/* ---- CPU modes ---- */

static void seg_set(struct okvm_emul_seg *s, u16 sel, u64 base, u32 limit, u8 type, u8 db, u8 l)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->type = type;
	s->s = 1;
	s->present = 1;
	s->db = db;
	s->l = l;
	s->g = limit > 0xfffff;
}

void env_init(struct env *v, int mode)
{
	struct okvm_emul *e = &v->e;
	u64 a;
	int i;

	memset(v, 0, sizeof(*v));
	okvm_emul_init(e, &env_ops, v);
	/* Every register holds something recognisable that tests must not disturb. */
	for (i = 0; i < 15; i++)
		e->regs.gpr[i] = 0x1111111111111111ULL * (i + 1);
	e->regs.gpr[15] = 0x0123456789abcdefULL;
	e->regs.rip = CODE;
	e->regs.rflags = 2;
	e->cr0 = 0x10;

	if (mode == M_R16 || mode == M_V86 || mode == M_P16) {
		/* DS and ES reach MMIO, SS and FS reach RAM, GS a second MMIO window. */
		seg_set(&e->seg[OKVM_EMUL_CS], 0, 0, 0xffff, 0xb, 0, 0);
		seg_set(&e->seg[OKVM_EMUL_DS], MMIO16 >> 4, MMIO16, 0xffff, 3, 0, 0);
		seg_set(&e->seg[OKVM_EMUL_ES], MMIO16 >> 4, MMIO16, 0xffff, 3, 0, 0);
		seg_set(&e->seg[OKVM_EMUL_SS], 0, 0, 0xffff, 3, 0, 0);
		seg_set(&e->seg[OKVM_EMUL_FS], 0, 0, 0xffff, 3, 0, 0);
		seg_set(&e->seg[OKVM_EMUL_GS], 0xb000, 0xb0000, 0xffff, 3, 0, 0);
		if (mode != M_R16)
			e->cr0 |= 1;
		if (mode == M_V86) {
			e->regs.rflags |= 1ULL << 17;
			e->cpl = 3;
		} else if (mode == M_P16) {
			for (i = 0; i < OKVM_EMUL_NR_SEGS; i++)
				e->seg[i].selector = 8 + 8 * i;
		}
		return;
	}

	/* Flat 4 GiB segments; FS reaches the 16-bit MMIO window, GS the high MMIO page. */
	e->cr0 |= 1;
	seg_set(&e->seg[OKVM_EMUL_CS], 0x08, 0, 0xffffffff, 0xb, mode != M_L64, mode == M_L64);
	seg_set(&e->seg[OKVM_EMUL_DS], 0x10, 0, 0xffffffff, 3, 1, 0);
	seg_set(&e->seg[OKVM_EMUL_ES], 0x10, 0, 0xffffffff, 3, 1, 0);
	seg_set(&e->seg[OKVM_EMUL_SS], 0x10, 0, 0xffffffff, 3, 1, 0);
	seg_set(&e->seg[OKVM_EMUL_FS], 0x18, MMIO16, 0xffff, 3, 1, 0);
	seg_set(&e->seg[OKVM_EMUL_GS], 0x20, MMIO, 0xfff, 3, 1, 0);
	if (mode == M_P32)
		return;

	e->cr0 |= (1ULL << 31) | (1ULL << 16);	/* PG, WP */
	v->pt_next = PT_BASE;
	if (mode == M_PG32) {
		e->cr4 = 1ULL << 4;		/* PSE */
		e->cr3 = pt_alloc(v);
	} else {
		e->cr4 = 1ULL << 5;		/* PAE */
		e->efer = 1ULL << 11;		/* NXE */
		if (mode == M_PAE) {
			e->cr3 = pt_alloc(v);	/* PDPT: 32 bytes used */
		} else {
			e->efer |= (1ULL << 8) | (1ULL << 10);	/* LME, LMA */
			e->cr3 = pt_alloc(v);
		}
	}
	for (a = 0; a < 0x100000; a += 0x1000)
		env_map(v, a, a, 3);
	for (a = 0; a < 0x10000; a += 0x1000)
		env_map(v, MMIO + a, MMIO + a, 3);
	env_map(v, VA_RO, 0x5000, 1);
	env_map(v, VA_USER, 0x6000, 7);
	env_map(v, VA_URO, 0x7000, 5);
	env_map(v, VA_MMIO_RO, MMIO + 0x1000, 1);
	env_map(v, VA_NP, 0x9000, 2);
	if (mode != M_PG32) {
		env_map(v, VA_NX, CODE, 3 | (1ULL << 63));
		env_map(v, VA_RSVD, 0x8000 | (1ULL << 45), 3);
		e->maxphyaddr = 40;
	}
	if (mode == M_L64)
		for (a = 0; a < 0x4000; a += 0x1000)
			env_map(v, VA_HIGH + a, 0x3000 + a, 3);
}

/* ---- Running a case ---- */

int hex_bytes(const char *s, u8 *out, int max)
{
	int n = 0;
	unsigned int b;

	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (n == max || sscanf(s, "%2x", &b) != 1)
			return -1;
		out[n++] = b;
		s += 2;
	}
	return n;
}

static const char *const reg_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

/* One run in one completion style; writes a reason into buf on failure. */
static int run_once(const struct tcase *t, int user_mode, char *buf, unsigned int len)
{
	static struct env v;
	static u8 before[RAM_SIZE];
	u8 code[32];
	u64 want[16], fl_want, rip_want, val = 0;
	int n, i, r, rounds;

	n = hex_bytes(t->code, code, sizeof(code));
	if (n < 0) {
		snprintf(buf, len, "bad hex in the case");
		return -1;
	}
	env_init(&v, t->mode);
	memcpy(v.ram + CODE, code, n);
	v.e.cpl = t->cpl ? t->cpl : v.e.cpl;
	v.e.regs.rflags |= t->fl_in;
	for (i = 0; i < 6; i++)
		if (t->in[i].r)
			v.e.regs.gpr[t->in[i].r - 1] = t->in[i].v;
	for (i = 0; i < 3; i++)
		if (t->mem_in[i].len)
			memcpy(v.ram + t->mem_in[i].gpa, &t->mem_in[i].v, t->mem_in[i].len);
	/* User-mode cases run their code from a user page. */
	if (v.e.cpl == 3 && (v.e.cr0 & (1ULL << 31)))
		env_map(&v, CODE, CODE, 7);
	if (t->setup)
		t->setup(&v.e);
	v.user_mode = user_mode;
	v.expect = t->mmio;
	for (v.nexpect = 0; v.nexpect < 6 && t->mmio[v.nexpect].len; v.nexpect++)
		;

	memcpy(want, v.e.regs.gpr, sizeof(want));
	for (i = 0; i < 6; i++)
		if (t->out[i].r)
			want[t->out[i].r - 1] = t->out[i].v;
	fl_want = t->fl_out ? t->fl_out | 2 : v.e.regs.rflags;
	rip_want = v.e.regs.rip;
	if (t->result == OKVM_EMUL_DONE && !t->rip_same)
		rip_want += t->len ? t->len : (unsigned int)n;
	memcpy(before, v.ram, sizeof(before));
	for (i = 0; i < 3; i++)
		if (t->mem_out[i].len)
			memcpy(before + t->mem_out[i].gpa, &t->mem_out[i].v, t->mem_out[i].len);

	/* Run; in the userspace style every MMIO access is a return trip. */
	for (rounds = 0; ; rounds++) {
		r = okvm_emul_insn(&v.e, NULL, 0);
		if (r != OKVM_EMUL_MMIO || rounds > 64)
			break;
		if (!user_mode) {
			snprintf(buf, len, "OKVM_EMUL_MMIO although the callback handled the access");
			return -1;
		}
		/* What userspace would see in kvm_run->mmio. */
		memcpy(&val, v.e.mmio.data, 8);
		mmio_expect(&v, v.e.mmio.gpa, v.e.mmio.len, v.e.mmio.is_write, &val);
		okvm_emul_mmio_complete(&v.e, &val);
	}
	if (v.err[0]) {
		snprintf(buf, len, "%s", v.err);
		return -1;
	}
	if (r != t->result) {
		snprintf(buf, len, "result %d, want %d (exc vector %u error %#x)", r, t->result,
			 v.e.exc.vector, v.e.exc.error);
		return -1;
	}
	if (r == OKVM_EMUL_EXCEPTION) {
		if (v.e.exc.vector != t->vector || v.e.exc.error != t->error ||
		    (t->vector == OKVM_EMUL_VEC_PF && v.e.exc.cr2 != t->cr2)) {
			snprintf(buf, len, "exception %u error %#x cr2 %#llx, want %u error %#x cr2 %#llx",
				 v.e.exc.vector, v.e.exc.error, (unsigned long long)v.e.exc.cr2,
				 t->vector, t->error, (unsigned long long)t->cr2);
			return -1;
		}
	}
	if (r == OKVM_EMUL_UNHANDLED) {
		if (v.e.insn_len < n || memcmp(v.e.insn, code, n)) {
			snprintf(buf, len, "reported %u instruction bytes, not the instruction", v.e.insn_len);
			return -1;
		}
	}
	if (v.nseen != v.nexpect) {
		snprintf(buf, len, "%d MMIO accesses, want %d", v.nseen, v.nexpect);
		return -1;
	}
	for (i = 0; i < 16; i++) {
		if (v.e.regs.gpr[i] != want[i]) {
			snprintf(buf, len, "%s = %#llx, want %#llx", reg_names[i],
				 (unsigned long long)v.e.regs.gpr[i], (unsigned long long)want[i]);
			return -1;
		}
	}
	if (v.e.regs.rip != rip_want) {
		snprintf(buf, len, "rip = %#llx, want %#llx", (unsigned long long)v.e.regs.rip,
			 (unsigned long long)rip_want);
		return -1;
	}
	if ((v.e.regs.rflags ^ fl_want) & ~t->fl_undef) {
		snprintf(buf, len, "rflags = %#llx, want %#llx", (unsigned long long)v.e.regs.rflags,
			 (unsigned long long)fl_want);
		return -1;
	}
	/* RAM: exactly the expected changes, page tables aside (Accessed/Dirty bits). */
	{
		u64 skip_lo = v.pt_next ? PT_BASE : RAM_SIZE, skip_hi = v.pt_next ? v.pt_next : RAM_SIZE;

		if (memcmp(v.ram, before, skip_lo) || memcmp(v.ram + skip_hi, before + skip_hi, RAM_SIZE - skip_hi)) {
			for (i = 0; i < (int)RAM_SIZE; i++) {
				if ((u64)i >= skip_lo && (u64)i < skip_hi)
					continue;
				if (v.ram[i] != before[i]) {
					snprintf(buf, len, "RAM byte %#x = %#x, want %#x", i, v.ram[i], before[i]);
					return -1;
				}
			}
		}
	}
	if (t->check) {
		const char *why = t->check(&v.e, v.ram);

		if (why) {
			snprintf(buf, len, "%s", why);
			return -1;
		}
	}
	return 0;
}

const char *run_case(const struct tcase *t, char *buf, unsigned int len)
{
	char why[300];

	if (run_once(t, 0, why, sizeof(why))) {
		snprintf(buf, len, "%s", why);
		return buf;
	}
	if (run_once(t, 1, why, sizeof(why))) {
		snprintf(buf, len, "with userspace MMIO completion: %s", why);
		return buf;
	}
	return NULL;
}

/* ---- Self-test: wrong expectations must be caught ---- */

static int self_test(void)
{
	unsigned int i, caught = 0, missed = 0;
	char buf[400];
	struct tcase t;

	for (i = 0; i < emul_ncases; i++) {
		t = emul_cases[i];
		/* Break one expectation, chosen by what the case checks. */
		if (t.result == OKVM_EMUL_EXCEPTION)
			t.error ^= 1;
		else if (t.result != OKVM_EMUL_DONE)
			t.result = OKVM_EMUL_DONE;
		else if (t.fl_out)
			t.fl_out ^= 0x1;		/* CF: compared by every case */
		else if (t.out[0].r)
			t.out[0].v ^= 0x100;
		else if (t.mmio[0].len && t.mmio[0].write)
			t.mmio[0].v ^= 0x40;
		else if (t.mmio[0].len)
			t.mmio[0].gpa ^= 0x8;
		else if (t.mem_out[0].len)
			t.mem_out[0].v ^= 0x1;
		else
			t.len = t.len ? t.len + 1 : 99;
		if (run_case(&t, buf, sizeof(buf))) {
			caught++;
		} else {
			missed++;
			printf("FAIL unit/selftest/%s: a wrong expectation passed\n", t.name);
		}
	}
	if (!missed)
		printf("PASS unit/selftest/wrong-expectations\n");
	fprintf(stderr, "emul_test: %u of %u wrong expectations caught\n", caught, emul_ncases);
	return missed != 0;
}

int main(int argc, char **argv)
{
	unsigned int i, pass = 0, fail = 0;
	int a, flags = 1, selftest = 0, nfilter = 0, j, match;
	char buf[400];
	const char *why;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--self-test"))
			selftest = 1;
		else if (!strcmp(argv[a], "--no-flags"))
			flags = 0;
		else if (!strcmp(argv[a], "--length-blobs") && a + 1 < argc)
			return len_suite(argv[a + 1]);
		else
			argv[1 + nfilter++] = argv[a];
	}
	if (selftest)
		return self_test() | (gen_suite(1) != 0);

	for (i = 0; i < emul_ncases; i++) {
		for (j = 0, match = !nfilter; j < nfilter; j++)
			if (strstr(emul_cases[i].name, argv[1 + j]))
				match = 1;
		if (!match)
			continue;
		why = run_case(&emul_cases[i], buf, sizeof(buf));
		if (why) {
			printf("FAIL unit/emulate/%s: %s\n", emul_cases[i].name, why);
			fail++;
		} else {
			printf("PASS unit/emulate/%s\n", emul_cases[i].name);
			pass++;
		}
	}
	if (!nfilter) {
		fail += gen_suite(0);
		fail += api_suite();
	}
	if (flags && !nfilter)
		fail += flags_suite();
	fflush(stdout);
	fprintf(stderr, "emul_test: table %u passed; %u failure(s) in all groups\n", pass, fail);
	return fail ? 1 : 0;
}
