// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux 6.16 ("x86/cpuid: Move CPUID APIs into <asm/cpuid/api.h>"): cpuid(),
 * cpuid_eax() and friends are no longer pulled in by <asm/processor.h>.
 */
#include <asm/cpuid/api.h>

u32 okvm_probe(void);
u32 okvm_probe(void)
{
	return cpuid_ecx(0x80000001);
}
