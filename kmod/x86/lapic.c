// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel local APIC, one per vcpu (Intel SDM vol. 3A ch. 11 "APIC"; AMD APM vol. 2
 * ch. 16). xAPIC page and x2APIC MSRs, interrupt acceptance (IRR/ISR/TMR, TPR/PPR, EOI),
 * IPIs on a simulated APIC bus (okvm_lapic_deliver), and the timer on an hrtimer.
 *
 * The registers live in a 1 KiB page laid out as KVM_GET/SET_LAPIC exchange it (the xAPIC
 * MMIO offsets 0x000-0x3ff, one 32-bit register per 16 bytes), so state save/restore is a
 * copy plus a few fix-ups.
 *
 * Choices (each one a fixed, documented model):
 * - Version 0x14 (an integrated xAPIC), Max LVT Entry 5: six LVTs (timer, thermal,
 *   performance, LINT0, LINT1, error). okvm offers no CMCI (MCG_CAP[10] is clear), and the
 *   SDM says the field is the number of LVT entries minus one, so LVT CMCI (0x2f0) is a
 *   reserved register. No directed EOI (version bit 24 clear, SVR bit 12 reserved).
 * - The APIC timer counts a 1 GHz bus clock before the divider (what KVM uses too). A
 *   guest learns the rate by calibrating against another clock, as Linux does.
 * - A periodic timer period is at least LAPIC_MIN_PERIOD_NS: a guest must not be able to
 *   make the host take an interrupt storm. One-shot and TSC-deadline need a guest exit per
 *   expiry, so they are not limited.
 * - Lowest-priority messages go to the matching APIC with the lowest PPR (the first one in
 *   vcpu order among equals).
 * - The PIC is an interrupt source while the APIC is globally disabled, while LINT0 is
 *   unmasked in ExtINT mode, or after an ExtINT message (IOAPIC virtual wire); it comes
 *   before the APIC's own IRR. okvm_lapic_pending() says LAPIC_PENDING_PIC (256, not a
 *   vector) then, and okvm_lapic_accept() does the PIC's INTA and returns its vector.
 * - The BSP's LINT0 comes out of reset unmasked in ExtINT mode (virtual wire mode, which
 *   a BIOS sets up and KVM presets), so guests that only program the 8259 work.
 * - Software-disabled (SVR[8] clear): fixed and lowest-priority messages are not accepted,
 *   INIT/SIPI/NMI are; IRR and ISR keep what they hold (SDM "Local APIC State After It Has
 *   Been Software Disabled"); all LVTs are masked and stay masked until software unmasks.
 * - Clearing IA32_APIC_BASE[11] resets the registers (the SDM says prior state "may be
 *   lost"); the timer stops.
 *
 * Locking: a->lock (irqsave) guards everything in struct okvm_lapic. Nothing that could
 * take another APIC's lock (okvm_lapic_deliver, okvm_irq_eoi, okvm_vcpu_kick, the PIC) is
 * called with it held: register writes record what to do afterwards in struct lapic_post.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>

#include "../okvm.h"
#include "irqchip.h"

/* Register offsets in the xAPIC page and in struct okvm_lapic_state. */
enum {
	LR_ID = 0x20, LR_LVR = 0x30, LR_TPR = 0x80, LR_APR = 0x90, LR_PPR = 0xa0, LR_EOI = 0xb0,
	LR_RRD = 0xc0, LR_LDR = 0xd0, LR_DFR = 0xe0, LR_SVR = 0xf0, LR_ISR = 0x100,
	LR_TMR = 0x180, LR_IRR = 0x200, LR_ESR = 0x280, LR_CMCI = 0x2f0, LR_ICR = 0x300,
	LR_ICR2 = 0x310, LR_LVTT = 0x320, LR_LVTTHM = 0x330, LR_LVTPC = 0x340, LR_LVT0 = 0x350,
	LR_LVT1 = 0x360, LR_LVTERR = 0x370, LR_TMICT = 0x380, LR_TMCCT = 0x390, LR_TDCR = 0x3e0,
	LR_SELF_IPI = 0x3f0,
};

#define LAPIC_VERSION		0x00050014	/* version 0x14, Max LVT Entry 5 */
#define LAPIC_BASE_BSP		BIT_ULL(8)
#define LAPIC_BASE_EXTD		BIT_ULL(10)
#define LAPIC_BASE_EN		BIT_ULL(11)
#define LAPIC_DEFAULT_BASE	0xfee00000ULL
#define LAPIC_MSR_TSC_DEADLINE	0x6e0
#define LAPIC_NS_PER_TICK	1		/* 1 GHz bus clock */
#define LAPIC_MIN_PERIOD_NS	100000ULL	/* 100 us */

#define SVR_ENABLE		BIT(8)
#define SVR_BITS		0x3ffu		/* vector, APIC enable, focus checking */
#define LVT_MASKED		BIT(16)
#define LVT_DM(x)		(((x) >> 8) & 7)
#define LVT_TIMER_BITS		0x700ffu	/* vector, mask, mode */
#define LVT_BITS		0x107ffu	/* vector, delivery mode, mask */
#define LVT_LINT_BITS		0x1a7ffu	/* + polarity, trigger mode */
#define LVT_ERR_BITS		0x100ffu
#define LVT_RO_BITS		(BIT(12) | BIT(14))	/* delivery status, remote IRR */
#define TIMER_ONESHOT		0
#define TIMER_PERIODIC		1
#define TIMER_TSCDL		2
#define ICR_BUSY		BIT(12)		/* delivery status: always idle here */
#define ICR_X2_RSVD		0xfff32000u	/* x2APIC: bits 31:20, 17:16 and 13 #GP */
#define ICR_LOGICAL		BIT(11)
#define ICR_ASSERT		BIT(14)
#define ICR_LEVEL		BIT(15)
#define ESR_SEND_ILLEGAL	BIT(5)
#define ESR_RECV_ILLEGAL	BIT(6)

struct okvm_lapic {
	spinlock_t lock;
	struct okvm_vcpu *vcpu;
	u64 base;			/* IA32_APIC_BASE (mirrored in vcpu->apic_base) */
	u32 regs[OKVM_APIC_REG_SIZE / 4];
	u32 esr_pending;		/* errors since the last ESR write */

	struct hrtimer timer;
	u64 deadline;			/* CLOCK_MONOTONIC ns of the next expiry; 0: disarmed */
	u64 tsc_deadline;		/* IA32_TSC_DEADLINE as armed; 0 once it fired */

	bool init_pending, sipi_pending;
	u8 sipi_vector;
	bool extint;			/* an ExtINT message: the PIC is a source */
};

/* What a register write leaves to do once the lock is dropped. */
struct lapic_post {
	bool send;
	struct okvm_apic_irq irq;
	int eoi_vec;			/* a level-triggered EOI to report, or -1 */
	bool kick;			/* interrupt state changed: make the vcpu look again */
};

static u32 rd(struct okvm_lapic *a, u32 off)
{
	return a->regs[off >> 2];
}

static void wr(struct okvm_lapic *a, u32 off, u32 val)
{
	a->regs[off >> 2] = val;
}

/* IRR, ISR and TMR: 256 bits in eight registers 16 bytes apart. */
static u32 *vec_word(struct okvm_lapic *a, u32 base, u8 vec)
{
	return &a->regs[(base + (vec >> 5) * 0x10) >> 2];
}

static bool vec_test(struct okvm_lapic *a, u32 base, u8 vec)
{
	return *vec_word(a, base, vec) & BIT(vec & 31);
}

static void vec_set(struct okvm_lapic *a, u32 base, u8 vec)
{
	*vec_word(a, base, vec) |= BIT(vec & 31);
}

static void vec_clear(struct okvm_lapic *a, u32 base, u8 vec)
{
	*vec_word(a, base, vec) &= ~BIT(vec & 31);
}

static int vec_highest(struct okvm_lapic *a, u32 base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 w = a->regs[(base + i * 0x10) >> 2];

		if (w)
			return i * 32 + fls(w) - 1;
	}
	return -1;
}

static bool hw_enabled(struct okvm_lapic *a)
{
	return a->base & LAPIC_BASE_EN;
}

static bool x2apic_mode(struct okvm_lapic *a)
{
	return (a->base & (LAPIC_BASE_EN | LAPIC_BASE_EXTD)) == (LAPIC_BASE_EN | LAPIC_BASE_EXTD);
}

static bool sw_enabled(struct okvm_lapic *a)
{
	return rd(a, LR_SVR) & SVR_ENABLE;
}

static u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 15);
}

static void update_ppr(struct okvm_lapic *a)
{
	u32 tpr = rd(a, LR_TPR) & 0xff;
	int isrv = vec_highest(a, LR_ISR);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	wr(a, LR_PPR, (tpr & 0xf0) >= isr_class ? tpr : isr_class);
}

/* Highest IRR vector whose priority class is above PPR's, or -1. */
static int apic_pending_vec(struct okvm_lapic *a)
{
	int v = vec_highest(a, LR_IRR);

	if (v < 0 || ((u32)v & 0xf0) <= (rd(a, LR_PPR) & 0xf0))
		return -1;
	return v;
}

static bool set_irr(struct okvm_lapic *a, u8 vec, bool level);

/* An APIC error (ESR bit): latched for the next ESR write, LVT error interrupt if unmasked. */
static void apic_error(struct okvm_lapic *a, u32 bit)
{
	u32 lvt = rd(a, LR_LVTERR);

	a->esr_pending |= bit;
	if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16)
		set_irr(a, lvt & 0xff, false);
}

/* Accept a fixed interrupt. Vectors 0-15 are illegal (SDM "Error Handling"). */
static bool set_irr(struct okvm_lapic *a, u8 vec, bool level)
{
	if (vec < 16) {
		apic_error(a, ESR_RECV_ILLEGAL);
		return false;
	}
	vec_set(a, LR_IRR, vec);
	if (level)
		vec_set(a, LR_TMR, vec);
	else
		vec_clear(a, LR_TMR, vec);
	return true;
}

/* ---- timer ---- */

static u32 timer_mode(struct okvm_lapic *a)
{
	return (rd(a, LR_LVTT) >> 17) & 3;
}

/* Divide configuration: bits 0, 1 and 3 encode divide by 2, 4, ..., 128, or 1 (0b111). */
static u32 timer_divisor(struct okvm_lapic *a)
{
	u32 v = rd(a, LR_TDCR);
	u32 s = (v & 3) | ((v >> 1) & 4);

	return s == 7 ? 1 : 2u << s;
}

static u64 count_to_ns(struct okvm_lapic *a, u32 count)
{
	return (u64)count * timer_divisor(a) * LAPIC_NS_PER_TICK;
}

static void timer_stop(struct okvm_lapic *a)
{
	a->deadline = 0;
	/* A callback already running waits for our lock and then sees deadline == 0. */
	hrtimer_try_to_cancel(&a->timer);
}

static void timer_arm(struct okvm_lapic *a, u64 deadline)
{
	if (!deadline)
		deadline = 1;
	a->deadline = deadline;
	hrtimer_start(&a->timer, ns_to_ktime(deadline), HRTIMER_MODE_ABS_HARD);
}

static u64 timer_period(struct okvm_lapic *a)
{
	return max(count_to_ns(a, rd(a, LR_TMICT)), LAPIC_MIN_PERIOD_NS);
}

/* Start one-shot or periodic counting down from @count. */
static void timer_arm_count(struct okvm_lapic *a, u32 count)
{
	u64 ns;

	if (!count || !hw_enabled(a)) {
		timer_stop(a);
		return;
	}
	ns = count_to_ns(a, count);
	if (timer_mode(a) == TIMER_PERIODIC)
		ns = max(ns, LAPIC_MIN_PERIOD_NS);
	timer_arm(a, ktime_get_ns() + ns);
}

static u32 timer_current_count(struct okvm_lapic *a)
{
	u64 now, left;
	u32 tick;

	if (timer_mode(a) == TIMER_TSCDL || !a->deadline)
		return 0;
	now = ktime_get_ns();
	if (a->deadline <= now)
		return 0;
	/* The count drops at each tick edge: what is left, rounded up to whole ticks. */
	tick = timer_divisor(a) * LAPIC_NS_PER_TICK;
	left = div_u64(a->deadline - now + tick - 1, tick);
	return min_t(u64, left, rd(a, LR_TMICT));
}

/* The timer's interrupt (a lock held): false if masked or illegal. */
static bool timer_fire(struct okvm_lapic *a)
{
	u32 lvt = rd(a, LR_LVTT);

	if ((lvt & LVT_MASKED) || !sw_enabled(a))
		return false;
	return set_irr(a, lvt & 0xff, false);
}

static enum hrtimer_restart lapic_timer_fn(struct hrtimer *t)
{
	struct okvm_lapic *a = container_of(t, struct okvm_lapic, timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;
	bool kick;
	u64 now;

	spin_lock_irqsave(&a->lock, flags);
	now = ktime_get_ns();
	/* Re-armed or stopped meanwhile: the queued timer (if any) is the one that counts. */
	if (hrtimer_is_queued(t) || !a->deadline || a->deadline > now) {
		spin_unlock_irqrestore(&a->lock, flags);
		return HRTIMER_NORESTART;
	}
	kick = timer_fire(a);
	if (timer_mode(a) == TIMER_PERIODIC && rd(a, LR_TMICT)) {
		u64 period = timer_period(a);
		u64 next = a->deadline + period;

		/* Periods missed (host busy) are dropped, not delivered in a burst. */
		if (next <= now)
			next += (div64_u64(now - next, period) + 1) * period;
		a->deadline = next;
		hrtimer_set_expires(t, ns_to_ktime(next));
		ret = HRTIMER_RESTART;
	} else {
		a->deadline = 0;
		a->tsc_deadline = 0;
	}
	spin_unlock_irqrestore(&a->lock, flags);
	if (kick)
		okvm_vcpu_kick(a->vcpu);
	return ret;
}

/* Guest TSC now; the backend reads it (host TSC plus the VMCB/VMCS offset). */
static u64 guest_tsc(struct okvm_vcpu *v)
{
	u64 tsc = 0;

	if (okvm_hv->get_msr(v, MSR_IA32_TSC, &tsc))
		tsc = 0;
	return tsc;
}

/* Arm TSC-deadline mode for @deadline (guest TSC), @tsc_now being the guest TSC now. */
static void timer_arm_tscdl(struct okvm_lapic *a, u64 deadline, u64 tsc_now, u64 now_ns)
{
	u32 khz = tsc_khz ? tsc_khz : 1000000;
	u64 delta = deadline > tsc_now ? deadline - tsc_now : 0;
	u64 ns;

	a->tsc_deadline = deadline;
	if (!deadline) {
		timer_stop(a);
		return;
	}
	/* Far-future deadlines (up to 2^64 cycles) stay far in the future without overflow. */
	if (delta >= (1ULL << 52))
		ns = 1ULL << 62;
	else
		ns = mul_u64_u32_div(delta, 1000000, khz);
	timer_arm(a, now_ns + ns);
}

/* ---- destination matching and acceptance ---- */

/* Does the message address this APIC (a locked)? @src_x2: the sender uses x2APIC format. */
static bool apic_match_dest(struct okvm_lapic *a, const struct okvm_apic_irq *irq, bool src_x2)
{
	u32 dest = irq->dest;
	bool bcast = dest == 0xffffffff || (!src_x2 && dest == 0xff);

	if (x2apic_mode(a)) {
		u32 id = rd(a, LR_ID);
		u32 ldr = rd(a, LR_LDR);

		if (bcast)
			return true;
		if (!irq->dest_logical)
			return dest == id;
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	if (!irq->dest_logical)
		return bcast || dest == 0xff || dest == rd(a, LR_ID) >> 24;
	{
		u32 mda = dest & 0xff;
		u32 ldr = rd(a, LR_LDR) >> 24;

		if (bcast || mda == 0xff)
			return true;
		switch (rd(a, LR_DFR) >> 28) {
		case 0xf:	/* flat: a bit per APIC */
			return mda & ldr;
		case 0x0:	/* cluster: cluster id in 7:4, a bit per APIC in 3:0 */
			return (mda >> 4) == (ldr >> 4) && (mda & ldr & 0xf);
		default:
			return false;
		}
	}
}

static bool apic_addressed(struct okvm_lapic *a, struct okvm_vcpu *t, struct okvm_vcpu *src,
			   const struct okvm_apic_irq *irq, bool src_x2)
{
	if (!hw_enabled(a))
		return false;
	switch (irq->shorthand) {
	case OKVM_SH_SELF:
		return t == src;
	case OKVM_SH_ALL:
		return true;
	case OKVM_SH_OTHERS:
		return t != src;
	default:
		return apic_match_dest(a, irq, src_x2);
	}
}

/* Accept @irq at target @t (its lock held). */
static bool apic_accept_irq(struct okvm_lapic *a, const struct okvm_apic_irq *irq)
{
	switch (irq->delivery_mode) {
	case OKVM_DM_FIXED:
	case OKVM_DM_LOWEST:
		if (!sw_enabled(a))
			return false;
		return set_irr(a, irq->vector, irq->level);
	case OKVM_DM_NMI:
		WRITE_ONCE(a->vcpu->nmi_pending, true);
		return true;
	case OKVM_DM_INIT:
		a->init_pending = true;
		a->sipi_pending = false;	/* a start-up before this INIT is stale */
		return true;
	case OKVM_DM_SIPI:
		a->sipi_pending = true;
		a->sipi_vector = irq->vector;
		return true;
	case OKVM_DM_EXTINT:
		a->extint = true;
		return true;
	default:			/* SMI (not offered), remote read, reserved */
		return false;
	}
}

int okvm_lapic_deliver(struct okvm_vm *vm, struct okvm_vcpu *src, const struct okvm_apic_irq *irq)
{
	struct okvm_vcpu *best = NULL;
	u32 best_ppr = 0x100;
	bool lowest = irq->delivery_mode == OKVM_DM_LOWEST;
	bool src_x2 = false;
	int i, nr, n = 0;

	/* INIT level de-assert only resynchronises arbitration IDs: nothing to deliver. */
	if (irq->delivery_mode == OKVM_DM_INIT && irq->level && !irq->assert)
		return 0;
	if (src) {
		struct okvm_lapic *sa = READ_ONCE(src->apic);

		src_x2 = sa && (READ_ONCE(sa->base) & LAPIC_BASE_EXTD);
	}
	nr = min(READ_ONCE(vm->nr_vcpus), OKVM_MAX_VCPUS);
	smp_rmb();			/* pairs with the vcpu creation's smp_wmb() */
	for (i = 0; i < nr; i++) {
		struct okvm_vcpu *t = READ_ONCE(vm->vcpus[i]);
		struct okvm_lapic *a;
		unsigned long flags;
		bool got = false;

		if (!t)
			continue;
		a = READ_ONCE(t->apic);
		if (!a)
			continue;
		spin_lock_irqsave(&a->lock, flags);
		if (apic_addressed(a, t, src, irq, src_x2)) {
			if (lowest) {
				if (sw_enabled(a) && rd(a, LR_PPR) < best_ppr) {
					best_ppr = rd(a, LR_PPR);
					best = t;
				}
			} else {
				got = apic_accept_irq(a, irq);
			}
		}
		spin_unlock_irqrestore(&a->lock, flags);
		if (got) {
			n++;
			okvm_vcpu_kick(t);
		}
	}
	if (best) {
		struct okvm_lapic *a = best->apic;
		unsigned long flags;
		bool got = false;

		spin_lock_irqsave(&a->lock, flags);
		if (hw_enabled(a))
			got = apic_accept_irq(a, irq);
		spin_unlock_irqrestore(&a->lock, flags);
		if (got) {
			n++;
			okvm_vcpu_kick(best);
		}
	}
	return n;
}

/* ---- register access ---- */

/* Fixed and lowest-priority IPIs with a vector below 16 are not sent (SDM: send illegal vector). */
static void icr_send(struct okvm_lapic *a, u32 low, u32 dest, struct lapic_post *p)
{
	struct okvm_apic_irq *irq = &p->irq;

	irq->vector = low & 0xff;
	irq->delivery_mode = LVT_DM(low);
	irq->dest_logical = low & ICR_LOGICAL;
	irq->level = low & ICR_LEVEL;
	irq->assert = low & ICR_ASSERT;
	irq->shorthand = (low >> 18) & 3;
	irq->dest = dest;
	if ((irq->delivery_mode == OKVM_DM_FIXED || irq->delivery_mode == OKVM_DM_LOWEST) &&
	    irq->vector < 16) {
		apic_error(a, ESR_SEND_ILLEGAL);
		p->kick = true;
		return;
	}
	p->send = true;
}

static u32 reg_read(struct okvm_lapic *a, u32 off)
{
	switch (off) {
	case LR_TMCCT:
		return timer_current_count(a);
	case LR_EOI:
	case LR_SELF_IPI:
	case LR_CMCI:
		return 0;
	default:
		return off < OKVM_APIC_REG_SIZE ? rd(a, off) : 0;
	}
}

static void set_lvt(struct okvm_lapic *a, u32 off, u32 val)
{
	if (!sw_enabled(a))
		val |= LVT_MASKED;
	wr(a, off, val);
}

static void write_lvtt(struct okvm_lapic *a, u32 val)
{
	u32 old = timer_mode(a);
	u32 mode;

	set_lvt(a, LR_LVTT, val & LVT_TIMER_BITS);
	mode = timer_mode(a);
	if (mode == 3) {		/* reserved: one-shot */
		wr(a, LR_LVTT, rd(a, LR_LVTT) & ~(3u << 17));
		mode = TIMER_ONESHOT;
	}
	/* Switching into or out of TSC-deadline mode disarms the timer (SDM). */
	if (old != mode && (old == TIMER_TSCDL || mode == TIMER_TSCDL)) {
		timer_stop(a);
		a->tsc_deadline = 0;
		if (mode == TIMER_TSCDL)
			wr(a, LR_TMICT, 0);
	}
}

static void write_svr(struct okvm_lapic *a, u32 val, struct lapic_post *p)
{
	static const u32 lvts[] = { LR_LVTT, LR_LVTTHM, LR_LVTPC, LR_LVT0, LR_LVT1, LR_LVTERR };
	unsigned int i;

	wr(a, LR_SVR, val & SVR_BITS);
	if (!(val & SVR_ENABLE))
		for (i = 0; i < ARRAY_SIZE(lvts); i++)
			wr(a, lvts[i], rd(a, lvts[i]) | LVT_MASKED);
	p->kick = true;
}

static void do_eoi(struct okvm_lapic *a, struct lapic_post *p)
{
	int v = vec_highest(a, LR_ISR);

	if (v < 0)
		return;
	vec_clear(a, LR_ISR, v);
	if (vec_test(a, LR_TMR, v))
		p->eoi_vec = v;
	update_ppr(a);
	p->kick = true;
}

/*
 * One 32-bit register write in either mode (a locked). @x2: through the x2APIC MSR, with
 * its #GP rules (-EINVAL); the xAPIC page ignores what it cannot take.
 */
static int reg_write(struct okvm_lapic *a, u32 off, u32 val, bool x2, struct lapic_post *p)
{
	switch (off) {
	case LR_ID:
		if (x2)
			return -EINVAL;
		wr(a, LR_ID, val & 0xff000000);
		break;
	case LR_TPR:
		if (x2 && (val & ~0xffu))
			return -EINVAL;
		wr(a, LR_TPR, val & 0xff);
		update_ppr(a);
		p->kick = true;
		break;
	case LR_EOI:
		if (x2 && val)
			return -EINVAL;
		do_eoi(a, p);
		break;
	case LR_LDR:
		if (x2)
			return -EINVAL;
		wr(a, LR_LDR, val & 0xff000000);
		break;
	case LR_DFR:
		if (x2)
			return -EINVAL;
		wr(a, LR_DFR, (val & 0xf0000000) | 0x0fffffff);
		break;
	case LR_SVR:
		if (x2 && (val & ~SVR_BITS))
			return -EINVAL;
		write_svr(a, val, p);
		break;
	case LR_ESR:
		if (x2 && val)
			return -EINVAL;
		wr(a, LR_ESR, a->esr_pending);
		a->esr_pending = 0;
		break;
	case LR_ICR:
		/*
		 * The register keeps what was written (KVM's selftests check it does) except
		 * the delivery status, which is never busy: delivery is immediate.
		 */
		if (x2 && (val & ICR_X2_RSVD))
			return -EINVAL;
		wr(a, LR_ICR, val & ~ICR_BUSY);
		icr_send(a, val, x2 ? rd(a, LR_ICR2) : rd(a, LR_ICR2) >> 24, p);
		break;
	case LR_ICR2:
		if (x2)
			return -EINVAL;
		wr(a, LR_ICR2, val & 0xff000000);
		break;
	case LR_LVTT:
		if (x2 && (val & ~(LVT_TIMER_BITS | LVT_RO_BITS)))
			return -EINVAL;
		write_lvtt(a, val);
		break;
	case LR_LVTTHM:
	case LR_LVTPC:
		if (x2 && (val & ~(LVT_BITS | LVT_RO_BITS)))
			return -EINVAL;
		set_lvt(a, off, val & LVT_BITS);
		break;
	case LR_LVT0:
	case LR_LVT1:
		if (x2 && (val & ~(LVT_LINT_BITS | LVT_RO_BITS)))
			return -EINVAL;
		set_lvt(a, off, val & LVT_LINT_BITS);
		p->kick = true;		/* LINT0 may have made the PIC a source */
		break;
	case LR_LVTERR:
		if (x2 && (val & ~(LVT_ERR_BITS | LVT_RO_BITS)))
			return -EINVAL;
		set_lvt(a, off, val & LVT_ERR_BITS);
		break;
	case LR_TMICT:
		/* Ignored in TSC-deadline mode (SDM). */
		if (timer_mode(a) == TIMER_TSCDL)
			break;
		wr(a, LR_TMICT, val);
		timer_arm_count(a, val);
		break;
	case LR_TDCR: {
		u32 cur;

		if (x2 && (val & ~0xbu))
			return -EINVAL;
		cur = timer_current_count(a);
		wr(a, LR_TDCR, val & 0xb);
		/* A running count goes on at the new rate from where it is. */
		if (cur && timer_mode(a) != TIMER_TSCDL)
			timer_arm_count(a, cur);
		break;
	}
	case LR_SELF_IPI:
		if (!x2 || (val & ~0xffu))
			return -EINVAL;
		if (set_irr(a, val & 0xff, false))
			p->kick = true;
		break;
	default:
		/* Read-only or reserved: a #GP in x2APIC mode, ignored in the xAPIC page. */
		return x2 ? -EINVAL : 0;
	}
	return 0;
}

static void post_run(struct okvm_vcpu *v, struct lapic_post *p)
{
	if (p->eoi_vec >= 0)
		okvm_irq_eoi(v, p->eoi_vec);
	if (p->send)
		okvm_lapic_deliver(v->vm, v, &p->irq);
	if (p->kick)
		okvm_vcpu_kick(v);
}

static void post_init(struct lapic_post *p)
{
	memset(p, 0, sizeof(*p));
	p->eoi_vec = -1;
}

bool okvm_lapic_mmio(struct okvm_vcpu *v, u64 gpa, void *data, int len, bool write)
{
	struct okvm_lapic *a = v->apic;
	struct lapic_post p;
	unsigned long flags;
	u64 base, off;
	u8 *b = data;
	int i;

	if (!a)
		return false;
	post_init(&p);
	spin_lock_irqsave(&a->lock, flags);
	base = a->base & ~0xfffULL;
	/* Globally disabled or in x2APIC mode the page is not there (SDM 11.12.2). */
	if (!hw_enabled(a) || x2apic_mode(a) || gpa < base || gpa - base >= 0x1000) {
		spin_unlock_irqrestore(&a->lock, flags);
		return false;
	}
	off = gpa - base;
	if (len < 1 || len > 8) {
		/* Nothing sensible: reads see zeros, writes are dropped. */
		if (!write && len > 0)
			memset(data, 0, len);
	} else if (write) {
		/* Registers take aligned 32-bit stores only (SDM 11.4.1); others are dropped. */
		if (len == 4 && !(off & 0xf))
			reg_write(a, off, b[0] | b[1] << 8 | b[2] << 16 | (u32)b[3] << 24, false, &p);
	} else {
		/* Narrower or unaligned reads see the register bytes, and zeros beyond them. */
		for (i = 0; i < len; i++) {
			u64 o = off + i;

			b[i] = o < 0x1000 && (o & 0xf) < 4 ?
				reg_read(a, o & ~0xfULL) >> ((o & 3) * 8) : 0;
		}
	}
	spin_unlock_irqrestore(&a->lock, flags);
	post_run(v, &p);
	return true;
}

/* Registers an x2APIC RDMSR may read (SDM table "x2APIC Register Address Space"). */
static bool x2_readable(u32 off)
{
	switch (off) {
	case LR_ID: case LR_LVR: case LR_TPR: case LR_PPR: case LR_LDR: case LR_SVR:
	case LR_ESR: case LR_ICR: case LR_LVTT: case LR_LVTTHM: case LR_LVTPC:
	case LR_LVT0: case LR_LVT1: case LR_LVTERR: case LR_TMICT: case LR_TMCCT: case LR_TDCR:
		return true;
	default:
		return off >= LR_ISR && off < LR_ESR;	/* ISR, TMR, IRR */
	}
}

int okvm_lapic_rdmsr(struct okvm_vcpu *v, u32 msr, u64 *val)
{
	struct okvm_lapic *a = v->apic;
	unsigned long flags;
	u32 off;
	int ret = 0;

	if (!a)
		return -ENOENT;
	if (msr == LAPIC_MSR_TSC_DEADLINE) {
		spin_lock_irqsave(&a->lock, flags);
		*val = hw_enabled(a) && timer_mode(a) == TIMER_TSCDL ? a->tsc_deadline : 0;
		spin_unlock_irqrestore(&a->lock, flags);
		return 0;
	}
	if (msr < 0x800 || msr > 0x8ff)
		return -ENOENT;
	off = (msr - 0x800) << 4;
	spin_lock_irqsave(&a->lock, flags);
	if (!x2apic_mode(a) || !x2_readable(off))
		ret = -EINVAL;
	else if (off == LR_ICR)
		*val = (u64)rd(a, LR_ICR2) << 32 | rd(a, LR_ICR);
	else
		*val = reg_read(a, off);
	spin_unlock_irqrestore(&a->lock, flags);
	return ret;
}

int okvm_lapic_wrmsr(struct okvm_vcpu *v, u32 msr, u64 val)
{
	struct okvm_lapic *a = v->apic;
	struct lapic_post p;
	unsigned long flags;
	u32 off;
	int ret = 0;

	if (!a)
		return -ENOENT;
	if (msr == LAPIC_MSR_TSC_DEADLINE) {
		/* The guest TSC and the clock are read first: the backend call stays unlocked. */
		u64 tsc = guest_tsc(v);
		u64 now = ktime_get_ns();

		spin_lock_irqsave(&a->lock, flags);
		/* Writes count only in TSC-deadline mode (SDM 11.5.4.1). */
		if (hw_enabled(a) && timer_mode(a) == TIMER_TSCDL)
			timer_arm_tscdl(a, val, tsc, now);
		spin_unlock_irqrestore(&a->lock, flags);
		return 0;
	}
	if (msr < 0x800 || msr > 0x8ff)
		return -ENOENT;
	off = (msr - 0x800) << 4;
	post_init(&p);
	spin_lock_irqsave(&a->lock, flags);
	if (!x2apic_mode(a)) {
		ret = -EINVAL;
	} else if (off == LR_ICR) {
		/* The one 64-bit register: destination in 63:32, stored before the command. */
		if ((u32)val & ICR_X2_RSVD) {
			ret = -EINVAL;
		} else {
			wr(a, LR_ICR2, val >> 32);
			ret = reg_write(a, off, (u32)val, true, &p);
		}
	} else if (val >> 32) {
		ret = -EINVAL;		/* bits 63:32 of a 32-bit register are reserved */
	} else {
		ret = reg_write(a, off, (u32)val, true, &p);
	}
	spin_unlock_irqrestore(&a->lock, flags);
	post_run(v, &p);
	return ret;
}

/* ---- reset, IA32_APIC_BASE ---- */

/* Registers to their reset values (a locked); the ID and IA32_APIC_BASE stay. */
static void regs_reset(struct okvm_lapic *a)
{
	struct okvm_vcpu *v = a->vcpu;
	u32 id = rd(a, LR_ID);

	timer_stop(a);
	a->tsc_deadline = 0;
	memset(a->regs, 0, sizeof(a->regs));
	a->esr_pending = 0;
	wr(a, LR_LVR, LAPIC_VERSION);
	wr(a, LR_DFR, 0xffffffff);
	wr(a, LR_SVR, 0xff);
	wr(a, LR_LVTT, LVT_MASKED);
	wr(a, LR_LVTTHM, LVT_MASKED);
	wr(a, LR_LVTPC, LVT_MASKED);
	wr(a, LR_LVT0, LVT_MASKED);
	wr(a, LR_LVT1, LVT_MASKED);
	wr(a, LR_LVTERR, LVT_MASKED);
	if (x2apic_mode(a)) {
		wr(a, LR_ID, v->id);
		wr(a, LR_LDR, x2apic_ldr(v->id));
	} else {
		wr(a, LR_ID, id);
	}
	/* Virtual wire mode on the BSP, as a BIOS leaves it (and KVM presets it). */
	if (a->base & LAPIC_BASE_BSP)
		wr(a, LR_LVT0, OKVM_DM_EXTINT << 8);
	a->extint = false;
	update_ppr(a);
}

void okvm_lapic_reset(struct okvm_vcpu *v, bool init)
{
	struct okvm_lapic *a = v->apic;
	unsigned long flags;

	if (!a)
		return;
	spin_lock_irqsave(&a->lock, flags);
	if (!init) {
		a->base = LAPIC_DEFAULT_BASE | LAPIC_BASE_EN | (v->id == v->vm->bsp_id ? LAPIC_BASE_BSP : 0);
		wr(a, LR_ID, v->id << 24);
		a->init_pending = false;
		a->sipi_pending = false;
	} else {
		/* This INIT is being handled; a later SIPI stays latched. */
		a->init_pending = false;
	}
	regs_reset(a);
	v->apic_base = a->base;
	spin_unlock_irqrestore(&a->lock, flags);
}

/* MAXPHYADDR from the guest's CPUID (leaf 0x80000008), 36 when it does not say. */
static int guest_phys_bits(struct okvm_vcpu *v)
{
	int i;

	for (i = 0; i < v->ncpuid && v->cpuid; i++)
		if (v->cpuid[i].function == 0x80000008 && (v->cpuid[i].eax & 0xff) >= 32 &&
		    (v->cpuid[i].eax & 0xff) <= 52)
			return v->cpuid[i].eax & 0xff;
	return 36;
}

static bool guest_has_x2apic(struct okvm_vcpu *v)
{
	int i;

	for (i = 0; i < v->ncpuid && v->cpuid; i++)
		if (v->cpuid[i].function == 1)
			return v->cpuid[i].ecx & BIT(21);
	return false;
}

int okvm_lapic_set_base(struct okvm_vcpu *v, u64 base, bool host)
{
	struct okvm_lapic *a = v->apic;
	u64 rsvd = 0xffULL | BIT_ULL(9) | ~((1ULL << guest_phys_bits(v)) - 1);
	bool old_en, old_x2, en, x2;
	unsigned long flags;

	if (!a)
		return -ENOENT;
	if (!host && !guest_has_x2apic(v))
		rsvd |= LAPIC_BASE_EXTD;
	en = base & LAPIC_BASE_EN;
	x2 = base & LAPIC_BASE_EXTD;
	/* EXTD without EN is the invalid state (SDM "x2APIC State Transitions"). */
	if ((base & rsvd) || (x2 && !en))
		return -EINVAL;
	spin_lock_irqsave(&a->lock, flags);
	old_en = hw_enabled(a);
	old_x2 = x2apic_mode(a);
	/* The guest leaves x2APIC only through disabled, and enters it only from xAPIC. */
	if (!host && en && ((old_x2 && !x2) || (!old_en && x2))) {
		spin_unlock_irqrestore(&a->lock, flags);
		return -EINVAL;
	}
	a->base = base;
	if (old_en && !en) {
		regs_reset(a);
		wr(a, LR_ID, v->id << 24);
	} else if (x2 && !old_x2) {
		/* The x2APIC ID is the initial APIC ID; LDR follows from it. */
		wr(a, LR_ID, v->id);
		wr(a, LR_LDR, x2apic_ldr(v->id));
	} else if (!x2 && old_x2) {
		/* Host restore only: back to the xAPIC ID format. */
		wr(a, LR_ID, v->id << 24);
		wr(a, LR_LDR, 0);
	}
	v->apic_base = base;
	spin_unlock_irqrestore(&a->lock, flags);
	okvm_vcpu_kick(v);
	return 0;
}

/* ---- the run loop's view ---- */

/* The PIC is the source: okvm_lapic_pending() says so with this value (not a vector). */
#define LAPIC_PENDING_PIC	256

/* Is the 8259 an interrupt source for this vcpu now (a locked)? */
static bool pic_is_source(struct okvm_lapic *a)
{
	u32 lvt0 = rd(a, LR_LVT0);

	return !hw_enabled(a) || a->extint ||
	       (!(lvt0 & LVT_MASKED) && LVT_DM(lvt0) == OKVM_DM_EXTINT);
}

int okvm_lapic_pending(struct okvm_vcpu *v)
{
	struct okvm_lapic *a = v->apic;
	unsigned long flags;
	bool pic;
	int vec;

	if (!a)
		return -1;
	spin_lock_irqsave(&a->lock, flags);
	pic = pic_is_source(a);
	vec = hw_enabled(a) ? apic_pending_vec(a) : -1;
	spin_unlock_irqrestore(&a->lock, flags);
	/* The PIC first, as its INTR bypasses the APIC's priority logic; never under our lock. */
	if (pic && okvm_pic_output(v->vm))
		return LAPIC_PENDING_PIC;
	return vec;
}

int okvm_lapic_accept(struct okvm_vcpu *v, int vector)
{
	struct okvm_lapic *a = v->apic;
	unsigned long flags;
	int vec;

	if (!a)
		return 0;
	if (vector == LAPIC_PENDING_PIC && v->vm->pic) {
		spin_lock_irqsave(&a->lock, flags);
		a->extint = false;
		spin_unlock_irqrestore(&a->lock, flags);
		vec = okvm_pic_ack(v->vm);
		if (vec >= 0 && vec < 256)
			return vec;
		/* No PIC after all: the APIC's answer below. */
	}
	/*
	 * The INTA: whatever is highest now (a message may have arrived since pending());
	 * nothing left (the guest cannot change TPR in between, but be defined): the
	 * spurious vector, which does not go into ISR (SDM "Spurious Interrupt").
	 */
	spin_lock_irqsave(&a->lock, flags);
	vec = hw_enabled(a) ? apic_pending_vec(a) : -1;
	if (vec >= 0) {
		vec_clear(a, LR_IRR, vec);
		vec_set(a, LR_ISR, vec);
		update_ppr(a);
	} else {
		vec = rd(a, LR_SVR) & 0xff;
	}
	spin_unlock_irqrestore(&a->lock, flags);
	return vec;
}

u8 okvm_lapic_get_cr8(struct okvm_vcpu *v)
{
	struct okvm_lapic *a = v->apic;

	return a ? (READ_ONCE(a->regs[LR_TPR >> 2]) >> 4) & 0xf : 0;
}

void okvm_lapic_set_cr8(struct okvm_vcpu *v, u8 cr8)
{
	struct okvm_lapic *a = v->apic;
	unsigned long flags;

	if (!a)
		return;
	spin_lock_irqsave(&a->lock, flags);
	wr(a, LR_TPR, (cr8 & 0xf) << 4);
	update_ppr(a);
	spin_unlock_irqrestore(&a->lock, flags);
}

int okvm_lapic_take_init_sipi(struct okvm_vcpu *v, u8 *vector)
{
	struct okvm_lapic *a = v->apic;
	unsigned long flags;
	int ret = 0;

	if (!a)
		return 0;
	spin_lock_irqsave(&a->lock, flags);
	if (a->init_pending) {
		a->init_pending = false;
		ret = 1;
	} else if (a->sipi_pending) {
		a->sipi_pending = false;
		*vector = a->sipi_vector;
		ret = 2;
	}
	spin_unlock_irqrestore(&a->lock, flags);
	return ret;
}

/* ---- KVM_GET/SET_LAPIC ---- */

void okvm_lapic_get_state(struct okvm_vcpu *v, struct okvm_lapic_state *s)
{
	struct okvm_lapic *a = v->apic;
	unsigned long flags;
	u32 *r = (u32 *)s->regs;

	if (!a) {
		memset(s, 0, sizeof(*s));
		return;
	}
	spin_lock_irqsave(&a->lock, flags);
	memcpy(s->regs, a->regs, sizeof(s->regs));
	r[LR_TMCCT >> 2] = timer_current_count(a);
	/* Without KVM_CAP_X2APIC_API the x2APIC ID travels in the xAPIC position. */
	if (x2apic_mode(a))
		r[LR_ID >> 2] = rd(a, LR_ID) << 24;
	spin_unlock_irqrestore(&a->lock, flags);
}

int okvm_lapic_set_state(struct okvm_vcpu *v, const struct okvm_lapic_state *s)
{
	static const u32 lvts[] = { LR_LVTTHM, LR_LVTPC, LR_LVT0, LR_LVT1, LR_LVTERR };
	static const u32 bits[] = { LVT_BITS, LVT_BITS, LVT_LINT_BITS, LVT_LINT_BITS, LVT_ERR_BITS };
	struct okvm_lapic *a = v->apic;
	unsigned long flags;
	u32 cur, init;
	unsigned int i;

	if (!a)
		return -ENXIO;
	spin_lock_irqsave(&a->lock, flags);
	timer_stop(a);
	a->tsc_deadline = 0;
	memcpy(a->regs, s->regs, sizeof(a->regs));
	cur = rd(a, LR_TMCCT);

	/* Keep the invariants the rest of this file relies on. */
	wr(a, LR_LVR, LAPIC_VERSION);
	if (x2apic_mode(a)) {
		wr(a, LR_ID, v->id);
		wr(a, LR_LDR, x2apic_ldr(v->id));
		wr(a, LR_DFR, 0xffffffff);
	} else {
		wr(a, LR_ID, rd(a, LR_ID) & 0xff000000);
		wr(a, LR_LDR, rd(a, LR_LDR) & 0xff000000);
		wr(a, LR_DFR, rd(a, LR_DFR) | 0x0fffffff);
	}
	wr(a, LR_TPR, rd(a, LR_TPR) & 0xff);
	wr(a, LR_APR, rd(a, LR_APR) & 0xff);
	wr(a, LR_EOI, 0);
	wr(a, LR_RRD, 0);
	wr(a, LR_SVR, rd(a, LR_SVR) & SVR_BITS);
	/* The unused bytes of each 16-byte slot read as zero. */
	for (i = 0; i < OKVM_APIC_REG_SIZE / 16; i++) {
		a->regs[i * 4 + 1] = 0;
		a->regs[i * 4 + 2] = 0;
		a->regs[i * 4 + 3] = 0;
	}
	/*
	 * IRR/ISR/TMR are taken as they are, vectors 0-15 too (KVM does, and its selftests
	 * pass data through IRR): the guest would just be handed such a vector.
	 */
	wr(a, LR_CMCI, 0);
	wr(a, LR_ICR, rd(a, LR_ICR) & ~ICR_BUSY);
	if (!x2apic_mode(a))
		wr(a, LR_ICR2, rd(a, LR_ICR2) & 0xff000000);
	wr(a, LR_LVTT, rd(a, LR_LVTT) & LVT_TIMER_BITS);
	if (timer_mode(a) == 3)
		wr(a, LR_LVTT, rd(a, LR_LVTT) & ~(3u << 17));
	for (i = 0; i < ARRAY_SIZE(lvts); i++)
		wr(a, lvts[i], rd(a, lvts[i]) & bits[i]);
	if (!sw_enabled(a)) {
		wr(a, LR_LVTT, rd(a, LR_LVTT) | LVT_MASKED);
		for (i = 0; i < ARRAY_SIZE(lvts); i++)
			wr(a, lvts[i], rd(a, lvts[i]) | LVT_MASKED);
	}
	wr(a, LR_ESR, rd(a, LR_ESR) & 0xff);
	wr(a, LR_TMCCT, 0);
	wr(a, LR_TDCR, rd(a, LR_TDCR) & 0xb);
	wr(a, LR_SELF_IPI, 0);
	update_ppr(a);

	/* The timer goes on from the saved current count (or the initial count). */
	init = rd(a, LR_TMICT);
	if (timer_mode(a) == TIMER_TSCDL)
		wr(a, LR_TMICT, 0);
	else if (init)
		timer_arm_count(a, cur && cur <= init ? cur : init);
	spin_unlock_irqrestore(&a->lock, flags);
	okvm_vcpu_kick(v);
	return 0;
}

/* ---- life cycle ---- */

int okvm_lapic_create(struct okvm_vcpu *v)
{
	struct okvm_lapic *a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);

	if (!a)
		return -ENOMEM;
	spin_lock_init(&a->lock);
	hrtimer_setup(&a->timer, lapic_timer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	a->vcpu = v;
	v->apic = a;
	okvm_lapic_reset(v, false);
	return 0;
}

void okvm_lapic_free(struct okvm_vcpu *v)
{
	struct okvm_lapic *a = v->apic;

	if (!a)
		return;
	hrtimer_cancel(&a->timer);
	v->apic = NULL;
	kfree(a);
}
