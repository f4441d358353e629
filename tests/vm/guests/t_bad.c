// SPDX-License-Identifier: MIT
/*
 * Bad input for the system, VM and vcpu ioctls: each gets its errno and
 * leaves the state as it was.  Errnos are the ones the KVM API documents;
 * where it documents none ("general error numbers ... are not detailed")
 * the test names what KVM returns and also accepts what the API allows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "harness.h"

/* A pointer no process has mapped. */
#define BAD_PTR ((void *)8)

/* An ioctl nobody implements: unknown ioctls fail with ENOTTY or EINVAL. */
#define KVM_BOGUS _IOWR(KVMIO, 0xfe, uint64_t)

static int unknown_ioctl(int fd, const char *what)
{
	uint64_t arg = 0;
	int r;

	r = ioctl(fd, KVM_BOGUS, &arg);
	CHECK(r == -1, "unknown ioctl on the %s fd returned %d", what, r);
	CHECK(errno == ENOTTY || errno == EINVAL,
	      "unknown ioctl on the %s fd failed with %s, expected ENOTTY or EINVAL", what,
	      errno_name(errno));
	r = ioctl(fd, TCGETS, &(struct termios){ 0 });
	CHECK(r == -1, "TCGETS on the %s fd returned %d", what, r);
	CHECK(errno == ENOTTY || errno == EINVAL,
	      "TCGETS on the %s fd failed with %s, expected ENOTTY or EINVAL", what,
	      errno_name(errno));
	return 0;
}

/* ---- system fd ---- */

static int t_api_version(void)
{
	CHECK_EQ("KVM_GET_API_VERSION", ioctl(kvm_sys, KVM_GET_API_VERSION, 0), 12);
	return T_PASS;
}

static int t_vcpu_mmap_size(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int size = ioctl(kvm_sys, KVM_GET_VCPU_MMAP_SIZE, 0);

	CHECK(size > 0, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	/* kvm_run plus the PIO data page at KVM_PIO_PAGE_OFFSET. */
	CHECK(size >= (KVM_PIO_PAGE_OFFSET + 1) * page,
	      "KVM_GET_VCPU_MMAP_SIZE %d does not cover the PIO page", size);
	CHECK(size % page == 0, "KVM_GET_VCPU_MMAP_SIZE %d is not whole pages", size);
	return T_PASS;
}

static int t_check_extension_unknown(void)
{
	struct vm vm;
	int r;

	r = ioctl(kvm_sys, KVM_CHECK_EXTENSION, 0x7fff0000);
	CHECK(r == 0, "KVM_CHECK_EXTENSION of an unknown capability returned %d (%s)", r,
	      r < 0 ? errno_name(errno) : "supported");
	CHECK(ioctl(kvm_sys, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) > 0,
	      "KVM_CAP_USER_MEMORY is not reported");
	if (!check_cap(kvm_sys, KVM_CAP_CHECK_EXTENSION_VM))
		return T_PASS;
	MUST(vm_create_empty(&vm));
	CHECK(ioctl(vm.fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) > 0,
	      "KVM_CAP_USER_MEMORY is not reported on the VM fd");
	r = ioctl(vm.fd, KVM_CHECK_EXTENSION, 0x7fff0000);
	CHECK(r == 0, "KVM_CHECK_EXTENSION on the VM fd of an unknown capability returned %d", r);
	return T_PASS;
}

static int t_bad_create_vm_type(void)
{
	int types = check_cap(kvm_sys, KVM_CAP_VM_TYPES);
	unsigned long type = 1;
	int fd;

	/* With KVM_CAP_VM_TYPES the supported types are a bit mask. */
	if (types)
		for (type = 0; type < 32 && (types & (1 << type)); type++)
			;
	EXPECT_ERRNO(ioctl(kvm_sys, KVM_CREATE_VM, type), EINVAL);
	EXPECT_ERRNO(ioctl(kvm_sys, KVM_CREATE_VM, 0x7fffff00UL), EINVAL);
	fd = ioctl(kvm_sys, KVM_CREATE_VM, 0);
	CHECK(fd >= 0, "KVM_CREATE_VM type 0 after the bad ones: %s", strerror(errno));
	return T_PASS;
}

static int t_bad_sys_unknown_ioctl(void)
{
	MUST(unknown_ioctl(kvm_sys, "system"));
	return T_PASS;
}

static int t_bad_msr_index_list(void)
{
	struct kvm_msr_list *l;
	uint32_t n, i, j;

	l = calloc(1, sizeof(*l) + 4096 * sizeof(l->indices[0]));
	if (!l)
		return fail("out of memory");
	l->nmsrs = 0;
	EXPECT_ERRNO(ioctl(kvm_sys, KVM_GET_MSR_INDEX_LIST, l), E2BIG);
	n = l->nmsrs;
	CHECK(n > 0 && n <= 4096, "after E2BIG, nmsrs is %u", n);
	l->nmsrs = n - 1;
	EXPECT_ERRNO(ioctl(kvm_sys, KVM_GET_MSR_INDEX_LIST, l), E2BIG);
	CHECK_EQ("nmsrs after the second E2BIG", l->nmsrs, n);
	l->nmsrs = n;
	TRY(ioctl(kvm_sys, KVM_GET_MSR_INDEX_LIST, l));
	CHECK_EQ("nmsrs", l->nmsrs, n);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			CHECK(l->indices[i] != l->indices[j], "MSR %#x is listed twice",
			      l->indices[i]);
	EXPECT_ERRNO(ioctl(kvm_sys, KVM_GET_MSR_INDEX_LIST, BAD_PTR), EFAULT);
	return T_PASS;
}

static int t_bad_supported_cpuid(void)
{
	struct kvm_cpuid2 *c;
	uint32_t i;
	int leaf0 = 0;

	c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	if (!c)
		return fail("out of memory");
	c->nent = 1;
	EXPECT_ERRNO(ioctl(kvm_sys, KVM_GET_SUPPORTED_CPUID, c), E2BIG);
	c->nent = 0;
	EXPECT_ERRNO(ioctl(kvm_sys, KVM_GET_SUPPORTED_CPUID, c), E2BIG);
	c->nent = 256;
	TRY(ioctl(kvm_sys, KVM_GET_SUPPORTED_CPUID, c));
	CHECK(c->nent > 1 && c->nent <= 256, "KVM_GET_SUPPORTED_CPUID gave nent %u", c->nent);
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0)
			leaf0 = c->entries[i].eax >= 1;
	CHECK(leaf0, "the supported CPUID has no leaf 0 naming leaf 1");
	EXPECT_ERRNO(ioctl(kvm_sys, KVM_GET_SUPPORTED_CPUID, BAD_PTR), EFAULT);
	return T_PASS;
}

/* ---- VM fd: memory slots ---- */

static int slot_ioctl(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		      uint64_t size, uint64_t uaddr)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = uaddr,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r);
}

/* A long-mode probe VM with 64 KiB of marked memory at SLOT1_GPA (slot 1). */
static int slot_vm(struct vm *vm, struct vcpu *v, uint64_t **buf)
{
	MUST(peek_vm(vm, v));
	*buf = alloc_mem(0x20000);
	if (!*buf)
		return fail("out of memory");
	(*buf)[0] = 0x5107000000000001ULL;
	(*buf)[0x10000 / 8] = 0x5107000000000002ULL;
	return vm_set_slot(vm, 1, 0, SLOT1_GPA, 0x10000, *buf);
}

/* Slot 1 is exactly what slot_vm made: memory up to 64 KiB, MMIO after it. */
static int slot1_intact(struct vcpu *v, uint64_t *buf, const char *when)
{
	MUST(expect_mem(v, SLOT1_GPA, buf[0], when));
	return expect_mmio(v, SLOT1_GPA + 0x10000, when);
}

static int t_bad_slot_alignment(void)
{
	struct vm vm;
	struct vcpu v;
	uint64_t *buf;
	uintptr_t u;

	MUST(slot_vm(&vm, &v, &buf));
	u = (uintptr_t)buf;
	EXPECT_ERRNO(slot_ioctl(&vm, 2, 0, SLOT1_MOVED_GPA + 0x10, 0x10000, u), EINVAL);
	EXPECT_ERRNO(slot_ioctl(&vm, 2, 0, SLOT1_MOVED_GPA, 0x10010, u), EINVAL);
	EXPECT_ERRNO(slot_ioctl(&vm, 2, 0, SLOT1_MOVED_GPA, 0x10000, u + 0x10), EINVAL);
	/* The same on an existing slot. */
	EXPECT_ERRNO(slot_ioctl(&vm, 1, 0, SLOT1_GPA + 0x800, 0x10000, u), EINVAL);
	MUST(expect_mmio(&v, SLOT1_MOVED_GPA, "after the unaligned slots"));
	MUST(slot1_intact(&v, buf, "after the unaligned slots"));
	return T_PASS;
}

static int t_bad_slot_id(void)
{
	int nslots = check_cap(kvm_sys, KVM_CAP_NR_MEMSLOTS);
	int nas = check_cap(kvm_sys, KVM_CAP_MULTI_ADDRESS_SPACE);
	struct vm vm;
	struct vcpu v;
	uint64_t *buf;

	CHECK(nslots > 1, "KVM_CAP_NR_MEMSLOTS is %d", nslots);
	MUST(slot_vm(&vm, &v, &buf));
	EXPECT_ERRNO(slot_ioctl(&vm, nslots, 0, SLOT1_MOVED_GPA, 0x10000, (uintptr_t)buf),
		     EINVAL);
	EXPECT_ERRNO(slot_ioctl(&vm, 0xffff, 0, SLOT1_MOVED_GPA, 0x10000, (uintptr_t)buf),
		     EINVAL);
	/* Address space ids (bits 16-31) must be below KVM_CAP_MULTI_ADDRESS_SPACE. */
	EXPECT_ERRNO(slot_ioctl(&vm, 2 | ((nas ? nas : 1) << 16), 0, SLOT1_MOVED_GPA, 0x10000,
				(uintptr_t)buf), EINVAL);
	MUST(expect_mmio(&v, SLOT1_MOVED_GPA, "after the bad slot ids"));
	MUST(slot1_intact(&v, buf, "after the bad slot ids"));
	/* The highest id is fine. */
	TRY(slot_ioctl(&vm, nslots - 1, 0, SLOT1_MOVED_GPA, 0x10000, (uintptr_t)buf + 0x10000));
	MUST(expect_mem(&v, SLOT1_MOVED_GPA, buf[0x10000 / 8], "in the slot with the highest id"));
	return T_PASS;
}

static int t_bad_slot_flags(void)
{
	struct vm vm;
	struct vcpu v;
	uint64_t *buf;

	MUST(slot_vm(&vm, &v, &buf));
	EXPECT_ERRNO(slot_ioctl(&vm, 2, 1u << 15, SLOT1_MOVED_GPA, 0x10000, (uintptr_t)buf),
		     EINVAL);
	EXPECT_ERRNO(slot_ioctl(&vm, 1, 1u << 15, SLOT1_GPA, 0x10000, (uintptr_t)buf), EINVAL);
	MUST(expect_mmio(&v, SLOT1_MOVED_GPA, "after the bad flags"));
	MUST(slot1_intact(&v, buf, "after the bad flags"));
	return T_PASS;
}

static int t_bad_slot_overlap(void)
{
	struct vm vm;
	struct vcpu v;
	uint64_t *buf, *other;
	uintptr_t o;

	MUST(slot_vm(&vm, &v, &buf));
	other = alloc_mem(0x20000);
	if (!other)
		return fail("out of memory");
	other[0] = 0x07e7;
	o = (uintptr_t)other;
	/* Inside, across either end, around, and over RAM (slot 0). */
	EXPECT_ERRNO(slot_ioctl(&vm, 2, 0, SLOT1_GPA + 0x1000, 0x1000, o), EEXIST);
	EXPECT_ERRNO(slot_ioctl(&vm, 2, 0, SLOT1_GPA - 0x1000, 0x2000, o), EEXIST);
	EXPECT_ERRNO(slot_ioctl(&vm, 2, 0, SLOT1_GPA + 0xf000, 0x2000, o), EEXIST);
	EXPECT_ERRNO(slot_ioctl(&vm, 2, 0, SLOT1_GPA - 0x1000, 0x20000, o), EEXIST);
	EXPECT_ERRNO(slot_ioctl(&vm, 2, 0, 0x100000, 0x1000, o), EEXIST);
	/* Moving slot 1 onto slot 0 overlaps too. */
	EXPECT_ERRNO(slot_ioctl(&vm, 1, 0, 0x100000, 0x10000, (uintptr_t)buf), EEXIST);
	MUST(slot1_intact(&v, buf, "after the overlapping slots"));
	MUST(expect_mem(&v, 0x100000, 0, "RAM after the overlapping slots"));
	/* Adjacent is fine. */
	TRY(slot_ioctl(&vm, 2, 0, SLOT1_GPA + 0x10000, 0x1000, o));
	MUST(expect_mem(&v, SLOT1_GPA + 0x10000, 0x07e7, "adjacent slot"));
	return T_PASS;
}

static int t_bad_slot_resize(void)
{
	struct vm vm;
	struct vcpu v;
	uint64_t *buf;

	MUST(slot_vm(&vm, &v, &buf));
	/* "it may be moved ... but it may not be resized" */
	EXPECT_ERRNO(slot_ioctl(&vm, 1, 0, SLOT1_GPA, 0x20000, (uintptr_t)buf), EINVAL);
	EXPECT_ERRNO(slot_ioctl(&vm, 1, 0, SLOT1_GPA, 0x8000, (uintptr_t)buf), EINVAL);
	MUST(slot1_intact(&v, buf, "after the resize attempts"));
	return T_PASS;
}

static int t_bad_slot_wrap(void)
{
	struct vm vm;
	struct vcpu v;
	uint64_t *buf;

	MUST(slot_vm(&vm, &v, &buf));
	EXPECT_ERRNO(slot_ioctl(&vm, 2, 0, 0xfffffffffff00000ULL, 0x200000, (uintptr_t)buf),
		     EINVAL);
	MUST(slot1_intact(&v, buf, "after the wrapping slot"));
	return T_PASS;
}

static int t_bad_slot_address(void)
{
	struct vm vm;
	struct vcpu v;
	uint64_t *buf;
	int r;

	MUST(slot_vm(&vm, &v, &buf));
	EXPECT_ERRNO(ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, BAD_PTR), EFAULT);
	/* Not user memory at all: must fail (KVM: EINVAL). */
	r = slot_ioctl(&vm, 2, 0, SLOT1_MOVED_GPA, 0x10000, 0xffff888000000000ULL);
	CHECK(r == -1, "a slot at a kernel address was accepted");
	CHECK(errno == EINVAL || errno == EFAULT,
	      "a slot at a kernel address failed with %s, expected EINVAL or EFAULT",
	      errno_name(errno));
	MUST(expect_mmio(&v, SLOT1_MOVED_GPA, "after the bad addresses"));
	MUST(slot1_intact(&v, buf, "after the bad addresses"));
	return T_PASS;
}

/* ---- VM fd: vcpus and the rest ---- */

static int t_bad_vcpu_id(void)
{
	int max_id = check_cap(kvm_sys, KVM_CAP_MAX_VCPU_ID);
	struct vm vm;
	struct vcpu v;
	uint64_t data;

	if (!max_id)
		max_id = check_cap(kvm_sys, KVM_CAP_MAX_VCPUS);
	CHECK(max_id > 0, "neither KVM_CAP_MAX_VCPU_ID nor KVM_CAP_MAX_VCPUS is reported");
	MUST(vm_create(&vm));
	MUST(vcpu_create(&vm, &v, 0));
	EXPECT_ERRNO(ioctl(vm.fd, KVM_CREATE_VCPU, 0), EEXIST);
	EXPECT_ERRNO(ioctl(vm.fd, KVM_CREATE_VCPU, max_id), EINVAL);
	EXPECT_ERRNO(ioctl(vm.fd, KVM_CREATE_VCPU, -1), EINVAL);
	/* The first vcpu is unharmed. */
	load_blob(&vm, CODE_GPA, BLOB_g_rm_pio);
	MUST(setup_real(&v, CODE_GPA));
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_LOOP, 1, &data));
	CHECK_EQ("OUT of the original vcpu", data, 0x30);
	/* A second id works. */
	CHECK(ioctl(vm.fd, KVM_CREATE_VCPU, 1) >= 0, "KVM_CREATE_VCPU 1: %s", strerror(errno));
	return T_PASS;
}

static int t_bad_vm_unknown_ioctl(void)
{
	struct vm vm;

	MUST(vm_create_empty(&vm));
	MUST(unknown_ioctl(vm.fd, "VM"));
	return T_PASS;
}

static int t_tss_identity_map(void)
{
	struct vm vm;
	uint64_t addr = 0xfffbc000;

	MUST(vm_create_empty(&vm));
	if (check_cap(kvm_sys, KVM_CAP_SET_TSS_ADDR))
		TRY(ioctl(vm.fd, KVM_SET_TSS_ADDR, 0xfffbd000UL));
	if (!check_cap(kvm_sys, KVM_CAP_SET_IDENTITY_MAP_ADDR))
		return T_PASS;
	TRY(ioctl(vm.fd, KVM_SET_IDENTITY_MAP_ADDR, &addr));
	EXPECT_ERRNO(ioctl(vm.fd, KVM_SET_IDENTITY_MAP_ADDR, BAD_PTR), EFAULT);
	CHECK(ioctl(vm.fd, KVM_CREATE_VCPU, 0) >= 0, "KVM_CREATE_VCPU: %s", strerror(errno));
	/* "Fails if any VCPU has already been created." */
	CHECK(ioctl(vm.fd, KVM_SET_IDENTITY_MAP_ADDR, &addr) == -1,
	      "KVM_SET_IDENTITY_MAP_ADDR succeeded after KVM_CREATE_VCPU");
	return T_PASS;
}

/* ---- vcpu fd ---- */

static int fresh_vcpu(struct vm *vm, struct vcpu *v)
{
	MUST(vm_create(vm));
	return vcpu_create(vm, v, 0);
}

/* Each row: a change to the reset SREGS that describes no valid CPU state. */
static void sregs_lme_pg_no_pae(struct kvm_sregs *s)
{
	s->cr0 |= 0x80000001;
	s->cr4 &= ~0x20ULL;
	s->efer |= 0x500;
}

static void sregs_lme_pg_no_lma(struct kvm_sregs *s)
{
	s->cr0 |= 0x80000001;
	s->cr4 |= 0x20;
	s->efer = (s->efer | 0x100) & ~0x400ULL;
}

static void sregs_lma_no_pg(struct kvm_sregs *s)
{
	s->cr0 = (s->cr0 | 1) & ~0x80000000ULL;
	s->cr4 |= 0x20;
	s->efer |= 0x500;
}

static void sregs_cs_l_outside_long_mode(struct kvm_sregs *s)
{
	s->cr0 |= 1;
	s->efer &= ~0x500ULL;
	s->cs.l = 1;
}

static void sregs_cr4_reserved(struct kvm_sregs *s)
{
	s->cr4 |= 1ULL << 63;
}

static void sregs_apic_base_reserved(struct kvm_sregs *s)
{
	s->apic_base |= 1;	/* bits 0-7 are reserved */
}

static void sregs_apic_base_x2apic_only(struct kvm_sregs *s)
{
	/* x2APIC enabled (bit 10) with the APIC disabled (bit 11) is invalid. */
	s->apic_base = (s->apic_base & ~0x800ULL) | 0x400;
}

static int t_bad_sregs(void)
{
	static const struct {
		const char *what;
		void (*mod)(struct kvm_sregs *);
	} rows[] = {
		{ "EFER.LME+CR0.PG without CR4.PAE", sregs_lme_pg_no_pae },
		{ "EFER.LME+CR0.PG without EFER.LMA", sregs_lme_pg_no_lma },
		{ "EFER.LMA without CR0.PG", sregs_lma_no_pg },
		{ "CS.L outside long mode", sregs_cs_l_outside_long_mode },
		{ "a reserved CR4 bit", sregs_cr4_reserved },
		{ "a reserved APIC base bit", sregs_apic_base_reserved },
		{ "x2APIC enabled with the APIC disabled", sregs_apic_base_x2apic_only },
	};
	struct kvm_sregs before, bad, after;
	struct vm vm;
	struct vcpu v;
	size_t i;

	MUST(fresh_vcpu(&vm, &v));
	MUST(set_supported_cpuid(&v));
	MUST(get_sregs(&v, &before));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bad = before;
		rows[i].mod(&bad);
		if (ioctl(v.fd, KVM_SET_SREGS, &bad) == 0)
			return fail("KVM_SET_SREGS accepted %s", rows[i].what);
		CHECK(errno == EINVAL, "KVM_SET_SREGS with %s failed with %s, expected EINVAL",
		      rows[i].what, errno_name(errno));
		MUST(get_sregs(&v, &after));
		CHECK(!memcmp(&before, &after, sizeof(after)),
		      "KVM_SET_SREGS with %s failed but changed the state", rows[i].what);
	}
	/* The unchanged state still runs. */
	{
		uint64_t data;

		load_blob(&vm, CODE_GPA, BLOB_g_rm_pio);
		MUST(setup_real(&v, CODE_GPA));
		MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_LOOP, 1, &data));
	}
	return T_PASS;
}

static int t_bad_vcpu_efault(void)
{
	struct vm vm;
	struct vcpu v;
	struct kvm_regs r;

	MUST(fresh_vcpu(&vm, &v));
	MUST(get_regs(&v, &r));
	EXPECT_ERRNO(ioctl(v.fd, KVM_GET_REGS, BAD_PTR), EFAULT);
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_REGS, BAD_PTR), EFAULT);
	EXPECT_ERRNO(ioctl(v.fd, KVM_GET_SREGS, BAD_PTR), EFAULT);
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_SREGS, BAD_PTR), EFAULT);
	EXPECT_ERRNO(ioctl(v.fd, KVM_GET_MSRS, BAD_PTR), EFAULT);
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_MSRS, BAD_PTR), EFAULT);
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_CPUID2, BAD_PTR), EFAULT);
	EXPECT_ERRNO(ioctl(v.fd, KVM_TRANSLATE, BAD_PTR), EFAULT);
	EXPECT_ERRNO(ioctl(v.fd, KVM_GET_MP_STATE, BAD_PTR), EFAULT);
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_SIGNAL_MASK, BAD_PTR), EFAULT);
	{
		struct kvm_regs after;

		MUST(get_regs(&v, &after));
		CHECK(!memcmp(&r, &after, sizeof(r)), "registers changed after failed ioctls");
	}
	return T_PASS;
}

static int msrs3(struct vcpu *v, unsigned long req, const uint32_t idx[3], uint64_t val[3])
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[3];
	} m;
	int i, r;

	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 3;
	for (i = 0; i < 3; i++) {
		m.e[i].index = idx[i];
		m.e[i].data = val[i];
	}
	r = ioctl(v->fd, req, &m);
	if (req == KVM_GET_MSRS)
		for (i = 0; i < 3; i++)
			val[i] = m.e[i].data;
	return r;
}

static int t_bad_msrs_stop(void)
{
	/* STAR, an index no CPU has, LSTAR. */
	static const uint32_t idx[3] = { 0xc0000081, 0xdeadbeef, 0xc0000082 };
	static const uint32_t good[3] = { 0xc0000081, 0xc0000082, 0xc0000081 };
	uint64_t val[3], before[3] = { 0 }, now[3] = { 0 };
	struct vm vm;
	struct vcpu v;
	int r;

	MUST(fresh_vcpu(&vm, &v));
	MUST(set_supported_cpuid(&v));
	r = msrs3(&v, KVM_GET_MSRS, good, before);
	CHECK(r == 3, "KVM_GET_MSRS of STAR, LSTAR, STAR returned %d", r);

	/* "it stops processing the MSR list and returns the number ... set" */
	val[0] = 0x0023001000000000ULL;
	val[1] = 1;
	val[2] = 0xffffffff81000000ULL;
	r = msrs3(&v, KVM_SET_MSRS, idx, val);
	CHECK(r == 1, "KVM_SET_MSRS {STAR, unknown, LSTAR} returned %d, expected 1", r);
	r = msrs3(&v, KVM_GET_MSRS, good, now);
	CHECK(r == 3, "KVM_GET_MSRS returned %d", r);
	CHECK_EQ("STAR (set before the unknown index)", now[0], val[0]);
	CHECK_EQ("LSTAR (after the unknown index, must be unchanged)", now[1], before[1]);

	memset(val, 0, sizeof(val));
	r = msrs3(&v, KVM_GET_MSRS, idx, val);
	CHECK(r == 1, "KVM_GET_MSRS {STAR, unknown, LSTAR} returned %d, expected 1", r);
	CHECK_EQ("STAR from the stopped KVM_GET_MSRS", val[0], 0x0023001000000000ULL);
	return T_PASS;
}

static int t_bad_cpuid2(void)
{
	const int big = 4096;
	struct kvm_cpuid2 *c;
	struct vm vm;
	struct vcpu v;
	int i;

	c = calloc(1, sizeof(*c) + big * sizeof(c->entries[0]));
	if (!c)
		return fail("out of memory");
	MUST(fresh_vcpu(&vm, &v));
	c->nent = 3;
	for (i = 0; i < 3; i++) {
		c->entries[i].function = 0x40000000 + i;
		c->entries[i].eax = 0x100 + i;
	}
	TRY(ioctl(v.fd, KVM_SET_CPUID2, c));

	/* KVM_GET_CPUID2 into fewer entries than set: E2BIG. */
	memset(c, 0, sizeof(*c) + big * sizeof(c->entries[0]));
	c->nent = 2;
	EXPECT_ERRNO(ioctl(v.fd, KVM_GET_CPUID2, c), E2BIG);
	c->nent = 3;
	TRY(ioctl(v.fd, KVM_GET_CPUID2, c));
	CHECK_EQ("KVM_GET_CPUID2 nent", c->nent, 3);
	CHECK_EQ("KVM_GET_CPUID2 entry 2 eax", c->entries[2].eax, 0x102);

	/* Far more entries than any implementation keeps: E2BIG. */
	c->nent = big;
	for (i = 0; i < big; i++) {
		c->entries[i].function = 0x40000000 + i;
		c->entries[i].index = 0;
		c->entries[i].flags = 0;
	}
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_CPUID2, c), E2BIG);
	return T_PASS;
}

static int t_bad_mp_state(void)
{
	struct kvm_mp_state mp;
	struct vm vm;
	struct vcpu v;

	if (!check_cap(kvm_sys, KVM_CAP_MP_STATE))
		return skip("KVM_CAP_MP_STATE is not reported");
	MUST(fresh_vcpu(&vm, &v));
	TRY(ioctl(v.fd, KVM_GET_MP_STATE, &mp));
	CHECK_EQ("mp_state of a new vcpu 0", mp.mp_state, KVM_MP_STATE_RUNNABLE);
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	TRY(ioctl(v.fd, KVM_SET_MP_STATE, &mp));
	mp.mp_state = 1000;
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_MP_STATE, &mp), EINVAL);
	TRY(ioctl(v.fd, KVM_GET_MP_STATE, &mp));
	CHECK_EQ("mp_state after the bad KVM_SET_MP_STATE", mp.mp_state, KVM_MP_STATE_RUNNABLE);
	return T_PASS;
}

static int t_bad_signal_mask(void)
{
	struct {
		struct kvm_signal_mask h;
		uint8_t bits[16];
	} m;
	struct vm vm;
	struct vcpu v;

	MUST(fresh_vcpu(&vm, &v));
	memset(&m, 0, sizeof(m));
	m.h.len = 4;
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_SIGNAL_MASK, &m), EINVAL);
	m.h.len = 16;
	EXPECT_ERRNO(ioctl(v.fd, KVM_SET_SIGNAL_MASK, &m), EINVAL);
	m.h.len = 8;
	TRY(ioctl(v.fd, KVM_SET_SIGNAL_MASK, &m));
	/* No argument: stop overriding the mask. */
	TRY(ioctl(v.fd, KVM_SET_SIGNAL_MASK, NULL));
	return T_PASS;
}

static int t_bad_vcpu_unknown_ioctl(void)
{
	struct vm vm;
	struct vcpu v;

	MUST(fresh_vcpu(&vm, &v));
	MUST(unknown_ioctl(v.fd, "vcpu"));
	return T_PASS;
}

const struct test bad_tests[] = {
	{ "api_version", t_api_version },
	{ "vcpu_mmap_size", t_vcpu_mmap_size },
	{ "check_extension", t_check_extension_unknown },
	{ "bad_create_vm_type", t_bad_create_vm_type },
	{ "bad_sys_unknown_ioctl", t_bad_sys_unknown_ioctl },
	{ "bad_msr_index_list", t_bad_msr_index_list },
	{ "bad_supported_cpuid", t_bad_supported_cpuid },
	{ "bad_slot_alignment", t_bad_slot_alignment },
	{ "bad_slot_id", t_bad_slot_id },
	{ "bad_slot_flags", t_bad_slot_flags },
	{ "bad_slot_overlap", t_bad_slot_overlap },
	{ "bad_slot_resize", t_bad_slot_resize },
	{ "bad_slot_wrap", t_bad_slot_wrap },
	{ "bad_slot_address", t_bad_slot_address },
	{ "bad_vcpu_id", t_bad_vcpu_id },
	{ "bad_vm_unknown_ioctl", t_bad_vm_unknown_ioctl },
	{ "tss_identity_map", t_tss_identity_map },
	{ "bad_sregs", t_bad_sregs },
	{ "bad_vcpu_efault", t_bad_vcpu_efault },
	{ "bad_msrs_stop", t_bad_msrs_stop },
	{ "bad_cpuid2", t_bad_cpuid2 },
	{ "bad_mp_state", t_bad_mp_state },
	{ "bad_signal_mask", t_bad_signal_mask },
	{ "bad_vcpu_unknown_ioctl", t_bad_vcpu_unknown_ioctl },
	{ NULL, NULL },
};
