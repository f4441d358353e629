// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the in-kernel PIC, IOAPIC and PIT (kmod/x86/pic.c, ioapic.c, pit.c),
 * compiled unchanged against irqchip_shim.h: guest port and MMIO accesses go straight
 * to the device entry points, the devices' calls out (okvm_lapic_deliver, okvm_irq_set,
 * okvm_irq_acked, okvm_vcpu_kick) are recorded here, and time is a fake clock.
 *
 *   irqchip_test [--self-test] [SUBSTRING...]
 * prints PASS/FAIL unit/irqchip/<name>. --self-test runs every test again with one
 * expectation inverted (its first and its last check) and passes only if that fails.
 */
#include <stdio.h>
#include <stdarg.h>
#include <inttypes.h>

#include "okvm.h"
#include "x86/irqchip.h"

/* ---- the harness ---- */

static const char *cur_test;
static int cur_checks, cur_flip, cur_failed;
static char cur_msg[256];
static bool quiet;

int shim_locks_held;
s64 shim_now = 1000000000000LL;		/* 1000 s after boot */

void shim_fatal(const char *why)
{
	printf("FAIL unit/irqchip/%s: fatal: %s\n", cur_test ? cur_test : "?", why);
	exit(1);
}

static bool check(bool ok, int line, const char *what, u64 a, u64 b)
{
	cur_checks++;
	if (cur_checks == cur_flip)
		ok = !ok;
	if (!ok && !cur_failed) {
		cur_failed = 1;
		snprintf(cur_msg, sizeof(cur_msg), "line %d: %s (0x%" PRIx64 " vs 0x%" PRIx64 ")",
			 line, what, a, b);
	}
	return ok;
}

/* Each side evaluated once: they are often calls with side effects. */
#define CHECK_EQ(a, b)	({ u64 a_ = (u64)(a), b_ = (u64)(b);				\
			   check(a_ == b_, __LINE__, #a " == " #b, a_, b_); })
#define CHECK(c)	check(!!(c), __LINE__, #c, 0, 0)

/* ---- timers: the shim's hrtimers fire when the test moves the clock ---- */

static struct hrtimer *timers[16];

void shim_timer_add(struct hrtimer *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(timers); i++)
		if (!timers[i]) {
			timers[i] = t;
			return;
		}
	shim_fatal("too many timers");
}

void shim_timer_del(struct hrtimer *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(timers); i++)
		if (timers[i] == t)
			timers[i] = NULL;
}

static int timers_queued(void)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < ARRAY_SIZE(timers); i++)
		n += timers[i] != NULL;
	return n;
}

/* Move the clock to @to, running each expired timer at its expiry time. */
static void advance_to(s64 to)
{
	long guard = 0;

	for (;;) {
		struct hrtimer *t = NULL;
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(timers); i++)
			if (timers[i] && timers[i]->expires <= to &&
			    (!t || timers[i]->expires < t->expires))
				t = timers[i];
		if (!t)
			break;
		if (++guard > 1000000)
			shim_fatal("timer storm: more than a million expiries");
		if (t->expires > shim_now)
			shim_now = t->expires;
		shim_timer_del(t);
		t->queued = false;
		t->running = true;
		if (t->function(t) == HRTIMER_RESTART && !t->queued) {
			t->queued = true;
			shim_timer_add(t);
		}
		t->running = false;
	}
	if (to > shim_now)
		shim_now = to;
}

static void advance(s64 ns)
{
	advance_to(shim_now + ns);
}

/* ns after which exactly @ticks PIT input clocks have passed (plus a tenth of one). */
static s64 ticks_ns(u64 ticks)
{
	return (s64)((ticks * 1000000000ULL + 1193181) / 1193182 + 84);
}

/* ---- recording fakes of what the devices call ---- */

static struct okvm_apic_irq msgs[64];
static int nmsgs;
static int accept = 1;

static struct { int chip, pin; } acks[64];
static int nacks;
static struct okvm_vm *lower_on_ack;	/* a resampler: lower the line when acked */

static struct { u32 gsi; int level; s64 t; } lines[4096];
static int nlines;

int okvm_lapic_deliver(struct okvm_vm *vm, struct okvm_vcpu *src, const struct okvm_apic_irq *irq)
{
	if (shim_locks_held)
		shim_fatal("okvm_lapic_deliver called with a device lock held");
	if (nmsgs < (int)ARRAY_SIZE(msgs))
		msgs[nmsgs] = *irq;
	nmsgs++;
	return accept;
}

int okvm_irq_set(struct okvm_vm *vm, u32 gsi, int level)
{
	if (shim_locks_held)
		shim_fatal("okvm_irq_set called with a device lock held");
	if (nlines < (int)ARRAY_SIZE(lines)) {
		lines[nlines].gsi = gsi;
		lines[nlines].level = level;
		lines[nlines].t = shim_now;
	}
	nlines++;
	return 1;
}

void okvm_irq_acked(struct okvm_vm *vm, int irqchip, int pin)
{
	if (shim_locks_held)
		shim_fatal("okvm_irq_acked called with a device lock held");
	if (nacks < (int)ARRAY_SIZE(acks)) {
		acks[nacks].chip = irqchip;
		acks[nacks].pin = pin;
	}
	nacks++;
	if (lower_on_ack == vm && irqchip == OKVM_IRQCHIP_IOAPIC)
		okvm_ioapic_set_irq(vm, pin, 0);
}

void okvm_vcpu_kick(struct okvm_vcpu *vcpu)
{
	if (shim_locks_held)
		shim_fatal("okvm_vcpu_kick called with a device lock held");
	vcpu->kicks++;
}

static void reset_records(void)
{
	nmsgs = nacks = nlines = 0;
	accept = 1;
	lower_on_ack = NULL;
}

/* ---- VMs ---- */

static struct okvm_vm *vm_new(void)
{
	struct okvm_vm *vm = calloc(1, sizeof(*vm));

	vm->vcpus[0] = calloc(1, sizeof(struct okvm_vcpu));
	if (okvm_pic_create(vm) || okvm_ioapic_create(vm))
		shim_fatal("create failed");
	return vm;
}

static void vm_free(struct okvm_vm *vm)
{
	okvm_pit_free(vm);
	okvm_ioapic_free(vm);
	okvm_pic_free(vm);
	free(vm->vcpus[0]);
	free(vm);
}

static void outb(struct okvm_vm *vm, u16 port, u8 v)
{
	bool ok = (port >= 0x40 && port <= 0x43) || port == 0x61 ?
		  okvm_pit_pio(vm, port, &v, 1, false) : okvm_pic_pio(vm, port, &v, 1, false);

	CHECK(ok);
}

static u8 inb(struct okvm_vm *vm, u16 port)
{
	u8 v = 0x5a;
	bool ok = (port >= 0x40 && port <= 0x43) || port == 0x61 ?
		  okvm_pit_pio(vm, port, &v, 1, true) : okvm_pic_pio(vm, port, &v, 1, true);

	CHECK(ok);
	return v;
}

/* The usual PC initialisation: vectors 0x20 and 0x28, slave on IR2, 8086 mode + @icw4. */
static void pic_setup(struct okvm_vm *vm, u8 icw4)
{
	outb(vm, 0x20, 0x11);
	outb(vm, 0x21, 0x20);
	outb(vm, 0x21, 0x04);
	outb(vm, 0x21, 0x01 | icw4);
	outb(vm, 0xa0, 0x11);
	outb(vm, 0xa1, 0x28);
	outb(vm, 0xa1, 0x02);
	outb(vm, 0xa1, 0x01 | icw4);
	outb(vm, 0x21, 0x00);
	outb(vm, 0xa1, 0x00);
}

static struct okvm_pic_state pic_state(struct okvm_vm *vm, int chip)
{
	struct okvm_pic_state s;

	okvm_pic_get_state(vm, chip, &s);
	return s;
}

static void eoi_both(struct okvm_vm *vm)
{
	outb(vm, 0xa0, 0x20);
	outb(vm, 0x20, 0x20);
}

/* ---- PIC ---- */

static void t_pic_init(void)
{
	struct okvm_vm *vm = vm_new();
	struct okvm_pic_state s;

	outb(vm, 0x20, 0x11);		/* ICW1: edge, cascade, ICW4 */
	CHECK_EQ(pic_state(vm, 0).init_state, 1);
	outb(vm, 0x21, 0x08);		/* ICW2 */
	CHECK_EQ(pic_state(vm, 0).init_state, 2);
	outb(vm, 0x21, 0x04);		/* ICW3 */
	CHECK_EQ(pic_state(vm, 0).init_state, 3);
	outb(vm, 0x21, 0x03);		/* ICW4: 8086, auto-EOI */
	s = pic_state(vm, 0);
	CHECK_EQ(s.init_state, 0);
	CHECK_EQ(s.irq_base, 0x08);
	CHECK_EQ(s.auto_eoi, 1);
	CHECK_EQ(s.init4, 1);
	outb(vm, 0x21, 0xfa);		/* OCW1 */
	CHECK_EQ(inb(vm, 0x21), 0xfa);

	/* ICW1 without IC4: the ICW4 options go, IMR is cleared, no ICW4 is expected. */
	outb(vm, 0x20, 0x10);
	CHECK_EQ(inb(vm, 0x21), 0x00);
	outb(vm, 0x21, 0x20);
	outb(vm, 0x21, 0x04);
	s = pic_state(vm, 0);
	CHECK_EQ(s.init_state, 0);
	CHECK_EQ(s.auto_eoi, 0);
	CHECK_EQ(s.irq_base, 0x20);
	outb(vm, 0x21, 0x7f);		/* now OCW1 */
	CHECK_EQ(inb(vm, 0x21), 0x7f);

	/* Single mode skips ICW3. */
	outb(vm, 0xa0, 0x13);
	outb(vm, 0xa1, 0x70);
	CHECK_EQ(pic_state(vm, 1).init_state, 3);
	outb(vm, 0xa1, 0x01);
	CHECK_EQ(pic_state(vm, 1).init_state, 0);
	CHECK_EQ(pic_state(vm, 1).irq_base, 0x70);

	/* Re-initialisation drops what is in service and latched edges. */
	pic_setup(vm, 0);
	okvm_pic_set_irq(vm, 1, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x21);
	okvm_pic_set_irq(vm, 1, 0);
	okvm_pic_set_irq(vm, 3, 1);
	CHECK_EQ(pic_state(vm, 0).isr, 0x02);
	outb(vm, 0x20, 0x11);
	s = pic_state(vm, 0);
	CHECK_EQ(s.isr, 0);
	CHECK_EQ(s.irr, 0);
	vm_free(vm);
}

static void t_pic_mask(void)
{
	struct okvm_vm *vm = vm_new();

	pic_setup(vm, 0);
	outb(vm, 0x21, 0xff);
	CHECK_EQ(okvm_pic_set_irq(vm, 3, 1), 0);	/* masked */
	CHECK(!okvm_pic_output(vm));
	CHECK_EQ(vm->vcpus[0]->kicks, 0);
	outb(vm, 0x21, 0xf7);
	CHECK(okvm_pic_output(vm));
	CHECK_EQ(vm->vcpus[0]->kicks, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x23);
	CHECK(!okvm_pic_output(vm));
	outb(vm, 0x20, 0x20);
	okvm_pic_set_irq(vm, 3, 0);

	/* The master masking IR2 masks the whole slave. */
	outb(vm, 0x21, 0x04);
	CHECK_EQ(okvm_pic_set_irq(vm, 9, 1), 0);
	CHECK(!okvm_pic_output(vm));
	outb(vm, 0x21, 0x00);
	CHECK(okvm_pic_output(vm));
	CHECK_EQ(okvm_pic_ack(vm), 0x29);
	eoi_both(vm);
	/* Unmasked: delivered; a kick only when the output rises. */
	CHECK_EQ(okvm_pic_set_irq(vm, 5, 1), 1);
	CHECK_EQ(vm->vcpus[0]->kicks, 3);
	CHECK_EQ(okvm_pic_set_irq(vm, 6, 1), 1);
	CHECK_EQ(vm->vcpus[0]->kicks, 3);
	vm_free(vm);
}

static void t_pic_priority_rotation(void)
{
	struct okvm_vm *vm = vm_new();

	pic_setup(vm, 0);
	okvm_pic_set_irq(vm, 5, 1);
	okvm_pic_set_irq(vm, 3, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x23);
	CHECK(!okvm_pic_output(vm));		/* 5 is below 3 in service */
	outb(vm, 0x20, 0x20);
	CHECK(okvm_pic_output(vm));
	CHECK_EQ(okvm_pic_ack(vm), 0x25);
	/* A higher request nests. */
	okvm_pic_set_irq(vm, 1, 1);
	CHECK(okvm_pic_output(vm));
	CHECK_EQ(okvm_pic_ack(vm), 0x21);
	CHECK_EQ(pic_state(vm, 0).isr, 0x22);
	outb(vm, 0x20, 0x20);			/* non-specific: the highest, 1 */
	CHECK_EQ(pic_state(vm, 0).isr, 0x20);
	outb(vm, 0x20, 0x20);
	CHECK_EQ(pic_state(vm, 0).isr, 0x00);
	okvm_pic_set_irq(vm, 1, 0);
	okvm_pic_set_irq(vm, 3, 0);
	okvm_pic_set_irq(vm, 5, 0);

	/* Set priority: IR4 lowest, so 5 6 7 0 1 2 3 4. */
	outb(vm, 0x20, 0xc4);
	CHECK_EQ(pic_state(vm, 0).priority_add, 5);
	okvm_pic_set_irq(vm, 3, 1);
	okvm_pic_set_irq(vm, 6, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x26);
	CHECK(!okvm_pic_output(vm));
	/* Rotate on non-specific EOI: 6 becomes the lowest. */
	outb(vm, 0x20, 0xa0);
	CHECK_EQ(pic_state(vm, 0).priority_add, 7);
	CHECK_EQ(okvm_pic_ack(vm), 0x23);
	/* Rotate on specific EOI of 3. */
	outb(vm, 0x20, 0xe3);
	CHECK_EQ(pic_state(vm, 0).priority_add, 4);
	CHECK_EQ(pic_state(vm, 0).isr, 0);
	/* 7 and 0 pending: with 4 on top 7 wins, after rotating 0 on top, 0 wins. */
	okvm_pic_set_irq(vm, 7, 1);
	okvm_pic_set_irq(vm, 0, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x27);
	outb(vm, 0x20, 0x20);
	okvm_pic_set_irq(vm, 7, 0);
	okvm_pic_set_irq(vm, 7, 1);
	outb(vm, 0x20, 0xc7);			/* 7 lowest: 0 first */
	CHECK_EQ(okvm_pic_ack(vm), 0x20);
	vm_free(vm);
}

static void t_pic_specific_eoi(void)
{
	struct okvm_vm *vm = vm_new();

	pic_setup(vm, 0);
	reset_records();
	okvm_pic_set_irq(vm, 5, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x25);
	okvm_pic_set_irq(vm, 1, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x21);
	outb(vm, 0x20, 0x0b);			/* OCW3: read ISR */
	CHECK_EQ(inb(vm, 0x20), 0x22);
	outb(vm, 0x20, 0x65);			/* specific EOI of 5, below the top one */
	CHECK_EQ(inb(vm, 0x20), 0x02);
	CHECK_EQ(nacks, 1);
	CHECK_EQ(acks[0].chip, 0);
	CHECK_EQ(acks[0].pin, 5);
	okvm_pic_set_irq(vm, 7, 1);		/* blocked by 1 in service: stays in IRR */
	CHECK(!okvm_pic_output(vm));
	outb(vm, 0x20, 0x0a);			/* OCW3: read IRR */
	CHECK_EQ(inb(vm, 0x20), 0x80);
	outb(vm, 0x20, 0x67);			/* EOI of a level not in service: nothing */
	CHECK_EQ(nacks, 1);
	CHECK(!okvm_pic_output(vm));
	outb(vm, 0x20, 0x61);
	CHECK(okvm_pic_output(vm));
	CHECK_EQ(nacks, 2);
	vm_free(vm);
}

static void t_pic_cascade(void)
{
	struct okvm_vm *vm = vm_new();
	int irq;

	pic_setup(vm, 0);
	CHECK_EQ(okvm_pic_set_irq(vm, 10, 1), 1);
	CHECK(okvm_pic_output(vm));
	CHECK_EQ(pic_state(vm, 0).irr, 0x04);
	CHECK_EQ(okvm_pic_ack(vm), 0x2a);
	CHECK_EQ(pic_state(vm, 0).isr, 0x04);
	CHECK_EQ(pic_state(vm, 1).isr, 0x04);
	/* Fully nested: while IR2 is in service on the master, the slave is held off. */
	okvm_pic_set_irq(vm, 9, 1);
	CHECK(!okvm_pic_output(vm));
	outb(vm, 0xa0, 0x20);
	CHECK(!okvm_pic_output(vm));
	outb(vm, 0x20, 0x20);
	CHECK(okvm_pic_output(vm));
	CHECK_EQ(okvm_pic_ack(vm), 0x29);
	eoi_both(vm);
	okvm_pic_set_irq(vm, 9, 0);
	okvm_pic_set_irq(vm, 10, 0);

	/* Every slave line comes out with its own vector. */
	for (irq = 8; irq < 16; irq++) {
		okvm_pic_set_irq(vm, irq, 1);
		CHECK(okvm_pic_output(vm));
		CHECK_EQ(okvm_pic_ack(vm), 0x20 + irq);
		eoi_both(vm);
		okvm_pic_set_irq(vm, irq, 0);
		CHECK(!okvm_pic_output(vm));
	}
	/* Master IR1 beats the slave (IR2), IR3 does not. */
	okvm_pic_set_irq(vm, 12, 1);
	okvm_pic_set_irq(vm, 3, 1);
	okvm_pic_set_irq(vm, 1, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x21);
	outb(vm, 0x20, 0x20);
	CHECK_EQ(okvm_pic_ack(vm), 0x2c);
	eoi_both(vm);
	CHECK_EQ(okvm_pic_ack(vm), 0x23);
	vm_free(vm);

	/* Special fully nested mode: a higher slave request passes IR2 in service. */
	vm = vm_new();
	pic_setup(vm, 0x10);
	okvm_pic_set_irq(vm, 10, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x2a);
	okvm_pic_set_irq(vm, 9, 1);
	CHECK(okvm_pic_output(vm));
	CHECK_EQ(okvm_pic_ack(vm), 0x29);
	okvm_pic_set_irq(vm, 11, 1);		/* lower than 10 on the slave */
	CHECK(!okvm_pic_output(vm));
	vm_free(vm);
}

static void t_pic_elcr(void)
{
	struct okvm_vm *vm = vm_new();
	u8 w[2];

	pic_setup(vm, 0);
	outb(vm, 0x4d0, 0xff);
	CHECK_EQ(inb(vm, 0x4d0), 0xf8);		/* IRQ 0, 1, 2 stay edge */
	outb(vm, 0x4d1, 0xff);
	CHECK_EQ(inb(vm, 0x4d1), 0xde);		/* IRQ 8 and 13 stay edge */
	w[0] = 0x00;
	w[1] = 0x02;				/* one 16-bit write: IRQ 9 level */
	CHECK(okvm_pic_pio(vm, 0x4d0, w, 2, false));
	CHECK_EQ(inb(vm, 0x4d0), 0x00);
	CHECK_EQ(inb(vm, 0x4d1), 0x02);

	/* Level: pending while high, again after EOI, gone when low. */
	CHECK_EQ(okvm_pic_set_irq(vm, 9, 1), 1);
	CHECK_EQ(okvm_pic_set_irq(vm, 9, 1), 0);	/* already pending */
	CHECK_EQ(okvm_pic_ack(vm), 0x29);
	eoi_both(vm);
	CHECK(okvm_pic_output(vm));
	CHECK_EQ(okvm_pic_ack(vm), 0x29);
	eoi_both(vm);
	okvm_pic_set_irq(vm, 9, 0);
	CHECK(!okvm_pic_output(vm));
	okvm_pic_set_irq(vm, 9, 1);
	okvm_pic_set_irq(vm, 9, 0);		/* dropped before INTA: no request */
	CHECK(!okvm_pic_output(vm));

	/* Edge: a pulse is latched until INTA; a high line gives one interrupt. */
	okvm_pic_set_irq(vm, 3, 1);
	okvm_pic_set_irq(vm, 3, 0);
	CHECK(okvm_pic_output(vm));
	CHECK_EQ(okvm_pic_ack(vm), 0x23);
	outb(vm, 0x20, 0x20);
	CHECK(!okvm_pic_output(vm));
	CHECK_EQ(okvm_pic_set_irq(vm, 4, 1), 1);
	CHECK_EQ(okvm_pic_set_irq(vm, 4, 1), 0);	/* no edge */
	okvm_pic_set_irq(vm, 4, 0);
	CHECK_EQ(okvm_pic_set_irq(vm, 4, 1), 0);	/* coalesced: still in IRR */
	CHECK_EQ(okvm_pic_ack(vm), 0x24);
	outb(vm, 0x20, 0x20);
	CHECK(!okvm_pic_output(vm));		/* held high, but no new edge */
	vm_free(vm);
}

static void t_pic_spurious(void)
{
	struct okvm_vm *vm = vm_new();

	pic_setup(vm, 0);
	CHECK(!okvm_pic_output(vm));
	CHECK_EQ(okvm_pic_ack(vm), 0x27);
	CHECK_EQ(pic_state(vm, 0).isr, 0);	/* a spurious IR7 sets no ISR bit */
	outb(vm, 0x4d0, 0x20);			/* IRQ 5 level */
	okvm_pic_set_irq(vm, 5, 1);
	CHECK(okvm_pic_output(vm));
	okvm_pic_set_irq(vm, 5, 0);
	CHECK_EQ(okvm_pic_ack(vm), 0x27);
	CHECK_EQ(pic_state(vm, 0).isr, 0);
	/* A masked request is spurious too. */
	okvm_pic_set_irq(vm, 6, 1);
	outb(vm, 0x21, 0x40);
	CHECK_EQ(okvm_pic_ack(vm), 0x27);
	vm_free(vm);
}

static void t_pic_auto_eoi(void)
{
	struct okvm_vm *vm = vm_new();

	pic_setup(vm, 0x02);
	reset_records();
	okvm_pic_set_irq(vm, 4, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x24);
	CHECK_EQ(pic_state(vm, 0).isr, 0);
	CHECK_EQ(nacks, 1);
	CHECK_EQ(acks[0].pin, 4);
	okvm_pic_set_irq(vm, 3, 1);		/* nothing in service: no nesting rule */
	CHECK(okvm_pic_output(vm));
	CHECK_EQ(okvm_pic_ack(vm), 0x23);
	/* Rotate in auto-EOI mode. */
	outb(vm, 0x20, 0x80);
	okvm_pic_set_irq(vm, 4, 0);
	okvm_pic_set_irq(vm, 4, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x24);
	CHECK_EQ(pic_state(vm, 0).priority_add, 5);
	okvm_pic_set_irq(vm, 3, 0);
	okvm_pic_set_irq(vm, 3, 1);
	okvm_pic_set_irq(vm, 6, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x26);	/* 5 6 7 0 ... */
	outb(vm, 0x20, 0x00);			/* rotation off */
	CHECK_EQ(okvm_pic_ack(vm), 0x23);
	CHECK_EQ(pic_state(vm, 0).priority_add, 7);
	/* Slave in auto-EOI: cascade through it leaves no ISR bit anywhere. */
	okvm_pic_set_irq(vm, 14, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x2e);
	CHECK_EQ(pic_state(vm, 0).isr, 0);
	CHECK_EQ(pic_state(vm, 1).isr, 0);
	vm_free(vm);
}

static void t_pic_poll(void)
{
	struct okvm_vm *vm = vm_new();

	pic_setup(vm, 0);
	okvm_pic_set_irq(vm, 3, 1);
	outb(vm, 0x20, 0x0c);			/* OCW3: poll */
	CHECK_EQ(inb(vm, 0x20), 0x83);
	CHECK_EQ(pic_state(vm, 0).isr, 0x08);	/* the read acted as INTA */
	CHECK_EQ(pic_state(vm, 0).irr, 0x00);
	CHECK_EQ(inb(vm, 0x20), 0x00);		/* poll is one read only: IRR now */
	outb(vm, 0x20, 0x0c);
	CHECK_EQ(inb(vm, 0x20), 0x00);		/* nothing requesting: I bit clear */
	outb(vm, 0x20, 0x20);
	/* Poll on the slave. */
	okvm_pic_set_irq(vm, 13, 1);
	outb(vm, 0xa0, 0x0c);
	CHECK_EQ(inb(vm, 0xa1), 0x85);		/* any read address */
	CHECK_EQ(pic_state(vm, 1).isr, 0x20);
	vm_free(vm);
}

static void t_pic_special_mask(void)
{
	struct okvm_vm *vm = vm_new();

	pic_setup(vm, 0);
	okvm_pic_set_irq(vm, 3, 1);
	CHECK_EQ(okvm_pic_ack(vm), 0x23);
	okvm_pic_set_irq(vm, 5, 1);
	CHECK(!okvm_pic_output(vm));
	outb(vm, 0x21, 0x08);			/* mask 3 ... */
	CHECK(!okvm_pic_output(vm));
	outb(vm, 0x20, 0x68);			/* ... in special mask mode */
	CHECK_EQ(pic_state(vm, 0).special_mask, 1);
	CHECK(okvm_pic_output(vm));
	CHECK_EQ(okvm_pic_ack(vm), 0x25);
	/* A non-specific EOI skips the masked level 3. */
	outb(vm, 0x20, 0x20);
	CHECK_EQ(pic_state(vm, 0).isr, 0x08);
	outb(vm, 0x20, 0x48);			/* special mask off */
	CHECK_EQ(pic_state(vm, 0).special_mask, 0);
	vm_free(vm);
}

static void t_pic_ports(void)
{
	struct okvm_vm *vm = vm_new();
	u8 b[4] = { 0, 0, 0, 0 };

	pic_setup(vm, 0);
	outb(vm, 0x21, 0x5a);
	okvm_pic_set_irq(vm, 7, 1);
	CHECK(okvm_pic_pio(vm, 0x20, b, 2, true));	/* IRR, IMR */
	CHECK_EQ(b[0], 0x80);
	CHECK_EQ(b[1], 0x5a);
	CHECK(okvm_pic_pio(vm, 0x21, b, 4, true));	/* IMR, then not ours */
	CHECK_EQ(b[0], 0x5a);
	CHECK_EQ(b[1], 0xff);
	CHECK_EQ(b[3], 0xff);
	CHECK(!okvm_pic_pio(vm, 0x22, b, 1, true));
	CHECK(!okvm_pic_pio(vm, 0x4d2, b, 1, false));
	CHECK(okvm_pic_pio(vm, 0x20, b, 0, true));	/* a zero-length access is harmless */
	CHECK_EQ(okvm_pic_set_irq(vm, 16, 1), 0);
	CHECK_EQ(okvm_pic_set_irq(vm, -1, 1), 0);
	vm_free(vm);
}

static unsigned int rng = 12345;

static unsigned int rnd(void)
{
	rng = rng * 1103515245 + 12345;
	return rng >> 8;
}

static void t_pic_state(void)
{
	struct okvm_vm *vm = vm_new(), *vm2 = vm_new();
	struct okvm_pic_state a[2], b[2], bad;
	int i, c;

	pic_setup(vm, 0);
	outb(vm, 0x4d1, 0x0c);
	outb(vm, 0x21, 0x30);
	outb(vm, 0x20, 0xc2);
	okvm_pic_set_irq(vm, 4, 1);
	okvm_pic_set_irq(vm, 5, 1);
	okvm_pic_set_irq(vm, 11, 1);
	okvm_pic_set_irq(vm, 3, 1);
	okvm_pic_ack(vm);
	outb(vm, 0xa0, 0x0b);
	for (c = 0; c < 2; c++) {
		a[c] = pic_state(vm, c);
		CHECK_EQ(okvm_pic_set_state(vm2, c, &a[c]), 0);
	}
	for (c = 0; c < 2; c++) {
		b[c] = pic_state(vm2, c);
		CHECK(!memcmp(&a[c], &b[c], sizeof(a[c])));
	}
	CHECK_EQ(okvm_pic_output(vm), okvm_pic_output(vm2));
	CHECK_EQ(okvm_pic_ack(vm), okvm_pic_ack(vm2));
	CHECK_EQ(inb(vm, 0xa0), inb(vm2, 0xa0));	/* ISR via the restored OCW3 */

	bad = a[0];
	bad.init_state = 4;
	CHECK_EQ(okvm_pic_set_state(vm2, 0, &bad), -EINVAL);
	bad = a[0];
	bad.priority_add = 8;
	CHECK_EQ(okvm_pic_set_state(vm2, 0, &bad), -EINVAL);
	CHECK_EQ(okvm_pic_set_state(vm2, 2, &a[0]), -EINVAL);
	bad = a[0];
	bad.elcr = 0xff;
	bad.elcr_mask = 0xff;
	CHECK_EQ(okvm_pic_set_state(vm2, 0, &bad), 0);
	CHECK_EQ(pic_state(vm2, 0).elcr, 0xf8);		/* wiring is not state */
	CHECK_EQ(pic_state(vm2, 0).elcr_mask, 0xf8);

	/* Random states and accesses: nothing may break (ASan/UBSan watch in the run script). */
	for (i = 0; i < 3000; i++) {
		static const u16 ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
		u8 raw[sizeof(struct okvm_pic_state)], v;
		unsigned int k;

		for (k = 0; k < sizeof(raw); k++)
			raw[k] = rnd();
		memcpy(&bad, raw, sizeof(bad));
		okvm_pic_set_state(vm2, rnd() & 1, &bad);
		v = rnd();
		okvm_pic_pio(vm2, ports[rnd() % 6], &v, 1, rnd() & 1);
		okvm_pic_set_irq(vm2, rnd() % 16, rnd() & 1);
		if (okvm_pic_output(vm2)) {
			int vec = okvm_pic_ack(vm2);

			if (!CHECK(vec >= 0 && vec <= 0xff))
				break;
		}
	}
	vm_free(vm);
	vm_free(vm2);
}

/* ---- IOAPIC ---- */

#define IOAPIC 0xfec00000ULL

static void mmio_w32(struct okvm_vm *vm, u32 off, u32 v)
{
	CHECK(okvm_ioapic_mmio(vm, IOAPIC + off, &v, 4, true));
}

static u32 mmio_r32(struct okvm_vm *vm, u32 off)
{
	u32 v = 0xdeadbeef;

	CHECK(okvm_ioapic_mmio(vm, IOAPIC + off, &v, 4, false));
	return v;
}

static void io_w(struct okvm_vm *vm, u32 reg, u32 v)
{
	mmio_w32(vm, 0x00, reg);
	mmio_w32(vm, 0x10, v);
}

static u32 io_r(struct okvm_vm *vm, u32 reg)
{
	mmio_w32(vm, 0x00, reg);
	return mmio_r32(vm, 0x10);
}

/* Program pin @pin: destination first, the low dword (with the mask bit) last. */
static void redir(struct okvm_vm *vm, int pin, u32 lo, u32 hi)
{
	io_w(vm, 0x11 + 2 * pin, hi);
	io_w(vm, 0x10 + 2 * pin, lo);
}

static void t_ioapic_regs(void)
{
	struct okvm_vm *vm = vm_new();
	int pin;

	CHECK_EQ(io_r(vm, 0x01), 0x00170011);		/* version 0x11, 24 entries */
	io_w(vm, 0x00, 0x0a000000);
	CHECK_EQ(io_r(vm, 0x00), 0x0a000000);
	CHECK_EQ(io_r(vm, 0x02), 0x0a000000);		/* arbitration ID follows */
	io_w(vm, 0x00, 0xffffffff);
	CHECK_EQ(io_r(vm, 0x00), 0x0f000000);		/* 4-bit ID */
	io_w(vm, 0x01, 0);
	CHECK_EQ(io_r(vm, 0x01), 0x00170011);		/* read-only */
	CHECK_EQ(io_r(vm, 0x05), 0);			/* reserved */
	CHECK_EQ(io_r(vm, 0x40), 0);			/* past entry 23 */
	mmio_w32(vm, 0x00, 0x1234);
	CHECK_EQ(mmio_r32(vm, 0x00), 0x34);		/* IOREGSEL is 8 bits */
	for (pin = 0; pin < 24; pin++)
		CHECK_EQ(io_r(vm, 0x10 + 2 * pin), 0x10000);	/* reset: masked */
	vm_free(vm);
}

static void t_ioapic_redir_rw(void)
{
	struct okvm_vm *vm = vm_new();

	io_w(vm, 0x10 + 2 * 7, 0xffffffff);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 7), 0x1afff);	/* no Delivery Status, Remote IRR, reserved */
	io_w(vm, 0x11 + 2 * 7, 0xffffffff);
	CHECK_EQ(io_r(vm, 0x11 + 2 * 7), 0xff000000);
	redir(vm, 23, 0x0000a9c5, 0x5a000000);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 23), 0x0000a9c5);
	CHECK_EQ(io_r(vm, 0x11 + 2 * 23), 0x5a000000);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 22), 0x10000);	/* the neighbours untouched */
	CHECK_EQ(io_r(vm, 0x11 + 2 * 6), 0);
	vm_free(vm);
}

static void t_ioapic_edge(void)
{
	struct okvm_vm *vm = vm_new();

	reset_records();
	redir(vm, 4, 0x31, 0x01000000);
	CHECK_EQ(nmsgs, 0);
	CHECK_EQ(okvm_ioapic_set_irq(vm, 4, 1), 1);
	CHECK_EQ(nmsgs, 1);
	CHECK_EQ(msgs[0].vector, 0x31);
	CHECK_EQ(msgs[0].dest, 1);
	CHECK_EQ(msgs[0].delivery_mode, OKVM_DM_FIXED);
	CHECK_EQ(msgs[0].dest_logical, 0);
	CHECK_EQ(msgs[0].level, 0);
	CHECK_EQ(okvm_ioapic_set_irq(vm, 4, 1), 0);	/* no edge */
	CHECK_EQ(nmsgs, 1);
	okvm_ioapic_set_irq(vm, 4, 0);
	CHECK_EQ(okvm_ioapic_set_irq(vm, 4, 1), 1);
	CHECK_EQ(nmsgs, 2);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 4) & 0x4000, 0);	/* no Remote IRR on edge */
	okvm_ioapic_eoi(vm, 0x31);
	CHECK_EQ(nmsgs, 2);
	vm_free(vm);
}

static void t_ioapic_level_eoi(void)
{
	struct okvm_vm *vm = vm_new();

	reset_records();
	redir(vm, 9, 0xa041, 0x02000000);
	CHECK_EQ(okvm_ioapic_set_irq(vm, 9, 1), 1);
	CHECK_EQ(nmsgs, 1);
	CHECK_EQ(msgs[0].level, 1);
	CHECK_EQ(msgs[0].vector, 0x41);
	CHECK_EQ(msgs[0].dest, 2);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 9), 0xe041);	/* Remote IRR set */
	CHECK_EQ(okvm_ioapic_set_irq(vm, 9, 1), 0);
	CHECK_EQ(nmsgs, 1);
	okvm_ioapic_eoi(vm, 0x42);			/* another vector */
	CHECK_EQ(nmsgs, 1);
	CHECK_EQ(nacks, 0);
	okvm_ioapic_eoi(vm, 0x41);			/* still high: again */
	CHECK_EQ(nacks, 1);
	CHECK_EQ(acks[0].chip, OKVM_IRQCHIP_IOAPIC);
	CHECK_EQ(acks[0].pin, 9);
	CHECK_EQ(nmsgs, 2);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 9), 0xe041);
	okvm_ioapic_set_irq(vm, 9, 0);
	okvm_ioapic_eoi(vm, 0x41);
	CHECK_EQ(nmsgs, 2);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 9), 0xa041);
	/* A resampler lowering the line on the ack: no second message. */
	okvm_ioapic_set_irq(vm, 9, 1);
	CHECK_EQ(nmsgs, 3);
	lower_on_ack = vm;
	okvm_ioapic_eoi(vm, 0x41);
	CHECK_EQ(nmsgs, 3);
	lower_on_ack = NULL;
	/* Two pins sharing a vector: one EOI serves both. */
	redir(vm, 10, 0xa041, 0x02000000);
	okvm_ioapic_set_irq(vm, 9, 1);
	okvm_ioapic_set_irq(vm, 10, 1);
	CHECK_EQ(nmsgs, 5);
	okvm_ioapic_set_irq(vm, 9, 0);
	okvm_ioapic_eoi(vm, 0x41);
	CHECK_EQ(nmsgs, 6);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 9), 0xa041);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 10), 0xe041);
	/* Switching to edge clears Remote IRR (the 82093AA way to reset it). */
	io_w(vm, 0x10 + 2 * 10, 0x12041);
	io_w(vm, 0x10 + 2 * 10, 0x1a041);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 10), 0x1a041);
	/* The EOI register at 0x40 works as well. */
	io_w(vm, 0x10 + 2 * 10, 0xa041);		/* unmasked while high: fires */
	CHECK_EQ(nmsgs, 7);
	mmio_w32(vm, 0x40, 0x41);
	CHECK_EQ(nmsgs, 8);
	vm_free(vm);
}

/*
 * A level line that stays high: every EOI delivers again, until 10000 EOIs in a row did;
 * the next delivery then waits 10 ms. A line that went low in between starts the count over.
 */
static void eoi_times(struct okvm_vm *vm, u8 vector, int n)
{
	while (n-- > 0)
		okvm_ioapic_eoi(vm, vector);
}

static void t_ioapic_eoi_storm(void)
{
	struct okvm_vm *vm = vm_new();

	reset_records();
	redir(vm, 9, 0xa041, 0x02000000);
	okvm_ioapic_set_irq(vm, 9, 1);
	CHECK_EQ(nmsgs, 1);
	eoi_times(vm, 0x41, 9999);
	CHECK_EQ(nmsgs, 10000);
	okvm_ioapic_eoi(vm, 0x41);			/* the 10000th in a row: paused */
	CHECK_EQ(nmsgs, 10000);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 9), 0xa041);	/* Remote IRR clear meanwhile */
	advance(9 * NSEC_PER_MSEC);
	CHECK_EQ(nmsgs, 10000);
	advance(NSEC_PER_MSEC);
	CHECK_EQ(nmsgs, 10001);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 9), 0xe041);
	/* The count starts over after the pause... */
	eoi_times(vm, 0x41, 9999);
	CHECK_EQ(nmsgs, 20000);
	/* ...and after an EOI that found the line low. */
	okvm_ioapic_set_irq(vm, 9, 0);
	okvm_ioapic_eoi(vm, 0x41);
	okvm_ioapic_set_irq(vm, 9, 1);
	CHECK_EQ(nmsgs, 20001);
	eoi_times(vm, 0x41, 9999);
	CHECK_EQ(nmsgs, 30000);
	/* A pause whose pin went low meanwhile ends with nothing to send. */
	okvm_ioapic_eoi(vm, 0x41);
	CHECK_EQ(nmsgs, 30000);
	okvm_ioapic_set_irq(vm, 9, 0);
	advance(10 * NSEC_PER_MSEC);
	CHECK_EQ(nmsgs, 30000);
	/* A paused VM goes away cleanly: the timer is cancelled with it. */
	okvm_ioapic_set_irq(vm, 9, 1);
	CHECK_EQ(nmsgs, 30001);
	eoi_times(vm, 0x41, 10000);
	CHECK_EQ(nmsgs, 40000);
	vm_free(vm);
}

static void t_ioapic_mask(void)
{
	struct okvm_vm *vm = vm_new();

	reset_records();
	redir(vm, 10, 0x1a051, 0);
	CHECK_EQ(okvm_ioapic_set_irq(vm, 10, 1), 0);
	CHECK_EQ(nmsgs, 0);
	io_w(vm, 0x10 + 2 * 10, 0xa051);		/* unmask a high level pin */
	CHECK_EQ(nmsgs, 1);
	CHECK_EQ(msgs[0].vector, 0x51);
	redir(vm, 11, 0x10052, 0);			/* masked edge */
	CHECK_EQ(okvm_ioapic_set_irq(vm, 11, 1), 0);
	io_w(vm, 0x10 + 2 * 11, 0x0052);
	CHECK_EQ(nmsgs, 1);				/* a masked edge is lost */
	/* Nobody accepts: Remote IRR stays clear so a later event tries again. */
	accept = 0;
	redir(vm, 12, 0xa053, 0);
	okvm_ioapic_set_irq(vm, 12, 1);
	CHECK_EQ(nmsgs, 2);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 12), 0xa053);
	accept = 1;
	CHECK_EQ(okvm_ioapic_set_irq(vm, 12, 1), 1);
	CHECK_EQ(nmsgs, 3);
	CHECK_EQ(okvm_ioapic_set_irq(vm, 24, 1), 0);
	CHECK_EQ(okvm_ioapic_set_irq(vm, -1, 1), 0);
	vm_free(vm);
}

static void t_ioapic_dest(void)
{
	struct okvm_vm *vm = vm_new();

	reset_records();
	redir(vm, 3, 0x0955, 0xa5000000);		/* lowest priority, logical, 0xa5 */
	okvm_ioapic_set_irq(vm, 3, 1);
	CHECK_EQ(nmsgs, 1);
	CHECK_EQ(msgs[0].vector, 0x55);
	CHECK_EQ(msgs[0].delivery_mode, OKVM_DM_LOWEST);
	CHECK_EQ(msgs[0].dest_logical, 1);
	CHECK_EQ(msgs[0].dest, 0xa5);
	CHECK_EQ(msgs[0].shorthand, OKVM_SH_NONE);
	CHECK_EQ(msgs[0].assert, 1);
	redir(vm, 5, 0x8400, 0xff000000);		/* NMI marked level: still an edge */
	okvm_ioapic_set_irq(vm, 5, 1);
	CHECK_EQ(nmsgs, 2);
	CHECK_EQ(msgs[1].delivery_mode, OKVM_DM_NMI);
	CHECK_EQ(msgs[1].dest, 0xff);
	CHECK_EQ(msgs[1].level, 0);
	CHECK_EQ(io_r(vm, 0x10 + 2 * 5) & 0x4000, 0);
	redir(vm, 0, 0x0700, 0);			/* ExtINT */
	okvm_ioapic_set_irq(vm, 0, 1);
	CHECK_EQ(msgs[2].delivery_mode, OKVM_DM_EXTINT);
	vm_free(vm);
}

static void t_ioapic_access(void)
{
	struct okvm_vm *vm = vm_new();
	u8 b[8];
	u64 q;

	b[0] = 0x01;
	CHECK(okvm_ioapic_mmio(vm, IOAPIC, b, 1, true));	/* byte IOREGSEL */
	memset(b, 0, sizeof(b));
	CHECK(okvm_ioapic_mmio(vm, IOAPIC + 0x10, b, 1, false));
	CHECK_EQ(b[0], 0x11);
	CHECK(okvm_ioapic_mmio(vm, IOAPIC + 0x12, b, 1, false));
	CHECK_EQ(b[0], 0x17);
	CHECK(okvm_ioapic_mmio(vm, IOAPIC + 0x11, b, 2, false));	/* unaligned */
	CHECK_EQ(b[0], 0x00);
	CHECK_EQ(b[1], 0x17);
	q = ~0ull;
	CHECK(okvm_ioapic_mmio(vm, IOAPIC + 0x10, &q, 8, false));
	CHECK_EQ(q, 0x00170011);
	q = 0x1234;
	CHECK(okvm_ioapic_mmio(vm, IOAPIC + 0x20, &q, 4, true));
	CHECK_EQ(mmio_r32(vm, 0x20), 0);
	CHECK_EQ(mmio_r32(vm, 0x40), 0);		/* EOI is write-only */
	CHECK(!okvm_ioapic_mmio(vm, IOAPIC + 0x100, &q, 4, false));
	CHECK(!okvm_ioapic_mmio(vm, IOAPIC - 4, &q, 4, false));
	CHECK(okvm_ioapic_mmio(vm, IOAPIC + 0xfc, b, 8, false));	/* runs off the end: defined */
	/* A byte write into IOWIN merges into the selected register. */
	io_w(vm, 0x10 + 2 * 2, 0x10000);
	b[0] = 0x77;
	CHECK(okvm_ioapic_mmio(vm, IOAPIC + 0x10, b, 1, true));
	CHECK_EQ(io_r(vm, 0x10 + 2 * 2), 0x10077);
	/* One 8-byte write: IOREGSEL and the dword after it. */
	q = 0xffffffff00000014ull;
	CHECK(okvm_ioapic_mmio(vm, IOAPIC, &q, 8, true));
	CHECK_EQ(mmio_r32(vm, 0x00), 0x14);
	CHECK(okvm_ioapic_mmio(vm, IOAPIC, &q, 0, true));
	CHECK(okvm_ioapic_mmio(vm, IOAPIC, &q, 9, true));
	CHECK_EQ(mmio_r32(vm, 0x00), 0x14);
	vm_free(vm);
}

static void t_ioapic_state(void)
{
	struct okvm_vm *vm = vm_new(), *vm2 = vm_new();
	struct okvm_ioapic_state a, b;
	int i;

	reset_records();
	io_w(vm, 0x00, 0x03000000);
	redir(vm, 1, 0x31, 0x01000000);
	redir(vm, 9, 0xa041, 0x02000000);
	okvm_ioapic_set_irq(vm, 9, 1);
	okvm_ioapic_set_irq(vm, 1, 1);
	mmio_w32(vm, 0x00, 0x13);
	okvm_ioapic_get_state(vm, &a);
	CHECK_EQ(a.base_address, IOAPIC);
	CHECK_EQ(a.id, 3);
	CHECK_EQ(a.ioregsel, 0x13);
	CHECK_EQ(a.irr, (1u << 9) | (1u << 1));
	CHECK_EQ(a.redirtbl[9].fields.remote_irr, 1);
	CHECK_EQ(a.redirtbl[9].fields.vector, 0x41);
	CHECK_EQ(a.redirtbl[9].fields.trig_mode, 1);
	CHECK_EQ(a.redirtbl[9].fields.dest_id, 2);
	CHECK_EQ(okvm_ioapic_set_state(vm2, &a), 0);
	CHECK_EQ(nmsgs, 2);			/* Remote IRR set: no new message */
	okvm_ioapic_get_state(vm2, &b);
	CHECK(!memcmp(&a, &b, sizeof(a)));
	CHECK_EQ(mmio_r32(vm2, 0x10), 0x01000000);	/* IOREGSEL 0x13 restored */
	okvm_ioapic_eoi(vm2, 0x41);
	CHECK_EQ(nmsgs, 3);

	/* A high level pin without Remote IRR fires when restored. */
	a.redirtbl[9].fields.remote_irr = 0;
	CHECK_EQ(okvm_ioapic_set_state(vm2, &a), 0);
	CHECK_EQ(nmsgs, 4);
	/* Garbage: read-only and reserved bits dropped, base fixed. */
	for (i = 0; i < 24; i++)
		a.redirtbl[i].bits = ~0ull;
	a.base_address = 0x1000;
	a.irr = ~0u;
	a.id = ~0u;
	CHECK_EQ(okvm_ioapic_set_state(vm2, &a), 0);
	okvm_ioapic_get_state(vm2, &b);
	CHECK_EQ(b.base_address, IOAPIC);
	CHECK_EQ(b.redirtbl[0].bits, 0xff0000000001afffull);	/* ExtINT is no level pin */
	CHECK_EQ(b.irr, 0xffffff);
	CHECK_EQ(b.id, 0xf);
	vm_free(vm);
	vm_free(vm2);
}

/* ---- PIT ---- */

static struct okvm_vm *pit_vm(u32 flags)
{
	struct okvm_vm *vm = vm_new();

	if (okvm_pit_create(vm, flags))
		shim_fatal("okvm_pit_create failed");
	reset_records();
	return vm;
}

/* Rising edges on GSI 0, each must be followed by its falling edge. */
static int pulses(void)
{
	int i, n = 0;

	for (i = 0; i + 1 < nlines; i += 2) {
		if (lines[i].gsi != 0 || lines[i].level != 1 || lines[i + 1].level != 0)
			return -1;
		n++;
	}
	return nlines & 1 ? -1 : n;
}

static void pit_count(struct okvm_vm *vm, int ch, u16 v)
{
	outb(vm, 0x40 + ch, v & 0xff);
	outb(vm, 0x40 + ch, v >> 8);
}

static u16 pit_read16(struct okvm_vm *vm, int ch)
{
	u8 lo = inb(vm, 0x40 + ch);

	return lo | (inb(vm, 0x40 + ch) << 8);
}

static u8 pit_status(struct okvm_vm *vm, int ch)
{
	outb(vm, 0x43, 0xe0 | (2 << ch));	/* read-back: status only */
	return inb(vm, 0x40 + ch);
}

static void t_pit_create(void)
{
	struct okvm_vm *vm = vm_new();

	CHECK_EQ(okvm_pit_create(vm, 2), -EINVAL);
	CHECK_EQ(okvm_pit_create(vm, 0x80000000u), -EINVAL);
	CHECK(vm->pit == NULL);
	CHECK_EQ(okvm_pit_create(vm, 0), 0);
	CHECK(vm->pit != NULL);
	okvm_pit_free(vm);
	CHECK(vm->pit == NULL);
	CHECK_EQ(okvm_pit_create(vm, OKVM_PIT_SPEAKER_DUMMY), 0);
	vm_free(vm);
}

static void t_pit_mode2(void)
{
	struct okvm_vm *vm = pit_vm(0);
	s64 t0;

	outb(vm, 0x43, 0x34);		/* counter 0, LSB+MSB, mode 2, binary */
	t0 = shim_now;
	pit_count(vm, 0, 1193);		/* 1 ms */
	advance(ticks_ns(1193) - 2000);
	CHECK_EQ(pulses(), 0);
	advance_to(t0 + 10000000 + 1000);
	CHECK_EQ(pulses(), 10);
	CHECK(llabs(lines[0].t - t0 - 999848) < 1000);
	CHECK(llabs(lines[18].t - t0 - 10 * 999848) < 2000);
	/* The count runs down from 1193 in each period. */
	advance_to(t0 + ticks_ns(1193 * 20 + 300));
	outb(vm, 0x43, 0x00);
	CHECK_EQ(pit_read16(vm, 0), 1193 - 300);
	/* A control word stops it. */
	nlines = 0;
	outb(vm, 0x43, 0x34);
	advance(50000000);
	CHECK_EQ(pulses(), 0);
	vm_free(vm);
}

static void t_pit_mode3(void)
{
	struct okvm_vm *vm = pit_vm(0);
	s64 t0;

	outb(vm, 0x43, 0x36);		/* mode 3 */
	t0 = shim_now;
	pit_count(vm, 0, 11932);	/* 10 ms */
	advance_to(t0 + 100000000 + 5000);
	CHECK_EQ(pulses(), 10);
	/* Square wave: high in the first half of each period, low in the second. */
	advance_to(t0 + ticks_ns(11932 * 10 + 2000));
	CHECK_EQ(pit_status(vm, 0) & 0x80, 0x80);
	advance_to(t0 + ticks_ns(11932 * 10 + 8000));
	CHECK_EQ(pit_status(vm, 0) & 0x80, 0);
	/* The count runs down twice per period, by two. */
	advance_to(t0 + ticks_ns(11932 * 11 + 1000));
	outb(vm, 0x43, 0x00);
	CHECK_EQ(pit_read16(vm, 0), 11932 - 2000);
	vm_free(vm);
}

static void t_pit_mode0(void)
{
	struct okvm_vm *vm = pit_vm(0);
	s64 t0;

	outb(vm, 0x43, 0x30);		/* mode 0 */
	CHECK_EQ(pit_status(vm, 0) & 0xc0, 0x40);	/* OUT low, null count */
	t0 = shim_now;
	pit_count(vm, 0, 1193);
	CHECK_EQ(pit_status(vm, 0) & 0xc0, 0x00);
	advance_to(t0 + ticks_ns(1192));
	CHECK_EQ(pulses(), 0);
	advance_to(t0 + ticks_ns(1194));
	CHECK_EQ(pulses(), 1);
	CHECK_EQ(pit_status(vm, 0) & 0x80, 0x80);
	/* After terminal count the counter wraps through 0xffff. */
	advance_to(t0 + ticks_ns(1193 + 100));
	outb(vm, 0x43, 0x00);
	CHECK_EQ(pit_read16(vm, 0), 65536 - 100);
	advance(100000000);
	CHECK_EQ(pulses(), 1);		/* once */
	CHECK_EQ(timers_queued(), 0);
	CHECK_EQ(pit_status(vm, 0) & 0x80, 0x80);	/* OUT stays high */
	/* Mode 0: the first byte of a new count stops counting (OUT low, no interrupt). */
	nlines = 0;
	outb(vm, 0x40, 0x10);
	CHECK_EQ(pit_status(vm, 0) & 0x80, 0);
	advance(100000000);
	CHECK_EQ(pulses(), 0);
	t0 = shim_now;
	outb(vm, 0x40, 0x00);		/* count 0x10 */
	advance_to(t0 + ticks_ns(0x10) + 1000);
	CHECK_EQ(pulses(), 1);
	vm_free(vm);
}

static void t_pit_mode4(void)
{
	struct okvm_vm *vm = pit_vm(0);
	s64 t0;

	outb(vm, 0x43, 0x38);		/* mode 4 */
	t0 = shim_now;
	pit_count(vm, 0, 1000);
	CHECK_EQ(pit_status(vm, 0) & 0x80, 0x80);	/* OUT high until the strobe */
	advance_to(t0 + ticks_ns(1000));
	CHECK_EQ(pulses(), 0);
	CHECK_EQ(pit_status(vm, 0) & 0x80, 0);		/* the strobe: low for one clock */
	advance_to(t0 + ticks_ns(1001));
	CHECK_EQ(pulses(), 1);
	CHECK_EQ(pit_status(vm, 0) & 0x80, 0x80);
	advance(100000000);
	CHECK_EQ(pulses(), 1);
	vm_free(vm);
}

static void t_pit_min_period(void)
{
	struct okvm_vm *vm = pit_vm(0);
	int n;

	outb(vm, 0x43, 0x34);
	pit_count(vm, 0, 2);		/* 600 kHz asked */
	advance(10000000);
	n = pulses();
	CHECK(n >= 1 && n <= 100);	/* at most one per 100 us */
	outb(vm, 0x43, 0x36);
	pit_count(vm, 0, 1);
	advance(10000000);
	CHECK(pulses() <= 200);
	vm_free(vm);
}

static void t_pit_latch(void)
{
	struct okvm_vm *vm = pit_vm(0);
	s64 t0;

	outb(vm, 0x43, 0x74);		/* counter 1, LSB+MSB, mode 2 */
	t0 = shim_now;
	pit_count(vm, 1, 1000);
	advance_to(t0 + ticks_ns(300));
	outb(vm, 0x43, 0x40);		/* latch counter 1 */
	advance_to(t0 + ticks_ns(400));
	outb(vm, 0x43, 0x40);		/* ignored: the first latch was not read */
	advance_to(t0 + ticks_ns(500));
	CHECK_EQ(pit_read16(vm, 1), 700);
	CHECK_EQ(pit_read16(vm, 1), 500);	/* live again */
	/* Half a latched word read, then a new latch is still ignored until the MSB. */
	outb(vm, 0x43, 0x40);
	CHECK_EQ(inb(vm, 0x41), 500 & 0xff);
	advance_to(t0 + ticks_ns(600));
	outb(vm, 0x43, 0x40);
	CHECK_EQ(inb(vm, 0x41), 500 >> 8);
	CHECK_EQ(pit_read16(vm, 1), 400);
	CHECK_EQ(pulses(), 0);		/* counter 1 has no interrupt */
	vm_free(vm);
}

static void t_pit_readback(void)
{
	struct okvm_vm *vm = pit_vm(0);
	s64 t0;

	outb(vm, 0x43, 0x34);
	t0 = shim_now;
	pit_count(vm, 0, 1000);
	advance_to(t0 + ticks_ns(250));
	outb(vm, 0x43, 0xc2);		/* read-back: count and status of counter 0 */
	advance_to(t0 + ticks_ns(260));
	CHECK_EQ(inb(vm, 0x40), 0xb4);	/* OUT high, mode 2, LSB+MSB, binary */
	CHECK_EQ(pit_read16(vm, 0), 750);
	/* Null count between a control word and its count. */
	outb(vm, 0x43, 0x34);
	CHECK_EQ(pit_status(vm, 0), 0xf4);
	pit_count(vm, 0, 1000);
	CHECK_EQ(pit_status(vm, 0), 0xb4);
	/* Several counters at once; count latched for counter 2 only. */
	outb(vm, 0x43, 0xb6);		/* counter 2 mode 3 */
	pit_count(vm, 2, 0x1234);
	outb(vm, 0x43, 0xda);		/* count of counters 0 and 2 */
	outb(vm, 0x43, 0xe8);		/* status of counter 2 */
	CHECK_EQ(inb(vm, 0x42), 0xb6);	/* status first: OUT high (gate low), mode 3 */
	CHECK_EQ(pit_read16(vm, 2), 0x1234);	/* gate 2 is low: not counting */
	CHECK_EQ(pit_read16(vm, 0), 1000);
	vm_free(vm);
}

static void t_pit_bcd(void)
{
	struct okvm_vm *vm = pit_vm(0);
	s64 t0;

	outb(vm, 0x43, 0x35);		/* mode 2, BCD */
	t0 = shim_now;
	pit_count(vm, 0, 0x1000);	/* 1000 decimal */
	advance_to(t0 + ticks_ns(1));
	outb(vm, 0x43, 0x00);
	CHECK_EQ(pit_read16(vm, 0), 0x0999);
	advance_to(t0 + ticks_ns(1000) * 5 + 1000);
	CHECK_EQ(pulses(), 5);		/* period 1000 clocks, not 0x1000 */
	outb(vm, 0x43, 0x31);		/* mode 0, BCD, count 0 = 10000 */
	t0 = shim_now;
	pit_count(vm, 0, 0x0000);
	advance_to(t0 + ticks_ns(1));
	outb(vm, 0x43, 0x00);
	CHECK_EQ(pit_read16(vm, 0), 0x9999);
	advance_to(t0 + ticks_ns(10001));
	outb(vm, 0x43, 0x00);
	CHECK_EQ(pit_read16(vm, 0), 0x9999);	/* wrapped in decimal */
	/* Binary count 0 is 65536. */
	outb(vm, 0x43, 0x34);
	t0 = shim_now;
	pit_count(vm, 0, 0);
	advance_to(t0 + ticks_ns(1));
	outb(vm, 0x43, 0x00);
	CHECK_EQ(pit_read16(vm, 0), 0xffff);
	vm_free(vm);
}

static void t_pit_access(void)
{
	struct okvm_vm *vm = pit_vm(0);
	s64 t0;

	outb(vm, 0x43, 0x10);		/* LSB only, mode 0 */
	t0 = shim_now;
	outb(vm, 0x40, 0x50);
	advance_to(t0 + ticks_ns(0x10));
	CHECK_EQ(inb(vm, 0x40), 0x40);
	CHECK_EQ(inb(vm, 0x40), 0x40);	/* every read is the LSB */
	outb(vm, 0x43, 0x20);		/* MSB only */
	t0 = shim_now;
	outb(vm, 0x40, 0x02);		/* count 0x200 */
	advance_to(t0 + ticks_ns(0x100));
	CHECK_EQ(inb(vm, 0x40), 0x01);
	outb(vm, 0x43, 0x34);		/* LSB then MSB, alternating */
	t0 = shim_now;
	pit_count(vm, 0, 0x1234);
	CHECK_EQ(inb(vm, 0x40), 0x34);
	CHECK_EQ(inb(vm, 0x40), 0x12);
	CHECK_EQ(inb(vm, 0x40), 0x34);
	/* A control word restarts the byte order. */
	outb(vm, 0x43, 0x34);
	outb(vm, 0x40, 0x78);
	outb(vm, 0x43, 0x34);
	pit_count(vm, 0, 0x0456);
	CHECK_EQ(pit_read16(vm, 0), 0x0456);
	/* The control port reads as nothing; 16-bit access splits into bytes. */
	CHECK_EQ(inb(vm, 0x43), 0xff);
	{
		u8 b[2] = { 0x34, 0x12 };

		CHECK(okvm_pit_pio(vm, 0x40, b, 0, false));
		outb(vm, 0x43, 0x34);
		CHECK(okvm_pit_pio(vm, 0x42, b, 2, false));	/* 0x42 LSB, 0x43 = 0x12 */
		CHECK(!okvm_pit_pio(vm, 0x44, b, 1, false));
		CHECK(!okvm_pit_pio(vm, 0x61, b, 1, true));	/* no SPEAKER_DUMMY */
	}
	vm_free(vm);
}

static void t_pit_speaker_gate(void)
{
	struct okvm_vm *vm = pit_vm(OKVM_PIT_SPEAKER_DUMMY);
	s64 t0;

	CHECK_EQ(inb(vm, 0x61) & 0x03, 0);
	outb(vm, 0x61, 0x03);
	CHECK_EQ(inb(vm, 0x61) & 0x03, 0x03);
	outb(vm, 0x61, 0x01);		/* gate 2 high, speaker off */
	outb(vm, 0x43, 0xb0);		/* counter 2, mode 0 */
	CHECK_EQ(inb(vm, 0x61) & 0x20, 0);
	t0 = shim_now;
	pit_count(vm, 2, 1000);
	advance_to(t0 + ticks_ns(999));
	CHECK_EQ(inb(vm, 0x61) & 0x20, 0);
	advance_to(t0 + ticks_ns(1000));
	CHECK_EQ(inb(vm, 0x61) & 0x20, 0x20);
	CHECK_EQ(pulses(), 0);		/* counter 2 never interrupts */
	/* GATE low holds the count in mode 0. */
	outb(vm, 0x43, 0xb0);
	t0 = shim_now;
	pit_count(vm, 2, 1000);
	advance_to(t0 + ticks_ns(500));
	outb(vm, 0x61, 0x00);
	advance(50000000);
	outb(vm, 0x43, 0x80);
	CHECK_EQ(pit_read16(vm, 2), 500);
	CHECK_EQ(inb(vm, 0x61) & 0x20, 0);
	outb(vm, 0x61, 0x01);
	t0 = shim_now;
	advance_to(t0 + ticks_ns(499));
	CHECK_EQ(inb(vm, 0x61) & 0x20, 0);
	advance_to(t0 + ticks_ns(501));
	CHECK_EQ(inb(vm, 0x61) & 0x20, 0x20);
	/* Mode 1: the gate's rising edge starts the one-shot. */
	outb(vm, 0x61, 0x00);
	outb(vm, 0x43, 0xb2);
	pit_count(vm, 2, 100);
	CHECK_EQ(inb(vm, 0x61) & 0x20, 0x20);
	advance(1000000);
	outb(vm, 0x61, 0x01);
	t0 = shim_now;
	CHECK_EQ(inb(vm, 0x61) & 0x20, 0);
	advance_to(t0 + ticks_ns(100));
	CHECK_EQ(inb(vm, 0x61) & 0x20, 0x20);
	vm_free(vm);
}

static void t_pit_state(void)
{
	struct okvm_vm *vm = pit_vm(OKVM_PIT_SPEAKER_DUMMY), *vm2;
	struct okvm_pit_state2 a, b;
	s64 t0;
	int i;

	outb(vm, 0x61, 0x03);
	outb(vm, 0x43, 0x34);
	t0 = shim_now;
	pit_count(vm, 0, 1193);
	outb(vm, 0x43, 0xb1);		/* counter 2 mode 0 BCD */
	pit_count(vm, 2, 0x2500);
	outb(vm, 0x43, 0x50);		/* counter 1 LSB mode 0 */
	outb(vm, 0x41, 0x80);
	advance(ticks_ns(100));
	outb(vm, 0x43, 0x40);		/* latch counter 1 */
	outb(vm, 0x40, 0x33);		/* half a new count for counter 0 (mode 2 runs on) */
	okvm_pit_get_state(vm, &a);
	CHECK_EQ(a.channels[0].mode, 2);
	CHECK_EQ(a.channels[0].count, 1193);
	CHECK_EQ(a.channels[0].write_state, 4);	/* waiting for the MSB */
	CHECK_EQ(a.channels[0].write_latch, 0x33);
	CHECK_EQ(a.channels[0].count_load_time, t0);
	CHECK_EQ(a.channels[2].bcd, 1);
	CHECK_EQ(a.channels[2].count, 2500);
	CHECK_EQ(a.channels[1].count_latched, 1);
	CHECK_EQ(a.channels[1].latched_count, 0x80 - 100);
	CHECK_EQ(a.flags, OKVM_PIT_FLAGS_SPEAKER_DATA_ON);

	vm2 = pit_vm(OKVM_PIT_SPEAKER_DUMMY);
	CHECK_EQ(okvm_pit_set_state(vm2, &a), 0);
	okvm_pit_get_state(vm2, &b);
	CHECK(!memcmp(&a, &b, sizeof(a)));
	CHECK_EQ(inb(vm2, 0x41), 0x80 - 100);
	CHECK_EQ(inb(vm2, 0x61) & 0x03, 0x03);
	/* Counter 0 keeps its phase and interrupts on vm2. */
	reset_records();
	okvm_pit_free(vm);
	advance_to(t0 + 10000000 + 1000);
	CHECK_EQ(pulses(), 10);
	CHECK(llabs(lines[0].t - t0 - 999848) < 1000);
	/* HPET legacy mode silences counter 0. */
	a.flags = OKVM_PIT_FLAGS_HPET_LEGACY;
	CHECK_EQ(okvm_pit_set_state(vm2, &a), 0);
	reset_records();
	advance(10000000);
	CHECK_EQ(pulses(), 0);
	/* Garbage and extreme times are forced into range. */
	memset(&a, 0xff, sizeof(a));
	a.channels[0].count_load_time = INT64_MIN;
	a.channels[1].count_load_time = INT64_MAX;
	a.channels[2].count = 0;
	CHECK_EQ(okvm_pit_set_state(vm2, &a), 0);
	okvm_pit_get_state(vm2, &b);
	for (i = 0; i < 3; i++) {
		CHECK(b.channels[i].mode <= 5);
		CHECK(b.channels[i].count >= 1 && b.channels[i].count <= 65536);
		CHECK(b.channels[i].rw_mode >= 1 && b.channels[i].rw_mode <= 3);
		inb(vm2, 0x40 + i);
		outb(vm2, 0x43, 0xc0 | (2 << i));
		inb(vm2, 0x40 + i);
		inb(vm2, 0x40 + i);
	}
	CHECK(b.channels[1].count_load_time <= shim_now);
	for (i = 0; i < 2000; i++) {
		u8 raw[sizeof(a)], v = rnd();
		unsigned int k;

		for (k = 0; k < sizeof(raw); k++)
			raw[k] = rnd();
		memcpy(&a, raw, sizeof(a));
		if (rnd() & 1)
			okvm_pit_set_state(vm2, &a);
		okvm_pit_pio(vm2, 0x40 + rnd() % 4, &v, 1, rnd() & 1);
		v = rnd();
		okvm_pit_pio(vm2, 0x61, &v, 1, rnd() & 1);
		advance(rnd() % 2000000);
	}
	CHECK(nlines < 100000);
	okvm_pit_free(vm2);
	CHECK_EQ(timers_queued(), 0);
	vm_free(vm);
	vm_free(vm2);
}

/* ---- the runner ---- */

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "pic_init", t_pic_init },
	{ "pic_mask", t_pic_mask },
	{ "pic_priority_rotation", t_pic_priority_rotation },
	{ "pic_specific_eoi", t_pic_specific_eoi },
	{ "pic_cascade", t_pic_cascade },
	{ "pic_elcr_level_edge", t_pic_elcr },
	{ "pic_spurious", t_pic_spurious },
	{ "pic_auto_eoi", t_pic_auto_eoi },
	{ "pic_poll", t_pic_poll },
	{ "pic_special_mask", t_pic_special_mask },
	{ "pic_ports", t_pic_ports },
	{ "pic_state", t_pic_state },
	{ "ioapic_registers", t_ioapic_regs },
	{ "ioapic_redirection_rw", t_ioapic_redir_rw },
	{ "ioapic_edge", t_ioapic_edge },
	{ "ioapic_level_eoi", t_ioapic_level_eoi },
	{ "ioapic_eoi_storm", t_ioapic_eoi_storm },
	{ "ioapic_mask", t_ioapic_mask },
	{ "ioapic_destination", t_ioapic_dest },
	{ "ioapic_access_sizes", t_ioapic_access },
	{ "ioapic_state", t_ioapic_state },
	{ "pit_create", t_pit_create },
	{ "pit_mode2_rate", t_pit_mode2 },
	{ "pit_mode3_square", t_pit_mode3 },
	{ "pit_mode0_oneshot", t_pit_mode0 },
	{ "pit_mode4_strobe", t_pit_mode4 },
	{ "pit_min_period", t_pit_min_period },
	{ "pit_latch", t_pit_latch },
	{ "pit_readback", t_pit_readback },
	{ "pit_bcd", t_pit_bcd },
	{ "pit_access_modes", t_pit_access },
	{ "pit_speaker_gate", t_pit_speaker_gate },
	{ "pit_state", t_pit_state },
};

static bool run_one(int i, int flip)
{
	cur_test = tests[i].name;
	cur_checks = 0;
	cur_flip = flip;
	cur_failed = 0;
	cur_msg[0] = 0;
	reset_records();
	memset(timers, 0, sizeof(timers));
	tests[i].fn();
	if (shim_locks_held)
		shim_fatal("a device lock is still held after the test");
	return !cur_failed;
}

int main(int argc, char **argv)
{
	bool selftest = false;
	int i, a, failed = 0;

	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "--self-test"))
			selftest = true;
		else if (!strcmp(argv[a], "-q"))
			quiet = true;
	}
	for (i = 0; i < (int)ARRAY_SIZE(tests); i++) {
		bool match = a >= argc;
		int b, n;

		for (b = a; b < argc; b++)
			if (strstr(tests[i].name, argv[b]))
				match = true;
		if (!match)
			continue;
		if (!run_one(i, 0)) {
			printf("FAIL unit/irqchip/%s: %s\n", tests[i].name, cur_msg);
			failed = 1;
			continue;
		}
		n = cur_checks;
		if (!selftest) {
			if (!quiet)
				printf("PASS unit/irqchip/%s\n", tests[i].name);
			continue;
		}
		/* The first and the last check inverted: the test must notice either. */
		if (run_one(i, 1) || run_one(i, n)) {
			printf("FAIL unit/irqchip/selftest/%s: a wrong expectation passed\n",
			       tests[i].name);
			failed = 1;
		} else {
			printf("PASS unit/irqchip/selftest/%s\n", tests[i].name);
		}
	}
	return failed;
}
