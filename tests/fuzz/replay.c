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
static char run_name[64];	/* the state's name (the word after "S ") */
static int trace_run = -1, trace_exits;
static const char *code_hex;	/* bytes to put at CS.base + RIP (when that is in RAM) */

/* okvm's debugging parameter: log the next n SVM exits (RIP, exit code) to the console. */
static void okvm_trace_exits(int n)
{
	FILE *f = fopen("/sys/module/okvm/parameters/trace_exits", "w");

	if (f) {
		fprintf(f, "%d\n", n);
		fclose(f);
	}
}

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
			printf("FAIL replay/%s: KVM_RUN did not return within 10 s (timer kicks every 2 ms)\n",
			       run_name);
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

/* One state: every KVM_RUN must come back (the watch thread fails the run otherwise). */
static void replay_one(const char *line, int idx, int runs, int random_mem)
{
	char name[80];
	struct okvm_regs regs;
	struct okvm_sregs sregs;
	struct okvm_vcpu_events ev;
	struct okvm_debugregs dr;
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } }, off = { { 0, 0 }, { 0, 0 } };
	struct vm vm;
	struct vcpu v;
	int i, have_sregs, have_regs, have_ev, have_dr;
	long r1 = 0, r2 = 0, r3 = 0, r4 = 0;

	if (sscanf(line, "S %63s", run_name) != 1 || strchr(run_name, '='))
		snprintf(run_name, sizeof(run_name), "state-%d", idx);
	snprintf(name, sizeof(name), "replay/%s", run_name);
	have_regs = !field(line, "regs", &regs, sizeof(regs));
	have_sregs = !field(line, "sregs", &sregs, sizeof(sregs));
	have_ev = !field(line, "events", &ev, sizeof(ev));
	have_dr = !field(line, "debugregs", &dr, sizeof(dr));
	if (vm_make(&vm, dev_path) || vcpu_make(&vm, &v, 0) || set_cpuid(vm.sys, v.fd)) {
		result_fail(name, "cannot make a VM: %s", strerror(errno));
		return;
	}
	if (random_mem) {
		struct rng r = { random_mem };

		rng_fill(&r, vm.mem, RAM_SIZE);
	}
	if (code_hex && have_regs && have_sregs && sregs.cs.base + regs.rip < RAM_SIZE - 64) {
		uint8_t *c = vm.mem + sregs.cs.base + regs.rip;
		unsigned int x;

		for (i = 0; code_hex[2 * i] && code_hex[2 * i + 1] && i < 64; i++)
			if (sscanf(code_hex + 2 * i, "%2x", &x) == 1)
				c[i] = x;
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
	printf("replay: %s: set sregs %s, regs %s, events %s, debugregs %s\n", run_name,
	       have_sregs ? res(r1) : "-", have_regs ? res(r2) : "-", have_ev ? res(r3) : "-",
	       have_dr ? res(r4) : "-");
	fflush(stdout);
	for (i = 0; i < runs; i++) {
		long r;

		if (i == trace_run)
			okvm_trace_exits(trace_exits);
		setitimer(ITIMER_REAL, &it, NULL);
		run_since = now_ms();
		r = ioctl(v.fd, OKVM_RUN, 0);
		run_since = 0;
		setitimer(ITIMER_REAL, &off, NULL);
		printf("replay: %s run %d: %s, exit %s\n", run_name, i, r ? strerror(errno) : "0",
		       exit_name(v.run->exit_reason));
		if (r && errno != EINTR)
			break;
	}
	vcpu_free(&v);
	vm_free(&vm);
	result_pass(name);
}

/*
 * okvm-fuzz replay --file FILE [--runs N] [--random-mem SEED] [--code HEX] [--trace-run R [--trace-exits N]]:
 * every "S NAME ..." line of FILE, each in a new VM, N (4) KVM_RUNs each: PASS replay/NAME
 * when all came back.  --trace-run has okvm log N (200) exits from run R on (okvm's
 * trace_exits parameter).  --code puts those bytes at CS.base + RIP.
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

	trace_run = opt_u64(argc, argv, "--trace-run", (uint64_t)-1);
	trace_exits = opt_u64(argc, argv, "--trace-exits", 200);

	for (i = 0; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--file"))
			file = argv[i + 1];
		if (!strcmp(argv[i], "--code"))
			code_hex = argv[i + 1];
	}
	if (strstr(dev_path, "/dev/kvm")) {
		result_skip("replay/states", "the in-tree KVM hands these states to the CPU; under QEMU's TCG "
			    "that takes the test VM's CPU for good (issue 9)");
		return 0;
	}
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
	if (!n)
		result_fail("replay/states", "no state in %s", file);
	return 0;
}
