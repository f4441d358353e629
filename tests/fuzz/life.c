// SPDX-License-Identifier: MIT
/*
 * Lifetimes: SIGKILL of a process whose vcpus are in KVM_RUN, closing the VM
 * fd while vcpus run, munmap of slot memory under a running guest, module
 * unload refused while anything holds a VM and clean after, and many VM
 * create/destroy cycles with the slab and free memory counters back where
 * they started.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

/* Guest code (long mode, at CODE_GPA). */
static const uint8_t g_spin[] = { 0xeb, 0xfe };				/* jmp $ */
static const uint8_t g_hlt[] = { 0xf4, 0xeb, 0xfd };			/* hlt; jmp back */
static const uint8_t g_out[] = { 0xe6, 0x10, 0xeb, 0xfc };		/* out 0x10,al; jmp back */
/* inc qword [0x100000]; jmp back */
static const uint8_t g_inc[] = { 0x48, 0xff, 0x04, 0x25, 0x00, 0x00, 0x10, 0x00, 0xeb, 0xf6 };

struct runner {
	pthread_t t;
	struct vcpu v;
	volatile int stop, entered, last_errno, retry_fault;
	volatile uint32_t last_exit;
};

static void nop_handler(int sig)
{
	(void)sig;
}

static void *runner_main(void *arg)
{
	struct runner *r = arg;

	while (!r->stop) {
		r->entered = 1;
		if (ioctl(r->v.fd, OKVM_RUN, 0)) {
			r->last_errno = errno;
			if (errno == EFAULT && r->retry_fault) {
				usleep(1000);	/* the slot's memory is being replaced */
				continue;
			}
			if (errno != EINTR && errno != EAGAIN)
				break;
		} else {
			r->last_exit = r->v.run->exit_reason;
			if (r->last_exit != OKVM_EXIT_IO && r->last_exit != OKVM_EXIT_HLT &&
			    r->last_exit != OKVM_EXIT_MMIO)
				break;
		}
	}
	r->entered = 2;
	return NULL;
}

static int vm_with_code(struct vm *vm, const uint8_t *code, size_t n)
{
	if (vm_make(vm, dev_path))
		return -1;
	memcpy(vm->mem + CODE_GPA, code, n);
	return 0;
}

static int start_runner(struct vm *vm, struct runner *r, int id)
{
	memset(r, 0, sizeof(*r));
	if (vcpu_make(vm, &r->v, id) || set_cpuid(vm->sys, r->v.fd) ||
	    vcpu_setup(vm, &r->v, MODE_LONG, CODE_GPA))
		return -1;
	return pthread_create(&r->t, NULL, runner_main, r);
}

/* Stop a runner: ask, kick until it leaves KVM_RUN; 0 when it ended within ms. */
static int stop_runner(struct runner *r, int ms)
{
	uint64_t t0 = now_ms();

	r->stop = 1;
	while (r->entered != 2) {
		pthread_kill(r->t, SIGUSR1);
		if (now_ms() - t0 > (uint64_t)ms)
			return -1;
		usleep(1000);
	}
	pthread_join(r->t, NULL);
	return 0;
}

/* ---- SIGKILL in KVM_RUN ---- */

static int sigkill_case(const uint8_t *code, size_t n, int nvcpu, char *why, size_t len)
{
	int pfd[2], st, i;
	pid_t pid;
	char c;
	uint64_t t0;

	if (pipe(pfd))
		return snprintf(why, len, "pipe: %s", strerror(errno)), -1;
	pid = fork();
	if (pid == 0) {
		struct runner r[8];
		struct vm vm;

		close(pfd[0]);
		if (vm_with_code(&vm, code, n))
			_exit(3);
		for (i = 0; i < nvcpu; i++)
			if (start_runner(&vm, &r[i], i))
				_exit(4);
		for (i = 0; i < nvcpu; i++)
			while (!r[i].entered)
				usleep(1000);
		usleep(20000);
		if (write(pfd[1], "r", 1) != 1)
			_exit(5);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1) {
		waitpid(pid, &st, 0);
		close(pfd[0]);
		return snprintf(why, len, "the child did not start its vcpus (status %#x)", st), -1;
	}
	close(pfd[0]);
	usleep(30000);
	kill(pid, SIGKILL);
	t0 = now_ms();
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now_ms() - t0 > 30000)
			return snprintf(why, len, "the killed process did not exit in 30 s (stuck in KVM_RUN)"), -1;
		usleep(2000);
	}
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		return snprintf(why, len, "the child ended with status %#x, not SIGKILL", st), -1;
	return 0;
}

static void t_sigkill(void)
{
	static const struct { const char *name; const uint8_t *code; size_t n; } g[] = {
		{ "spin", g_spin, sizeof(g_spin) }, { "hlt", g_hlt, sizeof(g_hlt) },
		{ "pio", g_out, sizeof(g_out) }, { "store", g_inc, sizeof(g_inc) },
	};
	static const int counts[] = { 1, 2, 4 };
	char why[256], name[64];
	unsigned i, j;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		for (j = 0; j < 3; j++) {
			snprintf(name, sizeof(name), "life/sigkill-in-run-%s-%dvcpu", g[i].name, counts[j]);
			if (sigkill_case(g[i].code, g[i].n, counts[j], why, sizeof(why)))
				result_fail(name, "%s", why);
			else
				result_pass(name);
		}
}

/* ---- closing fds under running vcpus ---- */

static void t_close_vm_while_running(void)
{
	const char *name = "life/close-vm-fd-while-running";
	struct runner r[2];
	struct vm vm;
	int i;

	if (vm_with_code(&vm, g_spin, sizeof(g_spin)))
		return result_fail(name, "cannot make a VM: %s", strerror(errno));
	for (i = 0; i < 2; i++)
		if (start_runner(&vm, &r[i], i))
			return result_fail(name, "cannot start vcpu %d: %s", i, strerror(errno));
	for (i = 0; i < 2; i++)
		while (!r[i].entered)
			usleep(1000);
	usleep(20000);
	/* The VM and system fds go; the vcpus hold the VM. */
	close(vm.fd);
	close(vm.sys);
	usleep(50000);
	/* Closing a vcpu fd while its thread is in KVM_RUN: the call holds the file. */
	close(r[1].v.fd);
	usleep(20000);
	for (i = 0; i < 2; i++)
		if (stop_runner(&r[i], 20000))
			return result_fail(name, "vcpu %d did not leave KVM_RUN within 20 s after a signal", i);
	if (ioctl(r[1].v.fd, OKVM_RUN, 0) != -1 || errno != EBADF)
		return result_fail(name, "KVM_RUN on the closed vcpu fd did not fail with EBADF");
	/* vcpu 0 still works after its VM fd went: it runs until kicked. */
	r[0].stop = 0;
	r[0].entered = 0;
	pthread_create(&r[0].t, NULL, runner_main, &r[0]);
	while (!r[0].entered)
		usleep(1000);
	usleep(20000);
	if (stop_runner(&r[0], 20000))
		return result_fail(name, "vcpu 0 did not leave KVM_RUN (second time)");
	if (r[0].last_errno != EINTR)
		return result_fail(name, "KVM_RUN of a vcpu whose VM fd is closed: %s, expected EINTR from the kick",
				   strerror(r[0].last_errno));
	vcpu_free(&r[0].v);
	munmap(r[1].v.run, r[1].v.run_size);
	munmap(vm.map, RAM_SIZE + 2 * 4096 + RO_SIZE + 2 * 4096);
	result_pass(name);
}

/* ---- munmap of slot memory under a running guest ---- */

static void t_munmap_slot(int remap)
{
	const char *name = remap ? "life/munmap-remap-slot-while-running" : "life/munmap-slot-while-running";
	uint8_t *page;
	struct runner r;
	struct vm vm;
	uint64_t before;

	if (vm_with_code(&vm, g_inc, sizeof(g_inc)))
		return result_fail(name, "cannot make a VM: %s", strerror(errno));
	if (start_runner(&vm, &r, 0))
		return result_fail(name, "cannot start the vcpu: %s", strerror(errno));
	r.retry_fault = remap;
	while (*(volatile uint64_t *)(vm.mem + 0x100000) < 100 && r.entered != 2)
		usleep(1000);
	if (r.entered == 2)
		return result_fail(name, "the guest stopped before the munmap: exit %s errno %d",
				   exit_name(r.last_exit), r.last_errno);
	page = vm.mem + 0x100000;
	before = *(volatile uint64_t *)page;
	if (munmap(page, 0x100000))
		return result_fail(name, "munmap: %s", strerror(errno));
	if (remap && mmap(page, 0x100000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			  -1, 0) != page)
		return result_fail(name, "mmap MAP_FIXED: %s", strerror(errno));
	usleep(200000);
	if (stop_runner(&r, 20000))
		return result_fail(name, "the vcpu did not leave KVM_RUN within 20 s");
	if (remap) {
		/* The guest's stores land in the new memory (or the vcpu stopped with an error). */
		if (*(volatile uint64_t *)page == 0)
			return result_fail(name, "the new mapping saw none of the guest's stores in 200 ms "
					   "(old count %llu; last errno %d, exit %s): does it still write the "
					   "unmapped pages?", (unsigned long long)before, r.last_errno,
					   exit_name(r.last_exit));
	} else {
		/* Accesses to the hole: KVM_RUN fails (EFAULT) or the guest gets MMIO exits. */
		if (r.last_errno != EFAULT && r.last_errno != EINTR && r.last_exit != OKVM_EXIT_MMIO &&
		    r.last_exit != OKVM_EXIT_INTERNAL_ERROR)
			return result_fail(name, "after the munmap: exit %s errno %s", exit_name(r.last_exit),
					   strerror(r.last_errno));
	}
	printf("life: %s: KVM_RUN ended with errno %d (%s), last exit %s\n", name, r.last_errno,
	       strerror(r.last_errno), exit_name(r.last_exit));
	vcpu_free(&r.v);
	vm_free(&vm);
	result_pass(name);
}

/* ---- module unload ---- */

static int unload(void)
{
	return syscall(SYS_delete_module, "okvm", O_NONBLOCK);
}

static int must_refuse(const char *what, char *why, size_t len)
{
	if (unload() == 0) {
		snprintf(why, len, "okvm unloaded while %s", what);
		return -1;
	}
	if (errno != EWOULDBLOCK && errno != EBUSY) {
		snprintf(why, len, "unload while %s failed with %s, expected EWOULDBLOCK or EBUSY", what,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* After the unload, VM_HSAVE_PA is on every CPU what it was before okvm's first guest. */
static void hsave_after_unload(void)
{
	const char *name = "life/unload-restores-vm-hsave-pa";
	FILE *f = fopen(HSAVE_SAVE, "r");
	unsigned long long want, got;
	char p[64];
	int c, ok, fd, n = 0;

	if (!f)
		return result_skip(name, "no host MSR readings from the guest part (no /dev/cpu/N/msr)");
	while (fscanf(f, "%d %d %llx", &c, &ok, &want) == 3) {
		if (!ok)
			continue;
		snprintf(p, sizeof(p), "/dev/cpu/%d/msr", c);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || pread(fd, &got, 8, 0xc0010117) != 8) {
			fclose(f);
			return result_fail(name, "cannot read VM_HSAVE_PA of CPU %d", c);
		}
		close(fd);
		if (got != want) {
			fclose(f);
			return result_fail(name, "CPU %d VM_HSAVE_PA is %#llx after okvm unloaded, %#llx before "
					   "its guests (a freed page left in the MSR)", c, got, want);
		}
		n++;
	}
	fclose(f);
	printf("life: %s: %d CPUs as before\n", name, n);
	result_pass(name);
}

static void t_unload(void)
{
	const char *name = "life/unload-refused-while-held";
	struct vcpu v;
	struct vm vm;
	char why[256];
	int fd, sys;

	if (strcmp(dev_path, "/dev/okvm"))
		return result_skip(name, "the device under test is %s, not okvm", dev_path);
	if (vm_with_code(&vm, g_hlt, sizeof(g_hlt)) || vcpu_make(&vm, &v, 0))
		return result_fail(name, "cannot make a VM: %s", strerror(errno));
	if (must_refuse("a VM, a vcpu and the system fd are open", why, sizeof(why)))
		return result_fail(name, "%s", why);
	close(vm.sys);
	close(vm.fd);
	if (must_refuse("a vcpu fd is open (VM and system fds closed)", why, sizeof(why)))
		return result_fail(name, "%s", why);
	close(v.fd);
	if (must_refuse("a vcpu's kvm_run page is mapped (all fds closed)", why, sizeof(why)))
		return result_fail(name, "%s", why);
	munmap(v.run, v.run_size);
	sys = dev_open(dev_path);
	if (must_refuse("only the system fd is open", why, sizeof(why)))
		return result_fail(name, "%s", why);
	close(sys);
	result_pass(name);

	name = "life/unload-clean-and-reload";
	usleep(100000);	/* fput of the last file is deferred */
	if (unload())
		return result_fail(name, "okvm did not unload after every fd and mapping was gone: %s",
				   strerror(errno));
	fd = open("/modules/okvm.ko", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0))
		return result_fail(name, "reloading /modules/okvm.ko: %s", strerror(errno));
	close(fd);
	usleep(200000);
	sys = dev_open(dev_path);
	if (sys < 0 || ioctl(sys, OKVM_GET_API_VERSION, 0) != OKVM_API_VERSION)
		return result_fail(name, "%s after the reload: %s", dev_path, strerror(errno));
	close(sys);
	result_pass(name);
	hsave_after_unload();
}

/* ---- create/destroy cycles and the memory counters ---- */

/* Bytes in slab objects (active objects times object size, all caches). */
static long long slab_bytes(char *top, size_t len, long long *per, char names[][32], int *n)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512], nm[32];
	long long total = 0, act, num, size;
	int k = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %lld %lld %lld", nm, &act, &num, &size) != 4)
			continue;
		total += act * size;
		if (per && k < 400) {
			per[k] = act * size;
			memcpy(names[k], nm, 32);
			k++;
		}
	}
	fclose(f);
	if (n)
		*n = k;
	(void)top;
	(void)len;
	return total;
}

static long long mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static void settle(void)
{
	int fd;

	usleep(300000);	/* RCU-deferred frees */
	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			printf("life: drop_caches: %s\n", strerror(errno));
		close(fd);
	}
	usleep(300000);
}

/* One VM with a slot and a vcpu, run once in a while; held != 0: not destroyed. */
static int cycle(int sys, int i, int *held_fds)
{
	static uint8_t *mem;
	struct okvm_userspace_memory_region m = { 0 };
	struct okvm_run *run;
	int vm, vcpu, size;

	if (!mem) {
		mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		mem[0] = 0xf4;	/* hlt at the real-mode reset address after we set CS:IP */
	}
	vm = ioctl(sys, OKVM_CREATE_VM, 0);
	if (vm < 0)
		return -1;
	m.memory_size = 0x10000;
	m.userspace_addr = (uintptr_t)mem;
	vcpu = -1;
	if (ioctl(vm, OKVM_SET_USER_MEMORY_REGION, &m) || (vcpu = ioctl(vm, OKVM_CREATE_VCPU, 0)) < 0) {
		close(vm);
		return -1;
	}
	size = ioctl(sys, OKVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run != MAP_FAILED && i % 16 == 0) {
		struct okvm_sregs s;
		struct okvm_regs r = { .rip = 0, .rflags = 2 };

		ioctl(vcpu, OKVM_GET_SREGS, &s);
		s.cs.base = 0;
		s.cs.selector = 0;
		ioctl(vcpu, OKVM_SET_SREGS, &s);
		ioctl(vcpu, OKVM_SET_REGS, &r);
		ioctl(vcpu, OKVM_RUN, 0);
	}
	if (run != MAP_FAILED)
		munmap(run, size);
	if (held_fds) {
		held_fds[0] = vm;
		held_fds[1] = vcpu;
		return 0;
	}
	if (i & 1) {	/* both orders */
		close(vm);
		close(vcpu);
	} else {
		close(vcpu);
		close(vm);
	}
	return 0;
}

struct counts { long long slab, avail; };

static int leak_run(int sys, int n, int hold_every, struct counts *d, char *top, size_t len)
{
	static long long per0[400], per1[400];
	static char names0[400][32], names1[400][32];
	struct counts a, b;
	int i, n0, n1, *held = NULL, nh = 0, best = -1;
	long long bestd = 0;

	if (hold_every)
		held = calloc(n, 2 * sizeof(int));
	settle();
	a.slab = slab_bytes(NULL, 0, per0, names0, &n0);
	a.avail = mem_available();
	for (i = 0; i < n; i++) {
		int h = hold_every && i % hold_every == 0;

		if (cycle(sys, i, h ? held + 2 * nh : NULL))
			return -1;
		nh += h;
	}
	settle();
	b.slab = slab_bytes(NULL, 0, per1, names1, &n1);
	b.avail = mem_available();
	d->slab = b.slab - a.slab;
	d->avail = a.avail - b.avail;
	for (i = 0; i < n0 && i < n1; i++)
		if (!strcmp(names0[i], names1[i]) && per1[i] - per0[i] > bestd) {
			bestd = per1[i] - per0[i];
			best = i;
		}
	snprintf(top, len, "largest growth: %s +%lld bytes", best >= 0 ? names1[best] : "-", bestd);
	for (i = 0; i < nh; i++) {
		close(held[2 * i + 1]);
		close(held[2 * i]);
	}
	free(held);
	return 0;
}

/*
 * Tolerance: slab 256 KiB of noise plus 32 bytes per cycle (any object leaked per
 * cycle is bigger than that with slub_debug's red zones, so it shows); free memory
 * 2 MiB plus 1 KiB per cycle (a page leaked per cycle is four times that).
 */
static long long quarantine;	/* KASAN keeps freed memory back: up to 1/32 of RAM */
static long long slab_tol(int n) { return 256 * 1024 + 32LL * n + quarantine; }
static long long avail_tol(int n) { return 2 * 1024 * 1024 + 1024LL * n + quarantine; }

static void t_cycles(int n)
{
	char name[64], top[128];
	struct counts d;
	uint64_t t0;
	int sys = dev_open(dev_path), i;

	snprintf(name, sizeof(name), "life/create-destroy-%d", n);
	if (sys < 0)
		return result_fail(name, "open %s: %s", dev_path, strerror(errno));
	if (slab_bytes(NULL, 0, NULL, NULL, NULL) < 0 || mem_available() < 0)
		return result_skip(name, "no /proc/slabinfo or MemAvailable");
	/*
	 * The debug kernel (kmemleak in debugfs) has KASAN, whose quarantine holds freed
	 * objects back (they still count in slabinfo): there both counters are loose checks
	 * and kmemleak (the vm runner scans after the module is unloaded) is the leak check.
	 */
	if (access("/sys/kernel/debug/kmemleak", F_OK) == 0) {
		FILE *f = fopen("/proc/meminfo", "r");
		long long kb = 0;

		if (f) {
			if (fscanf(f, "MemTotal: %lld kB", &kb) != 1)
				kb = 0;
			fclose(f);
		}
		quarantine = kb * 1024 / 32;
	}
	/* Warm-up: caches and per-cpu lists reach their working size. */
	for (i = 0; i < 100; i++)
		if (cycle(sys, i, NULL))
			return result_fail(name, "cycle %d: %s", i, strerror(errno));

	/* Self-check: holding every other VM must show as growth. */
	if (leak_run(sys, 600, 2, &d, top, sizeof(top)))
		return result_fail(name, "self-check cycle failed: %s", strerror(errno));
	printf("life: self-check: 300 VMs held over 600 cycles: slab %+lld bytes, MemAvailable %+lld bytes\n",
	       d.slab, -d.avail);
	if (d.slab <= slab_tol(600) && d.avail <= avail_tol(600))
		result_fail("life/leak-check-selfcheck",
			    "holding 300 VMs changed slab by %lld and MemAvailable by %lld bytes: within the "
			    "tolerance, so the leak check could not see a leak", d.slab, -d.avail);
	else
		result_pass("life/leak-check-selfcheck");

	t0 = now_ms();
	if (leak_run(sys, n, 0, &d, top, sizeof(top)))
		return result_fail(name, "a cycle failed: %s", strerror(errno));
	printf("life: %d cycles in %llu ms: slab %+lld bytes (tolerance %lld), MemAvailable %+lld bytes "
	       "(tolerance %lld); %s\n", n, (unsigned long long)(now_ms() - t0), d.slab, slab_tol(n),
	       -d.avail, avail_tol(n), top);
	if (d.slab > slab_tol(n))
		result_fail(name, "slab grew by %lld bytes over %d cycles (tolerance %lld; %s)", d.slab, n,
			    slab_tol(n), top);
	else if (d.avail > avail_tol(n))
		result_fail(name, "MemAvailable fell by %lld bytes over %d cycles (tolerance %lld)", d.avail, n,
			    avail_tol(n));
	else
		result_pass(name);
	close(sys);
}

/* okvm-fuzz life [--cycles N] | life --unload */
int cmd_life(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = nop_handler };

	sigaction(SIGUSR1, &sa, NULL);
	if (opt_flag(argc, argv, "--unload")) {
		t_unload();
		return 0;
	}
	t_sigkill();
	t_close_vm_while_running();
	t_munmap_slot(0);
	t_munmap_slot(1);
	t_cycles(opt_u64(argc, argv, "--cycles", 2000));
	return 0;
}
