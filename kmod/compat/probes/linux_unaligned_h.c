// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux 6.12 ("move asm/unaligned.h to linux/unaligned.h"); the asm header
 * was removed in 6.13.
 */
#include <linux/unaligned.h>

u32 okvm_probe(const void *p);
u32 okvm_probe(const void *p)
{
	return get_unaligned_le32(p);
}
