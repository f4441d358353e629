// SPDX-License-Identifier: GPL-2.0-only
/* System ioctls on /dev/okvm. */
#include <linux/fs.h>
#include <linux/module.h>

#include "okvm.h"

static long okvm_dev_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case OKVM_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return OKVM_API_VERSION;
	default:
		return -ENOTTY;
	}
}

const struct file_operations okvm_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = okvm_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};
