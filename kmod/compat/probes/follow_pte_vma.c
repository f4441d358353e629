// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux 6.10 ("mm: pass VMA instead of MM to follow_pte()"): follow_pte()
 * takes the vma. Only asked on kernels without follow_pfnmap (before 6.12).
 */
#include <linux/mm.h>

int okvm_probe(struct vm_area_struct *vma, unsigned long addr);
int okvm_probe(struct vm_area_struct *vma, unsigned long addr)
{
	spinlock_t *ptl;
	pte_t *ptep;

	return follow_pte(vma, addr, &ptep, &ptl);
}
