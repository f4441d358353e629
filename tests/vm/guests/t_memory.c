// SPDX-License-Identifier: MIT
/* MMIO outside the slots, read-only slots, slots changing under a live VM. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* What a read outside every slot returns in these tests. */
#define MMIO_MARK 0x4d4d494f4d4d494fULL

/* A VM in long mode with the probe guest (g_peek) loaded. */
int peek_vm(struct vm *vm, struct vcpu *v)
{
	MUST(vm_create(vm));
	MUST(vcpu_create(vm, v, 0));
	load_blob(vm, CODE_GPA, BLOB_g_peek);
	return setup_long(v, SYM_peek_read);
}

static int start_at(struct vcpu *v, uint64_t rip, uint64_t rbx, uint64_t rcx)
{
	struct kvm_regs r;

	memset(&r, 0, sizeof(r));
	r.rip = rip;
	r.rbx = rbx;
	r.rcx = rcx;
	r.rsp = STACK_TOP;
	r.rflags = 2;
	return set_regs(v, &r);
}

/* Guest reads 8 bytes at gpa; an MMIO read is answered with MMIO_MARK. */
int peek(struct vcpu *v, uint64_t gpa, uint64_t *val, int *was_mmio)
{
	struct kvm_regs r;

	MUST(start_at(v, SYM_peek_read, gpa, 0));
	*was_mmio = 0;
	if (ioctl(v->fd, KVM_RUN, 0) < 0)
		return fail("KVM_RUN (guest reading %#llx): %s", (unsigned long long)gpa,
			    errno_name(errno));
	if (v->run->exit_reason == KVM_EXIT_MMIO) {
		if (v->run->mmio.is_write || v->run->mmio.phys_addr != gpa ||
		    v->run->mmio.len != 8)
			return fail("exit was %s, expected MMIO read %#llx len 8", exit_desc(v),
				    (unsigned long long)gpa);
		*was_mmio = 1;
		memcpy(v->run->mmio.data, &(uint64_t){ MMIO_MARK }, 8);
		if (ioctl(v->fd, KVM_RUN, 0) < 0)
			return fail("KVM_RUN after an MMIO read: %s", errno_name(errno));
	}
	if (v->run->exit_reason != KVM_EXIT_HLT)
		return fail("exit was %s, expected HLT after reading %#llx", exit_desc(v),
			    (unsigned long long)gpa);
	MUST(get_regs(v, &r));
	*val = r.rax;
	return 0;
}

/* Guest writes 8 bytes at gpa; must not exit to userspace. */
static int poke(struct vcpu *v, uint64_t gpa, uint64_t val)
{
	MUST(start_at(v, SYM_peek_write, gpa, val));
	return run_expect(v, KVM_EXIT_HLT);
}

/* The guest at gpa must see memory holding want. */
int expect_mem(struct vcpu *v, uint64_t gpa, uint64_t want, const char *when)
{
	uint64_t val;
	int mmio;

	MUST(peek(v, gpa, &val, &mmio));
	if (mmio)
		return fail("%s: guest read of %#llx became MMIO, expected memory",
			    when, (unsigned long long)gpa);
	if (val != want)
		return fail("%s: guest read %#llx at %#llx, expected %#llx", when,
			    (unsigned long long)val, (unsigned long long)gpa,
			    (unsigned long long)want);
	return 0;
}

/* The guest at gpa must see no memory (an MMIO exit). */
int expect_mmio(struct vcpu *v, uint64_t gpa, const char *when)
{
	uint64_t val;
	int mmio;

	MUST(peek(v, gpa, &val, &mmio));
	if (!mmio)
		return fail("%s: guest read of %#llx found memory (%#llx), expected MMIO",
			    when, (unsigned long long)gpa, (unsigned long long)val);
	if (val != MMIO_MARK)
		return fail("%s: MMIO read returned %#llx to the guest, userspace gave %#llx",
			    when, (unsigned long long)val, MMIO_MARK);
	return 0;
}

static int t_mmio(void)
{
	static const uint8_t rd[8] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };
	static const struct {
		uint64_t off, data, next;
		uint32_t len;
	} w[] = {
		{ 0x00, 0x11, SYM_mmio_w2, 1 },
		{ 0x10, 0x2233, SYM_mmio_w4, 2 },
		{ 0x20, 0x44556677, SYM_mmio_w8, 4 },
		{ 0x30, 0x8899aabbccddeeffULL, SYM_mmio_r1, 8 },
	};
	static const struct {
		uint64_t off, rax;
		uint32_t len;
	} r[] = {
		{ 0x40, 0x11111111111111a1ULL, 1 },
		{ 0x50, 0x222222222222a2a1ULL, 2 },
		{ 0x60, 0x00000000a4a3a2a1ULL, 4 },
	};
	struct vm vm;
	struct vcpu v;
	struct kvm_regs regs;
	uint64_t data;
	size_t i;

	MUST(vm_create(&vm));
	MUST(vcpu_create(&vm, &v, 0));
	load_blob(&vm, CODE_GPA, BLOB_g_mmio);
	MUST(setup_long(&v, CODE_GPA));
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		MUST(run_expect_mmio(&v, 1, MMIO_GPA + w[i].off, w[i].len, &data));
		CHECK(data == w[i].data, "%u-byte MMIO write carried %#llx, expected %#llx",
		      w[i].len, (unsigned long long)data, (unsigned long long)w[i].data);
		MUST(check_rip_after(&v, w[i].next));
	}
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		MUST(run_expect_mmio(&v, 0, MMIO_GPA + r[i].off, r[i].len, NULL));
		memcpy(v.run->mmio.data, rd, 8);
		MUST(complete_pending(&v));
		MUST(get_regs(&v, &regs));
		CHECK(regs.rax == r[i].rax, "rax after a %u-byte MMIO read was %#llx, expected %#llx",
		      r[i].len, (unsigned long long)regs.rax, (unsigned long long)r[i].rax);
	}
	MUST(run_expect_mmio(&v, 0, MMIO_GPA + 0x70, 8, NULL));
	memcpy(v.run->mmio.data, rd, 8);
	MUST(run_expect(&v, KVM_EXIT_HLT));
	MUST(get_regs(&v, &regs));
	CHECK_EQ("r8 (1-byte read)", regs.r8, r[0].rax);
	CHECK_EQ("r9 (2-byte read)", regs.r9, r[1].rax);
	CHECK_EQ("r10 (4-byte read)", regs.r10, r[2].rax);
	CHECK_EQ("r11 (8-byte read)", regs.r11, 0xa8a7a6a5a4a3a2a1ULL);
	CHECK_EQ("rip after HLT", regs.rip, SYM_mmio_hlt + 1);
	return T_PASS;
}

static int t_readonly_slot(void)
{
	const size_t size = 0x10000;
	uint64_t *buf, *copy, data;
	struct vm vm;
	struct vcpu v;
	struct kvm_regs r;
	size_t i;

	if (!check_cap(kvm_sys, KVM_CAP_READONLY_MEM))
		return skip("KVM_CAP_READONLY_MEM is not reported");
	MUST(peek_vm(&vm, &v));
	buf = alloc_mem(size);
	copy = malloc(size);
	if (!buf || !copy)
		return fail("out of memory");
	for (i = 0; i < size / 8; i++)
		buf[i] = 0x0123456700000000ULL + i;
	memcpy(copy, buf, size);
	MUST(vm_set_slot(&vm, 1, KVM_MEM_READONLY, SLOT1_GPA, size, buf));

	MUST(start_at(&v, SYM_peek_ro, SLOT1_GPA, 0x5555aaaa5555aaaaULL));
	MUST(run_expect_mmio(&v, 1, SLOT1_GPA + 0x100, 8, &data));
	CHECK_EQ("data of the write to the read-only slot", data, 0x5555aaaa5555aaaaULL);
	MUST(check_rip_after(&v, SYM_peek_ro_after_write));
	MUST(run_expect(&v, KVM_EXIT_HLT));
	MUST(get_regs(&v, &r));
	CHECK_EQ("rax (read of the read-only slot)", r.rax, buf[0]);
	CHECK_EQ("rsi (read of the read-only slot)", r.rsi, buf[1]);
	CHECK_EQ("rdx (read back after the write)", r.rdx, copy[0x100 / 8]);
	CHECK(!memcmp(buf, copy, size), "the read-only slot's memory changed");
	return T_PASS;
}

static int t_slot_add_move_delete(void)
{
	const size_t size = 0x10000;
	uint64_t *a, *b;
	struct vm vm;
	struct vcpu v;

	MUST(peek_vm(&vm, &v));
	a = alloc_mem(size);
	b = alloc_mem(size);
	if (!a || !b)
		return fail("out of memory");
	a[0] = 0xaaaa000000000001ULL;
	a[size / 8 - 1] = 0xaaaa0000000000ffULL;
	b[0] = 0xbbbb000000000001ULL;

	MUST(expect_mmio(&v, SLOT1_GPA, "before slot 1 exists"));
	MUST(vm_set_slot(&vm, 1, 0, SLOT1_GPA, size, a));
	MUST(expect_mem(&v, SLOT1_GPA, a[0], "slot 1 added"));
	MUST(expect_mem(&v, SLOT1_GPA + size - 8, a[size / 8 - 1], "slot 1 added, last word"));
	MUST(expect_mmio(&v, SLOT1_GPA + size, "just past slot 1"));

	/* Host writes show in the guest, guest writes in the host. */
	a[0] = 0xaaaa000000000002ULL;
	MUST(expect_mem(&v, SLOT1_GPA, a[0], "host wrote slot 1"));
	MUST(poke(&v, SLOT1_GPA + 8, 0x1234567887654321ULL));
	CHECK_EQ("host view of the guest's write to slot 1", a[1], 0x1234567887654321ULL);

	/* Flags may change on a live slot; the memory stays. */
	MUST(vm_set_slot(&vm, 1, KVM_MEM_LOG_DIRTY_PAGES, SLOT1_GPA, size, a));
	MUST(expect_mem(&v, SLOT1_GPA + 8, a[1], "dirty logging turned on"));
	MUST(poke(&v, SLOT1_GPA + 16, 0x0badcafe0badcafeULL));
	CHECK_EQ("guest write with dirty logging on", a[2], 0x0badcafe0badcafeULL);
	MUST(vm_set_slot(&vm, 1, 0, SLOT1_GPA, size, a));
	MUST(expect_mem(&v, SLOT1_GPA + 16, a[2], "dirty logging turned off"));

	/* Move: the old range is gone, the new one has the same memory. */
	MUST(vm_set_slot(&vm, 1, 0, SLOT1_MOVED_GPA, size, a));
	MUST(expect_mmio(&v, SLOT1_GPA, "slot 1 moved away"));
	MUST(expect_mem(&v, SLOT1_MOVED_GPA, a[0], "slot 1 moved"));
	MUST(expect_mem(&v, SLOT1_MOVED_GPA + 8, a[1], "slot 1 moved, second word"));

	/* Delete. */
	MUST(vm_set_slot(&vm, 1, 0, SLOT1_MOVED_GPA, 0, a));
	MUST(expect_mmio(&v, SLOT1_MOVED_GPA, "slot 1 deleted"));

	/* The id is free again: new memory at the old place. */
	MUST(vm_set_slot(&vm, 1, 0, SLOT1_GPA, size, b));
	MUST(expect_mem(&v, SLOT1_GPA, b[0], "slot 1 re-added with other memory"));

	/* Slot 0 was never touched by all this. */
	CHECK_EQ("slot 0 page table entry (without A/D bits)", *mem64(&vm, PML4_GPA) & ~0x60ULL,
		 PDPT_GPA | 3);
	return T_PASS;
}

/* KVM_GET_DIRTY_LOG of slot 1 (16 pages) as a bit mask. */
static int dirty_log(struct vm *vm, uint64_t *bits)
{
	struct kvm_dirty_log log;

	memset(&log, 0, sizeof(log));
	*bits = 0;
	log.slot = 1;
	log.dirty_bitmap = bits;
	if (ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log))
		return fail("KVM_GET_DIRTY_LOG: %s", errno_name(errno));
	return 0;
}

/*
 * Each call returns exactly the pages written since the previous one: a page logged once
 * must be caught again at its next write, and reads, or pages not written, never show.
 */
static int t_dirty_log_rounds(void)
{
	static const struct {
		uint64_t write_pages, read_pages;
	} rounds[] = {
		{ 0x0003, 0 },		/* pages 0 and 1 */
		{ 0x0001, 0x0002 },	/* page 0 again; page 1 only read */
		{ 0x8000, 0x0001 },	/* page 15 */
		{ 0, 0xffff },		/* nothing written */
		{ 0x8003, 0 },		/* 0, 1 and 15 again */
	};
	const size_t size = 16 * 4096;
	uint64_t *a, bits;
	struct vm vm;
	struct vcpu v;
	size_t r;
	int p;

	MUST(peek_vm(&vm, &v));
	a = alloc_mem(size);
	if (!a)
		return fail("out of memory");
	MUST(vm_set_slot(&vm, 1, KVM_MEM_LOG_DIRTY_PAGES, SLOT1_GPA, size, a));
	MUST(dirty_log(&vm, &bits));
	for (r = 0; r < sizeof(rounds) / sizeof(rounds[0]); r++) {
		for (p = 0; p < 16; p++) {
			uint64_t gpa = SLOT1_GPA + p * 4096 + 8 * r, val;
			int mmio;

			if (rounds[r].write_pages & (1u << p))
				MUST(poke(&v, gpa, 0x100 * r + p));
			if (rounds[r].read_pages & (1u << p))
				MUST(peek(&v, gpa, &val, &mmio));
		}
		MUST(dirty_log(&vm, &bits));
		CHECK(bits == rounds[r].write_pages,
		      "round %zu: dirty log %#llx, expected the written pages %#llx", r,
		      (unsigned long long)bits, (unsigned long long)rounds[r].write_pages);
	}
	CHECK_EQ("host view of the last write to page 15", a[15 * 512 + 4], 0x100 * 4 + 15);
	return T_PASS;
}

static int t_slot_backing_change(void)
{
	const size_t size = 0x10000;
	uint64_t *a, *p;
	struct vm vm;
	struct vcpu v;

	if (!check_cap(kvm_sys, KVM_CAP_SYNC_MMU))
		return skip("KVM_CAP_SYNC_MMU is not reported");
	MUST(peek_vm(&vm, &v));
	a = alloc_mem(size);
	if (!a)
		return fail("out of memory");
	a[0] = 0x1111;
	a[512] = 0x2222;
	MUST(vm_set_slot(&vm, 1, 0, SLOT1_GPA, size, a));
	MUST(expect_mem(&v, SLOT1_GPA, 0x1111, "before the mmap"));
	MUST(expect_mem(&v, SLOT1_GPA + 0x1000, 0x2222, "before madvise"));

	/* A new mapping over the slot's first page must show in the guest. */
	p = mmap(a, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	if (p != a)
		return fail("mmap MAP_FIXED: %s", strerror(errno));
	a[0] = 0x3333;
	MUST(expect_mem(&v, SLOT1_GPA, 0x3333, "after mmap over the slot"));

	/* Dropped anonymous memory reads as zero. */
	if (madvise(a + 512, 0x1000, MADV_DONTNEED) < 0)
		return fail("madvise: %s", strerror(errno));
	MUST(expect_mem(&v, SLOT1_GPA + 0x1000, 0, "after MADV_DONTNEED"));
	return T_PASS;
}

/*
 * userspace_addr must point at user memory for the whole slot.  The API does
 * not say who reports a violation or how: the slot ioctl may refuse it
 * (EFAULT/EINVAL), KVM_RUN may fail with EFAULT (kvm_amd on 6.1), or the
 * access may be treated as if no memory were there (an MMIO exit).  What may
 * not happen is the guest reading some memory, or anything else.
 */
static int t_unbacked_slot(void)
{
	const size_t size = 0x10000;
	struct kvm_userspace_memory_region reg;
	struct vm vm;
	struct vcpu v;
	void *p;
	int r;

	MUST(peek_vm(&vm, &v));
	p = alloc_mem(size);
	if (!p || munmap(p, size) < 0)
		return fail("mmap/munmap: %s", strerror(errno));
	reg = (struct kvm_userspace_memory_region){
		.slot = 1, .guest_phys_addr = SLOT1_GPA, .memory_size = size,
		.userspace_addr = (uintptr_t)p,
	};
	r = ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &reg);
	if (r < 0) {
		CHECK(errno == EFAULT || errno == EINVAL,
		      "KVM_SET_USER_MEMORY_REGION of unmapped memory failed with %s, expected EFAULT or EINVAL",
		      errno_name(errno));
		return T_PASS;
	}
	MUST(start_at(&v, SYM_peek_read, SLOT1_GPA, 0));
	r = ioctl(v.fd, KVM_RUN, 0);
	if (r < 0) {
		CHECK(errno == EFAULT,
		      "KVM_RUN reading unmapped slot memory failed with %s, expected EFAULT",
		      errno_name(errno));
	} else {
		CHECK(v.run->exit_reason == KVM_EXIT_MMIO && !v.run->mmio.is_write &&
		      v.run->mmio.phys_addr == SLOT1_GPA,
		      "reading unmapped slot memory gave exit %s, expected EFAULT or an MMIO read",
		      exit_desc(&v));
		MUST(complete_pending(&v));
	}
	/* The VM still works once the slot is gone. */
	MUST(vm_set_slot(&vm, 1, 0, SLOT1_GPA, 0, p));
	MUST(expect_mmio(&v, SLOT1_GPA, "after deleting the bad slot"));
	MUST(expect_mem(&v, CODE_GPA, *mem64(&vm, CODE_GPA), "slot 0 after deleting the bad slot"));
	return T_PASS;
}

/* ---- slots changing while a vcpu thread keeps reading them ---- */

struct reader {
	struct vcpu *v;
	int stop;
	uint32_t exits;		/* PIO exits seen */
	uint32_t last;		/* the value of the latest one */
	char err[200];
};

static void *reader_thread(void *arg)
{
	struct reader *rd = arg;
	struct kvm_run *run = rd->v->run;

	while (!__atomic_load_n(&rd->stop, __ATOMIC_SEQ_CST)) {
		uint32_t val;

		if (ioctl(rd->v->fd, KVM_RUN, 0) < 0) {
			snprintf(rd->err, sizeof(rd->err), "KVM_RUN: %s", errno_name(errno));
			break;
		}
		if (run->exit_reason == KVM_EXIT_MMIO && !run->mmio.is_write &&
		    run->mmio.phys_addr == SLOT1_GPA && run->mmio.len == 8) {
			memcpy(run->mmio.data, &(uint64_t){ MMIO_MARK }, 8);
			continue;
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != PORT_DATA ||
		    run->io.size != 4) {
			snprintf(rd->err, sizeof(rd->err), "unexpected exit %s", exit_desc(rd->v));
			break;
		}
		memcpy(&val, (uint8_t *)run + run->io.data_offset, 4);
		__atomic_store_n(&rd->last, val, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&rd->exits, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static int t_slot_change_while_running(void)
{
	const size_t size = 0x10000;
	const uint32_t mark = (uint32_t)MMIO_MARK;
	struct {
		const char *what;
		uint64_t gpa, size;
		int buf;	/* 0: a, 1: b */
		uint32_t want;	/* what a read of SLOT1_GPA gives afterwards */
	} steps[] = {
		{ "add a", SLOT1_GPA, size, 0, 0xaaaa0001 },
		{ "move away", SLOT1_MOVED_GPA, size, 0, mark },
		{ "move back", SLOT1_GPA, size, 0, 0xaaaa0001 },
		{ "delete", SLOT1_GPA, 0, 0, mark },
		{ "add b", SLOT1_GPA, size, 1, 0xbbbb0002 },
		{ "delete b", SLOT1_GPA, 0, 1, mark },
	};
	struct reader rd;
	struct vm vm;
	struct vcpu v;
	struct kvm_regs r;
	uint64_t *bufs[2];
	pthread_t th;
	int round, i, ret = T_PASS;

	MUST(vm_create(&vm));
	MUST(vcpu_create(&vm, &v, 0));
	load_blob(&vm, CODE_GPA, BLOB_g_reader);
	MUST(setup_long(&v, CODE_GPA));
	MUST(get_regs(&v, &r));
	r.rbx = SLOT1_GPA;
	MUST(set_regs(&v, &r));
	bufs[0] = alloc_mem(size);
	bufs[1] = alloc_mem(size);
	if (!bufs[0] || !bufs[1])
		return fail("out of memory");
	bufs[0][0] = 0xaaaa0001;
	bufs[1][0] = 0xbbbb0002;

	memset(&rd, 0, sizeof(rd));
	rd.v = &v;
	if (pthread_create(&th, NULL, reader_thread, &rd))
		return fail("pthread_create failed");
	for (round = 0; round < 8 && ret == T_PASS; round++) {
		for (i = 0; i < (int)(sizeof(steps) / sizeof(steps[0])); i++) {
			uint32_t seen;
			struct timespec t0, t1;

			ret = vm_set_slot(&vm, 1, 0, steps[i].gpa, steps[i].size,
					  bufs[steps[i].buf]);
			if (ret)
				break;
			/* Two more exits: the second read started after the change. */
			seen = __atomic_load_n(&rd.exits, __ATOMIC_SEQ_CST);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			while (__atomic_load_n(&rd.exits, __ATOMIC_SEQ_CST) < seen + 2 && !rd.err[0]) {
				clock_gettime(CLOCK_MONOTONIC, &t1);
				if (t1.tv_sec - t0.tv_sec > 20)
					break;
				usleep(200);
			}
			if (rd.err[0]) {
				ret = fail("round %d, after \"%s\": %s", round, steps[i].what, rd.err);
				break;
			}
			if (__atomic_load_n(&rd.exits, __ATOMIC_SEQ_CST) < seen + 2) {
				ret = fail("round %d, after \"%s\": the guest stopped making exits",
					   round, steps[i].what);
				break;
			}
			if (__atomic_load_n(&rd.last, __ATOMIC_SEQ_CST) != steps[i].want) {
				ret = fail("round %d, after \"%s\": the guest read %#x, expected %#x",
					   round, steps[i].what, rd.last, steps[i].want);
				break;
			}
		}
	}
	__atomic_store_n(&rd.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	if (ret == T_PASS && rd.err[0])
		return fail("%s", rd.err);
	return ret;
}

const struct test memory_tests[] = {
	{ "mmio", t_mmio },
	{ "readonly_slot", t_readonly_slot },
	{ "slot_add_move_delete", t_slot_add_move_delete },
	{ "dirty_log_rounds", t_dirty_log_rounds },
	{ "slot_backing_change", t_slot_backing_change },
	{ "slot_change_while_running", t_slot_change_while_running },
	{ "unbacked_slot", t_unbacked_slot },
	{ NULL, NULL },
};
