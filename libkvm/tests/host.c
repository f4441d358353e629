// SPDX-License-Identifier: MIT
/*
 * Host tier (and, built static with TIER=libkvm-vm, the vm tier): libkvm
 * against a real device.  The device is libkvm's default choice, so
 * $LIBKVM_DEVICE selects it.  Only the public API is used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libkvm/libkvm.h>

#include "harness.h"

#ifndef TIER
#define TIER "libkvm-host"
#endif

#define MEM_SIZE	(4u << 20)	/* guest RAM at gpa 0 */
#define LOAD		0x100000	/* protected/long mode code */
#define REAL_LOAD	0x1000		/* real mode code */
#define TABLES		0x10000
#define STACK		0x80000

#define DECL(n) extern const unsigned char guest_##n[], guest_##n##_end[]
DECL(real_pio); DECL(real_outs); DECL(real_irq); DECL(prot32); DECL(long);
DECL(mmio); DECL(rom); DECL(spin); DECL(dirty); DECL(ud2); DECL(step);
DECL(cpuid); DECL(state); DECL(hole);
extern const unsigned char guest_real_pio_out[], guest_real_pio_in[];
extern const unsigned char guest_real_irq_handler[], guest_real_nmi_handler[];
#define CODE(n) guest_##n, guest_##n##_end

struct env {
	struct libkvm_sys *sys;
	struct libkvm_vm *vm;
	struct libkvm_vcpu *vcpu;
	uint8_t *mem;
	struct libkvm_exit ex;
};

static char skip_why[512];

/* 0 when open, 1 when the device cannot be used here (skip). */
static int env_open(struct env *e)
{
	int r;

	memset(e, 0, sizeof(*e));
	ck_assert_int_eq(libkvm_sys_new(&e->sys), 0);
	r = libkvm_sys_open(e->sys, NULL);
	if (r == -ENOENT || r == -EACCES || r == -EPERM || r == -ENODEV || r == -ENXIO) {
		snprintf(skip_why, sizeof(skip_why), "device not usable here: %s",
			 libkvm_sys_error(e->sys));
		return 1;
	}
	ck_assert_msg(r == 0, "open: %s", libkvm_sys_error(e->sys));
	ck_assert_msg(libkvm_vm_create(e->sys, &e->vm) == 0, "vm: %s",
		      libkvm_sys_error(e->sys));
	ck_assert_msg(libkvm_vm_alloc(e->vm, 0, MEM_SIZE, 0, (void **)&e->mem) == 0,
		      "alloc: %s", libkvm_vm_error(e->vm));
	ck_assert_msg(libkvm_vcpu_create(e->vm, 0, &e->vcpu) == 0, "vcpu: %s",
		      libkvm_vm_error(e->vm));
	return 0;
}

#define ENV_OPEN(e) do { if (env_open(e)) SKIP_TEST("%s", skip_why); } while (0)

static void env_close(struct env *e)
{
	libkvm_vm_destroy(e->vm);
	libkvm_sys_free(e->sys);
}

/* Load code and put the vcpu in mode at its start. */
static uint64_t env_guest(struct env *e, uint32_t mode, const unsigned char *start,
			  const unsigned char *end)
{
	struct libkvm_setup s;
	uint64_t at = mode == LIBKVM_MODE_REAL ? REAL_LOAD : LOAD;

	ck_assert_int_eq(libkvm_vm_write(e->vm, at, start, (size_t)(end - start)), 0);
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.mode = mode;
	s.entry = at;
	s.stack = mode == LIBKVM_MODE_REAL ? 0x8000 : STACK;
	s.tables = TABLES;
	ck_assert_msg(libkvm_vcpu_setup(e->vcpu, &s) == 0, "setup: %s",
		      libkvm_vcpu_error(e->vcpu));
	return at;
}

#define ENV(e, mode, name) ENV_OPEN(e); env_guest(e, mode, CODE(name))

/*
 * A watchdog kicks the vcpu when an expected exit does not come, so that
 * a missing exit fails with a message instead of Check's timeout.
 */
#define WATCHDOG_SECONDS 10

struct watchdog {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct libkvm_vcpu *vcpu;
	int done;
	int fired;
};

static void *watchdog_main(void *arg)
{
	struct watchdog *w = arg;
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WATCHDOG_SECONDS;
	pthread_mutex_lock(&w->lock);
	while (!w->done) {
		if (pthread_cond_timedwait(&w->cond, &w->lock, &until) == ETIMEDOUT) {
			if (!w->done) {
				w->fired = 1;
				libkvm_vcpu_kick(w->vcpu);
			}
			break;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Run once and require an exit of kind. */
static struct libkvm_exit *run_expect(struct env *e, uint32_t kind)
{
	struct watchdog w = { .vcpu = e->vcpu };
	int r;

	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	ck_assert_int_eq(pthread_create(&w.thread, NULL, watchdog_main, &w), 0);
	r = libkvm_vcpu_run(e->vcpu, &e->ex);
	pthread_mutex_lock(&w.lock);
	w.done = 1;
	pthread_cond_signal(&w.cond);
	pthread_mutex_unlock(&w.lock);
	pthread_join(w.thread, NULL);

	ck_assert_msg(r == 0, "run: %s", libkvm_vcpu_error(e->vcpu));
	ck_assert_msg(!w.fired || kind == LIBKVM_EXIT_INTR,
		      "no %s exit within %d s (the watchdog kicked the vcpu)",
		      libkvm_exit_kind_name(kind), WATCHDOG_SECONDS);
	ck_assert_msg(e->ex.kind == kind, "exit %s (raw %u), expected %s",
		      libkvm_exit_kind_name(e->ex.kind), e->ex.raw_reason,
		      libkvm_exit_kind_name(kind));
	return &e->ex;
}

static uint32_t io_value(const struct libkvm_exit *ex)
{
	uint32_t v = 0;

	memcpy(&v, ex->u.io.data, ex->u.io.size);
	return v;
}

static void expect_out(struct env *e, uint16_t port, uint8_t size, uint32_t value)
{
	struct libkvm_exit *ex = run_expect(e, LIBKVM_EXIT_IO);

	ck_assert_uint_eq(ex->u.io.port, port);
	ck_assert_uint_eq(ex->u.io.is_write, 1);
	ck_assert_uint_eq(ex->u.io.size, size);
	ck_assert_uint_eq(ex->u.io.count, 1);
	ck_assert_uint_eq(io_value(ex), value);
}

static struct libkvm_regs regs_of(struct env *e)
{
	struct libkvm_regs r;

	ck_assert_msg(libkvm_vcpu_get_regs(e->vcpu, &r) == 0, "%s",
		      libkvm_vcpu_error(e->vcpu));
	return r;
}

/* Re-enter only to complete a pending IO, as the KVM API documents. */
static void complete_pending(struct env *e)
{
	ck_assert_int_eq(libkvm_vcpu_kick(e->vcpu), 0);
	run_expect(e, LIBKVM_EXIT_INTR);
	ck_assert_uint_eq(e->ex.flags & LIBKVM_EXIT_F_KICKED, LIBKVM_EXIT_F_KICKED);
}

/* ---- modes and round trips ------------------------------------------------- */

START_TEST(device_has_core_features)
{
	struct env e;
	uint64_t missing;

	ENV_OPEN(&e);
	ck_assert_msg(libkvm_sys_require(e.sys, LIBKVM_FEAT_CORE, &missing) == 0,
		      "%s", libkvm_sys_error(e.sys));
	env_close(&e);
}
END_TEST

START_TEST(real_mode_pio_round_trip)
{
	struct env e;
	struct libkvm_exit *ex;

	ENV(&e, LIBKVM_MODE_REAL, real_pio);
	expect_out(&e, 0x10, 1, 0x42);
	ex = run_expect(&e, LIBKVM_EXIT_IO);
	ck_assert_uint_eq(ex->u.io.port, 0x11);
	ck_assert_uint_eq(ex->u.io.is_write, 0);
	*(uint8_t *)ex->u.io.data = 0x99;
	run_expect(&e, LIBKVM_EXIT_HLT);
	ck_assert_uint_eq(regs_of(&e).rbx & 0xff, 0x99);
	env_close(&e);
}
END_TEST

START_TEST(pio_completes_on_reentry)
{
	uint64_t out = REAL_LOAD + (uint64_t)(guest_real_pio_out - guest_real_pio);
	uint64_t in = REAL_LOAD + (uint64_t)(guest_real_pio_in - guest_real_pio);
	struct libkvm_exit *ex;
	struct env e;

	ENV(&e, LIBKVM_MODE_REAL, real_pio);
	expect_out(&e, 0x10, 1, 0x42);
	complete_pending(&e);
	ck_assert_uint_eq(regs_of(&e).rip, out + 2);
	ex = run_expect(&e, LIBKVM_EXIT_IO);
	ck_assert_uint_eq(ex->u.io.port, 0x11);
	*(uint8_t *)ex->u.io.data = 0x5e;
	complete_pending(&e);
	ck_assert_uint_eq(regs_of(&e).rip, in + 2);
	ck_assert_uint_eq(regs_of(&e).rax & 0xff, 0x5e);
	env_close(&e);
}
END_TEST

START_TEST(pio_rip_at_exit)
{
	uint64_t out = REAL_LOAD + (uint64_t)(guest_real_pio_out - guest_real_pio);
	struct env e;
	uint64_t rip;

	ENV(&e, LIBKVM_MODE_REAL, real_pio);
	expect_out(&e, 0x10, 1, 0x42);
	rip = regs_of(&e).rip;
	env_close(&e);
	/* KVM completes (and skips) the OUT when the vcpu re-enters. */
	if (rip == out + 2)
		SKIP_TEST("this device advances RIP past the OUT before the exit; KVM "
			  "leaves it on the instruction until re-entry (only the state "
			  "after re-entry is documented, see pio_completes_on_reentry)");
	ck_assert_msg(rip == out, "RIP 0x%llx at the exit, OUT is at 0x%llx",
		      (unsigned long long)rip, (unsigned long long)out);
}
END_TEST

START_TEST(prot32_mode_guest)
{
	struct env e;
	uint32_t v;

	ENV(&e, LIBKVM_MODE_PROT32, prot32);
	{
		struct libkvm_exit *ex = run_expect(&e, LIBKVM_EXIT_IO);

		ck_assert_uint_eq(ex->u.io.port, 0x20);
		ck_assert_uint_eq(ex->u.io.size, 4);
		/* PE set, PG clear. */
		ck_assert_uint_eq(io_value(ex) & 0x80000001u, 1);
	}
	run_expect(&e, LIBKVM_EXIT_HLT);
	ck_assert_int_eq(libkvm_vm_read(e.vm, 0x7000, &v, 4), 0);
	ck_assert_uint_eq(v, 0x12345678);
	env_close(&e);
}
END_TEST

START_TEST(long_mode_guest)
{
	struct libkvm_sregs sr;
	struct env e;
	uint64_t v;

	ENV(&e, LIBKVM_MODE_LONG64, long);
	{
		struct libkvm_exit *ex = run_expect(&e, LIBKVM_EXIT_IO);

		ck_assert_uint_eq(ex->u.io.port, 0x30);
		ck_assert_uint_eq(io_value(ex) & 0x500, 0x500);	/* LME, LMA */
		ex = run_expect(&e, LIBKVM_EXIT_IO);
		ck_assert_uint_eq(ex->u.io.port, 0x31);
		ck_assert_uint_eq(io_value(ex) & 0x20, 0x20);		/* PAE */
	}
	run_expect(&e, LIBKVM_EXIT_HLT);
	ck_assert_int_eq(libkvm_vm_read(e.vm, 0x3ff000, &v, 8), 0);
	ck_assert_uint_eq(v, 0x1122334455667788ull);
	ck_assert_uint_eq(regs_of(&e).rbx, 0x1122334455667788ull);
	ck_assert_int_eq(libkvm_vcpu_get_sregs(e.vcpu, &sr), 0);
	ck_assert_uint_eq(sr.cs.l, 1);
	ck_assert_uint_eq(sr.efer & 0x400, 0x400);
	env_close(&e);
}
END_TEST

START_TEST(mmio_round_trip)
{
	struct libkvm_exit *ex;
	struct env e;

	ENV(&e, LIBKVM_MODE_LONG64, mmio);
	ex = run_expect(&e, LIBKVM_EXIT_MMIO);
	ck_assert_uint_eq(ex->u.mmio.gpa, 0xd0000000);
	ck_assert_uint_eq(ex->u.mmio.is_write, 1);
	ck_assert_uint_eq(ex->u.mmio.len, 4);
	ck_assert_uint_eq(*(uint32_t *)ex->u.mmio.data, 0xdeadbeef);
	ex = run_expect(&e, LIBKVM_EXIT_MMIO);
	ck_assert_uint_eq(ex->u.mmio.gpa, 0xd0000008);
	ck_assert_uint_eq(ex->u.mmio.is_write, 0);
	ck_assert_uint_eq(ex->u.mmio.len, 4);
	memcpy(ex->u.mmio.data, "\xbe\xba\xfe\xca", 4);
	expect_out(&e, 0x32, 4, 0xcafebabe);
	run_expect(&e, LIBKVM_EXIT_HLT);
	env_close(&e);
}
END_TEST

START_TEST(readonly_map_write_exits)
{
	struct libkvm_exit *ex;
	struct env e;
	uint8_t *rom;

	ENV(&e, LIBKVM_MODE_LONG64, rom);
	if (libkvm_sys_require(e.sys, LIBKVM_FEAT_READONLY_MEM, NULL))
		SKIP_TEST("%s", libkvm_sys_error(e.sys));
	/* Carve a ROM page out of RAM: unmap, then map read-only. */
	ck_assert_int_eq(libkvm_vm_unmap(e.vm, 0x200000, 0x1000), 0);
	ck_assert_msg(libkvm_vm_alloc(e.vm, 0x200000, 0x1000, LIBKVM_MAP_READONLY,
				      (void **)&rom) == 0, "%s", libkvm_vm_error(e.vm));
	rom[0] = 0xa5;
	ex = run_expect(&e, LIBKVM_EXIT_MMIO);
	ck_assert_uint_eq(ex->u.mmio.gpa, 0x200000);
	ck_assert_uint_eq(ex->u.mmio.is_write, 1);
	ck_assert_uint_eq(*(uint8_t *)ex->u.mmio.data, 0x5a);
	expect_out(&e, 0x33, 1, 0xa5);
	ck_assert_uint_eq(rom[0], 0xa5);
	env_close(&e);
}
END_TEST

START_TEST(unmapped_hole_is_mmio)
{
	struct libkvm_exit *ex;
	struct env e;

	ENV(&e, LIBKVM_MODE_LONG64, hole);
	e.mem[0x300000] = 1;
	ck_assert_int_eq(libkvm_vm_unmap(e.vm, 0x300000, 0x1000), 0);
	ex = run_expect(&e, LIBKVM_EXIT_MMIO);
	ck_assert_uint_eq(ex->u.mmio.gpa, 0x300000);
	ck_assert_uint_eq(ex->u.mmio.is_write, 0);
	memcpy(ex->u.mmio.data, "\x44\x33\x22\x11", 4);
	expect_out(&e, 0x37, 4, 0x11223344);
	env_close(&e);
}
END_TEST

struct outs_log {
	char text[16];
	int n;
};

static int outs_io(void *opaque, struct libkvm_vcpu *vcpu, uint16_t port,
		   int is_write, void *data, uint32_t size)
{
	struct outs_log *l = opaque;

	(void)vcpu;
	if (port != 0x3f8 || !is_write || size != 1 || l->n >= 15)
		return -EPROTO;
	l->text[l->n++] = *(char *)data;
	return 0;
}

static int outs_hlt(void *opaque, struct libkvm_vcpu *vcpu)
{
	(void)opaque;
	(void)vcpu;
	return 1;
}

START_TEST(string_io_through_loop)
{
	struct libkvm_handlers h = { .size = sizeof(h), .io = outs_io, .hlt = outs_hlt };
	struct outs_log l = { .n = 0 };
	struct env e;
	int r;

	ENV(&e, LIBKVM_MODE_REAL, real_outs);
	r = libkvm_vcpu_loop(e.vcpu, &h, &l, &e.ex);
	ck_assert_msg(r == 1, "loop returned %d (%s), exit %s", r,
		      libkvm_vcpu_error(e.vcpu), libkvm_exit_kind_name(e.ex.kind));
	ck_assert_str_eq(l.text, "hello");
	env_close(&e);
}
END_TEST

START_TEST(guest_memory_helpers)
{
	struct env e;
	void *h;
	uint64_t v = 0;

	ENV(&e, LIBKVM_MODE_LONG64, long);
	ck_assert_int_eq(libkvm_vm_gpa_to_hva(e.vm, 0x3ff000, 8, &h), 0);
	ck_assert_ptr_eq(h, e.mem + 0x3ff000);
	run_expect(&e, LIBKVM_EXIT_IO);
	run_expect(&e, LIBKVM_EXIT_IO);
	run_expect(&e, LIBKVM_EXIT_HLT);
	memcpy(&v, h, 8);
	ck_assert_uint_eq(v, 0x1122334455667788ull);
	ck_assert_int_eq(libkvm_vm_read(e.vm, MEM_SIZE - 4, &v, 8), -EFAULT);
	ck_assert_int_eq(libkvm_vm_map(e.vm, 0x1000, e.mem, 0x1000, 0), -EEXIST);
	env_close(&e);
}
END_TEST

/* ---- kick ---------------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *kicker(void *arg)
{
	struct libkvm_vcpu *vcpu = arg;

	usleep(50 * 1000);
	return (void *)(long)libkvm_vcpu_kick(vcpu);
}

START_TEST(kick_from_another_thread)
{
	struct env e;
	pthread_t t;
	void *ret;
	double t0;

	ENV(&e, LIBKVM_MODE_LONG64, spin);
	t0 = now();
	ck_assert_int_eq(pthread_create(&t, NULL, kicker, e.vcpu), 0);
	run_expect(&e, LIBKVM_EXIT_INTR);
	pthread_join(t, &ret);
	ck_assert_int_eq((long)ret, 0);
	ck_assert_uint_eq(e.ex.flags & LIBKVM_EXIT_F_KICKED, LIBKVM_EXIT_F_KICKED);
	ck_assert_msg(now() - t0 < 5.0, "kick took %.2f s", now() - t0);
	env_close(&e);
}
END_TEST

static struct libkvm_vcpu *alarm_vcpu;
static volatile int alarm_ret = 1;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_ret = libkvm_vcpu_kick(alarm_vcpu);
}

START_TEST(kick_from_signal_handler)
{
	struct itimerval it = { .it_value = { .tv_usec = 50 * 1000 } };
	struct sigaction sa;
	struct env e;

	ENV(&e, LIBKVM_MODE_LONG64, spin);
	alarm_vcpu = e.vcpu;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	run_expect(&e, LIBKVM_EXIT_INTR);
	ck_assert_int_eq(alarm_ret, 0);
	ck_assert_uint_eq(e.ex.flags & LIBKVM_EXIT_F_KICKED, LIBKVM_EXIT_F_KICKED);
	env_close(&e);
}
END_TEST

START_TEST(kick_before_run_is_kept)
{
	struct env e;

	ENV(&e, LIBKVM_MODE_LONG64, spin);
	ck_assert_int_eq(libkvm_vcpu_kick(e.vcpu), 0);
	run_expect(&e, LIBKVM_EXIT_INTR);
	ck_assert_uint_eq(e.ex.flags & LIBKVM_EXIT_F_KICKED, LIBKVM_EXIT_F_KICKED);
	/* Consumed: the next run enters the guest until a new kick. */
	{
		pthread_t t;

		ck_assert_int_eq(pthread_create(&t, NULL, kicker, e.vcpu), 0);
		run_expect(&e, LIBKVM_EXIT_INTR);
		pthread_join(t, NULL);
		ck_assert_msg(regs_of(&e).rip >= LOAD && regs_of(&e).rip < LOAD + 4,
			      "rip 0x%llx", (unsigned long long)regs_of(&e).rip);
	}
	env_close(&e);
}
END_TEST

/* ---- dirty log, faults, debug ------------------------------------------------ */

START_TEST(dirty_log_after_guest_writes)
{
	uint8_t bm[2] = { 0xff, 0xff }, *d;
	struct env e;

	ENV(&e, LIBKVM_MODE_LONG64, dirty);
	ck_assert_msg(libkvm_vm_alloc(e.vm, 0x400000, 16 * 4096, LIBKVM_MAP_DIRTY_LOG,
				      (void **)&d) == 0, "%s", libkvm_vm_error(e.vm));
	ck_assert_int_eq(libkvm_vm_get_dirty_log(e.vm, 0x400000, bm, 2), 0);
	ck_assert_msg(!bm[0] && !bm[1], "dirty before the guest ran: %02x %02x", bm[0], bm[1]);
	run_expect(&e, LIBKVM_EXIT_HLT);
	ck_assert_uint_eq(d[0x5000], 3);
	ck_assert_int_eq(libkvm_vm_get_dirty_log(e.vm, 0x400000, bm, 2), 0);
	ck_assert_msg(bm[0] == 0x25 && bm[1] == 0, "bitmap %02x %02x, expected 25 00",
		      bm[0], bm[1]);
	/* Fetching clears. */
	ck_assert_int_eq(libkvm_vm_get_dirty_log(e.vm, 0x400000, bm, 2), 0);
	ck_assert_msg(!bm[0] && !bm[1], "bitmap not cleared: %02x %02x", bm[0], bm[1]);
	ck_assert_int_eq(libkvm_vm_get_dirty_log(e.vm, 0, bm, 2), -EINVAL);
	env_close(&e);
}
END_TEST

START_TEST(triple_fault_is_shutdown)
{
	struct env e;
	int r;

	ENV(&e, LIBKVM_MODE_LONG64, ud2);
	r = libkvm_vcpu_run(e.vcpu, &e.ex);
	ck_assert_msg(r == 0, "run: %s", libkvm_vcpu_error(e.vcpu));
	ck_assert_msg(e.ex.kind == LIBKVM_EXIT_SHUTDOWN, "exit %s (raw %u), expected shutdown",
		      libkvm_exit_kind_name(e.ex.kind), e.ex.raw_reason);
	env_close(&e);
}
END_TEST

START_TEST(single_step_debug_exit)
{
	struct env e;

	ENV(&e, LIBKVM_MODE_LONG64, step);
	if (libkvm_sys_require(e.sys, LIBKVM_FEAT_GUEST_DEBUG, NULL))
		SKIP_TEST("%s", libkvm_sys_error(e.sys));
	ck_assert_msg(libkvm_vcpu_set_guest_debug(e.vcpu, LIBKVM_DEBUG_ENABLE |
						  LIBKVM_DEBUG_SINGLESTEP) == 0,
		      "%s", libkvm_vcpu_error(e.vcpu));
	run_expect(&e, LIBKVM_EXIT_DEBUG);
	ck_assert_uint_eq(e.ex.u.debug.exception, 1);
	ck_assert_uint_eq(regs_of(&e).rip, LOAD + 1);
	run_expect(&e, LIBKVM_EXIT_DEBUG);
	ck_assert_uint_eq(regs_of(&e).rip, LOAD + 2);
	ck_assert_int_eq(libkvm_vcpu_set_guest_debug(e.vcpu, 0), 0);
	run_expect(&e, LIBKVM_EXIT_HLT);
	env_close(&e);
}
END_TEST

/* Point IVT vector v at the real-mode guest symbol sym. */
static void ivt_set(struct env *e, unsigned int v, const unsigned char *sym)
{
	uint16_t ent[2] = { (uint16_t)(REAL_LOAD + (sym - guest_real_irq)), 0 };

	ck_assert_int_eq(libkvm_vm_write(e->vm, v * 4, ent, 4), 0);
}

START_TEST(irq_window_and_injection)
{
	struct env e;

	ENV(&e, LIBKVM_MODE_REAL, real_irq);
	ivt_set(&e, 0x20, guest_real_irq_handler);
	ck_assert_int_eq(libkvm_vcpu_request_irq_window(e.vcpu, 1), 0);
	expect_out(&e, 0x42, 1, 0x77);
	ck_assert_uint_eq(e.ex.flags & LIBKVM_EXIT_F_IF, 0);
	/* The guest sets IF and spins: the window must open. */
	run_expect(&e, LIBKVM_EXIT_IRQ_WINDOW);
	ck_assert_uint_eq(e.ex.flags & LIBKVM_EXIT_F_IF, LIBKVM_EXIT_F_IF);
	ck_assert_uint_eq(e.ex.flags & LIBKVM_EXIT_F_IRQ_READY, LIBKVM_EXIT_F_IRQ_READY);
	ck_assert_int_eq(libkvm_vcpu_request_irq_window(e.vcpu, 0), 0);
	ck_assert_msg(libkvm_vcpu_interrupt(e.vcpu, 0x20) == 0, "%s",
		      libkvm_vcpu_error(e.vcpu));
	expect_out(&e, 0x40, 1, 0x55);
	env_close(&e);
}
END_TEST

START_TEST(nmi_injection)
{
	struct env e;

	ENV(&e, LIBKVM_MODE_REAL, real_irq);
	if (libkvm_sys_require(e.sys, LIBKVM_FEAT_NMI, NULL))
		SKIP_TEST("%s", libkvm_sys_error(e.sys));
	ivt_set(&e, 2, guest_real_nmi_handler);
	expect_out(&e, 0x42, 1, 0x77);
	ck_assert_msg(libkvm_vcpu_nmi(e.vcpu) == 0, "%s", libkvm_vcpu_error(e.vcpu));
	expect_out(&e, 0x41, 1, 0x66);
	env_close(&e);
}
END_TEST

/* ---- state access ---------------------------------------------------------- */

START_TEST(supported_cpuid_reaches_guest)
{
	struct libkvm_cpuid_entry ent[256];
	uint32_t n = 256, i;
	struct env e;

	ENV(&e, LIBKVM_MODE_LONG64, cpuid);
	if (libkvm_sys_require(e.sys, LIBKVM_FEAT_CPUID, NULL))
		SKIP_TEST("%s", libkvm_sys_error(e.sys));
	ck_assert_msg(libkvm_sys_get_supported_cpuid(e.sys, ent, &n) == 0, "%s",
		      libkvm_sys_error(e.sys));
	for (i = 0; i < n && ent[i].function != 0; i++)
		;
	ck_assert_msg(i < n, "no leaf 0 among %u entries", n);
	ck_assert_msg(libkvm_vcpu_set_supported_cpuid(e.vcpu) == 0, "%s",
		      libkvm_vcpu_error(e.vcpu));
	expect_out(&e, 0x34, 4, ent[i].ebx);
	expect_out(&e, 0x34, 4, ent[i].edx);
	expect_out(&e, 0x34, 4, ent[i].ecx);
	n = 1;
	ck_assert_int_eq(libkvm_sys_get_supported_cpuid(e.sys, ent, &n), -E2BIG);
	env_close(&e);
}
END_TEST

START_TEST(fpu_and_msr_state)
{
	struct libkvm_fpu fpu, back;
	struct env e;
	uint64_t v;

	ENV(&e, LIBKVM_MODE_LONG64, state);
	ck_assert_msg(libkvm_vcpu_get_fpu(e.vcpu, &fpu) == 0, "%s", libkvm_vcpu_error(e.vcpu));
	memcpy(fpu.xmm[0], "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	fpu.mxcsr = 0x1f80 | 0x6000;	/* round toward zero */
	fpu.fcw = 0x37f;
	ck_assert_msg(libkvm_vcpu_set_fpu(e.vcpu, &fpu) == 0, "%s", libkvm_vcpu_error(e.vcpu));
	ck_assert_msg(libkvm_vcpu_get_fpu(e.vcpu, &back) == 0, "%s", libkvm_vcpu_error(e.vcpu));
	ck_assert_msg(!memcmp(back.xmm[0], fpu.xmm[0], 16) && back.fcw == 0x37f,
		      "read back xmm0 %02x.. fcw %x", back.xmm[0][0], back.fcw);
	/* MXCSR travels only through XSAVE (55 = KVM_CAP_XSAVE). */
	if (libkvm_sys_check_extension(e.sys, 55) > 0)
		ck_assert_uint_eq(back.mxcsr, 0x7f80);
	ck_assert_msg(libkvm_vcpu_set_msr(e.vcpu, 0x174, 0x10) == 0, "%s",
		      libkvm_vcpu_error(e.vcpu));
	ck_assert_int_eq(libkvm_vcpu_get_msr(e.vcpu, 0x174, &v), 0);
	ck_assert_uint_eq(v, 0x10);
	env_close(&e);
}
END_TEST

/* The guest reads back what the host set: XMM0 and MSR 0x174. */
START_TEST(guest_sees_fpu_and_msr)
{
	struct libkvm_fpu fpu;
	struct libkvm_regs r;
	struct env e;

	ENV(&e, LIBKVM_MODE_LONG64, state);
	ck_assert_msg(libkvm_vcpu_get_fpu(e.vcpu, &fpu) == 0, "%s", libkvm_vcpu_error(e.vcpu));
	memcpy(fpu.xmm[0], "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	ck_assert_msg(libkvm_vcpu_set_fpu(e.vcpu, &fpu) == 0, "%s", libkvm_vcpu_error(e.vcpu));
	ck_assert_msg(libkvm_vcpu_set_msr(e.vcpu, 0x174, 0x10) == 0, "%s",
		      libkvm_vcpu_error(e.vcpu));
	ck_assert_msg(libkvm_vcpu_run(e.vcpu, &e.ex) == 0, "%s", libkvm_vcpu_error(e.vcpu));
	r = regs_of(&e);
	env_close(&e);
	/* Emulation failure (suberror 1) on the first instruction, MOVQ. */
	if (e.ex.kind == LIBKVM_EXIT_INTERNAL_ERROR && e.ex.u.internal_error.suberror == 1 &&
	    r.rip == LOAD)
		SKIP_TEST("this device cannot execute the guest's SSE MOVQ (emulation "
			  "failure at 0x%llx); it does not run guest code natively",
			  (unsigned long long)r.rip);
	ck_assert_msg(e.ex.kind == LIBKVM_EXIT_HLT, "exit %s (raw %u)",
		      libkvm_exit_kind_name(e.ex.kind), e.ex.raw_reason);
	ck_assert_uint_eq(r.rax, 0x8877665544332211ull);
	ck_assert_uint_eq(r.rdx, 0x10);
}
END_TEST

/* ---- error paths ------------------------------------------------------------ */

START_TEST(error_open_missing_device)
{
	struct libkvm_sys *sys;

	ck_assert_int_eq(libkvm_sys_new(&sys), 0);
	ck_assert_int_eq(libkvm_sys_open(sys, "/dev/libkvm-no-such-device"), -ENOENT);
	ck_assert_str_eq(libkvm_sys_error(sys),
			 "open /dev/libkvm-no-such-device: No such file or directory");
	libkvm_sys_free(sys);
}
END_TEST

START_TEST(error_duplicate_vcpu_id)
{
	struct libkvm_vcpu *v2;
	struct env e;

	ENV_OPEN(&e);
	ck_assert_int_eq(libkvm_vcpu_create(e.vm, 0, &v2), -EEXIST);
	ck_assert_str_eq(libkvm_vm_error(e.vm), "KVM_CREATE_VCPU (id 0): File exists");
	env_close(&e);
}
END_TEST

START_TEST(error_invalid_sregs)
{
	struct libkvm_sregs sr;
	struct env e;
	int r;

	ENV_OPEN(&e);
	ck_assert_int_eq(libkvm_vcpu_get_sregs(e.vcpu, &sr), 0);
	/* Long mode active without paging is architecturally impossible. */
	sr.efer |= 0x500;
	sr.cr0 &= ~0x80000001ull;
	sr.cs.l = 1;
	r = libkvm_vcpu_set_sregs(e.vcpu, &sr);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_str_eq(libkvm_vcpu_error(e.vcpu), "KVM_SET_SREGS: Invalid argument");
	env_close(&e);
}
END_TEST

START_TEST(error_unknown_msr)
{
	struct libkvm_msr m[2] = { { .index = 0x174 }, { .index = 0x4b564dff } };
	struct env e;

	ENV_OPEN(&e);
	ck_assert_int_eq(libkvm_vcpu_get_msrs(e.vcpu, m, 2), -EINVAL);
	ck_assert_str_eq(libkvm_vcpu_error(e.vcpu),
			 "KVM_GET_MSRS: device refused MSR 0x4b564dff (1 of 2 done)");
	env_close(&e);
}
END_TEST

START_TEST(error_vcpu_without_memory)
{
	struct libkvm_sys *sys;
	struct libkvm_vm *vm;
	struct libkvm_vcpu *vcpu;
	struct libkvm_exit ex;
	int r, i;

	ck_assert_int_eq(libkvm_sys_new(&sys), 0);
	r = libkvm_sys_open(sys, NULL);
	if (r)
		SKIP_TEST("device not usable here: %s", libkvm_sys_error(sys));
	ck_assert_int_eq(libkvm_vm_create(sys, &vm), 0);
	ck_assert_int_eq(libkvm_vcpu_create(vm, 0, &vcpu), 0);
	/*
	 * Reset state fetches from 0xfffffff0 where nothing is mapped: KVM
	 * cannot emulate instructions from MMIO and reports it.
	 */
	for (i = 0; i < 8; i++) {
		r = libkvm_vcpu_run(vcpu, &ex);
		if (r || ex.kind != LIBKVM_EXIT_MMIO)
			break;
		memset(ex.u.mmio.data, 0xff, ex.u.mmio.len);
	}
	/* Either an exit that says so, or a failed KVM_RUN that is named. */
	if (r) {
		ck_assert_msg(!strncmp(libkvm_vcpu_error(vcpu), "KVM_RUN (vcpu 0): ", 18),
			      "message: %s", libkvm_vcpu_error(vcpu));
	} else {
		ck_assert_msg(ex.kind == LIBKVM_EXIT_INTERNAL_ERROR ||
			      ex.kind == LIBKVM_EXIT_SHUTDOWN,
			      "exit %s (raw %u)", libkvm_exit_kind_name(ex.kind), ex.raw_reason);
	}
	libkvm_vm_destroy(vm);
	libkvm_sys_free(sys);
}
END_TEST

static Suite *host_suite(void)
{
	Suite *s = suite_create(TIER);
	TCase *t;

	t = tcase_create("modes");
	tcase_set_timeout(t, 30);
	tcase_add_test(t, device_has_core_features);
	tcase_add_test(t, real_mode_pio_round_trip);
	tcase_add_test(t, pio_completes_on_reentry);
	tcase_add_test(t, pio_rip_at_exit);
	tcase_add_test(t, prot32_mode_guest);
	tcase_add_test(t, long_mode_guest);
	tcase_add_test(t, mmio_round_trip);
	tcase_add_test(t, readonly_map_write_exits);
	tcase_add_test(t, unmapped_hole_is_mmio);
	tcase_add_test(t, string_io_through_loop);
	tcase_add_test(t, guest_memory_helpers);
	suite_add_tcase(s, t);

	t = tcase_create("kick");
	tcase_set_timeout(t, 30);
	tcase_add_test(t, kick_from_another_thread);
	tcase_add_test(t, kick_from_signal_handler);
	tcase_add_test(t, kick_before_run_is_kept);
	suite_add_tcase(s, t);

	t = tcase_create("events");
	tcase_set_timeout(t, 30);
	tcase_add_test(t, dirty_log_after_guest_writes);
	tcase_add_test(t, triple_fault_is_shutdown);
	tcase_add_test(t, single_step_debug_exit);
	tcase_add_test(t, irq_window_and_injection);
	tcase_add_test(t, nmi_injection);
	tcase_add_test(t, supported_cpuid_reaches_guest);
	tcase_add_test(t, fpu_and_msr_state);
	tcase_add_test(t, guest_sees_fpu_and_msr);
	suite_add_tcase(s, t);

	t = tcase_create("errors");
	tcase_set_timeout(t, 30);
	tcase_add_test(t, error_open_missing_device);
	tcase_add_test(t, error_duplicate_vcpu_id);
	tcase_add_test(t, error_invalid_sregs);
	tcase_add_test(t, error_unknown_msr);
	tcase_add_test(t, error_vcpu_without_memory);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	const char *dev = getenv("LIBKVM_DEVICE");

	printf("# %s: device %s\n", TIER, dev && dev[0] ? dev : "(libkvm default)");
	return harness_run(host_suite(), TIER) ? 1 : 0;
}
