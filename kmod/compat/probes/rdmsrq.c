// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux 6.16 ("x86/msr: Rename 'rdmsrl()' to 'rdmsrq()'" and the wrmsrl,
 * *_safe and *_on_cpu siblings): the 64-bit MSR accessors end in q; the old
 * names are gone.
 */
#include <linux/types.h>
#include <asm/msr.h>

u64 okvm_probe(void);
u64 okvm_probe(void)
{
	u64 v = 0, w = 0;

	rdmsrq(0xc0000080, v);
	if (rdmsrq_safe(0xc0000080, &w))
		return 0;
	wrmsrq(0xc0000080, v);
	return v ^ w;
}
