/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough of the kernel for kmod/x86/lapic.c to build and run in userspace: types,
 * helpers, a spinlock that checks its own use, and an hrtimer on a fake clock that the
 * test advances (lapic_test.c runs the callbacks in expiry order).
 */
#ifndef LAPIC_SHIM_H
#define LAPIC_SHIM_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <stdlib.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef int32_t s32;
typedef s64 ktime_t;

#define BIT(n)		(1UL << (n))
#define BIT_ULL(n)	(1ULL << (n))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define container_of(p, t, m)	((t *)((char *)(p) - offsetof(t, m)))
#define READ_ONCE(x)	(*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#define GFP_KERNEL_ACCOUNT	0
#define smp_rmb()	__sync_synchronize()
#define __user

static inline int fls(unsigned int x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

static inline u64 div_u64(u64 a, u32 b)
{
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

static inline void *kzalloc(size_t n, int gfp)
{
	(void)gfp;
	return calloc(1, n);
}

static inline void kfree(void *p)
{
	free(p);
}

/* Spinlocks: recursion and unbalanced unlocks are recorded; shim_locks_held counts. */
typedef struct {
	int held;
} spinlock_t;

extern int shim_locks_held;
extern int shim_lock_errors;

static inline void spin_lock_init(spinlock_t *l)
{
	l->held = 0;
}

#define spin_lock_irqsave(l, f)	do { (f) = 0; shim_spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, f)	do { (void)(f); shim_spin_unlock(l); } while (0)

static inline void shim_spin_lock(spinlock_t *l)
{
	if (l->held)
		shim_lock_errors++;	/* would deadlock in the kernel */
	l->held = 1;
	shim_locks_held++;
}

static inline void shim_spin_unlock(spinlock_t *l)
{
	if (!l->held)
		shim_lock_errors++;
	l->held = 0;
	shim_locks_held--;
}

/* The fake clock and hrtimers. */
extern u64 shim_now;

enum hrtimer_restart { HRTIMER_NORESTART, HRTIMER_RESTART };
enum hrtimer_mode { HRTIMER_MODE_ABS_HARD = 8 };
#define CLOCK_MONOTONIC 1

struct hrtimer {
	s64 expires;
	bool queued, running;
	enum hrtimer_restart (*function)(struct hrtimer *);
	struct hrtimer *next_registered;
};

void hrtimer_setup(struct hrtimer *t, enum hrtimer_restart (*fn)(struct hrtimer *), int clock,
		   enum hrtimer_mode mode);
int hrtimer_try_to_cancel(struct hrtimer *t);
int hrtimer_cancel(struct hrtimer *t);

static inline ktime_t ns_to_ktime(u64 ns)
{
	return (ktime_t)ns;
}

static inline u64 ktime_get_ns(void)
{
	return shim_now;
}

static inline void hrtimer_start(struct hrtimer *t, ktime_t when, enum hrtimer_mode mode)
{
	(void)mode;
	t->expires = when;
	t->queued = true;
}

static inline bool hrtimer_is_queued(struct hrtimer *t)
{
	return t->queued;
}

static inline void hrtimer_set_expires(struct hrtimer *t, ktime_t when)
{
	t->expires = when;
}

extern unsigned int tsc_khz;

#define MSR_IA32_TSC	0x10

#endif
