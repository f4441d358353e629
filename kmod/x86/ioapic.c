// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOAPIC: an 82093AA-style I/O APIC with 24 pins at 0xfec00000.
 *
 * Registers (data sheet): IOREGSEL at offset 0x00 selects, IOWIN at 0x10 reads and writes
 * the selected register: 0x00 ID (bits 27:24), 0x01 version (RO: 0x11, max redirection
 * entry 23), 0x02 arbitration ID (RO, the ID), 0x10 + 2n / 0x11 + 2n the low and high
 * dwords of redirection entry n. We report version 0x11 (as the 82093AA and as KVM), so
 * guests take the Remote IRR from the local APIC's EOI broadcast; a write to the EOI
 * register at 0x40 (version 0x20 chips) is still honoured, which costs nothing and helps a
 * guest that uses it anyway. The decoded window is 0x100 bytes (KVM's), the rest of the
 * page goes to userspace as with KVM.
 *
 * Guest accesses of any size and alignment are defined: each byte maps onto its dword
 * register (IOREGSEL, IOWIN, EOI); reads of anything else give 0, writes are dropped. A
 * partial write of IOWIN merges into the selected register.
 *
 * Lines: the level a caller passes is the logical "asserted" state, already adjusted for
 * polarity (as KVM and its VMMs use it); the polarity bit is stored and reported only.
 * Edge pins deliver on a rising edge. Level pins deliver while asserted, unmasked and
 * Remote IRR clear, and set Remote IRR; an EOI of the vector clears it and re-delivers if
 * the line is still high. A message nobody accepted leaves Remote IRR clear so that a later
 * event retries. Switching a pin to edge clears its Remote IRR (guests rely on that on
 * chips without the EOI register). NMI, SMI, INIT and ExtINT are edge by definition.
 * Per event the host does bounded work: at most one message per pin.
 *
 * A level line that stays high makes every EOI deliver again at once: an interrupt storm
 * the guest cannot leave, and the vcpu's host thread never idles. After
 * IOAPIC_EOI_STREAK_MAX such EOIs in a row, the next delivery waits IOAPIC_STORM_PAUSE_NS
 * on an hrtimer (KVM pauses the same way), so the guest can reach HLT and the host CPU
 * gets time for its own work. A storm that ends by itself never sees the pause.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>

#include "../okvm.h"
#include "irqchip.h"

#define IOAPIC_BASE		0xfec00000ULL
#define IOAPIC_SIZE		0x100
#define IOAPIC_PINS		OKVM_IOAPIC_NUM_PINS
#define IOAPIC_VERSION		(0x11 | ((IOAPIC_PINS - 1) << 16))

#define RTE_VECTOR		0xffull
#define RTE_DM_SHIFT		8
#define RTE_DEST_LOGICAL	(1ull << 11)
#define RTE_DELIVS		(1ull << 12)
#define RTE_POLARITY		(1ull << 13)
#define RTE_REMOTE_IRR		(1ull << 14)
#define RTE_LEVEL		(1ull << 15)
#define RTE_MASK		(1ull << 16)
#define RTE_DEST_SHIFT		56
#define IOAPIC_EOI_STREAK_MAX	10000
#define IOAPIC_STORM_PAUSE_NS	(10 * NSEC_PER_MSEC)

/* What a guest can write: everything but Delivery Status, Remote IRR and reserved bits. */
#define RTE_WRITABLE		(0xff000000000000ffull | (7ull << RTE_DM_SHIFT) | RTE_DEST_LOGICAL | \
				 RTE_POLARITY | RTE_LEVEL | RTE_MASK)

struct okvm_ioapic {
	spinlock_t lock;
	struct okvm_vm *vm;
	u32 ioregsel;
	u32 id;				/* bits 3:0 of the ID register's 27:24 */
	u32 irr;			/* line levels, one bit per pin */
	u64 rte[IOAPIC_PINS];
	u16 eoi_streak[IOAPIC_PINS];	/* EOIs in a row that found the line high */
	u32 paused;			/* pins waiting for storm_timer */
	struct hrtimer storm_timer;
};

/* Messages built under the lock, sent after dropping it. */
struct ioapic_out {
	int n;
	u8 pin[IOAPIC_PINS];
	struct okvm_apic_irq irq[IOAPIC_PINS];
};

static bool rte_level(u64 e)
{
	u8 dm = (e >> RTE_DM_SHIFT) & 7;

	return (e & RTE_LEVEL) && (dm == OKVM_DM_FIXED || dm == OKVM_DM_LOWEST);
}

/*
 * Queue pin @pin's message if it should be sent now (the caller decided the edge or the
 * level condition). A level pin gets Remote IRR.
 */
static void ioapic_queue(struct okvm_ioapic *io, int pin, struct ioapic_out *o)
{
	u64 e = io->rte[pin];
	struct okvm_apic_irq *m;

	if (e & RTE_MASK)
		return;
	if (rte_level(e)) {
		if (e & RTE_REMOTE_IRR)
			return;
		io->rte[pin] |= RTE_REMOTE_IRR;
	}
	m = &o->irq[o->n];
	memset(m, 0, sizeof(*m));
	m->vector = e & RTE_VECTOR;
	m->delivery_mode = (e >> RTE_DM_SHIFT) & 7;
	m->dest_logical = !!(e & RTE_DEST_LOGICAL);
	m->dest = e >> RTE_DEST_SHIFT;
	m->level = rte_level(e);
	m->assert = true;
	m->shorthand = OKVM_SH_NONE;
	o->pin[o->n++] = pin;
}

/* Is @pin a level pin whose line is asserted (lock held)? */
static bool ioapic_level_high(struct okvm_ioapic *io, int pin)
{
	return rte_level(io->rte[pin]) && (io->irr & (1u << pin));
}

/* Queue every pin in @pins that is a level pin with its line asserted (lock held). */
static void ioapic_queue_high(struct okvm_ioapic *io, u32 pins, struct ioapic_out *o)
{
	int i;

	for (i = 0; i < IOAPIC_PINS; i++)
		if ((pins & (1u << i)) && ioapic_level_high(io, i))
			ioapic_queue(io, i, o);
}

/* Send the queued messages (no lock held). Returns the sum of accepting vcpus. */
static int ioapic_send(struct okvm_ioapic *io, const struct ioapic_out *o)
{
	unsigned long flags;
	int i, r, ret = 0;

	for (i = 0; i < o->n; i++) {
		const struct okvm_apic_irq *m = &o->irq[i];

		r = okvm_lapic_deliver(io->vm, NULL, m);
		if (r > 0) {
			ret += r;
			continue;
		}
		if (!m->level)
			continue;
		/* Nobody took it: no EOI will come, so let the next event try again. */
		spin_lock_irqsave(&io->lock, flags);
		if (rte_level(io->rte[o->pin[i]]) && (io->rte[o->pin[i]] & RTE_VECTOR) == m->vector)
			io->rte[o->pin[i]] &= ~RTE_REMOTE_IRR;
		spin_unlock_irqrestore(&io->lock, flags);
	}
	return ret;
}

/* The storm pause is over: pins still high and not in service fire again. */
static enum hrtimer_restart ioapic_storm_fn(struct hrtimer *t)
{
	struct okvm_ioapic *io = container_of(t, struct okvm_ioapic, storm_timer);
	struct ioapic_out o;
	unsigned long flags;

	o.n = 0;
	spin_lock_irqsave(&io->lock, flags);
	ioapic_queue_high(io, io->paused, &o);
	io->paused = 0;
	spin_unlock_irqrestore(&io->lock, flags);
	ioapic_send(io, &o);
	return HRTIMER_NORESTART;
}

int okvm_ioapic_create(struct okvm_vm *vm)
{
	struct okvm_ioapic *io = kzalloc(sizeof(*io), GFP_KERNEL);
	int i;

	if (!io)
		return -ENOMEM;
	spin_lock_init(&io->lock);
	io->vm = vm;
	hrtimer_setup(&io->storm_timer, ioapic_storm_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	/* Reset: every entry masked. */
	for (i = 0; i < IOAPIC_PINS; i++)
		io->rte[i] = RTE_MASK;
	vm->ioapic = io;
	return 0;
}

/* VM teardown, before the vcpus go: a storm pause ending now would deliver to them. */
void okvm_ioapic_stop(struct okvm_vm *vm)
{
	if (vm->ioapic)
		hrtimer_cancel(&vm->ioapic->storm_timer);
}

void okvm_ioapic_free(struct okvm_vm *vm)
{
	okvm_ioapic_stop(vm);
	kfree(vm->ioapic);
	vm->ioapic = NULL;
}

int okvm_ioapic_set_irq(struct okvm_vm *vm, int pin, int level)
{
	struct okvm_ioapic *io = vm->ioapic;
	struct ioapic_out o;
	unsigned long flags;
	bool was;
	u64 e;
	int ret;

	if (!io || pin < 0 || pin >= IOAPIC_PINS)
		return 0;
	o.n = 0;
	spin_lock_irqsave(&io->lock, flags);
	e = io->rte[pin];
	was = io->irr & (1u << pin);
	if (!level) {
		io->irr &= ~(1u << pin);
		spin_unlock_irqrestore(&io->lock, flags);
		return (e & RTE_MASK) ? 0 : 1;
	}
	io->irr |= 1u << pin;
	if (rte_level(e) || !was)
		ioapic_queue(io, pin, &o);
	spin_unlock_irqrestore(&io->lock, flags);
	if (!o.n)
		return 0;
	ret = ioapic_send(io, &o);
	return ret;
}

static u32 ioapic_reg_read(struct okvm_ioapic *io)
{
	u32 sel = io->ioregsel;
	int pin;

	switch (sel) {
	case 0x00:
		return io->id << 24;
	case 0x01:
		return IOAPIC_VERSION;
	case 0x02:
		return io->id << 24;
	}
	if (sel < 0x10 || sel >= 0x10 + 2 * IOAPIC_PINS)
		return 0;
	pin = (sel - 0x10) >> 1;
	if (sel & 1)
		return io->rte[pin] >> 32;
	return (u32)io->rte[pin];
}

static void ioapic_reg_write(struct okvm_ioapic *io, u32 val, struct ioapic_out *o)
{
	u32 sel = io->ioregsel;
	u64 e, old;
	int pin;

	if (sel == 0x00) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (sel < 0x10 || sel >= 0x10 + 2 * IOAPIC_PINS)
		return;		/* version, arbitration and reserved registers are read-only */
	pin = (sel - 0x10) >> 1;
	old = io->rte[pin];
	if (sel & 1)
		e = (old & 0xffffffffull) | ((u64)val << 32);
	else
		e = (old & ~0xffffffffull) | val;
	e = (e & RTE_WRITABLE) | (old & RTE_REMOTE_IRR);
	if (!rte_level(e))
		e &= ~RTE_REMOTE_IRR;
	io->rte[pin] = e;
	/* An unmasked level pin whose line is high fires now. */
	if (ioapic_level_high(io, pin))
		ioapic_queue(io, pin, o);
}

static u32 ioapic_dword_read(struct okvm_ioapic *io, u32 off)
{
	switch (off) {
	case 0x00:
		return io->ioregsel;
	case 0x10:
		return ioapic_reg_read(io);
	}
	return 0;
}

/* EOI of @vector with the lock held: clear Remote IRR, note the pins. */
static int ioapic_eoi_locked(struct okvm_ioapic *io, u8 vector, u8 *pins)
{
	int i, n = 0;

	for (i = 0; i < IOAPIC_PINS; i++) {
		u64 e = io->rte[i];

		if ((e & RTE_VECTOR) != vector || !(e & RTE_REMOTE_IRR))
			continue;
		io->rte[i] = e & ~RTE_REMOTE_IRR;
		pins[n++] = i;
	}
	return n;
}

static void ioapic_eoi_finish(struct okvm_ioapic *io, const u8 *pins, int n)
{
	struct ioapic_out o;
	unsigned long flags;
	int i;

	/* Resamplers lower their lines first, so an irqfd line does not fire again. */
	for (i = 0; i < n; i++)
		okvm_irq_acked(io->vm, OKVM_IRQCHIP_IOAPIC, pins[i]);
	o.n = 0;
	spin_lock_irqsave(&io->lock, flags);
	for (i = 0; i < n; i++) {
		int pin = pins[i];

		if (!ioapic_level_high(io, pin)) {
			io->eoi_streak[pin] = 0;
			continue;
		}
		if (++io->eoi_streak[pin] < IOAPIC_EOI_STREAK_MAX) {
			ioapic_queue(io, pin, &o);
			continue;
		}
		io->eoi_streak[pin] = 0;
		io->paused |= 1u << pin;
		if (!hrtimer_is_queued(&io->storm_timer))
			hrtimer_start(&io->storm_timer, ns_to_ktime(IOAPIC_STORM_PAUSE_NS),
				      HRTIMER_MODE_REL_HARD);
	}
	spin_unlock_irqrestore(&io->lock, flags);
	ioapic_send(io, &o);
}

bool okvm_ioapic_mmio(struct okvm_vm *vm, u64 gpa, void *data, int len, bool write)
{
	struct okvm_ioapic *io = vm->ioapic;
	struct ioapic_out o;
	unsigned long flags;
	u8 *b = data, pins[IOAPIC_PINS];
	int i, neoi = 0;
	u32 off;

	if (!io || gpa < IOAPIC_BASE || gpa >= IOAPIC_BASE + IOAPIC_SIZE)
		return false;
	off = gpa - IOAPIC_BASE;
	if (len < 1 || len > 8)
		return true;
	o.n = 0;
	spin_lock_irqsave(&io->lock, flags);
	if (!write) {
		for (i = 0; i < len; i++) {
			u32 a = off + i;

			b[i] = ioapic_dword_read(io, a & ~3u) >> (8 * (a & 3));
		}
	} else {
		/* Each dword register the access touches, its written bytes merged in. */
		i = 0;
		while (i < len) {
			u32 a = off + i, reg = a & ~3u, val, mask = 0;
			int k;

			val = ioapic_dword_read(io, reg);
			for (k = a & 3; k < 4 && i < len; k++, i++) {
				val = (val & ~(0xffu << (8 * k))) | ((u32)b[i] << (8 * k));
				mask |= 0xffu << (8 * k);
			}
			switch (reg) {
			case 0x00:
				io->ioregsel = val & 0xff;
				break;
			case 0x10:
				ioapic_reg_write(io, val, &o);
				break;
			case 0x40:
				if ((mask & 0xff) && !neoi)
					neoi = ioapic_eoi_locked(io, val & 0xff, pins);
				break;
			}
		}
	}
	spin_unlock_irqrestore(&io->lock, flags);
	ioapic_send(io, &o);
	if (neoi)
		ioapic_eoi_finish(io, pins, neoi);
	return true;
}

void okvm_ioapic_eoi(struct okvm_vm *vm, u8 vector)
{
	struct okvm_ioapic *io = vm->ioapic;
	unsigned long flags;
	u8 pins[IOAPIC_PINS];
	int n;

	if (!io)
		return;
	spin_lock_irqsave(&io->lock, flags);
	n = ioapic_eoi_locked(io, vector, pins);
	spin_unlock_irqrestore(&io->lock, flags);
	if (n)
		ioapic_eoi_finish(io, pins, n);
}

void okvm_ioapic_get_state(struct okvm_vm *vm, struct okvm_ioapic_state *s)
{
	struct okvm_ioapic *io = vm->ioapic;
	unsigned long flags;
	int i;

	memset(s, 0, sizeof(*s));
	if (!io)
		return;
	spin_lock_irqsave(&io->lock, flags);
	s->base_address = IOAPIC_BASE;
	s->ioregsel = io->ioregsel;
	s->id = io->id;
	s->irr = io->irr;
	for (i = 0; i < IOAPIC_PINS; i++)
		s->redirtbl[i].bits = io->rte[i];
	spin_unlock_irqrestore(&io->lock, flags);
}

int okvm_ioapic_set_state(struct okvm_vm *vm, const struct okvm_ioapic_state *s)
{
	struct okvm_ioapic *io = vm->ioapic;
	struct ioapic_out o;
	unsigned long flags;
	int i;

	if (!io)
		return -EINVAL;
	o.n = 0;
	spin_lock_irqsave(&io->lock, flags);
	/* The base is fixed; ID and selector keep the bits the registers have. */
	io->ioregsel = s->ioregsel & 0xff;
	io->id = s->id & 0xf;
	io->irr = s->irr & ((1u << IOAPIC_PINS) - 1);
	for (i = 0; i < IOAPIC_PINS; i++) {
		u64 e = s->redirtbl[i].bits;

		io->rte[i] = (e & RTE_WRITABLE) | (rte_level(e) ? e & RTE_REMOTE_IRR : 0);
	}
	/* Asserted level pins that are not waiting for an EOI fire, as after a write. */
	ioapic_queue_high(io, ~0u, &o);
	spin_unlock_irqrestore(&io->lock, flags);
	ioapic_send(io, &o);
	return 0;
}
