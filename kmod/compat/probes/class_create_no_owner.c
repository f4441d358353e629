// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux 6.4 ("driver core: class: remove module * from class_create()"):
 * class_create() takes only the name.
 */
#include <linux/device.h>

struct class *okvm_probe(void);
struct class *okvm_probe(void)
{
	return class_create("okvm_probe");
}
