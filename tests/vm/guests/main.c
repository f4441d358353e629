// SPDX-License-Identifier: MIT
/*
 * okvm-guests: tiny guests run on the KVM device named by $OKVM_DEVICE
 * (default /dev/okvm), checked against the documented KVM API.
 *
 *   okvm-guests [--list] [PATTERN...]
 *
 * Each test runs in its own child process with a time limit, so that a hung
 * or crashing test cannot take the others with it.  One result line per test:
 * PASS guest/NAME, FAIL guest/NAME: why, SKIP guest/NAME: why.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

const char *kvm_device;
int kvm_sys = -1;

static char result_msg[512];
static int result_set;

static int record(int status, const char *fmt, va_list ap)
{
	/* Keep the first reason: later ones are usually consequences. */
	if (!result_set) {
		vsnprintf(result_msg, sizeof(result_msg), fmt, ap);
		result_set = 1;
	}
	return status;
}

int fail(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = record(T_FAIL, fmt, ap);
	va_end(ap);
	return r;
}

int skip(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = record(T_SKIP, fmt, ap);
	va_end(ap);
	return r;
}

static const struct test *const tables[] = {
	modes_tests, memory_tests, thread_tests, bad_tests, coexist_tests, event_tests, irqchip_tests, eventfd_tests,
};

static int selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc == 0)
		return 1;
	for (i = 0; i < argc; i++)
		if (fnmatch(argv[i], name, 0) == 0 || strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

/* Child: run one test, send "<status> <message>" up the pipe. */
static void run_child(const struct test *t, int wfd, unsigned int limit)
{
	int status;

	alarm(limit);
	kvm_sys = open(kvm_device, O_RDWR | O_CLOEXEC);
	if (kvm_sys < 0)
		status = skip("cannot open %s: %s", kvm_device, strerror(errno));
	else
		status = t->fn();
	if (status != T_PASS && !result_set)
		snprintf(result_msg, sizeof(result_msg), "no reason recorded");
	dprintf(wfd, "%d %s", status, status == T_PASS ? "" : result_msg);
	_exit(0);
}

/* waitpid with a time limit; 1 when the child was reaped. */
static int reap(pid_t pid, int *wst, unsigned int secs)
{
	unsigned int i;

	for (i = 0; i < secs * 100; i++) {
		pid_t r = waitpid(pid, wst, WNOHANG);

		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR)
			return 0;
		usleep(10000);
	}
	return 0;
}

static int run_one(const struct test *t, unsigned int limit)
{
	char buf[600];
	int fds[2], wst, status = T_FAIL;
	ssize_t n, got = 0;
	pid_t pid;

	fflush(stdout);
	if (pipe(fds) < 0) {
		printf("FAIL guest/%s: pipe: %s\n", t->name, strerror(errno));
		return T_FAIL;
	}
	pid = fork();
	if (pid < 0) {
		printf("FAIL guest/%s: fork: %s\n", t->name, strerror(errno));
		return T_FAIL;
	}
	if (pid == 0) {
		close(fds[0]);
		run_child(t, fds[1], limit);
	}
	close(fds[1]);
	/* The child's alarm() normally ends it; this catches one stuck in the kernel. */
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		int pr = poll(&pfd, 1, (limit + 30) * 1000);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			kill(pid, SIGKILL);
			close(fds[0]);
			if (!reap(pid, &wst, 30)) {
				printf("FAIL guest/%s: hung, and still not dead 30 s after SIGKILL\n",
				       t->name);
				return T_FAIL;
			}
			printf("FAIL guest/%s: hung past its %u s limit (killed)\n", t->name, limit);
			return T_FAIL;
		}
		n = read(fds[0], buf + got, sizeof(buf) - 1 - got);
		if (n <= 0 || (got += n) >= (ssize_t)sizeof(buf) - 1)
			break;
	}
	buf[got] = 0;
	close(fds[0]);
	if (!reap(pid, &wst, limit + 30)) {
		kill(pid, SIGKILL);
		if (!reap(pid, &wst, 30)) {
			printf("FAIL guest/%s: did not exit, and still not dead 30 s after SIGKILL\n",
			       t->name);
			return T_FAIL;
		}
	}
	if (WIFSIGNALED(wst)) {
		if (WTERMSIG(wst) == SIGALRM)
			printf("FAIL guest/%s: did not finish within %u s\n", t->name, limit);
		else
			printf("FAIL guest/%s: test process killed by signal %d (%s)\n",
			       t->name, WTERMSIG(wst), strsignal(WTERMSIG(wst)));
		return T_FAIL;
	}
	if (got < 1 || sscanf(buf, "%d", &status) != 1) {
		printf("FAIL guest/%s: test process exited without a result\n", t->name);
		return T_FAIL;
	}
	if (status == T_PASS)
		printf("PASS guest/%s\n", t->name);
	else
		printf("%s guest/%s: %s\n", status == T_SKIP ? "SKIP" : "FAIL", t->name,
		       buf + 2);
	return status;
}

int main(int argc, char **argv)
{
	unsigned int limit = 60;
	int list = 0, failed = 0, ran = 0;
	const struct test *t;
	const char *e;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	kvm_device = getenv("OKVM_DEVICE");
	if (!kvm_device || !*kvm_device)
		kvm_device = "/dev/okvm";
	e = getenv("OKVM_GUEST_TIMEOUT");
	if (e && atoi(e) > 0)
		limit = atoi(e);
	argc--, argv++;
	if (argc && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
		printf("usage: okvm-guests [--list] [PATTERN...]\n"
		       "Runs the guest tests on $OKVM_DEVICE (default /dev/okvm);\n"
		       "PATTERN is a test name or shell pattern. $OKVM_GUEST_TIMEOUT sets\n"
		       "the per-test time limit in seconds (default 60).\n");
		return 0;
	}
	if (argc && !strcmp(argv[0], "--list")) {
		list = 1;
		argc--, argv++;
	}
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		for (t = tables[i]; t->name; t++) {
			if (!selected(t->name, argc, argv))
				continue;
			ran++;
			if (list)
				printf("%s\n", t->name);
			else if (run_one(t, limit) == T_FAIL)
				failed++;
		}
	}
	if (!ran) {
		fprintf(stderr, "okvm-guests: no test matches\n");
		return 2;
	}
	return failed ? 1 : 0;
}
