// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux 6.3 ("mm: introduce vma->vm_flags wrapper functions"): vm_flags is
 * read-only for drivers; vm_flags_set()/vm_flags_clear() change it.
 */
#include <linux/mm.h>

void okvm_probe(struct vm_area_struct *vma);
void okvm_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
}
