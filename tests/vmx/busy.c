// SPDX-License-Identifier: MIT
/*
 * okvm beside the in-tree kvm_intel (Linux 6.1 semantics: kvm_intel takes VMX, i.e.
 * VMXON on every CPU, with its first VM and gives it back with its last). okvm enters
 * VMX operation only around each guest entry, so:
 *  - kvm_intel is never locked out by okvm VMs;
 *  - while kvm_intel holds VMX, okvm refuses CREATE_VM (EBUSY) and a KVM_RUN ends in
 *    FAIL_ENTRY, with a kernel message saying what to do;
 *  - once kvm_intel lets go, okvm guests run again.
 * Linux 6.12 and later with kvm.enable_virt_at_load=1: kvm_intel holds VMX from load, so
 * okvm refuses until kvm_intel is unloaded; the test unloads it, runs a guest and loads it
 * again from /modules/kvm-intel.ko (the vmx tier's initramfs).
 * Runs in the vmx tier's guest with OKVM_DEVICE (okvm) and OKVM_REF_DEVICE (kvm_intel).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kvm.h>

#define MEM_SIZE	0x10000

static int failures;

static void result(int ok, const char *name, const char *why)
{
	if (ok) {
		printf("PASS busy/%s\n", name);
	} else {
		printf("FAIL busy/%s: %s\n", name, why);
		failures++;
	}
	fflush(stdout);
}

struct guest {
	int vm, vcpu;
	struct kvm_run *run;
	long run_size;
	void *mem;
};

/* A real-mode guest at 0: out 0x10, al; hlt. */
static int guest_create(int sys, struct guest *g)
{
	static const unsigned char code[] = { 0xe6, 0x10, 0xf4 };
	struct kvm_userspace_memory_region slot = { 0 };
	long size;

	g->vm = ioctl(sys, KVM_CREATE_VM, 0);
	if (g->vm < 0)
		return -errno;
	g->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED)
		return -ENOMEM;
	memcpy(g->mem, code, sizeof(code));
	slot.memory_size = MEM_SIZE;
	slot.userspace_addr = (unsigned long)g->mem;
	if (ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &slot))
		return -errno;
	g->vcpu = ioctl(g->vm, KVM_CREATE_VCPU, 0);
	if (g->vcpu < 0)
		return -errno;
	size = ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return -EINVAL;
	g->run_size = size;
	g->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu, 0);
	return g->run == MAP_FAILED ? -ENOMEM : 0;
}

/* Every reference goes, the mappings too: kvm_intel leaves VMX with its last VM. */
static void guest_destroy(struct guest *g)
{
	munmap(g->run, g->run_size);
	munmap(g->mem, MEM_SIZE);
	close(g->vcpu);
	close(g->vm);
}

/* Start over at 0 in real mode and run to the OUT; the exit reason, or -errno. */
static int guest_run(struct guest *g)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (ioctl(g->vcpu, KVM_GET_SREGS, &s))
		return -errno;
	s.cs.base = 0;
	s.cs.selector = 0;
	if (ioctl(g->vcpu, KVM_SET_SREGS, &s))
		return -errno;
	memset(&r, 0, sizeof(r));
	r.rflags = 2;
	r.rax = 0x5a;
	if (ioctl(g->vcpu, KVM_SET_REGS, &r))
		return -errno;
	if (ioctl(g->vcpu, KVM_RUN, 0))
		return -errno;
	return g->run->exit_reason;
}

static int out_ok(struct guest *g, int reason)
{
	return reason == KVM_EXIT_IO && g->run->io.port == 0x10 &&
	       ((unsigned char *)g->run)[g->run->io.data_offset] == 0x5a;
}

static int kernel_log_has(const char *what)
{
	static char buf[1 << 17];
	int n = klogctl(3, buf, sizeof(buf) - 1);	/* SYSLOG_ACTION_READ_ALL */

	if (n < 0)
		return 0;
	buf[n] = 0;
	return strstr(buf, what) != NULL;
}

/* kvm.enable_virt_at_load=1 (6.12+): kvm_intel holds VMX from the moment it loads. */
static int virt_at_load(void)
{
	FILE *f = fopen("/sys/module/kvm/parameters/enable_virt_at_load", "r");
	int c = f ? fgetc(f) : 'N';

	if (f)
		fclose(f);
	return c == 'Y' || c == '1';
}

static int virt_at_load_case(int osys)
{
	struct guest og;
	char why[160];
	int vm, r, fd;

	vm = ioctl(osys, KVM_CREATE_VM, 0);
	snprintf(why, sizeof(why), "okvm CREATE_VM beside kvm_intel with enable_virt_at_load=1: %s, expected EBUSY",
		 vm >= 0 ? "succeeded" : strerror(errno));
	result(vm < 0 && errno == EBUSY, "okvm_create_vm_refused_virt_at_load", why);
	if (vm >= 0)
		close(vm);
	result(kernel_log_has("unload kvm_intel") && kernel_log_has("enable_virt_at_load=0"),
	       "refusal_says_what_to_do", "no kernel message naming kvm_intel and enable_virt_at_load=0");

	/* The advice works: without kvm_intel, okvm runs. */
	r = syscall(SYS_delete_module, "kvm_intel", O_NONBLOCK);
	snprintf(why, sizeof(why), "rmmod kvm_intel: %s", strerror(errno));
	result(r == 0, "unload_kvm_intel", why);
	if (r)
		return 1;
	r = guest_create(osys, &og);
	if (r) {
		snprintf(why, sizeof(why), "okvm VM set-up after unloading kvm_intel: %s", strerror(-r));
		result(0, "okvm_runs_after_unload", why);
	} else {
		r = guest_run(&og);
		snprintf(why, sizeof(why), "okvm guest after unloading kvm_intel: exit %d", r);
		result(out_ok(&og, r), "okvm_runs_after_unload", why);
		guest_destroy(&og);
	}
	fd = open("/modules/kvm-intel.ko", O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -1 : (int)syscall(SYS_finit_module, fd, "", 0);
	snprintf(why, sizeof(why), "load /modules/kvm-intel.ko again: %s", strerror(errno));
	result(r == 0, "reload_kvm_intel", why);
	if (fd >= 0)
		close(fd);
	return failures ? 1 : 0;
}

int main(void)
{
	const char *dut = getenv("OKVM_DEVICE"), *ref = getenv("OKVM_REF_DEVICE");
	struct guest og, kg;
	char why[160];
	int osys, ksys, r, vm;

	if (!dut || !ref || !strcmp(dut, ref)) {
		printf("SKIP busy/all: needs okvm (OKVM_DEVICE) and kvm_intel (OKVM_REF_DEVICE) loaded\n");
		return 0;
	}
	osys = open(dut, O_RDWR | O_CLOEXEC);
	ksys = open(ref, O_RDWR | O_CLOEXEC);
	if (osys < 0 || ksys < 0) {
		printf("FAIL busy/open: %s: %s\n", osys < 0 ? dut : ref, strerror(errno));
		return 1;
	}

	if (virt_at_load()) {
		close(ksys);	/* an open /dev/kvm would keep kvm_intel loaded */
		return virt_at_load_case(osys);
	}

	r = guest_create(osys, &og);
	snprintf(why, sizeof(why), "okvm VM set-up: %s", strerror(-r));
	result(r == 0, "okvm_vm_alone", why);
	if (r)
		return 1;
	r = guest_run(&og);
	snprintf(why, sizeof(why), "exit %d, expected IO port 0x10 data 0x5a", r);
	result(out_ok(&og, r), "okvm_runs_alone", why);

	/* kvm_intel's first VM: it takes VMX on every CPU, okvm's VM notwithstanding. */
	r = guest_create(ksys, &kg);
	snprintf(why, sizeof(why), "kvm_intel VM set-up beside an okvm VM: %s", strerror(-r));
	result(r == 0, "kvm_intel_not_locked_out", why);
	if (r)
		return 1;
	r = guest_run(&kg);
	snprintf(why, sizeof(why), "kvm_intel guest exit %d, expected IO", r);
	result(out_ok(&kg, r), "kvm_intel_runs_beside_okvm_vm", why);

	r = guest_run(&og);
	snprintf(why, sizeof(why), "okvm KVM_RUN while kvm_intel holds VMX: exit %d, expected FAIL_ENTRY (%d)",
		 r, KVM_EXIT_FAIL_ENTRY);
	result(r == KVM_EXIT_FAIL_ENTRY, "okvm_run_refused_while_busy", why);

	vm = ioctl(osys, KVM_CREATE_VM, 0);
	snprintf(why, sizeof(why), "okvm CREATE_VM while kvm_intel holds VMX: %s, expected EBUSY",
		 vm >= 0 ? "succeeded" : strerror(errno));
	result(vm < 0 && errno == EBUSY, "okvm_create_vm_refused_while_busy", why);
	if (vm >= 0)
		close(vm);
	result(kernel_log_has("unload kvm_intel") && kernel_log_has("enable_virt_at_load=0"),
	       "refusal_says_what_to_do", "no kernel message naming kvm_intel and enable_virt_at_load=0");

	/* kvm_intel's last VM goes: it leaves VMX, okvm runs again. */
	guest_destroy(&kg);
	r = guest_run(&og);
	snprintf(why, sizeof(why), "exit %d after kvm_intel let go, expected IO", r);
	result(out_ok(&og, r), "okvm_runs_after_release", why);
	vm = ioctl(osys, KVM_CREATE_VM, 0);
	snprintf(why, sizeof(why), "okvm CREATE_VM after kvm_intel let go: %s", strerror(errno));
	result(vm >= 0, "okvm_create_vm_after_release", why);
	if (vm >= 0)
		close(vm);
	guest_destroy(&og);
	return failures ? 1 : 0;
}
