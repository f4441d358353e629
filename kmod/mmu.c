// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nested page tables built on demand from the memory slots.
 *
 * Host pages are not pinned: a fault takes a page reference only while it installs the
 * translation, and an MMU notifier removes translations before the host unmaps, swaps,
 * migrates or frees the page (the mmu_seq/mmu_in_progress pair closes the race between
 * looking a page up and installing it). So munmap, swap and migration stay correct.
 *
 * One walker, two entry formats (struct pt_format): AMD NPT uses the x86-64 long-mode
 * format and walks with the host's paging mode, so its tables have 5 levels when the host
 * runs with LA57 (only entry 0 of the top level is used: guests get 48 bits); nested
 * accesses count as user accesses, so every entry carries U. Intel EPT has its own bits
 * (read, write, execute, memory type) and okvm uses its 4-level walk.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <asm/io.h>

#include "okvm.h"

/* NPT entries (AMD APM vol. 2, 5.3 and 15.25) */
#define PTE_P		BIT_ULL(0)
#define PTE_W		BIT_ULL(1)
#define PTE_U		BIT_ULL(2)
#define PTE_A		BIT_ULL(5)
#define PTE_D		BIT_ULL(6)
/* EPT entries (Intel SDM vol. 3C, 29.3.2): permissions, and the memory type of a leaf. */
#define EPT_R		BIT_ULL(0)
#define EPT_W		BIT_ULL(1)
#define EPT_X		BIT_ULL(2)
#define EPT_MT_WB	(6ULL << 3)
#define PTE_ADDR	0x000ffffffffff000ULL
#define PT_ENTRIES	512

struct pt_format {
	u64 present;		/* any of these bits set: the entry is in use */
	u64 table;		/* bits of an entry pointing to a table */
	u64 leaf;		/* bits of a leaf readable and executable by the guest */
	u64 write;		/* what makes a leaf writable */
	u64 dirty;		/* set with write, so the hardware does not have to */
	bool host_levels;	/* walk as deep as the host's paging (NPT), else 4 levels */
};

static const struct pt_format pt_npt = {
	.present = PTE_P,
	.table = PTE_P | PTE_W | PTE_U | PTE_A,
	.leaf = PTE_P | PTE_U | PTE_A,
	.write = PTE_W,
	.dirty = PTE_D,
	.host_levels = true,
};

static const struct pt_format pt_ept = {
	.present = EPT_R | EPT_W | EPT_X,
	.table = EPT_R | EPT_W | EPT_X,
	.leaf = EPT_R | EPT_X | EPT_MT_WB,
	.write = EPT_W,
};

/* The backend chosen at load time decides the format. */
static const struct pt_format *pt_fmt(void)
{
	return okvm_hv == &vmx_hv_ops ? &pt_ept : &pt_npt;
}

static inline int pt_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static inline u64 *pt_table(u64 pte)
{
	return phys_to_virt(pte & PTE_ADDR);
}

/* NPT uses the host's paging mode at VMRUN; EPT has the depth the EPTP gives (4). */
static int pt_levels(void)
{
	return pt_fmt()->host_levels && pgtable_l5_enabled() ? 5 : 4;
}

phys_addr_t okvm_mmu_root(struct okvm_vm *vm)
{
	return virt_to_phys(vm->root);
}

/*
 * Remove (or write-protect) leaf translations in [start, end). Caller holds mmu_lock.
 * Returns true when something changed and guest TLBs need a flush.
 */
static bool pt_zap(u64 *table, int level, u64 base, u64 start, u64 end, bool wrprot)
{
	const struct pt_format *f = pt_fmt();
	u64 span = 1ULL << (PAGE_SHIFT + 9 * (level - 1));
	bool changed = false;
	int i, first, last;

	/* Only the entries that overlap the range: small zaps stay cheap. */
	first = start > base ? (start - base) / span : 0;
	last = min_t(u64, (end - 1 - base) / span, PT_ENTRIES - 1);
	for (i = first; i <= last; i++) {
		u64 lo = base + i * span, hi = lo + span;

		if (hi <= start || lo >= end || !(table[i] & f->present))
			continue;
		if (level > 1) {
			changed |= pt_zap(pt_table(table[i]), level - 1, lo, start, end, wrprot);
		} else if (wrprot) {
			if (table[i] & f->write) {
				table[i] &= ~(f->write | f->dirty);
				changed = true;
			}
		} else {
			table[i] = 0;
			changed = true;
		}
	}
	return changed;
}

bool okvm_mmu_zap(struct okvm_vm *vm, u64 start, u64 end, bool wrprot)
{
	lockdep_assert_held(&vm->mmu_lock);
	if (start >= (1ULL << OKVM_GPA_BITS))
		return false;
	return pt_zap(vm->root, pt_levels(), 0, start, min(end, 1ULL << OKVM_GPA_BITS), wrprot);
}

static void pt_free(u64 *table, int level)
{
	int i;

	if (level > 1)
		for (i = 0; i < PT_ENTRIES; i++)
			if (table[i] & pt_fmt()->present)
				pt_free(pt_table(table[i]), level - 1);
	free_page((unsigned long)table);
}

/* Table pages are allocated before mmu_lock is taken. */
static int okvm_mmu_topup(struct okvm_vcpu *vcpu)
{
	while (vcpu->nmmu_cache < OKVM_MMU_CACHE) {
		struct page *p = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

		if (!p)
			return -ENOMEM;
		vcpu->mmu_cache[vcpu->nmmu_cache++] = p;
	}
	return 0;
}

void okvm_mmu_cache_free(struct okvm_vcpu *vcpu)
{
	while (vcpu->nmmu_cache)
		__free_page(vcpu->mmu_cache[--vcpu->nmmu_cache]);
}

/* The leaf entry for @gpa, creating tables from the vcpu's cache. Caller holds mmu_lock. */
static u64 *pt_leaf(struct okvm_vcpu *vcpu, u64 gpa)
{
	u64 *table = vcpu->vm->root;
	int level;

	for (level = pt_levels(); level > 1; level--) {
		u64 *e = &table[pt_index(gpa, level)];

		if (!(*e & pt_fmt()->present)) {
			struct page *p = vcpu->mmu_cache[--vcpu->nmmu_cache];

			*e = page_to_phys(p) | pt_fmt()->table;
		}
		table = pt_table(*e);
	}
	return &table[pt_index(gpa, 1)];
}

/*
 * Handle a nested page fault. Sets *mmio when no slot backs @gpa (or the slot is
 * read-only and this is a write): the caller emulates the access.
 */
int okvm_mmu_fault(struct okvm_vcpu *vcpu, u64 gpa, bool write, bool *mmio)
{
	struct okvm_vm *vm = vcpu->vm;
	struct okvm_memslot *s;
	unsigned long seq;
	struct page *page;
	bool want_write, map_write, log;
	u64 hva, pfn;
	long n;
	int r;

	*mmio = false;
	if (gpa >= (1ULL << OKVM_GPA_BITS)) {
		*mmio = true;
		return 0;
	}
retry:
	spin_lock(&vm->mmu_lock);
	s = okvm_slot_find(vm, gpa);
	if (!s || (write && (s->flags & OKVM_MEM_READONLY))) {
		spin_unlock(&vm->mmu_lock);
		*mmio = true;
		return 0;
	}
	hva = s->hva + ((gpa & PAGE_MASK) - s->gpa);
	want_write = !(s->flags & OKVM_MEM_READONLY);
	log = s->dirty != NULL;
	seq = vm->mmu_seq;
	spin_unlock(&vm->mmu_lock);
	smp_rmb();

	/* Ask for a writable page when the slot allows it; a read fault may settle for less. */
	n = get_user_pages_unlocked(hva, 1, &page, want_write ? FOLL_WRITE : 0);
	if (n != 1 && want_write && !write) {
		want_write = false;
		n = get_user_pages_unlocked(hva, 1, &page, 0);
	}
	if (n != 1)
		return n < 0 ? (int)n : -EFAULT;
	/* With dirty logging, a read maps read-only so that the first write is seen. */
	map_write = want_write && (write || !log);

	r = okvm_mmu_topup(vcpu);
	if (r) {
		put_page(page);
		return r;
	}
	spin_lock(&vm->mmu_lock);
	if (vm->mmu_in_progress || vm->mmu_seq != seq) {
		/* The host changed the mapping meanwhile: look again. */
		spin_unlock(&vm->mmu_lock);
		put_page(page);
		cond_resched();
		goto retry;
	}
	pfn = page_to_pfn(page);
	*pt_leaf(vcpu, gpa) = ((u64)pfn << PAGE_SHIFT) | pt_fmt()->leaf |
			      (map_write ? pt_fmt()->write | pt_fmt()->dirty : 0);
	if (map_write && log) {
		s = okvm_slot_find(vm, gpa);
		if (s && s->dirty)
			set_bit((gpa - s->gpa) >> PAGE_SHIFT, s->dirty);
	}
	spin_unlock(&vm->mmu_lock);
	if (map_write)
		set_page_dirty_lock(page);
	put_page(page);
	return 0;
}

/* Zap the guest-physical ranges that map host addresses [start, end). Caller holds mmu_lock. */
static bool okvm_mmu_zap_hva(struct okvm_vm *vm, unsigned long start, unsigned long end)
{
	bool flush = false;
	int i;

	for (i = 0; i < OKVM_MAX_SLOTS; i++) {
		struct okvm_memslot *s = &vm->slots[i];
		u64 lo, hi;

		if (!s->used || end <= s->hva || start >= s->hva + s->size)
			continue;
		lo = max_t(u64, start, s->hva);
		hi = min_t(u64, end, s->hva + s->size);
		flush |= okvm_mmu_zap(vm, s->gpa + (lo - s->hva), s->gpa + (hi - s->hva), false);
	}
	return flush;
}

static int okvm_mn_invalidate_start(struct mmu_notifier *mn, const struct mmu_notifier_range *range)
{
	struct okvm_vm *vm = container_of(mn, struct okvm_vm, mn);
	bool flush;

	spin_lock(&vm->mmu_lock);
	vm->mmu_in_progress++;
	vm->mmu_seq++;
	flush = okvm_mmu_zap_hva(vm, range->start, range->end);
	spin_unlock(&vm->mmu_lock);
	if (flush)
		okvm_vm_flush_tlbs(vm);
	return 0;
}

static void okvm_mn_invalidate_end(struct mmu_notifier *mn, const struct mmu_notifier_range *range)
{
	struct okvm_vm *vm = container_of(mn, struct okvm_vm, mn);

	spin_lock(&vm->mmu_lock);
	vm->mmu_seq++;
	vm->mmu_in_progress--;
	spin_unlock(&vm->mmu_lock);
}

/* The address space goes away (process exit): drop every translation. */
static void okvm_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct okvm_vm *vm = container_of(mn, struct okvm_vm, mn);
	bool flush;

	spin_lock(&vm->mmu_lock);
	vm->mmu_seq++;
	flush = okvm_mmu_zap(vm, 0, 1ULL << OKVM_GPA_BITS, false);
	spin_unlock(&vm->mmu_lock);
	if (flush)
		okvm_vm_flush_tlbs(vm);
}

static const struct mmu_notifier_ops okvm_mn_ops = {
	.invalidate_range_start = okvm_mn_invalidate_start,
	.invalidate_range_end = okvm_mn_invalidate_end,
	.release = okvm_mn_release,
};

int okvm_mmu_init(struct okvm_vm *vm)
{
	vm->root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vm->root)
		return -ENOMEM;
	vm->mn.ops = &okvm_mn_ops;
	return 0;
}

void okvm_mmu_destroy(struct okvm_vm *vm)
{
	if (vm->root)
		pt_free(vm->root, pt_levels());
	vm->root = NULL;
}
