// SPDX-License-Identifier: MIT
/* okvm-fuzz: results, devices, the kernel log watch and the test VM. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

const char *dev_path, *ref_path;
int failures;

static void result(const char *what, const char *name, const char *fmt, va_list ap)
{
	printf("%s %s", what, name);
	if (fmt) {
		printf(": ");
		vprintf(fmt, ap);
	}
	printf("\n");
	fflush(stdout);
}

void result_pass(const char *name)
{
	printf("PASS %s\n", name);
	fflush(stdout);
}

void result_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result("FAIL", name, fmt, ap);
	va_end(ap);
	failures++;
}

void result_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result("SKIP", name, fmt, ap);
	va_end(ap);
}

int dev_open(const char *path)
{
	return open(path, O_RDWR | O_CLOEXEC);
}

void rng_fill(struct rng *r, void *buf, size_t n)
{
	uint8_t *p = buf;
	uint64_t x;
	size_t i;

	for (i = 0; i < n; i += 8) {
		x = rng_next(r);
		memcpy(p + i, &x, n - i < 8 ? n - i : 8);
	}
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

uint64_t opt_u64(int argc, char **argv, const char *name, uint64_t def)
{
	int i;

	for (i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return strtoull(argv[i + 1], NULL, 0);
	return def;
}

int opt_flag(int argc, char **argv, const char *name)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

/* ---- kernel log ---- */

int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* The reports the vm tier fails on (tests/lib.sh vm_verdict_kernel), as substrings. */
static const char *const report_words[] = {
	"Oops", "BUG:", "BUG ", "WARNING:", "general protection", "Call Trace:", "KASAN",
	"UBSAN", "soft lockup", "hard LOCKUP", "detected stall", "possible circular locking",
	"Kernel panic", "Poison overwritten", "Redzone", "Object padding", "kmemleak:",
	"bad page", "list_add corruption", "list_del corruption", NULL,
};

int kmsg_check(int fd, char *line, size_t len)
{
	char buf[2048];
	const char *msg;
	ssize_t n;
	int i, found = 0;

	if (fd < 0)
		return 0;
	for (;;) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0) {
			if (errno == EPIPE)	/* overwritten records: go on */
				continue;
			break;
		}
		buf[n] = 0;
		msg = strchr(buf, ';');
		msg = msg ? msg + 1 : buf;
		for (i = 0; report_words[i]; i++)
			if (strstr(msg, report_words[i]) && !found) {
				snprintf(line, len, "%.*s", (int)strcspn(msg, "\n"), msg);
				found = 1;
			}
	}
	return found;
}

/* ---- the test VM ---- */

static uint32_t sum(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static int set_slot(int fd, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size, void *p)
{
	struct okvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)p,
	};

	return ioctl(fd, OKVM_SET_USER_MEMORY_REGION, &r);
}

int vm_make(struct vm *vm, const char *path)
{
	struct rng r = { 42 };

	memset(vm, 0, sizeof(*vm));
	vm->sys = dev_open(path);
	if (vm->sys < 0)
		return -1;
	vm->fd = ioctl(vm->sys, OKVM_CREATE_VM, 0);
	if (vm->fd < 0)
		goto err_sys;
	vm->map = mmap(NULL, RAM_SIZE + 2 * 4096 + RO_SIZE + 2 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->map == MAP_FAILED)
		goto err_vm;
	memset(vm->map, CANARY, RAM_SIZE + 2 * 4096 + RO_SIZE + 2 * 4096);
	vm->mem = vm->map + 4096;
	memset(vm->mem, 0, RAM_SIZE);
	vm->ro = vm->mem + RAM_SIZE + 4096;
	rng_fill(&r, vm->ro, RO_SIZE);
	vm->ro_sum = sum(vm->ro, RO_SIZE);
	if (set_slot(vm->fd, 0, 0, 0, RAM_SIZE, vm->mem))
		goto err_map;
	if (ioctl(vm->sys, OKVM_CHECK_EXTENSION, OKVM_CAP_READONLY_MEM) <= 0 ||
	    set_slot(vm->fd, 1, OKVM_MEM_READONLY, RO_GPA, RO_SIZE, vm->ro))
		vm->ro = NULL;
	return 0;
err_map:
	munmap(vm->map, RAM_SIZE + 2 * 4096 + RO_SIZE + 2 * 4096);
err_vm:
	close(vm->fd);
err_sys:
	close(vm->sys);
	return -1;
}

void vm_free(struct vm *vm)
{
	munmap(vm->map, RAM_SIZE + 2 * 4096 + RO_SIZE + 2 * 4096);
	close(vm->fd);
	close(vm->sys);
}

int vm_intact(struct vm *vm, char *why, size_t len)
{
	static const size_t off[] = { 0, 4096 + RAM_SIZE, 4096 + RAM_SIZE + 4096 + RO_SIZE };
	size_t i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 4096; j++)
			if (vm->map[off[i] + j] != CANARY) {
				snprintf(why, len, "host canary page %zu byte %zu changed to %#x", i, j,
					 vm->map[off[i] + j]);
				return 0;
			}
	if (vm->ro && sum(vm->ro, RO_SIZE) != vm->ro_sum) {
		snprintf(why, len, "the read-only slot was written");
		return 0;
	}
	return 1;
}

int vcpu_make(struct vm *vm, struct vcpu *v, int id)
{
	int size = ioctl(vm->sys, OKVM_GET_VCPU_MMAP_SIZE, 0);

	v->fd = ioctl(vm->fd, OKVM_CREATE_VCPU, id);
	if (v->fd < 0 || size <= 0)
		return -1;
	v->run_size = size;
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		close(v->fd);
		return -1;
	}
	return 0;
}

void vcpu_free(struct vcpu *v)
{
	munmap(v->run, v->run_size);
	close(v->fd);
}

int maxphyaddr(int sys)
{
	struct okvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	int bits = 36;
	uint32_t i;

	if (!c)
		return bits;
	c->nent = 256;
	if (ioctl(sys, OKVM_GET_SUPPORTED_CPUID, c) == 0)
		for (i = 0; i < c->nent; i++)
			if (c->entries[i].function == 0x80000008)
				bits = c->entries[i].eax & 0xff;
	free(c);
	return bits;
}

int set_cpuid(int sys, int vcpu)
{
	struct okvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	int r = -1;

	if (!c)
		return -1;
	c->nent = 256;
	if (ioctl(sys, OKVM_GET_SUPPORTED_CPUID, c) == 0)
		r = ioctl(vcpu, OKVM_SET_CPUID2, c);
	free(c);
	return r;
}

/* CPUID 0x80000001 EDX bit 26 in the supported CPUID: 1 GiB pages. */
int gb_pages(int sys)
{
	static int known = -1;
	struct okvm_cpuid2 *c;
	uint32_t i;

	if (known >= 0)
		return known;
	c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	known = 0;
	if (!c)
		return 0;
	c->nent = 256;
	if (ioctl(sys, OKVM_GET_SUPPORTED_CPUID, c) == 0)
		for (i = 0; i < c->nent; i++)
			if (c->entries[i].function == 0x80000001)
				known = c->entries[i].edx >> 26 & 1;
	free(c);
	return known;
}

static const uint64_t gdt[] = {
	0,
	0x00af9b000000ffffULL,	/* 0x08: 64-bit code */
	0x00cf93000000ffffULL,	/* 0x10: data */
	0x00cf9b000000ffffULL,	/* 0x18: 32-bit code */
	0x00008b000000ffffULL,	/* 0x20: busy TSS (base 0) */
	0,
};

static void write_stub(uint8_t *p, int v)
{
	static const uint8_t s[] = { 0xb0, 0, 0xe6, PORT_VEC, 0xf4, 0xeb, 0xfd };

	memcpy(p, s, sizeof(s));
	p[1] = v;
}

void vm_gp_skips(struct vm *vm, enum mode m, int on)
{
	/* Long mode: pop the error code, step over the 2-byte instruction, iretq. */
	static const uint8_t lm[] = { 0x48, 0x83, 0xc4, 0x08, 0x48, 0x83, 0x04, 0x24, 0x02, 0x48, 0xcf };
	static const uint8_t pm[] = { 0x83, 0xc4, 0x04, 0x83, 0x04, 0x24, 0x02, 0xcf };
	/* Real mode: no error code; push bp; mov bp,sp; add word [bp+2],2; pop bp; iret. */
	static const uint8_t rm[] = { 0x55, 0x89, 0xe5, 0x83, 0x46, 0x02, 0x02, 0x5d, 0xcf };
	uint8_t *p = vm->mem + STUB_GPA + 13 * 16;

	memset(p, 0x90, 16);
	if (!on)
		write_stub(p, 13);
	else if (m == MODE_LONG)
		memcpy(p, lm, sizeof(lm));
	else if (m == MODE_PROT)
		memcpy(p, pm, sizeof(pm));
	else
		memcpy(p, rm, sizeof(rm));
}

static void seg(struct okvm_segment *s, uint16_t sel, uint8_t type, int db, int l, int big)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->db = db;
	s->l = l;
	s->g = big;
	s->limit = big ? 0xffffffff : 0xffff;
}

int vcpu_setup(struct vm *vm, struct vcpu *v, enum mode m, uint64_t rip)
{
	struct okvm_sregs s;
	struct okvm_regs r;
	uint64_t *pml4 = (uint64_t *)(vm->mem + PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(vm->mem + PDPT_GPA);
	uint64_t *pd = (uint64_t *)(vm->mem + PD_GPA);
	uint64_t top;
	int i, bits = maxphyaddr(vm->sys);

	/* Handlers, IVT, GDT, IDTs (both formats: the mode picks one). */
	for (i = 0; i < 256; i++) {
		uint64_t h = STUB_GPA + i * 16;
		uint8_t *g;

		write_stub(vm->mem + h, i);
		((uint32_t *)(vm->mem + IVT_GPA))[i] = h;	/* segment 0 */
		g = vm->mem + IDT_GPA + i * (m == MODE_LONG ? 16 : 8);
		memset(g, 0, m == MODE_LONG ? 16 : 8);
		g[0] = h;
		g[1] = h >> 8;
		g[2] = m == MODE_LONG ? 0x08 : 0x18;
		g[5] = 0x8e;
	}
	memcpy(vm->mem + GDT_GPA, gdt, sizeof(gdt));
	/*
	 * Identity map: the first GiB with 2 MiB pages, the rest below 2^MAXPHYADDR (at
	 * most 1 TiB) with 1 GiB pages where the CPU has them.
	 */
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 2 * 4096);
	pml4[0] = PDPT_GPA | 3;
	pml4[1] = (PDPT_GPA + 0x1000) | 3;
	pdpt[0] = PD_GPA | 3;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;
	top = bits >= 40 ? 1024 : 1ULL << (bits - 30);
	for (i = 1; i < (int)top && gb_pages(vm->sys); i++)
		pdpt[i] = ((uint64_t)i << 30) | 0x83;

	if (ioctl(v->fd, OKVM_GET_SREGS, &s))
		return -1;
	seg(&s.cs, 0, 0xb, 0, 0, 0);
	seg(&s.ds, 0, 3, 0, 0, 0);
	s.es = s.fs = s.gs = s.ss = s.ds;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.selector = 0x20;
	/*
	 * A busy TSS, as KVM's reset state has it, except outside long mode: QEMU's TCG
	 * (7.2) aborts the whole emulator ("invalid tss type") when a 32-bit guest at CPL 3
	 * or in virtual-8086 mode takes an interrupt while TR's cached type is busy; it
	 * expects the available type there. Random guests reach CPL 3 and VM86.
	 */
	s.tr.type = m == MODE_LONG ? 11 : 9;
	s.tr.present = 1;
	s.tr.limit = 0xffff;
	s.gdt.base = GDT_GPA;
	s.gdt.limit = sizeof(gdt) - 1;
	s.idt.base = m == MODE_REAL ? IVT_GPA : IDT_GPA;
	s.idt.limit = m == MODE_REAL ? 0x3ff : (m == MODE_LONG ? 256 * 16 - 1 : 256 * 8 - 1);
	s.cr0 = 0x10;
	s.cr4 = 0;
	s.efer = 0;
	if (m == MODE_PROT) {
		seg(&s.cs, 0x18, 0xb, 1, 0, 1);
		seg(&s.ds, 0x10, 3, 1, 0, 1);
		s.es = s.fs = s.gs = s.ss = s.ds;
		s.cr0 = 0x11;
	} else if (m == MODE_LONG) {
		seg(&s.cs, 0x08, 0xb, 0, 1, 1);
		seg(&s.ds, 0x10, 3, 1, 0, 1);
		s.es = s.fs = s.gs = s.ss = s.ds;
		s.cr0 = 0x80010011;
		s.cr3 = PML4_GPA;
		s.cr4 = 0x620;		/* PAE, OSFXSR, OSXMMEXCPT */
		s.efer = 0x500;		/* LME, LMA */
	}
	if (ioctl(v->fd, OKVM_SET_SREGS, &s))
		return -1;
	memset(&r, 0, sizeof(r));
	r.rip = rip;
	r.rsp = STACK_TOP;
	r.rflags = 2;
	return ioctl(v->fd, OKVM_SET_REGS, &r);
}

const char *exit_name(uint32_t r)
{
	static const char *const names[] = {
		[OKVM_EXIT_UNKNOWN] = "UNKNOWN", [OKVM_EXIT_EXCEPTION] = "EXCEPTION",
		[OKVM_EXIT_IO] = "IO", [OKVM_EXIT_HYPERCALL] = "HYPERCALL",
		[OKVM_EXIT_DEBUG] = "DEBUG", [OKVM_EXIT_HLT] = "HLT", [OKVM_EXIT_MMIO] = "MMIO",
		[OKVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN", [OKVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[OKVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY", [OKVM_EXIT_INTR] = "INTR",
		[OKVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[OKVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[OKVM_EXIT_X86_RDMSR] = "X86_RDMSR", [OKVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	};
	static char buf[16];

	if (r < sizeof(names) / sizeof(names[0]) && names[r])
		return names[r];
	snprintf(buf, sizeof(buf), "%u", r);
	return buf;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev_path = getenv("OKVM_DEVICE");
	if (!dev_path)
		dev_path = "/dev/okvm";
	ref_path = getenv("OKVM_REF_DEVICE");
	if (ref_path && !*ref_path)
		ref_path = NULL;
	if (argc < 2) {
		fprintf(stderr, "usage: okvm-fuzz ioctl|guest|life|bad|replay [options]\n");
		return 2;
	}
	if (!strcmp(argv[1], "ioctl"))
		cmd_ioctl(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "guest"))
		cmd_guest(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "life"))
		cmd_life(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "bad"))
		cmd_bad(argc - 1, argv + 1);
	else if (!strcmp(argv[1], "replay"))
		cmd_replay(argc - 1, argv + 1);
	else {
		fprintf(stderr, "okvm-fuzz: unknown command %s\n", argv[1]);
		return 2;
	}
	return failures ? 1 : 0;
}
