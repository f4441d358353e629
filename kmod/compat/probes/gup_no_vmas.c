// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux 6.5 ("mm/gup: remove vmas parameter from get_user_pages()" and
 * pin_user_pages()): both lost their last argument.
 */
#include <linux/mm.h>

long okvm_probe(unsigned long start, struct page **pages);
long okvm_probe(unsigned long start, struct page **pages)
{
	return get_user_pages(start, 1, FOLL_WRITE, pages) +
	       pin_user_pages(start, 1, FOLL_WRITE, pages);
}
