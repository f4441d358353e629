// SPDX-License-Identifier: MIT
/*
 * Replay of vcpu states: the ioctl fuzzer's --dump-state-from prints, before
 * each KVM_RUN, one line "S tT op N fd F regs=HEX sregs=HEX events=HEX
 * debugregs=HEX" (the raw structures).  This loads such a state into a fresh
 * vcpu of a one-vcpu VM (RAM_SIZE of RAM at 0, zero or seeded random bytes)
 * and runs it with timer kicks: KVM_RUN must come back after a signal.  One
 * thread, nothing else going on: a minimal reproducer for a state that hangs.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

#include "fuzz.h"

static volatile uint64_t run_since;	/* ms, 0 when not in KVM_RUN */
static volatile int run_line;

static void kick(int sig)
{
	(void)sig;
}

static void *watch(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t s = run_since;

		if (s && now_ms() - s > 10000) {
			printf("FAIL replay/state-%d: KVM_RUN did not return within 10 s (timer kicks every 2 ms)\n",
			       run_line);
			fflush(stdout);
			_exit(1);
		}
		usleep(100000);
	}
	return NULL;
}

/* The hex after " tag=" in line into buf (exactly n bytes); 0 when found and complete. */
static int field(const char *line, const char *tag, void *buf, size_t n)
{
	char key[32];
	const char *p;
	uint8_t *b = buf;
	size_t i;

	snprintf(key, sizeof(key), " %s=", tag);
	p = strstr(line, key);
	if (!p)
		return -1;
	p += strlen(key);
	for (i = 0; i < n; i++) {
		unsigned int x;

		if (sscanf(p + 2 * i, "%2x", &x) != 1)
			return -1;
		b[i] = x;
	}
	return 0;
}

static const char *res(long r)
{
	return r ? strerror(errno) : "ok";
}

/* One state: 0 when every KVM_RUN came back. */
static int replay_one(const char *line, int idx, int runs, int random_mem)
{
	struct okvm_regs regs;
	struct okvm_sregs sregs;
	struct okvm_vcpu_events ev;
	struct okvm_debugregs dr;
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } }, off = { { 0, 0 }, { 0, 0 } };
	struct vm vm;
	struct vcpu v;
	int i, have_sregs, have_regs, have_ev, have_dr;
	long r1 = 0, r2 = 0, r3 = 0, r4 = 0;

	have_regs = !field(line, "regs", &regs, sizeof(regs));
	have_sregs = !field(line, "sregs", &sregs, sizeof(sregs));
	have_ev = !field(line, "events", &ev, sizeof(ev));
	have_dr = !field(line, "debugregs", &dr, sizeof(dr));
	if (vm_make(&vm, dev_path) || vcpu_make(&vm, &v, 0) || set_cpuid(vm.sys, v.fd)) {
		printf("FAIL replay/state-%d: cannot make a VM: %s\n", idx, strerror(errno));
		return 1;
	}
	if (random_mem) {
		struct rng r = { random_mem };

		rng_fill(&r, vm.mem, RAM_SIZE);
	}
	/* In the order the fuzzer's last SETs would have left them: segments first. */
	if (have_sregs)
		r1 = ioctl(v.fd, OKVM_SET_SREGS, &sregs);
	if (have_regs)
		r2 = ioctl(v.fd, OKVM_SET_REGS, &regs);
	if (have_ev)
		r3 = ioctl(v.fd, OKVM_SET_VCPU_EVENTS, &ev);
	if (have_dr)
		r4 = ioctl(v.fd, OKVM_SET_DEBUGREGS, &dr);
	printf("replay: state %d: set sregs %s, regs %s, events %s, debugregs %s\n", idx,
	       have_sregs ? res(r1) : "-", have_regs ? res(r2) : "-", have_ev ? res(r3) : "-",
	       have_dr ? res(r4) : "-");
	fflush(stdout);
	run_line = idx;
	for (i = 0; i < runs; i++) {
		long r;

		setitimer(ITIMER_REAL, &it, NULL);
		run_since = now_ms();
		r = ioctl(v.fd, OKVM_RUN, 0);
		run_since = 0;
		setitimer(ITIMER_REAL, &off, NULL);
		printf("replay: state %d run %d: %s, exit %s\n", idx, i, r ? strerror(errno) : "0",
		       exit_name(v.run->exit_reason));
		if (r && errno != EINTR)
			break;
	}
	vcpu_free(&v);
	vm_free(&vm);
	return 0;
}

/*
 * okvm-fuzz replay --file FILE [--runs N] [--random-mem SEED]: every "S ..." line of
 * FILE, each in a new VM, N (4) KVM_RUNs each.  PASS replay/states when all came back.
 */
int cmd_replay(int argc, char **argv)
{
	int runs = opt_u64(argc, argv, "--runs", 4), random_mem = opt_u64(argc, argv, "--random-mem", 0);
	struct sigaction sa = { .sa_handler = kick };
	const char *file = NULL;
	char line[8192];
	pthread_t t;
	int i, n = 0;
	FILE *f;

	for (i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--file"))
			file = argv[i + 1];
	if (!file || !(f = fopen(file, "r"))) {
		result_fail("replay/states", "cannot read the state file %s", file ? file : "(none: --file)");
		return 1;
	}
	sigaction(SIGALRM, &sa, NULL);
	pthread_create(&t, NULL, watch, NULL);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "S ", 2))
			continue;
		replay_one(line, n++, runs, random_mem);
	}
	fclose(f);
	result_pass("replay/states");
	return 0;
}
