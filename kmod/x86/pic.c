// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PC's two cascaded 8259A interrupt controllers: master at 0x20/0x21, slave at
 * 0xa0/0xa1 on the master's IR2, and the PIIX-style edge/level control registers (ELCR)
 * at 0x4d0/0x4d1.
 *
 * Model (from the 8259A data sheet):
 * - IRR: an edge-triggered input latches its rising edge until the INTA cycle takes it;
 *   a level-triggered one (ELCR bit set) follows the line. ICW1's LTIM bit is ignored:
 *   on PC chipsets the ELCR decides, and IRQ 0, 1, 2, 8 and 13 are always edge.
 * - The master's IR2 is the slave's INT output, re-evaluated after every change.
 * - Priority: priority_add is the level with the highest priority; the others follow in
 *   rotating order. INT is raised when the best unmasked request beats the best level in
 *   service (ignoring levels masked in special mask mode, and the cascade level on the
 *   master in special fully nested mode).
 * - ICW1 restarts the chip: IMR, ISR, edge latches, special mask, read select, poll and
 *   rotation are cleared; without IC4 the ICW4 options are cleared as well.
 * - Multi-byte port accesses are split into byte accesses to consecutive ports (what an
 *   ISA bridge does); a byte outside our ports reads 0xff and ignores writes.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "../okvm.h"
#include "irqchip.h"

/* init_state: which initialisation word the chip waits for (0: none, initialised). */
enum { PIC_READY, PIC_ICW2, PIC_ICW3, PIC_ICW4 };

struct okvm_8259 {
	u8 last_irr;		/* input line levels (edge detection) */
	u8 irr, imr, isr;
	u8 priority_add;	/* the level with the highest priority */
	u8 irq_base;		/* ICW2: vector of IR0 */
	u8 read_reg_select;	/* OCW3 RIS: 0 reads IRR, 1 reads ISR */
	u8 poll;		/* OCW3 P: the next read is a poll */
	u8 special_mask;
	u8 init_state;
	u8 auto_eoi;
	u8 rotate_on_auto_eoi;
	u8 sfnm;		/* special fully nested mode */
	u8 init4;		/* ICW1 IC4: ICW4 follows */
	u8 single;		/* ICW1 SNGL: no ICW3 */
	u8 elcr, elcr_mask;
};

struct okvm_pic {
	spinlock_t lock;
	struct okvm_vm *vm;
	struct okvm_8259 chip[2];	/* 0 master, 1 slave */
	bool output;			/* the master's INT line */
};

/* Interrupts whose ISR bit went clear (EOI, auto-EOI): resamplers run after unlocking. */
struct pic_acks {
	int n;
	u8 chip[4], pin[4];
};

static const u8 pic_elcr_mask[2] = { 0xf8, 0xde };	/* not IRQ 0, 1, 2, 8, 13 */

static void pic_ack_note(struct pic_acks *a, int chip, int pin)
{
	if (a->n < (int)ARRAY_SIZE(a->chip)) {
		a->chip[a->n] = chip;
		a->pin[a->n] = pin;
		a->n++;
	}
}

/* The level with the highest priority among the bits of @mask, or -1. */
static int pic_best(const struct okvm_8259 *c, u8 mask)
{
	int i;

	for (i = 0; i < 8; i++) {
		int irq = (i + c->priority_add) & 7;

		if (mask & (1u << irq))
			return irq;
	}
	return -1;
}

/* 0 is the highest priority, 7 the lowest. */
static int pic_rank(const struct okvm_8259 *c, int irq)
{
	return (irq - c->priority_add) & 7;
}

/* The request the chip would signal on INT now, or -1. */
static int pic_request(const struct okvm_8259 *c, bool master)
{
	u8 in_service = c->isr;
	int req, cur;

	req = pic_best(c, c->irr & ~c->imr);
	if (req < 0)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr;
	if (master && c->sfnm)
		in_service &= ~(1u << 2);
	cur = pic_best(c, in_service);
	if (cur >= 0 && pic_rank(c, cur) <= pic_rank(c, req))
		return -1;
	return req;
}

/* Re-evaluate the cascade and the master's INT. Returns true if INT rose. */
static bool pic_update(struct okvm_pic *p)
{
	struct okvm_8259 *m = &p->chip[0];
	bool out;

	if (pic_request(&p->chip[1], false) >= 0) {
		m->irr |= 1u << 2;
		m->last_irr |= 1u << 2;
	} else {
		m->irr &= ~(1u << 2);
		m->last_irr &= ~(1u << 2);
	}
	out = pic_request(m, true) >= 0;
	if (out && !p->output) {
		p->output = true;
		return true;
	}
	p->output = out;
	return false;
}

/* The BSP takes ExtINT; its local APIC decides whether it accepts it now. */
static void pic_kick(struct okvm_pic *p)
{
	struct okvm_vcpu *v = READ_ONCE(p->vm->vcpus[0]);

	if (v)
		okvm_vcpu_kick(v);
}

static void pic_acked(struct okvm_pic *p, const struct pic_acks *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		okvm_irq_acked(p->vm, a->chip[i], a->pin[i]);
}

/* The INTA cycle (or a poll) on one chip for @irq: ISR set, an edge's IRR consumed. */
static void pic_intack(struct okvm_8259 *c, int chip, int irq, struct pic_acks *a)
{
	u8 bit = 1u << irq;

	if (!(c->elcr & bit))
		c->irr &= ~bit;
	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (irq + 1) & 7;
		pic_ack_note(a, chip, irq);
	} else {
		c->isr |= bit;
	}
}

static void pic_init(struct okvm_8259 *c, int chip)
{
	memset(c, 0, sizeof(*c));
	c->elcr_mask = pic_elcr_mask[chip];
}

int okvm_pic_create(struct okvm_vm *vm)
{
	struct okvm_pic *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	spin_lock_init(&p->lock);
	p->vm = vm;
	pic_init(&p->chip[0], 0);
	pic_init(&p->chip[1], 1);
	vm->pic = p;
	return 0;
}

void okvm_pic_free(struct okvm_vm *vm)
{
	kfree(vm->pic);
	vm->pic = NULL;
}

int okvm_pic_set_irq(struct okvm_vm *vm, int irq, int level)
{
	struct okvm_pic *p = vm->pic;
	struct okvm_8259 *c;
	unsigned long flags;
	bool kick;
	int ret;
	u8 bit;

	if (!p || irq < 0 || irq > 15)
		return 0;
	c = &p->chip[irq >> 3];
	bit = 1u << (irq & 7);

	spin_lock_irqsave(&p->lock, flags);
	if (level) {
		/* An edge input needs a rising edge; a level input is pending while high. */
		if ((c->elcr & bit) || !(c->last_irr & bit))
			ret = !(c->irr & bit);
		else
			ret = 0;
		c->irr |= bit;
		c->last_irr |= bit;
	} else {
		if (c->elcr & bit)
			c->irr &= ~bit;
		c->last_irr &= ~bit;
		ret = 1;
	}
	if ((c->imr & bit) || (irq >= 8 && (p->chip[0].imr & (1u << 2))))
		ret = 0;
	kick = pic_update(p);
	spin_unlock_irqrestore(&p->lock, flags);
	if (kick)
		pic_kick(p);
	return ret;
}

/* The poll word: I bit and the level, after acknowledging it as INTA would. */
static u8 pic_poll(struct okvm_pic *p, int chip, struct pic_acks *a)
{
	struct okvm_8259 *c = &p->chip[chip];
	int irq;

	c->poll = 0;
	irq = pic_request(c, chip == 0);
	if (irq < 0)
		return 0;
	pic_intack(c, chip, irq, a);
	return 0x80 | irq;
}

static u8 pic_read(struct okvm_pic *p, u16 port, struct pic_acks *a)
{
	int chip = (port & 0x80) ? 1 : 0;
	struct okvm_8259 *c = &p->chip[chip];

	switch (port) {
	case 0x4d0:
	case 0x4d1:
		return p->chip[port & 1].elcr;
	}
	if (c->poll)
		return pic_poll(p, chip, a);
	if (port & 1)
		return c->imr;
	return c->read_reg_select ? c->isr : c->irr;
}

/* OCW2: EOIs, rotation and priority. */
static void pic_ocw2(struct okvm_8259 *c, int chip, u8 val, struct pic_acks *a)
{
	int level = val & 7, irq;
	u8 eligible;

	switch (val >> 5) {
	case 0:		/* rotate in auto-EOI mode: clear */
		c->rotate_on_auto_eoi = 0;
		break;
	case 4:		/* rotate in auto-EOI mode: set */
		c->rotate_on_auto_eoi = 1;
		break;
	case 1:		/* non-specific EOI */
	case 5:		/* rotate on non-specific EOI */
		/* Special mask mode: an in-service level that is masked stays in service. */
		eligible = c->special_mask ? c->isr & ~c->imr : c->isr;
		irq = pic_best(c, eligible);
		if (irq < 0)
			break;
		c->isr &= ~(1u << irq);
		if (val >> 5 == 5)
			c->priority_add = (irq + 1) & 7;
		pic_ack_note(a, chip, irq);
		break;
	case 3:		/* specific EOI */
	case 7:		/* rotate on specific EOI */
		if (c->isr & (1u << level)) {
			c->isr &= ~(1u << level);
			pic_ack_note(a, chip, level);
		}
		if (val >> 5 == 7)
			c->priority_add = (level + 1) & 7;
		break;
	case 6:		/* set priority: @level becomes the lowest */
		c->priority_add = (level + 1) & 7;
		break;
	default:	/* 2: no operation */
		break;
	}
}

static void pic_write(struct okvm_pic *p, u16 port, u8 val, struct pic_acks *a)
{
	int chip = (port & 0x80) ? 1 : 0;
	struct okvm_8259 *c = &p->chip[chip];

	switch (port) {
	case 0x4d0:
	case 0x4d1:
		c = &p->chip[port & 1];
		/* A line switched to level is pending exactly while it is high. */
		c->irr = (c->irr & ~(val & c->elcr_mask & ~c->elcr)) |
			 (c->last_irr & val & c->elcr_mask & ~c->elcr);
		c->elcr = val & c->elcr_mask;
		return;
	}
	if (!(port & 1)) {
		if (val & 0x10) {	/* ICW1 */
			u8 keep_elcr = c->elcr, keep_line = c->last_irr;

			pic_init(c, chip);
			c->elcr = keep_elcr;
			/* Edge latches restart; level inputs still see their lines. */
			c->last_irr = keep_line & keep_elcr;
			c->irr = keep_line & keep_elcr;
			c->init4 = val & 1;
			c->single = !!(val & 2);
			c->init_state = PIC_ICW2;
		} else if (val & 0x08) {	/* OCW3 */
			if (val & 0x04)
				c->poll = 1;
			if (val & 0x02)
				c->read_reg_select = val & 1;
			if (val & 0x40)
				c->special_mask = (val >> 5) & 1;
		} else {
			pic_ocw2(c, chip, val, a);
		}
		return;
	}
	switch (c->init_state) {
	case PIC_ICW2:
		c->irq_base = val & 0xf8;
		if (!c->single)
			c->init_state = PIC_ICW3;
		else
			c->init_state = c->init4 ? PIC_ICW4 : PIC_READY;
		break;
	case PIC_ICW3:
		/* The cascade wiring is fixed: slave on the master's IR2. */
		c->init_state = c->init4 ? PIC_ICW4 : PIC_READY;
		break;
	case PIC_ICW4:
		c->auto_eoi = (val >> 1) & 1;
		c->sfnm = (val >> 4) & 1;
		c->init_state = PIC_READY;
		break;
	default:		/* OCW1 */
		c->imr = val;
		break;
	}
}

static bool pic_port(u16 port)
{
	switch (port) {
	case 0x20: case 0x21: case 0xa0: case 0xa1: case 0x4d0: case 0x4d1:
		return true;
	}
	return false;
}

bool okvm_pic_pio(struct okvm_vm *vm, u16 port, void *data, int len, bool in)
{
	struct okvm_pic *p = vm->pic;
	struct pic_acks a = { 0 };
	unsigned long flags;
	u8 *b = data;
	bool kick;
	int i;

	if (!p || !pic_port(port))
		return false;
	if (len < 1 || len > 8)
		return true;
	spin_lock_irqsave(&p->lock, flags);
	for (i = 0; i < len; i++) {
		u16 pt = port + i;

		if (!pic_port(pt)) {
			if (in)
				b[i] = 0xff;
			continue;
		}
		if (in)
			b[i] = pic_read(p, pt, &a);
		else
			pic_write(p, pt, b[i], &a);
	}
	kick = pic_update(p);
	spin_unlock_irqrestore(&p->lock, flags);
	pic_acked(p, &a);
	if (kick)
		pic_kick(p);
	return true;
}

bool okvm_pic_output(struct okvm_vm *vm)
{
	struct okvm_pic *p = vm->pic;

	return p && READ_ONCE(p->output);
}

int okvm_pic_ack(struct okvm_vm *vm)
{
	struct okvm_pic *p = vm->pic;
	struct okvm_8259 *m, *s;
	struct pic_acks a = { 0 };
	unsigned long flags;
	int irq, sirq, vector;
	bool kick;

	if (!p)
		return -1;
	m = &p->chip[0];
	s = &p->chip[1];
	spin_lock_irqsave(&p->lock, flags);
	pic_update(p);
	irq = pic_request(m, true);
	if (irq < 0) {
		/* The request went away before INTA: the master's spurious IR7. */
		vector = m->irq_base + 7;
	} else {
		pic_intack(m, 0, irq, &a);
		if (irq == 2) {
			sirq = pic_request(s, false);
			if (sirq < 0) {
				vector = s->irq_base + 7;	/* the slave's spurious IR7 (IRQ 15) */
			} else {
				pic_intack(s, 1, sirq, &a);
				vector = s->irq_base + sirq;
			}
		} else {
			vector = m->irq_base + irq;
		}
	}
	kick = pic_update(p);
	spin_unlock_irqrestore(&p->lock, flags);
	pic_acked(p, &a);
	if (kick)
		pic_kick(p);
	return vector;
}

void okvm_pic_get_state(struct okvm_vm *vm, int chip, struct okvm_pic_state *s)
{
	struct okvm_pic *p = vm->pic;
	const struct okvm_8259 *c;
	unsigned long flags;

	memset(s, 0, sizeof(*s));
	if (!p || chip < 0 || chip > 1)
		return;
	c = &p->chip[chip];
	spin_lock_irqsave(&p->lock, flags);
	s->last_irr = c->last_irr;
	s->irr = c->irr;
	s->imr = c->imr;
	s->isr = c->isr;
	s->priority_add = c->priority_add;
	s->irq_base = c->irq_base;
	s->read_reg_select = c->read_reg_select;
	s->poll = c->poll;
	s->special_mask = c->special_mask;
	s->init_state = c->init_state;
	s->auto_eoi = c->auto_eoi;
	s->rotate_on_auto_eoi = c->rotate_on_auto_eoi;
	s->special_fully_nested_mode = c->sfnm;
	s->init4 = c->init4;
	s->elcr = c->elcr;
	s->elcr_mask = c->elcr_mask;
	spin_unlock_irqrestore(&p->lock, flags);
}

int okvm_pic_set_state(struct okvm_vm *vm, int chip, const struct okvm_pic_state *s)
{
	struct okvm_pic *p = vm->pic;
	struct okvm_8259 *c;
	unsigned long flags;
	bool kick;

	if (!p || chip < 0 || chip > 1)
		return -EINVAL;
	if (s->init_state > PIC_ICW4 || s->priority_add > 7)
		return -EINVAL;
	c = &p->chip[chip];
	spin_lock_irqsave(&p->lock, flags);
	c->last_irr = s->last_irr;
	c->irr = s->irr;
	c->imr = s->imr;
	c->isr = s->isr;
	c->priority_add = s->priority_add;
	c->irq_base = s->irq_base & 0xf8;
	c->read_reg_select = !!s->read_reg_select;
	c->poll = !!s->poll;
	c->special_mask = !!s->special_mask;
	c->init_state = s->init_state;
	c->auto_eoi = !!s->auto_eoi;
	c->rotate_on_auto_eoi = !!s->rotate_on_auto_eoi;
	c->sfnm = !!s->special_fully_nested_mode;
	c->init4 = !!s->init4;
	/* The state does not carry ICW1's SNGL: the PC pair is always cascaded. */
	c->single = 0;
	/* Which inputs can be level is wiring, not state. */
	c->elcr_mask = pic_elcr_mask[chip];
	c->elcr = s->elcr & c->elcr_mask;
	kick = pic_update(p);
	spin_unlock_irqrestore(&p->lock, flags);
	if (kick)
		pic_kick(p);
	return 0;
}
