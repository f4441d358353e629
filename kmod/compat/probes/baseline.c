// SPDX-License-Identifier: GPL-2.0-only
/*
 * Not a feature: this must compile on every kernel. If it does not, the probe
 * command line itself is broken and every other answer would be a lie.
 */
#include <linux/module.h>

int okvm_probe(void);
int okvm_probe(void)
{
	return 0;
}
