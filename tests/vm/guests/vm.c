// SPDX-License-Identifier: MIT
/* VM, vcpu and run helpers shared by the guest tests. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"

const char *errno_name(int e)
{
	static __thread char buf[32];

	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOTTY: return "ENOTTY";
	case ENOSYS: return "ENOSYS";
	case ERANGE: return "ERANGE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

const char *exit_name(uint32_t reason)
{
	static __thread char buf[32];

	switch (reason) {
	case KVM_EXIT_UNKNOWN: return "UNKNOWN";
	case KVM_EXIT_EXCEPTION: return "EXCEPTION";
	case KVM_EXIT_IO: return "IO";
	case KVM_EXIT_HYPERCALL: return "HYPERCALL";
	case KVM_EXIT_DEBUG: return "DEBUG";
	case KVM_EXIT_HLT: return "HLT";
	case KVM_EXIT_MMIO: return "MMIO";
	case KVM_EXIT_IRQ_WINDOW_OPEN: return "IRQ_WINDOW_OPEN";
	case KVM_EXIT_SHUTDOWN: return "SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
	case KVM_EXIT_INTR: return "INTR";
	case KVM_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
	case KVM_EXIT_SYSTEM_EVENT: return "SYSTEM_EVENT";
	}
	snprintf(buf, sizeof(buf), "exit %u", reason);
	return buf;
}

const char *exit_desc(struct vcpu *v)
{
	static __thread char buf[200];
	struct kvm_run *run = v->run;
	struct kvm_regs regs;
	char rip[40] = "";

	if (ioctl(v->fd, KVM_GET_REGS, &regs) == 0)
		snprintf(rip, sizeof(rip), " at rip %#llx", (unsigned long long)regs.rip);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		snprintf(buf, sizeof(buf), "IO %s port %#x size %u count %u%s",
			 run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			 run->io.port, run->io.size, run->io.count, rip);
		break;
	case KVM_EXIT_MMIO:
		snprintf(buf, sizeof(buf), "MMIO %s %#llx len %u%s",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len, rip);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(buf, sizeof(buf), "FAIL_ENTRY reason %#llx%s",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason, rip);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(buf, sizeof(buf), "INTERNAL_ERROR suberror %u%s",
			 run->internal.suberror, rip);
		break;
	default:
		snprintf(buf, sizeof(buf), "%s%s", exit_name(run->exit_reason), rip);
	}
	return buf;
}

int check_cap(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

void *alloc_mem(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int vm_set_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		uint64_t size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION slot %u gpa %#llx size %#llx: %s",
			    slot, (unsigned long long)gpa, (unsigned long long)size,
			    strerror(errno));
	return 0;
}

int vm_create_empty(struct vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->fd = ioctl(kvm_sys, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return fail("KVM_CREATE_VM: %s", strerror(errno));
	return 0;
}

int vm_create(struct vm *vm)
{
	MUST(vm_create_empty(vm));
	vm->mem_size = RAM_SIZE;
	vm->mem = alloc_mem(RAM_SIZE);
	if (!vm->mem)
		return fail("mmap guest RAM: %s", strerror(errno));
	return vm_set_slot(vm, 0, 0, 0, RAM_SIZE, vm->mem);
}

int vcpu_create(struct vm *vm, struct vcpu *v, int id)
{
	int size;

	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		return fail("KVM_CREATE_VCPU %d: %s", id, strerror(errno));
	size = ioctl(kvm_sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return fail("KVM_GET_VCPU_MMAP_SIZE returned %d (%s)", size,
			    size < 0 ? strerror(errno) : "too small");
	v->run_size = size;
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		return fail("mmap vcpu fd: %s", strerror(errno));
	return 0;
}

void load_blob(struct vm *vm, uint64_t gpa, const unsigned char *start, size_t size)
{
	memcpy(vm->mem + gpa, start, size);
}

int get_regs(struct vcpu *v, struct kvm_regs *r)
{
	if (ioctl(v->fd, KVM_GET_REGS, r) < 0)
		return fail("KVM_GET_REGS: %s", strerror(errno));
	return 0;
}

int set_regs(struct vcpu *v, struct kvm_regs *r)
{
	if (ioctl(v->fd, KVM_SET_REGS, r) < 0)
		return fail("KVM_SET_REGS: %s", strerror(errno));
	return 0;
}

int get_sregs(struct vcpu *v, struct kvm_sregs *s)
{
	if (ioctl(v->fd, KVM_GET_SREGS, s) < 0)
		return fail("KVM_GET_SREGS: %s", strerror(errno));
	return 0;
}

static int set_sregs(struct vcpu *v, struct kvm_sregs *s)
{
	if (ioctl(v->fd, KVM_SET_SREGS, s) < 0)
		return fail("KVM_SET_SREGS: %s", strerror(errno));
	return 0;
}

static int set_entry(struct vcpu *v, uint64_t rip)
{
	struct kvm_regs regs;

	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rsp = STACK_TOP;
	regs.rflags = 0x2;
	return set_regs(v, &regs);
}

int setup_real(struct vcpu *v, uint64_t rip)
{
	struct kvm_sregs s;
	struct kvm_segment *segs[] = { &s.cs, &s.ds, &s.es, &s.fs, &s.gs, &s.ss };
	size_t i;

	MUST(get_sregs(v, &s));
	/* The reset state is real mode at f000:fff0; move CS and data to 0. */
	for (i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		segs[i]->selector = 0;
		segs[i]->base = 0;
		segs[i]->limit = 0xffff;
	}
	MUST(set_sregs(v, &s));
	return set_entry(v, rip);
}

static void build_long_tables(struct vm *vm)
{
	uint64_t *pml4 = mem64(vm, PML4_GPA), *pdpt = mem64(vm, PDPT_GPA);
	uint64_t *pd = mem64(vm, PD_GPA), *gdt = mem64(vm, GDT_GPA);
	int i;

	/* Identity map of the first GiB with 2 MiB pages. */
	pml4[0] = PDPT_GPA | 3;
	pdpt[0] = PD_GPA | 3;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;
	/* VA LM_ALIAS_VA -> ALIAS_GPA through 4 KiB tables on every level. */
	pml4[1] = PDPT2_GPA | 3;
	*mem64(vm, PDPT2_GPA) = PD2_GPA | 3;
	*mem64(vm, PD2_GPA) = PT2_GPA | 3;
	*mem64(vm, PT2_GPA) = ALIAS_GPA | 3;

	/* GDT: null, 64-bit code 0x08, data 0x10, 64-bit TSS 0x18 (16 bytes). */
	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffULL;
	gdt[2] = 0x00cf93000000ffffULL;
	gdt[3] = 0x0000890000000067ULL | ((uint64_t)(TSS_GPA & 0xffffff) << 16) |
		 ((uint64_t)(TSS_GPA >> 24) << 56);
	gdt[4] = 0;
}

int setup_long(struct vcpu *v, uint64_t rip)
{
	struct kvm_sregs s;
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 11,
		.present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 3,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	struct kvm_segment tr = {
		.base = TSS_GPA, .limit = 0x67, .selector = 0x18, .type = 11,
		.present = 1, .s = 0,
	};

	build_long_tables(v->vm);
	MUST(set_supported_cpuid(v));
	MUST(get_sregs(v, &s));
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.tr = tr;
	s.gdt.base = GDT_GPA;
	s.gdt.limit = 5 * 8 - 1;
	s.idt.base = 0;
	s.idt.limit = 0;
	s.cr0 = 0x80050033;	/* PG WP NE ET MP PE */
	s.cr3 = PML4_GPA;
	s.cr4 = 0x20;		/* PAE */
	s.efer = 0x500;		/* LMA LME */
	MUST(set_sregs(v, &s));
	return set_entry(v, rip);
}

struct kvm_cpuid2 *get_supported_cpuid(void)
{
	static struct kvm_cpuid2 *cached;
	int n;

	if (cached)
		return cached;
	for (n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = n;
		if (ioctl(kvm_sys, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			cached = c;
			return c;
		}
		free(c);
		if (errno != E2BIG)
			return NULL;
	}
	return NULL;
}

int set_supported_cpuid(struct vcpu *v)
{
	struct kvm_cpuid2 *c = get_supported_cpuid();

	if (!c)
		return fail("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
		return fail("KVM_SET_CPUID2 (%u supported entries): %s", c->nent,
			    strerror(errno));
	return 0;
}

int run_expect(struct vcpu *v, uint32_t reason)
{
	if (ioctl(v->fd, KVM_RUN, 0) < 0)
		return fail("KVM_RUN failed: %s (expected a %s exit)", errno_name(errno),
			    exit_name(reason));
	if (v->run->exit_reason != reason) {
		/* exit_desc reuses a buffer; copy the expectation first. */
		char want[32];

		snprintf(want, sizeof(want), "%s", exit_name(reason));
		return fail("exit was %s, expected %s", exit_desc(v), want);
	}
	return 0;
}

int run_expect_io(struct vcpu *v, int dir, uint16_t port, int size, uint64_t *data)
{
	struct kvm_run *run = v->run;

	MUST(run_expect(v, KVM_EXIT_IO));
	if (run->io.direction != dir || run->io.port != port || run->io.size != size ||
	    run->io.count != 1)
		return fail("exit was %s, expected IO %s port %#x size %d count 1",
			    exit_desc(v), dir == KVM_EXIT_IO_OUT ? "out" : "in", port, size);
	if (run->io.data_offset < sizeof(*run) ||
	    run->io.data_offset + (uint64_t)size > v->run_size)
		return fail("io.data_offset %#llx outside the %#zx byte kvm_run mapping",
			    (unsigned long long)run->io.data_offset, v->run_size);
	if (data) {
		*data = 0;
		memcpy(data, (uint8_t *)run + run->io.data_offset, size);
	}
	return 0;
}

int run_expect_mmio(struct vcpu *v, int is_write, uint64_t addr, uint32_t len,
		    uint64_t *data)
{
	struct kvm_run *run = v->run;

	MUST(run_expect(v, KVM_EXIT_MMIO));
	if (!run->mmio.is_write != !is_write || run->mmio.phys_addr != addr ||
	    run->mmio.len != len)
		return fail("exit was %s, expected MMIO %s %#llx len %u", exit_desc(v),
			    is_write ? "write" : "read", (unsigned long long)addr, len);
	if (data) {
		*data = 0;
		memcpy(data, run->mmio.data, len);
	}
	return 0;
}

int complete_pending(struct vcpu *v)
{
	static int have = -1;
	int r;

	if (have < 0)
		have = check_cap(kvm_sys, KVM_CAP_IMMEDIATE_EXIT);
	if (!have)
		return skip("needs KVM_CAP_IMMEDIATE_EXIT to complete an exit without running");
	v->run->immediate_exit = 1;
	r = ioctl(v->fd, KVM_RUN, 0);
	v->run->immediate_exit = 0;
	if (r == 0)
		return fail("KVM_RUN with immediate_exit set ran the guest: %s", exit_desc(v));
	if (errno != EINTR)
		return fail("KVM_RUN with immediate_exit set failed with %s, expected EINTR",
			    errno_name(errno));
	return 0;
}

int check_rip_after(struct vcpu *v, uint64_t rip)
{
	uint32_t reason = v->run->exit_reason;
	struct kvm_regs regs;

	MUST(complete_pending(v));
	MUST(get_regs(v, &regs));
	if (regs.rip != rip)
		return fail("rip after completing the %s exit was %#llx, expected %#llx",
			    exit_name(reason), (unsigned long long)regs.rip,
			    (unsigned long long)rip);
	return 0;
}
