// SPDX-License-Identifier: MIT
/*
 * A host NMI that arrives while an okvm guest runs ends the guest (NMI exiting) and must
 * reach the host's NMI handler all the same: okvm raises it again after the exit.
 * One thread spins a guest on CPU 0 (a loop without exits); another, on CPU 1, asks the
 * kernel for an all-CPU backtrace (sysrq l), which the kernel sends as NMIs. CPU 0's
 * NMI count (/proc/interrupts) must grow and the kernel must print its backtrace.
 * Needs two CPUs (tests/vmx/run --smp 2); SKIP otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#define MEM_SIZE	0x10000

static int vcpu_fd;
static volatile int entered, stop;

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* Runs the spinning guest on CPU 0 until told to stop (a signal ends KVM_RUN). */
static void *vcpu_thread(void *arg)
{
	(void)arg;
	if (pin(0))
		return NULL;
	while (!stop) {
		entered = 1;
		if (ioctl(vcpu_fd, KVM_RUN, 0) < 0 && errno != EINTR)
			break;
	}
	return NULL;
}

/* CPU 0's count in the NMI row of /proc/interrupts, or -1. */
static long nmi_count_cpu0(void)
{
	char line[512];
	long n = -1;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		while (*p == ' ')
			p++;
		if (!strncmp(p, "NMI:", 4)) {
			n = strtol(p + 4, NULL, 10);
			break;
		}
	}
	fclose(f);
	return n;
}

static int saved_level = 5;

/* Set the console log level (the first field of /proc/sys/kernel/printk). */
static void printk_level(int level)
{
	FILE *f = fopen("/proc/sys/kernel/printk", "r+");

	if (!f)
		return;
	if (level == 1 && fscanf(f, "%d", &saved_level) != 1)
		saved_level = 5;
	rewind(f);
	fprintf(f, "%d\n", level);
	fclose(f);
}

/* okvm's count of NMI exits it raised again for the host, or -1. */
static long okvm_nmi_exits(void)
{
	char buf[256], *p;
	long n = -1;
	FILE *f = fopen("/sys/module/okvm/parameters/vmx_cost", "r");

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strstr(buf, "nmi-exits ")))
		n = strtol(p + 10, NULL, 10);
	fclose(f);
	return n;
}

static int kernel_log_has(const char *what)
{
	static char buf[1 << 18];
	int n = klogctl(3, buf, sizeof(buf) - 1);

	if (n < 0)
		return 0;
	buf[n] = 0;
	return strstr(buf, what) != NULL;
}

int main(void)
{
	/* Real mode at 0: jmp . */
	static const unsigned char code[] = { 0xeb, 0xfe };
	const char *dev = getenv("OKVM_DEVICE");
	struct kvm_userspace_memory_region slot = { 0 };
	struct kvm_sregs s;
	struct kvm_regs r;
	struct sigaction sa;
	pthread_t th;
	long before, after, exits_before, exits_after;
	void *mem;
	int sys, vm, fd;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("SKIP nmi/host_nmi_during_guest: needs two CPUs (tests/vmx/run --smp 2)\n");
		return 0;
	}
	sys = open(dev ? dev : "/dev/okvm", O_RDWR | O_CLOEXEC);
	vm = sys < 0 ? -1 : ioctl(sys, KVM_CREATE_VM, 0);
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm < 0 || mem == MAP_FAILED) {
		printf("FAIL nmi/setup: VM: %s\n", strerror(errno));
		return 1;
	}
	memcpy(mem, code, sizeof(code));
	slot.memory_size = MEM_SIZE;
	slot.userspace_addr = (unsigned long)mem;
	vcpu_fd = -1;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) ||
	    (vcpu_fd = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0 || ioctl(vcpu_fd, KVM_GET_SREGS, &s)) {
		printf("FAIL nmi/setup: vcpu: %s\n", strerror(errno));
		return 1;
	}
	s.cs.base = 0;
	s.cs.selector = 0;
	memset(&r, 0, sizeof(r));
	r.rflags = 2;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &s) || ioctl(vcpu_fd, KVM_SET_REGS, &r)) {
		printf("FAIL nmi/setup: registers: %s\n", strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	if (pin(1) || pthread_create(&th, NULL, vcpu_thread, NULL)) {
		printf("FAIL nmi/setup: threads: %s\n", strerror(errno));
		return 1;
	}
	while (!entered)
		usleep(1000);
	usleep(200000);		/* the guest spins on CPU 0 now */

	/*
	 * The backtraces go to the kernel log only: on the console the tier would take them
	 * for a kernel report. console_loglevel 1 for the moment, then back.
	 */
	printk_level(1);
	before = nmi_count_cpu0();
	exits_before = okvm_nmi_exits();
	fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "l", 1) != 1) {
		printk_level(saved_level);
		printf("SKIP nmi/host_nmi_during_guest: no /proc/sysrq-trigger (%s)\n", strerror(errno));
		stop = 1;
		pthread_kill(th, SIGUSR1);
		pthread_join(th, NULL);
		return 0;
	}
	close(fd);
	usleep(500000);
	after = nmi_count_cpu0();
	exits_after = okvm_nmi_exits();
	printk_level(saved_level);
	stop = 1;
	pthread_kill(th, SIGUSR1);
	pthread_join(th, NULL);

	if (before >= 0 && after > before && kernel_log_has("NMI backtrace for cpu 0")) {
		printf("PASS nmi/host_nmi_during_guest\n");
	} else {
		printf("FAIL nmi/host_nmi_during_guest: CPU 0's NMI count %ld -> %ld, backtrace for cpu 0 %s\n",
		       before, after, kernel_log_has("NMI backtrace for cpu 0") ? "printed" : "missing");
		return 1;
	}
	/* Where the NMI found CPU 0 is up to timing; say when it was not in the guest. */
	if (exits_before < 0)
		printf("SKIP nmi/nmi_exit_raised_again: not okvm's VMX backend (no vmx_cost)\n");
	else if (exits_after > exits_before)
		printf("PASS nmi/nmi_exit_raised_again\n");
	else
		printf("SKIP nmi/nmi_exit_raised_again: the NMI found CPU 0 outside the guest this time\n");
	return 0;
}
