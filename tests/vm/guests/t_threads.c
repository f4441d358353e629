// SPDX-License-Identifier: MIT
/* Several VMs and vcpus at once; signals, signal masks and immediate_exit. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static uint32_t read32(volatile void *p)
{
	return __atomic_load_n((volatile uint32_t *)p, __ATOMIC_SEQ_CST);
}

/* Wait until the guest counter at p passes `than` (the guest is running). */
static int wait_counter_above(volatile void *p, uint32_t than, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	while (read32(p) <= than) {
		if (now_ms() > end)
			return -1;
		usleep(1000);
	}
	return 0;
}

/* ---- two VMs, four vcpus ---- */

struct counter_job {
	struct vcpu v;
	uint16_t tag;
	uint16_t si;
	pthread_barrier_t *start;
	char err[200];
};

static void *counter_thread(void *arg)
{
	struct counter_job *j = arg;
	struct kvm_run *run = j->v.run;
	struct kvm_regs r;
	int i;

	pthread_barrier_wait(j->start);
	for (i = 0; i < COUNTER_ITER; i++) {
		uint16_t val;

		if (ioctl(j->v.fd, KVM_RUN, 0) < 0) {
			snprintf(j->err, sizeof(j->err), "KVM_RUN #%d: %s", i, errno_name(errno));
			return NULL;
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != PORT_COUNT ||
		    run->io.size != 2 || run->io.direction != KVM_EXIT_IO_OUT) {
			snprintf(j->err, sizeof(j->err), "exit #%d was %s", i, exit_desc(&j->v));
			return NULL;
		}
		memcpy(&val, (uint8_t *)run + run->io.data_offset, 2);
		if (val != (uint16_t)(j->tag + i)) {
			snprintf(j->err, sizeof(j->err), "OUT #%d wrote %#x, expected %#x", i, val,
				 j->tag + i);
			return NULL;
		}
	}
	if (ioctl(j->v.fd, KVM_RUN, 0) < 0 || run->exit_reason != KVM_EXIT_HLT) {
		snprintf(j->err, sizeof(j->err), "final exit was %s, expected HLT",
			 exit_desc(&j->v));
		return NULL;
	}
	if (ioctl(j->v.fd, KVM_GET_REGS, &r) < 0 || (r.rcx & 0xffff) != COUNTER_ITER)
		snprintf(j->err, sizeof(j->err), "cx at HLT was %#llx, expected %#x",
			 (unsigned long long)r.rcx, COUNTER_ITER);
	return NULL;
}

static int t_two_vms_four_vcpus(void)
{
	struct counter_job jobs[4];
	pthread_t th[4];
	pthread_barrier_t start;
	struct vm vms[2];
	struct kvm_regs r;
	int i, k;

	memset(jobs, 0, sizeof(jobs));
	pthread_barrier_init(&start, NULL, 4);
	for (k = 0; k < 2; k++) {
		MUST(vm_create(&vms[k]));
		load_blob(&vms[k], CODE_GPA, BLOB_g_count);
	}
	for (i = 0; i < 4; i++) {
		struct counter_job *j = &jobs[i];

		j->tag = 0x1000 * (i + 1);
		j->si = DATA_GPA + 0x10 * (i % 2);
		j->start = &start;
		MUST(vcpu_create(&vms[i / 2], &j->v, i % 2));
		MUST(setup_real(&j->v, CODE_GPA));
		MUST(get_regs(&j->v, &r));
		r.rbx = j->tag;
		r.rsi = j->si;
		MUST(set_regs(&j->v, &r));
	}
	for (i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, counter_thread, &jobs[i]))
			return fail("pthread_create failed");
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 4; i++)
		if (jobs[i].err[0])
			return fail("VM %d vcpu %d: %s", i / 2, i % 2, jobs[i].err);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 2; i++)
			CHECK(*(uint16_t *)(vms[k].mem + DATA_GPA + 0x10 * i) == COUNTER_ITER,
			      "VM %d: counter of vcpu %d is %u, expected %u", k, i,
			      *(uint16_t *)(vms[k].mem + DATA_GPA + 0x10 * i), COUNTER_ITER);
		CHECK_EQ("memory next to the counters", *mem64(&vms[k], DATA_GPA + 0x20), 0);
	}
	return T_PASS;
}

/* ---- signals ---- */

static volatile sig_atomic_t got_signal;
static struct kvm_run *volatile kick_run;

static void on_usr1(int sig)
{
	(void)sig;
	got_signal++;
}

/* The "kick" documented for immediate_exit: the handler sets it. */
static void on_usr1_kick(int sig)
{
	(void)sig;
	got_signal++;
	if (kick_run)
		kick_run->immediate_exit = 1;
}

static int handle_usr1(void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;	/* no SA_RESTART: KVM_RUN must return */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		return fail("sigaction: %s", strerror(errno));
	return 0;
}

static int spin_vm(struct vm *vm, struct vcpu *v)
{
	MUST(vm_create(vm));
	MUST(vcpu_create(vm, v, 0));
	load_blob(vm, CODE_GPA, BLOB_g_spin);
	return setup_real(v, CODE_GPA);
}

#define ROUNDS 3

struct spin_job {
	struct vcpu *v;
	int ret[ROUNDS + 1], err[ROUNDS + 1];
	uint32_t reason[ROUNDS + 1];
	uint64_t rip[ROUNDS + 1];
	int returned;
	int go;		/* the thread starts round i once go > i */
};

static void *spin_thread(void *arg)
{
	struct spin_job *j = arg;
	struct kvm_regs r;
	int i;

	for (i = 0; i <= ROUNDS; i++) {
		while (__atomic_load_n(&j->go, __ATOMIC_SEQ_CST) <= i)
			usleep(500);
		j->ret[i] = ioctl(j->v->fd, KVM_RUN, 0);
		j->err[i] = errno;
		j->reason[i] = j->v->run->exit_reason;
		j->rip[i] = ioctl(j->v->fd, KVM_GET_REGS, &r) == 0 ? r.rip : 0;
		__atomic_add_fetch(&j->returned, 1, __ATOMIC_SEQ_CST);
		if (j->ret[i] == 0)
			break;
	}
	return NULL;
}

static int wait_returned(struct spin_job *j, int n)
{
	uint64_t end = now_ms() + 20000;

	while (__atomic_load_n(&j->returned, __ATOMIC_SEQ_CST) < n) {
		if (now_ms() > end)
			return -1;
		usleep(1000);
	}
	return 0;
}

static int t_signal_eintr(void)
{
	struct spin_job j;
	struct vm vm;
	struct vcpu v;
	pthread_t th;
	uint32_t seen = 0;
	int i;

	MUST(handle_usr1(on_usr1));
	MUST(spin_vm(&vm, &v));
	memset(&j, 0, sizeof(j));
	j.v = &v;
	j.go = 1;
	if (pthread_create(&th, NULL, spin_thread, &j))
		return fail("pthread_create failed");
	for (i = 0; i < ROUNDS; i++) {
		if (wait_counter_above(vm.mem + SPIN_COUNTER, seen, 20000))
			return fail("round %d: the guest counter did not move (stuck at %u)", i,
				    read32(vm.mem + SPIN_COUNTER));
		pthread_kill(th, SIGUSR1);
		if (wait_returned(&j, i + 1))
			return fail("round %d: KVM_RUN did not return within 20 s of a signal", i);
		if (j.ret[i] == 0)
			return fail("round %d: KVM_RUN returned 0 (%s) instead of EINTR", i,
				    exit_name(j.reason[i]));
		CHECK(j.err[i] == EINTR, "round %d: KVM_RUN failed with %s, expected EINTR", i,
		      errno_name(j.err[i]));
		CHECK(j.reason[i] == KVM_EXIT_INTR, "round %d: exit_reason %s, expected INTR", i,
		      exit_name(j.reason[i]));
		CHECK(j.rip[i] >= SYM_spin_loop && j.rip[i] <= SYM_spin_loop_end,
		      "round %d: rip %#llx after the signal is outside the guest loop", i,
		      (unsigned long long)j.rip[i]);
		CHECK(got_signal == i + 1, "round %d: handler ran %d times", i, (int)got_signal);
		seen = read32(vm.mem + SPIN_COUNTER);
		__atomic_store_n(&j.go, i + 2, __ATOMIC_SEQ_CST);
	}
	/* Let it finish: it must resume where it was, counting on. */
	vm.mem[SPIN_STOP] = 1;
	if (wait_returned(&j, ROUNDS + 1))
		return fail("the guest did not stop after the stop flag was set");
	pthread_join(th, NULL);
	CHECK(j.ret[ROUNDS] == 0, "final KVM_RUN failed: %s", errno_name(j.err[ROUNDS]));
	CHECK(j.reason[ROUNDS] == KVM_EXIT_IO, "final exit was %s, expected IO",
	      exit_name(j.reason[ROUNDS]));
	CHECK(v.run->io.port == PORT_SPIN, "final exit on port %#x, expected %#x",
	      v.run->io.port, PORT_SPIN);
	CHECK(*(uint32_t *)((uint8_t *)v.run + v.run->io.data_offset) >= seen,
	      "the guest reported count %u, below the %u seen before",
	      *(uint32_t *)((uint8_t *)v.run + v.run->io.data_offset), seen);
	return T_PASS;
}

static int set_vcpu_sigmask(struct vcpu *v, const sigset_t *set)
{
	struct {
		struct kvm_signal_mask h;
		uint8_t bits[8];
	} m;

	/* The kernel's sigset is 64 bits on x86-64; glibc's sigset_t starts with it. */
	m.h.len = 8;
	memcpy(m.bits, set, 8);
	if (ioctl(v->fd, KVM_SET_SIGNAL_MASK, &m) < 0)
		return fail("KVM_SET_SIGNAL_MASK: %s", strerror(errno));
	return 0;
}

struct stopper {
	struct vm *vm;
	pthread_t target;
	int sent;
	uint32_t at_signal, later;
};

/* Sends SIGUSR1 while the guest spins, checks it keeps spinning, then stops it. */
static void *stopper_thread(void *arg)
{
	struct stopper *s = arg;

	if (wait_counter_above(s->vm->mem + SPIN_COUNTER, 0, 20000) == 0) {
		pthread_kill(s->target, SIGUSR1);
		s->sent = 1;
		s->at_signal = read32(s->vm->mem + SPIN_COUNTER);
		usleep(200000);
		s->later = read32(s->vm->mem + SPIN_COUNTER);
	}
	s->vm->mem[SPIN_STOP] = 1;
	return NULL;
}

static int t_signal_mask(void)
{
	struct stopper st;
	struct vm vm;
	struct vcpu v;
	sigset_t set, pending, empty;
	pthread_t th;
	struct timespec zero = { 0, 0 };
	int r;

	MUST(handle_usr1(on_usr1));
	MUST(spin_vm(&vm, &v));
	sigemptyset(&empty);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);

	/* 1: blocked in the thread, unblocked for KVM_RUN: a pending one interrupts it. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	MUST(set_vcpu_sigmask(&v, &empty));
	pthread_kill(pthread_self(), SIGUSR1);
	r = ioctl(v.fd, KVM_RUN, 0);
	CHECK(r < 0, "KVM_RUN with a pending signal unblocked by its mask returned %d (%s)", r,
	      exit_desc(&v));
	CHECK(errno == EINTR, "KVM_RUN failed with %s, expected EINTR", errno_name(errno));
	CHECK(got_signal == 0, "the handler ran although the thread blocks the signal");
	sigpending(&pending);
	CHECK(sigismember(&pending, SIGUSR1), "the signal is no longer pending after KVM_RUN");
	CHECK(sigtimedwait(&set, NULL, &zero) == SIGUSR1, "sigtimedwait did not take SIGUSR1");
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	/* 2: unblocked in the thread, blocked for KVM_RUN: it must not interrupt the guest. */
	MUST(set_vcpu_sigmask(&v, &set));
	memset(&st, 0, sizeof(st));
	st.vm = &vm;
	st.target = pthread_self();
	if (pthread_create(&th, NULL, stopper_thread, &st))
		return fail("pthread_create failed");
	r = ioctl(v.fd, KVM_RUN, 0);
	pthread_join(th, NULL);
	CHECK(st.sent, "the guest never ran (counter stayed 0)");
	CHECK(r == 0, "KVM_RUN failed with %s although the signal is blocked by its mask",
	      errno_name(errno));
	CHECK(v.run->exit_reason == KVM_EXIT_IO && v.run->io.port == PORT_SPIN,
	      "exit was %s, expected the guest's OUT", exit_desc(&v));
	CHECK(st.later > st.at_signal, "the guest stopped counting after the signal (%u -> %u)",
	      st.at_signal, st.later);
	CHECK(got_signal == 1, "handler ran %d times after KVM_RUN returned, expected 1",
	      (int)got_signal);
	return T_PASS;
}

static int t_immediate_exit(void)
{
	struct spin_job j;
	struct vm vm;
	struct vcpu v;
	struct kvm_regs r;
	pthread_t th;
	uint64_t data;
	uint32_t c;
	int ret;

	if (!check_cap(kvm_sys, KVM_CAP_IMMEDIATE_EXIT))
		return fail("KVM_CAP_IMMEDIATE_EXIT is not reported");

	/* Set before KVM_RUN: no guest instruction runs. */
	MUST(vm_create(&vm));
	MUST(vcpu_create(&vm, &v, 0));
	load_blob(&vm, CODE_GPA, BLOB_g_rm_pio);
	MUST(setup_real(&v, CODE_GPA));
	v.run->immediate_exit = 1;
	ret = ioctl(v.fd, KVM_RUN, 0);
	CHECK(ret < 0, "KVM_RUN with immediate_exit returned %d (%s)", ret, exit_desc(&v));
	CHECK(errno == EINTR, "KVM_RUN with immediate_exit failed with %s, expected EINTR",
	      errno_name(errno));
	MUST(get_regs(&v, &r));
	CHECK_EQ("rip after an immediate exit", r.rip, CODE_GPA);
	CHECK_EQ("rax after an immediate exit", r.rax, 0);
	v.run->immediate_exit = 0;
	MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_LOOP, 1, &data));
	CHECK_EQ("first OUT after clearing immediate_exit", data, 0x30);

	/* A signal handler setting it kicks a spinning vcpu out, and keeps it out. */
	MUST(handle_usr1(on_usr1_kick));
	{
		struct vm vm2;
		struct vcpu v2;

		MUST(spin_vm(&vm2, &v2));
		kick_run = v2.run;
		memset(&j, 0, sizeof(j));
		j.v = &v2;
		j.go = 1;
		if (pthread_create(&th, NULL, spin_thread, &j))
			return fail("pthread_create failed");
		if (wait_counter_above(vm2.mem + SPIN_COUNTER, 0, 20000))
			return fail("the spinning guest never ran");
		pthread_kill(th, SIGUSR1);
		if (wait_returned(&j, 1))
			return fail("KVM_RUN did not return after the kick");
		CHECK(j.ret[0] < 0 && j.err[0] == EINTR, "kicked KVM_RUN returned %d/%s, expected EINTR",
		      j.ret[0], errno_name(j.err[0]));
		CHECK(v2.run->immediate_exit == 1, "immediate_exit set by the handler was cleared");
		/* Re-entered with immediate_exit still set: EINTR, no guest code. */
		c = read32(vm2.mem + SPIN_COUNTER);
		__atomic_store_n(&j.go, 2, __ATOMIC_SEQ_CST);
		if (wait_returned(&j, 2))
			return fail("KVM_RUN with immediate_exit still set did not return");
		CHECK(j.ret[1] < 0 && j.err[1] == EINTR,
		      "KVM_RUN with immediate_exit still set returned %d/%s", j.ret[1],
		      errno_name(j.err[1]));
		CHECK(read32(vm2.mem + SPIN_COUNTER) == c,
		      "the guest ran although immediate_exit was set");
		/* Clear it and let the guest finish. */
		vm2.mem[SPIN_STOP] = 1;
		v2.run->immediate_exit = 0;
		__atomic_store_n(&j.go, 3, __ATOMIC_SEQ_CST);
		if (wait_returned(&j, 3))
			return fail("KVM_RUN did not return after clearing immediate_exit");
		pthread_join(th, NULL);
		CHECK(j.ret[2] == 0, "KVM_RUN after clearing immediate_exit failed: %s",
		      errno_name(j.err[2]));
		CHECK(j.reason[2] == KVM_EXIT_IO && v2.run->io.port == PORT_SPIN,
		      "final exit was %s, expected the guest's OUT", exit_desc(&v2));
	}
	return T_PASS;
}

/* The whole process dies while its vcpu is in the guest. */
static int t_sigkill_mid_run(void)
{
	uint8_t *shared;
	uint64_t end;
	uint32_t c;
	pid_t pid;
	int st = 0;

	shared = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return fail("mmap: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if (pid == 0) {
		struct vm vm;
		struct vcpu v;

		kvm_sys = open(kvm_device, O_RDWR | O_CLOEXEC);
		if (kvm_sys < 0 || vm_create_empty(&vm))
			_exit(2);
		vm.mem = shared;
		vm.mem_size = RAM_SIZE;
		if (vm_set_slot(&vm, 0, 0, 0, RAM_SIZE, shared) || vcpu_create(&vm, &v, 0))
			_exit(3);
		load_blob(&vm, CODE_GPA, BLOB_g_spin);
		if (setup_real(&v, CODE_GPA))
			_exit(4);
		ioctl(v.fd, KVM_RUN, 0);
		_exit(5);	/* the guest never stops by itself */
	}
	if (wait_counter_above(shared + SPIN_COUNTER, 0, 20000)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return fail("the child's guest never ran (child status %#x)", st);
	}
	kill(pid, SIGKILL);
	end = now_ms() + 20000;
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now_ms() > end)
			return fail("the child in KVM_RUN did not die within 20 s of SIGKILL");
		usleep(1000);
	}
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child status %#x, expected SIGKILL", st);
	c = read32(shared + SPIN_COUNTER);
	usleep(100000);
	CHECK(read32(shared + SPIN_COUNTER) == c, "the guest kept running after its process died");

	/* And the device still works. */
	{
		struct vm vm;
		struct vcpu v;
		uint64_t data;

		MUST(vm_create(&vm));
		MUST(vcpu_create(&vm, &v, 0));
		load_blob(&vm, CODE_GPA, BLOB_g_rm_pio);
		MUST(setup_real(&v, CODE_GPA));
		MUST(run_expect_io(&v, KVM_EXIT_IO_OUT, PORT_LOOP, 1, &data));
		CHECK_EQ("OUT of a new VM after the kill", data, 0x30);
	}
	return T_PASS;
}

const struct test thread_tests[] = {
	{ "two_vms_four_vcpus", t_two_vms_four_vcpus },
	{ "signal_eintr", t_signal_eintr },
	{ "signal_mask", t_signal_mask },
	{ "immediate_exit", t_immediate_exit },
	{ "sigkill_mid_run", t_sigkill_mid_run },
	{ NULL, NULL },
};
