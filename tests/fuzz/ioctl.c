// SPDX-License-Identifier: MIT
/*
 * The ioctl fuzzer: seeded random sequences of system, VM and vcpu ioctls
 * with valid and invalid numbers, sizes, flags and pointers, from several
 * threads at once, with fds closed in random orders and forked children
 * using inherited fds.  Each thread's sequence follows from the seed and its
 * index (the interleaving of threads does not: run --threads 1 to replay an
 * exact sequence).  Host errors: a kernel report in /dev/kmsg, an ioctl that
 * does not return, an errno no ioctl may return (kernel-internal codes), a
 * forked child that can use its parent's VM, and a device that stops
 * answering afterwards.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

enum kind { K_FREE, K_SYS, K_VM, K_VCPU, K_OTHER };
#define POOL 48
#define NBUF 4
#define BUF_SIZE 0x40000

struct obj {
	int fd;
	enum kind kind;
};

static struct obj pool[POOL];
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
/*
 * fds the fuzzer holds outside the pool (eventfds, stats fds, /dev/kmsg): a random ioctl's
 * return value that happens to equal one must not enter the pool, or the pool would close
 * it (and later hold a stale entry for a number reused by another kind of fd).
 */
static uint8_t owned[4096];
static uint8_t *slot_buf[NBUF];		/* guest memory candidates, never unmapped */
static uint8_t *hole;			/* a page nobody maps */
static uint8_t *ro_page;		/* read-only */
static volatile int stop;
static char fail_msg[512];
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t seed, plant, plant_hang, trace_from, dump_from, progress_ms = 10000;

struct worker {
	pthread_t t;
	int idx;
	struct rng r;
	uint64_t ops, done;
	volatile uint64_t op_start;	/* ms, 0 when idle */
	volatile const char *op_name;
	volatile int cur_fd;		/* the ioctl in progress (for the hang report) */
	volatile unsigned long cur_req;
	timer_t timer;
	int kicking;			/* the kick timer is armed */
	uint8_t *good;			/* BUF_SIZE of scratch */
	uint8_t *edge;			/* a page followed by an unmapped one */
	int efd[4];			/* eventfds for IRQFD/IOEVENTFD (-1: none) */
};

static void host_error(struct worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void host_error(struct worker *w, const char *fmt, ...)
{
	va_list ap;
	char m[384];

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&fail_lock);
	if (!fail_msg[0])
		snprintf(fail_msg, sizeof(fail_msg), "thread %d op %llu (%s): %s", w->idx,
			 (unsigned long long)w->done, w->op_name ? (const char *)w->op_name : "?", m);
	pthread_mutex_unlock(&fail_lock);
	stop = 1;
}

/* Errnos an ioctl may return to user space.  Kernel-internal codes (>= 512) never. */
static int errno_ok(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case ENOTTY: case E2BIG: case EBADF: case EEXIST:
	case ENOMEM: case ENOSPC: case EIO: case EINTR: case EAGAIN: case ENXIO:
	case ENOENT: case EPERM: case EBUSY: case EOPNOTSUPP: case ENOSYS: case ERANGE:
	case ENODEV: case EACCES: case EMFILE: case ENFILE: case EOVERFLOW: case ENOEXEC:
		return 1;
	}
	return 0;
}

/* Kicks (SIGUSR1) every 2 ms from first_ms on (0: none), until disarmed: one that lands before the call is not lost. */
static void kick_arm(struct worker *w, int first_ms)
{
	struct itimerspec it = { 0 };

	if (first_ms) {
		it.it_value.tv_nsec = first_ms * 1000000L;
		it.it_interval.tv_nsec = 2000000;
	}
	timer_settime(w->timer, 0, &it, NULL);
	w->kicking = first_ms != 0;
}

/* One line of hex on stderr (the console): a state to replay a hang from. */
static void dump_hex(FILE *f, const char *tag, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	fprintf(f, " %s=", tag);
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

/* The vcpu's state right before a KVM_RUN (--dump-state): the run may never come back. */
static void dump_state(struct worker *w, int fd)
{
	struct okvm_regs regs;
	struct okvm_sregs sregs;
	struct okvm_vcpu_events ev;
	struct okvm_debugregs dr;
	char line[4096];
	FILE *f = fmemopen(line, sizeof(line), "w");

	if (!f)
		return;
	fprintf(f, "S t%d op %llu fd %d", w->idx, (unsigned long long)w->done, fd);
	if (!ioctl(fd, OKVM_GET_REGS, &regs))
		dump_hex(f, "regs", &regs, sizeof(regs));
	if (!ioctl(fd, OKVM_GET_SREGS, &sregs))
		dump_hex(f, "sregs", &sregs, sizeof(sregs));
	if (!ioctl(fd, OKVM_GET_VCPU_EVENTS, &ev))
		dump_hex(f, "events", &ev, sizeof(ev));
	if (!ioctl(fd, OKVM_GET_DEBUGREGS, &dr))
		dump_hex(f, "debugregs", &dr, sizeof(dr));
	fputc('\n', f);
	fclose(f);
	line[sizeof(line) - 1] = 0;
	fputs(line, stderr);
}

static long xioctl(struct worker *w, int fd, unsigned long req, void *arg)
{
	long r;
	int e;

	if (dump_from && w->done >= dump_from && req == OKVM_RUN)
		dump_state(w, fd);

	if (trace_from && w->done >= trace_from) {
		/* Straight to the console: the last line names the call that hung. */
		fprintf(stderr, "t%d op %llu %s: ioctl(%d, %#lx, %p)\n", w->idx, (unsigned long long)w->done,
			w->op_name ? (const char *)w->op_name : "?", fd, req, arg);
	}
	w->cur_fd = fd;
	w->cur_req = req;
	if (req == OKVM_RUN && !w->kicking) {
		/*
		 * A KVM_RUN from another kind of op (wrong-fd, random-ioctl) gets kicks too: a
		 * guest may loop for ever (as on any KVM), so only a run that does not come
		 * back after a signal is a host error.
		 */
		kick_arm(w, 3);
		r = ioctl(fd, req, arg);
		e = errno;
		kick_arm(w, 0);
	} else {
		r = ioctl(fd, req, arg);
		e = errno;
	}
	w->cur_req = 0;

	if (plant && w->done == plant && w->idx == 0) {	/* self-check */
		r = -1;
		e = 512;
	}
	if (r < 0 && !errno_ok(e))
		host_error(w, "ioctl %#lx on fd %d failed with errno %d", req, fd, e);
	errno = e;
	return r;
}

/* ---- the fd pool ---- */

static void own(int fd, int on)
{
	pthread_mutex_lock(&pool_lock);
	if (fd >= 0 && fd < (int)sizeof(owned))
		owned[fd] = on;
	pthread_mutex_unlock(&pool_lock);
}

static void pool_add(int fd, enum kind k)
{
	int i, victim = -1;

	pthread_mutex_lock(&pool_lock);
	if (fd >= 0 && fd < (int)sizeof(owned) && owned[fd])
		goto out;
	for (i = 0; i < POOL; i++)
		if (pool[i].kind != K_FREE && pool[i].fd == fd) {
			pool[i].kind = k;	/* a number reused under our feet */
			goto out;
		}
	for (i = 0; i < POOL; i++)
		if (pool[i].kind == K_FREE) {
			victim = i;
			break;
		}
	if (victim < 0) {	/* full: the newest object replaces a random one */
		victim = (fd * 7) % POOL;
		close(pool[victim].fd);
	}
	pool[victim].fd = fd;
	pool[victim].kind = k;
out:
	pthread_mutex_unlock(&pool_lock);
}

/* A random pooled fd of a kind (K_FREE: any kind), or -1. */
static int pool_pick(struct rng *r, enum kind k)
{
	int i, n = 0, fd = -1, idx[POOL];

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < POOL; i++)
		if (pool[i].kind != K_FREE && (k == K_FREE || pool[i].kind == k))
			idx[n++] = i;
	if (n)
		fd = pool[idx[rng_below(r, n)]].fd;
	pthread_mutex_unlock(&pool_lock);
	return fd;
}

static void pool_close_random(struct rng *r)
{
	int i, n = 0, idx[POOL];

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < POOL; i++)
		if (pool[i].kind != K_FREE)
			idx[n++] = i;
	if (n) {
		i = idx[rng_below(r, n)];
		close(pool[i].fd);
		pool[i].kind = K_FREE;
	}
	pthread_mutex_unlock(&pool_lock);
}

/* ---- arguments ---- */

static const uint64_t kernel_addrs[] = {
	0xffff888000000000ULL, 0xffffffff81000000ULL, 0xffffc90000000000ULL,
	0xffffea0000000000ULL, 0x8000000000000000ULL, 0xfffffffffffff000ULL,
};

/* A pointer for an argument of size bytes whose good value is good. */
static void *arg_ptr(struct worker *w, void *good, size_t size)
{
	uint64_t c = rng_below(&w->r, 20);

	switch (c) {
	case 0: return NULL;
	case 1: return (void *)8;
	case 2: return hole + rng_below(&w->r, 4096);
	case 3: return (void *)kernel_addrs[rng_below(&w->r, 6)];
	case 4: return (uint8_t *)good + 1 + rng_below(&w->r, 7);
	case 5: return w->edge + 4096 - (size > 4096 ? 4096 : size) / 2;	/* runs off the end */
	case 6: return ro_page;
	default: return good;
	}
}

static uint64_t rnd_val(struct rng *r)
{
	switch (rng_below(r, 8)) {
	case 0: return 0;
	case 1: return ~0ULL;
	case 2: return rng_below(r, 16);
	case 3: return 1ULL << rng_below(r, 64);
	case 4: return (1ULL << rng_below(r, 64)) - 1;
	case 5: return rng_next(r) & 0xfffff000;
	default: return rng_next(r);
	}
}

static uint32_t rnd_count(struct rng *r)
{
	switch (rng_below(r, 6)) {
	case 0: return 0;
	case 1: return 0xffffffff;
	case 2: return 0x7fffffff;
	case 3: return 1u << rng_below(r, 31);
	default: return rng_below(r, 300);
	}
}

/* Random contents for a structure, sometimes starting from what GET gave. */
static void mutate(struct rng *r, void *p, size_t n)
{
	uint8_t *b = p;
	int i, k = 1 + rng_below(r, 8);

	if (rng_below(r, 4) == 0) {
		rng_fill(r, p, n);
		return;
	}
	for (i = 0; i < k && n; i++) {
		size_t o = rng_below(r, n);

		if (rng_below(r, 2))
			b[o] ^= 1 << rng_below(r, 8);
		else
			b[o] = rng_next(r);
	}
}

/* ---- operations ---- */

static uint64_t rnd_gpa(struct rng *r)
{
	switch (rng_below(r, 6)) {
	case 0: return rng_below(r, 64) << 16;			/* low, may overlap */
	case 1: return rng_below(r, 16) << 20;
	case 2: return rnd_val(r);
	case 3: return 0xfffff000ULL - (rng_below(r, 4) << 12);	/* below 4 GiB */
	case 4: return (1ULL << rng_below(r, 64)) + rng_below(r, 2) * 0x800;
	default: return rng_below(r, 256) << 12;
	}
}

static void op_slot(struct worker *w, int vm)
{
	struct okvm_userspace_memory_region *m = (void *)w->good;
	struct rng *r = &w->r;
	uint8_t *buf = slot_buf[rng_below(r, NBUF)];

	memset(m, 0, sizeof(*m));
	m->slot = rng_below(r, 8) ? rng_below(r, 6) : (uint32_t)rnd_val(r);
	m->flags = rng_below(r, 4) ? rng_below(r, 4) : (uint32_t)rnd_val(r);
	m->guest_phys_addr = rnd_gpa(r);
	m->memory_size = rng_below(r, 6) ? (1 + rng_below(r, BUF_SIZE / 4096)) * 4096 : rnd_val(r);
	if (rng_below(r, 5) == 0)
		m->memory_size = 0;	/* delete */
	switch (rng_below(r, 10)) {
	case 0: m->userspace_addr = rnd_val(r); break;
	case 1: m->userspace_addr = (uintptr_t)hole; break;
	case 2: m->userspace_addr = kernel_addrs[rng_below(r, 6)]; break;
	case 3: m->userspace_addr = (uintptr_t)buf + 1 + rng_below(r, 4095); break;
	case 4: m->userspace_addr = (uintptr_t)ro_page; break;
	default: m->userspace_addr = (uintptr_t)buf + (rng_below(r, 16) << 12); break;
	}
	xioctl(w, vm, OKVM_SET_USER_MEMORY_REGION, rng_below(r, 10) ? (void *)m : arg_ptr(w, m, sizeof(*m)));
}

static void op_run(struct worker *w, int vcpu)
{
	struct okvm_run *run;
	int size = 0, sys = pool_pick(&w->r, K_SYS), i, n = 1 + rng_below(&w->r, 4);

	if (sys >= 0)
		size = ioctl(sys, OKVM_GET_VCPU_MMAP_SIZE, 0);
	run = size > 0 ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0) : MAP_FAILED;
	if (run != MAP_FAILED)
		run->immediate_exit = rng_below(&w->r, 4) == 0;
	for (i = 0; i < n && !stop; i++) {
		kick_arm(w, 1 + rng_below(&w->r, 5));
		xioctl(w, vcpu, OKVM_RUN, NULL);
		kick_arm(w, 0);
		if (run != MAP_FAILED && rng_below(&w->r, 3) == 0)
			run->immediate_exit = 1;
	}
	if (run != MAP_FAILED)
		munmap(run, size);
}

/* GET into a buffer, mutate it, SET it: the state ioctls of a vcpu. */
static void op_state(struct worker *w, int vcpu)
{
	static const struct { unsigned long get, set; size_t size; } s[] = {
		{ OKVM_GET_REGS, OKVM_SET_REGS, sizeof(struct okvm_regs) },
		{ OKVM_GET_SREGS, OKVM_SET_SREGS, sizeof(struct okvm_sregs) },
		{ OKVM_GET_FPU, OKVM_SET_FPU, sizeof(struct okvm_fpu) },
		{ OKVM_GET_XSAVE, OKVM_SET_XSAVE, sizeof(struct okvm_xsave) },
		{ OKVM_GET_XCRS, OKVM_SET_XCRS, sizeof(struct okvm_xcrs) },
		{ OKVM_GET_MP_STATE, OKVM_SET_MP_STATE, sizeof(struct okvm_mp_state) },
		{ OKVM_GET_VCPU_EVENTS, OKVM_SET_VCPU_EVENTS, sizeof(struct okvm_vcpu_events) },
		{ OKVM_GET_DEBUGREGS, OKVM_SET_DEBUGREGS, sizeof(struct okvm_debugregs) },
		{ OKVM_GET_LAPIC, OKVM_SET_LAPIC, sizeof(struct okvm_lapic_state) },
		{ OKVM_GET_SREGS2, OKVM_SET_SREGS2, sizeof(struct okvm_sregs2) },
	};
	int k = rng_below(&w->r, sizeof(s) / sizeof(s[0]));
	uint8_t *b = w->good;

	memset(b, 0, s[k].size);
	xioctl(w, vcpu, s[k].get, rng_below(&w->r, 6) ? (void *)b : arg_ptr(w, b, s[k].size));
	if (rng_below(&w->r, 3))
		mutate(&w->r, b, s[k].size);
	xioctl(w, vcpu, s[k].set, rng_below(&w->r, 6) ? (void *)b : arg_ptr(w, b, s[k].size));
}

static const uint32_t msr_idx[] = {
	0x10, 0x1b, 0x3a, 0x48, 0x8b, 0xe7, 0xe8, 0x174, 0x175, 0x176, 0x1d9, 0x277, 0x2ff,
	0x6e0, 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100,
	0xc0000101, 0xc0000102, 0xc0000103, 0xc0010114, 0xc0010117, 0xc0011029, 0x40000000,
	0xffffffff, 0x2000, 0xc0002000,
};

static void op_msrs(struct worker *w, int vcpu)
{
	struct okvm_msrs *m = (void *)w->good;
	uint32_t n = rnd_count(&w->r), i, fill;

	fill = n < 512 ? n : 512;
	m->nmsrs = n;
	m->pad = rng_below(&w->r, 8) ? 0 : rng_next(&w->r);
	for (i = 0; i < fill; i++) {
		m->entries[i].index = rng_below(&w->r, 4) ? msr_idx[rng_below(&w->r, 30)] : rng_next(&w->r);
		m->entries[i].reserved = 0;
		m->entries[i].data = rnd_val(&w->r);
	}
	xioctl(w, vcpu, rng_below(&w->r, 2) ? OKVM_GET_MSRS : OKVM_SET_MSRS,
	       rng_below(&w->r, 6) ? (void *)m : arg_ptr(w, m, sizeof(*m) + fill * 16));
}

static void op_cpuid(struct worker *w, int fd, int sys)
{
	struct okvm_cpuid2 *c = (void *)w->good;
	uint32_t n = rnd_count(&w->r);
	size_t max = (BUF_SIZE - sizeof(*c)) / sizeof(c->entries[0]);
	unsigned long req;

	c->nent = n;
	c->padding = 0;
	if (!sys && rng_below(&w->r, 2) && n < max) {
		/* A random (mostly plausible) table for SET_CPUID2. */
		rng_fill(&w->r, c->entries, (n < 80 ? n : 80) * sizeof(c->entries[0]));
		req = OKVM_SET_CPUID2;
	} else if (sys) {
		req = rng_below(&w->r, 2) ? OKVM_GET_SUPPORTED_CPUID : OKVM_GET_MSR_INDEX_LIST;
	} else {
		req = OKVM_GET_CPUID2;
	}
	xioctl(w, fd, req, rng_below(&w->r, 5) ? (void *)c : arg_ptr(w, c, sizeof(*c) + 64));
}

static void op_misc_vcpu(struct worker *w, int vcpu)
{
	struct okvm_translation *t = (void *)w->good;
	struct okvm_signal_mask *sm = (void *)w->good;

	switch (rng_below(&w->r, 3)) {
	case 0:
		memset(t, 0, sizeof(*t));
		t->linear_address = rnd_val(&w->r);
		xioctl(w, vcpu, OKVM_TRANSLATE, rng_below(&w->r, 4) ? (void *)t : arg_ptr(w, t, sizeof(*t)));
		break;
	case 1:
		sm->len = rng_below(&w->r, 3) ? 8 : rnd_count(&w->r);
		/* Never block the signals the fuzzer kicks and stops with. */
		memset(sm->sigset, 0, 16);
		if (rng_below(&w->r, 2))
			sm->sigset[1] = rng_next(&w->r) & 0xfd;	/* not SIGALRM's, SIGUSR1's bits */
		xioctl(w, vcpu, OKVM_SET_SIGNAL_MASK, rng_below(&w->r, 3) ? (void *)sm : NULL);
		break;
	case 2:
		xioctl(w, vcpu, OKVM_INTERRUPT, arg_ptr(w, w->good, 4));
		break;
	}
}

static void op_vm_misc(struct worker *w, int vm)
{
	struct okvm_dirty_log *d = (void *)w->good;

	switch (rng_below(&w->r, 4)) {
	case 0:
		memset(d, 0, sizeof(*d));
		d->slot = rng_below(&w->r, 4) ? rng_below(&w->r, 6) : rng_next(&w->r);
		d->dirty_bitmap = rng_below(&w->r, 3) ? w->good + 64 : arg_ptr(w, w->good + 64, 64);
		xioctl(w, vm, OKVM_GET_DIRTY_LOG, rng_below(&w->r, 5) ? (void *)d : arg_ptr(w, d, sizeof(*d)));
		break;
	case 1:
		xioctl(w, vm, OKVM_SET_TSS_ADDR, (void *)(uintptr_t)rnd_gpa(&w->r));
		break;
	case 2:
		*(uint64_t *)w->good = rnd_gpa(&w->r);
		xioctl(w, vm, OKVM_SET_IDENTITY_MAP_ADDR, arg_ptr(w, w->good, 8));
		break;
	case 3:
		xioctl(w, vm, OKVM_CHECK_EXTENSION, (void *)(uintptr_t)rnd_count(&w->r));
		break;
	}
}

/* ---- the in-kernel irqchip and friends ---- */

/* One of the worker's eventfds (made on demand), sometimes a bad number. */
static int pick_efd(struct worker *w)
{
	int i = rng_below(&w->r, 4);

	if (rng_below(&w->r, 10) == 0)
		return rng_below(&w->r, 3) ? -1 : (int)rng_below(&w->r, 1024);
	if (w->efd[i] < 0) {
		w->efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		own(w->efd[i], 1);
	}
	return w->efd[i];
}

/* Signal, close or leave the worker's eventfds: irqfds and ioeventfds lose theirs under them. */
static void efd_churn(struct worker *w)
{
	int i = rng_below(&w->r, 4);
	uint64_t one = 1;

	if (w->efd[i] < 0)
		return;
	if (rng_below(&w->r, 3)) {
		if (write(w->efd[i], &one, 8) != 8)
			return;
	} else {
		own(w->efd[i], 0);
		close(w->efd[i]);
		w->efd[i] = -1;
	}
}

/* A stats fd: read its header and some random offsets, then close it. */
static void stats_read(struct worker *w, int fd)
{
	uint8_t *b = w->good;
	int i;

	if (fd < 0)
		return;
	own(fd, 1);
	if (read(fd, b, 64) >= 0)
		for (i = 0; i < 4; i++)
			if (pread(fd, b, rng_below(&w->r, 4096), rng_below(&w->r, 8) ? rng_below(&w->r, 8192) :
				  (off_t)(rnd_val(&w->r) & 0x7fffffffffffULL)) < 0)
				break;
	own(fd, 0);
	close(fd);
}

static void op_irqchip(struct worker *w, int vm)
{
	struct rng *r = &w->r;
	uint8_t *b = w->good;
	unsigned long req = 0;
	void *arg = b;
	size_t size = 64;

	memset(b, 0, 4096);
	switch (rng_below(r, 18)) {
	case 0:
		xioctl(w, vm, OKVM_CREATE_IRQCHIP, NULL);
		return;
	case 1: {
		struct okvm_enable_cap *c = (void *)b;

		c->cap = rng_below(r, 4) ? OKVM_CAP_SPLIT_IRQCHIP : (rng_below(r, 2) ? OKVM_CAP_MAX_VCPU_ID :
			 (uint32_t)rnd_count(r));
		c->flags = rng_below(r, 6) ? 0 : rng_next(r);
		c->args[0] = rng_below(r, 3) ? rng_below(r, 33) : rnd_val(r);
		req = OKVM_ENABLE_CAP;
		size = sizeof(*c);
		break;
	}
	case 2:
	case 3: {
		struct okvm_irq_level *l = (void *)b;

		l->irq = rng_below(r, 4) ? rng_below(r, 32) : (uint32_t)rnd_val(r);
		l->level = rng_below(r, 4) ? rng_below(r, 2) : (uint32_t)rnd_val(r);
		req = rng_below(r, 2) ? OKVM_IRQ_LINE : OKVM_IRQ_LINE_STATUS;
		size = sizeof(*l);
		break;
	}
	case 4:
	case 5: {
		struct okvm_irqchip *c = (void *)b;

		c->chip_id = rng_below(r, 4) ? rng_below(r, 3) : (uint32_t)rnd_val(r);
		xioctl(w, vm, OKVM_GET_IRQCHIP, rng_below(r, 6) ? (void *)c : arg_ptr(w, c, sizeof(*c)));
		if (rng_below(r, 3))
			mutate(r, &c->chip, sizeof(c->chip));
		req = OKVM_SET_IRQCHIP;
		size = sizeof(*c);
		break;
	}
	case 6: {
		struct okvm_pit_config *pc = (void *)b;

		pc->flags = rng_below(r, 3) ? rng_below(r, 2) : (uint32_t)rnd_val(r);
		req = OKVM_CREATE_PIT2;
		size = sizeof(*pc);
		break;
	}
	case 7: {
		struct okvm_pit_state2 *ps = (void *)b;

		xioctl(w, vm, OKVM_GET_PIT2, rng_below(r, 6) ? (void *)ps : arg_ptr(w, ps, sizeof(*ps)));
		if (rng_below(r, 3))
			mutate(r, ps, sizeof(*ps));
		req = OKVM_SET_PIT2;
		size = sizeof(*ps);
		break;
	}
	case 8: {
		struct okvm_irq_routing *rt = (void *)b;
		uint32_t i, n = rng_below(r, 4) ? rng_below(r, 40) : rnd_count(r);
		uint32_t fill = n < 100 ? n : 100;

		rt->nr = n;
		rt->flags = rng_below(r, 8) ? 0 : rng_next(r);
		for (i = 0; i < fill; i++) {
			struct okvm_irq_routing_entry *e = &rt->entries[i];

			e->gsi = rng_below(r, 4) ? rng_below(r, 48) : (uint32_t)rnd_val(r);
			e->type = rng_below(r, 4) ? 1 + rng_below(r, 2) : (uint32_t)rnd_count(r);
			e->flags = rng_below(r, 8) ? 0 : rng_next(r);
			if (e->type == OKVM_IRQ_ROUTING_MSI) {
				e->u.msi.address_lo = 0xfee00000 | (rng_below(r, 4) << 12) | (rng_below(r, 4) ? 0 : rng_next(r) & 0xff0);
				e->u.msi.address_hi = rng_below(r, 6) ? 0 : rng_next(r);
				e->u.msi.data = rng_below(r, 3) ? 0x20 + rng_below(r, 0xe0) : (uint32_t)rng_next(r);
			} else {
				e->u.irqchip.irqchip = rng_below(r, 4) ? rng_below(r, 3) : (uint32_t)rnd_val(r);
				e->u.irqchip.pin = rng_below(r, 4) ? rng_below(r, 24) : (uint32_t)rnd_val(r);
			}
		}
		req = OKVM_SET_GSI_ROUTING;
		size = sizeof(*rt) + fill * sizeof(rt->entries[0]);
		break;
	}
	case 9: {
		struct okvm_msi *m = (void *)b;

		m->address_lo = rng_below(r, 4) ? 0xfee00000 | (rng_below(r, 4) << 12) : (uint32_t)rnd_val(r);
		m->address_hi = rng_below(r, 6) ? 0 : rng_next(r);
		m->data = rng_below(r, 3) ? 0x20 + rng_below(r, 0xe0) : (uint32_t)rng_next(r);
		m->flags = rng_below(r, 6) ? 0 : rng_next(r);
		req = OKVM_SIGNAL_MSI;
		size = sizeof(*m);
		break;
	}
	case 10:
	case 11: {
		struct okvm_irqfd *f = (void *)b;

		f->fd = pick_efd(w);
		f->gsi = rng_below(r, 4) ? rng_below(r, 48) : (uint32_t)rnd_val(r);
		f->flags = rng_below(r, 3) ? rng_below(r, 4) : (uint32_t)rnd_val(r);
		f->resamplefd = pick_efd(w);
		req = OKVM_IRQFD;
		size = sizeof(*f);
		break;
	}
	case 12: {
		struct okvm_ioeventfd *e = (void *)b;
		static const uint32_t lens[] = { 0, 1, 2, 4, 8, 3 };

		e->flags = rng_below(r, 4) ? rng_below(r, 8) : (uint32_t)rnd_val(r);
		e->addr = (e->flags & OKVM_IOEVENTFD_FLAG_PIO) ? rng_below(r, 0x10000) : rnd_gpa(r);
		e->len = rng_below(r, 6) ? lens[rng_below(r, 6)] : (uint32_t)rnd_val(r);
		e->fd = pick_efd(w);
		e->datamatch = rnd_val(r);
		req = OKVM_IOEVENTFD;
		size = sizeof(*e);
		break;
	}
	case 13: {
		struct okvm_coalesced_mmio_zone *z = (void *)b;

		z->addr = rng_below(r, 2) ? rnd_gpa(r) : rng_below(r, 0x10000);
		z->size = rng_below(r, 4) ? 1u << rng_below(r, 13) : (uint32_t)rnd_val(r);
		z->pio = rng_below(r, 3) ? rng_below(r, 2) : (uint32_t)rnd_val(r);
		req = rng_below(r, 2) ? OKVM_REGISTER_COALESCED_MMIO : OKVM_UNREGISTER_COALESCED_MMIO;
		size = sizeof(*z);
		break;
	}
	case 14:
		xioctl(w, vm, OKVM_SET_BOOT_CPU_ID, (void *)(uintptr_t)(rng_below(r, 4) ? rng_below(r, 4) : rnd_val(r)));
		return;
	case 15: {
		struct okvm_userspace_memory_region2 *m = (void *)b;
		uint8_t *buf = slot_buf[rng_below(r, NBUF)];

		m->slot = rng_below(r, 8) ? rng_below(r, 6) : (uint32_t)rnd_val(r);
		m->flags = rng_below(r, 4) ? rng_below(r, 4) : (uint32_t)rnd_val(r);
		m->guest_phys_addr = rnd_gpa(r);
		m->memory_size = rng_below(r, 5) ? (1 + rng_below(r, BUF_SIZE / 4096)) * 4096 : 0;
		m->userspace_addr = rng_below(r, 8) ? (uintptr_t)buf + (rng_below(r, 16) << 12) : rnd_val(r);
		m->guest_memfd_offset = rng_below(r, 6) ? 0 : rnd_val(r);
		m->guest_memfd = rng_below(r, 6) ? 0 : (uint32_t)rnd_val(r);
		if (rng_below(r, 8) == 0)
			m->pad2[rng_below(r, 14)] = rng_next(r);
		req = OKVM_SET_USER_MEMORY_REGION2;
		size = sizeof(*m);
		break;
	}
	case 16:
		efd_churn(w);
		return;
	case 17:
		stats_read(w, xioctl(w, vm, OKVM_GET_STATS_FD, NULL));
		return;
	}
	xioctl(w, vm, req, rng_below(r, 8) ? arg : arg_ptr(w, arg, size));
}

static void op_vcpu_irq(struct worker *w, int vcpu)
{
	struct rng *r = &w->r;
	struct okvm_guest_debug *d = (void *)w->good;
	struct okvm_enable_cap *c = (void *)w->good;

	switch (rng_below(r, 4)) {
	case 0:
		memset(d, 0, sizeof(*d));
		d->control = rng_below(r, 3) ? rng_below(r, 0x40000) : (uint32_t)rng_next(r);
		if (rng_below(r, 2))
			mutate(r, &d->arch, sizeof(d->arch));
		xioctl(w, vcpu, OKVM_SET_GUEST_DEBUG, rng_below(r, 6) ? (void *)d : arg_ptr(w, d, sizeof(*d)));
		break;
	case 1:
		stats_read(w, xioctl(w, vcpu, OKVM_GET_STATS_FD, NULL));
		break;
	case 2:
		xioctl(w, vcpu, OKVM_NMI, NULL);
		break;
	case 3:
		memset(c, 0, sizeof(*c));
		c->cap = rnd_count(r);
		c->args[0] = rnd_val(r);
		xioctl(w, vcpu, OKVM_ENABLE_CAP, rng_below(r, 6) ? (void *)c : arg_ptr(w, c, sizeof(*c)));
		break;
	}
}

/* Any ioctl number of KVM's type, any size and direction, on any fd. */
static void op_random_ioctl(struct worker *w)
{
	int fd = pool_pick(&w->r, K_FREE);
	unsigned long nr = rng_below(&w->r, 256), dir = rng_below(&w->r, 4);
	unsigned long size = rng_below(&w->r, 3) ? rng_below(&w->r, 0x400) : rng_below(&w->r, 0x4000);
	unsigned long req = _IOC(dir, OKVM_IOCTL_TYPE, nr, size);
	long r;

	if (fd < 0)
		return;
	if (rng_below(&w->r, 8) == 0)
		req = rng_next(&w->r) & 0xffffffff;
	if ((req >> 8 & 0xff) != OKVM_IOCTL_TYPE)
		req = (req & ~0xff00UL) | OKVM_IOCTL_TYPE << 8;	/* never another driver's ioctls */
	mutate(&w->r, w->good, 64);
	r = xioctl(w, fd, req, rng_below(&w->r, 2) ? (void *)w->good : (void *)(uintptr_t)rnd_val(&w->r));
	if (r > 2 && fcntl(r, F_GETFD) >= 0)
		pool_add(r, K_OTHER);	/* a new fd (CREATE_VM, CREATE_VCPU, ...) */
}

/* Known ioctls of one kind of fd on another kind. */
static void op_wrong_fd(struct worker *w)
{
	static const unsigned long reqs[] = {
		OKVM_RUN, OKVM_CREATE_VCPU, OKVM_GET_REGS, OKVM_CREATE_VM, OKVM_GET_API_VERSION,
		OKVM_SET_USER_MEMORY_REGION, OKVM_GET_SUPPORTED_CPUID, OKVM_GET_VCPU_MMAP_SIZE,
		OKVM_GET_MSR_INDEX_LIST, OKVM_SET_TSS_ADDR, OKVM_GET_SREGS, OKVM_SET_CPUID2,
	};
	int fd = pool_pick(&w->r, K_FREE);
	long r;

	if (fd < 0)
		return;
	r = xioctl(w, fd, reqs[rng_below(&w->r, 12)], rng_below(&w->r, 2) ? w->good : NULL);
	if (r > 2 && fcntl(r, F_GETFD) >= 0)
		pool_add(r, K_OTHER);
}

static void op_mmap(struct worker *w)
{
	int fd = pool_pick(&w->r, rng_below(&w->r, 4) ? K_VCPU : K_FREE);
	size_t len = (1 + rng_below(&w->r, 4)) * 4096;
	off_t off = rng_below(&w->r, 4) ? (off_t)rng_below(&w->r, 4) * 4096 : (off_t)(rnd_val(&w->r) & ~0xfffULL);
	int prot = rng_below(&w->r, 2) ? PROT_READ : PROT_READ | PROT_WRITE;
	void *p;

	if (fd < 0)
		return;
	if (off < 0)
		off = 0;
	p = mmap(NULL, len, prot, rng_below(&w->r, 5) ? MAP_SHARED : MAP_PRIVATE, fd, off);
	if (p != MAP_FAILED) {
		/* Reading the mapping must not fault for the pages the device offers. */
		munmap(p, len);
	}
}

/* fork: the child's ioctls on the parent's VM and vcpus must fail with EIO. */
static void op_fork(struct worker *w)
{
	struct obj snap[POOL];
	int st, i;
	pid_t pid;
	uint64_t t0;

	pthread_mutex_lock(&pool_lock);
	memcpy(snap, pool, sizeof(snap));
	pid = fork();
	pthread_mutex_unlock(&pool_lock);
	if (pid == 0) {
		struct okvm_regs regs;
		int bad = 0;

		for (i = 0; i < POOL; i++) {
			if (snap[i].kind == K_VM && ioctl(snap[i].fd, OKVM_CREATE_VCPU, 7) != -1)
				bad = 10;
			else if (snap[i].kind == K_VM && errno != EIO)
				bad = 11;
			if (snap[i].kind == K_VCPU && ioctl(snap[i].fd, OKVM_GET_REGS, &regs) != -1)
				bad = 12;
			else if (snap[i].kind == K_VCPU && errno != EIO)
				bad = errno == EBADF || errno == ENOTTY ? 15 + (errno == ENOTTY) : 13;
			if (snap[i].kind == K_VCPU && ioctl(snap[i].fd, OKVM_RUN, 0) != -1)
				bad = 14;
			if (snap[i].kind == K_SYS && i % 2) {
				/* A VM of the child's own, left to the exit path. */
				int vm = ioctl(snap[i].fd, OKVM_CREATE_VM, 0);

				if (vm >= 0)
					ioctl(vm, OKVM_CREATE_VCPU, 0);
			}
			if (snap[i].kind != K_FREE && i % 3 == 0)
				close(snap[i].fd);
		}
		_exit(bad);
	}
	if (pid < 0)
		return;
	t0 = now_ms();
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now_ms() - t0 > 20000) {
			host_error(w, "forked child %d did not exit in 20 s", pid);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return;
		}
		usleep(1000);
	}
	/* 15/16: the pool's bookkeeping was stale (that fd is no vcpu any more): not the host's fault. */
	if (WIFEXITED(st) && WEXITSTATUS(st) && WEXITSTATUS(st) < 15)
		host_error(w, "forked child: the parent's VM or vcpu answered (check %d: 10/12/14 succeeded, 11/13 not EIO)",
			   WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		host_error(w, "forked child died of signal %d", WTERMSIG(st));
}

static const char *skip_list = "";

/* Sets the op's name; true when --skip names it (to narrow a failure down). */
static int op_skip(struct worker *w, const char *name)
{
	const char *p = skip_list;
	size_t n = strlen(name);

	w->op_name = name;
	while ((p = strstr(p, name))) {
		if ((p == skip_list || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
			return 1;
		p += n;
	}
	return 0;
}

static void one_op(struct worker *w)
{
	struct rng *r = &w->r;
	uint64_t c = rng_below(r, 100);
	int fd;

	if (plant && w->done == plant && w->idx == 0) {
		w->op_name = "planted errno";
		xioctl(w, -1, OKVM_GET_API_VERSION, NULL);
		return;
	}
	if (plant_hang && w->done == plant_hang && w->idx == 0) {
		w->op_name = "planted hang";
		sleep(30);
		return;
	}
	if (c < 4) {
		if (op_skip(w, "open"))
			return;
		fd = dev_open(dev_path);
		if (fd >= 0)
			pool_add(fd, K_SYS);
	} else if (c < 10) {
		if (op_skip(w, "create-vm"))
			return;
		fd = pool_pick(r, K_SYS);
		if (fd >= 0 && (fd = xioctl(w, fd, OKVM_CREATE_VM,
					    (void *)(uintptr_t)(rng_below(r, 10) ? 0 : rnd_val(r)))) >= 0)
			pool_add(fd, K_VM);
	} else if (c < 17) {
		if (op_skip(w, "create-vcpu"))
			return;
		fd = pool_pick(r, K_VM);
		if (fd >= 0 && (fd = xioctl(w, fd, OKVM_CREATE_VCPU,
					    (void *)(uintptr_t)(rng_below(r, 6) ? rng_below(r, 4) : rnd_val(r)))) >= 0)
			pool_add(fd, K_VCPU);
	} else if (c < 22) {
		if (op_skip(w, "close"))
			return;
		pool_close_random(r);
	} else if (c < 32) {
		if (op_skip(w, "slot"))
			return;
		if ((fd = pool_pick(r, K_VM)) >= 0)
			op_slot(w, fd);
	} else if (c < 42) {
		if (op_skip(w, "run"))
			return;
		if ((fd = pool_pick(r, K_VCPU)) >= 0)
			op_run(w, fd);
	} else if (c < 55) {
		if (op_skip(w, "state"))
			return;
		if ((fd = pool_pick(r, K_VCPU)) >= 0)
			op_state(w, fd);
	} else if (c < 60) {
		if (op_skip(w, "msrs"))
			return;
		if ((fd = pool_pick(r, K_VCPU)) >= 0)
			op_msrs(w, fd);
	} else if (c < 65) {
		if (op_skip(w, "cpuid"))
			return;
		if (rng_below(r, 2) && (fd = pool_pick(r, K_SYS)) >= 0)
			op_cpuid(w, fd, 1);
		else if ((fd = pool_pick(r, K_VCPU)) >= 0)
			op_cpuid(w, fd, 0);
	} else if (c < 69) {
		if (op_skip(w, "vcpu-misc"))
			return;
		if ((fd = pool_pick(r, K_VCPU)) >= 0)
			op_misc_vcpu(w, fd);
	} else if (c < 75) {
		if (op_skip(w, "vm-misc"))
			return;
		if ((fd = pool_pick(r, K_VM)) >= 0)
			op_vm_misc(w, fd);
	} else if (c < 79) {
		if (op_skip(w, "irqchip"))
			return;
		if ((fd = pool_pick(r, K_VM)) >= 0)
			op_irqchip(w, fd);
	} else if (c < 81) {
		if (op_skip(w, "vcpu-irq"))
			return;
		if ((fd = pool_pick(r, K_VCPU)) >= 0)
			op_vcpu_irq(w, fd);
	} else if (c < 85) {
		if (op_skip(w, "random-ioctl"))
			return;
		op_random_ioctl(w);
	} else if (c < 90) {
		if (op_skip(w, "wrong-fd"))
			return;
		op_wrong_fd(w);
	} else if (c < 93) {
		if (op_skip(w, "mmap"))
			return;
		op_mmap(w);
	} else if (c < 96) {
		if (op_skip(w, "guest-memory"))
			return;
		/* New random guest code and data under the slots. */
		rng_fill(r, slot_buf[rng_below(r, NBUF)] + (rng_below(r, BUF_SIZE / 4096) << 12), 4096);
	} else if (c < 97) {
		if (op_skip(w, "fork"))
			return;
		op_fork(w);
	} else {
		if (op_skip(w, "dup"))
			return;
		if ((fd = pool_pick(r, K_FREE)) >= 0 && (fd = dup(fd)) >= 0)
			pool_add(fd, K_OTHER);
	}
}

static void kick(int sig)
{
	(void)sig;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct sigevent sev = { 0 };

	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &w->timer)) {
		host_error(w, "timer_create: %s", strerror(errno));
		return NULL;
	}
	for (w->done = 0; w->done < w->ops && !stop; w->done++) {
		w->op_start = now_ms();
		one_op(w);
		w->op_start = 0;
	}
	timer_delete(w->timer);
	return NULL;
}

/* The fuzz proper: 0 when no host error was seen. */
static int fuzz(uint64_t ops, int nthreads, uint64_t limit_ms, int quiet)
{
	struct worker *w = calloc(nthreads, sizeof(*w));
	struct sigaction sa = { .sa_handler = kick };
	char line[256];
	uint64_t t0 = now_ms(), last = t0, done;
	int i, kfd = kmsg_open(), fd, busy;

	own(kfd, 1);

	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < NBUF; i++) {
		slot_buf[i] = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct rng r = { seed ^ i };
		rng_fill(&r, slot_buf[i], BUF_SIZE);
	}
	hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, 4096);
	ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < nthreads; i++) {
		w[i].idx = i;
		w[i].r.s = seed * 1000003 + i;
		w[i].ops = ops / nthreads + (i == 0 ? ops % nthreads : 0);
		w[i].good = aligned_alloc(4096, BUF_SIZE);
		w[i].edge = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		memset(w[i].efd, 0xff, sizeof(w[i].efd));
		munmap(w[i].edge + 4096, 4096);
		pthread_create(&w[i].t, NULL, worker_main, &w[i]);
	}
	/* The watch: hung ops, kernel reports, progress. */
	for (;;) {
		usleep(100000);
		done = 0;
		busy = 0;
		for (i = 0; i < nthreads; i++) {
			uint64_t s = w[i].op_start;

			done += w[i].done;
			busy |= w[i].done < w[i].ops && !stop;
			if (s && now_ms() - s > limit_ms) {
				unsigned long req = w[i].cur_req;
				int fd = w[i].cur_fd, k, back = 0;

				/* Does a kick (the signal KVM_RUN must return on) bring it back? */
				for (k = 0; k < 30 && !back; k++) {
					pthread_kill(w[i].t, SIGUSR1);
					usleep(100000);
					back = w[i].op_start != s;
				}
				host_error(&w[i], "did not return in %llu ms (ioctl %#lx on fd %d; %s)",
					   (unsigned long long)limit_ms, req, fd,
					   back ? "it returned after a kick" : "kicks for 3 s did not bring it back");
				printf("fuzz: seed %llu: %s\n", (unsigned long long)seed, fail_msg);
				fflush(stdout);
				kmsg_check(kfd, line, sizeof(line));
				return 1;	/* a hung thread cannot be joined */
			}
		}
		if (kmsg_check(kfd, line, sizeof(line))) {
			pthread_mutex_lock(&fail_lock);
			if (!fail_msg[0])
				snprintf(fail_msg, sizeof(fail_msg), "kernel report near op %llu: %s",
					 (unsigned long long)done, line);
			pthread_mutex_unlock(&fail_lock);
			stop = 1;
		}
		if (!quiet && now_ms() - last > progress_ms) {
			printf("fuzz: seed %llu: %llu of %llu ops, %llu s\n", (unsigned long long)seed,
			       (unsigned long long)done, (unsigned long long)ops,
			       (unsigned long long)(now_ms() - t0) / 1000);
			last = now_ms();
		}
		if (!busy)
			break;
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(w[i].t, NULL);
	/* Close what is left, in pool order (which is random by now). */
	for (i = 0; i < POOL; i++)
		if (pool[i].kind != K_FREE) {
			close(pool[i].fd);
			pool[i].kind = K_FREE;
		}
	/* The device still answers, and a fresh VM runs. */
	fd = dev_open(dev_path);
	if (fd < 0 || ioctl(fd, OKVM_GET_API_VERSION, 0) != OKVM_API_VERSION) {
		if (!fail_msg[0])
			snprintf(fail_msg, sizeof(fail_msg), "the device does not answer after the fuzz");
	} else {
		int vm = ioctl(fd, OKVM_CREATE_VM, 0);

		if (vm < 0 && !fail_msg[0])
			snprintf(fail_msg, sizeof(fail_msg), "CREATE_VM fails after the fuzz: %s", strerror(errno));
		close(vm);
	}
	close(fd);
	usleep(200000);
	if (kmsg_check(kfd, line, sizeof(line)) && !fail_msg[0])
		snprintf(fail_msg, sizeof(fail_msg), "kernel report at the end: %s", line);
	if (!quiet)
		printf("fuzz: seed %llu: %llu ops in %llu s\n", (unsigned long long)seed,
		       (unsigned long long)done, (unsigned long long)(now_ms() - t0) / 1000);
	return fail_msg[0] != 0;
}

/*
 * okvm-fuzz ioctl [--seed N] [--ops N] [--threads N] [--limit-ms N] [--selfcheck]
 *                 [--trace-from OP] [--dump-state-from OP] [--progress-ms MS]
 *                 [--skip KIND,KIND...]
 * --trace-from prints every ioctl from that op of each thread on (stderr);
 * --dump-state-from prints the vcpu's registers, segments, events and debug registers
 * before every KVM_RUN from that op on (stderr, one line each, hex); --skip
 * leaves out kinds of operation (open, create-vm, run, slot, ...: the names in one_op).
 */
int cmd_ioctl(int argc, char **argv)
{
	uint64_t ops = opt_u64(argc, argv, "--ops", 20000);
	int threads = opt_u64(argc, argv, "--threads", 3);
	uint64_t limit = opt_u64(argc, argv, "--limit-ms", 30000);
	char name[64];
	int st;
	pid_t pid;

	seed = opt_u64(argc, argv, "--seed", (uint64_t)time(NULL) ^ getpid());
	plant = opt_u64(argc, argv, "--plant", 0);
	plant_hang = opt_u64(argc, argv, "--plant-hang", 0);
	trace_from = opt_u64(argc, argv, "--trace-from", 0);
	dump_from = opt_u64(argc, argv, "--dump-state-from", 0);
	progress_ms = opt_u64(argc, argv, "--progress-ms", 10000);
	for (int i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--skip"))
			skip_list = argv[i + 1];
	if (opt_flag(argc, argv, "--selfcheck")) {
		/* The detector must catch a planted kernel-internal errno and a planted hang. */
		static const char *const what[] = { "errno", "hang" };
		int i;

		for (i = 0; i < 2; i++) {
			fflush(stdout);
			pid = fork();
			if (pid == 0) {
				seed = 1;
				plant = i == 0 ? 50 : 0;
				plant_hang = i == 1 ? 50 : 0;
				freopen("/dev/null", "w", stdout);
				_exit(fuzz(200, 1, 2000, 1));
			}
			waitpid(pid, &st, 0);
			snprintf(name, sizeof(name), "ioctl/selfcheck-%s", what[i]);
			if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
				result_pass(name);
			else
				result_fail(name, "the fuzzer did not report a planted %s (status %#x)",
					    i ? "hang" : "errno 512", st);
		}
		return 0;
	}
	printf("fuzz: ioctl fuzzer on %s: --seed %llu --ops %llu --threads %d\n", dev_path,
	       (unsigned long long)seed, (unsigned long long)ops, threads);
	snprintf(name, sizeof(name), "ioctl/seed-%llu", (unsigned long long)seed);
	if (fuzz(ops, threads, limit, 0)) {
		result_fail(name, "%s (reproduce: okvm-fuzz ioctl --seed %llu --ops %llu --threads %d)",
			    fail_msg, (unsigned long long)seed, (unsigned long long)ops, threads);
		fflush(stdout);
		_exit(1);
	}
	result_pass(name);
	return 0;
}
