/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough of the kernel for kmod/x86/pic.c, ioapic.c and pit.c to build and run in
 * userspace, unchanged: spinlocks that catch recursion and count how many are held, a
 * fake monotonic clock, and hrtimers the test fires by moving that clock
 * (shim_advance). tests/unit/irqchip_run makes every <linux/...> header the devices
 * include point here and puts irqchip_okvm.h where their "../okvm.h" looks.
 */
#ifndef OKVM_IRQCHIP_SHIM_H
#define OKVM_IRQCHIP_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define READ_ONCE(x)		(*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#define container_of(p, t, m)	((t *)((char *)(p) - offsetof(t, m)))
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define clamp_t(t, v, lo, hi)	min_t(t, max_t(t, v, lo), hi)
#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define NSEC_PER_SEC		1000000000L
#define NSEC_PER_MSEC		1000000L
#define GFP_KERNEL		0
#define __user

static inline void *kzalloc(size_t n, int gfp)
{
	(void)gfp;
	return calloc(1, n);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

/* Locks: a recursive acquisition is a deadlock in the kernel, here an abort. */
typedef struct {
	int locked;
} spinlock_t;

extern int shim_locks_held;
void shim_fatal(const char *why);

static inline void shim_lock(spinlock_t *l)
{
	if (l->locked)
		shim_fatal("spinlock taken twice (deadlock in the kernel)");
	l->locked = 1;
	shim_locks_held++;
}

static inline void shim_unlock(spinlock_t *l)
{
	if (!l->locked)
		shim_fatal("spinlock released while not held");
	l->locked = 0;
	shim_locks_held--;
}

#define spin_lock_init(l)		((l)->locked = 0)
#define spin_lock_irqsave(l, f)		do { (f) = 0; shim_lock(l); } while (0)
#define spin_unlock_irqrestore(l, f)	do { (void)(f); shim_unlock(l); } while (0)
#define spin_lock(l)			shim_lock(l)
#define spin_unlock(l)			shim_unlock(l)

/* Time: ktime_t is ns of the fake monotonic clock. */
typedef s64 ktime_t;
extern s64 shim_now;

static inline ktime_t ktime_get(void)
{
	return shim_now;
}

static inline s64 ktime_to_ns(ktime_t t)
{
	return t;
}

static inline ktime_t ns_to_ktime(u64 ns)
{
	return (ktime_t)ns;
}

static inline u64 div_u64(u64 a, u32 b)
{
	return a / b;
}

static inline u64 div_u64_rem(u64 a, u32 b, u32 *rem)
{
	*rem = a % b;
	return a / b;
}

static inline u64 div64_u64(u64 a, u64 b)
{
	return a / b;
}

static inline u64 mul_u64_u32_div(u64 a, u32 mul, u32 div)
{
	return (u64)((unsigned __int128)a * mul / div);
}

/* hrtimers: started/cancelled here, fired by shim_advance() in the test. */
enum hrtimer_restart { HRTIMER_NORESTART, HRTIMER_RESTART };
enum hrtimer_mode {
	HRTIMER_MODE_ABS = 0, HRTIMER_MODE_REL = 1,
	HRTIMER_MODE_ABS_HARD = 8, HRTIMER_MODE_REL_HARD = 9,
};
#define CLOCK_MONOTONIC 1
typedef int clockid_t_shim;

struct hrtimer {
	enum hrtimer_restart (*function)(struct hrtimer *);
	s64 expires;
	bool queued;
	bool running;
	bool inited;
	struct hrtimer *next_active;
};

void shim_timer_add(struct hrtimer *t);
void shim_timer_del(struct hrtimer *t);

static inline void hrtimer_setup(struct hrtimer *t, enum hrtimer_restart (*fn)(struct hrtimer *),
				 int clock, enum hrtimer_mode mode)
{
	(void)clock;
	(void)mode;
	memset(t, 0, sizeof(*t));
	t->function = fn;
	t->inited = true;
}

static inline void hrtimer_start(struct hrtimer *t, ktime_t at, enum hrtimer_mode mode)
{
	if (!t->inited)
		shim_fatal("hrtimer_start on a timer that was never set up");
	if (mode & 1)
		at += shim_now;
	t->expires = at;
	if (!t->queued)
		shim_timer_add(t);
	t->queued = true;
}

static inline int hrtimer_try_to_cancel(struct hrtimer *t)
{
	if (t->running)
		return -1;
	if (!t->queued)
		return 0;
	t->queued = false;
	shim_timer_del(t);
	return 1;
}

static inline int hrtimer_cancel(struct hrtimer *t)
{
	/* Single-threaded: a callback cannot be running while the test calls this. */
	int r = hrtimer_try_to_cancel(t);

	return r > 0;
}

static inline bool hrtimer_is_queued(struct hrtimer *t)
{
	return t->queued;
}

static inline u64 hrtimer_forward_now(struct hrtimer *t, ktime_t interval)
{
	u64 n = 0;

	if (interval <= 0)
		shim_fatal("hrtimer_forward_now with a zero interval");
	while (t->expires <= shim_now) {
		t->expires += interval;
		n++;
	}
	return n;
}

#endif
