// SPDX-License-Identifier: GPL-2.0-only
/*
 * The 8254 programmable interval timer (KVM_CREATE_PIT2): three counters at 0x40-0x42,
 * the control word at 0x43, a 1.193182 MHz input clock; counter 0 drives GSI 0, counter
 * 2's gate and output are bits 0 and 5 of port 0x61 (handled here only with
 * OKVM_PIT_SPEAKER_DUMMY, as KVM does; otherwise userspace owns 0x61 and uses GET/SET_PIT2).
 *
 * Nothing ticks: a counter keeps the time it started counting (count_load_time, ns of
 * ktime_get(), as KVM reports it) and its value and output are computed from the elapsed
 * time when read. Counter 0's interrupts come from one hrtimer: periodic in modes 2 and 3,
 * once in modes 0 and 4, each a rising edge on GSI 0 (okvm_irq_set 1 then 0). A tick the
 * guest did not take yet is coalesced by the PIC/IOAPIC, late ticks are skipped, and the
 * period is at least OKVM_PIT_MIN_PERIOD_NS so that no guest can make the host storm.
 *
 * From the data sheet, with these simplifications: a new count in modes 2 and 3 starts a
 * new cycle at once (instead of at the end of the current one); mode 3 with an odd count
 * reads back as if even; ICW-style "undefined after power-up" state is: mode 0, access
 * LSB then MSB, count 65536, not counting. GATE low stops modes 0 and 4 (the count is
 * frozen) and 2 and 3 (output high, reload on the rising edge); a rising edge starts modes
 * 1 and 5. Multi-byte port accesses are split into bytes at consecutive ports.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>

#include "../okvm.h"
#include "irqchip.h"

#define PIT_HZ			1193182u
/* 10 kHz: faster than any PC OS programs it, slow enough to be harmless. */
#define OKVM_PIT_MIN_PERIOD_NS	100000ull
/* A restored count_load_time is taken as at most this old (36 years): no overflow. */
#define OKVM_PIT_MAX_AGE_NS	(1LL << 60)

/* read_state / write_state / count_latched: which byte comes next (the KVM encoding). */
enum { RW_LSB = 1, RW_MSB = 2, RW_WORD0 = 3, RW_WORD1 = 4 };

struct pit_chan {
	u32 count;		/* 1..65536 (binary) or 1..10000 (BCD) */
	u16 latched_count;
	u8 count_latched;	/* RW_* still to read from latched_count, 0: none */
	u8 status_latched;
	u8 status;
	u8 read_state, write_state, write_latch;
	u8 rw_mode;		/* 1 LSB, 2 MSB, 3 LSB then MSB */
	u8 mode;		/* 0-5 */
	u8 bcd;
	u8 gate;
	bool running;		/* a count was loaded (and, in modes 1 and 5, triggered) */
	bool null_count;	/* a control word came, the count not yet */
	s64 load_time;		/* ns (ktime_get) when counting started */
	s64 paused;		/* ns counted before GATE went low, or -1 */
};

struct okvm_pit {
	spinlock_t lock;
	struct okvm_vm *vm;
	u32 flags;		/* KVM_CREATE_PIT2 flags */
	bool hpet_legacy;	/* OKVM_PIT_FLAGS_HPET_LEGACY: counter 0 does not drive IRQ 0 */
	bool speaker_data;	/* port 0x61 bit 1 */
	struct pit_chan ch[3];
	struct hrtimer timer;
	bool armed;		/* the timer belongs to the current counter 0 setup */
	u64 period;		/* ns, 0: one shot */
};

static s64 pit_now(void)
{
	return ktime_to_ns(ktime_get());
}

static u64 ticks_to_ns(u64 ticks)
{
	return div_u64(ticks * NSEC_PER_SEC, PIT_HZ);
}

static u64 pit_elapsed_ticks(const struct pit_chan *c, s64 now)
{
	s64 ns = c->paused >= 0 ? c->paused : now - c->load_time;

	if (ns <= 0)
		return 0;
	return mul_u64_u32_div(ns, PIT_HZ, NSEC_PER_SEC);
}

static u32 pit_modulus(const struct pit_chan *c)
{
	return c->bcd ? 10000 : 65536;
}

/* The counting element now, as a binary number 0..modulus-1. */
static u32 pit_value(const struct pit_chan *c, s64 now)
{
	u32 m = pit_modulus(c), r;
	u64 d;

	if (!c->running)
		return c->count % m;
	d = pit_elapsed_ticks(c, now);
	switch (c->mode) {
	case 2:
		div_u64_rem(d, c->count, &r);
		return (c->count - r) % m;
	case 3:
		div_u64_rem(2 * d, c->count, &r);
		return (c->count - r) % m;
	default:	/* 0, 1, 4, 5: count down and wrap */
		div_u64_rem(d, m, &r);
		return (c->count % m + m - r) % m;
	}
}

static bool pit_out(const struct pit_chan *c, s64 now)
{
	u64 d;
	u32 r;

	if (!c->running)
		return c->mode != 0;
	if (!c->gate && (c->mode == 2 || c->mode == 3))
		return true;
	d = pit_elapsed_ticks(c, now);
	switch (c->mode) {
	case 0:
	case 1:
		return d >= c->count;
	case 2:
		if (c->count < 2)
			return true;
		div_u64_rem(d, c->count, &r);
		return r != c->count - 1;
	case 3:
		div_u64_rem(d, c->count, &r);
		return r < (c->count + 1) / 2;
	default:	/* 4, 5: one clock low at terminal count */
		return d != c->count;
	}
}

static u16 to_bcd(u32 v)
{
	return (v % 10) | ((v / 10 % 10) << 4) | ((v / 100 % 10) << 8) | ((v / 1000 % 10) << 12);
}

static u32 from_bcd(u16 v)
{
	u32 r = 0;
	int i;

	/* A nibble above 9 counts as 9: defined, if not meaningful. */
	for (i = 3; i >= 0; i--)
		r = r * 10 + min_t(u32, (v >> (4 * i)) & 0xf, 9);
	return r;
}

static u16 pit_read_value(const struct pit_chan *c, s64 now)
{
	u32 v = pit_value(c, now);

	return c->bcd ? to_bcd(v) : (u16)v;
}

static u8 pit_status(const struct pit_chan *c, s64 now)
{
	return (pit_out(c, now) << 7) | (c->null_count << 6) | (c->rw_mode << 4) |
	       (c->mode << 1) | c->bcd;
}

static enum hrtimer_restart pit_timer_fn(struct hrtimer *t)
{
	struct okvm_pit *pit = container_of(t, struct okvm_pit, timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;
	bool fire;

	spin_lock_irqsave(&pit->lock, flags);
	/* Re-armed (queued again) or disarmed while we waited for the lock: not ours. */
	fire = pit->armed && !hrtimer_is_queued(t);
	if (fire) {
		if (pit->period) {
			hrtimer_forward_now(t, ns_to_ktime(pit->period));
			ret = HRTIMER_RESTART;
		} else {
			pit->armed = false;
		}
	}
	spin_unlock_irqrestore(&pit->lock, flags);
	if (fire) {
		okvm_irq_set(pit->vm, 0, 1);
		okvm_irq_set(pit->vm, 0, 0);
	}
	return ret;
}

/* Counter 0 changed: (re)program or stop the timer. Lock held; never waits. */
static void pit_arm(struct okvm_pit *pit, s64 now)
{
	struct pit_chan *c = &pit->ch[0];
	u64 first, period = 0;
	s64 at;

	if (!c->running || !c->gate || pit->hpet_legacy)
		goto stop;
	switch (c->mode) {
	case 0:
	case 1:
		first = ticks_to_ns(c->count);
		break;
	case 4:
	case 5:
		first = ticks_to_ns(c->count + 1);
		break;
	default:
		period = max(ticks_to_ns(c->count), OKVM_PIT_MIN_PERIOD_NS);
		first = period;
		break;
	}
	at = c->load_time + first;
	if (at <= now) {
		if (!period)
			goto stop;	/* a one-shot that already expired */
		/* Restored from an old state: the next period boundary after now. */
		at += div64_u64(now - at, period) * period + period;
	}
	pit->armed = true;
	pit->period = period;
	hrtimer_start(&pit->timer, ns_to_ktime(at), HRTIMER_MODE_ABS_HARD);
	return;
stop:
	pit->armed = false;
	hrtimer_try_to_cancel(&pit->timer);
}

static void pit_load(struct okvm_pit *pit, int i, u16 raw, s64 now)
{
	struct pit_chan *c = &pit->ch[i];
	u32 v = c->bcd ? from_bcd(raw) : raw;

	c->count = v ? v : pit_modulus(c);
	c->null_count = false;
	c->paused = -1;
	c->load_time = now;
	/* Modes 1 and 5 wait for a rising edge on GATE. */
	c->running = c->mode != 1 && c->mode != 5;
	if (c->running && !c->gate)
		c->paused = 0;
	if (i == 0)
		pit_arm(pit, now);
}

static void pit_set_gate(struct okvm_pit *pit, int i, bool gate, s64 now)
{
	struct pit_chan *c = &pit->ch[i];

	if (gate == !!c->gate)
		return;
	c->gate = gate;
	if (!gate) {
		if (c->running && c->mode != 1 && c->mode != 5)
			c->paused = max_t(s64, now - c->load_time, 0);
	} else if (!c->null_count) {
		switch (c->mode) {
		case 0:
		case 4:
			if (c->paused >= 0)
				c->load_time = now - c->paused;
			break;
		default:	/* 1, 5 triggered; 2, 3 reloaded */
			c->load_time = now;
			c->running = true;
			break;
		}
		c->paused = -1;
	}
	if (i == 0)
		pit_arm(pit, now);
}

static void pit_latch_count(struct pit_chan *c, s64 now)
{
	if (c->count_latched)
		return;		/* a second latch before the read is ignored */
	c->latched_count = pit_read_value(c, now);
	c->count_latched = c->rw_mode;
}

static void pit_control(struct okvm_pit *pit, u8 val, s64 now)
{
	int sc = val >> 6, i;
	struct pit_chan *c;
	u8 rw;

	if (sc == 3) {		/* read-back: bit 5 clear latches counts, bit 4 statuses */
		for (i = 0; i < 3; i++) {
			c = &pit->ch[i];
			if (!(val & (2 << i)))
				continue;
			if (!(val & 0x20))
				pit_latch_count(c, now);
			if (!(val & 0x10) && !c->status_latched) {
				c->status = pit_status(c, now);
				c->status_latched = 1;
			}
		}
		return;
	}
	c = &pit->ch[sc];
	rw = (val >> 4) & 3;
	if (!rw) {
		pit_latch_count(c, now);
		return;
	}
	c->rw_mode = rw;
	c->read_state = c->write_state = rw;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;	/* 6 and 7 are 2 and 3 */
	c->bcd = val & 1;
	c->running = false;
	c->null_count = true;
	c->paused = -1;
	if (sc == 0)
		pit_arm(pit, now);
}

static void pit_write_count(struct okvm_pit *pit, int i, u8 val, s64 now)
{
	struct pit_chan *c = &pit->ch[i];

	switch (c->write_state) {
	case RW_LSB:
		pit_load(pit, i, val, now);
		break;
	case RW_MSB:
		pit_load(pit, i, val << 8, now);
		break;
	case RW_WORD0:
		c->write_latch = val;
		c->write_state = RW_WORD1;
		/* Mode 0: the first byte stops the count (OUT goes low). */
		if (c->mode == 0) {
			c->running = false;
			if (i == 0)
				pit_arm(pit, now);
		}
		break;
	default:
		pit_load(pit, i, c->write_latch | (val << 8), now);
		c->write_state = RW_WORD0;
		break;
	}
}

static u8 pit_read_count(struct pit_chan *c, s64 now)
{
	u16 v;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		v = c->latched_count;
		switch (c->count_latched) {
		case RW_MSB:
			c->count_latched = 0;
			return v >> 8;
		case RW_WORD0:
			c->count_latched = RW_MSB;
			return v;
		default:
			c->count_latched = 0;
			return v;
		}
	}
	v = pit_read_value(c, now);
	switch (c->read_state) {
	case RW_MSB:
		return v >> 8;
	case RW_WORD0:
		c->read_state = RW_WORD1;
		return v;
	case RW_WORD1:
		c->read_state = RW_WORD0;
		return v >> 8;
	default:
		return v;
	}
}

static bool pit_port(const struct okvm_pit *pit, u16 port)
{
	return (port >= 0x40 && port <= 0x43) ||
	       (port == 0x61 && (pit->flags & OKVM_PIT_SPEAKER_DUMMY));
}

static u8 pit_read(struct okvm_pit *pit, u16 port, s64 now)
{
	u64 refresh;

	switch (port) {
	case 0x40:
	case 0x41:
	case 0x42:
		return pit_read_count(&pit->ch[port - 0x40], now);
	case 0x61:
		/* Bit 4 toggles with the DRAM refresh (every 15.085 us). */
		refresh = div_u64(now, 15085) & 1;
		return (pit->ch[2].gate ? 1 : 0) | (pit->speaker_data << 1) | (refresh << 4) |
		       (pit_out(&pit->ch[2], now) << 5);
	}
	return 0xff;	/* 0x43: the control word cannot be read */
}

static void pit_write(struct okvm_pit *pit, u16 port, u8 val, s64 now)
{
	switch (port) {
	case 0x40:
	case 0x41:
	case 0x42:
		pit_write_count(pit, port - 0x40, val, now);
		break;
	case 0x43:
		pit_control(pit, val, now);
		break;
	case 0x61:
		pit->speaker_data = (val >> 1) & 1;
		pit_set_gate(pit, 2, val & 1, now);
		break;
	}
}

bool okvm_pit_pio(struct okvm_vm *vm, u16 port, void *data, int len, bool in)
{
	struct okvm_pit *pit = vm->pit;
	unsigned long flags;
	u8 *b = data;
	s64 now;
	int i;

	if (!pit || !pit_port(pit, port))
		return false;
	if (len < 1 || len > 8)
		return true;
	now = pit_now();
	spin_lock_irqsave(&pit->lock, flags);
	for (i = 0; i < len; i++) {
		u16 pt = port + i;

		if (!pit_port(pit, pt)) {
			if (in)
				b[i] = 0xff;
			continue;
		}
		if (in)
			b[i] = pit_read(pit, pt, now);
		else
			pit_write(pit, pt, b[i], now);
	}
	spin_unlock_irqrestore(&pit->lock, flags);
	return true;
}

static void pit_chan_reset(struct pit_chan *c, int i)
{
	memset(c, 0, sizeof(*c));
	c->count = 65536;
	c->rw_mode = 3;
	c->read_state = c->write_state = RW_WORD0;
	c->gate = i != 2;	/* counters 0 and 1 have GATE tied high on the PC */
	c->paused = -1;
}

int okvm_pit_create(struct okvm_vm *vm, u32 flags)
{
	struct okvm_pit *pit;
	int i;

	if (flags & ~OKVM_PIT_SPEAKER_DUMMY)
		return -EINVAL;
	pit = kzalloc(sizeof(*pit), GFP_KERNEL);
	if (!pit)
		return -ENOMEM;
	spin_lock_init(&pit->lock);
	pit->vm = vm;
	pit->flags = flags;
	for (i = 0; i < 3; i++)
		pit_chan_reset(&pit->ch[i], i);
	hrtimer_setup(&pit->timer, pit_timer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	vm->pit = pit;
	return 0;
}

void okvm_pit_free(struct okvm_vm *vm)
{
	struct okvm_pit *pit = vm->pit;
	unsigned long flags;

	if (!pit)
		return;
	spin_lock_irqsave(&pit->lock, flags);
	pit->armed = false;
	spin_unlock_irqrestore(&pit->lock, flags);
	hrtimer_cancel(&pit->timer);
	vm->pit = NULL;
	kfree(pit);
}

void okvm_pit_get_state(struct okvm_vm *vm, struct okvm_pit_state2 *s)
{
	struct okvm_pit *pit = vm->pit;
	unsigned long flags;
	s64 now;
	int i;

	memset(s, 0, sizeof(*s));
	if (!pit)
		return;
	now = pit_now();
	spin_lock_irqsave(&pit->lock, flags);
	for (i = 0; i < 3; i++) {
		const struct pit_chan *c = &pit->ch[i];
		struct okvm_pit_channel_state *o = &s->channels[i];

		o->count = c->count;
		o->latched_count = c->latched_count;
		o->count_latched = c->count_latched;
		o->status_latched = c->status_latched;
		o->status = c->status;
		o->read_state = c->read_state;
		o->write_state = c->write_state;
		o->write_latch = c->write_latch;
		o->rw_mode = c->rw_mode;
		o->mode = c->mode;
		o->bcd = c->bcd;
		o->gate = c->gate;
		/* A frozen count is reported as if it had started that long ago. */
		o->count_load_time = c->paused >= 0 ? now - c->paused : c->load_time;
	}
	s->flags = (pit->hpet_legacy ? OKVM_PIT_FLAGS_HPET_LEGACY : 0) |
		   (pit->speaker_data ? OKVM_PIT_FLAGS_SPEAKER_DATA_ON : 0);
	spin_unlock_irqrestore(&pit->lock, flags);
}

static u8 rw_state_ok(u8 st, u8 rw_mode)
{
	if (st >= RW_LSB && st <= RW_WORD1)
		return st;
	return rw_mode;
}

int okvm_pit_set_state(struct okvm_vm *vm, const struct okvm_pit_state2 *s)
{
	struct okvm_pit *pit = vm->pit;
	unsigned long flags;
	s64 now;
	int i;

	if (!pit)
		return -ENXIO;
	now = pit_now();
	spin_lock_irqsave(&pit->lock, flags);
	for (i = 0; i < 3; i++) {
		const struct okvm_pit_channel_state *o = &s->channels[i];
		struct pit_chan *c = &pit->ch[i];

		/* Every field is forced into range: a state cannot break the arithmetic. */
		c->bcd = !!o->bcd;
		c->gate = !!o->gate;
		c->mode = o->mode;
		c->running = true;
		if (c->mode == 6 || c->mode == 7) {
			c->mode -= 4;
		} else if (c->mode > 7) {
			c->mode = 0;	/* never programmed (KVM reports 0xff) */
			c->running = false;
		}
		c->rw_mode = o->rw_mode >= 1 && o->rw_mode <= 3 ? o->rw_mode : 3;
		c->count = o->count;
		if (!c->count || c->count > pit_modulus(c))
			c->count = pit_modulus(c);
		c->latched_count = o->latched_count;
		c->count_latched = o->count_latched <= RW_WORD0 ? o->count_latched : 0;
		c->status_latched = !!o->status_latched;
		c->status = o->status;
		c->read_state = rw_state_ok(o->read_state, c->rw_mode);
		c->write_state = rw_state_ok(o->write_state, c->rw_mode);
		c->write_latch = o->write_latch;
		c->null_count = false;
		c->load_time = clamp_t(s64, o->count_load_time, now - OKVM_PIT_MAX_AGE_NS, now);
		c->paused = -1;
		if (!c->gate && c->mode != 1 && c->mode != 5)
			c->paused = now - c->load_time;
	}
	pit->hpet_legacy = !!(s->flags & OKVM_PIT_FLAGS_HPET_LEGACY);
	pit->speaker_data = !!(s->flags & OKVM_PIT_FLAGS_SPEAKER_DATA_ON);
	pit_arm(pit, now);
	spin_unlock_irqrestore(&pit->lock, flags);
	return 0;
}
