// SPDX-License-Identifier: MIT
/*
 * Sharing the CPU's virtualization with the in-tree KVM: guests on the device under test
 * keep running, with correct results, while VMs on the in-tree KVM (OKVM_REF_DEVICE) are
 * created, run and destroyed beside them. On Linux 6.1, kvm_amd turns SVM on for every
 * CPU with its first VM and off (EFER.SVME and VM_HSAVE_PA cleared) with its last one;
 * it refuses to start where EFER.SVME is already set. Both directions are exercised.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define REF_CYCLES	12

static int open_ref(int *fd)
{
	const char *ref = getenv("OKVM_REF_DEVICE");

	if (!ref || !*ref || !strcmp(ref, kvm_device))
		return skip("no in-tree KVM beside %s (the vm tier sets OKVM_REF_DEVICE "
			    "when both are loaded)", kvm_device);
	*fd = open(ref, O_RDWR | O_CLOEXEC);
	if (*fd < 0)
		return fail("open %s: %s", ref, strerror(errno));
	return 0;
}

/*
 * The harness creates VMs on the global kvm_sys; point it at the in-tree KVM for one
 * creation. Only one thread creates VMs at any time in these tests.
 */
static int ref_vm_create(int ref_fd, struct vm *vm, struct vcpu *v)
{
	int dut = kvm_sys, r;

	kvm_sys = ref_fd;
	r = vm_create(vm);
	if (!r)
		r = vcpu_create(vm, v, 0);
	kvm_sys = dut;
	return r;
}

static void vm_destroy(struct vm *vm, struct vcpu *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	close(vm->fd);
	munmap(vm->mem, vm->mem_size);
}

/* The classic real-mode loop on a VM: five OUTs of 0x30.. then HLT, all checked. */
static int run_pio_guest(struct vm *vm, struct vcpu *v, const char *which)
{
	uint64_t data;
	int i;

	load_blob(vm, CODE_GPA, BLOB_g_rm_pio);
	MUST(setup_real(v, CODE_GPA));
	for (i = 0; i < 5; i++) {
		MUST(run_expect_io(v, KVM_EXIT_IO_OUT, PORT_LOOP, 1, &data));
		CHECK(data == 0x30u + i, "%s: OUT #%d wrote %#llx, expected %#x", which, i,
		      (unsigned long long)data, 0x30 + i);
	}
	return run_expect(v, KVM_EXIT_HLT);
}

struct counter_loop {
	struct vcpu *v;
	int stop;
	unsigned long rounds;
	char err[200];
};

/* Run the counting guest again and again until told to stop; check every exit. */
static void *counter_loop_thread(void *arg)
{
	struct counter_loop *c = arg;
	struct kvm_run *run = c->v->run;
	struct kvm_regs r;
	uint16_t val;
	int i;

	while (!__atomic_load_n(&c->stop, __ATOMIC_SEQ_CST)) {
		if (ioctl(c->v->fd, KVM_GET_REGS, &r) < 0) {
			snprintf(c->err, sizeof(c->err), "KVM_GET_REGS: %s", errno_name(errno));
			return NULL;
		}
		r.rip = CODE_GPA;
		r.rbx = 0x4000;
		r.rsi = DATA_GPA;
		if (ioctl(c->v->fd, KVM_SET_REGS, &r) < 0) {
			snprintf(c->err, sizeof(c->err), "KVM_SET_REGS: %s", errno_name(errno));
			return NULL;
		}
		for (i = 0; i <= COUNTER_ITER; i++) {
			if (ioctl(c->v->fd, KVM_RUN, 0) < 0) {
				snprintf(c->err, sizeof(c->err), "round %lu: KVM_RUN: %s",
					 c->rounds, errno_name(errno));
				return NULL;
			}
			if (i == COUNTER_ITER) {
				if (run->exit_reason != KVM_EXIT_HLT)
					snprintf(c->err, sizeof(c->err), "round %lu: last exit %s",
						 c->rounds, exit_desc(c->v));
				break;
			}
			memcpy(&val, (uint8_t *)run + run->io.data_offset, 2);
			if (run->exit_reason != KVM_EXIT_IO || run->io.port != PORT_COUNT ||
			    val != (uint16_t)(0x4000 + i)) {
				snprintf(c->err, sizeof(c->err), "round %lu, exit %d: %s, data %#x",
					 c->rounds, i, exit_desc(c->v), val);
				return NULL;
			}
		}
		if (c->err[0])
			return NULL;
		__atomic_add_fetch(&c->rounds, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* In-tree KVM VMs come and go, REF_CYCLES times, while a guest here keeps running. */
static int t_coexist_ref_vms_come_and_go(void)
{
	struct counter_loop c = { 0 };
	struct vm vm, rvm;
	struct vcpu v, rv;
	unsigned long before;
	pthread_t th;
	int ref_fd, i, r = T_PASS;

	MUST(open_ref(&ref_fd));
	MUST(vm_create(&vm));
	MUST(vcpu_create(&vm, &v, 0));
	load_blob(&vm, CODE_GPA, BLOB_g_count);
	MUST(setup_real(&v, CODE_GPA));
	c.v = &v;
	if (pthread_create(&th, NULL, counter_loop_thread, &c))
		return fail("pthread_create failed");
	for (i = 0; i < REF_CYCLES && r == T_PASS; i++) {
		before = __atomic_load_n(&c.rounds, __ATOMIC_SEQ_CST);
		r = ref_vm_create(ref_fd, &rvm, &rv);
		if (r == T_PASS)
			r = run_pio_guest(&rvm, &rv, "in-tree KVM guest");
		if (r == T_PASS)
			vm_destroy(&rvm, &rv);
		/* The guest here must make progress in every cycle. */
		while (r == T_PASS && !c.err[0] &&
		       __atomic_load_n(&c.rounds, __ATOMIC_SEQ_CST) == before)
			usleep(1000);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	if (r != T_PASS)
		return r;	/* the failing step recorded why */
	CHECK(!c.err[0], "guest on %s while in-tree KVM VMs came and went: %s", kvm_device,
	      c.err);
	CHECK(c.rounds >= REF_CYCLES, "guest on %s made only %lu rounds", kvm_device, c.rounds);
	return T_PASS;
}

/*
 * A VM here created and run while the in-tree KVM holds SVM (its VM exists), then run
 * again after the in-tree KVM let go of it (6.1: EFER.SVME and VM_HSAVE_PA cleared).
 */
static int t_coexist_after_ref_owner(void)
{
	struct vm vm, rvm;
	struct vcpu v, rv;
	int ref_fd;

	MUST(open_ref(&ref_fd));
	MUST(ref_vm_create(ref_fd, &rvm, &rv));
	MUST(run_pio_guest(&rvm, &rv, "in-tree KVM guest"));
	MUST(vm_create(&vm));
	MUST(vcpu_create(&vm, &v, 0));
	MUST(run_pio_guest(&vm, &v, "guest while the in-tree KVM holds SVM"));
	vm_destroy(&rvm, &rv);
	MUST(run_pio_guest(&vm, &v, "guest after the in-tree KVM released SVM"));
	/* And the in-tree KVM can start again while this VM exists. */
	MUST(ref_vm_create(ref_fd, &rvm, &rv));
	MUST(run_pio_guest(&rvm, &rv, "in-tree KVM guest beside a live VM"));
	vm_destroy(&rvm, &rv);
	return T_PASS;
}

const struct test coexist_tests[] = {
	{ "coexist_ref_vms_come_and_go", t_coexist_ref_vms_come_and_go },
	{ "coexist_after_ref_owner", t_coexist_after_ref_owner },
	{ NULL, NULL },
};
