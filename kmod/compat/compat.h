/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The only place where okvm deals with kernel API differences between 6.1 and 7.2.
 * Main code is written against the newest API; this header supplies it on older kernels.
 * Every block tests a feature probed by the build (compat/probes/, compat/symbols.list),
 * never a version number, and names the kernel change it tracks.
 *
 * Rules for the rest of kmod/: include "compat/compat.h" (okvm.h does) instead of the
 * headers named below when using these APIs; never test LINUX_VERSION_CODE.
 */
#ifndef OKVM_COMPAT_H
#define OKVM_COMPAT_H

/* Generated per kernel by compat/probe.sh into the build directory (compat/gen). */
#include "okvm_probes.h"

#include <linux/types.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/hrtimer.h>
#include <linux/timer.h>
#include <asm/msr.h>

/* Linux 6.16 moved cpuid_eax() and friends out of asm/processor.h into asm/cpuid/api.h. */
#ifdef OKVM_HAVE_ASM_CPUID_API_H
#include <asm/cpuid/api.h>
#else
#include <asm/processor.h>
#endif

/* Linux 6.12 moved asm/unaligned.h to linux/unaligned.h (the old one went in 6.13). */
#ifdef OKVM_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* Linux 6.8: eventfd_signal(ctx) lost its count argument. */
#ifndef OKVM_HAVE_EVENTFD_SIGNAL_NO_COUNT
static inline void okvm_compat_eventfd_signal(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx, 1);
}
#define eventfd_signal(ctx) okvm_compat_eventfd_signal(ctx)
#endif

/* Linux 6.13: hrtimer_setup() sets the callback at init; hrtimer_init() went in 6.15. */
#ifndef OKVM_HAVE_HRTIMER_SETUP
static inline void hrtimer_setup(struct hrtimer *timer,
				 enum hrtimer_restart (*function)(struct hrtimer *),
				 clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

/* Linux 6.16: from_timer() was renamed timer_container_of(). */
#ifndef OKVM_HAVE_TIMER_CONTAINER_OF
#define timer_container_of(var, timer, field) from_timer(var, timer, field)
#endif

/* Linux 6.4: class_create() lost its owner argument. */
#ifndef OKVM_HAVE_CLASS_CREATE_NO_OWNER
static inline struct class *okvm_compat_class_create(const char *name)
{
	return class_create(THIS_MODULE, name);
}
#undef class_create
#define class_create(name) okvm_compat_class_create(name)
#endif

/* Linux 6.13: MODULE_IMPORT_NS() takes a string literal instead of a bare token. */
#ifdef OKVM_HAVE_MODULE_IMPORT_NS_TOKEN
#undef MODULE_IMPORT_NS
#define MODULE_IMPORT_NS(ns) MODULE_INFO(import_ns, ns)
#endif

/* Linux 6.3: vm_flags became read-only outside mm; use vm_flags_set()/clear(). */
#ifndef OKVM_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/* Linux 6.5: get_user_pages() and pin_user_pages() lost the vmas argument. */
#ifndef OKVM_HAVE_GUP_NO_VMAS
static inline long okvm_compat_get_user_pages(unsigned long start, unsigned long nr_pages,
					      unsigned int gup_flags, struct page **pages)
{
	return get_user_pages(start, nr_pages, gup_flags, pages, NULL);
}

static inline long okvm_compat_pin_user_pages(unsigned long start, unsigned long nr_pages,
					      unsigned int gup_flags, struct page **pages)
{
	return pin_user_pages(start, nr_pages, gup_flags, pages, NULL);
}
#define get_user_pages(start, nr, flags, pages) okvm_compat_get_user_pages(start, nr, flags, pages)
#define pin_user_pages(start, nr, flags, pages) okvm_compat_pin_user_pages(start, nr, flags, pages)
#endif

/*
 * Linux 6.12: follow_pfnmap_start()/end() replaced follow_pte() for PFNs of
 * VM_IO/VM_PFNMAP mappings. The fallback keeps the same contract: mmap lock
 * held by the caller, the page table lock held between start and end.
 * follow_pte() took the mm before 6.10 and the vma since.
 */
#ifndef OKVM_HAVE_FOLLOW_PFNMAP
#if !defined(OKVM_EXPORTED_follow_pte)
#define OKVM_COMPAT_NO_FOLLOW_PFNMAP 1	/* neither API is exported: callers must cope */
#else
struct follow_pfnmap_args {
	struct vm_area_struct *vma;	/* in */
	unsigned long address;		/* in */
	spinlock_t *lock;		/* internal */
	pte_t *ptep;			/* internal */
	unsigned long pfn;		/* out */
	bool writable;			/* out */
	bool special;			/* out */
};

static inline int follow_pfnmap_start(struct follow_pfnmap_args *args)
{
	pte_t pte;
	int r;

#ifdef OKVM_HAVE_FOLLOW_PTE_VMA
	r = follow_pte(args->vma, args->address, &args->ptep, &args->lock);
#else
	r = follow_pte(args->vma->vm_mm, args->address, &args->ptep, &args->lock);
#endif
	if (r)
		return r;
	pte = ptep_get(args->ptep);
	args->pfn = pte_pfn(pte);
	args->writable = pte_write(pte);
	args->special = pte_special(pte);
	return 0;
}

static inline void follow_pfnmap_end(struct follow_pfnmap_args *args)
{
	pte_unmap_unlock(args->ptep, args->lock);
}
#endif
#endif

/* Linux 6.16: the 64-bit MSR accessors were renamed from *msrl* to *msrq*. */
#ifndef OKVM_HAVE_RDMSRQ
#define rdmsrq(msr, val)		rdmsrl(msr, val)
#define wrmsrq(msr, val)		wrmsrl(msr, val)
#define rdmsrq_safe(msr, p)		rdmsrl_safe(msr, p)
#define wrmsrq_safe(msr, val)		wrmsrl_safe(msr, val)
#define rdmsrq_on_cpu(cpu, msr, p)	rdmsrl_on_cpu(cpu, msr, p)
#define wrmsrq_on_cpu(cpu, msr, val)	wrmsrl_on_cpu(cpu, msr, val)
#endif

/*
 * Exports okvm cannot do without. A kernel that narrows one of them (as 6.19
 * did for the guest FPU API with EXPORT_SYMBOL_FOR_KVM) must fail here with a
 * message, not at modpost or load time.
 */
#ifndef OKVM_EXPORTED_kernel_fpu_begin_mask
#error "okvm: this kernel does not export kernel_fpu_begin_mask to modules; okvm needs it to save guest FPU state"
#endif

/*
 * The kernel's own guest FPU switch, CR4 shadow and VMX/SVM reference count
 * are for the kvm modules only from about 6.19. Code may use them only under
 * these macros and must work without them.
 */
#if defined(OKVM_EXPORTED_fpu_swap_kvm_fpstate) && defined(OKVM_EXPORTED_switch_fpu_return)
#define OKVM_COMPAT_KERNEL_GUEST_FPU 1
#endif
#ifdef OKVM_EXPORTED_cr4_read_shadow
#define OKVM_COMPAT_CR4_SHADOW 1
#endif

#endif
