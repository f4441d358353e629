// SPDX-License-Identifier: MIT
/* Guests in real, protected and long mode; PIO, string I/O, HLT, CPUID, MSRs, shutdown. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "harness.h"

/* A VM with one vcpu and a guest loaded at CODE_GPA. */
static int one_vcpu(struct vm *vm, struct vcpu *v, const unsigned char *blob, size_t size)
{
	MUST(vm_create(vm));
	MUST(vcpu_create(vm, v, 0));
	load_blob(vm, CODE_GPA, blob, size);
	return 0;
}

/*
 * RIP is checked after the exit is completed (KVM_RUN with immediate_exit):
 * the API documents guest state as consistent only then.  At the exit itself
 * RIP may still point at the OUT or already past it; both are accepted.
 */
static int rip_at_exit_ok(struct vcpu *v, uint64_t insn, uint64_t next)
{
	struct kvm_regs r;

	MUST(get_regs(v, &r));
	if (r.rip != insn && r.rip != next)
		return fail("rip at the PIO exit was %#llx, expected %#llx (the OUT) or %#llx",
			    (unsigned long long)r.rip, (unsigned long long)insn,
			    (unsigned long long)next);
	return 0;
}

static int t_realmode_pio_loop(void)
{
	struct vm vm;
	struct vcpu v;
	struct kvm_regs r;
	uint64_t data;
	int i;

	MUST(one_vcpu(&vm, &v, BLOB_g_rm_pio));
	MUST(setup_real(&v, CODE_GPA));
	for (i = 0; i < 5; i++) {
		MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_LOOP, 1, &data));
		CHECK(data == 0x30u + i, "OUT #%d wrote %#llx, expected %#x", i,
		      (unsigned long long)data, 0x30 + i);
		MUST(rip_at_exit_ok(&v, SYM_rm_pio_out, SYM_rm_pio_after_out));
		MUST(check_rip_after(&v, SYM_rm_pio_after_out));
		MUST(get_regs(&v, &r));
		CHECK_EQ("al after the OUT", r.rax & 0xff, 0x30u + i);
		CHECK_EQ("cx after the OUT", r.rcx & 0xffff, 5u - i);
	}
	MUST(run_expect(&v, KVM_EXIT_HLT));
	MUST(get_regs(&v, &r));
	CHECK_EQ("rip after HLT", r.rip, SYM_rm_pio_end);
	CHECK_EQ("al at HLT", r.rax & 0xff, 0x35);
	CHECK_EQ("cx at HLT", r.rcx & 0xffff, 0);
	return T_PASS;
}

static int t_pio_sizes(void)
{
	struct vm vm;
	struct vcpu v;
	struct kvm_regs r;
	struct kvm_run *run;
	uint64_t data;
	uint8_t *p;

	MUST(one_vcpu(&vm, &v, BLOB_g_pio));
	MUST(setup_long(&v, CODE_GPA));
	run = v.run;
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_IMM, 1, &data));
	CHECK_EQ("outb data", data, 0x11);
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_DX, 2, &data));
	CHECK_EQ("outw data", data, 0x2233);
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_DX, 4, &data));
	CHECK_EQ("outl data", data, 0x44556677);

	/* INs: fill 8 bytes, only `size` of them may reach the register. */
	MUST(run_expect_io(&v, KVM_EXIT_IO_IN, PORT_IMM_IN, 1, NULL));
	p = (uint8_t *)run + run->io.data_offset;
	memcpy(p, "\x5a\xee\xee\xee", 4);
	MUST(check_rip_after(&v, SYM_pio_after_inb));
	MUST(get_regs(&v, &r));
	CHECK_EQ("rax after inb", r.rax, 0xaaaaaaaaaaaaaa5aULL);
	MUST(run_expect_io(&v, KVM_EXIT_IO_IN, PORT_DX, 2, NULL));
	p = (uint8_t *)run + run->io.data_offset;
	memcpy(p, "\x57\x13\xee\xee", 4);
	MUST(run_expect_io(&v, KVM_EXIT_IO_IN, PORT_DX, 4, NULL));
	p = (uint8_t *)run + run->io.data_offset;
	memcpy(p, "\xef\xcd\xab\x89", 4);
	MUST(run_expect(&v, KVM_EXIT_HLT));
	MUST(get_regs(&v, &r));
	CHECK_EQ("rbx (inb result)", r.rbx, 0xaaaaaaaaaaaaaa5aULL);
	CHECK_EQ("rcx (inw result)", r.rcx, 0xbbbbbbbbbbbb1357ULL);
	CHECK_EQ("rax (inl result)", r.rax, 0x89abcdefULL);
	CHECK_EQ("rip after HLT", r.rip, SYM_pio_hlt + 1);
	return T_PASS;
}

static int t_protected_paging(void)
{
	struct vm vm;
	struct vcpu v;
	struct kvm_sregs s;
	uint64_t data;

	MUST(one_vcpu(&vm, &v, BLOB_g_pm32));
	MUST(setup_real(&v, CODE_GPA));
	*mem32(&vm, ALIAS_GPA + 0x20) = 0x600df00d;
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_DATA, 4, &data));
	CHECK_EQ("value read back through the identity map", data, PM32_MAGIC);
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_DATA, 4, &data));
	CHECK((data & 0x80000001) == 0x80000001, "guest CR0 was %#llx, expected PG and PE",
	      (unsigned long long)data);
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_DATA, 4, &data));
	CHECK_EQ("host value read through the alias", data, 0x600df00d);
	MUST(run_expect(&v, KVM_EXIT_HLT));
	CHECK_EQ("memory at ALIAS_GPA+0x10", *mem32(&vm, ALIAS_GPA + 0x10), PM32_MAGIC);
	CHECK_EQ("PDE 1 (guest-built)", *mem32(&vm, PM32_PD + 4) & ~0x60u, PM32_PT1 | 3);
	MUST(get_sregs(&v, &s));
	CHECK((s.cr0 & 0x80000001) == 0x80000001, "SREGS cr0 %#llx lacks PG|PE",
	      (unsigned long long)s.cr0);
	CHECK_EQ("SREGS cr3", s.cr3, PM32_PD);
	CHECK_EQ("SREGS cs.selector", s.cs.selector, 0x08);
	CHECK_EQ("SREGS cs.db", s.cs.db, 1);
	CHECK_EQ("SREGS cs.base", s.cs.base, 0);
	CHECK_EQ("SREGS ds.selector", s.ds.selector, 0x10);
	CHECK_EQ("SREGS gdt.limit", s.gdt.limit, 23);
	CHECK_EQ("SREGS gdt.base", s.gdt.base, SYM_pm32_gdt);
	CHECK_EQ("SREGS efer.LMA", s.efer & 0x400, 0);
	return T_PASS;
}

static int t_longmode_sregs(void)
{
	struct vm vm;
	struct vcpu v;
	struct kvm_sregs s;
	struct kvm_regs r;

	MUST(one_vcpu(&vm, &v, BLOB_g_lm64));
	MUST(setup_long(&v, CODE_GPA));
	*mem64(&vm, ALIAS_GPA + 8) = 0xfeedfacecafef00dULL;
	MUST(run_expect(&v, KVM_EXIT_HLT));
	MUST(get_regs(&v, &r));
	CHECK_EQ("rax", r.rax, 0x0123456789abcdefULL);
	CHECK_EQ("rbx", r.rbx, 0x23456789abcdef01ULL);
	CHECK_EQ("rdx (read through the alias)", r.rdx, 0xfeedfacecafef00dULL);
	CHECK_EQ("r8 (RIP-relative load)", r.r8, 0x1122334455667788ULL);
	CHECK_EQ("r15", r.r15, ~0x1122334455667788ULL);
	CHECK_EQ("rip after HLT", r.rip, SYM_lm64_after_hlt);
	CHECK_EQ("memory at ALIAS_GPA", *mem64(&vm, ALIAS_GPA), 0x23456789abcdef01ULL);
	MUST(get_sregs(&v, &s));
	CHECK_EQ("efer LME|LMA", s.efer & 0x500, 0x500);
	CHECK_EQ("cs.l", s.cs.l, 1);
	CHECK_EQ("cr3", s.cr3, PML4_GPA);
	CHECK_EQ("cr4.PAE", s.cr4 & 0x20, 0x20);
	return T_PASS;
}

static int t_translate(void)
{
	struct vm vm;
	struct vcpu v;
	struct kvm_translation tr;

	MUST(one_vcpu(&vm, &v, BLOB_g_lm64));
	MUST(setup_long(&v, CODE_GPA));
	memset(&tr, 0, sizeof(tr));
	tr.linear_address = LM_ALIAS_VA + 0x123;
	TRY(ioctl(v.fd, KVM_TRANSLATE, &tr));
	CHECK(tr.valid, "KVM_TRANSLATE of the alias %#llx says not valid",
	      (unsigned long long)tr.linear_address);
	CHECK_EQ("translated alias", tr.physical_address, ALIAS_GPA + 0x123);
	CHECK(tr.writeable, "the alias mapping is writable but KVM_TRANSLATE says not");

	memset(&tr, 0, sizeof(tr));
	tr.linear_address = 0x3ff000 + 0x45;	/* inside a 2 MiB page of the identity map */
	TRY(ioctl(v.fd, KVM_TRANSLATE, &tr));
	CHECK(tr.valid, "KVM_TRANSLATE of identity address %#llx says not valid",
	      (unsigned long long)tr.linear_address);
	CHECK_EQ("translated identity address", tr.physical_address, 0x3ff045);

	memset(&tr, 0, sizeof(tr));
	tr.linear_address = 2 * LM_ALIAS_VA;	/* PML4 entry 2 is not present */
	TRY(ioctl(v.fd, KVM_TRANSLATE, &tr));
	CHECK(!tr.valid, "KVM_TRANSLATE of unmapped %#llx says valid (-> %#llx)",
	      (unsigned long long)tr.linear_address, (unsigned long long)tr.physical_address);
	return T_PASS;
}

/* Collect the bytes of OUT exits until `len` arrived; supply IN data likewise. */
static int string_phase(struct vcpu *v, int dir, int size, uint8_t *buf, int len,
			int *exits)
{
	struct kvm_run *run = v->run;
	int done = 0;

	while (done < len) {
		uint8_t *p;
		int n;

		MUST(run_expect(v, KVM_EXIT_IO));
		if (run->io.direction != dir || run->io.port != PORT_STR ||
		    run->io.size != size)
			return fail("exit was %s, expected string %s of size %d on port %#x",
				    exit_desc(v), dir == KVM_EXIT_IO_OUT ? "out" : "in", size,
				    PORT_STR);
		n = run->io.count * size;
		if (run->io.count < 1 || done + n > len)
			return fail("string I/O exit with count %u after %d of %d bytes",
				    run->io.count, done, len);
		if (run->io.data_offset < sizeof(*run) ||
		    run->io.data_offset + (uint64_t)n > v->run_size)
			return fail("io.data_offset %#llx + %d outside the kvm_run mapping",
				    (unsigned long long)run->io.data_offset, n);
		p = (uint8_t *)run + run->io.data_offset;
		if (dir == KVM_EXIT_IO_OUT)
			memcpy(buf + done, p, n);
		else
			memcpy(p, buf + done, n);
		done += n;
		(*exits)++;
	}
	return 0;
}

static int t_string_io(void)
{
	uint8_t src[16], in[16], got[16], src2[16], in2[16];
	struct vm vm;
	struct vcpu v;
	struct kvm_regs r;
	int i, exits = 0;

	MUST(one_vcpu(&vm, &v, BLOB_g_string));
	MUST(setup_real(&v, CODE_GPA));
	for (i = 0; i < 16; i++) {
		src[i] = 0xa0 + i;
		in[i] = 0x50 + 3 * i;
		src2[i] = 0xc0 ^ (i * 7);
		in2[i] = 0x11 * (i + 1);
	}
	memcpy(vm.mem + STR_SRC, src, 16);
	memcpy(vm.mem + STR_SRC2, src2, 16);

	MUST(string_phase(&v, KVM_EXIT_IO_OUT, 1, got, 16, &exits));
	CHECK(!memcmp(got, src, 16), "rep outsb data differs from the guest's buffer");
	MUST(string_phase(&v, KVM_EXIT_IO_IN, 1, in, 16, &exits));
	MUST(string_phase(&v, KVM_EXIT_IO_OUT, 2, got, 16, &exits));
	CHECK(!memcmp(got, src2, 16), "rep outsw data differs from the guest's buffer");
	MUST(string_phase(&v, KVM_EXIT_IO_IN, 2, in2, 16, &exits));
	MUST(string_phase(&v, KVM_EXIT_IO_OUT, 1, got, 4, &exits));
	for (i = 0; i < 4; i++)
		CHECK(got[i] == src[15 - i], "backwards rep outsb byte %d was %#x, expected %#x",
		      i, got[i], src[15 - i]);
	MUST(run_expect(&v, KVM_EXIT_HLT));

	CHECK(!memcmp(vm.mem + STR_DST, in, 16), "rep insb left different bytes in memory");
	CHECK(!memcmp(vm.mem + STR_DST2, in2, 16), "rep insw left different bytes in memory");
	CHECK_EQ("guest memory after the insw buffer", vm.mem[STR_DST2 + 16], 0);
	MUST(get_regs(&v, &r));
	CHECK_EQ("si after rep outsw (saved in bp)", r.rbp & 0xffff, STR_SRC2 + 16);
	CHECK_EQ("di after rep insw (saved in bx)", r.rbx & 0xffff, STR_DST2 + 16);
	CHECK_EQ("cx after rep insw (saved in ax)", r.rax & 0xffff, 0);
	CHECK_EQ("si after the backwards rep outsb", r.rsi & 0xffff, STR_SRC + 11);
	CHECK_EQ("cx after the backwards rep outsb", r.rcx & 0xffff, 0);
	CHECK_EQ("rflags.DF at the end", r.rflags & 0x400, 0);
	CHECK_EQ("rip after HLT", r.rip, SYM_string_hlt + 1);
	return T_PASS;
}

static int t_hlt(void)
{
	struct vm vm;
	struct vcpu v;
	struct kvm_regs r;
	uint64_t data;

	MUST(one_vcpu(&vm, &v, BLOB_g_hlt));
	MUST(setup_real(&v, CODE_GPA));
	MUST(run_expect(&v, KVM_EXIT_HLT));
	MUST(get_regs(&v, &r));
	CHECK_EQ("rip after the first HLT", r.rip, SYM_hlt_after1);
	CHECK_EQ("ax at the first HLT", r.rax & 0xffff, 0x1234);
	MUST(run_expect(&v, KVM_EXIT_HLT));
	MUST(get_regs(&v, &r));
	CHECK_EQ("rip after the second HLT", r.rip, SYM_hlt_after2);
	CHECK_EQ("bx at the second HLT", r.rbx & 0xffff, 0x5678);
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_LOOP, 2, &data));
	CHECK_EQ("value after resuming from HLT", data, 0x1234 + 0x5678);
	return T_PASS;
}

/* Bits CPUID reports from live state rather than from the table. */
static uint32_t cpuid_dynamic_mask(uint32_t leaf, uint32_t sub, int reg)
{
	if (leaf == 1 && reg == 2)
		return 1u << 27;	/* OSXSAVE mirrors CR4.OSXSAVE */
	if (leaf == 1 && reg == 3)
		return 1u << 9;		/* APIC mirrors APIC_BASE.EN */
	if (leaf == 7 && sub == 0 && reg == 2)
		return 1u << 4;		/* OSPKE mirrors CR4.PKE */
	if (leaf == 0xd && sub <= 1 && reg == 1)
		return ~0u;		/* XSAVE area size for the current XCR0 (and XSS) */
	return 0;
}

static struct kvm_cpuid_entry2 *find_entry(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn &&
		    (!(c->entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     c->entries[i].index == idx))
			return &c->entries[i];
	return NULL;
}

static int t_cpuid(void)
{
	static const uint32_t q[][2] = {
		{ 0x40000000, 0 }, { 0x40000001, 0 }, { 0, 0 }, { 1, 0 }, { 7, 0 },
		{ 0x40000002, 3 }, { 0x40000002, 5 }, { 0x80000000, 0 },
	};
	const int nq = sizeof(q) / sizeof(q[0]);
	struct kvm_cpuid2 *sup = get_supported_cpuid(), *set, *back;
	struct kvm_cpuid_entry2 *e;
	struct vm vm;
	struct vcpu v;
	uint32_t i, n = 0;
	int k, reg;

	if (!sup)
		return fail("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	set = calloc(1, sizeof(*set) + (sup->nent + 4) * sizeof(set->entries[0]));
	back = calloc(1, sizeof(*back) + (sup->nent + 4) * sizeof(back->entries[0]));
	if (!set || !back)
		return fail("out of memory");
	/* The supported table minus the hypervisor range, plus our own leaves there. */
	for (i = 0; i < sup->nent; i++)
		if ((sup->entries[i].function & 0xf0000000) != 0x40000000)
			set->entries[n++] = sup->entries[i];
	set->entries[n++] = (struct kvm_cpuid_entry2){
		.function = 0x40000000, .eax = 0x40000002,
		.ebx = 0x6d766b4f, .ecx = 0x74736554, .edx = 0x44495043,	/* "OkvmTestCPID" */
	};
	set->entries[n++] = (struct kvm_cpuid_entry2){
		.function = 0x40000001, .eax = 0x01020304, .ebx = 0xa5a5a5a5,
		.ecx = 0x5a5a5a5a, .edx = 0xdeadbeef,
	};
	/* Subleaf-indexed entries: the guest must get the one matching ECX. */
	set->entries[n++] = (struct kvm_cpuid_entry2){
		.function = 0x40000002, .index = 3, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 0x33, .ebx = 0x333, .ecx = 0x3333, .edx = 0x33333,
	};
	set->entries[n++] = (struct kvm_cpuid_entry2){
		.function = 0x40000002, .index = 5, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 0x55, .ebx = 0x555, .ecx = 0x5555, .edx = 0x55555,
	};
	set->nent = n;

	MUST(one_vcpu(&vm, &v, BLOB_g_cpuid));
	TRY(ioctl(v.fd, KVM_SET_CPUID2, set));
	MUST(setup_real(&v, CODE_GPA));
	for (k = 0; k < nq; k++) {
		mem32(&vm, CPUID_TABLE)[2 * k] = q[k][0];
		mem32(&vm, CPUID_TABLE)[2 * k + 1] = q[k][1];
	}
	mem32(&vm, CPUID_TABLE)[2 * nq] = 0xffffffff;
	MUST(run_expect(&v, KVM_EXIT_HLT));

	for (k = 0; k < nq; k++) {
		uint32_t *out = mem32(&vm, CPUID_OUT + 16 * k);

		e = find_entry(set, q[k][0], q[k][1]);
		if (!e)
			continue;	/* a leaf the supported table lacks */
		for (reg = 0; reg < 4; reg++) {
			uint32_t want = (&e->eax)[reg], mask = ~cpuid_dynamic_mask(q[k][0], q[k][1], reg);

			if ((out[reg] & mask) != (want & mask))
				return fail("guest CPUID %#x.%u: %s was %#x, KVM_SET_CPUID2 set %#x",
					    q[k][0], q[k][1], (const char *[]){ "eax", "ebx", "ecx", "edx" }[reg],
					    out[reg], want);
		}
	}

	/*
	 * KVM_GET_CPUID2 gives the table back.  Whether a successful call also
	 * sets nent differs (6.1 leaves it alone, later kernels set it): accept
	 * either, the entries must be there.
	 */
	back->nent = sup->nent + 4;
	TRY(ioctl(v.fd, KVM_GET_CPUID2, back));
	CHECK(back->nent == n || back->nent == sup->nent + 4,
	      "KVM_GET_CPUID2 set nent to %u, %u entries were set", back->nent, n);
	for (i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 *a = &set->entries[i], *b;

		b = find_entry(back, a->function, a->index);
		CHECK(b, "KVM_GET_CPUID2 lost leaf %#x.%u", a->function, a->index);
		for (reg = 0; reg < 4; reg++) {
			uint32_t mask = ~cpuid_dynamic_mask(a->function, a->index, reg);

			CHECK(((&a->eax)[reg] & mask) == ((&b->eax)[reg] & mask),
			      "KVM_GET_CPUID2 leaf %#x.%u reg %d: %#x, set %#x", a->function,
			      a->index, reg, (&b->eax)[reg], (&a->eax)[reg]);
		}
	}
	return T_PASS;
}

static int msrs_io(struct vcpu *v, unsigned long req, const uint32_t *idx, uint64_t *val,
		   int n)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[8];
	} m;
	int i, r;

	memset(&m, 0, sizeof(m));
	m.h.nmsrs = n;
	for (i = 0; i < n; i++) {
		m.e[i].index = idx[i];
		m.e[i].data = val[i];
	}
	r = ioctl(v->fd, req, &m);
	for (i = 0; i < n && req == KVM_GET_MSRS; i++)
		val[i] = m.e[i].data;
	return r;
}

static int t_msrs(void)
{
	static const uint32_t set_idx[] = { 0x174, 0xc0000081, 0xc0000102 };
	uint64_t set_val[] = { 0x10, 0x0023001000000000ULL, 0xffff888012345000ULL };
	static const uint32_t get_idx[] = { 0x175, 0xc0000084, 0xc0000082 };
	static const uint64_t want[] = { 0x00123450, 0x00047700, 0xffffffff89abc000ULL };
	uint64_t got[3] = { 0 };
	struct vm vm;
	struct vcpu v;
	int i, r;

	MUST(one_vcpu(&vm, &v, BLOB_g_msr));
	MUST(set_supported_cpuid(&v));
	MUST(setup_real(&v, CODE_GPA));
	r = msrs_io(&v, KVM_SET_MSRS, set_idx, set_val, 3);
	CHECK(r == 3, "KVM_SET_MSRS of 3 MSRs returned %d (%s)", r, r < 0 ? strerror(errno) : "");
	MUST(run_expect(&v, KVM_EXIT_HLT));
	for (i = 0; i < 3; i++)
		CHECK(*mem64(&vm, MSR_OUT + 8 * i) == set_val[i],
		      "guest RDMSR %#x gave %#llx, KVM_SET_MSRS set %#llx", set_idx[i],
		      (unsigned long long)*mem64(&vm, MSR_OUT + 8 * i),
		      (unsigned long long)set_val[i]);
	r = msrs_io(&v, KVM_GET_MSRS, get_idx, got, 3);
	CHECK(r == 3, "KVM_GET_MSRS of 3 MSRs returned %d (%s)", r, r < 0 ? strerror(errno) : "");
	for (i = 0; i < 3; i++)
		CHECK(got[i] == want[i], "KVM_GET_MSRS %#x gave %#llx, the guest wrote %#llx",
		      get_idx[i], (unsigned long long)got[i], (unsigned long long)want[i]);
	return T_PASS;
}

static int t_triple_fault(void)
{
	struct vm vm;
	struct vcpu v;

	MUST(one_vcpu(&vm, &v, BLOB_g_triple));
	MUST(setup_long(&v, CODE_GPA));	/* IDT limit 0 */
	MUST(run_expect(&v, KVM_EXIT_SHUTDOWN));
	return T_PASS;
}

static int t_state_roundtrip(void)
{
	__u64 set[18], got[18];
	struct kvm_regs r;
	struct kvm_sregs s1, s2;
	struct vm vm;
	struct vcpu v;
	int i;

	MUST(one_vcpu(&vm, &v, BLOB_g_lm64));
	/* GPRs (rax..r15, rip, rflags): what was set comes back. */
	for (i = 0; i < 16; i++)
		set[i] = 0x0101010101010101ULL * (i + 1) ^ ((uint64_t)i << 60);
	set[16] = 0x1234;
	set[17] = 0xcd7;	/* CF PF AF ZF SF DF OF and the fixed bit 1 */
	memcpy(&r, set, sizeof(r));
	MUST(set_regs(&v, &r));
	MUST(get_regs(&v, &r));
	memcpy(got, &r, sizeof(r));
	for (i = 0; i < 18; i++)
		CHECK(got[i] == set[i], "KVM_GET_REGS field %d was %#llx, KVM_SET_REGS set %#llx",
		      i, got[i], set[i]);

	/* SREGS: what GET gives, SET takes and GET gives again, in both modes. */
	for (i = 0; i < 2; i++) {
		if (i)
			MUST(setup_long(&v, CODE_GPA));
		MUST(get_sregs(&v, &s1));
		TRY(ioctl(v.fd, KVM_SET_SREGS, &s1));
		MUST(get_sregs(&v, &s2));
		CHECK(!memcmp(&s1, &s2, sizeof(s1)), "KVM_GET_SREGS after setting what it gave "
		      "differs (%s state)", i ? "long mode" : "reset");
	}
	/* The long mode state is what setup_long set. */
	CHECK_EQ("cs.selector", s2.cs.selector, 0x08);
	CHECK_EQ("cs.base", s2.cs.base, 0);
	CHECK_EQ("cs.limit", s2.cs.limit, 0xffffffff);
	CHECK_EQ("cs.l", s2.cs.l, 1);
	CHECK_EQ("cs.db", s2.cs.db, 0);
	CHECK_EQ("cs.present", s2.cs.present, 1);
	CHECK_EQ("cs.type (ignoring accessed)", s2.cs.type | 1, 11);
	CHECK_EQ("ds.selector", s2.ds.selector, 0x10);
	CHECK_EQ("ss.db", s2.ss.db, 1);
	CHECK_EQ("tr.selector", s2.tr.selector, 0x18);
	CHECK_EQ("tr.base", s2.tr.base, TSS_GPA);
	CHECK_EQ("tr.limit", s2.tr.limit, 0x67);
	CHECK_EQ("gdt.base", s2.gdt.base, GDT_GPA);
	CHECK_EQ("gdt.limit", s2.gdt.limit, 39);
	CHECK_EQ("idt.limit", s2.idt.limit, 0);
	CHECK_EQ("cr0", s2.cr0, 0x80050033);
	CHECK_EQ("cr3", s2.cr3, PML4_GPA);
	CHECK_EQ("cr4", s2.cr4, 0x20);
	CHECK_EQ("efer (SCE LME LMA NXE)", s2.efer & 0xd01, 0x500);
	return T_PASS;
}

_Static_assert(sizeof(struct kvm_regs) == 18 * 8, "kvm_regs is 18 u64s");

/* KVM_RUN with XMM0-15 = in; out gets XMM0-15 after it: a syscall keeps them. */
static long run_with_xmm(int fd, const uint8_t *in, uint8_t *out)
{
	long ret = SYS_ioctl;

	asm volatile(
		"movdqu 0x00(%[in]), %%xmm0\n\tmovdqu 0x10(%[in]), %%xmm1\n\t"
		"movdqu 0x20(%[in]), %%xmm2\n\tmovdqu 0x30(%[in]), %%xmm3\n\t"
		"movdqu 0x40(%[in]), %%xmm4\n\tmovdqu 0x50(%[in]), %%xmm5\n\t"
		"movdqu 0x60(%[in]), %%xmm6\n\tmovdqu 0x70(%[in]), %%xmm7\n\t"
		"movdqu 0x80(%[in]), %%xmm8\n\tmovdqu 0x90(%[in]), %%xmm9\n\t"
		"movdqu 0xa0(%[in]), %%xmm10\n\tmovdqu 0xb0(%[in]), %%xmm11\n\t"
		"movdqu 0xc0(%[in]), %%xmm12\n\tmovdqu 0xd0(%[in]), %%xmm13\n\t"
		"movdqu 0xe0(%[in]), %%xmm14\n\tmovdqu 0xf0(%[in]), %%xmm15\n\t"
		"syscall\n\t"
		"movdqu %%xmm0, 0x00(%[out])\n\tmovdqu %%xmm1, 0x10(%[out])\n\t"
		"movdqu %%xmm2, 0x20(%[out])\n\tmovdqu %%xmm3, 0x30(%[out])\n\t"
		"movdqu %%xmm4, 0x40(%[out])\n\tmovdqu %%xmm5, 0x50(%[out])\n\t"
		"movdqu %%xmm6, 0x60(%[out])\n\tmovdqu %%xmm7, 0x70(%[out])\n\t"
		"movdqu %%xmm8, 0x80(%[out])\n\tmovdqu %%xmm9, 0x90(%[out])\n\t"
		"movdqu %%xmm10, 0xa0(%[out])\n\tmovdqu %%xmm11, 0xb0(%[out])\n\t"
		"movdqu %%xmm12, 0xc0(%[out])\n\tmovdqu %%xmm13, 0xd0(%[out])\n\t"
		"movdqu %%xmm14, 0xe0(%[out])\n\tmovdqu %%xmm15, 0xf0(%[out])\n\t"
		: "+a"(ret)
		: "D"((long)fd), "S"((long)KVM_RUN), "d"(0L), [in] "r"(in), [out] "r"(out)
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
		  "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
		  "xmm14", "xmm15");
	return ret;
}

/* Guest and host SSE registers stay apart across exits. */
static int t_fpu_state(void)
{
	uint8_t gpat[256], hpat[256], hout[256], scratch[4096];
	struct kvm_sregs s;
	struct vm vm;
	struct vcpu v;
	long r;
	int i, round;

	for (i = 0; i < 256; i++) {
		gpat[i] = i * 7 + 1;
		hpat[i] = 0xe0 ^ i;
	}
	MUST(one_vcpu(&vm, &v, BLOB_g_fpu));
	MUST(setup_long(&v, CODE_GPA));
	MUST(get_sregs(&v, &s));
	s.cr4 |= 0x600;		/* OSFXSR OSXMMEXCPT */
	TRY(ioctl(v.fd, KVM_SET_SREGS, &s));
	memcpy(vm.mem + DATA_GPA, gpat, 256);
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_LOOP, 1, NULL));
	for (round = 0; round < 2; round++) {
		/* Host work with vector registers between the exits. */
		memset(scratch, 0x5c + round, sizeof(scratch));
		memset(hout, 0, sizeof(hout));
		r = run_with_xmm(v.fd, hpat, hout);
		CHECK(r == 0, "KVM_RUN failed: %s", errno_name(-r));
		CHECK(!memcmp(hout, hpat, 256),
		      "host XMM registers changed across KVM_RUN (round %d)", round);
		if (round == 0)
			CHECK(v.run->exit_reason == KVM_EXIT_IO, "exit was %s, expected IO",
			      exit_desc(&v));
	}
	CHECK(v.run->exit_reason == KVM_EXIT_HLT, "exit was %s, expected HLT", exit_desc(&v));
	for (i = 0; i < 16; i++)
		CHECK(!memcmp(vm.mem + DATA_GPA + 0x100 + 16 * i, gpat + 16 * i, 16),
		      "guest XMM%d lost its value across exits to userspace", i);
	CHECK(scratch[100] == 0x5d, "host memory scribbled");
	return T_PASS;
}

const struct test modes_tests[] = {
	{ "realmode_pio_loop", t_realmode_pio_loop },
	{ "pio_sizes", t_pio_sizes },
	{ "protected_paging", t_protected_paging },
	{ "longmode_sregs", t_longmode_sregs },
	{ "translate", t_translate },
	{ "string_io", t_string_io },
	{ "hlt", t_hlt },
	{ "cpuid", t_cpuid },
	{ "msrs", t_msrs },
	{ "triple_fault", t_triple_fault },
	{ "state_roundtrip", t_state_roundtrip },
	{ "fpu_state", t_fpu_state },
	{ NULL, NULL },
};
