// SPDX-License-Identifier: GPL-2.0-only
/* VM fd: memory slots, vcpu creation, TLB shootdown, guest-physical memory access. */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/smp.h>

#include "okvm.h"
#include "hv.h"
#include "x86/irqchip.h"

static const struct file_operations okvm_vm_fops;

void okvm_vm_put(struct okvm_vm *vm)
{
	int i;

	if (!refcount_dec_and_test(&vm->users))
		return;
	/* First the notifier: its callbacks walk vcpus[]; none is in flight after this. */
	if (vm->mn_registered)
		mmu_notifier_unregister(&vm->mn, vm->mm);
	okvm_irqchip_vm_stop(vm);
	/* APIC deliveries may have sent kick IPIs that name these vcpus. */
	if (vm->irqchip_mode != OKVM_IRQCHIP_NONE)
		okvm_vcpus_kick_flush();
	for (i = 0; i < vm->nr_vcpus; i++)
		okvm_vcpu_free(vm->vcpus[i]);
	okvm_irqchip_vm_destroy(vm);
	okvm_mmu_destroy(vm);
	for (i = 0; i < OKVM_MAX_SLOTS; i++)
		kvfree(vm->slots[i].dirty);
	mmdrop(vm->mm);
	kfree(vm);
}

static void okvm_noop(void *unused)
{
}

/*
 * Make every vcpu flush its guest TLB before it enters the guest again, and wait until
 * the ones in the guest right now have left it: they take the IPI only after #VMEXIT.
 */
void okvm_vm_flush_tlbs(struct okvm_vm *vm)
{
	int i, n = READ_ONCE(vm->nr_vcpus);

	smp_rmb();
	vm->stat.remote_tlb_flush++;
	for (i = 0; i < n; i++)
		set_bit(OKVM_REQ_TLB_FLUSH, &vm->vcpus[i]->requests);
	smp_mb();
	for (i = 0; i < n; i++) {
		struct okvm_vcpu *v = vm->vcpus[i];

		if (READ_ONCE(v->mode) == OKVM_IN_GUEST)
			smp_call_function_single(READ_ONCE(v->cpu), okvm_noop, NULL, 1);
	}
}

/* Caller holds mmu_lock. */
struct okvm_memslot *okvm_slot_find(struct okvm_vm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < OKVM_MAX_SLOTS; i++) {
		struct okvm_memslot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

/* Copy to or from guest-physical memory through the slot's user mapping. */
static int okvm_guest_copy(struct okvm_vm *vm, u64 gpa, void *buf, unsigned int len, bool write)
{
	while (len) {
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - offset_in_page(gpa));
		struct okvm_memslot *s;
		u64 hva;
		bool ro;
		unsigned long *dirty;
		u64 page;

		spin_lock(&vm->mmu_lock);
		s = okvm_slot_find(vm, gpa);
		if (!s) {
			spin_unlock(&vm->mmu_lock);
			return -ENOENT;
		}
		hva = s->hva + (gpa - s->gpa);
		ro = s->flags & OKVM_MEM_READONLY;
		dirty = s->dirty;
		page = (gpa - s->gpa) >> PAGE_SHIFT;
		if (write && dirty && !ro)
			set_bit(page, dirty);
		spin_unlock(&vm->mmu_lock);
		if (write) {
			if (ro)
				return -EPERM;
			if (copy_to_user((void __user *)hva, buf, n))
				return -EFAULT;
		} else {
			if (copy_from_user(buf, (void __user *)hva, n))
				return -EFAULT;
		}
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int okvm_read_guest(struct okvm_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	return okvm_guest_copy(vm, gpa, buf, len, false);
}

int okvm_write_guest(struct okvm_vm *vm, u64 gpa, const void *buf, unsigned int len)
{
	return okvm_guest_copy(vm, gpa, (void *)buf, len, true);
}

/* KVM's rules for KVM_SET_USER_MEMORY_REGION. */
static int okvm_set_memory_region(struct okvm_vm *vm, struct okvm_userspace_memory_region *m)
{
	struct okvm_memslot *s, old;
	unsigned long *dirty = NULL;
	u64 npages;
	bool flush;
	int i;

	if (m->flags & ~(OKVM_MEM_LOG_DIRTY_PAGES | OKVM_MEM_READONLY))
		return -EINVAL;
	if ((m->slot >> 16) != 0 || (m->slot & 0xffff) >= OKVM_MAX_SLOTS)
		return -EINVAL;
	if ((m->memory_size & (PAGE_SIZE - 1)) || (m->guest_phys_addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	/* The address must be page aligned; checking the range here as KVM does. */
	if ((m->userspace_addr & (PAGE_SIZE - 1)) ||
	    (m->memory_size && !access_ok((void __user *)(unsigned long)m->userspace_addr, m->memory_size)))
		return -EINVAL;
	if (m->guest_phys_addr + m->memory_size < m->guest_phys_addr)
		return -EINVAL;
	/* As KVM: a slot the nested page tables cannot map is refused, not accepted and unusable. */
	if (m->guest_phys_addr + m->memory_size > (1ULL << OKVM_GPA_BITS))
		return -EINVAL;
	npages = m->memory_size >> PAGE_SHIFT;
	if (npages > (1ULL << 31))
		return -EINVAL;

	mutex_lock(&vm->lock);
	s = &vm->slots[m->slot];
	if (!m->memory_size) {
		/* Delete; as in KVM, deleting an unused slot is an error. */
		if (!s->used) {
			mutex_unlock(&vm->lock);
			return -EINVAL;
		}
	} else if (s->used) {
		/* Change: only flags or base may change, the size and host address may not. */
		if (m->memory_size != s->size || m->userspace_addr != s->hva ||
		    ((m->flags ^ s->flags) & OKVM_MEM_READONLY)) {
			mutex_unlock(&vm->lock);
			return -EINVAL;
		}
	}
	if (m->memory_size) {
		for (i = 0; i < OKVM_MAX_SLOTS; i++) {
			struct okvm_memslot *o = &vm->slots[i];

			if (i == m->slot || !o->used)
				continue;
			if (m->guest_phys_addr < o->gpa + o->size &&
			    o->gpa < m->guest_phys_addr + m->memory_size) {
				mutex_unlock(&vm->lock);
				return -EEXIST;
			}
		}
		if (m->flags & OKVM_MEM_LOG_DIRTY_PAGES) {
			if (s->used && s->dirty) {
				dirty = s->dirty;
			} else {
				dirty = kvzalloc(BITS_TO_LONGS(npages) * sizeof(long), GFP_KERNEL_ACCOUNT);
				if (!dirty) {
					mutex_unlock(&vm->lock);
					return -ENOMEM;
				}
			}
		}
	}

	spin_lock(&vm->mmu_lock);
	old = *s;
	if (m->memory_size) {
		s->used = true;
		s->id = m->slot;
		s->flags = m->flags;
		s->gpa = m->guest_phys_addr;
		s->size = m->memory_size;
		s->hva = m->userspace_addr;
		s->dirty = dirty;
	} else {
		memset(s, 0, sizeof(*s));
	}
	vm->mmu_seq++;
	/* Old translations of the slot go: moved, deleted, or now logged/readonly. */
	flush = old.used && okvm_mmu_zap(vm, old.gpa, old.gpa + old.size, false);
	spin_unlock(&vm->mmu_lock);
	if (flush)
		okvm_vm_flush_tlbs(vm);
	if (old.dirty && old.dirty != dirty)
		kvfree(old.dirty);
	mutex_unlock(&vm->lock);
	return 0;
}

static int okvm_get_dirty_log(struct okvm_vm *vm, struct okvm_dirty_log *log)
{
	struct okvm_memslot *s;
	unsigned long *copy, npages, i, j;
	size_t bytes;
	bool flush;
	int r;

	if ((log->slot >> 16) != 0 || (log->slot & 0xffff) >= OKVM_MAX_SLOTS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	s = &vm->slots[log->slot];
	r = -ENOENT;
	if (!s->used || !s->dirty)
		goto out;
	bytes = BITS_TO_LONGS(s->size >> PAGE_SHIFT) * sizeof(long);
	r = -ENOMEM;
	copy = kvmalloc(bytes, GFP_KERNEL);
	if (!copy)
		goto out;
	npages = s->size >> PAGE_SHIFT;
	flush = false;
	spin_lock(&vm->mmu_lock);
	memcpy(copy, s->dirty, bytes);
	memset(s->dirty, 0, bytes);
	/*
	 * While logging, only a write fault makes a translation writable, and it marks the
	 * page: so only pages in this log can be writable. Write-protect those, run by run,
	 * instead of walking the whole slot; their next write faults and marks them again.
	 */
	for (i = find_first_bit(copy, npages); i < npages; i = find_next_bit(copy, npages, j)) {
		j = find_next_zero_bit(copy, npages, i);
		flush |= okvm_mmu_zap(vm, s->gpa + ((u64)i << PAGE_SHIFT),
				      s->gpa + ((u64)j << PAGE_SHIFT), true);
	}
	spin_unlock(&vm->mmu_lock);
	if (flush)
		okvm_vm_flush_tlbs(vm);
	r = copy_to_user(log->dirty_bitmap, copy, bytes) ? -EFAULT : 0;
	kvfree(copy);
out:
	mutex_unlock(&vm->lock);
	return r;
}

static u64 okvm_clock_host(void)
{
	return ktime_get_raw_ns();
}

static noinline_for_stack long okvm_get_clock(struct okvm_vm *vm, void __user *argp)
{
	struct okvm_clock_data d;

	memset(&d, 0, sizeof(d));
	d.clock = okvm_clock_host() + READ_ONCE(vm->clock_offset);
	d.realtime = ktime_get_real_ns();
	d.host_tsc = rdtsc();
	d.flags = OKVM_CLOCK_REALTIME | OKVM_CLOCK_HOST_TSC;
	return copy_to_user(argp, &d, sizeof(d)) ? -EFAULT : 0;
}

/* With KVM_CLOCK_REALTIME the time that passed since @realtime is added, as in KVM. */
static noinline_for_stack long okvm_set_clock(struct okvm_vm *vm, void __user *argp)
{
	struct okvm_clock_data d;
	u64 now, target;

	if (copy_from_user(&d, argp, sizeof(d)))
		return -EFAULT;
	if (d.flags & ~(u32)OKVM_CLOCK_REALTIME)
		return -EINVAL;
	target = d.clock;
	if (d.flags & OKVM_CLOCK_REALTIME) {
		u64 real = ktime_get_real_ns();

		if (real > d.realtime)
			target += real - d.realtime;
	}
	now = okvm_clock_host();
	WRITE_ONCE(vm->clock_offset, (s64)(target - now));
	return 0;
}

/* KVM_ENABLE_CAP on the VM fd: only what okvm_check_extension reports as such. */
static long okvm_vm_enable_cap(struct okvm_vm *vm, const struct okvm_enable_cap *c)
{
	if (c->flags)
		return -EINVAL;
	switch (c->cap) {
	case OKVM_CAP_SPLIT_IRQCHIP:
		return okvm_irqchip_enable_split(vm, c->args[0]);
	case OKVM_CAP_MAX_VCPU_ID: {
		long r = -EINVAL;

		/* As KVM: once, before any vcpu, at most the supported bound; again with the same value is fine. */
		if (c->args[0] > OKVM_MAX_VCPU_ID)
			return -EINVAL;
		mutex_lock(&vm->lock);
		if (vm->max_vcpu_id == c->args[0]) {
			r = 0;
		} else if (!vm->max_vcpu_id && !vm->nr_vcpus) {
			vm->max_vcpu_id = c->args[0];
			r = 0;
		}
		mutex_unlock(&vm->lock);
		return r;
	}
	default:
		return -EINVAL;
	}
}

static long okvm_vm_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct okvm_vm *vm = f->private_data;
	void __user *argp = (void __user *)arg;

	/* A VM belongs to the process that created it. */
	if (current->mm != vm->mm)
		return -EIO;

	switch (cmd) {
	case OKVM_SET_USER_MEMORY_REGION: {
		struct okvm_userspace_memory_region m;

		if (copy_from_user(&m, argp, sizeof(m)))
			return -EFAULT;
		return okvm_set_memory_region(vm, &m);
	}
	case OKVM_GET_DIRTY_LOG: {
		struct okvm_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return okvm_get_dirty_log(vm, &log);
	}
	case OKVM_CREATE_VCPU:
		return okvm_vcpu_create(vm, arg);
	case OKVM_SET_TSS_ADDR:
		/* Only VMX needs the real-mode TSS; SVM ignores it. Three pages below 4 GiB, as KVM. */
		if (arg > 0xffffd000UL)
			return -EINVAL;
		vm->tss_addr = arg;
		return 0;
	case OKVM_SET_IDENTITY_MAP_ADDR: {
		u64 a;

		if (copy_from_user(&a, argp, sizeof(a)))
			return -EFAULT;
		mutex_lock(&vm->lock);
		if (vm->nr_vcpus) {
			mutex_unlock(&vm->lock);
			return -EINVAL;
		}
		vm->identity_map_addr = a;
		mutex_unlock(&vm->lock);
		return 0;
	}
	case OKVM_CHECK_EXTENSION:
		return okvm_check_extension(vm, arg);
	case OKVM_SET_BOOT_CPU_ID: {
		long r = 0;

		/* As KVM: before any vcpu exists. */
		if (arg >= OKVM_MAX_VCPU_ID)
			return -EINVAL;
		mutex_lock(&vm->lock);
		if (vm->nr_vcpus)
			r = -EBUSY;
		else
			vm->bsp_id = arg;
		mutex_unlock(&vm->lock);
		return r;
	}
	case OKVM_SET_USER_MEMORY_REGION2: {
		struct okvm_userspace_memory_region2 m2;
		struct okvm_userspace_memory_region m;

		if (copy_from_user(&m2, argp, sizeof(m2)))
			return -EFAULT;
		/* No guest_memfd: its flag and fields must be unused, as KVM wants of pads. */
		if ((m2.flags & OKVM_MEM_GUEST_MEMFD) || m2.guest_memfd_offset || m2.guest_memfd ||
		    m2.pad1 || memchr_inv(m2.pad2, 0, sizeof(m2.pad2)))
			return -EINVAL;
		m.slot = m2.slot;
		m.flags = m2.flags;
		m.guest_phys_addr = m2.guest_phys_addr;
		m.memory_size = m2.memory_size;
		m.userspace_addr = m2.userspace_addr;
		return okvm_set_memory_region(vm, &m);
	}
	case OKVM_ENABLE_CAP: {
		struct okvm_enable_cap c;

		if (copy_from_user(&c, argp, sizeof(c)))
			return -EFAULT;
		return okvm_vm_enable_cap(vm, &c);
	}
	case OKVM_GET_STATS_FD:
		return okvm_vm_stats_fd(vm);
	case OKVM_GET_CLOCK:
		return okvm_get_clock(vm, argp);
	case OKVM_SET_CLOCK:
		return okvm_set_clock(vm, argp);
	default:
		return okvm_irqchip_vm_ioctl(vm, cmd, argp);
	}
}

static int okvm_vm_release(struct inode *inode, struct file *f)
{
	okvm_vm_put(f->private_data);
	return 0;
}

static const struct file_operations okvm_vm_fops = {
	.owner = THIS_MODULE,
	.release = okvm_vm_release,
	.unlocked_ioctl = okvm_vm_ioctl,
	.llseek = noop_llseek,
};

int okvm_vm_create(unsigned long type)
{
	struct okvm_vm *vm;
	int r, fd;

	if (type != 0)
		return -EINVAL;
	r = okvm_hv->vm_check();
	if (r)
		return r;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	refcount_set(&vm->users, 1);
	mutex_init(&vm->lock);
	spin_lock_init(&vm->mmu_lock);
	vm->mm = current->mm;
	mmgrab(vm->mm);
	/* The guest clock starts at 0. */
	vm->clock_offset = -(s64)okvm_clock_host();
	r = okvm_mmu_init(vm);
	if (r)
		goto fail;
	r = mmu_notifier_register(&vm->mn, vm->mm);
	if (r)
		goto fail;
	vm->mn_registered = true;
	r = okvm_irqfd_init(vm);
	if (r)
		goto fail;
	fd = anon_inode_getfd("okvm-vm", &okvm_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto fail;
	}
	return fd;
fail:
	okvm_vm_put(vm);
	return r;
}
