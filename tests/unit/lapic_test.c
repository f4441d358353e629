// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for kmod/x86/lapic.c, built unchanged in userspace against lapic_shim/ (fake
 * clock, fake hrtimers, checked spinlocks). One PASS/FAIL line per case: unit/lapic/<name>.
 *   lapic_test [SUBSTRING...]
 * Expected values come from the Intel SDM (vol. 3A, "Advanced Programmable Interrupt
 * Controller") and the documented choices at the top of lapic.c (1 GHz bus clock, 100 us
 * minimum period, lowest priority to the lowest PPR).
 */
#include <stdio.h>
#include <stdarg.h>
#include <inttypes.h>

#include "okvm.h"
#include "x86/irqchip.h"

/* ---- the shim's state and the kernel functions lapic.c calls ---- */

u64 shim_now;
int shim_locks_held;
int shim_lock_errors;
unsigned int tsc_khz = 2000000;		/* 2 GHz */

static struct hrtimer *timers;		/* every timer ever set up */

void hrtimer_setup(struct hrtimer *t, enum hrtimer_restart (*fn)(struct hrtimer *), int clock,
		   enum hrtimer_mode mode)
{
	(void)clock;
	(void)mode;
	memset(t, 0, sizeof(*t));
	t->function = fn;
	t->next_registered = timers;
	timers = t;
}

int hrtimer_try_to_cancel(struct hrtimer *t)
{
	bool was = t->queued;

	if (t->running)
		return -1;
	t->queued = false;
	return was;
}

/* lapic.c cancels only before freeing: the timer leaves the registry too. */
int hrtimer_cancel(struct hrtimer *t)
{
	struct hrtimer **pp;
	bool was = t->queued;

	/* In the kernel this waits for a running callback: with an APIC lock held, a deadlock. */
	if (shim_locks_held)
		shim_lock_errors++;
	t->queued = false;
	for (pp = &timers; *pp; pp = &(*pp)->next_registered)
		if (*pp == t) {
			*pp = t->next_registered;
			break;
		}
	return was;
}

/* Advance the fake clock to @until, running expired timers in order, as the kernel would. */
static int fires;
static void advance_to(u64 until)
{
	for (;;) {
		struct hrtimer *t, *first = NULL;

		for (t = timers; t; t = t->next_registered)
			if (t->queued && (u64)t->expires <= until &&
			    (!first || t->expires < first->expires))
				first = t;
		if (!first)
			break;
		if ((u64)first->expires > shim_now)
			shim_now = first->expires;
		first->queued = false;
		first->running = true;
		fires++;
		if (first->function(first) == HRTIMER_RESTART && !first->queued)
			first->queued = true;
		first->running = false;
		if (fires > 100000)
			break;		/* a storm: the case fails on its own checks */
	}
	if (until > shim_now)
		shim_now = until;
}

static void advance(u64 ns)
{
	advance_to(shim_now + ns);
}

/* Guest TSC = host ns scaled to tsc_khz, plus an offset. */
static u64 tsc_offset = 123456789;
static int fake_get_msr(struct okvm_vcpu *v, u32 index, u64 *val)
{
	(void)v;
	if (index != MSR_IA32_TSC)
		return -ENOENT;
	*val = (u64)((unsigned __int128)shim_now * tsc_khz / 1000000) + tsc_offset;
	return 0;
}

static const struct okvm_hv_ops fake_hv = { .get_msr = fake_get_msr };
const struct okvm_hv_ops *okvm_hv = &fake_hv;

#define NV 20
static struct okvm_vm vm;
static struct okvm_vcpu vcpu[NV];
static int kicks[NV];
static int eois[16], neoi;
static u8 eoi_vec[16];
static bool pic_out;
static int pic_acks;
static struct okvm_cpuid_entry2 cpuid_x2[2] = {
	{ .function = 1, .ecx = 1u << 21 },
	{ .function = 0x80000008, .eax = 40 },
};

void okvm_vcpu_kick(struct okvm_vcpu *v)
{
	if (shim_locks_held)
		shim_lock_errors++;
	kicks[v - vcpu]++;
}

void okvm_irq_eoi(struct okvm_vcpu *v, u8 vector)
{
	if (shim_locks_held)
		shim_lock_errors++;
	if (neoi < 16) {
		eois[neoi] = v - vcpu;
		eoi_vec[neoi] = vector;
	}
	neoi++;
}

bool okvm_pic_output(struct okvm_vm *m)
{
	if (shim_locks_held)
		shim_lock_errors++;
	return m->pic && pic_out;
}

int okvm_pic_ack(struct okvm_vm *m)
{
	(void)m;
	if (shim_locks_held)
		shim_lock_errors++;
	pic_acks++;
	pic_out = false;
	return 0x28;
}

/* ---- helpers ---- */

static const char *cur;
static int case_failed, total_failed, ran;
static char why[256];

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (case_failed++)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
}

#define CHECK(cond, ...) do { if (!(cond)) { fail(__VA_ARGS__); return; } } while (0)
#define EQ(got, want, what) do { u64 g_ = (got), w_ = (want); \
	CHECK(g_ == w_, "%s: got 0x%" PRIx64 ", want 0x%" PRIx64 " (line %d)", what, g_, w_, __LINE__); \
} while (0)

static void setup(int n, bool x2cpuid)
{
	int i;

	for (i = 0; i < NV; i++)
		if (vcpu[i].apic)
			okvm_lapic_free(&vcpu[i]);
	timers = NULL;			/* they all belonged to the APICs just freed */
	memset(&vm, 0, sizeof(vm));
	memset(vcpu, 0, sizeof(vcpu));
	memset(kicks, 0, sizeof(kicks));
	neoi = 0;
	pic_out = false;
	pic_acks = 0;
	fires = 0;
	shim_now = 1000000000ULL;
	vm.pic = (struct okvm_pic *)&vm;	/* non-NULL: a PIC exists */
	for (i = 0; i < n; i++) {
		vcpu[i].vm = &vm;
		vcpu[i].id = i;
		if (x2cpuid) {
			vcpu[i].cpuid = cpuid_x2;
			vcpu[i].ncpuid = 2;
		}
		if (okvm_lapic_create(&vcpu[i])) {
			fail("okvm_lapic_create failed");
			return;
		}
		vm.vcpus[i] = &vcpu[i];
	}
	vm.nr_vcpus = n;
}

static u32 mr(int i, u32 off)
{
	u32 val = 0xdeadbeef;

	if (!okvm_lapic_mmio(&vcpu[i], 0xfee00000ULL + off, &val, 4, false))
		fail("MMIO read of 0x%x not handled", off);
	return val;
}

static void mw(int i, u32 off, u32 val)
{
	if (!okvm_lapic_mmio(&vcpu[i], 0xfee00000ULL + off, &val, 4, true))
		fail("MMIO write of 0x%x not handled", off);
}

static u64 xr(int i, u32 msr);
static void xw(int i, u32 msr, u64 val);

/* A register through the interface of the APIC's mode (MMIO or x2APIC MSR). */
static u32 rg(int i, u32 off)
{
	if (vcpu[i].apic_base & (1 << 10))
		return xr(i, 0x800 + (off >> 4));
	return mr(i, off);
}

static void eoi(int i)
{
	if (vcpu[i].apic_base & (1 << 10))
		xw(i, 0x80b, 0);
	else
		mw(i, 0xb0, 0);
}

static bool irr(int i, u8 vec)
{
	return rg(i, 0x200 + (vec >> 5) * 0x10) & (1u << (vec & 31));
}

static bool isr(int i, u8 vec)
{
	return rg(i, 0x100 + (vec >> 5) * 0x10) & (1u << (vec & 31));
}

static bool tmr(int i, u8 vec)
{
	return rg(i, 0x180 + (vec >> 5) * 0x10) & (1u << (vec & 31));
}

/* Software-enable an APIC (SVR vector 0xff). */
static void enable(int i)
{
	mw(i, 0xf0, 0x1ff);
}

static int send(int dest, u8 vec, int mode, bool logical, bool level)
{
	struct okvm_apic_irq irq = {
		.dest = dest, .vector = vec, .delivery_mode = mode, .dest_logical = logical,
		.level = level, .assert = true,
	};

	return okvm_lapic_deliver(&vm, NULL, &irq);
}

/* Which vcpus got @vec in IRR, as a bit mask; clears them by accept + EOI. */
static u32 got_mask(int n, u8 vec)
{
	u32 m = 0;
	int i;

	for (i = 0; i < n; i++)
		if (irr(i, vec)) {
			m |= 1u << i;
			okvm_lapic_accept(&vcpu[i], okvm_lapic_pending(&vcpu[i]));
			eoi(i);
		}
	return m;
}

static int x2on(int i)
{
	return okvm_lapic_set_base(&vcpu[i], 0xfee00000ULL | (1 << 11) | (1 << 10) | (i ? 0 : 1 << 8),
				   false);
}

static u64 xr(int i, u32 msr)
{
	u64 v = 0xdeadbeefdeadbeefULL;
	int r = okvm_lapic_rdmsr(&vcpu[i], msr, &v);

	if (r)
		fail("rdmsr 0x%x: %d", msr, r);
	return v;
}

static void xw(int i, u32 msr, u64 val)
{
	int r = okvm_lapic_wrmsr(&vcpu[i], msr, val);

	if (r)
		fail("wrmsr 0x%x=0x%" PRIx64 ": %d", msr, val, r);
}

/* ---- cases ---- */

/* Divide configuration register values and their divisors (SDM figure "Divide Configuration"). */
static const struct { u32 tdcr, div; } divs[] = {
	{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 }, { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 },
	{ 0xb, 1 },
};

static void t_timer_oneshot(void)
{
	unsigned int d;

	for (d = 0; d < ARRAY_SIZE(divs); d++) {
		u64 t0, want;

		setup(1, false);
		enable(0);
		mw(0, 0x320, 0x40);		/* one-shot, vector 0x40, unmasked */
		mw(0, 0x3e0, divs[d].tdcr);
		t0 = shim_now;
		mw(0, 0x380, 1000);
		want = t0 + 1000ULL * divs[d].div;
		advance_to(want - 1);
		CHECK(!irr(0, 0x40), "div %u: fired before %" PRIu64 " ns", divs[d].div, want - t0);
		advance_to(want);
		CHECK(irr(0, 0x40), "div %u: not fired at %" PRIu64 " ns", divs[d].div, want - t0);
		EQ(okvm_lapic_pending(&vcpu[0]), 0x40, "pending after expiry");
		EQ(mr(0, 0x390), 0, "current count after a one-shot expiry");
		EQ(mr(0, 0x380), 1000, "initial count stays");
		CHECK(kicks[0] > 0, "expiry did not kick the vcpu");
		okvm_lapic_accept(&vcpu[0], 0x40);
		mw(0, 0xb0, 0);
		advance(1000ULL * divs[d].div * 3);
		CHECK(!irr(0, 0x40), "div %u: a one-shot fired twice", divs[d].div);
	}
	/* Writing 0 stops a running count. */
	setup(1, false);
	enable(0);
	mw(0, 0x320, 0x40);
	mw(0, 0x3e0, 0xb);
	mw(0, 0x380, 5000);
	advance(1000);
	mw(0, 0x380, 0);
	advance(10000);
	CHECK(!irr(0, 0x40), "initial count 0 did not stop the timer");
}

/* The bench's loop (tests/bench/g_timer.S): re-arm a one-shot after each expiry, EOI by MMIO. */
static void t_timer_oneshot_rearm(void)
{
	int k;

	setup(1, false);
	mw(0, 0x80, 0);
	mw(0, 0xf0, 0x1ff);
	mw(0, 0x3e0, 0xb);
	mw(0, 0x320, 0x40);
	for (k = 0; k < 5; k++) {
		mw(0, 0x380, 1000);
		advance(999);
		CHECK(okvm_lapic_pending(&vcpu[0]) == -1, "round %d: early", k);
		advance(1);
		EQ(okvm_lapic_pending(&vcpu[0]), 0x40, "pending after a re-armed one-shot");
		EQ(okvm_lapic_accept(&vcpu[0], 0x40), 0x40, "accepted vector");
		mw(0, 0xb0, 0);
		EQ(mr(0, 0xa0), 0, "PPR after EOI");
	}
}

static void t_timer_current_count(void)
{
	u64 t0;

	setup(1, false);
	enable(0);
	mw(0, 0x320, 0x40);
	mw(0, 0x3e0, 0x3);		/* divide by 16 */
	t0 = shim_now;
	mw(0, 0x380, 1000);
	EQ(mr(0, 0x390), 1000, "count at start");
	advance_to(t0 + 4000);
	EQ(mr(0, 0x390), 750, "count after 250 ticks");
	advance_to(t0 + 4015);
	EQ(mr(0, 0x390), 750, "count within a tick");
	advance_to(t0 + 4016);
	EQ(mr(0, 0x390), 749, "count after 251 ticks");
	/* A new divisor: the count goes on from where it is at the new rate. */
	mw(0, 0x3e0, 0xb);		/* divide by 1 */
	EQ(mr(0, 0x390), 749, "count after a divide change");
	advance(749 - 1);
	CHECK(!irr(0, 0x40), "fired early after a divide change");
	advance(1);
	CHECK(irr(0, 0x40), "not fired 749 ns after a change to divide by 1");
	/* Masked: still counts, but no interrupt. */
	setup(1, false);
	enable(0);
	mw(0, 0x320, 0x10040);
	mw(0, 0x3e0, 0xb);
	mw(0, 0x380, 100);
	advance(50);
	EQ(mr(0, 0x390), 50, "a masked timer counts");
	advance(100);
	EQ(mr(0, 0x390), 0, "a masked one-shot ends at 0");
	CHECK(!irr(0, 0x40), "a masked timer raised its vector");
}

static void t_timer_periodic(void)
{
	u64 t0;
	int k;

	setup(1, false);
	enable(0);
	mw(0, 0x320, 0x20041);		/* periodic, vector 0x41 */
	mw(0, 0x3e0, 0x8);		/* divide by 32 */
	t0 = shim_now;
	mw(0, 0x380, 10000);		/* 320 us */
	for (k = 1; k <= 5; k++) {
		advance_to(t0 + k * 320000ULL - 1);
		CHECK(!irr(0, 0x41), "period %d: early", k);
		advance_to(t0 + k * 320000ULL);
		CHECK(irr(0, 0x41), "period %d: not fired at %d x 320 us", k, k);
		EQ(mr(0, 0x390), 10000, "count reloaded at a period start");
		okvm_lapic_accept(&vcpu[0], okvm_lapic_pending(&vcpu[0]));
		mw(0, 0xb0, 0);
	}
	advance_to(t0 + 5 * 320000ULL + 160000);
	EQ(mr(0, 0x390), 5000, "count half way through a period");
	/* One-shot again: the running period is the last one. */
	mw(0, 0x320, 0x41);
	advance(160000);
	CHECK(irr(0, 0x41), "the last period did not end");
	okvm_lapic_accept(&vcpu[0], 0x41);
	mw(0, 0xb0, 0);
	advance(10 * 320000ULL);
	CHECK(!irr(0, 0x41), "fired after switching to one-shot");
}

static void t_timer_periodic_min(void)
{
	u64 t0;

	setup(1, false);
	enable(0);
	mw(0, 0x320, 0x20042);
	mw(0, 0x3e0, 0xb);
	t0 = shim_now;
	mw(0, 0x380, 1);		/* 1 ns: clamped to 100 us */
	advance_to(t0 + 99999);
	CHECK(!irr(0, 0x42), "a 1 ns period fired before 100 us");
	advance_to(t0 + 100000);
	CHECK(irr(0, 0x42), "not fired at 100 us");
	fires = 0;
	advance(1000000);
	CHECK(fires <= 11, "%d host timer runs in 1 ms (a storm)", fires);
	EQ(mr(0, 0x390) <= 1, 1, "current count of a clamped period stays within the initial count");
}

static void t_timer_tscdl(void)
{
	u64 tsc, v;

	setup(1, true);
	enable(0);
	mw(0, 0x320, 0x40043);		/* TSC-deadline, vector 0x43 */
	fake_get_msr(&vcpu[0], MSR_IA32_TSC, &tsc);
	xw(0, 0x6e0, tsc + 2000000);	/* 1 ms at 2 GHz */
	EQ(xr(0, 0x6e0), tsc + 2000000, "IA32_TSC_DEADLINE reads the armed deadline");
	EQ(mr(0, 0x390), 0, "current count in TSC-deadline mode");
	advance(999999);
	CHECK(!irr(0, 0x43), "TSC deadline fired early");
	advance(1);
	CHECK(irr(0, 0x43), "TSC deadline not fired at 1 ms");
	EQ(xr(0, 0x6e0), 0, "IA32_TSC_DEADLINE after expiry");
	okvm_lapic_accept(&vcpu[0], 0x43);
	mw(0, 0xb0, 0);
	/* A deadline in the past fires at once; 0 disarms. */
	fake_get_msr(&vcpu[0], MSR_IA32_TSC, &tsc);
	xw(0, 0x6e0, tsc - 5);
	advance(0);
	CHECK(irr(0, 0x43), "a past deadline did not fire at once");
	okvm_lapic_accept(&vcpu[0], 0x43);
	mw(0, 0xb0, 0);
	xw(0, 0x6e0, tsc + 1000);
	xw(0, 0x6e0, 0);
	advance(1000000);
	CHECK(!irr(0, 0x43), "writing 0 did not disarm");
	/* Initial-count writes are ignored in TSC-deadline mode. */
	mw(0, 0x380, 10);
	EQ(mr(0, 0x380), 0, "TMICT write in TSC-deadline mode");
	advance(1000000);
	CHECK(!irr(0, 0x43), "TMICT armed a timer in TSC-deadline mode");
	/* Leaving TSC-deadline mode disarms; writes in one-shot mode are ignored. */
	mw(0, 0x320, 0x40043);
	fake_get_msr(&vcpu[0], MSR_IA32_TSC, &tsc);
	xw(0, 0x6e0, tsc + 2000);
	mw(0, 0x320, 0x43);
	advance(10000);
	CHECK(!irr(0, 0x43), "a mode change did not disarm the TSC deadline");
	xw(0, 0x6e0, tsc + 4000);
	v = xr(0, 0x6e0);
	EQ(v, 0, "IA32_TSC_DEADLINE in one-shot mode");
	advance(10000);
	CHECK(!irr(0, 0x43), "IA32_TSC_DEADLINE armed in one-shot mode");
	/* Far future: no overflow into the past. */
	mw(0, 0x320, 0x40043);
	xw(0, 0x6e0, ~0ULL);
	advance(1000000000ULL);
	CHECK(!irr(0, 0x43), "a deadline of 2^64-1 fired");
}

static void t_ppr_tpr(void)
{
	setup(1, false);
	enable(0);
	EQ(send(0, 0x51, OKVM_DM_FIXED, false, false), 1, "accepted");
	mw(0, 0x80, 0x50);
	EQ(mr(0, 0xa0), 0x50, "PPR = TPR with nothing in service");
	EQ(okvm_lapic_pending(&vcpu[0]), -1, "0x51 is not above TPR class 5");
	mw(0, 0x80, 0x4f);
	EQ(okvm_lapic_pending(&vcpu[0]), 0x51, "0x51 is above TPR 0x4f");
	EQ(okvm_lapic_get_cr8(&vcpu[0]), 4, "CR8 = TPR[7:4]");
	okvm_lapic_set_cr8(&vcpu[0], 6);
	EQ(mr(0, 0x80), 0x60, "TPR from CR8");
	EQ(okvm_lapic_pending(&vcpu[0]), -1, "masked by CR8 6");
	okvm_lapic_set_cr8(&vcpu[0], 0);
	EQ(okvm_lapic_accept(&vcpu[0], 0x51), 0x51, "INTA vector");
	mw(0, 0x80, 0x20);
	EQ(mr(0, 0xa0), 0x50, "PPR = ISRV class when above TPR");
	mw(0, 0x80, 0x7a);
	EQ(mr(0, 0xa0), 0x7a, "PPR = TPR when TPR class >= ISRV class");
	mw(0, 0x80, 0x5f);
	EQ(mr(0, 0xa0), 0x5f, "PPR = TPR when classes are equal");
	mw(0, 0x80, 0x0);
	mw(0, 0xb0, 0);
	EQ(mr(0, 0xa0), 0, "PPR after EOI");
}

static void t_isr_eoi_order(void)
{
	setup(1, false);
	enable(0);
	send(0, 0x30, OKVM_DM_FIXED, false, false);
	send(0, 0x80, OKVM_DM_FIXED, false, false);
	send(0, 0x50, OKVM_DM_FIXED, false, false);
	EQ(okvm_lapic_pending(&vcpu[0]), 0x80, "highest first");
	EQ(okvm_lapic_accept(&vcpu[0], 0x80), 0x80, "accept 0x80");
	CHECK(isr(0, 0x80) && !irr(0, 0x80), "0x80 not moved IRR -> ISR");
	EQ(okvm_lapic_pending(&vcpu[0]), -1, "0x50 waits behind 0x80 in service");
	send(0, 0x91, OKVM_DM_FIXED, false, false);
	EQ(okvm_lapic_pending(&vcpu[0]), 0x91, "a higher class nests");
	EQ(okvm_lapic_accept(&vcpu[0], 0x91), 0x91, "accept 0x91");
	send(0, 0x85, OKVM_DM_FIXED, false, false);
	EQ(okvm_lapic_pending(&vcpu[0]), -1, "0x85 blocked by 0x91 in service");
	mw(0, 0xb0, 0);			/* EOI ends 0x91, the highest in service */
	CHECK(!isr(0, 0x91) && isr(0, 0x80), "EOI did not end the highest ISR bit");
	EQ(okvm_lapic_pending(&vcpu[0]), -1, "0x85 is in 0x80's class");
	mw(0, 0xb0, 0);
	EQ(okvm_lapic_pending(&vcpu[0]), 0x85, "0x85 after 0x80's EOI");
	okvm_lapic_accept(&vcpu[0], 0x85);
	mw(0, 0xb0, 0);
	EQ(okvm_lapic_accept(&vcpu[0], okvm_lapic_pending(&vcpu[0])), 0x50, "then 0x50");
	mw(0, 0xb0, 0);
	EQ(okvm_lapic_accept(&vcpu[0], okvm_lapic_pending(&vcpu[0])), 0x30, "then 0x30");
	mw(0, 0xb0, 0);
	EQ(okvm_lapic_pending(&vcpu[0]), -1, "all done");
	mw(0, 0xb0, 0);			/* EOI with nothing in service: harmless */
	EQ(okvm_lapic_accept(&vcpu[0], 0x40), 0xff, "INTA with nothing pending: spurious vector");
	CHECK(!isr(0, 0xff), "the spurious vector went into ISR");
	EQ(neoi, 0, "edge-triggered EOIs reported");
}

static void t_tmr_level_eoi(void)
{
	setup(2, false);
	enable(0);
	enable(1);
	EQ(send(1, 0x70, OKVM_DM_FIXED, false, true), 1, "level message accepted");
	CHECK(tmr(1, 0x70), "TMR not set for a level-triggered message");
	send(1, 0x60, OKVM_DM_FIXED, false, false);
	CHECK(!tmr(1, 0x60), "TMR set for an edge message");
	okvm_lapic_accept(&vcpu[1], okvm_lapic_pending(&vcpu[1]));
	mw(1, 0xb0, 0);
	EQ(neoi, 1, "EOI callbacks");
	EQ(eois[0], 1, "EOI callback vcpu");
	EQ(eoi_vec[0], 0x70, "EOI callback vector");
	okvm_lapic_accept(&vcpu[1], okvm_lapic_pending(&vcpu[1]));
	mw(1, 0xb0, 0);
	EQ(neoi, 1, "edge EOI reported");
	/* Edge after level on the same vector clears TMR. */
	send(1, 0x70, OKVM_DM_FIXED, false, true);
	send(1, 0x70, OKVM_DM_FIXED, false, false);
	CHECK(!tmr(1, 0x70), "an edge message left TMR set");
}

static void t_dest_physical(void)
{
	int i;

	setup(4, false);
	for (i = 0; i < 4; i++)
		enable(i);
	EQ(mr(2, 0x20), 2u << 24, "xAPIC ID = vcpu id in 31:24");
	EQ(send(2, 0x40, OKVM_DM_FIXED, false, false), 1, "physical 2: count");
	EQ(got_mask(4, 0x40), 0x4, "physical 2: targets");
	EQ(send(0xff, 0x40, OKVM_DM_FIXED, false, false), 4, "broadcast: count");
	EQ(got_mask(4, 0x40), 0xf, "broadcast: targets");
	EQ(send(9, 0x40, OKVM_DM_FIXED, false, false), 0, "no such APIC");
	mw(3, 0x20, 0x17000000);	/* xAPIC ID is writable */
	EQ(send(0x17, 0x40, OKVM_DM_FIXED, false, false), 1, "new ID: count");
	EQ(got_mask(4, 0x40), 0x8, "new ID: target");
	/* A globally disabled APIC takes nothing. */
	okvm_lapic_set_base(&vcpu[1], 0xfee00000ULL, false);
	EQ(send(0xff, 0x40, OKVM_DM_FIXED, false, false), 3, "broadcast with one APIC off");
}

static void t_dest_logical_flat(void)
{
	int i;

	setup(4, false);
	for (i = 0; i < 4; i++) {
		enable(i);
		mw(i, 0xd0, (1u << i) << 24);
	}
	EQ(mr(0, 0xe0), 0xffffffff, "DFR reset value (flat)");
	EQ(send(0x05, 0x40, OKVM_DM_FIXED, true, false), 2, "MDA 0x05: count");
	EQ(got_mask(4, 0x40), 0x5, "MDA 0x05: targets");
	EQ(send(0x08, 0x40, OKVM_DM_FIXED, true, false), 1, "MDA 0x08: count");
	EQ(got_mask(4, 0x40), 0x8, "MDA 0x08: target");
	EQ(send(0xf0, 0x40, OKVM_DM_FIXED, true, false), 0, "MDA 0xf0: nobody");
	EQ(send(0xff, 0x40, OKVM_DM_FIXED, true, false), 4, "MDA 0xff: broadcast");
	got_mask(4, 0x40);
}

static void t_dest_logical_cluster(void)
{
	static const u32 ldr[4] = { 0x11, 0x12, 0x21, 0x24 };	/* cluster 1: 1,2; cluster 2: 1,4 */
	int i;

	setup(4, false);
	for (i = 0; i < 4; i++) {
		enable(i);
		mw(i, 0xe0, 0x0fffffff);
		mw(i, 0xd0, ldr[i] << 24);
	}
	EQ(mr(0, 0xe0), 0x0fffffff, "DFR cluster model");
	EQ(send(0x13, 0x40, OKVM_DM_FIXED, true, false), 2, "cluster 1, bits 0-1: count");
	EQ(got_mask(4, 0x40), 0x3, "cluster 1, bits 0-1: targets");
	EQ(send(0x21, 0x40, OKVM_DM_FIXED, true, false), 1, "cluster 2 bit 0: count");
	EQ(got_mask(4, 0x40), 0x4, "cluster 2 bit 0: target");
	EQ(send(0x31, 0x40, OKVM_DM_FIXED, true, false), 0, "cluster 3: nobody");
	EQ(send(0x24, 0x40, OKVM_DM_FIXED, true, false), 1, "cluster 2 bit 2: count");
	EQ(got_mask(4, 0x40), 0x8, "cluster 2 bit 2: target");
	EQ(send(0xff, 0x40, OKVM_DM_FIXED, true, false), 4, "broadcast");
	got_mask(4, 0x40);
}

static void t_dest_x2apic(void)
{
	struct okvm_apic_irq irq = { .vector = 0x40, .delivery_mode = OKVM_DM_FIXED, .assert = true };
	int i;

	setup(NV, true);
	for (i = 0; i < NV; i++) {
		EQ(x2on(i), 0, "enter x2APIC");
		xw(i, 0x80f, 0x1ff);
	}
	EQ(xr(17, 0x802), 17, "x2APIC ID");
	EQ(xr(17, 0x80d), 0x10002, "x2APIC LDR: cluster 1, bit 1");
	EQ(xr(3, 0x80d), 0x8, "x2APIC LDR: cluster 0, bit 3");
	/* Physical, through ICR from vcpu 0 (destination in ICR bits 63:32). */
	xw(0, 0x830, (17ULL << 32) | 0x40);
	EQ(got_mask(NV, 0x40), 1u << 17, "ICR physical 17");
	xw(0, 0x830, (0xffffffffULL << 32) | 0x40);
	EQ(got_mask(NV, 0x40), (1u << NV) - 1, "ICR physical broadcast");
	/* 0xff is APIC 255 for an x2APIC sender, not a broadcast. */
	xw(0, 0x830, (0xffULL << 32) | 0x40);
	EQ(got_mask(NV, 0x40), 0, "ICR physical 0xff from x2APIC");
	/* Logical: cluster 1 bits 0 and 3 -> APICs 16 and 19. */
	xw(0, 0x830, (0x10009ULL << 32) | 0x840);
	EQ(got_mask(NV, 0x40), (1u << 16) | (1u << 19), "ICR logical cluster 1 bits 0,3");
	irq.dest_logical = true;
	irq.dest = 0x0000000f;
	EQ(okvm_lapic_deliver(&vm, NULL, &irq), 4, "logical cluster 0 bits 0-3: count");
	EQ(got_mask(NV, 0x40), 0xf, "logical cluster 0 bits 0-3");
	irq.dest = 0x20001;
	EQ(okvm_lapic_deliver(&vm, NULL, &irq), 0, "logical cluster 2: nobody");
	/* An MSI/IOAPIC (xAPIC format) 0xff still broadcasts. */
	irq.dest_logical = false;
	irq.dest = 0xff;
	EQ(okvm_lapic_deliver(&vm, NULL, &irq), NV, "xAPIC-format broadcast to x2APIC targets");
	got_mask(NV, 0x40);
	/* SELF IPI. */
	xw(5, 0x83f, 0x44);
	EQ(got_mask(NV, 0x44), 1u << 5, "SELF IPI");
}

static void t_shorthands(void)
{
	int i;

	setup(4, false);
	for (i = 0; i < 4; i++)
		enable(i);
	mw(1, 0x310, 3u << 24);		/* destination ignored with a shorthand */
	mw(1, 0x300, 0x40040);		/* self */
	EQ(got_mask(4, 0x40), 0x2, "self");
	mw(1, 0x300, 0x80040);		/* all including self */
	EQ(got_mask(4, 0x40), 0xf, "all including self");
	mw(1, 0x3f0, 0x40);		/* SELF IPI is x2APIC only: ignored in the page */
	EQ(got_mask(4, 0x40), 0, "xAPIC write to SELF IPI");
	mw(1, 0x300, 0xc0040);		/* all excluding self */
	EQ(got_mask(4, 0x40), 0xd, "all excluding self");
	mw(1, 0x300, 0x00040);		/* no shorthand: ICR high says 3 */
	EQ(got_mask(4, 0x40), 0x8, "destination field");
	EQ(mr(1, 0x300) & (1u << 12), 0, "delivery status reads idle");
	/* xAPIC ICR keeps every bit written but the delivery status; ICR2 only 31:24. */
	mw(1, 0x310, 0xa5a5a5a5);
	mw(1, 0x300, 0xa5a5b5a5 & ~0x700u & ~0xc0000u);
	EQ(mr(1, 0x310), 0xa5000000, "ICR2 keeps bits 31:24");
	EQ(mr(1, 0x300), 0xa5a5a4a5 & ~0x700u & ~0xc0000u, "ICR keeps its bits but busy");
	got_mask(4, 0xa5);
	CHECK(kicks[3] > 0, "targets were not kicked");
	/* Illegal vector: not sent, send-illegal-vector error. */
	mw(1, 0x300, 0x80005);
	EQ(got_mask(4, 0x05), 0, "vector 5 sent");
	mw(1, 0x280, 0);
	EQ(mr(1, 0x280) & 0x20, 0x20, "ESR send illegal vector");
	mw(1, 0x280, 0);
	EQ(mr(1, 0x280), 0, "ESR cleared by the next write");
	EQ(send(0, 0x07, OKVM_DM_FIXED, false, false), 0, "vector 7 accepted");
	mw(0, 0x280, 0);
	EQ(mr(0, 0x280) & 0x40, 0x40, "ESR receive illegal vector");
}

static void t_lowest_priority(void)
{
	static const u32 tpr[3] = { 0x40, 0x10, 0x30 };
	int i;

	setup(3, false);
	for (i = 0; i < 3; i++) {
		enable(i);
		mw(i, 0xd0, 0x01000000);	/* all in logical group 1 */
		mw(i, 0x80, tpr[i]);
	}
	EQ(send(0x01, 0x45, OKVM_DM_LOWEST, true, false), 1, "lowest priority: one target");
	CHECK(irr(1, 0x45) && !irr(0, 0x45) && !irr(2, 0x45), "not the APIC with the lowest PPR");
	mw(1, 0x80, 0x50);
	EQ(send(0x01, 0x46, OKVM_DM_LOWEST, true, false), 1, "lowest priority again");
	CHECK(irr(2, 0x46), "not APIC 2 (PPR 0x30) after APIC 1 raised TPR");
}

static void t_nmi_init_sipi(void)
{
	struct okvm_apic_irq irq = { .dest = 1, .assert = true };
	u8 vec = 0;
	int i;

	setup(2, false);
	for (i = 0; i < 2; i++)
		enable(i);
	mw(0, 0x310, 1u << 24);
	mw(0, 0x300, 0x400);		/* NMI */
	CHECK(vcpu[1].nmi_pending && !vcpu[0].nmi_pending, "NMI not at vcpu 1 only");
	mw(0, 0x300, 0xc500);		/* INIT, level assert */
	mw(0, 0x300, 0x8500);		/* INIT level de-assert: nothing */
	mw(0, 0x300, 0x608);		/* SIPI vector 8 */
	EQ(okvm_lapic_take_init_sipi(&vcpu[1], &vec), 1, "INIT first");
	okvm_lapic_reset(&vcpu[1], true);
	EQ(okvm_lapic_take_init_sipi(&vcpu[1], &vec), 2, "then SIPI");
	EQ(vec, 8, "SIPI vector");
	EQ(okvm_lapic_take_init_sipi(&vcpu[1], &vec), 0, "nothing else");
	EQ(okvm_lapic_take_init_sipi(&vcpu[0], &vec), 0, "nothing at the sender");
	irq.delivery_mode = OKVM_DM_INIT;
	irq.level = true;
	irq.assert = false;
	EQ(okvm_lapic_deliver(&vm, NULL, &irq), 0, "INIT de-assert counted");
	/* A SIPI before INIT is dropped by the INIT. */
	irq.assert = true;
	irq.level = false;
	irq.delivery_mode = OKVM_DM_SIPI;
	irq.vector = 9;
	okvm_lapic_deliver(&vm, NULL, &irq);
	irq.delivery_mode = OKVM_DM_INIT;
	okvm_lapic_deliver(&vm, NULL, &irq);
	EQ(okvm_lapic_take_init_sipi(&vcpu[1], &vec), 1, "INIT");
	EQ(okvm_lapic_take_init_sipi(&vcpu[1], &vec), 0, "stale SIPI kept");
	/* INIT keeps the APIC ID and base, resets the rest. */
	mw(1, 0x20, 0x33000000);
	mw(1, 0x80, 0x70);
	okvm_lapic_reset(&vcpu[1], true);
	EQ(mr(1, 0x20), 0x33000000, "INIT kept the APIC ID");
	EQ(mr(1, 0x80), 0, "INIT reset TPR");
	EQ(mr(1, 0xf0), 0xff, "INIT reset SVR");
}

static void t_svr_disable(void)
{
	static const u32 lvt[6] = { 0x320, 0x330, 0x340, 0x350, 0x360, 0x370 };
	int i;

	setup(2, false);
	EQ(mr(1, 0xf0), 0xff, "SVR reset value");
	EQ(send(1, 0x40, OKVM_DM_FIXED, false, false), 0, "accepted while software-disabled");
	mw(1, 0x320, 0x40);
	EQ(mr(1, 0x320), 0x10040, "unmasking while software-disabled");
	enable(1);
	for (i = 0; i < 6; i++)
		mw(1, lvt[i], 0x41);
	EQ(mr(1, 0x320), 0x41, "LVT timer unmasked once enabled");
	send(1, 0x50, OKVM_DM_FIXED, false, false);
	mw(1, 0xf0, 0xff);		/* software disable */
	for (i = 0; i < 6; i++)
		CHECK(mr(1, lvt[i]) & 0x10000, "LVT 0x%x not masked by the software disable", lvt[i]);
	CHECK(irr(1, 0x50), "IRR lost by the software disable");
	EQ(okvm_lapic_pending(&vcpu[1]), 0x50, "a pending interrupt is still presented");
	EQ(send(1, 0x51, OKVM_DM_FIXED, false, false), 0, "fixed accepted while disabled");
	/* NMI and INIT are still accepted. */
	EQ(send(1, 0, OKVM_DM_NMI, false, false), 1, "NMI while software-disabled");
	mw(1, 0xf0, 0x1ff);
	EQ(mr(1, 0x320), 0x10041, "re-enabling unmasked an LVT");
	/* A masked timer does not raise its vector. */
	mw(1, 0x3e0, 0xb);
	mw(1, 0x380, 10);
	advance(100);
	CHECK(!irr(1, 0x41), "a masked LVT timer fired");
}

static void t_x2apic_gp(void)
{
	u64 v;

	setup(2, true);
	EQ(okvm_lapic_rdmsr(&vcpu[1], 0x802, &v), -EINVAL, "x2APIC MSR in xAPIC mode");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x808, 0), -EINVAL, "x2APIC MSR write in xAPIC mode");
	EQ(okvm_lapic_rdmsr(&vcpu[1], 0x10, &v), -ENOENT, "not an APIC MSR");
	EQ(okvm_lapic_rdmsr(&vcpu[1], 0x900, &v), -ENOENT, "0x900 is not an x2APIC MSR");
	/* Transitions (SDM "x2APIC State Transitions"). */
	EQ(okvm_lapic_set_base(&vcpu[1], 0xfee00000ULL | (1 << 10), false), -EINVAL,
	   "EXTD without EN");
	EQ(okvm_lapic_set_base(&vcpu[1], 0xfee00000ULL | (1 << 11) | 1, false), -EINVAL,
	   "reserved bit 0");
	EQ(okvm_lapic_set_base(&vcpu[1], 0xfee00000ULL | (1 << 11) | (1ULL << 40), false), -EINVAL,
	   "bit above MAXPHYADDR 40");
	EQ(x2on(1), 0, "xAPIC -> x2APIC");
	EQ(vcpu[1].apic_base, 0xfee00c00ULL, "vcpu->apic_base mirrors the MSR");
	EQ(okvm_lapic_set_base(&vcpu[1], 0xfee00000ULL | (1 << 11), false), -EINVAL,
	   "x2APIC -> xAPIC");
	CHECK(!okvm_lapic_mmio(&vcpu[1], 0xfee00030, &v, 4, false), "MMIO page present in x2APIC mode");
	EQ(xr(1, 0x803), 0x50014, "version: 0x14, Max LVT Entry 5");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x802, 5), -EINVAL, "write to ID");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x803, 0), -EINVAL, "write to version");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x80a, 0), -EINVAL, "write to PPR");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x80d, 0), -EINVAL, "write to LDR");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x820, 0), -EINVAL, "write to IRR");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x839, 0), -EINVAL, "write to current count");
	EQ(okvm_lapic_rdmsr(&vcpu[1], 0x80b, &v), -EINVAL, "read of EOI");
	EQ(okvm_lapic_rdmsr(&vcpu[1], 0x83f, &v), -EINVAL, "read of SELF IPI");
	EQ(okvm_lapic_rdmsr(&vcpu[1], 0x80e, &v), -EINVAL, "read of DFR");
	EQ(okvm_lapic_rdmsr(&vcpu[1], 0x831, &v), -EINVAL, "read of ICR high");
	EQ(okvm_lapic_rdmsr(&vcpu[1], 0x809, &v), -EINVAL, "read of APR");
	EQ(okvm_lapic_rdmsr(&vcpu[1], 0x82f, &v), -EINVAL, "read of LVT CMCI (not offered)");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x80b, 1), -EINVAL, "non-zero EOI");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x828, 1), -EINVAL, "non-zero ESR write");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x808, 0x100), -EINVAL, "TPR reserved bits");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x808, 1ULL << 32), -EINVAL, "TPR bits 63:32");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x80f, 0x11ff), -EINVAL, "SVR bit 12 (no directed EOI)");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x832, 0x80040), -EINVAL, "LVT timer bit 19");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x835, 0x20000), -EINVAL, "LINT0 bit 17");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x83e, 0x4), -EINVAL, "divide config bit 2");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x83f, 0x140), -EINVAL, "SELF IPI bit 8");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x830, 0x2040), -EINVAL, "ICR bit 13");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x830, 0x10040), -EINVAL, "ICR bit 16");
	EQ(okvm_lapic_wrmsr(&vcpu[1], 0x830, 0x100040), -EINVAL, "ICR bit 20");
	xw(1, 0x830, (9ULL << 32) | 0x1040);	/* delivery status: accepted, reads idle */
	EQ(xr(1, 0x830), (9ULL << 32) | 0x40, "ICR after a write with bit 12");
	xw(1, 0x80f, 0x3ff);
	xw(1, 0x808, 0x20);
	EQ(xr(1, 0x808), 0x20, "TPR");
	EQ(xr(1, 0x80a), 0x20, "PPR");
	xw(1, 0x830, (7ULL << 32) | 0x4030);
	EQ(xr(1, 0x830), (7ULL << 32) | 0x4030, "ICR reads back as 64 bits");
	/* Leave through disabled; disabled -> x2APIC is illegal for the guest, fine for the host. */
	EQ(okvm_lapic_set_base(&vcpu[1], 0xfee00000ULL, false), 0, "x2APIC -> disabled");
	EQ(okvm_lapic_rdmsr(&vcpu[1], 0x802, &v), -EINVAL, "x2APIC MSR while disabled");
	CHECK(!okvm_lapic_mmio(&vcpu[1], 0xfee00030, &v, 4, false), "MMIO page present while disabled");
	EQ(okvm_lapic_set_base(&vcpu[1], 0xfee00c00ULL, false), -EINVAL, "disabled -> x2APIC");
	EQ(okvm_lapic_set_base(&vcpu[1], 0xfee00c00ULL, true), 0, "host: disabled -> x2APIC");
	EQ(okvm_lapic_set_base(&vcpu[1], 0xfee00800ULL, true), 0, "host: x2APIC -> xAPIC");
	EQ(mr(1, 0x20), 1u << 24, "xAPIC ID format again");
	/* A guest without x2APIC in CPUID cannot set EXTD. */
	vcpu[0].ncpuid = 0;
	EQ(okvm_lapic_set_base(&vcpu[0], 0xfee00d00ULL, false), -EINVAL, "EXTD without CPUID x2APIC");
}

static void t_mmio(void)
{
	u8 b[8];
	u32 v;

	setup(2, false);
	EQ(mr(0, 0x30), 0x50014, "version register");
	memset(b, 0xaa, sizeof(b));
	CHECK(okvm_lapic_mmio(&vcpu[0], 0xfee00032, b, 1, false), "byte read not handled");
	EQ(b[0], 0x05, "byte read of version bits 23:16");
	CHECK(okvm_lapic_mmio(&vcpu[0], 0xfee00034, b, 4, false), "read in a slot's unused bytes");
	EQ(b[0] | b[1] | b[2] | b[3], 0, "unused bytes of a slot");
	CHECK(okvm_lapic_mmio(&vcpu[0], 0xfee00ffe, b, 8, false), "read across the page end");
	v = 0x30;
	okvm_lapic_mmio(&vcpu[0], 0xfee00081, &v, 4, true);	/* unaligned: dropped */
	okvm_lapic_mmio(&vcpu[0], 0xfee00080, &v, 2, true);	/* narrow: dropped */
	EQ(mr(0, 0x80), 0, "TPR after unaligned/narrow writes");
	okvm_lapic_mmio(&vcpu[0], 0xfee00080, &v, 100, true);	/* silly length: dropped */
	mw(0, 0x30, 0);
	EQ(mr(0, 0x30), 0x50014, "version is read-only");
	CHECK(!okvm_lapic_mmio(&vcpu[0], 0xfee01000, &v, 4, false), "the page is 4 KiB");
	CHECK(!okvm_lapic_mmio(&vcpu[0], 0xfedff000, &v, 4, false), "below the page");
	/* Reset values (SDM "Local APIC State After Power-Up or Reset"). */
	EQ(mr(1, 0x80), 0, "TPR reset");
	EQ(mr(1, 0xd0), 0, "LDR reset");
	EQ(mr(1, 0x350), 0x10000, "AP LINT0 masked at reset");
	EQ(mr(0, 0x350), 0x700, "BSP LINT0 ExtINT at reset (virtual wire)");
	EQ(vcpu[0].apic_base & 0x900, 0x900, "BSP and enable bits");
	EQ(vcpu[1].apic_base, 0xfee00800ULL, "AP IA32_APIC_BASE");
	EQ(okvm_lapic_set_base(&vcpu[0], 0xfed00900ULL, false), 0, "relocate");
	CHECK(!okvm_lapic_mmio(&vcpu[0], 0xfee00030, &v, 4, false), "old page after relocation");
	CHECK(okvm_lapic_mmio(&vcpu[0], 0xfed00030, &v, 4, false) && v == 0x50014,
	      "new page after relocation");
	/* KVM_SET_BOOT_CPU_ID: the BSP flag goes to that vcpu. */
	okvm_lapic_free(&vcpu[1]);
	vm.bsp_id = 1;
	CHECK(!okvm_lapic_create(&vcpu[1]), "okvm_lapic_create");
	EQ(vcpu[1].apic_base, 0xfee00900ULL, "IA32_APIC_BASE of the boot vcpu 1");
	EQ(mr(1, 0x350), 0x700, "boot vcpu 1 LINT0 ExtINT");
}

static void t_pic_extint(void)
{
	setup(2, false);
	enable(0);
	EQ(okvm_lapic_pending(&vcpu[0]), -1, "nothing pending");
	pic_out = true;
	EQ(okvm_lapic_pending(&vcpu[0]), 256, "PIC output through LINT0 ExtINT");
	EQ(pic_acks, 0, "pending() acked the PIC");
	EQ(okvm_lapic_pending(&vcpu[1]), -1, "AP with LINT0 masked: not the PIC");
	send(0, 0x90, OKVM_DM_FIXED, false, false);
	EQ(okvm_lapic_accept(&vcpu[0], okvm_lapic_pending(&vcpu[0])), 0x28, "PIC vector at INTA");
	EQ(pic_acks, 1, "PIC INTA cycles");
	EQ(okvm_lapic_pending(&vcpu[0]), 0x90, "then the APIC's own");
	/* LINT0 masked: the PIC is not a source, unless the APIC is globally disabled. */
	pic_out = true;
	mw(0, 0x350, 0x10700);
	EQ(okvm_lapic_pending(&vcpu[0]), 0x90, "masked LINT0");
	okvm_lapic_set_base(&vcpu[0], 0xfee00100ULL, false);
	EQ(okvm_lapic_pending(&vcpu[0]), 256, "disabled APIC: PIC");
	/* An ExtINT message makes the PIC a source for the AP. */
	EQ(send(1, 0, OKVM_DM_EXTINT, false, false), 1, "ExtINT message");
	EQ(okvm_lapic_pending(&vcpu[1]), 256, "PIC after an ExtINT message");
	vm.pic = NULL;
	EQ(okvm_lapic_pending(&vcpu[0]), -1, "no in-kernel PIC (split irqchip)");
}

static void t_state(void)
{
	struct okvm_lapic_state s;
	u32 *r = (u32 *)s.regs;
	u64 t0;

	setup(2, true);
	enable(1);
	mw(1, 0x80, 0x30);
	mw(1, 0x320, 0x20048);
	mw(1, 0x3e0, 0xb);
	t0 = shim_now;
	mw(1, 0x380, 400000);		/* 400 us periodic */
	send(1, 0x66, OKVM_DM_FIXED, false, true);
	advance_to(t0 + 100000);
	okvm_lapic_get_state(&vcpu[1], &s);
	EQ(r[0x390 / 4], 300000, "saved current count");
	EQ(r[0x80 / 4], 0x30, "saved TPR");
	CHECK(r[0x200 / 4 + 4 * 3] & (1u << (0x66 - 96)), "saved IRR");
	/* Restore into the other APIC: the count goes on from 300000. */
	r[0x20 / 4] = 0;
	r[0x390 / 4] = 300000;
	r[0x34 / 4] = 0x12345678;	/* junk in an unused slot byte */
	EQ(okvm_lapic_set_state(&vcpu[0], &s), 0, "set_state");
	EQ(mr(0, 0x30), 0x50014, "version survives");
	EQ(mr(0, 0x80), 0x30, "restored TPR");
	CHECK(tmr(0, 0x66) && irr(0, 0x66), "restored IRR/TMR");
	EQ(mr(0, 0x390), 300000, "restored current count");
	advance(299999);
	CHECK(!irr(0, 0x48), "restored timer early");
	advance(1);
	CHECK(irr(0, 0x48), "restored timer not fired after the saved count");
	okvm_lapic_accept(&vcpu[0], 0x48);
	okvm_lapic_accept(&vcpu[0], 0x66);
	mw(0, 0xb0, 0);
	mw(0, 0xb0, 0);
	advance(400000);
	CHECK(irr(0, 0x48), "restored periodic timer did not reload the initial count");
	/* Junk in: defined state out. */
	memset(&s, 0xff, sizeof(s));
	EQ(okvm_lapic_set_state(&vcpu[0], &s), 0, "set_state of all ones");
	EQ(mr(0, 0xa0), 0xff, "PPR recomputed");
	CHECK(irr(0, 3) && isr(0, 3), "IRR/ISR bits of vectors 0-15 not kept (KVM keeps them)");
	EQ(mr(0, 0x320), 0x100ff, "reserved timer mode 3 as one-shot");
	okvm_lapic_get_state(&vcpu[0], &s);
	EQ(r[0x34 / 4] | r[0x38 / 4] | r[0x3c / 4], 0, "unused slot bytes after set_state");
	advance(10000000);
	/* x2APIC: the ID travels as xAPIC bits 31:24. */
	EQ(x2on(1), 0, "x2APIC on");
	okvm_lapic_get_state(&vcpu[1], &s);
	EQ(r[0x20 / 4], 1u << 24, "x2APIC ID in the state");
	EQ(okvm_lapic_set_state(&vcpu[1], &s), 0, "set x2APIC state");
	EQ(xr(1, 0x802), 1, "x2APIC ID after set_state");
	EQ(xr(1, 0x80d), 0x2, "x2APIC LDR after set_state");
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "timer_oneshot_divide", t_timer_oneshot },
	{ "timer_oneshot_rearm", t_timer_oneshot_rearm },
	{ "timer_current_count", t_timer_current_count },
	{ "timer_periodic", t_timer_periodic },
	{ "timer_periodic_min_period", t_timer_periodic_min },
	{ "timer_tsc_deadline", t_timer_tscdl },
	{ "ppr_tpr", t_ppr_tpr },
	{ "isr_eoi_order", t_isr_eoi_order },
	{ "tmr_level_eoi", t_tmr_level_eoi },
	{ "dest_physical", t_dest_physical },
	{ "dest_logical_flat", t_dest_logical_flat },
	{ "dest_logical_cluster", t_dest_logical_cluster },
	{ "dest_x2apic", t_dest_x2apic },
	{ "shorthands_esr", t_shorthands },
	{ "lowest_priority", t_lowest_priority },
	{ "nmi_init_sipi", t_nmi_init_sipi },
	{ "svr_disable", t_svr_disable },
	{ "x2apic_gp", t_x2apic_gp },
	{ "mmio_reset", t_mmio },
	{ "pic_extint", t_pic_extint },
	{ "state", t_state },
};

int main(int argc, char **argv)
{
	unsigned int i;
	int j;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		bool want = argc < 2;

		for (j = 1; j < argc; j++)
			if (strstr(cases[i].name, argv[j]))
				want = true;
		if (!want)
			continue;
		cur = cases[i].name;
		case_failed = 0;
		shim_lock_errors = 0;
		cases[i].fn();
		if (!case_failed && shim_lock_errors)
			fail("%d locking error(s): a call out with an APIC lock held, or a lock taken twice",
			     shim_lock_errors);
		if (!case_failed && shim_locks_held)
			fail("a lock left held");
		ran++;
		if (case_failed) {
			total_failed++;
			printf("FAIL unit/lapic/%s: %s\n", cur, why);
		} else {
			printf("PASS unit/lapic/%s\n", cur);
		}
		shim_locks_held = 0;
	}
	setup(0, false);
	return total_failed ? 1 : 0;
}
