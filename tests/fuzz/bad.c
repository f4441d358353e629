// SPDX-License-Identifier: MIT
/*
 * The bad-input table: for each ioctl okvm implements, each class of invalid
 * argument, what it returns on okvm ($OKVM_DEVICE) and on the in-tree KVM
 * ($OKVM_REF_DEVICE) in the same boot.  Equal results pass.  A difference
 * passes only when doc/bad-input.md (copied to data/ in the payload) lists
 * that case with the same two results and a reason.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "fuzz.h"

struct ctx {
	int sys, vm, vcpu;
	int ivm, ivcpu;		/* a second VM with the in-kernel irqchip, and its vcpu 0 */
	int efd;		/* an eventfd */
	uint8_t *mem;		/* slot 0: 64 KiB at 0 */
	uint8_t *ro;		/* a read-only page */
	void *hole;		/* unmapped */
};

#define KADDR ((void *)0xffffffff81000000ULL)
#define BOGUS_IOCTL _IOWR(OKVM_IOCTL_TYPE, 0xfe, uint64_t)

static int ctx_make(struct ctx *c, const char *path)
{
	struct okvm_userspace_memory_region m = { 0 };

	memset(c, 0, sizeof(*c));
	c->ivm = c->ivcpu = c->efd = -1;
	c->sys = dev_open(path);
	if (c->sys < 0)
		return -1;
	c->vm = ioctl(c->sys, OKVM_CREATE_VM, 0);
	c->mem = mmap(NULL, 0x20000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	c->ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	c->hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(c->hole, 4096);
	m.memory_size = 0x10000;
	m.userspace_addr = (uintptr_t)c->mem;
	if (c->vm < 0 || ioctl(c->vm, OKVM_SET_USER_MEMORY_REGION, &m))
		return -1;
	c->vcpu = ioctl(c->vm, OKVM_CREATE_VCPU, 0);
	return c->vcpu < 0 ? -1 : 0;
}

static void ctx_free(struct ctx *c)
{
	if (c->efd >= 0)
		close(c->efd);
	if (c->ivcpu >= 0)
		close(c->ivcpu);
	if (c->ivm >= 0)
		close(c->ivm);
	close(c->vcpu);
	close(c->vm);
	close(c->sys);
	munmap(c->mem, 0x20000);
	munmap(c->ro, 4096);
}

/* ---- the cases: each returns the ioctl's result (errno preserved) ---- */

static long slot(struct ctx *c, uint32_t s, uint32_t flags, uint64_t gpa, uint64_t size, uint64_t ua)
{
	struct okvm_userspace_memory_region m = {
		.slot = s, .flags = flags, .guest_phys_addr = gpa, .memory_size = size, .userspace_addr = ua,
	};

	return ioctl(c->vm, OKVM_SET_USER_MEMORY_REGION, &m);
}

static long msrs(struct ctx *c, unsigned long req, uint32_t n, uint32_t idx)
{
	struct { struct okvm_msrs h; struct okvm_msr_entry e[4]; } m = { { .nmsrs = n }, { { .index = idx } } };

	return ioctl(c->vcpu, req, &m);
}

static long cpuid2(struct ctx *c, int fd, unsigned long req, uint32_t n)
{
	static struct { struct okvm_cpuid2 h; struct okvm_cpuid_entry2 e[256]; } b;

	memset(&b, 0, sizeof(b));
	b.h.nent = n;
	return ioctl(fd == 0 ? c->sys : c->vcpu, req, &b);
}

static long sregs_bad(struct ctx *c, int what)
{
	struct okvm_sregs s;

	if (ioctl(c->vcpu, OKVM_GET_SREGS, &s))
		return -1;
	switch (what) {
	case 0: s.cr0 = 0x80000000; break;		/* PG without PE */
	case 1: s.cr4 |= 1ULL << 40; break;		/* reserved CR4 bit */
	case 2: s.efer |= 1ULL << 40; break;		/* reserved EFER bit */
	case 3: s.cr0 |= 1ULL << 40; break;		/* CR0 bits 63:32 */
	case 4: s.cr0 = 0x80000011; s.cr4 = 0x20; s.efer = 0x100; s.cs.l = 1; s.cs.db = 1; break;	/* LME without LMA, L+D */
	case 5: s.interrupt_bitmap[0] = 3; break;	/* two pending interrupts */
	case 6:						/* long mode, CR3 bit 62 (MBZ) */
		s.cr0 = 0x80000011; s.cr4 = 0x20; s.efer = 0x500; s.cr3 = (1ULL << 62) | 0x1000;
		s.cs.l = 1; s.cs.db = 0;
		break;
	}
	return ioctl(c->vcpu, OKVM_SET_SREGS, &s);
}

static long xcrs_bad(struct ctx *c, int what)
{
	struct okvm_xcrs x;

	memset(&x, 0, sizeof(x));
	if (ioctl(c->vcpu, OKVM_GET_XCRS, &x))
		return -1;
	if (what == 0)
		x.nr_xcrs = OKVM_MAX_XCRS + 1;
	else {
		x.nr_xcrs = 1;
		x.xcrs[0].xcr = 0;
		x.xcrs[0].value = what == 1 ? 2 : 1ULL << 62;	/* x87 clear; unknown feature */
	}
	return ioctl(c->vcpu, OKVM_SET_XCRS, &x);
}

static long set_sigmask(struct ctx *c, uint32_t len, int null)
{
	struct { struct okvm_signal_mask h; uint8_t set[8]; } m = { { .len = len }, { 0 } };

	return ioctl(c->vcpu, OKVM_SET_SIGNAL_MASK, null ? NULL : &m);
}

static long mp_state(struct ctx *c, uint32_t st)
{
	struct okvm_mp_state m = { st };

	return ioctl(c->vcpu, OKVM_SET_MP_STATE, &m);
}

static long dirty_log(struct ctx *c, uint32_t s, int with_log, void *bitmap)
{
	struct okvm_dirty_log d = { .slot = s };

	if (with_log && slot(c, 3, OKVM_MEM_LOG_DIRTY_PAGES, 0x100000, 0x10000, (uintptr_t)c->mem + 0x10000))
		return -1;
	d.dirty_bitmap = bitmap;
	return ioctl(c->vm, OKVM_GET_DIRTY_LOG, &d);
}

/* From a forked child: the parent's VM and vcpu answer EIO. */
static long from_child(struct ctx *c, int which)
{
	struct okvm_regs r;
	int st, p[2], e = 0;
	long v = 0;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		long x = which == 0 ? ioctl(c->vm, OKVM_CREATE_VCPU, 5) :
			 which == 1 ? ioctl(c->vcpu, OKVM_GET_REGS, &r) : ioctl(c->vcpu, OKVM_RUN, 0);
		int buf[2] = { (int)x, errno };

		if (write(p[1], buf, sizeof(buf)) != sizeof(buf))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	{
		int buf[2];

		if (read(p[0], buf, sizeof(buf)) == sizeof(buf)) {
			v = buf[0];
			e = buf[1];
		} else {
			v = -1;
			e = EPIPE;
		}
	}
	close(p[0]);
	waitpid(pid, &st, 0);
	errno = e;
	return v;
}

/*
 * The irqchip VM of a case, made on first use: KVM_CREATE_IRQCHIP (and, with pit, KVM_CREATE_PIT2)
 * before its vcpu 0 (vcpu too), as the API requires. -1 (errno kept) when a step fails.
 */
static int irq_vm(struct ctx *c, int pit, int vcpu)
{
	struct okvm_pit_config pc = { 0 };

	if (c->ivm < 0) {
		c->ivm = ioctl(c->sys, OKVM_CREATE_VM, 0);
		if (c->ivm < 0 || ioctl(c->ivm, OKVM_CREATE_IRQCHIP, 0))
			return -1;
		if (pit && ioctl(c->ivm, OKVM_CREATE_PIT2, &pc))
			return -1;
	}
	if (vcpu && c->ivcpu < 0) {
		c->ivcpu = ioctl(c->ivm, OKVM_CREATE_VCPU, 0);
		if (c->ivcpu < 0)
			return -1;
	}
	return vcpu ? c->ivcpu : c->ivm;
}

static int efd(struct ctx *c)
{
	if (c->efd < 0)
		c->efd = eventfd(0, EFD_CLOEXEC);
	return c->efd;
}

static long irq_line(int fd, unsigned long req, uint32_t irq)
{
	struct okvm_irq_level l = { .irq = irq, .level = 1 };

	return fd < 0 ? -1 : ioctl(fd, req, &l);
}

static long irqchip_op(struct ctx *c, unsigned long req, uint32_t chip, int null)
{
	struct okvm_irqchip ch = { .chip_id = chip };
	int fd = irq_vm(c, 0, 0);

	return fd < 0 ? -1 : ioctl(fd, req, null ? NULL : &ch);
}

/* KVM_SET_GSI_ROUTING with one entry (two when dup): an IOAPIC pin unless type says otherwise. */
static long routing(struct ctx *c, uint32_t nr, uint32_t flags, uint32_t gsi, uint32_t type,
		    uint32_t eflags, uint32_t pin, int dup)
{
	struct { struct okvm_irq_routing h; struct okvm_irq_routing_entry e[2]; } r;
	int fd = irq_vm(c, 0, 0);

	if (fd < 0)
		return -1;
	memset(&r, 0, sizeof(r));
	r.h.nr = nr;
	r.h.flags = flags;
	r.e[0].gsi = gsi;
	r.e[0].type = type;
	r.e[0].flags = eflags;
	r.e[0].u.irqchip.irqchip = OKVM_IRQCHIP_IOAPIC;
	r.e[0].u.irqchip.pin = pin;
	r.e[1] = r.e[0];
	if (!dup)
		r.e[1].gsi = gsi + 1;
	return ioctl(fd, OKVM_SET_GSI_ROUTING, &r);
}

static long irqfd(int vm, int fd, uint32_t gsi, uint32_t flags, int twice)
{
	struct okvm_irqfd f = { .fd = (uint32_t)fd, .gsi = gsi, .flags = flags, .resamplefd = (uint32_t)fd };

	if (vm < 0)
		return -1;
	if (twice && ioctl(vm, OKVM_IRQFD, &f))
		return -1;
	return ioctl(vm, OKVM_IRQFD, &f);
}

static long ioeventfd(struct ctx *c, int fd, uint64_t addr, uint32_t len, uint32_t flags, int twice)
{
	struct okvm_ioeventfd e = { .addr = addr, .len = len, .fd = fd, .flags = flags };

	if (twice && ioctl(c->vm, OKVM_IOEVENTFD, &e))
		return -1;
	return ioctl(c->vm, OKVM_IOEVENTFD, &e);
}

static long msi(int vm, uint32_t addr_lo, uint32_t flags)
{
	struct okvm_msi m = { .address_lo = addr_lo, .data = 0x30, .flags = flags };

	return vm < 0 ? -1 : ioctl(vm, OKVM_SIGNAL_MSI, &m);
}

static long coalesced(struct ctx *c, unsigned long req, uint64_t addr, uint32_t size, uint32_t pio)
{
	struct okvm_coalesced_mmio_zone z = { .addr = addr, .size = size, .pio = pio };

	return ioctl(c->vm, req, &z);
}

static long enable_cap(int fd, uint32_t cap, uint32_t flags, uint64_t arg0)
{
	struct okvm_enable_cap e = { .cap = cap, .flags = flags, .args = { arg0 } };

	return fd < 0 ? -1 : ioctl(fd, OKVM_ENABLE_CAP, &e);
}

static long slot2(struct ctx *c, uint32_t flags, uint64_t pad)
{
	struct okvm_userspace_memory_region2 m = {
		.slot = 1, .flags = flags, .guest_phys_addr = 0x100000, .memory_size = 0x1000,
		.userspace_addr = (uintptr_t)c->mem + 0x10000, .pad2 = { pad },
	};

	return ioctl(c->vm, OKVM_SET_USER_MEMORY_REGION2, &m);
}

static long set_clock(struct ctx *c, uint32_t flags)
{
	struct okvm_clock_data d = { .flags = flags };

	return ioctl(c->vm, OKVM_SET_CLOCK, &d);
}

static long pit2(struct ctx *c, int create_flags, int twice)
{
	struct okvm_pit_config pc = { .flags = (uint32_t)create_flags };
	int fd = irq_vm(c, 0, 0);

	if (fd < 0)
		return -1;
	if (twice && ioctl(fd, OKVM_CREATE_PIT2, &pc))
		return -1;
	return ioctl(fd, OKVM_CREATE_PIT2, &pc);
}

/* KVM_SET_VCPU_EVENTS from the vcpu's own, with one field made bad. */
static long events_bad(struct ctx *c, int what)
{
	struct okvm_vcpu_events e;

	if (ioctl(c->vcpu, OKVM_GET_VCPU_EVENTS, &e))
		return -1;
	switch (what) {
	case 0: e.flags |= 1u << 20; break;				/* unknown flag */
	case 1: e.exception.injected = 1; e.exception.nr = 32; break;	/* not an exception */
	case 2: e.flags |= OKVM_VCPUEVENT_VALID_SMM; e.smi.smm = 1; break;	/* SMM */
	case 3: e.exception.injected = 1; e.exception.pending = 1; e.exception.nr = 13; break;
	}
	return ioctl(c->vcpu, OKVM_SET_VCPU_EVENTS, &e);
}

static long debugregs_bad(struct ctx *c, int what)
{
	struct okvm_debugregs d;

	if (ioctl(c->vcpu, OKVM_GET_DEBUGREGS, &d))
		return -1;
	switch (what) {
	case 0: d.flags = 1; break;
	case 1: d.dr6 |= 1ULL << 40; break;
	case 2: d.dr7 |= 1ULL << 40; break;
	}
	return ioctl(c->vcpu, OKVM_SET_DEBUGREGS, &d);
}

static long guest_debug(struct ctx *c, uint32_t control)
{
	struct okvm_guest_debug g = { .control = control };

	return ioctl(c->vcpu, OKVM_SET_GUEST_DEBUG, &g);
}

static long setup_mce(struct ctx *c, uint64_t cap)
{
	return ioctl(c->vcpu, OKVM_X86_SETUP_MCE, &cap);
}

static long set_mce(struct ctx *c, uint8_t bank, int setup)
{
	struct okvm_x86_mce m = { .status = 1ULL << 63, .bank = bank };

	if (setup && setup_mce(c, 0x106))	/* MCG_CTL_P, 6 banks */
		return -1;
	return ioctl(c->vcpu, OKVM_X86_SET_MCE, &m);
}

static long vapic(int vcpu, uint64_t addr)
{
	struct okvm_vapic_addr a = { addr };

	return vcpu < 0 ? -1 : ioctl(vcpu, OKVM_SET_VAPIC_ADDR, &a);
}

#define BAD_DEBUGCTL 0x1d9

struct bcase {
	const char *name;
	long (*fn)(struct ctx *c);
};

#define CASE(n, expr) static long n(struct ctx *c) { (void)c; return (expr); }

CASE(sys_api_version_arg, ioctl(c->sys, OKVM_GET_API_VERSION, 5))
CASE(sys_create_vm_type1, ioctl(c->sys, OKVM_CREATE_VM, 1))
CASE(sys_create_vm_type_huge, ioctl(c->sys, OKVM_CREATE_VM, 0x7fffff00UL))
CASE(sys_check_ext_unknown, ioctl(c->sys, OKVM_CHECK_EXTENSION, 0x7fff0000))
CASE(sys_check_ext_negative, ioctl(c->sys, OKVM_CHECK_EXTENSION, -1L))
CASE(sys_mmap_size_arg, ioctl(c->sys, OKVM_GET_VCPU_MMAP_SIZE, 1) > 0 ? 0 : -1)
CASE(sys_msr_list_null, ioctl(c->sys, OKVM_GET_MSR_INDEX_LIST, NULL))
CASE(sys_msr_list_kernel, ioctl(c->sys, OKVM_GET_MSR_INDEX_LIST, KADDR))
CASE(sys_msr_list_unmapped, ioctl(c->sys, OKVM_GET_MSR_INDEX_LIST, c->hole))
CASE(sys_msr_list_zero, ioctl(c->sys, OKVM_GET_MSR_INDEX_LIST, &(struct okvm_msr_list){ .nmsrs = 0 }))
CASE(sys_msr_list_readonly, (memcpy(c->mem, &(uint32_t){ 1000 }, 4),
	ioctl(c->sys, OKVM_GET_MSR_INDEX_LIST, c->ro)))
CASE(sys_cpuid_null, ioctl(c->sys, OKVM_GET_SUPPORTED_CPUID, NULL))
CASE(sys_cpuid_nent0, cpuid2(c, 0, OKVM_GET_SUPPORTED_CPUID, 0))
CASE(sys_cpuid_nent1, cpuid2(c, 0, OKVM_GET_SUPPORTED_CPUID, 1))
CASE(sys_cpuid_nent_huge, cpuid2(c, 0, OKVM_GET_SUPPORTED_CPUID, 0x7fffffff) < 0 ? -1 : 0)
CASE(sys_cpuid_unmapped, ioctl(c->sys, OKVM_GET_SUPPORTED_CPUID, c->hole))
CASE(sys_unknown_ioctl, ioctl(c->sys, BOGUS_IOCTL, c->mem))
CASE(sys_tcgets, ioctl(c->sys, TCGETS, c->mem))
CASE(sys_vm_ioctl, ioctl(c->sys, OKVM_CREATE_VCPU, 0))
CASE(sys_vcpu_ioctl, ioctl(c->sys, OKVM_RUN, 0))

CASE(vm_vcpu_id_dup, ioctl(c->vm, OKVM_CREATE_VCPU, 0))
CASE(vm_vcpu_id_negative, ioctl(c->vm, OKVM_CREATE_VCPU, -1L))
CASE(vm_vcpu_id_huge, ioctl(c->vm, OKVM_CREATE_VCPU, 0x7fffffffL))
CASE(vm_vcpu_id_4096, ioctl(c->vm, OKVM_CREATE_VCPU, 4096L))
CASE(vm_slot_null, ioctl(c->vm, OKVM_SET_USER_MEMORY_REGION, NULL))
CASE(vm_slot_unmapped_arg, ioctl(c->vm, OKVM_SET_USER_MEMORY_REGION, c->hole))
CASE(vm_slot_gpa_unaligned, slot(c, 1, 0, 0x100010, 0x1000, (uintptr_t)c->mem + 0x10000))
CASE(vm_slot_size_unaligned, slot(c, 1, 0, 0x100000, 0x1010, (uintptr_t)c->mem + 0x10000))
CASE(vm_slot_uaddr_unaligned, slot(c, 1, 0, 0x100000, 0x1000, (uintptr_t)c->mem + 0x10010))
CASE(vm_slot_uaddr_kernel, slot(c, 1, 0, 0x100000, 0x1000, (uintptr_t)KADDR))
CASE(vm_slot_uaddr_noncanonical, slot(c, 1, 0, 0x100000, 0x1000, 0x8000000000000000ULL))
CASE(vm_slot_uaddr_unmapped, slot(c, 1, 0, 0x100000, 0x1000, (uintptr_t)c->hole))
CASE(vm_slot_uaddr_wraps, slot(c, 1, 0, 0x100000, 0x2000, 0x7ffffffff000ULL))
CASE(vm_slot_id_huge, slot(c, 0x7fff, 0, 0x100000, 0x1000, (uintptr_t)c->mem + 0x10000))
CASE(vm_slot_id_addrspace1, slot(c, 0x10001, 0, 0x100000, 0x1000, (uintptr_t)c->mem + 0x10000))
CASE(vm_slot_flags_unknown, slot(c, 1, 1u << 7, 0x100000, 0x1000, (uintptr_t)c->mem + 0x10000))
CASE(vm_slot_flags_all, slot(c, 1, 0xffffffff, 0x100000, 0x1000, (uintptr_t)c->mem + 0x10000))
CASE(vm_slot_overlap, slot(c, 1, 0, 0x8000, 0x10000, (uintptr_t)c->mem + 0x10000))
CASE(vm_slot_overlap_inside, slot(c, 1, 0, 0x1000, 0x1000, (uintptr_t)c->mem + 0x10000))
CASE(vm_slot_gpa_wraps, slot(c, 1, 0, 0xfffffffffffff000ULL, 0x2000, (uintptr_t)c->mem + 0x10000))
CASE(vm_slot_gpa_huge, slot(c, 1, 0, 1ULL << 62, 0x1000, (uintptr_t)c->mem + 0x10000))
CASE(vm_slot_size_huge, slot(c, 1, 0, 0x100000, 1ULL << 62, (uintptr_t)c->mem + 0x10000))
CASE(vm_slot_delete_absent, slot(c, 9, 0, 0, 0, 0))
CASE(vm_slot_change_gpa_and_flags, slot(c, 0, OKVM_MEM_READONLY, 0x400000, 0x10000, (uintptr_t)c->mem))
CASE(vm_slot_change_size, slot(c, 0, 0, 0, 0x8000, (uintptr_t)c->mem))
CASE(vm_dirty_null, ioctl(c->vm, OKVM_GET_DIRTY_LOG, NULL))
CASE(vm_dirty_no_logging, dirty_log(c, 0, 0, c->mem + 0x18000))
CASE(vm_dirty_absent_slot, dirty_log(c, 9, 0, c->mem + 0x18000))
CASE(vm_dirty_slot_huge, dirty_log(c, 0x7fff, 0, c->mem + 0x18000))
CASE(vm_dirty_bitmap_null, dirty_log(c, 3, 1, NULL))
CASE(vm_dirty_bitmap_kernel, dirty_log(c, 3, 1, KADDR))
CASE(vm_dirty_bitmap_readonly, dirty_log(c, 3, 1, c->ro))
CASE(vm_tss_addr_high, ioctl(c->vm, OKVM_SET_TSS_ADDR, 0xfffff000UL))
CASE(vm_identity_null, ioctl(c->vm, OKVM_SET_IDENTITY_MAP_ADDR, NULL))
CASE(vm_identity_after_vcpu, ioctl(c->vm, OKVM_SET_IDENTITY_MAP_ADDR, &(uint64_t){ 0xfffbc000 }))
CASE(vm_check_ext_unknown, ioctl(c->vm, OKVM_CHECK_EXTENSION, 0x7fff0000))
CASE(vm_unknown_ioctl, ioctl(c->vm, BOGUS_IOCTL, c->mem))
CASE(vm_sys_ioctl, ioctl(c->vm, OKVM_GET_API_VERSION, 0))
CASE(vm_vcpu_ioctl, ioctl(c->vm, OKVM_GET_REGS, c->mem))
CASE(vm_from_child, from_child(c, 0))

CASE(vcpu_run_arg, ioctl(c->vcpu, OKVM_RUN, 1))
CASE(vcpu_regs_null, ioctl(c->vcpu, OKVM_GET_REGS, NULL))
CASE(vcpu_regs_kernel, ioctl(c->vcpu, OKVM_GET_REGS, KADDR))
CASE(vcpu_regs_readonly, ioctl(c->vcpu, OKVM_GET_REGS, c->ro))
CASE(vcpu_set_regs_unmapped, ioctl(c->vcpu, OKVM_SET_REGS, c->hole))
CASE(vcpu_sregs_null, ioctl(c->vcpu, OKVM_GET_SREGS, NULL))
CASE(vcpu_set_sregs_kernel, ioctl(c->vcpu, OKVM_SET_SREGS, KADDR))
CASE(vcpu_sregs_pg_without_pe, sregs_bad(c, 0))
CASE(vcpu_sregs_cr4_reserved, sregs_bad(c, 1))
CASE(vcpu_sregs_efer_reserved, sregs_bad(c, 2))
CASE(vcpu_sregs_cr0_high, sregs_bad(c, 3))
CASE(vcpu_sregs_lme_without_lma, sregs_bad(c, 4))
CASE(vcpu_sregs_two_pending_irqs, sregs_bad(c, 5))
CASE(vcpu_sregs_cr3_reserved_long_mode, sregs_bad(c, 6))
CASE(vcpu_msrs_null, ioctl(c->vcpu, OKVM_GET_MSRS, NULL))
CASE(vcpu_msrs_nmsrs_huge, msrs(c, OKVM_GET_MSRS, 0x7fffffff, 0x10))
CASE(vcpu_msrs_nmsrs_over_io_max, msrs(c, OKVM_SET_MSRS, 256, 0x10))
CASE(vcpu_get_msrs_unknown, msrs(c, OKVM_GET_MSRS, 1, 0xdeadbeef))
CASE(vcpu_set_msrs_unknown, msrs(c, OKVM_SET_MSRS, 1, 0xdeadbeef))
CASE(vcpu_set_msrs_efer_reserved, (ioctl(c->vcpu, OKVM_SET_MSRS, &(struct { struct okvm_msrs h;
	struct okvm_msr_entry e; }){ { .nmsrs = 1 }, { .index = 0xc0000080, .data = 1ULL << 40 } })))
CASE(vcpu_set_cpuid_null, ioctl(c->vcpu, OKVM_SET_CPUID2, NULL))
CASE(vcpu_set_cpuid_nent_huge, cpuid2(c, 1, OKVM_SET_CPUID2, 0x7fffffff))
CASE(vcpu_set_cpuid_nent_257, cpuid2(c, 1, OKVM_SET_CPUID2, 257))
CASE(vcpu_get_cpuid_nent0, (cpuid2(c, 1, OKVM_SET_CPUID2, 1), cpuid2(c, 1, OKVM_GET_CPUID2, 0)))
CASE(vcpu_mp_state_invalid, mp_state(c, 99))
CASE(vcpu_mp_state_null, ioctl(c->vcpu, OKVM_GET_MP_STATE, NULL))
CASE(vcpu_sigmask_len4, set_sigmask(c, 4, 0))
CASE(vcpu_sigmask_len_huge, set_sigmask(c, 0x10000, 0))
CASE(vcpu_sigmask_null, set_sigmask(c, 8, 1))
CASE(vcpu_translate_null, ioctl(c->vcpu, OKVM_TRANSLATE, NULL))
CASE(vcpu_translate_noncanonical, ioctl(c->vcpu, OKVM_TRANSLATE, &(struct okvm_translation){
	.linear_address = 0x8000000000000000ULL }))
CASE(vcpu_fpu_null, ioctl(c->vcpu, OKVM_GET_FPU, NULL))
CASE(vcpu_set_fpu_unmapped, ioctl(c->vcpu, OKVM_SET_FPU, c->hole))
CASE(vcpu_xsave_null, ioctl(c->vcpu, OKVM_GET_XSAVE, NULL))
CASE(vcpu_xsave_readonly, ioctl(c->vcpu, OKVM_GET_XSAVE, c->ro))
CASE(vcpu_set_xsave_bad_xstate_bv, (memset(c->mem + 0x10000, 0, 4096), c->mem[0x10000 + 512 + 7] = 0x80,
	ioctl(c->vcpu, OKVM_SET_XSAVE, c->mem + 0x10000)))
CASE(vcpu_xcrs_too_many, xcrs_bad(c, 0))
CASE(vcpu_xcr0_no_x87, xcrs_bad(c, 1))
CASE(vcpu_xcr0_unknown_bit, xcrs_bad(c, 2))
CASE(vcpu_interrupt_vector_256, ioctl(c->vcpu, OKVM_INTERRUPT, &(struct okvm_interrupt){ .irq = 256 }))
CASE(vcpu_unknown_ioctl, ioctl(c->vcpu, BOGUS_IOCTL, c->mem))
CASE(vcpu_vm_ioctl, ioctl(c->vcpu, OKVM_CREATE_VCPU, 1))
CASE(vcpu_sys_ioctl, ioctl(c->vcpu, OKVM_GET_API_VERSION, 0))
CASE(vcpu_get_regs_from_child, from_child(c, 1))
CASE(vcpu_run_from_child, from_child(c, 2))
CASE(vcpu_mmap_offset_far, (long)(mmap(NULL, 4096, PROT_READ, MAP_SHARED, c->vcpu, 4096 * 100) == MAP_FAILED ? -1 : 0))
CASE(vcpu_mmap_exec, (long)(mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, c->vcpu, 0) == MAP_FAILED ? -1 : 0))

CASE(sys_mce_cap_null, ioctl(c->sys, OKVM_X86_GET_MCE_CAP_SUPPORTED, NULL))

CASE(vm_irqchip_after_vcpu, ioctl(c->vm, OKVM_CREATE_IRQCHIP, 0))
CASE(vm_irqchip_twice, (irq_vm(c, 0, 0) < 0 ? -1 : ioctl(c->ivm, OKVM_CREATE_IRQCHIP, 0)))
CASE(vm_irq_line_no_irqchip, irq_line(c->vm, OKVM_IRQ_LINE, 4))
CASE(vm_irq_line_status_no_irqchip, irq_line(c->vm, OKVM_IRQ_LINE_STATUS, 4))
CASE(vm_irq_line_null, (irq_vm(c, 0, 0) < 0 ? -1 : ioctl(c->ivm, OKVM_IRQ_LINE, NULL)))
CASE(vm_irq_line_status_null, (irq_vm(c, 0, 0) < 0 ? -1 : ioctl(c->ivm, OKVM_IRQ_LINE_STATUS, NULL)))
CASE(vm_irq_line_gsi_huge, irq_line(irq_vm(c, 0, 0), OKVM_IRQ_LINE, 0x7fffffff))
CASE(vm_irq_line_status_gsi_huge, irq_line(irq_vm(c, 0, 0), OKVM_IRQ_LINE_STATUS, 0x7fffffff))
CASE(vm_get_irqchip_no_irqchip, ioctl(c->vm, OKVM_GET_IRQCHIP, &(struct okvm_irqchip){ .chip_id = 0 }))
CASE(vm_get_irqchip_id_3, irqchip_op(c, OKVM_GET_IRQCHIP, 3, 0))
CASE(vm_set_irqchip_id_huge, irqchip_op(c, OKVM_SET_IRQCHIP, 0x7fffffff, 0))
CASE(vm_get_irqchip_null, irqchip_op(c, OKVM_GET_IRQCHIP, 0, 1))
CASE(vm_set_irqchip_null, irqchip_op(c, OKVM_SET_IRQCHIP, 2, 1))
CASE(vm_pit2_no_irqchip, ioctl(c->vm, OKVM_CREATE_PIT2, &(struct okvm_pit_config){ 0 }))
CASE(vm_pit2_twice, pit2(c, 0, 1))
CASE(vm_pit2_flags_unknown, pit2(c, 0x80, 0))
CASE(vm_pit2_null, (irq_vm(c, 0, 0) < 0 ? -1 : ioctl(c->ivm, OKVM_CREATE_PIT2, NULL)))
CASE(vm_get_pit2_no_pit, (irq_vm(c, 0, 0) < 0 ? -1 : ioctl(c->ivm, OKVM_GET_PIT2, c->mem + 0x10000)))
CASE(vm_set_pit2_null, (irq_vm(c, 1, 0) < 0 ? -1 : ioctl(c->ivm, OKVM_SET_PIT2, NULL)))
CASE(vm_routing_null, (irq_vm(c, 0, 0) < 0 ? -1 : ioctl(c->ivm, OKVM_SET_GSI_ROUTING, NULL)))
CASE(vm_routing_nr_huge, routing(c, 0x7fffffff, 0, 1, OKVM_IRQ_ROUTING_IRQCHIP, 0, 1, 0))
CASE(vm_routing_flags, routing(c, 1, 1, 1, OKVM_IRQ_ROUTING_IRQCHIP, 0, 1, 0))
CASE(vm_routing_type_unknown, routing(c, 1, 0, 1, 99, 0, 1, 0))
CASE(vm_routing_entry_flags, routing(c, 1, 0, 1, OKVM_IRQ_ROUTING_IRQCHIP, 1, 1, 0))
CASE(vm_routing_pin_huge, routing(c, 1, 0, 1, OKVM_IRQ_ROUTING_IRQCHIP, 0, 99, 0))
CASE(vm_routing_gsi_huge, routing(c, 1, 0, 0x7fffffff, OKVM_IRQ_ROUTING_IRQCHIP, 0, 1, 0))
CASE(vm_routing_same_chip_twice, routing(c, 2, 0, 1, OKVM_IRQ_ROUTING_IRQCHIP, 0, 1, 1))
CASE(vm_routing_no_irqchip, (ioctl(c->vm, OKVM_SET_GSI_ROUTING, &(struct okvm_irq_routing){ 0 })))
CASE(vm_irqfd_bad_fd, irqfd(irq_vm(c, 0, 0), -1, 1, 0, 0))
CASE(vm_irqfd_not_eventfd, irqfd(irq_vm(c, 0, 0), c->sys, 1, 0, 0))
CASE(vm_irqfd_flags_unknown, irqfd(irq_vm(c, 0, 0), efd(c), 1, 1u << 6, 0))
CASE(vm_irqfd_twice, irqfd(irq_vm(c, 0, 0), efd(c), 1, 0, 1))
CASE(vm_irqfd_deassign_absent, irqfd(irq_vm(c, 0, 0), efd(c), 1, OKVM_IRQFD_FLAG_DEASSIGN, 0))
CASE(vm_irqfd_resample_bad_fd, (irq_vm(c, 0, 0) < 0 ? -1 : ioctl(c->ivm, OKVM_IRQFD, &(struct okvm_irqfd){
	.fd = (uint32_t)efd(c), .gsi = 1, .flags = OKVM_IRQFD_FLAG_RESAMPLE, .resamplefd = 0x7fffffff })))
CASE(vm_irqfd_no_irqchip, irqfd(c->vm, efd(c), 1, 0, 0))
CASE(vm_ioeventfd_len3, ioeventfd(c, efd(c), 0x1000, 3, 0, 0))
CASE(vm_ioeventfd_flags_unknown, ioeventfd(c, efd(c), 0x1000, 4, 1u << 6, 0))
CASE(vm_ioeventfd_bad_fd, ioeventfd(c, -1, 0x1000, 4, 0, 0))
CASE(vm_ioeventfd_not_eventfd, ioeventfd(c, c->sys, 0x1000, 4, 0, 0))
CASE(vm_ioeventfd_twice, ioeventfd(c, efd(c), 0x1000, 4, 0, 1))
CASE(vm_ioeventfd_deassign_absent, ioeventfd(c, efd(c), 0x1000, 4, OKVM_IOEVENTFD_FLAG_DEASSIGN, 0))
CASE(vm_ioeventfd_addr_wraps, ioeventfd(c, efd(c), ~0ULL - 1, 4, 0, 0))
CASE(vm_ioeventfd_pio_len0, ioeventfd(c, efd(c), 0x80, 0, OKVM_IOEVENTFD_FLAG_PIO, 0))
CASE(vm_msi_no_irqchip, msi(c->vm, 0xfee00000, 0))
CASE(vm_msi_flags_unknown, msi(irq_vm(c, 0, 0), 0xfee00000, 2))
CASE(vm_msi_null, (irq_vm(c, 0, 0) < 0 ? -1 : ioctl(c->ivm, OKVM_SIGNAL_MSI, NULL)))
CASE(vm_coalesced_size0, coalesced(c, OKVM_REGISTER_COALESCED_MMIO, 0x100000, 0, 0))
CASE(vm_coalesced_wraps, coalesced(c, OKVM_REGISTER_COALESCED_MMIO, ~0ULL - 0xfff, 0x2000, 0))
CASE(vm_coalesced_pio_2, coalesced(c, OKVM_REGISTER_COALESCED_MMIO, 0x80, 1, 2))
CASE(vm_coalesced_unregister_absent, coalesced(c, OKVM_UNREGISTER_COALESCED_MMIO, 0x100000, 0x1000, 0))
CASE(vm_coalesced_null, ioctl(c->vm, OKVM_REGISTER_COALESCED_MMIO, NULL))
CASE(vm_set_clock_flags_unknown, set_clock(c, 1u << 7))
CASE(vm_set_clock_null, ioctl(c->vm, OKVM_SET_CLOCK, NULL))
CASE(vm_get_clock_readonly, ioctl(c->vm, OKVM_GET_CLOCK, c->ro))
CASE(vm_enable_cap_unknown, enable_cap(c->vm, 0x7fff0000, 0, 0))
CASE(vm_enable_cap_flags, enable_cap(c->vm, OKVM_CAP_SPLIT_IRQCHIP, 1, 24))
CASE(vm_split_irqchip_after_vcpu, enable_cap(c->vm, OKVM_CAP_SPLIT_IRQCHIP, 0, 24))
CASE(vm_split_irqchip_pins_huge, (c->ivm = ioctl(c->sys, OKVM_CREATE_VM, 0),
	enable_cap(c->ivm, OKVM_CAP_SPLIT_IRQCHIP, 0, 1000)))
CASE(vm_enable_cap_null, ioctl(c->vm, OKVM_ENABLE_CAP, NULL))
CASE(vm_boot_cpu_id_huge, (c->ivm = ioctl(c->sys, OKVM_CREATE_VM, 0),
	c->ivm < 0 ? -1 : ioctl(c->ivm, OKVM_SET_BOOT_CPU_ID, 0x7fffffffL)))
CASE(vm_boot_cpu_id_after_vcpu, ioctl(c->vm, OKVM_SET_BOOT_CPU_ID, 1L))
CASE(vm_slot2_guest_memfd, slot2(c, OKVM_MEM_GUEST_MEMFD, 0))
CASE(vm_slot2_pad, slot2(c, 0, 1))
CASE(vm_slot2_null, ioctl(c->vm, OKVM_SET_USER_MEMORY_REGION2, NULL))

CASE(vcpu_get_lapic_no_irqchip, ioctl(c->vcpu, OKVM_GET_LAPIC, c->mem + 0x10000))
CASE(vcpu_set_lapic_no_irqchip, ioctl(c->vcpu, OKVM_SET_LAPIC, c->mem + 0x10000))
CASE(vcpu_get_lapic_null, (irq_vm(c, 0, 1) < 0 ? -1 : ioctl(c->ivcpu, OKVM_GET_LAPIC, NULL)))
CASE(vcpu_set_lapic_unmapped, (irq_vm(c, 0, 1) < 0 ? -1 : ioctl(c->ivcpu, OKVM_SET_LAPIC, c->hole)))
CASE(vcpu_interrupt_with_irqchip, (irq_vm(c, 0, 1) < 0 ? -1 :
	ioctl(c->ivcpu, OKVM_INTERRUPT, &(struct okvm_interrupt){ .irq = 0x30 })))
CASE(vcpu_interrupt_null, ioctl(c->vcpu, OKVM_INTERRUPT, NULL))
CASE(vcpu_nmi_arg, ioctl(c->vcpu, OKVM_NMI, 1L))
CASE(vcpu_events_null, ioctl(c->vcpu, OKVM_SET_VCPU_EVENTS, NULL))
CASE(vcpu_events_flags_unknown, events_bad(c, 0))
CASE(vcpu_events_exception_32, events_bad(c, 1))
CASE(vcpu_events_smm, events_bad(c, 2))
CASE(vcpu_events_injected_and_pending, events_bad(c, 3))
CASE(vcpu_debugregs_null, ioctl(c->vcpu, OKVM_GET_DEBUGREGS, NULL))
CASE(vcpu_debugregs_flags, debugregs_bad(c, 0))
CASE(vcpu_debugregs_dr6_high, debugregs_bad(c, 1))
CASE(vcpu_debugregs_dr7_high, debugregs_bad(c, 2))
CASE(vcpu_guest_debug_null, ioctl(c->vcpu, OKVM_SET_GUEST_DEBUG, NULL))
CASE(vcpu_guest_debug_unknown, guest_debug(c, OKVM_GUESTDBG_ENABLE | (1u << 23)))
CASE(vcpu_setup_mce_banks0, setup_mce(c, 0))
CASE(vcpu_setup_mce_banks33, setup_mce(c, 33))
CASE(vcpu_setup_mce_unknown_cap, setup_mce(c, 6 | (1ULL << 40)))
CASE(vcpu_setup_mce_null, ioctl(c->vcpu, OKVM_X86_SETUP_MCE, NULL))
CASE(vcpu_set_mce_no_setup, set_mce(c, 0, 0))
CASE(vcpu_set_mce_bank_huge, set_mce(c, 200, 1))
CASE(vcpu_vapic_no_irqchip, vapic(c->vcpu, 0x1000))
CASE(vcpu_vapic_null, (irq_vm(c, 0, 1) < 0 ? -1 : ioctl(c->ivcpu, OKVM_SET_VAPIC_ADDR, NULL)))
CASE(vcpu_vapic_outside_slots, vapic(irq_vm(c, 0, 1), 0x10000000))
CASE(vcpu_enable_cap_unknown, enable_cap(c->vcpu, 0x7fff0000, 0, 0))
CASE(vcpu_tsc_khz_arg, ioctl(c->vcpu, OKVM_GET_TSC_KHZ, 1L) > 0 ? 0 : -1)

#define C(n) { #n, n }
static const struct bcase cases[] = {
	C(sys_api_version_arg), C(sys_create_vm_type1), C(sys_create_vm_type_huge),
	C(sys_check_ext_unknown), C(sys_check_ext_negative), C(sys_mmap_size_arg),
	C(sys_msr_list_null), C(sys_msr_list_kernel), C(sys_msr_list_unmapped), C(sys_msr_list_zero),
	C(sys_msr_list_readonly), C(sys_cpuid_null), C(sys_cpuid_nent0), C(sys_cpuid_nent1),
	C(sys_cpuid_nent_huge), C(sys_cpuid_unmapped), C(sys_unknown_ioctl), C(sys_tcgets),
	C(sys_vm_ioctl), C(sys_vcpu_ioctl),
	C(vm_vcpu_id_dup), C(vm_vcpu_id_negative), C(vm_vcpu_id_huge), C(vm_vcpu_id_4096),
	C(vm_slot_null), C(vm_slot_unmapped_arg), C(vm_slot_gpa_unaligned), C(vm_slot_size_unaligned),
	C(vm_slot_uaddr_unaligned), C(vm_slot_uaddr_kernel), C(vm_slot_uaddr_noncanonical),
	C(vm_slot_uaddr_unmapped), C(vm_slot_uaddr_wraps), C(vm_slot_id_huge), C(vm_slot_id_addrspace1),
	C(vm_slot_flags_unknown), C(vm_slot_flags_all), C(vm_slot_overlap), C(vm_slot_overlap_inside),
	C(vm_slot_gpa_wraps), C(vm_slot_gpa_huge), C(vm_slot_size_huge), C(vm_slot_delete_absent),
	C(vm_slot_change_gpa_and_flags), C(vm_slot_change_size), C(vm_dirty_null),
	C(vm_dirty_no_logging), C(vm_dirty_absent_slot), C(vm_dirty_slot_huge), C(vm_dirty_bitmap_null),
	C(vm_dirty_bitmap_kernel), C(vm_dirty_bitmap_readonly), C(vm_tss_addr_high), C(vm_identity_null),
	C(vm_identity_after_vcpu), C(vm_check_ext_unknown), C(vm_unknown_ioctl), C(vm_sys_ioctl),
	C(vm_vcpu_ioctl), C(vm_from_child),
	C(vcpu_run_arg), C(vcpu_regs_null), C(vcpu_regs_kernel), C(vcpu_regs_readonly),
	C(vcpu_set_regs_unmapped), C(vcpu_sregs_null), C(vcpu_set_sregs_kernel),
	C(vcpu_sregs_pg_without_pe), C(vcpu_sregs_cr4_reserved), C(vcpu_sregs_efer_reserved),
	C(vcpu_sregs_cr0_high), C(vcpu_sregs_lme_without_lma), C(vcpu_sregs_two_pending_irqs),
	C(vcpu_sregs_cr3_reserved_long_mode),
	C(vcpu_msrs_null), C(vcpu_msrs_nmsrs_huge), C(vcpu_msrs_nmsrs_over_io_max),
	C(vcpu_get_msrs_unknown), C(vcpu_set_msrs_unknown), C(vcpu_set_msrs_efer_reserved),
	C(vcpu_set_cpuid_null), C(vcpu_set_cpuid_nent_huge), C(vcpu_set_cpuid_nent_257),
	C(vcpu_get_cpuid_nent0), C(vcpu_mp_state_invalid), C(vcpu_mp_state_null), C(vcpu_sigmask_len4),
	C(vcpu_sigmask_len_huge), C(vcpu_sigmask_null), C(vcpu_translate_null),
	C(vcpu_translate_noncanonical), C(vcpu_fpu_null), C(vcpu_set_fpu_unmapped), C(vcpu_xsave_null),
	C(vcpu_xsave_readonly), C(vcpu_set_xsave_bad_xstate_bv), C(vcpu_xcrs_too_many),
	C(vcpu_xcr0_no_x87), C(vcpu_xcr0_unknown_bit), C(vcpu_interrupt_vector_256),
	C(vcpu_unknown_ioctl), C(vcpu_vm_ioctl), C(vcpu_sys_ioctl), C(vcpu_get_regs_from_child),
	C(vcpu_run_from_child), C(vcpu_mmap_offset_far), C(vcpu_mmap_exec),
	/* The irqchip, event, debug, clock and MCE ioctls. */
	C(sys_mce_cap_null),
	C(vm_irqchip_after_vcpu), C(vm_irqchip_twice), C(vm_irq_line_no_irqchip),
	C(vm_irq_line_status_no_irqchip), C(vm_irq_line_null), C(vm_irq_line_status_null),
	C(vm_irq_line_gsi_huge), C(vm_irq_line_status_gsi_huge), C(vm_get_irqchip_no_irqchip),
	C(vm_get_irqchip_id_3), C(vm_set_irqchip_id_huge), C(vm_get_irqchip_null),
	C(vm_set_irqchip_null), C(vm_pit2_no_irqchip), C(vm_pit2_twice), C(vm_pit2_flags_unknown),
	C(vm_pit2_null), C(vm_get_pit2_no_pit), C(vm_set_pit2_null), C(vm_routing_null),
	C(vm_routing_nr_huge), C(vm_routing_flags), C(vm_routing_type_unknown),
	C(vm_routing_entry_flags), C(vm_routing_pin_huge), C(vm_routing_gsi_huge),
	C(vm_routing_same_chip_twice), C(vm_routing_no_irqchip), C(vm_irqfd_bad_fd),
	C(vm_irqfd_not_eventfd), C(vm_irqfd_flags_unknown), C(vm_irqfd_twice),
	C(vm_irqfd_deassign_absent), C(vm_irqfd_resample_bad_fd), C(vm_irqfd_no_irqchip),
	C(vm_ioeventfd_len3), C(vm_ioeventfd_flags_unknown), C(vm_ioeventfd_bad_fd),
	C(vm_ioeventfd_not_eventfd), C(vm_ioeventfd_twice), C(vm_ioeventfd_deassign_absent),
	C(vm_ioeventfd_addr_wraps), C(vm_ioeventfd_pio_len0), C(vm_msi_no_irqchip),
	C(vm_msi_flags_unknown), C(vm_msi_null), C(vm_coalesced_size0), C(vm_coalesced_wraps),
	C(vm_coalesced_pio_2), C(vm_coalesced_unregister_absent), C(vm_coalesced_null),
	C(vm_set_clock_flags_unknown), C(vm_set_clock_null), C(vm_get_clock_readonly),
	C(vm_enable_cap_unknown), C(vm_enable_cap_flags), C(vm_split_irqchip_after_vcpu),
	C(vm_split_irqchip_pins_huge), C(vm_enable_cap_null), C(vm_boot_cpu_id_huge),
	C(vm_boot_cpu_id_after_vcpu), C(vm_slot2_guest_memfd), C(vm_slot2_pad), C(vm_slot2_null),
	C(vcpu_get_lapic_no_irqchip), C(vcpu_set_lapic_no_irqchip), C(vcpu_get_lapic_null),
	C(vcpu_set_lapic_unmapped), C(vcpu_interrupt_with_irqchip), C(vcpu_interrupt_null),
	C(vcpu_nmi_arg), C(vcpu_events_null), C(vcpu_events_flags_unknown),
	C(vcpu_events_exception_32), C(vcpu_events_smm), C(vcpu_events_injected_and_pending),
	C(vcpu_debugregs_null), C(vcpu_debugregs_flags), C(vcpu_debugregs_dr6_high),
	C(vcpu_debugregs_dr7_high), C(vcpu_guest_debug_null), C(vcpu_guest_debug_unknown),
	C(vcpu_setup_mce_banks0), C(vcpu_setup_mce_banks33), C(vcpu_setup_mce_unknown_cap),
	C(vcpu_setup_mce_null), C(vcpu_set_mce_no_setup), C(vcpu_set_mce_bank_huge),
	C(vcpu_vapic_no_irqchip), C(vcpu_vapic_null), C(vcpu_vapic_outside_slots),
	C(vcpu_enable_cap_unknown), C(vcpu_tsc_khz_arg),
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static const char *errname(int e)
{
	static const struct { int e; const char *n; } t[] = {
		{ EINVAL, "EINVAL" }, { EFAULT, "EFAULT" }, { ENOTTY, "ENOTTY" }, { E2BIG, "E2BIG" },
		{ EBADF, "EBADF" }, { EEXIST, "EEXIST" }, { ENOMEM, "ENOMEM" }, { ENOSPC, "ENOSPC" },
		{ EIO, "EIO" }, { EINTR, "EINTR" }, { EAGAIN, "EAGAIN" }, { ENXIO, "ENXIO" },
		{ ENOENT, "ENOENT" }, { EPERM, "EPERM" }, { EBUSY, "EBUSY" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ ENOSYS, "ENOSYS" }, { ERANGE, "ERANGE" }, { ENODEV, "ENODEV" }, { EACCES, "EACCES" },
		{ EOVERFLOW, "EOVERFLOW" }, { EPIPE, "EPIPE" },
	};
	static char buf[16];
	unsigned i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == e)
			return t[i].n;
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

/* Run every case on a device: results as "0", "N" (a value) or an errno name. */
static int run_all(const char *path, char res[][24])
{
	struct ctx c;
	unsigned i;
	long r;

	for (i = 0; i < NCASES; i++) {
		if (ctx_make(&c, path)) {
			snprintf(res[i], 24, "setup-failed");
			continue;
		}
		errno = 0;
		r = cases[i].fn(&c);
		if (r < 0)
			snprintf(res[i], 24, "%s", errname(errno));
		else
			snprintf(res[i], 24, "%ld", r > 1000 ? 1000 : r);	/* fds and sizes vary */
		ctx_free(&c);
	}
	return 0;
}

/* The documented differences: rows "| case | okvm | kvm_amd | reason |" of the doc. */
static int documented(const char *doc, const char *name, const char *ok, const char *ref)
{
	char line[1024], f[4][256];
	FILE *fp = fopen(doc, "r");
	int found = 0;

	if (!fp)
		return 0;
	while (!found && fgets(line, sizeof(line), fp)) {
		char *p = line, *q;
		int k;

		if (*p != '|')
			continue;
		for (k = 0; k < 4; k++) {
			p++;
			q = strchr(p, '|');
			if (!q)
				break;
			*q = 0;
			while (*p == ' ' || *p == '`')
				p++;
			snprintf(f[k], sizeof(f[k]), "%s", p);
			for (char *e = f[k] + strlen(f[k]); e > f[k] && (e[-1] == ' ' || e[-1] == '`'); )
				*--e = 0;
			p = q;
		}
		if (k == 4 && !strcmp(f[0], name) && !strcmp(f[1], ok) && !strcmp(f[2], ref) && strlen(f[3]) > 3)
			found = 1;
	}
	fclose(fp);
	return found;
}

/* okvm-fuzz bad [--doc FILE] */
int cmd_bad(int argc, char **argv)
{
	static char ok[NCASES][24], ref[NCASES][24];
	const char *doc = "/tests/data/bad-input.md";
	char name[96];
	unsigned i, diff = 0;
	int i_arg;

	for (i_arg = 0; i_arg + 1 < argc; i_arg++)
		if (!strcmp(argv[i_arg], "--doc"))
			doc = argv[i_arg + 1];
	signal(SIGPIPE, SIG_IGN);
	run_all(dev_path, ok);
	if (ref_path)
		run_all(ref_path, ref);
	printf("bad: %u cases; device %s, reference %s\n", (unsigned)NCASES, dev_path, ref_path ? ref_path : "none");
	printf("bad: | case | okvm | kvm_amd |\n");
	for (i = 0; i < NCASES; i++) {
		snprintf(name, sizeof(name), "bad/%s", cases[i].name);
		printf("bad: | %s | %s | %s |\n", cases[i].name, ok[i], ref_path ? ref[i] : "-");
		if (!ref_path) {
			result_skip(name, "no reference device ($OKVM_REF_DEVICE): okvm gives %s", ok[i]);
			continue;
		}
		if (!strcmp(ok[i], ref[i])) {
			result_pass(name);
			continue;
		}
		diff++;
		if (documented(doc, cases[i].name, ok[i], ref[i]))
			result_pass(name);
		else
			result_fail(name, "okvm gives %s, kvm_amd %s: a difference not documented in doc/bad-input.md",
				    ok[i], ref[i]);
	}
	printf("bad: %u differences from the reference\n", diff);
	return 0;
}
