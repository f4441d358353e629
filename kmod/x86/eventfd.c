// SPDX-License-Identifier: GPL-2.0-only
/*
 * irqfd: a write to an eventfd raises a GSI. ioeventfd: a guest write to a port or MMIO
 * address signals an eventfd instead of exiting to userspace. Coalesced MMIO: guest writes
 * into registered zones are queued in a ring page that userspace drains when it likes.
 *
 * Locking. ev->mutex serialises every assign and deassign (process context). The vcpu
 * run loop looks up ioeventfds and zones under RCU, never sleeping. The irqfd lists
 * change under ev->lock, a spinlock that the eventfd wakeup takes when the eventfd goes
 * away (EPOLLHUP); the resamplers' list is also read under RCU from the EOI path.
 *
 * An irqfd's life: assign puts it on the list and its wait entry on the eventfd's wait
 * queue. Whoever takes it off the list (deassign, EPOLLHUP, VM teardown) shuts it down:
 * eventfd_ctx_remove_wait_queue() (after it no wakeup can run for it, since wakeups run
 * under that queue's lock), then the pending injection is flushed, then (resamplers
 * only) an RCU grace period, then it is freed. Wakeups are atomic, so injection runs
 * from a work item.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "okvm.h"
#include "x86/irqchip.h"

/* As KVM: at most this many devices (ioeventfds and zones) on one I/O bus. */
#define OKVM_IOBUS_MAX		1000
/* Entries of the coalesced ring in its one page (KVM_COALESCED_MMIO_MAX). */
#define OKVM_COALESCED_MAX \
	((PAGE_SIZE - sizeof(struct okvm_coalesced_mmio_ring)) / sizeof(struct okvm_coalesced_mmio))

/* The buses an ioeventfd can sit on; the virtio-ccw one never sees a write on x86. */
enum { OKVM_BUS_MMIO, OKVM_BUS_PIO, OKVM_BUS_CCW, OKVM_NR_BUSES };

struct okvm_irqfd_ent {
	struct list_head link;		/* ev->irqfds while active */
	struct list_head rlink;		/* ev->resamplers (RCU) while active, resamplers only */
	struct list_head dead;		/* teardown's private list */
	struct okvm_vm *vm;
	struct okvm_eventfds *ev;
	struct eventfd_ctx *ctx;
	struct eventfd_ctx *resample;	/* KVM_IRQFD_FLAG_RESAMPLE: signalled at EOI */
	u32 gsi;
	bool active;			/* on ev->irqfds; under ev->lock */
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct inject;
	struct work_struct shutdown;	/* after EPOLLHUP */
};

struct okvm_ioevent {
	struct list_head link;		/* ev->ioevents (RCU) */
	struct eventfd_ctx *ctx;
	u64 addr;
	u64 datamatch;
	u32 len;			/* 0: any length */
	int bus;
	bool wildcard;			/* no datamatch */
};

struct okvm_czone {
	struct list_head link;		/* ev->zones (RCU) */
	struct rcu_head rcu;
	u64 addr;
	u32 size;
	bool pio;
};

struct okvm_eventfds {
	struct mutex mutex;
	spinlock_t lock;
	struct list_head irqfds;
	struct list_head resamplers;
	struct list_head ioevents;
	struct list_head zones;
	int nr_dev[OKVM_NR_BUSES];
	spinlock_t ring_lock;		/* producers of the coalesced ring */
	struct workqueue_struct *wq;	/* irqfd work; made by the first irqfd */
};

int okvm_irqfd_init(struct okvm_vm *vm)
{
	struct okvm_eventfds *ev;

	ev = kzalloc(sizeof(*ev), GFP_KERNEL_ACCOUNT);
	if (!ev)
		return -ENOMEM;
	vm->coalesced_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vm->coalesced_page) {
		kfree(ev);
		return -ENOMEM;
	}
	mutex_init(&ev->mutex);
	spin_lock_init(&ev->lock);
	spin_lock_init(&ev->ring_lock);
	INIT_LIST_HEAD(&ev->irqfds);
	INIT_LIST_HEAD(&ev->resamplers);
	INIT_LIST_HEAD(&ev->ioevents);
	INIT_LIST_HEAD(&ev->zones);
	vm->evfd = ev;
	return 0;
}

/* ---- irqfd ---- */

static void irqfd_inject(struct work_struct *w)
{
	struct okvm_irqfd_ent *e = container_of(w, struct okvm_irqfd_ent, inject);

	okvm_irq_set(e->vm, e->gsi, 1);
	/* An irqfd is an edge; a resampling one stays high until the guest's EOI. */
	if (!e->resample)
		okvm_irq_set(e->vm, e->gsi, 0);
}

/*
 * Another resampling irqfd still holds @gsi. Callers hold ev->mutex, so that of two
 * resamplers going at once the second sees the first gone; EPOLLHUP may still unlink
 * entries meanwhile, hence RCU.
 */
static bool irqfd_resampler_left(struct okvm_eventfds *ev, u32 gsi)
{
	struct okvm_irqfd_ent *e;
	bool left = false;

	rcu_read_lock();
	list_for_each_entry_rcu(e, &ev->resamplers, rlink) {
		if (e->gsi == gsi) {
			left = true;
			break;
		}
	}
	rcu_read_unlock();
	return left;
}

/* Take @e off the lists; ev->lock held. */
static void irqfd_unlink(struct okvm_irqfd_ent *e)
{
	e->active = false;
	list_del(&e->link);
	if (e->resample)
		list_del_rcu(&e->rlink);
}

/* @e is off the lists: no new wakeup after this, nothing pending, its line let go. */
static void irqfd_detach(struct okvm_irqfd_ent *e, bool lower)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(e->ctx, &e->wait, &cnt);
	flush_work(&e->inject);
	if (e->resample && lower)
		okvm_irq_set(e->vm, e->gsi, 0);
}

/* Resamplers only after an RCU grace period: okvm_irqfd_resample() may be looking. */
static void irqfd_free(struct okvm_irqfd_ent *e)
{
	eventfd_ctx_put(e->ctx);
	if (e->resample)
		eventfd_ctx_put(e->resample);
	kfree(e);
}

static void irqfd_shutdown(struct work_struct *w)
{
	struct okvm_irqfd_ent *e = container_of(w, struct okvm_irqfd_ent, shutdown);
	struct okvm_eventfds *ev = e->ev;
	bool lower = false;

	if (e->resample) {
		mutex_lock(&ev->mutex);
		lower = !irqfd_resampler_left(ev, e->gsi);
		mutex_unlock(&ev->mutex);
	}
	irqfd_detach(e, lower);
	if (e->resample)
		synchronize_rcu();
	irqfd_free(e);
}

/* Under the eventfd's wait queue lock, interrupts off. */
static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct okvm_irqfd_ent *e = container_of(wait, struct okvm_irqfd_ent, wait);
	struct okvm_eventfds *ev = e->ev;
	__poll_t events = key_to_poll(key);
	unsigned long flags;
	u64 cnt;

	/* Once off the list (deassign, teardown) a signal no longer injects. */
	if ((events & EPOLLIN) && READ_ONCE(e->active)) {
		/* Consume the count (the queue lock is held, as this call wants). */
		eventfd_ctx_do_read(e->ctx, &cnt);
		queue_work(ev->wq, &e->inject);
	}
	if (events & EPOLLHUP) {
		/* The eventfd's last file went away; our reference keeps its queue alive. */
		spin_lock_irqsave(&ev->lock, flags);
		if (e->active) {
			irqfd_unlink(e);
			queue_work(ev->wq, &e->shutdown);
		}
		spin_unlock_irqrestore(&ev->lock, flags);
	}
	return 0;
}

static void irqfd_ptable(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct okvm_irqfd_ent *e = container_of(pt, struct okvm_irqfd_ent, pt);

	add_wait_queue(wqh, &e->wait);
}

static int irqfd_assign(struct okvm_vm *vm, struct okvm_eventfds *ev, const struct okvm_irqfd *a)
{
	int mode = READ_ONCE(vm->irqchip_mode);
	struct okvm_irqfd_ent *e, *o;
	struct file *file;
	__poll_t events;
	bool busy = false;
	int r;

	/* As KVM: an in-kernel irqchip is needed, and a full one for resampling. */
	if (mode == OKVM_IRQCHIP_NONE)
		return -EINVAL;
	if ((a->flags & OKVM_IRQFD_FLAG_RESAMPLE) && mode != OKVM_IRQCHIP_KERNEL)
		return -EINVAL;

	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	e->vm = vm;
	e->ev = ev;
	e->gsi = a->gsi;
	INIT_WORK(&e->inject, irqfd_inject);
	INIT_WORK(&e->shutdown, irqfd_shutdown);
	init_waitqueue_func_entry(&e->wait, irqfd_wakeup);
	init_poll_funcptr(&e->pt, irqfd_ptable);

	file = eventfd_fget(a->fd);
	if (IS_ERR(file)) {
		r = PTR_ERR(file);
		goto fail;
	}
	e->ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(e->ctx)) {
		r = PTR_ERR(e->ctx);
		e->ctx = NULL;
		goto fail_file;
	}
	if (a->flags & OKVM_IRQFD_FLAG_RESAMPLE) {
		e->resample = eventfd_ctx_fdget(a->resamplefd);
		if (IS_ERR(e->resample)) {
			r = PTR_ERR(e->resample);
			e->resample = NULL;
			goto fail_file;
		}
	}

	mutex_lock(&ev->mutex);
	if (!ev->wq) {
		ev->wq = alloc_workqueue("okvm-irqfd", WQ_UNBOUND, 0);
		if (!ev->wq) {
			mutex_unlock(&ev->mutex);
			r = -ENOMEM;
			goto fail_file;
		}
	}
	spin_lock_irq(&ev->lock);
	list_for_each_entry(o, &ev->irqfds, link)
		if (o->ctx == e->ctx)
			busy = true;
	if (!busy) {
		e->active = true;
		list_add_tail(&e->link, &ev->irqfds);
		if (e->resample)
			list_add_tail_rcu(&e->rlink, &ev->resamplers);
	}
	spin_unlock_irq(&ev->lock);
	if (busy) {
		mutex_unlock(&ev->mutex);
		r = -EBUSY;
		goto fail_file;
	}
	/* Our file reference rules out EPOLLHUP until fput() below. */
	events = vfs_poll(file, &e->pt);
	/* Signalled before we listened: inject it now. */
	if (events & EPOLLIN)
		queue_work(ev->wq, &e->inject);
	mutex_unlock(&ev->mutex);
	fput(file);
	return 0;

fail_file:
	fput(file);
fail:
	if (e->ctx)
		eventfd_ctx_put(e->ctx);
	if (e->resample)
		eventfd_ctx_put(e->resample);
	kfree(e);
	return r;
}

static int irqfd_deassign(struct okvm_vm *vm, struct okvm_eventfds *ev, const struct okvm_irqfd *a)
{
	struct okvm_irqfd_ent *e, *found = NULL;
	struct eventfd_ctx *ctx;

	ctx = eventfd_ctx_fdget(a->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	mutex_lock(&ev->mutex);
	spin_lock_irq(&ev->lock);
	list_for_each_entry(e, &ev->irqfds, link) {
		if (e->ctx == ctx && e->gsi == a->gsi) {
			irqfd_unlink(e);
			found = e;
			break;
		}
	}
	spin_unlock_irq(&ev->lock);
	if (found)
		irqfd_detach(found, !irqfd_resampler_left(ev, found->gsi));
	mutex_unlock(&ev->mutex);
	eventfd_ctx_put(ctx);
	if (found) {
		if (found->resample)
			synchronize_rcu();
		irqfd_free(found);
	}
	/* Shutdowns started by EPOLLHUP end too: no injection from them after we return. */
	if (ev->wq)
		flush_workqueue(ev->wq);
	/* KVM answers 0 for a pair it does not know; so do we. */
	return 0;
}

int okvm_irqfd(struct okvm_vm *vm, const struct okvm_irqfd *args)
{
	struct okvm_eventfds *ev = vm->evfd;

	if (!ev)
		return -EINVAL;
	if (args->flags & ~(OKVM_IRQFD_FLAG_DEASSIGN | OKVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args->flags & OKVM_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(vm, ev, args);
	return irqfd_assign(vm, ev, args);
}

/*
 * The guest acknowledged @gsi's level-triggered interrupt: each resampling irqfd of @gsi
 * lowers the line and tells userspace, which raises it again if its device still wants.
 */
void okvm_irqfd_resample(struct okvm_vm *vm, u32 gsi)
{
	struct okvm_eventfds *ev = vm->evfd;
	struct okvm_irqfd_ent *e;
	bool lowered = false;

	if (!ev)
		return;
	rcu_read_lock();
	list_for_each_entry_rcu(e, &ev->resamplers, rlink) {
		if (e->gsi != gsi)
			continue;
		if (!lowered) {
			okvm_irq_set(vm, gsi, 0);
			lowered = true;
		}
		eventfd_signal(e->resample);
	}
	rcu_read_unlock();
}

/* ---- ioeventfd ---- */

static int ioevent_bus(u32 flags)
{
	if (flags & OKVM_IOEVENTFD_FLAG_PIO)
		return OKVM_BUS_PIO;
	if (flags & OKVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY)
		return OKVM_BUS_CCW;
	return OKVM_BUS_MMIO;
}

/* As KVM: same bus and address, and either may take the other's writes. */
static bool ioevent_collides(const struct okvm_ioevent *a, const struct okvm_ioevent *b)
{
	if (a->bus != b->bus || a->addr != b->addr)
		return false;
	if (!a->len || !b->len)
		return true;
	if (a->len != b->len)
		return false;
	return a->wildcard || b->wildcard || a->datamatch == b->datamatch;
}

static int ioeventfd_assign(struct okvm_eventfds *ev, const struct okvm_ioeventfd *a)
{
	struct okvm_ioevent *p, *o;
	int r = 0;

	switch (a->len) {
	case 0: case 1: case 2: case 4: case 8:
		break;
	default:
		return -EINVAL;
	}
	if (a->addr + a->len < a->addr)
		return -EINVAL;
	if (a->flags & ~OKVM_IOEVENTFD_VALID_FLAG_MASK)
		return -EINVAL;
	/* Any length cannot go with a value to match. */
	if (!a->len && (a->flags & OKVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->ctx = eventfd_ctx_fdget(a->fd);
	if (IS_ERR(p->ctx)) {
		r = PTR_ERR(p->ctx);
		kfree(p);
		return r;
	}
	p->addr = a->addr;
	p->len = a->len;
	p->bus = ioevent_bus(a->flags);
	p->wildcard = !(a->flags & OKVM_IOEVENTFD_FLAG_DATAMATCH);
	if (!p->wildcard)
		p->datamatch = a->datamatch;

	mutex_lock(&ev->mutex);
	list_for_each_entry(o, &ev->ioevents, link) {
		if (ioevent_collides(o, p)) {
			r = -EEXIST;
			break;
		}
	}
	if (!r && ev->nr_dev[p->bus] >= OKVM_IOBUS_MAX)
		r = -ENOSPC;
	if (!r) {
		ev->nr_dev[p->bus]++;
		list_add_tail_rcu(&p->link, &ev->ioevents);
	}
	mutex_unlock(&ev->mutex);
	if (r) {
		eventfd_ctx_put(p->ctx);
		kfree(p);
	}
	return r;
}

static int ioeventfd_deassign(struct okvm_eventfds *ev, const struct okvm_ioeventfd *a)
{
	bool wildcard = !(a->flags & OKVM_IOEVENTFD_FLAG_DATAMATCH);
	int bus = ioevent_bus(a->flags);
	struct eventfd_ctx *ctx;
	struct okvm_ioevent *p, *found = NULL;

	ctx = eventfd_ctx_fdget(a->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	mutex_lock(&ev->mutex);
	list_for_each_entry(p, &ev->ioevents, link) {
		if (p->bus != bus || p->ctx != ctx || p->addr != a->addr || p->len != a->len ||
		    p->wildcard != wildcard)
			continue;
		if (!wildcard && p->datamatch != a->datamatch)
			continue;
		list_del_rcu(&p->link);
		ev->nr_dev[bus]--;
		found = p;
		break;
	}
	mutex_unlock(&ev->mutex);
	eventfd_ctx_put(ctx);
	if (!found)
		return -ENOENT;
	/* A vcpu's lookup may still be looking at it (expedited, as VMMs toggle these). */
	synchronize_rcu_expedited();
	eventfd_ctx_put(found->ctx);
	kfree(found);
	return 0;
}

int okvm_ioeventfd(struct okvm_vm *vm, const struct okvm_ioeventfd *args)
{
	struct okvm_eventfds *ev = vm->evfd;

	if (!ev)
		return -EINVAL;
	if (args->flags & OKVM_IOEVENTFD_FLAG_DEASSIGN)
		return ioeventfd_deassign(ev, args);
	return ioeventfd_assign(ev, args);
}

bool okvm_ioeventfd_write(struct okvm_vm *vm, bool pio, u64 addr, const void *data, int len)
{
	struct okvm_eventfds *ev = vm->evfd;
	int bus = pio ? OKVM_BUS_PIO : OKVM_BUS_MMIO;
	struct okvm_ioevent *p;
	bool hit = false;
	u64 val = 0;

	if (!ev || len <= 0 || len > 8)
		return false;
	memcpy(&val, data, len);	/* little-endian, zero-extended */
	rcu_read_lock();
	list_for_each_entry_rcu(p, &ev->ioevents, link) {
		if (p->bus != bus || p->addr != addr)
			continue;
		if (p->len && (p->len != len || (!p->wildcard && p->datamatch != val)))
			continue;
		eventfd_signal(p->ctx);
		hit = true;
		break;
	}
	rcu_read_unlock();
	return hit;
}

/* ---- coalesced MMIO ---- */

/* [addr, addr + len) inside the zone, without overflow. */
static bool czone_has(const struct okvm_czone *c, u64 addr, u64 len)
{
	if (addr + len < addr || addr < c->addr)
		return false;
	return addr - c->addr <= c->size && len <= c->size - (addr - c->addr);
}

int okvm_coalesced_mmio_register(struct okvm_vm *vm, const struct okvm_coalesced_mmio_zone *z)
{
	struct okvm_eventfds *ev = vm->evfd;
	struct okvm_czone *c;
	int bus, r = 0;

	if (!ev)
		return -EINVAL;
	if (z->pio != 0 && z->pio != 1)
		return -EINVAL;
	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;
	c->addr = z->addr;
	c->size = z->size;
	c->pio = z->pio;
	bus = c->pio ? OKVM_BUS_PIO : OKVM_BUS_MMIO;
	mutex_lock(&ev->mutex);
	if (ev->nr_dev[bus] >= OKVM_IOBUS_MAX) {
		r = -ENOSPC;
	} else {
		ev->nr_dev[bus]++;
		list_add_tail_rcu(&c->link, &ev->zones);
	}
	mutex_unlock(&ev->mutex);
	if (r)
		kfree(c);
	return r;
}

/* As KVM: every zone that holds the whole given range goes; none is not an error. */
int okvm_coalesced_mmio_unregister(struct okvm_vm *vm, const struct okvm_coalesced_mmio_zone *z)
{
	struct okvm_eventfds *ev = vm->evfd;
	struct okvm_czone *c, *t;

	if (!ev)
		return -EINVAL;
	if (z->pio != 0 && z->pio != 1)
		return -EINVAL;
	mutex_lock(&ev->mutex);
	list_for_each_entry_safe(c, t, &ev->zones, link) {
		if (c->pio != !!z->pio || !czone_has(c, z->addr, z->size))
			continue;
		list_del_rcu(&c->link);
		ev->nr_dev[c->pio ? OKVM_BUS_PIO : OKVM_BUS_MMIO]--;
		kfree_rcu(c, rcu);
	}
	mutex_unlock(&ev->mutex);
	return 0;
}

bool okvm_coalesced_mmio_write(struct okvm_vm *vm, bool pio, u64 addr, const void *data, int len)
{
	struct okvm_eventfds *ev = vm->evfd;
	struct okvm_coalesced_mmio_ring *ring;
	struct okvm_coalesced_mmio *ent;
	struct okvm_czone *c;
	unsigned long flags;
	bool in = false;
	u32 last;

	if (!ev || !vm->coalesced_page || len <= 0 || len > 8)
		return false;
	rcu_read_lock();
	list_for_each_entry_rcu(c, &ev->zones, link) {
		if (c->pio == pio && czone_has(c, addr, len)) {
			in = true;
			break;
		}
	}
	rcu_read_unlock();
	if (!in)
		return false;

	ring = page_address(vm->coalesced_page);
	spin_lock_irqsave(&ev->ring_lock, flags);
	/* Userspace owns 'first' and may write anything there: check, do not trust. */
	last = READ_ONCE(ring->last);
	if (last >= OKVM_COALESCED_MAX || (last + 1) % OKVM_COALESCED_MAX == READ_ONCE(ring->first)) {
		/* Full: the access exits to userspace, which drains the ring first. */
		spin_unlock_irqrestore(&ev->ring_lock, flags);
		return false;
	}
	ent = &ring->coalesced_mmio[last];
	ent->phys_addr = addr;
	ent->len = len;
	ent->pio = pio;
	memset(ent->data, 0, sizeof(ent->data));
	memcpy(ent->data, data, len);
	/* The entry before the index that publishes it. */
	smp_wmb();
	WRITE_ONCE(ring->last, (last + 1) % OKVM_COALESCED_MAX);
	spin_unlock_irqrestore(&ev->ring_lock, flags);
	return true;
}

/* ---- teardown ---- */

void okvm_irqfd_release(struct okvm_vm *vm)
{
	struct okvm_eventfds *ev = vm->evfd;
	struct okvm_irqfd_ent *e, *te;
	struct okvm_ioevent *p, *tp;
	struct okvm_czone *c, *tc;
	LIST_HEAD(dead);

	if (!ev)
		return;
	spin_lock_irq(&ev->lock);
	list_for_each_entry_safe(e, te, &ev->irqfds, link) {
		irqfd_unlink(e);
		list_add_tail(&e->dead, &dead);
	}
	spin_unlock_irq(&ev->lock);
	list_for_each_entry(e, &dead, dead)
		irqfd_detach(e, true);
	/* Shutdowns queued by EPOLLHUP finish here. */
	if (ev->wq)
		destroy_workqueue(ev->wq);
	synchronize_rcu();
	list_for_each_entry_safe(e, te, &dead, dead)
		irqfd_free(e);

	/* No vcpu runs any more, and the grace period above covered the lookups. */
	list_for_each_entry_safe(p, tp, &ev->ioevents, link) {
		list_del(&p->link);
		eventfd_ctx_put(p->ctx);
		kfree(p);
	}
	list_for_each_entry_safe(c, tc, &ev->zones, link) {
		list_del(&c->link);
		kfree(c);
	}
	/* kfree_rcu() of earlier zone unregisters does not need ev. */
	if (vm->coalesced_page) {
		__free_page(vm->coalesced_page);
		vm->coalesced_page = NULL;
	}
	vm->evfd = NULL;
	kfree(ev);
}
