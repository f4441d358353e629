// SPDX-License-Identifier: MIT
/*
 * okvm-bench: time the paths a VMM lives on, on one KVM device.
 *
 *   okvm-bench [-q] DEVICE ROW|all [SECONDS]
 *
 * One line per row on stdout:  BENCH <row> <device> <value> <unit>
 * or                           BENCH <row> <device> n/a <reason>
 * and a line on stderr saying why when a row could not be measured
 * (then it prints nothing for that row and the exit status is 1).
 * -q: short durations and small slots (the make check version).
 *
 * The VM set-up is the guest tests' (tests/vm/guests/vm.c, on the system
 * <linux/kvm.h>); the "libkvm" row goes through libkvm's run loop.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include <libkvm/libkvm.h>

/* Mirrors g_bench.S. */
#define BENCH_PORT	0x60
#define BENCH_N		(DATA_GPA + 0x100)
#define BENCH_MSR	(DATA_GPA + 0x104)

/* IA32_MISC_ENABLE: intercepted and answered in the kernel by okvm and kvm_amd. */
#define MSR_BENCH	0x1a0

/* The large slot of the memory rows, inside the guest's 1 GiB identity map. */
#define BIG_GPA		0x200000ULL

const char *kvm_device;
int kvm_sys = -1;

static char why[512];
static double seconds = 1.0;
static uint64_t big_size = 256ULL << 20;	/* 1 GiB: ~1 min per touch under TCG */
static int quick;

/*
 * A row that takes longer than this is stopped: SIGALRM makes a KVM_RUN that
 * never comes back to userspace return EINTR, and the row fails saying so.
 */
#define ROW_LIMIT	120
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static int run_failed(void)
{
	if (errno == EINTR && timed_out)
		return fail("KVM_RUN did not come back within %d s (stopped by SIGALRM)",
			    ROW_LIMIT);
	return fail("KVM_RUN: %s", strerror(errno));
}

/* vm.c reports failures through these. */
int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return T_FAIL;
}

int skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return T_SKIP;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void vm_close(struct vm *vm, struct vcpu *v)
{
	if (v && v->run && v->run != MAP_FAILED)
		munmap(v->run, v->run_size);
	if (v && v->fd > 0)
		close(v->fd);
	if (vm->fd > 0)
		close(vm->fd);
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	memset(vm, 0, sizeof(*vm));
}

/* A VM with the bench guest in slot 0 and one vcpu at entry (real or long mode). */
static int bench_vm(struct vm *vm, struct vcpu *v, uint64_t entry, int longmode)
{
	MUST(vm_create(vm));
	load_blob(vm, CODE_GPA, BLOB_g_bench);
	MUST(vcpu_create(vm, v, 0));
	return longmode ? setup_long(v, entry) : setup_real(v, entry);
}

static int run_io(struct vcpu *v)
{
	if (ioctl(v->fd, KVM_RUN, 0) < 0)
		return run_failed();
	if (v->run->exit_reason != KVM_EXIT_IO || v->run->io.port != BENCH_PORT)
		return fail("unexpected exit %s", exit_desc(v));
	return 0;
}

/* Exits per loop of PIO or MMIO round trips until the time is up: ns per exit. */
static int row_exit_loop(double *ns, uint64_t entry, int longmode, uint32_t reason)
{
	struct vm vm;
	struct vcpu v;
	double t0, t;
	long n = 0;
	int r;

	memset(&v, 0, sizeof(v));
	r = bench_vm(&vm, &v, entry, longmode);
	/* Warm up: first faults and the MMIO caches are not what we measure. */
	for (int i = 0; !r && i < 100; i++)
		r = run_expect(&v, reason);
	t0 = now();
	for (t = t0; !r && t - t0 < seconds; n++) {
		if (ioctl(v.fd, KVM_RUN, 0) < 0)
			r = run_failed();
		else if (v.run->exit_reason != reason)
			r = fail("unexpected exit %s", exit_desc(&v));
		if ((n & 63) == 0)
			t = now();
	}
	t = now();
	vm_close(&vm, &v);
	*ns = (t - t0) * 1e9 / n;
	return r;
}

static int row_pio(double *ns)
{
	return row_exit_loop(ns, SYM_bench_pio, 0, KVM_EXIT_IO);
}

static int row_mmio(double *ns)
{
	return row_exit_loop(ns, SYM_bench_mmio, 1, KVM_EXIT_MMIO);
}

/* The same PIO loop through libkvm_vcpu_loop() with an IO handler. */
struct pio_count {
	long n;
	double t0, end;
};

static int on_io(void *opaque, struct libkvm_vcpu *vcpu, uint16_t port, int is_write,
		 void *data, uint32_t size)
{
	struct pio_count *c = opaque;

	(void)vcpu; (void)is_write; (void)data; (void)size;
	if (port != BENCH_PORT)
		return -EIO;
	if ((++c->n & 63) == 0 && now() >= c->end)
		return 1;
	return 0;
}

static int row_pio_libkvm(double *ns)
{
	struct libkvm_sys *sys = NULL;
	struct libkvm_vm *lvm = NULL;
	struct libkvm_vcpu *vcpu = NULL;
	struct libkvm_setup setup = {
		.size = sizeof(setup), .mode = LIBKVM_MODE_REAL,
		.entry = SYM_bench_pio, .stack = STACK_TOP,
	};
	struct libkvm_handlers h = { .size = sizeof(h), .io = on_io };
	struct libkvm_exit ex;
	struct pio_count c = { 0, 0, 0 };
	void *mem;
	int r;

	r = libkvm_sys_new(&sys);
	if (r)
		return fail("libkvm_sys_new: %s", strerror(-r));
	r = libkvm_sys_open(sys, kvm_device);
	if (r) {
		fail("libkvm_sys_open: %s", libkvm_sys_error(sys));
		goto out;
	}
	r = libkvm_vm_create(sys, &lvm);
	if (r) {
		fail("libkvm_vm_create: %s", libkvm_sys_error(sys));
		goto out;
	}
	r = libkvm_vm_alloc(lvm, 0, RAM_SIZE, 0, &mem);
	if (!r) {
		memcpy((char *)mem + CODE_GPA, BLOB_g_bench);
		r = libkvm_vcpu_create(lvm, 0, &vcpu);
	}
	if (r) {
		fail("libkvm set-up: %s", libkvm_vm_error(lvm));
		goto out;
	}
	r = libkvm_vcpu_setup(vcpu, &setup);
	/* Warm up, then the timed loop. */
	c.end = 0;
	if (!r)
		r = libkvm_vcpu_loop(vcpu, &h, &c, &ex);
	if (r == 1) {
		c.n = 0;
		c.t0 = now();
		c.end = c.t0 + seconds;
		r = libkvm_vcpu_loop(vcpu, &h, &c, &ex);
		*ns = (now() - c.t0) * 1e9 / c.n;
	}
	if (r != 1) {
		fail("libkvm_vcpu_loop returned %d (exit %s): %s", r,
		     libkvm_exit_kind_name(ex.kind), libkvm_vcpu_error(vcpu));
		r = T_FAIL;
	} else {
		r = 0;
	}
out:
	if (lvm)
		libkvm_vm_destroy(lvm);
	libkvm_sys_free(sys);
	return r;
}

/* In-kernel exits: batches of n guest instructions per OUT; ns per instruction. */
static int row_guest_loop(double *ns, uint64_t entry, uint32_t msr)
{
	uint32_t n = quick ? 2000 : 20000;
	struct vm vm;
	struct vcpu v;
	double t0, t;
	long batches = 0;
	int r;

	memset(&v, 0, sizeof(v));
	r = bench_vm(&vm, &v, entry, 0);
	if (!r) {
		*mem32(&vm, BENCH_N) = n;
		*mem32(&vm, BENCH_MSR) = msr;
		r = run_io(&v);	/* warm up */
	}
	t0 = now();
	for (t = t0; !r && t - t0 < seconds; batches++) {
		r = run_io(&v);
		t = now();
	}
	vm_close(&vm, &v);
	*ns = (t - t0) * 1e9 / ((double)batches * n);
	return r;
}

static int row_cpuid(double *ns)
{
	return row_guest_loop(ns, SYM_bench_cpuid, 0);
}

static int row_msr(double *ns)
{
	return row_guest_loop(ns, SYM_bench_rdmsr, MSR_BENCH);
}

/* Mirrors g_timer.S (the hlt-irq row's guest). */
#define TIMER_N		(DATA_GPA + 0x100)
#define TIMER_COUNT	(DATA_GPA + 0x104)
#define TIMER_SEEN	(DATA_GPA + 0x108)
#define TIMER_SHADOW	(DATA_GPA + 0x10c)
#define APIC_GPA	0xfee00000ULL
/*
 * The timer's initial count: with the divider at 1, KVM's APIC timer counts at 1 GHz,
 * so 1000 is about 1 us, far below one round trip: the row measures the path (HLT in the
 * kernel, the vcpu asleep, the hrtimer, the wake-up, the injection, the EOI write).
 */
#define TIMER_TICKS	1000

extern const unsigned char g_timer_start[], g_timer_end[];

/*
 * One batch of timer round trips, up to its OUT. A batch takes milliseconds; one whose
 * KVM_RUN has not come back after TIMER_STALL seconds is interrupted (SIGALRM) and
 * entered again: if that finishes it, the halted vcpu had missed its wake-up (counted in
 * *stalls); if not, the interrupt is lost and the row fails.
 */
#define TIMER_STALL	10
static int timer_batch(struct vcpu *v, long *stalls)
{
	int tries;

	for (tries = 0; tries < 2; tries++) {
		timed_out = 0;
		alarm(TIMER_STALL);
		if (ioctl(v->fd, KVM_RUN, 0) == 0) {
			alarm(0);
			if (v->run->exit_reason != KVM_EXIT_IO || v->run->io.port != BENCH_PORT)
				return fail("unexpected exit %s", exit_desc(v));
			*stalls += tries;
			return 0;
		}
		alarm(0);
		if (errno != EINTR || !timed_out)
			return fail("KVM_RUN: %s", strerror(errno));
	}
	return fail("no timer interrupt for %d s, also after entering KVM_RUN again "
		    "(%u taken so far)", 2 * TIMER_STALL, *mem32(v->vm, TIMER_SEEN));
}

/*
 * Timer interrupt round trips through the in-kernel LAPIC: the guest arms the one-shot
 * APIC timer, HLTs, takes the interrupt and writes the EOI, n times per OUT: ns per
 * round trip. n/a where the device has no in-kernel irqchip.
 */
static int row_hlt_irq(double *ns)
{
	uint32_t n = quick ? 200 : 1000;
	long stalls = 0;
	struct kvm_sregs sregs;
	struct vm vm;
	struct vcpu v;
	double t0, t;
	long batches = 0;
	int r;

	memset(&v, 0, sizeof(v));
	r = vm_create(&vm);
	if (r)
		return r;
	if (ioctl(vm.fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		r = skip("no in-kernel irqchip: KVM_CREATE_IRQCHIP: %s", strerror(errno));
		vm_close(&vm, &v);
		return r;
	}
	load_blob(&vm, CODE_GPA, g_timer_start, (size_t)(g_timer_end - g_timer_start));
	r = vcpu_create(&vm, &v, 0);
	if (!r)
		r = setup_real(&v, CODE_GPA);
	/* FS reaches the APIC page; the IDTR covers the real-mode vector table. */
	if (!r)
		r = get_sregs(&v, &sregs);
	if (!r) {
		sregs.fs.base = APIC_GPA;
		sregs.idt.base = 0;
		sregs.idt.limit = 0x3ff;
		if (ioctl(v.fd, KVM_SET_SREGS, &sregs) < 0)
			r = fail("KVM_SET_SREGS: %s", strerror(errno));
	}
	if (!r) {
		*mem32(&vm, TIMER_N) = n;
		*mem32(&vm, TIMER_COUNT) = TIMER_TICKS;
		r = timer_batch(&v, &stalls);	/* warm up */
	}
	t0 = now();
	for (t = t0; !r && t - t0 < seconds; batches++) {
		long before = stalls;

		r = timer_batch(&v, &stalls);
		if (stalls != before) {
			/* The stall's seconds are not a round trip: start the clock again. */
			t0 = now();
			batches = -1;
		}
		t = now();
	}
	if (!r && stalls)
		fprintf(stderr, "okvm-bench: hlt-irq on %s: %ld stalled KVM_RUN(s) woken by a "
			"re-entry (a missed wake-up of the halted vcpu); not in the time\n",
			kvm_device, stalls);
	if (!r && *mem32(&vm, TIMER_SHADOW))
		fprintf(stderr, "okvm-bench: hlt-irq on %s: %u of %u interrupts came between STI "
			"and HLT (the guest stepped over the HLT)\n", kvm_device,
			*mem32(&vm, TIMER_SHADOW), *mem32(&vm, TIMER_SEEN));
	vm_close(&vm, &v);
	*ns = (t - t0) * 1e9 / ((double)batches * n);
	return r;
}

/* Create VM + vcpu + 2 MiB slot, run to the HLT, destroy: cycles per second. */
static int row_lifecycle(double *per_sec)
{
	uint8_t *mem = alloc_mem(RAM_SIZE);
	double t0, t;
	long n = 0;
	int r = 0;

	if (!mem)
		return fail("mmap: %s", strerror(errno));
	memcpy(mem + CODE_GPA, BLOB_g_bench);
	t0 = now();
	for (t = t0; !r && t - t0 < seconds; n++) {
		struct vm vm;
		struct vcpu v;

		memset(&v, 0, sizeof(v));
		r = vm_create_empty(&vm);
		if (!r)
			r = vm_set_slot(&vm, 0, 0, 0, RAM_SIZE, mem);
		if (!r)
			r = vcpu_create(&vm, &v, 0);
		if (!r)
			r = setup_real(&v, SYM_bench_hlt);
		if (!r)
			r = run_expect(&v, KVM_EXIT_HLT);
		vm.mem = NULL;	/* reused */
		vm_close(&vm, &v);
		t = now();
	}
	munmap(mem, RAM_SIZE);
	*per_sec = n / (t - t0);
	return r;
}

/* A long mode VM with the large slot at BIG_GPA; hugepage: MADV_HUGEPAGE or not. */
static int big_vm(struct vm *vm, struct vcpu *v, uint8_t **bigp, int hugepage,
		  uint32_t flags)
{
	size_t align = 2 << 20;
	uint8_t *raw, *big;
	struct kvm_regs regs;

	MUST(bench_vm(vm, v, SYM_bench_touch, 1));
	raw = mmap(NULL, big_size + align, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return fail("mmap %llu MiB: %s", (unsigned long long)(big_size >> 20),
			    strerror(errno));
	big = (uint8_t *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
	if (madvise(big, big_size, hugepage ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) < 0)
		return skip("madvise(%s): %s", hugepage ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE",
			    strerror(errno));
	*bigp = big;
	MUST(vm_set_slot(vm, 1, flags, BIG_GPA, big_size, big));
	MUST(get_regs(v, &regs));
	regs.r8 = BIG_GPA;
	regs.rdi = BIG_GPA + big_size;
	regs.rdx = 4096;
	return set_regs(v, &regs);
}

static void big_free(uint8_t *big)
{
	if (big)
		munmap(big - ((uintptr_t)big & ((2 << 20) - 1)) , big_size + (2 << 20));
}

/* The guest writes one byte in every 4 KiB page of the large slot: ms for all. */
static int row_touch(double *ms, int hugepage)
{
	struct vm vm;
	struct vcpu v;
	uint8_t *big = NULL;
	double t0;
	int r;

	if (hugepage) {
		char mode[64] = "";
		int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);

		if (fd >= 0) {
			ssize_t k = read(fd, mode, sizeof(mode) - 1);

			mode[k > 0 ? k : 0] = 0;
			close(fd);
		}
		if (fd < 0 || strstr(mode, "[never]"))
			return skip("the host gives no transparent huge pages");
	}
	memset(&v, 0, sizeof(v));
	r = big_vm(&vm, &v, &big, hugepage, 0);
	t0 = now();
	if (!r)
		r = run_io(&v);
	*ms = (now() - t0) * 1e3;
	big_free(big);
	vm_close(&vm, &v);
	return r;
}

static int row_touch_4k(double *ms)
{
	return row_touch(ms, 0);
}

static int row_touch_thp(double *ms)
{
	return row_touch(ms, 1);
}

/* KVM_SET_USER_MEMORY_REGION of a MAP_NORESERVE slot of size bytes and its deletion: us. */
static int row_slot(double *us, uint64_t size)
{
	struct vm vm;
	void *p;
	double t0, t;
	long n = 0;
	int r;

	r = vm_create_empty(&vm);
	if (r)
		return r;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		close(vm.fd);
		return fail("mmap %llu GiB MAP_NORESERVE: %s",
			    (unsigned long long)(size >> 30), strerror(errno));
	}
	t0 = now();
	for (t = t0; !r && (n < 3 || t - t0 < seconds / 4); n++) {
		r = vm_set_slot(&vm, 1, 0, 1ULL << 32, size, p);
		if (!r)
			r = vm_set_slot(&vm, 1, 0, 1ULL << 32, 0, p);
		t = now();
	}
	*us = (t - t0) * 1e6 / n;
	munmap(p, size);
	close(vm.fd);
	return r;
}

static int row_slot_1g(double *us)
{
	return row_slot(us, 1ULL << 30);
}

static int row_slot_64g(double *us)
{
	return row_slot(us, 64ULL << 30);
}

/* KVM_GET_DIRTY_LOG of the large slot after the guest wrote 1% of its pages: us. */
static int row_dirty_log(double *us)
{
	uint64_t pages = big_size / 4096, want = (pages + 99) / 100, got;
	size_t bytes = (pages + 63) / 64 * 8;
	uint64_t *bitmap = calloc(1, bytes);
	struct kvm_dirty_log log = { .slot = 1, .dirty_bitmap = bitmap };
	struct kvm_regs regs;
	struct vm vm;
	struct vcpu v;
	uint8_t *big = NULL;
	double total = 0;
	int r, i, rounds = quick ? 3 : 10;

	if (!bitmap)
		return fail("calloc");
	memset(&v, 0, sizeof(v));
	r = big_vm(&vm, &v, &big, 0, KVM_MEM_LOG_DIRTY_PAGES);
	/* Touch everything once and clear the log; then 1%: every 100th page. */
	if (!r)
		r = run_io(&v);
	if (!r && ioctl(vm.fd, KVM_GET_DIRTY_LOG, &log) < 0)
		r = fail("KVM_GET_DIRTY_LOG: %s", strerror(errno));
	if (!r)
		r = get_regs(&v, &regs);
	if (!r) {
		regs.rdx = 100 * 4096;
		r = set_regs(&v, &regs);
	}
	for (i = 0; !r && i < rounds; i++) {
		double t0;

		r = run_io(&v);
		if (r)
			break;
		t0 = now();
		if (ioctl(vm.fd, KVM_GET_DIRTY_LOG, &log) < 0) {
			r = fail("KVM_GET_DIRTY_LOG: %s", strerror(errno));
			break;
		}
		total += now() - t0;
		got = 0;
		for (size_t w = 0; w < bytes / 8; w++)
			got += __builtin_popcountll(bitmap[w]);
		/* Not judged here, but a wrong count means we timed something else. */
		if (got < want)
			r = fail("dirty log had %llu pages, the guest wrote %llu",
				 (unsigned long long)got, (unsigned long long)want);
	}
	*us = total * 1e6 / rounds;
	big_free(big);
	vm_close(&vm, &v);
	free(bitmap);
	return r;
}

struct row {
	const char *name;
	int (*fn)(double *);
	const char *unit;
};

static const struct row rows[] = {
	{ "pio",		row_pio,	"ns/exit" },
	{ "pio-libkvm",		row_pio_libkvm,	"ns/exit" },
	{ "mmio",		row_mmio,	"ns/exit" },
	{ "cpuid",		row_cpuid,	"ns/cpuid" },
	{ "msr",		row_msr,	"ns/rdmsr" },
	{ "hlt-irq",		row_hlt_irq,	"ns/irq" },
	{ "lifecycle",		row_lifecycle,	"vm/s" },
	{ "touch-4k",		row_touch_4k,	"ms" },
	{ "touch-thp",		row_touch_thp,	"ms" },
	{ "slot-1g",		row_slot_1g,	"us" },
	{ "slot-64g",		row_slot_64g,	"us" },
	{ "dirty-log",		row_dirty_log,	"us" },
};

int main(int argc, char **argv)
{
	int i, ran = 0, bad = 0;
	const char *want;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "-q") == 0) {
		quick = 1;
		seconds = 0.2;
		big_size = 64ULL << 20;
		argv++;
		argc--;
	}
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: okvm-bench [-q] DEVICE ROW|all [SECONDS]\nrows:");
		for (i = 0; i < (int)(sizeof(rows) / sizeof(rows[0])); i++)
			fprintf(stderr, " %s", rows[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	kvm_device = argv[1];
	want = argv[2];
	if (argc == 4)
		seconds = atof(argv[3]);
	sigaction(SIGALRM, &(struct sigaction){ .sa_handler = on_alarm }, NULL);
	kvm_sys = open(kvm_device, O_RDWR | O_CLOEXEC);
	if (kvm_sys < 0) {
		fprintf(stderr, "okvm-bench: %s: %s\n", kvm_device, strerror(errno));
		return 1;
	}
	for (i = 0; i < (int)(sizeof(rows) / sizeof(rows[0])); i++) {
		const struct row *row = &rows[i];
		double val = 0;
		int r;

		if (strcmp(want, "all") && strcmp(want, row->name))
			continue;
		ran++;
		if (!row->fn) {
			printf("BENCH %s %s n/a (%s)\n", row->name, kvm_device, row->unit);
			continue;
		}
		why[0] = 0;
		timed_out = 0;
		alarm(ROW_LIMIT);
		r = row->fn(&val);
		alarm(0);
		if (r == T_SKIP) {
			printf("BENCH %s %s n/a (%s)\n", row->name, kvm_device, why);
		} else if (r) {
			fprintf(stderr, "okvm-bench: %s on %s: %s%s\n", row->name, kvm_device, why,
				timed_out ? " (the row ran out of its time limit)" : "");
			bad = 1;
		} else {
			printf("BENCH %s %s %.6g %s\n", row->name, kvm_device, val, row->unit);
		}
	}
	if (!ran) {
		fprintf(stderr, "okvm-bench: no row %s\n", want);
		return 2;
	}
	return bad;
}
