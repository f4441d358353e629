// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux 6.12 ("mm: new follow_pfnmap API"): follow_pfnmap_start()/end()
 * replace follow_pte() for looking up PFNs of VM_IO/VM_PFNMAP mappings.
 */
#include <linux/mm.h>

unsigned long okvm_probe(struct vm_area_struct *vma, unsigned long addr);
unsigned long okvm_probe(struct vm_area_struct *vma, unsigned long addr)
{
	struct follow_pfnmap_args args = { .vma = vma, .address = addr };
	unsigned long pfn = 0;

	if (!follow_pfnmap_start(&args)) {
		pfn = args.pfn;
		follow_pfnmap_end(&args);
	}
	return pfn;
}
