// SPDX-License-Identifier: GPL-2.0-only
/* Build-only test: every API compat.h supplies, used as the newest kernel spells it. */
#include "compat/compat.h"

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("okvm compat.h build test (never loaded)");
/* The matrix checks that modinfo shows exactly this, without quotes. */
MODULE_IMPORT_NS("OKVM_COMPAT_TEST");

struct okvm_ct_obj {
	struct timer_list timer;
	struct hrtimer hrtimer;
	int fired;
};

static void okvm_ct_timer_fn(struct timer_list *t)
{
	struct okvm_ct_obj *o = timer_container_of(o, t, timer);

	o->fired++;
}

static enum hrtimer_restart okvm_ct_hrtimer_fn(struct hrtimer *t)
{
	return HRTIMER_NORESTART;
}

void okvm_ct_timers(struct okvm_ct_obj *o);
void okvm_ct_timers(struct okvm_ct_obj *o)
{
	timer_setup(&o->timer, okvm_ct_timer_fn, 0);
	hrtimer_setup(&o->hrtimer, okvm_ct_hrtimer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
}

void okvm_ct_eventfd(struct eventfd_ctx *ctx);
void okvm_ct_eventfd(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx);
}

struct class *okvm_ct_class(void);
struct class *okvm_ct_class(void)
{
	return class_create("okvm_ct");
}

void okvm_ct_vma(struct vm_area_struct *vma);
void okvm_ct_vma(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND);
	vm_flags_clear(vma, VM_MAYWRITE);
}

long okvm_ct_gup(unsigned long addr, struct page **pages);
long okvm_ct_gup(unsigned long addr, struct page **pages)
{
	long n = get_user_pages(addr, 1, FOLL_WRITE, pages);

	return n + pin_user_pages(addr, 1, FOLL_WRITE | FOLL_LONGTERM, pages);
}

#ifndef OKVM_COMPAT_NO_FOLLOW_PFNMAP
unsigned long okvm_ct_pfnmap(struct vm_area_struct *vma, unsigned long addr);
unsigned long okvm_ct_pfnmap(struct vm_area_struct *vma, unsigned long addr)
{
	struct follow_pfnmap_args args = { .vma = vma, .address = addr };
	unsigned long pfn;

	if (follow_pfnmap_start(&args))
		return 0;
	pfn = args.writable ? args.pfn : 0;
	follow_pfnmap_end(&args);
	return pfn;
}
#endif

u64 okvm_ct_msr(u32 msr);
u64 okvm_ct_msr(u32 msr)
{
	u64 a = 0, b = 0, c = 0;

	rdmsrq(msr, a);
	if (rdmsrq_safe(msr, &b) || rdmsrq_on_cpu(0, msr, &c))
		return 0;
	wrmsrq(msr, a);
	if (wrmsrq_safe(msr, b) || wrmsrq_on_cpu(0, msr, c))
		return 0;
	return a ^ b ^ c;
}

u32 okvm_ct_misc(const void *p);
u32 okvm_ct_misc(const void *p)
{
	return get_unaligned_le32(p) ^ cpuid_ecx(0x80000001);
}
