// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt routing and the in-kernel irqchip's VM ioctls: GSIs through the routing table
 * to the PIC, the IOAPIC or an MSI; EOIs back to the IOAPIC or to userspace (split
 * irqchip); guest port and MMIO accesses tried on the in-kernel devices before userspace.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/rcupdate.h>

#include "../okvm.h"
#include "irqchip.h"

/* The IOAPIC's and the xAPIC's guest-physical pages. */
#define OKVM_IOAPIC_BASE	0xfec00000ULL

static bool okvm_route_valid(const struct okvm_vm *vm, const struct okvm_irq_routing_entry *e)
{
	if (e->gsi >= OKVM_MAX_IRQ_ROUTES || e->flags || e->pad)
		return false;
	switch (e->type) {
	case OKVM_IRQ_ROUTING_IRQCHIP:
		/* With a split irqchip the PIC and the IOAPIC live in userspace. */
		if (vm->irqchip_mode == OKVM_IRQCHIP_SPLIT)
			return false;
		if (e->u.irqchip.irqchip == OKVM_IRQCHIP_IOAPIC)
			return e->u.irqchip.pin < OKVM_IOAPIC_NUM_PINS;
		return e->u.irqchip.irqchip <= OKVM_IRQCHIP_PIC_SLAVE && e->u.irqchip.pin < 8;
	case OKVM_IRQ_ROUTING_MSI:
		/* x86 MSIs carry no device id. */
		return true;
	default:
		return false;
	}
}

static void okvm_routes_replace(struct okvm_vm *vm, struct okvm_irq_routes *new)
{
	struct okvm_irq_routes *old;

	mutex_lock(&vm->lock);
	old = rcu_dereference_protected(vm->routes, lockdep_is_held(&vm->lock));
	rcu_assign_pointer(vm->routes, new);
	mutex_unlock(&vm->lock);
	if (old)
		kvfree_rcu(old, rcu);
}

/*
 * KVM's rule for one GSI: at most one route per irqchip, and an MSI route alone. seen[]
 * holds per GSI a bit per irqchip (0-2) and bit 3 for a non-irqchip route.
 */
static bool okvm_route_unique(u8 *seen, const struct okvm_irq_routing_entry *e)
{
	u8 bit = e->type == OKVM_IRQ_ROUTING_IRQCHIP ? BIT(e->u.irqchip.irqchip) : BIT(3);
	u8 clash = bit == BIT(3) ? 0xff : bit | BIT(3);

	if (seen[e->gsi] & clash)
		return false;
	seen[e->gsi] |= bit;
	return true;
}

/*
 * KVM's rules: an irqchip first, at most 4096 entries, no flags, known types, valid pins,
 * no GSI routed twice to one chip; all or nothing.
 */
static noinline_for_stack long okvm_set_gsi_routing(struct okvm_vm *vm, void __user *argp)
{
	struct okvm_irq_routing hdr;
	struct okvm_irq_routes *t;
	u8 *seen;
	u32 i;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (READ_ONCE(vm->irqchip_mode) == OKVM_IRQCHIP_NONE ||
	    hdr.nr > OKVM_MAX_IRQ_ROUTES || hdr.flags)
		return -EINVAL;
	t = kvzalloc(struct_size(t, e, hdr.nr), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	t->nr = hdr.nr;
	if (copy_from_user(t->e, argp + sizeof(hdr), array_size(hdr.nr, sizeof(t->e[0])))) {
		kvfree(t);
		return -EFAULT;
	}
	seen = kzalloc(OKVM_MAX_IRQ_ROUTES, GFP_KERNEL);
	if (!seen) {
		kvfree(t);
		return -ENOMEM;
	}
	for (i = 0; i < hdr.nr; i++) {
		if (!okvm_route_valid(vm, &t->e[i]) || !okvm_route_unique(seen, &t->e[i])) {
			kfree(seen);
			kvfree(t);
			return -EINVAL;
		}
	}
	kfree(seen);
	okvm_routes_replace(vm, t);
	return 0;
}

/* KVM_CREATE_IRQCHIP's table: GSI 0-15 to the PICs and GSI 0-23 to the IOAPIC's pins. */
static int okvm_routes_default(struct okvm_vm *vm)
{
	struct okvm_irq_routes *t;
	u32 n = 0, gsi;

	t = kvzalloc(struct_size(t, e, 16 + OKVM_IOAPIC_NUM_PINS), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	for (gsi = 0; gsi < OKVM_IOAPIC_NUM_PINS; gsi++) {
		if (gsi < 16) {
			t->e[n].gsi = gsi;
			t->e[n].type = OKVM_IRQ_ROUTING_IRQCHIP;
			t->e[n].u.irqchip.irqchip = gsi < 8 ? OKVM_IRQCHIP_PIC_MASTER : OKVM_IRQCHIP_PIC_SLAVE;
			t->e[n].u.irqchip.pin = gsi % 8;
			n++;
		}
		t->e[n].gsi = gsi;
		t->e[n].type = OKVM_IRQ_ROUTING_IRQCHIP;
		t->e[n].u.irqchip.irqchip = OKVM_IRQCHIP_IOAPIC;
		t->e[n].u.irqchip.pin = gsi;
		n++;
	}
	t->nr = n;
	okvm_routes_replace(vm, t);
	return 0;
}

/* MSI address 0xfeeXXXXX: destination ID in bits 19:12, logical mode in bit 2. */
static void okvm_msi_to_irq(const struct okvm_msi *m, struct okvm_apic_irq *irq)
{
	memset(irq, 0, sizeof(*irq));
	irq->dest = (m->address_lo >> 12) & 0xff;
	irq->dest_logical = m->address_lo & BIT(2);
	irq->vector = m->data & 0xff;
	irq->delivery_mode = (m->data >> 8) & 7;
	irq->level = m->data & BIT(15);
	/* An edge MSI always asserts; a level one carries its level in bit 14. */
	irq->assert = !irq->level || (m->data & BIT(14));
}

int okvm_msi_deliver(struct okvm_vm *vm, const struct okvm_msi *msi)
{
	struct okvm_apic_irq irq;

	/* As KVM: the address's fields are decoded whatever its top bits say. */
	okvm_msi_to_irq(msi, &irq);
	if (irq.level && !irq.assert)
		return 0;
	return okvm_lapic_deliver(vm, NULL, &irq);
}

/*
 * Every route of @gsi gets the level; the result is the sum of the vcpus reached, or -1
 * if no route took it (KVM_IRQ_LINE_STATUS reports it).
 */
int okvm_irq_set(struct okvm_vm *vm, u32 gsi, int level)
{
	struct okvm_irq_routes *t;
	int ret = -1, r;
	u32 i;

	rcu_read_lock();
	t = rcu_dereference(vm->routes);
	for (i = 0; t && i < t->nr; i++) {
		const struct okvm_irq_routing_entry *e = &t->e[i];

		if (e->gsi != gsi)
			continue;
		r = -1;
		if (e->type == OKVM_IRQ_ROUTING_MSI) {
			struct okvm_msi m = {
				.address_lo = e->u.msi.address_lo,
				.address_hi = e->u.msi.address_hi,
				.data = e->u.msi.data,
			};

			/* An MSI is an edge: only the rising level sends it. */
			r = level ? okvm_msi_deliver(vm, &m) : 0;
		} else if (vm->irqchip_mode == OKVM_IRQCHIP_KERNEL) {
			if (e->u.irqchip.irqchip == OKVM_IRQCHIP_IOAPIC)
				r = okvm_ioapic_set_irq(vm, e->u.irqchip.pin, level);
			else
				r = okvm_pic_set_irq(vm, e->u.irqchip.pin +
						     (e->u.irqchip.irqchip == OKVM_IRQCHIP_PIC_SLAVE ? 8 : 0),
						     level);
		}
		if (r < 0)
			continue;
		ret = ret < 0 ? r : ret + r;
	}
	rcu_read_unlock();
	return ret;
}

/* The IOAPIC (or a PIC) acknowledged @pin: resamplers of the GSIs routed to it run. */
void okvm_irq_acked(struct okvm_vm *vm, int irqchip, int pin)
{
	struct okvm_irq_routes *t;
	u32 gsis[8];
	int n = 0, i;
	u32 j;

	rcu_read_lock();
	t = rcu_dereference(vm->routes);
	for (j = 0; t && j < t->nr && n < ARRAY_SIZE(gsis); j++) {
		const struct okvm_irq_routing_entry *e = &t->e[j];

		if (e->type == OKVM_IRQ_ROUTING_IRQCHIP && e->u.irqchip.irqchip == irqchip &&
		    e->u.irqchip.pin == pin)
			gsis[n++] = e->gsi;
	}
	rcu_read_unlock();
	for (i = 0; i < n; i++)
		okvm_irqfd_resample(vm, gsis[i]);
}

/*
 * A level-triggered vector's EOI. A full irqchip hands it to the IOAPIC; a split one
 * exits to userspace (KVM_EXIT_IOAPIC_EOI) whose IOAPIC clears its Remote IRR.
 */
void okvm_irq_eoi(struct okvm_vcpu *v, u8 vector)
{
	struct okvm_vm *vm = v->vm;

	if (vm->irqchip_mode == OKVM_IRQCHIP_KERNEL) {
		okvm_ioapic_eoi(vm, vector);
		return;
	}
	if (vm->irqchip_mode == OKVM_IRQCHIP_SPLIT) {
		v->eoi_exit_vector = vector;
		v->eoi_exit_pending = true;
	}
}

bool okvm_pio_kernel(struct okvm_vcpu *v, u16 port, void *data, int len, bool in)
{
	struct okvm_vm *vm = v->vm;

	if (!in && vm->evfd && okvm_ioeventfd_write(vm, true, port, data, len))
		return true;
	if (vm->irqchip_mode == OKVM_IRQCHIP_KERNEL && okvm_pic_pio(vm, port, data, len, in))
		return true;
	if (vm->pit && okvm_pit_pio(vm, port, data, len, in))
		return true;
	if (!in && vm->evfd && okvm_coalesced_mmio_write(vm, true, port, data, len))
		return true;
	return false;
}

bool okvm_mmio_kernel(struct okvm_vcpu *v, u64 gpa, void *data, int len, bool write)
{
	struct okvm_vm *vm = v->vm;

	if (v->apic && okvm_lapic_mmio(v, gpa, data, len, write))
		return true;
	if (vm->irqchip_mode == OKVM_IRQCHIP_KERNEL && (gpa & PAGE_MASK) == OKVM_IOAPIC_BASE &&
	    okvm_ioapic_mmio(vm, gpa, data, len, write))
		return true;
	if (write && vm->evfd && okvm_ioeventfd_write(vm, false, gpa, data, len))
		return true;
	if (write && vm->evfd && okvm_coalesced_mmio_write(vm, false, gpa, data, len))
		return true;
	return false;
}

/* As KVM: an irqchip is chosen once, before the first vcpu (vm->lock held). */
static int okvm_irqchip_choosable(struct okvm_vm *vm)
{
	if (vm->irqchip_mode != OKVM_IRQCHIP_NONE)
		return -EEXIST;
	return vm->nr_vcpus ? -EINVAL : 0;
}

/* KVM_CREATE_IRQCHIP: PIC, IOAPIC and default routes; every vcpu created later gets an APIC. */
static int okvm_irqchip_create(struct okvm_vm *vm)
{
	int r;

	mutex_lock(&vm->lock);
	r = okvm_irqchip_choosable(vm);
	if (r)
		goto out;
	r = okvm_pic_create(vm);
	if (r)
		goto out;
	r = okvm_ioapic_create(vm);
	if (r) {
		okvm_pic_free(vm);
		goto out;
	}
	/* Injections look at the mode: the devices exist before it says so. */
	smp_wmb();
	WRITE_ONCE(vm->irqchip_mode, OKVM_IRQCHIP_KERNEL);
out:
	mutex_unlock(&vm->lock);
	if (!r)
		r = okvm_routes_default(vm);
	return r;
}

/* KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): LAPICs in the kernel, the rest in userspace. */
int okvm_irqchip_enable_split(struct okvm_vm *vm, u64 pins)
{
	int r;

	if (pins > OKVM_MAX_IRQ_ROUTES)
		return -EINVAL;
	mutex_lock(&vm->lock);
	/* KVM says EEXIST here for vcpus too (KVM_CREATE_IRQCHIP: EINVAL). */
	r = okvm_irqchip_choosable(vm) ? -EEXIST : 0;
	if (!r) {
		vm->split_pins = pins;
		WRITE_ONCE(vm->irqchip_mode, OKVM_IRQCHIP_SPLIT);
	}
	mutex_unlock(&vm->lock);
	return r;
}

static int okvm_pit_create_locked(struct okvm_vm *vm, u32 flags)
{
	int r;

	mutex_lock(&vm->lock);
	/* As KVM, also without an irqchip: its ticks then reach no route. */
	if (vm->pit)
		r = -EEXIST;
	else
		r = okvm_pit_create(vm, flags);
	mutex_unlock(&vm->lock);
	return r;
}

static noinline_for_stack long okvm_irq_line(struct okvm_vm *vm, void __user *argp, bool status)
{
	struct okvm_irq_level l;
	int r;

	if (copy_from_user(&l, argp, sizeof(l)))
		return -EFAULT;
	/* With a split irqchip only MSI routes exist; KVM takes the ioctl all the same. */
	if (vm->irqchip_mode == OKVM_IRQCHIP_NONE)
		return -ENXIO;
	if (l.irq >= OKVM_MAX_IRQ_ROUTES)
		return -EINVAL;
	r = okvm_irq_set(vm, l.irq, !!l.level);
	if (!status)
		return 0;
	l.status = r;
	return copy_to_user(argp, &l, sizeof(l)) ? -EFAULT : 0;
}

static noinline_for_stack long okvm_irqchip_state(struct okvm_vm *vm, void __user *argp, bool set)
{
	struct okvm_irqchip *c;
	long r = 0;

	if (vm->irqchip_mode != OKVM_IRQCHIP_KERNEL)
		return -ENXIO;
	c = memdup_user(argp, sizeof(*c));
	if (IS_ERR(c))
		return PTR_ERR(c);
	mutex_lock(&vm->lock);
	switch (c->chip_id) {
	case OKVM_IRQCHIP_PIC_MASTER:
	case OKVM_IRQCHIP_PIC_SLAVE:
		if (set)
			r = okvm_pic_set_state(vm, c->chip_id, &c->chip.pic);
		else
			okvm_pic_get_state(vm, c->chip_id, &c->chip.pic);
		break;
	case OKVM_IRQCHIP_IOAPIC:
		if (set)
			r = okvm_ioapic_set_state(vm, &c->chip.ioapic);
		else
			okvm_ioapic_get_state(vm, &c->chip.ioapic);
		break;
	default:
		r = -EINVAL;
	}
	mutex_unlock(&vm->lock);
	if (!r && !set && copy_to_user(argp, c, sizeof(*c)))
		r = -EFAULT;
	kfree(c);
	return r;
}

static noinline_for_stack long okvm_pit_state(struct okvm_vm *vm, void __user *argp, bool set)
{
	struct okvm_pit_state2 s;
	long r = 0;

	if (!vm->pit)
		return -ENXIO;
	if (set && copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	mutex_lock(&vm->lock);
	if (set)
		r = okvm_pit_set_state(vm, &s);
	else
		okvm_pit_get_state(vm, &s);
	mutex_unlock(&vm->lock);
	if (!r && !set && copy_to_user(argp, &s, sizeof(s)))
		r = -EFAULT;
	return r;
}

/* The VM ioctls of the interrupt controllers; -ENOTTY for any other command. */
long okvm_irqchip_vm_ioctl(struct okvm_vm *vm, unsigned int cmd, void __user *argp)
{
	switch (cmd) {
	case OKVM_CREATE_IRQCHIP:
		return okvm_irqchip_create(vm);
	case OKVM_IRQ_LINE:
		return okvm_irq_line(vm, argp, false);
	case OKVM_IRQ_LINE_STATUS:
		return okvm_irq_line(vm, argp, true);
	case OKVM_GET_IRQCHIP:
		return okvm_irqchip_state(vm, argp, false);
	case OKVM_SET_IRQCHIP:
		return okvm_irqchip_state(vm, argp, true);
	case OKVM_CREATE_PIT2: {
		struct okvm_pit_config c;

		if (copy_from_user(&c, argp, sizeof(c)))
			return -EFAULT;
		return okvm_pit_create_locked(vm, c.flags);
	}
	case OKVM_GET_PIT2:
		return okvm_pit_state(vm, argp, false);
	case OKVM_SET_PIT2:
		return okvm_pit_state(vm, argp, true);
	case OKVM_SET_GSI_ROUTING:
		return okvm_set_gsi_routing(vm, argp);
	case OKVM_SIGNAL_MSI: {
		struct okvm_msi m;

		if (copy_from_user(&m, argp, sizeof(m)))
			return -EFAULT;
		if (vm->irqchip_mode == OKVM_IRQCHIP_NONE || (m.flags & ~OKVM_MSI_VALID_DEVID))
			return -EINVAL;
		return okvm_msi_deliver(vm, &m);
	}
	case OKVM_IRQFD: {
		struct okvm_irqfd a;

		if (copy_from_user(&a, argp, sizeof(a)))
			return -EFAULT;
		return okvm_irqfd(vm, &a);
	}
	case OKVM_IOEVENTFD: {
		struct okvm_ioeventfd a;

		if (copy_from_user(&a, argp, sizeof(a)))
			return -EFAULT;
		return okvm_ioeventfd(vm, &a);
	}
	case OKVM_REGISTER_COALESCED_MMIO:
	case OKVM_UNREGISTER_COALESCED_MMIO: {
		struct okvm_coalesced_mmio_zone z;

		if (copy_from_user(&z, argp, sizeof(z)))
			return -EFAULT;
		if (cmd == OKVM_REGISTER_COALESCED_MMIO)
			return okvm_coalesced_mmio_register(vm, &z);
		return okvm_coalesced_mmio_unregister(vm, &z);
	}
	default:
		return -ENOTTY;
	}
}

/* VM teardown, before the vcpus go: nothing injects into them after this. */
void okvm_irqchip_vm_stop(struct okvm_vm *vm)
{
	if (vm->evfd)
		okvm_irqfd_release(vm);
	if (vm->pit)
		okvm_pit_free(vm);
	if (vm->ioapic)
		okvm_ioapic_stop(vm);
}

/* VM teardown, after every vcpu (and its APIC) is gone. */
void okvm_irqchip_vm_destroy(struct okvm_vm *vm)
{
	if (vm->ioapic)
		okvm_ioapic_free(vm);
	if (vm->pic)
		okvm_pic_free(vm);
	kvfree(rcu_dereference_protected(vm->routes, true));
}
